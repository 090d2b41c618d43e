package ocr

import (
	"slices"
	"strings"
	"unicode"

	"github.com/sohoa/sohoa/ocr/syllable"
)

// Ink that no word accounts for. Tesseract at times reads a line whole but
// for a few letters, at high confidence: the digit of a bold list marker
// ("2." read "."), a short word at a line's end. The reading looks sure and
// plausible, so nothing else notices. The page shows it, though: letter-
// sized ink in the band of a line read, at its start, between its words or
// at its end, that no word box covers. LostInk finds it, SpliceReread puts
// a second reading of the line in where it covers that ink, and what stays
// uncovered makes the page wait for review (ReasonLettersLost).
//
// Sizes are in letter heights (letterPx, the page's measured letter
// height): what is a letter, a dot or a seal does not depend on the dpi.
const (
	lostReach = 3.0 // letter heights before a line's first word and after its last that are looked at
	lostMinH  = 0.5 // a letter is at least this tall (dots, commas, dashes and marks are smaller)
	// ...at most this tall: a printed letter of the line, capitals and
	// digits included, stays under it (a bold "2" 1.03); seals,
	// signatures, and the day written by hand in a date's blank (1.25-1.33
	// on the real scans' variants, read by the archival fields' digit
	// reader, not a letter the print lost) are taller.
	lostMaxH    = 1.22
	lostMaxW    = 3.0  // ...and at most this wide (letters run together stay under it)
	lostBarH    = 1.3  // a thin bar taller than this is a rule's piece, not an l or a 1
	lostBlobAsp = 1.6  // a blob about as wide as tall...
	lostBlobInk = 0.7  // ...and this full is a bullet, a filled box or a blot, not a letter
	lostInBand  = 0.6  // share of the component's height inside the line's box
	lostOutside = 0.5  // letter heights a component may stand out of the line's box
	lostRule    = 0.35 // letter heights from a table's rule where its remnants lie
	lostCover   = 0.3  // letter heights a word box is grown by to cover a component (an italic word's last letter stands out of it)
	lostStroke  = 0.08 // letter heights: a letter's ink is at least this thick on average (a signature's hairline is not)
	// A "line" this many letter heights tall is no text line but words
	// read down a column: the numbers of a bold list taken for a block of
	// their own and read "xi +> N". Its words account for no ink.
	lostTallLine = 3.0
	// A line this many letter heights tall is not looked at either: a
	// signature read as a few capitals ("Ê LÊ"), whose other strokes no
	// word covers. A line of print with marks stacked over capitals and
	// descenders stays under 2.
	lostHostLine = 2.5
)

// InkGap is the letter-sized ink on one line of a reading that no word
// covers.
type InkGap struct {
	Line  int   // index of the line in the reading
	Comps []Box // the connected components, left to right
}

// Box is the box of all the gap's components.
func (g InkGap) Box() Box {
	b := g.Comps[0]
	for _, c := range g.Comps[1:] {
		b = Box{min(b.X0, c.X0), min(b.Y0, c.Y0), max(b.X1, c.X1), max(b.Y1, c.Y1)}
	}
	return b
}

// LostInk finds, on each line of a reading, the letter-sized connected
// components (8-connected) that no word box covers. page is the cleaned
// binary page the reading was made of (specks, rules and coloured ink
// gone), in the words' coordinates; tables are its ruled tables, whose
// rules' remnants are not letters; letterPx is its letter height in
// pixels (0: nothing is looked for).
func LostInk(page Bitmap, lines []Line, tables []Table, letterPx float64) []InkGap {
	if letterPx <= 0 || page.Width == 0 {
		return nil
	}
	reach := int(lostReach * letterPx)
	region := func(l Line) (x0, x1 int) { return max(0, l.Box.X0-reach), min(page.Width, l.Box.X1+reach) }
	// The components met in the lines' regions, each once (the regions of
	// close lines overlap), then given to the line they stand in.
	type comp struct {
		box Box
		n   int
	}
	var comps []comp
	seen := make([]uint64, (page.Width*page.Height+63)/64)
	var stack []int
	for _, l := range lines {
		if !host(l) {
			continue
		}
		x0, x1 := region(l)
		for y := max(0, l.Box.Y0); y < min(page.Height, l.Box.Y1); y++ {
			row := page.Words[y*page.WPL : (y+1)*page.WPL]
			for x := x0; x < x1; x++ {
				if row[x/32] == 0 {
					x |= 31 // the rest of an empty word
					continue
				}
				k := y*page.Width + x
				if row[x/32]&(1<<(31-x%32)) == 0 || seen[k/64]&(1<<(k%64)) != 0 {
					continue
				}
				c, n := page.component(x, y, seen, &stack)
				comps = append(comps, comp{c, n})
			}
		}
	}
	byLine := map[int][]Box{}
	for _, c := range comps {

		if covered(c.box, lines, letterPx) || onRule(c.box, tables, letterPx) {
			continue
		}
		for i, l := range lines {
			x0, x1 := region(l)
			if host(l) && c.box.X0 >= x0 && c.box.X1 <= x1 && letterLike(c.box, c.n, l.Box, letterPx) && !acrossRule(c.box, l.Box, tables) {
				byLine[i] = append(byLine[i], c.box)
				break
			}
		}
	}
	var gaps []InkGap
	for i := range lines {
		if cs := byLine[i]; len(cs) > 0 {
			slices.SortFunc(cs, func(a, b Box) int { return a.X0 - b.X0 })
			gaps = append(gaps, InkGap{Line: i, Comps: cs})
		}
	}
	return gaps
}

// component marks the 8-connected component of ink at (x, y) as seen and
// returns its box and pixel count.
func (b Bitmap) component(x, y int, seen []uint64, stack *[]int) (Box, int) {
	box := Box{x, y, x + 1, y + 1}
	n := 0
	mark := func(x, y int) {
		k := y*b.Width + x
		seen[k/64] |= 1 << (k % 64)
		*stack = append(*stack, k)
	}
	mark(x, y)
	for len(*stack) > 0 {
		k := (*stack)[len(*stack)-1]
		*stack = (*stack)[:len(*stack)-1]
		px, py := k%b.Width, k/b.Width
		n++
		box = Box{min(box.X0, px), min(box.Y0, py), max(box.X1, px+1), max(box.Y1, py+1)}
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				qx, qy := px+dx, py+dy
				if qx < 0 || qy < 0 || qx >= b.Width || qy >= b.Height {
					continue
				}
				q := qy*b.Width + qx
				if seen[q/64]&(1<<(q%64)) != 0 || b.Words[qy*b.WPL+qx/32]&(1<<(31-qx%32)) == 0 {
					continue
				}
				mark(qx, qy)
			}
		}
	}
	return box, n
}

// letterLike tells a component of n pixels in box c that could be a
// letter of the line whose box is line: letter-shaped (see letterShaped)
// and standing in the line.
func letterLike(c Box, n int, line Box, letterPx float64) bool {
	if !letterShaped(c, n, letterPx) || float64(line.Y1-line.Y0) > lostHostLine*letterPx {
		return false
	}
	h := float64(c.Y1 - c.Y0)
	out := lostOutside * letterPx
	if float64(line.Y0-c.Y0) > out || float64(c.Y1-line.Y1) > out {
		return false
	}
	in := min(c.Y1, line.Y1) - max(c.Y0, line.Y0)
	return float64(in) >= lostInBand*h
}

// letterShaped tells a component of n pixels in box c that could be a
// letter whose height is about letterPx: letter-sized, not a bullet or a
// blot, not a rule's piece, not a hairline.
func letterShaped(c Box, n int, letterPx float64) bool {
	h, w := float64(c.Y1-c.Y0), float64(c.X1-c.X0)
	switch {
	case h < lostMinH*letterPx || h > lostMaxH*letterPx || w > lostMaxW*letterPx:
		return false
	case h > lostBarH*letterPx && w < h/6:
		return false
	case w <= lostBlobAsp*h && h <= lostBlobAsp*w && float64(n) >= lostBlobInk*w*h:
		return false
	}
	return float64(n) >= lostStroke*letterPx*max(h, w)
}

// host tells a line whose lost letters are looked for: one that read a
// letter or digit. A line of punctuation only is debris read out of a
// seal's or a signature's edge (a quote mark), not text that lost some.
func host(l Line) bool {
	return slices.ContainsFunc(l.Words, func(w Word) bool { return alnum(w.Text) })
}

// covered tells whether a word of lines accounts for the component: the
// word's box, grown a little, holds its middle, or a word with a letter
// or digit overlaps it (the last letter of an italic word stands out of
// the word's box; a speck on a letter's edge is the word's too). A word
// of punctuation only (". " for "2.") accounts for no letter beside it.
func covered(c Box, lines []Line, letterPx float64) bool {
	g := int(lostCover * letterPx)
	cx, cy := (c.X0+c.X1)/2, (c.Y0+c.Y1)/2
	for _, l := range lines {
		if cy < l.Box.Y0-g || cy >= l.Box.Y1+g || tall(l, letterPx) {
			continue
		}
		for _, w := range l.Words {
			if cy < w.Box.Y0-g || cy >= w.Box.Y1+g {
				continue
			}
			if cx >= w.Box.X0-g && cx < w.Box.X1+g || c.X0 < w.Box.X1+g && c.X1 > w.Box.X0-g && alnum(w.Text) {
				return true
			}
		}
	}
	return false
}

// alnum tells a word with a letter or digit.
func alnum(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) })
}

// tall tells a line read down a column (see lostTallLine).
func tall(l Line, letterPx float64) bool {
	return float64(l.Box.Y1-l.Box.Y0) > lostTallLine*letterPx
}

// onRule tells a component that touches where a rule of a table runs:
// what the clean-up left of the rule, not a letter.
func onRule(c Box, tables []Table, letterPx float64) bool {
	m := int(lostRule * letterPx)
	for _, t := range tables {
		if c.X1 < t.Box.X0-m || c.X0 > t.Box.X1+m || c.Y1 < t.Box.Y0-m || c.Y0 > t.Box.Y1+m {
			continue
		}
		for _, x := range t.Cols {
			if c.X0-m <= x && x <= c.X1+m {
				return true
			}
		}
		for _, y := range t.Rows {
			if c.Y0-m <= y && y <= c.Y1+m {
				return true
			}
		}
	}
	return false
}

// acrossRule tells a component that a column rule of a table parts from
// the line: it stands in another cell (a row's number beside its text),
// where a word missing is an unread cell's business (FindUnreadCells,
// which reads it again on its own), and
// read with the line it would join two cells.
func acrossRule(c, line Box, tables []Table) bool {
	for _, t := range tables {
		if line.Y1 <= t.Box.Y0 || line.Y0 >= t.Box.Y1 {
			continue
		}
		for _, x := range t.Cols {
			if c.X1 <= x && x <= line.X0 || line.X1 <= x && x <= c.X0 {
				return true
			}
		}
	}
	return false
}

// LostComps counts the components of gaps.
func LostComps(gaps []InkGap) int {
	n := 0
	for _, g := range gaps {
		n += len(g.Comps)
	}
	return n
}

// rereadConf is the least confidence of a word of a second reading put in
// for lost ink: a letter read less surely is a guess, and the page waits
// for review instead.
const rereadConf = 70

// SpliceReread puts into line the words of a second reading of it (words,
// in the page's coordinates) that cover the lost components comps, and
// tells how many of comps they cover. The words already read stay as they
// are: a word of the second reading goes in only over lost ink, only when
// it holds the text of the words it overlaps (". " read again "2."), and
// only when it reads as text (a syllable, a number or code, a confident
// foreign word: not debris made of a stamp's edge).
func SpliceReread(line Line, words []Word, comps []Box, letterPx float64) (Line, []Word, int) {
	var added []Word
	replaced := make([]bool, len(line.Words))
	for _, w := range words {
		if !slices.ContainsFunc(comps, func(c Box) bool { return holds(w, c, letterPx) }) || !readsAsText(w) {
			continue
		}
		// The words already read that the new one overlaps, by half of
		// theirs: its text must hold theirs, in order.
		var over []int
		var old strings.Builder
		for k, o := range line.Words {
			if ov := min(w.Box.X1, o.Box.X1) - max(w.Box.X0, o.Box.X0); 2*ov > o.Box.X1-o.Box.X0 {
				over = append(over, k)
				old.WriteString(o.Text)
			}
		}
		if !subsequence(old.String(), w.Text) || slices.ContainsFunc(over, func(k int) bool { return replaced[k] }) {
			continue
		}
		for _, k := range over {
			replaced[k] = true
		}
		added = append(added, w)
	}
	if len(added) == 0 {
		return line, nil, 0
	}
	out := Line{Box: line.Box}
	for k, o := range line.Words {
		if !replaced[k] {
			out.Words = append(out.Words, o)
		}
	}
	out.Words = append(out.Words, added...)
	slices.SortStableFunc(out.Words, func(a, b Word) int { return a.Box.X0 - b.Box.X0 })
	out.Box = wordsBox(out.Words)
	n := 0
	for _, c := range comps {
		if slices.ContainsFunc(added, func(w Word) bool { return holds(w, c, letterPx) }) {
			n++
		}
	}
	return out, added, n
}

// holds tells whether word w accounts for component c: its box, grown by
// lostCover letter heights, holds the component's middle.
func holds(w Word, c Box, letterPx float64) bool {
	g := int(lostCover * letterPx)
	cx, cy := (c.X0+c.X1)/2, (c.Y0+c.Y1)/2
	return cx >= w.Box.X0-g && cx < w.Box.X1+g && cy >= w.Box.Y0-g && cy < w.Box.Y1+g
}

// DropSuperseded takes out of the lines read down a column (see
// lostTallLine) the words that words put in by SpliceReread overlap: the
// same ink read twice, once as debris. A line left without words stays,
// empty, for RelineText to drop.
func DropSuperseded(lines []Line, added []Word, letterPx float64) []Line {
	for i, l := range lines {
		if !tall(l, letterPx) {
			continue
		}
		kept := slices.DeleteFunc(slices.Clone(l.Words), func(w Word) bool {
			return slices.ContainsFunc(added, func(a Word) bool {
				ix := min(w.Box.X1, a.Box.X1) - max(w.Box.X0, a.Box.X0)
				iy := min(w.Box.Y1, a.Box.Y1) - max(w.Box.Y0, a.Box.Y0)
				return ix > 0 && iy > 0 && 2*ix*iy > (w.Box.X1-w.Box.X0)*(w.Box.Y1-w.Box.Y0)
			})
		})
		if len(kept) == len(l.Words) {
			continue
		}
		lines[i].Words = kept
		if len(kept) > 0 {
			lines[i].Box = wordsBox(kept)
		}
	}
	return lines
}

// readsAsText tells a word of a second reading worth putting in: read
// surely enough, with a letter or digit, and a syllable, a number, a code
// or a foreign word (see syllable.Judge), not a string of symbols.
func readsAsText(w Word) bool {
	if w.Confidence < rereadConf || !alnum(w.Text) {
		return false
	}
	return syllable.Judge(w.Text) != syllable.NotSyllable || w.Confidence >= 90
}

// subsequence tells whether the runes of s appear in t in order.
func subsequence(s, t string) bool {
	rs := []rune(s)
	i := 0
	for _, r := range t {
		if i < len(rs) && r == rs[i] {
			i++
		}
	}
	return i == len(rs)
}

// RelineText rewrites the text of a reading (lines joined by \n,
// paragraphs by a blank line, as recognition joins them) after some of
// its lines changed: each line's text is its words', and a line left
// without words is dropped, from lines too. ok is false when the text
// does not hold one line of it per line.
func RelineText(lines []Line, text string) ([]Line, string, bool) {
	var out []string
	k := 0
	for _, s := range strings.Split(text, "\n") {
		if s == "" {
			if n := len(out); n > 0 && out[n-1] != "" {
				out = append(out, "")
			}
			continue
		}
		if k >= len(lines) {
			return lines, text, false
		}
		if len(lines[k].Words) > 0 {
			out = append(out, lineText(lines[k]))
		}
		k++
	}
	if k != len(lines) {
		return lines, text, false
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	kept := slices.DeleteFunc(slices.Clone(lines), func(l Line) bool { return len(l.Words) == 0 })
	return kept, strings.Join(out, "\n"), true
}
