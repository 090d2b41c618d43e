package workers

import (
	"context"
	"errors"
	"fmt"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
)

// A signed file is never altered: a change an official makes after a
// document was signed goes to its revision (storage OpenRevision), a
// batch of the same pages and review log whose document the document job
// builds as the dossier's next result KQ<n+1>, signed as the batch's mode
// says (the server's key, or a new signing request for the official), and
// linked superseding KQ<n>, which stays as it was.

// maxRevisions bounds the walk along a chain of revisions: each is a
// signed result, so a real chain is a handful long.
const maxRevisions = 1000

// Revise returns the batch that takes changes to the document of batch
// id (web.Reviser): the batch itself while its result is not linked;
// once it is, its revision (the latest of the chain), opened with the
// signed batch's review log on the first change. Retried and concurrent
// calls get the same revision, so one change never makes two results.
func (r *Runner) Revise(ctx context.Context, id string) (string, error) {
	if r.cfg.Review == nil {
		return "", errors.New("workers: revisions need the review log")
	}
	b, err := r.cfg.Records.Batch(ctx, id)
	if err != nil {
		return "", err
	}
	for range maxRevisions {
		if b.Status != dossier.BatchDone {
			return b.ID, nil
		}
		rev, created, err := r.cfg.Records.OpenRevision(ctx, b.ID)
		if err != nil {
			return "", err
		}
		// Copied every time: a crash may have come between the two.
		if err := r.cfg.Review.CopyLog(ctx, b.ID, rev.ID); err != nil {
			return "", err
		}
		if created {
			r.log.Info("signed result revised: a new result will supersede it", "batch", b.ID, "result", b.ResultCode, "revision", rev.ID)
		}
		b = rev
	}
	return "", fmt.Errorf("workers: batch %s has more than %d revisions", id, maxRevisions)
}

// Revision returns the id of the revision of batch id, "" when none.
func (r *Runner) Revision(ctx context.Context, id string) (string, error) {
	return r.cfg.Records.Revision(ctx, id)
}

// Reassemble brings the document of batch id in line with its review
// log after a change (web.Reassembler): a document awaiting its
// official's signature is rebuilt (Desk.Reassemble); a revision not built
// yet is built by its document job, queued here, which reads the log as
// it then is (and checks it again before its document waits or is
// linked). storage.ErrConflict once the batch's result is linked: a
// signed file is never altered (Revise gives the batch to change).
func (r *Runner) Reassemble(ctx context.Context, id string) error {
	b, err := r.cfg.Records.Batch(ctx, id)
	if err != nil {
		return err
	}
	if b.Status == dossier.BatchDone {
		return fmt.Errorf("batch %s is signed: %w", id, storage.ErrConflict)
	}
	if r.desk != nil {
		if err := r.desk.Reassemble(ctx, id); !errors.Is(err, storage.ErrNotFound) {
			return err
		}
	}
	if b.RevisionOf != "" && pagesFinished(b) {
		return r.client.Enqueue(ctx, DocumentJob{BatchID: id})
	}
	return nil
}
