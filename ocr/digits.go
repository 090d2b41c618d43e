package ocr

import (
	"context"
	"errors"
	"fmt"
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
}

// DigitsEngine is the second reading inside an engine child; package
// ocr/engine provides the Tesseract one. ReadDigits decodes the image in
// j.Data (described by j.DigitsImage) and answers one reading per blank of
// j.DigitBlanks, in order; a blank with nothing legible gets an empty
// reading, not an error. An error is an image it cannot decode.
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

// ReadDigits reads the handwritten digits in the blanks of a corrected
// page image, in an engine child like pages, within Options.DigitsTimeout.
// It answers one reading per blank, in order. The image must be one that
// Recognize returned (JPEG or G4) and the blanks must lie on it.
func (p *Pool) ReadDigits(ctx context.Context, in DigitsInput) ([]DigitsReading, error) {
	if len(in.Blanks) == 0 {
		return nil, nil
	}
	if err := checkDigitsInput(in); err != nil {
		return nil, fmt.Errorf("ocr: digits of %s: %w", in.Name, err)
	}
	j := &Job{Name: in.Name, Data: in.Image.Data, Digits: &digitsJob{Encoding: in.Image.Encoding, Mode: in.Image.Mode,
		Width: in.Image.Width, Height: in.Image.Height, Blanks: in.Blanks, Most: in.Most}}
	reply, _, err := p.run(ctx, j, p.opts.DigitsTimeout)
	if err != nil {
		return nil, fmt.Errorf("ocr: digits of %s: %w", in.Name, err)
	}
	if reply.Err != "" {
		return nil, fmt.Errorf("ocr: digits of %s: %s", in.Name, reply.Err)
	}
	if len(reply.Digits) != len(in.Blanks) {
		return nil, fmt.Errorf("ocr: digits of %s: %d readings for %d blanks", in.Name, len(reply.Digits), len(in.Blanks))
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
	case len(in.Blanks) > maxDigitBlanks:
		return fmt.Errorf("%d blanks (at most %d)", len(in.Blanks), maxDigitBlanks)
	case in.Most != nil && len(in.Most) != len(in.Blanks):
		return fmt.Errorf("%d bounds for %d blanks", len(in.Most), len(in.Blanks))
	}
	for _, b := range in.Blanks {
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
