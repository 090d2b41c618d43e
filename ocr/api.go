package ocr

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Limits bound what a decoder accepts, against decompression bombs.
type Limits struct {
	MaxPixels int64 // per page; 0 means DefaultMaxPixels
	MaxPages  int   // per file; 0 means DefaultMaxPages
	// MaxTIFFStrips bounds the strip and tile entries (offsets and byte
	// counts) inspection reads from one TIFF file, over all its pages: its
	// cost. DefaultMaxTIFFStrips when 0.
	MaxTIFFStrips int
}

const (
	DefaultMaxPixels = 120_000_000 // e.g. A3 at 600 dpi in colour is ~70 Mpx
	DefaultMaxPages  = 2000
	// DefaultMaxTIFFStrips: a scanner writes one strip per page or one per
	// few dozen rows; an A4 page at 600 dpi in 8-row strips has under 1,000,
	// so this takes 260 such pages in one file.
	DefaultMaxTIFFStrips = 1 << 18
)

// Input is one page to recognize: a whole file's bytes and which page of it.
type Input struct {
	Name string // file name, for messages and Result.File
	Data []byte
	Page int     // 1-based page within the file (multi-page TIFF, PDF)
	DPI  float64 // override; 0 means use the file's, else Options.DefaultDPI
}

// FileInfo describes an accepted input file.
type FileInfo struct {
	Format string // "png", "jpeg", "tiff", "pdf", "webp"...
	Pages  int
	// Pixels is the sum over its pages of width × height: the work the
	// file asks of an engine (a PDF page counts at the resolution of its
	// largest image, 300 dpi when it has none).
	Pixels int64
}

// Inspect checks that data is a page image (or image-only PDF) that the
// engine can read within lim, without decoding whole pages where avoidable.
// Errors name the problem in words a scanner operator understands.
func Inspect(ctx context.Context, name string, data []byte, lim Limits) (FileInfo, error) {
	if Sniff(data) == "pdf" {
		n, pages, err := inspectPDF(ctx, data, lim, 1, 0)
		if err != nil {
			return FileInfo{}, fmt.Errorf("%s: %w", name, err)
		}
		return pdfFileInfo(n, pages), nil
	}
	info, err := inspectImage(data, lim)
	if err != nil {
		return FileInfo{}, fmt.Errorf("%s: %w", name, err)
	}
	return info.FileInfo, nil
}

// DefaultTessdata is used when TESSDATA_PREFIX is not set.
const DefaultTessdata = "/usr/share/tesseract-ocr/5/tessdata"

// Options configure recognition. The zero value works: vie, 300 dpi
// assumed when the file has none, review below confidence 60.
type Options struct {
	Languages   string        // Tesseract languages, "vie" when empty; e.g. "vie+eng"
	DefaultDPI  float64       // assumed when the file has no dpi; 300 when 0
	ReviewBelow float64       // mean confidence under which a page needs review; 60 when 0
	PageTimeout time.Duration // per page; 2 minutes when 0
	// DigitsTimeout bounds one ReadDigits call (the second reading of
	// handwritten digits in a page's blanks); 30 seconds when 0.
	DigitsTimeout time.Duration
	JPEGQuality   int // for colour/grey page images; 75 when 0
	Engines       int // parallel engines; runtime.NumCPU() when 0
	Limits        Limits

	// Command starts one engine child, with the child environment
	// (ChildEnv: no secrets) and SOHOA_OCR_ENGINE=1. Default: this
	// executable, which must call
	// engine.MaybeServe (package ocr/engine) first thing in main (and in TestMain for tests).
	Command []string
	// RecycleAfter restarts an engine after this many pages (Tesseract
	// leaks a little on every page); 200 when 0.
	RecycleAfter int
	// MaxEngineRSS restarts an engine whose resident memory passes this
	// many bytes after a page; 400 MiB when 0.
	MaxEngineRSS int64
	// Logger receives engine starts, restarts and failures; slog.Default() when nil.
	Logger *slog.Logger
}
