//go:build cgo && unix

package engine

import (
	"context"
	"io"
	"os"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/sohoa/sohoa/ocr"
)

// Available tells whether this build carries the OCR engine (it needs cgo).
const Available = true

// Serve loads Tesseract for langs and serves pages from r to w until r
// ends (see ocr.ServeEngine). When w is os.Stdout, the process's own fd 1
// is pointed at stderr first, so that stray prints from C libraries
// cannot corrupt the frames.
func Serve(ctx context.Context, r io.Reader, w io.Writer, langs string) error {
	if f, ok := w.(*os.File); ok && f == os.Stdout {
		fd, err := syscall.Dup(1)
		if err != nil {
			return err
		}
		if err := syscall.Dup2(2, 1); err != nil {
			return err
		}
		w = os.NewFile(uintptr(fd), "engine-out")
	}
	// The page images are large and short-lived: give memory back quickly.
	debug.SetGCPercent(50)
	tessdata := tessdataDir()
	return ocr.ServeEngine(ctx, r, w, func() (ocr.PageEngine, error) {
		rec, err := newRecognizer(tessdata, langs)
		if err != nil {
			return nil, err
		}
		return rec, nil
	})
}

// tessdataDir is where the Tesseract models are: $TESSDATA_PREFIX, else
// the default.
func tessdataDir() string {
	if d := os.Getenv("TESSDATA_PREFIX"); d != "" {
		return d
	}
	return ocr.DefaultTessdata
}

// Process runs the page pipeline (see the package comment) on one page
// and counts the processor time it took, poppler's included.
func (r *recognizer) Process(ctx context.Context, j *ocr.Job) (ocr.Result, ocr.Image, error) {
	cpu0 := cpuTime()
	res, img, err := r.process(ctx, j)
	res.CPU = cpuTime() - cpu0
	return res, img, err
}

// Close frees Tesseract and the files of the last PDF.
func (r *recognizer) Close() { r.close() }

// cpuTime is the processor time of this process and its reaped children.
func cpuTime() time.Duration {
	var self, kids syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	return time.Duration(self.Utime.Nano() + self.Stime.Nano() + kids.Utime.Nano() + kids.Stime.Nano())
}
