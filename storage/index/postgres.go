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
type pgIndex struct {
	db    *storage.DB
	freqs freqCache // for the plan of each search (see windowed)
}

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
		pageSQL, countSQL := filterSQL(conds, `result_code COLLATE "C"`, q.PerPage, offset)
		return listPages(ctx, tx, res, x.db.Rebind(pageSQL), x.db.Rebind(countSQL), args, pgDate)
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
	freqs, err := x.freqs.get(ctx, tx) // in tx: the pool may hold one connection
	if err != nil {
		return nil, err
	}
	pl := plan{freqs: freqs}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM search_pages`).Scan(&pl.maxID); err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	// Every read goes through the GIN index (see windowed); the
	// planner's estimates of a tsquery with pairs, negations and
	// alternatives are often far off, and its other plans walk the table.
	// One process per query: parallel workers only add start-up on a
	// short read.
	if _, err := tx.ExecContext(ctx, `SELECT set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true),
		set_config('max_parallel_workers_per_gather', '0', true), set_config('work_mem', '32MB', true)`); err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	// The matches of a tsquery below id below (0: no bound), and when
	// check is not "", of check too, tested on the candidates (OFFSET 0
	// keeps the test out of the index scan, where it would read every
	// candidate's tsvector before the sort). sorted: newest first, and
	// the columns of a candidate; otherwise any order, the id alone.
	match := func(tsq, check string, below int64, limit int, sorted bool) (string, []any) {
		a := append([]any{tsq}, args...)
		where := `FROM search_pages p WHERE ` + slicedWords + ` @@ ?::tsquery` + cond
		if below > 0 {
			where += ` AND p.id < ` + strconv.FormatInt(below, 10) // an integer: no injection
		}
		cols, order := `id`, ``
		if sorted {
			cols, order = `id, result_code, page, date`, ` ORDER BY p.id DESC`
		}
		lim := ` LIMIT ` + strconv.Itoa(limit)
		if check == "" {
			return `SELECT ` + cols + ` ` + where + order + lim, a
		}
		return `SELECT ` + cols + ` FROM (SELECT p.` + strings.ReplaceAll(cols, ", ", ", p.") + `, p.words ` + where + order + ` OFFSET 0) AS c
			WHERE c.words @@ ?::tsquery` + lim, append(a, check)
	}
	cands, complete, err := rank(sig, n, tsDialect{}, tsquery, offset+q.PerPage, func(_ string, l level, limit int) ([]candidate, error) {
		exact, loose := write(n, slices.Index(levels, l), false), write(n, slices.Index(levels, l), true)
		check := ""
		if exact != loose {
			check = exact
		}
		var got []candidate
		_, err := pl.windowed(loose, limit, true, func(tsq string, below int64, limit int) (int, error) {
			query, a := match(tsq, check, below, limit, true)
			rows, err := tx.QueryContext(ctx, x.db.Rebind(query), a...)
			if err != nil {
				return 0, err
			}
			c, err := scanCandidates(rows, pgDate)
			got = append(got, c...)
			return len(c), err
		})
		return got, err
	}, func(ids []int64) (map[int64]titledText, error) { return pageTexts(ctx, tx, ids) })
	if err != nil {
		return nil, fmt.Errorf("index: search %q: %w", res.Query, err)
	}
	var count func() (int, error)
	if !complete {
		count = func() (int, error) {
			counted := func(tsq, check string, below int64, limit int) (int, error) {
				query, a := match(tsq, check, below, limit, false)
				var n int
				err := tx.QueryRowContext(ctx, x.db.Rebind(`SELECT count(*) FROM (`+query+`) AS m`), a...).Scan(&n)
				return n, err
			}
			exact, loose := write(n, -1, false), write(n, -1, true)
			total, err := pl.windowed(loose, MaxCount+1, false, func(tsq string, below int64, limit int) (int, error) {
				return counted(tsq, "", below, limit)
			})
			if err != nil || exact == loose || total > maxChecked {
				return total, err
			}
			return counted(loose, exact, 0, MaxCount+1)
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
// thousand entries, not half a million (see windowed for when a level is
// read whole instead).
const (
	sliceShift  = 12
	slicedWords = `(p.words || array_to_tsvector(ARRAY['@' || (p.id >> 12)::text]))`
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

// maxChecked is the most candidates of a query that needs word order or
// prefixes checked (see tsq) whose count is checked too: beyond
// it, the count is of the pages holding the words and pairs, order and
// prefixes unchecked (reading back a tsvector for each of thousands of
// pages would cost seconds).
const maxChecked = 300

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
