package web

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/sohoa/sohoa/ingest"
)

// Connection policy defaults (see ListenConfig).
const (
	DefaultMaxConns      = 1024
	DefaultMaxConnsPerIP = 128
	DefaultHeaderTimeout = 10 * time.Second
	DefaultIdleTimeout   = 2 * time.Minute
	DefaultMinBodyRate   = 4 << 10 // bytes/s: a 100 MiB upload may take up to 7 hours
	DefaultBodyWindow    = 30 * time.Second
	DefaultWriteStall    = time.Minute
)

// limitListener caps open connections in all and per remote IP. A
// connection over either cap is closed as soon as it is accepted: waiting
// in the kernel's backlog instead (as netutil.LimitListener does) would let
// one client's idle connections starve everybody else's, /healthz included.
type limitListener struct {
	net.Listener
	max, perIP int
	log        *slog.Logger

	mu       sync.Mutex
	total    int
	byIP     map[string]int
	refused  int // since the last log line
	loggedAt time.Time
}

func newLimitListener(ln net.Listener, max, perIP int, log *slog.Logger) *limitListener {
	return &limitListener{Listener: ln, max: max, perIP: perIP, log: log, byIP: map[string]int{}}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := remoteIP(c.RemoteAddr().String())
		if l.acquire(ip) {
			return &limitConn{Conn: c, release: func() { l.release(ip) }}, nil
		}
		c.Close()
	}
}

func (l *limitListener) acquire(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	reason := ""
	switch {
	case l.max > 0 && l.total >= l.max:
		reason = fmt.Sprintf("%d connections open in all", l.total)
	case l.perIP > 0 && l.byIP[ip] >= l.perIP:
		reason = fmt.Sprintf("%d connections open from %s", l.byIP[ip], ip)
	default:
		l.total++
		l.byIP[ip]++
		return true
	}
	// One line per 10 s at most: a flood must not become a log flood.
	l.refused++
	if now := time.Now(); now.Sub(l.loggedAt) >= 10*time.Second {
		l.log.Warn("web: connection refused over the cap", "reason", reason, "refused", l.refused,
			"max_conns", l.max, "max_conns_per_ip", l.perIP)
		l.loggedAt, l.refused = now, 0
	}
	return false
}

func (l *limitListener) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.byIP[ip]--; l.byIP[ip] <= 0 {
		delete(l.byIP, ip)
	}
}

// limitConn gives its slot back once, however often it is closed.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// remoteIP is the host part of a remote address ("1.2.3.4:5678").
func remoteIP(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// bodyPolicy bounds what a client may hold of a connection while a request
// is served, as a minimum rate rather than a deadline, so that a slow but
// honest line can still upload 100 MiB:
//   - the request body must arrive at minRate bytes/s, counted over each
//     window of time spent waiting for it (time the server spends on its own
//     work does not count), and no single wait may last longer than window;
//   - a response write may wait at most writeStall for the client to read;
//   - a body the handler left unread is not drained: once the answer is
//     written the connection is closed (Connection: close), so a client
//     that announced a body and never sends it is answered and let go.
type bodyPolicy struct {
	minRate    int64
	window     time.Duration
	writeStall time.Duration
}

// wrap applies the policy to every request of h.
func (p bodyPolicy) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		var gb *guardedBody
		if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
			gb = &guardedBody{body: r.Body, rc: rc, p: p}
			r.Body = gb
		}
		gw := &guardedWriter{ResponseWriter: w, rc: rc, body: gb, stall: p.writeStall}
		// A deadline left by the previous request on this connection must
		// not cut this one short: writes start without one.
		rc.SetWriteDeadline(time.Time{})
		h.ServeHTTP(gw, r)
		gw.beforeHeader()
		// The server flushes the last bytes after we return: bound that too.
		rc.SetWriteDeadline(time.Now().Add(p.writeStall))
	})
}

// ErrBodyTooSlow is the error a request body read returns when the client
// sends slower than the server's minimum rate; the request has failed and
// the connection will be closed.
var ErrBodyTooSlow = &ingest.Error{Status: http.StatusRequestTimeout,
	VI: "gửi dữ liệu quá chậm hoặc bị ngừng; hãy gửi lại",
	EN: "request body too slow or stalled; send it again"}

// guardedBody is a request body read under a bodyPolicy.
type guardedBody struct {
	body io.ReadCloser
	rc   *http.ResponseController
	p    bodyPolicy

	waited time.Duration // waiting time in the current window
	got    int64         // bytes in the current window
	eof    bool
	err    error
}

func (b *guardedBody) Read(buf []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.eof {
		return 0, io.EOF
	}
	start := time.Now()
	b.rc.SetReadDeadline(start.Add(b.p.window))
	n, err := b.body.Read(buf)
	b.waited += time.Since(start)
	b.got += int64(n)
	switch {
	case err == io.EOF:
		// The whole body is in. The server now watches the connection
		// for the client going away; that read must not time out.
		b.eof = true
		b.rc.SetReadDeadline(time.Time{})
		return n, err
	case isTimeout(err):
		b.err = ErrBodyTooSlow
		return n, b.err
	case err != nil:
		return n, err
	}
	if b.waited >= b.p.window {
		if b.p.minRate > 0 && float64(b.got) < float64(b.p.minRate)*b.waited.Seconds() {
			b.err = ErrBodyTooSlow
			return n, b.err
		}
		b.waited, b.got = 0, 0
	}
	return n, nil
}

func (b *guardedBody) Close() error { return b.body.Close() }

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// guardedWriter bounds each write by the policy's stall time and closes
// the connection after an answer given before the body was read.
type guardedWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	body    *guardedBody
	stall   time.Duration
	written bool
}

// beforeHeader runs once, just before the status line goes out. A request
// body not read to its end is abandoned: left alone, the server would try
// to drain it (without a deadline) before answering or reusing the
// connection, which is how a client announcing a body it never sends held
// a connection forever.
func (w *guardedWriter) beforeHeader() {
	if w.written {
		return
	}
	w.written = true
	if w.body != nil && !w.body.eof {
		w.Header().Set("Connection", "close")
		w.rc.SetReadDeadline(time.Now())
	}
}

func (w *guardedWriter) WriteHeader(code int) {
	if code >= 200 {
		w.beforeHeader()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *guardedWriter) Write(p []byte) (int, error) {
	w.beforeHeader()
	w.rc.SetWriteDeadline(time.Now().Add(w.stall))
	return w.ResponseWriter.Write(p)
}

func (w *guardedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
