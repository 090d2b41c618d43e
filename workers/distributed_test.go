package workers

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// startWorker starts `sohoa worker` on s, signing with the given PKCS#12;
// the returned func kills it with SIGKILL (idempotent). Its log goes to
// logs.
func startWorker(t *testing.T, s *stack, p12, passFile string, logs *sohoatest.Output) func() {
	t.Helper()
	cmd := exec.Command(sohoatest.Binary(t), "worker",
		"--amqp", s.amqpURL, "--s3", s.s3URL, "--db", s.dbURL, "--amqp-prefix", s.prefix,
		"--concurrency", "2", "--lang", "eng", "--sign-p12", p12, "--sign-pass-file", passFile)
	cmd.Env = append(os.Environ(), "SOHOA_LANG=en")
	cmd.Stderr = logs
	if os.Getenv("SOHOA_TEST_LOG") != "" {
		cmd.Stderr = io.MultiWriter(logs, os.Stderr)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	kill := func() {
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
	t.Cleanup(kill)
	return kill
}

// eventsQueue binds a private durable queue to the events exchange of s and
// returns a function counting the result events in it by result code.
func eventsQueue(t *testing.T, s *stack) func() map[string]int {
	t.Helper()
	ch := storagetest.AMQPChannel(t, s.amqpURL)
	name := s.prefix + ".test-events"
	if _, err := ch.QueueDeclare(name, true, false, false, false, amqp.Table{"x-queue-type": "quorum"}); err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind(name, "result.ready.#", s.prefix+".events", false, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, err := amqp.Dial(s.amqpURL); err == nil {
			if ch, err := c.Channel(); err == nil {
				ch.QueueDelete(name, false, false, false)
			}
			c.Close()
		}
	})
	seen := map[string]int{}
	return func() map[string]int {
		// Reconnect when the broker went away in between.
		c, err := amqp.Dial(s.amqpURL)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ch, err := c.Channel()
		if err != nil {
			t.Fatal(err)
		}
		for {
			d, ok, err := ch.Get(name, true)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			var ev EventBody
			if err := json.Unmarshal(d.Body, &ev); err != nil {
				t.Fatalf("event %s: %v", d.Body, err)
			}
			var res dossier.Result
			json.Unmarshal(ev.Payload, &res)
			if d.RoutingKey != "result.ready."+ev.AgencyCode || ev.AgencyCode == "" {
				t.Errorf("event routing key %q for agency %q", d.RoutingKey, ev.AgencyCode)
			}
			seen[res.Code]++
		}
		return seen
	}
}

// resultFiles lists the PDFs stored under a dossier's results folder.
func resultFiles(t *testing.T, s *stack, dossierCode string) []string {
	t.Helper()
	var keys []string
	prefix := "dossiers/" + dossierCode + "/results/"
	switch b := storage.UnwrapBlobs(s.blobs).(type) {
	case *storage.Minio:
		for obj := range b.Client().ListObjects(t.Context(), b.Bucket(), minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
			if obj.Err != nil {
				t.Fatal(obj.Err)
			}
			keys = append(keys, obj.Key)
		}
	case *storage.Local:
		ents, _ := os.ReadDir(filepath.Join(b.Root(), filepath.FromSlash(prefix)))
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".pdf") {
				keys = append(keys, prefix+e.Name())
			}
		}
	default:
		t.Fatalf("unknown blob store %T", b)
	}
	return keys
}

// apiRunner is the API side of the distributed mode: it enqueues and
// delivers events, and runs no workers.
func apiRunner(t *testing.T, s *stack) *Runner {
	t.Helper()
	cfg := testConfig(s, nil, testLogger(t))
	cfg.NoWorkers = true
	cfg.Events = EventsConfig{Publisher: s.queue.(EventPublisher)}
	return startRunner(t, cfg)
}

// TestKillWorkerMidBatch SIGKILLs a `sohoa worker` process while it has pages in
// flight and starts another: nothing is lost (every page done, every
// batch with its result) and nothing is duplicated (one result and one
// stored PDF per batch, one event per result, result codes without gaps).
// A batch with a poison page runs beside them and fails naming that page
// while its other pages finish.
func TestKillWorkerMidBatch(t *testing.T) {
	s := distributedStack(t, "", "")
	api := apiRunner(t, s)
	events := eventsQueue(t, s)
	ctx := t.Context()

	page := readCorpus(t, corpusPage)
	d1, d2 := "000.00.31.H33-220804-0042", "000.00.31.H34-220804-0043"
	a := newBatch(t, s, d1, page, page, page, page, page, page)
	b := newBatch(t, s, d1, page, page, page, page, page, page)
	c := newBatch(t, s, d2, page, page, poisonPage(), page)
	ids := []string{a.ID, b.ID, c.ID}
	for _, bt := range []*dossier.Batch{a, b, c} {
		if err := api.EnqueueBatch(ctx, bt); err != nil {
			t.Fatal(err)
		}
	}

	p12, passFile, signer := testSignerFiles(t)
	kill := startWorker(t, s, p12, passFile, new(sohoatest.Output))
	waitPagesDone(t, s, ids, 3, true, time.Minute)
	kill() // a page is in flight (2 at a time, 16 in all)
	second := new(sohoatest.Output)
	startWorker(t, s, p12, passFile, second)
	got := waitBatches(t, s, ids, 2*time.Minute)

	ra := checkResult(t, s, got[a.ID], "quick brown dog")
	rb := checkResult(t, s, got[b.ID], "quick brown dog")
	checkSigned(t, s, ra, signer)
	checkSigned(t, s, rb, signer)
	if codes := map[string]bool{ra.Code: true, rb.Code: true}; !codes[d1+"-KQ1"] || !codes[d1+"-KQ2"] {
		t.Errorf("result codes %v: want KQ1 and KQ2", codes)
	}
	// The kill left work unanswered: the second worker got it again (a
	// page it redid, or one the first had finished but not acked).
	if !strings.Contains(second.String(), `msg="job delivered again" kind=page`) {
		t.Errorf("the second worker was handed no page again: the kill interrupted nothing\n%s", second.String())
	}
	redone := 0
	for _, id := range ids {
		for _, p := range got[id].Pages {
			if p.Attempts > 1 {
				redone++
			}
		}
	}
	t.Logf("%d page(s) were OCR'd again after the kill", redone)
	if files := resultFiles(t, s, d1); len(files) != 2 {
		t.Errorf("dossier %s has %d stored PDFs, want 2: %v", d1, len(files), files)
	}
	gc := got[c.ID]
	if gc.Status != dossier.BatchFailed || !strings.Contains(gc.Error, "page 3 (scan-03.tif)") {
		t.Errorf("poisoned batch: %s %q", gc.Status, gc.Error)
	}
	for _, p := range gc.Pages {
		if (p.Index == 3) != (p.Status == dossier.PageException) || (p.Index != 3 && p.Status != dossier.PageDone) {
			t.Errorf("poisoned batch page %d: %s %s", p.Index, p.Status, p.Error)
		}
	}
	if files := resultFiles(t, s, d2); len(files) != 0 {
		t.Errorf("failed batch left PDFs: %v", files)
	}

	deadline := time.Now().Add(30 * time.Second)
	seen := events()
	for (seen[ra.Code] == 0 || seen[rb.Code] == 0) && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		seen = events()
	}
	if seen[ra.Code] != 1 || seen[rb.Code] != 1 || len(seen) != 2 {
		t.Errorf("events by result: %v, want one per result", seen)
	}
}
