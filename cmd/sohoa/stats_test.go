package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// statsFixture stores three uploads at two desks in the database at url:
// quay-1 sends 3 and 2 pages (one flagged for review; the 3-page batch is
// signed), quay-2 sends 4 pages, one of which fails.
func statsFixture(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	recs, err := storage.OpenRecordsURL(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer recs.Close()
	for i, u := range []struct {
		station string
		pages   int
	}{{"quay-1", 3}, {"quay-1", 2}, {"quay-2", 4}} {
		b := storagetest.Upload(t, recs, dossier.Batch{BatchInfo: dossier.BatchInfo{DossierCode: fmt.Sprintf("000.00.31.H33-261201-%04d", i+1),
			AgencyCode: "000.00.31.H33", Station: u.station, Operator: "Lan", DocumentType: "don"}}, u.pages)
		for _, p := range b.Pages {
			p.Status, p.NeedsReview = dossier.PageDone, i == 1 && p.Index == 1
			if i == 2 && p.Index == 4 {
				p.Status, p.Error = dossier.PageException, "unreadable"
			}
			if _, err := recs.FinishPage(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		if i == 0 {
			if _, err := recs.AddResult(ctx, dossier.Result{BatchID: b.ID, Key: "k", SHA256: "00", Pages: 3}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestStatsCommand: sohoa stats reads the embedded store, PostgreSQL or a
// server, as a table in either language or as CSV with the known counts;
// a station token gets its own desk only.
func TestStatsCommand(t *testing.T) {
	clearCommandEnv(t)
	data := t.TempDir()
	statsFixture(t, storage.DataDBPath(data))
	pg := storagetest.PostgresURL(t)
	statsFixture(t, pg)

	for _, where := range [][]string{{"--data", data}, {"--db", pg}} {
		args := append([]string{"stats", "--group", "station", "--csv"}, where...)
		code, out, errs := runCmd(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("%v: CSV: %v\n%s", args, err, out)
		}
		// station, batches, dossiers, pages, pages_done, review_pages,
		// review_rate, exceptions, results, result_pages, backlog_batches,
		// backlog_pages, p50, p95.
		got := []string{}
		for _, r := range recs {
			got = append(got, strings.Join(r[:12], ","))
		}
		want := []string{
			"station,batches,dossiers,pages,pages_done,review_pages,review_rate,exceptions,results,result_pages,backlog_batches,backlog_pages",
			"quay-1,2,2,5,5,1,0.2,0,1,3,1,2",
			"quay-2,1,1,4,3,0,0,1,0,0,1,4",
			"Total,3,3,9,8,1,0.125,1,1,3,2,6",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%v:\n%s\nwant\n%s", args, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if p50 := recs[1][12]; p50 == "0" {
			t.Errorf("%v: quay-1 has a result but no time to result", args)
		}
	}

	for _, english := range []bool{false, true} {
		code, out, errs := runIn(english, "stats", "--data", data, "--group", "station", "--from", "2020-01-01")
		if code != 0 || errs != "" {
			t.Fatalf("en=%v: exit %d: %s", english, code, errs)
		}
		total := map[bool]string{false: "Tổng", true: "Total"}[english]
		if !strings.Contains(out, "quay-1") || !strings.Contains(out, "quay-2") || !strings.Contains(out, total) {
			t.Errorf("en=%v: table lacks a desk or the total:\n%s", english, out)
		}
		for _, b := range untranslated(out, english) {
			t.Errorf("en=%v: %s", english, b)
		}
	}
	if code, out, _ := runCmd(t, "stats", "--data", data, "--from", "2020-01-01", "--to", "2020-12-31"); code != 0 || !strings.Contains(out, "No batch") {
		t.Errorf("2020: exit %d:\n%s", code, out)
	}
	// One agency's daily series: every upload is agency 000.00.31.H33's,
	// none another's.
	for agency, want := range map[string]string{"000.00.31.H33": "Total,3,3,9,", "000.00.07.H26": "Total,0,0,0,"} {
		code, out, errs := runCmd(t, "stats", "--data", data, "--agency", agency, "--csv")
		if code != 0 || !strings.Contains(out, "\n"+want) {
			t.Errorf("--agency %s: exit %d (%s), want a total line %q:\n%s", agency, code, errs, want, out)
		}
	}
	for _, bad := range [][]string{{"--group", "station", "--agency", "000.00.31.H33"}, {"--group", "province"}, {"--from", "1/12/2026"}, {"--from", "2026-12-02", "--to", "2026-12-01"}, {"--csv", "--json"}, {"extra"}} {
		if code, _, errs := runCmd(t, append([]string{"stats", "--data", data}, bad...)...); code != 2 {
			t.Errorf("%v: exit %d (%s), want 2", bad, code, errs)
		}
	}
	if code, _, errs := runIn(false, "stats", "--data", t.TempDir()+"/khong-co"); code != 1 || !strings.Contains(errs, "không có dữ liệu nhúng") {
		t.Errorf("missing store: exit %d, %q", code, errs)
	}

	// Through a server: the station token of quay-2 sees quay-2 only.
	ts := startStack(t, stackConfig{data: data})
	tok := ts.token(t, dossier.RoleStation, "quay-2")
	code, out, errs := runCmd(t, "stats", "--server", ts.url, "--token", tok, "--group", "station", "--csv")
	if code != 0 || !strings.Contains(out, "quay-2,1,1,4,") || strings.Contains(out, "quay-1") {
		t.Errorf("stats --server as quay-2: exit %d, %q, %q", code, out, errs)
	}
	arch := ts.token(t, dossier.RoleArchivist, "lưu trữ")
	if code, _, errs := runCmd(t, "stats", "--server", ts.url, "--token", arch); code != 1 || !strings.Contains(errs, "403") {
		t.Errorf("archivist: exit %d, %q", code, errs)
	}
}
