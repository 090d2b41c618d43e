// Package syllable tells whether a word is a well-formed Vietnamese
// syllable: an onset, a rhyme and at most one tone mark, spelled by the
// rules of the national orthography (c/k/q, g/gh, ng/ngh before front
// vowels; only the sắc and nặng tones on a rhyme closed by p, t, c or ch).
// OCR output that has lost its letters (a page read at the wrong
// resolution, a photo) is mostly non-syllables even when Tesseract is
// confident, which makes the share of valid syllables a cheap check of
// whether a reading can be trusted. Pure Go, no tables beyond the
// spelling rules below.
package syllable

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Tone marks as combining characters (after NFD): huyền, sắc, ngã, hỏi, nặng.
const (
	grave = '\u0300'
	acute = '\u0301'
	tilde = '\u0303'
	hook  = '\u0309'
	dot   = '\u0323'
)

// onsets, longest first so that "ngh" is tried before "ng" and "n".
var onsets = []string{
	"ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
	"b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
}

// rhymes are the valid rhymes without tone (vowel letters keep their
// circumflex, breve and horn), medials o/u included.
var rhymes = func() map[string]bool {
	base := strings.Fields(`
		a ac ach ai am an ang anh ao ap at au ay
		ăc ăm ăn ăng ăp ăt
		âc âm ân âng âp ât âu ây
		e ec em en eng eo ep et
		ê êch êm ên ênh êp êt êu
		i ia ich im in inh ip it iu iêc iêm iên iêng iêp iêt iêu
		y yêm yên yêng yêt yêu
		o oc oi om on ong op ot oong ooc
		ô ôc ôi ôm ôn ông ôp ôt
		ơ ơi ơm ơn ơp ơt
		u uc ui um un ung up ut ua uôc uôi uôm uôn uông uôt
		ư ưc ưi ưm ưn ưng ưt ưu ưa ươc ươi ươm ươn ương ươp ươt ươu`)
	// A rounded glide (written o before a, ă, e; u before the others and
	// after q) in front of a rhyme: hoa, khoẻ, thuở, quyết, huỳnh.
	withO := strings.Fields(`a ac ach ai am an ang anh ao ap at ay ăc ăm ăn ăng ăp ăt e en eo et`)
	withU := strings.Fields(`a ac ach ai an ang anh ao ap at ay ăc ăm ăn ăng ăp ăt âc ân âng ât ây
		e en eo et ê êch ên ênh êt ơ y ya ych yên yêt ynh yp yt yu i in it`)
	m := map[string]bool{}
	for _, r := range base {
		m[r] = true
	}
	for _, r := range withO {
		m["o"+r] = true
	}
	for _, r := range withU {
		m["u"+r] = true
	}
	return m
}()

// Valid tells whether word (any case, NFC or NFD, no punctuation) is a
// well-formed Vietnamese syllable.
func Valid(word string) bool {
	base, tone, ok := splitTone(word)
	if !ok || base == "" {
		return false
	}
	for _, on := range onsets {
		rest, found := strings.CutPrefix(base, on)
		if !found {
			continue
		}
		if validRhyme(on, rest, tone) {
			return true
		}
	}
	return false
}

// Toned tells whether word carries a tone mark (huyền, sắc, ngã, hỏi or
// nặng; the level tone has none).
func Toned(word string) bool {
	for _, r := range norm.NFD.String(word) {
		switch r {
		case grave, acute, tilde, hook, dot:
			return true
		}
	}
	return false
}

// splitTone lowercases word and separates its tone mark; ok is false for
// two tone marks or a character that has no place in a syllable.
func splitTone(word string) (base string, tone rune, ok bool) {
	var b strings.Builder
	for _, r := range norm.NFD.String(word) {
		switch r {
		case grave, acute, tilde, hook, dot:
			if tone != 0 {
				return "", 0, false
			}
			tone = r
			continue
		case '\u0302', '\u0306', '\u031B': // circumflex, breve, horn: part of the vowel
			b.WriteRune(r)
			continue
		}
		r = unicode.ToLower(r)
		if !(r >= 'a' && r <= 'z' || r == 'đ') || r == 'f' || r == 'j' || r == 'w' || r == 'z' {
			return "", 0, false
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String()), tone, true
}

func validRhyme(onset, rhyme string, tone rune) bool {
	switch {
	case onset == "gi" && rhyme == "": // gì, gỉ: gi- carries the vowel i
		return true
	case onset == "qu":
		// q is always followed by the glide u: the rhyme after it must
		// take one (qua = q + ua, quốc = q + uôc, quy = q + uy).
		if !rhymes["u"+rhyme] && !strings.HasPrefix(rhyme, "y") && !rhymes[rhyme] {
			return false
		}
		if strings.HasPrefix(rhyme, "u") || strings.HasPrefix(rhyme, "o") {
			return false
		}
	case !rhymes[rhyme]:
		return false
	}
	first, _ := utf8.DecodeRuneInString(rhyme)
	front := first == 'i' || first == 'e' || first == 'ê' || first == 'y'
	switch onset {
	case "k", "gh", "ngh":
		if !front {
			return false
		}
	case "c", "ng":
		if front {
			return false
		}
	case "g":
		// g before i is gi- merged with the rhyme's i (gìn, giếng).
		if front && first != 'i' {
			return false
		}
	}
	// A rhyme closed by a stop takes only the sắc or nặng tone.
	if strings.HasSuffix(rhyme, "p") || strings.HasSuffix(rhyme, "t") || strings.HasSuffix(rhyme, "c") || strings.HasSuffix(rhyme, "ch") {
		return tone == acute || tone == dot
	}
	return true
}

// Count is what Score found in a text.
type Count struct {
	Valid int // words that are Vietnamese syllables
	Words int // words judged: letters only, abbreviations and numbers left out
}

// Share is Valid/Words, or 1 when there was nothing to judge.
func (c Count) Share() float64 {
	if c.Words == 0 {
		return 1
	}
	return float64(c.Valid) / float64(c.Words)
}

// Verdict is what Judge says of one word as it stands in a text.
type Verdict int

const (
	NotJudged Verdict = iota // a number, a code, an abbreviation, a list marker
	Syllable                 // a valid Vietnamese syllable
	NotSyllable
)

// Judge classifies one white-space separated token of a text. Punctuation
// around the word is ignored; words with digits or inner punctuation
// (numbers, dates, document codes such as 89/QĐ-UBND) and abbreviations
// in capitals without tone (UBND, TTHC) are not judged, nor are list
// markers such as "b)".
func Judge(tok string) Verdict {
	isMark := func(r rune) bool { return !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) }
	w := strings.TrimFunc(tok, isMark)
	if w == "" || strings.IndexFunc(w, isMark) >= 0 {
		return NotJudged
	}
	if Valid(w) {
		return Syllable
	}
	if abbreviation(w) || (utf8.RuneCountInString(w) == 1 && len(tok) > len(w)) {
		return NotJudged
	}
	return NotSyllable
}

// Score counts the valid syllables among the words of text (see Judge).
func Score(text string) Count {
	var c Count
	for _, tok := range strings.Fields(text) {
		switch Judge(tok) {
		case Syllable:
			c.Valid++
			c.Words++
		case NotSyllable:
			c.Words++
		}
	}
	return c
}

// abbreviation tells a word in capitals without a tone mark, of two
// letters or more: UBND, HĐND, CCCD.
func abbreviation(w string) bool {
	if utf8.RuneCountInString(w) < 2 {
		return false
	}
	_, tone, ok := splitTone(w)
	if !ok && !strings.ContainsAny(w, "FJWZ") {
		return false
	}
	if tone != 0 {
		return false
	}
	return strings.ToUpper(w) == w
}
