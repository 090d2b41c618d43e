package handdigits

import (
	"image"
	"strconv"
	"strings"
)

// Digit is one digit of a blank, read: its box in the marks image, the
// digit and the network's probability for it.
type Digit struct {
	Box   image.Rectangle
	Value int
	Prob  float64
}

// Reading is what the network reads in a blank.
type Reading struct {
	// Text is the digits, left to right (a "/" after them left out); ""
	// when the blank holds no digit or too many marks for a header's.
	Text   string
	Digits []Digit
	// Prob is the probability that every digit is right: the product of
	// the digits' probabilities (0 with no Text).
	Prob float64
}

// maxDigits: a blank holding more marks than this is not one number of a
// header (at most 5 digits) and is left unread.
const maxDigits = 6

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
	if k := len(marks) - 1; k > 0 && marks[k].Slash() {
		marks = marks[:k] // the "/" before the printed codes of a number
	}
	r := Reading{Prob: 1}
	var b strings.Builder
	for _, g := range marks {
		// The mark as one digit, or split in touching digits when the
		// network reads the parts better than the whole.
		best := []Digit{n.digit(g)}
		for _, parts := range Splits(g, tallest) {
			var ds []Digit
			for _, p := range parts {
				ds = append(ds, n.digit(p))
			}
			if prob(ds) > prob(best) {
				best = ds
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
	d, p := n.Classify(&img).Best()
	return Digit{Box: g.Box, Value: d, Prob: p}
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
	// Agreed: both readers read the same digits, the network with at
	// least AgreeProb: delivered.
	Agreed    = 90.0
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
// 0–100) with the network's. Agreement raises the confidence to Agreed;
// the network's confident reading where Tesseract is unsure is taken at
// Review; a disagreement where the network is confident leaves the blank
// unread (Conflict), and one where it is not caps Tesseract's reading at
// Review. With no network reading, Tesseract's stands.
func Combine(text string, conf float64, hand Reading) (string, float64) {
	text = strings.Trim(text, "/") // the slash before the codes
	switch {
	case hand.Text == "":
		return text, conf
	case hand.Text == text && hand.Prob >= AgreeProb:
		return text, max(conf, Agreed)
	case hand.Text == text:
		return text, max(conf, Review)
	case conf < tesseractUnsure && hand.Prob >= SureProb:
		return hand.Text, Review
	case conf < tesseractUnsure:
		return text, conf
	case hand.Prob >= SureProb:
		return text, Conflict
	}
	return text, min(conf, Review)
}
