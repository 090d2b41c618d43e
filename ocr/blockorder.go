package ocr

import (
	"slices"
	"strings"
)

// SplitAtGaps cuts every line where the space between two words is wider
// than columnGap times the line's median word height: Tesseract joins the
// two blocks that NĐ 30/2020 puts side by side (agency | national motto,
// "Số: …" | place and date, "Nơi nhận" | signer) into one line when their
// baselines agree, and such a line is two pieces of text, not one. Each
// piece becomes a Line of its own; lines without such a gap are returned as
// they are, in the same order.
func SplitAtGaps(lines []Line) []Line {
	out := make([]Line, 0, len(lines))
	for _, l := range lines {
		out = append(out, splitLine(l)...)
	}
	return out
}

// A column gap is wider than columnGap ordinary word spaces (the line's
// median gap, kept between 0.15 and 0.5 of its median word height) and
// than 0.7 of a word height: justified text stretches its spaces evenly,
// the channel between NĐ 30 blocks (8 mm and up) is one wide gap.
const columnGap = 4

func splitLine(l Line) []Line {
	if len(l.Words) < 2 {
		return []Line{l}
	}
	hs := make([]int, len(l.Words))
	for i, w := range l.Words {
		hs[i] = w.Box.Y1 - w.Box.Y0
	}
	gaps := make([]int, len(l.Words)-1)
	for i := range gaps {
		gaps[i] = l.Words[i+1].Box.X0 - l.Words[i].Box.X1
	}
	slices.Sort(hs)
	slices.Sort(gaps)
	h := float64(max(1, hs[len(hs)/2]))
	space := min(max(float64(gaps[len(gaps)/2]), 0.15*h), 0.5*h)
	gap := max(columnGap*space, 0.7*h)
	var out []Line
	start := 0
	for i := 1; i <= len(l.Words); i++ {
		if i < len(l.Words) && float64(l.Words[i].Box.X0-l.Words[i-1].Box.X1) <= gap {
			continue
		}
		seg := Line{Words: l.Words[start:i:i]}
		for j, w := range seg.Words {
			if j == 0 {
				seg.Box = w.Box
				continue
			}
			seg.Box = Box{min(seg.Box.X0, w.Box.X0), min(seg.Box.Y0, w.Box.Y0), max(seg.Box.X1, w.Box.X1), max(seg.Box.Y1, w.Box.Y1)}
		}
		out = append(out, seg)
		start = i
	}
	return out
}

// BlockOrder puts side-by-side blocks in reading order: where consecutive
// lines share a white channel (each splits at the same column gap, see
// SplitAtGaps; not the rows of a table, see columnRun), the left block is
// read top to bottom, then the right one, instead of Tesseract's
// line-by-line interleaving ("ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI…"). lines
// and text are a page's Lines and Text as recognition made them (text: the
// lines' words joined by a space, lines by \n, paragraphs by a blank
// line); the reordered lines and the text rebuilt from them come back,
// blocks separated by a blank line. A text that does not match lines is
// returned unchanged.
func BlockOrder(lines []Line, text string) ([]Line, string) {
	type textLine struct {
		s       string
		newPara bool
	}
	var tls []textLine
	para := false
	for _, s := range strings.Split(text, "\n") {
		if s == "" {
			para = true
			continue
		}
		tls = append(tls, textLine{s, para})
		para = false
	}
	if len(tls) != len(lines) {
		return lines, text
	}
	for i, l := range lines {
		if tls[i].s != lineText(l) {
			return lines, text
		}
	}

	lines, tls, changed := stackOrder(lines, tls)

	var (
		out []Line
		sb  strings.Builder
	)
	emit := func(l Line, newPara bool) {
		if sb.Len() > 0 {
			if newPara {
				sb.WriteString("\n\n")
			} else {
				sb.WriteByte('\n')
			}
		}
		sb.WriteString(lineText(l))
		out = append(out, l)
	}
	for i := 0; i < len(lines); {
		run, cuts := columnRun(lines[i:])
		if run < 2 {
			emit(lines[i], tls[i].newPara)
			i++
			continue
		}
		changed = true
		cols := make([][]Line, len(cuts)+1)
		for _, l := range lines[i : i+run] {
			for _, seg := range splitLine(l) {
				c := 0
				for c < len(cuts) && (seg.Box.X0+seg.Box.X1)/2 > cuts[c] {
					c++
				}
				cols[c] = append(cols[c], seg)
			}
		}
		first := true
		for _, col := range cols {
			for k, seg := range col {
				emit(seg, k == 0 && (!first || tls[i].newPara))
			}
			if len(col) > 0 {
				first = false
			}
		}
		i += run
		if i < len(lines) {
			tls[i].newPara = true
		}
	}
	if !changed {
		return lines, text
	}
	return out, sb.String()
}

// stackOrder puts lines of one column top to bottom where Tesseract's
// blocks left one out of place: on a fax whose streak cut the page, it
// took two bold headings for a block of their own and read the second
// before the paragraph between them. A line read before a line it
// overlaps horizontally (by half the narrower) and that lies wholly above
// it goes after that line; side-by-side blocks do not overlap and keep
// their order (see BlockOrder). The text lines move with their lines;
// changed says whether any moved.
func stackOrder[T any](lines []Line, tls []T) ([]Line, []T, bool) {
	changed := false
	// A swap puts in order one pair the one strictly above the other and
	// puts none out of order, so bubbling ends; n passes bound it even
	// for malformed boxes.
	for pass, swapped := 0, true; swapped && pass < len(lines); pass++ {
		swapped = false
		for i := 0; i+1 < len(lines); i++ {
			a, b := lines[i].Box, lines[i+1].Box
			if b.Y1 >= a.Y0 || 2*(min(a.X1, b.X1)-max(a.X0, b.X0)) < min(a.X1-a.X0, b.X1-b.X0) {
				continue
			}
			if !changed {
				lines, tls, changed = slices.Clone(lines), slices.Clone(tls), true
			}
			lines[i], lines[i+1] = lines[i+1], lines[i]
			tls[i], tls[i+1] = tls[i+1], tls[i]
			swapped = true
		}
	}
	return lines, tls, changed
}

// columnRun measures how many lines from the first share its column gaps:
// each splits into pieces and no word of it crosses one of the first
// line's gap centres (cuts, left to right).
//
// Side-by-side blocks are two (agency | motto, "Số: …" | place and date,
// "Nơi nhận" | signer), a line of them at times three ("Số:", the blank
// for the number, "/QĐ-UBND"). Lines most of which split into more
// pieces are the rows of a table whose rules were not found (a curled
// photo of a list: "1 | Trần Gia Ổn | 29/03/1951") and are no run: read
// as blocks, their columns came one after the other, every number, then
// every name, then every date (7.3% -> 23% CER).
func columnRun(lines []Line) (n int, cuts []int) {
	segs := splitLine(lines[0])
	if len(segs) < 2 {
		return 0, nil
	}
	for k := 1; k < len(segs); k++ {
		cuts = append(cuts, (segs[k-1].Box.X1+segs[k].Box.X0)/2)
	}
	n, rows := 1, 0
	if len(segs) > 2 {
		rows++
	}
	for _, l := range lines[1:] {
		pieces := len(splitLine(l))
		if pieces < 2 || crosses(l, cuts) {
			break
		}
		if pieces > 2 {
			rows++
		}
		n++
	}
	if 2*rows > n {
		return 0, nil
	}
	return n, cuts
}

func crosses(l Line, cuts []int) bool {
	for _, w := range l.Words {
		for _, c := range cuts {
			if w.Box.X0 < c && w.Box.X1 > c {
				return true
			}
		}
	}
	return false
}

func lineText(l Line) string {
	ws := make([]string, len(l.Words))
	for i, w := range l.Words {
		ws[i] = w.Text
	}
	return strings.Join(ws, " ")
}
