package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/engine"
)

// ocrPage is one NDJSON line of `sohoa ocr --json`.
type ocrPage struct {
	File        string  `json:"file"`
	Page        int     `json:"page"`
	Orientation int     `json:"orientation"`
	Skew        float64 `json:"skew"`
	Blank       bool    `json:"blank"`
	Confidence  float64 `json:"confidence"`
	NeedsReview bool    `json:"needs_review"`
	// ReviewReasons say why (ocr.Reason*); Evidence is what was weighed.
	ReviewReasons []string      `json:"review_reasons,omitempty"`
	Evidence      *ocr.Evidence `json:"evidence,omitempty"`
	// Plausibility (0-1): confidence times the share of Vietnamese syllables.
	Plausibility  float64 `json:"plausibility"`
	SecondReading bool    `json:"second_reading,omitempty"`
	// Photo: a photo of a sheet, found and flattened before reading.
	Photo bool `json:"photo,omitempty"`
	// OrientationUnsure: no turn made the text readable; the page kept the
	// scanner's orientation (and needs review).
	OrientationUnsure bool       `json:"orientation_unsure"`
	Language          string     `json:"language"`
	DPI               float64    `json:"dpi"`
	DPIKnown          bool       `json:"dpi_known"`
	DPISource         string     `json:"dpi_source"` // file, estimated (from the letters) or assumed
	Width             int        `json:"width"`
	Height            int        `json:"height"`
	Text              string     `json:"text"`
	Lines             []ocr.Line `json:"lines,omitempty"`
}

// pageJob is one page waiting for its result, in output order.
type pageJob struct {
	file string
	page int
	data []byte
	done chan pageDone
}

type pageDone struct {
	res ocr.Result
	err error
}

func runOCR(ctx context.Context, e *env, args []string) error {
	fl := e.flagSet("ocr", e.ui.t("Cách dùng: sohoa ocr [--lang vie] [--json] [--dpi N] TỆP...", "Usage: sohoa ocr [--lang vie] [--json] [--dpi N] FILE..."))
	lang := fl.String("lang", "vie", e.ui.t("ngôn ngữ Tesseract, ví dụ vie+eng", "Tesseract languages, e.g. vie+eng"))
	asJSON := fl.Bool("json", false, e.ui.t("in mỗi trang một dòng JSON (NDJSON)", "print one JSON object per page per line (NDJSON)"))
	words := fl.Bool("words", false, e.ui.t("kèm dòng và từ có tọa độ trong JSON", "include lines and words with boxes in the JSON"))
	dpi := fl.Float64("dpi", 0, e.ui.t("độ phân giải dùng thay cho của tệp", "resolution to use instead of the file's"))
	engines := fl.Int("engines", 0, e.ui.t("số tiến trình nhận dạng (mặc định: số lõi CPU)", "recognition processes (default: CPU cores)"))
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() == 0 {
		return usageError{e.ui.t("thiếu tệp ảnh", "no image file given")}
	}
	if err := ocr.CheckModels(*lang); err != nil {
		return err
	}
	bar := e.progress("OCR", 0)
	defer bar.clear()
	pool := ocr.NewPool(ocr.Options{Languages: *lang, Engines: *engines, Logger: e.log})
	defer pool.Close()

	failed := 0
	report := func(file string, page int, err error) {
		failed++
		msg := e.ui.errText(err)
		bar.hide()
		if page > 0 {
			fmt.Fprintf(e.stderr, "sohoa ocr: %s %s %d: %s\n", file, e.ui.t("trang", "page"), page, msg)
		} else {
			fmt.Fprintf(e.stderr, "sohoa ocr: %s: %s\n", file, msg)
		}
	}

	// Pages go to the engines in parallel and come out in order.
	queue := make(chan *pageJob, 64)
	ordered := make(chan *pageJob, 64)
	var total atomic.Int64
	go func() {
		defer close(ordered)
		defer close(queue)
		for _, file := range fl.Args() {
			data, err := os.ReadFile(file)
			var info ocr.FileInfo
			if err == nil {
				info, err = ocr.Inspect(ctx, file, data, ocr.Limits{})
			}
			if err != nil {
				j := &pageJob{file: file, done: make(chan pageDone, 1)}
				j.done <- pageDone{err: err}
				ordered <- j
				continue
			}
			total.Add(int64(info.Pages))
			for page := 1; page <= info.Pages; page++ {
				j := &pageJob{file: file, page: page, data: data, done: make(chan pageDone, 1)}
				select {
				case ordered <- j:
				case <-ctx.Done():
					return
				}
				queue <- j
			}
		}
	}()
	workers := *engines
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	for range workers {
		go func() {
			for j := range queue {
				res, _, err := pool.Recognize(ctx, ocr.Input{Name: j.file, Data: j.data, Page: j.page, DPI: *dpi})
				j.done <- pageDone{res: res, err: err}
			}
		}()
	}

	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	first := true
	finished := 0
	var review []reviewPage // pages to look at, listed on stderr after the text
	for j := range ordered {
		d := <-j.done
		finished++
		bar.set(finished, int(total.Load()))
		if d.err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			report(j.file, j.page, d.err)
			continue
		}
		r := d.res
		if *asJSON {
			out := ocrPage{File: j.file, Page: j.page, Orientation: r.Orientation, Skew: r.Skew, Blank: r.Blank,
				Confidence: r.Confidence, NeedsReview: r.NeedsReview, ReviewReasons: r.ReviewReasons, Evidence: r.Evidence, Plausibility: r.Plausibility, SecondReading: r.SecondReading, Photo: r.Photo, OrientationUnsure: r.OrientationUnsure, Language: r.Language, DPI: r.DPI, DPIKnown: r.DPIKnown, DPISource: r.DPISource,
				Width: r.Width, Height: r.Height, Text: r.Text}
			if *words {
				out.Lines = r.Lines
			}
			if err := enc.Encode(out); err != nil {
				return err
			}
			continue
		}
		bar.hide()
		if !first {
			fmt.Fprint(e.stdout, "\f\n")
		}
		first = false
		if len(fl.Args()) > 1 || j.page > 1 {
			fmt.Fprintf(e.stdout, "==> %s %s %d <==\n", j.file, e.ui.t("trang", "page"), j.page)
		}
		fmt.Fprintln(e.stdout, strings.TrimRight(r.Text, "\n"))
		if r.NeedsReview {
			review = append(review, reviewPage{index: finished, file: j.file, page: j.page, res: r})
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	bar.clear()
	printReview(e.stderr, e.ui, review, finished > 1)
	if failed > 0 {
		return &userError{vi: fmt.Sprintf("%d trang hoặc tệp không nhận dạng được", failed),
			en: fmt.Sprintf("%d failed (pages or files)", failed)}
	}
	return nil
}

// What commands that need OCR say in a build without the engine (built
// with CGO_ENABLED=0, as the station client for desk PCs is).
const (
	noOCRVI = "bản dựng sohoa này không có bộ nhận dạng chữ (OCR): lệnh này cần bản dựng đầy đủ (có cgo, Tesseract và Leptonica)"
	noOCREN = "this build of sohoa has no OCR engine: this command needs the full build (with cgo, Tesseract and Leptonica)"
)

// runOCREngine serves pages on stdin/stdout with the engine protocol of
// package ocr: the same server a Pool starts with SOHOA_OCR_ENGINE=1, for
// manual use and debugging.
func runOCREngine(ctx context.Context, e *env, args []string) error {
	fl := flag.NewFlagSet("ocr-engine", flag.ContinueOnError)
	fl.SetOutput(e.stderr)
	lang := fl.String("lang", "vie", "Tesseract languages")
	if err := fl.Parse(args); err != nil {
		return err
	}
	return engine.Serve(ctx, e.stdin, e.stdout, *lang)
}
