// Command sohoa digitizes the paper dossiers of Vietnamese one-stop desks:
// it OCRs scanned pages, assembles signed PDF/A files, links them to their
// dossier records and serves them to case systems and archivists.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/sohoa/sohoa/ocr/engine"
)

// command is one subcommand of sohoa.
type command struct {
	name   string
	vi, en string // one-line summary
	run    func(ctx context.Context, env *env, args []string) error
	hidden bool
	ocr    bool // needs the OCR engine, which a build without cgo lacks
}

// env is what a command may touch of the outside world.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
	ui             ui
	term           bool      // stderr is a terminal: progress lines are drawn there
	flags          *cmdFlags // the running command's flags, set by flagSet
}

// printJSON writes v indented to stdout, the shape of the API's answer that
// --json promises, so scripts read the CLI and the API alike.
func (e *env) printJSON(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func commands() []command {
	return []command{
		{name: "demo", ocr: true, vi: "chạy toàn bộ quy trình trên lô mẫu (chế độ nhúng)", en: "run the whole pipeline on the sample batch (embedded mode)", run: runDemo},
		{name: "ocr", ocr: true, vi: "xoay, chỉnh nghiêng và nhận dạng chữ các trang quét", en: "orient, deskew and OCR scanned pages", run: runOCR},
		{name: "pdf", ocr: true, vi: "tạo tệp PDF/A hai lớp có ký số từ các trang quét", en: "build a signed two-layer PDF/A from scanned pages", run: runPDF},
		{name: "verify", vi: "kiểm tra PDF/A và chữ ký số của một tệp PDF", en: "check the PDF/A conformance and signatures of a PDF", run: runVerify},
		{name: "serve", vi: "chạy API, trang tra cứu và các worker", en: "run the API, the search page and workers", run: runServe},
		{name: "worker", ocr: true, vi: "chạy worker xử lý hàng đợi RabbitMQ", en: "run workers against RabbitMQ", run: runWorker},
		{name: "upload", vi: "gửi một lô trang quét lên máy chủ", en: "upload a batch of scanned pages to a server", run: runUpload},
		{name: "sign", vi: "ký các tài liệu chờ cán bộ ký bằng token của cán bộ (PKCS#11)", en: "sign the documents waiting for the official, with their own token (PKCS#11)", run: runSign},
		{name: "reopen", vi: "mở lại yêu cầu ký đã quá hạn với hạn mới (thao tác của quản trị)", en: "reopen expired signing requests with a new deadline (an admin's action)", run: runReopen},
		{name: "watch", vi: "theo dõi thư mục nóng và gửi các lô mới", en: "watch a hot folder and ingest new batches", run: runWatch},
		{name: "search", vi: "tra cứu toàn văn các trang đã số hóa", en: "full-text search over digitized pages", run: runSearch},
		{name: "reindex", vi: "dựng lại chỉ mục tra cứu từ kết quả OCR đã lưu", en: "rebuild the search index from stored OCR results", run: runReindex},
		{name: "migrate", vi: "nâng cấp lược đồ cơ sở dữ liệu", en: "apply database schema migrations", run: runMigrate},
		{name: "status", vi: "xem tình trạng một lô đã gửi: các trang, trang cần xem lại, mã kết quả", en: "show an uploaded batch: its pages, pages to review, result code", run: runStatus},
		{name: "stack", vi: "gán mã hồ sơ cho các trang của xấp hồ sơ đang chờ (ngoại lệ xấp)", en: "give the waiting pages of a stack (a stack exception) their dossier code", run: runStackCommand},
		{name: "separator", vi: "in tờ phân cách hồ sơ (mã QR) để quét nhiều hồ sơ một lượt", en: "print a dossier separator sheet (QR code) for scanning many dossiers at once", run: runSeparator},
		{name: "export", vi: "xuất thông tin văn bản của hồ sơ (JSON, XML theo TT 02/2019/TT-BNV)", en: "export a dossier's document metadata (JSON, XML after TT 02/2019/TT-BNV)", run: runExport},
		{name: "stats", vi: "số liệu công việc: trang, hồ sơ, kết quả, thời gian đến kết quả, tồn đọng", en: "work figures: pages, dossiers, results, time to result, backlog", run: runStats},
		{name: "token", vi: "tạo hoặc thu hồi mã truy cập API", en: "create or revoke API tokens", run: runToken},
		{name: "ocr-engine", hidden: true, run: runOCREngine},
	}
}

func main() {
	engine.MaybeServe() // a Pool's engine child serves pages and exits here
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &env{
		stdin:  os.Stdin,
		stdout: os.Stdout,
		stderr: os.Stderr,
		log:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel()})),
		ui:     uiFromEnv(),
		term:   isTerminal(os.Stderr),
	})
	stop()
	os.Exit(code)
}

func logLevel() slog.Level {
	if os.Getenv("SOHOA_DEBUG") != "" {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// run executes one command line and returns the process exit code:
// 0 success, 1 failure, 2 usage error, or the code of an error with an
// ExitCode method (verify: 2 when the file cannot be read). Help goes to
// stdout (exit 0); errors go to stderr, once, in the user's language.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 {
		usage(e.stderr, e.ui)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		if len(args) > 1 && args[0] == "help" {
			return run(ctx, []string{args[1], "--help"}, e)
		}
		usage(e.stdout, e.ui)
		return 0
	case "--version", "-version", "version":
		printVersion(e.stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		if c.ocr && !engine.Available {
			fmt.Fprintf(e.stderr, "sohoa %s: %s\n", c.name, e.ui.t(noOCRVI, noOCREN))
			return 1
		}
		e.flags = nil
		err := c.run(ctx, e, args[1:])
		fl := e.flags
		switch {
		case err == nil:
			return 0
		case isFlagHelp(err):
			if fl != nil {
				printHelp(e.stdout, e.ui, fl)
			}
			return 0
		case fl != nil && fl.failed:
			// A bad flag: the flag package's error, translated, then a hint.
			fmt.Fprintf(e.stderr, "sohoa %s: %s\n%s\n", c.name, flagError(err, e.ui), helpHint(c.name, e.ui))
			return 2
		case errors.As(err, new(usageError)):
			fmt.Fprintf(e.stderr, "sohoa %s: %s\n%s\n", c.name, e.ui.errText(err), helpHint(c.name, e.ui))
			return 2
		case errors.As(err, new(interface{ ExitCode() int })):
			var ec interface{ ExitCode() int }
			errors.As(err, &ec)
			fmt.Fprintf(e.stderr, "sohoa %s: %s: %v\n", c.name, e.ui.t("lỗi", "error"), err)
			return ec.ExitCode()
		default:
			e.log.Debug("command failed", "command", c.name, "err", err)
			fmt.Fprintf(e.stderr, "sohoa %s: %s: %s\n", c.name, e.ui.t("lỗi", "error"), e.ui.errText(err))
			var ec interface{ ExitCode() int }
			if errors.As(err, &ec) {
				return ec.ExitCode()
			}
			return 1
		}
	}
	fmt.Fprintf(e.stderr, e.ui.t("sohoa: không có lệnh %q\n", "sohoa: unknown command %q\n"), args[0])
	fmt.Fprintln(e.stderr, helpHint("", e.ui))
	return 2
}

func usage(w io.Writer, u ui) {
	fmt.Fprintln(w, u.t("Cách dùng: sohoa LỆNH [tùy chọn] [đối số]", "Usage: sohoa COMMAND [options] [arguments]"))
	fmt.Fprintln(w)
	fmt.Fprintln(w, u.t("Các lệnh:", "Commands:"))
	for _, c := range commands() {
		if c.hidden {
			continue
		}
		fmt.Fprintf(w, "  %-9s %s\n", c.name, u.t(c.vi, c.en))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, u.t("Xem trợ giúp của một lệnh: sohoa LỆNH --help. Phiên bản: sohoa --version. Giao diện tiếng Anh: SOHOA_LANG=en.",
		"Help on one command: sohoa COMMAND --help. Version: sohoa --version. Vietnamese interface (the default): SOHOA_LANG=vi."))
}
