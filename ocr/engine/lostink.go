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
	padV := int(rereadPadV * letterPx)
	for _, g := range gaps {
		l := lines[g.Line]
		b := l.Box
		gb := g.Box()
		box := ocr.Box{X0: min(b.X0, gb.X0), Y0: min(b.Y0, gb.Y0) - padV, X1: max(b.X1, gb.X1), Y1: max(b.Y1, gb.Y1) + padV}
		best, covered := l, 0
		var put []ocr.Word
		err := readBox(cl, page, box, letterPx, fmt.Sprintf("%s-lost%d", name, g.Line), asLine, func(read [][]ocr.Word) bool {
			if nl, a, n := ocr.SpliceReread(l, read[0], g.Comps, letterPx); n > covered {
				best, put, covered = nl, a, n
			}
			return covered == len(g.Comps)
		})
		if err != nil {
			return lines, left, err
		}
		lines[g.Line] = best
		added = append(added, put...)
		left -= covered
	}
	return ocr.DropSuperseded(lines, added, letterPx), left, nil
}

// maxRereadCells bounds the table cells read again on a page (see
// rereadCells): a list's number column is one cell a row, and a table
// with more cells read empty than that was read badly, which the review
// catches; each is a small crop read once or twice.
const maxRereadCells = 16

// cellLineH is how many letter heights the ink of a cell read again may
// stand: one line of text, its marks included. A cell of several lines
// read empty stays unread (one line at a time is what the lines client
// reads).
const cellLineH = 1.8

// Letter heights around a cell's letters that are read with them: the
// marks stacked over a capital ("Ổ"), the dot under a letter ("ị"), and
// on either side a mark or a stroke too small to be a letter (a comma, a
// dash in a code).
const (
	cellMarksUp   = 0.5
	cellMarksDown = 0.3
	cellMarksSide = 0.5
)

// rereadCells reads again, each alone as one line, the cells of a ruled
// table that hold letters but gave no word (ocr.FindUnreadCells): the row
// numbers of a list, one digit alone far left of the names, which the page
// reading skips. page is the image the reading was made of, turned as the
// lines. It returns the lines read, one per cell that gave words, and how
// many cells stay unread (their letters not all read).
func (r *recognizer) rereadCells(page *pix, cells []ocr.UnreadCell, letterPx float64, name string) ([]ocr.Line, int, error) {
	if len(cells) > maxRereadCells {
		return nil, len(cells), nil
	}
	cl, err := r.linesClient()
	if err != nil {
		return nil, len(cells), err
	}
	var add []ocr.Line
	left := len(cells)
	for i, u := range cells {
		if u.Ink == (ocr.Box{}) || float64(u.Ink.Y1-u.Ink.Y0) > cellLineH*letterPx {
			continue
		}
		// The letters and the marks over and under them.
		up, down, side := int(cellMarksUp*letterPx), int(cellMarksDown*letterPx), int(cellMarksSide*letterPx)
		box := ocr.Box{X0: max(u.In.X0, u.Ink.X0-side), Y0: max(u.In.Y0, u.Ink.Y0-up), X1: min(u.In.X1, u.Ink.X1+side), Y1: min(u.In.Y1, u.Ink.Y1+down)}
		var best ocr.Line
		all := false
		modes := asLine
		if len(u.Letters) == 1 && u.Ink == u.Letters[0] {
			modes = asLineAndWord
		}
		err := readBox(cl, page, box, letterPx, fmt.Sprintf("%s-cell%d", name, i), modes, func(read [][]ocr.Word) bool {
			words := read[0]
			if len(read) > 1 {
				words = loneGlyph(read[0], read[1])
			}
			l, a := ocr.CellLine(u, words, letterPx)
			if len(l.Words) > 0 && (len(best.Words) == 0 || a) {
				best, all = l, a
			}
			return all
		})
		if err != nil {
			return add, left, err
		}
		if len(best.Words) > 0 {
			add = append(add, best)
		}
		if all {
			left--
		}
	}
	return add, left, nil
}

// readBox reads box of page (clipped to it), with rereadBorder of white
// around, at each of rereadScales in each of modes, and gives the words
// of each mode, in the page's coordinates, to take until it says they are
// enough. The client is left reading single lines.
func readBox(cl *gosseract.Client, page *pix, box ocr.Box, letterPx float64, name string, modes []gosseract.PageSegMode, take func(read [][]ocr.Word) bool) (err error) {
	box = ocr.Box{X0: max(0, box.X0), Y0: max(0, box.Y0), X1: min(page.width(), box.X1), Y1: min(page.height(), box.Y1)}
	if box.X1 <= box.X0 || box.Y1 <= box.Y0 {
		return nil
	}
	border := max(4, int(rereadBorder*letterPx))
	crop, err := page.clip(box, border)
	if err != nil {
		return err
	}
	defer crop.free()
	defer func() {
		if e := cl.SetPageSegMode(gosseract.PSM_SINGLE_LINE); err == nil {
			err = e
		}
	}()
	for _, f := range rereadScales {
		read := make([][]ocr.Word, len(modes))
		for m, mode := range modes {
			if err := cl.SetPageSegMode(mode); err != nil {
				return err
			}
			words, err := readLineWords(cl, crop, f, fmt.Sprintf("%s-%g-%d", name, f, m))
			if err != nil {
				return fmt.Errorf("tesseract: %w", err)
			}
			// Back to the page's coordinates.
			for k := range words {
				wb := &words[k].Box
				wb.X0, wb.X1 = box.X0+int(float64(wb.X0)/f)-border, box.X0+int(float64(wb.X1)/f)-border
				wb.Y0, wb.Y1 = box.Y0+int(float64(wb.Y0)/f)-border, box.Y0+int(float64(wb.Y1)/f)-border
			}
			read[m] = words
		}
		if take(read) {
			return nil
		}
	}
	return nil
}

// asLine is the single-line reading alone.
var asLine = []gosseract.PageSegMode{gosseract.PSM_SINGLE_LINE}

// asLineAndWord reads a lone glyph both as a line and as a word (see
// loneGlyph).
var asLineAndWord = []gosseract.PageSegMode{gosseract.PSM_SINGLE_LINE, gosseract.PSM_SINGLE_WORD}

// loneSure is the confidence from which the surer reading of a lone
// glyph is taken when the other differs.
const loneSure = 80

// loneGlyph is the reading of a crop holding one glyph (a row's number)
// from its readings as a line and as a word. Either alone can come out
// wrong: read as a line, a "2" read "B" at 86 (read "2" at 94 as a word),
// a "1" "lÌ" and "jU" (read "1" at 85 as a word); read as a word, with the
// dictionaries, a "3" read "3c" at 41 and a "4" "cÁC" at 2 (read "3" and
// "4" at 97 as a line). The two segmentations fail differently: the glyph
// is taken when they agree (at the surer of the two confidences), or else
// as the surer reading when it is sure enough.
func loneGlyph(line, word []ocr.Word) []ocr.Word {
	var best []ocr.Word
	for _, r := range [][]ocr.Word{line, word} {
		if len(r) == 1 && r[0].Confidence >= loneSure && (best == nil || r[0].Confidence > best[0].Confidence) {
			best = r
		}
	}
	if len(line) == 1 && len(word) == 1 && line[0].Text == word[0].Text {
		w := line[0]
		w.Confidence = max(w.Confidence, word[0].Confidence)
		return []ocr.Word{w}
	}
	return best
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
