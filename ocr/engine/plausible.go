//go:build cgo && unix

package engine

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/syllable"
)

// Thresholds of the plausibility check. They were set on the desk
// benchmark (BenchmarkDesk): a reading that lost its letters is mostly
// non-syllables, even when Tesseract's confidence stays high.
const (
	minJudged     = 8    // words needed before the syllable share says anything
	doubtfulShare = 0.80 // share of syllables under which a page is flagged
	hardShare     = 0.90 // ...under which a second reading is taken
	foreignConf   = 90   // a non-syllable word read this surely is a foreign word, not debris
	// A page read whole has about one letter per letter-sized component
	// (0.83-1.9 on the pages of the desk benchmark, merged letters raising
	// it on tiny print); under 0.6 a large part of the text was skipped
	// (dark photos: 0.24 and 0.52, with 78-87% CER).
	minLetterRatio = 0.6
	// Table cells holding letters but no word read from which the page
	// is flagged: one can be a signature or a stamp in a cell; two are
	// text skipped (a faxed list with two of its six rows left out read
	// at 15% CER and confidence 95).
	lostCells = 2
	// Letter-sized components left on read lines with no word over them,
	// even after those lines were read again (see rereadLost), from which
	// the page is flagged.
	lostLetters = 1
	// Blue marks of letter size (at least blueLetterMin of the page's
	// letter height) that the clean-up left out, from which the page is
	// flagged: at least three (a word of a form's blue values) and at
	// least half the page's (its values left out: 52 of them on a form
	// read at 9.7% CER). On photos of forms read under 1% CER, 3-7 of
	// their blue marks, pieces of letters the grey page still shows,
	// were missing from the clean page.
	blueLostLetters = 3
	blueLostShare   = 0.5
	blueLetterMin   = 0.5
	// Signs that a ruled table was read out of order (tableSigns.doubts)
	// from which the page is flagged: words its grid runs through, lines
	// of one cell that split at a column gap. On the 45 table pages of
	// seeds 5, 7-11, 14, 17, 18: every page under 2% CER 0 or 1; a
	// low-resolution copy whose two faint column rules were missed, 22.6%
	// CER, 7; curled photos 3-10.
	tableDoubts = 3
	// Share of words read under unsureWordConf over which the page is
	// flagged: more than one word in ten is likely wrong, about the word
	// error of a page the issue calls unreadable (CER > 10%). Pages under
	// 2% CER were at or below 0.045 on seeds 5 and 6; handwriting over the
	// print 0.11-0.17, Russian read as Vietnamese 0.76-0.83. (It was 0.30,
	// which let handwriting read once at confidence 85-87 go unflagged.)
	maxUnsureShare = 0.10
	// Mean word confidence under which a page of enough words is flagged:
	// a page read whole and surely averages 95-96, every page under 2% CER
	// on seeds 5-8 of the desk corpus 93.2 or more; handwriting over the
	// print read once, tiny print misread and a fax at 10-30% CER 88-91.
	fairConf = 92
	// Mean confidence under which a second reading is taken: every page
	// flagged for its confidence is read on the other path too. At 85,
	// blurred pages read at 88-92 were read once: the binary page loses
	// their faint diacritics, and the grey page masked by it lost them too
	// (seeds 8-11: 8.6-9.2% CER where bare Tesseract reads 0.5-0.8%; the
	// page without clean-up 0.3-0.7%).
	hardConf = fairConf
	// Character difference between the two readings of a hard page over
	// which it is flagged: readable pages 0-0.19, handwriting over the
	// print 0.32-0.39 (31-39% CER), a lost dark photo 1.
	maxDisagreement = 0.25
	// Share of valid syllables with a tone mark under which marks were
	// lost: pages read right 0.61-0.81; a blurred scan read at 4.4% CER
	// where bare Tesseract reads 0.4%, 0.52; a table fax at 24%, 0.46.
	minToneShare    = 0.55
	foreignMinRunes = 4
	foreignShare    = 0.5 // under this share of syllables with...
	foreignPageConf = 70  // ...at least this confidence, the page is in another language
	unsureWordConf  = 60  // a word read under this confidence is unsure
)

// reading sums up one recognition of a page for choosing and flagging.
type reading struct {
	conf    float64 // mean word confidence, 0-100
	valid   int     // words that are syllables, or confident foreign words
	judged  int
	letters int // letters and digits read
	words   int // all words read
	unsure  int // words read with a confidence under unsureWordConf
	// numbers counts the words holding digits read at foreignConf or more:
	// ID numbers, dates, a table's numbered column. They are text read as
	// much as syllables are: a reading that skipped a column of numbers
	// won on its syllables alone (the seed-7 low-resolution table lost its
	// STT column, 0.96% -> 5.02% CER).
	numbers int
	// plausible counts the words that say text was read: valid ones and
	// numbers on a page read in Vietnamese, all words otherwise.
	plausible int
	toned     int // valid syllables that carry a tone mark
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
	for _, l := range lines {
		for _, w := range l.Words {
			rd.words++
			if w.Confidence < unsureWordConf {
				rd.unsure++
			}
		}
	}
	if !vietnamese {
		rd.plausible = rd.words
		return rd
	}
	for _, l := range lines {
		for _, w := range l.Words {
			switch syllable.Judge(w.Text) {
			case syllable.Syllable:
				rd.valid++
				rd.judged++
				if syllable.Toned(w.Text) {
					rd.toned++
				}
			case syllable.NotSyllable:
				rd.judged++
				if w.Confidence >= foreignConf && foreignWord(w.Text) {
					rd.valid++
				}
			case syllable.NotJudged:
				if w.Confidence >= foreignConf && strings.ContainsFunc(w.Text, unicode.IsDigit) {
					rd.numbers++
				}
			}
		}
	}
	rd.plausible = rd.valid + rd.numbers
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

// beats tells whether rd, one reading of a page, is more plausible than
// other, another reading of the same page: its plausibility times the
// plausible words it read. Confidence and syllables judge only the words
// that were read: a reading that skipped whole lines (under handwriting
// over the print, the page without clean-up read only the lines between
// the strokes: 196 words against 231, at 37% CER against 25%) would
// otherwise win on the fair words it kept. Words that are not plausible
// do not count as text read, so a reading that made words of dirt and
// streaks gains nothing by them. Within tieMargin neither beats the
// other: the caller keeps the usual path's reading, whose page had its
// rules and dust removed (read without clean-up, the seed-5 table t0004
// read its rules as "|" glued to names and won by 0.4%, 4.3% CER against
// 0.55%).
func (rd reading) beats(other reading) bool {
	if rd.plausible == 0 && other.plausible == 0 {
		return rd.plausibility() > other.plausibility()*(1+tieMargin)
	}
	return rd.plausibility()*float64(rd.plausible) > other.plausibility()*float64(other.plausible)*(1+tieMargin)
}

// tieMargin is how much more plausible a reading must be to beat another.
const tieMargin = 0.02

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
	return rd.doubtful()
}

// doubtful tells a reading that does not look read whole and surely: low
// confidence, few syllables or lost tone marks. Such a page, when it was
// enlarged, is read as it came too (see voteOwn); one the enlarged
// readings read surely is not: the lines of the page as it came would
// seldom change it, and that reading costs about half a page's (0.4-1.7
// CPU-s on the faxes).
func (rd reading) doubtful() bool {
	return rd.conf < hardConf || rd.share() < hardShare || rd.marksLost()
}

// marksLost tells a reading whose syllables have lost their tone marks:
// in Vietnamese about two syllables in three carry one (0.61-0.81 on
// every page of the desk benchmark read right), and the marks, the
// smallest ink on the page, are the first thing blur, a coarse fax or
// clean-up take away; the syllables left are still valid (thi for thị).
func (rd reading) marksLost() bool {
	return rd.valid >= 3*minJudged && float64(rd.toned) < minToneShare*float64(rd.valid)
}

// reviewReasons tells why the operator must check a reading (none: it
// can be trusted). Each reason is a sign that the reading lost text or
// made some up, whatever caused it (blur, darkness, tiny letters,
// handwriting over the print, another language), so the rule holds for
// pages unlike those it was tuned on:
//   - low confidence: among enough words, the mean confidence is under
//     what a page read whole and surely gets, even when few words are
//     unsure one by one (handwriting over the print read once);
//   - few syllables: among enough words, too few are Vietnamese syllables
//     (or foreign words read surely): letters were misread;
//   - letters lost: far fewer letters were read than the page shows
//     letter-sized shapes, or table cells that hold letters gave no word
//     (unreadCells): text was skipped (a dark or faded part, a block taken
//     for a picture, rows of a faxed list), even when what was read is
//     plausible;
//   - unsure words: a large share of the words were read with low
//     confidence, even when the page's mean is fair;
//   - readings disagree: a hard page read twice (with and without
//     clean-up) gave two texts far apart, so at least one path was lost
//     and nothing says the kept one was not;
//   - marks lost: among enough syllables, too few carry a tone mark
//     (see marksLost), even after the second reading;
//   - table unsure: a ruled table's grid does not line up with the text
//     read in it (words cut by its boundaries, one cell's lines side by
//     side), so its rows or columns may have been read out of order.
//
// The thresholds were set on BenchmarkDesk's corpus (desk and hard
// presets and real scans, seeds 5 and 6) and checked on a seed they were
// not set on (7): see the README.
func (rd reading) reviewReasons(gs glyphSize, disagreement float64, tb tableSigns, lostInk int) []string {
	var why []string
	if rd.words >= minJudged && rd.conf < fairConf {
		why = append(why, ocr.ReasonLowConfidence)
	}
	if rd.share() < doubtfulShare {
		why = append(why, ocr.ReasonFewSyllables)
	}
	if r := rd.letterRatio(gs); r > 0 && r < minLetterRatio || tb.unread >= lostCells || lostInk >= lostLetters {
		why = append(why, ocr.ReasonLettersLost)
	}
	if rd.unsureShare() > maxUnsureShare {
		why = append(why, ocr.ReasonUnsureWords)
	}
	if disagreement > maxDisagreement {
		why = append(why, ocr.ReasonReadingsDisagree)
	}
	if rd.marksLost() {
		why = append(why, ocr.ReasonMarksLost)
	}
	if tb.doubts >= tableDoubts {
		why = append(why, ocr.ReasonTableUnsure)
	}
	return why
}

// tableSigns is what the ruled tables of a page say about its reading.
type tableSigns struct {
	unread int // cells that hold letters but gave no word (ocr.UnreadCells)
	// doubts: words a boundary between cells runs through
	// (ocr.CutWords) and lines of one cell that split at a column gap
	// (ocr.SplitCellLines).
	doubts int
}

// unsureShare is the share of words read unsurely; 0 with too few words.
func (rd reading) unsureShare() float64 {
	if rd.words < minJudged {
		return 0
	}
	return float64(rd.unsure) / float64(rd.words)
}

// letterRatio is letters read per letter-shaped component; 0 unmeasured.
func (rd reading) letterRatio(gs glyphSize) float64 {
	if gs.Count < 4*minGlyphComps {
		return 0
	}
	return float64(rd.letters) / float64(gs.Count)
}

// evidence is what the review rule weighs, as the result reports it.
func (rd reading) evidence(gs glyphSize, glyphPx, disagreement float64) *ocr.Evidence {
	r3 := func(v float64) float64 { return math.Round(v*1000) / 1000 }
	return &ocr.Evidence{SyllableShare: r3(rd.share()), Words: rd.judged, UnsureShare: r3(rd.unsureShare()),
		LetterRatio: r3(rd.letterRatio(gs)), GlyphPx: r3(glyphPx), Disagreement: r3(disagreement)}
}

// Sideways reading. A word of three letters or more of a horizontal
// script is wider than tall; Tesseract's boxes of a word read down a
// sideways page are taller than wide.
const (
	sidewaysMinRunes = 3
	maxSideways      = 0.5 // share of such words taller than wide over which the page was read sideways
)

// sideways tells whether most words of a reading (at least minJudged of
// three letters or more) stand taller than wide: the lines were read
// down the page, so the page Tesseract was given was not upright.
func sideways(lines []ocr.Line) bool {
	n, tall := 0, 0
	for _, l := range lines {
		for _, w := range l.Words {
			if utf8.RuneCountInString(w.Text) < sidewaysMinRunes {
				continue
			}
			n++
			if w.Box.Y1-w.Box.Y0 > w.Box.X1-w.Box.X0 {
				tall++
			}
		}
	}
	return n >= minJudged && float64(tall) > maxSideways*float64(n)
}
