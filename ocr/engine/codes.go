//go:build cgo && unix

package engine

// The second reading of printed codes (see ocr.DigitsInput.Codes): a line
// such as "- Lưu: VT, KTTH." is cropped from the corrected page image, the
// coloured ink over it (a red seal, a blue signature) turned to paper, and
// read as one line by a Tesseract instance loaded with English alone. The
// unit codes of NĐ 30 are capitals that are no Vietnamese syllables; the
// page reading's Vietnamese model bends them into syllables ("KTTH" read
// "KEỰTH", "VT" read "VLŨ") where the English model reads the letters.
// And the dot below a y (ỵ), which Tesseract drops, is looked for in the
// pixels under the word's end.

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/otiai10/gosseract/v2"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/handdigits"
)

// codesLanguage is the model the codes are read with.
const codesLanguage = "eng"

// readCodes reads the lines of printed codes of a digits job on a page
// (its luminance, and its blueness or nil): one reading per line, Text
// the words read joined by spaces and Confidence that of the least sure.
func (r *recognizer) readCodes(page, blue *image.Gray, lines []ocr.Box, name string) ([]ocr.DigitsReading, error) {
	if len(lines) == 0 {
		return nil, nil
	}
	cl, err := r.codesClient()
	if err != nil {
		return nil, err
	}
	if cl == nil {
		// No English model installed: the lines stay as the page
		// reading left them (empty readings), the digits are read.
		return make([]ocr.DigitsReading, len(lines)), nil
	}
	out := make([]ocr.DigitsReading, len(lines))
	for n, crop := range printedLines(page, blue, lines) {
		if crop == nil {
			continue // too small to read: an empty reading
		}
		// At the page's scale: enlarging made the English model read worse
		// in our trials.
		text, conf, err := readLineAt(cl, crop, 1, fmt.Sprintf("%s-codes%d", name, n+1))
		if err != nil {
			return nil, fmt.Errorf("tesseract: %w", err)
		}
		out[n] = ocr.DigitsReading{Text: text, Confidence: conf, Ink: text != ""}
	}
	return out, nil
}

// printedLines crops each line box from the page with its coloured ink
// turned to paper (printOnly); nil for a box under 4 px either way.
func printedLines(page, blue *image.Gray, lines []ocr.Box) []*image.Gray {
	crops := make([]*image.Gray, len(lines))
	for n, b := range lines {
		if rect := image.Rect(b.X0, b.Y0, b.X1, b.Y1).Intersect(page.Rect); rect.Dx() >= 4 && rect.Dy() >= 4 {
			crops[n] = printOnly(page, blue, rect)
		}
	}
	return crops
}

// printOnly copies rect of the page's luminance with the pixels of
// coloured ink (blueness digitsBlue or more away from grey: a blue
// signature, a red seal) turned to paper: the codes are printed black.
func printOnly(page, blue *image.Gray, rect image.Rectangle) *image.Gray {
	out := image.NewGray(image.Rect(0, 0, rect.Dx(), rect.Dy()))
	for y := range rect.Dy() {
		row := page.Pix[page.PixOffset(rect.Min.X, rect.Min.Y+y):][:rect.Dx()]
		copy(out.Pix[y*out.Stride:], row)
		if blue == nil {
			continue
		}
		bl := blue.Pix[blue.PixOffset(rect.Min.X, rect.Min.Y+y):][:rect.Dx()]
		for x, v := range bl {
			if d := int(v) - 128; d >= digitsBlue || d <= -digitsBlue {
				out.Pix[y*out.Stride+x] = 255
			}
		}
	}
	return out
}

// codesClient is the Tesseract instance of the codes, started on the
// first job that has some: one text line, English, no dictionaries (a
// code is no word); nil when the English model is not installed.
func (r *recognizer) codesClient() (*gosseract.Client, error) {
	if r.codes != nil {
		return r.codes, nil
	}
	if _, err := os.Stat(filepath.Join(r.tessdata, codesLanguage+".traineddata")); err != nil {
		return nil, nil
	}
	cl, err := lineClient(r.tessdata, []string{codesLanguage}, noWordsVars())
	if err != nil {
		return nil, err
	}
	r.codes = cl
	return cl, nil
}

// Dots below a y (see ocr.DigitsInput.DotsBelow).
const (
	// dotLeast and dotMost bound a dot's larger side, as shares of the
	// word's first letter's height (a capital: the dot of ỵ is about a
	// fifth of it; specks are smaller, letters larger).
	dotLeast = 0.08
	dotMost  = 0.4
)

// readDots answers, for each word box, whether a dot sits under the
// word's end (Ink).
func readDots(page, blue *image.Gray, words []ocr.Box) []ocr.DigitsReading {
	out := make([]ocr.DigitsReading, len(words))
	for i, b := range words {
		out[i].Ink = dotBelow(page, blue, b)
	}
	return out
}

// dotBelow tells whether a detached mark sits under the baseline at the
// end of a word (box, on the page; its first letter a capital standing on
// the baseline, as a name's): the dot of a ỵ, which lies right of the
// descender and, being apart from it, is what Tesseract drops. The word
// is looked at with room on the right and below, coloured ink (a seal, a
// signature) turned to paper. The mark must be dot-sized, wholly below the
// baseline, in the word's right half, and clear of the crop's edges.
func dotBelow(page, blue *image.Gray, box ocr.Box) bool {
	h := box.Y1 - box.Y0
	rect := image.Rect(box.X0, box.Y0, box.X1+h/3, box.Y1+h/3).Intersect(page.Rect)
	if rect.Dx() < 4 || h < 8 || rect.Dy() < h {
		return false
	}
	crop := printOnly(page, blue, rect)
	w, ch := crop.Rect.Dx(), crop.Rect.Dy()
	comps, ok := inkComponents(crop)
	if !ok {
		return false
	}
	slices.SortFunc(comps, func(a, b handdigits.Glyph) int { return a.Box.Min.X - b.Box.Min.X })
	first := slices.IndexFunc(comps, func(c handdigits.Glyph) bool { return 2*c.Box.Dy() >= h })
	if first < 0 {
		return false
	}
	baseline, capH := comps[first].Box.Max.Y, float64(comps[first].Box.Dy())
	for i, c := range comps {
		side := float64(max(c.Box.Dx(), c.Box.Dy()))
		switch {
		case i == first, c.Box.Min.Y < baseline, side < dotLeast*capH, side > dotMost*capH:
		case 2*c.Box.Min.X < box.X1-box.X0:
		case c.Box.Max.X >= w || c.Box.Max.Y >= ch:
		default:
			return true
		}
	}
	return false
}

// nameScales are the scales a signer's name line is read again at: the
// misread of a mark (Chi read "Chỉ", Ẩn read "Ấn") comes and goes with
// the size Tesseract sees the letters at.
var nameScales = []float64{1, 1.5, 2, 2.5, 3}

// readNames reads each name line (see ocr.DigitsInput.Names) with the
// page's languages at nameScales: Text holds one reading per scale, a line
// each ("" for a scale that read nothing), Confidence the least sure word
// of them all.
func (r *recognizer) readNames(page, blue *image.Gray, lines []ocr.Box, name string) ([]ocr.DigitsReading, error) {
	if len(lines) == 0 {
		return nil, nil
	}
	cl, err := r.namesClient()
	if err != nil {
		return nil, err
	}
	out := make([]ocr.DigitsReading, len(lines))
	for n, crop := range printedLines(page, blue, lines) {
		if crop == nil {
			continue // too small to read: an empty reading
		}
		var texts []string
		least := 100.0
		for _, f := range nameScales {
			text, conf, err := readLineAt(cl, crop, f, fmt.Sprintf("%s-name%d-%g", name, n+1, f))
			if err != nil {
				return nil, fmt.Errorf("tesseract: %w", err)
			}
			texts = append(texts, text)
			if text != "" {
				least = min(least, conf)
			}
		}
		rd := ocr.DigitsReading{Text: strings.Join(texts, "\n")}
		if strings.TrimSpace(rd.Text) != "" {
			rd.Confidence, rd.Ink = least, true
		}
		out[n] = rd
	}
	return out, nil
}

// readLineAt reads a crop, enlarged f times (f > 1), as one line.
func readLineAt(cl *gosseract.Client, crop *image.Gray, f float64, name string) (string, float64, error) {
	if err := setCrop(cl, crop, f, name); err != nil {
		return "", 0, err
	}
	return recognizedText(cl, " ")
}

// namesClient is the Tesseract instance of the name lines, started on the
// first job that has some: the page's languages, one text line, apart from
// the page client so that its settings never change.
func (r *recognizer) namesClient() (*gosseract.Client, error) {
	if r.names != nil {
		return r.names, nil
	}
	cl, err := lineClient(r.tessdata, strings.Split(r.langs, "+"), map[gosseract.SettableVariable]string{"user_defined_dpi": "300"})
	if err != nil {
		return nil, err
	}
	r.names = cl
	return cl, nil
}
