package storage_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// forEachDialect runs test against fresh records on SQLite and PostgreSQL.
func forEachDialect(t *testing.T, test func(t *testing.T, ctx context.Context, r *storage.SQLRecords)) {
	storagetest.ForEachDialect(t, func(t *testing.T, ctx context.Context, db *storage.DB) {
		test(t, ctx, storagetest.Records(t, db))
	})
}

const dossierCode = "000.00.31.H33-220804-0001"

func newBatch(dossierCode, token, idem, fingerprint string, pages int) *dossier.Batch {
	b := &dossier.Batch{
		BatchInfo: dossier.BatchInfo{DossierCode: dossierCode, AgencyCode: "000.00.31.H33", Title: "Giấy chứng nhận",
			DocumentType: "gcn", Station: "quay-1", Operator: "Nguyễn Văn A"}, TokenID: token, IdempotencyKey: idem, Fingerprint: fingerprint,
	}
	for i := 0; i < pages; i++ {
		b.Pages = append(b.Pages, dossier.Page{SourceName: fmt.Sprintf("p%02d.jpg", i+1), SourceSHA: fmt.Sprintf("%064d", i)})
	}
	return b
}

func mustCreate(t *testing.T, ctx context.Context, r *storage.SQLRecords, b *dossier.Batch) *dossier.Batch {
	t.Helper()
	got, created, err := r.CreateBatch(ctx, b, false)
	if err != nil || !created {
		t.Fatalf("CreateBatch: created=%v err=%v", created, err)
	}
	return got
}

func TestMigrateConcurrent(t *testing.T) {
	for _, d := range storagetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			var u string
			if d == storage.Postgres {
				u = storagetest.PostgresURL(t)
			} else {
				u = storagetest.SQLiteURL(t)
			}
			// Separate handles stand for separate processes starting at once.
			var wg sync.WaitGroup
			errs := make(chan error, 6)
			for i := 0; i < 6; i++ {
				wg.Go(func() {
					db, err := storage.OpenDB(ctx, u)
					if err != nil {
						errs <- err
						return
					}
					defer db.Close()
					errs <- storage.MigrateRecords(ctx, db)
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			db, err := storage.OpenDB(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			v, err := db.SchemaVersion(ctx, storage.RecordsComponent)
			if err != nil || v != 11 {
				t.Fatalf("schema version = %d, %v; want 11", v, err)
			}
			var n int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sohoa_migrations`).Scan(&n); err != nil || n != 11 {
				t.Fatalf("%d migration rows (%v), want 11", n, err)
			}
			// A newer schema than the program knows is refused.
			err = db.Migrate(ctx, storage.RecordsComponent, nil)
			if err != nil {
				t.Fatalf("migrate with no steps on a migrated db: %v", err)
			}
			err = db.Migrate(ctx, "other", []storage.Migration{{Version: 1, SQL: map[storage.Dialect]string{d: "CREATE TABLE other_t (x INTEGER)"}}})
			if err != nil {
				t.Fatal(err)
			}
			err = db.Migrate(ctx, "other", []storage.Migration{{Version: 2, SQL: map[storage.Dialect]string{d: "CREATE TABLE other_t (x INTEGER)"}}})
			if err == nil {
				t.Fatal("a failing step 2 (table exists) was accepted")
			}
			if v, _ := db.SchemaVersion(ctx, "other"); v != 1 {
				t.Fatalf("failed step left version %d, want 1", v)
			}
		})
	}
}

// TestMigrateSchemasApart: a migration held up in one PostgreSQL schema
// (a recount of millions of pages takes minutes) does not hold up the
// migrations of another schema in the same database.
func TestMigrateSchemasApart(t *testing.T) {
	ctx := context.Background()
	a, b := storagetest.OpenDB(t, storage.Postgres), storagetest.OpenDB(t, storage.Postgres)
	// The gate: a session holds advisory lock 4242, on which schema a's
	// migration step waits.
	gate, err := a.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer gate.Close()
	if _, err := gate.ExecContext(ctx, `SELECT pg_advisory_lock(4242)`); err != nil {
		t.Fatal(err)
	}
	held := make(chan error, 1)
	go func() {
		held <- a.Migrate(ctx, "held", []storage.Migration{{Version: 1, SQL: map[storage.Dialect]string{storage.Postgres: `SELECT pg_advisory_xact_lock(4242)`}}})
	}()
	for waiting := false; !waiting; {
		if err := a.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND NOT granted)`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	bctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := storage.OpenRecords(bctx, b); err != nil {
		t.Fatalf("schema b's migration while schema a's is held: %v", err)
	}
	if _, err := gate.ExecContext(ctx, `SELECT pg_advisory_unlock(4242)`); err != nil {
		t.Fatal(err)
	}
	if err := <-held; err != nil {
		t.Fatalf("schema a's migration: %v", err)
	}
}

func TestCreateBatch(t *testing.T) {
	forEachDialect(t, func(t *testing.T, ctx context.Context, r *storage.SQLRecords) {
		b1 := mustCreate(t, ctx, r, newBatch(dossierCode, "tokA", "key-1", "fp-1", 3))
		if b1.ID == "" || b1.Status != dossier.BatchReceived || len(b1.Pages) != 3 || b1.Pages[2].Index != 3 {
			t.Fatalf("stored batch: %+v", b1)
		}

		tests := []struct {
			name        string
			b           *dossier.Batch
			allowDup    bool
			wantCreated bool
			wantErr     error
			wantID      string // "" = a new id
		}{
			{"same idempotency key, same token", newBatch(dossierCode, "tokA", "key-1", "fp-other", 1), false, false, nil, b1.ID},
			{"same key, other token", newBatch(dossierCode, "tokB", "key-1", "fp-2", 1), false, true, nil, ""},
			{"same pages, no key", newBatch(dossierCode, "tokA", "", "fp-1", 3), false, false, storage.ErrConflict, b1.ID},
			{"same pages, duplicate allowed", newBatch(dossierCode, "tokA", "", "fp-1", 3), true, true, nil, ""},
			{"same pages, other dossier", newBatch("000.00.31.H33-220804-0002", "tokA", "", "fp-1", 3), false, true, nil, ""},
		}
		for _, tc := range tests {
			got, created, err := r.CreateBatch(ctx, tc.b, tc.allowDup)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("%s: err = %v, want %v", tc.name, err, tc.wantErr)
				continue
			}
			if created != tc.wantCreated {
				t.Errorf("%s: created = %v, want %v", tc.name, created, tc.wantCreated)
			}
			if got == nil {
				t.Errorf("%s: no batch returned", tc.name)
				continue
			}
			if tc.wantID != "" && got.ID != tc.wantID {
				t.Errorf("%s: id = %s, want the first batch %s", tc.name, got.ID, tc.wantID)
			}
			if tc.wantID == "" && got.ID == b1.ID {
				t.Errorf("%s: got the first batch back, want a new one", tc.name)
			}
		}

		back, err := r.Batch(ctx, b1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if back.Title != "Giấy chứng nhận" || back.Operator != "Nguyễn Văn A" || back.IdempotencyKey != "key-1" || len(back.Pages) != 3 ||
			back.Pages[1].SourceName != "p02.jpg" || back.Pages[1].Status != dossier.PagePending || back.CreatedAt.IsZero() {
			t.Fatalf("read back: %+v", back)
		}
		if _, err := r.Batch(ctx, "nope"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("missing batch: %v", err)
		}
		d, err := r.Dossier(ctx, dossierCode)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Batches) != 3 || d.AgencyCode != "000.00.31.H33" || len(d.Results) != 0 {
			t.Fatalf("dossier: %d batches, %+v", len(d.Batches), d)
		}
		mine, err := r.ListBatches(ctx, storage.BatchFilter{TokenID: "tokB"})
		if err != nil || len(mine) != 1 {
			t.Fatalf("tokB's batches: %d, %v", len(mine), err)
		}
	})
}

func TestCreateBatchConcurrent(t *testing.T) {
	forEachDialect(t, func(t *testing.T, ctx context.Context, r *storage.SQLRecords) {
		// The same upload sent 12 times at once, half with a key, half
		// without: one batch per key, and the keyless copies are duplicates.
		const n = 12
		type res struct {
			id      string
			created bool
			err     error
		}
		out := make(chan res, 2*n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(2)
			go func() {
				defer wg.Done()
				b, c, err := r.CreateBatch(ctx, newBatch(dossierCode, "tok", "k", "fp-key", 2), false)
				out <- res{b.ID, c, err}
			}()
			go func() {
				defer wg.Done()
				b, c, err := r.CreateBatch(ctx, newBatch(dossierCode, "tok", "", "fp-nokey", 2), false)
				id := ""
				if b != nil {
					id = b.ID
				}
				out <- res{id, c, err}
			}()
		}
		wg.Wait()
		close(out)
		created, conflicts := 0, 0
		ids := map[string]bool{}
		for o := range out {
			switch {
			case o.err == nil:
				ids[o.id] = true
				if o.created {
					created++
				}
			case errors.Is(o.err, storage.ErrConflict):
				conflicts++
			default:
				t.Fatal(o.err)
			}
		}
		if created != 2 || conflicts != n-1 {
			t.Fatalf("created %d (want 2), conflicts %d (want %d)", created, conflicts, n-1)
		}
		d, err := r.Dossier(ctx, dossierCode)
		if err != nil || len(d.Batches) != 2 {
			t.Fatalf("dossier has %d batches (%v), want 2", len(d.Batches), err)
		}
	})
}

func TestFinishPageConcurrent(t *testing.T) {
	forEachDialect(t, func(t *testing.T, ctx context.Context, r *storage.SQLRecords) {
		const pages, deliveries = 16, 3
		b := mustCreate(t, ctx, r, newBatch(dossierCode, "tok", "", "fp", pages))
		var wg sync.WaitGroup
		var mu sync.Mutex
		allDone := 0
		for i := 1; i <= pages; i++ {
			for k := 0; k < deliveries; k++ { // each page delivered three times, all at once
				wg.Go(func() {
					p := dossier.Page{BatchID: b.ID, Index: i, Status: dossier.PageDone, ResultKey: fmt.Sprintf("r%d", i), Confidence: 0.9}
					if i == 7 {
						p = dossier.Page{BatchID: b.ID, Index: i, Status: dossier.PageException, Error: "unreadable image"}
					}
					if i == 5 { // read, but its orientation is unsure: to review
						p.NeedsReview, p.OrientationUnsure, p.Confidence = true, true, 0
						p.ReviewReasons = []string{"low_confidence", "orientation_unsure"}
					}
					done, err := r.FinishPage(ctx, p)
					if err != nil {
						t.Error(err)
						return
					}
					if done {
						mu.Lock()
						allDone++
						mu.Unlock()
					}
				})
			}
		}
		wg.Wait()
		if allDone != 1 {
			t.Fatalf("allDone reported %d times, want exactly once", allDone)
		}
		got, err := r.Batch(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != dossier.BatchProcessing {
			t.Fatalf("batch status %s, want processing", got.Status)
		}
		for _, p := range got.Pages {
			want := dossier.PageDone
			if p.Index == 7 {
				want = dossier.PageException
			}
			if p.Status != want {
				t.Fatalf("page %d is %s, want %s", p.Index, p.Status, want)
			}
		}
		// A late redelivery changes nothing.
		if done, err := r.FinishPage(ctx, dossier.Page{BatchID: b.ID, Index: 3, Status: dossier.PageDone}); done || err != nil {
			t.Fatalf("late redelivery: done=%v err=%v", done, err)
		}
		if _, err := r.FinishPage(ctx, dossier.Page{BatchID: b.ID, Index: 99, Status: dossier.PageDone}); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("unknown page: %v", err)
		}

		// The operator retries the excepted page: it completes the batch again, once.
		ex, err := r.Exceptions(ctx, 10)
		if err != nil || len(ex) != 1 || ex[0].Index != 7 || ex[0].Error != "unreadable image" {
			t.Fatalf("exceptions: %+v, %v", ex, err)
		}
		// The flagged page is a review item, apart from the failed one.
		rv, err := r.ReviewPages(ctx, 10)
		if err != nil || len(rv) != 1 || rv[0].Index != 5 || rv[0].BatchID != b.ID || !rv[0].NeedsReview || !rv[0].OrientationUnsure ||
			!slices.Equal(rv[0].ReviewReasons, []string{"low_confidence", "orientation_unsure"}) {
			t.Fatalf("review pages: %+v, %v", rv, err)
		}
		if err := r.RetryPage(ctx, b.ID, 7); err != nil {
			t.Fatal(err)
		}
		if ex, _ := r.Exceptions(ctx, 10); len(ex) != 0 {
			t.Fatalf("exceptions after retry: %+v", ex)
		}
		if n, err := r.PageAttempt(ctx, b.ID, 7); n != 1 || err != nil {
			t.Fatalf("attempt after retry = %d, %v; want 1", n, err)
		}
		if done, err := r.FinishPage(ctx, dossier.Page{BatchID: b.ID, Index: 7, Status: dossier.PageDone}); !done || err != nil {
			t.Fatalf("retried page: done=%v err=%v, want done", done, err)
		}
	})
}

func TestReserveResultCodeConcurrent(t *testing.T) {
	forEachDialect(t, func(t *testing.T, ctx context.Context, r *storage.SQLRecords) {
		const batches = 10
		var ids []string
		for i := 0; i < batches; i++ {
			ids = append(ids, mustCreate(t, ctx, r, newBatch(dossierCode, "tok", "", fmt.Sprintf("fp%d", i), 1)).ID)
		}
		other := mustCreate(t, ctx, r, newBatch("000.00.31.H33-220804-0002", "tok", "", "fp", 1))
		codes := make([][3]string, batches)
		var wg sync.WaitGroup
		for i := range ids {
			for k := 0; k < 3; k++ {
				wg.Go(func() {
					c, err := r.ReserveResultCode(ctx, ids[i])
					if err != nil {
						t.Error(err)
					}
					codes[i][k] = c
				})
			}
		}
		wg.Wait()
		var all []string
		for i, c := range codes {
			if c[0] != c[1] || c[1] != c[2] {
				t.Fatalf("batch %d got different codes %v", i, c)
			}
			all = append(all, c[0])
		}
		sort.Strings(all)
		var want []string
		for n := 1; n <= batches; n++ {
			want = append(want, dossier.ResultCode(dossierCode, n))
		}
		sort.Strings(want)
		if fmt.Sprint(all) != fmt.Sprint(want) {
			t.Fatalf("codes %v, want %v", all, want)
		}
		if c, err := r.ReserveResultCode(ctx, other.ID); err != nil || c != "000.00.31.H33-220804-0002-KQ1" {
			t.Fatalf("other dossier's first code = %q, %v", c, err)
		}
	})
}

func TestAddResult(t *testing.T) {
	forEachDialect(t, func(t *testing.T, ctx context.Context, r *storage.SQLRecords) {
		b := mustCreate(t, ctx, r, newBatch(dossierCode, "tok", "", "fp", 2))
		for i := 1; i <= 2; i++ {
			if _, err := r.FinishPage(ctx, dossier.Page{BatchID: b.ID, Index: i, Status: dossier.PageDone}); err != nil {
				t.Fatal(err)
			}
		}
		code, err := r.ReserveResultCode(ctx, b.ID)
		if err != nil || code != dossierCode+"-KQ1" {
			t.Fatalf("code %q, %v", code, err)
		}
		in := dossier.Result{Code: code, BatchID: b.ID, Key: storage.ResultKey(dossierCode, code, "ab"+fmt.Sprintf("%062d", 0)), Size: 1234,
			SHA256: "ab" + fmt.Sprintf("%062d", 0), Signer: "CN=Bộ phận một cửa", Pages: 2}
		// Two workers link the same document at once (a redelivered job).
		var wg sync.WaitGroup
		outs := make([]dossier.Result, 4)
		for i := range outs {
			wg.Go(func() {
				o, err := r.AddResult(ctx, in)
				if err != nil {
					t.Error(err)
				}
				outs[i] = o
			})
		}
		wg.Wait()
		for _, o := range outs[1:] {
			if o != outs[0] {
				t.Fatalf("AddResult not idempotent: %+v vs %+v", o, outs[0])
			}
		}
		res := outs[0]
		if res.Code != code || res.DossierCode != dossierCode || res.Title != "Giấy chứng nhận" || res.CreatedAt.IsZero() {
			t.Fatalf("result %+v", res)
		}
		if _, err := r.AddResult(ctx, dossier.Result{Code: dossierCode + "-KQ9", BatchID: mustCreate(t, ctx, r, newBatch(dossierCode, "tok", "", "fp2", 1)).ID,
			Key: "k", SHA256: "00"}); !errors.Is(err, storage.ErrConflict) {
			t.Fatalf("a code never reserved was accepted: %v", err)
		}
		got, err := r.Batch(ctx, b.ID)
		if err != nil || got.Status != dossier.BatchDone || got.ResultCode != code {
			t.Fatalf("batch after result: %+v, %v", got, err)
		}
		byCode, err := r.ResultByCode(ctx, code)
		if err != nil || *byCode != res {
			t.Fatalf("ResultByCode: %+v, %v", byCode, err)
		}
		if _, err := r.ResultByCode(ctx, dossierCode+"-KQ77"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("missing result: %v", err)
		}
		d, err := r.Dossier(ctx, dossierCode)
		if err != nil || len(d.Results) != 1 || d.Results[0].Code != code {
			t.Fatalf("dossier results: %+v, %v", d, err)
		}
		list, err := r.ListResults(ctx, "", 10)
		if err != nil || len(list) != 1 {
			t.Fatalf("ListResults: %+v, %v", list, err)
		}
		if list, _ := r.ListResults(ctx, code, 10); len(list) != 0 {
			t.Fatalf("ListResults after the last: %+v", list)
		}

		// Exactly one result.ready event, delivered once.
		evs, err := r.PendingEvents(ctx, 0, 10)
		if err != nil || len(evs) != 1 || evs[0].Kind != dossier.EventResultReady || evs[0].DossierCode != dossierCode {
			t.Fatalf("events: %+v, %v", evs, err)
		}
		var payload dossier.ResultEvent
		if err := json.Unmarshal(evs[0].Payload, &payload); err != nil || payload.Code != code || payload.SHA256 != res.SHA256 || payload.AgencyCode != "000.00.31.H33" {
			t.Fatalf("event payload %s: %v", evs[0].Payload, err)
		}
		if err := r.MarkDelivered(ctx, evs[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := r.MarkDelivered(ctx, evs[0].ID); err != nil {
			t.Fatalf("second MarkDelivered: %v", err)
		}
		if err := r.MarkDelivered(ctx, 424242); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("unknown event: %v", err)
		}
		if evs, _ := r.PendingEvents(ctx, 0, 10); len(evs) != 0 {
			t.Fatalf("events after delivery: %+v", evs)
		}
		if err := r.RetryPage(ctx, b.ID, 1); !errors.Is(err, storage.ErrConflict) {
			t.Fatalf("retrying a page of a done batch: %v, want ErrConflict", err)
		}
	})
}

func TestBatchStatus(t *testing.T) {
	forEachDialect(t, func(t *testing.T, ctx context.Context, r *storage.SQLRecords) {
		steps := []struct {
			to      string
			wantErr error
		}{
			{dossier.BatchDone, storage.ErrConflict}, // received cannot jump to done
			{dossier.BatchProcessing, nil},
			{dossier.BatchProcessing, nil}, // same again: fine
			{dossier.BatchReceived, storage.ErrConflict},
			{dossier.BatchFailed, nil},
			{dossier.BatchProcessing, nil}, // retry
			{dossier.BatchDone, nil},
			{dossier.BatchFailed, storage.ErrConflict}, // done is final
		}
		b := mustCreate(t, ctx, r, newBatch(dossierCode, "tok", "", "fp", 1))
		for i, s := range steps {
			err := r.SetBatchStatus(ctx, b.ID, s.to, "why "+s.to)
			if !errors.Is(err, s.wantErr) || (s.wantErr == nil && err != nil) {
				t.Fatalf("step %d -> %s: err %v, want %v", i, s.to, err, s.wantErr)
			}
		}
		got, _ := r.Batch(ctx, b.ID)
		if got.Status != dossier.BatchDone {
			t.Fatalf("status %s", got.Status)
		}
		if err := r.SetBatchStatus(ctx, "nope", dossier.BatchFailed, ""); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("missing batch: %v", err)
		}
	})
}

func TestTokens(t *testing.T) {
	forEachDialect(t, func(t *testing.T, ctx context.Context, r *storage.SQLRecords) {
		secrets := map[dossier.Role]string{}
		for _, role := range []dossier.Role{dossier.RoleStation, dossier.RoleCase, dossier.RoleArchivist, dossier.RoleAdmin} {
			s, tok, err := r.CreateToken(ctx, role, "quay-"+string(role))
			if err != nil {
				t.Fatal(err)
			}
			if len(s) < 40 || tok.ID == "" || tok.Role != role {
				t.Fatalf("token %q %+v", s, tok)
			}
			secrets[role] = s
		}
		if _, _, err := r.CreateToken(ctx, "root", ""); err == nil {
			t.Fatal("unknown role accepted")
		}
		tok, err := r.Authenticate(ctx, secrets[dossier.RoleStation])
		if err != nil || tok.Role != dossier.RoleStation || tok.Name != "quay-station" {
			t.Fatalf("authenticate: %+v, %v", tok, err)
		}
		if _, err := r.Authenticate(ctx, secrets[dossier.RoleStation]+"x"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("wrong secret: %v", err)
		}
		// Only hashes are stored.
		var n int
		r.DB().QueryRowContext(ctx, r.DB().Rebind(`SELECT COUNT(*) FROM tokens WHERE secret_hash = ? OR id = ?`),
			secrets[dossier.RoleStation], secrets[dossier.RoleStation]).Scan(&n)
		if n != 0 {
			t.Fatal("a secret is stored in clear")
		}
		if err := r.RevokeToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		if err := r.RevokeToken(ctx, tok.ID); err != nil {
			t.Fatalf("second revoke: %v", err)
		}
		if _, err := r.Authenticate(ctx, secrets[dossier.RoleStation]); !errors.Is(err, storage.ErrForbidden) {
			t.Fatalf("revoked token: %v", err)
		}
		if err := r.RevokeToken(ctx, "tok_nope"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("revoke unknown: %v", err)
		}
		list, err := r.Tokens(ctx)
		if err != nil || len(list) != 4 {
			t.Fatalf("tokens: %d, %v", len(list), err)
		}
		revoked := 0
		for _, tk := range list {
			if tk.RevokedAt != nil {
				revoked++
			}
		}
		if revoked != 1 {
			t.Fatalf("%d revoked, want 1", revoked)
		}
	})
}

// TestSinkClaims: each sink has its own lease, order and failures. Four
// dispatchers racing for one sink: one holds it and gets every event in
// order; a failing webhook delays neither the broker nor the other
// dispatchers' claims on the broker; an event is done once both have it.
func TestSinkClaims(t *testing.T) {
	forEachDialect(t, func(t *testing.T, ctx context.Context, r *storage.SQLRecords) {
		const events = 9
		for i := 0; i < events; i++ {
			b := mustCreate(t, ctx, r, newBatch(dossierCode, "tok", "", fmt.Sprintf("fp%d", i), 1))
			if _, err := r.AddResult(ctx, dossier.Result{BatchID: b.ID, Key: "k", SHA256: "00"}); err != nil {
				t.Fatal(err)
			}
		}
		// Four dispatchers claim the broker sink at once: one wins.
		var (
			mu      sync.Mutex
			winners []string
			wg      sync.WaitGroup
		)
		for w := 0; w < 4; w++ {
			wg.Go(func() {
				holder := fmt.Sprintf("d%d", w)
				evs, wait, err := r.ClaimSinkEvents(ctx, "amqp", holder, time.Minute, 100)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if len(evs) > 0 {
					winners = append(winners, holder)
					if len(evs) != events {
						t.Errorf("%s claimed %d events, want %d", holder, len(evs), events)
					}
				} else if wait <= 0 || wait > time.Minute {
					t.Errorf("%s: no events and wait %s, want the rest of the lease", holder, wait)
				}
			})
		}
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("holders of the broker sink: %v, want one", winners)
		}
		holder := winners[0]

		// The webhook fails at once; the broker is not held up by it.
		hook, _, err := r.ClaimSinkEvents(ctx, "webhook", "h", time.Minute, 100)
		if err != nil || len(hook) != events {
			t.Fatalf("webhook claim: %d events, %v", len(hook), err)
		}
		backoff := func(n int) time.Duration { return time.Duration(n) * time.Hour }
		if d, err := r.SinkFailed(ctx, "webhook", "500 Internal Server Error", backoff); err != nil || d != time.Hour {
			t.Fatalf("SinkFailed: %s, %v", d, err)
		}
		if d, _ := r.SinkFailed(ctx, "webhook", "500 again", backoff); d != 2*time.Hour {
			t.Fatalf("second failure in a row: next try in %s, want 2h", d)
		}
		if evs, wait, _ := r.ClaimSinkEvents(ctx, "webhook", "h", time.Minute, 100); len(evs) != 0 || wait < time.Hour {
			t.Fatalf("webhook claimed during its backoff: %d events, wait %s", len(evs), wait)
		}
		evs, _, err := r.ClaimSinkEvents(ctx, "amqp", holder, time.Minute, 100)
		if err != nil || len(evs) != events {
			t.Fatalf("broker claim by its holder: %d, %v", len(evs), err)
		}
		for i, e := range evs {
			if i > 0 && e.ID <= evs[i-1].ID {
				t.Fatalf("events out of order: %d after %d", e.ID, evs[i-1].ID)
			}
			if err := r.MarkSinkDelivered(ctx, "amqp", e.ID); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.MarkSinkDelivered(ctx, "amqp", evs[0].ID); err != nil {
			t.Fatalf("second MarkSinkDelivered: %v", err)
		}
		if again, _, _ := r.ClaimSinkEvents(ctx, "amqp", holder, time.Minute, 100); len(again) != 0 {
			t.Fatalf("broker handed %d delivered events again", len(again))
		}
		// The webhook still owes them: not done yet.
		if pending, _ := r.PendingEvents(ctx, 0, 100); len(pending) != events {
			t.Fatalf("pending after the broker alone: %d, want %d", len(pending), events)
		}

		// The webhook heals (its backoff ends): it gets them all, in order.
		if _, err := r.DB().ExecContext(ctx, `UPDATE event_sinks SET next_try_at = NULL`); err != nil {
			t.Fatal(err)
		}
		hook, _, err = r.ClaimSinkEvents(ctx, "webhook", "h", time.Minute, 100)
		if err != nil || len(hook) != events || hook[0].ID != evs[0].ID {
			t.Fatalf("healed webhook claim: %d events, %v", len(hook), err)
		}
		for _, e := range hook {
			if err := r.MarkSinkDelivered(ctx, "webhook", e.ID); err != nil {
				t.Fatal(err)
			}
		}
		if pending, _ := r.PendingEvents(ctx, 0, 100); len(pending) != 0 {
			t.Fatalf("pending after both sinks: %d, want 0", len(pending))
		}
		var rows, attempts int
		if err := r.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM event_deliveries`).Scan(&rows); err != nil || rows != 0 {
			t.Fatalf("per-sink rows left for done events: %d, %v", rows, err)
		}
		if err := r.DB().QueryRowContext(ctx, `SELECT attempts FROM event_sinks WHERE sink = 'webhook'`).Scan(&attempts); err != nil || attempts != 0 {
			t.Fatalf("webhook failures after a success: %d, %v", attempts, err)
		}

		// A released sink goes to another dispatcher at once.
		b := mustCreate(t, ctx, r, newBatch(dossierCode, "tok", "", "fp-late", 1))
		if _, err := r.AddResult(ctx, dossier.Result{BatchID: b.ID, Key: "k", SHA256: "00"}); err != nil {
			t.Fatal(err)
		}
		if late, _, _ := r.ClaimSinkEvents(ctx, "amqp", "other", time.Minute, 100); len(late) != 0 {
			t.Fatalf("another dispatcher claimed a held sink")
		}
		if err := r.ReleaseSink(ctx, "amqp", holder); err != nil {
			t.Fatal(err)
		}
		if late, _, _ := r.ClaimSinkEvents(ctx, "amqp", "other", time.Minute, 100); len(late) != 1 {
			t.Fatalf("after release: %d events, want the new one", len(late))
		}
	})
}
