package index

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The query language, parsed once into an AST and translated to each
// engine's syntax:
//
//	nguyễn văn           both words (AND is the default)
//	"thủy tiên"          the words next to each other, in this order
//	chứng nh*            prefix: nh, nhà, nhận...
//	hà nội OR hn         either side (OR binds tighter than AND)
//	-phạt                pages without the word (or -"phrase")
//	(a OR b) c           grouping
//
// Words are folded like the indexed text; a word with punctuation inside
// (a dossier code, a date) is searched as the phrase of its parts.

// Node is a node of a parsed query.
type Node interface{ node() }

// Term is one folded word; Prefix matches every word starting with it.
// Exact is the word as typed (NFC, lower case) when it carries marks:
// pages holding that exact form rank before those matching only folded.
type Term struct {
	Word   string
	Prefix bool
	Exact  string
}

// Phrase is words that must follow each other; only the last may be a
// prefix. Code is set when the phrase was typed as one token with digits
// and punctuation (a dossier code, 143/UBND-KGVX): the phrase then also
// matches that code (see codeToken) in the page's codes, and such pages
// rank first.
type Phrase struct {
	Terms []Term
	Code  string
}

// And matches pages matching all of its children.
type And struct{ Nodes []Node }

// Or matches pages matching any of its children.
type Or struct{ Nodes []Node }

// Not excludes pages matching Node; it only appears inside And, next to at
// least one positive node.
type Not struct{ Node Node }

func (Term) node()   {}
func (Phrase) node() {}
func (And) node()    {}
func (Or) node()     {}
func (Not) node()    {}

// ErrQuery marks a query that cannot be parsed; callers show it to the
// user (HTTP 400, exit 2). The errors wrapping it are *QueryError.
var ErrQuery = errors.New("invalid query")

// QueryError explains a bad query in English and in Vietnamese.
type QueryError struct{ EN, VI string }

func (e *QueryError) Error() string { return "invalid query: " + e.EN }

// Is makes errors.Is(err, ErrQuery) true.
func (e *QueryError) Is(target error) bool { return target == ErrQuery }

// NewQueryError returns a *QueryError.
func NewQueryError(vi, en string) error { return &QueryError{EN: en, VI: vi} }

func queryErr(vi, en string) error { return &QueryError{EN: en, VI: vi} }

// Parse parses a query. An empty query (no words) returns a nil Node and
// no error: the search then lists pages by its filters alone.
func Parse(q string) (Node, error) {
	p := parser{toks: lex(q)}
	n, err := p.and(0)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, queryErr("không hiểu "+strconv.Quote(p.toks[p.pos].text), "unexpected "+strconv.Quote(p.toks[p.pos].text))
	}
	if n != nil && !positive(n) {
		return nil, queryErr("cần ít nhất một từ cần tìm, không chỉ các từ loại trừ", "a query needs at least one word to look for, not only exclusions")
	}
	return n, nil
}

type tokKind int

const (
	tWord tokKind = iota
	tPhrase
	tOr
	tOpen
	tClose
)

type tok struct {
	kind   tokKind
	text   string
	neg    bool // preceded by '-'
	prefix bool // ends with '*'
}

// lex splits the query into words, quoted phrases, OR and parentheses.
func lex(q string) []tok {
	var out []tok
	i := 0
	for i < len(q) {
		r, w := utf8.DecodeRuneInString(q[i:])
		switch {
		case unicode.IsSpace(r):
			i += w
		case r == '(' || r == ')':
			k := tOpen
			if r == ')' {
				k = tClose
			}
			out = append(out, tok{kind: k, text: string(r)})
			i += w
		default:
			neg := false
			if r == '-' && i+1 < len(q) && !unicode.IsSpace(rune(q[i+1])) {
				neg = true
				i++
			}
			if i < len(q) && (q[i] == '"' || strings.HasPrefix(q[i:], "“")) {
				open := 1
				if q[i] != '"' {
					open = len("“")
				}
				rest := q[i+open:]
				end := strings.IndexAny(rest, "\"”")
				var text string
				if end < 0 {
					text, i = rest, len(q)
				} else {
					text = rest[:end]
					_, cw := utf8.DecodeRuneInString(rest[end:])
					i += open + end + cw
				}
				t := tok{kind: tPhrase, text: text, neg: neg}
				if i < len(q) && q[i] == '*' {
					t.prefix = true
					i++
				}
				out = append(out, t)
				continue
			}
			j := i
			for j < len(q) {
				r, w := utf8.DecodeRuneInString(q[j:])
				if unicode.IsSpace(r) || r == '(' || r == ')' || r == '"' || r == '“' {
					break
				}
				j += w
			}
			word := q[i:j]
			i = j
			if word == "OR" || word == "HOẶC" || word == "|" {
				out = append(out, tok{kind: tOr, text: word})
				continue
			}
			t := tok{kind: tWord, text: word, neg: neg}
			if strings.HasSuffix(word, "*") {
				t.prefix = true
				t.text = strings.TrimRight(word, "*")
			}
			out = append(out, t)
		}
	}
	return out
}

type parser struct {
	toks []tok
	pos  int
}

// and parses a sequence of OR-expressions until ')' or the end.
func (p *parser) and(depth int) (Node, error) {
	var nodes []Node
	for p.pos < len(p.toks) {
		t := p.toks[p.pos]
		if t.kind == tClose {
			if depth == 0 {
				p.pos++ // a stray ')' is ignored
				continue
			}
			break
		}
		if t.kind == tOr {
			p.pos++ // OR without a left side is ignored
			continue
		}
		var err error
		if nodes, err = appendParsed(nodes, p.or, depth); err != nil {
			return nil, err
		}
	}
	return simplifyAnd(nodes), nil
}

// appendParsed parses one node with parse and appends it to nodes; an
// empty one (a word of no letters or digits, empty brackets) adds nothing.
func appendParsed(nodes []Node, parse func(depth int) (Node, error), depth int) ([]Node, error) {
	n, err := parse(depth)
	if n != nil {
		nodes = append(nodes, n)
	}
	return nodes, err
}

func (p *parser) or(depth int) (Node, error) {
	nodes, err := appendParsed(nil, p.unary, depth)
	if err != nil {
		return nil, err
	}
	for p.pos < len(p.toks) && p.toks[p.pos].kind == tOr {
		p.pos++
		if p.pos >= len(p.toks) || p.toks[p.pos].kind == tClose {
			break
		}
		if nodes, err = appendParsed(nodes, p.unary, depth); err != nil {
			return nil, err
		}
	}
	switch len(nodes) {
	case 0:
		return nil, nil
	case 1:
		return nodes[0], nil
	}
	for _, n := range nodes {
		if !positive(n) {
			return nil, queryErr("từ loại trừ (-từ) không thể là một vế của OR", "an exclusion (-word) cannot be one side of OR")
		}
	}
	return Or{Nodes: flatten[Or](nodes)}, nil
}

func (p *parser) unary(depth int) (Node, error) {
	t := p.toks[p.pos]
	p.pos++
	switch t.kind {
	case tOpen:
		if depth > 20 {
			return nil, queryErr("quá nhiều ngoặc lồng nhau", "too many nested parentheses")
		}
		n, err := p.and(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.pos < len(p.toks) && p.toks[p.pos].kind == tClose {
			p.pos++
		}
		return n, nil
	case tWord, tPhrase:
		words := Words(t.text)
		if len(words) == 0 {
			return nil, nil
		}
		exact := exactWords(t.text)
		var n Node
		if len(words) == 1 {
			n = Term{Word: words[0], Prefix: t.prefix, Exact: exact[0]}
			if t.prefix {
				n = Term{Word: words[0], Prefix: true}
			}
		} else {
			ph := Phrase{Terms: make([]Term, len(words))}
			for i, w := range words {
				ph.Terms[i] = Term{Word: w, Exact: exact[i]}
			}
			if t.prefix {
				ph.Terms[len(words)-1] = Term{Word: words[len(words)-1], Prefix: true}
			}
			if t.kind == tWord && !t.prefix && strings.ContainsFunc(t.text, unicode.IsDigit) {
				ph.Code = strings.Join(words, "")
			}
			n = ph
		}
		if t.neg {
			n = Not{Node: n}
		}
		return n, nil
	}
	return nil, queryErr("không hiểu "+strconv.Quote(t.text), "unexpected "+strconv.Quote(t.text))
}

func simplifyAnd(nodes []Node) Node {
	flat := flatten[And](nodes)
	switch len(flat) {
	case 0:
		return nil
	case 1:
		return flat[0]
	}
	return And{Nodes: flat}
}

// flatten splices the children of the nodes of kind T into nodes (an And
// in an And, an Or in an Or): the same query, one level less.
func flatten[T interface {
	Node
	children() []Node
}](nodes []Node) []Node {
	var flat []Node
	for _, n := range nodes {
		if c, ok := n.(T); ok {
			flat = append(flat, c.children()...)
		} else {
			flat = append(flat, n)
		}
	}
	return flat
}

func (n And) children() []Node { return n.Nodes }
func (n Or) children() []Node  { return n.Nodes }

// positive reports whether n matches something by itself (is not only
// exclusions).
func positive(n Node) bool {
	switch n := n.(type) {
	case Not:
		return false
	case And:
		for _, c := range n.Nodes {
			if positive(c) {
				return true
			}
		}
		return false
	}
	return true
}

// String renders the AST in the query language (for logs and tests).
func String(n Node) string {
	switch n := n.(type) {
	case nil:
		return ""
	case Term:
		if n.Prefix {
			return n.Word + "*"
		}
		return n.Word
	case Phrase:
		ws := make([]string, len(n.Terms))
		for i, t := range n.Terms {
			ws[i] = t.Word
		}
		s := `"` + strings.Join(ws, " ") + `"`
		if n.Terms[len(n.Terms)-1].Prefix {
			s += "*"
		}
		return s
	case Not:
		return "-" + String(n.Node)
	case And:
		return stringJoin(n.Nodes, " ", func(c Node) bool { _, ok := c.(Or); return ok })
	case Or:
		return stringJoin(n.Nodes, " OR ", func(c Node) bool { _, ok := c.(And); return ok })
	}
	return fmt.Sprintf("%T", n)
}

// stringJoin renders the children of an And or an Or joined by sep,
// bracketing children of the other kind: an And inside an Or must be (OR
// binds tighter), and an Or inside an And reads plainer so.
func stringJoin(nodes []Node, sep string, bracket func(Node) bool) string {
	parts := make([]string, len(nodes))
	for i, c := range nodes {
		parts[i] = String(c)
		if bracket(c) {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, sep)
}

// fts5 translates a parsed query to an FTS5 MATCH expression. Every word
// is quoted, so words like "or" or "not" are never operators.
//
// Words are looked up in every column: folded words are found in the body
// and the title only (the exact forms all carry marks, codes and filter
// tokens are runs of their own), except that a prefix is kept to the body
// and title columns; a code is looked up in the codes column too.
func fts5(n Node) string {
	switch n := n.(type) {
	case Term:
		if n.Prefix {
			return ftsText + fts5Phrase([]Term{n})
		}
		return fts5Phrase([]Term{n})
	case Phrase:
		s := fts5Phrase(n.Terms)
		if n.Terms[len(n.Terms)-1].Prefix {
			s = ftsText + s
		}
		if n.Code != "" {
			s = `(codes : "` + n.Code + `" OR ` + s + `)`
		}
		return s
	case Or:
		parts := make([]string, len(n.Nodes))
		for i, c := range n.Nodes {
			parts[i] = "(" + fts5(c) + ")"
		}
		return strings.Join(parts, " OR ")
	case And:
		var pos, neg []string
		for _, c := range n.Nodes {
			if x, ok := c.(Not); ok {
				neg = append(neg, "("+fts5(x.Node)+")")
			} else {
				pos = append(pos, "("+fts5(c)+")")
			}
		}
		s := strings.Join(pos, " AND ")
		if len(neg) > 0 {
			// FTS5's NOT is binary: (a AND b) NOT (c OR d).
			s = "(" + s + ") NOT (" + strings.Join(neg, " OR ") + ")"
		}
		return s
	case Not:
		// Parse never yields a bare Not at the top; keep it harmless.
		return fts5(n.Node)
	}
	return ""
}

// ftsText is the column filter of prefixes: body and title.
const ftsText = `{words title} : `

// fts5Phrase is the FTS5 phrase of terms, without a column filter.
func fts5Phrase(ts []Term) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = `"` + t.Word + `"`
		if t.Prefix {
			parts[i] += "*"
		}
	}
	return strings.Join(parts, " + ")
}

// tsquery translates a parsed query to PostgreSQL tsquery input, cast
// with ::tsquery (not to_tsquery: its parser would split the pair lexemes
// again). Words hold only letters and digits, and are quoted all the same.
func tsquery(n Node) string { return tsq(n, false) }

// tsq is tsquery(n), and loose, the same without word order: a phrase
// of three words or more is its pairs (each two words next to each
// other), a phrase ending in a prefix its words, and the exclusions that
// need word order are left out. A loose query matches every page the
// exact one matches, and the GIN index answers it alone, without reading
// each page's tsvector back to check positions (6 KB a page): the pages
// holding the pairs apart, rare, are weeded out on the few candidates
// kept (see pgIndex.Search).
func tsq(n Node, loose bool) string {
	switch n := n.(type) {
	case Term:
		s := "'" + strings.ReplaceAll(n.Word, "'", "''") + "'"
		if n.Prefix {
			s += ":*"
		}
		return s
	case Phrase:
		// The pairs of adjacent words are lexemes of their own (see
		// tsvectorText): the GIN index finds them, then <-> checks order.
		parts := make([]string, len(n.Terms))
		var pairs []string
		for i, t := range n.Terms {
			parts[i] = tsq(t, loose)
			if i > 0 && !t.Prefix {
				pairs = append(pairs, "'"+strings.ReplaceAll(pairLexeme(n.Terms[i-1].Word, t.Word), "'", "''")+"'")
			}
		}
		s := "(" + strings.Join(parts, " <-> ") + ")"
		switch {
		case len(n.Terms) == 2 && len(pairs) == 1:
			// The pair lexeme holds exactly when the two words are
			// next to each other: no positions to check, so the GIN
			// index answers alone, without reading the pages again.
			s = pairs[0]
		case loose && len(pairs) == 0:
			s = "(" + strings.Join(parts, " & ") + ")"
		case loose:
			if n.Terms[len(n.Terms)-1].Prefix {
				pairs = append(pairs, parts[len(parts)-1])
			}
			s = "(" + strings.Join(pairs, " & ") + ")"
		case len(pairs) > 0:
			s = "(" + strings.Join(pairs, " & ") + " & " + s + ")"
		}
		if n.Code != "" {
			s = "(" + tsLexeme(codeLexeme(n.Code)) + " | " + s + ")"
		}
		return s
	case Or:
		parts := make([]string, len(n.Nodes))
		for i, c := range n.Nodes {
			parts[i] = tsq(c, loose)
		}
		return "(" + strings.Join(parts, " | ") + ")"
	case And:
		var parts []string
		for _, c := range n.Nodes {
			if p := tsq(c, loose); p != "" {
				parts = append(parts, p)
			}
		}
		return "(" + strings.Join(parts, " & ") + ")"
	case Not:
		exact := tsq(n.Node, false)
		if loose && exact != tsq(n.Node, true) {
			return "" // an exclusion that needs word order
		}
		return "!" + exact
	}
	return ""
}

// tsLexeme quotes a lexeme for tsquery input.
func tsLexeme(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// codeLexeme is the lexeme of a code (see codeToken); exactLexeme that of
// the exact form of a marked word. Their first characters ('#', '=') start
// no word, so prefix queries never walk them.
func codeLexeme(c string) string  { return "#" + c }
func exactLexeme(e string) string { return "=" + e }

// pairLexeme is the lexeme of two adjacent words. It starts with '~',
// which no word does, so a prefix query (nh:*) never walks the pairs.
func pairLexeme(a, b string) string { return "~" + a + " " + b }
