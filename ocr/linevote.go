package ocr

import (
	"sort"
	"strings"
	"unicode"
)

// Line by line, word by word voting between two readings of one page. A
// coarse page (a 100-dpi fax) read enlarged and read as it came gives two
// texts each right where the other is wrong: on the faxes of the hard
// preset the one or the other was better by up to 6 points of CER, and
// no whole-page score told which (the page as it came, kept when more
// plausible, won at 11.6% against 16.9% on one fax and lost at 21.7%
// against 12.6% on another, where its lines came in pieces and out of
// order). So the enlarged reading's lines keep the page's layout and
// reading order; within each, the words of both readings that cover the
// same ink go to the reading that accounts for more letters surely read;
// and the other reading's lines that fall in none of them (text the
// enlarged reading skipped) come in where they stand on the page when
// read surely. The same vote serves two readings of one page at one size
// (the usual path and the one without clean-up, scale 1): handwriting
// across print and copied tables lose words to the one where the other
// keeps them.
const (
	// Letter-weighted mean confidence at which a line only the other
	// reading saw is taken: on the faxes of seeds 20-29 the lines the
	// enlarged reading skipped (a heading under a streak) were read as
	// they came at 83-88, specks and streaks read as marks at 25-63.
	voteAddConf = 80
	// Letters a line only the other reading saw needs to be taken.
	voteAddLetters = 3
	// Confidence under which a word only one reading saw, where both read
	// the line, is left out (unsureWordConf of the engine's review rule).
	voteWordConf = 60
	// Pixels by which two words must overlap across the line to cover
	// the same ink: boxes of neighbouring words, mapped from the smaller
	// page, touch or cross by a pixel or two.
	voteOverlap = 2
)

// VoteLines merges other, a second reading of the page base was read
// from, into base (lines and text as recognition made them). scale maps
// other's coordinates to base's (2.5 when base was read on the page
// enlarged 2.5 times). The lines and text that come back are base's, in
// its order, each line merged with the words of other that fall in it
// (see voteWords), with the lines of other that fall in no line of base
// and are read surely added, each as a paragraph, before the first line
// of base that starts below them. When text does not match base, base
// comes back unchanged.
func VoteLines(base []Line, text string, other []Line, scale float64) ([]Line, string) {
	paras, ok := splitText(base, text)
	if !ok || len(other) == 0 {
		return base, text
	}
	groups := make([][]Word, len(base))
	var orphans []Line
	for _, ol := range other {
		var left []Word
		ob := scaleBox(ol.Box, scale)
		for _, w := range ol.Words {
			w.Box = scaleBox(w.Box, scale)
			switch i := lineHolding(base, w.Box); {
			case i < 0:
				left = append(left, w)
			case sameLine(base[i].Box, ob):
				groups[i] = append(groups[i], w)
			}
			// Otherwise the word's line runs across two of base's (a tall
			// line box, a heading beside a date): it matches neither.
		}
		if len(left) > 0 {
			orphans = append(orphans, Line{Box: wordsBox(left), Words: left})
		}
	}
	out := make([]Line, 0, len(base))
	var sb strings.Builder
	add := func(l Line, para bool) {
		if len(out) > 0 {
			sb.WriteString("\n")
			if para {
				sb.WriteString("\n")
			}
		}
		out = append(out, l)
		sb.WriteString(lineText(l))
	}
	taken := make([]bool, len(orphans))
	for i, l := range base {
		for k, o := range orphans {
			if !taken[k] && o.Box.Y0 < l.Box.Y0 && surelyRead(o.Words) {
				taken[k] = true
				add(o, true)
				paras[i] = true
			}
		}
		if ws := voteWords(l.Words, groups[i]); len(ws) > 0 {
			l = Line{Box: wordsBox(ws), Words: ws}
		}
		add(l, paras[i])
	}
	for k, o := range orphans {
		if !taken[k] && surelyRead(o.Words) {
			add(o, true)
		}
	}
	return out, sb.String()
}

// voteWords merges two readings of one line, a and b (words in the same
// coordinates): the words are taken in runs that overlap across the line
// (a word of one reading and the one, two or no words of the other that
// cover the same ink), left to right, and of each run the reading whose
// words account for more letters surely read (see sureLetters), a on a
// tie. A run only one reading has words in is kept when read surely
// (voteWordConf): where both read the line, a word only one of them saw
// and read unsurely is most often a speck or a streak. With b empty, a
// comes back as it is.
func voteWords(a, b []Word) []Word {
	if len(b) == 0 {
		return a
	}
	type tagged struct {
		w   Word
		inB bool
	}
	all := make([]tagged, 0, len(a)+len(b))
	for _, w := range a {
		all = append(all, tagged{w, false})
	}
	for _, w := range b {
		all = append(all, tagged{w, true})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].w.Box.X0 < all[j].w.Box.X0 })
	var out, ra, rb []Word
	flush := func() {
		pick := ra
		if sureLetters(rb) > sureLetters(ra) {
			pick = rb
		}
		if len(ra) == 0 || len(rb) == 0 {
			sure := false
			for _, w := range pick {
				sure = sure || w.Confidence >= voteWordConf
			}
			if !sure {
				pick = nil
			}
		}
		out = append(out, pick...)
		ra, rb = ra[:0:0], rb[:0:0]
	}
	end := 0
	for k, t := range all {
		if k > 0 && t.w.Box.X0 >= end-voteOverlap {
			flush()
			end = t.w.Box.X1
		}
		end = max(end, t.w.Box.X1)
		if t.inB {
			rb = append(rb, t.w)
		} else {
			ra = append(ra, t.w)
		}
	}
	flush()
	return out
}

// lineHolding is the line of lines whose box holds the centre of b (across,
// with a quarter of the line's height to spare at its ends), the one
// whose middle is nearest when several do; -1 when none does.
func lineHolding(lines []Line, b Box) int {
	cx, cy := (b.X0+b.X1)/2, (b.Y0+b.Y1)/2
	best, bestD := -1, 0
	for i, l := range lines {
		spare := (l.Box.Y1 - l.Box.Y0) / 4
		if cx < l.Box.X0-spare || cx > l.Box.X1+spare || cy < l.Box.Y0 || cy > l.Box.Y1 {
			continue
		}
		d := cy - (l.Box.Y0+l.Box.Y1)/2
		if d < 0 {
			d = -d
		}
		if best < 0 || d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

// sureLetters is how many letters and digits words account for, each
// weighted by the confidence it was read with: a line read whole and
// surely outweighs one that lost letters and one of misread letters.
func sureLetters(ws []Word) float64 {
	s := 0.0
	for _, w := range ws {
		s += float64(letterCount(w.Text)) * w.Confidence / 100
	}
	return s
}

// surelyRead tells a line only the other reading saw worth taking.
func surelyRead(ws []Word) bool {
	n := 0
	for _, w := range ws {
		n += letterCount(w.Text)
	}
	return n >= voteAddLetters && sureLetters(ws) >= voteAddConf/100.0*float64(n)
}

func letterCount(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

func scaleBox(b Box, f float64) Box {
	s := func(v int) int { return int(float64(v)*f + 0.5) }
	return Box{s(b.X0), s(b.Y0), s(b.X1), s(b.Y1)}
}
