package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/archival"
	"github.com/sohoa/sohoa/ocr/ocrtest"
)

// The archival benchmark: field-level exact match of ocr/archival.Read
// over sohoa's OCR of generated NĐ 30 documents (testdata/gen -preset
// nd30: two-column header, type heading, summary, Nơi nhận, signer block
// under a red seal, numbers and days sometimes written by hand) and of the
// real vn-admin scans (ground truth read by hand:
// testdata/archival/vn-admin.json).
//
//	go test ./ocr/engine -run '^$' -bench Archival -benchtime 1x -v
//
// SOHOA_ARCHIVAL_DOCS sets how many generated documents (40).
// SOHOA_ARCHIVAL_CORPUS=DIR keeps the generated corpus there (generated
// when DIR has none; it is not checked against SOHOA_ARCHIVAL_DOCS).
// SOHOA_ARCHIVAL_RESULTS=DIR keeps the OCR results there and reads them
// back on later runs (delete DIR after an engine change): a change to the
// reader is then measured in seconds, on the same readings. Reported
// per set: exact share of printed fields and of dates, fields delivered
// (confidence >= archival.Deliver) and how many of those were wrong (the
// target is none), and the handwritten blanks: read right, said
// unreadable or left for review, or wrong; then a line per field: its
// printed values exact, its handwritten blanks read right, its values
// delivered and how many of those were wrong.

// docTruth is one document's expected fields under their JSON names
// (doc_type, number, …, recipients as a list) with first_page, last_page,
// handwritten (fields whose digits were written by hand) and blank_fields
// (blanks left empty) (both JSON files use these names).
type docTruth map[string]any

func (d docTruth) str(k string) string {
	s, _ := d[k].(string)
	return s
}

func (d docTruth) page(k string) int {
	n, _ := d[k].(float64)
	return int(n)
}

func (d docTruth) list(k string) []string {
	var out []string
	xs, _ := d[k].([]any)
	for _, x := range xs {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// nd30Page is a page truth of gen -preset nd30 with the fields of the
// document it belongs to.
type nd30Page struct {
	truthPage
	Archival docTruth `json:"archival"`
}

func (p *nd30Page) truth() *truthPage { return &p.truthPage }

// archivalCase is a run of pages (one file or one generated dossier) and
// the documents in it.
type archivalCase struct {
	name   string
	inputs []ocr.Input
	docs   []docTruth
}

func generatedArchival(b *testing.B) []archivalCase {
	n := os.Getenv("SOHOA_ARCHIVAL_DOCS")
	if n == "" {
		n = "40"
	}
	dir := os.Getenv("SOHOA_ARCHIVAL_CORPUS")
	if dir == "" {
		dir = b.TempDir()
	}
	pages := loadPages[nd30Page](b, dir)
	if len(pages) == 0 {
		sohoatest.Generate(b, dir, "-seed", "14", "-preset", "nd30", "-n", n)
		pages = loadPages[nd30Page](b, dir)
	}
	// All pages in one dossier: Read must find where each document starts.
	c := archivalCase{name: "generated"}
	for _, p := range pages {
		if p.Archival == nil {
			b.Fatalf("%s: no archival truth", p.Image)
		}
		c.inputs = append(c.inputs, p.input(b))
		if d := p.Archival; d.page("part") == 1 {
			d["first_page"] = float64(len(c.inputs))
			d["last_page"] = float64(len(c.inputs) + d.page("parts") - 1)
			c.docs = append(c.docs, d)
		}
	}
	return []archivalCase{c}
}

func realArchival(b *testing.B) []archivalCase {
	data, err := os.ReadFile("../../testdata/archival/vn-admin.json")
	if err != nil {
		b.Fatal(err)
	}
	var t struct {
		Files []struct {
			File string     `json:"file"`
			Docs []docTruth `json:"docs"`
		} `json:"files"`
	}
	if err := json.Unmarshal(data, &t); err != nil {
		b.Fatal(err)
	}
	var cs []archivalCase
	for _, f := range t.Files {
		pdf := ocrtest.ReadCorpus(b, filepath.Join("vn-admin", f.File))
		last := f.Docs[len(f.Docs)-1].page("last_page")
		c := archivalCase{name: f.File[:8], docs: f.Docs}
		for p := 1; p <= last; p++ {
			c.inputs = append(c.inputs, ocr.Input{Name: f.File, Data: pdf, Page: p})
		}
		cs = append(cs, c)
	}
	return cs
}

// fieldScore counts one set's outcomes.
type fieldScore struct {
	printed, printedOK int // printed fields (not handwritten, not blank)
	dates, datesOK     int
	delivered, wrongHi int // values at >= Deliver; of those wrong
	hand, handOK       int // handwritten blanks; read right
	handHonest         int // said unreadable or left under Deliver
	handLowWrong       int // of those, a wrong value left under Deliver (for review)
	blank, blankOK     int // blanks left empty: nothing delivered
	docs, docsFound    int
	flagged            int // documents found whose review flag is up
	misses             []string
	// perField counts the same outcomes field by field (JSON names).
	perField map[string]*fieldCount
}

// fieldCount is one field's outcomes within a set.
type fieldCount struct {
	printed, printedOK int // printed values (dates included), exact
	hand, handOK       int // handwritten blanks, read right
	delivered, wrongHi int // values at >= Deliver; of those wrong
}

func (s *fieldScore) count(field string) *fieldCount {
	if s.perField == nil {
		s.perField = map[string]*fieldCount{}
	}
	if s.perField[field] == nil {
		s.perField[field] = &fieldCount{}
	}
	return s.perField[field]
}

// fieldTable is one line per field scored: printed exact, handwritten read
// right, delivered and wrong at high confidence.
func (s *fieldScore) fieldTable() []string {
	var out []string
	for _, f := range archivalFields {
		c := s.perField[f]
		if c == nil {
			continue
		}
		line := fmt.Sprintf("%-12s printed exact %-14s", f, pct(c.printedOK, c.printed))
		if c.hand > 0 {
			line += fmt.Sprintf(" handwritten read %-14s", pct(c.handOK, c.hand))
		}
		out = append(out, line+fmt.Sprintf(" delivered %d, wrong at high confidence %d", c.delivered, c.wrongHi))
	}
	return out
}

func clean(s string) string {
	return strings.Join(strings.Fields(norm.NFC.String(s)), " ")
}

func (s *fieldScore) add(name, field, want string, got *archival.Field, hand, blank bool) {
	fc := s.count(field)
	if want == "" && !blank {
		if got != nil && got.Value != "" && got.Confidence >= archival.Deliver {
			s.delivered++
			s.wrongHi++
			fc.delivered++
			fc.wrongHi++
			s.misses = append(s.misses, fmt.Sprintf("%s %s: invented %q (%.2f)", name, field, got.Value, got.Confidence))
		}
		return
	}
	ok := got != nil && clean(got.Value) == clean(want)
	if got != nil && got.Value != "" && got.Confidence >= archival.Deliver {
		s.delivered++
		fc.delivered++
		if !ok {
			s.wrongHi++
			fc.wrongHi++
			s.misses = append(s.misses, fmt.Sprintf("%s %s: WRONG AT HIGH CONFIDENCE %q (%.2f), want %q", name, field, got.Value, got.Confidence, want))
		}
	}
	switch {
	case blank:
		s.blank++
		if got == nil || got.Value == "" {
			s.blankOK++
		}
		return
	case hand:
		s.hand++
		fc.hand++
		if ok {
			s.handOK++
			fc.handOK++
		} else if got == nil || got.Unreadable || got.Confidence < archival.Deliver {
			s.handHonest++
			if got != nil && got.Value != "" && !got.Unreadable {
				s.handLowWrong++
			}
		}
	case field == "date":
		s.dates++
		fc.printed++
		if ok {
			s.datesOK++
			fc.printedOK++
		}
	default:
		s.printed++
		fc.printed++
		if ok {
			s.printedOK++
			fc.printedOK++
		}
	}
	if !ok {
		g := "absent"
		if got != nil {
			g = fmt.Sprintf("%q (%.2f, text %q, unreadable %v)", got.Value, got.Confidence, got.Text, got.Unreadable)
		}
		s.misses = append(s.misses, fmt.Sprintf("%s %s: got %s, want %q", name, field, g, want))
	}
}

// archivalFields are the fields scored, by their JSON names.
var archivalFields = []string{"doc_type", "number", "agency", "place", "date", "summary", "signer", "signer_title", "urgency", "secrecy", "recipients"}

func fieldOf(d archival.Document, name string) *archival.Field {
	switch name {
	case "doc_type":
		return d.DocType
	case "number":
		return d.Number
	case "agency":
		return d.Agency
	case "place":
		return d.Place
	case "date":
		return d.Date
	case "summary":
		return d.Summary
	case "signer":
		return d.Signer
	case "signer_title":
		return d.SignerTitle
	case "urgency":
		return d.Urgency
	case "secrecy":
		return d.Secrecy
	}
	// The recipients as one value: all of them, in order, at the
	// confidence of the weakest.
	if len(d.Recipients) == 0 {
		return nil
	}
	f := &archival.Field{Confidence: 1}
	var vs []string
	for _, r := range d.Recipients {
		vs = append(vs, r.Value)
		f.Confidence = min(f.Confidence, r.Confidence)
	}
	f.Value = strings.Join(vs, "; ")
	return f
}

func (s *fieldScore) score(name string, want docTruth, got archival.Document) {
	for _, field := range archivalFields {
		w := want.str(field)
		if field == "recipients" {
			if w = strings.Join(want.list(field), "; "); w == "" {
				continue // not read by hand for the real scans
			}
		}
		hand := slices.Contains(want.list("handwritten"), field)
		blank := slices.Contains(want.list("blank_fields"), field)
		f := fieldOf(got, field)
		s.add(name, field, w, f, hand, blank)
		if field == "date" && hand {
			s.dates++ // a handwritten date still counts among the dates
			if f != nil && f.Value == w {
				s.datesOK++
			}
		}
	}
}

func pct(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%% (%d/%d)", 100*float64(a)/float64(b), a, b)
}

// recognizeCase reads a case's pages, from SOHOA_ARCHIVAL_RESULTS when
// they were kept there, and returns their results and corrected images
// (the images the second reading of handwritten blanks crops).
func recognizeCase(b *testing.B, pool *ocr.Pool, set string, c archivalCase) ([]ocr.Result, [][]byte) {
	cache := os.Getenv("SOHOA_ARCHIVAL_RESULTS")
	results := make([]ocr.Result, len(c.inputs))
	images := make([][]byte, len(c.inputs))
	var wg sync.WaitGroup
	for i, in := range c.inputs {
		wg.Go(func() {
			kept := filepath.Join(cache, fmt.Sprintf("%s-%s-%03d.json", set, c.name, i+1))
			keptImage := strings.TrimSuffix(kept, ".json") + ".img"
			if cache != "" {
				data, err := os.ReadFile(kept)
				img, errImg := os.ReadFile(keptImage)
				if err == nil && errImg == nil && json.Unmarshal(data, &results[i]) == nil {
					images[i] = img
					return
				}
			}
			res, img, err := pool.Recognize(context.Background(), in)
			if err != nil {
				b.Errorf("%s page %d: %v", in.Name, in.Page, err)
				return
			}
			results[i], images[i] = res, img.Data
			if cache != "" {
				data, err := json.Marshal(res)
				if err == nil {
					err = os.WriteFile(kept, data, 0o644)
				}
				if err == nil {
					err = os.WriteFile(keptImage, img.Data, 0o644)
				}
				if err != nil {
					b.Errorf("keeping %s: %v", kept, err)
				}
			}
		})
	}
	wg.Wait()
	return results, images
}

// pageImages describes the kept corrected images of a case's pages (JPEG,
// or G4 for bitonal pages) for the second reading.
func pageImages(results []ocr.Result, data [][]byte) []ocr.Image {
	out := make([]ocr.Image, len(results))
	for i, r := range results {
		enc := ocr.G4
		if len(data[i]) > 2 && data[i][0] == 0xFF && data[i][1] == 0xD8 {
			enc = ocr.JPEG
		}
		out[i] = ocr.Image{Encoding: enc, Width: r.Width, Height: r.Height, Data: data[i]}
	}
	return out
}

// BenchmarkArchival scores each set twice on the same readings: the page
// reading alone ("page reading only"), then with the second reading of
// handwritten blanks (ocr.Pool.ReadDigits), as the document job does.
func BenchmarkArchival(b *testing.B) {
	sets := map[string][]archivalCase{"generated": generatedArchival(b), "real": realArchival(b)}
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		pool := ocr.NewPool(ocr.Options{Engines: 2})
		for _, set := range []string{"generated", "real"} {
			var results [][]ocr.Result
			var images [][]ocr.Image
			for _, c := range sets[set] {
				rs, data := recognizeCase(b, pool, set, c)
				results, images = append(results, rs), append(images, pageImages(rs, data))
			}
			for _, second := range []bool{false, true} {
				label := set + " (page reading only)"
				if second {
					label = set
				}
				var s fieldScore
				for k, c := range sets[set] {
					docs := archival.Read(results[k])
					if second {
						if err := secondReading(ctx, b, pool, results[k], images[k], docs, time.Now()); err != nil {
							b.Errorf("%s: second reading: %v", c.name, err)
						}
					}
					for _, want := range c.docs {
						s.docs++
						first := want.page("first_page")
						i := slices.IndexFunc(docs, func(d archival.Document) bool { return d.FirstPage == first })
						if i < 0 {
							s.misses = append(s.misses, fmt.Sprintf("%s: no document starts at page %d", c.name, first))
							s.score(c.name, want, archival.Document{})
							continue
						}
						if docs[i].LastPage == want.page("last_page") {
							s.docsFound++
						}
						if docs[i].NeedsReview {
							s.flagged++
						}
						s.score(fmt.Sprintf("%s p%d", c.name, first), want, docs[i])
					}
				}
				for _, m := range s.misses {
					b.Logf("%s: %s", label, m)
				}
				b.Logf("%s: documents split right %s; printed fields exact %s; dates %s; handwritten blanks read %s, said unreadable or low %d (of which a wrong value under %.1f: %d), wrong %d; blanks left empty %s; delivered %d, wrong at high confidence %d; documents flagged for review %d",
					label, pct(s.docsFound, s.docs), pct(s.printedOK, s.printed), pct(s.datesOK, s.dates), pct(s.handOK, s.hand),
					s.handHonest, archival.Deliver, s.handLowWrong, s.hand-s.handOK-s.handHonest, pct(s.blankOK, s.blank), s.delivered, s.wrongHi, s.flagged)
				for _, l := range s.fieldTable() {
					b.Logf("%s: %s", label, l)
				}
				metric := set
				if !second {
					metric += "-page-only"
				}
				b.ReportMetric(100*float64(s.printedOK)/float64(max(1, s.printed)), metric+"-printed-%")
				b.ReportMetric(100*float64(s.datesOK)/float64(max(1, s.dates)), metric+"-dates-%")
				b.ReportMetric(float64(s.wrongHi), metric+"-wrong-high")
			}
		}
		pool.Close()
	}
}
