// Package workers runs sohoa's background work: one job per page (OCR), one
// job per document once its last page is done (assemble, sign, store, link,
// index), and the delivery of result events to case systems.
//
// Jobs travel through a Queue: RabbitMQ (distributed mode, any number of
// `sohoa worker` processes) or a table in the records' SQLite database
// (embedded mode). Both give at-least-once delivery; the workers make a
// redelivered job harmless, so the whole is effectively exactly-once.
//
// How `sohoa serve` wires it:
//
//	q, _ := workers.NewSQLQueue(ctx, db, workers.SQLQueueConfig{})          // embedded
//	q, _ := workers.DialAMQP(ctx, workers.AMQPConfig{URL: amqpURL})        // distributed
//	r, _ := workers.New(workers.Config{Queue: q, Records: rec, Blobs: blobs, Index: idx,
//		OCR: pool, Signer: signer, Metrics: reg, Logger: log,
//		Events: workers.EventsConfig{Publisher: amqpQueueOrNil, WebhookURL: u, WebhookSecret: s}})
//	go r.Run(ctx)                    // workers + event delivery, until ctx is done
//	r.EnqueueBatch(ctx, storedBatch) // after Records.CreateBatch, before answering 202
//	r.RetryPage(ctx, batchID, index) // operator retry of an excepted page
//
// A batch whose pages end in exceptions is not assembled: it turns failed
// with a reason naming each excepted page, and a RetryPage of those pages
// completes it later (one image per paper page, in order, never fewer).
package workers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sohoa/sohoa/storage"
)

// Message is a job as it travels through a Queue.
type Message struct {
	Kind string // job kind; each kind has its own queue
	Args []byte // JSON of the job's arguments
	// Attempt counts deliveries of this job, this one included (1-based).
	// A delivery to a consumer that died before answering counts too, so a
	// page that kills its worker still runs out of attempts.
	Attempt int
}

// Delivery is one Message handed to a consumer. The consumer answers it
// with exactly one of Ack, Retry or Dead; until then the queue keeps the
// job reserved, and gives it to another consumer if this one dies.
type Delivery interface {
	Message() Message
	// Ack removes the job: it is done.
	Ack(ctx context.Context) error
	// Retry makes the job available again after delay, as attempt
	// Attempt+1. reason is kept for operators.
	Retry(ctx context.Context, delay time.Duration, reason string) error
	// Dead moves the job to the dead-letter store with reason; it is never
	// delivered again unless published anew.
	Dead(ctx context.Context, reason string) error
}

// Queue is a durable job queue.
//
// Publish returns nil only once the job is durably accepted (a publisher
// confirm from the broker, a committed row). Consume delivers jobs of one
// kind on the returned channel until ctx is done, then closes it; at most
// prefetch deliveries are outstanding (unanswered) at a time. A Queue
// survives outages of what is behind it: Consume keeps delivering after a
// broker restart, Publish retries until confirmed or ctx is done.
type Queue interface {
	Publish(ctx context.Context, m Message) error
	Consume(ctx context.Context, kind string, prefetch int) (<-chan Delivery, error)
	// Depth reports how many jobs of kind wait (ready, not reserved).
	Depth(ctx context.Context, kind string) (int, error)
	Close() error
}

// JobArgs are the typed arguments of one kind of job.
type JobArgs interface {
	Kind() string
}

// Job is a typed job handed to a Worker.
type Job[T JobArgs] struct {
	Args        T
	Attempt     int // 1-based
	MaxAttempts int
}

// LastAttempt reports whether a failure of this attempt is final.
func (j *Job[T]) LastAttempt() bool { return j.Attempt >= j.MaxAttempts }

// Worker does one kind of job. Work must be idempotent: a job may be
// delivered again after it (or part of it) was done.
type Worker[T JobArgs] interface {
	Work(ctx context.Context, job *Job[T]) error
}

// DeadLetterer is implemented by workers that must record a job that
// failed for good (a page becomes an exception). reason says why.
type DeadLetterer[T JobArgs] interface {
	DeadLetter(ctx context.Context, job *Job[T], reason string) error
}

// Policy is how one kind of job is run: declared beside its worker.
type Policy struct {
	Timeout     time.Duration // per attempt
	MaxAttempts int           // attempts before the job is dead
	// Backoff is the delay before attempt n+1 after attempt n failed.
	Backoff     func(attempt int) time.Duration
	Concurrency int // jobs of this kind run at once in this process (the prefetch)
}

// ExpBackoff doubles from base up to max: base, 2*base, 4*base...
// (RabbitMQ rounds each delay up to one of a few fixed values, one delay
// queue each: 1s 2s 4s 8s 15s 30s 1m 2m 5m 10m.)
func ExpBackoff(base, max time.Duration) func(int) time.Duration {
	return func(attempt int) time.Duration {
		d := base
		for i := 1; i < attempt && d < max; i++ {
			d *= 2
		}
		return min(d, max)
	}
}

// IsPermanent reports whether no retry can fix err, so that its job becomes
// dead (a page an exception) at once: marked with backoff.Permanent (bad
// arguments, a batch that does not exist, a missing upload...), or a
// storage error of that kind (storage.IsPermanent: a key too long for the
// store, refused access...).
func IsPermanent(err error) bool { return storage.IsPermanent(err) }

// ErrQueueClosed is returned by a Queue used after Close.
var ErrQueueClosed = errors.New("workers: queue closed")

func kindError(kind string, err error) error { return fmt.Errorf("workers: %s job: %w", kind, err) }
