package workers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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

// TestSignatureReplay: the webhook signature covers a timestamp, so a
// receiver that checks it refuses a delivery replayed later, a body changed
// on the way, and the old untimed "sha256=" form.
func TestSignatureReplay(t *testing.T) {
	secret := []byte("bi-mat-chung")
	body := []byte(`{"id":7,"kind":"result.ready"}`)
	sent := time.Unix(1_790_000_000, 0)
	sig := Sign(secret, sent, body)
	if !strings.HasPrefix(sig, "t=1790000000,v1=") {
		t.Fatalf("Sign = %s", sig)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("1790000000." + string(body)))
	if want := "t=1790000000,v1=" + hex.EncodeToString(mac.Sum(nil)); sig != want {
		t.Fatalf("Sign = %s, want %s (HMAC over \"<t>.<body>\")", sig, want)
	}
	old := hmac.New(sha256.New, secret)
	old.Write(body)
	tests := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"fresh", secret, sig, body, sent.Add(30 * time.Second), nil},
		{"clock a little behind", secret, sig, body, sent.Add(-time.Minute), nil},
		{"replayed an hour later", secret, sig, body, sent.Add(time.Hour), ErrStaleSignature},
		{"from the future", secret, sig, body, sent.Add(-time.Hour), ErrStaleSignature},
		{"body changed", secret, sig, []byte(`{"id":8,"kind":"result.ready"}`), sent, ErrBadSignature},
		{"timestamp changed", secret, strings.Replace(sig, "t=1790000000", "t=1790003600", 1), body, sent.Add(time.Hour), ErrBadSignature},
		{"other secret", []byte("khac"), sig, body, sent, ErrBadSignature},
		{"empty secret", nil, Sign(nil, sent, body), body, sent, ErrBadSignature},
		{"untimed old form", secret, "sha256=" + hex.EncodeToString(old.Sum(nil)), body, sent, ErrBadSignature},
		{"missing", secret, "", body, sent, ErrBadSignature},
		{"two v1, one good", secret, "t=1790000000,v1=00ff," + strings.Split(sig, ",")[1], body, sent, nil},
	}
	for _, tt := range tests {
		if err := VerifySignature(tt.secret, tt.header, tt.body, tt.now, 0); err != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
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
	recs := storagetest.Records(t, storagetest.OpenDB(t, storage.Postgres))
	const events = 30
	for i := range events {
		b, _, err := recs.CreateBatch(ctx, &dossier.Batch{BatchInfo: dossier.BatchInfo{DossierCode: fmt.Sprintf("000.00.31.H33-220804-%04d", i+1),
			Title: "t"},
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

	var stops []func()
	for range 3 {
		_, stop := startDispatcher(t, recs, EventsConfig{WebhookURL: srv.URL})
		stops = append(stops, stop)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if left, err := recs.PendingEvents(ctx, 0, events); err == nil && len(left) == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, stop := range stops {
		stop()
	}
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

// addResults records n results on recs, so n result.ready events, with
// dossier sequences from first on.
func addResults(t *testing.T, recs *storage.SQLRecords, first, n int) {
	t.Helper()
	for i := first; i < first+n; i++ {
		b, _, err := recs.CreateBatch(t.Context(), &dossier.Batch{BatchInfo: dossier.BatchInfo{DossierCode: fmt.Sprintf("000.00.31.H33-220804-%04d", i),
			Title: "t"},
			Pages: []dossier.Page{{Index: 1, SourceName: "p.jpg", SourceSHA: strings.Repeat("1", 64)}}}, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := recs.AddResult(t.Context(), dossier.Result{BatchID: b.ID, Key: "k" + b.ID, SHA256: strings.Repeat("ab", 32), Pages: 1}); err != nil {
			t.Fatal(err)
		}
	}
}

// eventsOutbox opens a test's records on PostgreSQL and a broker topology
// of its own (deleted at the end), and returns the broker's URL for the
// test's consumers.
func eventsOutbox(t *testing.T) (*storage.SQLRecords, *AMQPQueue, string) {
	t.Helper()
	recs := storagetest.Records(t, storagetest.OpenDB(t, storage.Postgres))
	amqpURL := storagetest.Env(t, "SOHOA_TEST_AMQP")
	return recs, ownTopology(t, amqpURL, uniqueName("events")), amqpURL
}

// startDispatcher runs one events dispatcher over records, as a serve or
// worker process does, until stop or the end of the test; stop returns
// once the dispatcher has.
func startDispatcher(t *testing.T, records Outbox, cfg EventsConfig) (d *dispatcher, stop func()) {
	t.Helper()
	m, err := newMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	d = newDispatcher(records, cfg, testLogger(t), m)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { d.run(ctx) })
	stop = func() { cancel(); wg.Wait() }
	t.Cleanup(stop)
	return d, stop
}

// TestWebhookDoesNotHoldBroker: a webhook that answers 500, or hangs,
// while RabbitMQ consumers still get every event at once; once the webhook
// heals it gets every event, in order, once, and the broker had each event
// exactly once. Before each sink had its own delivery state, the first
// event's webhook failure held every later event back from the broker.
func TestWebhookDoesNotHoldBroker(t *testing.T) {
	for _, mode := range []string{"answers 500", "hangs"} {
		t.Run(mode, func(t *testing.T) {
			ctx := t.Context()
			recs, q, amqpURL := eventsOutbox(t)
			ch := storagetest.AMQPChannel(t, amqpURL)
			cq, err := ch.QueueDeclare("", false, true, true, false, nil)
			if err == nil {
				err = ch.QueueBind(cq.Name, "result.ready.#", q.EventsExchange(), false, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			msgs, err := ch.Consume(cq.Name, "", true, true, false, false, nil)
			if err != nil {
				t.Fatal(err)
			}

			var (
				mu      sync.Mutex
				hooked  []int64 // events the webhook accepted, in arrival order
				refused int
				healed  = make(chan struct{})
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var ev EventBody
				if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				select {
				case <-healed:
				default:
					if mode == "hangs" {
						select { // answers only once healed
						case <-healed:
						case <-r.Context().Done():
							return
						}
					} else {
						mu.Lock()
						refused++
						mu.Unlock()
						http.Error(w, "receiver down", http.StatusInternalServerError)
						return
					}
				}
				mu.Lock()
				hooked = append(hooked, ev.ID)
				mu.Unlock()
			}))
			t.Cleanup(srv.Close)

			const before, during = 8, 5
			addResults(t, recs, 1, before)
			d, _ := startDispatcher(t, recs, EventsConfig{Publisher: q, WebhookURL: srv.URL, WebhookSecret: "s"})

			var broker []int64
			receive := func(want int, within time.Duration) {
				t.Helper()
				timeout := time.After(within)
				for len(broker) < want {
					select {
					case msg := <-msgs:
						var ev EventBody
						if err := json.Unmarshal(msg.Body, &ev); err != nil {
							t.Fatal(err)
						}
						broker = append(broker, ev.ID)
					case <-timeout:
						t.Fatalf("RabbitMQ consumers got %d events within %s while the webhook %s, want %d", len(broker), within, mode, want)
					}
				}
			}
			receive(before, 10*time.Second)
			addResults(t, recs, before+1, during)
			d.nudge()
			receive(before+during, 10*time.Second)
			mu.Lock()
			if len(hooked) != 0 {
				t.Errorf("the failing webhook accepted %v", hooked)
			}
			if mode == "answers 500" && refused == 0 {
				t.Errorf("the webhook was never tried")
			}
			mu.Unlock()

			close(healed)
			deadline := time.Now().Add(90 * time.Second)
			for {
				mu.Lock()
				n := len(hooked)
				mu.Unlock()
				if n >= before+during || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			// Anything repeated would have arrived by now.
			time.Sleep(time.Second)
			select {
			case msg := <-msgs:
				t.Errorf("the broker got an event again after the webhook healed: %s", msg.Body)
			default:
			}
			mu.Lock()
			defer mu.Unlock()
			if !slices.IsSorted(broker) || len(slices.Compact(slices.Clone(broker))) != before+during {
				t.Errorf("broker events %v: want %d distinct, in order", broker, before+during)
			}
			if len(hooked) != before+during || !slices.IsSorted(hooked) || len(slices.Compact(slices.Clone(hooked))) != len(hooked) {
				t.Errorf("healed webhook got %v: want the %d events once each, in order", hooked, before+during)
			}
			if !slices.Equal(hooked, broker) {
				t.Errorf("webhook got %v, broker %v: want the same events", hooked, broker)
			}
			if left, err := recs.PendingEvents(ctx, 0, 100); err != nil || len(left) != 0 {
				t.Errorf("%d events still pending (%v), want none", len(left), err)
			}
		})
	}
}

// lateWebhook is the real records with the webhook sink's first claim held
// back until the broker sink has marked every event: the order in which a
// dispatcher once let the broker settle events the webhook never had.
type lateWebhook struct {
	*storage.SQLRecords
	want   int
	mu     sync.Mutex
	marked int
	done   chan struct{}
}

func (l *lateWebhook) ClaimSinkEvents(ctx context.Context, sink, holder string, lease time.Duration, limit int) ([]dossier.Event, time.Duration, error) {
	if sink == "webhook" {
		select {
		case <-l.done:
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		}
	}
	return l.SQLRecords.ClaimSinkEvents(ctx, sink, holder, lease, limit)
}

func (l *lateWebhook) MarkSinkDelivered(ctx context.Context, sink string, id int64) error {
	err := l.SQLRecords.MarkSinkDelivered(ctx, sink, id)
	if sink == "amqp" && err == nil {
		l.mu.Lock()
		if l.marked++; l.marked == l.want {
			close(l.done)
		}
		l.mu.Unlock()
	}
	return err
}

// TestSlowSinkGetsEveryEvent: a sink whose first claim comes after the
// broker has had every event still gets them all; before the dispatcher
// recorded its sinks up front, the broker settled them and the webhook
// got none.
func TestSlowSinkGetsEveryEvent(t *testing.T) {
	recs, q, _ := eventsOutbox(t)
	sink := &webhookSink{secret: "s"}
	srv := httptest.NewServer(sink)
	t.Cleanup(srv.Close)

	const n = 6
	addResults(t, recs, 1, n)
	late := &lateWebhook{SQLRecords: recs, want: n, done: make(chan struct{})}
	d, _ := startDispatcher(t, late, EventsConfig{Publisher: q, WebhookURL: srv.URL, WebhookSecret: sink.secret})

	select {
	case <-late.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the broker sink did not mark the events within 30 s")
	}
	d.nudge()
	for deadline := time.Now().Add(30 * time.Second); ; {
		got := sink.ids()
		if len(got) >= n {
			if want := []int64{1, 2, 3, 4, 5, 6}; !slices.Equal(got, want) {
				t.Fatalf("webhook got %v, want %v", got, want)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook got %v within 30 s after the broker had every event, want all %d", got, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDispatcherWaitsForOutbox: while the outbox cannot record the sinks
// (the database is down when the process starts), the dispatcher waits and
// tries again instead of giving up; once it can, the events go out.
func TestDispatcherWaitsForOutbox(t *testing.T) {
	recs := storagetest.Records(t, storagetest.OpenDB(t, storage.Postgres))
	sink := &webhookSink{secret: "s"}
	srv := httptest.NewServer(sink)
	t.Cleanup(srv.Close)
	addResults(t, recs, 1, 1)
	down := &outboxDown{SQLRecords: recs, failures: 2}
	startDispatcher(t, down, EventsConfig{WebhookURL: srv.URL, WebhookSecret: sink.secret})
	for deadline := time.Now().Add(30 * time.Second); len(sink.snapshot()) == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no event delivered within 30 s of an outbox down for its first two calls")
		}
	}
	if n := down.calls.Load(); n != 3 {
		t.Errorf("SeeSinks called %d times, want 3 (two failures, then the call that worked)", n)
	}
}

// outboxDown is the real records whose first failures calls to SeeSinks
// fail, as on a database not up yet.
type outboxDown struct {
	*storage.SQLRecords
	failures int64
	calls    atomic.Int64
}

func (o *outboxDown) SeeSinks(ctx context.Context, sinks ...string) error {
	if o.calls.Add(1) <= o.failures {
		return errors.New("connection refused")
	}
	return o.SQLRecords.SeeSinks(ctx, sinks...)
}
