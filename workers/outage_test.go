package workers

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// rabbitNode is a private RabbitMQ node in a temporary folder, so that a
// test can restart it without disturbing the shared broker.
type rabbitNode struct {
	dir, name string
	port      int
	env       []string
	bin       string // folder of rabbitmq-server and rabbitmqctl
}

func startRabbit(t *testing.T) *rabbitNode {
	t.Helper()
	t0 := time.Now()
	defer func() { t.Logf("private rabbitmq node up in %s", time.Since(t0).Round(time.Millisecond)) }()
	// The scripts in /usr/lib/rabbitmq/bin run the node as the calling
	// user; /usr/sbin's wrappers would switch to the rabbitmq user, who
	// cannot write to our folder.
	bin := "/usr/lib/rabbitmq/bin"
	if _, err := os.Stat(filepath.Join(bin, "rabbitmq-server")); err != nil {
		t.Fatalf("rabbitmq-server not found in %s: run `bash .ci/test` on a machine prepared by .ci/setup", bin)
	}
	dir, err := os.MkdirTemp("", "sohoa-rabbit-")
	if err != nil {
		t.Fatal(err)
	}
	n := &rabbitNode{dir: dir, bin: bin, port: storagetest.FreePort(t), name: fmt.Sprintf("sohoa-test-%d@localhost", os.Getpid()%100000)}
	dist := storagetest.FreePort(t)
	conf := filepath.Join(dir, "rabbitmq.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("listeners.tcp.default = 127.0.0.1:%d\nloopback_users = none\n", n.port)), 0o600)
	n.env = append(os.Environ(),
		"HOME="+dir, // the Erlang cookie shared by server and rabbitmqctl
		"RABBITMQ_NODENAME="+n.name,
		fmt.Sprintf("RABBITMQ_NODE_PORT=%d", n.port),
		fmt.Sprintf("RABBITMQ_DIST_PORT=%d", dist),
		"RABBITMQ_MNESIA_BASE="+filepath.Join(dir, "mnesia"),
		"RABBITMQ_LOG_BASE="+filepath.Join(dir, "log"),
		"RABBITMQ_CONFIG_FILE="+conf,
		"RABBITMQ_ENABLED_PLUGINS_FILE="+filepath.Join(dir, "plugins"),
		"RABBITMQ_PID_FILE="+filepath.Join(dir, "pid"),
	)
	t.Cleanup(func() {
		n.ctl("stop", filepath.Join(dir, "pid"))
		os.RemoveAll(dir)
	})
	n.start(t)
	return n
}

func (n *rabbitNode) ctl(args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(n.bin, "rabbitmqctl"), append([]string{"-n", n.name}, args...)...)
	cmd.Env, cmd.Dir = n.env, n.dir
	return cmd.CombinedOutput()
}

func (n *rabbitNode) start(t *testing.T) {
	t.Helper()
	cmd := exec.Command(filepath.Join(n.bin, "rabbitmq-server"), "-detached")
	cmd.Env, cmd.Dir = n.env, n.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rabbitmq-server: %v\n%s", err, out)
	}
	// The node registers with epmd a moment after -detached returns;
	// await_startup fails at once until then.
	deadline := time.Now().Add(90 * time.Second)
	for {
		out, err := n.ctl("await_startup", "--timeout", "60")
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("private rabbitmq node did not start: %v\n%s", err, out)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// stop shuts the node down the way `systemctl stop rabbitmq-server` does.
// (Not SIGKILL: RabbitMQ 3.10 does not always bring every quorum queue
// back after a crash under load; a queue whose Ra member failed to start
// left basic.consume unanswered until the next restart. The workers cut
// such calls short and retry, but cannot make the queue serve.)
func (n *rabbitNode) stop(t *testing.T) {
	t.Helper()
	if out, err := n.ctl("stop", filepath.Join(n.dir, "pid")); err != nil {
		t.Fatalf("rabbitmqctl stop: %v\n%s", err, out)
	}
}

// runWorkers runs a worker Runner on s in this process until the test ends.
func runWorkers(t *testing.T, s *stack) *Runner {
	t.Helper()
	pool := ocr.NewPool(ocr.Options{Languages: "eng", Engines: 2})
	t.Cleanup(func() { pool.Close() })
	cfg := testConfig(s, pool, testLogger(t))
	if p, ok := s.queue.(EventPublisher); ok {
		cfg.Events.Publisher = p
	}
	return startRunner(t, cfg)
}

// TestRabbitMQRestart restarts the broker while batches are half done: the
// work waits, then finishes with one result per batch and its events. The
// clients reach the broker through a proxy that cuts them all off the
// moment the restart begins (the broker's own shutdown takes seconds, in
// which a small batch would finish).
func TestRabbitMQRestart(t *testing.T) {
	t.Parallel() // mostly waiting on the broker
	node := startRabbit(t)
	// The proxy cuts every client off at once: a broker restart as the
	// clients see it, without waiting for the server's own shutdown.
	proxy := storagetest.StartProxy(t, fmt.Sprintf("127.0.0.1:%d", node.port))
	s := distributedStack(t, "", "amqp://guest:guest@"+proxy.Addr+"/")
	events := eventsQueue(t, s)
	r := runWorkers(t, s)
	ctx := t.Context()

	page := readCorpus(t, corpusPage)
	dossierCode := "000.00.31.H35-220804-0007"
	a := newBatch(t, s, dossierCode, page, page, page, page, page, page, page, page, page, page)
	b := newBatch(t, s, dossierCode, page, page, page, page, page, page)
	ids := []string{a.ID, b.ID}
	for _, bt := range []*dossier.Batch{a, b} {
		if err := r.EnqueueBatch(ctx, bt); err != nil {
			t.Fatal(err)
		}
	}
	waitPagesDone(t, s, ids, 2, true, time.Minute)
	t0 := time.Now()
	proxy.Stop()
	node.stop(t)
	t.Logf("broker stopped in %s", time.Since(t0).Round(time.Millisecond))
	for _, id := range ids {
		if b, err := s.rec.Batch(ctx, id); err != nil || b.Status == dossier.BatchDone {
			t.Fatalf("batch %s finished before the broker went down (%v): the restart would not be mid-batch", id, err)
		}
	}
	time.Sleep(3 * time.Second)
	t0 = time.Now()
	node.start(t)
	proxy.Start()
	t.Logf("broker started again in %s", time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	got := waitBatches(t, s, ids, 2*time.Minute)
	t.Logf("batches finished %s after the restart", time.Since(t0).Round(time.Millisecond))

	ra := checkResult(t, s, got[a.ID], "quick brown dog")
	rb := checkResult(t, s, got[b.ID], "quick brown dog")
	if files := resultFiles(t, s, dossierCode); len(files) != 2 {
		t.Errorf("%d stored PDFs, want 2: %v", len(files), files)
	}
	deadline := time.Now().Add(30 * time.Second)
	seen := events()
	for (seen[ra.Code] == 0 || seen[rb.Code] == 0) && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		seen = events()
	}
	if seen[ra.Code] != 1 || seen[rb.Code] != 1 {
		t.Errorf("events by result: %v, want one per result", seen)
	}
}

// TestMinioOutage takes MinIO away for 30 s while a batch is half done: the
// work waits (blob operations retry with backoff), then finishes with one
// result per batch and nothing lost.
func TestMinioOutage(t *testing.T) {
	t.Parallel() // mostly waiting out the outage
	mn := storagetest.StartMinio(t)
	s := distributedStack(t, mn.URL(""), "")
	r := runWorkers(t, s)
	ctx := t.Context()

	page := readCorpus(t, corpusPage)
	dossierCode := "000.00.31.H36-220804-0008"
	a := newBatch(t, s, dossierCode, page, page, page, page, page, page)
	b := newBatch(t, s, dossierCode, page, page, page, page)
	ids := []string{a.ID, b.ID}
	for _, bt := range []*dossier.Batch{a, b} {
		if err := r.EnqueueBatch(ctx, bt); err != nil {
			t.Fatal(err)
		}
	}
	waitPagesDone(t, s, ids, 2, true, time.Minute)
	mn.Stop()
	t.Logf("minio killed")
	time.Sleep(30 * time.Second)
	// Nothing finished while the files were away, and nothing failed.
	for _, id := range ids {
		bt, err := s.rec.Batch(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if bt.Status == dossier.BatchFailed || strings.Contains(pageStates(bt), dossier.PageException) {
			t.Fatalf("batch %s gave up during the outage: %s %s %s", id, bt.Status, bt.Error, pageStates(bt))
		}
	}
	t0 := time.Now()
	mn.Start()
	t.Logf("minio started again in %s", time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	got := waitBatches(t, s, ids, 2*time.Minute)
	t.Logf("batches finished %s after minio came back", time.Since(t0).Round(time.Millisecond))
	checkResult(t, s, got[a.ID], "quick brown dog")
	checkResult(t, s, got[b.ID], "quick brown dog")
	if files := resultFiles(t, s, dossierCode); len(files) != 2 {
		t.Errorf("%d stored PDFs, want 2: %v", len(files), files)
	}
}
