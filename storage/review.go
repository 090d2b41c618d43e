package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/sohoa/sohoa/ingest/dossier"
)

// ReviewComponent is the migration component of the review log.
const ReviewComponent = "review"

// ReviewRecords keeps the review log of documents awaiting signature
// beside the records (same database, own migration component): each
// correction and page operation an official makes, in order. The log is
// append-only; it is the audit of the review as well as what the
// document to sign is rebuilt from. Open it with OpenReviewRecords; it
// holds only the database handle and is safe for concurrent use.
type ReviewRecords struct {
	db *DB
}

const reviewCols = `id, batch_id, seq, kind, page, line, word, old_text, text, degrees, position, blank,
	image_key, result_key, source_sha, reviewer, token_id, created_at`

// OpenReviewRecords migrates the review log's schema in db.
func OpenReviewRecords(ctx context.Context, db *DB) (*ReviewRecords, error) {
	if err := db.Migrate(ctx, ReviewComponent, reviewMigrations); err != nil {
		return nil, err
	}
	return &ReviewRecords{db: db}, nil
}

// AddChange appends c to its batch's log as change number after+1, where
// after is the number of changes the official saw: when another change
// came in meanwhile it is ErrConflict, so that two officials (or two tabs)
// never edit over each other unseen. c's ID, Seq and CreatedAt are set.
func (s *ReviewRecords) AddChange(ctx context.Context, c *dossier.ReviewChange, after int) error {
	if c.BatchID == "" || c.Kind == "" {
		return errors.New("storage: review change without batch or kind")
	}
	c.ID, c.Seq, c.CreatedAt = NewID(), after+1, now()
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO review_changes (`+reviewCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		c.ID, c.BatchID, c.Seq, c.Kind, c.Page, c.Line, c.Word, c.OldText, c.Text, c.Degrees, c.Position, c.Blank,
		c.ImageKey, c.ResultKey, c.SourceSHA, c.Reviewer, c.TokenID, c.CreatedAt)
	if IsUniqueViolation(err) {
		return fmt.Errorf("storage: review of %s changed meanwhile (change %d taken): %w", c.BatchID, c.Seq, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("storage: add review change: %w", err)
	}
	return nil
}

// CopyLog gives batch to the review log of batch from, change for
// change (who and when kept): a revision of a signed document starts
// from the document as its review left it. Copying again adds only what
// is missing, so it may be retried.
func (s *ReviewRecords) CopyLog(ctx context.Context, from, to string) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO review_changes (`+reviewCols+`)
		SELECT ? || '.' || seq, ?, seq, kind, page, line, word, old_text, text, degrees, position, blank,
			image_key, result_key, source_sha, reviewer, token_id, created_at FROM review_changes WHERE batch_id = ?
		ON CONFLICT (batch_id, seq) DO NOTHING`), to, to, from)
	if err != nil {
		return fmt.Errorf("storage: copy the review of %s to %s: %w", from, to, err)
	}
	return nil
}

// Changes returns the review log of a batch in order (none: empty).
func (s *ReviewRecords) Changes(ctx context.Context, batchID string) ([]dossier.ReviewChange, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(`SELECT `+reviewCols+` FROM review_changes WHERE batch_id = ? ORDER BY seq`), batchID)
	out, err := Collect(rows, err, scanReviewChange)
	if err != nil {
		return nil, fmt.Errorf("storage: review changes of %s: %w", batchID, err)
	}
	if out == nil {
		out = []dossier.ReviewChange{}
	}
	return out, nil
}

func scanReviewChange(sc RowScanner) (dossier.ReviewChange, error) {
	var c dossier.ReviewChange
	err := sc.Scan(&c.ID, &c.BatchID, &c.Seq, &c.Kind, &c.Page, &c.Line, &c.Word, &c.OldText, &c.Text, &c.Degrees,
		&c.Position, &c.Blank, &c.ImageKey, &c.ResultKey, &c.SourceSHA, &c.Reviewer, &c.TokenID, &c.CreatedAt)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

var reviewMigrations = []Migration{
	{Version: 1, Name: "review changes", SQL: schemaSQL(`
CREATE TABLE review_changes (
	id TEXT PRIMARY KEY,
	batch_id TEXT NOT NULL,
	seq INTEGER NOT NULL,
	kind TEXT NOT NULL,
	page INTEGER NOT NULL,
	line INTEGER NOT NULL DEFAULT 0,
	word INTEGER NOT NULL DEFAULT 0,
	old_text TEXT NOT NULL DEFAULT '',
	text TEXT NOT NULL DEFAULT '',
	degrees INTEGER NOT NULL DEFAULT 0,
	position INTEGER NOT NULL DEFAULT 0,
	blank BOOLEAN NOT NULL DEFAULT FALSE,
	image_key TEXT NOT NULL DEFAULT '',
	result_key TEXT NOT NULL DEFAULT '',
	source_sha TEXT NOT NULL DEFAULT '',
	reviewer TEXT NOT NULL DEFAULT '',
	token_id TEXT NOT NULL DEFAULT '',
	created_at {ts} NOT NULL
);
CREATE UNIQUE INDEX review_changes_seq ON review_changes (batch_id, seq);
`)},
}
