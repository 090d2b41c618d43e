package storage_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// BenchmarkStatsPostgres: the volume report at 10 million pages in
// PostgreSQL (target p95 < 200 ms). The records are made by SQL
// (generate_series): a year of uploads, 1 million 10-page batches from 200
// desks of 50 agencies, 400 operators, 8 document types, 97% signed with
// times to result from 30 s to 75 min; then RebuildStats counts the
// rollups (its time is reported). Each iteration runs the report for every
// group over the last 30 days (a rolling window) and over the whole year;
// p50 and p95 are over all those queries (each asked statsBenchReps times
// an iteration), and per range and group in the log. The peer, in the same
// run, is the same report read from the records themselves with an index
// on the upload time (the "indexes" way): agency over 30 days and over the
// year, warm.
//
//	go test ./storage -run '^$' -bench StatsPostgres -benchtime 1x -timeout 90m
//
// SOHOA_BENCH_STATS_PAGES changes the size (a multiple of 10).
// SOHOA_BENCH_STATS_SCHEMA=NAME keeps the records in that schema for the
// next run (10 million take tens of minutes to make; drop the schema when
// done); the rollups are recounted when they do not match the records or
// with SOHOA_BENCH_STATS_REBUILD=1.
func BenchmarkStatsPostgres(b *testing.B) {
	// Each iteration asks every report statsBenchReps times, so that one
	// iteration (-benchtime 1x, one build of the records) gives the p95.
	pages := 10_000_000
	if v := os.Getenv("SOHOA_BENCH_STATS_PAGES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			b.Fatalf("SOHOA_BENCH_STATS_PAGES=%q: want a number of pages >= 1000", v)
		}
		pages = n
	}
	nb := pages / 10
	ctx := context.Background()
	db, kept := statsBenchDB(b)
	r := storagetest.Records(b, db)

	var have int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM batches`).Scan(&have); err != nil {
		b.Fatal(err)
	}
	switch {
	case have == nb:
		b.Logf("%d pages in %d batches kept in schema %s", pages, nb, kept)
	case have != 0:
		b.Fatalf("schema %s holds %d batches, want %d: drop it (it is this benchmark's own) or name another", kept, have, nb)
	default:
		start := time.Now()
		makeStatsRecords(b, db, nb)
		b.Logf("%d pages in %d batches made by SQL in %s", pages, nb, time.Since(start).Round(time.Second))
	}
	// The rollups are recounted when they do not hold the records (a new
	// schema) or when asked (SOHOA_BENCH_STATS_REBUILD=1).
	st, err := r.Stats(ctx, storage.StatsQuery{})
	if err != nil {
		b.Fatal(err)
	}
	var rebuild time.Duration
	if st.Total.Pages != int64(pages) || os.Getenv("SOHOA_BENCH_STATS_REBUILD") == "1" {
		start := time.Now()
		if err := r.RebuildStats(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `ANALYZE stats_daily; ANALYZE stats_hist`); err != nil {
			b.Fatal(err)
		}
		rebuild := time.Since(start)
		var cells, hist int
		db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM stats_daily), (SELECT COUNT(*) FROM stats_hist)`).Scan(&cells, &hist)
		b.Logf("RebuildStats: %s (%d counter rows, %d histogram rows)", rebuild.Round(time.Second), cells, hist)
	}

	// The last 30 days as the dashboard asks for them: a rolling window,
	// not a calendar month (the last upload is on 2026-12-01, Vietnam
	// time), so most of it is read from day cells.
	ranges := []struct{ name, from, to string }{{"30d", "2026-11-02", "2026-12-01"}, {"year", "", ""}}
	st, err = r.Stats(ctx, storage.StatsQuery{})
	if err != nil || st.Total.Pages != int64(pages) {
		b.Fatalf("report counts %d pages, want %d (%v)", st.Total.Pages, pages, err)
	}

	// The peer: the same report from the records, with an index on the
	// upload time.
	if _, err := db.ExecContext(ctx, `CREATE INDEX IF NOT EXISTS bench_batches_created ON batches (created_at); ANALYZE batches`); err != nil {
		b.Fatal(err)
	}
	direct := func(from, to string) time.Duration {
		q := `SELECT b.agency_code, COUNT(*), SUM(p.n), SUM(p.review), COUNT(r.batch_id),
			percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM r.created_at - b.created_at)),
			percentile_cont(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM r.created_at - b.created_at))
			FROM batches b
			CROSS JOIN LATERAL (SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE needs_review AND status = 'done') AS review FROM pages WHERE batch_id = b.id) p
			LEFT JOIN results r ON r.batch_id = b.id
			WHERE b.created_at >= $1 AND b.created_at < $2 GROUP BY b.agency_code`
		lo, hi := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
		if from != "" {
			d, _ := time.Parse(time.DateOnly, from)
			lo = d.Add(-dossier.StatsOffset)
			d, _ = time.Parse(time.DateOnly, to)
			hi = d.Add(24*time.Hour - dossier.StatsOffset)
		}
		t := time.Now()
		rows, err := db.QueryContext(ctx, q, lo, hi)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
		}
		rows.Close()
		return time.Since(t)
	}
	peer := map[string]time.Duration{}
	for _, rg := range ranges {
		if os.Getenv("SOHOA_BENCH_STATS_PEER") == "0" {
			break // minutes at 10 million pages: skipped while iterating
		}
		direct(rg.from, rg.to) // warms the cache
		peer[rg.name] = direct(rg.from, rg.to)
	}

	byRange := map[string][]time.Duration{}
	b.ResetTimer()
	for i := 0; i < b.N*statsBenchReps; i++ {
		for _, rg := range ranges {
			for _, g := range dossier.StatsGroups() {
				t := time.Now()
				if _, err := r.Stats(ctx, storage.StatsQuery{From: rg.from, To: rg.to, Group: g}); err != nil {
					b.Fatal(err)
				}
				d := time.Since(t)
				byRange[rg.name] = append(byRange[rg.name], d)
				byRange["all"] = append(byRange["all"], d)
				byRange[rg.name+"-"+string(g)] = append(byRange[rg.name+"-"+string(g)], d)
			}
		}
	}
	b.StopTimer()
	pct := func(d []time.Duration, p float64) time.Duration {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return d[int(p*float64(len(d)-1)+0.5)]
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	if rebuild > 0 {
		b.ReportMetric(rebuild.Seconds(), "rebuild-s")
	}
	for _, name := range []string{"all", "30d", "year"} {
		b.ReportMetric(ms(pct(byRange[name], 0.50)), name+"-p50-ms")
		b.ReportMetric(ms(pct(byRange[name], 0.95)), name+"-p95-ms")
	}
	// Per range and group: p95 as metrics, p50 in the log (a benchmark's
	// log keeps 10 lines).
	p50s := ""
	for _, rg := range ranges {
		if peer[rg.name] > 0 {
			b.ReportMetric(ms(peer[rg.name]), "peer-agency-"+rg.name+"-ms")
		}
		for _, g := range dossier.StatsGroups() {
			d := byRange[rg.name+"-"+string(g)]
			b.ReportMetric(ms(pct(d, 0.95)), rg.name+"-"+string(g)+"-p95-ms")
			p50s += fmt.Sprintf(" %s/%s %.1f", rg.name, g, ms(pct(d, 0.50)))
		}
	}
	b.Logf("p50 ms:%s", p50s)
	b.Logf("peer (records + index) agency 30d %s, year %s; rollups p95 30d %s, year %s",
		peer["30d"].Round(time.Millisecond), peer["year"].Round(time.Millisecond),
		pct(byRange["30d"], 0.95).Round(time.Millisecond), pct(byRange["year"], 0.95).Round(time.Millisecond))
}

const statsBenchReps = 10

// statsBenchDB opens the benchmark's database: a fresh schema dropped at
// the end, or, with SOHOA_BENCH_STATS_SCHEMA, that schema kept between
// runs (10 million pages take tens of minutes to make; a run on a kept
// schema starts at once).
func statsBenchDB(b *testing.B) (*storage.DB, string) {
	schema := os.Getenv("SOHOA_BENCH_STATS_SCHEMA")
	if schema == "" {
		return storagetest.OpenDB(b, storage.Postgres), "(fresh)"
	}
	base := storagetest.Env(b, "SOHOA_TEST_PG")
	admin := storagetest.OpenURL(b, base)
	if _, err := admin.ExecContext(context.Background(), "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
		b.Fatal(err)
	}
	return storagetest.OpenURL(b, storagetest.SchemaURL(b, base, schema)), schema
}

// makeStatsRecords makes nb 10-page batches by SQL (see
// BenchmarkStatsPostgres).
func makeStatsRecords(b *testing.B, db *storage.DB, nb int) {
	ctx := context.Background()
	t0 := "timestamptz '2025-12-01 00:00:00+00'"
	at := func(g string) string { return fmt.Sprintf("(%s + (%s) * (interval '365 days' / %d))", t0, g, nb) }
	for _, q := range []string{
		fmt.Sprintf(`INSERT INTO dossiers (code, agency_code, created_at)
			SELECT 'D' || d, 'A' || (d %% 50), %s FROM generate_series(0::bigint, %d) d`, at("d * 2"), nb/2),
		// Every 33rd batch is still being read (pages 6-10 pending, no
		// result); every 101st has a page in exception.
		fmt.Sprintf(`INSERT INTO batches (id, dossier_code, agency_code, document_type, station, operator, status, completed_at, created_at, updated_at)
			SELECT lpad(g::text, 12, '0'), 'D' || (g / 2), 'A' || ((g / 2) %% 50), 'T' || (g %% 8), 'S' || ((g / 2) %% 200),
				'O' || ((g / 2) %% 200 * 2 + g %% 2), CASE WHEN g %% 33 = 0 THEN 'processing' ELSE 'done' END,
				CASE WHEN g %% 33 = 0 THEN NULL ELSE %s + interval '20 seconds' END, %s, %s
			FROM generate_series(0::bigint, %d) g`, at("g"), at("g"), at("g"), nb-1),
		fmt.Sprintf(`INSERT INTO pages (batch_id, idx, status, needs_review, updated_at)
			SELECT lpad(g::text, 12, '0'), i,
				CASE WHEN g %% 33 = 0 AND i > 5 THEN 'pending' WHEN g %% 101 = 7 AND i = 5 THEN 'exception' ELSE 'done' END,
				(g * 31 + i * 17) %% 100 < 5, %s
			FROM generate_series(0::bigint, %d) g, generate_series(1, 10) i`, at("g"), nb-1),
		fmt.Sprintf(`INSERT INTO results (code, dossier_code, batch_id, seq, blob_key, size, sha256, pages, created_at)
			SELECT 'D' || (g / 2) || '-KQ' || (g %% 2 + 1), 'D' || (g / 2), lpad(g::text, 12, '0'), g %% 2 + 1, 'k', 1, '00', 10,
				%s + interval '1 second' * 30 * exp(((g * 7919) %% 1000) / 1000.0 * 5)
			FROM generate_series(0::bigint, %d) g WHERE g %% 33 <> 0`, at("g"), nb-1),
		`ANALYZE dossiers; ANALYZE batches; ANALYZE pages; ANALYZE results`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
}
