package main

import (
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
	specs := nd30Specs(24, 9)
	docs, twoPage := 0, 0
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
			if v == "" {
				t.Errorf("%s: %s empty", sp.Name, name)
			}
		}
		if d, err := time.Parse("2006-01-02", a.Date); err != nil || d.Year() < 2023 {
			t.Errorf("%s: date %q", sp.Name, a.Date)
		}
		code := strings.SplitN(strings.SplitN(a.Number, "/", 2)[1], "-", 2)[0]
		for _, k := range nd30Kinds {
			if k.Heading == a.DocType && k.Code != code {
				t.Errorf("%s: %s numbered %s", sp.Name, a.DocType, a.Number)
			}
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
	if docs != 24 || twoPage == 0 {
		t.Errorf("%d documents, %d second pages", docs, twoPage)
	}
}
