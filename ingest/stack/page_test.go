package stack_test

import (
	"fmt"
	"testing"

	"github.com/sohoa/sohoa/ingest/stack"
	"github.com/sohoa/sohoa/ingest/stack/stacktest"
)

// TestMarkPage: what a scanned page says, on drawn pages: the separator and
// the receipt by their symbols, a blank page only when asked (dust does not
// make it a page), a page of text neither.
func TestMarkPage(t *testing.T) {
	const code = "000.00.31.H33-261127-0001"
	sc := stacktest.Scan{DPI: 200, Bitonal: true}
	sep, err := stacktest.Separator(code, sc)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := stacktest.Receipt(code, stacktest.Scan{DPI: 200, Bitonal: true, Angle: 180 + 15}, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		page      stack.PageMark
		wantKind  stack.Kind
		wantBlank bool
	}{
		{"separator", stack.MarkPage(sep, true), stack.Separator, false},
		{"receipt turned and skewed", stack.MarkPage(rec, true), stack.Receipt, false},
		{"blank with dust", stack.MarkPage(stacktest.Blank(sc, 1), true), stack.None, true},
		{"blank, not asked", stack.MarkPage(stacktest.Blank(sc, 1), false), stack.None, false},
		{"text", stack.MarkPage(stacktest.Page(sc, 2), true), stack.None, false},
	} {
		if tc.page.Mark.Kind != tc.wantKind || tc.page.Blank != tc.wantBlank {
			t.Errorf("%s: %+v, want %v blank=%v", tc.name, tc.page, tc.wantKind, tc.wantBlank)
		}
		if tc.wantKind != stack.None && tc.page.Mark.Code != code {
			t.Errorf("%s: code %q, want %s", tc.name, tc.page.Mark.Code, code)
		}
	}
}

// TestReceiptReads: a receipt's QR code (25 mm, about 4 pixels a module
// at the reading's 100 dpi) is read from the page file as a stack reads it
// (reduced while decoded), at 200 and 300 dpi, bitonal PNG and colour
// JPEG, straight, skewed ±15° and turned over (180° ±15°).
func TestReceiptReads(t *testing.T) {
	const code = "000.00.31.H33-261127-0042"
	for _, dpi := range []int{200, 300} {
		for _, bitonal := range []bool{true, false} {
			for _, angle := range []float64{0, 15, -15, 180, 165, 195} {
				sc := stacktest.Scan{DPI: dpi, Bitonal: bitonal, Angle: angle}
				t.Run(fmt.Sprintf("%ddpi/bitonal=%v/%+.0f", dpi, bitonal, angle), func(t *testing.T) {
					img, err := stacktest.Receipt(code, sc, uint64(dpi)+uint64(angle))
					if err != nil {
						t.Fatal(err)
					}
					data, format := stacktest.PNG(img), "png"
					if !bitonal {
						data, format = colourJPEG(img), "jpeg"
					}
					g, factor, full, err := stack.PageGray(data, format, 1<<30)
					if err != nil {
						t.Fatal(err)
					}
					s := stack.ReadGray(g, factor, full)
					if len(s.Texts) != 1 || stack.MarkOf(s.Texts[0]) != (stack.Mark{Kind: stack.Receipt, Code: code}) {
						t.Fatalf("read %+v, want the receipt of %s", s, code)
					}
				})
			}
		}
	}
}
