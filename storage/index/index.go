// Package index is the full-text search over the OCR text of signed results:
// SQLite FTS5 in embedded mode, PostgreSQL full-text search when distributed.
//
// Both engines index the folded words of each page (see Fold: no
// diacritics, đ as d, lower case) and keep the original text beside them;
// queries are parsed once (Parse) and translated to each engine's syntax,
// and snippets are cut from the original text, so a hit shows the words
// with their diacritics whichever way the query was typed.
package index

import (
	"context"
	"fmt"
	"time"

	"github.com/sohoa/sohoa/storage"
)

// PageText is one page of a signed result, as indexed.
type PageText struct {
	ResultCode   string
	DossierCode  string
	AgencyCode   string
	Title        string
	DocumentType string
	Date         time.Time // when the result was produced
	Page         int       // 1-based page in the PDF
	Text         string    // OCR text, NFC, with diacritics
}

// Index stores and searches page texts.
//
// Add replaces any earlier pages of the same ResultCode (idempotent).
type Index interface {
	Add(ctx context.Context, pages []PageText) error
}

// Searcher is the whole index: Add (see Index), Search and Delete.
//
// Search runs a parsed query with its filters and returns one page of hits
// in a stable order: best score first, then newest, then result code,
// then page number. The score ranks, over all matches, first the pages
// holding a code typed in the query (dossier code, 45/2020/NĐ-CP), then
// those holding every word typed with marks in its exact form (then one
// mark away, then only folded), then those holding the words typed next
// to each other together; within one such level, newest first, except for
// the first 50 hits, weighed in their text: words typed with marks found
// together as typed, then word counts, the title and document type
// counting more than the body.
// A query that does not parse returns an error wrapping ErrQuery.
// Delete removes every page of a result (no error when there is none).
type Searcher interface {
	Index
	Search(ctx context.Context, q Query) (*Results, error)
	Delete(ctx context.Context, resultCode string) error
}

// Query is a search: text in the query language (see Parse) and filters.
// Empty filters do not restrict; From and To are inclusive days (the time of
// day is ignored; To covers its whole day, in UTC).
type Query struct {
	Text         string
	AgencyCode   string
	DossierCode  string
	DocumentType string
	From, To     time.Time
	// Results, when not nil, keeps only the results it selects (the
	// archival metadata filters of storage/catalog).
	Results ResultFilter
	Page    int // 1-based; 0 means 1
	PerPage int // 0 means DefaultPerPage; at most MaxPerPage
}

// ResultFilter restricts a search to some results. ResultsSQL returns a
// query over the index's own database that selects result codes ('?'
// placeholders) and its arguments, or "" when it restricts nothing.
type ResultFilter interface {
	ResultsSQL() (query string, args []any)
}

// Page sizes.
const (
	DefaultPerPage = 20
	MaxPerPage     = 100
)

// Bounds on the work of one search. Every match is ranked (see Searcher),
// but nobody reads a thousand hits: people narrow such a query with more
// words or a filter. Hits are reachable up to MaxHits deep; matches are
// counted up to MaxCount (Capped beyond), as deep as they can be read:
// counting costs a visit to each match counted (on PostgreSQL a table
// row: 10,000 of them cost more than the whole search's budget).
const (
	MaxHits  = 1000
	MaxCount = MaxHits
)

// Hit is one matching page.
type Hit struct {
	ResultCode   string    `json:"result_code"`
	DossierCode  string    `json:"dossier_code"`
	AgencyCode   string    `json:"agency_code"`
	Title        string    `json:"title"`
	DocumentType string    `json:"document_type"`
	Date         time.Time `json:"date"`
	Page         int       `json:"page"`
	Score        float64   `json:"score"` // higher is better; comparable within one result set only
	// Approx is true when the page matches only once folded: some word
	// typed with marks is on the page with other marks (OCR read Dân for
	// Dần). Such hits come after the exact ones; the page labels them
	// "gần đúng".
	Approx bool `json:"approx,omitempty"`
	// Snippet is HTML: an excerpt of the original text, escaped, with the
	// matched words wrapped in <mark>.
	Snippet string `json:"snippet"`
}

// Results is one page of hits.
type Results struct {
	Query   string `json:"query"`  // the parsed query, normalized
	Total   int    `json:"total"`  // pages matching, at most MaxCount
	Capped  bool   `json:"capped"` // more than MaxCount pages match: Total is a lower bound
	Page    int    `json:"page"`
	PerPage int    `json:"per_page"`
	Hits    []Hit  `json:"hits"`
}

// Open returns the index stored in db (SQLite FTS5 or PostgreSQL), after
// applying its migrations (component "index").
func Open(ctx context.Context, db *storage.DB) (Searcher, error) {
	if err := db.Migrate(ctx, "index", migrations); err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	switch db.Dialect {
	case storage.SQLite:
		return &sqliteIndex{db: db}, nil
	case storage.Postgres:
		return &pgIndex{db: db}, nil
	}
	return nil, fmt.Errorf("index: unsupported database dialect %q", db.Dialect)
}

// normalize checks q and fills in the defaults.
func (q Query) normalize() (Query, Node, error) {
	n, err := Parse(q.Text)
	if err != nil {
		return q, nil, err
	}
	if q.Page < 1 {
		q.Page = 1
	}
	if q.PerPage <= 0 {
		q.PerPage = DefaultPerPage
	}
	if q.PerPage > MaxPerPage {
		q.PerPage = MaxPerPage
	}
	if (q.Page-1)*q.PerPage >= MaxHits {
		return q, nil, queryErr(fmt.Sprintf("chỉ xem được %d kết quả đầu; hãy thu hẹp câu tìm kiếm", MaxHits),
			fmt.Sprintf("only the first %d hits can be shown; narrow the query", MaxHits))
	}
	if !q.From.IsZero() {
		y, m, d := q.From.Date()
		q.From = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	if !q.To.IsZero() {
		y, m, d := q.To.Date()
		q.To = time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1) // exclusive bound
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return q, nil, queryErr("khoảng ngày kết thúc trước khi bắt đầu", "the date range ends before it starts")
	}
	return q, n, nil
}
