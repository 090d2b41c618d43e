package storage_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
)

// The crash tests run a child process (this test binary, re-executed) that
// writes through the store and reports each call that returned; the parent
// kills it with SIGKILL mid-stream, then checks that everything reported as
// stored is there, whole, and that nothing half-written shows.

const crashEnv = "SOHOA_STORAGE_CRASH_CHILD"

func TestCrashChild(t *testing.T) {
	mode := os.Getenv(crashEnv)
	if mode == "" {
		return // only a helper process for the crash tests
	}
	ctx := context.Background()
	target := os.Getenv(crashEnv + "_TARGET")
	out := bufio.NewWriter(os.Stdout)
	say := func(s string) { fmt.Fprintln(out, s); out.Flush() }
	switch mode {
	case "records":
		r, err := storage.OpenRecordsURL(ctx, target)
		if err != nil {
			say("error " + err.Error())
			os.Exit(1)
		}
		for i := 0; ; i++ {
			b, _, err := r.CreateBatch(ctx, newBatch(dossierCode, "tok", fmt.Sprintf("k%d", i), fmt.Sprintf("fp%d", i), 2), false)
			if err != nil {
				say("error " + err.Error())
				os.Exit(1)
			}
			if _, err := r.FinishPage(ctx, dossier.Page{BatchID: b.ID, Index: 1, Status: dossier.PageDone, ResultKey: "r"}); err != nil {
				say("error " + err.Error())
				os.Exit(1)
			}
			say("stored " + b.ID)
		}
	case "blobs":
		l, err := storage.OpenLocal(target)
		if err != nil {
			say("error " + err.Error())
			os.Exit(1)
		}
		if _, err := l.Put(ctx, "dossiers/d/first.bin", strings.NewReader("first blob"), -1, "", ""); err != nil {
			say("error " + err.Error())
			os.Exit(1)
		}
		say("stored first")
		// The second never ends: its reader gives 1 MiB and then blocks.
		l.Put(ctx, "dossiers/d/second.bin", io.MultiReader(bytes.NewReader(make([]byte, 1<<20)), readFunc(func([]byte) (int, error) {
			say("writing")
			select {}
		})), -1, "", "")
	}
}

type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }

// crashChild starts the helper, calls onLine for each line it prints until
// onLine returns false, then kills it.
func crashChild(t *testing.T, mode, target string, onLine func(string) bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+mode, crashEnv+"_TARGET="+target)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	timer := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer timer.Stop()
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "error ") {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal(line)
		}
		if !onLine(line) {
			break
		}
	}
	cmd.Process.Kill() // SIGKILL: no deferred cleanup runs in the child
	cmd.Wait()
}

func TestCrashRecordsSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), storage.DataDBFile)
	var stored []string
	crashChild(t, "records", path, func(line string) bool {
		if id, ok := strings.CutPrefix(line, "stored "); ok {
			stored = append(stored, id)
		}
		return len(stored) < 40
	})
	r, err := storage.OpenRecordsURL(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, id := range stored {
		b, err := r.Batch(context.Background(), id)
		if err != nil {
			t.Fatalf("batch %s reported stored before the kill: %v", id, err)
		}
		if b.Pages[0].Status != dossier.PageDone || b.Pages[1].Status != dossier.PagePending {
			t.Fatalf("batch %s pages after the kill: %+v", id, b.Pages)
		}
	}
	// The database is usable after the crash.
	if _, _, err := r.CreateBatch(context.Background(), newBatch(dossierCode, "tok", "after", "fp-after", 1), false); err != nil {
		t.Fatal(err)
	}
}

func TestCrashLocalBlobs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "blobs")
	crashChild(t, "blobs", dir, func(line string) bool { return line != "writing" })
	l, err := storage.OpenLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rc, _, err := l.Get(ctx, "dossiers/d/first.bin")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || string(got) != "first blob" {
		t.Fatalf("first blob after the kill: %q, %v", got, err)
	}
	if _, err := l.Stat(ctx, "dossiers/d/second.bin"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("half-written blob is visible: %v", err)
	}
	// The interrupted Put, tried again, lands.
	if _, err := l.Put(ctx, "dossiers/d/second.bin", strings.NewReader("second"), 6, "", ""); err != nil {
		t.Fatal(err)
	}
}
