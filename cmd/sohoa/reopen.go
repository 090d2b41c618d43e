package main

import (
	"context"
	"fmt"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
)

// runReopen: sohoa reopen --server URL --token ADMIN [--deadline 72h]
// (--list | REQUEST_ID...) gives signing requests left unsigned past their
// deadline (exceptions) a new one: each awaits its official's signature
// again. The operator's action; the audit records who and until when.
func runReopen(ctx context.Context, e *env, args []string) error {
	fs := e.flagSet("reopen", e.ui.t("Cách dùng: sohoa reopen --server URL --token MÃ_QUẢN_TRỊ [--deadline 72h] (--list | MÃ_YÊU_CẦU...)",
		"Usage: sohoa reopen --server URL --token ADMIN_TOKEN [--deadline 72h] (--list | REQUEST_ID...)")+"\n"+
		e.ui.t("Mở lại các yêu cầu ký đã quá hạn (ngoại lệ) với hạn mới: văn bản lại chờ cán bộ ký. --list liệt kê các yêu cầu quá hạn.",
			"Reopens signing requests left unsigned past their deadline (exceptions) with a new deadline: the document awaits its official's signature again. --list lists the expired requests."))
	var sf serverFlags
	sf.add(fs, e.ui, false)
	within := fs.Duration("deadline", 0, e.ui.t("hạn ký mới tính từ bây giờ (như 72h); bỏ trống: hạn máy chủ cấu hình", "the new deadline from now (such as 72h); empty: the server's configured one"))
	list := fs.Bool("list", false, e.ui.t("chỉ liệt kê các yêu cầu ký quá hạn", "only list the expired signing requests"))
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *list == (len(pos) > 0) {
		return usageError{e.ui.t("cần --list hoặc ít nhất một mã yêu cầu ký (không cả hai)", "give --list or at least one signing request ID (not both)")}
	}
	if *within < 0 {
		return usageError{e.ui.t("--deadline phải dương", "--deadline must be positive")}
	}
	c, err := sf.client(e)
	if err != nil {
		return err
	}
	if *list {
		reqs, err := c.SigningQueue(ctx, dossier.SigningExpired)
		if err != nil {
			return err
		}
		if len(reqs) == 0 {
			fmt.Fprintln(e.stdout, e.ui.t("Không có yêu cầu ký nào quá hạn.", "No signing request is past its deadline."))
		}
		for _, r := range reqs {
			fmt.Fprintf(e.stdout, e.ui.t("%s  %s  %s, %d trang, chờ %s, quá hạn từ %s\n", "%s  %s  %s, %d pages, for %s, expired %s\n"),
				r.ID, r.ResultCode, r.Title, r.Pages, r.Official, r.Deadline.Local().Format(time.DateTime))
		}
		return nil
	}
	for _, id := range pos {
		r, err := c.ReopenSigning(ctx, id, *within)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, e.ui.t("Đã mở lại %s (%s): chờ %s ký trước %s.\n", "Reopened %s (%s): awaits %s's signature before %s.\n"),
			r.ID, r.ResultCode, r.Official, r.Deadline.Local().Format(time.DateTime))
	}
	return nil
}
