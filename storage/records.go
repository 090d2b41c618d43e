package storage

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
)

// SQLRecords is the dossier record store, over database/sql for SQLite and
// PostgreSQL alike. Every method is safe for concurrent use from many
// processes (SQLite in one process, PostgreSQL from many). Its consumers
// each declare the few methods they need (web.Records, ingest.Records,
// workers.Records, index.ResultSource).
//
// Every state change runs in one transaction that first locks the row
// it hangs on (the batch, or the dossier for new batches and result codes),
// which is what makes FinishPage report allDone once and result codes come
// out without gaps when many workers race.
type SQLRecords struct {
	db     *DB
	d      dialect
	ownsDB bool
}

// OpenRecords migrates the records schema in db and returns the records
// stored there. Close does not close db.
func OpenRecords(ctx context.Context, db *DB) (*SQLRecords, error) {
	if err := MigrateRecords(ctx, db); err != nil {
		return nil, err
	}
	return &SQLRecords{db: db, d: dialects[db.Dialect]}, nil
}

// OpenRecordsURL opens the database at url (see OpenDB), migrates it and
// returns its records; Close closes the database.
func OpenRecordsURL(ctx context.Context, url string) (*SQLRecords, error) {
	db, err := OpenDB(ctx, url)
	if err != nil {
		return nil, err
	}
	r, err := OpenRecords(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	r.ownsDB = true
	return r, nil
}

// MigrateRecords applies the records' schema migrations to db.
func MigrateRecords(ctx context.Context, db *DB) error {
	return db.Migrate(ctx, RecordsComponent, recordsMigrations)
}

// DB is the database the records live in.
func (s *SQLRecords) DB() *DB { return s.db }

// Close closes the database when OpenRecordsURL opened it.
func (s *SQLRecords) Close() error {
	if s.ownsDB {
		return s.db.Close()
	}
	return nil
}

// NewID returns a new random identifier, 32 hex digits that sort by creation
// time (48-bit milliseconds, then 80 random bits). Batch ids are NewIDs; a
// caller may take one before CreateBatch to name the batch's blobs.
func NewID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	rand.Read(b[6:])
	return hex.EncodeToString(b[:])
}

// now is truncated to what PostgreSQL keeps (microseconds), so a value
// returned before and after a round trip compares equal.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

func (s *SQLRecords) q(q string) string { return s.db.Rebind(q) }

// RowScanner is a *sql.Row or *sql.Rows: the scan functions read one
// row of either.
type RowScanner interface{ Scan(dest ...any) error }

// Collect scans every row of a query with scan and closes the rows. err is
// the query's own error, so that its two results are handed over as they
// come: rows, err := db.QueryContext(...); out, err := Collect(rows, err,
// scan). Every SQL reader of the module lists rows with it (the records,
// the search index, the SQL queue).
func Collect[T any](rows *sql.Rows, err error, scan func(sc RowScanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// value turns a scanner of *T into one of T, for Collect.
func value[T any](scan func(sc RowScanner) (*T, error)) func(sc RowScanner) (T, error) {
	return func(sc RowScanner) (T, error) {
		p, err := scan(sc)
		if err != nil {
			var zero T
			return zero, err
		}
		return *p, nil
	}
}

// pageLimit is the rows a listing returns at most: limit, or 100 when
// limit is not positive.
func pageLimit(limit int) int { return cmp.Or(max(limit, 0), 100) }

// ---- batches and pages ----

const batchCols = `id, dossier_code, agency_code, title, document_type, station, operator, token_id,
	idempotency_key, fingerprint, status, error, result_code, created_at, updated_at, revision_of`

func scanBatch(sc RowScanner) (*dossier.Batch, error) {
	var (
		b        dossier.Batch
		idem, rc sql.NullString
	)
	err := sc.Scan(&b.ID, &b.DossierCode, &b.AgencyCode, &b.Title, &b.DocumentType, &b.Station, &b.Operator, &b.TokenID,
		&idem, &b.Fingerprint, &b.Status, &b.Error, &rc, &b.CreatedAt, &b.UpdatedAt, &b.RevisionOf)
	if err != nil {
		return nil, err
	}
	b.IdempotencyKey, b.ResultCode = idem.String, rc.String
	b.CreatedAt, b.UpdatedAt = b.CreatedAt.UTC(), b.UpdatedAt.UTC()
	return &b, nil
}

const pageCols = `batch_id, idx, source_name, source_page, source_key, source_sha, status, attempts, error,
	result_key, image_key, confidence, needs_review, blank, orientation_unsure, review_reasons`

func scanPage(sc RowScanner) (dossier.Page, error) {
	var p dossier.Page
	var reasons string
	err := sc.Scan(&p.BatchID, &p.Index, &p.SourceName, &p.SourcePage, &p.SourceKey, &p.SourceSHA, &p.Status, &p.Attempts,
		&p.Error, &p.ResultKey, &p.ImageKey, &p.Confidence, &p.NeedsReview, &p.Blank, &p.OrientationUnsure, &reasons)
	if reasons != "" {
		p.ReviewReasons = strings.Split(reasons, ",")
	}
	return p, err
}

func (s *SQLRecords) loadBatch(ctx context.Context, q querier, id string, withPages bool) (*dossier.Batch, error) {
	b, err := scanBatch(q.QueryRowContext(ctx, s.q(`SELECT `+batchCols+` FROM batches WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("storage: batch %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: batch %s: %w", id, err)
	}
	if withPages {
		if b.Pages, err = s.loadPages(ctx, q, id); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (s *SQLRecords) loadPages(ctx context.Context, q querier, batchID string) ([]dossier.Page, error) {
	rows, err := q.QueryContext(ctx, s.q(`SELECT `+pageCols+` FROM pages WHERE batch_id = ? ORDER BY idx`), batchID)
	ps, err := Collect(rows, err, scanPage)
	if err != nil {
		return nil, fmt.Errorf("storage: pages of %s: %w", batchID, err)
	}
	return ps, nil
}

// CreateBatch stores a new batch with its pages in one transaction,
// creating the dossier when new. A batch whose IdempotencyKey was seen
// before from the same token returns the earlier batch and
// created=false; a batch whose Fingerprint matches an earlier batch of
// the same dossier returns ErrConflict unless allowDuplicate. The returned
// ErrConflict for a duplicate comes with the earlier batch as stored.
func (s *SQLRecords) CreateBatch(ctx context.Context, in *dossier.Batch, allowDuplicate bool) (*dossier.Batch, bool, error) {
	if in == nil || in.DossierCode == "" {
		return nil, false, errors.New("storage: create batch: no dossier code")
	}
	if len(in.Pages) == 0 {
		return nil, false, errors.New("storage: create batch: no pages")
	}
	b := *in
	if b.ID == "" {
		b.ID = NewID()
	}
	b.Status, b.Error, b.ResultCode = dossier.BatchReceived, "", ""
	b.CreatedAt = now()
	b.UpdatedAt = b.CreatedAt
	b.Pages = make([]dossier.Page, len(in.Pages))
	seen := map[int]bool{}
	for i, p := range in.Pages {
		if p.Index == 0 {
			p.Index = i + 1
		}
		if p.SourcePage == 0 {
			p.SourcePage = 1
		}
		if seen[p.Index] {
			return nil, false, fmt.Errorf("storage: create batch: page %d twice", p.Index)
		}
		seen[p.Index] = true
		p.BatchID, p.Status, p.Attempts, p.Error = b.ID, dossier.PagePending, 0, ""
		b.Pages[i] = p
	}
	var idem any
	if b.IdempotencyKey != "" {
		idem = b.IdempotencyKey
	}

	for attempt := 0; ; attempt++ {
		var (
			stored  *dossier.Batch
			created bool
		)
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			stored, created = nil, false
			// The dossier row is the lock that serializes batches of one dossier,
			// so two identical uploads racing cannot both pass the duplicate check.
			res, err := tx.ExecContext(ctx, s.q(`INSERT INTO dossiers (code, agency_code, created_at) VALUES (?, ?, ?) ON CONFLICT (code) DO NOTHING`),
				b.DossierCode, b.AgencyCode, b.CreatedAt)
			if err != nil {
				return err
			}
			newDossier, _ := res.RowsAffected()
			var code string
			if err := tx.QueryRowContext(ctx, s.q(`SELECT code FROM dossiers WHERE code = ?`+s.d.forUpdate), b.DossierCode).Scan(&code); err != nil {
				return err
			}
			// Checked under the dossier lock so that a replay racing its original
			// finds it rather than tripping over the duplicate check below.
			if idem != nil {
				var id string
				err := tx.QueryRowContext(ctx, s.q(`SELECT id FROM batches WHERE token_id = ? AND idempotency_key = ?`), b.TokenID, idem).Scan(&id)
				if err == nil {
					stored, err = s.loadBatch(ctx, tx, id, true)
					return err
				}
				if !errors.Is(err, sql.ErrNoRows) {
					return err
				}
			}
			if !allowDuplicate && b.Fingerprint != "" {
				var id string
				err := tx.QueryRowContext(ctx, s.q(`SELECT id FROM batches WHERE dossier_code = ? AND fingerprint = ? ORDER BY created_at LIMIT 1`),
					b.DossierCode, b.Fingerprint).Scan(&id)
				if err == nil {
					stored, err = s.loadBatch(ctx, tx, id, true)
					if err != nil {
						return err
					}
					return fmt.Errorf("storage: same pages as batch %s of dossier %s: %w", id, b.DossierCode, ErrConflict)
				}
				if !errors.Is(err, sql.ErrNoRows) {
					return err
				}
			}
			_, err = tx.ExecContext(ctx, s.q(`INSERT INTO batches (id, dossier_code, agency_code, title, document_type, station, operator, token_id,
				idempotency_key, fingerprint, status, error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)`),
				b.ID, b.DossierCode, b.AgencyCode, b.Title, b.DocumentType, b.Station, b.Operator, b.TokenID,
				idem, b.Fingerprint, b.Status, b.CreatedAt, b.UpdatedAt)
			if err != nil {
				return err
			}
			ins := s.q(`INSERT INTO pages (batch_id, idx, source_name, source_page, source_key, source_sha, status, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
			for _, p := range b.Pages {
				if _, err := tx.ExecContext(ctx, ins, b.ID, p.Index, p.SourceName, p.SourcePage, p.SourceKey, p.SourceSHA, p.Status, b.UpdatedAt); err != nil {
					return err
				}
			}
			k := statsKey{day: dossier.StatsDay(b.CreatedAt), agency: b.AgencyCode, station: b.Station, operator: b.Operator, docType: b.DocumentType}
			if err := s.bumpStats(ctx, tx, k, statsDelta{batches: 1, dossiers: min(newDossier, 1), pages: int64(len(b.Pages))}); err != nil {
				return err
			}
			stored, created = &b, true
			return nil
		})
		switch {
		case err == nil:
			out := *stored
			return &out, created, nil
		case errors.Is(err, ErrConflict):
			return stored, false, err
		case IsUniqueViolation(err) && attempt < 3:
			// A concurrent upload with the same idempotency key won the race
			// (or the caller reused a batch id): look again.
			continue
		case IsUniqueViolation(err):
			return nil, false, fmt.Errorf("storage: create batch %s: %w: %v", b.ID, ErrConflict, err)
		default:
			return nil, false, fmt.Errorf("storage: create batch for %s: %w", b.DossierCode, err)
		}
	}
}

// Batch returns the batch with its pages, or ErrNotFound.
func (s *SQLRecords) Batch(ctx context.Context, id string) (*dossier.Batch, error) {
	return s.loadBatch(ctx, s.db, id, true)
}

// BatchFilter selects batches for ListBatches.
type BatchFilter struct {
	TokenID string // only batches uploaded with this token ("" for all)
	Status  string // only batches in this state ("" for all)
	After   string // batch id to continue after ("" for the start)
	Limit   int    // default 100
	// IdempotencyKey, with TokenID, finds the batch a replay would
	// return ("" for all).
	IdempotencyKey string
}

// ListBatches returns batches (without pages) in id order (which is creation
// order), e.g. a station's own batches.
func (s *SQLRecords) ListBatches(ctx context.Context, f BatchFilter) ([]dossier.Batch, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q := `SELECT ` + batchCols + ` FROM batches WHERE id > ?`
	args := []any{f.After}
	if f.TokenID != "" {
		q += ` AND token_id = ?`
		args = append(args, f.TokenID)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.IdempotencyKey != "" {
		q += ` AND idempotency_key = ?`
		args = append(args, f.IdempotencyKey)
	}
	q += ` ORDER BY id LIMIT ?`
	args = append(args, f.Limit)
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	out, err := Collect(rows, err, value(scanBatch))
	if err != nil {
		return nil, fmt.Errorf("storage: list batches: %w", err)
	}
	return out, nil
}

// batchTransitions are the allowed status changes: received -> processing ->
// done | failed; a failed batch goes back to processing when an operator
// retries a page.
var batchTransitions = map[string][]string{
	dossier.BatchReceived:   {dossier.BatchProcessing, dossier.BatchFailed},
	dossier.BatchProcessing: {dossier.BatchDone, dossier.BatchFailed},
	dossier.BatchFailed:     {dossier.BatchProcessing},
}

func canMove(from, to string) bool {
	for _, s := range batchTransitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// lockBatch reads a batch's state inside tx, locking its row.
func (s *SQLRecords) lockBatch(ctx context.Context, tx *sql.Tx, id string) (status, dossierCode string, resultCode sql.NullString, completed bool, err error) {
	var done sql.NullTime
	err = tx.QueryRowContext(ctx, s.q(`SELECT status, dossier_code, result_code, completed_at FROM batches WHERE id = ?`+s.d.forUpdate), id).
		Scan(&status, &dossierCode, &resultCode, &done)
	if errors.Is(err, sql.ErrNoRows) {
		err = fmt.Errorf("batch %s: %w", id, ErrNotFound)
	}
	return status, dossierCode, resultCode, done.Valid, err
}

// SetBatchStatus moves a batch to status with errMsg as its error. Setting the current status again only
// updates the error text; a move the state machine does not allow (e.g. out
// of done) is ErrConflict.
func (s *SQLRecords) SetBatchStatus(ctx context.Context, id, status, errMsg string) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, _, _, _, err := s.lockBatch(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur != status && !canMove(cur, status) {
			return fmt.Errorf("batch %s is %s, cannot become %s: %w", id, cur, status, ErrConflict)
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE batches SET status = ?, error = ?, updated_at = ? WHERE id = ?`), status, errMsg, now(), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: set batch status: %w", err)
	}
	return nil
}

// FinishPage records a page's OCR outcome (status PageDone with keys, or
// PageException with Error). It reports whether this call completed the
// batch: every page now done or excepted, exactly once. Only the call that
// returns allDone=true must enqueue the document job. Only a pending page changes: a repeated call
// (a redelivered message) finds the page already finished and returns
// allDone=false. A page finishing moves a received batch to processing.
func (s *SQLRecords) FinishPage(ctx context.Context, p dossier.Page) (bool, error) {
	if p.Status != dossier.PageDone && p.Status != dossier.PageException {
		return false, fmt.Errorf("storage: finish page: status %q is neither %s nor %s", p.Status, dossier.PageDone, dossier.PageException)
	}
	var allDone bool
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		allDone = false
		status, _, _, completed, err := s.lockBatch(ctx, tx, p.BatchID)
		if err != nil {
			return err
		}
		t := now()
		res, err := tx.ExecContext(ctx, s.q(`UPDATE pages SET status = ?, error = ?, result_key = ?, image_key = ?, confidence = ?,
			needs_review = ?, blank = ?, orientation_unsure = ?, review_reasons = ?, updated_at = ? WHERE batch_id = ? AND idx = ? AND status = ?`),
			p.Status, p.Error, p.ResultKey, p.ImageKey, p.Confidence, p.NeedsReview, p.Blank, p.OrientationUnsure, strings.Join(p.ReviewReasons, ","),
			t, p.BatchID, p.Index, dossier.PagePending)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var st string
			err := tx.QueryRowContext(ctx, s.q(`SELECT status FROM pages WHERE batch_id = ? AND idx = ?`), p.BatchID, p.Index).Scan(&st)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("page %d of batch %s: %w", p.Index, p.BatchID, ErrNotFound)
			}
			return err // already finished: harmless repeat
		}
		if status == dossier.BatchReceived {
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE batches SET status = ?, updated_at = ? WHERE id = ?`), dossier.BatchProcessing, t, p.BatchID); err != nil {
				return err
			}
		}
		if completed {
			return nil
		}
		var open int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM pages WHERE batch_id = ? AND status = ?`), p.BatchID, dossier.PagePending).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE batches SET completed_at = ?, updated_at = ? WHERE id = ?`), t, t, p.BatchID); err != nil {
			return err
		}
		allDone = true
		// The batch's pages are counted once, now that all are read: a
		// count per page made every page's transaction update the same
		// rollup rows as every other writer of that desk and day.
		return s.countBatchPages(ctx, tx, p.BatchID, 1)
	})
	if err != nil {
		return false, fmt.Errorf("storage: finish page %d of %s: %w", p.Index, p.BatchID, err)
	}
	return allDone, nil
}

// PageAttempt counts one more attempt at a page and returns the count; it
// also moves a received batch to
// processing.
func (s *SQLRecords) PageAttempt(ctx context.Context, batchID string, index int) (int, error) {
	var n int
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		status, _, _, _, err := s.lockBatch(ctx, tx, batchID)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, s.q(`UPDATE pages SET attempts = attempts + 1, updated_at = ? WHERE batch_id = ? AND idx = ? RETURNING attempts`),
			now(), batchID, index).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("page %d of batch %s: %w", index, batchID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if status == dossier.BatchReceived {
			_, err = tx.ExecContext(ctx, s.q(`UPDATE batches SET status = ?, updated_at = ? WHERE id = ?`), dossier.BatchProcessing, now(), batchID)
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("storage: page attempt: %w", err)
	}
	return n, nil
}

// RetryPage puts an excepted page back to pending (operator action): it goes back to pending with its
// attempts reset, the batch is open again (a later FinishPage reports
// allDone anew) and a failed batch returns to processing. Retrying a page of
// a done batch is ErrConflict; retrying a pending page does nothing.
func (s *SQLRecords) RetryPage(ctx context.Context, batchID string, index int) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		status, _, _, completed, err := s.lockBatch(ctx, tx, batchID)
		if err != nil {
			return err
		}
		var ps string
		err = tx.QueryRowContext(ctx, s.q(`SELECT status FROM pages WHERE batch_id = ? AND idx = ?`), batchID, index).Scan(&ps)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("page %d of batch %s: %w", index, batchID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		switch {
		case ps == dossier.PagePending:
			return nil
		case status == dossier.BatchDone:
			return fmt.Errorf("batch %s is done: %w", batchID, ErrConflict)
		case ps != dossier.PageException:
			return fmt.Errorf("page %d of batch %s is %s, not %s: %w", index, batchID, ps, dossier.PageException, ErrConflict)
		}
		if completed {
			// Its pages were counted when it completed; they count again
			// when it completes anew.
			if err := s.countBatchPages(ctx, tx, batchID, -1); err != nil {
				return err
			}
		}
		t := now()
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE pages SET status = ?, error = '', attempts = 0, updated_at = ? WHERE batch_id = ? AND idx = ?`),
			dossier.PagePending, t, batchID, index); err != nil {
			return err
		}
		newStatus := status
		if status == dossier.BatchFailed {
			newStatus = dossier.BatchProcessing
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE batches SET completed_at = NULL, status = ?, error = CASE WHEN ? THEN '' ELSE error END, updated_at = ? WHERE id = ?`),
			newStatus, status == dossier.BatchFailed, t, batchID); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: retry page: %w", err)
	}
	return nil
}

// Exceptions returns up to limit excepted pages, oldest first.
func (s *SQLRecords) Exceptions(ctx context.Context, limit int) ([]dossier.Page, error) {
	limit = pageLimit(limit)
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+pageCols+` FROM pages WHERE status = ? ORDER BY updated_at, batch_id, idx LIMIT ?`), dossier.PageException, limit)
	out, err := Collect(rows, err, scanPage)
	if err != nil {
		return nil, fmt.Errorf("storage: exceptions: %w", err)
	}
	return out, nil
}

// ReviewPages implements Records: pages done but flagged for review,
// oldest first. The literals match the partial index pages_review.
func (s *SQLRecords) ReviewPages(ctx context.Context, limit int) ([]dossier.Page, error) {
	limit = pageLimit(limit)
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+pageCols+` FROM pages WHERE needs_review AND status = 'done' ORDER BY updated_at, batch_id, idx LIMIT ?`), limit)
	out, err := Collect(rows, err, scanPage)
	if err != nil {
		return nil, fmt.Errorf("storage: review pages: %w", err)
	}
	return out, nil
}

// ---- results ----

// reserveCode gives the batch its result code inside tx (the batch row is
// already locked). The dossier's counter is bumped with UPDATE ... RETURNING,
// which locks the dossier row until commit: codes of one dossier are handed
// out one at a time, without gaps.
func (s *SQLRecords) reserveCode(ctx context.Context, tx *sql.Tx, batchID, dossierCode string) (string, error) {
	var n int
	if err := tx.QueryRowContext(ctx, s.q(`UPDATE dossiers SET result_seq = result_seq + 1 WHERE code = ? RETURNING result_seq`), dossierCode).Scan(&n); err != nil {
		return "", err
	}
	code := dossier.ResultCode(dossierCode, n)
	_, err := tx.ExecContext(ctx, s.q(`UPDATE batches SET result_code = ?, updated_at = ? WHERE id = ?`), code, now(), batchID)
	return code, err
}

// ReserveResultCode allocates the result code <dossier>-KQ<n> for a
// batch before its PDF is built (the code goes inside the PDF);
// idempotent per batch: a second call returns the same code.
func (s *SQLRecords) ReserveResultCode(ctx context.Context, batchID string) (string, error) {
	var code string
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, dossierCode, rc, _, err := s.lockBatch(ctx, tx, batchID)
		if err != nil {
			return err
		}
		if rc.Valid {
			code = rc.String
			return nil
		}
		code, err = s.reserveCode(ctx, tx, batchID, dossierCode)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("storage: reserve result code: %w", err)
	}
	return code, nil
}

const resultCols = `code, dossier_code, batch_id, title, blob_key, size, sha256, signer, pages, created_at, supersedes`

func scanResult(sc RowScanner) (*dossier.Result, error) {
	var r dossier.Result
	err := sc.Scan(&r.Code, &r.DossierCode, &r.BatchID, &r.Title, &r.Key, &r.Size, &r.SHA256, &r.Signer, &r.Pages, &r.CreatedAt, &r.Supersedes)
	if err != nil {
		return nil, err
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return &r, nil
}

// AddResult links a signed PDF to its dossier under the code that
// ReserveResultCode gave its batch and marks the batch done, recording a
// "result.ready" event in the same transaction. It is idempotent per
// batch: a second call for the same batch returns the first result.
// r.BatchID, r.Key and r.SHA256 are required;
// r.Code, when set, must be the code reserved for the batch (one is reserved
// now when none was); DossierCode and Title default to the batch's.
func (s *SQLRecords) AddResult(ctx context.Context, r dossier.Result) (dossier.Result, error) {
	if r.BatchID == "" || r.Key == "" || r.SHA256 == "" {
		return dossier.Result{}, errors.New("storage: add result: batch id, key and sha256 are required")
	}
	var out dossier.Result
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, dossierCode, rc, _, err := s.lockBatch(ctx, tx, r.BatchID)
		if err != nil {
			return err
		}
		prev, err := scanResult(tx.QueryRowContext(ctx, s.q(`SELECT `+resultCols+` FROM results WHERE batch_id = ?`), r.BatchID))
		if err == nil {
			out = *prev // already linked: idempotent
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		code := rc.String
		if !rc.Valid {
			if code, err = s.reserveCode(ctx, tx, r.BatchID, dossierCode); err != nil {
				return err
			}
		}
		if r.Code != "" && r.Code != code {
			return fmt.Errorf("result code %s is not the one reserved for batch %s (%s): %w", r.Code, r.BatchID, code, ErrConflict)
		}
		if r.DossierCode != "" && r.DossierCode != dossierCode {
			return fmt.Errorf("result for dossier %s but batch %s belongs to %s: %w", r.DossierCode, r.BatchID, dossierCode, ErrConflict)
		}
		_, seq, _ := dossier.ParseResultCode(code)
		var title, agency, revisionOf string
		if err := tx.QueryRowContext(ctx, s.q(`SELECT title, agency_code, revision_of FROM batches WHERE id = ?`), r.BatchID).Scan(&title, &agency, &revisionOf); err != nil {
			return err
		}
		if r.Title == "" {
			r.Title = title
		}
		out = r
		out.Code, out.DossierCode, out.SHA256, out.CreatedAt, out.SupersededBy = code, dossierCode, normSHA(r.SHA256), now(), ""
		if out.Supersedes, err = s.supersedes(ctx, tx, revisionOf); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO results (code, dossier_code, batch_id, seq, title, blob_key, size, sha256, signer, pages, created_at, supersedes)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			out.Code, out.DossierCode, out.BatchID, seq, out.Title, out.Key, out.Size, out.SHA256, out.Signer, out.Pages, out.CreatedAt, out.Supersedes); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE batches SET status = ?, error = '', updated_at = ? WHERE id = ?`), dossier.BatchDone, out.CreatedAt, r.BatchID); err != nil {
			return err
		}
		k, err := s.batchStatsKey(ctx, tx, r.BatchID)
		if err != nil {
			return err
		}
		if err := s.bumpStats(ctx, tx, k, statsDelta{results: 1, resultPages: int64(out.Pages)}); err != nil {
			return err
		}
		if err := s.bumpDuration(ctx, tx, k, out.CreatedAt); err != nil {
			return err
		}
		payload, err := json.Marshal(dossier.ResultEvent{Result: out, AgencyCode: agency})
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO events (kind, dossier_code, payload, created_at) VALUES (?, ?, ?, ?)`),
			dossier.EventResultReady, out.DossierCode, string(payload), out.CreatedAt)
		return err
	})
	if err != nil {
		return dossier.Result{}, fmt.Errorf("storage: add result for batch %s: %w", r.BatchID, err)
	}
	return out, nil
}

// ResultByCode returns the result with that code, or ErrNotFound.
func (s *SQLRecords) ResultByCode(ctx context.Context, code string) (*dossier.Result, error) {
	r, err := scanResult(s.db.QueryRowContext(ctx, s.q(`SELECT `+resultCols+` FROM results WHERE code = ?`), code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("storage: result %s: %w", code, ErrNotFound)
	}
	if err == nil {
		err = s.db.QueryRowContext(ctx, s.q(`SELECT code FROM results WHERE supersedes = ?`), code).Scan(&r.SupersededBy)
		if errors.Is(err, sql.ErrNoRows) {
			err = nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("storage: result %s: %w", code, err)
	}
	return r, nil
}

// ListResults pages through all results ordered by code, after the given
// code ("" for the start); used by reindex.
func (s *SQLRecords) ListResults(ctx context.Context, after string, limit int) ([]dossier.Result, error) {
	limit = pageLimit(limit)
	return s.results(ctx, `SELECT `+resultCols+` FROM results WHERE code > ? ORDER BY code LIMIT ?`, after, limit)
}

func (s *SQLRecords) results(ctx context.Context, q string, args ...any) ([]dossier.Result, error) {
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	out, err := Collect(rows, err, value(scanResult))
	if err != nil {
		return nil, fmt.Errorf("storage: results: %w", err)
	}
	return out, nil
}

// Dossier returns the dossier (ErrNotFound when unknown) with its batches (with pages) in
// upload order and its results in code order (KQ1, KQ2...).
func (s *SQLRecords) Dossier(ctx context.Context, code string) (*dossier.Dossier, error) {
	var d dossier.Dossier
	err := s.db.QueryRowContext(ctx, s.q(`SELECT code, agency_code, created_at FROM dossiers WHERE code = ?`), code).Scan(&d.Code, &d.AgencyCode, &d.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("storage: dossier %s: %w", code, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: dossier %s: %w", code, err)
	}
	d.CreatedAt = d.CreatedAt.UTC()
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+batchCols+` FROM batches WHERE dossier_code = ? ORDER BY created_at, id`), code)
	if d.Batches, err = Collect(rows, err, value(scanBatch)); err != nil {
		return nil, fmt.Errorf("storage: dossier %s: %w", code, err)
	}
	for i := range d.Batches {
		if d.Batches[i].Pages, err = s.loadPages(ctx, s.db, d.Batches[i].ID); err != nil {
			return nil, err
		}
	}
	d.Results, err = s.results(ctx, `SELECT `+resultCols+` FROM results WHERE dossier_code = ? ORDER BY seq`, code)
	if err != nil {
		return nil, err
	}
	if d.Batches == nil {
		d.Batches = []dossier.Batch{}
	}
	if d.Results == nil {
		d.Results = []dossier.Result{}
	}
	for _, r := range d.Results {
		for i := range d.Results {
			if r.Supersedes != "" && d.Results[i].Code == r.Supersedes {
				d.Results[i].SupersededBy = r.Code
			}
		}
	}
	return &d, nil
}

// Upload is one batch as the per-station limits count it: when it was
// accepted and how many pages it has.
type Upload struct {
	At    time.Time
	Pages int
}

// TokenUploads returns the batches uploaded with tokenID after since,
// oldest first, with their page counts. Every API process reads the same
// records, so limits built on it hold across all of them.
func (s *SQLRecords) TokenUploads(ctx context.Context, tokenID string, since time.Time) ([]Upload, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT b.created_at, COUNT(p.idx) FROM batches b JOIN pages p ON p.batch_id = b.id
		WHERE b.token_id = ? AND b.created_at > ? GROUP BY b.id, b.created_at ORDER BY b.created_at`), tokenID, since.UTC())
	out, err := Collect(rows, err, func(sc RowScanner) (Upload, error) {
		var u Upload
		err := sc.Scan(&u.At, &u.Pages)
		u.At = u.At.UTC()
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("storage: uploads of token %s: %w", tokenID, err)
	}
	return out, nil
}

// ---- events ----

// PendingEvents returns up to limit undelivered events after afterID, in id order. On
// PostgreSQL ids are taken at insert, and a transaction may commit after one
// holding a higher id; so keep afterID only to page within one scan and
// start each scan from 0 (delivered events drop out), or an event may be
// passed over.
func (s *SQLRecords) PendingEvents(ctx context.Context, afterID int64, limit int) ([]dossier.Event, error) {
	limit = pageLimit(limit)
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+eventCols+` FROM events
		WHERE delivered_at IS NULL AND id > ? ORDER BY id LIMIT ?`), afterID, limit)
	out, err := Collect(rows, err, scanEvent)
	if err != nil {
		return nil, fmt.Errorf("storage: pending events: %w", err)
	}
	return out, nil
}

const eventCols = `id, kind, dossier_code, payload, created_at`

func scanEvent(sc RowScanner) (dossier.Event, error) {
	var (
		e       dossier.Event
		payload string
	)
	err := sc.Scan(&e.ID, &e.Kind, &e.DossierCode, &payload, &e.CreatedAt)
	e.Payload, e.CreatedAt = []byte(payload), e.CreatedAt.UTC()
	return e, err
}

// SinkLiveFor is how long a sink counts after the last dispatcher that
// delivers to it ran: an event is done (delivered_at) once every sink seen
// within it has the event. A sink configured nowhere any more stops holding
// events in the outbox a day later.
const SinkLiveFor = 24 * time.Hour

// SeeSinks records the sinks a dispatcher delivers to as live before any
// of them is delivered to. Without it a fast sink could settle an event
// (MarkSinkDelivered) before a slower sink configured beside it had first
// claimed, and that sink would never get the event. Calling it again is
// harmless.
func (s *SQLRecords) SeeSinks(ctx context.Context, sinks ...string) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		t := now()
		for _, sink := range sinks {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO event_sinks (sink, seen_at) VALUES (?, ?)
				ON CONFLICT (sink) DO UPDATE SET seen_at = excluded.seen_at`), sink, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: record event sinks %v: %w", sinks, err)
	}
	return nil
}

// ClaimSinkEvents hands the delivery to one sink ("amqp", "webhook") to one
// dispatcher at a time, so that each sink gets events in order and once
// however many processes run one. holder names the calling dispatcher.
//
// When the sink is free, or already held by holder, it holds the sink for
// lease and returns up to limit events that sink has not had yet, oldest
// first. When another holder has it, or a failure (SinkFailed) set a next
// try still to come, it returns no events and how long to wait. Sinks are
// independent: one that fails, or is held, never delays another.
func (s *SQLRecords) ClaimSinkEvents(ctx context.Context, sink, holder string, lease time.Duration, limit int) ([]dossier.Event, time.Duration, error) {
	limit = pageLimit(limit)
	var (
		out  []dossier.Event
		wait time.Duration
	)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		out, wait = nil, 0
		t := now()
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO event_sinks (sink, seen_at) VALUES (?, ?) ON CONFLICT (sink) DO NOTHING`), sink, t); err != nil {
			return err
		}
		var (
			cur            string
			until, nextTry sql.NullTime
		)
		if err := tx.QueryRowContext(ctx, s.q(`SELECT holder, claimed_until, next_try_at FROM event_sinks WHERE sink = ?`+s.d.forUpdate), sink).
			Scan(&cur, &until, &nextTry); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE event_sinks SET seen_at = ? WHERE sink = ?`), t, sink); err != nil {
			return err
		}
		if cur != holder && until.Valid && until.Time.After(t) {
			wait = until.Time.Sub(t)
			return nil
		}
		if nextTry.Valid && nextTry.Time.After(t) {
			wait = nextTry.Time.Sub(t)
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE event_sinks SET holder = ?, claimed_until = ? WHERE sink = ?`), holder, t.Add(lease), sink); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, s.q(`SELECT `+eventCols+` FROM events e
			WHERE delivered_at IS NULL AND NOT EXISTS (SELECT 1 FROM event_deliveries d WHERE d.sink = ? AND d.event_id = e.id)
			ORDER BY id LIMIT ?`), sink, limit)
		out, err = Collect(rows, err, scanEvent)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("storage: claim events for %s: %w", sink, err)
	}
	return out, wait, nil
}

// MarkSinkDelivered records that sink has event id (marking it twice is
// harmless) and clears the sink's failures. Once every live sink (see
// SinkLiveFor) has the event, the event is delivered.
func (s *SQLRecords) MarkSinkDelivered(ctx context.Context, sink string, id int64) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		t := now()
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO event_deliveries (sink, event_id, delivered_at) VALUES (?, ?, ?)
			ON CONFLICT (sink, event_id) DO NOTHING`), sink, id, t); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE event_sinks SET attempts = 0, next_try_at = NULL, last_error = '' WHERE sink = ? AND attempts > 0`), sink); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`UPDATE events SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM event_sinks k WHERE k.seen_at > ?
				AND NOT EXISTS (SELECT 1 FROM event_deliveries d WHERE d.sink = k.sink AND d.event_id = events.id))`), t, id, t.Add(-SinkLiveFor))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			// Delivered to all: the per-sink rows have served.
			_, err = tx.ExecContext(ctx, s.q(`DELETE FROM event_deliveries WHERE event_id = ?`), id)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: mark event %d delivered to %s: %w", id, sink, err)
	}
	return nil
}

// SinkFailed counts a failed delivery to sink, records why, and sets the
// sink's next try backoff(failures in a row) from now, for every process.
// It returns that delay.
func (s *SQLRecords) SinkFailed(ctx context.Context, sink, why string, backoff func(attempts int) time.Duration) (time.Duration, error) {
	var delay time.Duration
	if len(why) > 1000 {
		why = strings.ToValidUTF8(why[:1000], "") // PostgreSQL refuses a rune cut in two
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`UPDATE event_sinks SET attempts = attempts + 1, last_error = ? WHERE sink = ? RETURNING attempts`), why, sink).Scan(&n); err != nil {
			return err
		}
		delay = backoff(n)
		_, err := tx.ExecContext(ctx, s.q(`UPDATE event_sinks SET next_try_at = ? WHERE sink = ?`), now().Add(delay), sink)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("storage: event sink %s failed: %w", sink, err)
	}
	return delay, nil
}

// ReleaseSink gives up holder's claim on sink (a dispatcher stopping), so
// another process takes over at once instead of when the lease ends.
func (s *SQLRecords) ReleaseSink(ctx context.Context, sink, holder string) error {
	if _, err := s.db.ExecContext(ctx, s.q(`UPDATE event_sinks SET holder = '', claimed_until = NULL WHERE sink = ? AND holder = ?`), sink, holder); err != nil {
		return fmt.Errorf("storage: release event sink %s: %w", sink, err)
	}
	return nil
}

// MarkDelivered settles an event for every sink at once; marking an event
// twice is harmless. Dispatchers use MarkSinkDelivered.
func (s *SQLRecords) MarkDelivered(ctx context.Context, id int64) error {
	if err := s.stampOnce(ctx, s.db, "events", "delivered_at", id); err != nil {
		return fmt.Errorf("storage: mark event %d delivered: %w", id, err)
	}
	return nil
}

// stampOnce sets column (a time) of the row of table with that id to now,
// unless it is already set: the first time is kept. A missing row is
// ErrNotFound.
func (s *SQLRecords) stampOnce(ctx context.Context, q querier, table, column string, id any) error {
	res, err := q.ExecContext(ctx, s.q(`UPDATE `+table+` SET `+column+` = ? WHERE id = ? AND `+column+` IS NULL`), now(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var one int
		if err := q.QueryRowContext(ctx, s.q(`SELECT 1 FROM `+table+` WHERE id = ?`), id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
	}
	return nil
}
