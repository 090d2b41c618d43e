package storage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// TestStackExceptionStats: the pages of a stack that could not be split
// count as pages in exception in the statistics (whole system and the
// station's own, by station and operator) from the moment the exception is
// made, once however often the stack is sent, and leave them when the
// exception is resolved (they are then a batch's pages); a recount from
// the records agrees at each step.
func TestStackExceptionStats(t *testing.T) {
	storagetest.ForEachDialect(t, func(t *testing.T, ctx context.Context, db *storage.DB) {
		rec := storagetest.Records(t, db)
		sr := storagetest.Open(t, db, storage.OpenStackRecords)
		exc := func() *dossier.StackException {
			return &dossier.StackException{StackID: "s1", Station: "quay-s", Operator: "Lê Văn C", DocumentType: "ho-so",
				TokenID: "tok-s", IdempotencyKey: "stack-s1-e1", ReasonVI: "không có tờ phân cách", Reason: "no separator",
				Pages: []dossier.StackPage{{Position: 1, Name: "a.png", SourceKey: "k/a", SHA256: "a", Size: 1},
					{Position: 2, Name: "b.png", SourceKey: "k/b", SHA256: "b", Size: 1}, {Position: 3, Name: "c.png", SourceKey: "k/c", SHA256: "c", Size: 1}}}
		}
		check := func(step string, want int64) {
			t.Helper()
			for _, q := range []storage.StatsQuery{{}, {Group: dossier.GroupStation}, {Group: dossier.GroupOperator}, {Station: "quay-s"}} {
				if st := mustStats(t, ctx, rec, q); st.Total.Exceptions != want {
					t.Errorf("%s: %+v: %d pages in exception, want %d", step, q, st.Total.Exceptions, want)
				}
			}
			if want > 0 {
				st := mustStats(t, ctx, rec, storage.StatsQuery{Group: dossier.GroupStation})
				if len(st.Rows) != 1 || st.Rows[0].Key != "quay-s" || st.Rows[0].Exceptions != want {
					t.Errorf("%s: by station %+v, want quay-s with %d", step, st.Rows, want)
				}
			}
		}
		check("before", 0)
		e, created, err := sr.AddException(ctx, exc())
		if err != nil || !created {
			t.Fatal(created, err)
		}
		check("exception made", 3)
		if _, created, err := sr.AddException(ctx, exc()); err != nil || created {
			t.Fatalf("the same exception again: created %v, %v", created, err)
		}
		check("the stack sent again", 3)
		if err := rec.RebuildStats(ctx); err != nil {
			t.Fatal(err)
		}
		check("recounted", 3)
		if err := sr.Resolve(ctx, e.ID, "batch-1"); err != nil {
			t.Fatal(err)
		}
		check("resolved", 0)
		if err := sr.Resolve(ctx, e.ID, "batch-1"); err != nil {
			t.Fatalf("resolving again with the same batch: %v", err)
		}
		if err := sr.Resolve(ctx, e.ID, "batch-2"); !errors.Is(err, storage.ErrConflict) {
			t.Errorf("resolving with another batch: %v, want ErrConflict", err)
		}
		if err := sr.Resolve(ctx, "nope", "batch-1"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("resolving an unknown exception: %v, want ErrNotFound", err)
		}
		check("resolved again", 0)
		if err := rec.RebuildStats(ctx); err != nil {
			t.Fatal(err)
		}
		check("recounted after", 0)
	})
}
