//go:build cgo && unix

package engine

import (
	"strings"
	"unicode"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/syllable"
)

// Thresholds of the plausibility check. They were set on the desk
// benchmark (BenchmarkDesk): a reading that lost its letters is mostly
// non-syllables, even when Tesseract's confidence stays high.
const (
	minJudged       = 8    // words needed before the syllable share says anything
	doubtfulShare   = 0.80 // share of syllables under which a page is flagged
	hardShare       = 0.90 // ...under which a second reading is taken
	hardConf        = 85   // mean confidence under which a second reading is taken
	foreignConf     = 90   // a non-syllable word read this surely is a foreign word, not debris
	minLetterRatio  = 0.35 // letters read per letter-sized component, under which text was lost
	foreignMinRunes = 4
	foreignShare    = 0.5 // under this share of syllables with...
	foreignPageConf = 70  // ...at least this confidence, the page is in another language
)

// reading sums up one recognition of a page for choosing and flagging.
type reading struct {
	conf    float64 // mean word confidence, 0-100
	valid   int     // words that are syllables, or confident foreign words
	judged  int
	letters int // letters and digits read
}

// judgeReading scores a reading; vietnamese says whether the page was
// read with the Vietnamese model (otherwise the syllable rules do not apply).
func judgeReading(lines []ocr.Line, text string, conf float64, vietnamese bool) reading {
	rd := reading{conf: conf}
	for _, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			rd.letters++
		}
	}
	if !vietnamese {
		return rd
	}
	for _, l := range lines {
		for _, w := range l.Words {
			switch syllable.Judge(w.Text) {
			case syllable.Syllable:
				rd.valid++
				rd.judged++
			case syllable.NotSyllable:
				rd.judged++
				if w.Confidence >= foreignConf && foreignWord(w.Text) {
					rd.valid++
				}
			}
		}
	}
	return rd
}

// foreignWord tells a word of plain Latin letters long enough to be a
// real word of another language (names, English terms), not OCR debris.
func foreignWord(w string) bool {
	w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) })
	n := 0
	for _, r := range w {
		if r > unicode.MaxASCII || !unicode.IsLetter(r) {
			return false
		}
		n++
	}
	return n >= foreignMinRunes
}

// share is the share of judged words that are plausible; 1 with too few.
func (rd reading) share() float64 {
	if rd.judged < minJudged {
		return 1
	}
	return float64(rd.valid) / float64(rd.judged)
}

// plausibility is confidence (0-1) times the syllable share.
func (rd reading) plausibility() float64 { return rd.conf / 100 * rd.share() }

// hard tells a page worth a second reading: low confidence, few
// syllables, or letters too small to have been read as they came.
//
// A page of another language read with the Vietnamese model (few
// syllables, yet read with fair confidence, at its own resolution) is not
// read twice: the other path would not make it Vietnamese. It is flagged
// all the same (doubtful).
func (rd reading) hard(rs resolution) bool {
	if rs.upscale > 1 || rs.source == dpiFromLetters && rs.dpi < 150 {
		return true
	}
	if rd.judged >= 3*minJudged && rd.share() < foreignShare && rd.conf >= foreignPageConf {
		return false
	}
	return rd.conf < hardConf || rd.share() < hardShare
}

// doubtful tells a reading the operator must check: few syllables among
// many words, or far fewer letters than the page shows letter shapes.
func (rd reading) doubtful(gs glyphSize) bool {
	if rd.share() < doubtfulShare {
		return true
	}
	return gs.Count >= 4*minGlyphComps && float64(rd.letters) < minLetterRatio*float64(gs.Count)
}
