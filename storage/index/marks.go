package index

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Vietnamese marks. A syllable carries at most one tone mark and its
// vowels may carry a shape mark (ă â ê ô ơ ư); đ is its own letter. Folding
// drops them all, so one folded syllable stands for up to a dozen words
// (kien: kiên, kiến, kiện, kiền...). An archivist who types the marks
// means them: the index keeps the exact (marked) form of every word beside
// its folded form, so that exact forms rank first.

// Combining marks, as NFD spells them.
const (
	markGrave      = '\u0300'
	markAcute      = '\u0301'
	markCircumflex = '\u0302'
	markTilde      = '\u0303'
	markBreve      = '\u0306'
	markHook       = '\u0309'
	markHorn       = '\u031B'
	markDotBelow   = '\u0323'
)

var toneMarks = []rune{markGrave, markAcute, markHook, markTilde, markDotBelow}

func isTone(r rune) bool { return slices.Contains(toneMarks, r) }

// shapes lists, for each base vowel, the shape marks it can take.
var shapes = map[rune][]rune{
	'a': {markBreve, markCircumflex},
	'e': {markCircumflex},
	'o': {markCircumflex, markHorn},
	'u': {markHorn},
}

// exactWord is the exact form of a folded-matching word: NFC, lower case.
// It returns "" for a word that carries no mark (its exact form is its
// folded form, which the index holds already).
func exactWord(w string) string {
	e := strings.ToLower(norm.NFC.String(w))
	if e == Fold(e) {
		return ""
	}
	return e
}

// exactWords returns the exact forms of the words of s, in order, "" for
// words without marks; Words(s)[i] is the folded form of the i-th.
func exactWords(s string) []string {
	_, e := wordForms(s)
	return e
}

// wordForms returns the folded words of s and their exact forms ("" for
// words without marks), from one fold.
func wordForms(s string) (words, exact []string) {
	words, exact, _ = pageForms(s)
	return words, exact
}

// pageForms returns, from one fold of s, its folded words, their exact
// forms and its code-like tokens (see codeTokens).
func pageForms(s string) (words, exact, codes []string) {
	f := fold(s)
	sp := f.tokens()
	words, exact = make([]string, len(sp)), make([]string, len(sp))
	run, digit := 0, false // the code run: its first word, whether it holds a digit
	endRun := func(i int) {
		if i-run > 1 && digit {
			codes = append(codes, strings.Join(words[run:i], ""))
		}
		run, digit = i, false
	}
	for i, t := range sp {
		words[i] = string(f.runes[t.start:t.end])
		orig := f.orig[f.from[t.start] : f.from[t.end-1]+1]
		exact[i] = lowerIfMarked(orig, f.runes[t.start:t.end])
		if i > 0 {
			gap := f.orig[f.from[sp[i-1].end-1]+1 : f.from[t.start]]
			if len(gap) == 0 || slices.ContainsFunc(gap, unicode.IsSpace) {
				endRun(i)
			}
		}
		digit = digit || strings.ContainsFunc(words[i], unicode.IsDigit)
	}
	endRun(len(sp))
	return words, exact, codes
}

// lowerIfMarked returns the lower case of orig (NFC) when it differs from
// its fold beyond case, else "".
func lowerIfMarked(orig, folded []rune) string {
	marked := len(orig) != len(folded)
	for i := 0; !marked && i < len(orig); i++ {
		marked = orig[i] != folded[i] && (orig[i] >= utf8.RuneSelf || orig[i]+'a'-'A' != folded[i])
	}
	if !marked {
		return ""
	}
	var b strings.Builder
	for _, r := range orig {
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// nearForms returns the marked words one mark away from the exact word e
// (NFC, lower case): another tone or none, another shape on one vowel, đ
// for d or d for đ. These are what OCR most often reads instead (Dân for
// Dần, kiến for kiện). Forms that no word takes (a tone on the wrong
// vowel) are harmless: they match nothing. Forms without any mark are
// left out (the folded form stands for them).
func nearForms(e string) []string {
	type letter struct {
		base        rune
		tone, shape rune // 0: none
	}
	var ls []letter
	for _, r := range norm.NFD.String(e) {
		switch {
		case isTone(r) && len(ls) > 0:
			ls[len(ls)-1].tone = r
		case (r == markBreve || r == markCircumflex || r == markHorn) && len(ls) > 0:
			ls[len(ls)-1].shape = r
		default:
			ls = append(ls, letter{base: r})
		}
	}
	toneAt := -1
	for i, l := range ls {
		if l.tone != 0 {
			toneAt = i
		}
	}
	render := func(ls []letter) string {
		var b strings.Builder
		for _, l := range ls {
			b.WriteRune(l.base)
			if l.shape != 0 {
				b.WriteRune(l.shape)
			}
			if l.tone != 0 {
				b.WriteRune(l.tone)
			}
		}
		return norm.NFC.String(b.String())
	}
	seen := map[string]bool{e: true}
	var out []string
	add := func(ls []letter) {
		s := render(ls)
		if !seen[s] && exactWord(s) != "" {
			seen[s] = true
			out = append(out, s)
		}
	}
	vowel := func(r rune) bool { return strings.ContainsRune("aeiouy", r) }
	// Another tone, or none, on the vowel carrying it; a tone on any vowel
	// of a word that has none.
	for i, l := range ls {
		if !vowel(l.base) || (toneAt >= 0 && i != toneAt) {
			continue
		}
		for _, t := range append([]rune{0}, toneMarks...) {
			c := slices.Clone(ls)
			c[i].tone = t
			add(c)
		}
	}
	// Another shape (or none) on one vowel; d for đ and back.
	for i, l := range ls {
		if s, ok := shapes[l.base]; ok {
			for _, sh := range append([]rune{0}, s...) {
				c := slices.Clone(ls)
				c[i].shape = sh
				add(c)
			}
		}
		switch l.base {
		case 'đ':
			c := slices.Clone(ls)
			c[i].base = 'd'
			add(c)
		case 'd':
			c := slices.Clone(ls)
			c[i].base = 'đ'
			add(c)
		}
	}
	return out
}

// codeToken is the form a code or number takes in the index: its folded
// parts run together ("143/UBND-KGVX" -> "143ubndkgvx"). A token of text
// is code-like when it holds a digit and punctuation between its parts;
// dossier and result codes are always indexed as codes.
func codeToken(s string) string {
	return strings.Join(Words(s), "")
}

// codeTokens lists the code-like tokens of text: runs of word parts
// joined by punctuation without white space, holding at least one digit
// (45/2020/NĐ-CP, 000.00.31.H33-220804-0001, 5.000.000).
func codeTokens(text string) []string {
	_, _, codes := pageForms(text)
	return codes
}
