package storage_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
)

// statsUpload stores one batch of n pages for a desk and operator and
// returns it.
func statsUpload(t *testing.T, ctx context.Context, r *storage.SQLRecords, code, agency, station, operator, docType string, n int) *dossier.Batch {
	t.Helper()
	b := newBatch(code, "tok-"+station, "", "", n)
	b.AgencyCode, b.Station, b.Operator, b.DocumentType = agency, station, operator, docType
	return mustCreate(t, ctx, r, b)
}

// statsFinish finishes every page of b: the pages in review flagged, those
// in failed excepted, the rest read.
func statsFinish(t *testing.T, ctx context.Context, r *storage.SQLRecords, b *dossier.Batch, review, failed map[int]bool) {
	t.Helper()
	for _, p := range b.Pages {
		p.Status = dossier.PageDone
		p.NeedsReview = review[p.Index]
		if failed[p.Index] {
			p.Status, p.Error = dossier.PageException, "unreadable"
		}
		if _, err := r.FinishPage(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
}

func statsResult(t *testing.T, ctx context.Context, r *storage.SQLRecords, b *dossier.Batch) {
	t.Helper()
	if _, err := r.AddResult(ctx, dossier.Result{BatchID: b.ID, Key: "k/" + b.ID, SHA256: "00", Pages: len(b.Pages)}); err != nil {
		t.Fatal(err)
	}
}

// statsResultAt is statsResult for a batch uploaded at up whose result
// came at done: the records stamp both with the clock, so they are set
// afterwards.
func statsResultAt(t *testing.T, ctx context.Context, r *storage.SQLRecords, b *dossier.Batch, up, done time.Time) {
	t.Helper()
	statsResult(t, ctx, r, b)
	db := r.DB()
	for _, set := range []struct {
		sql string
		at  time.Time
	}{
		{`UPDATE batches SET created_at = ? WHERE id = ?`, up},
		{`UPDATE results SET created_at = ? WHERE batch_id = ?`, done},
	} {
		if _, err := db.ExecContext(ctx, db.Rebind(set.sql), set.at, b.ID); err != nil {
			t.Fatal(err)
		}
	}
}

func mustStats(t *testing.T, ctx context.Context, r *storage.SQLRecords, q storage.StatsQuery) *dossier.Stats {
	t.Helper()
	st, err := r.Stats(ctx, q)
	if err != nil {
		t.Fatalf("Stats(%+v): %v", q, err)
	}
	return st
}

// counts is what a row says, without the time to result (which depends on
// the clock).
type counts struct {
	Key                                                                 string
	Batches, Dossiers, Pages, Done, Review, Exceptions, Results, RPages int64
	BacklogBatches, BacklogPages                                        int64
}

func countsOf(rows []dossier.StatsRow) []counts {
	out := []counts{}
	for _, r := range rows {
		out = append(out, counts{r.Key, r.Batches, r.Dossiers, r.Pages, r.PagesDone, r.ReviewPages, r.Exceptions, r.Results, r.ResultPages,
			r.BacklogBatches, r.BacklogPages})
	}
	return out
}

// TestStatsCounts: after known uploads, reads, exceptions, a retry and
// results, every group reports what happened; a station sees only its own
// work; recounting from the records gives the same report.
func TestStatsCounts(t *testing.T) {
	forEachDialect(t, func(t *testing.T, ctx context.Context, r *storage.SQLRecords) {
		const agA, agB = "000.00.31.H33", "000.00.07.H26"
		today := dossier.StatsDay(time.Now())
		// Desk quay-1 (agency A): dossier 1 with two documents, dossier 2.
		b1 := statsUpload(t, ctx, r, "000.00.31.H33-261201-0001", agA, "quay-1", "Lan", "don", 3)
		b2 := statsUpload(t, ctx, r, "000.00.31.H33-261201-0001", agA, "quay-1", "Lan", "gcn", 2)
		b3 := statsUpload(t, ctx, r, "000.00.31.H33-261201-0002", agA, "quay-1", "Minh", "don", 4)
		// Desk quay-2 (agency B): dossier 3, still waiting.
		b4 := statsUpload(t, ctx, r, "000.00.07.H26-261201-0001", agB, "quay-2", "Hoa", "don", 5)

		statsFinish(t, ctx, r, b1, map[int]bool{2: true}, nil)
		statsResult(t, ctx, r, b1)
		statsFinish(t, ctx, r, b2, nil, nil)
		statsResult(t, ctx, r, b2)
		// b3: page 4 fails; retried, it fails again, and page 1 is flagged.
		statsFinish(t, ctx, r, b3, map[int]bool{1: true}, map[int]bool{4: true})
		if err := r.RetryPage(ctx, b3.ID, 4); err != nil {
			t.Fatal(err)
		}
		if _, err := r.FinishPage(ctx, dossier.Page{BatchID: b3.ID, Index: 4, Status: dossier.PageException, Error: "again"}); err != nil {
			t.Fatal(err)
		}
		// A repeated finish (a redelivered message) counts nothing.
		if _, err := r.FinishPage(ctx, dossier.Page{BatchID: b3.ID, Index: 1, Status: dossier.PageDone, NeedsReview: true}); err != nil {
			t.Fatal(err)
		}
		// b4: one page read so far: not counted until the batch completes.
		if _, err := r.FinishPage(ctx, dossier.Page{BatchID: b4.ID, Index: 1, Status: dossier.PageDone}); err != nil {
			t.Fatal(err)
		}
		// A result linked twice counts once.
		statsResult(t, ctx, r, b2)

		want := map[dossier.StatsGroup][]counts{
			dossier.GroupDay: {{today, 4, 3, 14, 8, 2, 1, 2, 5, 2, 9}},
			dossier.GroupAgency: {
				{agB, 1, 1, 5, 0, 0, 0, 0, 0, 1, 5},
				{agA, 3, 2, 9, 8, 2, 1, 2, 5, 1, 4},
			},
			dossier.GroupStation: {
				{"quay-1", 3, 2, 9, 8, 2, 1, 2, 5, 1, 4},
				{"quay-2", 1, 1, 5, 0, 0, 0, 0, 0, 1, 5},
			},
			dossier.GroupOperator: {
				{"Hoa", 1, 1, 5, 0, 0, 0, 0, 0, 1, 5},
				{"Lan", 2, 1, 5, 5, 1, 0, 2, 5, 0, 0},
				{"Minh", 1, 1, 4, 3, 1, 1, 0, 0, 1, 4},
			},
			dossier.GroupDocumentType: {
				{"don", 3, 3, 12, 6, 2, 1, 1, 3, 2, 9},
				{"gcn", 1, 0, 2, 2, 0, 0, 1, 2, 0, 0},
			},
		}
		// The same over the whole year reads the year's rollup rows.
		year := storage.StatsQuery{From: today[:4] + "-01-01", To: today[:4] + "-12-31"}
		reports := map[dossier.StatsGroup]*dossier.Stats{}
		for _, g := range dossier.StatsGroups() {
			st := mustStats(t, ctx, r, storage.StatsQuery{Group: g})
			reports[g] = st
			if got := countsOf(st.Rows); !reflect.DeepEqual(got, want[g]) {
				t.Errorf("group %s:\n got %+v\nwant %+v", g, got, want[g])
			}
			if tot := countsOf([]dossier.StatsRow{st.Total})[0]; tot != (counts{"", 4, 3, 14, 8, 2, 1, 2, 5, 2, 9}) {
				t.Errorf("group %s: total %+v", g, tot)
			}
			if math.Abs(st.Total.ReviewRate-2.0/8) > 1e-4 {
				t.Errorf("group %s: review rate %v, want 2/8", g, st.Total.ReviewRate)
			}
			y := year
			y.Group = g
			ys := mustStats(t, ctx, r, y)
			reports[g+"-year"] = ys
			if g != dossier.GroupDay && !reflect.DeepEqual(ys.Rows, st.Rows) {
				t.Errorf("group %s over the year:\n got %+v\nwant %+v", g, ys.Rows, st.Rows)
			}
		}
		// Desk quay-1 sees its own two operators, not Hoa of quay-2.
		own := mustStats(t, ctx, r, storage.StatsQuery{Group: dossier.GroupOperator, Station: "quay-1"})
		if got := countsOf(own.Rows); !reflect.DeepEqual(got, want[dossier.GroupOperator][1:]) {
			t.Errorf("station quay-1 by operator: %+v", got)
		}
		// Days outside the uploads: nothing.
		if st := mustStats(t, ctx, r, storage.StatsQuery{From: "2020-01-01", To: "2020-12-31"}); len(st.Rows) != 0 || st.Total.Batches != 0 {
			t.Errorf("2020: %+v", st)
		}
		for _, q := range []storage.StatsQuery{{From: "2099-01-01", Group: dossier.GroupAgency}, {To: "2020-01-01", Group: dossier.GroupAgency},
			{From: "2026-12-31", To: "2026-01-01", Group: dossier.GroupOperator}} {
			if st := mustStats(t, ctx, r, q); len(st.Rows) != 0 {
				t.Errorf("%+v: %+v", q, st.Rows)
			}
		}
		if st := mustStats(t, ctx, r, storage.StatsQuery{From: today, To: today}); st.Total.Pages != 14 {
			t.Errorf("today alone: %+v", st.Total)
		}

		// The recount from the records agrees, time to result included.
		if err := r.RebuildStats(ctx); err != nil {
			t.Fatal(err)
		}
		for _, g := range dossier.StatsGroups() {
			if st := mustStats(t, ctx, r, storage.StatsQuery{Group: g}); !reflect.DeepEqual(st, reports[g]) {
				t.Errorf("group %s after the recount:\n got %+v\nwant %+v", g, st, reports[g])
			}
			y := year
			y.Group = g
			if st := mustStats(t, ctx, r, y); !reflect.DeepEqual(st, reports[g+"-year"]) {
				t.Errorf("group %s over the year after the recount:\n got %+v\nwant %+v", g, st, reports[g+"-year"])
			}
		}
	})
}

// TestStatsTimeToResult: with known upload and result times, p50 and p95
// come out within the histogram's 4.5%, and a batch counts in the day it
// was uploaded in Vietnam time.
func TestStatsTimeToResult(t *testing.T) {
	forEachDialect(t, func(t *testing.T, ctx context.Context, r *storage.SQLRecords) {
		// 20 results that took 1..20 minutes: p50 is the 10th (10 min), p95
		// the 19th (19 min). Uploaded 2026-11-30 at 18:30 UTC, which is
		// 01:30 on 1 December in Hà Nội.
		up := time.Date(2026, 11, 30, 18, 30, 0, 0, time.UTC)
		for i := 1; i <= 20; i++ {
			station := "quay-1"
			if i > 10 {
				station = "quay-2"
			}
			b := statsUpload(t, ctx, r, fmt.Sprintf("000.00.31.H33-261201-%04d", i), "000.00.31.H33", station, "Lan", "don", 1)
			statsFinish(t, ctx, r, b, nil, nil)
			statsResultAt(t, ctx, r, b, up, up.Add(time.Duration(i)*time.Minute))
		}
		if err := r.RebuildStats(ctx); err != nil {
			t.Fatal(err)
		}
		near := func(got float64, want time.Duration) bool {
			return math.Abs(got-want.Seconds()) <= 0.045*want.Seconds()
		}
		st := mustStats(t, ctx, r, storage.StatsQuery{From: "2026-12-01", To: "2026-12-01"})
		if len(st.Rows) != 1 || st.Rows[0].Key != "2026-12-01" || st.Rows[0].Results != 20 {
			t.Fatalf("1 December (Vietnam time): %+v", st.Rows)
		}
		if p50, p95 := st.Total.ResultP50, st.Total.ResultP95; !near(p50, 10*time.Minute) || !near(p95, 19*time.Minute) {
			t.Errorf("p50 %.1f s, p95 %.1f s; want 600 s and 1140 s within 4.5%%", p50, p95)
		}
		if st := mustStats(t, ctx, r, storage.StatsQuery{To: "2026-11-30"}); st.Total.Batches != 0 {
			t.Errorf("30 November counts %d batches; the uploads were on 1 December in Vietnam", st.Total.Batches)
		}
		// By station: quay-1 took 1..10 minutes (p50 5, p95 10), quay-2 11..20.
		bySt := mustStats(t, ctx, r, storage.StatsQuery{Group: dossier.GroupStation})
		if len(bySt.Rows) != 2 || !near(bySt.Rows[0].ResultP50, 5*time.Minute) || !near(bySt.Rows[0].ResultP95, 10*time.Minute) ||
			!near(bySt.Rows[1].ResultP50, 15*time.Minute) || !near(bySt.Rows[1].ResultP95, 20*time.Minute) {
			t.Errorf("by station: %+v", bySt.Rows)
		}
	})
}

func TestStatsRefusesBadQueries(t *testing.T) {
	forEachDialect(t, func(t *testing.T, ctx context.Context, r *storage.SQLRecords) {
		for _, q := range []storage.StatsQuery{
			{Group: "province"},
			{From: "2026-13-01"},
			{To: "1/12/2026"},
			{From: "2026-12-01'; DROP TABLE batches; --"},
		} {
			if _, err := r.Stats(ctx, q); err == nil {
				t.Errorf("Stats(%+v) accepted", q)
			}
		}
	})
}

// TestStatsPeriods: a report over days that span months and a new year
// (read from year, month and day rows) agrees with the sum of its days,
// batch for batch, in every range tried.
func TestStatsPeriods(t *testing.T) {
	forEachDialect(t, func(t *testing.T, ctx context.Context, r *storage.SQLRecords) {
		// One batch every 6 days from 2025-11-20 to 2027-02-10, each with
		// as many pages as its number, signed after as many minutes.
		first := time.Date(2025, 11, 20, 3, 0, 0, 0, time.UTC)
		n := 0
		for d := first; d.Before(time.Date(2027, 2, 10, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 6) {
			n++
			b := statsUpload(t, ctx, r, fmt.Sprintf("000.00.31.H33-251120-%04d", n), "000.00.31.H33", fmt.Sprintf("quay-%d", n%3), "Lan", "don", 1+n%4)
			statsFinish(t, ctx, r, b, nil, nil)
			statsResultAt(t, ctx, r, b, d, d.Add(time.Duration(n)*time.Minute))
		}
		if err := r.RebuildStats(ctx); err != nil {
			t.Fatal(err)
		}
		for _, rg := range [][2]string{{"", ""}, {"2026-01-01", "2026-12-31"}, {"2025-12-01", "2026-02-28"}, {"2025-11-25", "2027-01-05"},
			{"2026-03-15", "2026-04-14"}, {"2026-11-02", "2026-12-01"}, {"2026-02-21", "2026-02-28"}, {"2026-01-31", "2026-01-31"}, {"2024-01-01", "2025-11-30"}} {
			byDay := mustStats(t, ctx, r, storage.StatsQuery{From: rg[0], To: rg[1], Group: dossier.GroupDay})
			byStation := mustStats(t, ctx, r, storage.StatsQuery{From: rg[0], To: rg[1], Group: dossier.GroupStation})
			if byDay.Total != byStation.Total || byDay.Total.Batches == 0 {
				t.Errorf("%v: by day %+v, by station %+v", rg, byDay.Total, byStation.Total)
			}
		}
		if st := mustStats(t, ctx, r, storage.StatsQuery{Group: dossier.GroupAgency}); st.Total.Batches != int64(n) {
			t.Errorf("all days: %d batches, want %d", st.Total.Batches, n)
		}
	})
}

// TestStatsAgencyByDay: one agency's daily series counts that agency's
// batches only, with its time to result; an agency asked for with another
// group is refused.
func TestStatsAgencyByDay(t *testing.T) {
	forEachDialect(t, func(t *testing.T, ctx context.Context, r *storage.SQLRecords) {
		const agA, agB = "000.00.31.H33", "000.00.07.H26"
		today := dossier.StatsDay(time.Now())
		a1 := statsUpload(t, ctx, r, "000.00.31.H33-261201-0001", agA, "quay-1", "Lan", "don", 3)
		statsUpload(t, ctx, r, "000.00.31.H33-261201-0002", agA, "quay-2", "Minh", "don", 2)
		statsUpload(t, ctx, r, "000.00.07.H26-261201-0001", agB, "quay-1", "Lan", "don", 5)
		statsFinish(t, ctx, r, a1, nil, nil)
		statsResult(t, ctx, r, a1)
		st := mustStats(t, ctx, r, storage.StatsQuery{Group: dossier.GroupDay, Agency: agA})
		if got, want := countsOf(st.Rows), []counts{{today, 2, 2, 5, 3, 0, 0, 1, 3, 1, 2}}; !reflect.DeepEqual(got, want) {
			t.Errorf("agency %s by day:\n got %+v\nwant %+v", agA, got, want)
		}
		if st.Total.ResultP50 <= 0 {
			t.Errorf("agency %s: no time to result (%v)", agA, st.Total.ResultP50)
		}
		// One agency at one desk.
		st = mustStats(t, ctx, r, storage.StatsQuery{Group: dossier.GroupDay, Agency: agB, Station: "quay-1"})
		if got := countsOf([]dossier.StatsRow{st.Total})[0]; got.Pages != 5 || got.Batches != 1 {
			t.Errorf("agency %s at quay-1: %+v", agB, got)
		}
		if _, err := r.Stats(ctx, storage.StatsQuery{Group: dossier.GroupStation, Agency: agA}); err == nil {
			t.Error("an agency by station: no error")
		}
	})
}
