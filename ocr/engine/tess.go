//go:build cgo && unix

package engine

// Tesseract inside the engine child, through gosseract.

import (
	"fmt"
	"image"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/otiai10/gosseract/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/handdigits"
)

// recognizer holds the Tesseract engines of one child process.
type recognizer struct {
	langs    string
	tessdata string
	cl       *gosseract.Client
	// digits reads handwritten digits in blanks (digits.go), started on
	// the first such job.
	digits *gosseract.Client
	// hand reads the same blanks as handwriting, loaded with digits.
	hand *handdigits.Net
	// codes reads lines of printed codes in English (codes.go), started
	// on the first such job.
	codes *gosseract.Client
	// names reads signers' name lines again (codes.go), started on the
	// first such job.
	names *gosseract.Client
	// lines reads again the lines of a page that left letters out
	// (lostink.go), started on the first such page.
	lines *gosseract.Client
	// vietnamese: the page is read with the Vietnamese model, so the
	// syllable rules judge its words.
	vietnamese bool

	// The PDF being worked on, on disk for poppler (see pdfFile).
	pdfPath string
	pdfGen  int
}

func newRecognizer(tessdata, langs string) (*recognizer, error) {
	if langs == "" {
		langs = "vie"
	}
	r := &recognizer{langs: langs, tessdata: tessdata, vietnamese: slices.Contains(strings.Split(langs, "+"), "vie")}
	r.cl = gosseract.NewClient()
	if err := r.cl.SetTessdataPrefix(tessdata); err != nil {
		r.close()
		return nil, err
	}
	if err := r.cl.SetLanguage(strings.Split(langs, "+")...); err != nil {
		r.close()
		return nil, err
	}
	// Load the models now, so that start-up (and its stderr juggling) ends
	// before the engine says it is ready.
	blank := []byte("P4\n8 8\n\x00\x00\x00\x00\x00\x00\x00\x00")
	if err := r.cl.SetImageFromBytes(blank); err != nil {
		r.close()
		return nil, err
	}
	if _, err := r.cl.GetBoundingBoxesVerbose(); err != nil {
		r.close()
		return nil, fmt.Errorf("tesseract: load %s: %w", langs, err)
	}
	// Only now: Init replaces the engine state, and a mode set before it
	// is lost (Tesseract's API would fall back to a single text block,
	// which runs columns together).
	if err := r.cl.SetPageSegMode(gosseract.PSM_AUTO); err != nil {
		r.close()
		return nil, err
	}
	// A page must read the same whichever pages the engine read before it
	// (the pool hands pages to engines in no fixed order). Tesseract keeps
	// a document dictionary of the words it read and adaptive classifier
	// data across the pages of one API (its FAQ on inconsistent results):
	// off, each page is a document of its own.
	for k, v := range map[gosseract.SettableVariable]string{"tessedit_enable_doc_dict": "0", "classify_enable_learning": "0"} {
		if err := r.cl.SetVariable(k, v); err != nil {
			r.close()
			return nil, err
		}
	}
	return r, nil
}

func (r *recognizer) close() {
	r.dropPDF()
	for _, cl := range []**gosseract.Client{&r.cl, &r.digits, &r.codes, &r.names, &r.lines} {
		if *cl != nil {
			(*cl).Close()
			*cl = nil
		}
	}
}

// recognize OCRs a cleaned, upright binary page.
func (r *recognizer) recognize(bin *pix, dpi float64) ([]ocr.Line, string, float64, error) {
	// The resolution goes as a variable: the serialized image has none.
	if err := r.cl.SetVariable("user_defined_dpi", strconv.Itoa(int(math.Round(dpi)))); err != nil {
		return nil, "", 0, err
	}
	if err := bin.serialized(r.cl.SetImageFromBytes); err != nil {
		return nil, "", 0, err
	}
	boxes, err := r.cl.GetBoundingBoxesVerbose()
	if err != nil {
		return nil, "", 0, err
	}
	lines, text, conf := assemble(boxes)
	return lines, text, conf, nil
}

// assemble groups words (in Tesseract's reading order) into lines and the
// page text: words joined by a space, lines by \n, paragraphs by a blank line.
func assemble(boxes []gosseract.BoundingBox) ([]ocr.Line, string, float64) {
	var (
		lines    []ocr.Line
		sb       strings.Builder
		sum      float64
		nwords   int
		lastKey  [3]int
		havePrev bool
	)
	scrawl := scrawlLines(boxes)
	for _, b := range boxes {
		w := strings.Trim(norm.NFC.String(strings.TrimSpace(b.Word)), ruleBars)
		if w == "" || junk(w, b.Confidence) {
			continue
		}
		key := [3]int{b.BlockNum, b.ParNum, b.LineNum}
		if scrawl[key] {
			continue
		}
		if !havePrev || key != lastKey {
			if havePrev {
				if key[0] != lastKey[0] || key[1] != lastKey[1] {
					sb.WriteString("\n\n")
				} else {
					sb.WriteString("\n")
				}
			}
			lines = append(lines, ocr.Line{Box: toBox(b.Box)})
			lastKey, havePrev = key, true
		} else {
			sb.WriteByte(' ')
		}
		sb.WriteString(w)
		l := &lines[len(lines)-1]
		l.Words = append(l.Words, ocr.Word{Text: w, Box: toBox(b.Box), Confidence: math.Round(b.Confidence*100) / 100})
		l.Box = union(l.Box, toBox(b.Box))
		sum += b.Confidence
		nwords++
	}
	conf := 0.0
	if nwords > 0 {
		conf = math.Round(sum/float64(nwords)*100) / 100
	}
	return lines, sb.String(), conf
}

// ruleBars are what Tesseract reads a table's vertical rule as, alone or
// glued to the word beside it ("|", "Không|"), when the rule was not found
// and removed (the tables of the desk benchmark, read by main: 156 bars
// alone on 45 pages, 30 more at words' ends; their texts have none).
const ruleBars = "|¦"

// junk tells marks that Tesseract read out of signatures, stamps and dirt:
// symbols only, or one or two characters, read with very low confidence.
func junk(w string, conf float64) bool {
	alnum := strings.IndexFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
	return (!alnum && conf < 50) || (utf8.RuneCountInString(w) <= 2 && conf < 30)
}

// A signature or a drawing in black ink (a photocopy, a fax, a grey scan:
// coloured ink is dropped before this) comes out of Tesseract as a line of
// a few "words" several print lines tall, read at middling confidence
// ("c¿0 LƯ", 2.6 and 3.4 times the page's median word; on clean pages no
// word reaches 2 times). A line holding one letter word of print's height
// is print (a word whose box grew under a scrawl across it), and a heading
// that tall is read at high confidence.
const (
	scrawlTimes = 2.5 // line height over the page's median word height from which a line can be a scrawl
	printTimes  = 1.5 // word height, over the median, under which a word is print's height
	scrawlConf  = 85  // mean confidence under which a tall line is taken for a scrawl
	scrawlWords = 20  // words a page needs before its median height is trusted
)

// scrawlLines are the lines, keyed (block, paragraph, line), that Tesseract
// read out of a signature or drawing: at least scrawlTimes the page's median
// word height, no letter word under printTimes that height, read at a mean
// confidence under scrawlConf. A page of fewer than scrawlWords words (a
// line crop, a stamp) has none.
func scrawlLines(boxes []gosseract.BoundingBox) map[[3]int]bool {
	type line struct {
		box    image.Rectangle
		sum    float64
		n      int
		print  bool
		letter bool
	}
	var hs []int
	lines := map[[3]int]*line{}
	for _, b := range boxes {
		if w := strings.Trim(strings.TrimSpace(b.Word), ruleBars); w == "" || junk(w, b.Confidence) {
			continue
		}
		hs = append(hs, b.Box.Dy())
		key := [3]int{b.BlockNum, b.ParNum, b.LineNum}
		if l := lines[key]; l != nil {
			l.box = l.box.Union(b.Box)
			l.sum, l.n = l.sum+b.Confidence, l.n+1
		} else {
			lines[key] = &line{box: b.Box, sum: b.Confidence, n: 1}
		}
	}
	if len(hs) < scrawlWords {
		return nil
	}
	slices.Sort(hs)
	med := float64(hs[len(hs)/2])
	for _, b := range boxes {
		w := strings.Trim(strings.TrimSpace(b.Word), ruleBars)
		l := lines[[3]int{b.BlockNum, b.ParNum, b.LineNum}]
		if l == nil || w == "" || junk(w, b.Confidence) || strings.IndexFunc(w, unicode.IsLetter) < 0 {
			continue
		}
		l.letter = true
		l.print = l.print || float64(b.Box.Dy()) < printTimes*med
	}
	scrawl := map[[3]int]bool{}
	for key, l := range lines {
		if l.letter && !l.print && float64(l.box.Dy()) >= scrawlTimes*med && l.sum/float64(l.n) < scrawlConf {
			scrawl[key] = true
		}
	}
	return scrawl
}

func toBox(r image.Rectangle) ocr.Box {
	return ocr.Box{X0: r.Min.X, Y0: r.Min.Y, X1: r.Max.X, Y1: r.Max.Y}
}

func union(a, b ocr.Box) ocr.Box {
	if a.X1 <= a.X0 || a.Y1 <= a.Y0 {
		return b
	}
	return ocr.Box{X0: min(a.X0, b.X0), Y0: min(a.Y0, b.Y0), X1: max(a.X1, b.X1), Y1: max(a.Y1, b.Y1)}
}
