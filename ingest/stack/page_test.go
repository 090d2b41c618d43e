package stack_test

import (
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
