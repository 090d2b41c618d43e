package archival

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sohoa/sohoa/ocr"
)

// The second reading of handwritten blanks. NĐ 30 prints "Số: ..../QĐ-UBND"
// and "ngày .. tháng .. năm 2025" and the office writes the number and the
// day (sometimes the month) by hand. The page reading, tuned for print,
// leaves them unreadable or unsure; Blanks says where they are, the OCR
// engine reads each on its own as digits (ocr.Pool.ReadDigits), and
// ApplyDigits takes a reading only when it is plausible and confident.

// BlankPart names what a handwritten blank holds.
type BlankPart string

const (
	BlankDay    BlankPart = "day"
	BlankMonth  BlankPart = "month"
	BlankNumber BlankPart = "number" // the digits before the first "/"
)

// Blank is a printed blank of a document's header whose handwriting the
// page reading could not read, or read unsure.
type Blank struct {
	Doc  int       // index of the document in Read's answer
	Page int       // 1-based within the pages given to Read
	Part BlankPart //
	Box  ocr.Box   // on the corrected page image, with room for the pen
	Item int       // BlankCopies: the item's index in Recipients; BlankDotBelow: the word's in Signer
}

// Most is the largest value the blank may hold, for the second reading
// (ocr.DigitsInput.Most): 31 for a day, 12 for a month, 0 (no bound) for
// a number.
func (b Blank) Most() int {
	switch b.Part {
	case BlankDay:
		return 31
	case BlankMonth:
		return 12
	}
	return 0
}

// The second reading's thresholds on Tesseract's confidence (0..100, of
// the least sure word read with digits only). Over digitsDeliver a
// plausible reading is delivered; over digitsAccept it is kept for review;
// under it the blank stays unreadable.
const (
	digitsAccept  = 60
	digitsDeliver = 85
)

// Blanks lists the blanks of docs (as Read found them in pages) that a
// second reading may read: a date or number that is unreadable, or
// handwritten and under Deliver; a number under Deliver whose slash was lost
// or whose digits read unsure (digitsUnsure). A blank whose printed words were not
// found (the day's "ngày" lost, say) is not listed: its field stays as it is.
// It lists too the print a second look may mend (copies.go): the line of
// the copies kept under Deliver (BlankCopies, read again as codes) and the
// signer's words whose y may have lost its dot below (BlankDotBelow), and
// the signer's name line when a given name is no common one (BlankName).
// PageRequest puts a page's blanks into an ocr.DigitsInput.
func Blanks(pages []ocr.Result, docs []Document) []Blank {
	var out []Blank
	for i, d := range docs {
		if f := d.Date; secondReading(f) && f.Page >= 1 && f.Page <= len(pages) {
			out = append(out, dateBlanks(i, pages[f.Page-1], f)...)
		}
		if f := d.Number; f != nil && f.Page >= 1 && f.Page <= len(pages) && (secondReading(f) || slashLost(f) || digitsUnsure(pages[f.Page-1], f)) {
			if b, ok := numberBlank(i, pages[f.Page-1], f); ok {
				out = append(out, b)
			}
		}
		out = append(out, copiesBlanks(i, d, pages)...)
		out = append(out, dotBlanks(i, d, pages)...)
		out = append(out, nameBlanks(i, d, pages)...)
	}
	return out
}

func secondReading(f *Field) bool {
	return f != nil && (f.Unreadable || f.Handwritten && f.Confidence < Deliver)
}

// digitsUnsure: a number under Deliver whose digits the page reading read
// unsure (under 70), though the codes beside them read unsure too, which
// the page reading then does not call handwritten: a pen's digits leave
// their neighbours' letters unsure as well ("88" at 53 beside
// "/QĐÐ-UBND" at 65 for a written 89).
func digitsUnsure(r ocr.Result, f *Field) bool {
	if f.Confidence >= Deliver || f.Unreadable {
		return false
	}
	words, _ := fieldWords(r, f)
	for _, w := range words {
		if strings.HasPrefix(w.Text, "/") {
			break // the codes
		}
		if strings.ContainsAny(w.Text, "0123456789") && w.Confidence < digitsUnsureConf {
			return true
		}
		if strings.Contains(w.Text, "/") {
			break
		}
	}
	return false
}

// digitsUnsureConf is the page reading's confidence under which its
// digits are read again (read.go calls digits under it handwritten when the
// codes beside read over it).
const digitsUnsureConf = 70

// slashLost: a number read without the slash after its digits, which a
// pen writing over it hides ("7532TB-UBND" for a written 1532).
func slashLost(f *Field) bool {
	return f != nil && f.Confidence < Deliver && f.Text != "" && !strings.Contains(f.Text, "/")
}

// fieldWords finds the words a field was read from on its page, in
// reading order, and the word just before them on their line.
func fieldWords(r ocr.Result, f *Field) (words []ocr.Word, before *ocr.Word) {
	for _, l := range r.Lines {
		for i, w := range l.Words {
			if slices.Contains(f.Boxes, w.Box) {
				if len(words) == 0 && i > 0 {
					before = &l.Words[i-1]
				}
				words = append(words, w)
			}
		}
	}
	return words, before
}

var (
	dayWordRe   = regexp.MustCompile(`^n[gq]a[yv][,.]?$`)
	monthWordRe = regexp.MustCompile(`^t[hb][au][nm][gq]$`)
	yearWordRe  = regexp.MustCompile(`^n[aă](?:m|rn)$`)
)

// blankBox is the room between two printed words of a line where a pen
// writes: from the end of one to the start of the other, and up and down
// by the height of the print (handwriting is larger and rides above the
// line).
func blankBox(r ocr.Result, x0, x1 int, line []ocr.Word) (ocr.Box, bool) {
	y0, y1, hs := math.MaxInt, 0, []int{}
	for _, w := range line {
		y0, y1 = min(y0, w.Box.Y0), max(y1, w.Box.Y1)
		hs = append(hs, w.Box.Y1-w.Box.Y0)
	}
	h := median(hs)
	gap := max(2, h/8)
	b := ocr.Box{X0: max(0, x0+gap), Y0: max(0, y0-h), X1: x1 - gap, Y1: y1 + h/2}
	if r.Width > 0 {
		b.X1 = min(b.X1, r.Width)
	}
	if r.Height > 0 {
		b.Y1 = min(b.Y1, r.Height)
	}
	if b.X1-b.X0 < h/2 || b.Y1 <= b.Y0 {
		return ocr.Box{}, false
	}
	return b, true
}

// Printed words glued to the handwriting beside them ("ngày4Dtháng"):
// where the word's letters end or start is estimated from its share of
// the letters, but never wider than print would be (handwriting is wider),
// in heights of the line's print.
var (
	dayPrefixRe   = regexp.MustCompile(`^n[gq]a[yv]`)
	monthPrefixRe = regexp.MustCompile(`^t[hb][au][nm][gq]`)
	monthSuffixRe = regexp.MustCompile(`t[hb][au][nm][gq]$`)
	// The n of a "năm" the month's digits were written against reads h
	// ("(0hăm") as well.
	yearSuffixRe = regexp.MustCompile(`[nh][aă](?:m|rn)$`)
)

const (
	dayWordHeights   = 1.8 // "ngày" is about 1.7 heights of its line wide
	monthWordHeights = 2.0 // "tháng" about 1.9
	yearWordHeights  = 1.8 // "năm" about 1.6 in the faces seen, more in bold
)

// The printed words of a date measured against "năm" of the same line,
// which the page reading reads alone far more often than "ngày" or
// "tháng" is glued to it: a ruler in the line's own face. Line heights
// are a poor ruler: their median over a date's few words swings between
// the digits' height and the accented words' (the real Quảng Ngãi dates
// have "ngày" 2.8 heights wide where the generated faces have 1.7). Over
// 100 dates of the generated faces and the real scans, "ngày" is 1.05–1.30
// times "năm" (median 1.135) and "tháng" 1.28–1.72 (median 1.35).
const (
	dayPerYearWord   = 1.135
	monthPerYearWord = 1.35
)

// dateRuler is the width of "năm" read alone among a date's words, or
// "tháng" read alone converted to it; 0 when neither was.
func dateRuler(words []ocr.Word) float64 {
	month := 0.0
	for _, w := range words {
		switch u := unmark(w.Text); {
		case yearWordRe.MatchString(u):
			return float64(w.Box.X1 - w.Box.X0)
		case month == 0 && monthWordRe.MatchString(u):
			month = float64(w.Box.X1-w.Box.X0) / monthPerYearWord
		}
	}
	return month
}

// monthWordRuler is the width of "năm" that "tháng" read alone gives
// (0 when it was not): a ruler for "năm" itself.
func monthWordRuler(words []ocr.Word) float64 {
	for _, w := range words {
		if monthWordRe.MatchString(unmark(w.Text)) {
			return float64(w.Box.X1-w.Box.X0) / monthPerYearWord
		}
	}
	return 0
}

// yearGlued: "năm" read alone this many times wider than "tháng" makes
// it holds more than "năm" ("tháng" is 1.28–1.72 times "năm", so "năm" is
// at most 1.05 times what the median ratio makes it).
const yearGlued = 1.3

// gluedWidth is the width of n of the word's letters (of all in u), at
// most perRuler×ruler (the printed word's width in the line's face), or
// heights×h without a ruler.
func gluedWidth(w ocr.Word, u string, n int, heights float64, h int, perRuler, ruler float64) int {
	most := heights * float64(h)
	if ruler > 0 {
		most = perRuler * ruler
	}
	return min((w.Box.X1-w.Box.X0)*n/max(1, utf8.RuneCountInString(u)), int(most))
}

func dateBlanks(doc int, r ocr.Result, f *Field) []Blank {
	words, _ := fieldWords(r, f)
	var hs []int
	for _, w := range words {
		hs = append(hs, w.Box.Y1-w.Box.Y0)
	}
	h := median(hs)
	ruler := dateRuler(words)
	monthRuler := monthWordRuler(words)
	// Where the printed words end and start: the day's blank lies between
	// dayEnd and monthStart, the month's between monthEnd and yearStart.
	dayEnd, monthStart, monthEnd, yearStart := -1, -1, -1, -1
	for _, w := range words {
		u := unmark(w.Text)
		switch {
		case dayEnd < 0 && dayWordRe.MatchString(u):
			dayEnd = w.Box.X1
			continue
		case dayEnd < 0 && dayPrefixRe.MatchString(u):
			dayEnd = w.Box.X0 + gluedWidth(w, u, 4, dayWordHeights, h, dayPerYearWord, ruler)
			if rest := dayPrefixRe.ReplaceAllString(u, ""); monthSuffixRe.MatchString(rest) {
				monthStart, monthEnd = w.Box.X1-gluedWidth(w, u, 5, monthWordHeights, h, monthPerYearWord, ruler), w.Box.X1
			}
			continue
		}
		if dayEnd < 0 {
			continue
		}
		switch {
		case monthStart < 0 && monthWordRe.MatchString(u):
			monthStart, monthEnd = w.Box.X0, w.Box.X1
		case monthStart < 0 && monthSuffixRe.MatchString(u):
			monthStart, monthEnd = w.Box.X1-gluedWidth(w, u, 5, monthWordHeights, h, monthPerYearWord, ruler), w.Box.X1
		case monthStart < 0 && monthPrefixRe.MatchString(u):
			monthStart, monthEnd = w.Box.X0, w.Box.X0+gluedWidth(w, u, 5, monthWordHeights, h, monthPerYearWord, ruler)
		case monthStart >= 0 && yearStart < 0 && yearWordRe.MatchString(u) && monthRuler > 0 && float64(w.Box.X1-w.Box.X0) > yearGlued*monthRuler:
			// "năm" read whole but wider than "tháng" says it is: the
			// month written against it and lost in its box.
			yearStart = w.Box.X1 - int(monthRuler)
		case monthStart >= 0 && yearStart < 0 && yearWordRe.MatchString(u):
			yearStart = w.Box.X0
		case monthStart >= 0 && yearStart < 0 && yearSuffixRe.MatchString(u):
			// The month written against "năm" ("TÔnăm").
			yearStart = w.Box.X1 - gluedWidth(w, u, 3, yearWordHeights, h, 1, ruler)
		}
	}
	var out []Blank
	if dayEnd >= 0 && monthStart > dayEnd {
		if b, ok := blankBox(r, dayEnd, monthStart, words); ok {
			out = append(out, Blank{Doc: doc, Page: f.Page, Part: BlankDay, Box: b})
		}
	}
	// The month is read again when the page reading did not read it as
	// digits, or read them unsure (a handwritten 5 read "3" at 64): it
	// is mostly printed, and print reads over 90.
	if d, ok := parseDate(f.Text); monthEnd >= 0 && yearStart > monthEnd && (!ok || d.month.missing || d.month.fixed || digitsUnsureBetween(words, monthEnd, yearStart)) {
		if b, ok := blankBox(r, monthEnd, yearStart, words); ok {
			out = append(out, Blank{Doc: doc, Page: f.Page, Part: BlankMonth, Box: b})
		}
	}
	return out
}

// digitsUnsureBetween: a word with digits between x0 and x1 read under
// digitsUnsureConf.
func digitsUnsureBetween(words []ocr.Word, x0, x1 int) bool {
	return slices.ContainsFunc(words, func(w ocr.Word) bool {
		return w.Box.X0 >= x0 && w.Box.X1 <= x1 && strings.ContainsAny(w.Text, "0123456789") && w.Confidence < digitsUnsureConf
	})
}

// numberBlank is the room between "Số:" and the first "/" of the codes.
func numberBlank(doc int, r ocr.Result, f *Field) (Blank, bool) {
	words, before := fieldWords(r, f)
	if len(words) == 0 {
		return Blank{}, false
	}
	var x0 int
	switch {
	case before != nil && soPrefix.MatchString(before.Text) && letters(soPrefix.ReplaceAllString(before.Text, "")) == "":
		x0 = before.Box.X1
	case soPrefix.MatchString(words[0].Text):
		// "Số:" glued to what follows: its share of the word's width.
		// Handwritten digits are wider than print, so a share by letters
		// cuts into them: "Số:" is at most 1.2 heights of its word wide.
		w := words[0]
		n := utf8.RuneCountInString(soPrefix.FindString(w.Text))
		x0 = w.Box.X0 + min((w.Box.X1-w.Box.X0)*n/max(1, utf8.RuneCountInString(w.Text)), (w.Box.Y1-w.Box.Y0)*6/5)
		if n == utf8.RuneCountInString(w.Text) {
			words = words[1:]
		}
	default:
		return Blank{}, false
	}
	// The codes start at the first "/" followed by a letter or by a year.
	x1 := -1
	for _, w := range words {
		i := strings.IndexByte(w.Text, '/')
		if i < 0 {
			continue
		}
		if rest := w.Text[i+1:]; rest == "" || !codesStart(rest) {
			continue
		}
		x1 = w.Box.X0 + (w.Box.X1-w.Box.X0)*utf8.RuneCountInString(w.Text[:i])/max(1, utf8.RuneCountInString(w.Text))
		break
	}
	if x1 < 0 {
		// No slash read: the codes start where the capitals do.
		for _, w := range words {
			if i := codesTailRe.FindStringIndex(w.Text); i != nil && i[0] > 0 {
				x1 = w.Box.X0 + (w.Box.X1-w.Box.X0)*utf8.RuneCountInString(w.Text[:i[0]])/max(1, utf8.RuneCountInString(w.Text))
				break
			}
		}
	}
	if x1 < 0 {
		return Blank{}, false
	}
	b, ok := blankBox(r, x0, x1, words)
	return Blank{Doc: doc, Page: f.Page, Part: BlankNumber, Box: b}, ok
}

var codesStartRe = regexp.MustCompile(`^(?:\d{4}/)?\p{Lu}`)

func codesStart(s string) bool { return codesStartRe.MatchString(s) }

// ApplyDigits takes the second readings of blanks (readings[i] is that of
// blanks[i], as ocr.Pool.ReadDigits answered) into docs, and sets their
// NeedsReview again. A reading is taken only when it is plausible: a day
// 1–31 and a month 1–12 making, with the printed year, a real date that
// is not after today; a number of 1–5 digits (with a 0 before it only
// under 10, "09"), which
// with the printed codes makes an NĐ 30 number. A plausible reading
// confident over digitsDeliver is delivered (Handwritten, at Deliver); over
// digitsAccept it is kept under Deliver, for review; otherwise the field
// stays as the page reading left it. Blanks with no reading (a failed
// second reading) are skipped. The copies kept, the dots below and the
// names are taken as applyCopies, applyDot and applyName say, their fields
// left under Deliver.
func ApplyDigits(docs []Document, blanks []Blank, readings []ocr.DigitsReading, today time.Time) {
	type dateParts struct{ day, month *ocr.DigitsReading }
	dates := map[int]*dateParts{}
	for i, b := range blanks {
		if i >= len(readings) || b.Doc < 0 || b.Doc >= len(docs) {
			continue
		}
		rd := &readings[i]
		d := &docs[b.Doc]
		switch b.Part {
		case BlankCopies:
			applyCopies(itemOf(d, b.Item), rd)
		case BlankDotBelow:
			applyDot(d.Signer, b.Item, rd)
		case BlankName:
			applyName(d.Signer, rd)
		case BlankNumber:
			applyNumber(d.Number, rd, b.Box)
		case BlankDay, BlankMonth:
			dp := dates[b.Doc]
			if dp == nil {
				dp = &dateParts{}
				dates[b.Doc] = dp
			}
			if b.Part == BlankDay {
				dp.day = rd
			} else {
				dp.month = rd
			}
			d.Date.Boxes = appendBox(d.Date.Boxes, b.Box)
		}
	}
	for i, dp := range dates {
		applyDate(docs[i].Date, dp.day, dp.month, today)
	}
	for i := range docs {
		docs[i].NeedsReview = needsReview(&docs[i].Metadata)
	}
}

func appendBox(bs []ocr.Box, b ocr.Box) []ocr.Box {
	if slices.Contains(bs, b) {
		return bs
	}
	return append(bs, b)
}

// digitsConfidence maps a plausible second reading's Tesseract confidence
// to the field's; 0 when it is not to be taken.
func digitsConfidence(c float64) float64 {
	switch {
	case c >= digitsDeliver:
		return Deliver
	case c >= digitsAccept:
		return 0.7
	}
	return 0
}

// onlyDigits is s when it is 1–n digits, else "".
func onlyDigits(s string, n int) string {
	if s == "" || len(s) > n || strings.Trim(s, "0123456789") != "" {
		return ""
	}
	return s
}

// applyDate rereads a date's day (and month) from their blanks; the year
// is the printed one. A blank's reading that disagrees with digits the page
// reading read there is kept for review at most; so is the page reading's
// month when its blank was read again (its digits read unsure) and gave
// nothing, and the page reading's day when the blank's readers disagree
// but the network read that day.
func applyDate(f *Field, day, month *ocr.DigitsReading, today time.Time) {
	if f == nil || day == nil {
		return
	}
	d, ok := parseDate(f.Text)
	if !ok && f.Text == "" {
		d, ok = parseDate(f.Value)
	}
	if !ok || d.year.missing || d.year.fixed || len(d.year.text) != 4 {
		return // the year is printed: without it there is no date
	}
	c := 100.0
	dayText := onlyDigits(day.Text, 2)
	pageDay := !d.day.missing && !d.day.fixed
	switch {
	case dayText != "":
		c = min(c, day.Confidence)
		if pageDay && d.day.value != atoi(dayText) {
			c = min(c, digitsAccept) // the page reading saw another day
		}
	case pageDay && onlyDigits(day.Hand, 2) != "" && atoi(day.Hand) == d.day.value:
		// The blank's two readers disagree ("2/" and 27) but the
		// network reads the digits the page reading read: for review.
		dayText, c = d.day.text, digitsAccept
	default:
		return
	}
	pageMonth := !d.month.missing && !d.month.fixed
	monthText := ""
	switch {
	case month != nil && onlyDigits(month.Text, 2) != "":
		monthText = onlyDigits(month.Text, 2)
		c = min(c, month.Confidence)
		if pageMonth && d.month.value != atoi(monthText) {
			c = min(c, digitsAccept) // the page reading saw another month
		}
	case pageMonth && month != nil:
		// Read again for its digits read unsure, and not read: the
		// page reading's, for review.
		monthText = d.month.text
		c = min(c, digitsAccept)
	case pageMonth:
		monthText = d.month.text // printed, and read as digits
	default:
		return
	}
	iso, ok := plausibleDate(atoi(dayText), atoi(monthText), d.year.value, today)
	if !ok {
		return
	}
	conf := digitsConfidence(c)
	if conf == 0 {
		return
	}
	f.Value, f.Confidence, f.Unreadable, f.Handwritten = iso, conf, false, true
}

// plausibleDate writes day, month, year as 2006-01-02 when they make a
// real date from 1945 up to today.
func plausibleDate(day, month, year int, today time.Time) (string, bool) {
	if year < 1945 || month < 1 || month > 12 || day < 1 || day > 31 {
		return "", false
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day {
		return "", false // 30 February
	}
	y, m, dd := today.Date()
	if t.After(time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)) {
		return "", false
	}
	return t.Format("2006-01-02"), true
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// applyNumber rereads a number's digits from its blank; the codes after
// them are the printed ones.
func applyNumber(f *Field, rd *ocr.DigitsReading, box ocr.Box) {
	if f == nil {
		return
	}
	f.Boxes = appendBox(f.Boxes, box)
	digits := onlyDigits(rd.Text, 5)
	// NĐ 30 writes numbers under 10 with a 0 ("09/TTr-UBND"), no others.
	if digits == "" || digits[0] == '0' && (len(digits) != 2 || digits == "00") {
		return
	}
	text := f.Text
	if text == "" {
		text = f.Value
	}
	_, _, rest, ok := parseNumber("Số: " + text)
	if !ok {
		return
	}
	if i := strings.IndexByte(rest, '/'); i > 0 {
		rest = rest[i:]
	} else if i < 0 {
		rest = "/" + rest // the slash lost under the handwriting
	}
	// A handwritten stroke read as a second slash ("S§//QĐ-UBND").
	rest = "/" + strings.TrimLeft(rest, "/")
	value, _, _, ok := parseNumber("Số: " + digits + rest)
	if !ok || value == "" || !strings.Contains(value, "-") {
		return
	}
	conf := digitsConfidence(rd.Confidence)
	if conf == 0 {
		return
	}
	if f.Value != "" && f.Value != value {
		conf = min(conf, 0.7) // the page reading saw other digits
	}
	before, _, _ := strings.Cut(text, "/")
	if strangeCode(value) || countDigits(before) > len(digits) {
		// The reread vouches for the digits only: codes with a letter
		// misread ("TIr"), or more digits in the blank's text than it
		// read (a year glued to them, "196Ï2025/NQ-HĐND"), wait for
		// review.
		conf = min(conf, 0.85)
	}
	f.Value, f.Confidence, f.Unreadable, f.Handwritten = value, conf, false, true
}
