package main

import (
	"bytes"
	"context"
	"encoding/json"
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
	"github.com/sohoa/sohoa/pdf"
)

// stackFolder writes a scanned stack of two dossiers: A behind its
// separator sheet (scanned turned over, 200 dpi bitonal), then B starting
// at its receipt (300 dpi, skewed), with the sample batch's pages between.
func stackFolder(t *testing.T, codeA, codeB string) (dir string, names []string) {
	t.Helper()
	sample := sampleBatch(t)
	dir = t.TempDir()
	sep, err := stacktest.Separator(codeA, stacktest.Scan{DPI: 200, Bitonal: true, Angle: 180})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := stacktest.Receipt(codeB, stacktest.Scan{DPI: 300, Angle: 9}, 3)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	copyPage := func(name, from string) {
		data, err := os.ReadFile(filepath.Join(sample, from))
		if err != nil {
			t.Fatal(err)
		}
		write(name, data)
	}
	write("scan-001.png", stacktest.PNG(sep))
	copyPage("scan-002.jpg", "01.jpg")
	copyPage("scan-003.jpg", "02.jpg")
	write("scan-004.png", stacktest.PNG(rec))
	copyPage("scan-005.jpg", "03.jpg")
	return dir, names
}

// TestStackEndToEnd: a stack sent by a hot folder (embedded server) and
// through POST /v1/stacks (RabbitMQ, MinIO, PostgreSQL) comes out as one
// signed result per dossier, the separator dropped and the receipt kept.
func TestStackEndToEnd(t *testing.T) {
	eachStackMode(t, func(t *testing.T, distributed bool, c stackConfig) {
		c.workers = 2
		keys := testKeys(t, &c)
		ts := startStack(t, c)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		codeA, codeB := "000.00.31.H33-261201-0101", "H33.031.00-261201-AB0102"
		dir, names := stackFolder(t, codeA, codeB)
		station := ts.token(t, dossier.RoleStation, "quay-7")
		client := &ingest.Client{Server: ts.url, Token: station, Log: testLogger(t)}

		var res *ingest.StackResult
		if !distributed {
			// The hot folder: a sub-folder with stack.json is a stack.
			hot := t.TempDir()
			if err := os.Rename(dir, filepath.Join(hot, "xap-1")); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(hot, "xap-1", ingest.StackFile), []byte(`{"operator": "Trần Thị B", "defaults": {"title": "Hồ sơ một cửa"}}`), 0o644)
			got := make(chan *ingest.UploadResult, 1)
			wctx, wcancel := context.WithCancel(ctx)
			var out bytes.Buffer
			e := &env{stdout: &out, stderr: &out, log: testLogger(t), ui: ui{english: true}}
			done := make(chan error, 1)
			go func() {
				done <- watchWith(wctx, e, watchOptions{dir: hot, server: ts.url, token: station, settle: 200 * time.Millisecond},
					func(_ string, r *ingest.UploadResult, err error) {
						if err != nil {
							t.Errorf("watch refused the stack: %v", err)
						}
						got <- r
					})
			}()
			select {
			case r := <-got:
				if r != nil {
					res = r.Stack
				}
			case <-ctx.Done():
				t.Fatal("the watcher took no stack")
			}
			wcancel()
			<-done
			if _, err := os.Stat(filepath.Join(hot, ingest.DoneDir, "xap-1", "scan-001.png")); err != nil {
				t.Errorf("the stack folder did not move to done/: %v\n%s", err, out.String())
			}
		} else {
			var paths []string
			for _, n := range names {
				paths = append(paths, filepath.Join(dir, n))
			}
			manifest := fmt.Appendf(nil, `{"pages": ["%s", "%s", "%s", "%s", "%s"], "defaults": {"title": "Hồ sơ một cửa"}}`,
				names[0], names[1], names[2], names[3], names[4])
			var err error
			if res, err = client.UploadStack(ctx, manifest, "stack-e2e-1", names, paths); err != nil {
				t.Fatal(err)
			}
		}
		if res == nil || len(res.Dossiers) != 2 || len(res.Exceptions) != 0 || !slices.Equal(res.Dropped, []int{1}) {
			t.Fatalf("stack answer %+v: want dossiers A and B, no exception, page 1 dropped", res)
		}
		// `sohoa status --stack` shows the split, from the server and
		// from the store.
		local := []string{"--data", ts.cfg.data}
		if distributed {
			local = []string{"--db", c.dbURL}
		}
		batchOf := map[string]string{}
		for _, d := range res.Dossiers {
			batchOf[d.DossierCode] = d.BatchID
		}
		for _, src := range [][]string{{"--server", ts.url, "--token", station}, local} {
			args := append([]string{"status", "--stack", res.StackID}, src...)
			exit, out, errs := runIn(true, args...)
			for _, w := range []string{"Stack " + res.StackID + ": 5 pages, split", "dossier " + codeA + ": pages 2, 3 → batch " + batchOf[codeA] + " (by its separator sheet)",
				"dossier " + codeB + ": pages 4, 5 → batch " + batchOf[codeB] + " (by the code on its receipt)", "dropped (separator sheets, blank pages): pages 1"} {
				if exit != 0 || !strings.Contains(out, w) {
					t.Errorf("%v: exit %d, want %q in\n%s%s", args, exit, w, out, errs)
				}
			}
		}
		want := map[string][]int{codeA: {2, 3}, codeB: {4, 5}}
		for _, d := range res.Dossiers {
			if !slices.Equal(d.Pages, want[d.DossierCode]) {
				t.Errorf("dossier %s: pages %v, want %v", d.DossierCode, d.Pages, want[d.DossierCode])
			}
			b, err := client.Wait(ctx, d.BatchID, 300*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if b.Status != dossier.BatchDone || b.ResultCode != d.DossierCode+"-KQ1" {
				t.Fatalf("batch %s: %s result %q (%s)", b.ID, b.Status, b.ResultCode, b.Error)
			}
			r, err := ts.records.ResultByCode(ctx, b.ResultCode)
			if err != nil {
				t.Fatal(err)
			}
			rc, _, err := ts.blobs.Get(ctx, r.Key)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			buf.ReadFrom(rc)
			rc.Close()
			rep, err := pdf.Verify(ctx, bytes.NewReader(buf.Bytes()), int64(buf.Len()), pdf.VerifyOptions{TrustPEM: keys.caPEM})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() || len(rep.Signatures) != 1 || r.Pages != 2 {
				t.Errorf("result %s: %d pages, verify %+v", r.Code, r.Pages, rep)
			}
		}
	})
}

// TestStackExceptionProposal: a stack that starts without a separator is
// an exception, kept with its pages; the code printed on its receipt ("Mã
// hồ sơ: …", read by OCR) is proposed, not applied; `sohoa status --stacks`
// shows it, and once the operator confirms it the pages become a signed
// result.
func TestStackExceptionProposal(t *testing.T) {
	var c stackConfig
	c.data = t.TempDir()
	c.workers = 2
	testKeys(t, &c)
	ts := startStack(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	const code = "000.56.27.H33-261008-0092" // printed on the corpus receipt
	dir := t.TempDir()
	var names, paths []string
	for i, f := range []string{"02-clean-300-color.jpg", "03-noise-blur-jpeg-200-color.jpg"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "corpus", f))
		if err != nil {
			t.Fatal(err)
		}
		n := fmt.Sprintf("scan-%d.jpg", i+1)
		os.WriteFile(filepath.Join(dir, n), data, 0o644)
		names, paths = append(names, n), append(paths, filepath.Join(dir, n))
	}
	station := ts.token(t, dossier.RoleStation, "quay-8")
	client := &ingest.Client{Server: ts.url, Token: station, Log: testLogger(t)}
	res, err := client.UploadStack(ctx, fmt.Appendf(nil, `{"pages": ["%s", "%s"]}`, names[0], names[1]), "", names, paths)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Dossiers) != 0 || len(res.Exceptions) != 1 || !slices.Equal(res.Exceptions[0].Proposed, []string{code}) {
		t.Fatalf("stack answer %+v: want one exception proposing %s and no dossier", res, code)
	}
	if _, err := ts.records.Dossier(ctx, code); err == nil {
		t.Fatalf("dossier %s exists: the proposed code was applied without the operator", code)
	}
	id := res.Exceptions[0].ID

	for _, args := range [][]string{
		{"status", "--stacks", "--data", c.data},
		{"status", "--stacks", "--server", ts.url, "--token", ts.token(t, dossier.RoleAdmin, "lead")},
	} {
		exit, out, errs := runIn(true, args...)
		if exit != 0 || !strings.Contains(out, id) || !strings.Contains(out, code) || !strings.Contains(out, "scan-1.jpg") ||
			!strings.Contains(out, "does not start with a separator") {
			t.Errorf("%v: exit %d\n%s%s", args, exit, out, errs)
		}
	}

	// The stack as the station sees it, from the server and the store.
	server := []string{"--server", ts.url, "--token", station}
	for _, src := range [][]string{server, {"--data", c.data}} {
		args := append([]string{"status", "--stack", res.StackID}, src...)
		exit, out, errs := runIn(true, args...)
		if exit != 0 || !strings.Contains(out, "EXCEPTION "+id+" (pages 1, 2)") || !strings.Contains(out, "does not start with a separator") ||
			!strings.Contains(out, "(to confirm, not applied): "+code) || !strings.Contains(out, "sohoa stack resolve "+id+" --proposed") {
			t.Errorf("%v: exit %d\n%s%s", args, exit, out, errs)
		}
		var js ingest.StackResult
		exit, out, errs = runIn(true, append(args, "--json")...)
		if err := json.Unmarshal([]byte(out), &js); exit != 0 || err != nil || js.StackID != res.StackID || len(js.Exceptions) != 1 ||
			js.Exceptions[0].Status != dossier.StackOpen || !slices.Equal(js.Exceptions[0].Proposed, []string{code}) {
			t.Errorf("%v --json: exit %d %v\n%s%s", args, exit, err, out, errs)
		}
	}
	if exit, _, errs := runIn(true, "status", "--stack", "0123456789abcdef", "--server", ts.url, "--token", station); exit != 1 || !strings.Contains(errs, "no stack 0123456789abcdef") {
		t.Errorf("status of an unknown stack: exit %d %s", exit, errs)
	}

	// The operator looks at the exception's first page: the file sent.
	page := filepath.Join(t.TempDir(), "p1.jpg")
	sent, _ := os.ReadFile(paths[0])
	if exit, _, errs := runIn(true, append([]string{"stack", "scan", id, "1", "-o", page}, server...)...); exit != 0 {
		t.Errorf("stack scan %s 1: exit %d\n%s", id, exit, errs)
	} else if got, _ := os.ReadFile(page); !bytes.Equal(got, sent) {
		t.Errorf("stack scan %s 1: %d bytes, want the %d sent", id, len(got), len(sent))
	}
	if exit, _, errs := runIn(true, append([]string{"stack", "scan", id, "3", "-o", page}, server...)...); exit != 1 || !strings.Contains(errs, "has no page 3") {
		t.Errorf("stack scan %s 3: exit %d\n%s", id, exit, errs)
	}

	// What the operator may get wrong is refused before anything changes.
	for _, tc := range []struct {
		args []string
		exit int
		want string
	}{
		{[]string{"--dossier", "000.56.27.H33-261308-0092"}, 1, "dossier code"},                                    // no 13th month
		{[]string{"--dossier", code, "--proposed"}, 2, "not both"},                                                 // both
		{[]string{"--proposed", "--token", ts.token(t, dossier.RoleStation, "quay-khac")}, 1, "another station's"}, // not its stack
	} {
		args := append(append([]string{"stack", "resolve", id}, server...), tc.args...)
		if exit, out, errs := runIn(true, args...); exit != tc.exit || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d (want %d)\n%s%s", tc.args, exit, tc.exit, out, errs)
		}
	}
	if _, err := ts.records.Dossier(ctx, code); err == nil {
		t.Fatalf("dossier %s exists after refused resolves", code)
	}

	// The operator checks the proposed code against the paper and takes it.
	exit, out, errs := runIn(true, append([]string{"stack", "resolve", id, "--proposed"}, server...)...)
	batchID, ok := strings.CutPrefix(strings.TrimSpace(out), code+"\t")
	if exit != 0 || !ok || !strings.Contains(errs, "Gave dossier code "+code+" to the 2 pages of exception "+id) {
		t.Fatalf("stack resolve --proposed: exit %d\n%s%s", exit, out, errs)
	}
	b, err := client.Wait(ctx, batchID, 300*time.Millisecond)
	if err != nil || b.Status != dossier.BatchDone || b.ResultCode != code+"-KQ1" || len(b.Pages) != 2 {
		t.Fatalf("resolved batch: %+v %v", b, err)
	}
	if exit, out, _ := runIn(true, "status", "--stacks", "--data", c.data); exit != 0 || strings.Contains(out, id) {
		t.Errorf("after resolving, status --stacks still lists %s:\n%s", id, out)
	}
	if exit, out, errs := runIn(true, append([]string{"status", "--stack", res.StackID}, server...)...); exit != 0 ||
		!strings.Contains(out, "exception "+id+" (pages 1, 2): resolved → batch "+batchID) {
		t.Errorf("status --stack after resolving: exit %d\n%s%s", exit, out, errs)
	}
	// Resolving again: the same batch; under another code: refused.
	if exit, out, _ := runIn(true, append([]string{"stack", "resolve", id, "--dossier", code}, server...)...); exit != 0 || strings.TrimSpace(out) != code+"\t"+batchID {
		t.Errorf("resolving again: exit %d %q, want the same batch %s", exit, out, batchID)
	}
	if exit, _, errs := runIn(true, append([]string{"stack", "resolve", id, "--dossier", "000.56.27.H33-261008-0093"}, server...)...); exit != 1 || !strings.Contains(errs, "already went to dossier "+code) {
		t.Errorf("resolving under another code: exit %d\n%s", exit, errs)
	}
}

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
