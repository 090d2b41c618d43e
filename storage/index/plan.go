package index

import (
	"cmp"
	"slices"
	"time"
)

// Ranking. Scoring every match of a common word (nguyen is on half the
// pages) costs seconds (bm25 over 46k FTS5 matches: 280 ms), so the
// ranking is split in two: the signals that decide relevance for
// Vietnamese (a code, the exact marks, the words kept together) are
// boolean conditions the full-text index answers directly, and they cut
// the matches into levels, best first. Each level is an index query of its
// own, read newest first and stopped as soon as the page asked for is
// full. So the best pages among all matches come first whatever their
// number, at the cost of a few index probes; the first refineTop are then
// weighed in their text.

// rankBlock rounds up how many matches a level query reads, so that the
// queries of every page read the same first refineTop rows (those the
// refinement orders): a level read at all is read refineTop deep, or
// whole.
const rankBlock = refineTop

// signals are what the levels test, drawn from the query's positive
// top-level words.
type signals struct {
	codes []string   // code tokens typed (all must be on the page)
	exact []string   // exact forms of the words typed with marks
	near  [][]string // per exact form: it and the forms one mark away
	runs  [][]Term   // runs of two or more words typed next to each other
	typed [][]Term   // the runs and phrases holding a word typed with marks
}

// level is one combination of signals: code held, exactness (2 all exact,
// 1 all at most one mark away, 0 folded only), words together.
type level struct {
	code, exact, together int
}

func (l level) approx(s signals) bool { return len(s.exact) > 0 && l.exact < 2 }

// analyze draws the signals from the top of a parsed query: a Term, a
// Phrase, or the positive children of an And. Under OR there are no
// signals: the pages are ranked by word weight alone.
func analyze(n Node) signals {
	var s signals
	var main []Node
	switch n := n.(type) {
	case Term, Phrase:
		main = []Node{n}
	case And:
		main = n.Nodes
	}
	var run []Term
	marked := func(ts []Term) bool {
		return slices.ContainsFunc(ts, func(t Term) bool { return t.Exact != "" })
	}
	endRun := func() {
		if len(run) > 1 {
			s.runs = append(s.runs, run)
			if marked(run) {
				s.typed = append(s.typed, run)
			}
		}
		run = nil
	}
	addExact := func(t Term) {
		if t.Exact != "" && !slices.Contains(s.exact, t.Exact) {
			s.exact = append(s.exact, t.Exact)
			s.near = append(s.near, append([]string{t.Exact}, nearForms(t.Exact)...))
		}
	}
	for _, c := range main {
		switch c := c.(type) {
		case Term:
			addExact(c)
			if c.Prefix {
				endRun()
				continue
			}
			run = append(run, c)
		case Phrase:
			endRun()
			for _, t := range c.Terms {
				addExact(t)
			}
			if c.Code != "" {
				s.codes = append(s.codes, c.Code)
			} else if marked(c.Terms) {
				s.typed = append(s.typed, c.Terms)
			}
		default:
			endRun()
		}
	}
	endRun()
	return s
}

// levels lists the levels worth asking for, best first.
func (s signals) levels() []level {
	vals := func(has bool, v ...int) []int {
		if has {
			return v
		}
		return []int{0}
	}
	var out []level
	for _, c := range vals(len(s.codes) > 0, 1, 0) {
		for _, e := range vals(len(s.exact) > 0, 2, 1, 0) {
			for _, t := range vals(len(s.runs) > 0, 1, 0) {
				out = append(out, level{c, e, t})
			}
		}
	}
	return out
}

// dialect writes the conditions of levels in one engine's syntax.
type dialect interface {
	and(a, b string) string
	andNot(a, b string) string
	codes(tokens []string) string  // all code tokens held
	exact(forms [][]string) string // for each entry, one of its forms held exactly
	together(runs [][]Term) string // every run as a phrase
}

// implied is query n without the words that level l's own conditions
// imply: a word typed with marks when the level holds every exact form
// (the exact form is on the page, so is its folded word), a word of a run
// when the level holds the runs together. Fewer terms for the index to
// intersect, and estimates that are not the product of words the pairs
// already hold. nil when nothing is left.
func (s signals) implied(n Node, l level) Node {
	var nodes []Node
	switch n := n.(type) {
	case Term:
		nodes = []Node{n}
	case And:
		nodes = n.Nodes
	default:
		return n
	}
	inRun := func(t Term) bool {
		return slices.ContainsFunc(s.runs, func(r []Term) bool { return slices.Contains(r, t) })
	}
	var kept []Node
	for _, c := range nodes {
		if t, ok := c.(Term); ok && !t.Prefix && ((l.exact == 2 && t.Exact != "") || (l.together == 1 && inRun(t))) {
			continue
		}
		kept = append(kept, c)
	}
	if len(kept) > 0 && !slices.ContainsFunc(kept, positive) {
		return n // only exclusions left: they need the words beside them
	}
	return simplifyAnd(kept)
}

// condition is the query of level l: base (the query less what l implies,
// in the dialect; "" for nothing) restricted to the pages at that level
// and no higher.
func (s signals) condition(d dialect, base string, l level) string {
	pos, neg := s.parts(d, base, l)
	q := pos[0] // base is left out only for a condition that implies it
	for _, p := range pos[1:] {
		q = d.and(q, p)
	}
	for _, n := range neg {
		q = d.andNot(q, n)
	}
	return q
}

// parts are the conditions of level l that a page must meet (pos) and
// must not (neg), base first; see condition.
func (s signals) parts(d dialect, base string, l level) (pos, neg []string) {
	if base != "" {
		pos = append(pos, base)
	}
	if len(s.codes) > 0 {
		if l.code == 1 {
			pos = append(pos, d.codes(s.codes))
		} else {
			neg = append(neg, d.codes(s.codes))
		}
	}
	if len(s.exact) > 0 {
		all := make([][]string, len(s.exact))
		for i, e := range s.exact {
			all[i] = []string{e}
		}
		switch l.exact {
		case 2:
			pos = append(pos, d.exact(all))
		case 1:
			pos, neg = append(pos, d.exact(s.near)), append(neg, d.exact(all))
		case 0:
			neg = append(neg, d.exact(s.near))
		}
	}
	if len(s.runs) > 0 {
		if l.together == 1 {
			pos = append(pos, d.together(s.runs))
		} else {
			neg = append(neg, d.together(s.runs))
		}
	}
	return pos, neg
}

// candidate is a matching page as a level query returns it.
type candidate struct {
	id         int64
	resultCode string
	page       int
	date       time.Time
	level      int // index in levels(), 0 best
	code       bool
	approx     bool
	pos        int // order within the level (newest first)
	rank       int // order in the ranked list
}

// refineTop is how many of the best candidates are weighed in their text:
// the words typed with marks found together as typed (the index holds
// exact forms without positions), then word weight.
const refineTop = 50

// fetchLevel reads up to limit matches of one level condition, newest
// first.
type fetchLevel func(cond string, l level, limit int) ([]candidate, error)

// titledText is what the refinement reads of a page.
type titledText struct{ title, text string }

// rank runs the levels of s best first until need hits are known, and
// returns them ranked: level, then newest first. The first refineTop are
// then ordered within their level by their text: those holding the runs
// typed with marks together and exact first, then by word weight (see
// weigh), newest, result code, page. base writes a query's condition in
// the dialect. complete reports that every match was read (len(cands) is
// their number).
func rank(s signals, n Node, d dialect, base func(Node) string, need int, fetch fetchLevel,
	texts func(ids []int64) (map[int64]titledText, error)) (cands []candidate, complete bool, err error) {
	levels := s.levels()
	complete = true
	for i, l := range levels {
		if len(cands) >= need {
			complete = false
			break
		}
		cond := base(n)
		if len(levels) > 1 {
			cond = ""
			if m := s.implied(n, l); m != nil {
				cond = base(m)
			}
			cond = s.condition(d, cond, l)
		}
		want := need - len(cands)
		want = (want + rankBlock - 1) / rankBlock * rankBlock
		got, err := fetch(cond, l, want)
		if err != nil {
			return nil, false, err
		}
		if len(got) >= want {
			complete = false
		}
		for j := range got {
			got[j].level, got[j].pos, got[j].approx, got[j].code = i, j, l.approx(s), l.code == 1
		}
		cands = append(cands, got...)
	}
	top := cands[:min(len(cands), refineTop)]
	if len(top) > 1 {
		ids := make([]int64, len(top))
		for i, c := range top {
			ids[i] = c.id
		}
		byID, err := texts(ids)
		if err != nil {
			return nil, false, err
		}
		type weighed struct {
			typed  bool
			weight float64
		}
		ws := map[int64]weighed{}
		for _, c := range top {
			if !c.code { // a code names its pages: they come in page order
				t := byID[c.id]
				typed, w := s.weigh(n, t.title, t.text)
				ws[c.id] = weighed{typed, w}
			}
		}
		slices.SortStableFunc(top, func(a, b candidate) int {
			wa, wb := ws[a.id], ws[b.id]
			return cmp.Or(
				cmp.Compare(a.level, b.level),
				-cmpBool(wa.typed, wb.typed),
				cmp.Compare(wb.weight, wa.weight),
				b.date.Compare(a.date),
				cmp.Compare(a.resultCode, b.resultCode),
				cmp.Compare(a.page, b.page))
		})
	}
	for i := range cands {
		cands[i].rank = i
	}
	return cands, complete, nil
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// weigh reads a page for the refinement: whether it holds every run typed
// with marks as typed (words next to each other, marked ones exact), and
// its word weight: for each word or phrase of the query, its count in the
// body (saturating, as bm25 does), more for the exact forms typed, and a
// match in the title or document type counting more than the body.
func (s signals) weigh(n Node, title, text string) (typed bool, weight float64) {
	words, exact := wordForms(text)
	twords, _ := wordForms(title)
	var ms []Node
	collectPositive(n, &ms)
	sat := func(c int) float64 { return float64(c) / (float64(c) + 1.2) }
	for _, m := range ms {
		body, ex, inTitle := 0, 0, false
		markMatches(m, words, func(i int, t Term) {
			body++
			if t.Exact != "" && exact[i] == t.Exact {
				ex++
			}
		})
		markMatches(m, twords, func(int, Term) { inTitle = true })
		weight += sat(body) + 0.5*sat(ex)
		if inTitle {
			weight += 1.5
		}
	}
	typed = len(s.typed) > 0
	for _, run := range s.typed {
		found := false
	next:
		for i := 0; i+len(run) <= len(words) && !found; i++ {
			for j, t := range run {
				if !termMatches(t, words[i+j]) || (t.Exact != "" && exact[i+j] != t.Exact) {
					continue next
				}
			}
			found = true
		}
		typed = typed && found
	}
	return typed, weight
}

// score is the Hit.Score of a candidate among nlevels levels, in the
// order rank gives: the level counts first, then the place within it.
func (c candidate) score(nlevels int) float64 {
	return float64(nlevels-c.level) + 1/float64(2+c.rank)
}
