package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/sohoa/sohoa/workers"
)

// waitEngine runs open until it succeeds, while its failure says the
// engine (PostgreSQL, RabbitMQ, MinIO) is not answering yet: a worker or
// serve started before its engines, or during their restart, waits for
// them with a log line every try, instead of exiting. Any other failure
// (bad credentials, a malformed URL) ends at once. Each try is bounded so
// that an address that swallows packets is tried again too.
func waitEngine(ctx context.Context, log *slog.Logger, engine, where string, open func(ctx context.Context) error) error {
	wait := time.Second
	for {
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := open(tctx)
		cancel()
		if err == nil || !engineDown(err) || ctx.Err() != nil {
			return err
		}
		log.Warn("waiting for "+engine+": not answering yet", "at", where, "retry_in", wait, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 15*time.Second)
	}
}

// dialQueue connects to RabbitMQ at url, its queues named with prefix,
// waiting for a broker that does not answer yet (waitEngine): serve and
// worker reach it the same way.
func dialQueue(ctx context.Context, log *slog.Logger, url, prefix string) (q *workers.AMQPQueue, err error) {
	err = waitEngine(ctx, log, "RabbitMQ", redactedHost(url), func(ctx context.Context) (err error) {
		q, err = workers.DialAMQP(ctx, workers.AMQPConfig{URL: url, Prefix: prefix, Logger: log})
		return err
	})
	return q, err
}

// newMetricsRegistry is the Prometheus registry a serve or worker process
// exposes on /metrics: the Go runtime and process collectors, then what
// the workers and the API register.
func newMetricsRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// engineDown reports failures that mean "nobody answers there (yet)".
func engineDown(err error) bool {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return true
	}
	s := err.Error()
	return strings.Contains(s, "connection refused") || strings.Contains(s, "not initialized") ||
		strings.Contains(s, "the database system is starting up") || strings.Contains(s, "no such host")
}

// redactedHost names an engine's URL without its credentials, for logs.
func redactedHost(raw string) string {
	if i := strings.LastIndex(raw, "@"); i >= 0 {
		raw = raw[i+1:]
	}
	if i := strings.IndexAny(raw, "/?"); i >= 0 && !strings.HasPrefix(raw, "/") {
		raw = raw[:i]
	}
	return raw
}
