package engine

import (
	"fmt"
	"image"
	"strings"
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

// TestAssembleDropsScrawl: a signature read as a line of tall words at
// middling confidence leaves the text; a tall heading read surely, print
// whose box grew under a scrawl, and tall words on a line crop of few words
// stay.
func TestAssembleDropsScrawl(t *testing.T) {
	// page is 30 words 20 pixels tall, 10 a line, then the line under test.
	page := func(last ...gosseract.BoundingBox) []gosseract.BoundingBox {
		var bs []gosseract.BoundingBox
		for i := range 30 {
			bs = append(bs, gosseract.BoundingBox{
				Word: fmt.Sprintf("chữ%d", i), Confidence: 95,
				Box:      image.Rect(100*(i%10), 40*(i/10), 100*(i%10)+80, 40*(i/10)+20),
				BlockNum: 1, ParNum: 1, LineNum: i / 10,
			})
		}
		return append(bs, last...)
	}
	word := func(text string, x, h int, conf float64) gosseract.BoundingBox {
		return gosseract.BoundingBox{Word: text, Confidence: conf, Box: image.Rect(x, 300, x+80, 300+h), BlockNum: 2, ParNum: 1, LineNum: 1}
	}
	tests := []struct {
		name  string
		boxes []gosseract.BoundingBox
		word  string
		keep  bool
	}{
		{"signature read as words", page(word("c¿0", 0, 52, 60), word("LƯ", 100, 68, 63)), "LƯ", false},
		{"signature with a dash", page(word("Ê", 0, 32, 84), word("LÊ", 100, 52, 71), word("—", 200, 4, 90)), "LÊ", false},
		{"heading read surely", page(word("QUYẾT", 0, 52, 96), word("ĐỊNH", 100, 52, 95)), "QUYẾT", true},
		{"line under scrawlTimes the median", page(word("Hà", 0, 45, 60), word("Nội", 100, 45, 62)), "Hà", true},
		{"print under a scrawl", page(word("pháp", 0, 63, 60), word("luật", 100, 20, 80)), "pháp", true},
		{"line crop of few words", []gosseract.BoundingBox{word("LƯ", 0, 130, 63), word("Anh", 100, 20, 95)}, "LƯ", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lines, text, _ := assemble(tc.boxes)
			if got := strings.Contains(text, tc.word); got != tc.keep {
				t.Errorf("text holds %q: %v, want %v\n%s", tc.word, got, tc.keep, text)
			}
			n := 0
			for _, l := range lines {
				for _, w := range l.Words {
					if w.Text == tc.word {
						n++
					}
				}
			}
			if (n > 0) != tc.keep {
				t.Errorf("lines hold %q %d times, want kept %v", tc.word, n, tc.keep)
			}
			if len(tc.boxes) > 30 && !strings.Contains(text, "chữ29") {
				t.Errorf("the page's own words were dropped:\n%s", text)
			}
		})
	}
}
