package workers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
)

func uniqueName(prefix string) string {
	var b [4]byte
	rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// queueMaker opens a queue on shared state: calling it again gives a new
// "process" on the same queue (same SQLite file, same RabbitMQ topology).
type queueMaker func(t testing.TB) Queue

type queueImpl struct {
	name string
	open func(t testing.TB) queueMaker
}

// openSQLQueue opens a queue on the database at dsn until the test ends.
func openSQLQueue(t testing.TB, dsn string) Queue {
	db, err := storage.OpenDB(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	q, err := NewSQLQueue(t.Context(), db, SQLQueueConfig{Lease: 2 * time.Second, Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

func queueImpls() []queueImpl {
	return []queueImpl{
		{"sqlite", func(t testing.TB) queueMaker {
			path := filepath.Join(t.TempDir(), "q.db")
			return func(t testing.TB) Queue { return openSQLQueue(t, path) }
		}},
		{"postgres", func(t testing.TB) queueMaker {
			url := storagetest.PostgresURL(t)
			return func(t testing.TB) Queue { return openSQLQueue(t, url) }
		}},
		{"rabbitmq", func(t testing.TB) queueMaker {
			url := storagetest.Env(t, "SOHOA_TEST_AMQP")
			prefix := uniqueName("test")
			first := true
			return func(t testing.TB) Queue {
				q, err := DialAMQP(t.Context(), AMQPConfig{URL: url, Prefix: prefix})
				if err != nil {
					t.Fatal(err)
				}
				if first {
					first = false
					t.Cleanup(func() {
						ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
						defer cancel()
						if err := q.DeleteTopology(ctx, "t"); err != nil {
							t.Logf("delete topology: %v", err)
						}
						q.Close()
					})
				} else {
					t.Cleanup(func() { q.Close() })
				}
				return q
			}
		}},
	}
}

// publish queues the first attempt of a job of kind "t".
func publish(t *testing.T, q Queue, args []byte) {
	t.Helper()
	if err := q.Publish(t.Context(), Message{Kind: "t", Args: args, Attempt: 1}); err != nil {
		t.Fatal(err)
	}
}

// consume takes jobs of kind "t", prefetch at a time, until ctx ends.
func consume(t *testing.T, ctx context.Context, q Queue, prefetch int) <-chan Delivery {
	t.Helper()
	ch, err := q.Consume(ctx, "t", prefetch)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func next(t *testing.T, ch <-chan Delivery, within time.Duration) Delivery {
	t.Helper()
	select {
	case d, ok := <-ch:
		if !ok {
			t.Fatal("delivery channel closed")
		}
		return d
	case <-time.After(within):
		t.Fatalf("no delivery within %s", within)
	}
	return nil
}

func none(t *testing.T, ch <-chan Delivery, wait time.Duration) {
	t.Helper()
	select {
	case d := <-ch:
		t.Fatalf("unexpected delivery %s attempt %d", d.Message().Args, d.Message().Attempt)
	case <-time.After(wait):
	}
}

func TestQueueSemantics(t *testing.T) {
	for _, impl := range queueImpls() {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			t.Run("ack", func(t *testing.T) {
				q := impl.open(t)(t)
				ctx := t.Context()
				for i := range 3 {
					publish(t, q, fmt.Appendf(nil, `{"n":%d}`, i))
				}
				cctx, cancel := context.WithCancel(ctx)
				defer cancel()
				ch := consume(t, cctx, q, 3)
				seen := map[string]bool{}
				for range 3 {
					d := next(t, ch, 10*time.Second)
					if a := d.Message().Attempt; a != 1 {
						t.Errorf("attempt %d, want 1", a)
					}
					seen[string(d.Message().Args)] = true
					if err := d.Ack(ctx); err != nil {
						t.Fatal(err)
					}
				}
				if len(seen) != 3 {
					t.Errorf("saw %v, want 3 distinct jobs", seen)
				}
				none(t, ch, 2500*time.Millisecond) // past the SQL lease: acked jobs never return
				if n, err := q.Depth(ctx, "t"); err != nil || n != 0 {
					t.Errorf("depth %d, %v; want 0", n, err)
				}
			})
			t.Run("retry-backoff-dead", func(t *testing.T) {
				q := impl.open(t)(t)
				ctx := t.Context()
				publish(t, q, []byte(`{"x":1}`))
				ch := consume(t, ctx, q, 1)
				d := next(t, ch, 10*time.Second)
				retried := time.Now()
				if err := d.Retry(ctx, time.Second, "boom"); err != nil {
					t.Fatal(err)
				}
				d = next(t, ch, 10*time.Second)
				if waited := time.Since(retried); waited < 900*time.Millisecond {
					t.Errorf("retried job came back after %s, before its 1s backoff", waited)
				}
				if a := d.Message().Attempt; a != 2 {
					t.Errorf("attempt %d after one retry, want 2", a)
				}
				if string(d.Message().Args) != `{"x":1}` {
					t.Errorf("args %s changed", d.Message().Args)
				}
				if err := d.Dead(ctx, "gave up"); err != nil {
					t.Fatal(err)
				}
				none(t, ch, 2500*time.Millisecond)
				if n := deadCount(t, q, "t"); n != 1 {
					t.Errorf("%d dead jobs, want 1", n)
				}
			})
			t.Run("redelivery-after-consumer-death", func(t *testing.T) {
				open := impl.open(t)
				q1 := open(t)
				ctx := t.Context()
				publish(t, q1, []byte(`{"y":2}`))
				ch1 := consume(t, ctx, q1, 1)
				d := next(t, ch1, 10*time.Second)
				// The consumer "dies": its connection (or process) goes away
				// without answering.
				q1.Close()
				q2 := open(t)
				ch2 := consume(t, ctx, q2, 1)
				d2 := next(t, ch2, 15*time.Second)
				if string(d2.Message().Args) != string(d.Message().Args) {
					t.Fatalf("got %s, want the unanswered %s", d2.Message().Args, d.Message().Args)
				}
				if a := d2.Message().Attempt; a != 2 {
					t.Errorf("attempt %d after a consumer died, want 2", a)
				}
				if err := d2.Ack(ctx); err != nil {
					t.Fatal(err)
				}
				none(t, ch2, 2500*time.Millisecond)
			})
		})
	}
}

func deadCount(t *testing.T, q Queue, kind string) int {
	t.Helper()
	switch q := q.(type) {
	case *SQLQueue:
		jobs, err := q.DeadJobs(t.Context(), kind)
		if err != nil {
			t.Fatal(err)
		}
		return len(jobs)
	case *AMQPQueue:
		var n int
		var err error
		// Dead-lettering is confirmed before the ack; the count is
		// immediate, but allow the broker a moment.
		for range 20 {
			if n, err = q.DeadJobs(t.Context(), kind); err == nil && n > 0 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	t.Fatalf("unknown queue %T", q)
	return 0
}

// flaky fails its first failures attempts of each job, or always with
// poison; it records what it saw.
type flakyArgs struct {
	ID     int  `json:"id"`
	Poison bool `json:"poison"`
}

func (flakyArgs) Kind() string { return "t" }

type flaky struct {
	failures int
	mu       sync.Mutex
	attempts map[int][]int
	done     map[int]int
	dead     map[int]string
}

func (f *flaky) Work(ctx context.Context, j *Job[flakyArgs]) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts[j.Args.ID] = append(f.attempts[j.Args.ID], j.Attempt)
	if j.Args.Poison || len(f.attempts[j.Args.ID]) <= f.failures {
		return errors.New("page unreadable")
	}
	f.done[j.Args.ID]++
	return nil
}

func (f *flaky) DeadLetter(ctx context.Context, j *Job[flakyArgs], reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dead[j.Args.ID] = reason
	return nil
}

// TestClientRetriesThenBuries runs the typed worker layer on both queues:
// a job failing twice succeeds on its third attempt, a poison job is
// buried after MaxAttempts with its reason, and nothing runs twice once
// done.
func TestClientRetriesThenBuries(t *testing.T) {
	for _, impl := range queueImpls() {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			q := impl.open(t)(t)
			f := &flaky{failures: 2, attempts: map[int][]int{}, done: map[int]int{}, dead: map[int]string{}}
			c := NewClient(q, nil, nil)
			AddWorker(c, Worker[flakyArgs](f), Policy{MaxAttempts: 3, Timeout: 10 * time.Second, Backoff: func(int) time.Duration { return time.Second }, Concurrency: 2})
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			for _, a := range []flakyArgs{{ID: 1}, {ID: 2, Poison: true}, {ID: 3}} {
				if err := c.Enqueue(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			errc := make(chan error, 1)
			go func() { errc <- c.Run(ctx) }()
			deadline := time.Now().Add(60 * time.Second)
			for {
				f.mu.Lock()
				finished := f.done[1] > 0 && f.done[3] > 0 && f.dead[2] != ""
				f.mu.Unlock()
				if finished || time.Now().After(deadline) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			time.Sleep(2500 * time.Millisecond) // anything redelivered would show up now
			cancel()
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			for _, id := range []int{1, 3} {
				if f.done[id] != 1 {
					t.Errorf("job %d done %d times, want 1 (attempts %v)", id, f.done[id], f.attempts[id])
				}
				if got := fmt.Sprint(f.attempts[id]); got != "[1 2 3]" {
					t.Errorf("job %d attempts %s, want [1 2 3]", id, got)
				}
			}
			if got := fmt.Sprint(f.attempts[2]); got != "[1 2 3]" {
				t.Errorf("poison job attempts %s, want [1 2 3]", got)
			}
			if f.dead[2] != "page unreadable" {
				t.Errorf("poison job dead reason %q", f.dead[2])
			}
			if n := deadCount(t, q, "t"); n != 1 {
				t.Errorf("%d dead jobs, want 1", n)
			}
		})
	}
}

// slowArgs jobs take a while; slow counts the runs.
type slowArgs struct{ ID int }

func (slowArgs) Kind() string { return "t" }

type slow struct {
	started chan int
	mu      sync.Mutex
	runs    map[int]int
}

func (s *slow) Work(ctx context.Context, j *Job[slowArgs]) error {
	s.started <- j.Args.ID
	select {
	case <-time.After(time.Second):
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	s.runs[j.Args.ID]++
	s.mu.Unlock()
	return nil
}

// TestClientDrainsOnShutdown stops a client while a job runs: the job
// finishes and is acked (another process never runs it again), and the
// jobs not yet started stay queued for the next process.
func TestClientDrainsOnShutdown(t *testing.T) {
	for _, impl := range queueImpls() {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			open := impl.open(t)
			q := open(t)
			w := &slow{started: make(chan int, 10), runs: map[int]int{}}
			c := NewClient(q, nil, nil)
			AddWorker(c, Worker[slowArgs](w), Policy{MaxAttempts: 3, Timeout: 10 * time.Second, Concurrency: 1})
			for i := range 3 {
				if err := c.Enqueue(t.Context(), slowArgs{ID: i}); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithCancel(t.Context())
			errc := make(chan error, 1)
			go func() { errc <- c.Run(ctx) }()
			first := <-w.started
			cancel() // SIGTERM while the first job runs
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			w.mu.Lock()
			if w.runs[first] != 1 || len(w.runs) != 1 {
				t.Errorf("runs %v at shutdown, want job %d finished alone", w.runs, first)
			}
			w.mu.Unlock()
			q.Close()

			// The next process runs the two others, and not the first again.
			c2 := NewClient(open(t), nil, nil)
			AddWorker(c2, Worker[slowArgs](w), Policy{MaxAttempts: 3, Timeout: 10 * time.Second, Concurrency: 2})
			ctx2, cancel2 := context.WithCancel(t.Context())
			go func() { errc <- c2.Run(ctx2) }()
			deadline := time.Now().Add(30 * time.Second)
			for {
				w.mu.Lock()
				n := len(w.runs)
				w.mu.Unlock()
				if n == 3 || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(2500 * time.Millisecond) // a redelivered first job would start now
			cancel2()
			<-errc
			w.mu.Lock()
			defer w.mu.Unlock()
			for i := range 3 {
				if w.runs[i] != 1 {
					t.Errorf("job %d ran %d times, want once (runs %v)", i, w.runs[i], w.runs)
				}
			}
		})
	}
}

// TestClientBuriesJobsThatKillTheirWorkers: a job delivered more often
// than its policy allows (its earlier consumers died on it, as with a page
// that crashes the process) is recorded dead without running again.
func TestClientBuriesJobsThatKillTheirWorkers(t *testing.T) {
	for _, impl := range queueImpls() {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			q := impl.open(t)(t)
			f := &flaky{attempts: map[int][]int{}, done: map[int]int{}, dead: map[int]string{}}
			c := NewClient(q, nil, nil)
			AddWorker(c, Worker[flakyArgs](f), Policy{MaxAttempts: 3, Concurrency: 1})
			// Three deliveries already went to consumers that died.
			if err := q.Publish(t.Context(), Message{Kind: "t", Args: []byte(`{"id":7}`), Attempt: 4}); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			errc := make(chan error, 1)
			go func() { errc <- c.Run(ctx) }()
			deadline := time.Now().Add(20 * time.Second)
			for {
				f.mu.Lock()
				reason := f.dead[7]
				f.mu.Unlock()
				if reason != "" || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			cancel()
			<-errc
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.attempts[7]) != 0 || !strings.Contains(f.dead[7], "worker stopped") {
				t.Errorf("ran %v, dead reason %q; want buried unrun with the reason", f.attempts[7], f.dead[7])
			}
			if n := deadCount(t, q, "t"); n != 1 {
				t.Errorf("%d dead jobs, want 1", n)
			}
		})
	}
}
