package index

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/sohoa/sohoa/storage"
)

// pgIndex is the distributed index: PostgreSQL full-text search over a
// tsvector of the folded words, shared by every API server.
//
// The tsvector is built here rather than by to_tsvector, and holds besides
// each word every pair of adjacent words as one lexeme ('thi thuy'): GIN
// does not store positions, so a phrase of common words ("nguyễn thị")
// would otherwise make PostgreSQL recheck every page holding all of them;
// with the pairs, the index itself finds the pages holding the phrase's
// pairs and the positions are checked on those few.
type pgIndex struct{ db *storage.DB }

func (x *pgIndex) Add(ctx context.Context, pages []PageText) error {
	if len(pages) == 0 {
		return nil
	}
	codes := resultCodes(pages)
	n := len(pages)
	var (
		rc, dc, ac, ti, dt, da, tx, wo = make([]string, n), make([]string, n), make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		pg = make([]int64, n)
	)
	for i, p := range pages {
		rc[i], dc[i], ac[i], ti[i], dt[i] = p.ResultCode, p.DossierCode, p.AgencyCode, p.Title, p.DocumentType
		if !p.Date.IsZero() {
			da[i] = p.Date.UTC().Truncate(time.Second).Format(time.RFC3339) // seconds, as on SQLite
		}
		tx[i] = norm.NFC.String(p.Text)
		wo[i] = tsvectorText(newPageDoc(p))
		pg[i] = int64(p.Page)
	}
	err := x.db.Tx(ctx, func(t *sql.Tx) error {
		if _, err := t.ExecContext(ctx, `DELETE FROM search_pages WHERE result_code = ANY($1)`, codes); err != nil {
			return err
		}
		// One statement for the whole batch: arrays unnested server side.
		_, err := t.ExecContext(ctx, `INSERT INTO search_pages
			(result_code, page, dossier_code, agency_code, title, document_type, date, text, words)
			SELECT rc, pg, dc, ac, ti, dt, NULLIF(da, '')::timestamptz, tx, wo::tsvector
			FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
				AS u(rc, pg, dc, ac, ti, dt, da, tx, wo)`,
			rc, pg, dc, ac, ti, dt, da, tx, wo)
		return err
	})
	if err != nil {
		return fmt.Errorf("index: add %s: %w", strings.Join(codes, ","), err)
	}
	return nil
}

func (x *pgIndex) Delete(ctx context.Context, resultCode string) error {
	if _, err := x.db.ExecContext(ctx, `DELETE FROM search_pages WHERE result_code = $1`, resultCode); err != nil {
		return fmt.Errorf("index: delete %s: %w", resultCode, err)
	}
	return nil
}

func (x *pgIndex) Search(ctx context.Context, q Query) (*Results, error) {
	q, n, err := q.normalize()
	if err != nil {
		return nil, err
	}
	res := &Results{Query: String(n), Page: q.Page, PerPage: q.PerPage, Hits: []Hit{}}
	conds, args := filters(q, nil, nil, func(t time.Time) any { return t })
	offset := (q.Page - 1) * q.PerPage
	tx, err := x.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	defer tx.Rollback()
	if n == nil {
		c := ""
		if len(conds) > 0 {
			c = "WHERE " + strings.Join(conds, " AND ")
		}
		return listPages(ctx, tx, res, x.db.Rebind(`SELECT id FROM search_pages p `+c+` ORDER BY result_code COLLATE "C", page LIMIT `+
			strconv.Itoa(q.PerPage)+` OFFSET `+strconv.Itoa(offset)),
			x.db.Rebind(`SELECT 1 FROM search_pages p `+c+` LIMIT `+strconv.Itoa(MaxCount+1)), args, pgDate)
	}
	cond := ""
	if len(conds) > 0 {
		cond = " AND " + strings.Join(conds, " AND ")
	}
	sig := analyze(n)
	levels := sig.levels()
	// exact is a level's condition (level -1: the whole query) and loose
	// the same without word order (see tsq), which the GIN index
	// answers alone: when they differ, the index reads loose and each
	// candidate, newest first, is checked against exact until the level
	// has its rows. The prefixes beside other words are checked there too
	// (see splitPrefixes).
	prefixes := splitPrefixes(n)
	strip := func(m Node) Node {
		if prefixes == "" {
			return m
		}
		return dropPrefixes(m)
	}
	write := func(m Node, l int, loose bool) string {
		q := tsq(strip(m), loose)
		if l >= 0 && len(levels) > 1 {
			q = ""
			if m := sig.implied(n, levels[l]); m != nil {
				q = tsq(strip(m), loose)
			}
			d := tsDialect{loose: loose}
			pos, neg := sig.parts(d, q, levels[l])
			if loose { // leave out the exclusions that need word order
				_, exactNeg := sig.parts(tsDialect{}, q, levels[l])
				neg = slices.DeleteFunc(neg, func(c string) bool { return !slices.Contains(exactNeg, c) })
			}
			q = pos[0]
			for _, p := range pos[1:] {
				q = d.and(q, p)
			}
			for _, c := range neg {
				q = d.andNot(q, c)
			}
		}
		if !loose && prefixes != "" {
			q = "(" + q + ") & " + prefixes
		}
		return q
	}
	var maxID int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM search_pages`).Scan(&maxID); err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	// Every read goes through the GIN index (see readLevel); the
	// planner's estimates of a tsquery with pairs, negations and
	// alternatives are often far off, and its other plans walk the table.
	// One process per query: parallel workers only add start-up on a
	// short read.
	if _, err := tx.ExecContext(ctx, `SELECT set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true),
		set_config('max_parallel_workers_per_gather', '0', true), set_config('work_mem', '32MB', true)`); err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	// The match of a tsquery, newest first, and when check is not "", of
	// check too, tested on the candidates in that order (OFFSET 0 keeps
	// the test out of the index scan, where it would read every
	// candidate's tsvector before the sort).
	match := func(tsq, check string, limit int) (string, []any) {
		a := append([]any{tsq}, args...)
		if check == "" {
			return `SELECT p.id, p.result_code, p.page, p.date FROM search_pages p WHERE ` + slicedWords + ` @@ ?::tsquery` + cond +
				` ORDER BY p.id DESC LIMIT ` + strconv.Itoa(limit), a
		}
		return `SELECT c.id, c.result_code, c.page, c.date FROM (SELECT p.id, p.result_code, p.page, p.date, p.words
			FROM search_pages p WHERE ` + slicedWords + ` @@ ?::tsquery` + cond + ` ORDER BY p.id DESC OFFSET 0) AS c
			WHERE c.words @@ ?::tsquery LIMIT ` + strconv.Itoa(limit), append(a, check)
	}
	cands, complete, err := rank(sig, n, tsDialect{}, tsquery, offset+q.PerPage, func(_ string, l level, limit int) ([]candidate, error) {
		exact, loose := write(n, slices.Index(levels, l), false), write(n, slices.Index(levels, l), true)
		check := ""
		if exact != loose {
			check = exact
		}
		return readLevel(maxID, loose, limit, func(tsq string) ([]candidate, error) {
			query, a := match(tsq, check, limit)
			rows, err := tx.QueryContext(ctx, x.db.Rebind(query), a...)
			if err != nil {
				return nil, err
			}
			return scanCandidates(rows, pgDate)
		})
	}, func(ids []int64) (map[int64]titledText, error) { return pageTexts(ctx, tx, ids) })
	if err != nil {
		return nil, fmt.Errorf("index: search %q: %w", res.Query, err)
	}
	var count func() (int, error)
	if !complete {
		count = func() (int, error) {
			counted := func(tsq, check string) (int, error) {
				query, a := match(tsq, check, MaxCount+1)
				var n int
				err := tx.QueryRowContext(ctx, x.db.Rebind(`SELECT count(*) FROM (`+query+`) AS m`), a...).Scan(&n)
				return n, err
			}
			exact, loose := write(n, -1, false), write(n, -1, true)
			total, err := countMatches(maxID, loose, func(tsq string) (int, error) { return counted(tsq, "") })
			if err != nil || exact == loose || total > maxChecked {
				return total, err
			}
			return counted(loose, exact)
		}
	}
	return hitPages(ctx, tx, res, n, cands, len(sig.levels()), offset, count, pgDate)
}

// splitPrefixes returns the prefixes of a query that are checked on the
// pages the index finds for its other words (see dropPrefixes), as a
// tsquery; "" when the index answers the whole query. A GIN index reads
// every posting list a prefix covers, whole: nh:* (nhà, nhận, những...)
// is most of the index, hundreds of milliseconds at 1M pages, with no
// window to bound it. Beside another word, a prefix is checked on the
// pages holding that word instead (each page's tsvector read back: tens
// of microseconds, for the few candidates of a window). Alone, it is left
// to the index.
func splitPrefixes(n Node) string {
	a, ok := n.(And)
	if !ok {
		return ""
	}
	var in, out []Node
	for _, c := range a.Nodes {
		if isPrefix(c) {
			out = append(out, c)
		} else {
			in = append(in, c)
		}
	}
	if len(out) == 0 || !slices.ContainsFunc(in, positive) {
		return ""
	}
	return tsquery(simplifyAnd(out))
}

// dropPrefixes is n without its top-level prefixes (nil when nothing is
// left).
func dropPrefixes(n Node) Node {
	switch n := n.(type) {
	case And:
		var in []Node
		for _, c := range n.Nodes {
			if !isPrefix(c) {
				in = append(in, c)
			}
		}
		return simplifyAnd(in)
	case nil:
		return nil
	}
	if isPrefix(n) {
		return nil
	}
	return n
}

// isPrefix reports whether n is a prefix or a phrase ending with one.
func isPrefix(n Node) bool {
	switch n := n.(type) {
	case Term:
		return n.Prefix
	case Phrase:
		return n.Terms[len(n.Terms)-1].Prefix
	}
	return false
}

// The GIN index of search_pages holds, besides each page's words, the
// lexeme of its slice: '@' and its id shifted right by sliceShift, the
// 4,096 consecutive ids it belongs to (ids follow the order pages were
// added). A tsquery ANDed with the slices of the newest ids makes the
// index read the posting lists of those ids only: the rarest entries (the
// slices) drive the scan and the common words' lists are skipped to them,
// so reading the newest matches of a word on half the pages costs a few
// thousand entries, not half a million.
const (
	sliceShift  = 12
	slicedWords = `(p.words || array_to_tsvector(ARRAY['@' || (p.id >> 12)::text]))`
	// maxWindow is the most slices a window names; a level that needs
	// more is read whole.
	maxWindow = 64
)

// withinSlices is tsquery cond restricted to the pages of the slices from
// to top, both included.
func withinSlices(cond string, from, top int64) string {
	parts := make([]string, 0, top-from+1)
	for s := top; s >= from; s-- {
		parts = append(parts, "'@"+strconv.FormatInt(s, 10)+"'")
	}
	return "(" + cond + ") & (" + strings.Join(parts, " | ") + ")"
}

// readLevel reads the newest limit matches of the level tsquery cond
// (pages up to id maxID) through read, which returns the newest limit
// matches of a tsquery, newest first.
//
// A window of the newest slices is read first, one slice wide; when it
// holds fewer than limit matches, a window sized from the density seen to
// hold about twice as many, at least twice as wide; past maxWindow slices,
// or when 8 slices hold none (a sparse level: codes, exact marks, words
// together, most of them), the whole level, which the index then reads by
// its rarest entries. Each read goes through the GIN index and visits only
// the matches of its window in the table: no tsvector is read back (a
// page's is 6 KB), except to check the order of a phrase of three words
// or more on the pages holding all its pairs.
func readLevel(maxID int64, cond string, limit int, read func(tsq string) ([]candidate, error)) ([]candidate, error) {
	top := maxID >> sliceShift
	for width := int64(1); width <= top && width <= maxWindow; {
		got, err := read(withinSlices(cond, top-width+1, top))
		if err != nil || len(got) >= limit {
			return got, err
		}
		next := width * 8
		if len(got) > 0 {
			next = width * int64(2*limit) / int64(len(got))
		} else if width >= 8 {
			// None among the newest: a rare level, read whole by its
			// rarest entries. A window is an OR of slices, and when the
			// query's own entries are rarer than a slice (a name's
			// pairs: hundreds of pages), the index moves every slice's
			// list to each candidate: 64 slices cost 330 ms where the
			// whole level cost 1 ms.
			break
		}
		width = max(next, 2*width)
	}
	return read(cond)
}

// maxChecked is the most candidates of a query that needs word order or
// prefixes checked (see tsq) whose count is checked too: beyond
// it, the count is of the pages holding the words and pairs, order and
// prefixes unchecked (reading back a tsvector for each of thousands of
// pages would cost seconds).
const maxChecked = 300

// countMatches counts the matches of tsquery base up to MaxCount+1, by
// count, which counts the matches of a tsquery (at most MaxCount+1).
// Windows of the newest slices go first, as in readLevel: a common word
// is on more than MaxCount of the newest pages.
func countMatches(maxID int64, base string, count func(tsq string) (int, error)) (int, error) {
	top := maxID >> sliceShift
	for width := int64(1); width <= top && width <= maxWindow; width *= 8 {
		n, err := count(withinSlices(base, top-width+1, top))
		if err != nil || n > MaxCount {
			return n, err
		}
	}
	return count(base)
}

func pgDate(v any) (time.Time, error) {
	switch v := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return v.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("unexpected date %T", v)
}

// tsDialect writes level conditions as tsquery input; loose, without
// word order (see tsq).
type tsDialect struct{ loose bool }

func (tsDialect) and(a, b string) string    { return "(" + a + " & " + b + ")" }
func (tsDialect) andNot(a, b string) string { return "(" + a + " & !" + b + ")" }
func (tsDialect) codes(ts []string) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = tsLexeme(codeLexeme(t))
	}
	return "(" + strings.Join(parts, " & ") + ")"
}
func (tsDialect) exact(forms [][]string) string {
	var all []string
	for _, fs := range forms {
		or := make([]string, len(fs))
		for i, f := range fs {
			or[i] = tsLexeme(exactLexeme(f))
		}
		all = append(all, "("+strings.Join(or, " | ")+")")
	}
	return "(" + strings.Join(all, " & ") + ")"
}
func (d tsDialect) together(runs [][]Term) string {
	parts := make([]string, len(runs))
	for i, r := range runs {
		parts[i] = tsq(Phrase{Terms: r}, d.loose)
	}
	return "(" + strings.Join(parts, " & ") + ")"
}

// maxPos is the last position a tsvector records.
const maxPos = 16383

// tsvectorText is the tsvector literal of a page: each body word and each
// pair of adjacent words with its positions, the title's words and pairs
// after them with weight A, and without positions (only tested for
// presence) the exact forms of marked words and the codes. Words hold
// only letters and digits, so they need no escaping.
func tsvectorText(d pageDoc) string {
	type lexeme struct {
		pos    []int
		weight []string
	}
	lex := map[string]*lexeme{}
	var order []string
	add := func(l string, p int, weight string) {
		if len(l) > 2000 { // PostgreSQL refuses lexemes over 2 KB
			return
		}
		e := lex[l]
		if e == nil {
			e = &lexeme{}
			lex[l] = e
			order = append(order, l)
		}
		if p == 0 {
			return
		}
		p = min(p, maxPos)
		if len(e.pos) > 0 && e.pos[len(e.pos)-1] == p {
			return
		}
		e.pos = append(e.pos, p)
		e.weight = append(e.weight, weight)
	}
	words := func(ws []string, from int, weight string) {
		for i, w := range ws {
			add(w, from+i, weight)
			if i+1 < len(ws) {
				add(pairLexeme(w, ws[i+1]), from+i, weight)
			}
		}
	}
	words(d.words, 1, "")
	words(d.title, len(d.words)+2, "A")
	for _, e := range d.exact {
		add(exactLexeme(e), 0, "")
	}
	for _, c := range d.codes {
		add(codeLexeme(c), 0, "")
	}
	var b strings.Builder
	for i, l := range order {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(tsLexeme(l))
		e := lex[l]
		for j, p := range e.pos {
			if j == 0 {
				b.WriteByte(':')
			} else {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(p))
			b.WriteString(e.weight[j])
		}
	}
	return b.String()
}
