package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
)

// StacksComponent is the migration component of the stack exceptions.
const StacksComponent = "stacks"

var stacksMigrations = []Migration{
	{Version: 1, Name: "stack exceptions", SQL: schemaSQL(`
CREATE TABLE stack_exceptions (
	id TEXT PRIMARY KEY,
	stack_id TEXT NOT NULL,
	station TEXT NOT NULL DEFAULT '',
	operator TEXT NOT NULL DEFAULT '',
	title TEXT NOT NULL DEFAULT '',
	document_type TEXT NOT NULL DEFAULT '',
	token_id TEXT NOT NULL DEFAULT '',
	idempotency_key TEXT,              -- NULL when none
	pages TEXT NOT NULL,               -- JSON [dossier.StackPage with source_key]
	reason_vi TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	proposed TEXT NOT NULL DEFAULT '[]',
	status TEXT NOT NULL,
	batch_id TEXT NOT NULL DEFAULT '',
	created_at {ts} NOT NULL,
	updated_at {ts} NOT NULL
);
CREATE UNIQUE INDEX stack_exceptions_idempotency ON stack_exceptions (token_id, idempotency_key);
CREATE INDEX stack_exceptions_open ON stack_exceptions (status, created_at);
`)},
	{Version: 2, Name: "stacks accepted for a split job", SQL: schemaSQL(`
CREATE TABLE stacks (
	id TEXT PRIMARY KEY,               -- from the token and the stack's idempotency key
	token_id TEXT NOT NULL,
	token_role TEXT NOT NULL,
	token_name TEXT NOT NULL DEFAULT '',
	station TEXT NOT NULL DEFAULT '',
	operator TEXT NOT NULL DEFAULT '',
	manifest TEXT NOT NULL,            -- JSON of the stack manifest as accepted
	pages TEXT NOT NULL,               -- JSON [dossier.StackPage with its blob key]
	status TEXT NOT NULL,
	outcome TEXT NOT NULL DEFAULT '',  -- JSON of the split's outcome, once split
	error TEXT NOT NULL DEFAULT '',
	error_vi TEXT NOT NULL DEFAULT '',
	created_at {ts} NOT NULL,
	updated_at {ts} NOT NULL
);
CREATE INDEX stacks_pending ON stacks (status, created_at);
`)},
}

// StackRecords keeps the exceptions of stack splitting beside the records
// (same database, own migration component). Open it with OpenStackRecords,
// which migrates its tables; it holds only database handles and is safe
// for concurrent use.
//
// The pages of an open exception count as pages in exception in the
// statistics (GET /v1/stats), on the day the exception was made, under its
// station, operator and document type (no agency: no dossier is known
// yet): added with the exception, in its transaction, and taken back when
// it is resolved (its pages then count as the batch they became).
type StackRecords struct {
	db *DB
	// stats writes the statistics' rollups in the records' way.
	stats *SQLRecords
}

// OpenStackRecords migrates the stack exceptions' schema in db.
func OpenStackRecords(ctx context.Context, db *DB) (*StackRecords, error) {
	if err := db.Migrate(ctx, StacksComponent, stacksMigrations); err != nil {
		return nil, err
	}
	return &StackRecords{db: db, stats: &SQLRecords{db: db, d: dialects[db.Dialect]}}, nil
}

// exceptionStatsKey is where a stack exception's pages are counted.
func exceptionStatsKey(e *dossier.StackException) statsKey {
	return statsKey{day: dossier.StatsDay(e.CreatedAt), station: e.Station, operator: e.Operator, docType: e.DocumentType, uploaded: e.CreatedAt}
}

// storedPage keeps the blob key, which the API never shows.
type storedPage struct {
	dossier.StackPage
	Key string `json:"key"`
}

const stackCols = `id, stack_id, station, operator, title, document_type, token_id, COALESCE(idempotency_key, ''), pages, reason_vi, reason, proposed, status, batch_id, created_at, updated_at`

// AddException stores e (its ID, status and times are set here). An
// exception whose IdempotencyKey the same token used before returns the
// earlier one and created=false: a stack sent again leaves one exception.
func (s *StackRecords) AddException(ctx context.Context, e *dossier.StackException) (stored *dossier.StackException, created bool, err error) {
	t := now()
	e.ID, e.Status, e.CreatedAt, e.UpdatedAt = NewID(), dossier.StackOpen, t, t
	pages := make([]storedPage, len(e.Pages))
	for i, p := range e.Pages {
		pages[i] = storedPage{p, p.SourceKey}
	}
	pj, _ := json.Marshal(pages)
	if e.Proposed == nil {
		e.Proposed = []string{}
	}
	prj, _ := json.Marshal(e.Proposed)
	var key any
	if e.IdempotencyKey != "" {
		key = e.IdempotencyKey
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO stack_exceptions (id, stack_id, station, operator, title, document_type, token_id, idempotency_key,
		pages, reason_vi, reason, proposed, status, batch_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)`),
			e.ID, e.StackID, e.Station, e.Operator, e.Title, e.DocumentType, e.TokenID, key, string(pj), e.ReasonVI, e.Reason, string(prj), e.Status, t, t)
		if err != nil {
			return err
		}
		return s.stats.bumpStats(ctx, tx, exceptionStatsKey(e), statsDelta{exceptions: int64(len(e.Pages))})
	})
	if err != nil && IsUniqueViolation(err) && e.IdempotencyKey != "" {
		row := s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT `+stackCols+` FROM stack_exceptions WHERE token_id = ? AND idempotency_key = ?`), e.TokenID, e.IdempotencyKey)
		old, err := scanStackException(row)
		return old, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("storage: add stack exception: %w", err)
	}
	return e, true, nil
}

// StackException returns one exception (ErrNotFound when unknown).
func (s *StackRecords) StackException(ctx context.Context, id string) (*dossier.StackException, error) {
	return scanStackException(s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT `+stackCols+` FROM stack_exceptions WHERE id = ?`), id))
}

// OpenExceptions returns up to limit open exceptions, oldest first.
func (s *StackRecords) OpenExceptions(ctx context.Context, limit int) ([]dossier.StackException, error) {
	return queryAll(ctx, s.db, "stack exceptions", scanStackException,
		`SELECT `+stackCols+` FROM stack_exceptions WHERE status = ? ORDER BY created_at, id LIMIT ?`, dossier.StackOpen, limit)
}

// Resolve marks an open exception resolved by batchID. Resolving it again
// with the same batch is harmless; with another batch, or an unknown id,
// it is ErrConflict or ErrNotFound.
// Its pages leave the statistics' pages in exception in the same
// transaction, once.
func (s *StackRecords) Resolve(ctx context.Context, id, batchID string) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		e, err := scanStackException(tx.QueryRowContext(ctx, s.db.Rebind(`SELECT `+stackCols+` FROM stack_exceptions WHERE id = ?`+s.stats.d.forUpdate), id))
		if err != nil {
			return err
		}
		switch {
		case e.Status == dossier.StackResolved && e.BatchID == batchID:
			return nil
		case e.Status != dossier.StackOpen:
			return ErrConflict
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE stack_exceptions SET status = ?, batch_id = ?, updated_at = ? WHERE id = ?`),
			dossier.StackResolved, batchID, now(), id); err != nil {
			return err
		}
		return s.stats.bumpStats(ctx, tx, exceptionStatsKey(e), statsDelta{exceptions: -int64(len(e.Pages))})
	})
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrConflict) {
		return fmt.Errorf("storage: resolve stack exception %s: %w", id, err)
	}
	return err
}

// rebuildExceptionStats counts the pages of the open stack exceptions in
// the statistics, as AddException does, inside RebuildStats's transaction.
func rebuildExceptionStats(ctx context.Context, s *SQLRecords, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT `+stackCols+` FROM stack_exceptions WHERE status = '`+dossier.StackOpen+`'`)
	if err != nil {
		return err
	}
	open, err := Collect(rows, nil, value(scanStackException))
	if err != nil {
		return err
	}
	for _, e := range open {
		if err := s.bumpStats(ctx, tx, exceptionStatsKey(&e), statsDelta{exceptions: int64(len(e.Pages))}); err != nil {
			return err
		}
	}
	return nil
}

// updateOne runs an UPDATE of one row meant to change it under a
// condition: a row not changed is the error of exists (ErrNotFound for an
// unknown row), else ErrConflict (the row is not in a state to change).
func updateOne(ctx context.Context, db *DB, what string, exists func() error, q string, args ...any) error {
	res, err := db.ExecContext(ctx, db.Rebind(q), args...)
	if err != nil {
		return fmt.Errorf("storage: %s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	if err := exists(); err != nil {
		return err
	}
	return ErrConflict
}

// queryAll runs q (with '?' placeholders) and scans every row with scan;
// no rows is an empty slice, never nil (it is JSON for the API).
func queryAll[T any](ctx context.Context, db *DB, what string, scan func(RowScanner) (*T, error), q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, db.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("storage: %s: %w", what, err)
	}
	out, err := Collect(rows, nil, value(scan))
	if out == nil && err == nil {
		out = []T{}
	}
	return out, err
}

func scanStackException(r RowScanner) (*dossier.StackException, error) {
	var e dossier.StackException
	var pj, prj string
	err := r.Scan(&e.ID, &e.StackID, &e.Station, &e.Operator, &e.Title, &e.DocumentType, &e.TokenID, &e.IdempotencyKey,
		&pj, &e.ReasonVI, &e.Reason, &prj, &e.Status, &e.BatchID, &e.CreatedAt, &e.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("storage: stack exception: %w", err)
	}
	if e.Pages, err = decodePages(pj); err != nil {
		return nil, fmt.Errorf("storage: stack exception %s pages: %w", e.ID, err)
	}
	if err := json.Unmarshal([]byte(prj), &e.Proposed); err != nil {
		return nil, fmt.Errorf("storage: stack exception %s proposals: %w", e.ID, err)
	}
	return &e, nil
}

const stackRowCols = `id, token_id, token_role, token_name, station, operator, manifest, pages, status, outcome, error, error_vi, created_at, updated_at`

// AddStack stores a stack accepted for splitting, queued (its status and
// times are set here). A stack whose ID is already stored returns the
// stored one and created=false: the same stack sent again is one stack.
func (s *StackRecords) AddStack(ctx context.Context, st *dossier.Stack) (stored *dossier.Stack, created bool, err error) {
	t := now()
	st.Status, st.CreatedAt, st.UpdatedAt = dossier.StackQueued, t, t
	pages := make([]storedPage, len(st.Pages))
	for i, p := range st.Pages {
		pages[i] = storedPage{p, p.SourceKey}
	}
	pj, _ := json.Marshal(pages)
	_, err = s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO stacks (id, token_id, token_role, token_name, station, operator, manifest, pages,
		status, outcome, error, error_vi, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', '', ?, ?)`),
		st.ID, st.TokenID, string(st.TokenRole), st.TokenName, st.Station, st.Operator, string(st.Manifest), string(pj), st.Status, t, t)
	if err != nil && IsUniqueViolation(err) {
		old, err := s.Stack(ctx, st.ID)
		return old, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("storage: add stack %s: %w", st.ID, err)
	}
	return st, true, nil
}

// Stack returns one stack (ErrNotFound when unknown).
func (s *StackRecords) Stack(ctx context.Context, id string) (*dossier.Stack, error) {
	return scanStack(s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT `+stackRowCols+` FROM stacks WHERE id = ?`), id))
}

// SetStackStatus moves a stack to status, with the split's outcome (JSON,
// nil to keep it) or the reason it failed (empty to keep it). A stack
// already split or failed is not moved back to queued or splitting: that
// is ErrConflict, so a job delivered again finds its work done.
func (s *StackRecords) SetStackStatus(ctx context.Context, id, status string, outcome []byte, errVI, errEN string) error {
	q := `UPDATE stacks SET status = ?, updated_at = ?`
	args := []any{status, now()}
	if outcome != nil {
		q += `, outcome = ?`
		args = append(args, string(outcome))
	}
	if errVI != "" || errEN != "" {
		q += `, error = ?, error_vi = ?`
		args = append(args, errEN, errVI)
	}
	q += ` WHERE id = ?`
	args = append(args, id)
	if status == dossier.StackQueued || status == dossier.StackSplitting {
		q += ` AND status IN (?, ?)`
		args = append(args, dossier.StackQueued, dossier.StackSplitting)
	}
	return updateOne(ctx, s.db, "set stack status", func() error { _, err := s.Stack(ctx, id); return err }, q, args...)
}

// PendingStacks returns up to limit stacks in status (queued or
// splitting) not changed since before, oldest first: those whose job may
// have been lost are queued again from them.
func (s *StackRecords) PendingStacks(ctx context.Context, status string, before time.Time, limit int) ([]dossier.Stack, error) {
	return queryAll(ctx, s.db, "pending stacks", scanStack,
		`SELECT `+stackRowCols+` FROM stacks WHERE status = ? AND updated_at < ? ORDER BY created_at, id LIMIT ?`,
		status, before.UTC(), limit)
}

func scanStack(r RowScanner) (*dossier.Stack, error) {
	var st dossier.Stack
	var role, manifest, pj, outcome string
	err := r.Scan(&st.ID, &st.TokenID, &role, &st.TokenName, &st.Station, &st.Operator, &manifest, &pj, &st.Status, &outcome,
		&st.Error, &st.ErrorVI, &st.CreatedAt, &st.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("storage: stack: %w", err)
	}
	st.TokenRole, st.Manifest = dossier.Role(role), []byte(manifest)
	if outcome != "" {
		st.Outcome = []byte(outcome)
	}
	if st.Pages, err = decodePages(pj); err != nil {
		return nil, fmt.Errorf("storage: stack %s pages: %w", st.ID, err)
	}
	return &st, nil
}

// decodePages reads stored pages (JSON of storedPage) with their keys.
func decodePages(pj string) ([]dossier.StackPage, error) {
	var pages []storedPage
	if err := json.Unmarshal([]byte(pj), &pages); err != nil {
		return nil, err
	}
	out := make([]dossier.StackPage, len(pages))
	for i, p := range pages {
		p.SourceKey = p.Key
		out[i] = p.StackPage
	}
	return out, nil
}
