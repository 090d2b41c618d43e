package index

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold returns s in the form used for matching: NFC, then NFD with the
// combining marks dropped, đ/Đ mapped to d (đ has no decomposition), and
// lower case. Index and query text go through the same Fold, so
// "Nguyễn Thị Thủy Tiên", "NGUYEN THI THUY TIEN" and its NFD spelling
// all match.
func Fold(s string) string {
	f := fold(s)
	return string(f.runes)
}

// folded is a folded text that remembers, for every folded rune, the rune
// index in the NFC original it came from, so that matches found in the
// folded text can be highlighted in the original.
type folded struct {
	orig  []rune // NFC original
	runes []rune // folded
	from  []int  // from[i] = index in orig of runes[i]
}

// fold folds rune by rune: for Vietnamese every NFC rune folds to exactly
// one rune (ệ -> e, đ -> d), so offsets stay aligned; the few runes that
// fold to zero (stray combining marks) or several runes are mapped too.
func fold(s string) folded {
	s = norm.NFC.String(s)
	f := folded{orig: []rune(s)}
	f.runes = make([]rune, 0, len(f.orig))
	f.from = make([]int, 0, len(f.orig))
	var buf [8]rune
	for i, r := range f.orig {
		for _, fr := range foldRune(r, buf[:0]) {
			f.runes = append(f.runes, fr)
			f.from = append(f.from, i)
		}
	}
	return f
}

// foldRune appends the folded form of r to dst.
func foldRune(r rune, dst []rune) []rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, r)
	}
	if int(r) < len(foldTable) {
		if fr := foldTable[r]; fr >= 0 {
			if fr == 0 {
				return dst
			}
			return append(dst, fr)
		}
	}
	return foldSlow(r, dst)
}

func foldSlow(r rune, dst []rune) []rune {
	switch r {
	case 'đ', 'Đ', 'ð', 'Ð', 'ɖ', 'Ɖ':
		// Vietnamese đ is U+0111; OCR and keyboards sometimes give
		// the look-alike ð (U+00F0) or African ɖ: fold them all to d.
		return append(dst, 'd')
	}
	if unicode.Is(unicode.Mn, r) {
		return dst
	}
	var b [utf8.UTFMax * 4]byte
	n := utf8.EncodeRune(b[:], r)
	for _, d := range norm.NFD.String(string(b[:n])) {
		if unicode.Is(unicode.Mn, d) {
			continue
		}
		dst = append(dst, unicode.ToLower(d))
	}
	return dst
}

// foldTable caches the fold of the Latin, Greek, Cyrillic and Latin
// Extended Additional (Vietnamese) ranges: 0 means the rune vanishes, -1
// that it folds to several runes (computed slowly). It is built once and
// never written afterwards.
var foldTable = func() []rune {
	t := make([]rune, 0x2000)
	for r := range t {
		out := foldSlow(rune(r), nil)
		switch len(out) {
		case 0:
			t[r] = 0
		case 1:
			t[r] = out[0]
		default:
			t[r] = -1
		}
	}
	return t
}()

// isTokenRune reports whether r belongs to a word: letters and numbers,
// as SQLite's unicode61 tokenizer sees them (L*, N*, Co).
func isTokenRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r)
}

// span is a token of a folded text: runes[start:end].
type span struct{ start, end int }

// tokens splits folded runes into words.
func (f *folded) tokens() []span {
	var out []span
	start := -1
	for i, r := range f.runes {
		if isTokenRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, span{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, span{start, len(f.runes)})
	}
	return out
}

// Words returns the folded words of s, in order.
func Words(s string) []string {
	f := fold(s)
	sp := f.tokens()
	out := make([]string, len(sp))
	for i, t := range sp {
		out[i] = string(f.runes[t.start:t.end])
	}
	return out
}

// indexText is what the full-text engines index: the folded words of s
// separated by single spaces, so SQLite's and PostgreSQL's tokenizers
// both see exactly the words the query parser sees.
func indexText(s string) string {
	return strings.Join(Words(s), " ")
}
