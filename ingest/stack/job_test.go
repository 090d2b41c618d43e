package stack_test

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ingest/stack"
	"github.com/sohoa/sohoa/ingest/stack/stacktest"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// crashingRecords fails recording a stack's outcome once: the job dies
// after every dossier of the stack was submitted, before it could say so.
type crashingRecords struct {
	*storage.StackRecords
	crashed bool
}

func (r *crashingRecords) SetStackStatus(ctx context.Context, id, status string, outcome []byte, errVI, errEN string) error {
	if outcome != nil && !r.crashed {
		r.crashed = true
		return errors.New("the process died")
	}
	return r.StackRecords.SetStackStatus(ctx, id, status, outcome, errVI, errEN)
}

// TestRunAgain: the job of a stack that died after submitting its
// dossiers runs again and finds the batches and the exception of the first
// run: one batch per dossier, one exception, whatever the retries. A stack
// sent again is the same stack, and a split stack's job does nothing more.
func TestRunAgain(t *testing.T) {
	storagetest.ForEachDialect(t, func(t *testing.T, ctx context.Context, db *storage.DB) {
		rec := storagetest.Records(t, db)
		sr := &crashingRecords{StackRecords: storagetest.Open(t, db, storage.OpenStackRecords)}
		in := &ingest.Intake{Records: rec, Blobs: storagetest.LocalBlobs(t)}
		sp := &stack.Splitter{Intake: in, Records: sr, SpoolDir: t.TempDir()}
		tok := &dossier.Token{ID: "tok-run-again", Role: dossier.RoleStation, Name: "quay-3"}

		codeA, codeB := "000.00.31.H33-261127-0011", "H33.031.00-261127-AB0012"
		sc := stacktest.Scan{DPI: 200, Bitonal: true}
		sepA, err := stacktest.Separator(codeA, sc)
		if err != nil {
			t.Fatal(err)
		}
		sepB, err := stacktest.Separator(codeB, stacktest.Scan{DPI: 200, Angle: 180})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		var names, paths []string
		for i, img := range []image.Image{stacktest.Page(sc, 1), sepA, stacktest.Page(sc, 2), sepB, stacktest.Page(sc, 3), stacktest.Page(sc, 4)} {
			n := fmt.Sprintf("p%02d.png", i+1)
			p := filepath.Join(dir, n)
			if err := os.WriteFile(p, stacktest.PNG(img), 0o600); err != nil {
				t.Fatal(err)
			}
			names, paths = append(names, n), append(paths, p)
		}
		files, err := ingest.LocalFiles(paths)
		if err != nil {
			t.Fatal(err)
		}
		st, created, err := sp.Accept(ctx, tok, &stack.Manifest{Pages: names}, files)
		if err != nil || !created || st.Status != dossier.StackQueued {
			t.Fatalf("accept: %+v %v %v", st, created, err)
		}
		if err := sp.Run(ctx, st.ID); err == nil {
			t.Fatal("the first run did not fail where it was made to")
		}
		if got, _ := sr.Stack(ctx, st.ID); got.Status != dossier.StackSplitting {
			t.Fatalf("after the crash: %s, want splitting", got.Status)
		}
		for range 2 { // the retry, then a duplicate delivery
			if err := sp.Run(ctx, st.ID); err != nil {
				t.Fatal(err)
			}
		}
		v, err := sp.View(ctx, tok, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status != dossier.StackExcepted || len(v.Dossiers) != 2 || len(v.Exceptions) != 1 {
			t.Fatalf("after the retry: %s, %d dossiers, %d exceptions; want exception, 2, 1", v.Status, len(v.Dossiers), len(v.Exceptions))
		}
		bs, err := rec.ListBatches(ctx, storage.BatchFilter{TokenID: tok.ID})
		if err != nil || len(bs) != 2 {
			t.Fatalf("batches of the stack: %d, %v; want 2 (one per dossier)", len(bs), err)
		}
		for i, d := range v.Dossiers {
			if d.BatchID != bs[i].ID || d.DossierCode != bs[i].DossierCode {
				t.Errorf("dossier %s: batch %s, stored %s %s", d.DossierCode, d.BatchID, bs[i].DossierCode, bs[i].ID)
			}
		}
		if open, err := sr.OpenExceptions(ctx, 10); err != nil || len(open) != 1 {
			t.Errorf("open exceptions: %d, %v; want 1", len(open), err)
		}
		// Sent again: the same stack, already split.
		again, created, err := sp.Accept(ctx, tok, &stack.Manifest{Pages: names}, files)
		if err != nil || created || again.ID != st.ID || again.Status != dossier.StackExcepted {
			t.Errorf("sent again: %+v created %v, %v", again, created, err)
		}
		// A job given up after the split changes nothing.
		if err := sp.Fail(ctx, st.ID, "gave up"); err != nil {
			t.Fatal(err)
		}
		if got, _ := sr.Stack(ctx, st.ID); got.Status != dossier.StackExcepted {
			t.Errorf("after a late Fail: %s", got.Status)
		}
	})
}
