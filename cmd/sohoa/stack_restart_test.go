package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
	"github.com/sohoa/sohoa/web/webtest"
)

// TestStackSurvivesKill: a stack accepted (202) by a server that is killed
// (SIGKILL) before any worker took its job is split after a restart, on
// the embedded queue (SQLite) and on RabbitMQ with PostgreSQL and MinIO.
// The killed server runs no workers (--workers 0), so the job cannot have
// run before the kill; the restarted one splits it into its two dossiers,
// one batch each.
func TestStackSurvivesKill(t *testing.T) {
	eachStackMode(t, func(t *testing.T, distributed bool, c stackConfig) {
		if !distributed {
			c.data = t.TempDir()
		}
		addr := storagetest.FreeAddr(t)
		args := []string{"serve", "--addr", addr, "--workers", "0", "--rate", "-1"}
		if distributed {
			args = append(args, "--db", c.dbURL, "--amqp", c.amqpURL, "--s3", c.s3URL, "--amqp-prefix", c.prefix)
		} else {
			args = append(args, "--data", c.data)
		}
		srv := exec.Command(sohoatest.Binary(t), args...)
		srv.Env = append(os.Environ(), "SOHOA_DB=", "SOHOA_AMQP=", "SOHOA_S3=")
		out, _ := os.Create(filepath.Join(t.TempDir(), "serve.log"))
		srv.Stdout, srv.Stderr = out, out
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		defer srv.Process.Kill()
		base := "http://" + addr
		deadline := time.Now().Add(2 * time.Minute)
		for !ready(base) {
			if time.Now().After(deadline) {
				log, _ := os.ReadFile(out.Name())
				t.Fatalf("serve never became ready:\n%s", log)
			}
			time.Sleep(200 * time.Millisecond)
		}

		// The station's token, straight in the records the server uses.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		dbURL := c.dbURL
		if dbURL == "" {
			dbURL = storage.DataDBPath(c.data)
		}
		rec, err := storage.OpenRecordsURL(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		station, stationTok, err := rec.CreateToken(ctx, dossier.RoleStation, "quay-k")
		rec.Close()
		if err != nil {
			t.Fatal(err)
		}

		codeA, codeB := "000.00.31.H33-261201-0301", "H33.031.00-261201-AB0302"
		dir, names := stackFolder(t, codeA, codeB)
		files := map[string][]byte{}
		for _, n := range names {
			data, err := os.ReadFile(filepath.Join(dir, n))
			if err != nil {
				t.Fatal(err)
			}
			files[n] = data
		}
		body, ctype := multipartBody(t, fmt.Sprintf(`{"pages": ["%s", "%s", "%s", "%s", "%s"]}`, names[0], names[1], names[2], names[3], names[4]), files)
		var acc struct {
			ID        string `json:"stack_id"`
			Status    string `json:"status"`
			StatusURL string `json:"status_url"`
		}
		if code := webtest.Call(t, "POST", base+"/v1/stacks", station, body, ctype, &acc); code != 202 || acc.Status != dossier.StackQueued {
			t.Fatalf("POST /v1/stacks: %d %+v; want 202, queued", code, acc)
		}
		if err := srv.Process.Kill(); err != nil { // SIGKILL: nothing runs on the way down
			t.Fatal(err)
		}
		srv.Wait()

		c.workers = 2
		testKeys(t, &c)
		ts := startStack(t, c)
		var st struct {
			Status   string `json:"status"`
			Error    string `json:"error"`
			Dossiers []struct {
				DossierCode string `json:"dossier_code"`
				BatchID     string `json:"batch_id"`
			} `json:"dossiers"`
		}
		for {
			if code := webtest.Call(t, "GET", ts.url+acc.StatusURL, station, nil, "", &st); code != 200 {
				t.Fatalf("GET %s after the restart: %d", acc.StatusURL, code)
			}
			if st.Status == dossier.StackSplit || st.Status == dossier.StackExcepted || st.Status == dossier.StackFailed {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("stack %s still %s after the restart", acc.ID, st.Status)
			case <-time.After(300 * time.Millisecond):
			}
		}
		if st.Status != dossier.StackSplit || len(st.Dossiers) != 2 || st.Dossiers[0].DossierCode != codeA || st.Dossiers[1].DossierCode != codeB {
			t.Fatalf("stack after the restart: %+v; want split into %s and %s", st, codeA, codeB)
		}
		bs, err := ts.records.ListBatches(ctx, storage.BatchFilter{TokenID: stationTok.ID})
		if err != nil || len(bs) != 2 || bs[0].ID == bs[1].ID {
			t.Errorf("the station's batches: %+v, %v; want one per dossier", bs, err)
		}
		for _, d := range st.Dossiers {
			if b, err := ts.records.Batch(ctx, d.BatchID); err != nil || b.DossierCode != d.DossierCode {
				t.Errorf("dossier %s: batch %s %+v, %v", d.DossierCode, d.BatchID, b, err)
			}
		}
	})
}

// ready reports whether the server at base answers /readyz with 200.
func ready(base string) bool {
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
