package main

import (
	"strings"
	"testing"
)

// TestTablePages renders a table page of each variant at a small size and
// checks what the reading-order score relies on: the table rows are
// recorded, each row is found whole in the truth text (cells left to
// right, a cell's lines together), the header and at least three body
// rows fit, and the variant's degradation is recorded.
func TestTablePages(t *testing.T) {
	fs := loadTestFonts(t)
	for i := range 3 * len(tableVariants) {
		sp := tableSpec(pageRand(3, streamSpec, i), i)
		t.Run(sp.Name, func(t *testing.T) {
			sp.DPI = 100
			sp.LowDPI = min(sp.LowDPI, 60)
			pg, err := renderPage(fs, 3, i, sp)
			if err != nil {
				t.Fatal(err)
			}
			tr := pg.truth
			if tr.Category != "table" || tr.Kind != "bang" || len(tr.TableRows) < 4 {
				t.Fatalf("category %q kind %q, %d rows", tr.Category, tr.Kind, len(tr.TableRows))
			}
			text := strings.Join(strings.Fields(tr.Text), " ")
			at := 0
			for _, r := range tr.TableRows {
				if r == "" {
					continue
				}
				k := strings.Index(text[at:], r)
				if k < 0 {
					t.Fatalf("row %q not whole in the text after offset %d:\n%s", r, at, tr.Text)
				}
				at += k + len(r)
			}
			if v := tableVariants[i%len(tableVariants)]; v != "clean" && len(tr.Degradations) == 0 {
				t.Errorf("%s: no degradation recorded", v)
			}
		})
	}
}
