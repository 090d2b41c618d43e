package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage/storagetest"
	"github.com/sohoa/sohoa/web/webtest"
	"github.com/sohoa/sohoa/workers"
)

// TestUploadWhileBrokerDown: with RabbitMQ unreachable, an upload to a
// distributed serve is answered within a few seconds with 503 and
// Retry-After, before its body is taken; the station's client retries with
// the same idempotency key and its batch is accepted once, and queued, when
// the broker is back. An upload that slips in just as the broker goes (past
// the cached readiness verdict) is accepted and committed, not lost: it
// waits in the records and recovery queues it once the broker answers.
func TestUploadWhileBrokerDown(t *testing.T) {
	ctx := context.Background()
	c := distributedConfig(t)
	broker, err := url.Parse(c.amqpURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := storagetest.StartProxy(t, broker.Host)
	viaProxy := *broker
	viaProxy.Host = proxy.Addr
	c.amqpURL = viaProxy.String()
	ts := startStack(t, c) // API only: the page jobs stay in the broker's queue
	tok := ts.token(t, dossier.RoleStation, "quay-1")
	dir := t.TempDir()
	pages := []string{page(t, dir, "p1.jpg", 1), page(t, dir, "p2.jpg", 2), page(t, dir, "p3.jpg", 3)}
	m := func(key, name string) *ingest.Manifest {
		mm := manifest(name)
		mm.IdempotencyKey = key
		mm.AllowDuplicate = true
		return mm
	}
	// Page jobs as the broker has them, taken directly (not via the proxy):
	// the batches that have one. Jobs may repeat (a replay or a recovery
	// queues a received batch again; the workers dedupe), none may be missing.
	ch := storagetest.AMQPChannel(t, broker.String())
	queuedBatches := map[string]bool{}
	queued := func() map[string]bool {
		t.Helper()
		for {
			d, ok, err := ch.Get(c.prefix+".page", true)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				return queuedBatches
			}
			var job workers.PageJob
			if err := json.Unmarshal(d.Body, &job); err != nil {
				t.Fatalf("page job %q: %v", d.Body, err)
			}
			queuedBatches[job.BatchID] = true
		}
	}
	cl := &ingest.Client{Server: ts.url, Token: tok, MinBackoff: 200 * time.Millisecond, MaxBackoff: 2 * time.Second, MaxAttempts: 30}
	first, err := cl.Upload(ctx, m("k-up", "p1.jpg"), pages[:1])
	if err != nil {
		t.Fatalf("with the broker up: %v", err)
	}
	if !queued()[first.BatchID] {
		t.Fatalf("batch accepted with the broker up has no page job: %v", queuedBatches)
	}

	proxy.Stop()
	time.Sleep(1100 * time.Millisecond) // past the cached readiness verdict
	data, _ := os.ReadFile(pages[1])
	mj, _ := json.Marshal(m("k-down", "p2.jpg"))
	body, ctype := multipartBody(t, string(mj), map[string][]byte{"p2.jpg": data})
	req, _ := http.NewRequest(http.MethodPost, ts.url+"/v1/batches", body)
	req.Header.Set("Content-Type", ctype)
	start := time.Now()
	resp, data := webtest.Do(t, req, tok)
	took := time.Since(start)
	var e apiErr
	json.Unmarshal(data, &e)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || took > 5*time.Second || e.Error == "" || e.ErrorVI == "" {
		t.Errorf("broker down: %d Retry-After %q %+v after %s; want 503 with Retry-After and a bilingual error within 5 s",
			resp.StatusCode, resp.Header.Get("Retry-After"), e, took)
	}

	// The station's client rides the outage out with the same key.
	go func() { time.Sleep(3 * time.Second); proxy.Start() }()
	res, err := cl.Upload(ctx, m("k-down", "p2.jpg"), pages[1:2])
	if err != nil || !res.Created || res.Attempts < 2 {
		t.Fatalf("client upload across the outage: %+v %v", res, err)
	}
	again, err := cl.Upload(ctx, m("k-down", "p2.jpg"), pages[1:2])
	if err != nil || again.BatchID != res.BatchID || again.Created {
		t.Errorf("replay gave %+v %v, want batch %s again", again, err, res.BatchID)
	}
	if !queued()[res.BatchID] {
		t.Errorf("batch accepted after the outage has no page job: %v", queuedBatches)
	}

	// Past the readiness gate just as the broker goes: committed, then
	// queued by recovery once the broker answers.
	proxy.Stop()
	start = time.Now()
	b, created, err := ts.intake.Submit(ctx, &dossier.Token{ID: "t-late", Role: dossier.RoleStation, Name: "quay-1"},
		m("k-late", "p3.jpg"), map[string]ingest.File{"p3.jpg": fileOf(t, pages[2])})
	if err != nil || !created || time.Since(start) > 10*time.Second {
		t.Fatalf("upload past the gate: %v created=%v after %s; want accepted within seconds", err, created, time.Since(start))
	}
	if got, err := ts.records.Batch(ctx, b.ID); err != nil || got.Status != dossier.BatchReceived {
		t.Fatalf("batch accepted while the broker was down: %+v %v, want it stored as received", got, err)
	}
	proxy.Start()
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := ts.intake.Recover(ctx, time.Hour)
		if err == nil && n >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("recovery after the broker came back: %d batches, %v", n, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if !queued()[b.ID] {
		t.Errorf("batch accepted during the outage has no page job after recovery: %v", queuedBatches)
	}
}
