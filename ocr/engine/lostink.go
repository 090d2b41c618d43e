//go:build cgo && unix

package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/otiai10/gosseract/v2"

	"github.com/sohoa/sohoa/ocr"
)

// Lines whose letter-sized ink a word does not cover (ocr.LostInk) are
// read again alone, as one line, and the words of that reading that cover
// the ink are put in (ocr.SpliceReread). Tesseract's page layout at times
// leaves a letter out of a line it reads surely: the digit of a bold list
// marker on a flattened photo ("2." read "."); read alone, the line keeps
// it.
const (
	// maxRereadLines bounds the lines read again on a page: more lines
	// with ink left out is a page read badly, which the review catches
	// whatever a second reading would give, and reading them all would
	// cost a page's reading again.
	maxRereadLines = 8
	rereadPadV     = 0.15 // letter heights of the page kept above and below the line's box
	rereadBorder   = 0.6  // letter heights of white put around the crop
)

// rereadScales are the sizes a line is read again at: as the page was
// read, then enlarged (a small or bold digit the page reading dropped can
// come at another size).
var rereadScales = []float64{1, 2}

// rereadLost reads again the lines of gaps, crops of page (the image the
// reading was made of, turned as lines), and puts in the words that cover
// the lost ink. It returns the lines (changed lines are copies) and how
// many of the gaps' components stay uncovered.
func (r *recognizer) rereadLost(page *pix, lines []ocr.Line, gaps []ocr.InkGap, letterPx float64, name string) ([]ocr.Line, int, error) {
	left := ocr.LostComps(gaps)
	if len(gaps) > maxRereadLines {
		return lines, left, nil
	}
	cl, err := r.linesClient()
	if err != nil {
		return lines, left, err
	}
	lines = slices.Clone(lines)
	var added []ocr.Word
	padV, border := int(rereadPadV*letterPx), max(4, int(rereadBorder*letterPx))
	for _, g := range gaps {
		l := lines[g.Line]
		b := l.Box
		gb := g.Box()
		box := ocr.Box{X0: min(b.X0, gb.X0), Y0: min(b.Y0, gb.Y0) - padV, X1: max(b.X1, gb.X1), Y1: max(b.Y1, gb.Y1) + padV}
		box = ocr.Box{X0: max(0, box.X0), Y0: max(0, box.Y0), X1: min(page.width(), box.X1), Y1: min(page.height(), box.Y1)}
		if box.X1 <= box.X0 || box.Y1 <= box.Y0 {
			continue
		}
		crop, err := page.clip(box, border)
		if err != nil {
			return lines, left, err
		}
		best, covered := l, 0
		var put []ocr.Word
		for _, f := range rereadScales {
			words, err := readLineWords(cl, crop, f, fmt.Sprintf("%s-lost%d-%g", name, g.Line, f))
			if err != nil {
				crop.free()
				return lines, left, fmt.Errorf("tesseract: %w", err)
			}
			// Back to the page's coordinates.
			for k := range words {
				wb := &words[k].Box
				wb.X0, wb.X1 = box.X0+int(float64(wb.X0)/f)-border, box.X0+int(float64(wb.X1)/f)-border
				wb.Y0, wb.Y1 = box.Y0+int(float64(wb.Y0)/f)-border, box.Y0+int(float64(wb.Y1)/f)-border
			}
			if nl, a, n := ocr.SpliceReread(l, words, g.Comps, letterPx); n > covered {
				best, put, covered = nl, a, n
			}
			if covered == len(g.Comps) {
				break
			}
		}
		crop.free()
		lines[g.Line] = best
		added = append(added, put...)
		left -= covered
	}
	return ocr.DropSuperseded(lines, added, letterPx), left, nil
}

// readLineWords reads a crop enlarged f times as one line: its words, in
// the crop's enlarged coordinates, debris left out as on the page.
func readLineWords(cl *gosseract.Client, crop *pix, f float64, name string) ([]ocr.Word, error) {
	if err := setPix(cl, crop, f, name); err != nil {
		return nil, err
	}
	boxes, err := cl.GetBoundingBoxesVerbose()
	if err != nil {
		return nil, err
	}
	var words []ocr.Word
	lines, _, _ := assemble(boxes)
	for _, l := range lines {
		words = append(words, l.Words...)
	}
	return words, nil
}

// linesClient is the Tesseract instance that reads lines again, started
// on the first page that needs it: the page's languages, one text line,
// and like the page client no learning from one crop to the next (a line
// must read the same whichever pages came before).
func (r *recognizer) linesClient() (*gosseract.Client, error) {
	if r.lines != nil {
		return r.lines, nil
	}
	cl, err := lineClient(r.tessdata, strings.Split(r.langs, "+"), map[gosseract.SettableVariable]string{
		"tessedit_enable_doc_dict": "0",
		"classify_enable_learning": "0",
		"user_defined_dpi":         "300",
	})
	if err != nil {
		return nil, err
	}
	r.lines = cl
	return cl, nil
}
