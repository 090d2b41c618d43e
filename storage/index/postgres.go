package index

import (
	"cmp"
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
	base := tsquery(n)
	var maxID int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM search_pages`).Scan(&maxID); err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	// From here on every read goes through an index, as readLevel says:
	// the planner's choice between them is not to be trusted here.
	if _, err := tx.ExecContext(ctx, `SELECT set_config('enable_seqscan', 'off', true), set_config('work_mem', '32MB', true)`); err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	walking := true // enable_indexscan's value in tx
	scan := func(walk bool) error {
		if walk == walking {
			return nil
		}
		walking = walk
		_, err := tx.ExecContext(ctx, `SELECT set_config('enable_indexscan', $1, true), set_config('enable_bitmapscan', $2, true)`,
			strconv.FormatBool(walk), strconv.FormatBool(!walk))
		return err
	}
	if err := scan(false); err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	match := `SELECT p.id, p.result_code, p.page, p.date FROM search_pages p WHERE p.words @@ ?::tsquery` + cond
	cands, complete, err := rank(sig, n, tsDialect{}, base, offset+q.PerPage, func(c string, limit int) ([]candidate, error) {
		return readLevel(maxID, limit, func(sql string, walk bool) ([]candidate, error) {
			if err := scan(walk); err != nil {
				return nil, err
			}
			rows, err := tx.QueryContext(ctx, x.db.Rebind(match+sql), append([]any{c}, args...)...)
			if err != nil {
				return nil, err
			}
			return scanCandidates(rows, pgDate)
		})
	}, func(ids []int64) (map[int64]titledText, error) { return pageTexts(ctx, tx, ids) })
	if err != nil {
		return nil, fmt.Errorf("index: search %q: %w", res.Query, err)
	}
	count := x.db.Rebind(`SELECT 1 FROM search_pages p WHERE p.words @@ ?::tsquery` + cond + ` LIMIT ` + strconv.Itoa(MaxCount+1))
	if complete {
		count = ""
	} else if err := scan(false); err != nil {
		return nil, fmt.Errorf("index: count %q: %w", res.Query, err)
	}
	return hitPages(ctx, tx, res, n, cands, len(sig.levels()), offset, count, append([]any{base}, args...), pgDate)
}

// readLevel reads the newest limit matches of one level condition (ids
// up to maxID) through read, which runs the match query with the SQL
// appended (conditions on p.id, ORDER BY, LIMIT), by a bitmap of the GIN
// index or, walk set, by walking the primary key from the newest id.
//
// Left to itself the planner walks the primary key whenever it believes a
// level common; its estimates of a tsquery with pairs, negations and
// alternatives are often far off, and on a sparse level the walk tests
// the tsvector of every page (detoasted: tens of microseconds each): the
// whole table, seconds at 1M pages. Reading every match through the GIN
// index instead costs, on a common level, a visit per match (half the
// table for "nguyễn"). So each level is read in steps bounded by what
// the previous found:
//
//   - the GIN index first, up to 3*limit matches: a sparse level (most of
//     them: codes, exact marks, words together) is all there, and is
//     sorted newest first here;
//   - a denser one is walked from the newest id over a window sized from
//     the density the first read saw (heap order follows id order: pages
//     are appended) to hold about 3*limit matches, then once over a
//     window eight times larger if that was not enough;
//   - the rest, if still short (the newest pages held few matches), is
//     read through the GIN index below the windows walked.
func readLevel(maxID int64, limit int, read func(sql string, walk bool) ([]candidate, error)) ([]candidate, error) {
	gather := 3 * limit
	got, err := read(` LIMIT `+strconv.Itoa(gather+1), false)
	if err != nil {
		return nil, err
	}
	if len(got) <= gather {
		slices.SortFunc(got, func(a, b candidate) int { return cmp.Compare(b.id, a.id) })
		return got[:min(len(got), limit)], nil
	}
	lo, hi := got[0].id, got[0].id
	for _, c := range got {
		lo, hi = min(lo, c.id), max(hi, c.id)
	}
	window := max(1, (hi-lo+1)*int64(3*limit)/int64(len(got)))
	var out []candidate
	top := maxID // the ids above top are read
	for range 2 {
		if len(out) >= limit || top-window <= 0 {
			break
		}
		more, err := read(` AND p.id > `+strconv.FormatInt(top-window, 10)+` AND p.id <= `+strconv.FormatInt(top, 10)+
			` ORDER BY p.id DESC LIMIT `+strconv.Itoa(limit-len(out)), true)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
		top -= window
		window *= 8
	}
	if len(out) < limit {
		more, err := read(` AND p.id <= `+strconv.FormatInt(top, 10)+` ORDER BY p.id DESC LIMIT `+strconv.Itoa(limit-len(out)), false)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
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

// tsDialect writes level conditions as tsquery input.
type tsDialect struct{}

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
func (tsDialect) together(runs [][]Term) string {
	parts := make([]string, len(runs))
	for i, r := range runs {
		parts[i] = tsquery(Phrase{Terms: r})
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
