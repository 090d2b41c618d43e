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
		wo[i] = tsvectorText(Words(p.Text))
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
	var conds []string
	var args []any
	score, order := `0::float8`, ` ORDER BY p.result_code COLLATE "C", p.page`
	if n != nil {
		ts := tsquery(n)
		conds = append(conds, `p.words @@ ?::tsquery`)
		args = append(args, ts)
		score, order = `ts_rank(p.words, ?::tsquery)::float8`, ``
	}
	conds, args = filters(q, conds, args, func(t time.Time) any { return t })
	cond := ""
	if len(conds) > 0 {
		cond = "WHERE " + strings.Join(conds, " AND ")
	}
	if n != nil {
		args = append(args, args[0]) // the score's placeholder comes last
	}
	// One scan finds up to MaxCount+1 matches (the GIN bitmap is built
	// once, for the count and the candidates); the first MaxHits of them
	// get a ts_rank. The scan order must stay the same from one call to
	// the next (no synchronized or parallel scans), so page 2 follows
	// page 1.
	tx, err := x.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT set_config('synchronize_seqscans', 'off', true),
		set_config('max_parallel_workers_per_gather', '0', true)`); err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	offset := (q.Page - 1) * q.PerPage
	limit := min(q.PerPage, MaxHits-offset)
	pageSQL := x.db.Rebind(`WITH m AS MATERIALIZED (
			SELECT p.id, p.result_code COLLATE "C" AS result_code, p.page FROM search_pages p ` + cond + order + `
			LIMIT ` + strconv.Itoa(MaxCount+1) + `),
		c AS MATERIALIZED (
			SELECT m.id, m.result_code, m.page, ` + score + ` AS score
			FROM (SELECT * FROM m LIMIT ` + strconv.Itoa(MaxHits) + `) m JOIN search_pages p ON p.id = m.id),
		top AS (SELECT id, result_code, page, score FROM c
			ORDER BY score DESC, result_code, page LIMIT ` + strconv.Itoa(limit) + ` OFFSET ` + strconv.Itoa(offset) + `)
		SELECT p.result_code, p.dossier_code, p.agency_code, p.title, p.document_type, p.date, p.page, p.text, top.score,
			(SELECT count(*) FROM m)
		FROM top JOIN search_pages p ON p.id = top.id
		ORDER BY top.score DESC, top.result_code, top.page`)
	countArgs := args
	if n != nil {
		countArgs = args[:len(args)-1]
	}
	return runSearch(ctx, tx, q, n, pageSQL, x.db.Rebind(`SELECT 1 FROM search_pages p `+cond+` LIMIT `+strconv.Itoa(MaxCount+1)),
		args, countArgs, func(v any) (time.Time, error) {
			switch v := v.(type) {
			case nil:
				return time.Time{}, nil
			case time.Time:
				return v.UTC(), nil
			}
			return time.Time{}, fmt.Errorf("unexpected date %T", v)
		})
}

// maxPos is the last position a tsvector records.
const maxPos = 16383

// tsvectorText is the tsvector literal of words: each word and each pair of
// adjacent words with its positions. Words hold only letters and digits,
// so they need no escaping.
func tsvectorText(words []string) string {
	pos := map[string][]int{}
	var order []string
	add := func(lex string, p int) {
		if len(lex) > 2000 { // PostgreSQL refuses lexemes over 2 KB
			return
		}
		if _, ok := pos[lex]; !ok {
			order = append(order, lex)
		}
		pos[lex] = append(pos[lex], min(p, maxPos))
	}
	for i, w := range words {
		add(w, i+1)
		if i+1 < len(words) {
			add(pairLexeme(w, words[i+1]), i+1)
		}
	}
	var b strings.Builder
	for i, lex := range order {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('\'')
		b.WriteString(lex)
		b.WriteString("':")
		ps := pos[lex]
		for j, p := range ps {
			if j > 0 {
				if p == ps[j-1] {
					continue
				}
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(p))
		}
	}
	return b.String()
}
