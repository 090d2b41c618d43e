package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Embedded-mode layout of a data folder (--data DIR): the one SQLite file
// holding records, queue and search index, and the local blob store.
const (
	DataDBFile   = "sohoa.db"
	DataBlobsDir = "blobs"
)

// DataDBPath is the SQLite file of the data folder dir.
func DataDBPath(dir string) string { return filepath.Join(dir, DataDBFile) }

// DataBlobsPath is the local blob store of the data folder dir.
func DataBlobsPath(dir string) string { return filepath.Join(dir, DataBlobsDir) }

// DB is an open SQL database shared by the records, the embedded queue and
// the search index (in embedded mode all three live in one SQLite file).
// Open it with OpenDB; each component runs its own migrations with Migrate.
//
// Write SQL with '?' placeholders and pass it through Rebind (Postgres wants
// $1, $2...). Use Tx for read-write transactions: it serializes writers of one
// process on SQLite (instead of letting them poll the file lock) and retries
// transactions that lost a serialization race or deadlock.
type DB struct {
	*sql.DB
	Dialect Dialect

	wmu sync.Mutex // SQLite: one writer at a time within this process
}

// OpenDB opens the database named by rawURL:
//
//	postgres://user:pass@host:port/db?sslmode=disable   PostgreSQL (pgx)
//	sqlite:///abs/path/sohoa.db, sqlite://rel/path.db     SQLite (modernc)
//	/any/path/sohoa.db, ./x.db, file:x.db                SQLite
//
// SQLite runs in WAL mode with synchronous=FULL (a committed record survives
// power loss), foreign keys on, a 30 s busy timeout and BEGIN IMMEDIATE
// transactions; the parent folder is created when missing. A query parameter
// synchronous=NORMAL (e.g. "/data/sohoa.db?synchronous=NORMAL") trades that
// durability for speed: BenchmarkRecordsBatch measured 145 documents/s with
// FULL against 596 with NORMAL (7 transactions each) on the 2-core test
// machine, PostgreSQL 123; OCR runs at about one page per second per core,
// so FULL costs nothing that shows.
// For Postgres, unknown query parameters become run-time parameters, so
// "?search_path=myschema" isolates a test in a schema.
func OpenDB(ctx context.Context, rawURL string) (*DB, error) {
	if rawURL == "" {
		return nil, errors.New("storage: open db: empty url")
	}
	lower := strings.ToLower(rawURL)
	if strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://") {
		sdb, err := sql.Open("pgx", rawURL)
		if err != nil {
			return nil, fmt.Errorf("storage: open postgres: %w", err)
		}
		sdb.SetMaxOpenConns(32)
		sdb.SetMaxIdleConns(8)
		sdb.SetConnMaxIdleTime(5 * time.Minute)
		if err := sdb.PingContext(ctx); err != nil {
			sdb.Close()
			return nil, fmt.Errorf("storage: connect postgres %s: %w", redactURL(rawURL), err)
		}
		return &DB{DB: sdb, Dialect: Postgres}, nil
	}

	path, params := rawURL, url.Values{}
	switch {
	case strings.HasPrefix(lower, "sqlite://"):
		path = rawURL[len("sqlite://"):]
	case strings.HasPrefix(lower, "sqlite:"):
		path = rawURL[len("sqlite:"):]
	case strings.HasPrefix(lower, "file:"):
		path = rawURL[len("file:"):]
		path = strings.TrimPrefix(path, "//")
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		q, err := url.ParseQuery(path[i+1:])
		if err != nil {
			return nil, fmt.Errorf("storage: open sqlite %q: %w", rawURL, err)
		}
		params, path = q, path[:i]
	}
	if path == "" {
		return nil, fmt.Errorf("storage: open sqlite %q: no file path", rawURL)
	}
	sync := strings.ToUpper(params.Get("synchronous"))
	switch sync {
	case "":
		sync = "FULL"
	case "NORMAL", "FULL", "EXTRA":
	default:
		return nil, fmt.Errorf("storage: open sqlite %q: synchronous must be NORMAL, FULL or EXTRA", rawURL)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("storage: open sqlite: %w", err)
		}
	}
	if err := privateFile(path); err != nil {
		return nil, fmt.Errorf("storage: open sqlite: %w", err)
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + url.Values{
		"_busy_timeout": {"30000"},
		"_foreign_keys": {"1"},
		"_synchronous":  {sync},
		"_txlock":       {"immediate"},
		"_time_format":  {"sqlite"},
	}.Encode()
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("storage: open sqlite %s: %w", path, err)
	}
	// Readers run in parallel under WAL; writers are serialized anyway.
	sdb.SetMaxOpenConns(8)
	sdb.SetMaxIdleConns(8)
	sdb.SetConnMaxIdleTime(0)
	// WAL is a property of the file, set once here rather than by every new
	// connection: switching a new file to WAL needs a lock for which SQLite
	// does not wait (no busy handler), so processes opening the same new
	// file at once retry.
	mode, err := backoff.Retry(ctx, func() (string, error) {
		var mode string
		err := sdb.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode)
		if err != nil && !retryableTx(err) {
			err = backoff.Permanent(err)
		}
		return mode, err
	}, backoff.WithMaxTries(301), backoff.WithMaxElapsedTime(0), backoff.WithBackOff(&backoff.ExponentialBackOff{
		InitialInterval:     20 * time.Millisecond, // 10-30 ms, spread so racing processes part
		RandomizationFactor: 0.5,
		Multiplier:          1,
		MaxInterval:         20 * time.Millisecond,
	}))
	if pe, ok := err.(*backoff.PermanentError); ok {
		err = pe.Err // the last try's error comes back marked
	}
	if err == nil && !strings.EqualFold(mode, "wal") {
		err = fmt.Errorf("journal mode is %q, not wal", mode)
	}
	if err != nil {
		sdb.Close()
		return nil, fmt.Errorf("storage: open sqlite %s: %w", path, err)
	}
	return &DB{DB: sdb, Dialect: SQLite}, nil
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable url)"
	}
	return u.Redacted()
}

// Rebind turns the '?' placeholders of q into the dialect's own ($1, $2... on
// Postgres). A '?' inside a quoted string literal is left alone.
func (db *DB) Rebind(q string) string { return rebind(db.Dialect, q) }

func rebind(d Dialect, q string) string {
	if d != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n, inStr := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inStr = !inStr
		case c == '?' && !inStr:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Tx runs fn in a read-write transaction and commits it. fn may run more than
// once: a transaction that lost a serialization race, a deadlock or (SQLite,
// another process) the busy timeout is retried a few times, so fn must not
// have effects outside the transaction.
func (db *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		err := db.tx1(ctx, fn)
		if err != nil && !retryableTx(err) {
			err = backoff.Permanent(err)
		}
		return struct{}{}, err
	}, backoff.WithMaxTries(8), backoff.WithMaxElapsedTime(0), backoff.WithBackOff(&backoff.ExponentialBackOff{
		// A lost race is settled in milliseconds: start at 20 ms, about
		// 0.6 s over the 7 waits.
		InitialInterval:     20 * time.Millisecond,
		RandomizationFactor: 0.5,
		Multiplier:          1.5,
		MaxInterval:         250 * time.Millisecond,
	}))
	if pe, ok := err.(*backoff.PermanentError); ok {
		return pe.Err // the last try's permanent error comes back marked
	}
	return err
}

func (db *DB) tx1(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	if db.Dialect == SQLite {
		db.wmu.Lock()
		defer db.wmu.Unlock()
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// retryableTx reports errors after which running the same transaction again
// may succeed.
func retryableTx(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01" // serialization_failure, deadlock_detected
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}

// IsUniqueViolation reports whether err is a unique or primary key violation.
func IsUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// Migration is one versioned step of a component's schema. SQL holds the
// statements for each dialect (several statements separated by ';' are
// fine); a dialect missing from the map makes Migrate fail.
type Migration struct {
	Version int
	Name    string
	SQL     map[Dialect]string
}

const migrationsTable = `CREATE TABLE IF NOT EXISTS sohoa_migrations (
	component TEXT NOT NULL,
	version INTEGER NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	applied_at TEXT NOT NULL,
	PRIMARY KEY (component, version)
)`

// Migrate applies the migrations of component that the database has not
// seen yet, in version order, each in its own transaction together with the
// row recording it in sohoa_migrations. Many processes may call it at once:
// on Postgres a transaction-level advisory lock serializes them; on SQLite
// the write lock taken by BEGIN IMMEDIATE does. A database whose schema is
// newer than the highest known version is refused, so an old binary does not
// run against a newer schema.
func (db *DB) Migrate(ctx context.Context, component string, ms []Migration) error {
	if component == "" {
		return errors.New("storage: migrate: empty component name")
	}
	sorted := append([]Migration(nil), ms...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Version < sorted[j].Version })
	for i, m := range sorted {
		if m.Version <= 0 || (i > 0 && sorted[i-1].Version == m.Version) {
			return fmt.Errorf("storage: migrate %s: bad or repeated version %d", component, m.Version)
		}
		if _, ok := m.SQL[db.Dialect]; !ok {
			return fmt.Errorf("storage: migrate %s: version %d has no %s SQL", component, m.Version, db.Dialect)
		}
	}
	for {
		done := false
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			if db.Dialect == Postgres {
				// One lock per schema: the advisory lock is the whole
				// database's, and a long migration (a recount of millions
				// of pages) must not hold up the installations and tests
				// that live in its other schemas.
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('sohoa.migrate:' || current_schema(), 0))`); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, migrationsTable); err != nil {
				return err
			}
			var cur sql.NullInt64
			if err := tx.QueryRowContext(ctx, db.Rebind(`SELECT MAX(version) FROM sohoa_migrations WHERE component = ?`), component).Scan(&cur); err != nil {
				return err
			}
			var next *Migration
			for i := range sorted {
				if int64(sorted[i].Version) > cur.Int64 {
					next = &sorted[i]
					break
				}
			}
			if next == nil {
				if n := len(sorted); n > 0 && cur.Int64 > int64(sorted[n-1].Version) {
					return fmt.Errorf("schema version %d is newer than this program knows (%d)", cur.Int64, sorted[n-1].Version)
				}
				done = true
				return nil
			}
			if _, err := tx.ExecContext(ctx, next.SQL[db.Dialect]); err != nil {
				return fmt.Errorf("version %d %s: %w", next.Version, next.Name, err)
			}
			_, err := tx.ExecContext(ctx, db.Rebind(`INSERT INTO sohoa_migrations (component, version, name, applied_at) VALUES (?, ?, ?, ?)`),
				component, next.Version, next.Name, time.Now().UTC().Format(time.RFC3339Nano))
			return err
		})
		if err != nil {
			return fmt.Errorf("storage: migrate %s: %w", component, err)
		}
		if done {
			return nil
		}
	}
}

// SchemaVersion returns the highest applied migration of component (0 when
// none).
func (db *DB) SchemaVersion(ctx context.Context, component string) (int, error) {
	var v sql.NullInt64
	err := db.QueryRowContext(ctx, db.Rebind(`SELECT MAX(version) FROM sohoa_migrations WHERE component = ?`), component).Scan(&v)
	if err != nil {
		if db.tableMissing(err) {
			return 0, nil
		}
		return 0, fmt.Errorf("storage: schema version %s: %w", component, err)
	}
	return int(v.Int64), nil
}

func (db *DB) tableMissing(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "42P01"
	}
	return strings.Contains(err.Error(), "no such table")
}

// privateFile creates path empty with mode 0600 unless it exists, and takes
// group and other access away from one that does (older versions made it
// 0644). The database holds every dossier's metadata, the OCR text and the
// token hashes; SQLite gives its -wal and -shm files the database's mode.
func privateFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return f.Chmod(fi.Mode().Perm() &^ 0o077)
	}
	return nil
}
