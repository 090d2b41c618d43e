package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

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
}

// StackRecords keeps the exceptions of stack splitting beside the records
// (same database, own migration component). Open it with OpenStackRecords,
// which migrates its tables; it holds only the database handle and is
// safe for concurrent use.
type StackRecords struct {
	db *DB
}

// OpenStackRecords migrates the stack exceptions' schema in db.
func OpenStackRecords(ctx context.Context, db *DB) (*StackRecords, error) {
	if err := db.Migrate(ctx, StacksComponent, stacksMigrations); err != nil {
		return nil, err
	}
	return &StackRecords{db: db}, nil
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
	_, err = s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO stack_exceptions (id, stack_id, station, operator, title, document_type, token_id, idempotency_key,
		pages, reason_vi, reason, proposed, status, batch_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)`),
		e.ID, e.StackID, e.Station, e.Operator, e.Title, e.DocumentType, e.TokenID, key, string(pj), e.ReasonVI, e.Reason, string(prj), e.Status, t, t)
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
func (s *StackRecords) Resolve(ctx context.Context, id, batchID string) error {
	return updateOne(ctx, s.db, "resolve stack exception", func() error { _, err := s.StackException(ctx, id); return err },
		`UPDATE stack_exceptions SET status = ?, batch_id = ?, updated_at = ? WHERE id = ? AND (status = ? OR batch_id = ?)`,
		dossier.StackResolved, batchID, now(), id, dossier.StackOpen, batchID)
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
	var pages []storedPage
	if err := json.Unmarshal([]byte(pj), &pages); err != nil {
		return nil, fmt.Errorf("storage: stack exception %s pages: %w", e.ID, err)
	}
	for _, p := range pages {
		p.SourceKey = p.Key
		e.Pages = append(e.Pages, p.StackPage)
	}
	if err := json.Unmarshal([]byte(prj), &e.Proposed); err != nil {
		return nil, fmt.Errorf("storage: stack exception %s proposals: %w", e.ID, err)
	}
	return &e, nil
}
