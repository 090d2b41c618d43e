package ocr

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// The second reading of handwritten digits. NĐ 30 documents leave blanks
// in print ("Số: ..../QĐ-UBND", "ngày .. tháng .. năm 2025") that the
// office fills in by hand, often in blue ink; the page reading, tuned for
// print, drops or garbles them. Once the header is found (package
// ocr/archival knows where the blanks are), each blank is read again on
// its own: cropped from the corrected page image, the ink kept whatever
// its colour, enlarged, and read as one line of digits and "/" only, by
// Tesseract and by a handwritten digit reader (package ocr/handdigits),
// whose readings are combined; the reader is told the range of a day's or
// a month's blank (DigitsInput.Most).

// defaultDigitsTimeout bounds one ReadDigits call: a few small crops, each
// a fraction of a second of Tesseract.
const defaultDigitsTimeout = 30 * time.Second

// maxDigitBlanks bounds the blanks of one ReadDigits call (a header has
// three: the number, the day, the month).
const maxDigitBlanks = 16

// DigitsInput is one corrected page image, as Recognize returned it (its
// Encoding, Width and Height; Data holds its bytes), and the blanks on it
// to read, in the image's pixels.
type DigitsInput struct {
	Name   string
	Image  Image
	Blanks []Box
	// Most, when set, holds for each blank the largest value it may
	// hold (31 for a day, 12 for a month; 0 for no bound), its least
	// being 1: the handwriting reader weighs its reading against the
	// others of that range (handdigits.Net.ReadWithin). Nil for none;
	// else as long as Blanks.
	Most []int
	// Codes are lines of printed codes to read again, each as one line
	// with the English model: the unit codes of "Lưu: VT, KTTH." (NĐ 30),
	// capitals that are no Vietnamese syllables, which the page reading's
	// Vietnamese model bends into syllables ("KEỰTH") or marks ("VLŨ").
	// Their readings follow those of Blanks, in order.
	Codes []Box
	// DotsBelow are words ending in a y whose dot below (ỵ) the page
	// reading may have dropped: under y the dot sits apart, right of the
	// descender, and Tesseract takes it for a speck. Their readings follow
	// those of Codes: Ink says a detached mark sits there, under the
	// word's baseline at its end.
	DotsBelow []Box
	// Names are lines of a signer's name to read again with the page's
	// languages at several scales: a misread mark ("Chỉ" for Chi) comes
	// and goes with the size of the letters. Their readings follow those
	// of DotsBelow: Text holds one reading per scale, a line each.
	Names []Box
}

// DigitsReading is what one blank holds, read as digits and "/" only.
type DigitsReading struct {
	// Text is the digits read, "" when the blank holds no ink or nothing
	// could be read in it.
	Text string `json:"text"`
	// Confidence, 0..100, is Tesseract's (that of the least sure word)
	// as the handwriting reader's agreement raised it or its disagreement
	// lowered it (see handdigits.Combine).
	Confidence float64 `json:"confidence"`
	// Ink: the blank holds marks (something was written there).
	Ink bool `json:"ink"`
	// Hand is what the handwritten digit reader (package ocr/handdigits)
	// read in the blank on its own, and HandProb its probability that
	// every digit is right; "" when it read none.
	Hand     string  `json:"hand,omitempty"`
	HandProb float64 `json:"hand_prob,omitempty"`
	// HandInRange is the reader's probability for Hand once the values
	// out of the blank's range (DigitsInput.Most) are ruled out; 0
	// without a range or for a Hand out of it.
	HandInRange float64 `json:"hand_in_range,omitempty"`
}

// digitsJob is the typed part of a Job that asks for a second reading of
// digits instead of a page: the image is the job's data.
type digitsJob struct {
	Encoding Encoding  `json:"encoding"`
	Mode     ColorMode `json:"mode"`
	Width    int       `json:"width"`
	Height   int       `json:"height"`
	Blanks   []Box     `json:"blanks"`
	Most     []int     `json:"most,omitempty"`
	Codes    []Box     `json:"codes,omitempty"`
	Dots     []Box     `json:"dots,omitempty"`
	Names    []Box     `json:"names,omitempty"`
}

// DigitsEngine is the second reading inside an engine child; package
// ocr/engine provides the Tesseract one. ReadDigits decodes the image in
// j.Data (described by j.DigitsImage) and answers one reading per blank of
// j.DigitBlanks, in order, then one per line of j.CodeLines (printed
// codes, read as text: Hand empty), then one per word of j.DotWords (Ink
// alone), then one per line of j.NameLines (a reading per scale); a blank or line with nothing legible gets an empty reading, not
// an error. An error is an image it cannot decode.
type DigitsEngine interface {
	ReadDigits(ctx context.Context, j *Job) ([]DigitsReading, error)
}

// DigitsImage describes the image of a digits job.
func (j *Job) DigitsImage() Image {
	if j.Digits == nil {
		return Image{}
	}
	return Image{Encoding: j.Digits.Encoding, Mode: j.Digits.Mode, Width: j.Digits.Width, Height: j.Digits.Height}
}

// DigitBlanks are the blanks of a digits job (none for a page job).
func (j *Job) DigitBlanks() []Box {
	if j.Digits == nil {
		return nil
	}
	return j.Digits.Blanks
}

// DigitsMost is the largest value blank i of a digits job may hold (see
// DigitsInput.Most), 0 for no bound.
func (j *Job) DigitsMost(i int) int {
	if j.Digits == nil || i < 0 || i >= len(j.Digits.Most) {
		return 0
	}
	return j.Digits.Most[i]
}

// CodeLines are the lines of printed codes of a digits job (see
// DigitsInput.Codes).
func (j *Job) CodeLines() []Box {
	if j.Digits == nil {
		return nil
	}
	return j.Digits.Codes
}

// DotWords are the words of a digits job to look for a dot below under (see
// DigitsInput.DotsBelow).
func (j *Job) DotWords() []Box {
	if j.Digits == nil {
		return nil
	}
	return j.Digits.Dots
}

// NameLines are the name lines of a digits job (see DigitsInput.Names).
func (j *Job) NameLines() []Box {
	if j.Digits == nil {
		return nil
	}
	return j.Digits.Names
}

// readings is how many readings a second reading of in answers: one per
// blank, line of codes, word of DotsBelow and line of Names.
func (in DigitsInput) readings() int {
	return len(in.Blanks) + len(in.Codes) + len(in.DotsBelow) + len(in.Names)
}

// ReadDigits reads the handwritten digits in the blanks of a corrected
// page image, in an engine child like pages, within Options.DigitsTimeout.
// It answers one reading per blank, in order, then one per line of codes,
// one per word of DotsBelow and one per line of Names.
// The image must be one that Recognize returned (JPEG or G4) and the
// blanks and lines must lie on it.
func (p *Pool) ReadDigits(ctx context.Context, in DigitsInput) ([]DigitsReading, error) {
	if in.readings() == 0 {
		return nil, nil
	}
	if err := checkDigitsInput(in); err != nil {
		return nil, fmt.Errorf("ocr: digits of %s: %w", in.Name, err)
	}
	j := &Job{Name: in.Name, Data: in.Image.Data, Digits: &digitsJob{Encoding: in.Image.Encoding, Mode: in.Image.Mode,
		Width: in.Image.Width, Height: in.Image.Height, Blanks: in.Blanks, Most: in.Most, Codes: in.Codes, Dots: in.DotsBelow, Names: in.Names}}
	reply, _, err := p.run(ctx, j, p.opts.DigitsTimeout)
	if err != nil {
		return nil, fmt.Errorf("ocr: digits of %s: %w", in.Name, err)
	}
	if reply.Err != "" {
		return nil, fmt.Errorf("ocr: digits of %s: %s", in.Name, reply.Err)
	}
	if n := in.readings(); len(reply.Digits) != n {
		return nil, fmt.Errorf("ocr: digits of %s: %d readings for %d blanks, lines and words", in.Name, len(reply.Digits), n)
	}
	return reply.Digits, nil
}

func checkDigitsInput(in DigitsInput) error {
	img := in.Image
	switch {
	case img.Encoding != JPEG && img.Encoding != G4:
		return fmt.Errorf("image encoded as %q: only JPEG and G4 page images are read", img.Encoding)
	case img.Width <= 0 || img.Height <= 0 || int64(img.Width)*int64(img.Height) > DefaultMaxPixels:
		return fmt.Errorf("image of %d×%d pixels", img.Width, img.Height)
	case len(img.Data) == 0:
		return errors.New("no image data")
	case in.readings() > maxDigitBlanks:
		return fmt.Errorf("%d blanks, lines and words (at most %d)", in.readings(), maxDigitBlanks)
	case in.Most != nil && len(in.Most) != len(in.Blanks):
		return fmt.Errorf("%d bounds for %d blanks", len(in.Most), len(in.Blanks))
	}
	for _, b := range slices.Concat(in.Blanks, in.Codes, in.DotsBelow, in.Names) {
		if b.X0 < 0 || b.Y0 < 0 || b.X1 > img.Width || b.Y1 > img.Height || b.X1 <= b.X0 || b.Y1 <= b.Y0 {
			return fmt.Errorf("blank %+v outside the %d×%d image", b, img.Width, img.Height)
		}
	}
	return nil
}

// SetDigits makes j a digits job (tests of engines).
func (j *Job) SetDigits(im Image, blanks []Box) {
	j.Digits = &digitsJob{Encoding: im.Encoding, Mode: im.Mode, Width: im.Width, Height: im.Height, Blanks: blanks}
}
