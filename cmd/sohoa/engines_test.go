package main

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
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
	// The proxy's address, with nobody listening there for 3 s.
	proxy := storagetest.StartProxy(t, pg.Host)
	proxy.Stop()
	pg.Host = proxy.Addr
	go func() {
		time.Sleep(3 * time.Second)
		proxy.Start()
	}()
	var logs sohoatest.Output
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	st, err := openStack(ctx, log, stackConfig{data: t.TempDir(), dbURL: pg.String(), workers: 0, rate: -1, limits: intakeLimits{maxFileMB: 1, maxBatchMB: 1}})
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
