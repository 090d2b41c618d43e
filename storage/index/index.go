// Package index is the full-text search over the OCR text of signed results:
// SQLite FTS5 in embedded mode, PostgreSQL full-text search when distributed.
package index

// CONTRACT (lead): the search helper implements it; the workers call Add
// once a document is signed and linked.

import (
	"context"
	"time"
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
