package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/pdf"
	"github.com/sohoa/sohoa/pdf/pdftest"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
	"github.com/sohoa/sohoa/web/webtest"
	"github.com/sohoa/sohoa/workers"
)

// sampleBatch is the demo batch of testdata (SOHOA_SAMPLE_BATCH overrides).
func sampleBatch(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("SOHOA_SAMPLE_BATCH")
	if dir == "" {
		dir = filepath.Join("..", "..", "testdata", "sample-batch")
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
		t.Fatalf("sample batch missing (%v): generate it with `go run ./testdata/gen -preset sample-batch -out testdata/sample-batch`", err)
	}
	return dir
}

// distributedConfig is a stack on the test RabbitMQ, MinIO and PostgreSQL,
// each isolated for this test.
func distributedConfig(t testing.TB) stackConfig {
	prefix := "t" + storage.NewID()[16:]
	amqpURL := storagetest.Env(t, "SOHOA_TEST_AMQP")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if q, err := workers.DialAMQP(ctx, workers.AMQPConfig{URL: amqpURL, Prefix: prefix}); err == nil {
			q.DeleteTopology(ctx)
			q.Close()
		}
	})
	return stackConfig{
		dbURL:   ownDatabase(t),
		s3URL:   storagetest.S3URL(t),
		amqpURL: amqpURL,
		prefix:  prefix,
		rate:    -1,
	}
}

// eachStackMode runs test twice, as the subtests "embedded" (the zero
// stackConfig: SQLite, blobs on disk, the SQL queue) and "distributed"
// (distributedConfig: PostgreSQL, MinIO, RabbitMQ), with that config.
func eachStackMode(t *testing.T, test func(t *testing.T, distributed bool, c stackConfig)) {
	for _, mode := range []string{"embedded", "distributed"} {
		t.Run(mode, func(t *testing.T) {
			var c stackConfig
			if mode == "distributed" {
				c = distributedConfig(t)
			}
			test(t, mode == "distributed", c)
		})
	}
}

// ownDatabase creates a PostgreSQL database for one test (dropped at the
// end), so that the processes the test starts share nothing with other
// tests running at the same time.
func ownDatabase(t testing.TB) string {
	base := storagetest.Env(t, "SOHOA_TEST_PG")
	name := "t_" + storage.NewID()[16:]
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		db.Close()
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		db.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// testKeys makes a demo CA and signer for a test.
func testKeys(t testing.TB, c *stackConfig) *demoKeys {
	keys, err := ensureDemoKeys(filepath.Join(t.TempDir(), "keys"))
	if err != nil {
		t.Fatal(err)
	}
	c.sign.P12File, c.sign.PassFile = keys.p12, keys.passFile
	return keys
}

// TestEndToEndDistributed: a batch uploaded through the API (with `sohoa
// upload --wait`) comes out as a signed, valid PDF/A in MinIO, linked to
// its dossier, searchable, with a result.ready event on the topic exchange.
func TestEndToEndDistributed(t *testing.T) {
	c := distributedConfig(t)
	c.workers = 2
	c.pdfa = "1b" // what PDFBox Preflight validates
	keys := testKeys(t, &c)
	ts := startStack(t, c)
	ctx := context.Background()

	// A case system listens to the events exchange.
	ch := storagetest.AMQPChannel(t, c.amqpURL)
	if err := ch.ExchangeDeclare(c.prefix+".events", "topic", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind(q.Name, "result.ready.#", c.prefix+".events", false, nil); err != nil {
		t.Fatal(err)
	}
	events, err := ch.Consume(q.Name, "", true, true, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}

	dir := sampleBatch(t)
	m, paths, err := readDemoBatch(dir)
	if err != nil {
		t.Fatal(err)
	}
	station := ts.token(t, dossier.RoleStation, "quay-3")
	args := []string{"--server", ts.url, "--token", station, "--dossier", m.DossierCode, "--agency", m.AgencyCode,
		"--title", m.Title, "--type", m.DocumentType, "--operator", m.Operator, "--state-dir", t.TempDir(), "--wait"}
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, log: testLogger(t), ui: ui{english: true}}
	if err := runUpload(ctx, e, append(args, paths...)); err != nil {
		t.Fatalf("upload --wait: %v\n%s", err, stderr.String())
	}
	lines := strings.Fields(stdout.String())
	if len(lines) != 2 || !strings.HasPrefix(lines[1], m.DossierCode+"-KQ") {
		t.Fatalf("upload --wait printed %q, want the batch id then the result code", stdout.String())
	}
	code := lines[1]

	// Linked to its dossier.
	caseTok := ts.token(t, dossier.RoleCase, "motcua")
	var d struct {
		Results []dossier.Result `json:"results"`
	}
	if s := webtest.Call(t, "GET", ts.url+"/v1/dossiers/"+m.DossierCode, caseTok, nil, "", &d); s != 200 || len(d.Results) != 1 || d.Results[0].Code != code {
		t.Fatalf("dossier: %d %+v", s, d)
	}
	r := d.Results[0]

	// The object in MinIO is the PDF the API serves, signed and PDF/A.
	mc, ok := storage.UnwrapBlobs(ts.blobs).(*storage.Minio)
	if !ok {
		t.Fatalf("blobs are %T, want MinIO", ts.blobs)
	}
	res, err := ts.records.ResultByCode(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	obj, _, err := mc.Get(ctx, res.Key)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := io.ReadAll(obj)
	obj.Close()
	if err != nil {
		t.Fatalf("read %s from MinIO: %v", res.Key, err)
	}
	f := filepath.Join(t.TempDir(), "result.pdf")
	os.WriteFile(f, stored, 0o644)
	if sha := sha256hex(stored); sha != r.SHA256 {
		t.Errorf("MinIO object sha256 %s, record says %s", sha, r.SHA256)
	}
	rep, err := pdf.Verify(ctx, bytes.NewReader(stored), int64(len(stored)), pdf.VerifyOptions{TrustPEM: keys.caPEM})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.PDFAPart != 1 || len(rep.Signatures) != 1 || !rep.Signatures[0].Intact || !rep.Signatures[0].CoversWholeDocument {
		t.Errorf("verify: %+v", rep)
	}
	if out := pdftest.Pdfsig(t, f); !strings.Contains(out, "Signature is Valid") {
		t.Errorf("pdfsig:\n%s", out)
	}
	pdftest.Preflight(t, f)
	if out := pdftest.Text(t, f); !strings.Contains(out, "XÂY DỰNG") {
		t.Errorf("text layer:\n%.500s", out)
	}

	// An archivist finds it by a phrase without diacritics.
	arch := ts.token(t, dossier.RoleArchivist, "luutru")
	var sr struct {
		Hits []struct {
			ResultCode string `json:"result_code"`
			PDFURL     string `json:"pdf_url"`
		} `json:"hits"`
	}
	if s := webtest.Call(t, "GET", ts.url+"/v1/search?q="+url.QueryEscape(`"xay dung"`), arch, nil, "", &sr); s != 200 || len(sr.Hits) == 0 || sr.Hits[0].ResultCode != code {
		t.Errorf("search: %d %+v", s, sr)
	}

	// The event reached the topic exchange.
	select {
	case ev := <-events:
		var body workers.EventBody
		if err := json.Unmarshal(ev.Body, &body); err != nil || body.Kind != "result.ready" || body.DossierCode != m.DossierCode ||
			!bytes.Contains(body.Payload, []byte(code)) {
			t.Errorf("event %s: %s (%v)", ev.RoutingKey, ev.Body, err)
		}
	case <-time.After(30 * time.Second):
		t.Error("no result.ready event within 30 s")
	}
}

func sha256hex(b []byte) string { return hashHex(b) }

// tinyPage renders a one-line page: small enough that hundreds OCR fast.
func tinyPage(t testing.TB, text string) []byte {
	img := image.NewGray(image.Rect(0, 0, 420, 60))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	d := &font.Drawer{Dst: img, Src: image.NewUniform(color.Gray{0}), Face: basicfont.Face7x13, Dot: fixed.P(10, 35)}
	d.DrawString(text)
	// Tesseract reads 7x13 glyphs better twice as large.
	big := image.NewGray(image.Rect(0, 0, 840, 120))
	for y := range 120 {
		for x := range 840 {
			big.Pix[y*big.Stride+x] = img.Pix[(y/2)*img.Stride+x/2]
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, big, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestConcurrentStations: 20 stations each upload 25 one-page batches at
// once; every batch completes with exactly one result per document.
func TestConcurrentStations(t *testing.T) {
	const stations, perStation = 20, 25
	c := distributedConfig(t)
	c.workers = 2
	testKeys(t, &c)
	ts := startStack(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()

	type sent struct{ id, dossierCode string }
	var (
		mu   sync.Mutex
		all  []sent
		wg   sync.WaitGroup
		errs = make(chan error, stations*perStation)
	)
	for s := range stations {
		tok := ts.token(t, dossier.RoleStation, fmt.Sprintf("quay-%02d", s))
		dir := t.TempDir()
		wg.Go(func() {
			cl := &ingest.Client{Server: ts.url, Token: tok}
			for i := range perStation {
				dossierCode := fmt.Sprintf("000.00.31.H33-261127-%02d%02d", s, i)
				name := "p.jpg"
				p := filepath.Join(dir, fmt.Sprintf("%02d", i))
				os.MkdirAll(p, 0o755)
				p = filepath.Join(p, name)
				os.WriteFile(p, tinyPage(t, fmt.Sprintf("HO SO %02d-%02d QUAY %02d", s, i, s)), 0o644)
				m := &ingest.Manifest{BatchInfo: dossier.BatchInfo{DossierCode: dossierCode, Title: "Giay tiep nhan"}, Pages: []string{name},
					IdempotencyKey: fmt.Sprintf("s%02d-b%02d", s, i)}
				res, err := cl.Upload(ctx, m, []string{p})
				if err != nil {
					errs <- fmt.Errorf("station %d batch %d: %w", s, i, err)
					continue
				}
				mu.Lock()
				all = append(all, sent{res.BatchID, dossierCode})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(all) != stations*perStation {
		t.Fatalf("%d batches accepted, want %d", len(all), stations*perStation)
	}
	for _, b := range all {
		got, err := waitBatch(ctx, ts, b.id)
		if err != nil {
			t.Fatalf("batch %s: %v", b.id, err)
		}
		if got.Status != dossier.BatchDone || got.ResultCode != b.dossierCode+"-KQ1" {
			t.Errorf("batch %s: status %s result %q error %q", b.id, got.Status, got.ResultCode, got.Error)
		}
		d, err := ts.records.Dossier(ctx, b.dossierCode)
		if err != nil || len(d.Results) != 1 || len(d.Batches) != 1 {
			t.Errorf("dossier %s: %v, %d results, %d documents", b.dossierCode, err, len(d.Results), len(d.Batches))
		}
	}
}

// waitBatch polls the records until the batch is done or failed.
func waitBatch(ctx context.Context, ts *testStack, id string) (*dossier.Batch, error) {
	for {
		b, err := ts.records.Batch(ctx, id)
		if err != nil {
			return nil, err
		}
		if b.Status == dossier.BatchDone || b.Status == dossier.BatchFailed {
			return b, nil
		}
		select {
		case <-ctx.Done():
			return b, fmt.Errorf("still %s: %w", b.Status, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// TestDemo runs `sohoa demo --exit` on the sample batch and checks what it
// prints; a second run finds the same batch instead of failing.
func TestDemo(t *testing.T) {
	data := t.TempDir()
	batch := sampleBatch(t)
	for run := 1; run <= 2; run++ {
		var stdout, stderr bytes.Buffer
		e := &env{stdout: &stdout, stderr: &stderr, log: testLogger(t), ui: ui{english: true}}
		err := runDemo(context.Background(), e, []string{"--data", data, "--addr", "127.0.0.1:0", "--batch", batch, "--exit", "--workers", "2"})
		if err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, stderr.String())
		}
		out := stdout.String()
		for _, want := range []string{"Dossier:", "000.00.31.H33-261127-0001", "Result code:", "-KQ1", "Signed PDF/A:", "Verification:", "OK — PDF/A-2b", "signature intact", "trusted (demo CA)", "Search page:", "Access token:"} {
			if !strings.Contains(out, want) {
				t.Errorf("run %d: output lacks %q:\n%s", run, want, out)
			}
		}
		for _, line := range strings.Split(out, "\n") {
			if p, ok := strings.CutPrefix(line, "Signed PDF/A:"); ok {
				if _, err := os.Stat(strings.TrimSpace(p)); err != nil {
					t.Errorf("signed PDF: %v", err)
				}
			}
		}
	}
	if _, err := os.Stat(filepath.Join(data, "demo-keys", "README.txt")); err != nil {
		t.Errorf("demo keys: %v", err)
	}
}

func hashHex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestRecoverUnqueued: a batch committed by a process that died before
// queueing it (simulated by an intake without a queue) is queued by the
// recovery of the next start and completes.
func TestRecoverUnqueued(t *testing.T) {
	data := t.TempDir()
	c := stackConfig{data: data, workers: 1}
	testKeys(t, &c)
	ctx := context.Background()

	first, err := openStack(ctx, testLogger(t), c)
	if err != nil {
		t.Fatal(err)
	}
	first.intake.Queue = nil // dies between commit and enqueue
	p := filepath.Join(t.TempDir(), "p.jpg")
	os.WriteFile(p, tinyPage(t, "GIAY TIEP NHAN HO SO 0001"), 0o644)
	res, err := ingest.LocalUploader{Intake: first.intake, Token: &dossier.Token{ID: "t", Role: dossier.RoleAdmin}}.
		Upload(ctx, &ingest.Manifest{BatchInfo: dossier.BatchInfo{DossierCode: testDossier, Title: "Giấy tiếp nhận"}, Pages: []string{"p.jpg"}}, []string{p})
	if err != nil {
		t.Fatal(err)
	}
	first.Close()

	ts := startStack(t, c)
	n, err := ts.intake.Recover(ctx, time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("recover: %d batches, %v; want 1", n, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	b, err := waitBatch(wctx, ts, res.BatchID)
	if err != nil || b.Status != dossier.BatchDone || b.ResultCode != testDossier+"-KQ1" {
		t.Fatalf("recovered batch: %+v, %v", b, err)
	}
	// Nothing left to recover, and recovering again makes no second result.
	if n, err := ts.intake.Recover(ctx, 0); err != nil || n != 0 {
		t.Errorf("second recovery: %d, %v", n, err)
	}
}
