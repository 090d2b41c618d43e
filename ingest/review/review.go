// Package review applies an official's review of a recognized document
// (the log of dossier.ReviewChange) to its pages and readings: the one
// fold the document job builds from and the review page shows. Pure
// functions, no I/O.
package review

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/syllable"
)

// Page is one page of a document as its review left it: the page
// as recognized (or as re-scanned), how it is turned, whether it is blank,
// and the corrections to its reading in the order they were made.
type Page struct {
	dossier.Page      // Index is the page's name in the review log
	Rotate       int  // degrees clockwise, shown by the PDF page's /Rotate
	MarkedBlank  bool // kept as an image, without text
	Replaced     bool // by a re-scan
	Edits        []dossier.ReviewChange
}

// Error is a change that does not fit the document as it stands:
// the official's view is stale or the request is wrong (a 409 or 422 for
// the API), with the reason in both languages.
type Error struct{ VI, EN string }

func (e *Error) Error() string { return e.EN }

func errorf(vi, en string, args ...any) error {
	return &Error{fmt.Sprintf(vi, args...), fmt.Sprintf(en, args...)}
}

// Apply folds a batch's review log over its pages and returns the
// pages of the document to sign, in order, and the deleted ones. A log
// entry that does not fit (an unknown or deleted page, a bad position) is
// an error: the log is checked change by change before it is stored
// (see Check), so a stored log always applies.
func Apply(pages []dossier.Page, log []dossier.ReviewChange) (doc, deleted []Page, err error) {
	doc = make([]Page, len(pages))
	for i, p := range pages {
		doc[i] = Page{Page: p, MarkedBlank: p.Blank}
	}
	find := func(pages []Page, index int) int {
		return slices.IndexFunc(pages, func(p Page) bool { return p.Index == index })
	}
	for _, c := range log {
		i := find(doc, c.Page)
		if c.Kind == dossier.ReviewRestore {
			j := find(deleted, c.Page)
			if j < 0 {
				return nil, nil, errorf("trang %d không bị xóa", "page %d is not deleted", c.Page)
			}
			doc = append(doc, deleted[j])
			deleted = slices.Delete(deleted, j, j+1)
			continue
		}
		if i < 0 {
			return nil, nil, errorf("không có trang %d trong văn bản (đã xóa?)", "no page %d in the document (deleted?)", c.Page)
		}
		p := &doc[i]
		switch c.Kind {
		case dossier.ReviewWord, dossier.ReviewLine:
			if p.MarkedBlank {
				return nil, nil, errorf("trang %d đã được đánh dấu trắng", "page %d is marked blank", c.Page)
			}
			p.Edits = append(p.Edits, c)
		case dossier.ReviewRotate:
			if c.Degrees%90 != 0 {
				return nil, nil, errorf("chỉ xoay được 90, 180 hoặc 270 độ", "pages turn by 90, 180 or 270 degrees only")
			}
			p.Rotate = ((p.Rotate+c.Degrees)%360 + 360) % 360
		case dossier.ReviewMove:
			if c.Position < 1 || c.Position > len(doc) {
				return nil, nil, errorf("vị trí %d ngoài văn bản (1-%d)", "position %d is outside the document (1-%d)", c.Position, len(doc))
			}
			moved := *p
			doc = slices.Insert(slices.Delete(doc, i, i+1), c.Position-1, moved)
		case dossier.ReviewDelete:
			if len(doc) == 1 {
				return nil, nil, errorf("không xóa được trang cuối cùng của văn bản", "the last page of a document cannot be deleted")
			}
			deleted = append(deleted, *p)
			doc = slices.Delete(doc, i, i+1)
		case dossier.ReviewBlank:
			p.MarkedBlank = c.Blank
		case dossier.ReviewReplace:
			if c.ImageKey == "" || c.ResultKey == "" {
				return nil, nil, errorf("bản quét lại chưa được đọc", "the re-scan has not been read")
			}
			// The new scan is read afresh: turns, blank marks and
			// corrections were of the old one.
			p.ImageKey, p.ResultKey, p.SourceSHA = c.ImageKey, c.ResultKey, c.SourceSHA
			p.Rotate, p.MarkedBlank, p.Edits, p.Replaced = 0, false, nil, true
		default:
			return nil, nil, errorf("không rõ thao tác %q", "unknown change %q", c.Kind)
		}
	}
	return doc, deleted, nil
}

// Correct applies a page's corrections to its reading: a word takes the
// new text (an empty one drops it), a line gets new words spread over its
// box in proportion to their length. Text is rebuilt from the lines,
// keeping the paragraph breaks of the original when its lines match. A
// page marked blank has no text at all. res is not modified.
func Correct(res ocr.Result, p Page) (ocr.Result, error) {
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
			return res, errorf("trang %d không có dòng %d", "page %d has no line %d", e.Page, e.Line+1)
		}
		ln := &lines[e.Line]
		switch e.Kind {
		case dossier.ReviewWord:
			if e.Word < 0 || e.Word >= len(ln.Words) {
				return res, errorf("dòng %d của trang %d không có từ %d", "line %d of page %d has no word %d", e.Line+1, e.Page, e.Word+1)
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
			out[i] = LineText(ln)
		}
		return strings.Join(out, "\n")
	}
	k := 0
	for i, r := range rows {
		if strings.TrimSpace(r) != "" {
			rows[i] = LineText(lines[k])
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

// Doubt says why OCR doubts a word, or "".
func Doubt(w ocr.Word) string {
	switch {
	case w.Confidence < doubtBelow:
		return DoubtLowConfidence
	case w.Confidence < doubtForeignBelow && syllable.Judge(w.Text) == syllable.NotSyllable:
		return DoubtNotSyllable
	}
	return ""
}

// Bounds on what an official types: a word, a line.
const (
	MaxWordRunes = 100
	MaxLineRunes = 1000
)

// Check tells whether change c fits the document that log leaves of
// pages, before it is stored: the page is there, a turn is a quarter, a
// position is inside, a word or line exists, and the text the official
// corrected (c.OldText, when given) is still what the page says, so an
// edit made on a stale view is refused instead of landing on another
// word. Typed text must be printable and within bounds; it is stored
// NFC, as the engine writes. reading returns a page's reading as
// recognized (or re-scanned). A misfit is an *Error.
func Check(pages []dossier.Page, log []dossier.ReviewChange, c *dossier.ReviewChange, reading func(Page) (ocr.Result, error)) error {
	doc, _, err := Apply(pages, log)
	if err != nil {
		return err
	}
	if c.Kind == dossier.ReviewWord || c.Kind == dossier.ReviewLine {
		limit := MaxWordRunes
		if c.Kind == dossier.ReviewLine {
			limit = MaxLineRunes
		}
		if !utf8.ValidString(c.Text) || utf8.RuneCountInString(c.Text) > limit ||
			strings.IndexFunc(c.Text, func(r rune) bool { return unicode.IsControl(r) }) >= 0 {
			return errorf("chữ sửa phải là văn bản in được, tối đa %d ký tự", "the corrected text must be printable, at most %d characters", limit)
		}
		c.Text = norm.NFC.String(strings.Join(strings.Fields(c.Text), " "))
		i := slices.IndexFunc(doc, func(p Page) bool { return p.Index == c.Page })
		if i < 0 {
			return errorf("không có trang %d trong văn bản (đã xóa?)", "no page %d in the document (deleted?)", c.Page)
		}
		res, err := reading(doc[i])
		if err != nil {
			return err
		}
		if res, err = Correct(res, doc[i]); err != nil {
			return err
		}
		if c.Line < 0 || c.Line >= len(res.Lines) {
			return errorf("trang %d không có dòng %d", "page %d has no line %d", c.Page, c.Line+1)
		}
		ln := res.Lines[c.Line]
		cur := LineText(ln)
		if c.Kind == dossier.ReviewWord {
			if c.Word < 0 || c.Word >= len(ln.Words) {
				return errorf("dòng %d của trang %d không có từ %d", "line %d of page %d has no word %d", c.Line+1, c.Page, c.Word+1)
			}
			cur = ln.Words[c.Word].Text
		}
		if c.OldText != "" && norm.NFC.String(c.OldText) != cur {
			return errorf("trang %d đã đổi: chỗ sửa giờ là %q, không phải %q; tải lại trang", "page %d changed: the text there is now %q, not %q; reload",
				c.Page, cur, c.OldText)
		}
		c.OldText = cur
	}
	_, _, err = Apply(pages, append(slices.Clip(log), *c))
	return err
}

// LineText is a line's words joined by spaces.
func LineText(ln ocr.Line) string {
	ws := make([]string, len(ln.Words))
	for i, w := range ln.Words {
		ws[i] = w.Text
	}
	return strings.Join(ws, " ")
}
