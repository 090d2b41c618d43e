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

// sqliteIndex is the embedded index: SQLite FTS5.
type sqliteIndex struct{ db *storage.DB }

func (x *sqliteIndex) Add(ctx context.Context, pages []PageText) error {
	if len(pages) == 0 {
		return nil
	}
	codes := resultCodes(pages)
	words := make([]string, len(pages))
	for i := range pages {
		words[i] = indexText(pages[i].Text)
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
		fts, err := tx.PrepareContext(ctx, `INSERT INTO search_fts (rowid, words, meta) VALUES (?, ?, ?)`)
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
			if _, err := fts.ExecContext(ctx, id, words[i], strings.Join(metaTokens(p), " ")); err != nil {
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
	var where []string
	var args []any
	var from, score, order string
	if n != nil {
		// FTS5 walks the matches newest first (rowid order needs no
		// sort) and stops at the limit; only MaxHits get a bm25 score.
		where = append(where, `search_fts MATCH ?`)
		args = append(args, sqliteMatch(n, q))
		// CROSS JOIN keeps FTS5 the outer loop: the filters are in the
		// MATCH already (meta tokens), an index on search_pages would only
		// make SQLite probe FTS5 once per row.
		from = `search_fts CROSS JOIN search_pages p ON p.id = search_fts.rowid`
		score = `-bm25(search_fts, 1.0, 0.0)`
		order = `search_fts.rowid DESC`
	} else {
		from, score, order = `search_pages p`, `0.0`, `p.result_code, p.page`
	}
	where, args = filters(q, where, args, func(t time.Time) any { return t.Unix() })
	cond := ""
	if len(where) > 0 {
		cond = "WHERE " + strings.Join(where, " AND ")
	}
	cands := `SELECT p.id, p.result_code, p.page, ` + score + ` AS score FROM ` + from + ` ` + cond + ` ORDER BY ` + order + ` LIMIT ` + strconv.Itoa(MaxHits)
	count := `SELECT 1 FROM ` + from + ` ` + cond + ` LIMIT ` + strconv.Itoa(MaxCount+1)
	offset := (q.Page - 1) * q.PerPage
	limit := min(q.PerPage, MaxHits-offset)
	// Sort the candidates' keys, then read the full rows (the text) of
	// one page of hits only; count the matches without ranking them.
	pageSQL := `WITH c AS MATERIALIZED (` + cands + `),
		top AS (SELECT id, result_code, page, score FROM c
			ORDER BY score DESC, result_code, page LIMIT ` + strconv.Itoa(limit) + ` OFFSET ` + strconv.Itoa(offset) + `)
		SELECT p.result_code, p.dossier_code, p.agency_code, p.title, p.document_type, p.date, p.page, p.text, top.score,
			(SELECT count(*) FROM (` + count + `))
		FROM top JOIN search_pages p ON p.id = top.id
		ORDER BY top.score DESC, top.result_code, top.page`
	return runSearch(ctx, x.db.DB, q, n, pageSQL, count, append(slices.Clone(args), args...), args,
		func(v any) (time.Time, error) {
			switch v := v.(type) {
			case nil:
				return time.Time{}, nil
			case int64:
				return time.Unix(v, 0).UTC(), nil
			}
			return time.Time{}, fmt.Errorf("unexpected date %T", v)
		})
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

// sqliteMatch is the FTS5 expression of n restricted by q's filters.
func sqliteMatch(n Node, q Query) string {
	m := `words : (` + fts5(n) + `)`
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
	return where, args
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// runSearch runs pageSQL (taking pageArgs), which gives one page of hits
// in order, each row with the total count of matches (at most
// MaxCount+1), and builds the results with their snippets. Past the last
// hit, the count comes from countSQL (one row per match, countArgs).
func runSearch(ctx context.Context, db querier, q Query, n Node, pageSQL, countSQL string, pageArgs, countArgs []any, date func(any) (time.Time, error)) (*Results, error) {
	res := &Results{Query: String(n), Page: q.Page, PerPage: q.PerPage, Hits: []Hit{}}
	rows, err := db.QueryContext(ctx, pageSQL, pageArgs...)
	if err != nil {
		return nil, fmt.Errorf("index: search %q: %w", res.Query, err)
	}
	defer rows.Close()
	total := -1
	for rows.Next() {
		var h Hit
		var text string
		var d any
		if err := rows.Scan(&h.ResultCode, &h.DossierCode, &h.AgencyCode, &h.Title, &h.DocumentType, &d, &h.Page, &text, &h.Score, &total); err != nil {
			return nil, fmt.Errorf("index: search %q: %w", res.Query, err)
		}
		if h.Date, err = date(d); err != nil {
			return nil, fmt.Errorf("index: search %q: %w", res.Query, err)
		}
		h.Snippet = Snippet(text, n)
		res.Hits = append(res.Hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("index: search %q: %w", res.Query, err)
	}
	rows.Close()
	if total < 0 {
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM (`+countSQL+`) AS c`, countArgs...).Scan(&total); err != nil {
			return nil, fmt.Errorf("index: count %q: %w", res.Query, err)
		}
	}
	res.Total, res.Capped = min(total, MaxCount), total > MaxCount
	return res, nil
}
