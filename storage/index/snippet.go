package index

import (
	"html"
	"strings"
	"unicode"
)

// snippetWords is how many words a snippet shows.
const snippetWords = 30

// Snippet returns an HTML excerpt of text around the words matching n, the
// matches wrapped in <mark>. It cuts the original text, diacritics and all,
// and escapes it; with no match (or no query) it shows the beginning.
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
	marked := make([]bool, len(toks))
	var ms []Node
	collectPositive(n, &ms)
	for _, m := range ms {
		markMatches(m, words, marked)
	}

	// The window of snippetWords words holding the most matches, starting
	// a few words before its first match.
	start, best, count := 0, -1, 0
	for i := 0; i < len(toks); i++ {
		if marked[i] {
			count++
		}
		if i >= snippetWords && marked[i-snippetWords] {
			count--
		}
		if count > best {
			best = count
			start = max(0, i-snippetWords+1)
		}
	}
	for i := start; i < len(toks) && i < start+snippetWords; i++ {
		if marked[i] {
			start = max(0, i-4)
			break
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
		gap := f.orig[pos:ts]
		if inMark && (!marked[i] || strings.TrimSpace(string(gap)) != "") {
			b.WriteString("</mark>")
			inMark = false
		}
		writeText(&b, gap)
		if marked[i] && !inMark {
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

func markMatches(n Node, words []string, marked []bool) {
	switch n := n.(type) {
	case Term:
		for i, w := range words {
			if termMatches(n, w) {
				marked[i] = true
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
			for j := range n.Terms {
				marked[i+j] = true
			}
		}
	}
}
