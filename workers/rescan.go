package workers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/cenkalti/backoff/v5"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/storage"
)

// RescanJob reads a re-scan of a page an official uploaded during the
// review and, once read, replaces the page with it: the review log gets
// Change (kind "replace", who and when) with the re-scan's image and
// reading, and the document awaiting signature is rebuilt. The upload is
// stored (SourceKey) before the job is queued; reading it is the job's,
// never the request's.
type RescanJob struct {
	BatchID    string               `json:"batch_id"`
	SourceKey  string               `json:"source_key"`
	SourceName string               `json:"source_name"`
	Change     dossier.ReviewChange `json:"change"` // Page, SourceSHA, Reviewer, TokenID
}

// Kind implements JobArgs.
func (RescanJob) Kind() string { return "rescan" }

// Rescan queues the reading of a re-scan stored under sourceKey, to
// replace page c.Page of batch batchID for c.Reviewer (web.Rescanner).
func (r *Runner) Rescan(ctx context.Context, batchID, sourceKey, sourceName string, c dossier.ReviewChange) error {
	c.Kind, c.BatchID = dossier.ReviewReplace, batchID
	return r.client.Enqueue(ctx, RescanJob{BatchID: batchID, SourceKey: sourceKey, SourceName: sourceName, Change: c})
}

type rescanWorker struct{ r *Runner }

// Work reads the re-scan, stores its image and reading under keys of
// their own, and appends the replacement to the review log, once: a
// redelivered job finds it there.
func (w *rescanWorker) Work(ctx context.Context, job *Job[RescanJob]) error {
	r, c := w.r, job.Args.Change
	if r.cfg.Review == nil {
		return backoff.Permanent(errors.New("workers: a re-scan needs the review log"))
	}
	b, err := r.cfg.Records.Batch(ctx, job.Args.BatchID)
	if errors.Is(err, storage.ErrNotFound) {
		return backoff.Permanent(fmt.Errorf("batch %s: %w", job.Args.BatchID, err))
	}
	if err != nil {
		return err
	}
	data, err := (&pageWorker{r: r}).fetch(ctx, job.Args.SourceKey)
	if err != nil {
		return err
	}
	res, img, err := r.cfg.OCR.Recognize(ctx, ocr.Input{Name: job.Args.SourceName, Data: data, Page: 1})
	if errors.As(err, new(*ocr.InputError)) {
		return backoff.Permanent(err)
	}
	if err != nil {
		return err
	}
	c.ImageKey, c.ResultKey = storage.PageRescanKeys(b.DossierCode, b.ID, c.Page, c.SourceSHA, imageExt(img.Encoding))
	if _, err := r.cfg.Blobs.Put(ctx, c.ImageKey, bytes.NewReader(img.Data), int64(len(img.Data)), imageContentType(img.Encoding), ""); err != nil {
		return fmt.Errorf("store re-scan image: %w", err)
	}
	js, err := json.Marshal(pageRecord{Result: res, Image: img})
	if err != nil {
		return err
	}
	if _, err := r.cfg.Blobs.Put(ctx, c.ResultKey, bytes.NewReader(js), int64(len(js)), "application/json", ""); err != nil {
		return fmt.Errorf("store re-scan reading: %w", err)
	}
	// Appended after whatever the official did meanwhile.
	for range 5 {
		log, err := r.cfg.Review.Changes(ctx, b.ID)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(log, func(e dossier.ReviewChange) bool {
			return e.Kind == dossier.ReviewReplace && e.ResultKey == c.ResultKey && e.Page == c.Page
		}) {
			break // redelivered
		}
		c.ID, c.Seq = "", 0
		err = r.cfg.Review.AddChange(ctx, &c, len(log))
		if errors.Is(err, storage.ErrConflict) {
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	r.log.Info("page replaced by a re-scan", "batch", b.ID, "page", c.Page, "reviewer", c.Reviewer)
	if err := r.Reassemble(ctx, b.ID); errors.Is(err, storage.ErrConflict) {
		// Signed while the re-scan was read: the signed file keeps the old page.
		r.log.Warn("a re-scan was read after its document was signed; a new change makes the next result", "batch", b.ID, "page", c.Page)
		return nil
	} else if err != nil {
		return err
	}
	return nil
}

// DeadLetter: the re-scan could not be read; the page stays as it was
// and the official sees no replacement in the log.
func (w *rescanWorker) DeadLetter(ctx context.Context, job *Job[RescanJob], reason string) error {
	w.r.log.Warn("a re-scan could not be read; the page is kept", "batch", job.Args.BatchID, "page", job.Args.Change.Page, "reason", reason)
	return nil
}
