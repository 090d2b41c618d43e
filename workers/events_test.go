package workers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
)

func TestEventRoutingKey(t *testing.T) {
	tests := []struct {
		dossierCode, payload, want string
	}{
		// TT 01/2018 dossier code: the agency code comes first.
		{"000.00.31.H33-220804-0001", `{"result_code":"x"}`, "result.ready.000.00.31.H33"},
		// TT 04/2025 dossier code.
		{"H33.01.02-260125-010001", `{}`, "result.ready.H33.01.02"},
		// An agency code in the payload wins.
		{"000.00.31.H33-220804-0001", `{"agency_code":"G01.99"}`, "result.ready.G01.99"},
		{"", `not json`, "result.ready"},
	}
	for _, tc := range tests {
		ev := dossier.Event{Kind: dossier.EventResultReady, DossierCode: tc.dossierCode, Payload: []byte(tc.payload)}
		got := EventBody{Kind: ev.Kind, AgencyCode: agencyOf(ev)}.RoutingKey()
		if got != tc.want {
			t.Errorf("%s %s: routing key %q, want %q", tc.dossierCode, tc.payload, got, tc.want)
		}
	}
}

func TestSign(t *testing.T) {
	// RFC 4231 test case 2.
	got := Sign([]byte("Jefe"), []byte("what do ya want for nothing?"))
	want := "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestBackoff(t *testing.T) {
	b := ExpBackoff(2*time.Second, time.Minute)
	var got []string
	for a := 1; a <= 7; a++ {
		got = append(got, fmt.Sprint(b(a), "→", retryDelay(b(a))))
	}
	want := "[2s→2s 4s→4s 8s→8s 16s→30s 32s→1m0s 1m0s→1m0s 1m0s→1m0s]"
	if fmt.Sprint(got) != want {
		t.Errorf("backoff and delay queues: %v, want %s", got, want)
	}
	if d := retryDelay(time.Hour); d != 10*time.Minute {
		t.Errorf("retryDelay(1h) = %s, want the longest delay queue, 10m", d)
	}
	if d := retryDelay(0); d != time.Second {
		t.Errorf("retryDelay(0) = %s, want 1s", d)
	}
}

// TestDispatchersShareOutbox: serve and worker processes all run a
// dispatcher on one PostgreSQL outbox; the leases on claimed events make
// each event reach the webhook once, not once per process.
func TestDispatchersShareOutbox(t *testing.T) {
	ctx := t.Context()
	recs, err := storage.OpenRecords(ctx, storagetest.OpenDB(t, storage.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	const events = 30
	for i := range events {
		b, _, err := recs.CreateBatch(ctx, &dossier.Batch{DossierCode: fmt.Sprintf("000.00.31.H33-220804-%04d", i+1), Title: "t",
			Pages: []dossier.Page{{Index: 1, SourceName: "p.jpg", SourceSHA: strings.Repeat("1", 64)}}}, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := recs.AddResult(ctx, dossier.Result{BatchID: b.ID, Key: "k" + b.ID, SHA256: strings.Repeat("ab", 32), Pages: 1}); err != nil {
			t.Fatal(err)
		}
	}
	var (
		mu   sync.Mutex
		seen = map[int64]int{}
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev EventBody
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		time.Sleep(10 * time.Millisecond) // deliveries of the processes overlap
		mu.Lock()
		seen[ev.ID]++
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)

	dctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range 3 {
		m, err := newMetrics(nil)
		if err != nil {
			t.Fatal(err)
		}
		d := newDispatcher(recs, EventsConfig{WebhookURL: srv.URL}, testLogger(t), m)
		wg.Go(func() { d.run(dctx) })
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if left, err := recs.PendingEvents(ctx, 0, events); err == nil && len(left) == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != events {
		t.Errorf("%d events delivered, want %d", len(seen), events)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event %d delivered %d times, want once", id, n)
		}
	}
}
