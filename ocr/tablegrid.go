package ocr

import (
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// Table is a ruled table found on a page: its row and column boundaries
// (pixels, top to bottom and left to right) and its cells in reading
// order, row by row and left to right; a cell spanning rows or columns
// (a merged header) is one cell, read with its top row.
type Table struct {
	Box   Box
	Rows  []int
	Cols  []int
	Cells []Cell
}

// Cell is one cell of a table, in grid units: its first row and column
// and how many it spans.
type Cell struct {
	Row, Col         int
	RowSpan, ColSpan int
}

// FindTables finds the ruled tables of a binary page at dpi whose letters
// are glyphH pixels high (0 when unmeasured) and builds their cell grids.
// lines are the lines read on the page, in its coordinates (none: not
// read yet): a ruling that runs through the middle of the words read is
// the edge of a line of text, not a rule (see throughWords).
// Rules that meet make one table; its row boundaries are its horizontal
// rules, its column boundaries its vertical ones, and a missing outer
// border is taken where the other rules end. A vertical line that ends
// nowhere near a horizontal rule (a copier's streak down the whole page)
// is not a column boundary. Two cells are one where the rule between them
// is mostly absent (merged header cells; the pieces of a broken rule count
// for it). Only grids of at least two rows and two columns are tables: a
// frame or a box around a field is not.
func FindTables(page Bitmap, dpi, glyphH float64, lines []Line) []Table {
	s := newRulingScale(dpi, glyphH)
	rulings, pieces := findRulings(page, s)
	words := wordBoxes(lines)
	var hs, vs []Ruling
	for _, r := range rulings {
		if throughWords(r, words) {
			continue
		}
		if r.Vertical {
			vs = append(vs, r)
		} else {
			hs = append(hs, r)
		}
	}
	if len(hs) < 2 || len(vs) == 0 {
		return nil
	}
	// A rule broken on a copy may stop a gap short of the one it meets.
	meets := func(h, v Ruling) bool {
		x := v.at((h.Y0 + h.Y1) / 2)
		y := h.at(int(x))
		return x >= float64(h.X0-s.link) && x <= float64(h.X1+s.link) && y >= float64(v.Y0-s.link) && y <= float64(v.Y1+s.link)
	}
	// Streaks and strays: a rule ends at a horizontal rule at least at
	// one end; a copier's streak runs down the whole page.
	var keep []Ruling
	for _, v := range vs {
		top, bottom, ends := math.MaxInt, math.MinInt, false
		for _, h := range hs {
			if !meets(h, v) {
				continue
			}
			y := int(h.at(int(v.mid())))
			top, bottom = min(top, y), max(bottom, y)
			if abs(y-v.Y0) <= s.link || abs(y-v.Y1) <= s.link {
				ends = true
			}
		}
		if top == math.MaxInt || !ends {
			continue
		}
		keep = append(keep, v)
	}
	vs = keep

	// Tables: rules connected through meeting rules.
	sets := newDisjointSets(len(hs) + len(vs))
	for i, h := range hs {
		for j, v := range vs {
			if meets(h, v) {
				sets.join(i, len(hs)+j)
			}
		}
	}
	groups := map[int][]int{}
	for i := range sets {
		groups[sets.find(i)] = append(groups[sets.find(i)], i)
	}
	var out []Table
	for _, g := range groups {
		var gh, gv []Ruling
		for _, i := range g {
			if i < len(hs) {
				gh = append(gh, hs[i])
			} else {
				gv = append(gv, vs[i-len(hs)])
			}
		}
		if t, ok := buildGrid(gh, gv, pieces, s); ok {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Box.Y0 < out[j].Box.Y0 })
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// clusterPositions merges positions within tol of each other into their
// mean, sorted.
func clusterPositions(ps []float64, tol int) []int {
	slices.Sort(ps)
	var out []int
	for i := 0; i < len(ps); {
		j, sum := i, 0.0
		for j < len(ps) && ps[j]-ps[i] <= float64(tol) {
			sum += ps[j]
			j++
		}
		out = append(out, int(math.Round(sum/float64(j-i))))
		i = j
	}
	return out
}

// buildGrid makes the table of one group of meeting rules.
func buildGrid(hs, vs, pieces []Ruling, s rulingScale) (Table, bool) {
	if len(hs) < 2 || len(vs) == 0 {
		return Table{}, false
	}
	var ys, xs []float64
	left, right, top, bottom := math.MaxInt, math.MinInt, math.MaxInt, math.MinInt
	for _, h := range hs {
		ys = append(ys, h.mid())
		left, right = min(left, h.X0), max(right, h.X1)
	}
	for _, v := range vs {
		xs = append(xs, v.mid())
		top, bottom = min(top, v.Y0), max(bottom, v.Y1)
	}
	rows, cols := clusterPositions(ys, s.tol), clusterPositions(xs, s.tol)
	// Missing outer borders: where the other rules end.
	if cols[0]-left > 2*s.tol {
		cols = append([]int{left}, cols...)
	}
	if right-cols[len(cols)-1] > 2*s.tol {
		cols = append(cols, right)
	}
	if rows[0]-top > 2*s.tol {
		rows = append([]int{top}, rows...)
	}
	if bottom-rows[len(rows)-1] > 2*s.tol {
		rows = append(rows, bottom)
	}
	nr, nc := len(rows)-1, len(cols)-1
	if nr < 2 || nc < 2 {
		return Table{}, false
	}
	// covered tells how much of [a, b] along the pieces in direction
	// vertical at cross position p is ink.
	covered := func(vertical bool, p, a, b int) float64 {
		var spans [][2]int
		for _, r := range pieces {
			if r.Vertical != vertical {
				continue
			}
			a0, a1 := r.X0, r.X1
			if r.Vertical {
				a0, a1 = r.Y0, r.Y1
			}
			if a1 <= a || a0 >= b || math.Abs(r.at(min(max((a+b)/2, a0), a1))-float64(p)) > float64(s.tol) {
				continue
			}
			spans = append(spans, [2]int{max(a, a0), min(b, a1)})
		}
		sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
		n, end := 0, a
		for _, sp := range spans {
			if sp[1] > end {
				n += sp[1] - max(sp[0], end)
				end = sp[1]
			}
		}
		return float64(n) / float64(max(1, b-a))
	}
	// Atomic cells joined where the rule between them is mostly absent.
	id := func(r, c int) int { return r*nc + c }
	sets := newDisjointSets(nr * nc)
	for r := range nr {
		for c := range nc {
			if c+1 < nc && covered(true, cols[c+1], rows[r], rows[r+1]) < 0.5 {
				sets.join(id(r, c+1), id(r, c))
			}
			if r+1 < nr && covered(false, rows[r+1], cols[c], cols[c+1]) < 0.5 {
				sets.join(id(r+1, c), id(r, c))
			}
		}
	}
	spans := map[int]*Cell{}
	size := map[int]int{}
	for r := range nr {
		for c := range nc {
			k := sets.find(id(r, c))
			size[k]++
			if x, ok := spans[k]; ok {
				r0, c0 := min(x.Row, r), min(x.Col, c)
				x.RowSpan, x.ColSpan = max(x.Row+x.RowSpan, r+1)-r0, max(x.Col+x.ColSpan, c+1)-c0
				x.Row, x.Col = r0, c0
				continue
			}
			spans[k] = &Cell{Row: r, Col: c, RowSpan: 1, ColSpan: 1}
		}
	}
	t := Table{Box: Box{cols[0], rows[0], cols[nc], rows[nr]}, Rows: rows, Cols: cols}
	for k, c := range spans {
		if size[k] == c.RowSpan*c.ColSpan {
			t.Cells = append(t.Cells, *c)
			continue
		}
		// Not a rectangle: rules lost on a poor copy, not a merged cell.
		for r := c.Row; r < c.Row+c.RowSpan; r++ {
			for cc := c.Col; cc < c.Col+c.ColSpan; cc++ {
				if sets.find(id(r, cc)) == k {
					t.Cells = append(t.Cells, Cell{Row: r, Col: cc, RowSpan: 1, ColSpan: 1})
				}
			}
		}
	}
	sort.Slice(t.Cells, func(i, j int) bool {
		a, b := t.Cells[i], t.Cells[j]
		if a.Row != b.Row {
			return a.Row < b.Row
		}
		return a.Col < b.Col
	})
	// One cell is a frame, not a table.
	if len(t.Cells) < 2 {
		return Table{}, false
	}
	return t, true
}

// cellAt returns the index in t.Cells of the cell holding point (x, y),
// or -1 when the point is outside the table.
func (t Table) cellAt(x, y int) int {
	if x < t.Box.X0 || x >= t.Box.X1 || y < t.Box.Y0 || y >= t.Box.Y1 {
		return -1
	}
	r := sort.SearchInts(t.Rows, y+1) - 1
	c := sort.SearchInts(t.Cols, x+1) - 1
	for i, cl := range t.Cells {
		if r >= cl.Row && r < cl.Row+cl.RowSpan && c >= cl.Col && c < cl.Col+cl.ColSpan {
			return i
		}
	}
	return -1
}

// maxLinesAcross is the share of the lines read in a table's frame that
// may run on beside it. A ruled table's frame bounds the text in its
// cells (one line in twenty at most on the tables of the desk benchmark
// ran past it, where Tesseract joined a cell to the text beside). Rules
// found in the letters themselves, on tiny print enlarged until its
// serifs and stacked stems ran together, made a "table" of a corner of
// the body text, whose lines ran on to the right (5 of 7); read cell by
// cell, the page lost its lines (4.4% -> 23% CER).
const maxLinesAcross = 0.5

// GridsOfWords keeps the tables of tables that frame the lines of lines
// read in them: at most maxLinesAcross of the lines with a word whose
// centre lies in a table's frame have a word beside the frame, at the
// same height. A table holding no word is kept (its cells may be what
// recognition skipped, see UnreadCells).
func GridsOfWords(tables []Table, lines []Line) []Table {
	var out []Table
	for _, t := range tables {
		in, across := 0, 0
		for _, l := range lines {
			inside, beside := false, false
			for _, w := range l.Words {
				cx, cy := (w.Box.X0+w.Box.X1)/2, (w.Box.Y0+w.Box.Y1)/2
				switch {
				case cy < t.Box.Y0 || cy >= t.Box.Y1:
				case cx >= t.Box.X0 && cx < t.Box.X1:
					inside = true
				default:
					beside = true
				}
			}
			if inside {
				in++
				if beside {
					across++
				}
			}
		}
		if float64(across) <= maxLinesAcross*float64(in) {
			out = append(out, t)
		}
	}
	return out
}

// ReadingOrder puts a page's text in reading order: each table of tables
// row by row (rows separated by a blank line), cells left to right, a
// cell's lines top to bottom; the rest of the page as BlockOrder reads
// it. Tables and the text around them go down the page: the lines that
// start above a table's top come before it, the others after it, in the
// order recognition read them, save that a line alone at its height never
// comes after a line below it (see downThePage). (Tesseract often reads a ruled table
// first and the heading above it last: on a faxed list and on a photo of
// a control sheet, that order alone put 35-50% CER on pages whose every
// line was read right.)
// lines and text are as recognition made them (see BlockOrder); the lines
// that come back are the visual lines of the page, each within one cell
// of a table, and the text is built from them. Without tables, or when
// text does not match lines, the result is BlockOrder's.
func ReadingOrder(lines []Line, text string, tables []Table) ([]Line, string) {
	paras, ok := splitText(lines, text)
	if len(tables) == 0 || !ok {
		return BlockOrder(lines, text)
	}
	// Per table and cell, the pieces of lines (runs of words) in it.
	cellParts := make([][][]Line, len(tables))
	for t := range tables {
		cellParts[t] = make([][]Line, len(tables[t].Cells))
	}
	placed := make([]bool, len(tables))
	// The tables from the top of the page down, and per band of the page
	// (above the first table, between the first and the second's top...,
	// below the last one's top) the lines outside tables.
	order := make([]int, len(tables))
	for t := range order {
		order[t] = t
	}
	sort.SliceStable(order, func(i, j int) bool { return tables[order[i]].Box.Y0 < tables[order[j]].Box.Y0 })
	type band struct {
		lines   []Line
		newPara []bool
	}
	bands := make([]band, len(tables)+1)
	inTable := false
	for i, l := range lines {
		var outside []Word
		var lastT, lastC = -1, -1
		for _, w := range l.Words {
			cx, cy := (w.Box.X0+w.Box.X1)/2, (w.Box.Y0+w.Box.Y1)/2
			t, c := -1, -1
			for k := range tables {
				if c = tables[k].cellAt(cx, cy); c >= 0 {
					t = k
					break
				}
			}
			if t < 0 {
				outside = append(outside, w)
				continue
			}
			placed[t] = true
			parts := cellParts[t][c]
			if t == lastT && c == lastC {
				parts[len(parts)-1].Words = append(parts[len(parts)-1].Words, w)
			} else {
				parts = append(parts, Line{Words: []Word{w}})
			}
			cellParts[t][c] = parts
			lastT, lastC = t, c
		}
		if len(outside) == 0 {
			inTable = true
			continue
		}
		ol := Line{Words: outside, Box: wordsBox(outside)}
		if len(outside) == len(l.Words) {
			ol.Box = l.Box
		}
		// The line's band: how many tables start above its middle.
		b, mid := 0, (ol.Box.Y0+ol.Box.Y1)/2
		for b < len(order) && tables[order[b]].Box.Y0 < mid {
			b++
		}
		bands[b].lines = append(bands[b].lines, ol)
		bands[b].newPara = append(bands[b].newPara, paras[i] || inTable)
		inTable = false
	}
	var (
		out []Line
		sb  strings.Builder
	)
	sep := func() {
		if sb.Len() > 0 {
			sb.WriteString("\n\n")
		}
	}
	for b, bd := range bands {
		downThePage(bd.lines, bd.newPara)
		if len(bd.lines) > 0 {
			var tb strings.Builder
			for k, l := range bd.lines {
				if k > 0 {
					if bd.newPara[k] {
						tb.WriteString("\n\n")
					} else {
						tb.WriteByte('\n')
					}
				}
				tb.WriteString(lineText(l))
			}
			ls, s := BlockOrder(bd.lines, tb.String())
			sep()
			sb.WriteString(s)
			out = append(out, ls...)
		}
		if b == len(order) || !placed[order[b]] {
			continue
		}
		t := tables[order[b]]
		row := -1
		for c, cell := range t.Cells {
			for _, l := range cellLines(cellParts[order[b]][c]) {
				switch {
				case cell.Row != row:
					sep()
					row = cell.Row
				default:
					sb.WriteByte('\n')
				}
				sb.WriteString(lineText(l))
				out = append(out, l)
			}
		}
	}
	return out, sb.String()
}

// UnreadCell is a cell of a ruled table that holds letters but from which
// recognition read no word.
type UnreadCell struct {
	In      Box   // the cell inside its border (where its rules' remnants lie)
	Letters []Box // its letter-shaped components (see letterShaped), top to bottom
	// Ink is the box of its letters and of its other components as tall
	// as letters (bold letters run together), none when it has none:
	// marks, specks and signatures stand apart.
	Ink Box
}

// cellInkMaxH is the height, in letter heights, up to which a component
// of a cell that is no letter (letters run together) is ink to read
// again: a header's bold capitals stand taller than the body's letters.
// Signatures and seals stand taller still.
const cellInkMaxH = 1.6

// FindUnreadCells finds the cells of tables that hold ink enough for a
// few letters, or one letter-shaped mark, but from which recognition read
// no word: text it skipped (a faxed list read at confidence 95 with two
// of its six rows left out; the row numbers of a list, one digit alone far
// left of the names, left out of every row of a clean scan). page is the
// binary page as it was read, cleaned (rules, streaks and dust removed),
// in the coordinates of lines; letterPx is the height of its letters in
// pixels. A cell's border, where what is left of its rules lies, is not
// looked at, nor are marks that come near its rules (lostRule), specks,
// hairlines and blots (see letterShaped).
func FindUnreadCells(page Bitmap, tables []Table, lines []Line, letterPx float64) []UnreadCell {
	if letterPx <= 0 || page.Width == 0 {
		return nil
	}
	margin := int(math.Ceil(letterPx / 3))
	minInk := int(letterPx * letterPx / 2) // about the ink of two letters
	m := int(lostRule * letterPx)
	var out []UnreadCell
	var seen []uint64
	var stack []int
	for _, t := range tables {
		for _, c := range t.Cells {
			if c.Col+c.ColSpan >= len(t.Cols) || c.Row+c.RowSpan >= len(t.Rows) {
				continue
			}
			in := Box{t.Cols[c.Col] + margin, t.Rows[c.Row] + margin, t.Cols[c.Col+c.ColSpan] - margin, t.Rows[c.Row+c.RowSpan] - margin}
			in = Box{max(0, in.X0), max(0, in.Y0), min(page.Width, in.X1), min(page.Height, in.Y1)}
			if in.X1 <= in.X0 || in.Y1 <= in.Y0 || anyWordIn(lines, in) {
				continue
			}
			if seen == nil {
				seen = make([]uint64, (page.Width*page.Height+63)/64)
			}
			u := UnreadCell{In: in}
			// Where the cell's own rules run (not the rules of the grid
			// that a merged cell spans), their remnants lie.
			edge := Box{t.Cols[c.Col], t.Rows[c.Row], t.Cols[c.Col+c.ColSpan], t.Rows[c.Row+c.RowSpan]}
			for y := in.Y0; y < in.Y1; y++ {
				row := page.Words[y*page.WPL : (y+1)*page.WPL]
				for x := in.X0; x < in.X1; x++ {
					k := y*page.Width + x
					if row[x/32]&(1<<(31-x%32)) == 0 || seen[k/64]&(1<<(k%64)) != 0 {
						continue
					}
					b, n := page.component(x, y, seen, &stack)
					if b.X0-m <= edge.X0 || b.X1+m >= edge.X1 || b.Y0-m <= edge.Y0 || b.Y1+m >= edge.Y1 {
						continue
					}
					shaped := letterShaped(b, n, letterPx)
					if h := float64(b.Y1 - b.Y0); !shaped && (h < lostMinH*letterPx || h > cellInkMaxH*letterPx) {
						continue
					}
					if shaped {
						u.Letters = append(u.Letters, b)
					}
					if u.Ink == (Box{}) {
						u.Ink = b
					}
					u.Ink = Box{min(u.Ink.X0, b.X0), min(u.Ink.Y0, b.Y0), max(u.Ink.X1, b.X1), max(u.Ink.Y1, b.Y1)}
				}
			}
			if len(u.Letters) > 0 || page.inkIn(in, minInk) >= minInk {
				out = append(out, u)
			}
		}
	}
	return out
}

// UnreadCells counts the cells of tables that hold letters but gave no
// word (see FindUnreadCells).
func UnreadCells(page Bitmap, tables []Table, lines []Line, letterPx float64) int {
	return len(FindUnreadCells(page, tables, lines, letterPx))
}

// CellLine makes of words, a second reading of the unread cell u in the
// page's coordinates, the line they put in the cell: the words whose
// middle lies in the cell and that read as text (see readsAsText). all
// tells whether they account for every letter of the cell.
func CellLine(u UnreadCell, words []Word, letterPx float64) (l Line, all bool) {
	for _, w := range words {
		cx, cy := (w.Box.X0+w.Box.X1)/2, (w.Box.Y0+w.Box.Y1)/2
		if cx >= u.In.X0 && cx < u.In.X1 && cy >= u.In.Y0 && cy < u.In.Y1 && readsAsText(w) {
			l.Words = append(l.Words, w)
		}
	}
	if len(l.Words) == 0 {
		return Line{}, false
	}
	l.Box = wordsBox(l.Words)
	all = true
	for _, c := range u.Letters {
		if !slices.ContainsFunc(l.Words, func(w Word) bool { return holds(w, c, letterPx) }) {
			all = false
		}
	}
	return l, all
}

// AddLines puts lines read apart (cells read again) after the lines of a
// reading, each a paragraph of its own, so that the text is still its
// lines joined as recognition joins them (ReadingOrder then reads each in
// its cell).
func AddLines(lines []Line, text string, add []Line) ([]Line, string) {
	var sb strings.Builder
	sb.WriteString(text)
	for _, l := range add {
		if sb.Len() > 0 {
			sb.WriteString("\n\n")
		}
		sb.WriteString(lineText(l))
	}
	return append(slices.Clone(lines), add...), sb.String()
}

// inkIn counts the inked pixels of b in box, stopping at enough.
func (b Bitmap) inkIn(box Box, enough int) int {
	n := 0
	for y := max(0, box.Y0); y < min(b.Height, box.Y1) && n < enough; y++ {
		row := b.Words[y*b.WPL : (y+1)*b.WPL]
		for x := max(0, box.X0); x < min(b.Width, box.X1); x++ {
			if row[x/32]&(1<<(31-x%32)) != 0 {
				n++
			}
		}
	}
	return n
}

// anyWordIn tells whether a word of lines overlaps box.
func anyWordIn(lines []Line, box Box) bool {
	for _, l := range lines {
		for _, w := range l.Words {
			if w.Box.X0 < box.X1 && w.Box.X1 > box.X0 && w.Box.Y0 < box.Y1 && w.Box.Y1 > box.Y0 {
				return true
			}
		}
	}
	return false
}

// splitText checks that text is lines as recognition joined them and
// returns, per line, whether it starts a paragraph.
func splitText(lines []Line, text string) ([]bool, bool) {
	var paras []bool
	para := false
	k := 0
	for _, s := range strings.Split(text, "\n") {
		if s == "" {
			para = true
			continue
		}
		if k >= len(lines) || s != lineText(lines[k]) {
			return nil, false
		}
		paras = append(paras, para)
		para = false
		k++
	}
	return paras, k == len(lines)
}

// cellLines makes the visual lines of one cell from the runs of words
// recognition put in it: runs side by side on one line are joined left
// to right, and the lines go top to bottom.
func cellLines(parts []Line) []Line {
	for i := range parts {
		parts[i].Box = wordsBox(parts[i].Words)
	}
	sort.SliceStable(parts, func(i, j int) bool { return parts[i].Box.Y0 < parts[j].Box.Y0 })
	var out []Line
	for _, p := range parts {
		if n := len(out); n > 0 && sameLine(out[n-1].Box, p.Box) {
			words := append(out[n-1].Words, p.Words...)
			sort.SliceStable(words, func(i, j int) bool { return words[i].Box.X0 < words[j].Box.X0 })
			out[n-1] = Line{Words: words, Box: wordsBox(words)}
			continue
		}
		out = append(out, p)
	}
	return out
}

// sameLine tells whether two boxes overlap vertically by more than half
// the shorter one's height.
func sameLine(a, b Box) bool {
	o := min(a.Y1, b.Y1) - max(a.Y0, b.Y0)
	return 2*o > min(a.Y1-a.Y0, b.Y1-b.Y0)
}

func wordsBox(ws []Word) Box {
	b := ws[0].Box
	for _, w := range ws[1:] {
		b = Box{min(b.X0, w.Box.X0), min(b.Y0, w.Box.Y0), max(b.X1, w.Box.X1), max(b.Y1, w.Box.Y1)}
	}
	return b
}

// Rulings through the words. On a photocopy and a fax whose letters ran
// together (measured 85-126 px high, "773 and 1145 dpi"), lines of text
// thresholded into bands left straight runs through the middle of the
// words, 13 and 14 on a page, that cut a table's rows in two and made
// rows of the text above it (the copy read at 33% CER). A rule lies
// between the lines read, never through their words.
const (
	// A ruling crosses a word when it passes through its middle: at
	// least a quarter of the word's height (width) from either edge, so
	// that a rule the box of a word touches or takes in does not count.
	wordInner = 0.25
	// Share of its length over which a ruling crossing words is the edge
	// of a line of text, and how many words it must cross.
	maxThroughWords = 0.2
	minThroughWords = 2
)

// wordBoxes are the boxes of the words of lines that hold a letter or a
// digit and stand at least half as high as the median such word: a rule
// read as a dash, a bar or a flat "word" of its own (a photo's rule read
// as a 380x10 word, cut by the ruling it is) is no word.
func wordBoxes(lines []Line) []Box {
	var out []Box
	var hs []int
	for _, l := range lines {
		for _, w := range l.Words {
			if strings.IndexFunc(w.Text, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
				out = append(out, w.Box)
				hs = append(hs, w.Box.Y1-w.Box.Y0)
			}
		}
	}
	if len(hs) == 0 {
		return nil
	}
	slices.Sort(hs)
	low := hs[len(hs)/2] / 2
	return slices.DeleteFunc(out, func(b Box) bool { return b.Y1-b.Y0 < low })
}

// throughWords tells whether ruling r runs through the middle of the
// words of boxes along more than maxThroughWords of its length.
func throughWords(r Ruling, boxes []Box) bool {
	n, along := 0, 0
	for _, b := range boxes {
		a0, a1, c0, c1 := b.X0, b.X1, b.Y0, b.Y1
		r0, r1 := r.X0, r.X1
		if r.Vertical {
			a0, a1, c0, c1 = b.Y0, b.Y1, b.X0, b.X1
			r0, r1 = r.Y0, r.Y1
		}
		lo, hi := max(a0, r0), min(a1, r1)
		if hi <= lo {
			continue
		}
		m := wordInner * float64(c1-c0)
		if c := r.at((lo + hi) / 2); c <= float64(c0)+m || c >= float64(c1)-m {
			continue
		}
		n++
		along += hi - lo
	}
	return n >= minThroughWords && float64(along) > maxThroughWords*float64(r.length())
}

// CutWords counts the words of lines that a boundary between cells of a
// table runs through (see cutBy).
// A grid read right has its words within its cells; words cut say its
// rows or columns do not line up with the text (a curled photo whose
// rows bend, rules found in the letters, rules missed).
func CutWords(tables []Table, lines []Line) int {
	n := 0
	for _, l := range lines {
		for _, w := range l.Words {
			for _, t := range tables {
				if cutBy(w.Box, t) {
					n++
					break
				}
			}
		}
	}
	return n
}

// cutBy tells whether the middle of box (wordInner of its height and
// width in from each edge) lies in more than one cell of t: a boundary
// runs through it where a rule stands (a merged cell's missing rule
// cuts nothing).
func cutBy(b Box, t Table) bool {
	mx, my := int(wordInner*float64(b.X1-b.X0)), int(wordInner*float64(b.Y1-b.Y0))
	in := Box{b.X0 + mx, b.Y0 + my, b.X1 - mx - 1, b.Y1 - my - 1}
	if in.X1 < in.X0 || in.Y1 < in.Y0 {
		return false
	}
	first := -2
	for _, p := range [][2]int{{in.X0, in.Y0}, {in.X1, in.Y0}, {in.X0, in.Y1}, {in.X1, in.Y1}} {
		c := t.cellAt(p[0], p[1])
		if c < 0 {
			continue
		}
		if first >= 0 && c != first {
			return true
		}
		first = c
	}
	return false
}

// SplitCellLines counts the lines of lines (visual lines as ReadingOrder
// returns them) within a table's frame that split at a column gap (see
// SplitAtGaps): text side by side in one cell, where a column rule was
// not found (faint on a low-resolution copy) and two cells were read as
// one, their lines run together across the row.
func SplitCellLines(tables []Table, lines []Line) int {
	n := 0
	for _, l := range lines {
		cx, cy := (l.Box.X0+l.Box.X1)/2, (l.Box.Y0+l.Box.Y1)/2
		for _, t := range tables {
			if t.cellAt(cx, cy) >= 0 {
				if len(splitLine(l)) > 1 {
					n++
				}
				break
			}
		}
	}
	return n
}

// downThePage moves each line that is alone at its height (no other line
// of lines shares any of its rows), read after lines below it, up to just
// after the last line read before it that lies above it; newPara goes
// with the lines. Tesseract read the centred line of a faxed sheet, which
// a streak cut, after the two lines below it. Lines side by side (an NĐ 30
// header's blocks) keep their order: BlockOrder reads them.
func downThePage(lines []Line, newPara []bool) {
	alone := func(i int) bool {
		for j, l := range lines {
			if j != i && l.Box.Y0 < lines[i].Box.Y1 && lines[i].Box.Y0 < l.Box.Y1 {
				return false
			}
		}
		return true
	}
	for i := range lines {
		if !alone(i) {
			continue
		}
		// Every line read before it is above it or below it.
		to := 0
		for j := range i {
			if lines[j].Box.Y1 <= lines[i].Box.Y0 {
				to = j + 1
			}
		}
		if to < i {
			l, p := lines[i], newPara[i]
			copy(lines[to+1:i+1], lines[to:i])
			copy(newPara[to+1:i+1], newPara[to:i])
			lines[to], newPara[to] = l, p
		}
	}
}
