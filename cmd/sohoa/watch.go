package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	paperstack "github.com/sohoa/sohoa/ingest/stack"
)

type watchOptions struct {
	dir           string
	server, token string
	embedded      *stackConfig // --data: ingest into an in-process stack
	settle        time.Duration
	deleteDone    bool
}

// runWatch ingests batches dropped into a hot folder.
func runWatch(ctx context.Context, e *env, args []string) error {
	fs := e.flagSet("watch", e.ui.t("Cách dùng: sohoa watch THƯ_MỤC (--server URL --token MÃ | --data THƯ_MỤC_DỮ_LIỆU)",
		"Usage: sohoa watch DIR (--server URL --token T | --data DATADIR)")+"\n"+
		e.ui.t("Mỗi lô là một thư mục con có manifest.json và các trang; lô nhận xong chuyển vào done/, lô bị từ chối vào error/ kèm REASON.txt.",
			"Each batch is a sub-folder with manifest.json and its pages; accepted batches move to done/, refused ones to error/ with REASON.txt.")+"\n"+
		e.ui.t("Thư mục có stack.json thay cho manifest.json là một xấp nhiều hồ sơ (tờ phân cách, giấy tiếp nhận có mã QR): trang là các tệp theo thứ tự tên.",
			"A sub-folder with stack.json instead of manifest.json is a stack of many dossiers (separator sheets, receipts with a QR code): its pages are its files in name order."))
	var o watchOptions
	var c stackConfig
	c.addFlags(fs, e.ui)
	fs.StringVar(&o.server, "server", os.Getenv("SOHOA_SERVER"), e.ui.t("địa chỉ máy chủ; bỏ trống để chạy nhúng với --data", "server URL; empty to run embedded on --data"))
	fs.StringVar(&o.token, "token", "", e.ui.t("mã truy cập của trạm (hoặc SOHOA_TOKEN)", "station token (or SOHOA_TOKEN)"))
	fs.DurationVar(&o.settle, "settle", 5*time.Second, e.ui.t("thời gian tệp phải đứng yên trước khi gửi", "how long files must stay unchanged before upload"))
	fs.BoolVar(&o.deleteDone, "delete", false, e.ui.t("xóa lô đã nhận thay vì chuyển vào done/", "delete accepted batches instead of moving them to done/"))
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{e.ui.t("cần đúng một thư mục để theo dõi", "give exactly one folder to watch")}
	}
	o.dir = pos[0]
	if o.token == "" {
		o.token = os.Getenv("SOHOA_TOKEN")
	}
	if o.server == "" {
		o.embedded = &c
	} else if o.token == "" {
		return usageError{e.ui.t("thiếu --token (hoặc SOHOA_TOKEN)", "--token (or SOHOA_TOKEN) is missing")}
	} else if err := checkServerURL("--server", o.server, e.ui); err != nil {
		return err
	}
	return watchWith(ctx, e, o, nil)
}

// watchWith runs the watcher; onDone (tests) hears of every batch handled.
func watchWith(ctx context.Context, e *env, o watchOptions, onDone func(string, *ingest.UploadResult, error)) error {
	w := &ingest.Watcher{Dir: o.dir, Settle: o.settle, DeleteDone: o.deleteDone, Log: e.log}
	bar := e.progress(fmt.Sprintf(e.ui.t("Theo dõi %s", "Watching %s"), o.dir), -1)
	defer bar.clear()
	accepted, refused := 0, 0
	tally := func() string {
		return fmt.Sprintf(e.ui.t("đã nhận %d lô, từ chối %d", "%d batches accepted, %d refused"), accepted, refused)
	}
	bar.status(tally())
	w.OnDone = func(name string, res *ingest.UploadResult, err error) {
		bar.hide()
		if res != nil {
			accepted++
		} else {
			refused++
		}
		defer bar.status(tally())
		switch {
		case res != nil && res.Stack != nil:
			for _, d := range res.Stack.Dossiers {
				fmt.Fprintf(e.stdout, "%s\t%s\t%s\n", name, d.DossierCode, d.BatchID)
			}
			for _, x := range res.Stack.Exceptions {
				fmt.Fprintf(e.stdout, "%s\t%s %s: %s", name, e.ui.t("ngoại lệ", "exception"), x.ID, e.ui.t(x.ReasonVI, x.Reason))
				if len(x.Proposed) > 0 {
					fmt.Fprintf(e.stdout, e.ui.t(" · mã đề xuất (cần xác nhận): %s", " · proposed code (to confirm): %s"), strings.Join(x.Proposed, ", "))
				}
				fmt.Fprintln(e.stdout)
			}
		case res != nil:
			fmt.Fprintf(e.stdout, "%s\t%s\n", name, res.BatchID)
		default:
			fmt.Fprintf(e.stdout, "%s\t%s: %s\n", name, e.ui.t("bị từ chối", "refused"), filepath.Join(o.dir, ingest.ErrorDir, name, ingest.ReasonFile))
		}
		if onDone != nil {
			onDone(name, res, err)
		}
	}
	if o.embedded == nil {
		c := &ingest.Client{Server: o.server, Token: o.token, Log: e.log, OnRetry: retryLine(e, bar)}
		w.Up, w.Stacks = c, c
		return w.Run(ctx)
	}
	st, err := openStack(ctx, e.log, *o.embedded)
	if err != nil {
		return err
	}
	defer st.Close()
	abs, _ := filepath.Abs(o.dir)
	// A stable identity per hot folder scopes the idempotency keys, so a
	// restart after a crash mid-upload finds the first batch again.
	tok := &dossier.Token{ID: "watch:" + abs, Role: dossier.RoleAdmin, Name: "watch"}
	w.Up = ingest.LocalUploader{Intake: st.intake, Token: tok}
	w.Stacks = paperstack.LocalUploader{Splitter: st.stacks, Token: tok}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- st.runner.Run(ctx) }()
	if _, err := st.intake.Recover(ctx, 30*time.Minute); err != nil {
		e.log.Warn("recovery failed", "err", err)
	}
	if _, err := st.stacks.Recover(ctx, 30*time.Minute); err != nil {
		e.log.Warn("recovery of stacks failed", "err", err)
	}
	err = w.Run(ctx)
	cancel()
	<-done
	return err
}
