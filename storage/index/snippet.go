package index

import (
	"html"
	"strings"
	"unicode"
)

// snippetWords is how many words a snippet shows.
const snippetWords = 30

// Snippet returns an HTML excerpt of text around the words matching n, the
// matched words wrapped in <mark>, whole. It cuts the original text,
// diacritics and all, and escapes it; with no match (or no query) it shows
// the beginning. The excerpt is the window with the best matches: words
// in the exact form typed count more than words matching once folded,
// words typed together and found together more again, and every
// different query word found counts.
func Snippet(text string, n Node) string {
	f := fold(text)
	toks := f.tokens()
	if len(toks) == 0 {
		return ""
	}
	words := make([]string, len(toks))
	for i, t := range toks {
		words[i] = string(f.runes[t.start:t.end])
	}
	var ms []Node
	collectPositive(n, &ms)
	// which[i] is 1 + the index in ms of the node matching token i.
	which := make([]int, len(toks))
	weight := make([]int, len(toks))
	exactAt := func(i int) string {
		return exactWord(string(f.orig[f.from[toks[i].start] : f.from[toks[i].end-1]+1]))
	}
	for k, m := range ms {
		markMatches(m, words, func(i int, t Term) {
			which[i] = k + 1
			w := 1
			if t.Exact != "" && exactAt(i) == t.Exact {
				w = 3
			}
			if _, ok := m.(Phrase); ok {
				w += 2 // together, as typed
			}
			weight[i] = max(weight[i], w)
		})
	}
	// Words typed next to each other and found so.
	for _, run := range analyze(n).runs {
		for i := 0; i+1 < len(toks); i++ {
			for j := 0; j+1 < len(run); j++ {
				if termMatches(run[j], words[i]) && termMatches(run[j+1], words[i+1]) {
					weight[i] += 2
					weight[i+1] += 2
				}
			}
		}
	}

	start, best := 0, 0
	for s := 0; s < len(toks); s++ {
		if which[s] == 0 {
			continue
		}
		score, seen := 0, map[int]bool{}
		for i := s; i < len(toks) && i < s+snippetWords-4; i++ {
			if which[i] != 0 {
				score += weight[i]
				if !seen[which[i]] {
					seen[which[i]] = true
					score += 3
				}
			}
		}
		if score > best {
			best, start = score, max(0, s-4)
		}
	}
	end := min(len(toks), start+snippetWords)

	var b strings.Builder
	if start > 0 {
		b.WriteString("… ")
	}
	pos := f.from[toks[start].start]
	inMark := false
	for i := start; i < end; i++ {
		ts, te := f.from[toks[i].start], f.from[toks[i].end-1]+1
		gap := string(f.orig[pos:ts])
		// A mark runs on over white space (a name) and over punctuation
		// inside one token (a code: 45/2020/NĐ-CP), not over ", ".
		joined := strings.TrimSpace(gap) == "" || !strings.ContainsFunc(gap, unicode.IsSpace)
		if inMark && (which[i] == 0 || !joined) {
			b.WriteString("</mark>")
			inMark = false
		}
		writeText(&b, []rune(gap))
		if which[i] != 0 && !inMark {
			b.WriteString("<mark>")
			inMark = true
		}
		writeText(&b, f.orig[ts:te])
		pos = te
	}
	if inMark {
		b.WriteString("</mark>")
	}
	if end < len(toks) {
		b.WriteString(" …")
	} else {
		writeText(&b, []rune(strings.TrimRightFunc(string(f.orig[pos:]), unicode.IsSpace)))
	}
	return b.String()
}

// writeText writes runes HTML-escaped, with runs of white space (line
// breaks of the OCR text) as one space.
func writeText(b *strings.Builder, rs []rune) {
	var s strings.Builder
	space := false
	for _, r := range rs {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space {
			s.WriteByte(' ')
			space = false
		}
		s.WriteRune(r)
	}
	if space {
		s.WriteByte(' ')
	}
	b.WriteString(html.EscapeString(s.String()))
}

// collectPositive gathers the terms and phrases that make a page match
// (not those under an exclusion).
func collectPositive(n Node, out *[]Node) {
	switch n := n.(type) {
	case Term, Phrase:
		*out = append(*out, n)
	case And:
		for _, c := range n.Nodes {
			collectPositive(c, out)
		}
	case Or:
		for _, c := range n.Nodes {
			collectPositive(c, out)
		}
	}
}

func termMatches(t Term, w string) bool {
	if t.Prefix {
		return strings.HasPrefix(w, t.Word)
	}
	return w == t.Word
}

// markMatches calls mark(i, term) for every word i matching n (a Term,
// or a word of a Phrase occurrence).
func markMatches(n Node, words []string, mark func(i int, t Term)) {
	switch n := n.(type) {
	case Term:
		for i, w := range words {
			if termMatches(n, w) {
				mark(i, n)
			}
		}
	case Phrase:
	next:
		for i := 0; i+len(n.Terms) <= len(words); i++ {
			for j, t := range n.Terms {
				if !termMatches(t, words[i+j]) {
					continue next
				}
			}
			for j, t := range n.Terms {
				mark(i+j, t)
			}
		}
	}
}

// MatchWords reports which of words (the OCR words of a page, in reading
// order) match the positive words of n, as Snippet marks them: a word
// split into several parts (a code) matches when any part does.
func MatchWords(n Node, words []string) []bool {
	var flat []string
	var owner []int
	for i, w := range words {
		for _, part := range Words(w) {
			flat = append(flat, part)
			owner = append(owner, i)
		}
	}
	out := make([]bool, len(words))
	var ms []Node
	collectPositive(n, &ms)
	for _, m := range ms {
		markMatches(m, flat, func(i int, _ Term) { out[owner[i]] = true })
	}
	return out
}
