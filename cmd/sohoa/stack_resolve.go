package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
)

// runStackCommand: sohoa stack resolve EXCEPTION_ID (--dossier CODE |
// --proposed) gives the pages of a stack exception their dossier code
// through the server (POST /v1/stack-exceptions/{id}/resolve).
func runStackCommand(ctx context.Context, e *env, args []string) error {
	synopsis := e.ui.t(`Cách dùng:
  sohoa stack resolve MÃ_NGOẠI_LỆ (--dossier MÃ_HỒ_SƠ | --proposed) --server URL --token MÃ
Gán mã hồ sơ cho các trang của một ngoại lệ xấp hồ sơ (sohoa status --stack MÃ_XẤP hoặc --stacks cho biết mã ngoại lệ):
các trang thành một lô như khi gửi bình thường. --proposed dùng mã đọc được trên giấy tiếp nhận, sau khi đã đối chiếu
với giấy; --dossier dùng mã gõ vào. Mã được kiểm tra theo cả hai dạng mã hồ sơ và ngày trong mã.
Mã truy cập: của trạm đã gửi xấp, hoặc quản trị.`, `Usage:
  sohoa stack resolve EXCEPTION_ID (--dossier CODE | --proposed) --server URL --token T
Gives the pages of a stack exception (sohoa status --stack STACK_ID or --stacks shows its ID) a dossier code: the pages
become a batch like any upload. --proposed takes the code read on the receipt, once you have checked it against the
paper; --dossier a typed code. The code is checked against both dossier code formats and the date in it.
Token: the station that sent the stack, or an admin.`)
	if len(args) == 0 {
		return usageError{e.ui.t("thiếu lệnh con: resolve", "missing subcommand: resolve")}
	}
	sub := args[0]
	if sub == "-h" || sub == "--help" || sub == "help" {
		fmt.Fprintln(e.stdout, synopsis)
		return flag.ErrHelp
	}
	if sub != "resolve" {
		return usageError{e.ui.t("lệnh con không rõ: ", "unknown subcommand: ") + sub}
	}
	fs := e.flagSet("stack", synopsis)
	var sf serverFlags
	sf.add(fs, e.ui)
	code := fs.String("dossier", "", e.ui.t("mã hồ sơ gán cho các trang", "the dossier code to give the pages"))
	proposed := fs.Bool("proposed", false, e.ui.t("dùng mã đọc được trên giấy tiếp nhận (khi chỉ có một mã)", "take the code read on the receipt (when there is one)"))
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{e.ui.t("cần đúng một mã ngoại lệ", "give exactly one exception ID")}
	}
	if (*code != "") == *proposed {
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
