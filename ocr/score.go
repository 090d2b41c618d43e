package ocr

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Scoring against ground truth (character and word error rates).
//
// Both strings are compared after the same folding: Unicode NFC, every run of
// white space (newlines included) replaced by one space, and leading and
// trailing space trimmed. Nothing else is folded: case, punctuation and
// diacritics count, and đ against d is an error, because a reader of the
// archived PDF sees exactly those characters.

// CER is the character error rate of got against the reference want: the
// Levenshtein distance between the folded rune sequences divided by the
// number of runes in the folded reference. It can exceed 1 when got is much
// longer than want. With an empty reference, CER is 0 if got is empty too and
// 1 otherwise (everything recognized on a blank page is wrong).
func CER(got, want string) float64 {
	g, w := []rune(foldForScore(got)), []rune(foldForScore(want))
	return errorRate(EditDistance(g, w), len(w), len(g))
}

// WER is the word error rate of got against want: the Levenshtein distance
// over words (the folded text split at spaces) divided by the number of
// reference words. Empty references behave as in CER.
func WER(got, want string) float64 {
	g, w := scoreWords(got), scoreWords(want)
	return errorRate(editDistance(g, w), len(w), len(g))
}

// EditDistance is the Levenshtein distance between a and b (insertions,
// deletions and substitutions each cost 1), compared rune by rune with no
// normalization.
func EditDistance(a, b []rune) int { return editDistance(a, b) }

func errorRate(dist, refLen, gotLen int) float64 {
	if refLen == 0 {
		if gotLen == 0 {
			return 0
		}
		return 1
	}
	return float64(dist) / float64(refLen)
}

// foldForScore applies NFC and whitespace folding.
func foldForScore(s string) string {
	return strings.Join(strings.FieldsFunc(norm.NFC.String(s), unicode.IsSpace), " ")
}

func scoreWords(s string) []string {
	return strings.FieldsFunc(norm.NFC.String(s), unicode.IsSpace)
}

// editDistance runs the classic dynamic programme keeping two rows of the
// shorter sequence's length: O(len(a)*len(b)) time, O(min) memory. A page is
// ~3,000 runes, so 9 M cells, a few milliseconds.
func editDistance[T comparable](a, b []T) int {
	// Common prefix and suffix cost nothing; trimming them makes
	// near-identical pages (the usual case) almost free.
	for len(a) > 0 && len(b) > 0 && a[0] == b[0] {
		a, b = a[1:], b[1:]
	}
	for len(a) > 0 && len(b) > 0 && a[len(a)-1] == b[len(b)-1] {
		a, b = a[:len(a)-1], b[:len(b)-1]
	}
	if len(a) < len(b) {
		a, b = b, a
	}
	if len(b) == 0 {
		return len(a)
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		ai := a[i-1]
		for j := 1; j <= len(b); j++ {
			cost := prev[j-1]
			if ai != b[j-1] {
				cost++
			}
			if d := prev[j] + 1; d < cost {
				cost = d
			}
			if d := cur[j-1] + 1; d < cost {
				cost = d
			}
			cur[j] = cost
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
