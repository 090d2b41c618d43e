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

// SigningComponent is the migration component of desk signing.
const SigningComponent = "signing"

// SigningRecords keeps the documents waiting for a desk official's
// signature and the history of each (same database as the records, own
// migration component). Open it with OpenSigningRecords; it holds only
// the database handle and is safe for concurrent use.
type SigningRecords struct{ db *DB }

// OpenSigningRecords migrates the signing schema in db.
func OpenSigningRecords(ctx context.Context, db *DB) (*SigningRecords, error) {
	err := db.Migrate(ctx, SigningComponent, signingMigrations)
	if err != nil {
		return nil, fmt.Errorf("storage: signing schema: %w", err)
	}
	return &SigningRecords{db}, nil
}

// storedPrepared keeps what the API never shows.
type storedPrepared struct {
	dossier.PreparedSignature
	Key            string   `json:"key"`
	Chain          [][]byte `json:"chain"`
	ContentsOffset int64    `json:"contents_offset"`
	Reserved       int      `json:"reserved"`
}

const signingCols = `id, batch_id, dossier_code, result_code, title, pages, station, official, mode, state, base_key, base_sha256,
	prepared, signer_name, signer_subject, signed_at, deadline, created_at, updated_at`

// CreateRequest stores r as awaiting (its ID, state and times are set
// here). A batch has one request: creating it again (a redelivered
// document job) returns the first and created=false.
func (s *SigningRecords) CreateRequest(ctx context.Context, r *dossier.SigningRequest) (stored *dossier.SigningRequest, created bool, err error) {
	t := now()
	r.ID, r.State, r.CreatedAt, r.UpdatedAt, r.Prepared = NewID(), dossier.SigningAwaiting, t, t, nil
	r.Deadline = r.Deadline.UTC()
	_, err = s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO signing_requests (id, batch_id, dossier_code, result_code, title, pages, station, official,
		mode, state, base_key, base_sha256, deadline, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		r.ID, r.BatchID, r.DossierCode, r.ResultCode, r.Title, r.Pages, r.Station, r.Official, r.Mode, r.State, r.BaseKey, r.BaseSHA256, r.Deadline, t, t)
	switch {
	case err == nil:
		return r, true, nil
	case IsUniqueViolation(err): // the batch has one already
		stored, err = s.RequestByBatch(ctx, r.BatchID)
		return stored, false, err
	default:
		return nil, false, fmt.Errorf("storage: add signing request: %w", err)
	}
}

// Request returns one request (ErrNotFound when unknown).
func (s *SigningRecords) Request(ctx context.Context, id string) (*dossier.SigningRequest, error) {
	return scanSigningRequest(s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT `+signingCols+` FROM signing_requests WHERE id = ?`), id))
}

// RequestByBatch returns the request of a batch (ErrNotFound when none).
func (s *SigningRecords) RequestByBatch(ctx context.Context, batchID string) (*dossier.SigningRequest, error) {
	return scanSigningRequest(s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT `+signingCols+` FROM signing_requests WHERE batch_id = ?`), batchID))
}

// Queue returns up to limit requests in state, oldest first: of one
// station, or of all when station is "".
func (s *SigningRecords) Queue(ctx context.Context, station, state string, limit int) ([]dossier.SigningRequest, error) {
	q, args := `SELECT `+signingCols+` FROM signing_requests WHERE state = ?`, []any{state}
	if station != "" {
		q, args = q+` AND station = ?`, append(args, station)
	}
	return s.list(ctx, q+` ORDER BY created_at, id LIMIT ?`, append(args, limit)...)
}

func (s *SigningRecords) list(ctx context.Context, q string, args ...any) ([]dossier.SigningRequest, error) {
	return queryAll(ctx, s.db, "signing requests", scanSigningRequest, q, args...)
}

// SetPrepared records the file prepared for a certificate. It is
// ErrConflict when the request is no longer awaiting or its base is no
// longer p.BaseSHA256 (the review changed the document meanwhile).
func (s *SigningRecords) SetPrepared(ctx context.Context, id string, p *dossier.PreparedSignature) error {
	pj, err := json.Marshal(storedPrepared{PreparedSignature: *p, Key: p.Key, Chain: p.Chain, ContentsOffset: p.ContentsOffset, Reserved: p.Reserved})
	if err != nil {
		return err
	}
	return s.update(ctx, id, `prepared = ?`, `AND base_sha256 = ?`, []any{string(pj)}, []any{p.BaseSHA256})
}

// ReplaceBase stores a re-assembled unsigned PDF/A of pages pages (after a review's
// corrections or page changes) and forgets any prepared file, so that a
// signature made for the old document is refused. It is ErrConflict once
// the request is signed or expired: a signed file is never altered.
func (s *SigningRecords) ReplaceBase(ctx context.Context, id, key, sha256 string, pages int) error {
	return s.update(ctx, id, `base_key = ?, base_sha256 = ?, pages = ?, prepared = ''`, ``, []any{key, normSHA(sha256), pages}, nil)
}

// MarkSigned records the request signed by signerName (subject the
// certificate's full subject) over the prepared file whose SHA-256 is
// preparedSHA. It is ErrConflict when the request is no longer awaiting
// or was prepared again since.
func (s *SigningRecords) MarkSigned(ctx context.Context, id, preparedSHA, signerName, subject string) error {
	prep := `AND prepared LIKE ?`
	return s.update(ctx, id, `state = '`+dossier.SigningSigned+`', signer_name = ?, signer_subject = ?, signed_at = ?`, prep,
		[]any{signerName, subject, now()}, []any{`%"sha256":"` + preparedSHA + `"%`})
}

// update changes an awaiting request; cond and condArgs narrow it further.
func (s *SigningRecords) update(ctx context.Context, id, set, cond string, setArgs, condArgs []any) error {
	args := append(append(append([]any{}, setArgs...), now(), id, dossier.SigningAwaiting), condArgs...)
	return updateOne(ctx, s.db, "update signing request", func() error { _, err := s.Request(ctx, id); return err },
		`UPDATE signing_requests SET `+set+`, updated_at = ? WHERE id = ? AND state = ? `+cond, args...)
}

// ExpireOverdue moves the requests still awaiting at their deadline to
// expired and returns them: exceptions for an operator.
func (s *SigningRecords) ExpireOverdue(ctx context.Context, at time.Time) ([]dossier.SigningRequest, error) {
	due, err := s.list(ctx, `SELECT `+signingCols+` FROM signing_requests WHERE state = ? AND deadline <= ? ORDER BY deadline LIMIT 1000`, dossier.SigningAwaiting, at.UTC())
	if err != nil {
		return nil, err
	}
	out := due[:0]
	for _, r := range due {
		err := s.update(ctx, r.ID, `state = '`+dossier.SigningExpired+`'`, ``, nil, nil)
		if errors.Is(err, ErrConflict) {
			continue // signed meanwhile
		}
		if err != nil {
			return out, err
		}
		r.State = dossier.SigningExpired
		out = append(out, r)
	}
	return out, nil
}

// Reopen gives an expired request a new deadline: it awaits its
// official's signature again (prepared afresh). ErrConflict unless it is
// expired (signed ones never reopen; awaiting ones need not).
func (s *SigningRecords) Reopen(ctx context.Context, id string, deadline time.Time) error {
	return updateOne(ctx, s.db, "reopen signing request", func() error { _, err := s.Request(ctx, id); return err },
		`UPDATE signing_requests SET state = ?, deadline = ?, prepared = '', updated_at = ? WHERE id = ? AND state = ?`,
		dossier.SigningAwaiting, deadline.UTC(), now(), id, dossier.SigningExpired)
}

// AddAudit appends a line to a request's history (its time is set here).
func (s *SigningRecords) AddAudit(ctx context.Context, a dossier.SigningAudit) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO signing_audit (request_id, at, actor, action, detail, detail_vi) VALUES (?, ?, ?, ?, ?, ?)`),
		a.RequestID, now(), a.Actor, a.Action, a.Detail, a.DetailVI)
	if err != nil {
		return fmt.Errorf("storage: signing audit: %w", err)
	}
	return nil
}

// Audit returns a request's history, oldest first.
func (s *SigningRecords) Audit(ctx context.Context, id string) ([]dossier.SigningAudit, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(`SELECT request_id, at, actor, action, detail, detail_vi FROM signing_audit WHERE request_id = ? ORDER BY id`), id)
	out, err := Collect(rows, err, func(sc RowScanner) (a dossier.SigningAudit, err error) {
		err = sc.Scan(&a.RequestID, &a.At, &a.Actor, &a.Action, &a.Detail, &a.DetailVI)
		a.At = a.At.UTC()
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("storage: signing audit: %w", err)
	}
	if out == nil {
		out = []dossier.SigningAudit{}
	}
	return out, nil
}

func scanSigningRequest(r RowScanner) (*dossier.SigningRequest, error) {
	var q dossier.SigningRequest
	var prepared string
	var signed sql.NullTime
	err := r.Scan(&q.ID, &q.BatchID, &q.DossierCode, &q.ResultCode, &q.Title, &q.Pages, &q.Station, &q.Official, &q.Mode, &q.State,
		&q.BaseKey, &q.BaseSHA256, &prepared, &q.SignerName, &q.SignerSubject, &signed, &q.Deadline, &q.CreatedAt, &q.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("storage: signing request: %w", err)
	}
	if prepared != "" {
		var p storedPrepared
		if err := json.Unmarshal([]byte(prepared), &p); err != nil {
			return nil, fmt.Errorf("storage: signing request %s: %w", q.ID, err)
		}
		p.PreparedSignature.Key, p.PreparedSignature.Chain = p.Key, p.Chain
		p.PreparedSignature.ContentsOffset, p.PreparedSignature.Reserved = p.ContentsOffset, p.Reserved
		p.PreparedSignature.At = p.PreparedSignature.At.UTC()
		q.Prepared = &p.PreparedSignature
	}
	if signed.Valid {
		t := signed.Time.UTC()
		q.SignedAt = &t
	}
	q.Deadline, q.CreatedAt, q.UpdatedAt = q.Deadline.UTC(), q.CreatedAt.UTC(), q.UpdatedAt.UTC()
	return &q, nil
}

// signingMigrations is the signing schema's history. Append; never edit a released step.
var signingMigrations = []Migration{
	{Version: 1, Name: "signing requests and their audit", SQL: schemaSQL(`
CREATE TABLE signing_requests (
	id TEXT PRIMARY KEY,
	batch_id TEXT NOT NULL UNIQUE,
	dossier_code TEXT NOT NULL,
	result_code TEXT NOT NULL,
	title TEXT NOT NULL DEFAULT '',
	pages INTEGER NOT NULL DEFAULT 0,
	station TEXT NOT NULL DEFAULT '',
	official TEXT NOT NULL DEFAULT '',
	mode TEXT NOT NULL,
	state TEXT NOT NULL,
	base_key TEXT NOT NULL,
	base_sha256 TEXT NOT NULL,
	prepared TEXT NOT NULL DEFAULT '',  -- JSON of the prepared signature, '' when none
	signer_name TEXT NOT NULL DEFAULT '',
	signer_subject TEXT NOT NULL DEFAULT '',
	signed_at {ts},
	deadline {ts} NOT NULL,
	created_at {ts} NOT NULL,
	updated_at {ts} NOT NULL
);
CREATE INDEX signing_requests_queue ON signing_requests (station, state, created_at);
CREATE INDEX signing_requests_deadline ON signing_requests (state, deadline);

CREATE TABLE signing_audit (
	id {serial},
	request_id TEXT NOT NULL,
	at {ts} NOT NULL,
	actor TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT '',
	detail_vi TEXT NOT NULL DEFAULT ''
);
CREATE INDEX signing_audit_request ON signing_audit (request_id, id);
`)},
}
