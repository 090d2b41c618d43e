package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
)

// stackUpload is what `sohoa upload --stack` sends: the batch flags give
// the stack's station, operator and defaults.
type stackUpload struct {
	m            ingest.Manifest
	files        []string
	splitOnBlank bool
	wait         bool
	stateDir     string
}

// uploadStack sends a stack (POST /v1/stacks), waits for the server's job
// to split it and prints the outcome: each dossier found with its batch
// (stdout: code and batch id, one line each), the exceptions with the codes
// proposed for them, the pages dropped. With wait, it then waits for each
// batch's result.
func uploadStack(ctx context.Context, e *env, c *ingest.Client, sf *serverFlags, su stackUpload) error {
	pages := make([]string, len(su.files))
	for i, f := range su.files {
		pages[i] = filepath.Base(f)
	}
	m := struct {
		Station        string   `json:"station,omitempty"`
		Operator       string   `json:"operator,omitempty"`
		Defaults       any      `json:"defaults"`
		Pages          []string `json:"pages"`
		IdempotencyKey string   `json:"idempotency_key,omitempty"`
		SplitOnBlank   bool     `json:"split_on_blank,omitempty"`
	}{Station: su.m.Station, Operator: su.m.Operator, Pages: pages, IdempotencyKey: su.m.IdempotencyKey, SplitOnBlank: su.splitOnBlank,
		Defaults: map[string]string{"title": su.m.Title, "document_type": su.m.DocumentType}}
	// As for a batch, the key outlives this process: the same command run
	// again after a crash or Ctrl-C finds the stack already sent.
	var state string
	if m.IdempotencyKey == "" {
		var err error
		state, m.IdempotencyKey, err = uploadKey(uploadStateDir(su.stateDir), sf.server,
			&ingest.Manifest{BatchInfo: dossier.BatchInfo{DossierCode: "stack", Title: su.m.Title}}, su.files)
		if err != nil {
			return err
		}
	}
	mj, err := json.Marshal(m)
	if err != nil {
		return err
	}
	bar := e.progress(e.ui.t("Gửi xấp", "Stack"), 0)
	bar.status(fmt.Sprintf(e.ui.t("đang gửi xấp %s lên %s và chờ tách", "sending a stack of %s to %s and waiting for its split"), e.ui.pages(len(pages)), sf.server))
	res, err := withProgress(ctx, e, c, bar, userError{
		vi: "đã dừng. Chạy lại đúng lệnh này để gửi tiếp hoặc xem kết quả tách: máy chủ nhận ra xấp đã gửi, không tạo hồ sơ trùng",
		en: "stopped. Run the same command again to finish sending or to see the split: the server recognizes a stack already sent and makes no duplicate"},
		func() (*ingest.StackResult, error) { return c.UploadStack(ctx, mj, m.IdempotencyKey, pages, su.files) })
	if err != nil {
		return err
	}
	if state != "" {
		os.Remove(state)
	}
	printStack(e.stdout, e.stderr, e.ui, res)
	if res.Status == dossier.StackFailed {
		return &userError{vi: fmt.Sprintf("xấp %s không tách được: %s", res.StackID, res.ErrorVI),
			en: fmt.Sprintf("stack %s could not be split: %s", res.StackID, res.Error)}
	}
	if !su.wait {
		return nil
	}
	failed := 0
	for _, d := range res.Dossiers {
		b, err := c.Wait(ctx, d.BatchID, 2*time.Second)
		if err != nil {
			return err
		}
		if b.Status != dossier.BatchDone {
			failed++
			printBatch(e.stderr, e.ui, b)
			continue
		}
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\n", d.DossierCode, d.BatchID, b.ResultCode)
	}
	if failed > 0 {
		return &userError{vi: fmt.Sprintf("%d lô của xấp xử lý không thành công (xem ở trên)", failed),
			en: fmt.Sprintf("%d batches of the stack failed (see above)", failed)}
	}
	return nil
}

// printStack tells what became of a stack: on out one line per dossier
// found (code, batch id); on info the summary, the pages of each dossier,
// the exceptions as they stand (open: the reason, the codes proposed, to
// confirm and never applied, and how to resolve; resolved: the batch), and
// the pages dropped.
func printStack(out, info io.Writer, u ui, res *ingest.StackResult) {
	fmt.Fprintf(info, u.t("Xấp %s: %s, %s\n", "Stack %s: %s, %s\n"), res.StackID, u.pages(res.Pages), stackState(u, res.Status))
	if res.Station != "" || res.Operator != "" {
		fmt.Fprintf(info, u.t("  trạm %s, người quét %s\n", "  station %s, operator %s\n"), res.Station, cmp.Or(res.Operator, "-"))
	}
	for _, d := range res.Dossiers {
		fmt.Fprintf(out, "%s\t%s\n", d.DossierCode, d.BatchID)
		fmt.Fprintf(info, u.t("  hồ sơ %s: trang %s → lô %s%s\n", "  dossier %s: pages %s → batch %s%s\n"), d.DossierCode, intList(d.Pages), d.BatchID, foundBy(u, d.FoundBy))
	}
	for _, x := range res.Exceptions {
		var pages []int
		for _, p := range x.Pages {
			pages = append(pages, p.Position)
		}
		if x.Status == dossier.StackResolved {
			fmt.Fprintf(info, u.t("  ngoại lệ %s (trang %s): đã gán mã hồ sơ → lô %s\n", "  exception %s (pages %s): resolved → batch %s\n"), x.ID, intList(pages), x.BatchID)
			continue
		}
		fmt.Fprintf(info, u.t("  NGOẠI LỆ %s (trang %s): %s\n", "  EXCEPTION %s (pages %s): %s\n"), x.ID, intList(pages), u.t(x.ReasonVI, x.Reason))
		if len(x.Proposed) > 0 {
			fmt.Fprintf(info, u.t("    mã đọc được trên giấy tiếp nhận (cần xác nhận, chưa áp dụng): %s\n", "    code read on the receipt (to confirm, not applied): %s\n"), strings.Join(x.Proposed, ", "))
		}
		fmt.Fprintf(info, "    %s\n", resolveHint(u, &x))
	}
	if len(res.Dropped) > 0 {
		fmt.Fprintf(info, u.t("  bỏ (tờ phân cách, trang trắng): trang %s\n", "  dropped (separator sheets, blank pages): pages %s\n"), intList(res.Dropped))
	}
	if res.Status == dossier.StackFailed {
		fmt.Fprintf(info, "  %s\n", u.t(res.ErrorVI, res.Error))
	}
}

// foundBy words what started a dossier in a stack.
func foundBy(u ui, by string) string {
	switch by {
	case "separator":
		return u.t(" (theo tờ phân cách)", " (by its separator sheet)")
	case "receipt":
		return u.t(" (theo mã trên giấy tiếp nhận)", " (by the code on its receipt)")
	}
	return ""
}

// resolveHint tells how to give an open exception its dossier code: the
// command, with --proposed when a code was read on the receipt.
func resolveHint(u ui, x *dossier.StackException) string {
	if len(x.Proposed) == 1 {
		return fmt.Sprintf(u.t("gán mã: sohoa stack resolve %s --proposed (sau khi đối chiếu với giấy) hoặc --dossier MÃ_HỒ_SƠ",
			"give it a code: sohoa stack resolve %s --proposed (once checked against the paper) or --dossier CODE"), x.ID)
	}
	return fmt.Sprintf(u.t("gán mã: sohoa stack resolve %s --dossier MÃ_HỒ_SƠ", "give it a code: sohoa stack resolve %s --dossier CODE"), x.ID)
}

// stackState words a stack's state.
func stackState(u ui, status string) string {
	switch status {
	case dossier.StackQueued:
		return u.t("đang chờ tách", "waiting to be split")
	case dossier.StackSplitting:
		return u.t("đang tách", "being split")
	case dossier.StackSplit:
		return u.t("đã tách hết", "split")
	case dossier.StackExcepted:
		return u.t("đã tách, còn trang chờ người xử lý", "split, with pages waiting for an operator")
	case dossier.StackFailed:
		return u.t("không tách được", "could not be split")
	}
	return status
}

func intList(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}

// runStackCommand: sohoa stack resolve EXCEPTION_ID (--dossier CODE |
// --proposed) gives the pages of a stack exception their dossier code
// through the server (POST /v1/stack-exceptions/{id}/resolve).
func runStackCommand(ctx context.Context, e *env, args []string) error {
	synopsis := e.ui.t(`Cách dùng:
  sohoa stack resolve MÃ_NGOẠI_LỆ (--dossier MÃ_HỒ_SƠ | --proposed) --server URL --token MÃ
  sohoa stack scan MÃ_NGOẠI_LỆ SỐ_TRANG -o TỆP --server URL --token MÃ
Gán mã hồ sơ cho các trang của một ngoại lệ xấp hồ sơ (sohoa status --stack MÃ_XẤP hoặc --stacks cho biết mã ngoại lệ):
các trang thành một lô như khi gửi bình thường. --proposed dùng mã đọc được trên giấy tiếp nhận, sau khi đã đối chiếu
với giấy; --dossier dùng mã gõ vào. Mã được kiểm tra theo cả hai dạng mã hồ sơ và ngày trong mã.
scan lưu tệp quét của một trang của ngoại lệ (số trang trong xấp) để đọc mã trên đó.
Mã truy cập: của trạm đã gửi xấp, hoặc quản trị.`, `Usage:
  sohoa stack resolve EXCEPTION_ID (--dossier CODE | --proposed) --server URL --token T
  sohoa stack scan EXCEPTION_ID POSITION -o FILE --server URL --token T
Gives the pages of a stack exception (sohoa status --stack STACK_ID or --stacks shows its ID) a dossier code: the pages
become a batch like any upload. --proposed takes the code read on the receipt, once you have checked it against the
paper; --dossier a typed code. The code is checked against both dossier code formats and the date in it.
scan saves the scanned file of one page of the exception (its position in the stack), to read the code off it.
Token: the station that sent the stack, or an admin.`)
	sub, args, err := subcommand(e, args, synopsis, "resolve", "scan")
	if err != nil {
		return err
	}
	fs := e.flagSet("stack", synopsis)
	var sf serverFlags
	sf.add(fs, e.ui)
	if sub == "scan" {
		return stackPage(ctx, e, fs, &sf, args)
	}
	code := fs.String("dossier", "", e.ui.t("mã hồ sơ gán cho các trang", "the dossier code to give the pages"))
	proposed := fs.Bool("proposed", false, e.ui.t("dùng mã đọc được trên giấy tiếp nhận (khi chỉ có một mã)", "take the code read on the receipt (when there is one)"))
	pos, err := parseInterspersed(fs, args)
	switch {
	case err != nil:
		return err
	case len(pos) != 1:
		return usageError{e.ui.t("cần đúng một mã ngoại lệ", "give exactly one exception ID")}
	case (*code != "") == *proposed:
		return usageError{e.ui.t("cần --dossier MÃ_HỒ_SƠ hoặc --proposed (không cả hai)", "give --dossier CODE or --proposed (not both)")}
	}
	if *code != "" {
		// Checked here too, so that a typo is told before any request.
		if _, err := dossier.ParseCode(*code); err != nil {
			return err
		}
	}
	c, err := sf.client(e)
	if err != nil {
		return err
	}
	id := pos[0]
	x, err := c.StackException(ctx, id)
	if ae := (*ingest.APIError)(nil); errors.As(err, &ae) && ae.Status == 404 {
		return &userError{vi: "không có ngoại lệ xấp " + id + " trên máy chủ (hoặc của trạm khác)",
			en: "no stack exception " + id + " on the server (or another station's)", err: err}
	} else if err != nil {
		return err
	}
	if *proposed {
		switch len(x.Proposed) {
		case 0:
			return &userError{vi: "không đọc được mã hồ sơ nào trên các trang này: gõ mã bằng --dossier MÃ_HỒ_SƠ",
				en: "no dossier code was read on these pages: type it with --dossier CODE"}
		case 1:
			*code = x.Proposed[0]
		default:
			list := strings.Join(x.Proposed, ", ")
			return &userError{vi: "đọc được nhiều mã (" + list + "): chọn một bằng --dossier MÃ_HỒ_SƠ",
				en: "several codes were read (" + list + "): choose one with --dossier CODE"}
		}
	}
	r, err := c.ResolveStackException(ctx, id, *code)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s\t%s\n", r.DossierCode, r.BatchID)
	if r.Created {
		fmt.Fprintf(e.stderr, e.ui.t("Đã gán mã hồ sơ %s cho %s của ngoại lệ %s: lô %s, %s.\n", "Gave dossier code %s to the %s of exception %s: batch %s, %s.\n"),
			r.DossierCode, e.ui.pages(r.Pages), id, r.BatchID, batchState(e.ui, r.Status))
	} else {
		fmt.Fprintf(e.stderr, e.ui.t("Ngoại lệ %s đã được gán mã hồ sơ %s từ trước: lô %s.\n", "Exception %s was already given dossier code %s: batch %s.\n"),
			id, r.DossierCode, r.BatchID)
	}
	return nil
}

// stackPage: sohoa stack scan EXCEPTION_ID POSITION -o FILE saves a page of
// a stack exception as the station sent it.
func stackPage(ctx context.Context, e *env, fs *flag.FlagSet, sf *serverFlags, args []string) error {
	out := fs.String("o", "", e.ui.t("tệp ghi trang quét vào", "the file to write the scanned page to"))
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	n := 0
	if len(pos) == 2 {
		n, _ = strconv.Atoi(pos[1])
	}
	if n < 1 || *out == "" {
		return usageError{e.ui.t("cần mã ngoại lệ, số trang trong xấp và -o TỆP", "give the exception ID, the page's position in the stack and -o FILE")}
	}
	c, err := sf.client(e)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := c.StackExceptionPage(ctx, pos[0], n, &buf); err != nil {
		if ae := (*ingest.APIError)(nil); errors.As(err, &ae) && ae.Status == 404 {
			return &userError{vi: fmt.Sprintf("ngoại lệ %s không có trang %d (hoặc là của trạm khác)", pos[0], n),
				en: fmt.Sprintf("stack exception %s has no page %d (or is another station's)", pos[0], n), err: err}
		}
		return err
	}
	return os.WriteFile(*out, buf.Bytes(), 0o644)
}
