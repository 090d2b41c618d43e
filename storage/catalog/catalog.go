// Package catalog keeps the archival metadata of each signed result: the
// documents ocr/archival read from the NĐ 30 headers of its pages (type,
// number, agency, date, signer...), one row per document, beside the
// records (same database, own migration component "archival").
//
// Every field is kept whole (value, confidence, page, word boxes,
// handwritten) as JSON; the ones archivists filter on (type, number,
// agency, date, signer) are also kept folded in columns of their own (see
// Filter), so a filter typed without diacritics finds them.
package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sohoa/sohoa/ocr/archival"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/index"
)

// Component is the migration component of the catalogue.
const Component = "archival"

var migrations = []storage.Migration{
	{Version: 1, Name: "archival documents", SQL: map[storage.Dialect]string{
		storage.SQLite: schema, storage.Postgres: schema,
	}},
}

// The filter columns hold the folded words (index.Words) joined by single
// spaces, with a space at each end so that a whole-word match is one LIKE.
// issued is the document's ISO date (” when not read).
const schema = `
CREATE TABLE archival_documents (
	result_code TEXT NOT NULL,
	seq INTEGER NOT NULL,            -- 1-based order of the document in the result
	dossier_code TEXT NOT NULL,
	batch_id TEXT NOT NULL,
	first_page INTEGER NOT NULL,
	last_page INTEGER NOT NULL,
	needs_review BOOLEAN NOT NULL DEFAULT FALSE,
	doc_type TEXT NOT NULL DEFAULT '',
	number TEXT NOT NULL DEFAULT '',
	agency TEXT NOT NULL DEFAULT '',
	signer TEXT NOT NULL DEFAULT '',
	issued TEXT NOT NULL DEFAULT '',
	document TEXT NOT NULL,          -- JSON archival.Document
	PRIMARY KEY (result_code, seq)
);
CREATE INDEX archival_documents_dossier ON archival_documents (dossier_code);
CREATE INDEX archival_documents_batch ON archival_documents (batch_id);
CREATE INDEX archival_documents_type ON archival_documents (doc_type, issued);
CREATE INDEX archival_documents_issued ON archival_documents (issued);
`

// Catalog stores and reads the archival documents of results. Open it with
// Open; it is safe for concurrent use.
type Catalog struct {
	db *storage.DB
}

// Open migrates the catalogue's schema in db.
func Open(ctx context.Context, db *storage.DB) (*Catalog, error) {
	if err := db.Migrate(ctx, Component, migrations); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return &Catalog{db: db}, nil
}

// Result names the result whose documents are set: its code, its dossier
// and the batch of its pages.
type Result struct {
	Code, DossierCode, BatchID string
}

// Set replaces the documents of a result (none is fine: a result whose
// pages carry no NĐ 30 header). Setting them again is harmless, so a
// document job run twice leaves one set.
func (c *Catalog) Set(ctx context.Context, r Result, docs []archival.Document) error {
	resultCode := r.Code
	err := c.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, c.db.Rebind(`DELETE FROM archival_documents WHERE result_code = ?`), resultCode); err != nil {
			return err
		}
		ins := c.db.Rebind(`INSERT INTO archival_documents (result_code, seq, dossier_code, batch_id, first_page, last_page, needs_review,
			doc_type, number, agency, signer, issued, document) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		for i, d := range docs {
			js, err := json.Marshal(d)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, ins, resultCode, i+1, r.DossierCode, r.BatchID, d.FirstPage, d.LastPage, d.NeedsReview,
				folded(d.DocType), folded(d.Number), folded(d.Agency), folded(d.Signer), isoDate(d.Date), string(js)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("catalog: set %s: %w", resultCode, err)
	}
	return nil
}

// Documents returns the documents of a result in order (empty when none).
func (c *Catalog) Documents(ctx context.Context, resultCode string) ([]archival.Document, error) {
	byResult, err := c.read(ctx, `result_code = ?`, resultCode)
	if err != nil {
		return nil, err
	}
	if byResult[resultCode] == nil {
		return []archival.Document{}, nil
	}
	return byResult[resultCode], nil
}

// DossierDocuments returns the documents of every result of a dossier, by
// result code.
func (c *Catalog) DossierDocuments(ctx context.Context, dossierCode string) (map[string][]archival.Document, error) {
	return c.read(ctx, `dossier_code = ?`, dossierCode)
}

// UnsureFields returns, for the pages of a batch that hold fields read
// with a confidence under archival.Deliver (or unreadable), the JSON names
// of those fields: what a reviewer is asked to check on each page.
func (c *Catalog) UnsureFields(ctx context.Context, batchID string) (map[int][]string, error) {
	byResult, err := c.read(ctx, `batch_id = ? AND needs_review`, batchID)
	if err != nil {
		return nil, err
	}
	out := map[int][]string{}
	for _, ds := range byResult {
		for _, d := range ds {
			for p, names := range Unsure(d) {
				out[p] = append(out[p], names...)
			}
		}
	}
	return out, nil
}

// Unsure lists the fields of d read with a confidence under
// archival.Deliver, or unreadable, by the page they are on, with their
// JSON names ("number", "date"...). A document that needs review without
// any such field gets its first page.
func Unsure(d archival.Document) map[int][]string {
	out := map[int][]string{}
	for _, f := range namedFields(d) {
		if f.f.Unreadable || f.f.Confidence < archival.Deliver {
			out[f.f.Page] = append(out[f.f.Page], f.name)
		}
	}
	for _, r := range d.Recipients {
		if r.Unreadable || r.Confidence < archival.Deliver {
			out[r.Page] = append(out[r.Page], "recipients")
			break
		}
	}
	if len(out) == 0 && d.NeedsReview {
		out[d.FirstPage] = nil
	}
	return out
}

func (c *Catalog) read(ctx context.Context, where string, arg string) (map[string][]archival.Document, error) {
	rows, err := c.db.QueryContext(ctx, c.db.Rebind(`SELECT result_code, document FROM archival_documents WHERE `+where+` ORDER BY result_code, seq`), arg)
	if err != nil {
		return nil, fmt.Errorf("catalog: read: %w", err)
	}
	defer rows.Close()
	out := map[string][]archival.Document{}
	for rows.Next() {
		var code, js string
		if err := rows.Scan(&code, &js); err != nil {
			return nil, fmt.Errorf("catalog: read: %w", err)
		}
		var d archival.Document
		if err := json.Unmarshal([]byte(js), &d); err != nil {
			return nil, fmt.Errorf("catalog: document of %s: %w", code, err)
		}
		out[code] = append(out[code], d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("catalog: read: %w", err)
	}
	return out, nil
}

// folded is a field's value as its filter column keeps it.
func folded(f *archival.Field) string {
	if f == nil || f.Value == "" {
		return ""
	}
	return " " + strings.Join(index.Words(f.Value), " ") + " "
}

// isoDate is the date's value when it is one (Read normalises dates to
// ISO; anything else is not filtered on).
func isoDate(f *archival.Field) string {
	if f == nil {
		return ""
	}
	if _, err := time.Parse(time.DateOnly, f.Value); err != nil {
		return ""
	}
	return f.Value
}

// Filter selects results by the archival metadata of their documents: a
// result matches when one of its documents matches every condition given.
// Empty conditions do not restrict. Type, number, agency and signer match
// whole words of the value, folded (no diacritics, đ as d, any case):
// "ha giang" finds "UBND tỉnh Hà Giang", "143" finds "143/QĐ-UBND"; Type
// must match the whole heading ("quyet dinh"). From and To are inclusive
// days of the document's date.
type Filter struct {
	Type, Number, Agency, Signer string
	From, To                     time.Time
}

// IsZero reports whether f restricts nothing.
func (f Filter) IsZero() bool {
	return strings.TrimSpace(f.Type+f.Number+f.Agency+f.Signer) == "" && f.From.IsZero() && f.To.IsZero()
}

// ResultsSQL implements index.ResultFilter: a query selecting the codes of
// the matching results ('?' placeholders) and its arguments; "" when f
// restricts nothing.
func (f Filter) ResultsSQL() (string, []any) {
	var where []string
	var args []any
	word := func(col, v string, whole bool) {
		w := strings.Join(index.Words(v), " ")
		if w == "" {
			return
		}
		if whole {
			where, args = append(where, col+` = ?`), append(args, " "+w+" ")
			return
		}
		where, args = append(where, col+` LIKE ?`), append(args, "% "+w+" %")
	}
	word("doc_type", f.Type, true)
	word("number", f.Number, false)
	word("agency", f.Agency, false)
	word("signer", f.Signer, false)
	if !f.From.IsZero() {
		where, args = append(where, `issued >= ?`), append(args, f.From.Format(time.DateOnly))
	}
	if !f.To.IsZero() {
		where, args = append(where, `issued <> '' AND issued <= ?`), append(args, f.To.Format(time.DateOnly))
	}
	if len(where) == 0 {
		return "", nil
	}
	return `SELECT result_code FROM archival_documents WHERE ` + strings.Join(where, " AND "), args
}
