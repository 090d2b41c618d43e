//go:build !cgo || !unix

package engine

import (
	"context"
	"io"

	"github.com/sohoa/sohoa/ocr"
)

// Available tells whether this build carries the OCR engine: this one,
// built without cgo (a station build), does not.
const Available = false

// Serve reports ErrUnavailable to the parent and returns it.
func Serve(ctx context.Context, r io.Reader, w io.Writer, langs string) error {
	return ocr.ServeEngine(ctx, r, w, func() (ocr.PageEngine, error) { return nil, ErrUnavailable })
}
