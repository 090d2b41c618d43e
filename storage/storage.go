// Package storage keeps what sohoa must not lose: blobs (page images, OCR
// results, PDFs) in a local folder or MinIO, and records (dossiers, batches,
// documents, pages, results, events, tokens) in SQLite or PostgreSQL.
package storage

import (
	"context"
	"errors"
	"io"
	"time"
)

// Errors callers test with errors.Is.
var (
	ErrNotFound  = errors.New("not found")
	ErrConflict  = errors.New("conflict") // unique key taken (duplicate batch, token...)
	ErrChecksum  = errors.New("checksum mismatch")
	ErrForbidden = errors.New("forbidden")
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

// Role of an API token.
type Role string

const (
	RoleStation   Role = "station"   // upload, read own batches
	RoleCase      Role = "case"      // read dossiers and results
	RoleArchivist Role = "archivist" // search and read
	RoleAdmin     Role = "admin"     // everything
)

// Token is an API credential. Only its hash is stored.
type Token struct {
	ID        string
	Role      Role
	Name      string // for station tokens: the station name; batches it uploads are its own
	CreatedAt time.Time
	RevokedAt *time.Time
}

// Batch states.
const (
	BatchReceived   = "received"
	BatchProcessing = "processing"
	BatchDone       = "done"
	BatchFailed     = "failed"
)

// Page states.
const (
	PagePending   = "pending"
	PageDone      = "done"
	PageException = "exception" // failed for good; an operator may retry it
)

// Batch is one upload: the pages of one document of one dossier.
type Batch struct {
	ID             string    `json:"batch_id"`
	DossierCode    string    `json:"dossier_code"`
	AgencyCode     string    `json:"agency_code"`
	Title          string    `json:"title"`
	DocumentType   string    `json:"document_type"`
	Station        string    `json:"station"`
	Operator       string    `json:"operator"`
	TokenID        string    `json:"-"` // who uploaded it
	IdempotencyKey string    `json:"idempotency_key,omitempty"`
	Fingerprint    string    `json:"-"` // SHA-256 over the page hashes in order
	Status         string    `json:"status"`
	Error          string    `json:"error,omitempty"`
	ResultCode     string    `json:"result_code,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	Pages          []Page    `json:"pages,omitempty"`
}

// Page is one page of a batch (a source file may give several pages).
type Page struct {
	BatchID     string  `json:"-"`
	Index       int     `json:"index"` // 1-based order in the document
	SourceName  string  `json:"source"`
	SourcePage  int     `json:"source_page"` // 1-based page within the source file
	SourceKey   string  `json:"-"`           // blob key of the uploaded file
	SourceSHA   string  `json:"sha256"`
	Status      string  `json:"status"`
	Attempts    int     `json:"attempts"`
	Error       string  `json:"error,omitempty"`
	ResultKey   string  `json:"-"` // blob key of the OCR result JSON (ocr.Result)
	ImageKey    string  `json:"-"` // blob key of the corrected, encoded image (ocr.Image.Data)
	Confidence  float64 `json:"confidence"`
	NeedsReview bool    `json:"needs_review"`
	Blank       bool    `json:"blank"`
}

// Result is a signed PDF linked to its dossier as an electronic result.
type Result struct {
	Code        string    `json:"result_code"` // <dossier code>-KQ<n>
	DossierCode string    `json:"dossier_code"`
	BatchID     string    `json:"batch_id"`
	Title       string    `json:"title"`
	Key         string    `json:"-"` // blob key of the PDF
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	Signer      string    `json:"signer,omitempty"`
	Pages       int       `json:"pages"`
	CreatedAt   time.Time `json:"created_at"`
}

// Dossier is a hồ sơ TTHC with its batches and results.
type Dossier struct {
	Code       string    `json:"dossier_code"`
	AgencyCode string    `json:"agency_code"`
	CreatedAt  time.Time `json:"created_at"`
	Batches    []Batch   `json:"documents"`
	Results    []Result  `json:"results"`
}

// Event is something a case system wants to hear about (result ready...).
// Events are written in the same transaction as the change they report
// (an outbox) and delivered later, at least once.
type Event struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"` // e.g. "result.ready"
	DossierCode string    `json:"dossier_code"`
	Payload     []byte    `json:"payload"` // JSON
	CreatedAt   time.Time `json:"created_at"`
}

// Records is the dossier record store. Every method is safe for concurrent
// use from many processes (SQLite in one process, PostgreSQL from many).
type Records interface {
	// CreateBatch stores a new batch with its pages in one transaction,
	// creating the dossier when new. A batch whose IdempotencyKey was seen
	// before from the same token returns the earlier batch and
	// created=false; a batch whose Fingerprint matches an earlier batch of
	// the same dossier returns ErrConflict unless allowDuplicate.
	CreateBatch(ctx context.Context, b *Batch, allowDuplicate bool) (stored *Batch, created bool, err error)
	Batch(ctx context.Context, id string) (*Batch, error) // with Pages
	SetBatchStatus(ctx context.Context, id, status, errMsg string) error

	// FinishPage records a page's OCR outcome (status PageDone with keys, or
	// PageException with Error). Repeating it is harmless. It reports whether
	// this call completed the batch: every page now done or excepted, the
	// batch moved to processing-assemble exactly once. Only the call that
	// returns allDone=true must enqueue the document job.
	FinishPage(ctx context.Context, p Page) (allDone bool, err error)
	// PageAttempt counts one more attempt at a page and returns the count.
	PageAttempt(ctx context.Context, batchID string, index int) (int, error)
	// RetryPage puts an excepted page back to pending (operator action).
	RetryPage(ctx context.Context, batchID string, index int) error
	Exceptions(ctx context.Context, limit int) ([]Page, error)

	// ReserveResultCode allocates the result code <dossier>-KQ<n> for a
	// batch before its PDF is built (the code goes inside the PDF);
	// idempotent per batch: a second call returns the same code.
	ReserveResultCode(ctx context.Context, batchID string) (string, error)
	// AddResult links a signed PDF to its dossier under the code that
	// ReserveResultCode gave its batch, marks the batch done; idempotent per batch (a second call for
	// the same batch returns the first result), and records a
	// "result.ready" event in the same transaction.
	AddResult(ctx context.Context, r Result) (Result, error)
	ResultByCode(ctx context.Context, code string) (*Result, error)
	// ListResults pages through all results ordered by code, after the given
	// code ("" for the start); used by reindex.
	ListResults(ctx context.Context, after string, limit int) ([]Result, error)
	Dossier(ctx context.Context, code string) (*Dossier, error)

	// PendingEvents returns undelivered events after id; MarkDelivered acks one.
	PendingEvents(ctx context.Context, afterID int64, limit int) ([]Event, error)
	MarkDelivered(ctx context.Context, id int64) error

	CreateToken(ctx context.Context, role Role, name string) (secret string, t Token, err error)
	Authenticate(ctx context.Context, secret string) (*Token, error) // ErrNotFound or ErrForbidden (revoked)
	RevokeToken(ctx context.Context, id string) error

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
