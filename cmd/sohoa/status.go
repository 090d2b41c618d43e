package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	paperstack "github.com/sohoa/sohoa/ingest/stack"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/catalog"
)

// runStatus: sohoa status BATCH shows one batch (pages and their states,
// pages to review, the result code) from a server or the local store.
func runStatus(ctx context.Context, e *env, args []string) error {
	fs := e.flagSet("status", e.ui.t("Cách dùng: sohoa status "+sourceUsageVI+" [--json] (MÃ_LÔ | --stack MÃ_XẤP | --stacks)",
		"Usage: sohoa status "+sourceUsageEN+" [--json] (BATCH_ID | --stack STACK_ID | --stacks)")+"\n"+
		e.ui.t("Cho biết một lô đã gửi đang ở đâu: số trang xong, trang lỗi, trang cần xem lại và mã kết quả; --stack: một xấp hồ sơ đã tách thành những hồ sơ nào (lô của từng hồ sơ), trang nào còn chờ mã hồ sơ, trang nào đã bỏ; --stacks: các trang của xấp hồ sơ chưa biết thuộc hồ sơ nào.",
			"Tells where an uploaded batch is: pages done, failed pages, pages to review and the result code; --stack: which dossiers a stack was split into (each one's batch), which pages still wait for a dossier code, which were dropped; --stacks: the pages of stacks that belong to no known dossier yet."))
	var src sourceFlags
	src.add(fs, e.ui)
	asJSON := fs.Bool("json", false, e.ui.t("in lô dạng JSON (như GET /v1/batches/MÃ_LÔ)", "print the batch as JSON (as GET /v1/batches/ID)"))
	stacks := fs.Bool("stacks", false, e.ui.t("liệt kê ngoại lệ của xấp hồ sơ (trang chưa có mã hồ sơ, mã đề xuất) thay cho một lô; với --server cần mã quản trị",
		"list the stack exceptions (pages without a dossier code, proposed codes) instead of one batch; with --server it takes an admin token"))
	stackID := fs.String("stack", "", e.ui.t("xem một xấp hồ sơ (mã xấp do sohoa upload --stack hoặc watch in ra) thay cho một lô",
		"show one stack (the stack ID that sohoa upload --stack or watch printed) instead of a batch"))
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *stackID != "" {
		if len(pos) != 0 || *stacks {
			return usageError{e.ui.t("--stack không đi cùng mã lô hay --stacks", "--stack takes no batch ID and no --stacks")}
		}
		return showStack(ctx, e, src, *stackID, *asJSON)
	}
	if *stacks {
		if len(pos) != 0 {
			return usageError{e.ui.t("--stacks không đi cùng mã lô", "--stacks takes no batch ID")}
		}
		return stackStatus(ctx, e, src, *asJSON)
	}
	if len(pos) != 1 {
		return usageError{e.ui.t("cần đúng một mã lô", "give exactly one batch ID")}
	}
	b, err := readSource(ctx, e, src, func(c *ingest.Client) (*dossier.Batch, error) {
		b, err := c.Batch(ctx, pos[0])
		var ae *ingest.APIError
		if errors.As(err, &ae) && ae.Status == 404 {
			return nil, &userError{vi: "không có lô " + pos[0] + " trên máy chủ", en: "no batch " + pos[0] + " on the server", err: err}
		}
		return b, err
	}, func(recs *storage.SQLRecords) (*dossier.Batch, error) { return localBatch(ctx, recs, pos[0]) })
	if err != nil {
		return err
	}
	if *asJSON {
		return e.printJSON(b)
	}
	printBatch(e.stdout, e.ui, b)
	return nil
}

// showStack shows one stack, from the server (GET /v1/stacks/{id}) or the
// local store: its state, the dossiers found with their batches, the
// exceptions as they stand now (open, with the codes proposed and how to
// resolve them; or resolved, with their batch) and the pages dropped.
func showStack(ctx context.Context, e *env, src sourceFlags, id string, asJSON bool) error {
	notFound := &userError{vi: "không có xấp " + id, en: "no stack " + id}
	res, err := readSource(ctx, e, src, func(c *ingest.Client) (*ingest.StackResult, error) {
		r, err := c.Stack(ctx, id)
		if ae := (*ingest.APIError)(nil); errors.As(err, &ae) && ae.Status == 404 {
			notFound.vi, notFound.en, notFound.err = notFound.vi+" trên máy chủ (hoặc xấp của trạm khác)", notFound.en+" on the server (or another station's)", err
			return nil, notFound
		}
		return r, err
	}, func(recs *storage.SQLRecords) (*ingest.StackResult, error) {
		sr, err := storage.OpenStackRecords(ctx, recs.DB())
		if err != nil {
			return nil, err
		}
		v, err := (&paperstack.Splitter{Records: sr}).View(ctx, &dossier.Token{Role: dossier.RoleAdmin}, id)
		if errors.Is(err, storage.ErrNotFound) {
			notFound.err = err
			return nil, notFound
		} else if err != nil {
			return nil, err
		}
		return v.Result()
	})
	if err != nil {
		return err
	}
	if asJSON {
		return e.printJSON(res)
	}
	printStack(io.Discard, e.stdout, e.ui, res)
	return nil
}

// stackStatus lists the open stack exceptions.
func stackStatus(ctx context.Context, e *env, src sourceFlags, asJSON bool) error {
	list, err := readSource(ctx, e, src, func(c *ingest.Client) ([]dossier.StackException, error) { return c.StackExceptions(ctx) },
		func(recs *storage.SQLRecords) ([]dossier.StackException, error) {
			sr, err := storage.OpenStackRecords(ctx, recs.DB())
			if err != nil {
				return nil, err
			}
			return sr.OpenExceptions(ctx, 1000)
		})
	if err != nil {
		return err
	}
	if asJSON {
		return e.printJSON(list)
	}
	if len(list) == 0 {
		fmt.Fprintln(e.stdout, e.ui.t("Không có trang nào của xấp hồ sơ đang chờ mã hồ sơ.", "No stack pages are waiting for a dossier code."))
		return nil
	}
	for _, x := range list {
		var pages []string
		for _, p := range x.Pages {
			pages = append(pages, fmt.Sprintf("%d:%s", p.Position, p.Name))
		}
		fmt.Fprintf(e.stdout, "%s\t%s %s\t%s %s\n", x.ID, e.ui.t("trạm", "station"), x.Station, e.ui.t("trang", "pages"), strings.Join(pages, " "))
		fmt.Fprintf(e.stdout, "\t%s\n", e.ui.t(x.ReasonVI, x.Reason))
		if len(x.Proposed) > 0 {
			fmt.Fprintf(e.stdout, "\t%s: %s\n", e.ui.t("mã hồ sơ đề xuất (đọc từ giấy tiếp nhận, cần xác nhận)", "proposed dossier code (read from the receipt, to confirm)"), strings.Join(x.Proposed, ", "))
		}
		fmt.Fprintf(e.stdout, "\t%s\n", resolveHint(e.ui, &x))
	}
	return nil
}

// localDB opens the embedded store or PostgreSQL, never creating a
// database that is not there (a mistyped --data).
func localDB(ctx context.Context, df dbFlags, u ui) (*storage.DB, error) {
	dbURL, err := df.url(u)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(dbURL, "postgres") {
		if _, err := os.Stat(dbURL); err != nil {
			return nil, &userError{
				vi:  fmt.Sprintf("không có dữ liệu nhúng %s (chỉ rõ --data THƯ_MỤC, --db URL hoặc --server URL)", dbURL),
				en:  fmt.Sprintf("no embedded store %s (give --data DIR, --db URL or --server URL)", dbURL),
				err: err}
		}
	}
	return storage.OpenDB(ctx, dbURL)
}

// localRecords opens the records of the embedded store or PostgreSQL,
// never creating a database that is not there (localDB); closeDB closes
// the database under them.
func localRecords(ctx context.Context, df dbFlags, u ui) (recs *storage.SQLRecords, closeDB func() error, err error) {
	db, err := localDB(ctx, df, u)
	if err != nil {
		return nil, nil, err
	}
	if recs, err = storage.OpenRecords(ctx, db); err != nil {
		db.Close()
		return nil, nil, err
	}
	return recs, db.Close, nil
}

// localBatch reads a batch from the local records.
func localBatch(ctx context.Context, recs *storage.SQLRecords, id string) (*dossier.Batch, error) {
	b, err := recs.Batch(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, &userError{vi: "không có lô " + id, en: "no batch " + id, err: err}
	} else if err != nil {
		return nil, err
	}
	// What the API adds: the archival fields that flagged a page.
	cat, err := catalog.Open(ctx, recs.DB())
	if err != nil {
		return nil, err
	}
	unsure, err := cat.UnsureFields(ctx, b.ID)
	for i := range b.Pages {
		b.Pages[i].ReviewFields = unsure[b.Pages[i].Index]
	}
	return b, err
}

// pageCounts counts a batch's pages by state.
func pageCounts(b *dossier.Batch) (done, pending, failed int) {
	for _, p := range b.Pages {
		switch p.Status {
		case dossier.PageDone:
			done++
		case dossier.PageException:
			failed++
		default:
			pending++
		}
	}
	return done, pending, failed
}

// batchState words a batch status.
func batchState(u ui, s string) string {
	switch s {
	case dossier.BatchReceived:
		return u.t("đã nhận, chờ xử lý", "received, waiting")
	case dossier.BatchProcessing:
		return u.t("đang xử lý", "processing")
	case dossier.BatchDone:
		return u.t("xong", "done")
	case dossier.BatchFailed:
		return u.t("không thành công", "failed")
	}
	return s
}

// printBatch writes a batch for the operator: state, page counts, result
// code, then every flagged page and every failed page with its reason.
func printBatch(w io.Writer, u ui, b *dossier.Batch) {
	fmt.Fprintf(w, u.t("Lô %s · hồ sơ %s · %q\n", "Batch %s · dossier %s · %q\n"), b.ID, b.DossierCode, b.Title)
	state := batchState(u, b.Status)
	if b.ResultCode != "" && b.Status == dossier.BatchDone {
		state += u.t(" · mã kết quả ", " · result code ") + b.ResultCode
	}
	fmt.Fprintf(w, u.t("Trạng thái: %s\n", "State: %s\n"), state)
	done, pending, failed := pageCounts(b)
	fmt.Fprintf(w, u.t("Trang: %s (%d xong, %d đang chờ, %d lỗi)\n", "Pages: %s (%d done, %d pending, %d failed)\n"),
		u.pages(len(b.Pages)), done, pending, failed)
	var review, bad []dossier.Page
	for _, p := range b.Pages {
		switch {
		case p.Status == dossier.PageException:
			bad = append(bad, p)
		case p.Status == dossier.PageDone && p.NeedsReview:
			review = append(review, p)
		}
	}
	if len(review) > 0 {
		fmt.Fprintf(w, u.t("CẦN XEM LẠI %s:\n", "%s TO REVIEW:\n"), u.pages(len(review)))
		for _, p := range review {
			fmt.Fprintf(w, "  %s %d (%s): %s\n", u.t("trang", "page"), p.Index, p.SourceName, reviewReason(u, p.OrientationUnsure, p.Confidence, p.ReviewReasons, p.ReviewFields))
		}
	}
	if len(bad) > 0 {
		fmt.Fprintf(w, u.t("TRANG LỖI (%d):\n", "FAILED PAGES (%d):\n"), len(bad))
		for _, p := range bad {
			fmt.Fprintf(w, "  %s %d (%s): %s · %s POST /v1/batches/%s/pages/%d/retry\n", u.t("trang", "page"), p.Index, p.SourceName,
				p.Error, u.t("thử lại:", "retry:"), b.ID, p.Index)
		}
	}
}
