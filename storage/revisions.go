package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/sohoa/sohoa/ingest/dossier"
)

// A signed file is never altered. A change an official makes to a
// document after it was signed goes to a revision: a new batch of the
// same pages (same blobs, already read), taking the signed batch's review
// log and the change, whose document becomes the dossier's next result
// KQ<n+1>, superseding KQ<n>. The signed batch and its file stay as they
// are.

// OpenRevision returns the batch that takes changes to the signed
// document of batch id: its revision, created now (created true) when it
// has none. The revision copies the batch's pages as read (done, same
// image and OCR keys), is processing until its own result is linked, and
// belongs to the same station; it counts as no upload (no token, no
// fingerprint, no statistics of scanned pages). One batch has at most one
// revision, so retries and concurrent calls get the same one. A batch
// whose result is not linked yet is ErrConflict: change it directly.
func (s *SQLRecords) OpenRevision(ctx context.Context, id string) (rev *dossier.Batch, created bool, err error) {
	for attempt := 0; ; attempt++ {
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			rev, created = nil, false
			status, _, _, _, err := s.lockBatch(ctx, tx, id)
			if err != nil {
				return err
			}
			var revID string
			err = tx.QueryRowContext(ctx, s.q(`SELECT id FROM batches WHERE revision_of = ?`), id).Scan(&revID)
			if err == nil {
				rev, err = s.loadBatch(ctx, tx, revID, true)
				return err
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if status != dossier.BatchDone {
				return fmt.Errorf("batch %s has no signed result to revise (%s): %w", id, status, ErrConflict)
			}
			revID, created = NewID(), true
			t := now()
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO batches (id, dossier_code, agency_code, title, document_type, station, operator,
				token_id, fingerprint, status, completed_at, created_at, updated_at, revision_of)
				SELECT ?, dossier_code, agency_code, title, document_type, station, operator, '', '', ?, ?, ?, ?, id FROM batches WHERE id = ?`),
				revID, dossier.BatchProcessing, t, t, t, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO pages (batch_id, idx, source_name, source_page, source_key, source_sha, status,
				attempts, error, result_key, image_key, confidence, needs_review, blank, orientation_unsure, review_reasons, updated_at)
				SELECT ?, idx, source_name, source_page, source_key, source_sha, status, attempts, error, result_key, image_key,
				confidence, needs_review, blank, orientation_unsure, review_reasons, ? FROM pages WHERE batch_id = ?`), revID, t, id); err != nil {
				return err
			}
			rev, err = s.loadBatch(ctx, tx, revID, true)
			return err
		})
		// Two racing first changes: one insert wins the unique index, the
		// other finds its revision on the next try.
		if IsUniqueViolation(err) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, false, fmt.Errorf("storage: open revision of %s: %w", id, err)
		}
		return rev, created, nil
	}
}

// Revision returns the id of the revision of batch id, "" when none.
func (s *SQLRecords) Revision(ctx context.Context, id string) (string, error) {
	var rev string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT id FROM batches WHERE revision_of = ?`), id).Scan(&rev)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("storage: revision of %s: %w", id, err)
	}
	return rev, nil
}

// supersedes is the code of the result of batch revisionOf ("" for none).
func (s *SQLRecords) supersedes(ctx context.Context, q querier, revisionOf string) (string, error) {
	if revisionOf == "" {
		return "", nil
	}
	var code string
	err := q.QueryRowContext(ctx, s.q(`SELECT code FROM results WHERE batch_id = ?`), revisionOf).Scan(&code)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return code, err
}
