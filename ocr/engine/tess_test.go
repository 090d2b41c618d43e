package engine

import (
	"image"
	"testing"

	"github.com/otiai10/gosseract/v2"
)

// TestAssembleRuleBars: a table's vertical rule read as a bar, alone or
// glued to the word beside it, is no text.
func TestAssembleRuleBars(t *testing.T) {
	box := func(x int, w string) gosseract.BoundingBox {
		return gosseract.BoundingBox{Box: image.Rect(x, 100, x+80, 140), Word: w, Confidence: 91}
	}
	lines, text, _ := assemble([]gosseract.BoundingBox{
		box(0, "1"), box(100, "|"), box(200, "Trần"), box(300, "Gia"), box(400, "Ổn|"), box(500, "|29/03/1951"), box(600, "||"),
	})
	if want := "1 Trần Gia Ổn 29/03/1951"; text != want {
		t.Errorf("text %q, want %q", text, want)
	}
	if len(lines) != 1 || len(lines[0].Words) != 5 {
		t.Errorf("lines %+v, want one of 5 words", lines)
	}
}
