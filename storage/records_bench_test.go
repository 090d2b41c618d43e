package storage_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// BenchmarkRecordsBatch measures the record-keeping of one 4-page document
// (CreateBatch, 4 FinishPage, ReserveResultCode, AddResult: 7 transactions),
// with several workers at once, on SQLite with synchronous=FULL (the
// default: a commit survives power loss), synchronous=NORMAL (a commit may
// be lost on power loss, not on a crash) and PostgreSQL side by side.
//
//	go test ./storage -run '^$' -bench RecordsBatch -benchtime 200x
func BenchmarkRecordsBatch(b *testing.B) {
	cases := []struct {
		name string
		url  func(b *testing.B) string
	}{
		{"sqlite-full", func(b *testing.B) string { return filepath.Join(b.TempDir(), "s.db") }},
		{"sqlite-normal", func(b *testing.B) string { return filepath.Join(b.TempDir(), "s.db") + "?synchronous=NORMAL" }},
		{"postgres", func(b *testing.B) string { return storagetest.PostgresURL(b) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			r := storagetest.Records(b, storagetest.OpenURL(b, c.url(b)))
			var n atomic.Int64
			b.SetParallelism(2) // 2 x GOMAXPROCS workers
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					dossierCode := fmt.Sprintf("000.00.31.H33-220804-%04d", i%50)
					bt, _, err := r.CreateBatch(ctx, newBatch(dossierCode, "tok", "", fmt.Sprintf("fp%d", i), 4), false)
					if err != nil {
						b.Error(err)
						return
					}
					for p := 1; p <= 4; p++ {
						if _, err := r.FinishPage(ctx, dossier.Page{BatchID: bt.ID, Index: p, Status: dossier.PageDone}); err != nil {
							b.Error(err)
							return
						}
					}
					code, err := r.ReserveResultCode(ctx, bt.ID)
					if err != nil {
						b.Error(err)
						return
					}
					if _, err := r.AddResult(ctx, dossier.Result{Code: code, BatchID: bt.ID, Key: "k", SHA256: "00", Size: 1}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}
