package archival

import (
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/sohoa/sohoa/ocr"
)

// The second reading of the copies kept. NĐ 30 ends "Nơi nhận" with
// "Lưu: VT, KTTH.": the record office and the drafting unit's code, capitals
// that are no Vietnamese syllables and no closed list. The page reading's
// Vietnamese model bends them into syllables ("KEỰTH", "THC", "VLŨ"); read
// again as one line with the English model (ocr.DigitsInput.Codes), the
// letters come back. The line is listed (Blanks, part BlankCopies) when
// its item is under Deliver, and the reading taken (applyCopies) only when
// it reads as "Lưu:" and codes of plain capitals, confidently, and the page
// reading held no Đ (English has no Đ: "TĐKT" would come back "TDKT"). The
// item keeps its confidence, under Deliver: a value read twice apart is
// still one a reviewer confirms.
//
// And the dot below a y: under y the dot of ỵ sits apart, right of the
// descender, and Tesseract drops it even in clean print ("Mỵ" read "My",
// both names, so the letters cannot tell). A signer's word that the dot
// would turn into another name is listed (BlankDotBelow), the engine looks
// at the pixels under the word's end (ocr.DigitsInput.DotsBelow), and a
// dot seen is written (applyDot), the name kept under Deliver.

// BlankCopies is the line of the copies kept ("Lưu: VT, …"): printed, read
// again as codes (ocr.DigitsInput.Codes), not as digits.
const BlankCopies BlankPart = "copies"

// copiesAccept is the least confidence (0..100, of the least sure word) of
// a second reading of the copies that is taken.
const copiesAccept = 80

// copiesReadRe is the second reading of the copies: "- Luu: VT, KTTH.",
// the dash and the marks of "Lưu" as English reads them.
var copiesReadRe = regexp.MustCompile(`^[^\pL]*L\S{1,3}?\s*:\s*(.+?)[\s.;,]*$`)

// unitCodeRe is one code of the copies: capitals and digits, as offices'
// codes are.
var unitCodeRe = regexp.MustCompile(`^[A-Z][A-Z0-9]{0,9}$`)

// copiesBlanks lists the copies kept of doc i that a second reading may
// mend: the item starting "Lưu" under Deliver, read on one line.
func copiesBlanks(i int, d Document, pages []ocr.Result) []Blank {
	var out []Blank
	for k, f := range d.Recipients {
		if f.Confidence >= Deliver || !strings.HasPrefix(letters(f.Value), "luu") || f.Page < 1 || f.Page > len(pages) || len(f.Boxes) == 0 {
			continue
		}
		if b, ok := lineBox(f.Boxes, pages[f.Page-1]); ok {
			out = append(out, Blank{Doc: i, Page: f.Page, Part: BlankCopies, Item: k, Box: b})
		}
	}
	return out
}

// lineBox is the box of words on one line with room around them (half a
// line's height on the sides, a third over and under) within the page;
// false when the words are on more than one line.
func lineBox(boxes []ocr.Box, r ocr.Result) (ocr.Box, bool) {
	b := boxes[0]
	h := 0
	for _, x := range boxes {
		h = max(h, x.Y1-x.Y0)
		b = ocr.Box{X0: min(b.X0, x.X0), Y0: min(b.Y0, x.Y0), X1: max(b.X1, x.X1), Y1: max(b.Y1, x.Y1)}
	}
	if h <= 0 || 2*(b.Y1-b.Y0) > 3*h {
		return ocr.Box{}, false
	}
	out := ocr.Box{X0: max(0, b.X0-h/2), Y0: max(0, b.Y0-h/3), X1: b.X1 + h/2, Y1: b.Y1 + h/3}
	if r.Width > 0 {
		out.X1 = min(out.X1, r.Width)
	}
	if r.Height > 0 {
		out.Y1 = min(out.Y1, r.Height)
	}
	return out, out.X1 > out.X0 && out.Y1 > out.Y0
}

// applyCopies takes a second reading of the copies kept into the item
// when it reads as "Lưu:" and plain codes, at copiesAccept or more, and
// the page reading held no Đ; the item keeps its confidence.
func applyCopies(f *Field, rd *ocr.DigitsReading) {
	if f == nil || rd.Confidence < copiesAccept || strings.ContainsAny(f.Value, "Đđ") {
		return
	}
	m := copiesReadRe.FindStringSubmatch(strings.TrimSpace(rd.Text))
	if m == nil {
		return
	}
	var codes []string
	for _, c := range strings.Split(m[1], ",") {
		c = strings.TrimSpace(c)
		if !unitCodeRe.MatchString(c) {
			return
		}
		codes = append(codes, c)
	}
	// English confuses the T of the short "VT" as Vietnamese does
	// ("VI"): the same mend.
	v, _ := mendFileCopy("Lưu: " + strings.Join(codes, ", "))
	if v != f.Value {
		if f.Text == "" {
			f.Text = f.Value
		}
		f.Value = v
	}
}

// itemOf is recipient k of d, nil when there is none.
func itemOf(d *Document, k int) *Field {
	if k < 0 || k >= len(d.Recipients) {
		return nil
	}
	return &d.Recipients[k]
}

// BlankDotBelow is a word of the signer's name that a dot below its y
// would make another name (dotBelowLost: "My", Mỵ): its box is looked at
// for the dot (ocr.DigitsInput.DotsBelow), which Tesseract drops.
const BlankDotBelow BlankPart = "dot below"

// dotBlanks lists the words of doc i's signer, under Deliver, that a dot
// below their y, lost, would turn into another name (Item: the word's
// index in the name).
func dotBlanks(i int, d Document, pages []ocr.Result) []Blank {
	f := d.Signer
	if f == nil || f.Unreadable || f.Confidence >= Deliver || f.Page < 1 || f.Page > len(pages) {
		return nil
	}
	words := strings.Fields(f.Value)
	if len(words) != len(f.Boxes) {
		return nil
	}
	var out []Blank
	for k, w := range words[min(1, len(words)):] {
		if dotBelowLost[strings.ToLower(w)] {
			out = append(out, Blank{Doc: i, Page: f.Page, Part: BlankDotBelow, Item: k + 1, Box: f.Boxes[k+1]})
		}
	}
	return out
}

// applyDot writes word k of the signer with the dot below its last y when
// the pixels show one; the name stays under Deliver (markMayBeLost held
// it there), read from the page as it is.
func applyDot(f *Field, k int, rd *ocr.DigitsReading) {
	if f == nil || !rd.Ink {
		return
	}
	words := strings.Fields(f.Value)
	if k < 0 || k >= len(words) {
		return
	}
	i := strings.LastIndex(words[k], "y")
	if i < 0 {
		return
	}
	words[k] = words[k][:i] + "ỵ" + words[k][i+1:]
	if f.Text == "" {
		f.Text = f.Value
	}
	f.Value = strings.Join(words, " ")
	f.Confidence = min(f.Confidence, 0.85)
}

// PageRequest puts the blanks of one page into in, as Blanks (with their
// Most), Codes, DotsBelow or Names by their part, and returns them in the
// order of ocr.Pool.ReadDigits's readings (blanks, codes, dots, names).
func PageRequest(in *ocr.DigitsInput, onPage []Blank) []Blank {
	var digits, codes, dots, names []Blank
	for _, b := range onPage {
		switch b.Part {
		case BlankCopies:
			in.Codes, codes = append(in.Codes, b.Box), append(codes, b)
		case BlankDotBelow:
			in.DotsBelow, dots = append(in.DotsBelow, b.Box), append(dots, b)
		case BlankName:
			in.Names, names = append(in.Names, b.Box), append(names, b)
		default:
			in.Blanks, digits = append(in.Blanks, b.Box), append(digits, b)
			in.Most = append(in.Most, b.Most())
		}
	}
	return slices.Concat(digits, codes, dots, names)
}

// BlankName is the signer's name line whose given or middle name is no
// common name syllable (a mark misread: "Chỉ" for Chi, "Ấn" for Ẩn), read
// again at several scales (ocr.DigitsInput.Names).
const BlankName BlankPart = "name"

// nameBlanks lists doc i's signer, under Deliver, when a word after the
// family name is no common name syllable.
func nameBlanks(i int, d Document, pages []ocr.Result) []Blank {
	f := d.Signer
	if f == nil || f.Unreadable || f.Confidence >= Deliver || f.Page < 1 || f.Page > len(pages) || len(f.Boxes) == 0 {
		return nil
	}
	words := strings.Fields(f.Value)
	if len(words) < 2 || commonName(words[1:]) {
		return nil
	}
	b, ok := lineBox(f.Boxes, pages[f.Page-1])
	if !ok {
		return nil
	}
	return []Blank{{Doc: i, Page: f.Page, Part: BlankName, Box: b}}
}

// applyName takes from the readings of the name line at several scales
// (rd.Text, a line each) the word that the page reading read as no common
// name syllable when the readings, aligned on the name's last word, give
// there exactly one common name syllable of the same unmarked letters
// ("Chi" among "Chỉ", "Chi": the mark misread at one size, not at
// another). The name stays under Deliver: a mark chosen between readings.
func applyName(f *Field, rd *ocr.DigitsReading) {
	if f == nil || rd.Text == "" {
		return
	}
	words := strings.Fields(f.Value)
	var readings [][]string
	for _, l := range strings.Split(rd.Text, "\n") {
		var ws []string
		for _, w := range strings.Fields(l) {
			if w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }); w != "" {
				ws = append(ws, w)
			}
		}
		readings = append(readings, ws)
	}
	mended := false
	for k := 1; k < len(words); k++ {
		if nameSyllables[strings.ToLower(words[k])] {
			continue
		}
		var found []string
		for _, ws := range readings {
			j := len(ws) - (len(words) - k) // aligned on the last word
			if j < 0 || j >= len(ws) {
				continue
			}
			w := ws[j]
			if nameSyllables[strings.ToLower(w)] && letters(w) == letters(words[k]) && !slices.Contains(found, w) {
				found = append(found, w)
			}
		}
		if len(found) == 1 {
			words[k], mended = found[0], true
		}
	}
	if !mended {
		return
	}
	if f.Text == "" {
		f.Text = f.Value
	}
	f.Value = strings.Join(words, " ")
	f.Confidence = min(f.Confidence, 0.85)
}
