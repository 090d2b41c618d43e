package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sohoa/sohoa/ingest"
	paperstack "github.com/sohoa/sohoa/ingest/stack"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/engine"
	"github.com/sohoa/sohoa/pdf"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/web"
	"github.com/sohoa/sohoa/workers"
)

// stackConfig says where each part of the system lives. Every part left
// empty falls back to the embedded default under data: SQLite records,
// queue and index in DATA/sohoa.db, blobs in DATA/blobs.
type stackConfig struct {
	data    string // embedded data folder
	dbURL   string // postgres://... (SOHOA_DB)
	amqpURL string // amqp://... (SOHOA_AMQP)
	s3URL   string // http://KEY:SECRET@host:port/bucket (SOHOA_S3)
	prefix  string // RabbitMQ topology prefix

	workers int // page OCR concurrency in this process; 0 = API only
	sign    pdf.SignerConfig
	desk    deskFlags
	pdfa    string // PDF/A part and level: 1b, 2b (default), 3b

	unsigned   bool   // --unsigned: results may go out without a signature
	webhookURL string // SOHOA_WEBHOOK_SECRET signs it
	// Upload limits, the same in every process that takes in batches.
	limits intakeLimits

	rate  float64
	burst int

	metricsAuth bool // /metrics asks for a token

	// pagePolicy lets tests shorten the workers' backoff.
	pagePolicy workers.Policy
	// ocrPageTimeout lets tests lift the engines' time budget for a page
	// (ocr.Options.PageTimeout; 0 is its 2-minute default).
	ocrPageTimeout time.Duration
}

// addFlags registers the flags shared by serve and demo.
func (c *stackConfig) addFlags(fs *flag.FlagSet, u ui) {
	fs.StringVar(&c.data, "data", envOr("SOHOA_DATA", "sohoa-data"), u.t("thư mục dữ liệu của chế độ nhúng (biến SOHOA_DATA)", "data folder of the embedded mode (env SOHOA_DATA)"))
	fs.StringVar(&c.dbURL, "db", os.Getenv("SOHOA_DB"), u.t("PostgreSQL (postgres://...; biến SOHOA_DB)", "PostgreSQL URL (postgres://...; env SOHOA_DB)"))
	fs.StringVar(&c.amqpURL, "amqp", os.Getenv("SOHOA_AMQP"), u.t("RabbitMQ (amqp://...; biến SOHOA_AMQP)", "RabbitMQ URL (amqp://...; env SOHOA_AMQP)"))
	fs.StringVar(&c.s3URL, "s3", os.Getenv("SOHOA_S3"), u.t("MinIO (http://KHÓA:BÍ_MẬT@máy:cổng/bucket; biến SOHOA_S3)", "MinIO URL (http://KEY:SECRET@host:port/bucket; env SOHOA_S3)"))
	fs.StringVar(&c.prefix, "amqp-prefix", envOr("SOHOA_AMQP_PREFIX", "sohoa"), u.t("tiền tố tên hàng đợi RabbitMQ", "RabbitMQ queue name prefix"))
	fs.IntVar(&c.workers, "workers", runtime.NumCPU(), u.t("số trang OCR cùng lúc trong tiến trình này (0 = chỉ API)", "pages OCR'd at once in this process (0 = API only)"))
	fs.StringVar(&c.webhookURL, "webhook", os.Getenv("SOHOA_WEBHOOK_URL"), u.t("URL nhận sự kiện kết quả, ký HMAC bằng SOHOA_WEBHOOK_SECRET (biến SOHOA_WEBHOOK_URL)", "URL that receives result events, HMAC-signed with SOHOA_WEBHOOK_SECRET (env SOHOA_WEBHOOK_URL)"))
	c.limits.addFlags(fs, u)
	fs.Float64Var(&c.rate, "rate", 20, u.t("số yêu cầu mỗi giây cho mỗi mã truy cập (âm = không giới hạn)", "requests per second per token (negative = unlimited)"))
	fs.IntVar(&c.burst, "burst", 100, u.t("số yêu cầu dồn tối đa cho mỗi mã truy cập", "request burst per token"))
	fs.StringVar(&c.pdfa, "pdfa", "2b", u.t("mức PDF/A của tệp kết quả: 1b, 2b, 3b", "PDF/A level of results: 1b, 2b, 3b"))
	fs.BoolVar(&c.unsigned, "unsigned", false, u.t("cho phép tạo kết quả KHÔNG ký số (chỉ để thử; mặc định serve từ chối chạy không có khóa ký)", "allow results WITHOUT a digital signature (trials only; by default serve refuses to run without a signing key)"))
	c.sign.AddFlags(fs)
	c.desk.addFlags(fs, u)
	localizeFlags(fs, u)
}

// checkResultPolicy refuses a configuration that would quietly produce
// what nobody asked for: results without a signature when this process
// makes results (workers > 0) and --unsigned was not given, or a webhook
// URL without SOHOA_WEBHOOK_SECRET (its events would be signed with an
// empty key, which anyone can forge).
func checkResultPolicy(u ui, workers int, signing, unsigned bool, webhookURL string) error {
	if workers > 0 && !signing && !unsigned {
		return usageError{u.t(
			"không có khóa ký số: kết quả sẽ không được ký. Cho khóa bằng --sign-p12 TỆP --sign-pass-file TỆP (hoặc --sign-pkcs11 ...), hoặc thêm --unsigned nếu cố ý (chỉ để thử), hoặc --workers 0 cho máy chỉ chạy API",
			"no signing key: results would not be signed. Give one with --sign-p12 FILE --sign-pass-file FILE (or --sign-pkcs11 ...), or add --unsigned if that is intended (trials only), or --workers 0 for an API-only machine")}
	}
	if webhookURL != "" && os.Getenv("SOHOA_WEBHOOK_SECRET") == "" {
		return usageError{u.t(
			"--webhook (SOHOA_WEBHOOK_URL) cần SOHOA_WEBHOOK_SECRET: không có bí mật, bên nhận không kiểm tra được sự kiện là thật",
			"--webhook (SOHOA_WEBHOOK_URL) needs SOHOA_WEBHOOK_SECRET: without a secret the receiver cannot tell real events from forged ones")}
	}
	return nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// stack is the assembled system of one process.
type stack struct {
	cfg stackConfig
	log *slog.Logger
	stores
	queue  workers.Queue
	pool   *ocr.Pool
	signer *pdf.Signer
	runner *workers.Runner
	intake *ingest.Intake
	stacks *paperstack.Splitter
	server *web.Server
	reg    *prometheus.Registry
	spool  string
	mode   string // "embedded", "distributed" or "mixed"
}

// openStack opens every part; close it with Close.
func openStack(ctx context.Context, log *slog.Logger, c stackConfig) (st *stack, err error) {
	st = &stack{cfg: c, log: log}
	switch pdf.Conformance(c.pdfa) {
	case "", pdf.PDFA1B, pdf.PDFA2B, pdf.PDFA3B:
	default:
		return nil, usageError{"--pdfa: 1b, 2b or 3b"}
	}
	limits, err := c.limits.limits()
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			st.Close()
			st = nil
		}
	}()
	dist := 0
	for _, u := range []string{c.dbURL, c.amqpURL, c.s3URL} {
		if u != "" {
			dist++
		}
	}
	st.mode = map[int]string{0: "embedded", 3: "distributed"}[dist]
	if st.mode == "" {
		st.mode = "mixed"
	}
	if dist < 3 {
		if err := os.MkdirAll(c.data, 0o700); err != nil {
			return st, fmt.Errorf("data folder: %w", err)
		}
	}

	dbURL := c.dbURL
	if dbURL == "" {
		dbURL = storage.DataDBPath(c.data)
	}
	blobURL := c.s3URL
	if blobURL == "" {
		blobURL = storage.DataBlobsPath(c.data)
	}
	if st.stores, err = openStores(ctx, log, dbURL, blobURL); err != nil {
		return st, err
	}
	var publisher workers.EventPublisher
	if c.amqpURL != "" {
		aq, err := dialQueue(ctx, log, c.amqpURL, c.prefix)
		if err != nil {
			return st, err
		}
		st.queue, publisher = aq, aq
	} else {
		if st.queue, err = workers.NewSQLQueue(ctx, st.db, workers.SQLQueueConfig{Logger: log}); err != nil {
			return st, err
		}
	}

	st.reg = newMetricsRegistry()

	var signerName string
	if st.signer, signerName, err = openSeal(ctx, log, c.sign, &c.desk); err != nil {
		return st, err
	}
	if c.workers > 0 && !engine.Available {
		return st, errors.New(noOCRVI + " (" + noOCREN + "; --workers 0 runs the API alone)")
	}
	if c.workers > 0 {
		opts := ocr.Options{Engines: c.workers, PageTimeout: c.ocrPageTimeout, Logger: log}
		// OCR engines run niced: in one process with the API, an upload
		// must not wait for a CPU behind Tesseract (the throughput of a
		// busy machine is the same, the API's latency is not).
		if exe, err := os.Executable(); err == nil {
			if nice, err := exec.LookPath("nice"); err == nil {
				opts.Command = []string{nice, "-n", "10", exe}
			}
		}
		st.pool = ocr.NewPool(opts)
	}
	desk, err := c.desk.open(ctx, st.db, c.sign.TSAURL)
	if err != nil {
		return st, err
	}
	if st.spool, err = os.MkdirTemp("", "sohoa-spool-"); err != nil {
		return st, err
	}
	st.runner, st.intake, st.stacks, err = st.newRunner(ctx, workers.Config{
		Queue:       st.queue,
		OCR:         st.pool,
		Signer:      st.signer,
		SignerName:  signerName,
		Conformance: pdf.Conformance(c.pdfa),
		Desk:        desk,
		Concurrency: c.workers,
		NoWorkers:   c.workers <= 0,
		Events: workers.EventsConfig{
			Publisher:     publisher,
			WebhookURL:    c.webhookURL,
			WebhookSecret: os.Getenv("SOHOA_WEBHOOK_SECRET"),
		},
		Metrics:    st.reg,
		Logger:     log,
		PagePolicy: c.pagePolicy,
	}, limits, st.spool)
	if err != nil {
		return st, err
	}
	search := web.NewSearch(st.index, web.SearchOptions{Logger: log})
	var signing web.Signing
	if d := st.runner.Desk(); d != nil {
		signing = d
	}
	st.server, err = web.New(web.Config{
		Signing: signing,
		Records: st.records,
		Blobs:   st.blobs,
		Catalog: st.catalog,
		Intake:  st.intake,
		Stacks:  st.stacks,
		Review:  st.review,
		// The review rebuilds the document awaiting signature after each
		// change; a change after signing makes the next result.
		Reassembler: st.runner,
		Reviser:     st.runner,
		Rescanner:   st.runner,
		Search:      search.API(),
		UI:          search.Page(),
		Registry:    st.reg,
		Ready:       st.readyChecks(),
		Rate:        c.rate,
		Burst:       c.burst,

		MetricsAuth: c.metricsAuth,
		SpoolDir:    st.spool,
		Log:         log,
	})
	if err != nil {
		return st, err
	}
	return st, nil
}

// openSeal opens the server's own signing key (the organisation's seal)
// when one is given, names the signer after its certificate unless
// --signer-name does, and refuses a revoked key as --revocation says
// (checkSeal): serve, demo and worker open it the same way. With no key
// it returns nil and --signer-name.
func openSeal(ctx context.Context, log *slog.Logger, sc pdf.SignerConfig, desk *deskFlags) (*pdf.Signer, string, error) {
	if !sc.Enabled() {
		return nil, sc.Name, nil
	}
	s, err := sc.Open(ctx)
	if err != nil {
		return nil, "", err
	}
	name := sc.Name
	if name == "" {
		name = s.Certificate().Subject.CommonName
	}
	if err := desk.checkSeal(ctx, log, s); err != nil {
		s.Close()
		return nil, "", err
	}
	return s, name, nil
}

func (st *stack) readyChecks() []web.Check {
	return []web.Check{
		{Name: "db", Func: func(ctx context.Context) error { return st.db.PingContext(ctx) }},
		{Name: "queue", Func: func(ctx context.Context) error {
			_, err := st.queue.Depth(ctx, "page")
			return err
		}},
		{Name: "blobs", Func: func(ctx context.Context) error {
			// A missing probe object proves the store answers.
			b := storage.UnwrapBlobs(st.blobs) // no retries: readiness must answer now
			_, err := b.Stat(ctx, "readyz/probe")
			if errors.Is(err, storage.ErrNotFound) {
				return nil
			}
			return err
		}},
	}
}

// run serves HTTP and runs the workers until ctx is done, then stops
// both gracefully. onListen gets the listening address.
func (st *stack) run(ctx context.Context, lc web.ListenConfig) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 3)
	wg.Go(func() {
		if err := st.runner.Run(ctx); err != nil && ctx.Err() == nil {
			errc <- fmt.Errorf("workers: %w", err)
		}
	})
	wg.Go(func() {
		// Batches and stacks committed before a crash but never queued
		// are queued now, then checked again now and then.
		t := time.NewTicker(10 * time.Minute)
		defer t.Stop()
		for {
			if _, err := st.intake.Recover(ctx, 30*time.Minute); err != nil && ctx.Err() == nil {
				st.log.Warn("recovery failed", "err", err)
			}
			if _, err := st.stacks.Recover(ctx, 30*time.Minute); err != nil && ctx.Err() == nil {
				st.log.Warn("recovery of stacks failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
	wg.Go(func() {
		if err := web.Serve(ctx, st.server.Handler(), lc, st.log); err != nil {
			errc <- err
		}
		cancel()
	})
	var err error
	select {
	case err = <-errc:
		cancel()
	case <-ctx.Done():
	}
	wg.Wait()
	return err
}

// Close releases everything openStack opened.
func (st *stack) Close() {
	if st.pool != nil {
		st.pool.Close()
	}
	if st.signer != nil {
		st.signer.Close()
	}
	if st.queue != nil {
		st.queue.Close()
	}
	st.stores.Close()
	if st.spool != "" {
		os.RemoveAll(st.spool)
	}
}

// baseURL is how a local client reaches addr.
func baseURL(addr net.Addr, tls bool) string {
	host, port, _ := net.SplitHostPort(addr.String())
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "127.0.0.1"
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// absPath is p made absolute, for printing.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
