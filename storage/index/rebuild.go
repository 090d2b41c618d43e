package index

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"golang.org/x/sync/errgroup"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
)

// pageResult is the part of a stored OCR result (the JSON of ocr.Result
// under dossier.Page.ResultKey) that the index needs.
type pageResult struct {
	Text string `json:"text"`
}

// Rebuild indexes again every linked result from the stored OCR results:
// for each result (Records.ListResults), the pages of its batch in order,
// page i of the batch being page i of the PDF, as the document worker
// indexes them. It returns how many results and pages it indexed;
// progress, when not nil, is called after each result.
func Rebuild(ctx context.Context, idx Index, recs storage.Records, blobs storage.Blobs, progress func(results, pages int)) (nres, npages int, err error) {
	const listSize = 200
	after := ""
	for {
		list, err := recs.ListResults(ctx, after, listSize)
		if err != nil {
			return nres, npages, fmt.Errorf("index: rebuild: list results after %q: %w", after, err)
		}
		for _, r := range list {
			pages, err := resultPages(ctx, recs, blobs, r)
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
func resultPages(ctx context.Context, recs storage.Records, blobs storage.Blobs, r dossier.Result) ([]PageText, error) {
	b, err := recs.Batch(ctx, r.BatchID)
	if err != nil {
		return nil, fmt.Errorf("batch %s: %w", r.BatchID, err)
	}
	pages := make([]PageText, len(b.Pages))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8) // blob stores answer faster to a few requests at once
	for i, p := range b.Pages {
		pages[i] = PageText{ResultCode: r.Code, DossierCode: b.DossierCode, AgencyCode: b.AgencyCode,
			Title: b.Title, DocumentType: b.DocumentType, Date: r.CreatedAt, Page: i + 1}
		if p.ResultKey == "" {
			continue // no OCR text (excepted page): the page is kept, empty
		}
		g.Go(func() error {
			rc, _, err := blobs.Get(gctx, p.ResultKey)
			if err != nil {
				return fmt.Errorf("page %d: %w", p.Index, err)
			}
			defer rc.Close()
			var res pageResult
			if err := json.NewDecoder(io.LimitReader(rc, 64<<20)).Decode(&res); err != nil {
				return fmt.Errorf("page %d: decode %s: %w", p.Index, p.ResultKey, err)
			}
			pages[i].Text = res.Text
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return pages, nil
}
