package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestND30Documents renders the nd30 preset's pages at a low dpi and checks
// the ground truth a benchmark relies on: every document starts with a
// page holding all its fields, the date is a real one in ISO form, the
// number carries the type code of its heading (none for a letter), and
// the rendered text holds the header lines the fields come from.
func TestND30Documents(t *testing.T) {
	fs := loadTestFonts(t)
	specs := nd30Specs(40, 9)
	docs, twoPage, blanks := 0, 0, 0
	for i, sp := range specs {
		sp.DPI = 100 // layout scales with dpi; keep the test quick
		pg, err := renderPage(fs, 9, i, sp)
		if err != nil {
			t.Fatalf("%s: %v", sp.Name, err)
		}
		a := pg.truth.Archival
		if a == nil || a.Part != sp.Part || a.Parts != sp.Parts || a.Doc != sp.Doc+1 {
			t.Fatalf("%s: archival truth %+v", sp.Name, a)
		}
		if sp.Part != 1 {
			twoPage++
			if a.Number != "" {
				t.Errorf("%s: a later page repeats the fields", sp.Name)
			}
			continue
		}
		docs++
		for name, v := range map[string]string{"doc_type": a.DocType, "number": a.Number, "agency": a.Agency, "place": a.Place,
			"date": a.Date, "summary": a.Summary, "signer": a.Signer, "signer_title": a.SignerTitle} {
			if v == "" && !slices.Contains(a.BlankFields, name) {
				t.Errorf("%s: %s empty", sp.Name, name)
			}
		}
		if len(a.BlankFields) > 0 {
			blanks++
			if a.Number != "" || a.Date != "" || slices.Contains(a.Handwritten, "number") {
				t.Errorf("%s: a draft's blanks hold %q %q %v", sp.Name, a.Number, a.Date, a.Handwritten)
			}
			continue
		}
		if d, err := time.Parse("2006-01-02", a.Date); err != nil || d.Year() < 2023 {
			t.Errorf("%s: date %q", sp.Name, a.Date)
		}
		parts := strings.Split(a.Number, "/")
		code := strings.SplitN(parts[len(parts)-1], "-", 2)[0]
		for _, k := range slices.Concat(nd30Kinds, []struct {
			Heading, Code string
			Summaries     []string
		}{{Heading: "NGHỊ QUYẾT", Code: "NQ"}}) {
			if k.Heading == a.DocType && k.Code != code {
				t.Errorf("%s: %s numbered %s", sp.Name, a.DocType, a.Number)
			}
		}
		if (code == "NQ") != (len(parts) == 3) {
			t.Errorf("%s: %s: only a resolution's number carries its year", sp.Name, a.Number)
		}
		text := pg.truth.Text
		for _, want := range []string{"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", a.Place + ", ngày"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: text lacks %q", sp.Name, want)
			}
		}
		if !strings.Contains(strings.Join(a.Handwritten, ","), "number") && !strings.Contains(text, "Số: "+a.Number) {
			t.Errorf("%s: printed number %q not in text", sp.Name, a.Number)
		}
	}
	if docs != 40 || twoPage == 0 || blanks == 0 {
		t.Errorf("%d documents, %d second pages, %d drafts", docs, twoPage, blanks)
	}
}

// TestND30HandDateInside renders, at the preset's own dpi, a page whose
// date line with a handwritten day once ran past the right edge (seed 16,
// page 29, a long place name): the line is laid out with a wider blank
// than the width it was placed by, and gen refused the whole corpus.
func TestND30HandDateInside(t *testing.T) {
	fs := loadTestFonts(t)
	const seed, page = 16, 28
	specs := nd30Specs(40, seed)
	if _, err := renderPage(fs, seed, page, specs[page]); err != nil {
		t.Fatalf("%s: %v", specs[page].Name, err)
	}
}
