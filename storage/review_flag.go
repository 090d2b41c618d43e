package storage

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/sohoa/sohoa/ingest/dossier"
)

// FlagForReview flags done pages of a batch for review after the fact:
// the archival metadata read from them (storage/catalog) is unsure, though
// their text was read well. They join ReviewPages and the statistics' pages
// to review; pages already flagged, or not done, are left as they are, so
// flagging again is harmless.
func (s *SQLRecords) FlagForReview(ctx context.Context, batchID string, indexes []int) error {
	if len(indexes) == 0 {
		return nil
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, _, _, _, err := s.lockBatch(ctx, tx, batchID); err != nil {
			return err
		}
		var flagged int64
		for _, i := range indexes {
			res, err := tx.ExecContext(ctx, s.q(`UPDATE pages SET needs_review = TRUE WHERE batch_id = ? AND idx = ? AND status = ? AND NOT needs_review`),
				batchID, i, dossier.PageDone)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			flagged += n
		}
		if flagged == 0 {
			return nil
		}
		k, err := s.batchStatsKey(ctx, tx, batchID)
		if err != nil {
			return err
		}
		return s.bumpStats(ctx, tx, k, statsDelta{review: flagged})
	})
	if err != nil {
		return fmt.Errorf("storage: flag pages of %s for review: %w", batchID, err)
	}
	return nil
}
