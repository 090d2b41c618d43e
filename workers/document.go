package workers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ingest/review"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/archival"
	"github.com/sohoa/sohoa/pdf"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/catalog"
	"github.com/sohoa/sohoa/storage/index"
)

// DocumentJob assembles, signs, stores, links and indexes the PDF of a
// batch whose pages are all finished.
type DocumentJob struct {
	BatchID string `json:"batch_id"`
}

// Kind implements JobArgs.
func (DocumentJob) Kind() string { return "document" }

type documentWorker struct{ r *Runner }

// Work builds the batch's result. What happens to a batch with excepted
// pages: a one-stop desk needs one image per paper page, in order and
// whole, so no page is ever silently dropped. The batch is marked failed
// with a reason naming each excepted page; an operator's RetryPage of
// those pages puts the batch back to processing, and the last of them to
// finish queues this job again, which then builds the result.
func (w *documentWorker) Work(ctx context.Context, job *Job[DocumentJob]) error {
	r := w.r
	b, err := r.cfg.Records.Batch(ctx, job.Args.BatchID)
	if errors.Is(err, storage.ErrNotFound) {
		return backoff.Permanent(fmt.Errorf("batch %s: %w", job.Args.BatchID, err))
	}
	if err != nil {
		return fmt.Errorf("load batch %s: %w", job.Args.BatchID, err)
	}
	if b.Status == dossier.BatchDone {
		// Redelivered after the result was linked: the index step may not
		// have run. Add replaces, so doing it again is harmless.
		return w.indexDone(ctx, b)
	}
	if !pagesFinished(b) {
		// A stale job (a page was put back for retry): the page's own
		// completion queues the document again.
		return nil
	}
	if msg := exceptionSummary(b); msg != "" {
		if b.Status != dossier.BatchFailed {
			if err := r.cfg.Records.SetBatchStatus(ctx, b.ID, dossier.BatchFailed, msg); err != nil {
				return fmt.Errorf("mark batch failed: %w", err)
			}
			r.log.Warn("batch failed: pages in exceptions", "batch", b.ID, "dossier", b.DossierCode, "reason", msg)
		}
		return nil
	}

	mode := dossier.SignServer
	if r.desk != nil {
		mode = r.desk.cfg.Modes.For(b)
	}
	if mode != dossier.SignServer {
		// Assembled already: the document waits for its official (or expired).
		if _, err := r.desk.cfg.Records.RequestByBatch(ctx, b.ID); err == nil {
			return nil
		} else if !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("signing request of batch %s: %w", b.ID, err)
		}
	}

	code, err := r.cfg.Records.ReserveResultCode(ctx, b.ID)
	if err != nil {
		return fmt.Errorf("reserve result code: %w", err)
	}
	f, err := os.CreateTemp("", "sohoa-result-*.pdf")
	if err != nil {
		return fmt.Errorf("temp file: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()

	src, created, err := r.assemble(ctx, b, code, f)
	if err != nil {
		return err
	}
	if mode != dossier.SignServer {
		return r.desk.await(ctx, b, code, mode, src, f)
	}
	if r.cfg.Signer != nil {
		start := time.Now()
		if err := r.cfg.Signer.Sign(ctx, f); err != nil {
			return fmt.Errorf("sign %s: %w", code, err)
		}
		r.m.since("sign", start)
	}

	start := time.Now()
	// Two racing runs of one batch store two files under two keys; the
	// one not linked is removed below.
	key, sum, size, err := r.putFile(ctx, f, func(sum string) string { return storage.ResultKey(b.DossierCode, code, sum) })
	if err != nil {
		return err
	}
	r.m.since("upload", start)

	// A change the official made while the document was built (a
	// revision's next edits) must be in it: build it again.
	if err := r.reviewUnchanged(ctx, b, src); err != nil {
		if err := r.cfg.Blobs.Delete(ctx, key); err != nil {
			r.log.Warn("removing an outdated result file failed", "key", key, "err", err)
		}
		return err
	}
	start = time.Now()
	res, err := r.cfg.Records.AddResult(ctx, dossier.Result{
		Code:        code,
		DossierCode: b.DossierCode,
		BatchID:     b.ID,
		Title:       b.Title,
		Key:         key,
		Size:        size,
		SHA256:      sum,
		Signer:      w.signerName(),
		Pages:       src.Len(),
		CreatedAt:   created,
	})
	if err != nil {
		return fmt.Errorf("link %s: %w", code, err)
	}
	r.m.since("link", start)
	if res.Key != key {
		// Another run linked its file first.
		if err := r.cfg.Blobs.Delete(ctx, key); err != nil {
			r.log.Warn("removing a duplicate result file failed", "key", key, "err", err)
		}
	} else {
		r.m.result()
		r.log.Info("result ready", "result", code, "dossier", b.DossierCode, "batch", b.ID, "pages", src.Len(), "bytes", size)
	}
	r.events.nudge()

	if r.cfg.Index != nil {
		start = time.Now()
		if err := r.cfg.Index.Add(ctx, index.DocumentPages(b, res, src.texts)); err != nil {
			return fmt.Errorf("index %s: %w", code, err)
		}
		r.m.since("index", start)
	}
	return nil
}

// readArchival reads the archival metadata of the document's pages (the
// NĐ 30 headers of the administrative documents in it), keeps it under
// the result's code and flags the pages holding unsure fields for review.
// It runs before the PDF is assembled, whose XMP carries the documents.
func (r *Runner) readArchival(ctx context.Context, b *dossier.Batch, code string, src *blobPages) ([]archival.Document, error) {
	results, err := src.results(ctx)
	if err != nil {
		return nil, err
	}
	docs := archival.Read(results)
	if err := r.readBlanks(ctx, src, results, docs); err != nil {
		return nil, err
	}
	if r.cfg.Catalog == nil {
		return docs, nil
	}
	if err := r.cfg.Catalog.Set(ctx, catalog.Result{Code: code, DossierCode: b.DossierCode, BatchID: b.ID}, docs); err != nil {
		return nil, fmt.Errorf("catalogue %s: %w", code, err)
	}
	var flag []int
	for _, d := range docs {
		for p := range catalog.Unsure(d) {
			if p >= 1 && p <= len(src.pages) {
				flag = append(flag, src.pages[p-1].Index)
			}
		}
	}
	if err := r.cfg.Records.FlagForReview(ctx, b.ID, flag); err != nil {
		return nil, fmt.Errorf("flag pages of %s: %w", code, err)
	}
	return docs, nil
}

// readBlanks reads again, as digits, the handwritten blanks of docs whose
// date or number the page reading left unreadable or unsure (see
// archival.Blanks), through the OCR engines, and takes the plausible,
// confident readings. A page whose second reading fails keeps its fields
// as they were (unreadable or unsure: flagged for review), with a warning.
func (r *Runner) readBlanks(ctx context.Context, src *blobPages, results []ocr.Result, docs []archival.Document) error {
	if r.cfg.OCR == nil {
		return nil
	}
	blanks := archival.Blanks(results, docs)
	if len(blanks) == 0 {
		return nil
	}
	start := time.Now()
	var done []archival.Blank
	var readings []ocr.DigitsReading
	for pg := 1; pg <= len(results); pg++ {
		var in ocr.DigitsInput
		var onPage []archival.Blank
		for _, b := range blanks {
			if b.Page == pg {
				onPage = append(onPage, b)
			}
		}
		onPage = archival.PageRequest(&in, onPage)
		if len(onPage) == 0 {
			continue
		}
		img, err := src.image(ctx, pg-1)
		if err != nil {
			return err
		}
		in.Name, in.Image = results[pg-1].File, img
		rs, err := r.cfg.OCR.ReadDigits(ctx, in)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.log.Warn("second reading of handwritten blanks failed; the fields stay for review", "page", pg, "err", err)
			continue
		}
		done, readings = append(done, onPage...), append(readings, rs...)
	}
	archival.ApplyDigits(docs, done, readings, time.Now())
	r.m.since("archival_digits", start)
	return nil
}

// assemble writes b's document (as its review left it) to f as the
// unsigned PDF/A of result code, and returns its pages and its time.
func (r *Runner) assemble(ctx context.Context, b *dossier.Batch, code string, f *os.File) (*blobPages, time.Time, error) {
	start := time.Now()
	src, err := r.documentPages(ctx, b)
	if err != nil {
		return nil, start, err
	}
	docs, err := r.readArchival(ctx, b, code, src)
	if err != nil {
		return nil, start, err
	}
	r.m.since("archival", start)
	start = time.Now()
	created := start.UTC()
	opts := pdf.AssembleOptions{Conformance: r.cfg.Conformance, Metadata: pdf.Metadata{
		Title:        b.Title,
		DocumentType: b.DocumentType,
		DossierCode:  b.DossierCode,
		ResultCode:   code,
		AgencyCode:   b.AgencyCode,
		Language:     "vi",
		Station:      b.Station,
		Operator:     b.Operator,
		Created:      created,
		Documents:    docs,
	}}
	if err := pdf.Assemble(ctx, f, src, opts); err != nil {
		return nil, start, fmt.Errorf("assemble %s: %w", code, err)
	}
	r.m.since("assemble", start)
	return src, created, nil
}

// DeadLetter fails the batch with the reason its document could not be
// built; EnqueueBatch tries it again.
func (w *documentWorker) DeadLetter(ctx context.Context, job *Job[DocumentJob], reason string) error {
	err := w.r.cfg.Records.SetBatchStatus(ctx, job.Args.BatchID, dossier.BatchFailed, "building the signed PDF failed: "+reason)
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrConflict) {
		return nil // gone, or done after all
	}
	return err
}

func (w *documentWorker) signerName() string {
	if w.r.cfg.Signer == nil {
		return ""
	}
	return w.r.cfg.SignerName
}

// indexDone (re)indexes the pages of a batch whose result is linked.
func (w *documentWorker) indexDone(ctx context.Context, b *dossier.Batch) error {
	r := w.r
	if r.cfg.Index == nil || b.ResultCode == "" {
		return nil
	}
	res, err := r.cfg.Records.ResultByCode(ctx, b.ResultCode)
	if err != nil {
		return fmt.Errorf("load result %s: %w", b.ResultCode, err)
	}
	log, err := r.reviewLog(ctx, b)
	if err != nil {
		return err
	}
	texts, err := index.DocumentTexts(ctx, r.cfg.Blobs, b, log)
	if err != nil {
		return fmt.Errorf("texts of %s: %w", res.Code, err)
	}
	if err := r.cfg.Index.Add(ctx, index.DocumentPages(b, *res, texts)); err != nil {
		return fmt.Errorf("index %s: %w", res.Code, err)
	}
	return nil
}

// exceptionSummary names the excepted pages of b and why, or "".
func exceptionSummary(b *dossier.Batch) string {
	var parts []string
	for _, p := range b.Pages {
		if p.Status == dossier.PageException {
			parts = append(parts, fmt.Sprintf("page %d (%s): %s", p.Index, p.SourceName, p.Error))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return strconv.Itoa(len(parts)) + " page(s) could not be processed; retry them or upload them again: " + strings.Join(parts, "; ")
}

// documentPages is the pages of b's document as its review (if any) left
// them: the source the document job assembles and indexes.
func (r *Runner) documentPages(ctx context.Context, b *dossier.Batch) (*blobPages, error) {
	log, err := r.reviewLog(ctx, b)
	if err != nil {
		return nil, err
	}
	pages, _, err := review.Apply(b.Pages, log)
	if err != nil {
		return nil, backoff.Permanent(fmt.Errorf("review of %s: %w", b.ID, err))
	}
	return &blobPages{blobs: r.cfg.Blobs, pages: pages, reviewed: len(log)}, nil
}

// reviewUnchanged is an error when b's review log has changed since src
// was read from it.
func (r *Runner) reviewUnchanged(ctx context.Context, b *dossier.Batch, src *blobPages) error {
	log, err := r.reviewLog(ctx, b)
	if err != nil {
		return err
	}
	if len(log) != src.reviewed {
		return fmt.Errorf("the review of batch %s changed while its document was built (%d changes, built with %d): building it again",
			b.ID, len(log), src.reviewed)
	}
	return nil
}

// reviewLog is b's review log (none without a review store).
func (r *Runner) reviewLog(ctx context.Context, b *dossier.Batch) ([]dossier.ReviewChange, error) {
	if r.cfg.Review == nil {
		return nil, nil
	}
	log, err := r.cfg.Review.Changes(ctx, b.ID)
	if err != nil {
		return nil, fmt.Errorf("review of %s: %w", b.ID, err)
	}
	return log, nil
}

// blobPages is a pdf.PageSource reading each page's image and OCR result
// from blobs when asked, so a long document never sits in memory whole.
// It applies the review's corrections and turns, and keeps each page's
// (corrected) text for the index.
type blobPages struct {
	blobs    storage.Blobs
	pages    []review.Page
	reviewed int // changes of the review log applied
	texts    []string
	read     []*pageRecord // what results read, for Page to take once
}

// results reads every page's (corrected) OCR result, words and boxes but
// not the images, and keeps them for Page.
func (s *blobPages) results(ctx context.Context) ([]ocr.Result, error) {
	recs := make([]*pageRecord, len(s.pages))
	out := make([]ocr.Result, len(s.pages))
	for i := range s.pages {
		rec, err := s.record(ctx, i)
		if err != nil {
			return nil, err
		}
		recs[i], out[i] = rec, rec.Result
	}
	s.read = recs
	return out, nil
}

func (s *blobPages) Len() int { return len(s.pages) }

// image fetches the i-th page's corrected image, described as its record
// says, without taking the record that results kept for Page.
func (s *blobPages) image(ctx context.Context, i int) (ocr.Image, error) {
	if i < 0 || i >= len(s.pages) {
		return ocr.Image{}, fmt.Errorf("page %d out of range", i)
	}
	var img ocr.Image
	if s.read != nil && s.read[i] != nil {
		img = s.read[i].Image
	} else {
		rec, err := loadPageRecord(ctx, s.blobs, s.pages[i].ResultKey)
		if err != nil {
			return ocr.Image{}, err
		}
		img = rec.Image
	}
	return s.fetchImage(ctx, i, img)
}

// fetchImage fills img (the i-th page's image as its record describes it)
// with its bytes.
func (s *blobPages) fetchImage(ctx context.Context, i int, img ocr.Image) (ocr.Image, error) {
	rc, _, err := s.blobs.Get(ctx, s.pages[i].ImageKey)
	if err != nil {
		return ocr.Image{}, fmt.Errorf("fetch page %d image: %w", s.pages[i].Index, err)
	}
	defer rc.Close()
	if img.Data, err = io.ReadAll(rc); err != nil {
		return ocr.Image{}, fmt.Errorf("fetch page %d image: %w", s.pages[i].Index, err)
	}
	return img, nil
}

// record returns the i-th page's record, its reading corrected.
func (s *blobPages) record(ctx context.Context, i int) (*pageRecord, error) {
	if i < 0 || i >= len(s.pages) {
		return nil, fmt.Errorf("page %d out of range", i)
	}
	if s.read != nil && s.read[i] != nil {
		rec := s.read[i]
		s.read[i] = nil // once assembled, the words are not needed again
		return rec, nil
	}
	rec, err := loadPageRecord(ctx, s.blobs, s.pages[i].ResultKey)
	if err != nil {
		return nil, err
	}
	if rec.Result, err = review.Correct(rec.Result, s.pages[i]); err != nil {
		return nil, err
	}
	return rec, nil
}

// Page returns the i-th page, 0-based.
func (s *blobPages) Page(ctx context.Context, i int) (pdf.Page, error) {
	rec, err := s.record(ctx, i)
	if err != nil {
		return pdf.Page{}, err
	}
	p := s.pages[i]
	img, err := s.fetchImage(ctx, i, rec.Image)
	if err != nil {
		return pdf.Page{}, err
	}
	if s.texts == nil {
		s.texts = make([]string, len(s.pages))
	}
	s.texts[i] = rec.Text
	return pdf.Page{Image: img, Result: rec.Result, Rotate: p.Rotate}, nil
}

func loadPageRecord(ctx context.Context, blobs storage.Blobs, key string) (*pageRecord, error) {
	if key == "" {
		return nil, errors.New("page has no OCR result")
	}
	rc, _, err := blobs.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", key, err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, rc); err != nil {
		return nil, fmt.Errorf("fetch %s: %w", key, err)
	}
	var rec pageRecord
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		return nil, fmt.Errorf("decode %s: %w", key, err)
	}
	return &rec, nil
}

var _ pdf.PageSource = (*blobPages)(nil)
