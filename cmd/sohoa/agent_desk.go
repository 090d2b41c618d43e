package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/pdf"
)

// deskAgentBackend is the agent's backend on a desk PC: the server through
// the official's API token, the key through their PKCS#11 token, the same
// per-document step as `sohoa sign` (signOne: the server's signed
// attributes are checked to be this document's before the token signs).
type deskAgentBackend struct {
	client *ingest.Client
	token  pdf.TokenConfig
	extra  []*x509.Certificate // --chain: intermediates to send along

	mu  sync.Mutex
	key *pdf.TokenKey
}

func (b *deskAgentBackend) Describe(ctx context.Context, id string) (agentDocument, error) {
	r, err := b.client.SigningRequest(ctx, id)
	if err != nil {
		return agentDocument{}, err
	}
	return agentDocument{ID: r.ID, ResultCode: r.ResultCode, DossierCode: r.DossierCode, Title: r.Title,
		Official: r.Official, SHA256: r.BaseSHA256, Pages: r.Pages}, nil
}

func (b *deskAgentBackend) Login(ctx context.Context, pin string) error {
	k, err := pdf.OpenTokenKey(b.token, pin)
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.key = k
	b.mu.Unlock()
	return nil
}

func (b *deskAgentBackend) Logout() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.key != nil {
		b.key.Close()
		b.key = nil
	}
}

func (b *deskAgentBackend) Sign(ctx context.Context, id string) (string, error) {
	b.mu.Lock()
	key := b.key
	b.mu.Unlock()
	if key == nil {
		return "", errors.New("the token is not open")
	}
	r, err := b.client.SigningRequest(ctx, id)
	if err != nil {
		return "", err
	}
	chain := key.Chain()
	if len(b.extra) > 0 {
		chain = append(chain[:1:1], b.extra...)
	}
	res, err := signOne(ctx, b.client, key, chain, *r)
	if err != nil {
		return "", err
	}
	return res.Code, nil
}

// runAgent serves the local signing agent on addr (loopback only) for the
// pages of server until ctx ends, then closes the token.
func runAgent(ctx context.Context, e *env, server, addr string, idle time.Duration, backend agentBackend, label string) error {
	origin, err := serverOrigin(server)
	if err != nil {
		return usageError{err.Error()}
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return usageError{e.ui.t("--agent-addr phải là địa chỉ 127.0.0.1:CỔNG", "--agent-addr must be 127.0.0.1:PORT")}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	lines := readLines(e.stdin)
	a := &signingAgent{origin: origin, backend: backend, idleTTL: idle, log: e.log,
		prompt: &terminalPrompt{out: e.stderr, u: e.ui, lines: lines, pin: func(next func() (string, bool)) (string, error) {
			return readPINFrom(e, label, next)
		}}}
	defer a.Logout()
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(e.stderr, e.ui.t("Phần mềm ký đang chờ trang %s tại http://%s (Ctrl-C để dừng)\n", "Signing agent waiting for pages of %s at http://%s (Ctrl-C stops it)\n"), origin, ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
