package engine

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/archival"
	"github.com/sohoa/sohoa/ocr/ocrtest"
)

// secondReading reads the handwritten blanks of the documents Read found
// in results (the pages' corrected images in images) with the pool's
// digits reading, and takes the plausible readings into docs.
func secondReading(ctx context.Context, tb testing.TB, pool *ocr.Pool, results []ocr.Result, images []ocr.Image, docs []archival.Document, today time.Time) error {
	blanks := archival.Blanks(results, docs)
	readings := make([]ocr.DigitsReading, len(blanks))
	byPage := map[int][]int{}
	for i, b := range blanks {
		byPage[b.Page] = append(byPage[b.Page], i)
	}
	for pg, idx := range byPage {
		in := ocr.DigitsInput{Name: results[pg-1].File, Image: images[pg-1]}
		var onPage []archival.Blank
		for _, i := range idx {
			onPage = append(onPage, blanks[i])
		}
		// The readings come in PageRequest's order: sort idx alike.
		order := archival.PageRequest(&in, onPage)
		slices.SortStableFunc(idx, func(a, b int) int {
			return slices.Index(order, blanks[a]) - slices.Index(order, blanks[b])
		})
		rs, err := pool.ReadDigits(ctx, in)
		if err != nil {
			return err
		}
		for k, i := range idx {
			readings[i] = rs[k]
			tb.Logf("%s %s blank %+v: read %q (%.0f, ink %v; handwriting reader %q at %.3f, %.3f in range)", in.Name, blanks[i].Part, blanks[i].Box, rs[k].Text, rs[k].Confidence, rs[k].Ink, rs[k].Hand, rs[k].HandProb, rs[k].HandInRange)
		}
	}
	archival.ApplyDigits(docs, blanks, readings, today)
	return nil
}

// TestReadDigitsHandwritten: generated NĐ 30 pages whose number or day
// (and month) were written by hand in blue, read by the page reading,
// then their blanks read again as digits. Of the fields the page reading
// left unreadable or wrong, the second reading must read at least half,
// and deliver none wrong.
func TestReadDigitsHandwritten(t *testing.T) {
	if testing.Short() {
		t.Skip("OCR of generated pages")
	}
	dir := t.TempDir()
	sohoatest.Generate(t, dir, "-seed", "14", "-preset", "nd30", "-n", "8")
	pages := slices.DeleteFunc(loadPages[nd30Page](t, dir), func(p nd30Page) bool { return len(p.Archival.list("handwritten")) == 0 })
	if len(pages) < 4 {
		t.Fatalf("%d handwritten pages generated", len(pages))
	}
	ctx := context.Background()
	pool := sharedPool()
	today := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	read, fields := 0, 0
	for _, p := range pages {
		res, img, err := pool.Recognize(ctx, p.input(t))
		if err != nil {
			t.Fatal(err)
		}
		results, images := []ocr.Result{res}, []ocr.Image{img}
		docs := archival.Read(results)
		if len(docs) != 1 {
			t.Errorf("%s: %d documents", p.Image, len(docs))
			continue
		}
		// The fields as the page reading left them (ApplyDigits changes
		// them in place).
		before := archival.Document{}
		if f := docs[0].Number; f != nil {
			before.Number = &archival.Field{Value: f.Value}
		}
		if f := docs[0].Date; f != nil {
			before.Date = &archival.Field{Value: f.Value}
		}
		if err := secondReading(ctx, t, pool, results, images, docs, today); err != nil {
			t.Fatalf("%s: %v", p.Image, err)
		}
		for _, name := range []string{"number", "date"} {
			if !slices.Contains(p.Archival.list("handwritten"), name) {
				continue
			}
			want := p.Archival.str(name)
			got, old := docs[0].Number, before.Number
			if name == "date" {
				got, old = docs[0].Date, before.Date
			}
			if old != nil && old.Value == want {
				continue // read by the page reading already: nothing to show
			}
			fields++
			switch {
			case got == nil:
				t.Logf("%s %s: not found", p.Image, name)
			case got.Value == want:
				read++
				t.Logf("%s %s: %q read (%.2f)", p.Image, name, got.Value, got.Confidence)
			case got.Value != "" && got.Confidence >= archival.Deliver:
				t.Errorf("%s %s: %q delivered at %.2f, want %q", p.Image, name, got.Value, got.Confidence, want)
			default:
				t.Logf("%s %s: %q left at %.2f (unreadable %v), want %q", p.Image, name, got.Value, got.Confidence, got.Unreadable, want)
			}
			if got != nil && got.Value == want && !got.Handwritten {
				t.Errorf("%s %s: read from a blank but not marked handwritten", p.Image, name)
			}
		}
	}
	if fields == 0 || read*2 < fields {
		t.Errorf("the second reading read %d of the %d handwritten fields the page reading missed, want at least half", read, fields)
	}
}

// TestDigitsTimeout: the second reading has its own timeout, apart from
// the page's: past it the engine is stopped and the call fails with an
// engine error, and the next page on the same pool reads.
func TestDigitsTimeout(t *testing.T) {
	p := ocr.NewPool(ocr.Options{Engines: 1, PageTimeout: 15 * time.Minute, DigitsTimeout: time.Millisecond})
	defer p.Close()
	ctx := context.Background()
	small := ocrtest.ReadCorpus(t, "tesseract/viet.tif")
	res, img, err := p.Recognize(ctx, ocr.Input{Name: "viet.tif", Data: small})
	if err != nil {
		t.Fatal(err)
	}
	// Decoding the page and starting the digits model take far longer
	// than a millisecond.
	_, err = p.ReadDigits(ctx, ocr.DigitsInput{Name: "viet.tif", Image: img, Blanks: []ocr.Box{{X0: 0, Y0: 0, X1: res.Width / 2, Y1: res.Height / 4}}})
	if !errors.Is(err, ocr.ErrEngine) || !strings.Contains(err.Error(), "1ms") {
		t.Fatalf("err = %v, want an engine timeout after 1ms", err)
	}
	if res, _, err := p.Recognize(ctx, ocr.Input{Name: "viet.tif", Data: small}); err != nil || !strings.Contains(res.Text, "tiếng") {
		t.Fatalf("next page: %v %q", err, res.Text)
	}
	if s := p.Stats(); s.Killed != 1 {
		t.Errorf("stats %+v, want 1 killed", s)
	}
}
