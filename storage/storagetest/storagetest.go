// Package storagetest gives tests real, isolated databases and blob stores:
// a fresh PostgreSQL schema, a fresh SQLite file, a fresh MinIO bucket, a
// private MinIO server that a test can stop and restart, or a Proxy that
// cuts a shared service off and brings it back. The services come
// from the environment `bash .ci/test` sets up (. .ci/test.env); a missing
// variable skips the test with a line saying so, or fails it under
// SOHOA_TEST_REQUIRE=1.
package storagetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/sohoa/sohoa/storage"
)

// RequireEnv names the variable that turns a missing service into a test
// failure instead of a skip; .ci/test sets it so that CI never skips.
const RequireEnv = "SOHOA_TEST_REQUIRE"

// Env returns the environment variable name. When it is unset the test is
// skipped with one line saying so (a newcomer's `go test ./...` on a machine
// without the services), or fails when $SOHOA_TEST_REQUIRE is 1.
func Env(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		Missing(t, name+" is not set", "start the services with `bash .ci/setup test`, then `. .ci/test.env`")
	}
	return v
}

// Missing ends a test that lacks what it needs (a service, a tool, a
// variable): what says what is missing, how how to get it. The test is
// skipped with one line "skipped: <what> (<how>)", or fails when
// $SOHOA_TEST_REQUIRE is 1, as .ci/test sets it, so that CI never skips.
func Missing(t testing.TB, what, how string) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s (%s=1 forbids skipping): %s", what, RequireEnv, how)
	}
	t.Skipf("skipped: %s (%s)", what, how)
}

func randName(prefix string) string {
	var b [6]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// PostgresURL creates an empty schema in $SOHOA_TEST_PG, dropped when the
// test ends, and returns a URL whose search_path is that schema (then
// public, where extensions such as unaccent live).
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := Env(t, "SOHOA_TEST_PG")
	schema := randName("t_")
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		t.Fatalf("create schema in %s: %v", base, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		db.Close()
	})
	return SchemaURL(t, base, schema)
}

// SchemaURL is the PostgreSQL URL base with its search_path set to schema
// (then public, where extensions such as unaccent live).
func SchemaURL(t testing.TB, base, schema string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String()
}

// SQLiteURL returns the path of a new SQLite file in a temporary folder.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), storage.DataDBFile)
}

// OpenDB opens a fresh database of the dialect (closed when the test ends).
func OpenDB(t testing.TB, d storage.Dialect) *storage.DB {
	t.Helper()
	var u string
	switch d {
	case storage.Postgres:
		u = PostgresURL(t)
	case storage.SQLite:
		u = SQLiteURL(t)
	default:
		t.Fatalf("unknown dialect %q", d)
	}
	return OpenURL(t, u)
}

// OpenURL opens the database at url (a PostgreSQL URL or a SQLite file),
// closed when the test ends.
func OpenURL(t testing.TB, url string) *storage.DB {
	t.Helper()
	db, err := storage.OpenDB(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Records opens the records on db, migrating it; a failure fails the test.
func Records(t testing.TB, db *storage.DB) *storage.SQLRecords {
	t.Helper()
	return Open(t, db, storage.OpenRecords)
}

// Open opens a store on db with its opener (storage.OpenStackRecords,
// index.Open, catalog.Open...), which migrates its tables; a failure
// fails the test.
func Open[T any](t testing.TB, db *storage.DB, open func(context.Context, *storage.DB) (T, error)) T {
	t.Helper()
	v, err := open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// LocalBlobs opens a blob store in a fresh folder removed when the test
// ends.
func LocalBlobs(t testing.TB) *storage.Local {
	t.Helper()
	blobs, err := storage.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return blobs
}

// Dialects is the list to run dialect-table tests over.
var Dialects = []storage.Dialect{storage.SQLite, storage.Postgres}

// ForEachDialect runs test on a fresh database of each of Dialects, as
// a subtest named after it.
func ForEachDialect(t *testing.T, test func(t *testing.T, ctx context.Context, db *storage.DB)) {
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) { test(t, context.Background(), OpenDB(t, d)) })
	}
}

// S3URL returns $SOHOA_TEST_S3 with a new bucket name (the store creates it
// on open), removed when the test ends.
func S3URL(t testing.TB) string {
	t.Helper()
	return BucketURL(t, Env(t, "SOHOA_TEST_S3"), randName("test-"))
}

// BucketURL returns the URL of bucket on the MinIO server at base (the
// shared one, or a private StartMinio), removed with everything in it when
// the test ends.
func BucketURL(t testing.TB, base, bucket string) string {
	t.Helper()
	base = strings.TrimRight(base, "/")
	bucket = strings.ReplaceAll(bucket, "_", "-")
	t.Cleanup(func() { removeBucket(base, bucket) })
	return base + "/" + bucket
}

// removeBucket deletes a test bucket with every version in it (bypassing
// governance retention); errors are ignored, the bucket is only litter.
func removeBucket(base, bucket string) {
	u, err := url.Parse(base)
	if err != nil || u.User == nil {
		return
	}
	pw, _ := u.User.Password()
	c, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(u.User.Username(), pw, ""), Secure: u.Scheme == "https"})
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if ok, err := c.BucketExists(ctx, bucket); err != nil || !ok {
		return
	}
	for o := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			break
		}
		c.RemoveObject(ctx, bucket, o.Key, minio.RemoveObjectOptions{VersionID: o.VersionID, GovernanceBypass: true})
	}
	c.RemoveBucket(ctx, bucket)
}

// Minio is a private MinIO server of one test, on its own port and folder:
// StartMinio starts it (stopped when the test ends); Stop and Start take it
// down and bring it back on the same address, for outage tests.
type Minio struct {
	t    testing.TB
	bin  string
	dir  string
	Addr string // host:port
	cmd  *exec.Cmd
}

// Credentials of a private server.
const (
	MinioUser     = "sohoatest"
	MinioPassword = "sohoatest-secret"
)

// StartMinio starts a private MinIO server ($SOHOA_MINIO_BIN) and stops it
// when the test ends.
func StartMinio(t testing.TB) *Minio {
	t.Helper()
	m := &Minio{t: t, bin: Env(t, "SOHOA_MINIO_BIN"), dir: t.TempDir(), Addr: FreeAddr(t)}
	m.Start()
	t.Cleanup(m.Stop)
	return m
}

// FreePort returns a loopback TCP port that nothing listens on: one the
// system has just handed out and that is free again, for a server a test
// starts, or for an address where no one answers. Another process could
// take the port in between; ports are not reused that fast in practice.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// FreeAddr is FreePort as host:port.
func FreeAddr(t testing.TB) string {
	t.Helper()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(FreePort(t)))
}

// URL returns the store URL for bucket on this server.
func (m *Minio) URL(bucket string) string {
	return "http://" + MinioUser + ":" + MinioPassword + "@" + m.Addr + "/" + bucket
}

// Start (re)starts the server on its address and folder and waits until it
// answers.
func (m *Minio) Start() {
	m.t.Helper()
	if m.cmd != nil {
		return
	}
	cmd := exec.Command(m.bin, "server", "--quiet", "--address", m.Addr, "--console-address", "127.0.0.1:0", m.dir)
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+MinioUser, "MINIO_ROOT_PASSWORD="+MinioPassword,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		m.t.Fatalf("start minio: %v", err)
	}
	m.cmd = cmd
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + m.Addr + "/minio/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	m.t.Fatalf("minio on %s did not become ready", m.Addr)
}

// Stop kills the server (SIGKILL: an outage, not a clean shutdown) and waits
// for it to exit.
func (m *Minio) Stop() {
	if m.cmd == nil {
		return
	}
	m.cmd.Process.Kill()
	m.cmd.Wait()
	m.cmd = nil
}

// String names the server in test logs.
func (m *Minio) String() string { return fmt.Sprintf("minio@%s", m.Addr) }
