package index_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/index"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// storeResult records a result of one page per text for dossierCode, not
// indexed (storagetest.StoreResult).
func storeResult(t *testing.T, recs *storage.SQLRecords, blobs storage.Blobs, dossierCode string, texts []string) string {
	return storagetest.StoreResult(t, recs, blobs, dossier.Batch{BatchInfo: dossier.BatchInfo{DossierCode: dossierCode, AgencyCode: "000.00.31.H33",
		Title: "Tờ khai", DocumentType: "to-khai"}}, texts)
}

// rebuilt opens the index in db and rebuilds it from recs, reviews (nil:
// no review log) and blobs, failing the test unless it read wantResults
// results of wantPages pages in all.
func rebuilt(t *testing.T, ctx context.Context, db *storage.DB, recs index.ResultSource, reviews index.ReviewLog, blobs storage.Blobs, wantResults, wantPages int) index.Searcher {
	t.Helper()
	idx := storagetest.Open(t, db, index.Open)
	nres, npages, err := index.Rebuild(ctx, idx, recs, reviews, blobs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if nres != wantResults || npages != wantPages {
		t.Errorf("rebuilt %d results, %d pages; want %d results, %d pages", nres, npages, wantResults, wantPages)
	}
	return idx
}

func TestRebuild(t *testing.T) {
	storagetest.ForEachDialect(t, func(t *testing.T, ctx context.Context, db *storage.DB) {
		recs := storagetest.Records(t, db)
		blobs := storagetest.LocalBlobs(t)
		c1 := storeResult(t, recs, blobs, "000.00.31.H33-250601-0001", []string{"Tờ khai của ông Đỗ Văn Hùng", "Địa chỉ: thôn Đông, xã Yên Sở"})
		c2 := storeResult(t, recs, blobs, "000.00.31.H33-250601-0002", []string{"Bà Hoàng Thị Lan, xã Yên Sở"})
		idx := rebuilt(t, ctx, db, recs, nil, blobs, 2, 3)
		res, err := idx.Search(ctx, index.Query{Text: "yen so"})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range res.Hits {
			got = append(got, fmt.Sprintf("%s#%d %s", h.ResultCode, h.Page, h.DossierCode))
			r, err := recs.ResultByCode(ctx, h.ResultCode)
			if err != nil {
				t.Fatal(err)
			}
			if !h.Date.Equal(r.CreatedAt.Truncate(time.Second)) {
				t.Errorf("%s: date %v, want the result's %v", h.ResultCode, h.Date, r.CreatedAt)
			}
		}
		slices.Sort(got)
		want := []string{c1 + "#2 000.00.31.H33-250601-0001", c2 + "#1 000.00.31.H33-250601-0002"}
		if !slices.Equal(got, want) {
			t.Errorf("found %v, want %v", got, want)
		}
		// Running it again changes nothing (Add replaces).
		if _, _, err := index.Rebuild(ctx, idx, recs, nil, blobs, nil); err != nil {
			t.Fatal(err)
		}
		if res, _ := idx.Search(ctx, index.Query{Text: "do van hung"}); res.Total != 1 {
			t.Errorf("after a second rebuild: %d hits, want 1", res.Total)
		}
	})
}

// TestRebuildReadsTheReview: a rebuilt index holds what the official's
// review made of a document, as the document worker indexed it: the
// corrected word is found and the word OCR misread is not, a deleted
// page is gone and a page marked blank has no text.
func TestRebuildReadsTheReview(t *testing.T) {
	storagetest.ForEachDialect(t, func(t *testing.T, ctx context.Context, db *storage.DB) {
		recs := storagetest.Records(t, db)
		blobs := storagetest.LocalBlobs(t)
		reviews, err := storage.OpenReviewRecords(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		code := storeResult(t, recs, blobs, "000.00.31.H33-250601-0003",
			[]string{"Ông Nguvễn Văn Bình", "trang in đúp Quỳnh Lưu", "vết mực Thạch Hà"})
		res, err := recs.ResultByCode(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range []dossier.ReviewChange{
			{Kind: dossier.ReviewWord, Page: 1, Line: 0, Word: 1, OldText: "Nguvễn", Text: "Nguyễn"},
			{Kind: dossier.ReviewDelete, Page: 2},
			{Kind: dossier.ReviewBlank, Page: 3, Blank: true},
		} {
			c.BatchID = res.BatchID
			if err := reviews.AddChange(ctx, &c, i); err != nil {
				t.Fatal(err)
			}
		}
		idx := rebuilt(t, ctx, db, recs, reviews, blobs, 1, 2) // one page of three deleted
		for q, want := range map[string]int{"Nguyễn Văn Bình": 1, "nguyen van binh": 1, "Nguvễn": 0, "nguven": 0, "Quỳnh Lưu": 0, "Thạch Hà": 0} {
			got, err := idx.Search(ctx, index.Query{Text: q})
			if err != nil {
				t.Fatal(err)
			}
			if got.Total != want {
				t.Errorf("search %q after the rebuild: %d hits, want %d", q, got.Total, want)
			}
		}
	})
}
