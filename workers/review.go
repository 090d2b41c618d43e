package workers

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/syllable"
)

// reviewedPage is one page of a document as its review left it: the page
// as recognized (or as re-scanned), how it is turned, whether it is blank,
// and the corrections to its reading in the order they were made.
type reviewedPage struct {
	dossier.Page      // Index is the page's name in the review log
	Rotate       int  // degrees clockwise, shown by the PDF page's /Rotate
	MarkedBlank  bool // kept as an image, without text
	Edits        []dossier.ReviewChange
}

// reviewError is a change that does not fit the document as it stands:
// the official's view is stale or the request is wrong (a 409 or 422 for
// the API), with the reason in both languages.
type reviewError struct{ vi, en string }

func (e *reviewError) Error() string { return e.en }

func reviewErrorf(vi, en string, args ...any) error {
	return &reviewError{fmt.Sprintf(vi, args...), fmt.Sprintf(en, args...)}
}

// applyReview folds a batch's review log over its pages and returns the
// pages of the document to sign, in order, and the deleted ones. A log
// entry that does not fit (an unknown or deleted page, a bad position) is
// an error: the log is checked change by change before it is stored
// (checkChange), so a stored log always applies.
func applyReview(pages []dossier.Page, log []dossier.ReviewChange) (doc, deleted []reviewedPage, err error) {
	doc = make([]reviewedPage, len(pages))
	for i, p := range pages {
		doc[i] = reviewedPage{Page: p, MarkedBlank: p.Blank}
	}
	find := func(pages []reviewedPage, index int) int {
		return slices.IndexFunc(pages, func(p reviewedPage) bool { return p.Index == index })
	}
	for _, c := range log {
		i := find(doc, c.Page)
		if c.Kind == dossier.ReviewRestore {
			j := find(deleted, c.Page)
			if j < 0 {
				return nil, nil, reviewErrorf("trang %d không bị xóa", "page %d is not deleted", c.Page)
			}
			doc = append(doc, deleted[j])
			deleted = slices.Delete(deleted, j, j+1)
			continue
		}
		if i < 0 {
			return nil, nil, reviewErrorf("không có trang %d trong văn bản (đã xóa?)", "no page %d in the document (deleted?)", c.Page)
		}
		p := &doc[i]
		switch c.Kind {
		case dossier.ReviewWord, dossier.ReviewLine:
			if p.MarkedBlank {
				return nil, nil, reviewErrorf("trang %d đã được đánh dấu trắng", "page %d is marked blank", c.Page)
			}
			p.Edits = append(p.Edits, c)
		case dossier.ReviewRotate:
			if c.Degrees%90 != 0 {
				return nil, nil, reviewErrorf("chỉ xoay được 90, 180 hoặc 270 độ", "pages turn by 90, 180 or 270 degrees only")
			}
			p.Rotate = ((p.Rotate+c.Degrees)%360 + 360) % 360
		case dossier.ReviewMove:
			if c.Position < 1 || c.Position > len(doc) {
				return nil, nil, reviewErrorf("vị trí %d ngoài văn bản (1-%d)", "position %d is outside the document (1-%d)", c.Position, len(doc))
			}
			moved := *p
			doc = slices.Insert(slices.Delete(doc, i, i+1), c.Position-1, moved)
		case dossier.ReviewDelete:
			if len(doc) == 1 {
				return nil, nil, reviewErrorf("không xóa được trang cuối cùng của văn bản", "the last page of a document cannot be deleted")
			}
			deleted = append(deleted, *p)
			doc = slices.Delete(doc, i, i+1)
		case dossier.ReviewBlank:
			p.MarkedBlank = c.Blank
		case dossier.ReviewReplace:
			if c.ImageKey == "" || c.ResultKey == "" {
				return nil, nil, reviewErrorf("bản quét lại chưa được đọc", "the re-scan has not been read")
			}
			// The new scan is read afresh: turns, blank marks and
			// corrections were of the old one.
			p.ImageKey, p.ResultKey, p.SourceSHA = c.ImageKey, c.ResultKey, c.SourceSHA
			p.Rotate, p.MarkedBlank, p.Edits = 0, false, nil
		default:
			return nil, nil, reviewErrorf("không rõ thao tác %q", "unknown change %q", c.Kind)
		}
	}
	return doc, deleted, nil
}

// correct applies a page's corrections to its reading: a word takes the
// new text (an empty one drops it), a line gets new words spread over its
// box in proportion to their length. Text is rebuilt from the lines,
// keeping the paragraph breaks of the original when its lines match. A
// page marked blank has no text at all. res is not modified.
func correct(res ocr.Result, p reviewedPage) (ocr.Result, error) {
	if p.MarkedBlank {
		res.Lines, res.Text, res.Blank = nil, "", true
		return res, nil
	}
	if len(p.Edits) == 0 {
		return res, nil
	}
	lines := make([]ocr.Line, len(res.Lines))
	for i, ln := range res.Lines {
		lines[i] = ocr.Line{Box: ln.Box, Words: slices.Clone(ln.Words)}
	}
	for _, e := range p.Edits {
		if e.Line < 0 || e.Line >= len(lines) {
			return res, reviewErrorf("trang %d không có dòng %d", "page %d has no line %d", e.Page, e.Line+1)
		}
		ln := &lines[e.Line]
		switch e.Kind {
		case dossier.ReviewWord:
			if e.Word < 0 || e.Word >= len(ln.Words) {
				return res, reviewErrorf("dòng %d của trang %d không có từ %d", "line %d of page %d has no word %d", e.Line+1, e.Page, e.Word+1)
			}
			if t := strings.TrimSpace(e.Text); t == "" {
				ln.Words = slices.Delete(ln.Words, e.Word, e.Word+1)
			} else {
				ln.Words[e.Word].Text, ln.Words[e.Word].Confidence = t, 100
			}
		case dossier.ReviewLine:
			ln.Words = spreadWords(lineBox(*ln), strings.Fields(e.Text))
		}
	}
	res.Lines = lines
	res.Text = rebuildText(res.Text, lines)
	return res, nil
}

// lineBox is a line's box, or the union of its words' when it has none.
func lineBox(ln ocr.Line) ocr.Box {
	b := ln.Box
	if b.X1 > b.X0 && b.Y1 > b.Y0 {
		return b
	}
	for i, w := range ln.Words {
		if i == 0 {
			b = w.Box
			continue
		}
		b = ocr.Box{X0: min(b.X0, w.Box.X0), Y0: min(b.Y0, w.Box.Y0), X1: max(b.X1, w.Box.X1), Y1: max(b.Y1, w.Box.Y1)}
	}
	return b
}

// spreadWords lays words over box left to right, each as wide as its
// share of the letters (a space counting as one), so that the text layer
// puts a typed line where the scan shows it.
func spreadWords(box ocr.Box, words []string) []ocr.Word {
	if len(words) == 0 {
		return nil
	}
	units := len(words) - 1
	for _, w := range words {
		units += utf8.RuneCountInString(w)
	}
	width := float64(box.X1 - box.X0)
	out := make([]ocr.Word, len(words))
	at := 0
	for i, w := range words {
		n := utf8.RuneCountInString(w)
		x0 := box.X0 + int(width*float64(at)/float64(units))
		x1 := box.X0 + int(width*float64(at+n)/float64(units))
		out[i] = ocr.Word{Text: w, Box: ocr.Box{X0: x0, Y0: box.Y0, X1: max(x1, x0+1), Y1: box.Y1}, Confidence: 100}
		at += n + 1
	}
	return out
}

// rebuildText writes the text of corrected lines. The engine's Text has
// one text line per line, paragraphs apart by an empty line; when its
// lines are as many as the reading's, each is replaced in place so the
// paragraphs survive, otherwise the lines are joined anew.
func rebuildText(old string, lines []ocr.Line) string {
	lineText := func(ln ocr.Line) string {
		ws := make([]string, len(ln.Words))
		for i, w := range ln.Words {
			ws[i] = w.Text
		}
		return strings.Join(ws, " ")
	}
	rows := strings.Split(old, "\n")
	n := 0
	for _, r := range rows {
		if strings.TrimSpace(r) != "" {
			n++
		}
	}
	if n != len(lines) {
		out := make([]string, len(lines))
		for i, ln := range lines {
			out[i] = lineText(ln)
		}
		return strings.Join(out, "\n")
	}
	k := 0
	for i, r := range rows {
		if strings.TrimSpace(r) != "" {
			rows[i] = lineText(lines[k])
			k++
		}
	}
	return strings.Join(rows, "\n")
}

// Doubts of a word, shown boxed on the review page.
const (
	DoubtLowConfidence = "low_confidence" // under the page review threshold
	DoubtNotSyllable   = "not_syllable"   // not a Vietnamese syllable, and not a number, code or abbreviation
)

// doubtBelow is the word confidence under which a word is boxed: the
// engine's default page review threshold.
const doubtBelow = 60

// doubtForeignBelow: a word that is no Vietnamese syllable but was read
// this surely is taken for a foreign word or a name, as the engine's
// plausibility does, and not boxed.
const doubtForeignBelow = 90

// doubt says why OCR doubts a word, or "".
func doubt(w ocr.Word) string {
	switch {
	case w.Confidence < doubtBelow:
		return DoubtLowConfidence
	case w.Confidence < doubtForeignBelow && syllable.Judge(w.Text) == syllable.NotSyllable:
		return DoubtNotSyllable
	}
	return ""
}
