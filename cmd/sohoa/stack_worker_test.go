package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ingest/stack/stacktest"
)

// TestStackWorkerLimits: the dossiers a stack's job finds go through the
// intake of the process that runs the job, here a `sohoa worker` beside an
// API-only serve with the default limits. The worker reads the upload
// limits as serve does, from the flag or its SOHOA_ variable: with at most
// two pages a batch (so four a stack), the stack is split and its
// three-page dossier kept as an exception naming the limit (the code it
// was found under proposed), not made a batch the limit forbids. A worker
// with the default limits would make it a batch.
func TestStackWorkerLimits(t *testing.T) {
	const code = "000.00.31.H33-261201-0201"
	sep, err := stacktest.Separator(code, stacktest.Scan{DPI: 200, Bitonal: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	names := []string{"scan-1.png", "scan-2.jpg", "scan-3.jpg", "scan-4.jpg"}
	os.WriteFile(filepath.Join(dir, names[0]), stacktest.PNG(sep), 0o644)
	for i, from := range []string{"01.jpg", "02.jpg", "03.jpg"} {
		data, err := os.ReadFile(filepath.Join(sampleBatch(t), from))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, names[i+1]), data, 0o644)
	}
	var paths []string
	for _, n := range names {
		paths = append(paths, filepath.Join(dir, n))
	}
	manifest := fmt.Appendf(nil, `{"pages": ["%s"]}`, strings.Join(names, `", "`))

	for _, how := range []string{"flag", "env"} {
		t.Run(how, func(t *testing.T) {
			c := distributedConfig(t)
			c.workers = 0 // API only: the worker below runs the stack's job
			ts := startStack(t, c)
			args := []string{"--amqp", c.amqpURL, "--amqp-prefix", c.prefix, "--s3", c.s3URL, "--db", c.dbURL, "--unsigned", "--concurrency", "1"}
			if how == "flag" {
				args = append(args, "--max-batch-pages", "2")
			} else {
				t.Setenv("SOHOA_MAX_BATCH_PAGES", "2")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			werr := make(chan error, 1)
			var log bytes.Buffer
			go func() {
				werr <- runWorker(ctx, &env{stdout: &log, stderr: &log, log: testLogger(t), ui: ui{english: true}}, args)
				cancel() // a worker that stops ends the wait below
			}()
			defer func() {
				cancel()
				if err := <-werr; err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("sohoa worker: %v\n%s", err, log.String())
				}
			}()

			client := &ingest.Client{Server: ts.url, Token: ts.token(t, dossier.RoleStation, "quay-9"), Log: testLogger(t)}
			res, err := client.UploadStack(ctx, manifest, "stack-worker-limits", names, paths)
			if err != nil {
				t.Fatalf("stack: %v\n%s", err, log.String())
			}
			if res.Status != dossier.StackExcepted || len(res.Dossiers) != 0 || len(res.Exceptions) != 1 || !slices.Equal(res.Dropped, []int{1}) {
				t.Fatalf("stack answer %+v: want its dossier in exception (over the worker's 2 pages a batch), the separator dropped", res)
			}
			if x := res.Exceptions[0]; !slices.Equal(x.Proposed, []string{code}) || !strings.Contains(x.Reason, "could not become a batch") || !strings.Contains(x.Reason, "passes 2 pages") {
				t.Errorf("exception %+v; want %s proposed, refused for passing 2 pages", x, code)
			}
		})
	}
}

// TestLimitVariables: serve and worker read a limit's SOHOA_ variable the
// same way, and both refuse one that is not a number rather than run with
// the default in its place.
func TestLimitVariables(t *testing.T) {
	clearCommandEnv(t)
	var l intakeLimits
	t.Setenv("SOHOA_MAX_BATCH_PAGES", "7")
	t.Setenv("SOHOA_STATION_PAGES_PER_HOUR", "-1")
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	l.addFlags(fs, ui{})
	if err := fs.Parse([]string{"--max-file-mb", "3"}); err != nil {
		t.Fatal(err)
	}
	got, err := l.limits()
	if err != nil || got.MaxBatchPages != 7 || got.StationPagesPerHour != -1 || got.MaxFileBytes != 3<<20 || got.MaxBatchBytes != ingest.DefaultMaxBatchBytes {
		t.Errorf("limits %+v, %v: want 7 pages a batch and no hourly budget from the variables, 3 MB a file from the flag, the default elsewhere", got, err)
	}

	t.Setenv("SOHOA_MAX_FILE_MB", "12x")
	for _, args := range [][]string{
		{"serve", "--unsigned", "--workers", "0", "--data", t.TempDir(), "--addr", "127.0.0.1:0"},
		{"worker", "--unsigned", "--amqp", "amqp://127.0.0.1:1/", "--s3", "http://k:s@127.0.0.1:1/b", "--db", "postgres://127.0.0.1:1/x"},
	} {
		// A command that took the variable would serve until the deadline.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		var errs bytes.Buffer
		code := run(ctx, args, &env{stdout: &errs, stderr: &errs, log: testLogger(t), ui: ui{english: true}})
		cancel()
		if code == 0 || !strings.Contains(errs.String(), `SOHOA_MAX_FILE_MB="12x"`) {
			t.Errorf("%s with SOHOA_MAX_FILE_MB=12x: exit %d\n%s", args[0], code, errs.String())
		}
	}
}
