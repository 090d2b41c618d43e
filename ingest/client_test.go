package ingest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
)

// TestUploadPermanentErrors: an address that is not a URL, a certificate
// this machine does not trust and a page file that cannot be read are
// returned on the first attempt; retrying would only wait (issue 16: a
// malformed URL was retried for 62 s).
func TestUploadPermanentErrors(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "p1.jpg")
	os.WriteFile(page, []byte("scan"), 0o644)
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()
	for _, tc := range []struct {
		name, server string
		files        []string
	}{
		{"no scheme", "127.0.0.1:18101", []string{page}},
		{"untrusted certificate", tlsSrv.URL, []string{page}},
		{"unreadable page", tlsSrv.URL, []string{filepath.Join(dir, "missing.jpg")}},
		{"scheme not http", "ftp://127.0.0.1:18101", []string{page}},
	} {
		retries := 0
		// A retry would wait a minute first: the bound below tells a
		// first-attempt answer from one retry however loaded the machine
		// (a TLS handshake took 2-4 s at load 30).
		c := &Client{Server: tc.server, Token: "t", MinBackoff: time.Minute, MaxBackoff: time.Minute,
			OnRetry: func(int, int, time.Duration, error) { retries++ }}
		m := &Manifest{BatchInfo: dossier.BatchInfo{DossierCode: "000.00.31.H33-220804-0001", Title: "t"}, Pages: []string{filepath.Base(tc.files[0])}, IdempotencyKey: "k"}
		start := time.Now()
		_, err := c.Upload(context.Background(), m, tc.files)
		if err == nil || retries != 0 || time.Since(start) > 30*time.Second {
			t.Errorf("%s: err %v after %d retries in %v", tc.name, err, retries, time.Since(start))
		}
	}
}
