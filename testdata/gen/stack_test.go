package main

import (
	"bytes"
	"image"
	"testing"

	dossiercode "github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ingest/stack"
)

// TestStackPreset: the stack preset is dossiers that each start with
// their separator sheet and their receipt, under valid and distinct
// codes, scanned in every mode the benchmark asks; and what it draws is
// what sohoa reads: the separator's QR and the receipt's QR give the
// dossier's code, turned over and skewed.
func TestStackPreset(t *testing.T) {
	specs := stackSpecs(12, 1)
	codes := map[string]bool{}
	modes := map[string]bool{}
	var first []pageSpec
	for i, sp := range specs {
		modes[sp.Mode] = true
		modes[map[int]string{200: "200 dpi", 300: "300 dpi"}[sp.DPI]] = true
		if sp.Orientation == 180 {
			modes["turned"] = true
		}
		switch sp.Mark {
		case "separator":
			if codes[sp.Code] {
				t.Errorf("page %d: dossier %s twice", i+1, sp.Code)
			}
			codes[sp.Code] = true
			if _, err := dossiercode.ParseCode(sp.Code); err != nil {
				t.Errorf("page %d: code %s: %v", i+1, sp.Code, err)
			}
			if i+1 >= len(specs) || specs[i+1].Mark != "receipt" || specs[i+1].Code != sp.Code {
				t.Errorf("page %d: the separator of %s is not followed by its receipt", i+1, sp.Code)
			}
		case "receipt", "":
			if i == 0 || sp.Code != specs[i-1].Code {
				t.Errorf("page %d (%s): not in the dossier of the page before", i+1, sp.Mark)
			}
		}
		if sp.Mark != "" && sp.Code == specs[0].Code {
			first = append(first, sp)
		}
	}
	if len(codes) != 12 {
		t.Errorf("%d dossiers, want 12", len(codes))
	}
	for _, m := range []string{"bitonal", "color", "200 dpi", "300 dpi", "turned"} {
		if !modes[m] {
			t.Errorf("no dossier scanned %s", m)
		}
	}
	fs := loadTestFonts(t)
	for i, sp := range first {
		pg, err := renderPage(fs, 1, i, sp)
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := image.Decode(bytes.NewReader(pg.data))
		if err != nil {
			t.Fatal(err)
		}
		m := stack.MarkPage(img, false).Mark
		if m.Kind.String() != sp.Mark || m.Code != sp.Code || pg.truth.DossierCode != sp.Code {
			t.Errorf("%s of %s (%d dpi %s, skew %.2f, turned %d): read %v %q", sp.Mark, sp.Code, sp.DPI, sp.Mode, sp.Skew, sp.Orientation, m.Kind, m.Code)
		}
	}
}
