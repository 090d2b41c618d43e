package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/jpeg"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
	"github.com/sohoa/sohoa/web"
	"github.com/sohoa/sohoa/web/webtest"
)

// TestUploadWhileEngineDown: while the blob store or the database is down,
// an upload is answered within a few seconds with 503 and Retry-After
// (it was held 16–34 s, or its connection reset); the station's client
// retries with the same idempotency key and gets one batch once the engine
// is back.
func TestUploadWhileEngineDown(t *testing.T) {
	ctx := context.Background()
	pg, err := url.Parse(storagetest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := storagetest.StartProxy(t, pg.Host)
	pg.Host = proxy.Addr
	db, err := storage.OpenDB(ctx, pg.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec := storagetest.Records(t, db)
	minio := storagetest.StartMinio(t)
	inner, err := storage.OpenBlobs(ctx, minio.URL("outage"))
	if err != nil {
		t.Fatal(err)
	}
	// As serve has it: blob calls ride out blips.
	blobs := storage.RetryBlobs(inner, storage.RetryPolicy{MaxElapsed: 2 * time.Minute})
	ready := []web.Check{
		{Name: "db", Func: func(ctx context.Context) error { return db.PingContext(ctx) }},
		{Name: "blobs", Func: func(ctx context.Context) error {
			_, err := inner.Stat(ctx, "readyz/probe")
			if err != nil && !isNotFound(err) {
				return err
			}
			return nil
		}},
	}
	in := &ingest.Intake{Records: rec, Blobs: blobs}
	srv, err := web.New(web.Config{Records: rec, Blobs: blobs, Intake: in, SpoolDir: t.TempDir(), Rate: -1, Ready: ready, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	tok := storagetest.Token(t, rec, dossier.RoleStation, "quay-1")
	dir := t.TempDir()
	var jpg bytes.Buffer
	jpeg.Encode(&jpg, image.NewGray(image.Rect(0, 0, 32, 32)), nil)
	pagePath := filepath.Join(dir, "p.jpg")
	os.WriteFile(pagePath, jpg.Bytes(), 0o600)

	upload := func(key string) (int, http.Header, time.Duration) {
		m := &ingest.Manifest{BatchInfo: dossier.BatchInfo{DossierCode: uploadDossier, Title: "Tờ khai"}, Pages: []string{"p.jpg"}, AllowDuplicate: true, IdempotencyKey: key}
		body, ct := parts([3]string{"manifest", "", mustJSON(m)}, [3]string{"page", "p.jpg", jpg.String()})
		req, _ := http.NewRequest(http.MethodPost, hs.URL+"/v1/batches", body)
		req.Header.Set("Content-Type", ct)
		start := time.Now()
		resp, _ := webtest.Do(t, req, tok)
		return resp.StatusCode, resp.Header, time.Since(start)
	}
	if code, _, _ := upload("k0"); code != http.StatusAccepted {
		t.Fatalf("with every engine up: %d", code)
	}
	for _, tc := range []struct {
		name       string
		stop, back func()
	}{
		{"blobs", minio.Stop, minio.Start},
		{"database", proxy.Stop, proxy.Start},
	} {
		tc.stop()
		time.Sleep(1100 * time.Millisecond) // past the cached verdict
		code, h, took := upload("k-" + tc.name)
		if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || took > 5*time.Second {
			t.Errorf("%s down: %d Retry-After %q after %v; want 503 with Retry-After within 5 s", tc.name, code, h.Get("Retry-After"), took)
		}
		// The station's client rides the outage out with the same key.
		cl := &ingest.Client{Server: hs.URL, Token: tok, MinBackoff: 200 * time.Millisecond, MaxBackoff: 2 * time.Second, MaxAttempts: 20}
		go func() { time.Sleep(3 * time.Second); tc.back() }()
		m := &ingest.Manifest{BatchInfo: dossier.BatchInfo{DossierCode: uploadDossier, Title: "Tờ khai"}, Pages: []string{"p.jpg"}, AllowDuplicate: true, IdempotencyKey: "k-" + tc.name}
		res, err := cl.Upload(ctx, m, []string{pagePath})
		if err != nil || res.Attempts < 2 {
			t.Fatalf("%s: client upload: %+v %v", tc.name, res, err)
		}
		again, err := cl.Upload(ctx, m, []string{pagePath})
		if err != nil || again.BatchID != res.BatchID || again.Created {
			t.Errorf("%s: replay gave %+v %v, want batch %s again", tc.name, again, err, res.BatchID)
		}
	}
}

func isNotFound(err error) bool { return err != nil && errors.Is(err, storage.ErrNotFound) }

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
