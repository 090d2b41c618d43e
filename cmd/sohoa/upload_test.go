package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr"
)

// stationServer is a stand-in sohoa server for the client side of upload:
// the first failures answers to POST /v1/batches are 503, then 202; GET
// /v1/batches/b1 answers batch(n) for the n-th reading.
type stationServer struct {
	*httptest.Server
	posts, gets atomic.Int32
}

func newStationServer(t *testing.T, failures int, batch func(n int) dossier.Batch) *stationServer {
	s := &stationServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/batches":
			io.Copy(io.Discard, r.Body)
			if int(s.posts.Add(1)) <= failures {
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprint(w, `{"error": "queue unavailable", "error_vi": "hàng đợi chưa sẵn sàng"}`)
				return
			}
			w.WriteHeader(http.StatusAccepted)
			fmt.Fprint(w, `{"batch_id": "b1", "status": "received", "pages": 2, "created": true}`)
		case r.Method == http.MethodGet && r.URL.Path == "/v1/batches/b1":
			json.NewEncoder(w).Encode(batch(int(s.gets.Add(1))))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func twoPages(t *testing.T) []string {
	dir := t.TempDir()
	var files []string
	for _, n := range []string{"p1.jpg", "p2.jpg"} {
		f := filepath.Join(dir, n)
		os.WriteFile(f, []byte("scan "+n), 0o644)
		files = append(files, f)
	}
	return files
}

func uploadArgs(server string, files []string, extra ...string) []string {
	args := []string{"upload", "--server", server, "--token", "t", "--dossier", "000.00.31.H33-220804-0001",
		"--state-dir", filepath.Join(filepath.Dir(files[0]), "state")}
	return append(append(args, extra...), files...)
}

// TestUploadRetriesOneLine: retries are one status line in the user's
// language, never a log line per attempt; on a terminal the line redraws
// in place, on a pipe the first retry alone is told.
func TestUploadRetriesOneLine(t *testing.T) {
	files := twoPages(t)
	for _, term := range []bool{false, true} {
		s := newStationServer(t, 2, nil)
		var out, errb bytes.Buffer
		e := &env{stdout: &out, stderr: &errb, ui: ui{}, term: term,
			log: slog.New(slog.NewTextHandler(&errb, nil))} // a WARN per retry would land here
		code := run(context.Background(), uploadArgs(s.URL, files), e)
		errs := errb.String()
		if code != 0 || strings.TrimSpace(out.String()) != "b1" || s.posts.Load() != 3 {
			t.Fatalf("term=%v: exit %d, stdout %q, %d posts; stderr:\n%s", term, code, out.String(), s.posts.Load(), errs)
		}
		if strings.Contains(errs, "level=") || strings.Contains(errs, "retrying") || untranslated(errs, false) != nil {
			t.Errorf("term=%v: retries logged or in English:\n%s", term, errs)
		}
		if !strings.Contains(errs, "lần 1/8: máy chủ từ chối (503): hàng đợi chưa sẵn sàng") {
			t.Errorf("term=%v: the retry is not told:\n%q", term, errs)
		}
		if lines := strings.Count(errs, "\n"); term && (lines != 0 || !strings.Contains(errs, "lần 2/8")) || !term && lines != 1 {
			t.Errorf("term=%v: want one status line, got %d lines:\n%q", term, lines, errs)
		}
	}
}

// TestUploadFailsAtOnce: what no retry can fix ends the upload on the first
// answer: a refusal (401, 403, 422), not a minute of retries.
func TestUploadFailsAtOnce(t *testing.T) {
	files := twoPages(t)
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusUnprocessableEntity} {
		var posts atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			posts.Add(1)
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(status)
			fmt.Fprint(w, `{"error": "refused", "error_vi": "bị từ chối"}`)
		}))
		start := time.Now()
		code, _, errs := runIn(false, uploadArgs(srv.URL, files)...)
		srv.Close()
		if code != 1 || posts.Load() != 1 || time.Since(start) > 10*time.Second || !strings.Contains(errs, fmt.Sprintf("máy chủ từ chối (%d): bị từ chối", status)) {
			t.Errorf("%d: exit %d after %d posts in %v:\n%s", status, code, posts.Load(), time.Since(start), errs)
		}
	}
}

// TestUploadWaitProgressAndInterrupt: upload --wait shows the pages done on
// a terminal, nothing on a pipe; Ctrl-C while waiting says that the batch
// goes on at the server and how to follow it.
func TestUploadWaitProgressAndInterrupt(t *testing.T) {
	files := twoPages(t)
	processing := func(n int) dossier.Batch {
		b := dossier.Batch{ID: "b1", BatchInfo: dossier.BatchInfo{DossierCode: "000.00.31.H33-220804-0001", Title: "p1"}, Status: dossier.BatchProcessing,
			Pages: []dossier.Page{{Index: 1, SourceName: "p1.jpg", Status: dossier.PagePending}, {Index: 2, SourceName: "p2.jpg", Status: dossier.PagePending}}}
		if n >= 2 {
			b.Pages[0].Status = dossier.PageDone
		}
		return b
	}
	for _, term := range []bool{true, false} {
		s := newStationServer(t, 0, processing)
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			for s.gets.Load() < 2 {
				time.Sleep(20 * time.Millisecond)
			}
			cancel() // Ctrl-C
		}()
		var out, errb bytes.Buffer
		code := run(ctx, uploadArgs(s.URL, files, "--wait"), &env{stdout: &out, stderr: &errb, ui: ui{}, term: term, log: slog.New(slog.DiscardHandler)})
		errs := errb.String()
		want := "đã ngừng chờ. Lô b1 vẫn được xử lý tiếp trên máy chủ; xem tình trạng bằng: sohoa status --server " + s.URL + " b1"
		if code != 1 || !strings.Contains(errs, want) || strings.Contains(errs, "context canceled") {
			t.Errorf("term=%v: exit %d; stderr:\n%q", term, code, errs)
		}
		if drawn := strings.Contains(errs, "\r") && strings.Contains(errs, "Xử lý 1/2 trang"); drawn != term {
			t.Errorf("term=%v: progress drawn=%v:\n%q", term, drawn, errs)
		}
	}
}

// TestUploadWaitListsFlaggedPages: when the batch is done, upload --wait
// prints the result code and lists the pages flagged for review, with
// what the OCR saw on them.
func TestUploadWaitListsFlaggedPages(t *testing.T) {
	files := twoPages(t)
	s := newStationServer(t, 0, func(int) dossier.Batch {
		return dossier.Batch{ID: "b1", BatchInfo: dossier.BatchInfo{DossierCode: "000.00.31.H33-220804-0001",
			Title: "p1"}, Status: dossier.BatchDone, ResultCode: "000.00.31.H33-220804-0001-KQ1",
			Pages: []dossier.Page{{Index: 1, SourceName: "p1.jpg", Status: dossier.PageDone, Confidence: 91},
				{Index: 2, SourceName: "p2.jpg", Status: dossier.PageDone, NeedsReview: true, Confidence: 0, ReviewReasons: []string{ocr.ReasonLettersLost}}}}
	})
	code, out, errs := runIn(true, uploadArgs(s.URL, files, "--wait")...)
	if code != 0 || out != "b1\n000.00.31.H33-220804-0001-KQ1\n" {
		t.Fatalf("exit %d, stdout %q; stderr:\n%s", code, out, errs)
	}
	if !strings.Contains(errs, "1 page TO REVIEW:\n  page 2 (p2.jpg): text read poorly (confidence 0%): far fewer letters read than the page shows") {
		t.Errorf("flagged page not listed:\n%s", errs)
	}
}
