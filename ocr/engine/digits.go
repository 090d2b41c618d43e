//go:build cgo && unix

package engine

// The second reading of handwritten digits in printed blanks (see
// ocr.Pool.ReadDigits): each blank is cropped from the corrected page
// image in luminance, so blue and black ink alike stay dark (the page
// reading drops blue strokes, and red seals, before Tesseract), specks and
// dotted leaders are left out, the crop is enlarged and read as one line
// of digits and "/" by a Tesseract instance of its own, so that the page
// client's settings never change, and read again, digit by digit, by the
// handwritten digit reader of package ocr/handdigits; the two readings are
// combined (handdigits.Combine).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/otiai10/gosseract/v2"
	"golang.org/x/image/ccitt"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/handdigits"
)

const (
	digitsWhitelist = "0123456789/"
	// digitsHeight is the height in pixels the ink of a blank is enlarged
	// to (Tesseract reads letters of 30–50 px best), at most
	// digitsMaxScale times.
	digitsHeight   = 48
	digitsMaxScale = 4
	// digitsContrast is the least spread between paper and ink (in grey
	// levels) for a blank to hold ink at all.
	digitsContrast = 60
	// digitsDisagree caps the confidence of a blank whose two readings
	// (as a line, as a word) differ.
	digitsDisagree = 70
	// digitsSpeck: marks whose larger side is under this share of the
	// blank's height are specks, dots of a leader or JPEG noise.
	digitsSpeck = 0.1
	// digitsPrinted: a mark touching a side of the blank and lower than
	// this share of the tallest mark is a piece of a printed letter beside
	// the blank (handwritten digits stand taller than print's x-height).
	digitsPrinted = 0.7
	// digitsBlue: pixels whose blueness (see decodeLuminance) is this
	// much over the grey's are blue ink. A mark with under digitsNotBlue of
	// its pixels in blue is print (or a seal); one with half, handwriting.
	digitsBlue    = 10
	digitsNotBlue = 0.05
	// digitsEdge: a mark cut by the top (bottom) of the blank and held in
	// its top (bottom) 1/digitsEdge is print of the line above (below).
	// The blank reaches a print height over its line and half of one under
	// it (archival.Blanks), so the print of the neighbour lines can reach
	// in only that far, where handwritten digits, which sit on the line,
	// never stay.
	digitsEdge = 4
)

// ReadDigits implements ocr.DigitsEngine.
func (r *recognizer) ReadDigits(ctx context.Context, j *ocr.Job) ([]ocr.DigitsReading, error) {
	page, blue, err := decodeLuminance(j.DigitsImage(), j.Data)
	if err != nil {
		return nil, fmt.Errorf("page image of %s: %w", j.Name, err)
	}
	var out []ocr.DigitsReading
	for n, b := range j.DigitBlanks() {
		cl, err := r.digitsClient()
		if err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		reading, _, _, err := r.readBlank(cl, page, blue, image.Rect(b.X0, b.Y0, b.X1, b.Y1), j.DigitsMost(n), fmt.Sprintf("%s-digits%d", j.Name, n+1))
		if err != nil {
			return nil, err
		}
		out = append(out, reading)
	}
	codes, err := r.readCodes(page, blue, j.CodeLines(), j.Name)
	if err != nil {
		return nil, err
	}
	out = append(out, codes...)
	out = append(out, readDots(page, blue, j.DotWords())...)
	names, err := r.readNames(page, blue, j.NameLines(), j.Name)
	if err != nil {
		return nil, err
	}
	return append(out, names...), nil
}

// readBlank reads one blank of a page (its luminance, and its blueness or
// nil) with Tesseract and the handwritten digit reader, and combines the
// two; it also returns Tesseract's own reading (text, confidence). most is
// the largest value the blank may hold (0: no bound).
func (r *recognizer) readBlank(cl *gosseract.Client, page, blue *image.Gray, blank image.Rectangle, most int, name string) (ocr.DigitsReading, string, float64, error) {
	rect := blank.Intersect(page.Rect)
	var blueCrop *image.Gray
	if blue != nil {
		blueCrop = blue.SubImage(rect).(*image.Gray)
	}
	crop, ink, cut := blankInk(page.SubImage(rect).(*image.Gray), blueCrop)
	reading := ocr.DigitsReading{Ink: ink}
	if !ink {
		return reading, "", 0, nil
	}
	text, conf, err := readDigitsLine(cl, crop, name)
	if err != nil {
		return reading, "", 0, fmt.Errorf("tesseract: %w", err)
	}
	if cut {
		// Writing that runs past the blank's side may have lost a
		// digit there ("80" of a 280).
		conf = min(conf, digitsDisagree)
	}
	// A day's or a month's range rules out some of the network's rival
	// readings (most 0: none, hi < lo).
	hand := r.hand.ReadWithin(crop, 1, most)
	reading.Hand, reading.HandProb = hand.Text, math.Round(hand.Prob*1000)/1000
	reading.HandInRange = math.Round(hand.InRange*1000) / 1000
	reading.Text, reading.Confidence = handdigits.Combine(text, conf, hand)
	if cut {
		reading.Confidence = min(reading.Confidence, digitsDisagree)
	}
	return reading, text, conf, nil
}

// digitsClient is the Tesseract instance of the second reading, started on
// the first digits job: one text line, digits and "/" only.
func (r *recognizer) digitsClient() (*gosseract.Client, error) {
	if r.digits != nil {
		return r.digits, nil
	}
	hand, err := handdigits.Load()
	if err != nil {
		return nil, err
	}
	r.hand = hand
	vars := noWordsVars()
	vars[gosseract.TESSEDIT_CHAR_WHITELIST] = digitsWhitelist
	cl, err := lineClient(r.tessdata, digitsLanguages(r.tessdata, r.langs), vars)
	if err != nil {
		return nil, err
	}
	r.digits = cl
	return cl, nil
}

// noWordsVars are the settings of a client that reads codes or digits,
// which are no words: no dictionaries, no learning from one crop to the
// next, and the page's 300 dpi (crops carry none).
func noWordsVars() map[gosseract.SettableVariable]string {
	return map[gosseract.SettableVariable]string{
		"tessedit_enable_doc_dict": "0",
		"classify_enable_learning": "0",
		"load_system_dawg":         "0",
		"load_freq_dawg":           "0",
		"user_defined_dpi":         "300",
	}
}

// lineClient starts a Tesseract instance that reads one text line in
// langs with the variables vars, for the second reading's crops: apart
// from the page client so that the page's settings never change.
func lineClient(tessdata string, langs []string, vars map[gosseract.SettableVariable]string) (*gosseract.Client, error) {
	cl := gosseract.NewClient()
	if err := cl.SetTessdataPrefix(tessdata); err != nil {
		cl.Close()
		return nil, err
	}
	if err := cl.SetLanguage(langs...); err != nil {
		cl.Close()
		return nil, err
	}
	// A blank image makes gosseract initialise Tesseract now, so that a
	// missing model fails here and the settings below are not reset.
	blank := []byte("P4\n8 8\n\x00\x00\x00\x00\x00\x00\x00\x00")
	if err := cl.SetImageFromBytes(blank); err != nil {
		cl.Close()
		return nil, err
	}
	if _, err := cl.GetBoundingBoxesVerbose(); err != nil {
		cl.Close()
		return nil, fmt.Errorf("tesseract: load %s: %w", strings.Join(langs, "+"), err)
	}
	// Set after Init, which would reset them (see newRecognizer).
	if err := cl.SetPageSegMode(gosseract.PSM_SINGLE_LINE); err != nil {
		cl.Close()
		return nil, err
	}
	for k, v := range vars {
		if err := cl.SetVariable(k, v); err != nil {
			cl.Close()
			return nil, err
		}
	}
	return cl, nil
}

// digitsLanguages: English's model when installed (its digits read
// handwriting better than the Vietnamese model's in our trials), else the
// page's languages.
func digitsLanguages(tessdata, langs string) []string {
	if _, err := os.Stat(filepath.Join(tessdata, "eng.traineddata")); err == nil {
		return []string{"eng"}
	}
	return strings.Split(langs, "+")
}

// decodeLuminance decodes a corrected page image (JPEG or G4, as the engine
// encodes them) to its luminance and, for a colour JPEG, its blueness:
// 128 + (Cb − Cr)/2, high where the ink is blue (a ballpoint), 128 where
// it is black or grey, low where it is red (nil without colour).
func decodeLuminance(im ocr.Image, data []byte) (lum, blue *image.Gray, err error) {
	switch im.Encoding {
	case ocr.JPEG:
		m, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, nil, err
		}
		switch m := m.(type) {
		case *image.Gray:
			return m, nil, nil
		case *image.YCbCr:
			// Y is the luminance: blue ink stays as dark as it looks.
			g := image.NewGray(m.Rect)
			b := image.NewGray(m.Rect)
			for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
				copy(g.Pix[(y-m.Rect.Min.Y)*g.Stride:][:m.Rect.Dx()], m.Y[m.YOffset(m.Rect.Min.X, y):])
				row := b.Pix[(y-m.Rect.Min.Y)*b.Stride:][:m.Rect.Dx()]
				for x := range row {
					c := m.COffset(m.Rect.Min.X+x, y)
					row[x] = uint8(128 + (int(m.Cb[c])-int(m.Cr[c]))/2)
				}
			}
			return g, b, nil
		}
		g := image.NewGray(m.Bounds())
		for y := g.Rect.Min.Y; y < g.Rect.Max.Y; y++ {
			for x := g.Rect.Min.X; x < g.Rect.Max.X; x++ {
				g.Set(x, y, m.At(x, y))
			}
		}
		return g, nil, nil
	case ocr.G4:
		if im.Width <= 0 || im.Height <= 0 {
			return nil, nil, errors.New("G4 image without its size")
		}
		g := image.NewGray(image.Rect(0, 0, im.Width, im.Height))
		err := ccitt.DecodeIntoGray(g, bytes.NewReader(data), ccitt.MSB, ccitt.Group4, &ccitt.Options{})
		return g, nil, err
	}
	return nil, nil, fmt.Errorf("image encoded as %q", im.Encoding)
}

// inkComponents is the connected marks of a crop darker than its Otsu
// level; none (false) when the crop has too little contrast to hold ink.
func inkComponents(crop *image.Gray) ([]handdigits.Glyph, bool) {
	w, h := crop.Rect.Dx(), crop.Rect.Dy()
	var hist [256]int
	lo, hi := 255, 0
	for y := range h {
		for _, v := range crop.Pix[y*crop.Stride:][:w] {
			hist[v]++
			lo, hi = min(lo, int(v)), max(hi, int(v))
		}
	}
	if hi-lo < digitsContrast {
		return nil, false
	}
	return handdigits.Components(crop, uint8(otsuLevel(hist[:], w*h))), true
}

// blankInk finds the marks written in a blank: paper and ink split by
// Otsu's threshold, specks and thin rules (a dotted or ruled leader) left
// out. When the blank holds blue marks (blue, the page's blueness, nil for a
// page without colour), its marks with (almost) no blue are print or a
// seal, not the handwriting, and are left out. Then the marks touching a
// side and lower than digitsPrinted of the tallest are left out too: the
// stem of the "n" of "năm" after a month, or a piece of a digit written
// past the blank's end, so the blank is then said cut; and the marks cut by
// the top or bottom and held near it (digitsEdge), print of the lines
// above and below. It returns a copy holding
// only those marks, with a margin, whether there were any, and whether one
// runs past the left or right side of the blank (the blank may have cut
// it). The copy is black on white: Tesseract's own thresholding of a small
// crop of thin strokes loses some.
func blankInk(crop, blue *image.Gray) (marks *image.Gray, ink, cut bool) {
	w, h := crop.Rect.Dx(), crop.Rect.Dy()
	if w < 4 || h < 4 {
		return nil, false, false
	}
	comps, ok := inkComponents(crop)
	if !ok {
		return nil, false, false
	}
	minSide := max(2, int(math.Round(digitsSpeck*float64(h))))
	tallest := 0
	comps = slices.DeleteFunc(comps, func(c handdigits.Glyph) bool {
		cw, ch := c.Box.Dx(), c.Box.Dy()
		speck := max(cw, ch) < minSide
		rule := cw > 4*ch && ch < minSide // a leader or an underline
		if !speck && !rule {
			tallest = max(tallest, ch)
		}
		return speck || rule
	})
	if blue != nil {
		// The share of a mark's pixels in blue ink.
		blueShare := func(c handdigits.Glyph) float64 {
			var inBlue, n float64
			for i, on := range c.Ink {
				if on {
					x, y := c.Box.Min.X-crop.Rect.Min.X+i%c.Box.Dx(), c.Box.Min.Y-crop.Rect.Min.Y+i/c.Box.Dx()
					if int(blue.Pix[y*blue.Stride+x])-128 >= digitsBlue {
						inBlue++
					}
					n++
				}
			}
			return inBlue / max(1, n)
		}
		if slices.ContainsFunc(comps, func(c handdigits.Glyph) bool { return blueShare(c) >= 0.5 }) {
			// A digit touching print ("6" against the "/" of the
			// codes) has some blue: kept.
			comps = slices.DeleteFunc(comps, func(c handdigits.Glyph) bool { return blueShare(c) < digitsNotBlue })
		}
	}
	box := image.Rectangle{}
	comps = slices.DeleteFunc(comps, func(c handdigits.Glyph) bool {
		if c.Box.Min.Y == crop.Rect.Min.Y && c.Box.Max.Y <= crop.Rect.Min.Y+h/digitsEdge ||
			c.Box.Max.Y == crop.Rect.Max.Y && c.Box.Min.Y >= crop.Rect.Max.Y-h/digitsEdge {
			// The foot of the line above ("do" of the motto over a
			// date) or the head of the line below: the blank reaches
			// up and down for the pen, not for their print.
			return true
		}
		side := c.Box.Min.X == crop.Rect.Min.X || c.Box.Max.X == crop.Rect.Max.X
		if side && float64(c.Box.Dy()) < digitsPrinted*float64(tallest) {
			// A piece of a letter, or of a digit the blank cut
			// (the last 6 of a 2966 written across the blank's
			// end): left out, and the blank said cut, unless the
			// blue rule above already took the print away.
			cut = true
			return true
		}
		box = box.Union(c.Box)
		cut = cut || side
		return false
	})
	if box.Empty() {
		return nil, false, false
	}
	// The marks kept, black on white, with a margin of half
	// their height: Tesseract wants some paper around a line.
	m := max(4, box.Dy()/2)
	out := image.NewGray(image.Rect(0, 0, box.Dx()+2*m, box.Dy()+2*m))
	for i := range out.Pix {
		out.Pix[i] = 255
	}
	for _, c := range comps {
		cw := c.Box.Dx()
		for i, on := range c.Ink {
			if on {
				out.Pix[(c.Box.Min.Y-box.Min.Y+m+i/cw)*out.Stride+c.Box.Min.X-box.Min.X+m+i%cw] = 0
			}
		}
	}
	return out, true, cut
}

// otsuLevel is Otsu's threshold of a grey histogram of n pixels: levels at
// or under it are ink.
func otsuLevel(hist []int, n int) int {
	var sum float64
	for i, c := range hist {
		sum += float64(i * c)
	}
	var sumB, wB float64
	best, t := -1.0, 127
	for i, c := range hist {
		wB += float64(c)
		if wB == 0 {
			continue
		}
		wF := float64(n) - wB
		if wF == 0 {
			break
		}
		sumB += float64(i * c)
		mB, mF := sumB/wB, (sum-sumB)/wF
		if between := wB * wF * (mB - mF) * (mB - mF); between > best {
			best, t = between, i
		}
	}
	return t
}

// readDigitsLine enlarges the marks of a blank and reads them as one line
// of digits: the text and the confidence of its least sure word.
func readDigitsLine(cl *gosseract.Client, marks *image.Gray, name string) (string, float64, error) {
	inkH := marks.Rect.Dy() / 2 // the margins are half of it
	f := min(digitsMaxScale, float64(digitsHeight)/float64(max(1, inkH)))
	if f <= 1.1 {
		f = 1
	}
	if err := setCrop(cl, marks, f, name); err != nil {
		return "", 0, err
	}
	// Read as a line, then as a word: the two segmentations fail
	// differently on handwriting, and agree when the digits are clear.
	line, lineConf, err := readAs(cl, gosseract.PSM_SINGLE_LINE)
	if err != nil {
		return "", 0, err
	}
	word, wordConf, err := readAs(cl, gosseract.PSM_SINGLE_WORD)
	if err != nil {
		return "", 0, err
	}
	switch {
	case line == "" && word == "":
		return "", 0, nil
	case line == word:
		return line, max(lineConf, wordConf), nil
	case line == "":
		return word, min(wordConf, digitsDisagree), nil
	}
	return line, min(lineConf, digitsDisagree), nil
}

// readAs reads the client's image in a segmentation mode: the words'
// text joined and the confidence of the least sure.
func readAs(cl *gosseract.Client, mode gosseract.PageSegMode) (string, float64, error) {
	if err := cl.SetPageSegMode(mode); err != nil {
		return "", 0, err
	}
	return recognizedText(cl, "")
}

// setCrop gives cl a crop to read, enlarged f times when f > 1 (and
// written out as name when SOHOA_OCR_DUMP asks for the images).
func setCrop(cl *gosseract.Client, crop *image.Gray, f float64, name string) error {
	p, err := grayPix(crop)
	if err != nil {
		return err
	}
	defer p.free()
	return setPix(cl, p, f, name)
}

// setPix is setCrop for a crop in Leptonica's memory, which stays the
// caller's.
func setPix(cl *gosseract.Client, p *pix, f float64, name string) error {
	if f > 1 {
		up, err := p.upscale(f)
		if err != nil {
			return err
		}
		defer up.free()
		p = up
	}
	data, err := p.raw()
	if err != nil {
		return err
	}
	dumpImage(p, name)
	return cl.SetImageFromBytes(data)
}

// recognizedText recognizes the client's image: the words' text joined
// by sep, and the confidence of the least sure word.
func recognizedText(cl *gosseract.Client, sep string) (string, float64, error) {
	boxes, err := cl.GetBoundingBoxesVerbose()
	if err != nil {
		return "", 0, err
	}
	var words []string
	conf := 100.0
	for _, b := range boxes {
		if w := strings.TrimSpace(b.Word); w != "" {
			words = append(words, w)
			conf = min(conf, b.Confidence)
		}
	}
	if len(words) == 0 {
		return "", 0, nil
	}
	return strings.Join(words, sep), math.Round(conf*100) / 100, nil
}

// grayPix copies a Go grey image into a Leptonica one (through PGM).
func grayPix(g *image.Gray) (*pix, error) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	var b bytes.Buffer
	fmt.Fprintf(&b, "P5\n%d %d\n255\n", w, h)
	for y := range h {
		b.Write(g.Pix[y*g.Stride:][:w])
	}
	return readPix(b.Bytes(), false, 0)
}
