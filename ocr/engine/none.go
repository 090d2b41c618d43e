//go:build !cgo || !unix

package engine

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/sohoa/sohoa/ocr"
)

// Available tells whether this build carries the OCR engine: this one,
// built without cgo (a station build), does not.
const Available = false

// MaybeServe refuses to serve when this process was started as an
// engine child, so that the parent's Pool reports why; otherwise it
// returns at once.
func MaybeServe() {
	if os.Getenv(ocr.EngineEnv) != "1" {
		return
	}
	fmt.Fprintln(os.Stderr, "ocr engine:", ErrUnavailable)
	os.Exit(1)
}

// Serve reports ErrUnavailable to the parent and returns it.
func Serve(ctx context.Context, r io.Reader, w io.Writer, langs string) error {
	return ocr.ServeEngine(ctx, r, w, func() (ocr.PageEngine, error) { return nil, ErrUnavailable })
}
