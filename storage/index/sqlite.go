package index

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/sohoa/sohoa/storage"
)

// sqliteIndex is the embedded index: SQLite FTS5.
type sqliteIndex struct{ db *storage.DB }

func (x *sqliteIndex) Add(ctx context.Context, pages []PageText) error {
	if len(pages) == 0 {
		return nil
	}
	codes := resultCodes(pages)
	docs := make([]pageDoc, len(pages))
	for i := range pages {
		docs[i] = newPageDoc(pages[i])
	}
	err := x.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, c := range codes {
			if err := sqliteDelete(ctx, tx, c); err != nil {
				return err
			}
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO search_pages
			(result_code, page, dossier_code, agency_code, title, document_type, date, text)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		fts, err := tx.PrepareContext(ctx, `INSERT INTO search_fts (rowid, words, exact, title, codes, meta) VALUES (?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer fts.Close()
		for i, p := range pages {
			res, err := ins.ExecContext(ctx, p.ResultCode, p.Page, p.DossierCode, p.AgencyCode,
				p.Title, p.DocumentType, unixOrNull(p.Date), norm.NFC.String(p.Text))
			if err != nil {
				return fmt.Errorf("page %d: %w", p.Page, err)
			}
			id, err := res.LastInsertId()
			if err != nil {
				return err
			}
			d := &docs[i]
			if _, err := fts.ExecContext(ctx, id, strings.Join(d.words, " "), strings.Join(d.exact, " "),
				strings.Join(d.title, " "), strings.Join(d.codes, " "), strings.Join(metaTokens(p), " ")); err != nil {
				return fmt.Errorf("page %d: %w", p.Page, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index: add %s: %w", strings.Join(codes, ","), err)
	}
	return nil
}

func sqliteDelete(ctx context.Context, tx *sql.Tx, code string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_fts WHERE rowid IN
		(SELECT id FROM search_pages WHERE result_code = ?)`, code); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM search_pages WHERE result_code = ?`, code)
	return err
}

func (x *sqliteIndex) Delete(ctx context.Context, resultCode string) error {
	err := x.db.Tx(ctx, func(tx *sql.Tx) error { return sqliteDelete(ctx, tx, resultCode) })
	if err != nil {
		return fmt.Errorf("index: delete %s: %w", resultCode, err)
	}
	return nil
}

func (x *sqliteIndex) Search(ctx context.Context, q Query) (*Results, error) {
	q, n, err := q.normalize()
	if err != nil {
		return nil, err
	}
	res := &Results{Query: String(n), Page: q.Page, PerPage: q.PerPage, Hits: []Hit{}}
	where, args := filters(q, nil, nil, func(t time.Time) any { return t.Unix() })
	cond := ""
	if len(where) > 0 {
		cond = " AND " + strings.Join(where, " AND ")
	}
	offset := (q.Page - 1) * q.PerPage
	if n == nil {
		pageSQL, countSQL := filterSQL(where, "result_code", q.PerPage, offset)
		return listPages(ctx, x.db.DB, res, pageSQL, countSQL, args, sqliteDate)
	}
	// CROSS JOIN keeps FTS5 the outer loop, newest first (rowid order
	// needs no sort): the filters are in the MATCH already (meta tokens),
	// an index on search_pages would only make SQLite probe FTS5 once per
	// row. bm25 is computed for the rows read only.
	from := `search_fts CROSS JOIN search_pages p ON p.id = search_fts.rowid WHERE search_fts MATCH ?` + cond
	sig := analyze(n)
	base := fts5(n)
	cands, complete, err := rank(sig, n, ftsDialect{}, fts5, offset+q.PerPage, func(c string, _ level, limit int) ([]candidate, error) {
		rows, err := x.db.QueryContext(ctx, `SELECT p.id, p.result_code, p.page, p.date
			FROM `+from+` ORDER BY search_fts.rowid DESC LIMIT `+strconv.Itoa(limit), append([]any{sqliteMatch(c, q)}, args...)...)
		if err != nil {
			return nil, err
		}
		return scanCandidates(rows, sqliteDate)
	}, func(ids []int64) (map[int64]titledText, error) { return pageTexts(ctx, x.db.DB, ids) })
	if err != nil {
		return nil, fmt.Errorf("index: search %q: %w", res.Query, err)
	}
	var count func() (int, error)
	if !complete {
		// Without filters, the count needs no row of search_pages.
		countSQL, countArgs := `SELECT 1 FROM `+from+` LIMIT `+strconv.Itoa(MaxCount+1), append([]any{sqliteMatch(base, q)}, args...)
		if len(where) == 0 {
			countSQL = `SELECT 1 FROM search_fts WHERE search_fts MATCH ? LIMIT ` + strconv.Itoa(MaxCount+1)
		}
		count = func() (n int, err error) {
			err = x.db.QueryRowContext(ctx, `SELECT count(*) FROM (`+countSQL+`) AS c`, countArgs...).Scan(&n)
			return n, err
		}
	}
	return hitPages(ctx, x.db.DB, res, n, cands, len(sig.levels()), offset, count, sqliteDate)
}

func sqliteDate(v any) (time.Time, error) {
	switch v := v.(type) {
	case nil:
		return time.Time{}, nil
	case int64:
		return time.Unix(v, 0).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("unexpected date %T", v)
}

// ftsDialect writes level conditions as FTS5 expressions.
type ftsDialect struct{}

func (ftsDialect) and(a, b string) string    { return "(" + a + ") AND (" + b + ")" }
func (ftsDialect) andNot(a, b string) string { return "(" + a + ") NOT (" + b + ")" }
func (ftsDialect) codes(ts []string) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = `"` + t + `"`
	}
	return `codes : (` + strings.Join(parts, " AND ") + `)`
}
func (ftsDialect) exact(forms [][]string) string {
	var all []string
	for _, fs := range forms {
		or := make([]string, len(fs))
		for i, f := range fs {
			or[i] = `"` + f + `"`
		}
		all = append(all, "("+strings.Join(or, " OR ")+")")
	}
	return `exact : (` + strings.Join(all, " AND ") + `)`
}
func (ftsDialect) together(runs [][]Term) string {
	parts := make([]string, len(runs))
	for i, r := range runs {
		parts[i] = fts5Phrase(r)
	}
	return strings.Join(parts, " AND ")
}

// metaTokens are the filter values of a page as FTS5 words: agency,
// dossier code, document type and month, each folded to letters and
// digits behind a prefix of its own. They only narrow the match; the exact
// filters are still checked on search_pages.
func metaTokens(p PageText) []string {
	tok := func(prefix, v string) string { return prefix + strings.Join(Words(v), "") }
	out := []string{tok("xa", p.AgencyCode), tok("xd", p.DossierCode), tok("xt", p.DocumentType)}
	if !p.Date.IsZero() {
		out = append(out, p.Date.UTC().Format("xm200601"))
	}
	return out
}

// maxMonths is the longest date range narrowed by month tokens; a longer
// one would make a long OR for little gain.
const maxMonths = 36

// sqliteMatch is the FTS5 expression expr restricted by q's filters.
func sqliteMatch(expr string, q Query) string {
	m := `(` + expr + `)`
	probe := metaTokens(PageText{AgencyCode: q.AgencyCode, DossierCode: q.DossierCode, DocumentType: q.DocumentType})
	for i, v := range []string{q.AgencyCode, q.DossierCode, q.DocumentType} {
		if v != "" {
			m += ` AND meta : "` + probe[i] + `"`
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() {
		var months []string
		for t := time.Date(q.From.Year(), q.From.Month(), 1, 0, 0, 0, 0, time.UTC); t.Before(q.To) && len(months) <= maxMonths; t = t.AddDate(0, 1, 0) {
			months = append(months, `"`+t.Format("xm200601")+`"`)
		}
		if len(months) <= maxMonths {
			m += ` AND meta : (` + strings.Join(months, " OR ") + `)`
		}
	}
	return m
}

func unixOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

// resultCodes lists the distinct result codes of pages, in order.
func resultCodes(pages []PageText) []string {
	var codes []string
	seen := map[string]bool{}
	for _, p := range pages {
		if !seen[p.ResultCode] {
			seen[p.ResultCode] = true
			codes = append(codes, p.ResultCode)
		}
	}
	return codes
}

// filters appends the conditions of q's filters ('?' placeholders, table
// alias p); date converts a date bound to the stored type.
func filters(q Query, where []string, args []any, date func(time.Time) any) ([]string, []any) {
	if q.AgencyCode != "" {
		where, args = append(where, `p.agency_code = ?`), append(args, q.AgencyCode)
	}
	if q.DossierCode != "" {
		where, args = append(where, `p.dossier_code = ?`), append(args, q.DossierCode)
	}
	if q.DocumentType != "" {
		where, args = append(where, `p.document_type = ?`), append(args, q.DocumentType)
	}
	if !q.From.IsZero() {
		where, args = append(where, `p.date >= ?`), append(args, date(q.From))
	}
	if !q.To.IsZero() {
		where, args = append(where, `p.date < ?`), append(args, date(q.To))
	}
	if q.Results != nil {
		if sub, a := q.Results.ResultsSQL(); sub != "" {
			where, args = append(where, `p.result_code IN (`+sub+`)`), append(args, a...)
		}
	}
	return where, args
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanCandidates reads rows of (id, result code, page, date).
func scanCandidates(rows *sql.Rows, date func(any) (time.Time, error)) ([]candidate, error) {
	return storage.Collect(rows, nil, func(sc storage.RowScanner) (c candidate, err error) {
		var d any
		if err := sc.Scan(&c.id, &c.resultCode, &c.page, &d); err != nil {
			return c, err
		}
		c.date, err = date(d)
		return c, err
	})
}

// hitPages fills res with the hits cands[offset:offset+PerPage] (their
// rows read from search_pages, their snippets cut) and the count of
// matches (count: at most MaxCount+1; nil when cands holds every match).
func hitPages(ctx context.Context, db querier, res *Results, n Node, cands []candidate, nlevels, offset int,
	count func() (int, error), date func(any) (time.Time, error)) (*Results, error) {
	total := len(cands)
	if offset < len(cands) {
		cands = cands[offset:min(len(cands), offset+res.PerPage)]
	} else {
		cands = nil
	}
	if err := readHits(ctx, db, res, n, cands, nlevels, date); err != nil {
		return nil, fmt.Errorf("index: search %q: %w", res.Query, err)
	}
	if count != nil {
		var err error
		if total, err = count(); err != nil {
			return nil, fmt.Errorf("index: count %q: %w", res.Query, err)
		}
	}
	res.Total, res.Capped = min(total, MaxCount), total > MaxCount
	return res, nil
}

// filterSQL is how a query of filters alone reads (see listPages): every
// page of the results that meet conds, ordered by result code (byCode: the
// dialect's collation of it) and page, perPage of them after offset, and
// at most MaxCount+1 rows to count them.
func filterSQL(conds []string, byCode string, perPage, offset int) (pageSQL, countSQL string) {
	where := ""
	if len(conds) > 0 {
		where = "WHERE " + strings.Join(conds, " AND ")
	}
	return `SELECT id FROM search_pages p ` + where + ` ORDER BY ` + byCode + `, page LIMIT ` + strconv.Itoa(perPage) + ` OFFSET ` + strconv.Itoa(offset),
		`SELECT 1 FROM search_pages p ` + where + ` LIMIT ` + strconv.Itoa(MaxCount+1)
}

// listPages fills res with the pages whose ids pageSQL lists, in order,
// and the count of countSQL's rows.
func listPages(ctx context.Context, db querier, res *Results, pageSQL, countSQL string, args []any, date func(any) (time.Time, error)) (*Results, error) {
	rows, err := db.QueryContext(ctx, pageSQL, args...)
	cands, err := storage.Collect(rows, err, func(sc storage.RowScanner) (c candidate, err error) {
		err = sc.Scan(&c.id)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("index: list: %w", err)
	}
	if err := readHits(ctx, db, res, nil, cands, 0, date); err != nil {
		return nil, fmt.Errorf("index: list: %w", err)
	}
	total := 0
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM (`+countSQL+`) AS c`, args...).Scan(&total); err != nil {
		return nil, fmt.Errorf("index: count: %w", err)
	}
	res.Total, res.Capped = min(total, MaxCount), total > MaxCount
	return res, nil
}

// pageTexts reads the titles and texts of pages by id.
func pageTexts(ctx context.Context, db querier, ids []int64) (map[int64]titledText, error) {
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = strconv.FormatInt(id, 10) // integers: no injection
	}
	rows, err := db.QueryContext(ctx, `SELECT id, title || ' ' || document_type, text FROM search_pages WHERE id IN (`+strings.Join(list, ",")+`)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]titledText{}
	for rows.Next() {
		var id int64
		var t titledText
		if err := rows.Scan(&id, &t.title, &t.text); err != nil {
			return nil, err
		}
		out[id] = t
	}
	return out, rows.Err()
}

// readHits reads the rows of cands from search_pages and appends them to
// res.Hits in the order of cands, with their snippets.
func readHits(ctx context.Context, db querier, res *Results, n Node, cands []candidate, nlevels int, date func(any) (time.Time, error)) error {
	if len(cands) == 0 {
		return nil
	}
	ids := make([]string, len(cands))
	for i, c := range cands {
		ids[i] = strconv.FormatInt(c.id, 10) // integers: no injection
	}
	rows, err := db.QueryContext(ctx, `SELECT id, result_code, dossier_code, agency_code, title, document_type, date, page, text
		FROM search_pages WHERE id IN (`+strings.Join(ids, ",")+`)`)
	if err != nil {
		return err
	}
	defer rows.Close()
	byID := map[int64]int{}
	for i, c := range cands {
		byID[c.id] = i
	}
	hits := make([]Hit, len(cands))
	for rows.Next() {
		var h Hit
		var id int64
		var text string
		var d any
		if err := rows.Scan(&id, &h.ResultCode, &h.DossierCode, &h.AgencyCode, &h.Title, &h.DocumentType, &d, &h.Page, &text); err != nil {
			return err
		}
		if h.Date, err = date(d); err != nil {
			return err
		}
		i := byID[id]
		if n != nil {
			h.Score, h.Approx = cands[i].score(nlevels), cands[i].approx
		}
		h.Snippet = Snippet(text, n)
		hits[i] = h
	}
	if err := rows.Err(); err != nil {
		return err
	}
	res.Hits = append(res.Hits, hits...)
	return nil
}
