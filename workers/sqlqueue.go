package workers

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/sohoa/sohoa/storage"
)

// SQLQueueConfig configures the embedded queue.
type SQLQueueConfig struct {
	// Lease is how long a delivered job stays reserved without news from
	// its consumer; the consumer renews it while it works, so it only
	// matters when the process dies: the job comes back after Lease.
	// 30 s when 0.
	Lease time.Duration
	// Poll is how often consumers look for due jobs (retries, lapsed
	// leases, jobs published by other processes); publishes in this
	// process wake them at once. 500 ms when 0.
	Poll   time.Duration
	Logger *slog.Logger
}

// SQLQueue is the embedded Queue: jobs are rows of the table queue_jobs in
// the records' database (SQLite in embedded mode; PostgreSQL works too). A
// committed Publish survives a crash; a job leased by a process that died
// is delivered again once its lease lapses. Make it with NewSQLQueue, which
// migrates its table, and Close it when done.
type SQLQueue struct {
	db     *storage.DB
	cfg    SQLQueueConfig
	log    *slog.Logger
	mu     sync.Mutex
	wake   map[string]chan struct{}
	closed chan struct{}
	once   sync.Once
}

// Job states in queue_jobs.
const (
	jobAvailable = "available"
	jobRunning   = "running"
	jobDead      = "dead"
)

var sqlQueueMigrations = []storage.Migration{{
	Version: 1,
	Name:    "queue_jobs",
	SQL: map[storage.Dialect]string{
		storage.SQLite: `CREATE TABLE queue_jobs (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	kind TEXT NOT NULL,
	args TEXT NOT NULL,
	state TEXT NOT NULL,
	attempt INTEGER NOT NULL DEFAULT 0,
	run_at INTEGER NOT NULL,
	lease_token TEXT NOT NULL DEFAULT '',
	lease_until INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);
CREATE INDEX queue_jobs_due ON queue_jobs (kind, state, run_at);`,
		storage.Postgres: `CREATE TABLE queue_jobs (
	id BIGSERIAL PRIMARY KEY,
	kind TEXT NOT NULL,
	args TEXT NOT NULL,
	state TEXT NOT NULL,
	attempt INTEGER NOT NULL DEFAULT 0,
	run_at BIGINT NOT NULL,
	lease_token TEXT NOT NULL DEFAULT '',
	lease_until BIGINT NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);
CREATE INDEX queue_jobs_due ON queue_jobs (kind, state, run_at);`,
	},
}}

// NewSQLQueue migrates the queue's table (component "queue") and returns
// the queue.
func NewSQLQueue(ctx context.Context, db *storage.DB, cfg SQLQueueConfig) (*SQLQueue, error) {
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 500 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := db.Migrate(ctx, "queue", sqlQueueMigrations); err != nil {
		return nil, fmt.Errorf("workers: queue: %w", err)
	}
	return &SQLQueue{db: db, cfg: cfg, log: cfg.Logger, wake: map[string]chan struct{}{}, closed: make(chan struct{})}, nil
}

func nowMS() int64 { return time.Now().UnixMilli() }

func (q *SQLQueue) wakeChan(kind string) chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	ch := q.wake[kind]
	if ch == nil {
		ch = make(chan struct{}, 1)
		q.wake[kind] = ch
	}
	return ch
}

func (q *SQLQueue) notify(kind string) {
	select {
	case q.wakeChan(kind) <- struct{}{}:
	default:
	}
}

// Publish implements Queue: the job is committed when it returns.
func (q *SQLQueue) Publish(ctx context.Context, m Message) error {
	select {
	case <-q.closed:
		return ErrQueueClosed
	default:
	}
	now := nowMS()
	err := q.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q.db.Rebind(`INSERT INTO queue_jobs (kind, args, state, attempt, run_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`),
			m.Kind, string(m.Args), jobAvailable, max(0, m.Attempt-1), now, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("workers: queue publish %s: %w", m.Kind, err)
	}
	q.notify(m.Kind)
	return nil
}

// Consume implements Queue.
func (q *SQLQueue) Consume(ctx context.Context, kind string, prefetch int) (<-chan Delivery, error) {
	prefetch = max(1, prefetch)
	out := make(chan Delivery)
	slots := make(chan struct{}, prefetch) // one token per outstanding delivery
	wake := q.wakeChan(kind)
	go func() {
		defer close(out)
		for {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			case <-q.closed:
				return
			}
			var d *sqlDelivery
			for d == nil {
				var err error
				d, err = q.lease(ctx, kind)
				if err != nil && ctx.Err() == nil {
					q.log.Warn("queue: lease failed", "kind", kind, "err", err)
				}
				if d != nil {
					break
				}
				t := time.NewTimer(q.cfg.Poll)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-q.closed:
					t.Stop()
					return
				case <-wake:
				case <-t.C:
				}
				t.Stop()
			}
			d.release = func() { <-slots }
			d.startRenewal()
			select {
			case out <- d:
			case <-ctx.Done():
				_ = d.Release(context.WithoutCancel(ctx))
				return
			}
		}
	}()
	return out, nil
}

// lease reserves the next due job of kind, or returns nil.
func (q *SQLQueue) lease(ctx context.Context, kind string) (*sqlDelivery, error) {
	now := nowMS()
	// A plain read first: most polls find nothing and need no write lock.
	var n int
	err := q.db.QueryRowContext(ctx, q.db.Rebind(`SELECT COUNT(*) FROM queue_jobs WHERE kind = ? AND ((state = ? AND run_at <= ?) OR (state = ? AND lease_until <= ?))`),
		kind, jobAvailable, now, jobRunning, now).Scan(&n)
	if err != nil || n == 0 {
		return nil, err
	}
	token := newToken()
	var d *sqlDelivery
	err = q.db.Tx(ctx, func(tx *sql.Tx) error {
		d = nil
		sel := `SELECT id, args, attempt FROM queue_jobs WHERE kind = ? AND ((state = ? AND run_at <= ?) OR (state = ? AND lease_until <= ?)) ORDER BY run_at, id LIMIT 1`
		if q.db.Dialect == storage.Postgres {
			sel += ` FOR UPDATE SKIP LOCKED`
		}
		var (
			id      int64
			args    string
			attempt int
		)
		err := tx.QueryRowContext(ctx, q.db.Rebind(sel), kind, jobAvailable, now, jobRunning, now).Scan(&id, &args, &attempt)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, q.db.Rebind(`UPDATE queue_jobs SET state = ?, attempt = attempt + 1, lease_token = ?, lease_until = ? WHERE id = ?`),
			jobRunning, token, now+q.cfg.Lease.Milliseconds(), id)
		if err != nil {
			return err
		}
		d = &sqlDelivery{q: q, id: id, token: token, msg: Message{Kind: kind, Args: []byte(args), Attempt: attempt + 1}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Depth implements Queue: jobs of kind available now or later (retries).
func (q *SQLQueue) Depth(ctx context.Context, kind string) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, q.db.Rebind(`SELECT COUNT(*) FROM queue_jobs WHERE kind = ? AND state = ?`), kind, jobAvailable).Scan(&n)
	return n, err
}

// DeadJob is a job that failed for good.
type DeadJob struct {
	ID      int64
	Kind    string
	Args    []byte
	Attempt int
	Reason  string
}

// DeadJobs lists the dead jobs of kind.
func (q *SQLQueue) DeadJobs(ctx context.Context, kind string) ([]DeadJob, error) {
	rows, err := q.db.QueryContext(ctx, q.db.Rebind(`SELECT id, kind, args, attempt, last_error FROM queue_jobs WHERE kind = ? AND state = ? ORDER BY id`), kind, jobDead)
	return storage.Collect(rows, err, func(sc storage.RowScanner) (j DeadJob, err error) {
		var args string
		err = sc.Scan(&j.ID, &j.Kind, &args, &j.Attempt, &j.Reason)
		j.Args = []byte(args)
		return j, err
	})
}

// Close implements Queue. Deliveries still out keep their leases until
// they lapse.
func (q *SQLQueue) Close() error {
	q.once.Do(func() { close(q.closed) })
	return nil
}

// sqlDelivery is one leased job. Its lease is renewed until it is answered.
type sqlDelivery struct {
	q       *SQLQueue
	id      int64
	token   string
	msg     Message
	release func() // frees the consumer's slot
	stop    chan struct{}
	once    sync.Once
}

func (d *sqlDelivery) Message() Message { return d.msg }

func (d *sqlDelivery) startRenewal() {
	d.stop = make(chan struct{})
	go func() {
		t := time.NewTicker(d.q.cfg.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-d.stop:
				return
			case <-d.q.closed:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), d.q.cfg.Lease/3)
				ok, err := d.exec(ctx, `UPDATE queue_jobs SET lease_until = ? WHERE id = ? AND lease_token = ?`, nowMS()+d.q.cfg.Lease.Milliseconds(), d.id, d.token)
				cancel()
				if err == nil && !ok {
					d.q.log.Warn("queue: lease lost; the job may run twice", "id", d.id, "kind", d.msg.Kind)
					return
				}
			}
		}
	}()
}

// finish stops renewal and frees the slot, once.
func (d *sqlDelivery) finish() {
	d.once.Do(func() {
		if d.stop != nil {
			close(d.stop)
		}
		if d.release != nil {
			d.release()
		}
	})
}

// exec runs one statement guarded by the lease token and reports whether
// the job was still ours.
func (d *sqlDelivery) exec(ctx context.Context, query string, args ...any) (bool, error) {
	var n int64
	err := d.q.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, d.q.db.Rebind(query), args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n > 0, err
}

var errLeaseLost = errors.New("workers: queue: lease lost (the job was handed to another consumer)")

func (d *sqlDelivery) answer(ctx context.Context, query string, args ...any) error {
	defer d.finish()
	ok, err := d.exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("workers: queue job %d: %w", d.id, err)
	}
	if !ok {
		return errLeaseLost
	}
	return nil
}

func (d *sqlDelivery) Ack(ctx context.Context) error {
	return d.answer(ctx, `DELETE FROM queue_jobs WHERE id = ? AND lease_token = ?`, d.id, d.token)
}

func (d *sqlDelivery) Retry(ctx context.Context, delay time.Duration, reason string) error {
	err := d.answer(ctx, `UPDATE queue_jobs SET state = ?, run_at = ?, lease_token = '', lease_until = 0, last_error = ? WHERE id = ? AND lease_token = ?`,
		jobAvailable, nowMS()+delay.Milliseconds(), truncate(reason, 4000), d.id, d.token)
	return err
}

func (d *sqlDelivery) Dead(ctx context.Context, reason string) error {
	return d.answer(ctx, `UPDATE queue_jobs SET state = ?, lease_token = '', lease_until = 0, last_error = ? WHERE id = ? AND lease_token = ?`,
		jobDead, truncate(reason, 4000), d.id, d.token)
}

// Release hands the job back at once without counting the attempt (shutdown).
func (d *sqlDelivery) Release(ctx context.Context) error {
	err := d.answer(ctx, `UPDATE queue_jobs SET state = ?, run_at = ?, attempt = attempt - 1, lease_token = '', lease_until = 0 WHERE id = ? AND lease_token = ?`,
		jobAvailable, nowMS(), d.id, d.token)
	if err == nil {
		d.q.notify(d.msg.Kind)
	}
	return err
}

func newToken() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
