package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// statsFixture stores, over the five days before today (Vietnam time),
// two batches a day at quay-1 (agency A, 3 pages, signed after 10 and 20
// minutes) and one at quay-2 (agency B, 2 pages, not signed yet); it
// returns the total pages.
func statsFixture(t *testing.T, h *apiHarness) int {
	t.Helper()
	ctx := context.Background()
	db := h.Records.DB()
	pages, n := 0, 0
	for day := 1; day <= 5; day++ {
		up := time.Now().Add(-time.Duration(day) * 24 * time.Hour)
		for _, u := range []struct {
			station, agency string
			pages           int
			signAfter       time.Duration
		}{{"quay-1", "000.00.31.H33", 3, 10 * time.Minute}, {"quay-1", "000.00.31.H33", 3, 20 * time.Minute}, {"quay-2", "000.00.07.H26", 2, 0}} {
			n++
			b := storagetest.Upload(t, h.Records, dossier.Batch{BatchInfo: dossier.BatchInfo{DossierCode: fmt.Sprintf("%s-261201-%04d", u.agency, n),
				AgencyCode: u.agency, Station: u.station, Operator: "Lan", DocumentType: "don"}}, u.pages)
			pages += u.pages
			if u.signAfter > 0 {
				for _, p := range b.Pages {
					p.Status, p.NeedsReview = dossier.PageDone, p.Index == 1
					if _, err := h.Records.FinishPage(ctx, p); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := h.Records.AddResult(ctx, dossier.Result{BatchID: b.ID, Key: "k", SHA256: "00", Pages: u.pages}); err != nil {
					t.Fatal(err)
				}
				db.ExecContext(ctx, db.Rebind(`UPDATE results SET created_at = ? WHERE batch_id = ?`), up.Add(u.signAfter), b.ID)
			}
			db.ExecContext(ctx, db.Rebind(`UPDATE batches SET created_at = ? WHERE id = ?`), up, b.ID)
		}
	}
	if err := h.Records.RebuildStats(ctx); err != nil {
		t.Fatal(err)
	}
	return pages
}

// TestStatsPageInChromium: an admin signs in to the dashboard and sees the
// known totals, charts with a bar per desk and day, the time to result and
// the table, in Vietnamese and English, at desktop and phone widths.
func TestStatsPageInChromium(t *testing.T) {
	h := newAPIHarness(t, nil)
	total := statsFixture(t, h)
	admin := h.token(t, dossier.RoleAdmin, "Quản trị")
	ctx := browser(t)
	eval := func(js string) int { t.Helper(); return evalIn[int](t, ctx, js) }
	text := func(sel string) string { t.Helper(); return textOf(t, ctx, sel) }
	err := chromedp.Do(ctx,
		chromedp.Navigate(h.URL+"/stats"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), admin),
		chromedp.Click(chromedp.CSS("#login button")),
		chromedp.WaitVisible(chromedp.CSS("#c-time .point")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text("#kpis .kpi b"); got != fmt.Sprint(total) {
		t.Errorf("pages tile shows %q, want %d", got, total)
	}
	// Five days, two desks: a bar for each desk on each day.
	if n := eval(`document.querySelectorAll("#c-daily rect.bar").length`); n != 10 {
		t.Errorf("daily chart has %d bars, want 10 (5 days x 2 desks)", n)
	}
	if lg := text("#c-daily .legend"); !strings.Contains(lg, "quay-1") || !strings.Contains(lg, "quay-2") {
		t.Errorf("daily legend %q", lg)
	}
	if n := eval(`document.querySelectorAll("#c-daily-agency rect.bar").length`); n != 10 {
		t.Errorf("daily chart by agency has %d bars, want 10 (5 days x 2 agencies)", n)
	}
	if lg := text("#c-daily-agency .legend"); !strings.Contains(lg, "000.00.31.H33") || !strings.Contains(lg, "000.00.07.H26") {
		t.Errorf("daily chart by agency's legend %q lacks an agency", lg)
	}
	if n := eval(`document.querySelectorAll("#c-agency rect.bar").length`); n != 2 {
		t.Errorf("agency chart has %d bars, want 2", n)
	}
	if n := eval(`document.querySelectorAll("#c-backlog rect.bar").length`); n != 5 {
		t.Errorf("backlog chart has %d bars, want 5 (one unsigned batch a day)", n)
	}
	// p50 and p95 each day: the two quay-1 batches took 10 and 20 minutes.
	if n := eval(`document.querySelectorAll("#c-time .point").length`); n != 10 {
		t.Errorf("time chart has %d points, want 10", n)
	}
	// The tooltip of the first p50 point: 10 minutes, read back from the
	// histogram (within 4.5%).
	tip, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#c-time .point title").textContent`))
	if err != nil || !strings.Contains(tip, "p50: 10 phút") && !strings.Contains(tip, "p50: 9,") && !strings.Contains(tip, "p50: 10,") {
		t.Errorf("first p50 point says %q (%v), want about 10 minutes", tip, err)
	}
	if rows, foot := eval(`document.querySelectorAll("#table tbody tr").length`), text("#table tfoot"); rows != 2 || !strings.Contains(foot, fmt.Sprint(total)) {
		t.Errorf("table: %d rows, total line %q", rows, foot)
	}
	checkVisible(t, ctx, "#from", "#to", "#group", "#go", "#lang", "#kpis", "#c-daily svg")
	statsShot(t, ctx, "stats-desktop.png", 1280, 700)

	switchLang(t, ctx)
	if h1, cap := text("h1"), text("#c-daily figcaption"); h1 != "Digitization statistics" || cap != "Pages uploaded per day, by station" {
		t.Errorf("English: h1 %q, caption %q", h1, cap)
	}
	if th := text("#table thead th"); th != "Station" {
		t.Errorf("English table heading %q", th)
	}
	statsShot(t, ctx, "stats-desktop-en.png", 1280, 700)
	switchLang(t, ctx)

	onPhone(t, ctx, "the dashboard", 500*time.Millisecond) // the charts redraw at the new width
	checkVisible(t, ctx, "#from", "#go", "#kpis", "#c-daily svg")
	statsShot(t, ctx, "stats-phone.png", 390, 800)
}

// statsShot saves a PNG of the viewport and checks that it shows the
// daily chart's bars.
func statsShot(t *testing.T, ctx context.Context, name string, w, h int) {
	t.Helper()
	img := saveScreenshot(t, ctx, name, w, h)
	// quay-2's blue is in its bars and its legend mark only.
	if n := countColor(img, 0x1f, 0x6f, 0xeb); n < 300 {
		t.Errorf("%s shows %d pixels of quay-2's bar colour, want the chart drawn", name, n)
	}
}
