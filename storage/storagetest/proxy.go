package storagetest

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy forwards a loopback address (Addr) to a service at target
// (host:port). A test points the code under test at Addr; Stop then makes
// the service unreachable to it (listener and every connection closed: what
// a crashed or partitioned server looks like), and Start brings it back on
// the same address. The shared service itself is never stopped, so other
// tests using it go on undisturbed.
type Proxy struct {
	Addr string // host:port to dial instead of the service
	// FromTarget counts the bytes the service has sent back, as they
	// come: what the code under test read from it.
	FromTarget atomic.Int64

	t      testing.TB
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

// StartProxy starts a proxy to target, stopped when the test ends.
func StartProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	p := &Proxy{t: t, Addr: "127.0.0.1:0", target: target}
	p.Start()
	t.Cleanup(p.Stop)
	return p
}

// Start listens on Addr (a free port the first time) and forwards every
// connection to the target.
func (p *Proxy) Start() {
	p.mu.Lock()
	ln, err := net.Listen("tcp", p.Addr)
	if err != nil {
		p.mu.Unlock()
		p.t.Fatal(err)
	}
	p.ln, p.Addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { io.Copy(u, c); u.Close() }()
			go func() { io.Copy(countingWriter{c, &p.FromTarget}, u); c.Close() }()
		}
	}()
}

type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// Stop closes the listener and every forwarded connection.
func (p *Proxy) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
