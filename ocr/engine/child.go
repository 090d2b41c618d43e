package engine

import (
	"context"
	"fmt"
	"os"

	"github.com/sohoa/sohoa/ocr"
)

// MaybeServe makes this process an OCR engine child when the environment
// asks for it (ocr.EngineEnv=1): it serves pages on stdin and stdout and
// exits; a build without the engine answers the parent's Pool with
// ErrUnavailable and exits. Otherwise it returns at once. Call it first
// thing in main, and in TestMain of every package whose tests recognize
// pages, since an ocr.Pool starts its engines by re-running its own
// executable.
func MaybeServe() {
	if os.Getenv(ocr.EngineEnv) != "1" {
		return
	}
	err := Serve(context.Background(), os.Stdin, os.Stdout, os.Getenv(ocr.EngineLangsEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "ocr engine:", err)
		os.Exit(1)
	}
	os.Exit(0)
}
