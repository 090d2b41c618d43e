package index_test

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/index"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// Benchmarks (not run by `go test` without -bench):
//
//	go test ./storage/index -run '^$' -bench 'Search|Index' -benchtime 400x
//
// BenchmarkSearchSQLite: 100,000 generated pages in SQLite FTS5, a mix of
// archivists' queries; reports p50/p95/p99 in ms (target p95 < 50 ms).
// BenchmarkSearchPostgres: SOHOA_BENCH_PG_PAGES pages (default 1,000,000)
// in PostgreSQL (target p95 < 100 ms). BenchmarkIndex*: pages indexed per
// second, one Add per result as the document worker does.
// SOHOA_BENCH_DIR keeps the SQLite file and SOHOA_BENCH_KEEP=1 the
// PostgreSQL schema between runs (building them is most of the time);
// SOHOA_BENCH_PG_SCHEMA names that schema (default bench_index_<pages>).

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// fill adds generated results until the index holds at least n pages,
// many results per Add; it returns the pages added per second.
func fill(b *testing.B, idx index.Searcher, n int) float64 {
	ctx := context.Background()
	g := newGen(1)
	start := time.Now()
	var batch []index.PageText
	total := 0
	for r := 0; total < n; r++ {
		res := g.result(r)
		batch = append(batch, res.pages...)
		total += len(res.pages)
		if len(batch) >= 2000 || total >= n {
			if err := idx.Add(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
		if r%50000 == 0 && r > 0 {
			b.Logf("%d pages indexed, %.0f pages/s", total, float64(total)/time.Since(start).Seconds())
		}
	}
	return float64(total) / time.Since(start).Seconds()
}

type benchQuery struct {
	kind string
	q    index.Query
}

// queries draws a mix of realistic queries from the first generated
// results (the same generator as fill, so they find something).
func queries(count int) []benchQuery {
	g := newGen(1)
	var rs []genResult
	for r := range 3000 {
		rs = append(rs, g.result(r))
	}
	pr := rand.New(rand.NewPCG(7, 7))
	var out []benchQuery
	for i := 0; len(out) < count; i++ {
		r := rs[pr.IntN(len(rs))]
		p := r.pages[0]
		name := r.names[pr.IntN(2)]
		words := strings.Fields(name)
		var q benchQuery
		switch i % 10 {
		case 0:
			q = benchQuery{"name, no diacritics", index.Query{Text: index.Fold(name)}}
		case 1:
			q = benchQuery{"name phrase", index.Query{Text: `"` + name + `"`}}
		case 2:
			q = benchQuery{"dossier code", index.Query{Text: p.DossierCode}}
		case 3:
			q = benchQuery{"street + ward", index.Query{Text: `"` + index.Fold(streets[pr.IntN(len(streets))]) + `" "` + wards[pr.IntN(len(wards))] + `"`}}
		case 4:
			q = benchQuery{"prefix + given name", index.Query{Text: "chứng nh* " + words[2]}}
		case 5:
			q = benchQuery{"name + filters", index.Query{Text: index.Fold(words[0] + " " + words[2]), AgencyCode: p.AgencyCode,
				From: p.Date.AddDate(-1, 0, 0), To: p.Date.AddDate(1, 0, 0)}}
		case 6:
			q = benchQuery{"OR + exclude", index.Query{Text: words[2] + " OR " + givens[pr.IntN(len(givens))] + " " + words[0] + " -thi"}}
		case 7:
			q = benchQuery{"common phrase, page 3", index.Query{Text: `"giay chung nhan"`, Page: 3}}
		case 8: // on a third to a half of the pages, typed with marks
			q = benchQuery{"common words", index.Query{Text: []string{"Nguyễn Văn", "hồ sơ", "Căn cứ", "Trần Thị"}[pr.IntN(4)]}}
		case 9: // words the generator never writes
			q = benchQuery{"no hit", index.Query{Text: []string{"bảo hiểm thất nghiệp", "Kiên Giang", "Cà Mau", "xyzw"}[pr.IntN(4)]}}
		}
		out = append(out, q)
	}
	return out
}

// benchSearch runs the query mix on idx. server, when not nil, is the
// CPU time used so far by the database server process answering it.
func benchSearch(b *testing.B, idx index.Searcher, server func() time.Duration) {
	ctx := context.Background()
	qs := queries(800)
	for _, q := range qs[:40] { // warm the caches
		if _, err := idx.Search(ctx, q.q); err != nil {
			b.Fatal(err)
		}
	}
	var all, cpu []time.Duration
	byKind, cpuByKind := map[string][]time.Duration{}, map[string][]time.Duration{}
	if server == nil {
		server = func() time.Duration { return 0 }
	}
	hits := 0
	i := 0
	// The machine may be shared: besides wall time, measure the CPU time
	// of the thread running the query (SQLite runs in it) and of the
	// server process (PostgreSQL's work).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for b.Loop() {
		q := qs[i%len(qs)]
		i++
		c0, s0 := threadCPU(), server()
		start := time.Now()
		res, err := idx.Search(ctx, q.q)
		d := time.Since(start)
		c := threadCPU() - c0 + server() - s0
		cpu = append(cpu, c)
		cpuByKind[q.kind] = append(cpuByKind[q.kind], c)
		if err != nil {
			b.Fatalf("%q: %v", q.q.Text, err)
		}
		if res.Total > 0 {
			hits++
		}
		all = append(all, d)
		byKind[q.kind] = append(byKind[q.kind], d)
	}
	b.ReportMetric(pct(all, 50), "p50-ms")
	b.ReportMetric(pct(all, 95), "p95-ms")
	b.ReportMetric(pct(all, 99), "p99-ms")
	// CPU: this thread's and, on PostgreSQL, the server process's.
	b.ReportMetric(pct(cpu, 50), "p50-cpu-ms")
	b.ReportMetric(pct(cpu, 95), "p95-cpu-ms")
	b.ReportMetric(float64(hits)/float64(len(all)), "found-ratio")
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		b.Logf("%-24s n=%4d p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms  CPU p50 %6.1f ms  p95 %6.1f ms", k, len(byKind[k]),
			pct(byKind[k], 50), pct(byKind[k], 95), pct(byKind[k], 100), pct(cpuByKind[k], 50), pct(cpuByKind[k], 95))
	}
}

// threadCPU is the CPU time used so far by the calling OS thread.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// processCPU is the CPU time used so far by this process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pct is the p-th percentile of ds in milliseconds.
func pct(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p / 100)
	return float64(s[i]) / float64(time.Millisecond)
}

func pageCount(b *testing.B, db *storage.DB) int {
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM search_pages`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// openBenchIndex opens the database at url and the index in it, closed when
// the benchmark ends.
func openBenchIndex(b *testing.B, url string) (*storage.DB, index.Searcher) {
	b.Helper()
	db := storagetest.OpenURL(b, url)
	return db, storagetest.Open(b, db, index.Open)
}

func BenchmarkSearchSQLite(b *testing.B) {
	n := envInt("SOHOA_BENCH_SQLITE_PAGES", 100_000)
	dir := os.Getenv("SOHOA_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	db, idx := openBenchIndex(b, "sqlite://"+filepath.Join(dir, fmt.Sprintf("bench-%d.db", n))+"?synchronous=NORMAL")
	if have := pageCount(b, db); have < n {
		rate := fill(b, idx, n)
		b.Logf("built %d pages at %.0f pages/s (batches of 2000)", n, rate)
	}
	b.Logf("%d pages", pageCount(b, db))
	benchSearch(b, idx, nil)
}

func BenchmarkSearchPostgres(b *testing.B) {
	n := envInt("SOHOA_BENCH_PG_PAGES", 1_000_000)
	ctx := context.Background()
	base := storagetest.Env(b, "SOHOA_TEST_PG")
	schema := cmp.Or(os.Getenv("SOHOA_BENCH_PG_SCHEMA"), fmt.Sprintf("bench_index_%d", n))
	admin, err := storage.OpenDB(ctx, base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
		b.Fatal(err)
	}
	if os.Getenv("SOHOA_BENCH_KEEP") == "" {
		defer admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	db, idx := openBenchIndex(b, base+sep+"search_path="+schema)
	if have := pageCount(b, db); have < n {
		buildPostgres(b, db, idx, n, envInt("SOHOA_BENCH_PG_REAL", 100_000))
	}
	b.Logf("%d pages", pageCount(b, db))
	benchSearch(b, idx, backendCPU(b, db))
}

// backendCPU keeps db to one connection, so that one server process
// answers every query, and returns the CPU time that process has used so
// far (read from /proc/PID/schedstat when the server runs on this
// machine; 0 otherwise).
func backendCPU(b *testing.B, db *storage.DB) func() time.Duration {
	db.SetMaxOpenConns(1)
	var pid int
	if err := db.QueryRowContext(context.Background(), `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		b.Fatal(err)
	}
	return func() time.Duration {
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", pid))
		if err != nil {
			return 0
		}
		ns, _ := strconv.ParseInt(strings.Fields(string(st))[0], 10, 64)
		return time.Duration(ns)
	}
}

// buildPostgres fills the benchmark schema with at least n pages: real
// generated pages (real of them, indexed through Add as the worker does),
// then copies of those made by SQL until n are there. Generating and
// indexing runs at a few hundred pages a second on a loaded machine (an
// hour for 1M); the copies take minutes. Copy k renames every code:
// dossier, result and agency codes start with k in three digits instead of
// 000, and the code lexemes of the tsvector follow. The text and its words
// are the original's, so the words of an original dossier code typed in
// the box also match, as plain words, its copies' text: a code query meets
// more matches than in a real corpus, not fewer.
func buildPostgres(b *testing.B, db *storage.DB, idx index.Searcher, n, real int) {
	ctx := context.Background()
	exec := func(q string, args ...any) {
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	// A bulk load: the GIN index is built once at the end, as a restore
	// would (reindex of a live server keeps it instead).
	exec(`TRUNCATE search_pages`)
	exec(`DROP INDEX IF EXISTS search_pages_words_slice`)
	rate := fill(b, idx, min(n, real))
	have := pageCount(b, db)
	b.Logf("indexed %d generated pages at %.0f pages/s", have, rate)
	start := time.Now()
	var maxID int64
	if err := db.QueryRowContext(ctx, `SELECT max(id) FROM search_pages`).Scan(&maxID); err != nil {
		b.Fatal(err)
	}
	codeLex := func(col string) string { return `'#' || lower(regexp_replace(` + col + `, '[^0-9A-Za-z]', '', 'g'))` }
	for k := 1; have*(k) < n; k++ {
		if k > 999 {
			b.Fatal("too many copies")
		}
		prefix := fmt.Sprintf("%03d", k)
		exec(`INSERT INTO search_pages (result_code, page, dossier_code, agency_code, title, document_type, date, text, words)
			SELECT c.rc, p.page, c.dc, c.ac, p.title, p.document_type, p.date, p.text,
				ts_delete(p.words, ARRAY[`+codeLex("p.dossier_code")+`, `+codeLex("p.result_code")+`])
					|| array_to_tsvector(ARRAY[`+codeLex("c.dc")+`, `+codeLex("c.rc")+`])
			FROM search_pages p,
				LATERAL (SELECT $1 || substr(p.result_code, 4) AS rc, $1 || substr(p.dossier_code, 4) AS dc,
					$1 || substr(p.agency_code, 4) AS ac) c
			WHERE p.id <= $2 ORDER BY p.id`, prefix, maxID)
		b.Logf("copy %d done (%s)", k, time.Since(start).Round(time.Second))
	}
	start = time.Now()
	// One connection: the setting holds for the session that builds.
	conn, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{`SET maintenance_work_mem = '1GB'`,
		index.SliceIndex, `VACUUM ANALYZE search_pages`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	b.Logf("%d pages, GIN index built in %s", pageCount(b, db), time.Since(start).Round(time.Second))
}

// benchIndex measures indexing as the document worker does it: one Add
// per result (1-4 pages), with the full-text index in place. server, when
// not nil, is the CPU time used so far by the database server process.
func benchIndex(b *testing.B, idx index.Searcher, server func() time.Duration) {
	ctx := context.Background()
	g := newGen(2)
	var rs []genResult
	for r := range 2000 {
		rs = append(rs, g.result(r))
	}
	if server == nil {
		server = func() time.Duration { return 0 }
	}
	pages := 0
	i := 0
	start, cpu0, server0 := time.Now(), processCPU(), server()
	for b.Loop() {
		r := rs[i%len(rs)]
		i++
		if err := idx.Add(ctx, r.pages); err != nil {
			b.Fatal(err)
		}
		pages += len(r.pages)
	}
	b.ReportMetric(float64(pages)/time.Since(start).Seconds(), "pages/s")
	// On a shared machine the wall rate follows the load; the CPU spent
	// per page, by this process (SQLite runs in it) and by the server
	// process on PostgreSQL, compares builds run one after the other.
	b.ReportMetric(float64(pages)/(processCPU()-cpu0+server()-server0).Seconds(), "pages/cpu-s")
}

func BenchmarkIndexSQLite(b *testing.B) {
	// The durability a server runs with (synchronous=FULL).
	_, idx := openBenchIndex(b, filepath.Join(b.TempDir(), "sohoa.db"))
	benchIndex(b, idx, nil)
}

func BenchmarkIndexPostgres(b *testing.B) {
	db, idx := openBenchIndex(b, storagetest.PostgresURL(b))
	benchIndex(b, idx, backendCPU(b, db))
}
