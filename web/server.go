// Package web is sohoa's HTTP API and search page: stations upload batches,
// case systems read dossiers and signed results, archivists search.
//
// Errors are JSON: {"error": "<English>", "error_vi": "<tiếng Việt>"} plus
// "field" or "file" when one manifest field or page file is at fault. The
// status says who must act: 4xx the client (400 malformed request, 401 no or
// bad token, 403 role or owner, 404, 409 duplicate, 413 too large, 415 not
// multipart, 422 invalid manifest or page, 429 rate limit), 5xx the server.
package web

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ingest/stack"
	"github.com/sohoa/sohoa/storage"
)

// Check is one readiness probe: the database, the queue, the blob store.
type Check struct {
	Name string
	Func func(ctx context.Context) error
}

// Records is what the HTTP API needs of the record store: tokens and
// browser sessions, the reads it serves, and the one operator action it
// takes; *storage.SQLRecords implements it, and
// its methods' doc comments give the full contract. Lookups of an unknown
// id or code return storage.ErrNotFound.
type Records interface {
	// Authenticate returns the token whose secret this is:
	// storage.ErrNotFound for an unknown secret, storage.ErrForbidden for
	// a revoked one, storage.ErrForbidden and storage.ErrExpired for an
	// expired one.
	Authenticate(ctx context.Context, secret string) (*dossier.Token, error)
	// Browser sessions stand for a token: CreateSession starts one that
	// ends after ttl or with its token; SessionToken answers as
	// Authenticate does, storage.ErrNotFound for an ended session;
	// DeleteSession ends one (log out).
	CreateSession(ctx context.Context, tokenID string, ttl time.Duration) (id string, expires time.Time, err error)
	SessionToken(ctx context.Context, id string) (*dossier.Token, error)
	DeleteSession(ctx context.Context, id string) error
	// Batch returns a batch with its pages.
	Batch(ctx context.Context, id string) (*dossier.Batch, error)
	// Dossier returns a dossier with its batches (with pages) in upload
	// order and its results in code order.
	Dossier(ctx context.Context, code string) (*dossier.Dossier, error)
	// ResultByCode returns the result <dossier>-KQ<n>.
	ResultByCode(ctx context.Context, code string) (*dossier.Result, error)
	// Exceptions returns up to limit excepted pages, oldest first.
	Exceptions(ctx context.Context, limit int) ([]dossier.Page, error)
	// ReviewPages returns up to limit pages read but flagged for review
	// (NeedsReview), oldest first.
	ReviewPages(ctx context.Context, limit int) ([]dossier.Page, error)
	// RetryPage puts an excepted page back to pending; retrying a pending
	// page does nothing, and a finished page, or any page of a done batch,
	// is storage.ErrConflict.
	RetryPage(ctx context.Context, batchID string, index int) error
	// Stats reports the work over the batches uploaded in a range of
	// days, grouped; an unknown group or a malformed day is an error.
	Stats(ctx context.Context, q storage.StatsQuery) (*dossier.Stats, error)
}

// Config wires a Server. Records, Blobs and Intake are required.
type Config struct {
	Records Records // *storage.SQLRecords
	Blobs   storage.Blobs
	// Catalog holds the archival metadata of the results
	// (*catalog.Catalog); nil: results show none and the archival exports
	// answer 404.
	Catalog Catalog
	Intake  *ingest.Intake
	// Stacks accepts stacks of many dossiers (POST /v1/stacks; its Queue
	// splits them in a job), shows them (GET /v1/stacks/{id}) and resolves
	// their exceptions; nil: the routes answer 404.
	Stacks *stack.Splitter

	// Review keeps the desk review's log (GET and POST /v1/review/...);
	// nil: the routes answer 404. Reassembler, when set, rebuilds the
	// document awaiting signature after each change. Reviser, when set,
	// takes a change to a signed document to its revision (the next
	// result KQ<n+1>); nil: such a change is refused (409).
	Review      ReviewLog
	Reassembler Reassembler
	Reviser     Reviser
	// Rescanner reads re-scans (POST /v1/review/{id}/pages/{page}/rescan);
	// nil: the route answers 404.
	Rescanner Rescanner

	// Signing answers /v1/signing (documents waiting for the desk
	// official's signature); nil leaves the routes unanswered (404).
	Signing Signing

	// Search answers GET /v1/search (JSON); UI serves the search page at /
	// and its assets. Both come from the search side of this package; nil
	// leaves the routes unanswered (404).
	Search http.Handler
	UI     http.Handler

	// Registry collects the server's metrics; the workers of the same
	// process register theirs on it too. New when nil.
	Registry *prometheus.Registry

	Ready []Check // for /readyz

	// Rate limits every authenticated request per token: Rate per second
	// with bursts of Burst. Defaults 20/s, burst 100; negative disables.
	Rate  float64
	Burst int

	// BadTokensPerMinute and BadTokenBurst limit failed sign-ins per
	// remote address (bad, revoked or expired tokens); an address over the
	// limit gets 429 without its token being looked up. Defaults 20 a
	// minute, burst 20; negative disables.
	BadTokensPerMinute float64
	BadTokenBurst      int

	// MetricsAuth makes /metrics ask for a token (any role), for servers
	// whose metrics port is reachable by more than the monitoring system.
	MetricsAuth bool

	SpoolDir   string        // temporary files of uploads; os.TempDir() when empty
	PresignTTL time.Duration // ?redirect=1 URLs; 5 minutes when 0
	SessionTTL time.Duration // browser session cookie; 12 hours when 0
	Log        *slog.Logger
}

// Server is the HTTP API. Build it with New and serve Handler(); it is safe
// for concurrent use. The routes, and the roles a token (or the session
// cookie) needs on each, are described in openapi.yaml, served at
// /openapi.yaml; errors are the bilingual JSON of the package doc.
type Server struct {
	cfg       Config
	log       *slog.Logger
	reg       *prometheus.Registry
	handler   http.Handler
	limits    *rateLimiter
	badTokens *badTokens
	gate      engineGate // uploads answer 503 while an engine is down
	m         serverMetrics
	patterns  []string // patterns as registered, for the OpenAPI sync test
}

type serverMetrics struct {
	requests *prometheus.HistogramVec
	uploads  *prometheus.CounterVec
	pages    prometheus.Counter
}

// New builds a Server and registers its metrics.
func New(cfg Config) (*Server, error) {
	if cfg.Records == nil || cfg.Blobs == nil || cfg.Intake == nil {
		return nil, errors.New("web: Records, Blobs and Intake are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Rate == 0 {
		cfg.Rate = 20
	}
	if cfg.Burst == 0 {
		cfg.Burst = 100
	}
	if cfg.PresignTTL == 0 {
		cfg.PresignTTL = 5 * time.Minute
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.SpoolDir == "" {
		cfg.SpoolDir = os.TempDir()
	}
	s := &Server{cfg: cfg, log: cfg.Log, reg: cfg.Registry}
	if s.reg == nil {
		s.reg = prometheus.NewRegistry()
		s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	if cfg.Rate > 0 {
		s.limits = newRateLimiter(cfg.Rate, cfg.Burst)
	}
	if cfg.BadTokensPerMinute == 0 {
		cfg.BadTokensPerMinute = 20
	}
	if cfg.BadTokenBurst == 0 {
		cfg.BadTokenBurst = 20
	}
	if cfg.BadTokensPerMinute > 0 {
		s.badTokens = newBadTokens(cfg.BadTokensPerMinute, cfg.BadTokenBurst)
	}
	s.m = serverMetrics{
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sohoa_http_request_duration_seconds",
			Help:    "HTTP requests by route and status code.",
			Buckets: []float64{.005, .01, .025, .05, .1, .2, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "code"}),
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sohoa_uploads_total",
			Help: "Batch uploads by outcome (accepted, replayed, rejected_<status>).",
		}, []string{"outcome"}),
		pages: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sohoa_uploaded_pages_total",
			Help: "Pages accepted through the API.",
		}),
	}
	for _, c := range []prometheus.Collector{s.m.requests, s.m.uploads, s.m.pages} {
		if err := s.reg.Register(c); err != nil {
			return nil, fmt.Errorf("web: register metrics: %w", err)
		}
	}
	s.handler = s.routes()
	return s, nil
}

// Handler is the whole HTTP surface.
func (s *Server) Handler() http.Handler { return s.handler }

// Registry is the server's metrics registry, to share with workers.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	h := func(pattern string, f http.Handler) {
		mux.Handle(pattern, s.instrument(pattern, f))
		s.patterns = append(s.patterns, pattern)
	}

	h("POST /v1/batches", s.auth(s.postBatch, dossier.RoleStation))
	h("GET /v1/batches/{id}", s.auth(s.getBatch, dossier.RoleStation))
	h("GET /v1/dossiers/{code}", s.auth(s.getDossier, dossier.RoleCase, dossier.RoleArchivist))
	h("GET /v1/dossiers/{code}/archival.json", s.auth(s.getArchival(false), dossier.RoleCase, dossier.RoleArchivist))
	h("GET /v1/dossiers/{code}/archival.xml", s.auth(s.getArchival(true), dossier.RoleCase, dossier.RoleArchivist))
	h("GET /v1/results/{code}", s.auth(s.getResult, dossier.RoleCase, dossier.RoleArchivist))
	h("GET /v1/results/{code}/pdf", s.auth(s.getResultPDF, dossier.RoleCase, dossier.RoleArchivist))
	h("GET /v1/results/{code}/pages/{n}/image", s.auth(s.getPageImage, dossier.RoleCase, dossier.RoleArchivist))
	h("POST /v1/stacks", s.auth(s.withStacks(s.postStack), dossier.RoleStation))
	h("GET /v1/stacks/{id}", s.auth(s.withStacks(s.getStack), dossier.RoleStation))
	h("GET /v1/stack-exceptions/{id}", s.auth(s.withStacks(s.getStackException), dossier.RoleStation))
	h("GET /v1/stack-exceptions/{id}/pages/{position}", s.auth(s.withStacks(s.getStackExceptionPage), dossier.RoleStation))
	h("POST /v1/stack-exceptions/{id}/resolve", s.auth(s.withStacks(s.resolveStackException), dossier.RoleStation))
	h("GET /v1/exceptions", s.auth(s.getExceptions))
	h("POST /v1/batches/{id}/pages/{n}/retry", s.auth(s.retryPage))
	h("GET /v1/stats", s.auth(s.getStats, dossier.RoleStation))
	if s.cfg.Review != nil {
		h("GET /v1/review/{id}", s.auth(s.getReview, dossier.RoleStation))
		h("GET /v1/review/{id}/pages/{page}", s.auth(s.getReviewPage, dossier.RoleStation))
		h("GET /v1/review/{id}/pages/{page}/image", s.auth(s.getReviewImage, dossier.RoleStation))
		h("POST /v1/review/{id}/changes", s.auth(s.postReviewChange, dossier.RoleStation))
		h("POST /v1/review/{id}/pages/{page}/rescan", s.auth(s.postReviewRescan, dossier.RoleStation))
	}
	h("POST /v1/session", http.HandlerFunc(s.postSession))
	h("DELETE /v1/session", http.HandlerFunc(s.deleteSession))
	h("GET /v1/whoami", s.auth(s.whoami, dossier.RoleStation, dossier.RoleCase, dossier.RoleArchivist))
	s.signingRoutes(h)
	if s.cfg.Search != nil {
		h("GET /v1/search", s.auth(s.cfg.Search.ServeHTTP, dossier.RoleArchivist))
	}
	h("GET /healthz", http.HandlerFunc(s.healthz))
	h("GET /readyz", http.HandlerFunc(s.readyz))
	metrics := promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg})
	if s.cfg.MetricsAuth {
		metrics = s.auth(metrics.ServeHTTP, dossier.RoleStation, dossier.RoleCase, dossier.RoleArchivist)
	}
	h("GET /metrics", metrics)
	h("GET /openapi.yaml", http.HandlerFunc(serveOpenAPI))
	h("/v1/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, "không có địa chỉ API này", "no such API route")
	}))
	if s.cfg.UI != nil {
		h("/", s.cfg.UI) // the page answers 405 to other methods itself
	}
	return mux
}

// statusWriter remembers the status code for metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) instrument(route string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.code == 0 {
			sw.code = http.StatusOK
		}
		s.m.requests.WithLabelValues(route, fmt.Sprint(sw.code)).Observe(time.Since(start).Seconds())
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	apiJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	out := map[string]string{}
	code := http.StatusOK
	for _, c := range s.cfg.Ready {
		if err := c.Func(ctx); err != nil {
			out[c.Name] = err.Error()
			code = http.StatusServiceUnavailable
		} else {
			out[c.Name] = "ok"
		}
	}
	status := "ready"
	if code != http.StatusOK {
		status = "not ready"
	}
	apiJSON(w, code, map[string]any{"status": status, "checks": out})
}

// ListenConfig is how Serve listens. Zero values take the defaults above;
// a negative cap or rate disables it.
type ListenConfig struct {
	Addr            string
	TLSCert, TLSKey string // both or neither
	ShutdownTimeout time.Duration
	OnListen        func(addr net.Addr) // called once listening (the real port when Addr ends in :0)

	// MaxConns caps open connections in all, MaxConnsPerIP those from one
	// remote address; a connection over either is closed at once.
	MaxConns, MaxConnsPerIP int
	// HeaderTimeout bounds the TLS handshake and the request line and
	// headers; IdleTimeout a kept-alive connection between requests.
	HeaderTimeout, IdleTimeout time.Duration
	// A request body must arrive at MinBodyRate bytes/s over each
	// BodyWindow of waiting, and no wait may exceed BodyWindow; a response
	// write may wait WriteStall at most for the client to read.
	MinBodyRate int64
	BodyWindow  time.Duration
	WriteStall  time.Duration
}

func (lc *ListenConfig) withDefaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&lc.MaxConns, DefaultMaxConns)
	def(&lc.MaxConnsPerIP, DefaultMaxConnsPerIP)
	for _, d := range []struct {
		v *time.Duration
		d time.Duration
	}{{&lc.HeaderTimeout, DefaultHeaderTimeout}, {&lc.IdleTimeout, DefaultIdleTimeout},
		{&lc.BodyWindow, DefaultBodyWindow}, {&lc.WriteStall, DefaultWriteStall}, {&lc.ShutdownTimeout, 30 * time.Second}} {
		if *d.v <= 0 {
			*d.v = d.d
		}
	}
	if lc.MinBodyRate == 0 {
		lc.MinBodyRate = DefaultMinBodyRate
	}
}

// PlainHTTPExposed reports whether a server listening on addr without TLS
// can be reached from other machines: tokens and session cookies would
// cross the network in clear text.
func PlainHTTPExposed(addr net.Addr, tls bool) bool {
	if tls {
		return false
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return true
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// Serve runs h on lc.Addr until ctx is done, then shuts down gracefully:
// new connections are refused, requests in flight get ShutdownTimeout
// to finish. Connections are capped and every phase of a request is
// bounded in time or rate (see ListenConfig), so that slow or idle
// clients cannot exhaust the server.
func Serve(ctx context.Context, h http.Handler, lc ListenConfig, log *slog.Logger) error {
	lc.withDefaults()
	ln, err := net.Listen("tcp", lc.Addr)
	if err != nil {
		return fmt.Errorf("web: listen %s: %w", lc.Addr, err)
	}
	if lc.MaxConns > 0 || lc.MaxConnsPerIP > 0 {
		ln = newLimitListener(ln, lc.MaxConns, lc.MaxConnsPerIP, log)
	}
	srv := &http.Server{
		Handler:           bodyPolicy{minRate: lc.MinBodyRate, window: lc.BodyWindow, writeStall: lc.WriteStall}.wrap(h),
		ReadHeaderTimeout: lc.HeaderTimeout,
		IdleTimeout:       lc.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if (lc.TLSCert == "") != (lc.TLSKey == "") {
		ln.Close()
		return errors.New("web: --tls-cert and --tls-key go together")
	}
	if lc.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(lc.TLSCert, lc.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("web: load TLS certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	if PlainHTTPExposed(ln.Addr(), lc.TLSCert != "") {
		log.Warn("web: plain HTTP on a non-loopback address: tokens and cookies cross the network in clear text; use --tls-cert/--tls-key or a TLS proxy",
			"addr", ln.Addr().String())
	}
	if lc.OnListen != nil {
		lc.OnListen(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("web: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), lc.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("web: shutdown: %w", err)
	}
	return nil
}
