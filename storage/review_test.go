package storage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// The review log keeps every change in order with who made it, and a
// change made on a stale view of the log is refused rather than applied
// over another official's change unseen.
func TestReviewLog(t *testing.T) {
	storagetest.ForEachDialect(t, func(t *testing.T, ctx context.Context, db *storage.DB) {
		rr := storagetest.Open(t, db, storage.OpenReviewRecords)
		if _, err := storage.OpenReviewRecords(ctx, db); err != nil {
			t.Fatalf("migrating twice: %v", err)
		}
		word := &dossier.ReviewChange{BatchID: "b1", Kind: dossier.ReviewWord, Page: 2, Line: 3, Word: 1,
			OldText: "Nguyẻn", Text: "Nguyễn", Reviewer: "Trần Thị B", TokenID: "t1"}
		if err := rr.AddChange(ctx, word, 0); err != nil {
			t.Fatal(err)
		}
		rot := &dossier.ReviewChange{BatchID: "b1", Kind: dossier.ReviewRotate, Page: 1, Degrees: 90, Reviewer: "Trần Thị B"}
		if err := rr.AddChange(ctx, rot, 1); err != nil {
			t.Fatal(err)
		}
		stale := &dossier.ReviewChange{BatchID: "b1", Kind: dossier.ReviewDelete, Page: 3, Reviewer: "Lê Văn C"}
		if err := rr.AddChange(ctx, stale, 1); !errors.Is(err, storage.ErrConflict) {
			t.Fatalf("a change on a stale view: %v, want ErrConflict", err)
		}
		other := &dossier.ReviewChange{BatchID: "b2", Kind: dossier.ReviewBlank, Page: 1, Blank: true, Reviewer: "Lê Văn C"}
		if err := rr.AddChange(ctx, other, 0); err != nil {
			t.Fatalf("another batch's first change: %v", err)
		}

		got, err := rr.Changes(ctx, "b1")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Seq != 1 || got[1].Seq != 2 {
			t.Fatalf("log of b1 = %+v, want the word then the rotation", got)
		}
		g := got[0]
		if g.Kind != dossier.ReviewWord || g.Page != 2 || g.Line != 3 || g.Word != 1 || g.OldText != "Nguyẻn" ||
			g.Text != "Nguyễn" || g.Reviewer != "Trần Thị B" || g.TokenID != "t1" || g.CreatedAt.IsZero() {
			t.Errorf("word change read back as %+v", g)
		}
		if got[1].Degrees != 90 || got[1].CreatedAt.Before(g.CreatedAt) {
			t.Errorf("rotation read back as %+v", got[1])
		}
		if none, err := rr.Changes(ctx, "nope"); err != nil || len(none) != 0 {
			t.Errorf("log of an unreviewed batch = %v, %v; want empty", none, err)
		}

		// A revision starts from the signed batch's log; copying again
		// (a retried change) adds nothing.
		for range 2 {
			if err := rr.CopyLog(ctx, "b1", "b1-rev"); err != nil {
				t.Fatal(err)
			}
		}
		copied, err := rr.Changes(ctx, "b1-rev")
		if err != nil || len(copied) != 2 || copied[0].BatchID != "b1-rev" || copied[0].ID == g.ID || copied[0].Text != g.Text ||
			copied[0].Reviewer != g.Reviewer || !copied[0].CreatedAt.Equal(g.CreatedAt) || copied[1].Seq != 2 {
			t.Fatalf("copied log %+v, %v", copied, err)
		}
		next := &dossier.ReviewChange{BatchID: "b1-rev", Kind: dossier.ReviewBlank, Page: 1, Blank: true}
		if err := rr.AddChange(ctx, next, 2); err != nil {
			t.Fatalf("a change after the copied log: %v", err)
		}
	})
}
