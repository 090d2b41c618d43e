package handdigits

import (
	"image"
	"slices"
	"strconv"
	"strings"
)

// Digit is one digit of a blank, read: its box in the marks image, the
// digit and the network's probability for it.
type Digit struct {
	Box   image.Rectangle
	Value int
	Prob  float64
	// All is the network's belief in each digit for this mark (Prob is
	// All[Value]).
	All Probabilities
}

// Reading is what the network reads in a blank.
type Reading struct {
	// Text is the digits, left to right; "" when the blank holds no
	// digit or too many marks for a header's. Every mark is read as a
	// digit: a "/" reads as a 1 or a 7, which then disagrees with
	// Tesseract's "/".
	Text   string
	Digits []Digit
	// Prob is the probability that every digit is right: the product of
	// the digits' probabilities (0 with no Text).
	Prob float64
	// Doubt: a mark reads well both as one digit and as touching digits
	// (a thin 1 against a 3 reads as a 3 with all the network's belief,
	// and as a 3 and a 1): the count of digits is in doubt whatever Prob
	// says.
	Doubt bool
	// InRange is the probability of Text given that the blank holds a
	// value in the range ReadWithin was given (a day is 1–31): the
	// network's belief in Text over its belief in every reading of as
	// many digits in that range. 0 without a range, or when Text is out
	// of it.
	InRange float64
}

// Weakest is the network's probability for its least sure digit (Prob
// for a reading without its digits): at 0.9 or more, the second best of
// every digit is under 0.1.
func (r Reading) Weakest() float64 {
	if len(r.Digits) == 0 {
		return r.Prob
	}
	p := 1.0
	for _, d := range r.Digits {
		p = min(p, d.Prob)
	}
	return p
}

// maxDigits: a blank holding more marks than this is not one number of a
// header (at most 5 digits) and is left unread.
const maxDigits = 6

// ReadWithin reads a blank (Read) that holds a value from lo to hi (a
// day's 1–31, a month's 1–12) and says how sure the network is of its
// reading once readings out of that range are ruled out (InRange): the
// range never changes what is read, only how far its rivals count (a 1
// with a long lead-in stroke the network also reads as a 4 is no 45th
// day). hi < lo, or a reading of more than rangeDigits digits, gives no
// InRange.
func (n *Net) ReadWithin(blank *image.Gray, lo, hi int) Reading {
	r := n.Read(blank)
	r.InRange = r.within(lo, hi)
	return r
}

// rangeDigits bounds the readings ReadWithin weighs against a range (10^n
// of them): the range cue is for days and months.
const rangeDigits = 2

// within is the probability of the reading's digits given that they write
// a value from lo to hi, as many digits as read (a leading 0 counted:
// "07" is a day).
func (r Reading) within(lo, hi int) float64 {
	k := len(r.Digits)
	if hi < lo || k == 0 || k > rangeDigits || len(r.Text) != k {
		return 0
	}
	v, _ := strconv.Atoi(r.Text)
	if v < lo || v > hi {
		return 0
	}
	var in float64
	for x := max(lo, 0); x <= hi && x < pow10(k); x++ {
		p := 1.0
		for i, d := range r.Digits {
			p *= d.All[x/pow10(k-1-i)%10]
		}
		in += p
	}
	if in <= 0 {
		return 0
	}
	return min(1, prob(r.Digits)/in)
}

func pow10(k int) int {
	p := 1
	for range k {
		p *= 10
	}
	return p
}

// Read segments the marks of a blank (dark on light) and classifies each
// digit.
func (n *Net) Read(blank *image.Gray) Reading {
	marks := Segment(blank)
	if len(marks) == 0 || len(marks) > maxDigits {
		return Reading{}
	}
	tallest := 0
	for _, g := range marks {
		tallest = max(tallest, g.Box.Dy())
	}
	r := Reading{Prob: 1}
	var b strings.Builder
	for _, g := range marks {
		// The mark as one digit, or split in touching digits when the
		// network reads the parts better than the whole.
		whole := n.digit(g)
		best := []Digit{whole}
		for _, parts := range Splits(g, tallest) {
			var ds []Digit
			for _, p := range parts {
				ds = append(ds, n.digit(p))
			}
			if p := prob(ds); p > prob(best) {
				best = ds
			} else if p >= AgreeProb && slices.ContainsFunc(ds, func(d Digit) bool { return d.Value == whole.Value }) {
				// Read whole, the mark is one digit; split, that
				// digit and another, both well: a digit touching it
				// may have been swallowed (the 1 of a 31).
				r.Doubt = true
			}
		}
		for _, d := range best {
			r.Digits = append(r.Digits, d)
			r.Prob *= d.Prob
			b.WriteString(strconv.Itoa(d.Value))
		}
	}
	if len(r.Digits) > maxDigits {
		return Reading{}
	}
	r.Text = b.String()
	return r
}

// digit classifies one glyph.
func (n *Net) digit(g Glyph) Digit {
	img := Normalize(g)
	all := n.Classify(&img)
	d, p := all.Best()
	return Digit{Box: g.Box, Value: d, Prob: p, All: all}
}

// prob is the probability that all of ds are right.
func prob(ds []Digit) float64 {
	p := 1.0
	for _, d := range ds {
		p *= d.Prob
	}
	return p
}

// The confidences (on Tesseract's 0–100 scale, which ocr.DigitsReading
// carries and archival.ApplyDigits maps: 85 and over delivered, 60 and over
// taken for review) that Combine gives.
const (
	// Agreed: both readers read the same digits, Tesseract with at
	// least tesseractUnsure and every digit of the network's with at
	// least SureProb (Weakest): delivered. The two read the same
	// pixels, so their agreement alone is no independent evidence (a
	// "5" with a short top bar is a "3" to both): the network's margin
	// on each digit (its best at 0.9 leaves the second under 0.1) is the
	// third cue.
	Agreed = 90.0
	// AgreeProb: a split of a mark read at least this well makes its
	// count of digits doubtful (Read's Doubt).
	AgreeProb = 0.5
	// Review: one reader alone, or the network confident (SureProb) where
	// Tesseract is unsure: taken for review, never delivered.
	Review   = 70.0
	SureProb = 0.9
	// Conflict: the two readers read different digits, both sure: left
	// unread.
	Conflict = 0.0
	// tesseractUnsure is the Tesseract confidence under which its reading
	// is not taken (archival's bar for review).
	tesseractUnsure = 60.0
)

// Combine joins Tesseract's reading of a blank (its digits and confidence,
// 0–100) with the network's. Agreement raises the confidence to Agreed
// when Tesseract is not unsure and the network is sure of every digit
// (Weakest at SureProb), and to Review otherwise: also when the network
// doubts its count of digits (Doubt) or the reading is one digit (a 1
// written into the next digit is swallowed by both readers: the 4 of a
// 14); Tesseract's own confidence, when higher, stands.
// The network's confident reading where Tesseract is unsure, or read no
// digit (a slanted 7 read as "/"), is taken at Review, confident also
// when it is so within the blank's range (InRange at SureProb); a disagreement
// where the network is confident leaves the blank unread (Conflict), and
// one where it is not caps Tesseract's reading at Review. With no network
// reading, Tesseract's stands.
func Combine(text string, conf float64, hand Reading) (string, float64) {
	sure := hand.Prob >= SureProb
	if strings.Trim(text, "/") == "" {
		// Slashes alone are no reading of digits: a slanted 7 or 1 is
		// one stroke to Tesseract.
		text, conf = "", 0
	}
	switch {
	case hand.Text == "":
		return text, conf
	case hand.Text == text && conf >= tesseractUnsure && hand.Weakest() >= SureProb && !hand.Doubt && len(text) > 1:
		return text, max(conf, Agreed)
	case hand.Text == text:
		return text, max(conf, Review)
	case conf < tesseractUnsure && (sure || hand.InRange >= SureProb):
		// The network alone, sure, or sure once the blank's range
		// rules out its rivals: for review only.
		return hand.Text, Review
	case conf < tesseractUnsure:
		return text, conf
	case sure:
		return text, Conflict
	}
	return text, min(conf, Review)
}
