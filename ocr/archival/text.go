package archival

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sohoa/sohoa/ocr"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// unmark folds text for matching printed words whatever Tesseract did to
// their marks (acute read for hook above, a lost circumflex): marks
// dropped, đ as d, lower case, spaces collapsed.
func unmark(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	out = strings.NewReplacer("đ", "d", "Đ", "d").Replace(strings.ToLower(out))
	return strings.Join(strings.Fields(out), " ")
}

// letters keeps the letters and digits of an unmarked string: "Số:" and
// "So :" compare equal.
func letters(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, unmark(s))
}

// contains tells whether pattern occurs in s with at most maxErr edits
// (approximate substring search: a free start and end in s).
func contains(s, pattern string, maxErr int) bool {
	rp := []rune(pattern)
	col := make([]int, len(rp)+1)
	for i := range col {
		col[i] = i
	}
	if col[len(rp)] <= maxErr {
		return true
	}
	for _, r := range s {
		diag := col[0] // the row above starts free: a match may begin anywhere
		for i := 1; i <= len(rp); i++ {
			c := diag
			if rp[i-1] != r {
				c++
			}
			diag = col[i]
			col[i] = min(c, col[i]+1, col[i-1]+1)
		}
		if col[len(rp)] <= maxErr {
			return true
		}
	}
	return false
}

// docTypes are the type headings of NĐ 30/2020 (Phụ lục III) with the
// abbreviations used in their numbers.
var docTypes = []struct{ Heading, Code string }{
	{"NGHỊ QUYẾT", "NQ"}, {"QUYẾT ĐỊNH", "QĐ"}, {"CHỈ THỊ", "CT"}, {"QUY CHẾ", "QC"},
	{"QUY ĐỊNH", "QyĐ"}, {"THÔNG CÁO", "TC"}, {"THÔNG BÁO", "TB"}, {"HƯỚNG DẪN", "HD"},
	{"CHƯƠNG TRÌNH", "CTr"}, {"KẾ HOẠCH", "KH"}, {"PHƯƠNG ÁN", "PA"}, {"ĐỀ ÁN", "ĐA"},
	{"DỰ ÁN", "DA"}, {"BÁO CÁO", "BC"}, {"BIÊN BẢN", "BB"}, {"TỜ TRÌNH", "TTr"},
	{"HỢP ĐỒNG", "HĐ"}, {"CÔNG ĐIỆN", "CĐ"}, {"BẢN GHI NHỚ", "BGN"}, {"BẢN THỎA THUẬN", "BTT"},
	{"GIẤY ỦY QUYỀN", "GUQ"}, {"GIẤY MỜI", "GM"}, {"GIẤY GIỚI THIỆU", "GGT"},
	{"GIẤY NGHỈ PHÉP", "GNP"}, {"PHIẾU GỬI", "PG"}, {"PHIẾU CHUYỂN", "PC"}, {"PHIẾU BÁO", "PB"},
	{"THƯ CÔNG", "TC"},
}

// letterType is the type of a letter (công văn): it has no heading, and its
// summary sits under the number as "V/v …".
const letterType = "CÔNG VĂN"

// matchHeading finds the type heading a line reads as: exact after
// unmarking, or one edit away for the longer names. dist is the edits made.
func matchHeading(s string) (heading string, dist int, ok bool) {
	got := letters(s)
	if got == "" || len(got) > 20 {
		return "", 0, false
	}
	best, bestD := "", 99
	for _, t := range docTypes {
		d := ocr.EditDistance([]rune(got), []rune(letters(t.Heading)))
		if d < bestD {
			best, bestD = t.Heading, d
		}
	}
	if bestD == 0 || (bestD == 1 && len(got) >= 7) {
		return best, bestD, true
	}
	return "", 0, false
}

// codeOf is the number abbreviation of a heading.
func codeOf(heading string) string {
	for _, t := range docTypes {
		if t.Heading == heading {
			return t.Code
		}
	}
	return ""
}

// numberRe is số/ký hiệu as NĐ 30 writes it: the number, the year for laws
// and decrees, the type abbreviation and the issuer, "143/UBND-KGVX",
// "89/QĐ-UBND", "39/2011/NQ-HĐND", "09/TTr-UBND".
var numberRe = regexp.MustCompile(`^(\d{1,5}[a-zA-Z]?)((?:/\d{4})?/[\p{Lu}\p{Ll}][\p{L}0-9.&]*(?:-[\p{L}0-9.&]+)*)$`)

// lostSlashRe is a number whose slash was not read: digits, then codes
// joined by a hyphen.
var lostSlashRe = regexp.MustCompile(`^(\d{1,5})(\p{Lu}[\p{L}0-9.&]*(?:-[\p{L}0-9.&]+)+)$`)

// codesTailRe is a number's codes at the end of what was read.
var codesTailRe = regexp.MustCompile(`\p{Lu}[\p{L}0-9.&]*(?:-[\p{L}0-9.&]+)+$`)

// soPrefix is "Số:" as read: marks may be wrong, the colon lost or glued.
// It also matches the start of a word such as "Sơn" (see soStart).
var soPrefix = regexp.MustCompile(`^(?i)(s[ốoóồôổỗộơớờởỡợ0ô6]|5[ốoó]):?\s*`)

// soStart: text starts with "Số:" as read, not with a word that starts
// with its letters ("Sơn La, ngày …", a place and date beside the
// number): without its colon, "Số" is followed by no letter.
func soStart(text string) bool {
	m := soPrefix.FindStringIndex(text)
	if m == nil {
		return false
	}
	if strings.ContainsAny(text[m[0]:m[1]], ": \t") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[m[1]:])
	return !unicode.IsLetter(r)
}

// parseNumber reads "Số: 143/UBND-KGVX" (the whole line). digits is the
// number before the first slash, rest the printed part after it; ok is
// false when the line is not a number line at all.
func parseNumber(line string) (value, digits, rest string, ok bool) {
	m := soPrefix.FindStringIndex(line)
	if m == nil {
		return "", "", "", false
	}
	body := strings.Join(strings.Fields(line[m[1]:]), "")
	body = strings.TrimRight(body, ".,;:_-—'`|")
	slash := strings.IndexByte(body, '/')
	if slash < 0 {
		// The slash lost ("7532TB-UBND"): the digits, then the codes.
		if sm := lostSlashRe.FindStringSubmatch(body); sm != nil {
			return mendCodes(sm[1] + "/" + sm[2]), sm[1], sm[2], true
		}
		// Digits written by hand over the slash ("214Ï†TTr-TTr"): a
		// number line whose number cannot be read.
		if i := codesTailRe.FindStringIndex(body); i != nil && i[0] > 0 && body[0] >= '0' && body[0] <= '9' {
			return "", body[:i[0]], body[i[0]:], true
		}
		return "", "", "", false
	}
	digits, rest = body[:slash], body[slash:]
	if sm := numberRe.FindStringSubmatch(body); sm != nil {
		return mendCodes(body), sm[1], sm[2], true
	}
	// One letter read for a digit among digits ("1l", "2O"): mended, the
	// caller sees value differ from what was read.
	if d := digitFix.Replace(digits); d != digits && countDigits(digits) >= len(digits)-1 {
		if sm := numberRe.FindStringSubmatch(d + rest); sm != nil {
			return mendCodes(d + rest), digits, rest, true
		}
	}
	return "", digits, rest, true
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// numberCodes are the abbreviations a number's last part is made of: the
// types' and the people's committees' and councils'.
var numberCodes = func() map[string][]string {
	m := map[string][]string{}
	for _, t := range docTypes {
		if k := letters(t.Code); !slices.Contains(m[k], t.Code) {
			m[k] = append(m[k], t.Code)
		}
	}
	for _, c := range []string{"UBND", "HĐND"} {
		m[letters(c)] = append(m[letters(c)], c)
	}
	return m
}()

// mendCodes writes the codes of a number's last part as NĐ 30 does when
// their letters name exactly one code: Tesseract reads Đ as D or as the
// Icelandic Ð ("QD-UBND", "QÐ-HDND" are "QĐ-UBND", "QĐ-HĐND").
func mendCodes(number string) string {
	number = strings.NewReplacer("Ð", "Đ", "ð", "đ").Replace(number)
	i := strings.LastIndexByte(number, '/')
	parts := strings.Split(number[i+1:], "-")
	for j, c := range parts {
		if cs := numberCodes[letters(c)]; len(cs) == 1 && cs[0] != c {
			parts[j] = cs[0]
		}
	}
	return number[:i+1] + strings.Join(parts, "-")
}

// typeCode is the abbreviation in a number that names the document's type,
// when the number carries one: "QĐ" in "89/QĐ-UBND"; "" for a letter,
// whose number names only the issuer ("299/UBND-TTHC").
func typeCode(number string) string {
	parts := strings.Split(number, "/")
	last := parts[len(parts)-1]
	code, _, found := strings.Cut(last, "-")
	if !found {
		return ""
	}
	for _, t := range docTypes {
		if t.Code == code {
			return code
		}
	}
	return ""
}

// digitFix maps what Tesseract reads for digits written in a blank.
var digitFix = strings.NewReplacer("O", "0", "o", "0", "D", "0", "l", "1", "I", "1", "|", "1", "i", "1",
	"S", "5", "s", "5", "B", "8", "Z", "2", "z", "2", "g", "9", "q", "9", "b", "6", "?", "7")

// datePart is one of day, month or year as read.
type datePart struct {
	text    string
	value   int
	fixed   bool // letters read for digits were mapped
	missing bool // the blank is empty or unreadable
}

func readPart(tok string) datePart {
	tok = strings.Trim(tok, ".,;:")
	p := datePart{text: tok}
	if tok == "" {
		p.missing = true
		return p
	}
	d := tok
	if strings.IndexFunc(tok, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		d = digitFix.Replace(tok)
		p.fixed = true
	}
	v, err := strconv.Atoi(d)
	if err != nil || len(d) > 4 {
		p.missing = true
		return p
	}
	p.value = v
	return p
}

// dateRe finds "ngày 05 tháng 3 năm 2024" in an unmarked line; the blanks
// may hold nothing the OCR could read, and the printed words may carry
// the letters OCR confuses in them (q for g, v for y, b for h, u for the
// á of "tháng" read "thúng", rn for m).
// The day's blank may read as two pieces, the second of signs only
// ("ngày Ï / tháng": a handwritten 17): both are the day, unreadable, so
// the date is found and its blank read again.
var dateRe = regexp.MustCompile(`n[gq]a[yv]\s*(\S*?(?:\s+[^\s\pL]+)?)\s*t[hb][au][nm][gq]\s*(\S*?)\s*n[aă](?:m|rn)\s*(\S*)`)

var dateNoYearWordRe = regexp.MustCompile(`n[gq]a[yv]\s*(\S*?(?:\s+[^\s\pL]+)?)\s*t[hb][au][nm][gq]\s*(\S*)\s+((?:19|20)\d\d)\b`)

// vnDate is a place-and-date line's date.
type vnDate struct {
	day, month, year datePart
	start            int // byte offset of "ngày" in the unmarked line
}

func parseDate(line string) (vnDate, bool) {
	u := unmark(line)
	m := dateRe.FindStringSubmatchIndex(u)
	if m == nil {
		// "năm" lost in the month's handwriting ("tháng (0hăm 2025"): the
		// year still closes the line, the month is what lies before it.
		if m = dateNoYearWordRe.FindStringSubmatchIndex(u); m == nil {
			return vnDate{}, false
		}
	}
	return vnDate{day: readPart(u[m[2]:m[3]]), month: readPart(u[m[4]:m[5]]), year: readPart(u[m[6]:m[7]]), start: m[0]}, true
}

// iso checks the date and writes it as 2006-01-02; ok is false when a part
// is missing or out of range (30 February, year 1066).
func (d vnDate) iso() (string, bool) {
	if d.day.missing || d.month.missing || d.year.missing {
		return "", false
	}
	y, mo, da := d.year.value, d.month.value, d.day.value
	if y < 1945 || y > 2099 || mo < 1 || mo > 12 || da < 1 {
		return "", false
	}
	t := time.Date(y, time.Month(mo), da, 0, 0, 0, 0, time.UTC)
	if t.Day() != da {
		return "", false
	}
	return t.Format("2006-01-02"), true
}
