package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/storage/storagetest"
)

// TestServeWaitsForDatabase: serve's stack, started while PostgreSQL does
// not answer (behind a proxy that is not listening yet), says it waits and
// opens once the database is there, instead of exiting.
func TestServeWaitsForDatabase(t *testing.T) {
	pg, err := url.Parse(storagetest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nobody answers there for now
	target := pg.Host
	pg.Host = addr
	go func() {
		time.Sleep(3 * time.Second)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Error(err)
			return
		}
		t.Cleanup(func() { ln.Close() })
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			go func() { io.Copy(u, c); u.Close() }()
			go func() { io.Copy(c, u); c.Close() }()
		}
	}()
	var logs lockedBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	st, err := openStack(ctx, log, stackConfig{data: t.TempDir(), dbURL: pg.String(), workers: 0, rate: -1, maxFileMB: 1, maxBatchMB: 1})
	if err != nil {
		t.Fatalf("openStack gave up after %v: %v\n%s", time.Since(start), err, logs.String())
	}
	defer st.Close()
	if time.Since(start) < 2*time.Second || !strings.Contains(logs.String(), "waiting for the database") {
		t.Errorf("opened after %v without waiting; log:\n%s", time.Since(start), logs.String())
	}
	if strings.Contains(logs.String(), "sohoa:sohoa@") || strings.Contains(logs.String(), ":sohoa@") {
		t.Errorf("the log shows the database password:\n%s", logs.String())
	}
}
