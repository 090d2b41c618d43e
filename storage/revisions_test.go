package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
)

// linkResult finishes b's pages (for a new batch) and links its result.
func linkResult(t *testing.T, ctx context.Context, r *storage.SQLRecords, b *dossier.Batch, sha string) dossier.Result {
	t.Helper()
	for _, p := range b.Pages {
		if p.Status != dossier.PageDone {
			if _, err := r.FinishPage(ctx, dossier.Page{BatchID: b.ID, Index: p.Index, Status: dossier.PageDone, ResultKey: fmt.Sprintf("ocr/%d.json", p.Index)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	code, err := r.ReserveResultCode(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.AddResult(ctx, dossier.Result{Code: code, BatchID: b.ID, Key: storage.ResultKey(b.DossierCode, code, sha), SHA256: sha, Pages: len(b.Pages)})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestOpenRevision: a change after signing opens one revision of the
// signed batch, however often and concurrently asked; its result is the
// dossier's next code and supersedes the signed one, which stays linked.
func TestOpenRevision(t *testing.T) {
	forEachDialect(t, func(t *testing.T, ctx context.Context, r *storage.SQLRecords) {
		b := mustCreate(t, ctx, r, newBatch(dossierCode, "tok", "idem-1", "fp", 2))
		if _, _, err := r.OpenRevision(ctx, b.ID); !errors.Is(err, storage.ErrConflict) {
			t.Fatalf("revising a batch not signed yet: %v, want ErrConflict", err)
		}
		kq1 := linkResult(t, ctx, r, b, fmt.Sprintf("%064d", 1))
		b, _ = r.Batch(ctx, b.ID)

		revs := make([]*dossier.Batch, 6)
		made := make([]bool, len(revs))
		var wg sync.WaitGroup
		for i := range revs {
			wg.Go(func() {
				var err error
				if revs[i], made[i], err = r.OpenRevision(ctx, b.ID); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		created := 0
		for i, rev := range revs {
			if made[i] {
				created++
			}
			if rev.ID != revs[0].ID {
				t.Fatalf("two revisions of one batch: %s and %s", rev.ID, revs[0].ID)
			}
		}
		rev := revs[0]
		if created != 1 || rev.RevisionOf != b.ID || rev.Status != dossier.BatchProcessing || rev.ResultCode != "" || rev.TokenID != "" ||
			rev.IdempotencyKey != "" || rev.Station != b.Station || rev.Operator != b.Operator || rev.DossierCode != dossierCode || len(rev.Pages) != 2 {
			t.Fatalf("revision (%d created): %+v", created, rev)
		}
		for i, p := range rev.Pages {
			if p.Status != dossier.PageDone || p.ResultKey != b.Pages[i].ResultKey || p.Index != b.Pages[i].Index {
				t.Errorf("revision page %d: %+v, want the signed batch's %+v", i+1, p, b.Pages[i])
			}
		}
		// The revision is no upload of the station's.
		if ups, err := r.TokenUploads(ctx, "tok", b.CreatedAt.Add(-1)); err != nil || len(ups) != 1 {
			t.Errorf("uploads of the station: %v %v, want the one batch", ups, err)
		}

		kq2 := linkResult(t, ctx, r, rev, fmt.Sprintf("%064d", 2))
		if kq2.Code != dossierCode+"-KQ2" || kq2.Supersedes != kq1.Code {
			t.Fatalf("the revision's result: %+v, want KQ2 superseding %s", kq2, kq1.Code)
		}
		old, err := r.ResultByCode(ctx, kq1.Code)
		if err != nil || old.SupersededBy != kq2.Code || old.SHA256 != kq1.SHA256 || old.Key != kq1.Key {
			t.Fatalf("KQ1 after KQ2: %+v %v", old, err)
		}
		d, err := r.Dossier(ctx, dossierCode)
		if err != nil || len(d.Results) != 2 || d.Results[0].SupersededBy != kq2.Code || d.Results[1].Supersedes != kq1.Code {
			t.Fatalf("dossier: %+v %v", d, err)
		}
		events, err := r.PendingEvents(ctx, 0, 10)
		if err != nil || len(events) != 2 || events[1].Kind != dossier.EventResultReady {
			t.Fatalf("events: %+v %v", events, err)
		}
		if s := string(events[1].Payload); !strings.Contains(s, `"result_code":"`+kq2.Code+`"`) || !strings.Contains(s, `"supersedes":"`+kq1.Code+`"`) {
			t.Errorf("KQ2's event: %s", s)
		}
		// The revision, once signed, is revised in turn: KQ3.
		rev2, created2, err := r.OpenRevision(ctx, rev.ID)
		if err != nil || !created2 || rev2.RevisionOf != rev.ID {
			t.Fatalf("revision of the revision: %+v %v %v", rev2, created2, err)
		}
		if again, err := r.Revision(ctx, b.ID); err != nil || again != rev.ID {
			t.Errorf("Revision(%s) = %q %v, want %s", b.ID, again, err, rev.ID)
		}
	})
}
