package workers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/engine"
	"github.com/sohoa/sohoa/ocr/ocrtest"
	"github.com/sohoa/sohoa/pdf"
	"github.com/sohoa/sohoa/pdf/pdftest"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/index"
	"github.com/sohoa/sohoa/storage/storagetest"
)

func TestMain(m *testing.M) { sohoatest.Main(m, engine.MaybeServe) }

// corpusPage is a small real scan (640x480, 1-bit): OCR costs well under a
// second, so a test can afford dozens of pages.
const corpusPage = "../../shared/corpus/tesseract/phototest.tif"

func readCorpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("test corpus: %v (the corpus lives at /work/shared/corpus, beside the project)", err)
	}
	return b
}

// poisonPage looks like a PNG (its signature and header pass a glance) but
// its image data is garbage: every OCR attempt fails.
func poisonPage() []byte {
	b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x02\x80\x00\x00\x01\xe0\x08\x00\x00\x00\x00\x00\x00\x00\x00")
	return append(b, bytes.Repeat([]byte("poison"), 200)...)
}

// stack is what the workers run on: records, blobs, index, a queue.
type stack struct {
	db    *storage.DB
	rec   *storage.SQLRecords
	blobs storage.Blobs
	idx   index.Searcher
	queue Queue
	// What a child worker process needs to join the same stack.
	dbURL, s3URL, amqpURL, prefix string
}

// embeddedStack is one SQLite file, a local folder and the SQL queue.
func embeddedStack(t *testing.T) *stack {
	dir := t.TempDir()
	ctx := t.Context()
	db := storagetest.OpenURL(t, filepath.Join(dir, "sohoa.db"))
	s := &stack{db: db, rec: storagetest.Records(t, db), idx: storagetest.Open(t, db, index.Open)}
	var err error
	if s.blobs, err = storage.OpenLocal(filepath.Join(dir, "blobs")); err != nil {
		t.Fatal(err)
	}
	q, err := NewSQLQueue(ctx, db, SQLQueueConfig{Lease: 5 * time.Second, Poll: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	s.queue = q
	return s
}

// distributedStack is a private PostgreSQL schema, MinIO bucket and set of
// RabbitMQ queues on the shared test services. s3URL and amqpURL, when not
// empty, replace the shared MinIO / RabbitMQ (private ones for outage tests).
func distributedStack(t *testing.T, s3URL, amqpURL string) *stack {
	ctx := t.Context()
	if s3URL == "" {
		s3URL = storagetest.Env(t, "SOHOA_TEST_S3")
	}
	if amqpURL == "" {
		amqpURL = storagetest.Env(t, "SOHOA_TEST_AMQP")
	}
	s := &stack{prefix: uniqueName("workers"), amqpURL: amqpURL, dbURL: storagetest.PostgresURL(t)}
	s.db = storagetest.OpenURL(t, s.dbURL)
	s.rec, s.idx = storagetest.Records(t, s.db), storagetest.Open(t, s.db, index.Open)

	s.s3URL = storagetest.BucketURL(t, s3URL, s.prefix)
	m, err := storage.OpenMinio(ctx, s.s3URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.blobs = storage.RetryBlobs(m, storage.RetryPolicy{Initial: 200 * time.Millisecond, Max: 2 * time.Second, MaxElapsed: 2 * time.Minute})

	s.queue = ownTopology(t, amqpURL, s.prefix)
	return s
}

// ownTopology dials the broker at amqpURL for a test whose queues and
// exchanges are named under prefix, its own, and deletes them when the
// test ends.
func ownTopology(t *testing.T, amqpURL, prefix string) *AMQPQueue {
	t.Helper()
	q, err := DialAMQP(t.Context(), AMQPConfig{URL: amqpURL, Prefix: prefix, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.DeleteTopology(ctx)
		q.Close()
	})
	return q
}

// testPolicies keep failing tests short: 3 attempts, 1 s apart.
var testPagePolicy = Policy{MaxAttempts: 3, Timeout: 2 * time.Minute, Backoff: func(int) time.Duration { return time.Second }}

func testConfig(s *stack, pool *ocr.Pool, log *slog.Logger) Config {
	return Config{
		Queue:          s.queue,
		Records:        s.rec,
		Blobs:          s.blobs,
		Index:          s.idx,
		OCR:            pool,
		Concurrency:    2,
		Logger:         log,
		PagePolicy:     testPagePolicy,
		DocumentPolicy: Policy{MaxAttempts: 3, Backoff: func(int) time.Duration { return 2 * time.Second }},
	}
}

// startRunner runs a Runner with cfg until the test ends.
func startRunner(t *testing.T, cfg Config) *Runner {
	t.Helper()
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for k := range r.client.kinds {
		if !slices.Contains(JobKinds(), k) {
			t.Fatalf("the Runner consumes %q, which JobKinds lacks: DeleteTopology would leave its queues behind", k)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { errc <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Error(err)
		}
	})
	return r
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("SOHOA_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// newBatch stores the pages as an upload would and creates the batch.
func newBatch(t testing.TB, s *stack, dossierCode string, pages ...[]byte) *dossier.Batch {
	t.Helper()
	ctx := context.Background()
	b := &dossier.Batch{
		ID: storage.NewID(),
		BatchInfo: dossier.BatchInfo{
			DossierCode:  dossierCode,
			AgencyCode:   strings.SplitN(dossierCode, "-", 2)[0],
			Title:        "Giấy đề nghị",
			DocumentType: "don",
			Station:      "quay-1",
			Operator:     "Nguyễn Văn A",
		},
	}
	for i, data := range pages {
		name := fmt.Sprintf("scan-%02d.tif", i+1)
		sum := sha256.Sum256(data)
		key := storage.SourceKey(dossierCode, hex.EncodeToString(sum[:]), name)
		info, err := s.blobs.Put(ctx, key, bytes.NewReader(data), int64(len(data)), "image/tiff", "")
		if err != nil {
			t.Fatal(err)
		}
		b.Pages = append(b.Pages, dossier.Page{Index: i + 1, SourceName: name, SourcePage: 1, SourceKey: key, SourceSHA: info.SHA256})
	}
	stored, _, err := s.rec.CreateBatch(ctx, b, true)
	if err != nil {
		t.Fatal(err)
	}
	return stored
}

// waitBatches polls until every batch is done or failed.
func waitBatches(t testing.TB, s *stack, ids []string, within time.Duration) map[string]*dossier.Batch {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		out := map[string]*dossier.Batch{}
		for _, id := range ids {
			b, err := s.rec.Batch(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if b.Status == dossier.BatchDone || b.Status == dossier.BatchFailed {
				out[id] = b
			}
		}
		if len(out) == len(ids) {
			return out
		}
		if time.Now().After(deadline) {
			for _, id := range ids {
				b, _ := s.rec.Batch(context.Background(), id)
				t.Logf("batch %s: %s %s %s", id, b.Status, b.Error, pageStates(b))
			}
			t.Fatalf("%d of %d batches finished within %s", len(out), len(ids), within)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitPagesDone polls until n pages of the batches are done and, with
// inFlight, a page is being worked on (attempted, not finished).
func waitPagesDone(t testing.TB, s *stack, ids []string, n int, inFlight bool, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		done, busy := 0, 0
		for _, id := range ids {
			b, err := s.rec.Batch(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range b.Pages {
				switch {
				case p.Status == dossier.PageDone:
					done++
				case p.Status == dossier.PagePending && p.Attempts > 0:
					busy++
				}
			}
		}
		if done >= n && (!inFlight || busy > 0) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("fewer than %d pages done (and one in flight: %v) within %s", n, inFlight, within)
}

func pageStates(b *dossier.Batch) string {
	var sb strings.Builder
	for _, p := range b.Pages {
		fmt.Fprintf(&sb, "[%d %s a=%d %s]", p.Index, p.Status, p.Attempts, p.Error)
	}
	return sb.String()
}

// checkResult asserts what a case system would check of a done batch: one
// result linked to its dossier, the PDF stored with the recorded checksum,
// one page per paper page, the OCR text inside.
func checkResult(t testing.TB, s *stack, b *dossier.Batch, wantText string) *dossier.Result {
	t.Helper()
	ctx := context.Background()
	if b.Status != dossier.BatchDone {
		t.Fatalf("batch %s is %s (%s), want done; pages %s", b.ID, b.Status, b.Error, pageStates(b))
	}
	d, err := s.rec.Dossier(ctx, b.DossierCode)
	if err != nil {
		t.Fatal(err)
	}
	var mine []dossier.Result
	for _, r := range d.Results {
		if r.BatchID == b.ID {
			mine = append(mine, r)
		}
	}
	if len(mine) != 1 {
		t.Fatalf("batch %s has %d results, want exactly 1: %+v", b.ID, len(mine), mine)
	}
	r := mine[0]
	if r.Code != b.ResultCode || !strings.HasPrefix(r.Code, b.DossierCode+"-KQ") {
		t.Errorf("result code %q, batch says %q", r.Code, b.ResultCode)
	}
	if r.Pages != len(b.Pages) {
		t.Errorf("result has %d pages, batch %d", r.Pages, len(b.Pages))
	}
	rc, _, err := s.blobs.Get(ctx, r.Key)
	if err != nil {
		t.Fatalf("result PDF %s: %v", r.Key, err)
	}
	pdfBytes, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(pdfBytes)
	if hex.EncodeToString(sum[:]) != r.SHA256 || int64(len(pdfBytes)) != r.Size {
		t.Errorf("stored PDF does not match its record (sha %s size %d)", r.SHA256, r.Size)
	}
	if !strings.HasPrefix(r.Key, "dossiers/"+b.DossierCode+"/results/") {
		t.Errorf("result key %s not under its dossier", r.Key)
	}
	f := filepath.Join(t.TempDir(), "r.pdf")
	os.WriteFile(f, pdfBytes, 0o600)
	if out := pdftest.Info(t, f); !strings.Contains(out, fmt.Sprintf("Pages:           %d\n", len(b.Pages))) {
		t.Errorf("PDF pages: %s", out)
	}
	if wantText != "" {
		txt := pdftest.Text(t, f)
		if !strings.Contains(strings.Join(strings.Fields(txt), " "), wantText) {
			t.Errorf("PDF text lacks %q:\n%s", wantText, txt)
		}
	}
	return &r
}

// webhookSink records signed event deliveries; it fails the first fail
// requests to exercise the retries.
type webhookSink struct {
	secret string
	mu     sync.Mutex
	fail   int
	events []EventBody
	bad    int
}

func (w *webhookSink) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fail > 0 {
		w.fail--
		http.Error(rw, "try later", http.StatusServiceUnavailable)
		return
	}
	if VerifySignature([]byte(w.secret), r.Header.Get(SignatureHeader), body, time.Now(), 0) != nil {
		w.bad++
		http.Error(rw, "bad signature", http.StatusUnauthorized)
		return
	}
	var ev EventBody
	if err := json.Unmarshal(body, &ev); err != nil {
		w.bad++
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	w.events = append(w.events, ev)
}

func (w *webhookSink) snapshot() []EventBody {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]EventBody(nil), w.events...)
}

// ids lists the ids of the events received, in the order they came.
func (w *webhookSink) ids() []int64 {
	var ids []int64
	for _, ev := range w.snapshot() {
		ids = append(ids, ev.ID)
	}
	return ids
}

// TestEmbeddedPipeline runs the embedded mode whole: two batches and a
// batch with a poison page, on the SQL queue. The good batches come out as
// one PDF each, linked, indexed and announced by a signed webhook that
// first fails; the poison page ends in exceptions after its attempts
// while its batch's other pages finish, the batch fails naming the page,
// and an operator retry of the page runs it again.
func TestEmbeddedPipeline(t *testing.T) {
	s := embeddedStack(t)
	pool := ocr.NewPool(ocr.Options{Languages: "eng", Engines: 2})
	t.Cleanup(func() { pool.Close() })
	sink := &webhookSink{secret: "s3cret", fail: 2}
	srv := httptest.NewServer(sink)
	t.Cleanup(srv.Close)

	reg := prometheus.NewRegistry()
	cfg := testConfig(s, pool, testLogger(t))
	cfg.Events = EventsConfig{WebhookURL: srv.URL + "/hook", WebhookSecret: sink.secret}
	cfg.Metrics = reg
	signer, signerName := testSigner(t)
	cfg.Signer = signer
	r := startRunner(t, cfg)
	ctx := t.Context()

	page := readCorpus(t, corpusPage)
	dossierCode := "000.00.31.H33-220804-0001"
	good1 := newBatch(t, s, dossierCode, page, page)
	good2 := newBatch(t, s, dossierCode, ocrtest.TinyPNG(t, 640, 480), page)
	poisoned := newBatch(t, s, "H33.01.02-260125-010001", page, poisonPage(), page)
	for _, b := range []*dossier.Batch{good1, good2, poisoned} {
		if err := r.EnqueueBatch(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	got := waitBatches(t, s, []string{good1.ID, good2.ID, poisoned.ID}, 2*time.Minute)
	r1 := checkResult(t, s, got[good1.ID], "quick brown dog")
	r2 := checkResult(t, s, got[good2.ID], "quick brown dog")
	checkSigned(t, s, r1, signerName)
	checkSigned(t, s, r2, signerName)
	// The blank sheet stays in the PDF (one image per paper page), marked.
	if p := got[good2.ID].Pages[0]; !p.Blank || p.Status != dossier.PageDone {
		t.Errorf("blank page: %+v, want done and marked blank", p)
	}
	if p := got[good2.ID].Pages[1]; p.Blank {
		t.Errorf("text page marked blank: %+v", p)
	}
	if codes := map[string]bool{r1.Code: true, r2.Code: true}; !codes[dossierCode+"-KQ1"] || !codes[dossierCode+"-KQ2"] {
		t.Errorf("result codes %v: want KQ1 and KQ2 of one dossier", codes)
	}

	pb := got[poisoned.ID]
	if pb.Status != dossier.BatchFailed || !strings.Contains(pb.Error, "page 2 (scan-02.tif)") {
		t.Errorf("poisoned batch: %s %q, want failed naming page 2", pb.Status, pb.Error)
	}
	for _, p := range pb.Pages {
		want := dossier.PageDone
		if p.Index == 2 {
			want = dossier.PageException
		}
		if p.Status != want {
			t.Errorf("poisoned batch page %d is %s (%s), want %s", p.Index, p.Status, p.Error, want)
		}
	}
	exc, err := s.rec.Exceptions(ctx, 10)
	if err != nil || len(exc) != 1 || exc[0].BatchID != poisoned.ID || exc[0].Index != 2 || exc[0].Error == "" {
		t.Errorf("exceptions %+v, %v; want page 2 of the poisoned batch with a reason", exc, err)
	}

	hits, err := s.idx.Search(ctx, index.Query{Text: "brown dog", DossierCode: dossierCode})
	if err != nil {
		t.Fatal(err)
	}
	if hits.Total != 3 { // 2 + 1 text pages
		t.Errorf("search found %d pages, want 3", hits.Total)
	}

	// Events: one per result, signed, after the webhook's failures.
	deadline := time.Now().Add(30 * time.Second)
	for len(sink.snapshot()) < 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	evs := sink.snapshot()
	seen := map[string]int{}
	for _, ev := range evs {
		var res dossier.Result
		json.Unmarshal(ev.Payload, &res)
		seen[res.Code]++
		if ev.Kind != dossier.EventResultReady || ev.AgencyCode != "000.00.31.H33" || ev.DossierCode != dossierCode {
			t.Errorf("event %+v", ev)
		}
	}
	if seen[r1.Code] != 1 || seen[r2.Code] != 1 || sink.bad != 0 {
		t.Errorf("webhook got %v (bad %d), want each result once", seen, sink.bad)
	}

	// The operator retries the poison page: it runs again (and fails again,
	// at once: an unreadable file is not tried MaxAttempts times).
	if err := r.RetryPage(ctx, poisoned.ID, 2); err != nil {
		t.Fatal(err)
	}
	b, _ := s.rec.Batch(ctx, poisoned.ID)
	if b.Status != dossier.BatchProcessing {
		t.Errorf("after retry the batch is %s, want processing", b.Status)
	}
	got = waitBatches(t, s, []string{poisoned.ID}, time.Minute)
	if b := got[poisoned.ID]; b.Status != dossier.BatchFailed || b.Pages[1].Attempts != 1 || b.Pages[1].Status != dossier.PageException {
		t.Errorf("retried poison page: batch %s, page %+v", b.Status, b.Pages[1])
	}

	var pagesDone float64
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "sohoa_pages_total" {
			for _, m := range mf.Metric {
				if m.Label[0].GetValue() == "done" {
					pagesDone = m.Counter.GetValue()
				}
			}
		}
	}
	if pagesDone != 6 {
		t.Errorf("sohoa_pages_total{outcome=done} = %v, want 6", pagesDone)
	}
}

// testSigner opens a signer on a fresh test CA and signer certificate.
func testSigner(t testing.TB) (*pdf.Signer, string) {
	t.Helper()
	p12, pass, name := testSignerFiles(t)
	s, err := pdf.SignerConfig{P12File: p12, PassFile: pass}.Open(context.Background())
	if err != nil {
		t.Fatalf("open test signer: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, name
}

// testSignerFiles makes a test CA and a signer certificate (RSA-2048,
// SKI/AKI set) and writes the signer as PKCS#12 with its password in a
// file; name is the certificate's CN.
func testSignerFiles(t testing.TB) (p12File, passFile, name string) {
	t.Helper()
	k, err := pdftest.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	p12File, passFile, err = k.WriteP12(t.TempDir(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	return p12File, passFile, k.Signer.Subject.CommonName
}

// checkSigned asserts that the stored PDF of r carries a valid signature.
func checkSigned(t testing.TB, s *stack, r *dossier.Result, signer string) {
	t.Helper()
	rc, _, err := s.blobs.Get(context.Background(), r.Key)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)
	rc.Close()
	f := filepath.Join(t.TempDir(), "signed.pdf")
	os.WriteFile(f, data, 0o600)
	if out := pdftest.Pdfsig(t, f); !strings.Contains(out, "Signature is Valid") {
		t.Errorf("pdfsig:\n%s", out)
	}
	if r.Signer != signer {
		t.Errorf("result signer %q, want %q", r.Signer, signer)
	}
}
