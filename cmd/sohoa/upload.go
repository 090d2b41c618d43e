package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
)

// runUpload sends one batch to a server, resuming after dropped connections.
func runUpload(ctx context.Context, e *env, args []string) error {
	fs := e.flagSet("upload", e.ui.t("Cách dùng: sohoa upload "+serverUsageVI+" --dossier MÃ_HỒ_SƠ [tùy chọn] TỆP...",
		"Usage: sohoa upload "+serverUsageEN+" --dossier CODE [options] FILE..."))
	var sf serverFlags
	sf.add(fs, e.ui)
	var m ingest.Manifest
	fs.StringVar(&m.DossierCode, "dossier", "", e.ui.t("mã hồ sơ", "dossier code"))
	fs.StringVar(&m.AgencyCode, "agency", "", e.ui.t("mã cơ quan (mặc định lấy từ mã hồ sơ)", "agency code (default: from the dossier code)"))
	fs.StringVar(&m.Title, "title", "", e.ui.t("tên tài liệu (mặc định: tên tệp đầu)", "document title (default: first file name)"))
	fs.StringVar(&m.DocumentType, "type", "", e.ui.t("loại tài liệu", "document type"))
	fs.StringVar(&m.Station, "station", "", e.ui.t("trạm quét", "scanner station"))
	fs.StringVar(&m.Operator, "operator", "", e.ui.t("người quét", "operator"))
	fs.StringVar(&m.IdempotencyKey, "key", "", e.ui.t("khóa chống gửi trùng (mặc định: tự tạo và lưu đến khi gửi xong)", "idempotency key (default: generated and kept until the upload succeeds)"))
	fs.BoolVar(&m.AllowDuplicate, "allow-duplicate", false, e.ui.t("chấp nhận gửi lại đúng các trang đã gửi", "accept the same pages again"))
	wait := fs.Bool("wait", false, e.ui.t("chờ xử lý xong và in mã kết quả", "wait until processed and print the result code"))
	asStack := fs.Bool("stack", false, e.ui.t("các tệp là một xấp nhiều hồ sơ, theo thứ tự quét (tách bằng tờ phân cách, giấy tiếp nhận); không cần --dossier, --title là tên mặc định",
		"the files are a stack of many dossiers in scan order (split at separator sheets and receipts); no --dossier, --title is the default title"))
	splitOnBlank := fs.Bool("split-on-blank", false, e.ui.t("với --stack: trang trắng cũng kết thúc một hồ sơ (và bị bỏ)", "with --stack: blank pages also end a dossier (and are dropped)"))
	stateDir := fs.String("state-dir", "", e.ui.t("thư mục lưu khóa của các lần gửi dở", "folder keeping the keys of unfinished uploads"))
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if sf.server == "" {
		return usageError{e.ui.t("thiếu --server", "--server is missing")}
	}
	// What no retry can fix (a bad URL, no token) fails now, not after a
	// minute of retries.
	c, err := sf.client(e)
	if err != nil {
		return err
	}
	switch {
	case *asStack && m.DossierCode != "":
		return usageError{e.ui.t("--stack không nhận --dossier: mã hồ sơ đọc từ tờ phân cách và giấy tiếp nhận", "--stack takes no --dossier: the codes are read from separator sheets and receipts")}
	case *asStack && len(files) == 0:
		return usageError{e.ui.t("chưa có tệp trang nào", "no page files given")}
	case *asStack:
		return uploadStack(ctx, e, c, &sf, stackUpload{m: m, files: files, splitOnBlank: *splitOnBlank, wait: *wait, stateDir: *stateDir})
	case m.DossierCode == "":
		return usageError{e.ui.t("thiếu --dossier", "--dossier is missing")}
	case len(files) == 0:
		return usageError{e.ui.t("chưa có tệp trang nào", "no page files given")}
	}
	for _, f := range files {
		if st, err := os.Stat(f); err != nil {
			return err
		} else if st.IsDir() {
			return &userError{vi: f + " là thư mục, không phải tệp trang", en: f + " is a folder, not a page file"}
		}
	}
	for _, f := range files {
		m.Pages = append(m.Pages, filepath.Base(f))
	}
	if m.Title == "" {
		m.Title = strings.TrimSuffix(m.Pages[0], filepath.Ext(m.Pages[0]))
	}
	if err := m.Validate(); err != nil {
		return usageError{e.ui.t(ingest.AsError(err).VI, ingest.AsError(err).EN)}
	}

	// The key outlives this process: rerunning the same upload after a
	// crash or Ctrl-C reuses it, so the server never makes two batches.
	var state string
	if m.IdempotencyKey == "" {
		state, m.IdempotencyKey, err = uploadKey(uploadStateDir(*stateDir), sf.server, &m, files)
		if err != nil {
			return err
		}
	}
	bar := e.progress(e.ui.t("Gửi", "Upload"), 0)
	bar.status(fmt.Sprintf(e.ui.t("đang gửi %s lên %s", "sending %s to %s"), e.ui.pages(len(files)), sf.server))
	res, err := withProgress(ctx, e, c, bar, userError{
		vi: "đã dừng gửi. Chạy lại đúng lệnh này để gửi tiếp: máy chủ nhận ra lô đã gửi, không tạo lô trùng",
		en: "upload stopped. Run the same command again to finish it: the server recognizes a batch already sent and makes no duplicate"},
		func() (*ingest.UploadResult, error) { return c.Upload(ctx, &m, files) })
	if err != nil {
		return err
	}
	if state != "" {
		os.Remove(state)
	}
	fmt.Fprintln(e.stdout, res.BatchID)
	if !res.Created {
		fmt.Fprintf(e.stderr, e.ui.t("sohoa upload: lô %s đã được nhận trước đó (không tạo lô mới)\n",
			"sohoa upload: batch %s had been received before (no new batch made)\n"), res.BatchID)
	}
	if !*wait {
		return nil
	}
	follow := fmt.Sprintf("sohoa status --server %s %s", sf.server, res.BatchID)
	bar = e.progress(e.ui.t("Xử lý", "Processing"), len(files))
	b, err := withProgress(ctx, e, c, bar, userError{
		vi: fmt.Sprintf("đã ngừng chờ. Lô %s vẫn được xử lý tiếp trên máy chủ; xem tình trạng bằng: %s", res.BatchID, follow),
		en: fmt.Sprintf("stopped waiting. Batch %s goes on at the server; follow it with: %s", res.BatchID, follow)},
		func() (*dossier.Batch, error) {
			return c.WaitProgress(ctx, res.BatchID, 2*time.Second, func(b *dossier.Batch) {
				done, _, _ := pageCounts(b)
				bar.set(done, len(b.Pages))
				bar.status("")
			})
		})
	if err != nil {
		return err
	}
	printBatch(e.stderr, e.ui, b)
	if b.Status != dossier.BatchDone {
		return &userError{
			vi: fmt.Sprintf("lô %s xử lý không thành công (xem các trang lỗi ở trên)", b.ID),
			en: fmt.Sprintf("batch %s failed (see the failed pages above)", b.ID)}
	}
	fmt.Fprintln(e.stdout, b.ResultCode)
	return nil
}

// withProgress runs step with bar as the one status line: the client's
// retries are told on it and it is cleared when step returns. A step cut
// short by ctx (Ctrl-C) returns stopped, which tells the user where the
// work stands and how to go on.
func withProgress[T any](ctx context.Context, e *env, c *ingest.Client, bar *progress, stopped userError, step func() (T, error)) (T, error) {
	defer bar.clear()
	c.OnRetry = retryLine(e, bar)
	res, err := step()
	if err != nil && ctx.Err() != nil {
		stopped.err = ctx.Err()
		return res, &stopped
	}
	return res, err
}

// retryLine shows the client's retries as the one status line of a
// terminal; on a pipe, the first retry only is told, in one line.
func retryLine(e *env, bar *progress) func(int, int, time.Duration, error) {
	told := false
	return func(attempt, attempts int, wait time.Duration, err error) {
		n := fmt.Sprintf("%d", attempt)
		if attempts > 0 {
			n += fmt.Sprintf("/%d", attempts)
		}
		msg := fmt.Sprintf(e.ui.t("chưa được (lần %s: %s), thử lại sau %s", "not yet (attempt %s: %s), retrying in %s"), n, e.ui.errText(err), e.ui.duration(wait))
		if e.term {
			bar.status(msg)
			return
		}
		if !told {
			told = true
			fmt.Fprintf(e.stderr, "sohoa: %s\n", msg)
		}
	}
}

// uploadStateDir is where the keys of unfinished uploads are kept: dir,
// else the user's cache.
func uploadStateDir(dir string) string {
	if dir != "" {
		return dir
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	return filepath.Join(cache, "sohoa", "uploads")
}

// uploadKey returns the idempotency key of this upload, creating and saving
// it in dir the first time; the state file is removed after success.
func uploadKey(dir, server string, m *ingest.Manifest, files []string) (state, key string, err error) {
	sum, err := ingest.ContentHash(fmt.Appendf(nil, "%s\x00%s\x00%s\x00", server, m.DossierCode, m.Title), files)
	if err != nil {
		return "", "", err
	}
	state = filepath.Join(dir, sum[:32]+".json")
	var saved struct {
		Key string `json:"idempotency_key"`
	}
	if data, err := os.ReadFile(state); err == nil && json.Unmarshal(data, &saved) == nil && saved.Key != "" {
		return state, saved.Key, nil
	}
	saved.Key = "upload-" + storage.NewID()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", err
	}
	data, _ := json.Marshal(saved)
	tmp := state + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return "", "", err
	}
	if err := os.Rename(tmp, state); err != nil {
		return "", "", err
	}
	return state, saved.Key, nil
}
