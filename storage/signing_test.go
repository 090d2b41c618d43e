package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// A signing request goes awaiting -> prepared -> signed once; a changed
// base forgets the prepared file, a signed request is never changed
// again, and an overdue one expires.
func TestSigningRecords(t *testing.T) {
	storagetest.ForEachDialect(t, func(t *testing.T, ctx context.Context, db *storage.DB) {
		s := storagetest.Open(t, db, storage.OpenSigningRecords)
		req := &dossier.SigningRequest{BatchID: "b1", DossierCode: "000.00.31.H33-261127-0001", ResultCode: "000.00.31.H33-261127-0001-KQ1",
			Station: "quay-01", Official: "Trần Thị Bình", Mode: dossier.SignDesk, BaseKey: "k1", BaseSHA256: "aa", Deadline: time.Now().Add(time.Hour)}
		r, created, err := s.CreateRequest(ctx, req)
		if err != nil || !created {
			t.Fatalf("CreateRequest: %v %v", created, err)
		}
		again, created, err := s.CreateRequest(ctx, &dossier.SigningRequest{BatchID: "b1", Mode: dossier.SignDesk, BaseKey: "k2", BaseSHA256: "bb", Deadline: time.Now()})
		if err != nil || created || again.ID != r.ID || again.BaseKey != "k1" {
			t.Fatalf("CreateRequest again: %+v %v %v", again, created, err)
		}
		if q, _ := s.Queue(ctx, "quay-02", dossier.SigningAwaiting, 10); len(q) != 0 {
			t.Fatalf("another station's queue: %+v", q)
		}
		p := &dossier.PreparedSignature{Key: "p1", SHA256: "cc", BaseSHA256: "aa", Chain: [][]byte{{1, 2}}, MessageDigest: []byte{3}, ContentsOffset: 42, Reserved: 7}
		if err := s.SetPrepared(ctx, r.ID, p); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Request(ctx, r.ID)
		if got.Prepared == nil || got.Prepared.Key != "p1" || got.Prepared.ContentsOffset != 42 || len(got.Prepared.Chain) != 1 {
			t.Fatalf("prepared: %+v", got.Prepared)
		}
		// The review changed the document: the prepared file is gone, and so is a signature for it.
		if err := s.ReplaceBase(ctx, r.ID, "k3", "dd", 2); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkSigned(ctx, r.ID, "cc", "Trần Thị Bình", "CN=..."); !errors.Is(err, storage.ErrConflict) {
			t.Fatalf("MarkSigned after the base changed: %v", err)
		}
		if err := s.SetPrepared(ctx, r.ID, p); !errors.Is(err, storage.ErrConflict) {
			t.Fatalf("SetPrepared for the old base: %v", err)
		}
		p.BaseSHA256, p.SHA256 = "dd", "ee"
		if err := s.SetPrepared(ctx, r.ID, p); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkSigned(ctx, r.ID, "ee", "Trần Thị Bình", "CN=..."); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Request(ctx, r.ID)
		if got.State != dossier.SigningSigned || got.SignedAt == nil || got.SignerName != "Trần Thị Bình" {
			t.Fatalf("signed: %+v", got)
		}
		if err := s.ReplaceBase(ctx, r.ID, "k4", "ff", 2); !errors.Is(err, storage.ErrConflict) {
			t.Fatalf("ReplaceBase of a signed request: %v", err)
		}
		if err := s.ReplaceBase(ctx, "nope", "k4", "ff", 1); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("ReplaceBase of an unknown request: %v", err)
		}

		late, _, _ := s.CreateRequest(ctx, &dossier.SigningRequest{BatchID: "b2", Station: "quay-01", Mode: dossier.SignDesk, BaseKey: "k", BaseSHA256: "aa", Deadline: time.Now().Add(-time.Minute)})
		exp, err := s.ExpireOverdue(ctx, time.Now())
		if err != nil || len(exp) != 1 || exp[0].ID != late.ID {
			t.Fatalf("ExpireOverdue: %+v %v", exp, err)
		}
		if q, _ := s.Queue(ctx, "quay-01", dossier.SigningExpired, 10); len(q) != 1 {
			t.Fatalf("expired queue: %+v", q)
		}
		// An operator reopens an expired request, once; an awaiting one is no reopening.
		until := time.Now().Add(time.Hour).Truncate(time.Second)
		if err := s.Reopen(ctx, late.ID, until); err != nil {
			t.Fatalf("Reopen: %v", err)
		}
		if got, _ := s.Request(ctx, late.ID); got.State != dossier.SigningAwaiting || !got.Deadline.Equal(until) || got.Prepared != nil {
			t.Fatalf("reopened: %+v", got)
		}
		if err := s.Reopen(ctx, late.ID, until); !errors.Is(err, storage.ErrConflict) {
			t.Fatalf("reopening an awaiting request: %v, want ErrConflict", err)
		}
		if err := s.Reopen(ctx, "nope", until); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("reopening an unknown request: %v, want ErrNotFound", err)
		}
		s.AddAudit(ctx, dossier.SigningAudit{RequestID: r.ID, Actor: "quay-01", Action: "signed", Detail: "by X", DetailVI: "bởi X"})
		if a, err := s.Audit(ctx, r.ID); err != nil || len(a) != 1 || a[0].Action != "signed" || a[0].At.IsZero() {
			t.Fatalf("Audit: %+v %v", a, err)
		}
	})
}
