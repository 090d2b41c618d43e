package workers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Client publishes typed jobs to a Queue and runs the registered workers on
// what it consumes. It is the one code path above both Queue
// implementations. A Runner makes and holds the Client of a process
// (Runner.Client); NewClient makes a bare one. Register a worker per job
// kind with AddWorker before Run; Enqueue is safe for concurrent use.
type Client struct {
	// Grace is how long jobs in progress may run on after Run's context is
	// done (a SIGTERM); 30 s by default.
	Grace time.Duration

	q       Queue
	log     *slog.Logger
	m       *metrics
	mu      sync.Mutex
	kinds   map[string]*kindRunner
	running bool
}

// kindRunner runs the jobs of one kind.
type kindRunner struct {
	kind   string
	policy Policy
	handle func(ctx context.Context, d Delivery) // decodes, runs, answers d
}

// NewClient returns a client on q. m may be nil (no metrics).
func NewClient(q Queue, log *slog.Logger, m *metrics) *Client {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{Grace: 30 * time.Second, q: q, log: log, m: m, kinds: map[string]*kindRunner{}}
}

// Enqueue publishes a job with args, durably (see Queue.Publish).
func (c *Client) Enqueue(ctx context.Context, args JobArgs) error {
	b, err := json.Marshal(args)
	if err != nil {
		return kindError(args.Kind(), err)
	}
	if err := c.q.Publish(ctx, Message{Kind: args.Kind(), Args: b, Attempt: 1}); err != nil {
		return kindError(args.Kind(), fmt.Errorf("publish: %w", err))
	}
	return nil
}

// AddWorker registers w for jobs of kind T with policy p. Call before Run.
func AddWorker[T JobArgs](c *Client, w Worker[T], p Policy) {
	var zero T
	kind := zero.Kind()
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.Timeout <= 0 {
		p.Timeout = 5 * time.Minute
	}
	if p.Backoff == nil {
		p.Backoff = ExpBackoff(time.Second, time.Minute)
	}
	if p.Concurrency <= 0 {
		p.Concurrency = 1
	}
	kr := &kindRunner{kind: kind, policy: p}
	kr.handle = func(ctx context.Context, d Delivery) {
		c.handle(ctx, kr, d, func(ctx context.Context, m Message, dead string) error {
			var args T
			if err := json.Unmarshal(m.Args, &args); err != nil {
				return backoff.Permanent(fmt.Errorf("decode arguments: %w", err))
			}
			job := &Job[T]{Args: args, Attempt: m.Attempt, MaxAttempts: p.MaxAttempts}
			if dead != "" {
				if dl, ok := w.(DeadLetterer[T]); ok {
					return dl.DeadLetter(ctx, job, dead)
				}
				return nil
			}
			return w.Work(ctx, job)
		})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.kinds[kind] = kr
}

// releaser is implemented by deliveries that can be handed back at
// shutdown without counting an attempt.
type releaser interface {
	Release(ctx context.Context) error
}

// handle runs one delivery: work it, then ack, retry or dead-letter it.
// run works the job, or, when dead is not empty, records it as dead.
func (c *Client) handle(ctx context.Context, kr *kindRunner, d Delivery, run func(ctx context.Context, m Message, dead string) error) {
	m := d.Message()
	log := c.log.With("kind", kr.kind, "attempt", m.Attempt, "args", string(m.Args))
	// A job delivered more often than allowed was taken by consumers that
	// died on it (or was retried by an older, laxer policy): bury it
	// without running it again.
	if m.Attempt > kr.policy.MaxAttempts {
		reason := fmt.Sprintf("gave up after %d attempts: the worker stopped while processing it", m.Attempt-1)
		c.bury(ctx, kr, d, run, reason, log)
		return
	}
	if m.Attempt > 1 {
		log.Info("job delivered again")
	}
	start := time.Now()
	err := c.work(ctx, kr, m, run)
	c.m.observeJob(kr.kind, time.Since(start), err)
	if ctx.Err() != nil && err != nil {
		// Shutting down and out of grace: hand the job back at once so
		// that another process runs it (without Release the lease would
		// lapse, or the broker would requeue it when the channel closes).
		log.Info("job interrupted by shutdown", "err", err)
		if r, ok := d.(releaser); ok {
			if rerr := r.Release(context.WithoutCancel(ctx)); rerr != nil {
				log.Warn("release failed", "err", rerr)
			}
		}
		return
	}
	answerCtx := context.WithoutCancel(ctx)
	switch {
	case err == nil:
		if aerr := d.Ack(answerCtx); aerr != nil {
			log.Warn("ack failed; the job will run again", "err", aerr)
		}
	case IsPermanent(err) || m.Attempt >= kr.policy.MaxAttempts:
		log.Warn("job failed for good", "err", err)
		c.bury(ctx, kr, d, run, err.Error(), log)
	default:
		delay := kr.policy.Backoff(m.Attempt)
		log.Info("job failed; retrying", "err", err, "delay", delay)
		c.m.retried(kr.kind)
		if rerr := d.Retry(answerCtx, delay, err.Error()); rerr != nil {
			log.Warn("retry failed; the job will run again", "err", rerr)
		}
	}
}

// work runs one attempt with the kind's timeout, turning a panic into an error.
func (c *Client) work(ctx context.Context, kr *kindRunner, m Message, run func(context.Context, Message, string) error) (err error) {
	ctx, cancel := context.WithTimeout(ctx, kr.policy.Timeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	err = run(ctx, m, "")
	if err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		err = fmt.Errorf("timed out after %s: %w", kr.policy.Timeout, err)
	}
	return err
}

// bury records a dead job with the worker, then dead-letters it. If the
// record fails the job is retried instead, so that no job vanishes
// without its exception being visible.
func (c *Client) bury(ctx context.Context, kr *kindRunner, d Delivery, run func(context.Context, Message, string) error, reason string, log *slog.Logger) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err := run(actx, d.Message(), reason); err != nil {
		log.Error("recording a dead job failed; retrying it", "err", err)
		if rerr := d.Retry(actx, kr.policy.Backoff(d.Message().Attempt), reason); rerr != nil {
			log.Warn("retry failed; the job will run again", "err", rerr)
		}
		return
	}
	c.m.dead(kr.kind)
	if err := d.Dead(actx, reason); err != nil {
		log.Warn("dead-letter failed; the job will be delivered again", "err", err)
	}
}

// Run consumes every registered kind until ctx is done. It returns nil
// after a clean shutdown: jobs in progress finish or are left for
// redelivery.
func (c *Client) Run(ctx context.Context) error {
	c.mu.Lock()
	if c.running {
		c.mu.Unlock()
		return errors.New("workers: client already running")
	}
	c.running = true
	kinds := make([]*kindRunner, 0, len(c.kinds))
	for _, kr := range c.kinds {
		kinds = append(kinds, kr)
	}
	c.mu.Unlock()

	// Shutdown drains: once ctx is done no job is taken, and the jobs in
	// progress get Grace to finish before their context is cancelled too
	// (then they are handed back, to run again elsewhere).
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	go func() {
		<-ctx.Done()
		t := time.NewTimer(c.Grace)
		defer t.Stop()
		select {
		case <-t.C:
			cancelWork()
		case <-workCtx.Done():
		}
	}()
	var wg sync.WaitGroup
	var err error
	for _, kr := range kinds {
		ch, cerr := c.q.Consume(ctx, kr.kind, kr.policy.Concurrency)
		if cerr != nil {
			err = kindError(kr.kind, fmt.Errorf("consume: %w", cerr))
			cancel()
			break
		}
		for range kr.policy.Concurrency {
			wg.Go(func() {
				for d := range ch {
					kr.handle(workCtx, d)
				}
			})
		}
	}
	wg.Wait()
	return err
}
