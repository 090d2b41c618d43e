package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/sohoa/sohoa/ingest"
)

// The local signing agent (`sohoa sign --agent`): like the signing
// services Vietnamese CAs install on desk PCs for web applications, it
// listens on 127.0.0.1 and signs, with the official's own token, what the
// review page asks it to, after showing it to the official on the desk
// PC and asking for confirmation. The browser only names a signing
// request: what is shown and signed comes from the configured server, and
// the signature goes back to it. It answers only the configured server's
// origin (the review page), refuses other origins and other Host names (a
// hostile page re-binding a name to 127.0.0.1), keeps the token logged in
// for a bounded idle time and never keeps the PIN.

// agentDocument is what the official is asked to sign, as the server
// describes it.
type agentDocument struct {
	ID, ResultCode, DossierCode, Title, Official, SHA256 string
	Pages                                                int
}

// agentBackend is the agent's work past its checks: the server's signing
// API and the official's token. Describe reads a request from the
// server; Login opens the token with a PIN and Logout closes it; Sign
// signs a request with the open token, posts the signature and returns
// the linked result code.
type agentBackend interface {
	Describe(ctx context.Context, id string) (agentDocument, error)
	Login(ctx context.Context, pin string) error
	Logout()
	Sign(ctx context.Context, id string) (resultCode string, err error)
}

// agentPrompt asks the official at the desk PC: Confirm shows the
// document and returns their answer; PIN reads the token's PIN.
type agentPrompt interface {
	Confirm(ctx context.Context, d agentDocument) (bool, error)
	PIN(ctx context.Context) (string, error)
}

// signingAgent is the HTTP side of the agent.
type signingAgent struct {
	origin  string // the review page's origin: scheme://host[:port] of the server
	backend agentBackend
	prompt  agentPrompt
	idleTTL time.Duration // the token is logged out after this long unused
	log     *slog.Logger

	work sync.Mutex // one signing at a time: one official, one token, one terminal

	mu       sync.Mutex // guards the login state
	loggedIn bool
	idle     *time.Timer
}

// serverOrigin is the origin a browser sends from pages of server.
func serverOrigin(server string) (string, error) {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q is not an http(s) server URL", server)
	}
	return u.Scheme + "://" + strings.ToLower(u.Host), nil
}

// requestIDPattern: signing request ids are the records' hex ids.
var requestIDPattern = regexp.MustCompile(`^[0-9a-zA-Z_-]{1,64}$`)

func agentError(w http.ResponseWriter, code int, vi, en string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": en, "error_vi": vi})
}

// allowed checks Host and Origin, and answers the refusal itself.
func (a *signingAgent) allowed(w http.ResponseWriter, r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	if host != "127.0.0.1" && host != "localhost" {
		agentError(w, http.StatusForbidden, "tên máy không đúng: chỉ nhận 127.0.0.1", "wrong host name: only 127.0.0.1 is answered")
		return false
	}
	if r.Header.Get("Origin") != a.origin {
		a.log.Warn("agent: request from another origin refused", "origin", r.Header.Get("Origin"), "path", r.URL.Path)
		agentError(w, http.StatusForbidden, "phần mềm ký chỉ nhận yêu cầu từ trang "+a.origin, "the signing agent only answers pages of "+a.origin)
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", a.origin)
	h.Set("Vary", "Origin")
	return true
}

// Handler serves the agent: OPTIONS (the browser's preflight), POST /sign
// {"id": "<signing request>"} and GET /status.
func (a *signingAgent) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("OPTIONS /", func(w http.ResponseWriter, r *http.Request) {
		if !a.allowed(w, r) {
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Methods", "GET, POST")
		h.Set("Access-Control-Allow-Headers", "Content-Type")
		// Chrome asks a public page's leave to reach a private address.
		h.Set("Access-Control-Allow-Private-Network", "true")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		if !a.allowed(w, r) {
			return
		}
		a.mu.Lock()
		in := a.loggedIn
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		json.NewEncoder(w).Encode(map[string]any{"agent": "sohoa", "server": a.origin, "token_open": in})
	})
	mux.HandleFunc("POST /sign", a.sign)
	return mux
}

func (a *signingAgent) sign(w http.ResponseWriter, r *http.Request) {
	if !a.allowed(w, r) {
		return
	}
	var in struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&in); err != nil || !requestIDPattern.MatchString(in.ID) {
		agentError(w, http.StatusBadRequest, `cần JSON {"id": "<mã yêu cầu ký>"}`, `expected JSON {"id": "<signing request id>"}`)
		return
	}
	if !a.work.TryLock() {
		agentError(w, http.StatusConflict, "đang ký một văn bản khác; xác nhận hoặc từ chối nó trước", "another document is being signed; confirm or refuse it first")
		return
	}
	defer a.work.Unlock()
	// The official has this long to read, confirm and type the PIN.
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Minute)
	defer cancel()
	d, err := a.backend.Describe(ctx, in.ID)
	if err != nil {
		a.fail(w, err)
		return
	}
	ok, err := a.prompt.Confirm(ctx, d)
	if err != nil {
		a.fail(w, err)
		return
	}
	if !ok {
		agentError(w, http.StatusForbidden, "cán bộ đã từ chối ký văn bản này", "the official refused to sign this document")
		return
	}
	if err := a.login(ctx); err != nil {
		a.fail(w, err)
		return
	}
	code, err := a.backend.Sign(ctx, in.ID)
	a.touch()
	if err != nil {
		a.fail(w, err)
		return
	}
	a.log.Info("agent: signed", "request", in.ID, "result", code)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(map[string]string{"result_code": code})
}

// login opens the token unless it is open, asking for the PIN.
func (a *signingAgent) login(ctx context.Context) error {
	a.mu.Lock()
	in := a.loggedIn
	a.mu.Unlock()
	if in {
		return nil
	}
	pin, err := a.prompt.PIN(ctx)
	if err != nil {
		return err
	}
	if err := a.backend.Login(ctx, pin); err != nil {
		return &userError{vi: "không mở được token (sai PIN?)", en: "cannot open the token (wrong PIN?)", err: err}
	}
	a.mu.Lock()
	a.loggedIn = true
	a.mu.Unlock()
	return nil
}

// touch restarts the idle time after which the token is logged out.
func (a *signingAgent) touch() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.loggedIn {
		return
	}
	if a.idle != nil {
		a.idle.Stop()
	}
	a.idle = time.AfterFunc(a.idleTTL, a.Logout)
}

// Logout closes the token now (idle time over, or the agent stopping).
func (a *signingAgent) Logout() {
	a.work.Lock() // never in the middle of a signature
	defer a.work.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.loggedIn {
		a.backend.Logout()
		a.loggedIn = false
		a.log.Info("agent: token closed")
	}
	if a.idle != nil {
		a.idle.Stop()
	}
}

// fail answers a refusal in both languages: the server's own (an API
// error), the agent's, or a generic one with the detail logged.
func (a *signingAgent) fail(w http.ResponseWriter, err error) {
	var ue *userError
	var ae *ingest.APIError
	switch {
	case errors.As(err, &ae):
		agentError(w, http.StatusUnprocessableEntity, ae.VI, ae.EN)
	case errors.As(err, &ue):
		agentError(w, http.StatusUnprocessableEntity, ue.vi, ue.en)
	case errors.Is(err, context.DeadlineExceeded):
		agentError(w, http.StatusGatewayTimeout, "hết thời gian chờ xác nhận", "timed out waiting for the confirmation")
	default:
		a.log.Error("agent: signing failed", "err", err)
		agentError(w, http.StatusBadGateway, "không ký được: "+err.Error(), "signing failed: "+err.Error())
	}
}

// terminalPrompt asks the official on the desk PC's terminal: the
// document (from the server) and a yes or no; the PIN through pin (read
// without echo). Answers are read by one line reader shared by every
// question, so a question that timed out leaves no second reader behind
// to eat the next answer.
type terminalPrompt struct {
	out   io.Writer
	u     ui
	lines *terminalLines
	// pin reads the PIN, from the terminal without echo, or else as the
	// line next gives (see readPINFrom).
	pin func(next func() (string, bool)) (string, error)
}

// terminalLines reads the agent's stdin one line per question, and only
// while a question waits for it. On a desk PC stdin is the terminal from
// which the PIN is read too (/dev/tty, without echo): a reader that read
// ahead would be waiting on the same terminal when the PIN is typed and
// could take it, as the answer to the next question. A question that
// ends unanswered (its deadline) leaves its read pending, and the line
// that comes answers the next question.
type terminalLines struct {
	ask   chan struct{}
	lines chan string // closed at the end of the input

	mu      sync.Mutex // one question at a time
	pending bool       // a line was asked for and has not come yet
}

// readLines reads r's lines (each at most 256 bytes) when asked.
func readLines(r io.Reader) *terminalLines {
	l := &terminalLines{ask: make(chan struct{}), lines: make(chan string)}
	go func() {
		defer close(l.lines)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 256), 256)
		for range l.ask {
			if !sc.Scan() {
				return
			}
			l.lines <- sc.Text()
		}
	}()
	return l
}

// next returns the next line, false at the end of the input or when ctx
// ends first.
func (l *terminalLines) next(ctx context.Context) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.pending {
		select {
		case l.ask <- struct{}{}:
			l.pending = true
		case <-l.lines: // closed: no line is sent unasked
			return "", false
		case <-ctx.Done():
			return "", false
		}
	}
	select {
	case line, ok := <-l.lines:
		l.pending = false
		return line, ok
	case <-ctx.Done():
		return "", false
	}
}

func (p *terminalPrompt) Confirm(ctx context.Context, d agentDocument) (bool, error) {
	fmt.Fprintf(p.out, "\n%s\n  %s %s\n  %s %s\n  %s %s\n  %s %d\n  %s %s\n  %s %s\n%s ",
		p.u.t("Trang rà soát yêu cầu ký số văn bản:", "The review page asks to sign:"),
		p.u.t("Hồ sơ:", "Dossier:"), d.DossierCode,
		p.u.t("Kết quả:", "Result:"), d.ResultCode,
		p.u.t("Trích yếu:", "Title:"), d.Title,
		p.u.t("Số trang:", "Pages:"), d.Pages,
		p.u.t("Cán bộ ký:", "Official:"), d.Official,
		"SHA-256:", d.SHA256,
		p.u.t("Ký văn bản này? (c/k)", "Sign this document? (y/n)"))
	line, ok := p.lines.next(ctx)
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(p.out)
		return false, ctx.Err()
	case !ok:
		return false, &userError{vi: "không còn ai trả lời trên màn hình của phần mềm ký", en: "nobody is left to answer on the agent's terminal"}
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "c", "có", "co", "y", "yes":
		return true, nil
	}
	return false, nil
}

// PIN gives up when ctx ends: an official who walks away from the PIN
// prompt must not hold the agent (one signing at a time) for ever.
func (p *terminalPrompt) PIN(ctx context.Context) (string, error) {
	pin, err := p.pin(func() (string, bool) { return p.lines.next(ctx) })
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	return pin, err
}
