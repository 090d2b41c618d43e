package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
)

// runStats: sohoa stats prints the volume report (GET /v1/stats) as a
// table, CSV or JSON, from a server or the local store.
func runStats(ctx context.Context, e *env, args []string) error {
	fs := e.flagSet("stats", e.ui.t("Cách dùng: sohoa stats "+sourceUsageVI+" [--from NGÀY] [--to NGÀY] [--group NHÓM] [--station QUẦY] [--agency MÃ_CQ] [--csv | --json]",
		"Usage: sohoa stats "+sourceUsageEN+" [--from DAY] [--to DAY] [--group GROUP] [--station STATION] [--agency CODE] [--csv | --json]")+"\n"+
		e.ui.t("Số liệu công việc theo ngày tải lên (giờ Việt Nam): lô, hồ sơ, trang, tỉ lệ trang cần xem lại, trang lỗi, kết quả đã ký, tồn đọng, thời gian từ lúc tải lên đến khi có kết quả ký số (trung vị p50 và p95).\n"+
			"Mã quầy (station) chỉ xem được số liệu của chính quầy; mã quản trị (admin) xem tất cả.",
			"Work by upload day (Vietnam time): batches, dossiers, pages, rate of pages to review, failed pages, signed results, backlog, time from upload to signed result (median p50 and p95).\n"+
				"A station token sees its own station's figures; an admin token sees all."))
	var src sourceFlags
	src.add(fs, e.ui)
	from := fs.String("from", "", e.ui.t("từ ngày YYYY-MM-DD (bỏ trống: từ đầu)", "first day YYYY-MM-DD (empty: from the start)"))
	to := fs.String("to", "", e.ui.t("đến hết ngày YYYY-MM-DD (bỏ trống: đến nay)", "last day YYYY-MM-DD, included (empty: up to now)"))
	group := fs.String("group", "day", e.ui.t("nhóm theo: day (ngày), agency (cơ quan), station (quầy), operator (cán bộ), document_type (loại giấy tờ)",
		"group by: day, agency, station, operator, document_type"))
	station := fs.String("station", "", e.ui.t("chỉ một quầy", "one station only"))
	agency := fs.String("agency", "", e.ui.t("chỉ một cơ quan, theo ngày (với --group day): chuỗi số liệu hằng ngày của cơ quan đó",
		"one agency only, by day (with --group day): that agency's daily series"))
	asCSV := fs.Bool("csv", false, e.ui.t("in dạng CSV (cột theo tên trường của GET /v1/stats, dòng cuối là tổng)", "print CSV (columns named as the fields of GET /v1/stats, the last row the total)"))
	asJSON := fs.Bool("json", false, e.ui.t("in dạng JSON (như GET /v1/stats)", "print JSON (as GET /v1/stats)"))
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageError{e.ui.t("lệnh này không nhận đối số, chỉ tùy chọn", "this command takes options only, no arguments")}
	}
	if *asCSV && *asJSON {
		return usageError{e.ui.t("chỉ dùng một trong --csv và --json", "give either --csv or --json, not both")}
	}
	q := storage.StatsQuery{From: *from, To: *to, Group: dossier.StatsGroup(*group), Station: *station, Agency: *agency}
	if !dossier.ValidStatsGroup(q.Group) {
		return usageError{e.ui.t("--group phải là một trong: day, agency, station, operator, document_type",
			"--group must be one of: day, agency, station, operator, document_type")}
	}
	if q.Agency != "" && q.Group != dossier.GroupDay {
		return usageError{e.ui.t("--agency chỉ dùng với --group day", "--agency goes with --group day only")}
	}
	for _, d := range []struct{ flag, v string }{{"--from", q.From}, {"--to", q.To}} {
		if _, err := time.Parse(time.DateOnly, d.v); d.v != "" && err != nil {
			return usageError{fmt.Sprintf(e.ui.t("%s %q không phải ngày dạng YYYY-MM-DD", "%s %q is not a date YYYY-MM-DD"), d.flag, d.v)}
		}
	}
	if q.From != "" && q.To != "" && q.To < q.From {
		return usageError{e.ui.t("--to đứng trước --from", "--to is before --from")}
	}
	st, err := readSource(ctx, e, src,
		func(c *ingest.Client) (*dossier.Stats, error) {
			return c.Stats(ctx, q.From, q.To, q.Group, q.Station, q.Agency)
		},
		func(recs *storage.SQLRecords) (*dossier.Stats, error) { return recs.Stats(ctx, q) })
	if err != nil {
		return err
	}
	switch {
	case *asJSON:
		return e.printJSON(st)
	case *asCSV:
		return writeStatsCSV(e.stdout, e.ui, st)
	}
	printStats(e.stdout, e.ui, st)
	return nil
}

// groupTitle names the first column.
func groupTitle(u ui, g dossier.StatsGroup) string {
	switch g {
	case dossier.GroupAgency:
		return u.t("Cơ quan", "Agency")
	case dossier.GroupStation:
		return u.t("Quầy", "Station")
	case dossier.GroupOperator:
		return u.t("Cán bộ", "Operator")
	case dossier.GroupDocumentType:
		return u.t("Loại giấy tờ", "Document type")
	}
	return u.t("Ngày", "Day")
}

// clock writes seconds as h:mm:ss, which reads the same in both languages.
func clock(sec float64) string {
	if sec <= 0 {
		return "-"
	}
	s := int64(sec + 0.5)
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}

// percent writes a rate with the decimal mark of the language.
func percent(u ui, r float64) string {
	s := strconv.FormatFloat(r*100, 'f', 1, 64) + "%"
	if !u.english {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// printStats writes the report as an aligned table with a total line.
func printStats(w io.Writer, u ui, st *dossier.Stats) {
	span := u.t("mọi ngày", "all days")
	if st.From != "" || st.To != "" {
		span = u.t("từ ", "from ") + orDash(st.From) + u.t(" đến ", " to ") + orDash(st.To)
	}
	if st.Station != "" {
		span += u.t(" · quầy ", " · station ") + st.Station
	}
	if st.Agency != "" {
		span += u.t(" · cơ quan ", " · agency ") + st.Agency
	}
	fmt.Fprintf(w, u.t("Số liệu theo ngày tải lên (giờ Việt Nam), %s\n", "Work by upload day (Vietnam time), %s\n"), span)
	if len(st.Rows) == 0 {
		fmt.Fprintln(w, u.t("Không có lô nào tải lên trong khoảng này.", "No batch was uploaded in this span."))
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\tp50\tp95\t\n", groupTitle(u, st.Group),
		u.t("Lô", "Batches"), u.t("Hồ sơ", "Dossiers"), u.t("Trang", "Pages"), u.t("Xem lại", "Review"),
		u.t("Lỗi", "Exceptions"), u.t("Kết quả", "Results"), u.t("Tồn (lô)", "Backlog (batches)"), u.t("Tồn (trang)", "Backlog (pages)"))
	line := func(key string, r dossier.StatsRow) {
		if key == "" {
			key = "-"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t\n", key, r.Batches, r.Dossiers, r.Pages,
			percent(u, r.ReviewRate), r.Exceptions, r.Results, r.BacklogBatches, r.BacklogPages, clock(r.ResultP50), clock(r.ResultP95))
	}
	for _, r := range st.Rows {
		line(r.Key, r)
	}
	line(u.t("Tổng", "Total"), st.Total)
	tw.Flush()
	fmt.Fprintln(w, u.t("Xem lại: tỉ lệ trang đã đọc cần người kiểm tra. p50, p95: thời gian từ lúc tải lên đến khi có kết quả ký số (giờ:phút:giây).",
		"Review: share of read pages flagged for a person to check. p50, p95: time from upload to signed result (h:mm:ss)."))
}

func orDash(s string) string {
	if s == "" {
		return "…"
	}
	return s
}

// writeStatsCSV writes one row per group and the total last (its key is
// "Tổng" or "Total"), with the API's field names as the header.
func writeStatsCSV(w io.Writer, u ui, st *dossier.Stats) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{string(st.Group), "batches", "dossiers", "pages", "pages_done", "review_pages", "review_rate", "exceptions",
		"results", "result_pages", "backlog_batches", "backlog_pages", "time_to_result_p50_s", "time_to_result_p95_s"})
	i64 := func(n int64) string { return strconv.FormatInt(n, 10) }
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	row := func(key string, r dossier.StatsRow) {
		cw.Write([]string{key, i64(r.Batches), i64(r.Dossiers), i64(r.Pages), i64(r.PagesDone), i64(r.ReviewPages), f(r.ReviewRate),
			i64(r.Exceptions), i64(r.Results), i64(r.ResultPages), i64(r.BacklogBatches), i64(r.BacklogPages), f(r.ResultP50), f(r.ResultP95)})
	}
	for _, r := range st.Rows {
		row(r.Key, r)
	}
	row(u.t("Tổng", "Total"), st.Total)
	cw.Flush()
	return cw.Error()
}
