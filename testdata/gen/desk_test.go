package main

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"unicode"
)

// TestDeskPages renders one page of each desk category at a small size
// and checks what the benchmark relies on: the category and degradation
// are recorded, a low-resolution copy or a photo is smaller than the page
// and its file claims the recorded dpi, and the text is unchanged by the
// degradation.
func TestDeskPages(t *testing.T) {
	fs := loadTestFonts(t)
	for i, c := range deskCategories {
		t.Run(c, func(t *testing.T) {
			sp := pageSpec{Name: c, Kind: "don", DPI: 100, Mode: "color", Font: "NotoSerif", SizePt: 12, Category: c, JPEG: 80}
			switch c {
			case "lowres":
				sp.LowDPI, sp.ClaimDPI = 60, 0
			case "photo":
				sp.Photo = true
			case "seal":
				sp.Seal = true
			case "fax":
				sp.Fax, sp.Mode, sp.JPEG = true, "bitonal", 0
			case "copy":
				sp.Copy, sp.Mode = true, "gray"
			}
			pg, err := renderPage(fs, 42, i, sp)
			if err != nil {
				t.Fatal(err)
			}
			plain := sp
			plain.LowDPI, plain.Photo, plain.Seal, plain.Fax, plain.Copy = 0, false, false, false, false
			ref, err := renderPage(fs, 42, i, plain)
			if err != nil {
				t.Fatal(err)
			}
			tr := pg.truth
			if tr.Category != c || tr.Text != ref.truth.Text || tr.Text == "" {
				t.Errorf("category %q, text changed %v", tr.Category, tr.Text != ref.truth.Text)
			}
			if c != "clean" && len(tr.Degradations) == 0 {
				t.Error("no degradation recorded")
			}
			switch c {
			case "lowres":
				if tr.DPI != 60 || tr.FileDPI == nil || *tr.FileDPI != 0 || tr.Width != 827*60/100 {
					t.Errorf("dpi %d file dpi %v width %d", tr.DPI, tr.FileDPI, tr.Width)
				}
				// The file carries no resolution: a zero JFIF density.
				if i := bytes.Index(pg.data, []byte("JFIF\x00")); i < 0 || binary.BigEndian.Uint16(pg.data[i+8:]) != 0 {
					t.Error("the low-resolution file claims a density")
				}
			case "photo":
				if tr.FileDPI == nil || *tr.FileDPI != 72 || tr.Width < 960 {
					t.Errorf("photo %dx%d file dpi %v", tr.Width, tr.Height, tr.FileDPI)
				}
			}
		})
	}
}

// TestHardPages renders each kind of the hard preset small and checks that
// its degradation is recorded, that a degradation leaves the text as it
// was, and that the foreign paper is in Cyrillic.
func TestHardPages(t *testing.T) {
	fs := loadTestFonts(t)
	for i, k := range hardKinds {
		t.Run(k, func(t *testing.T) {
			sp := hardSpec(pageRand(42, streamSpec, i), i)
			sp.Name, sp.DPI, sp.Font, sp.SizePt = k, 100, "NotoSerif", 12
			pg, err := renderPage(fs, 42, i, sp)
			if err != nil {
				t.Fatal(err)
			}
			tr := pg.truth
			if tr.Category != "hard-"+k || tr.Text == "" || len(tr.Degradations) == 0 {
				t.Fatalf("category %q, %d letters, degradations %v", tr.Category, len(tr.Text), tr.Degradations)
			}
			plain := pageSpec{Name: k, Kind: sp.Kind, DPI: 100, Mode: sp.Mode, Font: "NotoSerif", SizePt: 12, Foreign: sp.Foreign, NewCode: sp.NewCode}
			ref, err := renderPage(fs, 42, i, plain)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Text != ref.truth.Text {
				t.Error("the degradation changed the text")
			}
			cyr := strings.ContainsFunc(tr.Text, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) })
			if cyr != (k == "foreign") {
				t.Errorf("Cyrillic text %v on a %s page", cyr, k)
			}
		})
	}
}
