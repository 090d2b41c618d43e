package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// deskStand stands in for the server and the token behind the agent: it
// records what the agent asks of them. (The agent against the real
// server and SoftHSM2 is the review proof's; here the agent's own
// boundary is tested: who it answers, what it asks the official, how long
// the token stays open.)
type deskStand struct {
	mu                sync.Mutex
	described, signed []string
	logins, logouts   int
	pins              []string
	confirm           bool
	shown             []agentDocument
}

func (d *deskStand) Describe(ctx context.Context, id string) (agentDocument, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.described = append(d.described, id)
	return agentDocument{ID: id, ResultCode: "000.00.31.H33-261127-0001-KQ1", Title: "Đơn đề nghị", Pages: 2, SHA256: "ab12"}, nil
}
func (d *deskStand) Login(ctx context.Context, pin string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.logins++
	d.pins = append(d.pins, pin)
	return nil
}
func (d *deskStand) Logout() { d.mu.Lock(); d.logouts++; d.mu.Unlock() }
func (d *deskStand) Sign(ctx context.Context, id string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.signed = append(d.signed, id)
	return "000.00.31.H33-261127-0001-KQ1", nil
}
func (d *deskStand) Confirm(ctx context.Context, doc agentDocument) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.shown = append(d.shown, doc)
	return d.confirm, nil
}
func (d *deskStand) PIN(ctx context.Context) (string, error) { return "1234", nil }

func (d *deskStand) counts() (described, signed, logins, logouts int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.described), len(d.signed), d.logins, d.logouts
}

func TestSigningAgentAnswersOnlyTheServersPage(t *testing.T) {
	const page = "https://sohoa.quan1.gov.vn"
	stand := &deskStand{confirm: true}
	origin, err := serverOrigin(page + "/review")
	if err != nil || origin != page {
		t.Fatalf("serverOrigin = %q, %v", origin, err)
	}
	a := &signingAgent{origin: origin, backend: stand, prompt: stand, idleTTL: 300 * time.Millisecond,
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	defer a.Logout()
	ts := httptest.NewServer(a.Handler())
	defer ts.Close()
	send := func(method, path, origin, host, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if host != "" {
			req.Host = host
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(strings.NewReader(string(raw)))
		return resp
	}
	sign := `{"id": "0123abcd"}`

	// Refused: another page, no page (a local program), another host name
	// (DNS re-binding), a preflight from another page.
	for _, tc := range []struct{ name, method, origin, host string }{
		{"other origin", "POST", "https://evil.example", ""},
		{"no origin", "POST", "", ""},
		{"lookalike origin", "POST", page + ".evil.example", ""},
		{"re-bound host name", "POST", page, "evil.example:8765"},
		{"other origin's preflight", "OPTIONS", "https://evil.example", ""},
	} {
		resp := send(tc.method, "/sign", tc.origin, tc.host, sign)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" || !strings.Contains(string(body), "error_vi") {
			t.Errorf("%s: %d, ACAO %q, %s; want 403 without CORS leave", tc.name, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), body)
		}
	}
	if d, s, _, _ := stand.counts(); d != 0 || s != 0 {
		t.Fatalf("refused requests reached the server (%d) or the token (%d)", d, s)
	}

	// The server's page: preflight, then sign after the official confirms.
	resp := send("OPTIONS", "/sign", page, "", "")
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != page ||
		resp.Header.Get("Access-Control-Allow-Private-Network") != "true" {
		t.Errorf("preflight from the page: %d %v", resp.StatusCode, resp.Header)
	}
	resp = send("POST", "/sign", page, "", sign)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "-KQ1") || resp.Header.Get("Access-Control-Allow-Origin") != page {
		t.Fatalf("sign: %d %s", resp.StatusCode, body)
	}
	if len(stand.shown) != 1 || stand.shown[0].Title != "Đơn đề nghị" || stand.shown[0].SHA256 != "ab12" {
		t.Errorf("the official was shown %+v, want the server's description", stand.shown)
	}
	// Within the idle time the token stays open: no second PIN.
	if resp = send("POST", "/sign", page, "", sign); resp.StatusCode != 200 {
		t.Fatalf("second sign: %d", resp.StatusCode)
	}
	if _, s, l, _ := stand.counts(); s != 2 || l != 1 {
		t.Errorf("two signatures took %d logins, want 1 (signed %d)", l, s)
	}
	// Past it, the token is closed and the PIN asked again.
	time.Sleep(600 * time.Millisecond)
	if _, _, _, lo := stand.counts(); lo != 1 {
		t.Fatalf("token closed %d times after the idle time, want 1", lo)
	}
	if resp = send("POST", "/sign", page, "", sign); resp.StatusCode != 200 {
		t.Fatalf("sign after the idle time: %d", resp.StatusCode)
	}
	if _, _, l, _ := stand.counts(); l != 2 {
		t.Errorf("logins %d after the idle time, want 2", l)
	}

	// The official says no: nothing is signed.
	stand.confirm = false
	resp = send("POST", "/sign", page, "", sign)
	body, _ = io.ReadAll(resp.Body)
	if _, s, _, _ := stand.counts(); resp.StatusCode != http.StatusForbidden || s != 3 || !strings.Contains(string(body), "từ chối") {
		t.Errorf("refused by the official: %d %s, %d signatures", resp.StatusCode, body, s)
	}
	// A malformed request id never reaches the server.
	stand.confirm = true
	if resp = send("POST", "/sign", page, "", `{"id": "../../v1/tokens"}`); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed id: %d", resp.StatusCode)
	}
}

// The official sees on the agent's terminal what the server says is to
// be signed, and only a yes signs; a question nobody answers in time is
// a no, and does not eat the answer to the next one.
func TestTerminalPromptConfirm(t *testing.T) {
	pr, pw := io.Pipe()
	var out strings.Builder
	p := &terminalPrompt{out: &out, lines: readLines(pr)}
	d := agentDocument{DossierCode: "000.00.31.H33-261127-0001", ResultCode: "000.00.31.H33-261127-0001-KQ1", Title: "Đơn đề nghị", Pages: 3, Official: "Nguyễn Văn A", SHA256: "ab12cd"}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	if ok, err := p.Confirm(ctx, d); ok || err == nil {
		t.Errorf("unanswered question: %v, %v; want a no with the timeout", ok, err)
	}
	cancel()
	for _, tc := range []struct {
		answer string
		want   bool
	}{{"c\n", true}, {"  Có \n", true}, {"y\n", true}, {"k\n", false}, {"\n", false}, {"yes please\n", false}} {
		go pw.Write([]byte(tc.answer))
		ok, err := p.Confirm(context.Background(), d)
		if err != nil || ok != tc.want {
			t.Errorf("answer %q: %v, %v; want %v", tc.answer, ok, err, tc.want)
		}
	}
	for _, want := range []string{d.DossierCode, d.ResultCode, d.Title, "Số trang: 3", d.Official, "SHA-256: ab12cd", "(c/k)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the terminal does not show %q:\n%s", want, out.String())
		}
	}
	pw.Close()
	if ok, err := p.Confirm(context.Background(), d); ok || err == nil {
		t.Errorf("closed terminal: %v, %v", ok, err)
	}
}

// A PIN nobody types in time gives the agent back (it signs one document
// at a time, so a forgotten prompt would hold it for ever), and the line
// typed later goes to the next question.
func TestTerminalPromptPINTimesOut(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	p := &terminalPrompt{out: io.Discard, lines: readLines(pr), pin: func(next func() (string, bool)) (string, error) {
		line, ok := next()
		if !ok {
			return "", io.EOF
		}
		return line, nil
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := p.PIN(ctx); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("unanswered PIN prompt: %v, want the deadline", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the PIN prompt outlived its deadline")
	}
	go pw.Write([]byte("1234\n"))
	if pin, err := p.PIN(context.Background()); pin != "1234" || err != nil {
		t.Errorf("next PIN: %q, %v", pin, err)
	}
}

// Between questions nothing reads the agent's terminal: the PIN typed
// there for the no-echo prompt (/dev/tty) must not be taken by the line
// reader of the questions, to turn up as the answer to the next one.
func TestTerminalLinesReadOnlyWhenAsked(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	l := readLines(pr)
	typed := func(line string) chan struct{} {
		done := make(chan struct{})
		go func() { io.WriteString(pw, line+"\n"); close(done) }()
		return done
	}
	answer := typed("y")
	if line, ok := l.next(context.Background()); line != "y" || !ok {
		t.Fatalf("answer: %q, %v", line, ok)
	}
	<-answer
	// Answered: now the PIN is typed at the terminal while no question waits.
	pin := typed("1234")
	select {
	case <-pin:
		t.Fatal("the question reader read the terminal with no question waiting: it would take the PIN")
	case <-time.After(300 * time.Millisecond):
	}
	// Asked, it reads (here the line left on the pipe).
	if line, ok := l.next(context.Background()); line != "1234" || !ok {
		t.Errorf("next question: %q, %v", line, ok)
	}
	<-pin
	// The end of the input ends every question.
	pw.Close()
	if _, ok := l.next(context.Background()); ok {
		t.Error("a line after the end of the input")
	}
	if _, ok := l.next(context.Background()); ok {
		t.Error("a line after the end of the input, asked again")
	}
}
