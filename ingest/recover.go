package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
)

// Recover re-enqueues batches that may have no queued job: every batch
// still "received" (the process died between commit and enqueue, or the
// queue was down), and "processing" batches untouched for staleAfter (a crash half-way through EnqueueBatch). Queueing a page
// twice is harmless (the workers dedupe), so erring towards re-enqueueing
// costs only time. It returns how many batches it queued.
func (in *Intake) Recover(ctx context.Context, staleAfter time.Duration) (int, error) {
	if in.Queue == nil {
		return 0, nil
	}
	n := 0
	for _, status := range []string{dossier.BatchReceived, dossier.BatchProcessing} {
		after := ""
		for {
			bs, err := in.Records.ListBatches(ctx, storage.BatchFilter{Status: status, After: after, Limit: 200})
			if err != nil {
				return n, fmt.Errorf("ingest: recover: %w", err)
			}
			if len(bs) == 0 {
				break
			}
			after = bs[len(bs)-1].ID
			for _, b := range bs {
				if status == dossier.BatchProcessing && time.Since(b.UpdatedAt) < staleAfter {
					continue
				}
				// EnqueueBatch queues the pending pages, or the document
				// job when every page is finished.
				full, err := in.Records.Batch(ctx, b.ID)
				if err != nil {
					return n, fmt.Errorf("ingest: recover batch %s: %w", b.ID, err)
				}
				if err := in.Queue.EnqueueBatch(ctx, full); err != nil {
					return n, fmt.Errorf("ingest: recover batch %s: %w", b.ID, err)
				}
				n++
			}
		}
	}
	if n > 0 {
		in.log().Info("ingest: re-enqueued batches on recovery", "batches", n)
	}
	return n, nil
}
