package web

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// apiServer is the real API over SQLite records and local blobs, with a
// station token.
func apiServer(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	recs := storagetest.Records(t, storagetest.OpenDB(t, storage.SQLite))
	blobs := storagetest.LocalBlobs(t)
	secret := storagetest.Token(t, recs, dossier.RoleStation, "quay-1")
	cfg.Records, cfg.Blobs, cfg.Intake = recs, blobs, &ingest.Intake{Records: recs, Blobs: blobs}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv, secret
}

// serveOn runs Serve for h on 127.0.0.1 with lc until the test ends and
// returns the address.
func serveOn(t *testing.T, h http.Handler, lc ListenConfig) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	lc.Addr = "127.0.0.1:0"
	lc.ShutdownTimeout = time.Second
	lc.OnListen = func(a net.Addr) { addrc <- a.String() }
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, h, lc, slog.New(slog.DiscardHandler)) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	select {
	case a := <-addrc:
		return a
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	}
	return ""
}

// dialFrom connects to addr from the loopback address from (127.0.0.x:
// another "machine" as far as per-IP caps go).
func dialFrom(t *testing.T, from, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 2 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedWithin reads c until the server closes it, or fails the test
// after d; it returns what was read.
func closedWithin(t *testing.T, c net.Conn, d time.Duration) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	data, err := io.ReadAll(c)
	if isTimeout(err) {
		t.Fatalf("connection still open after %v; read so far: %q", d, data)
	}
	return string(data)
}

// TestSlowloris: requests that announce more than they send are answered
// and their connections closed within the timeouts, instead of holding a
// connection (and a file descriptor) forever.
func TestSlowloris(t *testing.T) {
	srv, station := apiServer(t, Config{})
	addr := serveOn(t, srv.Handler(), ListenConfig{HeaderTimeout: time.Second, BodyWindow: time.Second})
	const post = "POST /v1/batches HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000\r\n"

	tests := []struct {
		name, send string
		within     time.Duration
		status     string // "" when the server may close without answering
	}{
		// Rejected before the body is read: answered at once, then closed.
		{"no token", post + "\r\n", 500 * time.Millisecond, "HTTP/1.1 401"},
		{"bad token", post + "Authorization: Bearer sohoa_nope\r\n\r\n", 500 * time.Millisecond, "HTTP/1.1 401"},
		// A good token but no body: the body's stall timeout.
		{"good token, no body", post + "Authorization: Bearer " + station + "\r\n\r\n", 3 * time.Second, "HTTP/1.1 408"},
		// A page that stops halfway.
		{"page stalls midway", strings.Replace(post, "1000", "100000", 1) + "Authorization: Bearer " + station + "\r\n\r\n" +
			"--b\r\nContent-Disposition: form-data; name=\"manifest\"\r\n\r\n" +
			`{"dossier_code":"000.00.31.H33-220804-0001","title":"t","pages":["p.jpg"]}` +
			"\r\n--b\r\nContent-Disposition: form-data; name=\"page\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0",
			3 * time.Second, "HTTP/1.1 408"},
		// Headers that never end.
		{"headers never end", "GET /healthz HTTP/1.1\r\nHost: x\r\n", 3 * time.Second, ""},
		{"nothing sent", "", 3 * time.Second, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialFrom(t, "127.0.0.1", addr)
			if _, err := io.WriteString(c, tt.send); err != nil {
				t.Fatal(err)
			}
			got := closedWithin(t, c, tt.within)
			if !strings.HasPrefix(got, tt.status) {
				t.Errorf("answer %q, want it to start with %q", got, tt.status)
			}
			if tt.status != "" && !strings.Contains(got, "Connection: close") {
				t.Errorf("answer without Connection: close: %q", got)
			}
		})
	}
}

// TestConnectionCaps: one address holding its share of idle connections
// is refused more, while another address is still served.
func TestConnectionCaps(t *testing.T) {
	srv, _ := apiServer(t, Config{})
	addr := serveOn(t, srv.Handler(), ListenConfig{MaxConnsPerIP: 5, MaxConns: 8, HeaderTimeout: 20 * time.Second})
	for range 5 {
		dialFrom(t, "127.0.0.1", addr) // idle: never sends a byte
	}
	extra := dialFrom(t, "127.0.0.1", addr)
	io.WriteString(extra, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	if got := closedWithin(t, extra, 2*time.Second); got != "" {
		t.Errorf("connection over the per-IP cap was answered: %q", got)
	}

	healthz := func(from string) error {
		c := dialFrom(t, from, addr)
		c.SetDeadline(time.Now().Add(3 * time.Second))
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	if err := healthz("127.0.0.2"); err != nil {
		t.Errorf("/healthz from another address: %v", err)
	}
	// The overall cap: 5 + 1 open, two more fill it; a 9th is refused.
	dialFrom(t, "127.0.0.3", addr)
	dialFrom(t, "127.0.0.3", addr)
	c := dialFrom(t, "127.0.0.4", addr)
	io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	if got := closedWithin(t, c, 2*time.Second); got != "" {
		t.Errorf("connection over the overall cap was answered: %q", got)
	}
}

// TestBodyRate: an honest upload a few times above the minimum rate
// completes however long it takes; one below it is cut.
func TestBodyRate(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if errors.Is(err, ErrBodyTooSlow) {
			apiError(w, http.StatusRequestTimeout, ErrBodyTooSlow.VI, ErrBodyTooSlow.EN)
			return
		}
		fmt.Fprintf(w, "%d %v", n, err)
	})
	// 8 KiB/s measured over half-second windows.
	addr := serveOn(t, h, ListenConfig{MinBodyRate: 8 << 10, BodyWindow: 500 * time.Millisecond})
	upload := func(total, chunk int, every time.Duration) string {
		c := dialFrom(t, "127.0.0.1", addr)
		fmt.Fprintf(c, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", total)
		buf := make([]byte, chunk)
		for sent := 0; sent < total; sent += chunk {
			time.Sleep(every)
			if _, err := c.Write(buf[:min(chunk, total-sent)]); err != nil {
				break // cut by the server
			}
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return "no answer: " + err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return fmt.Sprintf("%d %s", resp.StatusCode, body)
	}
	// 2 KiB every 62.5 ms = 32 KiB/s, for 3 s: several windows long.
	if got := upload(96<<10, 2<<10, 62500*time.Microsecond); got != fmt.Sprintf("200 %d <nil>", 96<<10) {
		t.Errorf("honest slow upload: %s", got)
	}
	// 512 bytes every 125 ms = 4 KiB/s: half the minimum.
	if got := upload(32<<10, 512, 125*time.Millisecond); !strings.HasPrefix(got, "408") && !strings.HasPrefix(got, "no answer") {
		t.Errorf("too slow an upload: %s", got)
	}
}

// TestBadTokensPerIP: an address that keeps presenting bad tokens is
// refused (429) before its tokens are looked up; other addresses and good
// tokens elsewhere are unaffected.
func TestBadTokensPerIP(t *testing.T) {
	srv, station := apiServer(t, Config{BadTokensPerMinute: 1, BadTokenBurst: 3, Rate: -1})
	get := func(from, token string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/v1/whoami", nil)
		r.RemoteAddr = from + ":4321"
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, r)
		return w
	}
	for i := range 3 {
		if w := get("10.0.0.1", "sohoa_guess"+fmt.Sprint(i)); w.Code != 401 {
			t.Fatalf("bad token %d: %d", i, w.Code)
		}
	}
	w := get("10.0.0.1", "sohoa_guess3")
	if w.Code != 429 || w.Header().Get("Retry-After") == "" || w.Header().Get("Connection") != "close" {
		t.Errorf("4th bad token from one address: %d %v, want 429 with Retry-After and Connection: close", w.Code, w.Header())
	}
	if w := get("10.0.0.1", station); w.Code != 429 {
		t.Errorf("a blocked address is let through with a good token: %d", w.Code)
	}
	if w := get("10.0.0.2", station); w.Code != 200 {
		t.Errorf("good token from another address: %d", w.Code)
	}
	if w := get("10.0.0.2", "sohoa_guess"); w.Code != 401 {
		t.Errorf("first bad token from another address: %d", w.Code)
	}
	for range 10 { // no token at all is not a guess
		if w := get("10.0.0.3", ""); w.Code != 401 {
			t.Fatalf("no token: %d", w.Code)
		}
	}
}

// TestWriteStall: a client that stops reading a large answer is let go
// after the write stall time instead of holding the handler forever.
func TestWriteStall(t *testing.T) {
	result := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 64<<10)
		for range 4096 { // 256 MiB: more than any socket buffers
			if _, err := w.Write(buf); err != nil {
				result <- err
				return
			}
		}
		result <- nil
	})
	addr := serveOn(t, h, ListenConfig{WriteStall: 500 * time.Millisecond})
	c := dialFrom(t, "127.0.0.1", addr)
	io.WriteString(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n") // and never read
	select {
	case err := <-result:
		if err == nil {
			t.Fatal("the whole answer was written to a client that reads nothing")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler is still writing to a client that stopped reading")
	}
}

// TestIdleTimeout: a kept-alive connection left idle after its answer is
// closed after the idle timeout.
func TestIdleTimeout(t *testing.T) {
	srv, _ := apiServer(t, Config{})
	addr := serveOn(t, srv.Handler(), ListenConfig{IdleTimeout: 500 * time.Millisecond})
	c := dialFrom(t, "127.0.0.1", addr)
	io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	got := closedWithin(t, c, 3*time.Second)
	if !strings.HasPrefix(got, "HTTP/1.1 200") {
		t.Errorf("answer %q", got)
	}
}
