package ocr

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// sheet draws test pages at 300 dpi: rules th pixels thick, turned by
// slope (the skew left after straightening), broken every dash pixels by
// a gap of gap pixels (a photocopy), and letter-like blots.
type sheet struct {
	b         Bitmap
	th        int
	slope     float64
	dash, gap int
}

func (s sheet) hline(x0, x1, y int) {
	for x := x0; x < x1; x++ {
		if s.dash > 0 && (x-x0)%(s.dash+s.gap) >= s.dash {
			continue
		}
		yy := y + int(s.slope*float64(x))
		for t := range s.th {
			s.b.Set(x, yy+t)
		}
	}
}

func (s sheet) vline(x, y0, y1 int) {
	for y := y0; y < y1; y++ {
		if s.dash > 0 && (y-y0)%(s.dash+s.gap) >= s.dash {
			continue
		}
		xx := x - int(s.slope*float64(y))
		for t := range s.th {
			s.b.Set(xx+t, y)
		}
	}
}

// letters scatters letter-sized blots (28×34 boxes, strokes included)
// inside r, as text would fill a cell.
func (s sheet) letters(r Box, rnd *rand.Rand) {
	for y := r.Y0 + 20; y+40 < r.Y1; y += 70 {
		for x := r.X0 + 15; x+30 < r.X1; x += 34 + rnd.IntN(20) {
			for yy := y; yy < y+34; yy++ {
				s.b.Set(x, yy)
				s.b.Set(x+1, yy)
			}
			for xx := x; xx < x+24; xx++ {
				s.b.Set(xx, y)
				s.b.Set(xx, y+33)
			}
		}
	}
}

// grid is a test table: column and row boundaries, and merged cells.
type grid struct {
	cols, rows []int
	outerV     bool
	merged     []Cell // cells spanning more than one grid cell
}

func (s sheet) draw(g grid, rnd *rand.Rand) {
	nr, nc := len(g.rows)-1, len(g.cols)-1
	owner := func(r, c int) Cell {
		for _, m := range g.merged {
			if r >= m.Row && r < m.Row+m.RowSpan && c >= m.Col && c < m.Col+m.ColSpan {
				return m
			}
		}
		return Cell{Row: r, Col: c, RowSpan: 1, ColSpan: 1}
	}
	for r := 0; r <= nr; r++ {
		for c := range nc {
			if r > 0 && r < nr && owner(r-1, c) == owner(r, c) {
				continue
			}
			s.hline(g.cols[c], g.cols[c+1]+s.th, g.rows[r])
		}
	}
	// Vertical rules: inner ones between different cells, outer ones
	// when the table has them.
	for r := range nr {
		for c := 1; c < nc; c++ {
			if owner(r, c-1) != owner(r, c) {
				s.vline(g.cols[c], g.rows[r], g.rows[r+1]+s.th)
			}
		}
		if g.outerV {
			s.vline(g.cols[0], g.rows[r], g.rows[r+1]+s.th)
			s.vline(g.cols[nc], g.rows[r], g.rows[r+1]+s.th)
		}
	}
	for r := range nr {
		for c := range nc {
			s.letters(Box{g.cols[c] + 10, g.rows[r] + 5, g.cols[c+1] - 10, g.rows[r+1] - 5}, rnd)
		}
	}
}

func TestFindTables(t *testing.T) {
	fee := grid{
		cols: []int{300, 420, 1200, 1500, 1800, 2100},
		rows: []int{700, 830, 940, 1150, 1400, 1600},
		// "Mức thu" over two columns; STT, name and notes over two rows.
		merged: []Cell{{0, 0, 2, 1}, {0, 1, 2, 1}, {0, 2, 1, 2}, {0, 4, 2, 1}},
		outerV: true,
	}
	open := fee
	open.outerV = false
	for _, c := range []struct {
		name   string
		s      sheet
		g      grid
		streak int // x of a copier's streak down the whole page, 0: none
		frame  bool
		want   int // tables
	}{
		{name: "clean", s: sheet{th: 3}, g: fee, want: 1},
		{name: "thin rules", s: sheet{th: 1}, g: fee, want: 1},
		{name: "no outer borders", s: sheet{th: 3}, g: open, want: 1},
		{name: "broken on a copy", s: sheet{th: 3, dash: 60, gap: 12}, g: fee, want: 1},
		{name: "skew left over", s: sheet{th: 3, slope: 0.006}, g: fee, want: 1},
		{name: "streak across", s: sheet{th: 3}, g: open, streak: 900, want: 1},
		{name: "streak across a copy", s: sheet{th: 2, dash: 80, gap: 10}, g: fee, streak: 1350, want: 1},
		{name: "a frame is not a table", s: sheet{th: 3}, frame: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(1, 2))
			c.s.b = NewBitmap(2480, 2200)
			if c.frame {
				c.s.hline(300, 2100, 700)
				c.s.hline(300, 2100, 1600)
				c.s.vline(300, 700, 1600)
				c.s.vline(2100, 700, 1600)
				c.s.letters(Box{320, 720, 2080, 1580}, rnd)
			} else {
				c.s.draw(c.g, rnd)
			}
			// Text above and below the table.
			c.s.letters(Box{300, 200, 2100, 600}, rnd)
			c.s.letters(Box{300, 1700, 2100, 2100}, rnd)
			if c.streak > 0 {
				for y := range 2200 {
					c.s.b.Set(c.streak, y)
					c.s.b.Set(c.streak+1, y)
				}
			}
			ts := FindTables(c.s.b, 300, 30, nil)
			if len(ts) != c.want {
				t.Fatalf("%d tables, want %d: %+v", len(ts), c.want, ts)
			}
			if c.want == 0 {
				return
			}
			tb := ts[0]
			if len(tb.Cols) != len(c.g.cols) || len(tb.Rows) != len(c.g.rows) {
				t.Fatalf("grid rows %v cols %v, want about %v and %v", tb.Rows, tb.Cols, c.g.rows, c.g.cols)
			}
			for i, x := range c.g.cols {
				if d := tb.Cols[i] - x; d < -8 || d > 8 {
					t.Errorf("column boundary %d at %d, want %d", i, tb.Cols[i], x)
				}
			}
			var got []string
			for _, cl := range tb.Cells {
				if cl.RowSpan > 1 || cl.ColSpan > 1 {
					got = append(got, fmt.Sprint(cl))
				}
			}
			var want []string
			for _, m := range c.g.merged {
				want = append(want, fmt.Sprint(m))
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("merged cells %v, want %v", got, want)
			}
			if n := len(tb.Cells); n != 5*5-4 {
				t.Errorf("%d cells, want 21", n)
			}
		})
	}
}

// print draws a line of small letters from x0 to x1 standing on y, their
// feet so close that thresholding runs them together (a low-resolution
// copy): each letter two stems 20 px high on a 12-px foot, 3 px apart,
// words of five letters 12 px apart.
func (s sheet) print(x0, x1, y int) {
	for x := x0; x+12 <= x1; {
		for range 5 {
			for yy := y - 20; yy < y; yy++ {
				for _, sx := range []int{x, x + 1, x + 10, x + 11} {
					s.b.Set(sx, yy)
				}
			}
			for xx := x; xx < x+12; xx++ {
				s.b.Set(xx, y)
				s.b.Set(xx, y+1)
			}
			x += 15
		}
		x += 12
	}
}

// ruledSheet is a 1600x1200 sheet ruled as a table of 3 rows and 2 columns,
// with its grid.
func ruledSheet() (sheet, grid) {
	s := sheet{b: NewBitmap(1600, 1200), th: 3}
	g := grid{cols: []int{200, 600, 1400}, rows: []int{200, 300, 600, 900}}
	for _, y := range g.rows {
		s.hline(200, 1403, y)
	}
	for _, x := range g.cols {
		s.vline(x, 200, 903)
	}
	return s, g
}

// TestFindTablesLettersOnALine: the feet of a line of small letters run
// straight as a rule, but letters stand on them: they cut no row.
func TestFindTablesLettersOnALine(t *testing.T) {
	s, g := ruledSheet()
	for _, y := range []int{360, 400, 440, 660, 700} {
		s.print(620, 1380, y)
		s.print(220, 580, y)
	}
	ts := FindTables(s.b, 300, 30, nil)
	if len(ts) != 1 {
		t.Fatalf("%d tables, want 1", len(ts))
	}
	if len(ts[0].Rows) != len(g.rows) || len(ts[0].Cols) != len(g.cols) {
		t.Errorf("grid rows %v cols %v, want about %v and %v", ts[0].Rows, ts[0].Cols, g.rows, g.cols)
	}
}

// TestFindTablesThroughWords: a ruling through the middle of the words
// read (letters run together into a band) is no rule once the lines read
// are known.
func TestFindTablesThroughWords(t *testing.T) {
	s, g := ruledSheet()
	s.hline(620, 1380, 450)
	line := lineOf(words(620, 420, "Giao: 16 giờ 45 phút, ngày 19/07/2026. Người"))
	for _, c := range []struct {
		name  string
		lines []Line
		rows  int
	}{
		{"lines not read yet", nil, len(g.rows) + 1},
		{"the ruling runs through the words read", []Line{line}, len(g.rows)},
	} {
		ts := FindTables(s.b, 300, 30, c.lines)
		if len(ts) != 1 || len(ts[0].Rows) != c.rows {
			t.Errorf("%s: tables %+v, want one of %d row boundaries", c.name, ts, c.rows)
		}
	}
}

// TestStemShare: letters standing on a ruling or hanging from it count;
// rules crossing it or meeting it do not.
func TestStemShare(t *testing.T) {
	const reach, far = 7, 60
	h := Ruling{X0: 100, Y0: 500, X1: 700, Y1: 500}
	for _, c := range []struct {
		name     string
		draw     func(s sheet)
		min, max float64
	}{
		{"a bare rule", func(s sheet) {}, 0, 0},
		{"rules crossing and meeting it", func(s sheet) {
			s.vline(100, 300, 800)
			s.vline(400, 300, 800)
			s.vline(698, 500, 800)
			s.vline(250, 500, 800)
		}, 0, 0},
		{"letters standing on it", func(s sheet) { s.print(100, 700, 500) }, 0.2, 0.4},
		{"letters above it, apart", func(s sheet) { s.print(100, 700, 480) }, 0, 0},
	} {
		s := sheet{b: NewBitmap(800, 1000), th: 2}
		s.hline(100, 700, 500)
		c.draw(s)
		if got := stemShare(s.b, h, reach, far); got < c.min || got > c.max {
			t.Errorf("%s: stem share %.3f, want %.2f-%.2f", c.name, got, c.min, c.max)
		}
	}
}

func TestReadingOrder(t *testing.T) {
	tb := Table{
		Box:  Box{300, 700, 1800, 1400},
		Rows: []int{700, 800, 1100, 1400},
		Cols: []int{300, 420, 1200, 1800},
	}
	for r := range 3 {
		for c := range 3 {
			tb.Cells = append(tb.Cells, Cell{r, c, 1, 1})
		}
	}
	above := lineOf(words(700, 500, "DANH SÁCH HỒ SƠ"))
	below := lineOf(words(1300, 1500, "Người lập"))
	cell := map[string]Line{
		"STT": lineOf(words(320, 720, "STT")), "name": lineOf(words(440, 720, "Họ và tên")), "addr": lineOf(words(1220, 720, "Địa chỉ")),
		"1": lineOf(words(340, 820, "1")), "an": lineOf(words(440, 820, "Nguyễn Văn An")),
		"a1": lineOf(words(1220, 820, "Số 12 đường Lê Lợi,")), "a2": lineOf(words(1220, 890, "phường Hải Châu")),
		"2": lineOf(words(340, 1120, "2")), "bich": lineOf(words(440, 1120, "Trần Thị Bích")), "b1": lineOf(words(1220, 1120, "Số 5 phố Huế")),
	}
	join := func(ks ...string) Line {
		var l Line
		for _, k := range ks {
			l.Words = append(l.Words, cell[k].Words...)
		}
		l.Box = wordsBox(l.Words)
		return l
	}
	want := "DANH SÁCH HỒ SƠ\n\nSTT\nHọ và tên\nĐịa chỉ\n\n1\nNguyễn Văn An\nSố 12 đường Lê Lợi,\nphường Hải Châu\n\n2\nTrần Thị Bích\nSố 5 phố Huế\n\nNgười lập"
	for _, c := range []struct {
		name  string
		lines []Line
	}{
		{"column by column", []Line{above, cell["STT"], cell["1"], cell["2"], cell["name"], cell["an"], cell["bich"], cell["addr"], cell["a1"], cell["a2"], cell["b1"], below}},
		{"cells run together", []Line{above, join("STT", "name", "addr"), join("1", "an", "a1"), cell["a2"], join("2", "bich", "b1"), below}},
		// Tesseract read the heading and the signer's line first, or the
		// table first (a faxed list, a photo): each still goes where it
		// stands on the page.
		{"table read last", []Line{above, below, join("a2"), join("STT", "name", "addr"), join("1", "an", "a1"), join("2", "bich", "b1")}},
		{"table read first", []Line{join("STT", "name", "addr"), join("1", "an", "a1"), cell["a2"], join("2", "bich", "b1"), above, below}},
		{"heading read last", []Line{join("STT", "name", "addr"), join("1", "an", "a1"), cell["a2"], join("2", "bich", "b1"), below, above}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var text []string
			for _, l := range c.lines {
				text = append(text, lineText(l))
			}
			lines, got := ReadingOrder(c.lines, strings.Join(text, "\n"), []Table{tb})
			if got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
			if n := strings.Count(strings.ReplaceAll(got, "\n\n", "\n"), "\n") + 1; n != len(lines) {
				t.Errorf("%d lines for %d text lines", len(lines), n)
			}
			for _, l := range lines {
				if l.Box != wordsBox(l.Words) {
					t.Errorf("line %q box %v, words %v", lineText(l), l.Box, wordsBox(l.Words))
				}
			}
		})
	}
}

// TestReadingOrderWithoutTables: a page without a table, or whose table
// holds none of its words, reads exactly as BlockOrder reads it.
func TestReadingOrderWithoutTables(t *testing.T) {
	pages := [][]Line{
		{
			lineOf(words(420, 200, "ỦY BAN NHÂN DÂN"), words(1150, 200, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")),
			lineOf(words(430, 270, "TỈNH QUẢNG NGÃI"), words(1300, 270, "Độc lập - Tự do - Hạnh phúc")),
			lineOf(words(1000, 600, "QUYẾT ĐỊNH")),
		},
		{
			lineOf(words(350, 900, "Căn cứ Luật Tổ chức chính quyền địa phương;")),
			lineOf(words(350, 970, "Căn cứ Luật Thanh tra;")),
		},
	}
	far := Table{Box: Box{300, 3000, 2000, 3400}, Rows: []int{3000, 3200, 3400}, Cols: []int{300, 1000, 2000},
		Cells: []Cell{{0, 0, 1, 1}, {0, 1, 1, 1}, {1, 0, 1, 1}, {1, 1, 1, 1}}}
	for i, lines := range pages {
		var text []string
		for k, l := range lines {
			if k == 2 {
				text = append(text, "")
			}
			text = append(text, lineText(l))
		}
		s := strings.Join(text, "\n")
		wl, wt := BlockOrder(lines, s)
		for _, ts := range [][]Table{nil, {far}} {
			gl, gt := ReadingOrder(lines, s, ts)
			if gt != wt || fmt.Sprint(gl) != fmt.Sprint(wl) {
				t.Errorf("page %d with %d tables:\n%s\nwant\n%s", i, len(ts), gt, wt)
			}
		}
	}
}

// TestReadingOrderKeepsWords: whatever lines recognition made of a page
// with a table, every word comes back exactly once.
func TestReadingOrderKeepsWords(t *testing.T) {
	tb := Table{Box: Box{300, 700, 1800, 1400}, Rows: []int{700, 800, 1100, 1400}, Cols: []int{300, 420, 1200, 1800}}
	for r := range 3 {
		tb.Cells = append(tb.Cells, Cell{r, 0, 1, 1}, Cell{r, 1, 1, 2})
	}
	rnd := rand.New(rand.NewPCG(7, 7))
	for range 200 {
		var all []Word
		for range 40 {
			x, y := 200+rnd.IntN(1700), 500+rnd.IntN(1100)
			all = append(all, Word{Text: fmt.Sprint("w", len(all)), Box: Box{x, y, x + 80, y + 50}})
		}
		var lines []Line
		var text strings.Builder
		for len(all) > 0 {
			n := 1 + rnd.IntN(min(5, len(all)))
			l := Line{Words: all[:n], Box: wordsBox(all[:n])}
			all = all[n:]
			if text.Len() > 0 {
				text.WriteString([]string{"\n", "\n\n"}[rnd.IntN(2)])
			}
			text.WriteString(lineText(l))
			lines = append(lines, l)
		}
		out, got := ReadingOrder(lines, text.String(), []Table{tb})
		in := strings.Fields(text.String())
		var back []string
		for _, l := range out {
			back = append(back, strings.Fields(lineText(l))...)
		}
		slices.Sort(in)
		slices.Sort(back)
		gotWords := strings.Fields(got)
		slices.Sort(gotWords)
		if !slices.Equal(in, back) || !slices.Equal(in, gotWords) {
			t.Fatalf("words changed:\nin   %v\nlines %v\ntext %v", in, back, gotWords)
		}
	}
}

// TestUnreadCells: a cell of a ruled table that holds letters but gave no
// word counts; a cell read, an empty cell, a cell with a speck or with
// what is left of its rules along its border does not.
func TestUnreadCells(t *testing.T) {
	const letter = 30 // letter height, px
	tb := Table{Box: Box{0, 0, 900, 400}, Rows: []int{0, 200, 400}, Cols: []int{0, 300, 600, 900}}
	for r := range 2 {
		for c := range 3 {
			tb.Cells = append(tb.Cells, Cell{r, c, 1, 1})
		}
	}
	// ink draws a word's worth of letters (a 30×120 block of strokes) at x, y.
	ink := func(b Bitmap, x, y, w, h int) {
		for yy := y; yy < y+h; yy++ {
			for xx := x; xx < x+w; xx += 2 {
				b.Set(xx, yy)
			}
		}
	}
	word := func(x, y int) Line {
		return Line{Words: []Word{{Text: "Quảng", Box: Box{x, y, x + 120, y + letter}}}}
	}
	tests := []struct {
		name  string
		draw  func(Bitmap)
		lines []Line
		want  int
	}{
		{"every cell with letters read", func(b Bitmap) { ink(b, 50, 50, 120, letter); ink(b, 350, 250, 120, letter) },
			[]Line{word(50, 50), word(350, 250)}, 0},
		{"two cells with letters, no word", func(b Bitmap) { ink(b, 50, 50, 120, letter); ink(b, 350, 250, 120, letter) },
			nil, 2},
		{"one read, one skipped", func(b Bitmap) { ink(b, 50, 50, 120, letter); ink(b, 650, 250, 120, letter) },
			[]Line{word(50, 50)}, 1},
		{"a speck", func(b Bitmap) { ink(b, 100, 100, 4, 4) }, nil, 0},
		{"rule remnants along the borders", func(b Bitmap) { ink(b, 0, 197, 900, 6); ink(b, 297, 0, 6, 400) }, nil, 0},
		// A row's number: one digit, far less ink than two letters.
		{"a lone digit, no word", func(b Bitmap) { digitOne(b, 140, 80, letter) }, nil, 1},
		{"a lone digit read", func(b Bitmap) { digitOne(b, 140, 80, letter) },
			[]Line{{Words: []Word{{Text: "1", Box: Box{136, 78, 156, 112}}}}}, 0},
		// What the clean-up left of a rule stands beside it, inside the
		// cell's border: letter-sized, but no letter.
		{"a rule's remnant beside it", func(b Bitmap) { ink(b, 308, 80, 10, letter); ink(b, 309, 81, 10, letter) }, nil, 0},
		{"a hairline", func(b Bitmap) {
			for y := range letter {
				b.Set(400+y/2, 60+y)
			}
		}, nil, 0},
		{"a blot", func(b Bitmap) { ink(b, 400, 60, 18, 18); ink(b, 401, 60, 18, 18) }, nil, 0},
		{"empty table", func(Bitmap) {}, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBitmap(900, 400)
			tc.draw(b)
			if got := UnreadCells(b, []Table{tb}, tc.lines, letter); got != tc.want {
				t.Errorf("UnreadCells = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestUnreadCellMerged: in a cell merged over two rows of the grid, the
// row boundary it spans is no rule: a digit standing where it would run
// counts (a bold "STT" in a header two rows high was left out as a rule's
// remnant).
func TestUnreadCellMerged(t *testing.T) {
	const letter = 30
	tb := Table{Box: Box{0, 0, 900, 400}, Rows: []int{0, 200, 400}, Cols: []int{0, 300, 600, 900},
		Cells: []Cell{{0, 0, 1, 1}, {0, 1, 2, 1}, {0, 2, 1, 1}, {1, 0, 1, 1}, {1, 2, 1, 1}}}
	b := NewBitmap(900, 400)
	digitOne(b, 440, 185, letter)
	if got := UnreadCells(b, []Table{tb}, nil, letter); got != 1 {
		t.Errorf("UnreadCells = %d, want 1", got)
	}
}

// digitOne draws a "1" h pixels high at x, y: a stem, a flag and a foot,
// about a third of the ink of a letter's box.
func digitOne(b Bitmap, x, y, h int) {
	st := max(2, h/9)
	for yy := y; yy < y+h; yy++ {
		for xx := x; xx < x+st; xx++ {
			b.Set(xx, yy)
		}
	}
	for k := range h / 4 {
		for xx := range st {
			b.Set(x-k+xx-1, y+k)
		}
	}
	for yy := y + h - st; yy < y+h; yy++ {
		for xx := x - h/5; xx < x+st+h/5; xx++ {
			b.Set(xx, yy)
		}
	}
}

// TestUnreadListNumbers: a list's number column, one digit a row far
// left of the names, and its bold header, its letters run together, which
// the page reading skipped: each of these cells is unread, the digits as
// the letters to read, the header as ink as tall as letters; read again,
// their words go in as lines of their own and the reading order puts each
// in its row.
func TestUnreadListNumbers(t *testing.T) {
	const letter = 40
	s, _ := ruledSheet()
	read := []Line{
		lineOf(words(620, 220, "Họ và tên")),
		lineOf(words(620, 420, "Nguyễn Văn An")),
		lineOf(words(620, 720, "Trần Thị Bích")),
	}
	for _, l := range read {
		s.print(l.Box.X0, l.Box.X1, l.Box.Y1-10)
	}
	// "STT" in bold, its serifs joined: one component 3.2 letters wide.
	for x := 300; x < 428; x++ {
		s.b.Set(x, 220)
		s.b.Set(x, 259)
	}
	for x := 300; x < 428; x += 14 {
		s.vline(x, 220, 260)
	}
	digitOne(s.b, 400, 420, letter)
	digitOne(s.b, 400, 720, letter)
	s.b.Set(300, 500) // a speck
	tables := FindTables(s.b, 300, letter, read)
	if len(tables) != 1 {
		t.Fatalf("%d tables, want 1", len(tables))
	}
	cells := FindUnreadCells(s.b, tables, read, letter)
	if len(cells) != 3 {
		t.Fatalf("unread cells %+v, want the header's and the two number cells", cells)
	}
	if c := cells[0]; len(c.Letters) != 0 || c.Ink != (Box{300, 220, 429, 260}) {
		t.Errorf("header cell: %+v, want no letter, ink of the header's box", c)
	}
	header := []Word{{Text: "STT", Box: Box{298, 218, 432, 262}, Confidence: 93}}
	if l, all := CellLine(cells[0], header, letter); !all || len(l.Words) != 1 {
		t.Errorf("header cell read again: %+v all %v", l, all)
	}
	add := []Line{lineOf(header)}
	text := "Họ và tên\nNguyễn Văn An\nTrần Thị Bích"
	for k, c := range cells[1:] {
		y := 420 + 300*k
		if len(c.Letters) != 1 || c.Ink.Y0 > y || c.Ink.Y1 < y+letter || c.Ink.X1-c.Ink.X0 > letter {
			t.Fatalf("cell %d: %+v, want one letter, the digit", k, c)
		}
		words := []Word{
			{Text: fmt.Sprint(k + 1), Box: Box{392, y - 2, 412, y + letter + 2}, Confidence: 91},
			{Text: "|", Box: Box{570, y, 575, y + letter}, Confidence: 80},    // a rule read as a bar
			{Text: "Trần", Box: Box{620, y, 700, y + letter}, Confidence: 95}, // not in the cell
		}
		l, all := CellLine(c, words, letter)
		if !all || len(l.Words) != 1 || l.Words[0].Text != fmt.Sprint(k+1) {
			t.Fatalf("cell %d read again: %+v all %v, want the digit alone", k, l, all)
		}
		if _, all := CellLine(c, words[1:], letter); all {
			t.Errorf("cell %d: a reading without its digit covers it", k)
		}
		add = append(add, l)
	}
	lines, text := AddLines(read, text, add)
	if left := UnreadCells(s.b, tables, lines, letter); left != 0 {
		t.Errorf("%d cells unread once read again", left)
	}
	_, got := ReadingOrder(lines, text, tables)
	if want := "STT\nHọ và tên\n\n1\nNguyễn Văn An\n\n2\nTrần Thị Bích"; got != want {
		t.Errorf("reading order:\n%s\nwant\n%s", got, want)
	}
}

// TestGridsOfWords: a table whose frame bounds the lines read in it is
// kept, even when recognition glued a rule to a word; a "table" found in
// the letters of body text (tiny print enlarged: serifs and stacked stems
// run together), whose lines run on beside it, is not; a table holding
// no word is kept for UnreadCells.
func TestGridsOfWords(t *testing.T) {
	table := Table{Box: Box{300, 700, 1800, 1400}, Rows: []int{700, 800, 1100, 1400}, Cols: []int{300, 420, 1200, 1800}}
	cells := []Line{
		lineOf(words(320, 720, "STT"), words(440, 720, "Họ và tên"), words(1220, 720, "Địa chỉ")),
		lineOf(words(340, 820, "1"), words(440, 820, "Nguyễn Văn An"), words(1220, 820, "Số 12 đường Lê Lợi,")),
		lineOf(words(340, 1120, "2"), words(400, 1120, "|Trần Thị Bích"), words(1220, 1120, "Số 5 phố Huế")),
		// The heading above and the signer below are not in the frame.
		lineOf(words(700, 500, "DANH SÁCH HỒ SƠ")),
		lineOf(words(1300, 1500, "Người lập")),
	}
	// Body text, 60-px letters on a 70-px pitch, and a "grid" in the
	// letters of its left part.
	body := []Line{
		lineOf(words(350, 900, "Mã hồ sơ: H66.419.29-260728-UT1850")),
		lineOf(words(350, 970, "Đã nhận của ông/bà: Kiều Quang Bảo")),
		lineOf(words(350, 1040, "Số định danh cá nhân: 066067957861")),
	}
	letters := Table{Box: Box{350, 890, 700, 1110}, Rows: []int{890, 930, 1000, 1070, 1110}, Cols: []int{350, 520, 540, 700}}
	for _, c := range []struct {
		name  string
		table Table
		lines []Line
		kept  bool
	}{
		{"a ruled list", table, cells, true},
		{"rules in the letters", letters, body, false},
		{"a table read empty", table, nil, true},
	} {
		if got := GridsOfWords([]Table{c.table}, c.lines); (len(got) == 1) != c.kept {
			t.Errorf("%s: kept %v, want %v", c.name, len(got) == 1, c.kept)
		}
	}
}

// TestLinkPiecesAnyOrder: the rulings do not depend on the order the
// pieces come in (they came from a map: a low-resolution copy's table
// had 11 or 12 rows, 23 or 24 cells, from one run to the next).
func TestLinkPiecesAnyOrder(t *testing.T) {
	s := newRulingScale(300, 30)
	// Two pieces start together; either could take the third.
	ps := []Ruling{{X0: 0, Y0: 100, X1: 100, Y1: 100}, {X0: 0, Y0: 103, X1: 100, Y1: 103}, {X0: 110, Y0: 101, X1: 400, Y1: 101}}
	want := fmt.Sprint(linkPieces(slices.Clone(ps), s, false))
	for _, order := range [][]int{{1, 0, 2}, {2, 1, 0}, {0, 2, 1}} {
		var in []Ruling
		for _, i := range order {
			in = append(in, ps[i])
		}
		if got := fmt.Sprint(linkPieces(in, s, false)); got != want {
			t.Errorf("pieces in order %v: %s, want %s", order, got, want)
		}
	}
}

// TestTableDoubts: words a boundary between cells runs through, and lines
// of one cell that split at a column gap, say the grid does not line up
// with the text; a merged cell's missing rule cuts nothing.
func TestTableDoubts(t *testing.T) {
	tb := Table{Box: Box{300, 700, 1800, 1400}, Rows: []int{700, 800, 1100, 1400}, Cols: []int{300, 420, 1200, 1800}}
	for r := range 3 {
		tb.Cells = append(tb.Cells, Cell{r, 0, 1, 1}, Cell{r, 1, 1, 1}, Cell{r, 2, 1, 1})
	}
	merged := tb
	merged.Cells = []Cell{{0, 0, 1, 1}, {0, 1, 1, 2}, {1, 0, 1, 1}, {1, 1, 1, 1}, {1, 2, 1, 1}, {2, 0, 1, 1}, {2, 1, 1, 1}, {2, 2, 1, 1}}
	for _, c := range []struct {
		name       string
		table      Table
		lines      []Line
		cut, split int
	}{
		{"text within its cells", tb, []Line{
			lineOf(words(320, 720, "STT")), lineOf(words(440, 720, "Họ và tên")), lineOf(words(1220, 720, "Địa chỉ")),
			lineOf(words(340, 820, "1")), lineOf(words(440, 820, "Nguyễn Văn An")), lineOf(words(1220, 820, "Số 12 Lê Lợi")),
		}, 0, 0},
		{"rows that bend across the rules (a curled photo)", tb, []Line{
			lineOf(words(440, 770, "Nguyễn Văn An")), lineOf(words(1220, 1070, "Số 12 Lê Lợi")),
		}, 7, 0},
		{"a word across a merged cell's missing rule", merged, []Line{lineOf(words(1150, 720, "Địa"))}, 0, 0},
		{"a column rule missed: two cells' lines side by side", merged, []Line{
			lineOf(words(440, 720, "Họ và tên"), words(1250, 720, "Địa chỉ")),
		}, 0, 1},
		{"text outside the table", tb, []Line{lineOf(words(300, 400, "DANH SÁCH"), words(1300, 400, "HỒ SƠ"))}, 0, 0},
	} {
		if got := CutWords([]Table{c.table}, c.lines); got != c.cut {
			t.Errorf("%s: %d words cut, want %d", c.name, got, c.cut)
		}
		if got := SplitCellLines([]Table{c.table}, c.lines); got != c.split {
			t.Errorf("%s: %d cell lines split, want %d", c.name, got, c.split)
		}
	}
}

// TestReadingOrderHeadingDownThePage: a line alone at its height that
// recognition read after lines below it (a faxed sheet's centred line,
// cut by a streak) goes above them; side-by-side blocks keep their order.
func TestReadingOrderHeadingDownThePage(t *testing.T) {
	tb := Table{Box: Box{300, 1000, 1800, 1400}, Rows: []int{1000, 1200, 1400}, Cols: []int{300, 1000, 1800},
		Cells: []Cell{{0, 0, 1, 1}, {0, 1, 1, 1}, {1, 0, 1, 1}, {1, 1, 1, 1}}}
	lines := []Line{
		// A mark in the margin, read first.
		lineOf(words(200, 450, "Cd")),
		lineOf(words(320, 100, "ỦY BAN NHÂN DÂN")), lineOf(words(1100, 100, "CỘNG HÒA XÃ HỘI")),
		lineOf(words(320, 170, "PHƯỜNG AN HẢI")), lineOf(words(1100, 170, "Độc lập - Tự do")),
		lineOf(words(300, 440, "Cơ quan, tổ chức, cá nhân: Đỗ Thu Thủy")),
		lineOf(words(300, 510, "Nội dung: Đăng ký kết hôn")),
		lineOf(words(600, 370, "Mã hồ sơ: H33.667.32")),
		lineOf(words(320, 1020, "TÊN CƠ QUAN")), lineOf(words(1020, 1020, "GHI CHÚ")),
	}
	var text []string
	for _, l := range lines {
		text = append(text, lineText(l))
	}
	_, got := ReadingOrder(lines, strings.Join(text, "\n"), []Table{tb})
	want := "Cd\nỦY BAN NHÂN DÂN\nCỘNG HÒA XÃ HỘI\nPHƯỜNG AN HẢI\nĐộc lập - Tự do\nMã hồ sơ: H33.667.32\nCơ quan, tổ chức, cá nhân: Đỗ Thu Thủy\nNội dung: Đăng ký kết hôn\n\nTÊN CƠ QUAN\nGHI CHÚ"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
