package archival

import (
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/syllable"
)

// seg is one piece of a line (ocr.SplitAtGaps) with what the reader needs.
type seg struct {
	ocr.Line
	text string // words joined by a space
	flat string // unmarked letters and digits only
}

func (s seg) cx() int { return (s.Box.X0 + s.Box.X1) / 2 }
func (s seg) h() int  { return s.Box.Y1 - s.Box.Y0 }

// page is one page's pieces, top to bottom, with its geometry.
type page struct {
	n    int // 1-based within the pages given
	segs []seg
	w, h int
	// pitch is the median distance between the tops of consecutive body
	// lines: the unit for "a gap in the text".
	pitch int
	// left and right margins of the body text.
	x0, x1 int
	// stamps are the red stamps read apart (ocr.Result.RedInk).
	stamps []seg
}

func newPage(n int, r ocr.Result) *page {
	p := &page{n: n, w: r.Width, h: r.Height}
	for _, l := range ocr.SplitAtGaps(r.Lines) {
		if len(l.Words) == 0 {
			continue
		}
		s := seg{Line: l, text: lineText(l)}
		s.flat = letters(s.text)
		if s.flat == "" {
			continue
		}
		p.segs = append(p.segs, s)
		p.w = max(p.w, l.Box.X1)
		p.h = max(p.h, l.Box.Y1)
	}
	for _, l := range r.RedInk {
		if len(l.Words) > 0 {
			p.stamps = append(p.stamps, pieceOf(l.Words))
		}
	}
	slices.SortStableFunc(p.segs, func(a, b seg) int { return a.Box.Y0 - b.Box.Y0 })
	var hs, x0s, x1s []int
	for _, s := range p.segs {
		hs = append(hs, s.h())
		if s.Box.X1-s.Box.X0 > p.w/2 {
			x0s, x1s = append(x0s, s.Box.X0), append(x1s, s.Box.X1)
		}
	}
	p.pitch = max(1, median(hs)*13/10)
	// The left margin: paragraphs' first lines are indented, so not the
	// median but a low quantile of the wide lines' left edges.
	slices.Sort(x0s)
	if len(x0s) > 0 {
		p.x0 = x0s[len(x0s)/5]
	}
	p.x1 = median(x1s)
	if len(x0s) == 0 {
		p.x0, p.x1 = p.w/8, p.w*15/16
	}
	return p
}

func median(xs []int) int {
	if len(xs) == 0 {
		return 0
	}
	ys := slices.Clone(xs)
	slices.Sort(ys)
	return ys[len(ys)/2]
}

func lineText(l ocr.Line) string {
	ws := make([]string, len(l.Words))
	for i, w := range l.Words {
		ws[i] = w.Text
	}
	return strings.Join(ws, " ")
}

// mottoPatterns are the national motto and its subtitle (and the Party's
// heading, which takes the motto's place on Party documents), unmarked.
var mottoPatterns = []string{"conghoaxahoichunghiavietnam", "doclaptudohanhphuc", "dangcongsanvietnam"}

func isMotto(s seg) bool {
	for _, p := range mottoPatterns {
		if contains(s.flat, p, len(p)/6) {
			return true
		}
	}
	return false
}

// splitMotto parts a motto line that Tesseract read together with the
// left block's line on its baseline ("ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI…",
// "TỈNH HÀ TĨNH Độc lập - Tự do…": a wide agency name leaves too narrow a
// gap for the page's line split): the words before the first one the
// motto starts near are a piece of their own.
func splitMotto(s seg) []seg {
	for j := 1; j < len(s.Words); j++ {
		rest := []rune(letters(lineText(ocr.Line{Words: s.Words[j:]})))
		for _, p := range mottoPatterns {
			head := string(rest[:min(len(rest), len(p)+1)])
			if len(head) > 0 && contains(head, p, len(p)/6) && strings.HasPrefix(head, p[:2]) {
				// Marks between the two (a rule read as "_") go with
				// neither: the motto's left edge sets the column cut.
				k := j
				for k < len(s.Words)-1 && letters(s.Words[k].Text) == "" {
					k++
				}
				for j > 1 && letters(s.Words[j-1].Text) == "" {
					j--
				}
				return []seg{pieceOf(s.Words[:j]), pieceOf(s.Words[k:])}
			}
		}
	}
	return []seg{s}
}

// header is what a page's NĐ 30 header holds, found by geometry: the left
// block (agency, number, "V/v"), the right block (motto, place and date)
// and where the header ends.
type header struct {
	motto      []seg // the motto lines (right block, top)
	left       []seg
	right      []seg
	bottom     int // y below which the body starts
	leftCenter int
	// junk are the lines inside the header set aside as marks (a rule,
	// a seal, dirt, or words that are no Vietnamese syllables): a field
	// beside one of them may have lost words to it.
	junk []seg
}

// findHeader finds the NĐ 30 header at the top of a page: the motto in the
// top third, or failing that a "Số: …/…" line there. ok is false when the
// page does not start a document.
func (p *page) findHeader() (header, bool) {
	var h header
	top := p.h * 2 / 5
	var segs []seg
	for _, s := range p.segs {
		if s.Box.Y0 < top && isMotto(s) {
			segs = append(segs, splitMotto(s)...)
		} else {
			segs = append(segs, s)
		}
	}
	p.segs = segs
	for _, s := range p.segs {
		if s.Box.Y0 < top && isMotto(s) {
			h.motto = append(h.motto, s)
		}
	}
	var numberLine *seg
	for i, s := range p.segs {
		if s.Box.Y0 >= top {
			break
		}
		if _, _, _, ok := parseNumber(s.text); ok && s.cx() < p.w/2 {
			numberLine = &p.segs[i]
			break
		}
	}
	if len(h.motto) == 0 && numberLine == nil {
		return h, false
	}
	// The column boundary: the motto block's left edge, or the middle.
	cut := p.w * 45 / 100
	start := 0
	if len(h.motto) > 0 {
		m := h.motto[0]
		cut = min(cut, m.Box.X0-p.pitch/2)
		// The agency's first line shares the motto's baseline; what
		// starts higher is the e-signature's stamp or a scanner's mark.
		start = m.Box.Y0 - p.pitch/3
	} else {
		start = numberLine.Box.Y0 - 4*p.pitch
	}
	var rightCenter int
	if len(h.motto) > 0 {
		rightCenter = h.motto[0].cx()
	} else {
		rightCenter = (p.x1 + p.w*55/100) / 2
	}
	bodyCenter := (p.x0 + p.x1) / 2
	h.bottom = top
	for _, s := range p.segs {
		if s.Box.Y0 < start {
			continue // above the header: a stamp of the e-signature, a scanner's mark
		}
		if junkLine(s) && !soPrefix.MatchString(s.text) {
			if s.Box.Y0 < top {
				h.junk = append(h.junk, s)
			}
			continue
		}
		if s.Box.Y0 >= top {
			break
		}
		if isMotto(s) {
			h.right = append(h.right, s)
			continue
		}
		if numberStart(s.text) && strings.Contains(unmark(s.text), "ngay") {
			// The number (or its printed part after a blank) and the
			// place-and-date line read as one line across the channel:
			// splitNumberLine parts them below.
			h.left = append(h.left, s)
			continue
		}
		// The header ends at the first line across the channel between
		// its blocks: the type heading, "Kính gửi", the body.
		across := s.Box.X0 < cut-p.pitch && s.Box.X1 > cut+p.pitch
		_, _, isType := matchHeading(s.text)
		centred := s.Box.X0 < cut && s.Box.X1 > cut && abs(s.cx()-bodyCenter) < abs(s.cx()-rightCenter)
		if len(h.left) > 0 {
			// "V/v …" under the number is centred on the left block.
			centred = centred && abs(s.cx()-bodyCenter) < abs(s.cx()-h.left[0].cx())
		}
		if len(h.left) > 0 && (across || isType || centred || strings.HasPrefix(s.flat, "kinhgui")) {
			h.bottom = s.Box.Y0
			break
		}
		if s.Box.X1 <= cut+p.pitch/2 || s.cx() < cut {
			h.left = append(h.left, s)
		} else {
			h.right = append(h.right, s)
		}
	}
	h.junk = slices.DeleteFunc(h.junk, func(s seg) bool { return s.Box.Y0 >= h.bottom })
	h.left, h.right = splitNumberLine(h.left, h.right)
	// A blank left for handwritten digits splits "Số:   /QĐ-UBND" in two:
	// pieces of one column on one row are one line.
	h.left, h.right = joinRows(h.left), joinRows(h.right)
	if len(h.left) > 0 {
		h.leftCenter = h.left[0].cx()
	}
	return h, true
}

// numberStart: a line that starts as a number line does, with "Số:" or,
// after a blank left for the digits, with the slash of its printed part
// ("/UBND-KGVX").
func numberStart(text string) bool {
	return soStart(text) || strings.HasPrefix(text, "/") && len(text) > 2 && unicode.IsLetter([]rune(text)[1])
}

// splitNumberLine parts "Số: 12/QĐ-UBND Hà Nội, ngày …" when the number
// and the place-and-date line came too close to be cut at a column gap:
// the number ends at its last word with a slash, the place starts after.
func splitNumberLine(left, right []seg) ([]seg, []seg) {
	var l, r []seg
	for _, s := range slices.Concat(left, right) {
		cut := -1
		if numberStart(s.text) && strings.Contains(unmark(s.text), "ngay") {
			for j, w := range s.Words[:min(4, len(s.Words))] {
				if strings.Contains(w.Text, "/") {
					cut = j + 1
				}
			}
		}
		switch {
		case cut > 0 && cut < len(s.Words):
			l, r = append(l, pieceOf(s.Words[:cut])), append(r, pieceOf(s.Words[cut:]))
		case slices.ContainsFunc(left, func(x seg) bool { return x.Box == s.Box }):
			l = append(l, s)
		default:
			r = append(r, s)
		}
	}
	byTop := func(x, y seg) int { return x.Box.Y0 - y.Box.Y0 }
	slices.SortStableFunc(l, byTop)
	slices.SortStableFunc(r, byTop)
	return l, r
}

// pieceOf makes a seg of words.
func pieceOf(ws []ocr.Word) seg {
	s := seg{Line: ocr.Line{Words: ws, Box: ws[0].Box}}
	for _, w := range ws[1:] {
		s.Box = ocr.Box{X0: min(s.Box.X0, w.Box.X0), Y0: min(s.Box.Y0, w.Box.Y0), X1: max(s.Box.X1, w.Box.X1), Y1: max(s.Box.Y1, w.Box.Y1)}
	}
	s.text = lineText(s.Line)
	s.flat = letters(s.text)
	return s
}

// joinRows joins pieces whose vertical extents mostly overlap, left to right.
func joinRows(segs []seg) []seg {
	var out []seg
	for _, s := range segs {
		if n := len(out); n > 0 {
			last := &out[n-1]
			ov := min(last.Box.Y1, s.Box.Y1) - max(last.Box.Y0, s.Box.Y0)
			if ov > min(last.h(), s.h())/2 {
				a, b := *last, s
				if b.Box.X0 < a.Box.X0 {
					a, b = b, a
				}
				*last = pieceOf(slices.Concat(a.Words, b.Words))
				continue
			}
		}
		out = append(out, s)
	}
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// Read finds the documents in pages (a dossier's OCR results in order) and
// reads their headers. A page whose top carries an NĐ 30 header starts a
// new document; the pages before the first such page belong to no document
// and are not reported. Read never fails: what it cannot read is absent or
// marked Unreadable.
func Read(pages []ocr.Result) []Document {
	var (
		docs    []Document
		heads   []header
		members [][]*page
	)
	for i, r := range pages {
		p := newPage(i+1, r)
		if h, ok := p.findHeader(); ok {
			docs = append(docs, Document{FirstPage: i + 1, LastPage: i + 1})
			heads = append(heads, h)
			members = append(members, []*page{p})
			continue
		}
		if len(docs) > 0 {
			docs[len(docs)-1].LastPage = i + 1
			members[len(members)-1] = append(members[len(members)-1], p)
		}
	}
	for i := range docs {
		readDocument(&docs[i], heads[i], members[i])
	}
	return docs
}

func readDocument(d *Document, h header, pages []*page) {
	first := pages[0]
	readLeft(&d.Metadata, first, h)
	readRight(&d.Metadata, first, h)
	readHeading(&d.Metadata, first, h)
	readMarks(&d.Metadata, first, h)
	// The signer and recipients close the document: look from its last
	// page back, since an appendix may follow the signature.
	for i := len(pages) - 1; i >= 0; i-- {
		if readClosing(&d.Metadata, pages[i], h) {
			break
		}
	}
	d.NeedsReview = needsReview(&d.Metadata)
}

func needsReview(m *Metadata) bool {
	for _, f := range []*Field{m.DocType, m.Number, m.Agency, m.Place, m.Date, m.Summary, m.Signer, m.SignerTitle, m.Urgency, m.Secrecy} {
		if f != nil && (f.Unreadable || f.Confidence < Deliver) {
			return true
		}
	}
	for _, f := range m.Recipients {
		if f.Unreadable || f.Confidence < Deliver {
			return true
		}
	}
	return false
}

// field builds a Field from the words it was read from.
func field(pg int, value, text string, words []ocr.Word, conf float64) *Field {
	f := &Field{Value: value, Confidence: math.Round(conf*1000) / 1000, Page: pg}
	if text != value {
		f.Text = text
	}
	for _, w := range words {
		f.Boxes = append(f.Boxes, w.Box)
	}
	return f
}

// wordsOf gathers the words of segs.
func wordsOf(segs []seg) []ocr.Word {
	var ws []ocr.Word
	for _, s := range segs {
		ws = append(ws, s.Words...)
	}
	return ws
}

// textConfidence calibrates Tesseract's word confidences for printed text:
// the weakest word decides, a word that is not a Vietnamese syllable (nor a
// number, code or abbreviation) caps it under Deliver, and a value needs
// every word above 90 to be delivered without review. Tesseract rates
// wrong marks on capitals at 85-93, so that bar is where its word
// confidence stops being a promise.
func textConfidence(words []ocr.Word) float64 {
	if len(words) == 0 {
		return 0
	}
	q := 100.0
	bad := 0
	for _, w := range words {
		q = min(q, w.Confidence)
		if syllable.Judge(w.Text) == syllable.NotSyllable {
			bad++
		}
	}
	c := scale(q)
	if bad > 0 {
		c = min(c, 0.6)
	}
	if slices.ContainsFunc(words, func(w ocr.Word) bool { return strokeRun(w.Text) }) {
		// Tesseract counts a run of upright strokes badly ("III" read
		// "II", at 93) and its confidence does not show it.
		c = min(c, 0.85)
	}
	return c
}

// strokeRun tells a Roman numeral holding two strokes or more side by side
// ("II", "III", "VIII", "XII").
func strokeRun(w string) bool {
	w = strings.Trim(w, ".,;:()")
	return strings.Contains(w, "II") && strings.Trim(w, "IVXLC") == ""
}

// scale maps a word confidence (0-100) to the calibrated 0-1: 90 and up
// map to Deliver and above, linearly.
func scale(q float64) float64 {
	if q >= 90 {
		return Deliver + (1-Deliver)*(q-90)/10
	}
	return math.Max(0, Deliver*(q-30)/60)
}

func minConf(words []ocr.Word) float64 {
	q := 100.0
	for _, w := range words {
		q = min(q, w.Confidence)
	}
	return q
}

// agencyStarts are the words that begin an agency's name: a new name in
// the left block (the issuing body under its parent) starts with one, a
// wrapped name ("ỦY BAN NHÂN DÂN" / "TỈNH QUẢNG NGÃI") does not.
var agencyStarts = []string{"uy ban", "ubnd", "so ", "phong ", "ban ", "cuc ", "chi cuc", "vu ", "van phong", "truong ",
	"cong an", "benh vien", "trung tam", "hoi dong", "bo ", "tong cuc", "thanh tra", "toa an", "vien kiem sat",
	"kho bac", "bao hiem", "chi nhanh", "dai ", "hoc vien", "dai hoc", "doan ", "dang uy", "mat tran", "hoi ", "cong ty", "ban quan ly", "chi cuc "}

func startsAgency(s seg) bool {
	u := unmark(s.text) + " "
	for _, a := range agencyStarts {
		if strings.HasPrefix(u, a) {
			return true
		}
	}
	return false
}

// readLeft reads the left block: the agency above the number, the number,
// and a letter's "V/v" summary under it.
func readLeft(m *Metadata, p *page, h header) {
	numIdx := -1
	for i, s := range h.left {
		if _, _, _, ok := parseNumber(s.text); ok {
			numIdx = i
			break
		}
	}
	agencyEnd := len(h.left)
	if numIdx >= 0 {
		agencyEnd = numIdx
	}
	// The agency lines: capitals, before the number; the issuing body is
	// the last name that starts there (its parent above it is left out).
	var names [][]seg
	for _, s := range h.left[:agencyEnd] {
		if !upperLine(s.text) {
			continue
		}
		if len(names) == 0 || startsAgency(s) {
			names = append(names, nil)
		}
		names[len(names)-1] = append(names[len(names)-1], s)
	}
	if len(names) > 0 {
		name := names[len(names)-1]
		ws := wordsOf(name)
		read := strings.Fields(lineText(ocr.Line{Words: ws}))
		value, known := mendAgency(read)
		c := textConfidence(ws)
		switch {
		case !known:
			c = min(c, 0.85) // a name outside the lexicon: a commune, a misread
		case value != strings.Join(read, " "):
			// Marks lost under the rule beneath the name, mended by the
			// lexicon and the province list: the letters agree exactly.
			c = max(c, Deliver)
		default:
			// Every word is an agency word or the province, as listed:
			// the syllable check does not apply (ĐẮK LẮK is listed, not
			// Kinh); the weakest word's confidence still decides.
			c = max(c, scale(minConf(ws)))
		}
		numberTop := -1
		if numIdx >= 0 {
			numberTop = h.left[numIdx].Box.Y0
		}
		if lostLine(h.junk, pieceOf(ws), numberTop, p.pitch) {
			// A line among the name's, set aside as marks ("TỈNH ĐẮK
			// LẮK": syllables outside the Kinh lexicon): the name may
			// have lost its second line, whatever its own words say.
			c = min(c, 0.85)
		}
		all := wordsOf(slices.Concat(names...))
		m.Agency = field(p.n, value, lineText(ocr.Line{Words: all}), ws, c)
	}
	if numIdx < 0 {
		return
	}
	ns := h.left[numIdx]
	value, digits, rest, _ := parseNumber(ns.text)
	// The words after "Số:" are the number; a glued "Số:89" is one word.
	words := ns.Words
	if len(words) > 1 && soPrefix.MatchString(words[0].Text) && strings.IndexByte(words[0].Text, '/') < 0 && len(strings.TrimSpace(soPrefix.ReplaceAllString(words[0].Text, ""))) == 0 {
		words = words[1:]
	}
	digitConf, restConf := 100.0, 100.0
	for _, w := range words {
		if strings.HasPrefix(w.Text, "/") || strings.Contains(w.Text, "-") && !hasDigitBeforeSlash(w.Text) {
			restConf = min(restConf, w.Confidence)
		} else {
			digitConf = min(digitConf, w.Confidence)
		}
	}
	read := digits + rest
	switch {
	case value == "":
		f := field(p.n, "", read, words, 0)
		f.Unreadable, f.Handwritten = true, digitsLookWritten(digits)
		m.Number = f
	default:
		c := scale(min(digitConf, restConf))
		if value != read {
			c = min(c, 0.85) // mended: a letter for a digit, D for Đ
		}
		if strangeCode(value) {
			c = min(c, 0.85)
		}
		if !strings.Contains(value, "-") {
			// NĐ 30 joins the type and issuer codes with a hyphen; a
			// number without one has likely lost it ("146/CTVP").
			c = min(c, 0.8)
		}
		f := field(p.n, value, read, words, c)
		// Digits in a printed blank read far worse than the print beside
		// them: they were written by hand (or stamped).
		f.Handwritten = digitConf < 70 && restConf >= 70
		m.Number = f
	}
	// A letter's summary: "V/v …" under the number, maybe wrapped.
	var vv []seg
	for _, s := range h.left[numIdx+1:] {
		if len(vv) == 0 {
			if strings.HasPrefix(s.flat, "vv") || strings.HasPrefix(unmark(s.text), "v/v") {
				vv = append(vv, s)
			}
			continue
		}
		if s.Box.Y0-vv[len(vv)-1].Box.Y1 > p.pitch || upperLine(s.text) {
			break // a gap, or an urgency or secrecy mark under the summary
		}
		vv = append(vv, s)
	}
	if len(vv) > 0 {
		ws := wordsOf(vv)
		if len(ws) > 1 {
			text := lineText(ocr.Line{Words: ws})
			value, mended := mendSummary(strings.Fields(lineText(ocr.Line{Words: ws[1:]})))
			c := textConfidence(ws[1:])
			if mended || numeralLost(value) {
				c = min(c, 0.85)
			}
			m.Summary = field(p.n, strings.Join(value, " "), text, ws[1:], c)
		}
	}
}

// lostLine tells whether a line set aside as marks (junk) lies in the
// block of a name read from the piece name: overlapping it across, from
// its top down to the number line under it (at numberTop; -1 when there
// is none) or else to a line's pitch below it, and holding words (two of
// two letters or more), not a rule's dashes.
func lostLine(junk []seg, name seg, numberTop, pitch int) bool {
	bottom := name.Box.Y1 + pitch
	if numberTop >= 0 {
		bottom = numberTop
	}
	for _, s := range junk {
		if s.Box.X0 >= name.Box.X1 || s.Box.X1 <= name.Box.X0 || s.Box.Y0 < name.Box.Y0 || s.Box.Y0 >= bottom {
			continue
		}
		n := 0
		for _, w := range s.Words {
			if len([]rune(letters(w.Text))) >= 2 {
				n++
			}
		}
		if n >= 2 {
			return true
		}
	}
	return false
}

// strangeCode tells a number whose code before the hyphen has lower-case
// letters but is none of NĐ 30's type abbreviations ("918/TIr-UBND" for
// TTr): issuers' codes are capitals, so a letter of it was misread; or is
// a type abbreviation with a letter doubled ("QĐĐ"); or whose issuer codes
// hold what no code is written with ("93/TTr-UBNPhành": the words beside
// the blank read into it).
func strangeCode(number string) bool {
	parts := strings.Split(number, "/")
	code, issuers, found := strings.Cut(parts[len(parts)-1], "-")
	if found && typeCode(number) == "" && (strings.ToUpper(code) != code || doubledType(code)) {
		return true
	}
	if !found {
		issuers = code
	}
	for c := range strings.SplitSeq(issuers, "-") {
		if !plainCode(c) {
			return true
		}
	}
	return false
}

// plainCode: an issuer's code as NĐ 30 writes it, capitals (Đ among them)
// and digits, or one written like a type code: the Prime Minister's "TTg",
// an inspectorate's "TTr".
func plainCode(c string) bool {
	if c == "TTg" || slices.ContainsFunc(docTypes, func(t struct{ Heading, Code string }) bool { return t.Code == c }) {
		return true
	}
	return c != "" && strings.IndexFunc(c, func(r rune) bool { return (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != 'Đ' }) < 0
}

// doubledType: a type abbreviation with one letter read twice ("QĐĐ" for
// QĐ: a handwritten stroke beside the codes read as a letter).
func doubledType(code string) bool {
	r := []rune(code)
	for i := 1; i < len(r); i++ {
		if r[i] != r[i-1] {
			continue
		}
		one := string(r[:i]) + string(r[i+1:])
		if slices.ContainsFunc(docTypes, func(t struct{ Heading, Code string }) bool { return t.Code == one }) {
			return true
		}
	}
	return false
}

func hasDigitBeforeSlash(w string) bool {
	before, _, _ := strings.Cut(w, "/")
	return strings.IndexFunc(before, func(r rune) bool { return r >= '0' && r <= '9' }) >= 0
}

// digitsLookWritten: something was read in the blank but it is not a
// number (handwriting read as letters); an empty blank is just unreadable.
func digitsLookWritten(d string) bool { return strings.TrimSpace(d) != "" }

// upperLine tells a line in capitals (agency names, titles) from others.
func upperLine(s string) bool {
	up, low := 0, 0
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r > 127 && strings.ToUpper(string(r)) != string(r):
			low++
		case r >= 'A' && r <= 'Z' || r > 127 && strings.ToLower(string(r)) != string(r):
			up++
		}
	}
	return up > 0 && low*5 <= up
}

// readRight reads the right block: the place and date line under the motto.
func readRight(m *Metadata, p *page, h header) {
	for _, s := range h.right {
		if isMotto(s) {
			continue
		}
		d, ok := parseDate(s.text)
		if !ok {
			continue
		}
		readPlaceDate(m, p, s, d)
		return
	}
	// No date read (a draft's blanks, "tháng" lost with the handwriting
	// around it): the place before ", ngày" is still the place.
	for _, s := range h.right {
		if i := slices.IndexFunc(s.Words, func(w ocr.Word) bool { return unmark(w.Text) == "ngay" }); i > 0 && strings.HasSuffix(s.Words[i-1].Text, ",") {
			readPlace(m, p, s.Words[:i])
			return
		}
	}
}

// placeLike: a place name starts with a capital and holds no digits nor
// slashes; anything else is a place cut short or joined to another line
// ("phố Hồ Chí Minh", "Số: 27/SYT-KGVX Hà Tĩnh").
func placeLike(s string) bool {
	r := []rune(s)
	return len(r) > 0 && unicode.IsUpper(r[0]) && !strings.ContainsAny(s, "/0123456789:")
}

// readPlace reads the place from the words before the date's comma.
func readPlace(m *Metadata, p *page, place []ocr.Word) {
	text := strings.TrimRight(lineText(ocr.Line{Words: place}), ", ")
	if text == "" {
		return
	}
	c := textConfidence(place)
	value, fuzzy := mendPlace(text)
	switch {
	case strings.HasPrefix(text, "phố ") && placeLike(strings.TrimPrefix(text, "phố ")):
		// "Thành" of "Thành phố …" read with the number beside it: the
		// city's name is whole, the place is Thành phố and it.
		c = min(c, 0.6)
		city, _ := mendPlace(strings.TrimPrefix(text, "phố "))
		value = "Thành phố " + city
	case !placeLike(text):
		c = min(c, 0.6)
		value = text
	case fuzzy:
		c = min(c, 0.85)
	case provinceTail(text):
		// "Nẵng" for "Đà Nẵng": the last words of a province's name and
		// not a name of its own; the first words were lost, however
		// sure the ones read are.
		c = min(c, 0.85)
	case value != text:
		// Marks lost, the letters exactly a province's.
		c = max(c, Deliver)
	}
	m.Place = field(p.n, value, text, place, c)
}

func readPlaceDate(m *Metadata, p *page, s seg, d vnDate) {
	// The place: the words before the comma (or before "ngày").
	var place, rest []ocr.Word
	for i, w := range s.Words {
		if strings.HasSuffix(w.Text, ",") {
			place, rest = s.Words[:i+1], s.Words[i+1:]
			break
		}
		if unmark(w.Text) == "ngay" {
			place, rest = s.Words[:i], s.Words[i:]
			break
		}
	}
	if len(place) > 0 {
		readPlace(m, p, place)
	} else {
		rest = s.Words
	}
	text := strings.TrimSpace(lineText(ocr.Line{Words: rest}))
	iso, ok := d.iso()
	if !ok {
		f := field(p.n, "", text, rest, 0)
		f.Unreadable = true
		f.Handwritten = !d.day.missing || !d.month.missing // something was written there, not in print
		if d.day.missing || d.month.missing {
			// An empty blank: digits written by hand that OCR dropped.
			f.Handwritten = true
		}
		m.Date = f
		return
	}
	q := minConf(rest)
	c := scale(q)
	if d.day.fixed || d.month.fixed || d.year.fixed {
		c = min(c, 0.7)
	}
	f := field(p.n, iso, text, rest, c)
	// Day digits written by hand read far worse than the printed month.
	var dayConf float64 = 100
	for _, w := range rest {
		if strings.Contains(unmark(w.Text), d.day.text) && d.day.text != "" {
			dayConf = min(dayConf, w.Confidence)
			break
		}
	}
	f.Handwritten = dayConf < 70
	m.Date = f
}

// readHeading reads the type heading and, under it, the summary.
func readHeading(m *Metadata, p *page, h header) {
	bodyCenter := (p.x0 + p.x1) / 2
	var headSeg *seg
	var heading string
	var dist int
	for i, s := range p.segs {
		if s.Box.Y0 < h.bottom-p.pitch/2 {
			continue
		}
		if s.Box.Y0 > h.bottom+6*p.pitch {
			break
		}
		if t, d, ok := matchHeading(s.text); ok && abs(s.cx()-bodyCenter) < (p.x1-p.x0)/5 {
			headSeg, heading, dist = &p.segs[i], t, d
			break
		}
	}
	numCode := ""
	if m.Number != nil && m.Number.Value != "" {
		numCode = typeCode(m.Number.Value)
	}
	if headSeg == nil {
		// A letter has no heading: its number names no type, and its
		// summary is the "V/v" under the number.
		if m.Summary != nil && strings.HasPrefix(unmark(m.Summary.Text), "v/v") && numCode == "" {
			c := 0.95
			if m.Number == nil || m.Number.Value == "" {
				c = 0.85 // the number that would confirm it is unread
			}
			m.DocType = &Field{Value: letterType, Confidence: c, Page: p.n}
		}
		return
	}
	c := scale(minConf(headSeg.Words))
	if dist > 0 {
		c = min(c, 0.8)
	}
	if numCode != "" {
		if numCode == codeOf(heading) {
			c = math.Max(c, 0.95) // two readings agree
		} else {
			c = min(c, 0.5)
		}
	}
	m.DocType = field(p.n, heading, headSeg.text, headSeg.Words, c)

	// The summary: centred lines right under the heading.
	var sum []seg
	skipped := false
	prev := headSeg.Box.Y1
	for _, s := range p.segs {
		if s.Box.Y0 <= headSeg.Box.Y0+headSeg.h()/2 {
			continue
		}
		if s.Box.Y0-prev > p.pitch*8/10 || abs(s.cx()-bodyCenter) > (p.x1-p.x0)/8 {
			if len(sum) == 0 && junkLine(s) {
				continue // a rule read as marks
			}
			break
		}
		if junkLine(s) {
			// Marks among the summary's lines: maybe a word of it (a
			// "III" read as "II"), so the summary may be incomplete.
			skipped = len(sum) > 0
			continue
		}
		// A paragraph's first line: indented, running to the margin.
		para := s.Box.X1 >= p.x1-p.pitch/3 && s.Box.X0-p.x0 > p.pitch
		if para || upperLine(s.text) || strings.HasPrefix(s.flat, "cancu") || strings.HasPrefix(s.flat, "kinhgui") {
			break
		}
		sum = append(sum, s)
		prev = s.Box.Y1
	}
	if len(sum) > 0 && m.Summary == nil {
		ws := wordsOf(sum)
		text := lineText(ocr.Line{Words: ws})
		c := textConfidence(ws)
		value, mended := mendSummary(strings.Fields(text))
		if skipped || mended || rowLeftover(p.segs, sum) || numeralLost(value) {
			c = min(c, 0.85)
		}
		m.Summary = field(p.n, strings.Join(value, " "), text, ws, c)
	}
}

// rowLeftover tells whether a piece of text shares a row with the pieces
// used but was not taken with them: Tesseract sometimes reads one printed
// line as pieces out of order ("Chủ tịch tại" before "Kết luận của" on
// the same row), and a value read from some of them has lost the others.
func rowLeftover(segs, used []seg) bool {
	for _, s := range segs {
		if slices.ContainsFunc(used, func(u seg) bool { return u.Box == s.Box }) || junkLine(s) {
			continue
		}
		for _, u := range used {
			if ov := min(u.Box.Y1, s.Box.Y1) - max(u.Box.Y0, s.Box.Y0); ov > min(u.h(), s.h())/2 {
				return true
			}
		}
	}
	return false
}

// junkLine: marks read from a rule, a seal or dirt. A line naming a
// province after "TỈNH" or "THÀNH PHỐ" is text whatever its syllables:
// the names of the highlands ("ĐẮK LẮK", "BẮC KẠN") are no Kinh syllables.
func junkLine(s seg) bool {
	if namesProvince(strings.Fields(s.text)) {
		return false
	}
	c := syllable.Score(s.text)
	return len(s.flat) < 3 || c.Words > 0 && c.Share() < 0.5 || minConf(s.Words) < 30 && len(s.flat) < 6
}

// marks: độ khẩn and độ mật, printed as a line of their own (or stamped).
var (
	urgencies = []string{"HỎA TỐC HẸN GIỜ", "THƯỢNG KHẨN", "HỎA TỐC", "KHẨN"}
	secrecies = []string{"TUYỆT MẬT", "TỐI MẬT", "MẬT"}
)

func readMarks(m *Metadata, p *page, h header) {
	for _, s := range p.segs {
		if s.Box.Y0 > h.bottom+8*p.pitch {
			break
		}
		if m.Urgency == nil {
			m.Urgency = matchMark(p, s, urgencies)
		}
		if m.Secrecy == nil {
			m.Secrecy = matchMark(p, s, secrecies)
		}
	}
	// A mark stamped in red is not in the page's text (red ink is left
	// out of it) but read on its own, turned straight: it is held for
	// review, since the turn and the stamp's frame may cost letters.
	for _, s := range p.stamps {
		for _, f := range []**Field{&m.Urgency, &m.Secrecy} {
			marks := urgencies
			if f == &m.Secrecy {
				marks = secrecies
			}
			if *f == nil {
				if *f = matchMark(p, s, marks); *f != nil {
					(*f).Confidence = min((*f).Confidence, 0.85)
				}
			}
		}
	}
}

// matchMark reads a line of its own as one of marks: exactly (after
// unmarking), or, for a mark of six letters or more, one letter off (a
// stamp's frame or ink read into it), then left for review.
func matchMark(p *page, s seg, marks []string) *Field {
	for _, u := range marks {
		if s.flat == letters(u) {
			return field(p.n, u, s.text, s.Words, scale(minConf(s.Words)))
		}
	}
	for _, u := range marks {
		want := []rune(letters(u))
		if len(want) >= 6 && ocr.EditDistance([]rune(s.flat), want) == 1 {
			return field(p.n, u, s.text, s.Words, min(0.85, scale(minConf(s.Words))))
		}
	}
	return nil
}

// titleStarts begin a signer's title line: the authority forms of NĐ 30
// (KT., TM., TL., TUQ., Q.) and the positions.
var titleStarts = []string{"kt", "tm", "tl", "tuq", "q", "chu tich", "pho chu tich", "giam doc", "pho giam doc", "truong", "pho truong",
	"chanh", "pho chanh", "bo truong", "thu truong", "cuc truong", "tong cuc truong", "vu truong", "vien truong", "hieu truong",
	"tong giam doc", "bi thu", "chu nhiem", "thu truong", "nguoi ky", "quyen", "can bo", "cong chuc"}

func titleLine(s seg) bool {
	if !upperLine(s.text) {
		return false
	}
	u := unmark(s.text)
	for _, t := range titleStarts {
		if strings.HasPrefix(u, t+" ") || strings.HasPrefix(u, t+".") || u == t {
			return true
		}
	}
	return false
}

// authorityOnly tells a title line that names on whose behalf the signer
// signs (KT., TM., TL., TUQ. of NĐ 30): never the title's last line.
func authorityOnly(s seg) bool {
	u := unmark(s.text)
	for _, a := range []string{"kt", "tm", "tl", "tuq"} {
		if strings.HasPrefix(u, a+".") || strings.HasPrefix(u, a+" ") {
			return true
		}
	}
	return false
}

// lastLine is the piece of the last line among words (those beside the
// last word).
func lastLine(words []ocr.Word) seg {
	last := words[len(words)-1].Box
	i := len(words) - 1
	for i > 0 && words[i-1].Box.Y1 > (last.Y0+last.Y1)/2 {
		i--
	}
	return pieceOf(words[i:])
}

// deputyOf is the position of who signs under "KT. <head>" (ký thay: the
// head's deputy signs for the head, NĐ 30/2020 Điều 13): "PHÓ CHỦ TỊCH"
// for "KT. CHỦ TỊCH", "THỨ TRƯỞNG" for "KT. BỘ TRƯỞNG"; "" for other lines
// or a head that is not all title words.
func deputyOf(line string) string {
	ws := strings.Fields(line)
	if len(ws) < 2 || letters(ws[0]) != "kt" {
		return ""
	}
	head, known := mendTitle(ws[1:])
	if !known {
		return ""
	}
	if head == "BỘ TRƯỞNG" {
		return "THỨ TRƯỞNG"
	}
	return "PHÓ " + head
}

// personName: two to six words, each capitalised, all Vietnamese
// syllables.
func personName(s seg) bool {
	if len(s.Words) < 2 || len(s.Words) > 6 {
		return false
	}
	for _, w := range s.Words {
		r := []rune(w.Text)
		if len(r) == 0 || strings.ToUpper(string(r[0])) != string(r[0]) || strings.ToLower(string(r[1:])) != string(r[1:]) {
			return false
		}
		if syllable.Judge(w.Text) != syllable.Syllable {
			return false
		}
	}
	return true
}

// readClosing reads "Nơi nhận" (bottom-left) and the signer block
// (bottom-right) of a page; false when the page has neither.
func readClosing(m *Metadata, p *page, h header) bool {
	mid := p.x0 + (p.x1-p.x0)*45/100
	recv := -1
	for i, s := range p.segs {
		if strings.HasPrefix(s.flat, "noinhan") && s.Box.X1 < p.w*6/10 {
			recv = i
		}
	}
	// The title: capitals in the right half, low on the page (below the
	// header on a first page), under the end of the body.
	from := 0
	if recv >= 0 {
		from = p.segs[recv].Box.Y0 - 3*p.pitch
	} else {
		from = max(h.bottom, p.h/3)
	}
	ti := -1
	for i, s := range p.segs {
		if s.Box.Y0 >= from && s.Box.X0 >= mid && titleLine(s) {
			ti = i
			break
		}
	}
	if recv < 0 && ti < 0 {
		return false
	}
	if recv >= 0 {
		m.Recipients = readRecipients(p, recv)
	}
	// The name: the lowest name-like line in the right half under the
	// title (or, with the title lost under a seal, beside "Nơi nhận").
	below, limit := 0, 0
	if ti >= 0 {
		title := []seg{p.segs[ti]}
		for _, s := range p.segs[ti+1:] {
			if s.Box.X0 < mid || s.Box.Y0-title[len(title)-1].Box.Y1 > p.pitch || !upperLine(s.text) {
				continue
			}
			title = append(title, s)
		}
		tw := wordsOf(title)
		// A signature's strokes read as letters after the title are
		// left out; the title may then have lost something too.
		keep := titleTail(strings.Fields(lineText(ocr.Line{Words: tw})))
		trimmed := keep < len(tw)
		tw = tw[:keep]
		tt := lineText(ocr.Line{Words: tw})
		value, known := mendTitle(strings.Fields(tt))
		c := textConfidence(tw)
		if !known || trimmed {
			c = min(c, 0.85)
		}
		if last := lastLine(tw); authorityOnly(last) {
			// "KT. CHỦ TỊCH" signs for someone: the signer's own
			// position follows it (PHÓ CHỦ TỊCH). Ending on the
			// authority line, the title lost its last line; under
			// KT. NĐ 30 says whose it is (the head's deputy).
			c = min(c, 0.5)
			if deputy := deputyOf(last.text); deputy != "" {
				value += " " + deputy
			}
		}
		m.SignerTitle = field(p.n, value, tt, tw, c)
		below = title[len(title)-1].Box.Y1
	} else {
		below = p.segs[recv].Box.Y0 - p.pitch
	}
	limit = below + 12*p.pitch
	var name, other *seg
	for i, s := range p.segs {
		if s.Box.Y0 <= below || s.Box.Y0 > limit || s.Box.X0 < mid {
			continue
		}
		if personName(s) {
			name = &p.segs[i]
		} else if len(s.Words) >= 2 && len(s.Words) <= 6 && !upperLine(s.text) && !strings.HasPrefix(s.text, "(") {
			other = &p.segs[i]
		}
	}
	switch {
	case name != nil && (other == nil || other.Box.Y0 < name.Box.Y0):
		ws := make([]string, len(name.Words))
		for i, w := range name.Words {
			ws[i] = w.Text
		}
		c := textConfidence(name.Words)
		ws, mended := mendFamilyName(ws)
		if mended || !commonName(ws) || markMayBeLost(ws) || len(ws) < 3 {
			// A name of two words may have lost its last: Tesseract
			// drops a whole given name at times ("Võ Công" for Võ
			// Công Vỹ, clean print, 0.93) and what is left still
			// reads as a name; a signer's full name has three words
			// or more far more often than not.
			c = min(c, 0.85)
		}
		m.Signer = field(p.n, strings.Join(ws, " "), name.text, name.Words, c)
	case other != nil && ti >= 0:
		// Something is written where the name goes but it does not read
		// as a name: a seal or a signature over it.
		f := field(p.n, "", other.text, other.Words, 0)
		f.Unreadable = true
		m.Signer = f
	}
	return true
}

// readRecipients reads the "- …;" items under "Nơi nhận:".
func readRecipients(p *page, at int) []Field {
	head := p.segs[at]
	var items [][]ocr.Word
	prev := head.Box.Y1
	lineLost := false
	var segs []seg
	for _, s := range p.segs[at+1:] {
		if s.Box.X0 > head.Box.X0+(p.x1-p.x0)*2/5 || s.Box.X1 > p.x0+(p.x1-p.x0)*6/10 {
			continue // the signer block beside it
		}
		segs = append(segs, s)
	}
	// A line OCR split where it lost a word ("- Lưu:" and "TTHC." apart
	// once "VT," is gone) comes back as two pieces whose tops may sort
	// the right one first: rejoin each row left to right.
	segs = joinRows(segs)
	// Words after "Nơi nhận:" on the same piece are a first item.
	for _, s := range segs {
		if s.Box.Y0-prev > 2*p.pitch {
			break
		}
		if s.Box.Y0-prev > s.h() {
			lineLost = true // a line's worth of nothing between items
		}
		prev = s.Box.Y1
		t := strings.TrimSpace(s.text)
		if strings.HasPrefix(t, "-") || strings.HasPrefix(t, "—") || strings.HasPrefix(t, "+") || strings.HasPrefix(t, "•") || len(items) == 0 {
			items = append(items, nil)
		}
		items[len(items)-1] = append(items[len(items)-1], s.Words...)
	}
	var out []Field
	for _, ws := range items {
		text := lineText(ocr.Line{Words: ws})
		v := strings.TrimLeft(text, "-—+• ")
		v = strings.TrimRight(v, ";,. /")
		if v == "" {
			continue
		}
		words := ws
		if len(words) > 0 && strings.Trim(words[0].Text, "-—+•") == "" {
			words = words[1:]
		}
		c := textConfidence(words)
		if mv, mended := mendFileCopy(v); mv != v {
			v = mv
			if mended {
				c = min(c, 0.85)
			}
		} else if mv, mended := mendOfficeLost(v, words); mended {
			v, c = mv, min(c, 0.5)
		} else if mv, mended := mendCapsWord(strings.Fields(v)); mended {
			v, c = strings.Join(mv, " "), min(c, 0.85)
		}
		if wordLost(words) {
			// Something between two words was not read (a short
			// code like "VT" that the recognizer gave no confidence):
			// the item is incomplete, whatever the rest reads like.
			c = min(c, 0.5)
		}
		f := field(p.n, v, text, ws, c)
		out = append(out, *f)
	}
	// NĐ 30 ends the list with the file copy ("Lưu: VT, …"): a list that
	// does not, or has a line's gap between items, lost a line to the OCR
	// (a seal or a signature reaching over it) and is not delivered as
	// complete.
	if n := len(out); n > 0 && (lineLost || !strings.HasPrefix(letters(out[n-1].Value), "luu")) {
		out[n-1].Confidence = min(out[n-1].Confidence, 0.5)
	}
	return out
}

// mendOfficeLost writes "Lưu: VP" as "Lưu: VT, VP" when OCR dropped a word
// right after "Lưu:" (wordLost's gap between the two): the copies kept
// start with the record office's VT (NĐ 30, Phụ lục I), so the word lost
// in that place is VT. A first code already VT-like is mendFileCopy's.
// The caller keeps the item under review (its words have the gap).
func mendOfficeLost(item string, words []ocr.Word) (string, bool) {
	if len(words) < 2 || letters(words[0].Text) != "luu" || !wordLost(words[:2]) {
		return item, false
	}
	m := fileCopyRe.FindStringSubmatch(item)
	if m == nil || letters(m[1]) != "luu" || letters(m[2]) == "vt" {
		return item, false
	}
	rest := strings.TrimSpace(strings.TrimPrefix(item, m[1]))
	return "Lưu: VT, " + strings.TrimLeft(rest, ": "), true
}

// wordLost tells whether a run of words read on a line has a gap wider than
// a word could leave: more than one and a half times the line's height
// between two words side by side. OCR drops words it cannot read (marks,
// very low confidence) and leaves such a gap where they were.
func wordLost(words []ocr.Word) bool {
	for i := 1; i < len(words); i++ {
		a, b := words[i-1].Box, words[i].Box
		if b.Y0 >= a.Y1 || a.Y0 >= b.Y1 || b.X0 < a.X1 {
			continue // not side by side on one line
		}
		h := max(a.Y1-a.Y0, b.Y1-b.Y0)
		if 2*(b.X0-a.X1) > 3*h {
			return true
		}
	}
	return false
}
