package ocr

import (
	"slices"
	"strings"
	"testing"
)

// inkRect inks the rectangle r of b, or only its outline stroke pixels
// wide when stroke > 0 (a letter-like ring: a 0, an o, a D).
func inkRect(b Bitmap, r Box, stroke int) {
	for y := r.Y0; y < r.Y1; y++ {
		for x := r.X0; x < r.X1; x++ {
			if stroke == 0 || x < r.X0+stroke || x >= r.X1-stroke || y < r.Y0+stroke || y >= r.Y1-stroke {
				b.Set(x, y)
			}
		}
	}
}

// TestLostInk: letter-sized ink on a read line that no word covers is
// found, at the line's start, between its words and at its end; dots,
// bullets, seals, rules' remnants, ink far from the line and ink a word
// covers are not letters lost. Letters are 20 px high here.
func TestLostInk(t *testing.T) {
	const px = 20
	letter := func(x int) Box { return Box{x, 100, x + 14, 120} } // a digit's size, on the line
	word := func(text string, x0, x1 int) Word {
		return Word{Text: text, Box: Box{x0, 98, x1, 122}, Confidence: 95}
	}
	line := Line{Box: Box{200, 98, 600, 122}, Words: []Word{word("Số", 200, 250), word("lượng", 270, 380), word("hồ", 500, 600)}}
	tests := []struct {
		name   string
		ink    []Box // rings (letters)
		solid  []Box // filled shapes
		lines  []Line
		tables []Table
		want   int // components lost
	}{
		{"every letter under a word", []Box{letter(210), letter(300), letter(520)}, nil, []Line{line}, nil, 0},
		{"a list marker's digit before the first word", []Box{letter(170)}, nil, []Line{line}, nil, 1},
		{"a word between two words", []Box{letter(400), letter(420), letter(440)}, nil, []Line{line}, nil, 3},
		{"a letter after the last word", []Box{letter(620)}, nil, []Line{line}, nil, 1},
		{"too far before the line (a margin note)", []Box{letter(100)}, nil, []Line{line}, nil, 0},
		{"a dot, a comma", nil, []Box{{170, 115, 174, 120}}, []Line{line}, nil, 0},
		{"a bullet", nil, []Box{{170, 104, 182, 116}}, []Line{line}, nil, 0},
		{"a seal's ring across the line", []Box{{400, 60, 470, 160}}, nil, []Line{line}, nil, 0},
		{"a dash", nil, []Box{{170, 109, 182, 112}}, []Line{line}, nil, 0},
		{"a rule's remnant where a table's column runs", []Box{letter(400)}, nil, []Line{line},
			[]Table{{Box: Box{150, 50, 700, 200}, Cols: []int{150, 405, 700}, Rows: []int{50, 200}}}, 0},
		{"a row's number in the cell before the line's", []Box{letter(170)}, nil, []Line{line},
			[]Table{{Box: Box{100, 50, 700, 200}, Cols: []int{100, 192, 700}, Rows: []int{50, 200}}}, 0},
		{"a thin bar taller than a letter (a rule's piece)", nil, []Box{{400, 96, 403, 124}}, []Line{line}, nil, 0},
		{"above the line (the line over it)", []Box{{400, 60, 414, 80}}, nil, []Line{line}, nil, 0},
		// The numbers of a bold list read as a block of their own, down the
		// column ("xi +> N"): that "line" accounts for nothing.
		{"covered only by a word read down a column", []Box{letter(170)}, nil,
			[]Line{line, {Box: Box{165, 100, 190, 400}, Words: []Word{{Text: "N", Box: Box{168, 100, 186, 121}, Confidence: 49}}}}, nil, 1},
		{"no letter size known", []Box{letter(170)}, nil, []Line{line}, nil, 0},
		{"the last letter of an italic word out of its box", []Box{{378, 100, 392, 120}}, nil, []Line{line}, nil, 0},
		{"a digit beside a word of punctuation only (\"2.\" read \".\")", []Box{letter(186)}, nil, []Line{{Box: Box{202, 98, 270, 122},
			Words: []Word{{Text: ".", Box: Box{202, 114, 207, 120}, Confidence: 90}, word("Số", 220, 270)}}}, nil, 1},
		{"a day written by hand in a date's blank, taller than the print", []Box{{400, 96, 418, 123}}, nil, []Line{line}, nil, 0},
		{"beside a line read as a quote mark (a seal's edge)", []Box{letter(170)}, nil, []Line{{Box: Box{200, 100, 220, 112},
			Words: []Word{{Text: "“", Box: Box{200, 100, 220, 112}, Confidence: 60}}}}, nil, 0},
		{"a signature's hairline", nil, []Box{{400, 100, 401, 120}}, []Line{line}, nil, 0},
		{"beside a signature read as capitals, three letters tall", []Box{letter(620)}, nil, []Line{{Box: Box{200, 60, 600, 130},
			Words: []Word{{Text: "Ê", Box: Box{200, 60, 240, 110}, Confidence: 84}, {Text: "LÊ", Box: Box{300, 70, 600, 130}, Confidence: 71}}}}, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBitmap(800, 500)
			for _, r := range tc.ink {
				inkRect(b, r, 3)
			}
			for _, r := range tc.solid {
				inkRect(b, r, 0)
			}
			lp := float64(px)
			if tc.name == "no letter size known" {
				lp = 0
			}
			gaps := LostInk(b, tc.lines, tc.tables, lp)
			if got := LostComps(gaps); got != tc.want {
				t.Errorf("lost %d components %v, want %d", got, gaps, tc.want)
			}
			for _, g := range gaps {
				if g.Line != 0 {
					t.Errorf("ink given to line %d, want 0", g.Line)
				}
			}
		})
	}
}

// TestSpliceReread: a second reading of a line goes in only where it
// covers the lost ink, holds what was read there, and reads as text; the
// words read before stay as they were.
func TestSpliceReread(t *testing.T) {
	const px = 20
	w := func(text string, x0, x1 int, conf float64) Word {
		return Word{Text: text, Box: Box{x0, 100, x1, 120}, Confidence: conf}
	}
	old := Line{Box: Box{175, 100, 400, 120}, Words: []Word{w(".", 175, 180, 90), w("Số", 200, 250, 96), w("lượng", 270, 380, 96)}}
	lost := []Box{{160, 100, 174, 120}}
	tests := []struct {
		name    string
		reread  []Word
		want    string
		covered int
	}{
		{"the digit read again", []Word{w("2.", 160, 180, 93), w("Số", 200, 250, 95), w("lượng", 270, 380, 95)}, "2. Số lượng", 1},
		{"the rest read otherwise: kept as first read", []Word{w("2.", 160, 180, 93), w("Sô", 200, 250, 80), w("luợng", 270, 380, 80)}, "2. Số lượng", 1},
		{"read unsurely", []Word{w("2.", 160, 180, 50), w("Số", 200, 250, 95)}, ". Số lượng", 0},
		{"debris", []Word{w("|~", 160, 180, 93), w("Số", 200, 250, 95)}, ". Số lượng", 0},
		{"drops what was read under it", []Word{w("2", 160, 180, 93), w("Số", 200, 250, 95)}, ". Số lượng", 0},
		{"nothing over the lost ink", []Word{w("Số", 200, 250, 95), w("lượng", 270, 380, 95)}, ". Số lượng", 0},
		{"merged with the next word, which it holds", []Word{w("2.Số", 160, 250, 90), w("lượng", 270, 380, 95)}, "2.Số lượng", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, added, n := SpliceReread(old, tc.reread, lost, px)
			if s := lineText(got); s != tc.want || n != tc.covered {
				t.Errorf("got %q covering %d, want %q covering %d", s, n, tc.want, tc.covered)
			}
			if (len(added) > 0) != (tc.covered > 0) {
				t.Errorf("added %v", added)
			}
			if lineText(old) != ". Số lượng" {
				t.Errorf("the old line changed: %q", lineText(old))
			}
		})
	}
}

// TestDropSuperseded: digits read down their column as a block of their
// own give way to the same digits put in their lines; text lines keep
// their words.
func TestDropSuperseded(t *testing.T) {
	const px = 20
	two := Word{Text: "2.", Box: Box{160, 100, 180, 120}, Confidence: 93}
	lines := []Line{
		{Box: Box{160, 100, 400, 120}, Words: []Word{two, {Text: "Số", Box: Box{200, 100, 250, 120}}}},
		{Box: Box{160, 100, 185, 300}, Words: []Word{{Text: "N", Box: Box{160, 100, 178, 121}}, {Text: "xi", Box: Box{160, 250, 178, 271}}}},
		{Box: Box{150, 98, 190, 122}, Words: []Word{{Text: "Z", Box: Box{160, 100, 178, 121}}}},
	}
	got := DropSuperseded(slices.Clone(lines), []Word{two}, px)
	if s := lineText(got[1]); s != "xi" {
		t.Errorf("column line %q, want %q", s, "xi")
	}
	if s := lineText(got[2]); s != "Z" {
		t.Errorf("text line %q, want %q (only lines read down a column give way)", s, "Z")
	}
}

// TestRelineText: the text follows its lines' words; a line left without
// words goes, and so does the paragraph break it leaves alone.
func TestRelineText(t *testing.T) {
	l := func(ws ...string) Line {
		var out Line
		for _, w := range ws {
			out.Words = append(out.Words, Word{Text: w})
		}
		return out
	}
	lines := []Line{l("a", "b"), l("2.", "Số"), l(), l("c")}
	text := "a b\n. Số\n\nxi +> N\n\nc"
	got, s, ok := RelineText(lines, text)
	if !ok || s != "a b\n2. Số\n\nc" || len(got) != 3 {
		t.Errorf("got %q, %d lines, %v", s, len(got), ok)
	}
	if _, _, ok := RelineText(lines, "a b\n. Số"); ok {
		t.Error("a text with fewer lines than the reading was taken")
	}
	if _, s, ok := RelineText(lines[:2], "a b\n. Số\n\nlast"); ok || !strings.Contains(s, "last") {
		t.Error("a text with more lines than the reading was taken")
	}
}
