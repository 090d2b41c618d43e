package index

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"golang.org/x/sync/errgroup"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ingest/review"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/storage"
)

// pageResult is the part of a stored OCR result (the JSON of ocr.Result
// under dossier.Page.ResultKey) that the index needs of a page nobody
// corrected.
type pageResult struct {
	Text string `json:"text"`
}

// ReviewLog is the officials' review of documents before signing
// (*storage.ReviewRecords implements it): Changes returns a batch's log
// in order, empty when none.
type ReviewLog interface {
	Changes(ctx context.Context, batchID string) ([]dossier.ReviewChange, error)
}

// ResultSource is what Rebuild reads of the record store;
// *storage.SQLRecords implements it. ListResults pages through every
// result in code order after the given code ("" for the start); Batch
// returns a batch with its pages in order (storage.ErrNotFound when
// unknown).
type ResultSource interface {
	ListResults(ctx context.Context, after string, limit int) ([]dossier.Result, error)
	Batch(ctx context.Context, id string) (*dossier.Batch, error)
}

// DocumentPages maps a linked result to the pages the index keeps, the one
// mapping the document worker and Rebuild share: the result's PDF has a
// page per text, page i+1 with text texts[i] ("" for a page that has no
// OCR text, which stays in the PDF and in the index, empty). Unreviewed,
// they are the batch's pages in order; an official's review may have
// reordered or deleted pages.
func DocumentPages(b *dossier.Batch, r dossier.Result, texts []string) []PageText {
	out := make([]PageText, len(texts))
	for i := range out {
		out[i] = PageText{
			ResultCode:   r.Code,
			DossierCode:  b.DossierCode,
			AgencyCode:   b.AgencyCode,
			Title:        b.Title,
			DocumentType: b.DocumentType,
			Date:         r.CreatedAt,
			Page:         i + 1,
		}
		out[i].Text = texts[i]
	}
	return out
}

// Rebuild indexes again every linked result from the stored OCR results:
// for each result (ResultSource.ListResults), the pages of its document
// as the review (reviews; nil when there is none) left them, read by
// DocumentTexts and mapped by DocumentPages as the document worker
// does, so a corrected word is found and the word OCR misread is not. It
// returns how many results and pages it indexed; progress, when not nil,
// is called after each result.
func Rebuild(ctx context.Context, idx Index, recs ResultSource, reviews ReviewLog, blobs storage.Blobs, progress func(results, pages int)) (nres, npages int, err error) {
	const listSize = 200
	after := ""
	for {
		list, err := recs.ListResults(ctx, after, listSize)
		if err != nil {
			return nres, npages, fmt.Errorf("index: rebuild: list results after %q: %w", after, err)
		}
		for _, r := range list {
			pages, err := resultPages(ctx, recs, reviews, blobs, r)
			if err != nil {
				return nres, npages, fmt.Errorf("index: rebuild %s: %w", r.Code, err)
			}
			if err := idx.Add(ctx, pages); err != nil {
				return nres, npages, fmt.Errorf("index: rebuild %s: %w", r.Code, err)
			}
			nres++
			npages += len(pages)
			if progress != nil {
				progress(nres, npages)
			}
		}
		if len(list) < listSize {
			return nres, npages, nil
		}
		after = list[len(list)-1].Code
	}
}

// resultPages reads the page texts of one result.
func resultPages(ctx context.Context, recs ResultSource, reviews ReviewLog, blobs storage.Blobs, r dossier.Result) ([]PageText, error) {
	b, err := recs.Batch(ctx, r.BatchID)
	if err != nil {
		return nil, fmt.Errorf("batch %s: %w", r.BatchID, err)
	}
	var log []dossier.ReviewChange
	if reviews != nil {
		if log, err = reviews.Changes(ctx, b.ID); err != nil {
			return nil, fmt.Errorf("review of %s: %w", b.ID, err)
		}
	}
	texts, err := DocumentTexts(ctx, blobs, b, log)
	if err != nil {
		return nil, err
	}
	return DocumentPages(b, r, texts), nil
}

// DocumentTexts reads the text of each page of b's document as its
// review log left it: pages in the document's order, deleted ones left
// out, a page marked blank empty, corrected words and lines in place of
// what OCR read, a re-scan's reading in place of the old page's. Index
// them with DocumentPages. A page without an OCR result (excepted) is "".
func DocumentTexts(ctx context.Context, blobs storage.Blobs, b *dossier.Batch, log []dossier.ReviewChange) ([]string, error) {
	doc, _, err := review.Apply(b.Pages, log)
	if err != nil {
		return nil, fmt.Errorf("review of %s: %w", b.ID, err)
	}
	texts := make([]string, len(doc))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8) // blob stores answer faster to a few requests at once
	for i, p := range doc {
		if p.ResultKey == "" || p.MarkedBlank {
			continue // no OCR text (excepted or blank page): the page is kept, empty
		}
		g.Go(func() error {
			t, err := pageText(gctx, blobs, p)
			texts[i] = t
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return texts, nil
}

// pageText reads one page's stored reading and applies its corrections;
// a page nobody corrected needs its text only, not its words.
func pageText(ctx context.Context, blobs storage.Blobs, p review.Page) (string, error) {
	rc, _, err := blobs.Get(ctx, p.ResultKey)
	if err != nil {
		return "", fmt.Errorf("page %d: %w", p.Index, err)
	}
	defer rc.Close()
	dec := json.NewDecoder(io.LimitReader(rc, 64<<20))
	if len(p.Edits) == 0 {
		var res pageResult
		if err := dec.Decode(&res); err != nil {
			return "", fmt.Errorf("page %d: decode %s: %w", p.Index, p.ResultKey, err)
		}
		return res.Text, nil
	}
	var res ocr.Result
	if err := dec.Decode(&res); err != nil {
		return "", fmt.Errorf("page %d: decode %s: %w", p.Index, p.ResultKey, err)
	}
	if res, err = review.Correct(res, p); err != nil {
		return "", fmt.Errorf("page %d: %w", p.Index, err)
	}
	return res.Text, nil
}
