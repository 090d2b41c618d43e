package dossier

import (
	"strconv"
	"strings"
	"time"
)

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
	ExpiresAt *time.Time // nil: until revoked
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

// BatchInfo is what a station says of a batch it sends: the dossier and
// agency the document belongs to, its title and type, and the station and
// operator that scanned it. An upload's manifest (ingest.Manifest) carries
// it in; the batch keeps it.
type BatchInfo struct {
	DossierCode  string `json:"dossier_code"`
	AgencyCode   string `json:"agency_code"`
	Title        string `json:"title"`
	DocumentType string `json:"document_type"`
	Station      string `json:"station"`
	Operator     string `json:"operator"`
}

// Batch is one upload: the pages of one document of one dossier.
type Batch struct {
	ID string `json:"batch_id"`
	BatchInfo
	TokenID        string    `json:"-"` // who uploaded it
	IdempotencyKey string    `json:"idempotency_key,omitempty"`
	Fingerprint    string    `json:"-"` // SHA-256 over the page hashes in order
	Status         string    `json:"status"`
	Error          string    `json:"error,omitempty"`
	ResultCode     string    `json:"result_code,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	Pages          []Page    `json:"pages,omitempty"`
	// RevisionOf is the batch whose signed result this batch changes: a
	// signed file is never altered, so a change after signing makes a new
	// batch of the same pages (and review log) whose result, the
	// dossier's next KQ<n>, supersedes the other.
	RevisionOf string `json:"revision_of,omitempty"`
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
	// OrientationUnsure: no turn made the text readable, so the page kept
	// the scanner's orientation; it is among the pages to review.
	OrientationUnsure bool `json:"orientation_unsure,omitempty"`
	// ReviewReasons say why the OCR flagged the page (ocr.Reason* codes:
	// low_confidence, unsure_words...), in the engine's order; none on a
	// page it did not flag, or flagged before reasons were kept.
	ReviewReasons []string `json:"review_reasons,omitempty"`
	// ReviewFields names the archival metadata fields read unsure on
	// this page ("number", "date"...: storage/catalog), which flagged it
	// for review; the API fills it in, the pages table does not keep it.
	ReviewFields []string `json:"review_fields,omitempty"`
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
	// Supersedes is the result this one replaces (a change after that
	// one was signed); SupersededBy the result that replaces this one.
	// Both stay linked, each file as it was signed.
	Supersedes   string `json:"supersedes,omitempty"`
	SupersededBy string `json:"superseded_by,omitempty"`
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

// ResultCode formats the electronic result code <dossier>-KQ<n>.
func ResultCode(dossier string, n int) string { return dossier + "-KQ" + strconv.Itoa(n) }

// ParseResultCode splits <dossier>-KQ<n>.
func ParseResultCode(code string) (dossier string, n int, ok bool) {
	i := strings.LastIndex(code, "-KQ")
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(code[i+3:])
	if err != nil || n <= 0 {
		return "", 0, false
	}
	return code[:i], n, true
}

// EventResultReady is the kind of the event AddResult records; its payload
// is a ResultEvent as JSON.
const EventResultReady = "result.ready"

// ResultEvent is the payload of a "result.ready" event: the Result's fields
// and the agency code of its batch (for routing).
type ResultEvent struct {
	Result
	AgencyCode string `json:"agency_code"`
}

// TokenPrefix starts every secret, so a leaked one is easy to grep for.
const TokenPrefix = "sohoa_"

// ValidRole reports whether r is one of the four roles.
func ValidRole(r Role) bool {
	switch r {
	case RoleStation, RoleCase, RoleArchivist, RoleAdmin:
		return true
	}
	return false
}

// Stack exception states.
const (
	StackOpen     = "open"     // waiting for an operator to give the pages a dossier code
	StackResolved = "resolved" // the pages went in as a batch (BatchID)
)

// StackException is a run of a scanned stack's pages that no separator
// sheet or receipt claimed (or whose symbol could not be read): kept with
// its page files until an operator says which dossier they belong to.
type StackException struct {
	ID             string      `json:"id"`
	StackID        string      `json:"stack_id"`
	Station        string      `json:"station"`
	Operator       string      `json:"operator"`
	Title          string      `json:"title"` // the stack's default title for the batch to come
	DocumentType   string      `json:"document_type"`
	TokenID        string      `json:"-"`
	IdempotencyKey string      `json:"-"`
	Pages          []StackPage `json:"pages"`
	ReasonVI       string      `json:"reason_vi"`
	Reason         string      `json:"reason"`
	// Proposed are dossier codes read from the pages' text ("Mã hồ sơ:
	// …"), valid in format and date: for the operator to confirm.
	Proposed  []string  `json:"proposed_codes"`
	Status    string    `json:"status"`
	BatchID   string    `json:"batch_id,omitempty"` // once resolved
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Stack states: accepted and queued, being split by its job, split (every
// page went to a dossier or was dropped), split with pages left in
// exceptions, or failed (the job gave up: Error says why).
const (
	StackQueued    = "queued"
	StackSplitting = "splitting"
	StackSplit     = "split"
	StackExcepted  = "exception"
	StackFailed    = "failed"
)

// Stack is a stack of many dossiers accepted by POST /v1/stacks: its pages
// are stored and its split is a job. It keeps who sent it, the manifest as
// accepted (with its idempotency key) and, once split, the outcome.
type Stack struct {
	ID        string      `json:"stack_id"`
	TokenID   string      `json:"-"`
	TokenRole Role        `json:"-"`
	TokenName string      `json:"-"`
	Station   string      `json:"station"`
	Operator  string      `json:"operator"`
	Manifest  []byte      `json:"-"` // JSON of the stack manifest
	Pages     []StackPage `json:"-"`
	Status    string      `json:"status"`
	// Outcome is the split's answer (dossiers with their batches,
	// exceptions, dropped pages) as JSON, once split.
	Outcome   []byte    `json:"-"`
	Error     string    `json:"error,omitempty"`
	ErrorVI   string    `json:"error_vi,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Done reports whether the stack's job has nothing more to do.
func (s *Stack) Done() bool {
	return s.Status == StackSplit || s.Status == StackExcepted || s.Status == StackFailed
}

// StackPage is one page file of a stack exception, as stored.
type StackPage struct {
	Position  int    `json:"position"` // 1-based place in the stack
	Name      string `json:"source"`
	SourceKey string `json:"-"`
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
}
