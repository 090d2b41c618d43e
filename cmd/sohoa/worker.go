package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/pdf"
	"github.com/sohoa/sohoa/workers"
)

// runWorker runs page and document workers against RabbitMQ, MinIO and
// PostgreSQL: as many processes on as many machines as wanted.
func runWorker(ctx context.Context, e *env, args []string) error {
	fs := e.flagSet("worker", e.ui.t("Cách dùng: sohoa worker --amqp URL --s3 URL --db URL [tùy chọn ký số]",
		"Usage: sohoa worker --amqp URL --s3 URL --db URL [signing options]")+"\n"+
		e.ui.t("Chạy worker nhận dạng trang và tạo tệp PDF từ hàng đợi RabbitMQ; chạy bao nhiêu tiến trình, trên bao nhiêu máy cũng được.",
			"Runs page and document workers from the RabbitMQ queues; run as many processes on as many machines as you like."))
	amqpURL := fs.String("amqp", os.Getenv("SOHOA_AMQP"), e.ui.t("địa chỉ RabbitMQ (hoặc biến SOHOA_AMQP)", "RabbitMQ URL (or SOHOA_AMQP)"))
	s3URL := fs.String("s3", os.Getenv("SOHOA_S3"), e.ui.t("địa chỉ MinIO http://KHÓA:BÍMẬT@máy:cổng/bucket (hoặc SOHOA_S3)", "MinIO URL http://KEY:SECRET@host:port/bucket (or SOHOA_S3)"))
	dbURL := fs.String("db", os.Getenv("SOHOA_DB"), e.ui.t("địa chỉ PostgreSQL (hoặc SOHOA_DB)", "PostgreSQL URL (or SOHOA_DB)"))
	prefix := fs.String("amqp-prefix", envOr("SOHOA_AMQP_PREFIX", "sohoa"), e.ui.t("tiền tố tên hàng đợi RabbitMQ (như của serve)", "RabbitMQ queue name prefix (the same as serve's)"))
	concurrency := new(int)
	fs.IntVar(concurrency, "concurrency", 0, e.ui.t("số trang nhận dạng cùng lúc (mặc định: số lõi CPU)", "pages recognized at once (default: CPU cores)"))
	fs.IntVar(concurrency, "workers", 0, e.ui.t("như --concurrency", "same as --concurrency"))
	lang := fs.String("lang", "vie", e.ui.t("ngôn ngữ Tesseract", "Tesseract languages"))
	webhook := fs.String("webhook", os.Getenv("SOHOA_WEBHOOK_URL"), e.ui.t("URL nhận sự kiện kết quả (POST, ký HMAC bằng SOHOA_WEBHOOK_SECRET)", "URL receiving result events (POST, HMAC-signed with SOHOA_WEBHOOK_SECRET)"))
	noEvents := fs.Bool("no-events", false, e.ui.t("không gửi sự kiện kết quả (mặc định: một tiến trình serve/worker được bầu để gửi)", "deliver no result events (by default one serve/worker process is elected to deliver them)"))
	metricsAddr := fs.String("metrics-addr", os.Getenv("SOHOA_METRICS_ADDR"), e.ui.t("địa chỉ phục vụ /metrics và /healthz, ví dụ 127.0.0.1:9101", "address serving /metrics and /healthz, e.g. 127.0.0.1:9101"))
	pdfa := fs.String("pdfa", "2b", e.ui.t("mức PDF/A của tệp kết quả: 1b, 2b, 3b", "PDF/A level of results: 1b, 2b, 3b"))
	unsigned := fs.Bool("unsigned", false, e.ui.t("cho phép tạo kết quả KHÔNG ký số (chỉ để thử)", "allow results WITHOUT a digital signature (trials only)"))
	// The limits of the intake through which stack jobs submit the
	// dossiers they find: serve's flags and variables.
	var lf intakeLimits
	lf.addFlags(fs, e.ui)
	var sc pdf.SignerConfig
	sc.AddFlags(fs)
	var df deskFlags
	df.addFlags(fs, e.ui)
	localizeFlags(fs, e.ui)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{e.ui.t("không nhận đối số: ", "takes no arguments: ") + strings.Join(fs.Args(), " ")}
	}
	switch pdf.Conformance(*pdfa) {
	case pdf.PDFA1B, pdf.PDFA2B, pdf.PDFA3B:
	default:
		return usageError{e.ui.t("--pdfa phải là 1b, 2b hoặc 3b", "--pdfa must be 1b, 2b or 3b")}
	}
	if err := df.check(e.ui); err != nil {
		return err
	}
	if err := checkResultPolicy(e.ui, 1, sc.Enabled() || !df.serverKeyNeeded(), *unsigned, *webhook); err != nil {
		return err
	}
	limits, err := lf.limits()
	if err != nil {
		return err
	}
	if *amqpURL == "" || *s3URL == "" || *dbURL == "" {
		return usageError{e.ui.t("cần --amqp, --s3 và --db (hoặc SOHOA_AMQP, SOHOA_S3, SOHOA_DB)", "--amqp, --s3 and --db are required (or SOHOA_AMQP, SOHOA_S3, SOHOA_DB)")}
	}

	st, err := openStores(ctx, e.log, *dbURL, *s3URL)
	if err != nil {
		return err
	}
	defer st.Close()
	q, err := dialQueue(ctx, e.log, *amqpURL, *prefix)
	if err != nil {
		return err
	}
	defer q.Close()
	signer, signerName, err := openSeal(ctx, e.log, sc, &df)
	if err != nil {
		return err
	}
	if signer != nil {
		defer signer.Close()
	}
	desk, err := df.open(ctx, st.db, sc.TSAURL)
	if err != nil {
		return err
	}
	pool := ocr.NewPool(ocr.Options{Languages: *lang, Engines: *concurrency})
	defer pool.Close()

	// Stack jobs submit each dossier found through an intake of their own,
	// with the limits serve is given, as the API does.
	spool, err := os.MkdirTemp("", "sohoa-spool-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(spool)

	reg := newMetricsRegistry()
	r, _, _, err := st.newRunner(ctx, workers.Config{
		Queue:       q,
		OCR:         pool,
		Signer:      signer,
		SignerName:  signerName,
		Conformance: pdf.Conformance(*pdfa),
		Desk:        desk,
		Concurrency: *concurrency,
		Events: workers.EventsConfig{
			Publisher:     q,
			WebhookURL:    *webhook,
			WebhookSecret: os.Getenv("SOHOA_WEBHOOK_SECRET"),
			Disabled:      *noEvents,
		},
		Metrics: reg,
		Logger:  e.log,
	}, limits, spool)
	if err != nil {
		return err
	}
	if *metricsAddr != "" {
		ln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
	}
	e.log.Info("worker started", "queue_prefix", *prefix, "concurrency", *concurrency, "signing", signer != nil)
	err = r.Run(ctx)
	e.log.Info("worker stopped")
	return err
}
