package workers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/storage"
)

// PageJob OCRs one page of a batch.
type PageJob struct {
	BatchID string `json:"batch_id"`
	Index   int    `json:"index"` // 1-based page of the document
}

// Kind implements JobArgs.
func (PageJob) Kind() string { return "page" }

// pageRecord is what is stored at a page's ResultKey: the ocr.Result (its
// JSON is a superset of ocr.Result's, so readers of ocr.Result read it)
// plus how the corrected image at ImageKey is encoded.
type pageRecord struct {
	ocr.Result
	Image ocr.Image `json:"image"`
}

// pageKeys names a page's blobs under its dossier's folder.
func pageKeys(b *dossier.Batch, p *dossier.Page, enc ocr.Encoding) (image, result string) {
	return storage.PageImageKey(b.DossierCode, b.ID, p.Index, imageExt(enc)), storage.PageOCRKey(b.DossierCode, b.ID, p.Index)
}

// imageExt is the file extension of a stored page image.
func imageExt(enc ocr.Encoding) string {
	if ext := map[ocr.Encoding]string{ocr.JPEG: "jpg", ocr.G4: "g4", ocr.Flate: "zlib"}[enc]; ext != "" {
		return ext
	}
	return "bin"
}

type pageWorker struct{ r *Runner }

// Work fetches the page's source, recognizes it, stores the corrected image
// and the OCR result, and records the page done; the call that finishes the
// batch queues its document.
func (w *pageWorker) Work(ctx context.Context, job *Job[PageJob]) error {
	r := w.r
	b, p, err := w.load(ctx, job.Args)
	if err != nil {
		return err
	}
	if p.Status == dossier.PageDone || p.Status == dossier.PageException {
		// Redelivered. The earlier delivery may have died between
		// FinishPage and queueing the document: make sure it is queued.
		return w.ensureDocument(ctx, b)
	}
	if _, err := r.cfg.Records.PageAttempt(ctx, b.ID, p.Index); err != nil {
		return fmt.Errorf("count attempt: %w", err)
	}

	start := time.Now()
	data, err := w.fetch(ctx, p.SourceKey)
	if err != nil {
		return err
	}
	r.m.since("fetch", start)

	start = time.Now()
	res, img, err := r.cfg.OCR.Recognize(ctx, ocr.Input{Name: p.SourceName, Data: data, Page: max(1, p.SourcePage)})
	if err != nil {
		// The ocr errors name the file and page. A file that cannot be
		// read stays unreadable: no point trying again. Engine crashes and
		// timeouts are retried.
		if errors.As(err, new(*ocr.InputError)) {
			return backoff.Permanent(err)
		}
		return err
	}
	r.m.since("ocr", start)

	start = time.Now()
	imageKey, resultKey := pageKeys(b, p, img.Encoding)
	if _, err := r.cfg.Blobs.Put(ctx, imageKey, bytes.NewReader(img.Data), int64(len(img.Data)), imageContentType(img.Encoding), ""); err != nil {
		return fmt.Errorf("store page image: %w", err)
	}
	js, err := json.Marshal(pageRecord{Result: res, Image: img})
	if err != nil {
		return fmt.Errorf("encode OCR result: %w", err)
	}
	if _, err := r.cfg.Blobs.Put(ctx, resultKey, bytes.NewReader(js), int64(len(js)), "application/json", ""); err != nil {
		return fmt.Errorf("store OCR result: %w", err)
	}
	r.m.since("store", start)

	done := *p
	done.Status = dossier.PageDone
	done.Error = ""
	done.ImageKey, done.ResultKey = imageKey, resultKey
	done.Confidence, done.NeedsReview, done.Blank = res.Confidence, res.NeedsReview, res.Blank
	done.OrientationUnsure, done.ReviewReasons = res.OrientationUnsure, res.ReviewReasons
	allDone, err := r.cfg.Records.FinishPage(ctx, done)
	if err != nil {
		return fmt.Errorf("record page done: %w", err)
	}
	r.m.page("done", res.Confidence, res.Blank)
	if allDone {
		if err := r.client.Enqueue(ctx, DocumentJob{BatchID: b.ID}); err != nil {
			// The retry finds the page done and queues the document.
			return err
		}
	}
	return nil
}

// DeadLetter makes the page an exception with reason; if that finishes the
// batch its document job decides the batch's fate.
func (w *pageWorker) DeadLetter(ctx context.Context, job *Job[PageJob], reason string) error {
	r := w.r
	b, p, err := w.load(ctx, job.Args)
	if err != nil {
		if IsPermanent(err) {
			return nil // nothing to record against
		}
		return err
	}
	if p.Status == dossier.PageDone {
		return w.ensureDocument(ctx, b)
	}
	exc := *p
	exc.Status = dossier.PageException
	exc.Error = reason
	allDone, err := r.cfg.Records.FinishPage(ctx, exc)
	if err != nil {
		return fmt.Errorf("record page exception: %w", err)
	}
	r.m.page("exception", 0, false)
	r.log.Warn("page is an exception", "batch", b.ID, "dossier", b.DossierCode, "page", p.Index, "reason", reason)
	if allDone {
		return r.client.Enqueue(ctx, DocumentJob{BatchID: b.ID})
	}
	return w.ensureDocument(ctx, b)
}

func (w *pageWorker) load(ctx context.Context, args PageJob) (*dossier.Batch, *dossier.Page, error) {
	b, err := w.r.cfg.Records.Batch(ctx, args.BatchID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil, backoff.Permanent(fmt.Errorf("batch %s: %w", args.BatchID, err))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load batch %s: %w", args.BatchID, err)
	}
	for i := range b.Pages {
		if b.Pages[i].Index == args.Index {
			return b, &b.Pages[i], nil
		}
	}
	return nil, nil, backoff.Permanent(fmt.Errorf("batch %s has no page %d", args.BatchID, args.Index))
}

// ensureDocument queues the document job of a batch whose pages are all
// finished but which has no outcome yet. A second document job is harmless.
func (w *pageWorker) ensureDocument(ctx context.Context, b *dossier.Batch) error {
	if b.Status == dossier.BatchDone || b.Status == dossier.BatchFailed || !pagesFinished(b) {
		return nil
	}
	return w.r.client.Enqueue(ctx, DocumentJob{BatchID: b.ID})
}

func pagesFinished(b *dossier.Batch) bool {
	for _, p := range b.Pages {
		if p.Status != dossier.PageDone && p.Status != dossier.PageException {
			return false
		}
	}
	return true
}

func (w *pageWorker) fetch(ctx context.Context, key string) ([]byte, error) {
	rc, _, err := w.r.cfg.Blobs.Get(ctx, key)
	if err == nil {
		defer rc.Close()
		var data []byte
		if data, err = io.ReadAll(rc); err == nil {
			return data, nil
		}
	}
	err = fmt.Errorf("fetch uploaded page %s: %w", key, err)
	// A missing or damaged upload stays so: no retry brings it back.
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrChecksum) {
		return nil, backoff.Permanent(err)
	}
	return nil, err
}

func imageContentType(e ocr.Encoding) string {
	switch e {
	case ocr.JPEG:
		return "image/jpeg"
	case ocr.G4:
		return "application/x-ccitt-g4"
	}
	return "application/octet-stream"
}
