// Package storage keeps what sohoa must not lose: blobs (page images, OCR
// results, PDFs) in a local folder or MinIO, and records (dossiers, batches,
// documents, pages, results, events, tokens) in SQLite or PostgreSQL.
package storage

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
)

// Errors callers test with errors.Is.
var (
	ErrNotFound  = errors.New("not found")
	ErrConflict  = errors.New("conflict") // unique key taken (duplicate batch, token...)
	ErrChecksum  = errors.New("checksum mismatch")
	ErrForbidden = errors.New("forbidden")
	ErrExpired   = errors.New("expired") // a token past its expiry (also ErrForbidden)
)

// ObjectInfo describes a stored blob.
type ObjectInfo struct {
	Key    string
	Size   int64
	SHA256 string // hex
}

// Blobs stores immutable objects by key. Keys are slash-separated paths that
// name the dossier, e.g. "dossiers/000.00.31.H33-220804-0001/batches/<id>/pages/0001.jpg".
//
// Put stores r under key and returns its size and SHA-256; it is idempotent:
// putting the same bytes again under a key succeeds. When sha256 is not
// empty, Put refuses (ErrChecksum) content that does not match it.
// Get returns ErrNotFound for a missing key; the reader's content is
// checked against the recorded SHA-256 when the backend has one.
type Blobs interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType, sha256 string) (ObjectInfo, error)
	Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error)
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	Delete(ctx context.Context, key string) error
}

// Presigner is implemented by blob stores that can hand out short-lived URLs.
type Presigner interface {
	PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error)
}

// Records is the dossier record store. Every method is safe for concurrent
// use from many processes (SQLite in one process, PostgreSQL from many).
type Records interface {
	// CreateBatch stores a new batch with its pages in one transaction,
	// creating the dossier when new. A batch whose IdempotencyKey was seen
	// before from the same token returns the earlier batch and
	// created=false; a batch whose Fingerprint matches an earlier batch of
	// the same dossier returns ErrConflict unless allowDuplicate.
	CreateBatch(ctx context.Context, b *dossier.Batch, allowDuplicate bool) (stored *dossier.Batch, created bool, err error)
	Batch(ctx context.Context, id string) (*dossier.Batch, error) // with Pages
	SetBatchStatus(ctx context.Context, id, status, errMsg string) error

	// FinishPage records a page's OCR outcome (status PageDone with keys, or
	// PageException with Error). Repeating it is harmless. It reports whether
	// this call completed the batch: every page now done or excepted, the
	// batch moved to processing-assemble exactly once. Only the call that
	// returns allDone=true must enqueue the document job.
	FinishPage(ctx context.Context, p dossier.Page) (allDone bool, err error)
	// PageAttempt counts one more attempt at a page and returns the count.
	PageAttempt(ctx context.Context, batchID string, index int) (int, error)
	// RetryPage puts an excepted page back to pending (operator action).
	RetryPage(ctx context.Context, batchID string, index int) error
	Exceptions(ctx context.Context, limit int) ([]dossier.Page, error)

	// ReserveResultCode allocates the result code <dossier>-KQ<n> for a
	// batch before its PDF is built (the code goes inside the PDF);
	// idempotent per batch: a second call returns the same code.
	ReserveResultCode(ctx context.Context, batchID string) (string, error)
	// AddResult links a signed PDF to its dossier under the code that
	// ReserveResultCode gave its batch, marks the batch done; idempotent per batch (a second call for
	// the same batch returns the first result), and records a
	// "result.ready" event in the same transaction.
	AddResult(ctx context.Context, r dossier.Result) (dossier.Result, error)
	ResultByCode(ctx context.Context, code string) (*dossier.Result, error)
	// ListResults pages through all results ordered by code, after the given
	// code ("" for the start); used by reindex.
	ListResults(ctx context.Context, after string, limit int) ([]dossier.Result, error)
	Dossier(ctx context.Context, code string) (*dossier.Dossier, error)

	// PendingEvents returns undelivered events after id; MarkDelivered acks one.
	PendingEvents(ctx context.Context, afterID int64, limit int) ([]dossier.Event, error)
	MarkDelivered(ctx context.Context, id int64) error

	// CreateToken issues a token that lasts until revoked; IssueToken one
	// as described (see TokenRequest: station names are unique).
	CreateToken(ctx context.Context, role dossier.Role, name string) (secret string, t dossier.Token, err error)
	IssueToken(ctx context.Context, req TokenRequest) (secret string, t dossier.Token, err error)
	// Authenticate returns the token of a secret: ErrNotFound when
	// unknown, ErrForbidden when revoked, ErrForbidden and ErrExpired when
	// expired.
	Authenticate(ctx context.Context, secret string) (*dossier.Token, error)
	// RevokeToken ends a token and its browser sessions.
	RevokeToken(ctx context.Context, id string) error

	// Browser sessions: a random id (the cookie) standing for a token; only
	// its hash is stored. A session ends after its ttl, when deleted (log
	// out), or when its token is revoked or expires. SessionToken answers
	// as Authenticate does, ErrNotFound for an ended session.
	CreateSession(ctx context.Context, tokenID string, ttl time.Duration) (id string, expires time.Time, err error)
	SessionToken(ctx context.Context, id string) (*dossier.Token, error)
	DeleteSession(ctx context.Context, id string) error

	Close() error
}

// Dialect names the SQL engine behind a *sql.DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB, OpenDB, Migration and Migrate live in db.go; the blob stores in
// blobs_local.go, blobs_minio.go and blobs_retry.go; the records in records.go.
