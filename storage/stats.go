package storage

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
)

// The statistics are rollups kept in the same transaction as the changes
// they count, so that a report reads a few rows per period and group
// instead of every batch and page (10 million pages answer in tens of
// milliseconds, see BenchmarkStatsPostgres). stats_daily holds counters per
// (scope, dim, day, val): scope is "" for the whole system or a station
// name for that desk's own figures (what a station token may see); dim is
// "all" or the field a report groups by, val that field's value; day is a
// period: a day "YYYY-MM-DD", a ten-day period "D:YYYY-MM-n" (n 1, 2, 3:
// days 1-10, 11-20, 21 to the month's end, the Vietnamese "tuần" of
// monthly reporting), a month "M:YYYY-MM" or a year "Y:YYYY" (the prefixes
// keep each level apart when day strings are compared). Every counted
// change adds to the rows of each dim, in both scopes, at the four levels;
// a report over a range reads whole years, months and ten-day periods
// where it can and days only at its ends, so a year grouped by operator
// sums hundreds of rows per operator, not 365 times as many, and the last
// 30 days at most 20 cells per operator, not 30. stats_hist keeps, in the same
// cells, a histogram of the time from upload to signed result, one row per
// cell holding its buckets: a percentile over any range is read back from
// summed buckets, which a stored p50 per day could not give.
// (stats_durations, a row per bucket, is only the recount's scratch table
// since records version 9: a year's day cells by bucket were 20,000 rows
// scattered over as many heap pages, seconds to read at 10 million pages.)
//
// What each counter counts, as of now, for the batches uploaded in that
// period: batches, dossiers (first upload), pages accepted; of the batches
// whose every page is finished, pages read (done), among them flagged for
// review, and pages in exception (counted once when the batch completes,
// taken back out when a retry opens it again); results and their pages. Backlog is batches (pages) less
// results (result pages).

// statsDims are the dims every change is counted under, in the order the
// rows are written (a fixed order, so that concurrent writers lock them in
// the same order and cannot deadlock).
func statsDims(k statsKey) [5][2]string {
	return [5][2]string{{"all", ""}, {"agency", k.agency}, {"station", k.station}, {"operator", k.operator}, {"document_type", k.docType}}
}

// statsKey is where one batch's figures are counted.
type statsKey struct {
	day, agency, station, operator, docType string
	uploaded                                time.Time
}

// statsDelta is a change to the counters of one batch's cells.
type statsDelta struct {
	batches, dossiers, pages, pagesDone, review, exceptions, results, resultPages int64
}

const statsCounters = `batches, dossiers, pages, pages_done, review_pages, exception_pages, results, result_pages`

// statsCell is one rollup row: scope, dim, val and period.
type statsCell struct{ scope, dim, val, period string }

// statsPeriods are the day's four levels: the day, its ten days, its
// month, its year.
func statsPeriods(day string) [4]string {
	n := "3"
	switch {
	case day[8:] <= "10":
		n = "1"
	case day[8:] <= "20":
		n = "2"
	}
	return [4]string{day, "D:" + day[:7] + "-" + n, "M:" + day[:7], "Y:" + day[:4]}
}

// statsCells lists the cells of k: every dim for the whole system, and
// again for the station's own scope when the batch names one, each at the
// four levels of the upload day. The order is fixed (see statsDims).
func statsCells(k statsKey) []statsCell {
	var out []statsCell
	scopes := []string{""}
	if k.station != "" {
		scopes = append(scopes, k.station)
	}
	for _, sc := range scopes {
		for _, d := range statsDims(k) {
			for _, p := range statsPeriods(k.day) {
				out = append(out, statsCell{sc, d[0], d[1], p})
			}
		}
	}
	return out
}

// batchStatsKey reads where batch id is counted, inside tx.
func (s *SQLRecords) batchStatsKey(ctx context.Context, q querier, id string) (statsKey, error) {
	var k statsKey
	err := q.QueryRowContext(ctx, s.q(`SELECT created_at, agency_code, station, operator, document_type FROM batches WHERE id = ?`), id).
		Scan(&k.uploaded, &k.agency, &k.station, &k.operator, &k.docType)
	k.day = dossier.StatsDay(k.uploaded)
	return k, err
}

// bumpStats adds d to the counters of k's cells, in one statement.
func (s *SQLRecords) bumpStats(ctx context.Context, tx *sql.Tx, k statsKey, d statsDelta) error {
	cells := statsCells(k)
	var (
		b    strings.Builder
		args []any
	)
	b.WriteString(`INSERT INTO stats_daily (scope, dim, val, day, ` + statsCounters + `) VALUES `)
	for i, c := range cells {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, c.scope, c.dim, c.val, c.period, d.batches, d.dossiers, d.pages, d.pagesDone, d.review, d.exceptions, d.results, d.resultPages)
	}
	b.WriteString(` ON CONFLICT (scope, dim, day, val) DO UPDATE SET `)
	for i, c := range strings.Split(statsCounters, ", ") {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = stats_daily.%s + excluded.%s", c, c, c)
	}
	_, err := tx.ExecContext(ctx, s.q(b.String()), args...)
	return err
}

// countBatchPages adds (sign 1) or takes back (-1) the pages of a
// completed batch: read, flagged for review, in exception.
func (s *SQLRecords) countBatchPages(ctx context.Context, tx *sql.Tx, id string, sign int64) error {
	var d statsDelta
	if err := tx.QueryRowContext(ctx, s.q(`SELECT COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = ? AND needs_review THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) FROM pages WHERE batch_id = ?`),
		dossier.PageDone, dossier.PageDone, dossier.PageException, id).Scan(&d.pagesDone, &d.review, &d.exceptions); err != nil {
		return err
	}
	k, err := s.batchStatsKey(ctx, tx, id)
	if err != nil {
		return err
	}
	d.pagesDone, d.review, d.exceptions = sign*d.pagesDone, sign*d.review, sign*d.exceptions
	return s.bumpStats(ctx, tx, k, d)
}

// bumpDuration counts in k's cells one result signed at t: one upsert of
// every cell's histogram in stats_hist (see statsHistSQL).
func (s *SQLRecords) bumpDuration(ctx context.Context, tx *sql.Tx, k statsKey, t time.Time) error {
	key := strconv.Itoa(durationBucket(k.uploaded, t))
	h := statsHistSQL[s.db.Dialect]
	var (
		b    strings.Builder
		args []any
	)
	b.WriteString(`INSERT INTO stats_hist (scope, dim, val, day, counts) VALUES `)
	for i, c := range statsCells(k) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, " + h.first + ")")
		args = append(args, c.scope, c.dim, c.val, c.period, key)
	}
	b.WriteString(` ON CONFLICT (scope, dim, day, val) DO UPDATE SET counts = ` + h.add)
	args = append(args, h.addArgs(key)...)
	_, err := tx.ExecContext(ctx, s.q(b.String()), args...)
	return err
}

// statsHistSQL is, per dialect, how stats_hist keeps a cell's histogram:
// a JSON object from bucket to count (JSONB in PostgreSQL, JSON text in
// SQLite). A year report grouped by operator reads 400 × 12 such rows
// where a row per bucket made it read 50 times as many (over a second at
// 10 million pages; see BenchmarkStatsPostgres), and a year by day 366. first is the counts of a
// new cell (one result in bucket ?), add the upsert's new counts of an
// existing cell, with addArgs its arguments, and agg the aggregate that
// packs (bucket, n) rows into counts.
var statsHistSQL = map[Dialect]struct {
	first, add, agg, json string
	addArgs               func(key string) []any
}{
	SQLite: {first: `json_object(?, 1)`,
		add:     `json_set(stats_hist.counts, ?, COALESCE(json_extract(stats_hist.counts, ?), 0) + 1)`,
		addArgs: func(key string) []any { p := `$."` + key + `"`; return []any{p, p} },
		agg:     `json_group_object(CAST(bucket AS TEXT), n)`, json: `TEXT`},
	Postgres: {first: `jsonb_build_object(?::text, 1)`,
		add:     `stats_hist.counts || jsonb_build_object(?::text, COALESCE((stats_hist.counts ->> ?::text)::bigint, 0) + 1)`,
		addArgs: func(key string) []any { return []any{key, key} },
		agg:     `jsonb_object_agg(bucket::text, n)`, json: `JSONB`},
}

// Durations are kept in buckets of 2^(1/8) (9%) width over milliseconds:
// 250 buckets span a millisecond to a month, and the middle of a bucket is
// within 4.5% of anything in it. rebuildStatsSQL computes the same bucket
// in SQL.
const bucketsPerDoubling = 8

// durationBucket is the bucket of the time from upload to result. Both
// times are rounded to whole milliseconds first, as SQLite's date functions
// keep them, so that the recount in SQL puts every result in the same
// bucket as the running count.
func durationBucket(upload, result time.Time) int {
	ms := result.Round(time.Millisecond).UnixMilli() - upload.Round(time.Millisecond).UnixMilli()
	if ms < 1 {
		return 0
	}
	return int(math.Floor(bucketsPerDoubling * math.Log2(float64(ms))))
}

// statsBuckets bounds the buckets: 8·log2 of the milliseconds of 35
// years is 320.
const statsBuckets = 400

// bucketSeconds is the middle of bucket b (geometric), in seconds.
func bucketSeconds(b int) float64 {
	return math.Exp2((float64(b)+0.5)/bucketsPerDoubling) / 1000
}

// percentile reads the p-quantile (0 < p <= 1) from a histogram: the
// bucket holding the ceil(p*n)-th smallest value. hist is sorted by bucket.
func percentile(hist [][2]int64, p float64) float64 {
	var n int64
	for _, h := range hist {
		n += h[1]
	}
	if n == 0 {
		return 0
	}
	rank := int64(math.Ceil(p * float64(n)))
	rank = max(rank, 1)
	var seen int64
	for _, h := range hist {
		seen += h[1]
		if seen >= rank {
			return math.Round(bucketSeconds(int(h[0]))*1000) / 1000
		}
	}
	return 0
}

// StatsQuery selects a statistics report.
type StatsQuery struct {
	From, To string             // days YYYY-MM-DD (Vietnam time), inclusive; "" leaves that end open
	Group    dossier.StatsGroup // what the rows are; GroupDay when ""
	Station  string             // only that station's own work ("" for all)
	// Agency: only that agency's work, day by day (with GroupDay only:
	// the daily series of one agency).
	Agency string
}

// Stats reports the work over the batches uploaded from q.From to q.To,
// one row per q.Group value (ordered by key) and the total. Days are
// checked (YYYY-MM-DD) and an unknown group is refused.
func (s *SQLRecords) Stats(ctx context.Context, q StatsQuery) (*dossier.Stats, error) {
	if q.Group == "" {
		q.Group = dossier.GroupDay
	}
	if !dossier.ValidStatsGroup(q.Group) {
		return nil, fmt.Errorf("storage: stats: unknown group %q", q.Group)
	}
	if q.Agency != "" && q.Group != dossier.GroupDay {
		return nil, fmt.Errorf("storage: stats: an agency is asked for by day only, not by %s", q.Group)
	}
	for _, d := range []string{q.From, q.To} {
		if _, err := time.Parse(time.DateOnly, d); d != "" && err != nil {
			return nil, fmt.Errorf("storage: stats: day %q is not YYYY-MM-DD", d)
		}
	}
	var st *dossier.Stats
	err := s.statsRead(ctx, func(db querier) error {
		var err error
		st, err = s.report(ctx, db, q)
		return err
	})
	return st, err
}

// statsRead runs a report's queries. On PostgreSQL they run in one
// read-only transaction, so that the counters and the histograms come
// from the same snapshot, with JIT compilation off: the planner's cost of
// a year's rollup rows is above jit_above_cost, and compiling the plan
// took longer than running it (BenchmarkStatsPostgres). On SQLite they run
// on the pool: a transaction there begins IMMEDIATE, taking the writers'
// lock, and each statement reads a consistent snapshot of the WAL anyway.
func (s *SQLRecords) statsRead(ctx context.Context, fn func(db querier) error) error {
	if s.db.Dialect != Postgres {
		return fn(s.db)
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return fmt.Errorf("storage: stats: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL jit = off`); err != nil {
		return fmt.Errorf("storage: stats: %w", err)
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// report reads the report q (checked by Stats) through db.
func (s *SQLRecords) report(ctx context.Context, db querier, q StatsQuery) (*dossier.Stats, error) {
	from, to := q.From, q.To
	for _, d := range []*string{&from, &to} {
		if *d != "" {
			t, _ := time.Parse(time.DateOnly, *d)
			*d = t.Format(time.DateOnly)
		}
	}
	// Open ends close on the first and last day counted ('A' sorts after
	// every day and before the month and year rows).
	if from == "" || to == "" {
		var lo, hi sql.NullString
		if err := db.QueryRowContext(ctx, s.q(`SELECT MIN(day), MAX(day) FROM stats_daily WHERE scope = ? AND dim = 'all' AND day < 'A'`),
			q.Station).Scan(&lo, &hi); err != nil {
			return nil, fmt.Errorf("storage: stats: %w", err)
		}
		if !lo.Valid {
			return &dossier.Stats{From: q.From, To: q.To, Group: q.Group, Station: q.Station, Agency: q.Agency, Rows: []dossier.StatsRow{}}, nil
		}
		if from == "" {
			from = lo.String
		}
		if to == "" {
			to = hi.String
		}
	}
	if to < from {
		// A range after the last upload, or before the first: nothing.
		return &dossier.Stats{From: q.From, To: q.To, Group: q.Group, Station: q.Station, Agency: q.Agency, Rows: []dossier.StatsRow{}}, nil
	}
	dim, keyCol := string(q.Group), "val"
	spans := [][2]string{{from, to}}
	if q.Group == dossier.GroupDay {
		dim, keyCol = "all", "day"
	} else {
		spans = statsSpans(from, to)
	}
	var only []string
	if q.Agency != "" {
		dim, only = "agency", []string{q.Agency}
	}
	where, args := statsWhere(q.Station, dim, spans, only...)
	rows, err := db.QueryContext(ctx, s.q(`SELECT `+keyCol+`, SUM(batches), SUM(dossiers), SUM(pages), SUM(pages_done), SUM(review_pages),
		SUM(exception_pages), SUM(results), SUM(result_pages) FROM stats_daily
		WHERE `+where+` GROUP BY `+keyCol+` ORDER BY `+keyCol), args...)
	out, err := Collect(rows, err, func(sc RowScanner) (dossier.StatsRow, error) {
		var r dossier.StatsRow
		err := sc.Scan(&r.Key, &r.Batches, &r.Dossiers, &r.Pages, &r.PagesDone, &r.ReviewPages, &r.Exceptions, &r.Results, &r.ResultPages)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("storage: stats: %w", err)
	}
	// Each key's histogram, summed over its cells (a year report by
	// operator adds a few hundred thousand buckets: arrays, not maps).
	perKey, total := map[string]*[statsBuckets]int64{}, map[int64]int64{}
	addBucket := func(key string, b, n int64) {
		b = min(max(b, 0), statsBuckets-1)
		a := perKey[key]
		if a == nil {
			a = new([statsBuckets]int64)
			perKey[key] = a
		}
		a[b] += n
		total[b] += n
	}
	rows, err = db.QueryContext(ctx, s.q(`SELECT `+keyCol+`, counts FROM stats_hist WHERE `+where), args...)
	packed, err := Collect(rows, err, func(sc RowScanner) ([2]string, error) {
		var v [2]string
		err := sc.Scan(&v[0], &v[1])
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("storage: stats histograms: %w", err)
	}
	for _, p := range packed {
		if err := eachBucket(p[1], func(b, n int64) { addBucket(p[0], b, n) }); err != nil {
			return nil, fmt.Errorf("storage: stats histogram of %s: %w", p[0], err)
		}
	}
	hists := map[string][][2]int64{}
	for k, a := range perKey {
		for b, n := range a {
			if n != 0 {
				hists[k] = append(hists[k], [2]int64{int64(b), n})
			}
		}
	}
	byBucket := func(h [][2]int64) { sort.Slice(h, func(i, j int) bool { return h[i][0] < h[j][0] }) }
	st := &dossier.Stats{From: q.From, To: q.To, Group: q.Group, Station: q.Station, Agency: q.Agency, Rows: out}
	if st.Rows == nil {
		st.Rows = []dossier.StatsRow{}
	}
	for i := range st.Rows {
		r := &st.Rows[i]
		h := hists[r.Key]
		byBucket(h)
		r.ResultP50, r.ResultP95 = percentile(h, 0.50), percentile(h, 0.95)
		finishRow(r)
		t := &st.Total
		t.Batches += r.Batches
		t.Dossiers += r.Dossiers
		t.Pages += r.Pages
		t.PagesDone += r.PagesDone
		t.ReviewPages += r.ReviewPages
		t.Exceptions += r.Exceptions
		t.Results += r.Results
		t.ResultPages += r.ResultPages
	}
	var th [][2]int64
	for b, n := range total {
		th = append(th, [2]int64{b, n})
	}
	byBucket(th)
	st.Total.ResultP50, st.Total.ResultP95 = percentile(th, 0.50), percentile(th, 0.95)
	finishRow(&st.Total)
	return st, nil
}

// eachBucket calls f for each bucket and count of a stats_hist cell, the
// JSON object {"<bucket>": n, ...} as SQLite and PostgreSQL write it. A
// year report reads a few hundred thousand of these pairs: encoding/json
// into a map took most of its time, this scan a tenth of that.
func eachBucket(js string, f func(bucket, n int64)) error {
	bad := fmt.Errorf("histogram %.40q is not {\"<bucket>\": n, ...}", js)
	i := 0
	skip := func() {
		for i < len(js) && (js[i] == ' ' || js[i] == '\n' || js[i] == '\t' || js[i] == ',') {
			i++
		}
	}
	num := func() (int64, bool) {
		start := i
		for i < len(js) && js[i] >= '0' && js[i] <= '9' {
			i++
		}
		v, err := strconv.ParseInt(js[start:i], 10, 64)
		return v, err == nil
	}
	skip()
	if i >= len(js) || js[i] != '{' {
		return bad
	}
	i++
	for {
		skip()
		if i < len(js) && js[i] == '}' {
			return nil
		}
		if i >= len(js) || js[i] != '"' {
			return bad
		}
		i++
		b, ok := num()
		if !ok || i >= len(js) || js[i] != '"' {
			return bad
		}
		i++
		for i < len(js) && js[i] == ' ' {
			i++
		}
		if i >= len(js) || js[i] != ':' {
			return bad
		}
		i++
		for i < len(js) && js[i] == ' ' {
			i++
		}
		n, ok := num()
		if !ok {
			return bad
		}
		f(b, n)
	}
}

// statsWhere selects the rollup rows of scope and dim in spans (and of
// the value val, when given).
func statsWhere(scope, dim string, spans [][2]string, val ...string) (string, []any) {
	where := `scope = ? AND dim = ? AND (`
	args := []any{scope, dim}
	if len(val) > 0 {
		where = `scope = ? AND dim = ? AND val = ? AND (`
		args = append(args, val[0])
	}
	for i, sp := range spans {
		if i > 0 {
			where += ` OR `
		}
		if sp[0] == sp[1] {
			where += `day = ?`
			args = append(args, sp[0])
		} else {
			where += `(day >= ? AND day <= ?)`
			args = append(args, sp[0], sp[1])
		}
	}
	return where + `)`, args
}

// statsSpans splits the days from..to (inclusive, YYYY-MM-DD) into the
// fewest rollup periods: whole years ("Y:YYYY"), whole months ("M:YYYY-MM"),
// whole ten-day periods ("D:YYYY-MM-n") and runs of days, each an
// inclusive range of period strings.
func statsSpans(from, to string) [][2]string {
	f, _ := time.Parse(time.DateOnly, from)
	t, _ := time.Parse(time.DateOnly, to)
	var out [][2]string
	day := func(d time.Time) string { return d.Format(time.DateOnly) }
	for d := f; !d.After(t); {
		switch {
		case d.YearDay() == 1 && !d.AddDate(1, 0, -1).After(t):
			out = append(out, [2]string{"Y:" + d.Format("2006"), "Y:" + d.Format("2006")})
			d = d.AddDate(1, 0, 0)
		case d.Day() == 1 && !d.AddDate(0, 1, -1).After(t):
			out = append(out, [2]string{"M:" + d.Format("2006-01"), "M:" + d.Format("2006-01")})
			d = d.AddDate(0, 1, 0)
		case (d.Day() == 1 || d.Day() == 11 || d.Day() == 21) && !tenDaysEnd(d).After(t):
			p := statsPeriods(day(d))[1]
			out = append(out, [2]string{p, p})
			d = tenDaysEnd(d).AddDate(0, 0, 1)
		default:
			if n := len(out); n > 0 && out[n-1][0] < "A" && out[n-1][1] == day(d.AddDate(0, 0, -1)) {
				out[n-1][1] = day(d) // extends the run of days before
			} else {
				out = append(out, [2]string{day(d), day(d)})
			}
			d = d.AddDate(0, 0, 1)
		}
	}
	return out
}

// tenDaysEnd is the last day of the ten-day period that starts on d (the
// 1st, 11th or 21st): the 10th, the 20th or the month's last day.
func tenDaysEnd(d time.Time) time.Time {
	if d.Day() == 21 {
		return time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC)
	}
	return d.AddDate(0, 0, 9)
}

// finishRow derives the rate and the backlog from the counters.
func finishRow(r *dossier.StatsRow) {
	if r.PagesDone > 0 {
		r.ReviewRate = math.Round(float64(r.ReviewPages)/float64(r.PagesDone)*10000) / 10000
	}
	r.BacklogBatches = r.Batches - r.Results
	r.BacklogPages = r.Pages - r.ResultPages
}

// RebuildStats recounts the statistics from the records, in one
// transaction: what the records migration that added them does, and the
// mend should the rollups ever be in doubt.
func (s *SQLRecords) RebuildStats(ctx context.Context) error {
	// Open stack exceptions count as pages in exception once their table
	// exists (the stacks component migrates after the records).
	stacks, err := s.db.SchemaVersion(ctx, StacksComponent)
	if err != nil {
		return fmt.Errorf("storage: rebuild stats: %w", err)
	}
	if err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, rebuildStatsSQL[s.db.Dialect]); err != nil {
			return err
		}
		if stacks > 0 {
			return rebuildExceptionStats(ctx, s, tx)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("storage: rebuild stats: %w", err)
	}
	return nil
}

// rebuildStatsTmpl recounts stats_daily and stats_hist from batches,
// pages and results, with the same rules as the incremental counting,
// written in key order (scope, dim, period, val) so that the cells a
// report reads lie together on disk (hash order scattered a year's 4,800
// month cells by operator over as many pages of a 10M-page recount; later
// writes land by day, together again):
// {day} is the upload day in Vietnam time ({period} its day, ten-day,
// month or year row), {ms} the whole milliseconds from
// upload to result (each time rounded to the millisecond), {log2} its
// binary logarithm (exact at powers of two, as Go's math.Log2).
const rebuildStatsTmpl = `
DELETE FROM stats_daily;
DELETE FROM stats_durations;
WITH per_batch AS MATERIALIZED (
	SELECT b.station, b.agency_code, b.operator, b.document_type, {day} AS day,
		CASE WHEN ROW_NUMBER() OVER (PARTITION BY b.dossier_code ORDER BY b.created_at, b.id) = 1 THEN 1 ELSE 0 END AS first,
		COALESCE(p.pages, 0) AS pages, CASE WHEN b.completed_at IS NULL THEN 0 ELSE COALESCE(p.done, 0) END AS done,
		CASE WHEN b.completed_at IS NULL THEN 0 ELSE COALESCE(p.review, 0) END AS review,
		CASE WHEN b.completed_at IS NULL THEN 0 ELSE COALESCE(p.exc, 0) END AS exc,
		CASE WHEN r.batch_id IS NULL THEN 0 ELSE 1 END AS res, COALESCE(r.pages, 0) AS res_pages
	FROM batches b
	LEFT JOIN (SELECT batch_id, COUNT(*) AS pages,
		SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END) AS done,
		SUM(CASE WHEN status = 'done' AND needs_review THEN 1 ELSE 0 END) AS review,
		SUM(CASE WHEN status = 'exception' THEN 1 ELSE 0 END) AS exc
		FROM pages GROUP BY batch_id) p ON p.batch_id = b.id
	LEFT JOIN results r ON r.batch_id = b.id
), b AS MATERIALIZED (
	SELECT station, agency_code, operator, document_type, day, COUNT(*) AS batches, SUM(first) AS first, SUM(pages) AS pages,
		SUM(done) AS done, SUM(review) AS review, SUM(exc) AS exc, SUM(res) AS res, SUM(res_pages) AS res_pages
	FROM per_batch GROUP BY station, agency_code, operator, document_type, day
)
INSERT INTO stats_daily (scope, dim, val, day, ` + statsCounters + `)
SELECT CASE WHEN sc.s = 1 THEN b.station ELSE '' END, k.dim,
	CASE k.dim WHEN 'agency' THEN b.agency_code WHEN 'station' THEN b.station WHEN 'operator' THEN b.operator
		WHEN 'document_type' THEN b.document_type ELSE '' END,
	{period}, SUM(b.batches), SUM(b.first), SUM(b.pages), SUM(b.done), SUM(b.review), SUM(b.exc), SUM(b.res), SUM(b.res_pages)
FROM b
CROSS JOIN (SELECT 'all' AS dim UNION ALL SELECT 'agency' UNION ALL SELECT 'station' UNION ALL SELECT 'operator' UNION ALL SELECT 'document_type') k
CROSS JOIN (SELECT 0 AS s UNION ALL SELECT 1) sc
CROSS JOIN (SELECT 'd' AS l UNION ALL SELECT 't' UNION ALL SELECT 'm' UNION ALL SELECT 'y') lv
WHERE sc.s = 0 OR b.station <> ''
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 4, 3;
WITH b AS MATERIALIZED (
	SELECT station, agency_code, operator, document_type, day, bucket, COUNT(*) AS n FROM (
		SELECT b.station, b.agency_code, b.operator, b.document_type, {day} AS day,
			CASE WHEN {ms} < 1 THEN 0 ELSE CAST(floor(8 * {log2}) AS INTEGER) END AS bucket
		FROM batches b JOIN results r ON r.batch_id = b.id
	) d GROUP BY station, agency_code, operator, document_type, day, bucket
)
INSERT INTO stats_durations (scope, dim, val, day, bucket, n)
SELECT CASE WHEN sc.s = 1 THEN b.station ELSE '' END, k.dim,
	CASE k.dim WHEN 'agency' THEN b.agency_code WHEN 'station' THEN b.station WHEN 'operator' THEN b.operator
		WHEN 'document_type' THEN b.document_type ELSE '' END,
	{period}, b.bucket, SUM(b.n)
FROM b
CROSS JOIN (SELECT 'all' AS dim UNION ALL SELECT 'agency' UNION ALL SELECT 'station' UNION ALL SELECT 'operator' UNION ALL SELECT 'document_type') k
CROSS JOIN (SELECT 0 AS s UNION ALL SELECT 1) sc
CROSS JOIN (SELECT 'd' AS l UNION ALL SELECT 't' UNION ALL SELECT 'm' UNION ALL SELECT 'y') lv
WHERE sc.s = 0 OR b.station <> ''
GROUP BY 1, 2, 3, 4, 5;
CREATE TABLE IF NOT EXISTS stats_hist (
	scope TEXT NOT NULL,
	dim TEXT NOT NULL,
	val TEXT NOT NULL,
	day TEXT NOT NULL, -- a period, as in stats_daily
	counts {json} NOT NULL, -- {"<bucket>": n, ...}
	PRIMARY KEY (scope, dim, day, val)
);
DELETE FROM stats_hist;
INSERT INTO stats_hist (scope, dim, val, day, counts)
SELECT scope, dim, val, day, {jsonagg} FROM stats_durations GROUP BY scope, dim, val, day ORDER BY scope, dim, day, val;
DELETE FROM stats_durations;
`

// statsPeriodSQL is the period of the level lv.l of the day b.day.
const statsPeriodSQL = `CASE lv.l WHEN 'd' THEN b.day
	WHEN 't' THEN 'D:' || substr(b.day, 1, 7) || CASE WHEN substr(b.day, 9, 2) <= '10' THEN '-1' WHEN substr(b.day, 9, 2) <= '20' THEN '-2' ELSE '-3' END
	WHEN 'm' THEN 'M:' || substr(b.day, 1, 7) ELSE 'Y:' || substr(b.day, 1, 4) END`

var rebuildStatsSQL = map[Dialect]string{
	SQLite: strings.NewReplacer("{period}", statsPeriodSQL, "{json}", statsHistSQL[SQLite].json, "{jsonagg}", statsHistSQL[SQLite].agg,
		"{day}", "date(b.created_at, '+7 hours')",
		"{ms}", "round((julianday(r.created_at) - julianday(b.created_at)) * 86400000.0)",
		"{log2}", "log2(round((julianday(r.created_at) - julianday(b.created_at)) * 86400000.0))").Replace(rebuildStatsTmpl),
	Postgres: strings.NewReplacer("{period}", statsPeriodSQL, "{json}", statsHistSQL[Postgres].json, "{jsonagg}", statsHistSQL[Postgres].agg,
		"{day}", "to_char((b.created_at AT TIME ZONE 'UTC') + interval '7 hours', 'YYYY-MM-DD')",
		"{ms}", "(round(EXTRACT(EPOCH FROM r.created_at) * 1000) - round(EXTRACT(EPOCH FROM b.created_at) * 1000))",
		"{log2}", "log(2, round(EXTRACT(EPOCH FROM r.created_at) * 1000) - round(EXTRACT(EPOCH FROM b.created_at) * 1000))").Replace(rebuildStatsTmpl),
}
