package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeRefusesQuietDefaults: serve with workers and no signing key, or
// with a webhook and no secret, stops at once with a usage error that says
// what to add, instead of producing unsigned results or forgeable events.
func TestServeRefusesQuietDefaults(t *testing.T) {
	clearCommandEnv(t)
	tests := []struct {
		name string
		args []string
		says string // "" when serve must start
	}{
		{"workers without a key", []string{"--workers", "1"}, "--unsigned"},
		{"webhook without a secret", []string{"--workers", "0", "--webhook", "http://127.0.0.1:1/hook"}, "SOHOA_WEBHOOK_SECRET"},
		{"unsigned on purpose", []string{"--workers", "1", "--unsigned"}, ""},
		{"API only", []string{"--workers", "0"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			e := &env{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, log: testLogger(t), ui: ui{english: true}}
			args := append([]string{"--addr", "127.0.0.1:0", "--data", filepath.Join(t.TempDir(), "data")}, tt.args...)
			start := time.Now()
			err := runServe(ctx, e, args)
			if tt.says == "" {
				if err != nil || time.Since(start) < 2*time.Second {
					t.Fatalf("serve %v stopped after %v: %v", tt.args, time.Since(start), err)
				}
				return
			}
			var ue usageError
			if !errors.As(err, &ue) || !strings.Contains(ue.msg, tt.says) || time.Since(start) > 2*time.Second {
				t.Fatalf("serve %v: %v after %v; want a usage error naming %s at once", tt.args, err, time.Since(start), tt.says)
			}
		})
	}
}

// TestWorkerRefusesUnsigned: `sohoa worker` makes results too.
func TestWorkerRefusesUnsigned(t *testing.T) {
	e := &env{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, log: testLogger(t), ui: ui{english: true}}
	err := runWorker(context.Background(), e, []string{"--amqp", "amqp://127.0.0.1:1/", "--s3", "http://k:s@127.0.0.1:1/b", "--db", "postgres://127.0.0.1:1/x"})
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(ue.msg, "--unsigned") {
		t.Fatalf("worker without a key: %v; want a usage error naming --unsigned", err)
	}
}
