package index

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// How a level is read on PostgreSQL: by windows of the newest slices or
// whole, chosen by cost.
//
// A GIN scan walks the posting lists of its "required" entries, which it
// picks greedily: the rarest entries first, until the query cannot hold
// without one of them. In a window, cond & ('@244' | ... | '@181'), the
// slices (4,096 ids each) are rarer than any common word, so every slice
// of the window is required and each item of their union costs a step of
// every slice's stream: 0.2 us an item for 1-8 slices, 0.8 us for 64
// (262,144 items: 200 ms, where the whole level of a name read the 99,000
// pages of its rarest word in 20 ms). Read whole, a level costs its
// rarest entries' lists, and a table row for each match (about 10 us: the
// rows are sorted newest first, so all are fetched). So a level is read
// from the newest slice down, in disjoint windows of at most
// maxChunk slices sized from the density seen, and whole (below the
// slices already read) as soon as that is cheaper by the model below:
// the lists the whole level walks are estimated from the frequencies
// ANALYZE keeps for search_pages.words (pg_stats most_common_elems; a
// lexeme not listed is rarer than the least listed).

// Costs of the model, in microseconds, measured on the 1M-page benchmark
// (EXPLAIN ANALYZE): per item of the required lists (plus per required
// entry, the streams stepped for each item), per table row fetched, per
// statement.
const (
	costItem      = 0.2
	costItemEntry = 0.01
	costRow       = 10
	costStatement = 300
	// maxChunk is the most slices one window names: wider, the per-item
	// cost grows with the slices (see above).
	maxChunk = 8
	// sliceSize is the ids in a slice.
	sliceSize = 1 << sliceShift
)

// unlisted is how many times rarer than the least listed lexeme one not
// listed is taken to be: most words and pairs are far rarer (names,
// codes), and a few just under the cut.
const unlisted = 4

// lexemeFreqs are the fractions of pages holding the most common lexemes
// of search_pages.words, from pg_stats. floor is the least fraction
// listed (a lexeme not listed is rarer); 1 when there are no statistics.
type lexemeFreqs struct {
	freq  map[string]float64
	floor float64
}

// freqCache keeps the lexeme frequencies of one index, read again after
// freqTTL (ANALYZE refreshes them as the table grows by a tenth).
type freqCache struct {
	mu sync.Mutex
	at time.Time
	f  *lexemeFreqs
}

const freqTTL = 10 * time.Minute

func (c *freqCache) get(ctx context.Context, db querier) (*lexemeFreqs, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f != nil && time.Since(c.at) < freqTTL {
		return c.f, nil
	}
	f, err := loadLexemeFreqs(ctx, db)
	if err != nil {
		return nil, err
	}
	c.f, c.at = f, time.Now()
	return f, nil
}

// lexemeStatsSQL reads the listed lexemes and their frequencies (the array
// of frequencies ends with the least, the greatest and the null fraction:
// unnest pads the lexemes with NULL for those).
const lexemeStatsSQL = `SELECT u.e, u.f FROM pg_stats s,
	unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS u(e, f)
	WHERE s.schemaname = current_schema() AND s.tablename = 'search_pages' AND s.attname = 'words' AND u.e IS NOT NULL`

// plan is what a search knows to choose how to read: the frequencies and
// the ids (pages) there are.
type plan struct {
	freqs *lexemeFreqs
	maxID int64
}

// items estimates the posting items a GIN scan of tsquery q walks, and
// how many entries are required (see above): PostgreSQL's choice
// (ginget.c, startScanKey) replayed on estimated list sizes. A slice
// lexeme holds sliceSize items; a prefix, every page.
func (p plan) items(q string) (items float64, required int) {
	pages := float64(max(p.maxID, 1))
	root, lexemes := parseTsquery(q)
	if root == nil {
		return pages, 1 // not understood: as costly as can be
	}
	size := make([]float64, len(lexemes))
	for i, l := range lexemes {
		switch {
		case l.prefix:
			size[i] = pages
		case strings.HasPrefix(l.text, "@"):
			size[i] = min(sliceSize, pages)
		default:
			f, ok := p.freqs.freq[l.text]
			if !ok {
				f = p.freqs.floor / unlisted
			}
			size[i] = f * pages
		}
	}
	order := make([]int, len(lexemes))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case size[a] < size[b]:
			return -1
		case size[a] > size[b]:
			return 1
		}
		return 0
	})
	off := make([]bool, len(lexemes))
	for n, i := range order {
		off[i] = true
		items += size[i]
		if root.eval(off) == triFalse || n == len(order)-1 {
			return min(items, 2*pages), n + 1
		}
	}
	return min(items, 2*pages), len(order)
}

// scanCost is the model's cost of a GIN scan of q, in microseconds.
func (p plan) scanCost(q string) float64 {
	items, req := p.items(q)
	return items*(costItem+costItemEntry*float64(req)) + costStatement
}

// windowed reads up to limit matches of tsquery cond, newest first, by
// plan (see above), through read, which reads the newest matches of a
// tsquery below id below (0: no bound), at most limit of them, newest
// first, and returns how many it read. sorted tells that read fetches
// every match before the limit (to sort them) rather than stopping at it.
// It returns the number of matches read.
func (p plan) windowed(cond string, limit int, sorted bool, read func(tsq string, below int64, limit int) (int, error)) (int, error) {
	top := p.maxID >> sliceShift
	if n, _ := p.items(cond); n <= float64(limit) {
		return read(cond, 0, limit) // no more matches than asked: whole
	}
	got := 0
	// Slices lo..top are read; the first window holds a slice's worth
	// of ids at least (the newest slice is partly filled).
	lo, width := top+1, int64(1)
	if p.maxID&(sliceSize-1) < sliceSize/2 {
		width = min(2, top+1)
	}
	for {
		n, err := read(withinSlices(cond, lo-width, lo-1), 0, limit-got)
		if err != nil {
			return got, err
		}
		got += n
		lo -= width
		if got >= limit || lo <= 0 {
			return got, nil
		}
		// Matches an id, as seen so far; half a match when none.
		density := max(float64(got), 0.5) / float64(p.maxID+1-lo*sliceSize)
		need := float64(limit - got)
		span := min(math.Ceil(1.5*need/density/sliceSize), float64(lo)) // slices the rest takes, by windows
		chunk := min(int64(span), maxChunk)
		byWindows := math.Ceil(span/maxChunk)*p.scanCost(withinSlices(cond, max(lo-chunk, 0), lo-1)) +
			min(1.5*need, density*span*sliceSize)*costRow
		below := density * float64(lo*sliceSize) // matches below the slices read
		if !sorted {
			below = min(below, need)
		}
		if p.scanCost(cond)+below*costRow < byWindows {
			n, err := read(cond, lo<<sliceShift, limit-got)
			return got + n, err
		}
		width = min(max(chunk, 1), lo)
	}
}

// The tsquery model: lexemes and operators of the tsquery input this
// package writes (quoted lexemes, optionally :*, and ! <-> & | with
// parentheses; PostgreSQL's precedence, ! binding tightest).

type tri int

const (
	triFalse tri = iota
	triMaybe
	triTrue
)

type tsLex struct {
	text   string
	prefix bool
}

type tsNode struct {
	op   byte // 'l' lexeme, '!', '&' (and <->), '|'
	lex  int
	kids []*tsNode
}

// eval is the node's value when the lexemes marked off are absent and the
// others unknown.
func (n *tsNode) eval(off []bool) tri {
	switch n.op {
	case 'l':
		if off[n.lex] {
			return triFalse
		}
		return triMaybe
	case '!':
		switch n.kids[0].eval(off) {
		case triFalse:
			return triTrue
		case triTrue:
			return triFalse
		}
		return triMaybe
	case '&':
		v := triTrue
		for _, k := range n.kids {
			v = min(v, k.eval(off))
		}
		return v
	}
	v := triFalse
	for _, k := range n.kids {
		v = max(v, k.eval(off))
	}
	return v
}

// parseTsquery parses q; nil when it is not in the form this package
// writes (the plan then reads by windows, as if every entry were common).
func parseTsquery(q string) (*tsNode, []tsLex) {
	p := tsParser{s: q, index: map[tsLex]int{}}
	n := p.or()
	p.space()
	if n == nil || p.i != len(p.s) {
		return nil, nil
	}
	return n, p.lexemes
}

type tsParser struct {
	s       string
	i       int
	lexemes []tsLex
	index   map[tsLex]int
}

func (p *tsParser) space() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *tsParser) peek(op string) bool {
	p.space()
	if strings.HasPrefix(p.s[p.i:], op) {
		p.i += len(op)
		return true
	}
	return false
}

func (p *tsParser) binary(op byte, sym string, next func() *tsNode) *tsNode {
	n := next()
	if n == nil {
		return nil
	}
	kids := []*tsNode{n}
	for p.peek(sym) {
		k := next()
		if k == nil {
			return nil
		}
		kids = append(kids, k)
	}
	if len(kids) == 1 {
		return n
	}
	return &tsNode{op: op, kids: kids}
}

func (p *tsParser) or() *tsNode  { return p.binary('|', "|", p.and) }
func (p *tsParser) and() *tsNode { return p.binary('&', "&", p.phrase) }

// phrase: for the plan, a <-> b holds only where a & b does.
func (p *tsParser) phrase() *tsNode { return p.binary('&', "<->", p.unary) }

func (p *tsParser) unary() *tsNode {
	switch {
	case p.peek("!"):
		k := p.unary()
		if k == nil {
			return nil
		}
		return &tsNode{op: '!', kids: []*tsNode{k}}
	case p.peek("("):
		n := p.or()
		if n == nil || !p.peek(")") {
			return nil
		}
		return n
	case p.peek("'"):
		var b strings.Builder
		for {
			j := strings.IndexByte(p.s[p.i:], '\'')
			if j < 0 {
				return nil
			}
			b.WriteString(p.s[p.i : p.i+j])
			p.i += j + 1
			if p.i < len(p.s) && p.s[p.i] == '\'' { // '' is a quote
				b.WriteByte('\'')
				p.i++
				continue
			}
			break
		}
		l := tsLex{text: b.String()}
		if strings.HasPrefix(p.s[p.i:], ":*") {
			l.prefix = true
			p.i += 2
		}
		i, ok := p.index[l]
		if !ok {
			i = len(p.lexemes)
			p.lexemes = append(p.lexemes, l)
			p.index[l] = i
		}
		return &tsNode{op: 'l', lex: i}
	}
	return nil
}

// loadLexemeFreqs reads the frequencies ANALYZE keeps for
// search_pages.words.
func loadLexemeFreqs(ctx context.Context, q querier) (*lexemeFreqs, error) {
	rows, err := q.QueryContext(ctx, lexemeStatsSQL)
	if err != nil {
		return nil, fmt.Errorf("index: lexeme statistics: %w", err)
	}
	defer rows.Close()
	f := &lexemeFreqs{freq: map[string]float64{}, floor: 1}
	for rows.Next() {
		var e string
		var v float64
		if err := rows.Scan(&e, &v); err != nil {
			return nil, fmt.Errorf("index: lexeme statistics: %w", err)
		}
		f.freq[e] = v
		f.floor = min(f.floor, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("index: lexeme statistics: %w", err)
	}
	return f, nil
}
