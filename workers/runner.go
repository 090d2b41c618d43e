package workers

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/archival"
	"github.com/sohoa/sohoa/pdf"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/catalog"
	"github.com/sohoa/sohoa/storage/index"
)

// Config wires a Runner. Queue, Records and Blobs are required; OCR is
// required unless NoWorkers.
type Config struct {
	Queue   Queue   // DialAMQP (distributed) or NewSQLQueue (embedded)
	Records Records // *storage.SQLRecords
	Blobs   storage.Blobs
	Index   index.Index // nil: results are not indexed
	// Review is the log of officials' corrections and page operations
	// (*storage.ReviewRecords); documents are built with it applied. Nil:
	// documents are built as recognized.
	Review ReviewLog
	// Catalog keeps the archival metadata read from each result's pages
	// (*catalog.Catalog); nil: it is read for the PDF's XMP only.
	Catalog Catalog
	OCR     *ocr.Pool
	Signer  *pdf.Signer // nil: PDFs are stored unsigned
	// SignerName is recorded with each result (the certificate's subject).
	SignerName  string
	Conformance pdf.Conformance // PDF/A-2b when empty
	// Desk configures signing by the desk official (modes desk and
	// desk+seal); without Desk.Records the server's Signer signs all.
	Desk DeskConfig
	// Concurrency is how many pages this process OCRs at once (the page
	// queue's prefetch); runtime.NumCPU() when 0. Documents are assembled
	// max(1, Concurrency/2) at a time.
	Concurrency int
	// NoWorkers runs no job workers, only event delivery (an API server in
	// front of remote `sohoa worker` processes).
	NoWorkers bool
	Events    EventsConfig
	// Metrics receives the workers' series; nil registers none.
	Metrics prometheus.Registerer
	Logger  *slog.Logger

	// Stacks splits the stacks of many dossiers (StackJob) in this
	// process's workers; nil: stack jobs wait for a process that has it.
	Stacks StackSplitter

	// PagePolicy and DocumentPolicy override the defaults (tests use
	// short backoffs); zero fields keep the defaults.
	PagePolicy     Policy
	DocumentPolicy Policy
}

// Records is what the workers need of the record store. Every method is
// safe for concurrent use from many processes; *storage.SQLRecords
// implements it, and its methods' doc comments give the full contract.
type Records interface {
	// Batch returns the batch with its pages (storage.ErrNotFound when
	// unknown); SetBatchStatus moves it to status with errMsg as its error.
	Batch(ctx context.Context, id string) (*dossier.Batch, error)
	SetBatchStatus(ctx context.Context, id, status, errMsg string) error
	// PageAttempt counts one more attempt at a page and returns the count.
	PageAttempt(ctx context.Context, batchID string, index int) (int, error)
	// FinishPage records a page's outcome (dossier.PageDone with its keys,
	// or dossier.PageException with Error); repeating it is harmless. It
	// returns allDone=true to exactly one call per completion of the batch,
	// and only that call may enqueue the document job.
	FinishPage(ctx context.Context, p dossier.Page) (allDone bool, err error)
	// RetryPage puts an excepted page back to pending (operator action).
	RetryPage(ctx context.Context, batchID string, index int) error
	// ReserveResultCode gives a batch its result code <dossier>-KQ<n>
	// before its PDF is built; a second call returns the same code.
	ReserveResultCode(ctx context.Context, batchID string) (string, error)
	// AddResult links a signed PDF to its dossier under the reserved code,
	// marks the batch done and records a "result.ready" event in the same
	// transaction; a second call for the batch returns the first result.
	AddResult(ctx context.Context, r dossier.Result) (dossier.Result, error)
	// ResultByCode returns a result (storage.ErrNotFound when unknown).
	ResultByCode(ctx context.Context, code string) (*dossier.Result, error)
	// FlagForReview flags done pages of a batch for review (their
	// archival metadata is unsure); flagging again is harmless.
	FlagForReview(ctx context.Context, batchID string, indexes []int) error
	// OpenRevision returns the revision of a batch whose result is linked
	// (created=true the first time; one per batch, however often asked):
	// a batch of the same pages, read, whose result supersedes it.
	OpenRevision(ctx context.Context, batchID string) (rev *dossier.Batch, created bool, err error)
	// Revision returns the id of a batch's revision, "" when none.
	Revision(ctx context.Context, batchID string) (string, error)
	// Outbox: the events to deliver.
	Outbox
}

// ReviewLog is the review log of documents awaiting signature;
// *storage.ReviewRecords implements it.
type ReviewLog interface {
	// Changes returns a batch's changes in order (empty when none).
	Changes(ctx context.Context, batchID string) ([]dossier.ReviewChange, error)
	// AddChange appends c as change number after+1 (storage.ErrConflict
	// when the log has moved on): a re-scan, once read.
	AddChange(ctx context.Context, c *dossier.ReviewChange, after int) error
	// CopyLog gives batch to the log of batch from (a revision starts
	// from the signed document's review); again, it adds only what is missing.
	CopyLog(ctx context.Context, from, to string) error
}

// Catalog stores the archival documents read from a result's pages; Set
// replaces those of the result, so a repeated job leaves one set.
type Catalog interface {
	Set(ctx context.Context, r catalog.Result, docs []archival.Document) error
}

// EventsConfig says where result events go. Each event is delivered at
// least once to every configured sink, each sink on its own: a failing or
// hanging webhook never holds up the broker. One process at a time holds a
// sink (Outbox.ClaimSinkEvents) and delivers to it in event order, so any
// number of serve and worker processes may be configured alike; an event
// is done once every sink has it. Receivers still deduplicate on
// X-Sohoa-Event-Id, since a crash between a delivery and its record, or a
// lease that ran out, repeats it.
type EventsConfig struct {
	// Publisher publishes to the RabbitMQ topic exchange (the *AMQPQueue
	// does); nil in embedded mode.
	Publisher EventPublisher
	// WebhookURL, when set, receives each event as a JSON POST signed with
	// X-Sohoa-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>"> under
	// WebhookSecret, which must then be set (see VerifySignature).
	WebhookURL    string
	WebhookSecret string
	// Disabled turns the dispatcher off in this process. Events wait in
	// the outbox for a process that delivers them.
	Disabled bool
}

// Runner runs the page and document workers and the event dispatcher of one
// process. Build it with New, start it with Run (once at a time); its
// EnqueueBatch and RetryPage are safe for concurrent use, before and during
// Run, from the API of the same process.
type Runner struct {
	cfg    Config
	log    *slog.Logger
	m      *metrics
	client *Client
	events *dispatcher
	desk   *Desk // nil: no desk signing
	runMu  sync.Mutex
}

// Default policies. A page that fails 5 times (OCR error, engine crash,
// timeout, a worker killed on it) becomes an exception; MinIO or broker
// outages are ridden out by the retries' backoff (1s..1m, ~2 minutes over 5 tries)
// and by the blob client's own retries.
var (
	defaultPagePolicy = Policy{
		Timeout:     3 * time.Minute,
		MaxAttempts: 5,
		Backoff:     ExpBackoff(2*time.Second, time.Minute),
	}
	defaultDocumentPolicy = Policy{
		Timeout:     15 * time.Minute,
		MaxAttempts: 8,
		Backoff:     ExpBackoff(2*time.Second, 2*time.Minute),
	}
)

// New checks cfg and builds a Runner; nothing runs until Run.
func New(cfg Config) (*Runner, error) {
	if cfg.Queue == nil || cfg.Records == nil || cfg.Blobs == nil {
		return nil, errors.New("workers: Queue, Records and Blobs are required")
	}
	if cfg.OCR == nil && !cfg.NoWorkers {
		return nil, errors.New("workers: an OCR pool is required to run workers")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = runtime.NumCPU()
	}
	if cfg.Signer != nil && cfg.SignerName == "" {
		if c, ok := any(cfg.Signer).(interface{ Certificate() *x509.Certificate }); ok && c.Certificate() != nil {
			cfg.SignerName = c.Certificate().Subject.CommonName
		}
	}
	if cfg.Conformance == "" {
		cfg.Conformance = pdf.PDFA2B
	}
	m, err := newMetrics(cfg.Metrics)
	if err != nil {
		return nil, fmt.Errorf("workers: metrics: %w", err)
	}
	r := &Runner{cfg: cfg, log: cfg.Logger, m: m}
	if cfg.Desk.Records != nil {
		if r.desk, err = newDesk(r, cfg.Desk); err != nil {
			return nil, err
		}
	}
	r.client = NewClient(cfg.Queue, cfg.Logger, m)
	r.events = newDispatcher(cfg.Records, cfg.Events, cfg.Logger, m)
	if !cfg.NoWorkers {
		pp := mergePolicy(defaultPagePolicy, cfg.PagePolicy)
		pp.Concurrency = cfg.Concurrency
		AddWorker(r.client, &pageWorker{r: r}, pp)
		dp := mergePolicy(defaultDocumentPolicy, cfg.DocumentPolicy)
		dp.Concurrency = max(1, cfg.Concurrency/2)
		AddWorker(r.client, &documentWorker{r: r}, dp)
		AddWorker(r.client, &rescanWorker{r: r}, pp)
		if cfg.Stacks != nil {
			AddWorker(r.client, &StackWorker{Stacks: cfg.Stacks}, StackPolicy())
		}
	}
	return r, nil
}

// JobKinds lists the kind of every job a Runner may consume.
func JobKinds() []string {
	return []string{PageJob{}.Kind(), DocumentJob{}.Kind(), RescanJob{}.Kind(), StackJob{}.Kind()}
}

func mergePolicy(def, p Policy) Policy {
	if p.Timeout > 0 {
		def.Timeout = p.Timeout
	}
	if p.MaxAttempts > 0 {
		def.MaxAttempts = p.MaxAttempts
	}
	if p.Backoff != nil {
		def.Backoff = p.Backoff
	}
	if p.Concurrency > 0 {
		def.Concurrency = p.Concurrency
	}
	return def
}

// Run works jobs and delivers events until ctx is done; it returns nil on
// a clean shutdown.
func (r *Runner) Run(ctx context.Context) error {
	if !r.runMu.TryLock() {
		return errors.New("workers: runner already running")
	}
	defer r.runMu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	if !r.cfg.Events.Disabled {
		wg.Go(func() { r.events.run(ctx) })
	}
	if r.desk != nil {
		wg.Go(func() { r.desk.expireLoop(ctx) })
	}
	wg.Go(func() {
		r.m.watchDepth(ctx, r.cfg.Queue, []string{PageJob{}.Kind(), DocumentJob{}.Kind(), StackJob{}.Kind()}, 5*time.Second)
	})
	var err error
	if !r.cfg.NoWorkers {
		err = r.client.Run(ctx)
	} else {
		<-ctx.Done()
	}
	cancel()
	wg.Wait()
	return err
}

// Desk is the server side of signing at the desk; nil when not configured.
func (r *Runner) Desk() *Desk { return r.desk }

// Client is the job client, for enqueueing jobs directly.
func (r *Runner) Client() *Client { return r.client }

// EnqueueBatch queues the OCR of every pending page of a stored batch
// (the batch turns processing when its first page is attempted). Call it
// after Records.CreateBatch, before answering 202, and again whenever a
// batch may not have been queued (an idempotent replay of an upload whose
// batch is still "received"): queueing twice is harmless. A batch whose
// pages are all finished gets its document job instead, which is also how
// a batch that failed at assembly is tried again.
func (r *Runner) EnqueueBatch(ctx context.Context, b *dossier.Batch) error {
	if b == nil || b.ID == "" {
		return errors.New("workers: enqueue: no batch")
	}
	if len(b.Pages) == 0 {
		full, err := r.cfg.Records.Batch(ctx, b.ID)
		if err != nil {
			return fmt.Errorf("workers: enqueue batch %s: %w", b.ID, err)
		}
		b = full
	}
	if b.Status == dossier.BatchDone {
		return nil
	}
	pending := 0
	for _, p := range b.Pages {
		if p.Status == dossier.PageDone || p.Status == dossier.PageException {
			continue
		}
		pending++
		if err := r.client.Enqueue(ctx, PageJob{BatchID: b.ID, Index: p.Index}); err != nil {
			return fmt.Errorf("workers: enqueue batch %s page %d: %w", b.ID, p.Index, err)
		}
	}
	if pending == 0 {
		if err := r.client.Enqueue(ctx, DocumentJob{BatchID: b.ID}); err != nil {
			return fmt.Errorf("workers: enqueue batch %s document: %w", b.ID, err)
		}
	}
	return nil
}

// RetryPage is the operator's retry of an excepted page: the page goes
// back to pending, a failed batch back to processing (Records.RetryPage),
// and its OCR is queued. When the page is done the document is assembled
// as usual.
func (r *Runner) RetryPage(ctx context.Context, batchID string, index int) error {
	if err := r.cfg.Records.RetryPage(ctx, batchID, index); err != nil {
		return fmt.Errorf("workers: retry batch %s page %d: %w", batchID, index, err)
	}
	if err := r.client.Enqueue(ctx, PageJob{BatchID: batchID, Index: index}); err != nil {
		return fmt.Errorf("workers: retry batch %s page %d: %w", batchID, index, err)
	}
	return nil
}
