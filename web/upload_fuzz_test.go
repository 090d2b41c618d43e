package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr/ocrtest"
	"github.com/sohoa/sohoa/web"
)

// FuzzUpload sends arbitrary multipart bodies to POST /v1/batches of a real
// server (SQLite records, local blobs). Whatever arrives, the answer is a
// 202 for a batch that exists, or a 4xx with the error in both languages;
// never a 5xx, never a panic. Run: go test ./web -run '^$' -fuzz FuzzUpload -fuzztime 2m
func FuzzUpload(f *testing.F) {
	ctx := context.Background()
	api := newAPIHarness(f, func(c *web.Config) {
		c.Intake.Limits.MaxBatchBytes = 1 << 20
		c.SpoolDir = f.TempDir()
	})
	h, rec := api.Handler, api.Records
	tok := api.token(f, dossier.RoleStation, "quay-fuzz")

	var jpg bytes.Buffer
	jpeg.Encode(&jpg, image.NewGray(image.Rect(0, 0, 16, 16)), nil)
	seed := func(ps ...[3]string) {
		body, ct := parts(ps...)
		var b bytes.Buffer
		b.ReadFrom(body)
		f.Add(b.Bytes(), strings.TrimPrefix(ct, "multipart/form-data; boundary="))
	}
	seed([3]string{"manifest", "", uploadManifest("p.jpg")}, [3]string{"page", "p.jpg", jpg.String()})
	seed([3]string{"manifest", "", uploadManifest("p.tif")}, [3]string{"page", "p.tif", string(tinyTIFF(3, 100, 100))})
	seed([3]string{"page", "p.jpg", jpg.String()}, [3]string{"manifest", "", uploadManifest("p.jpg")})
	seed([3]string{"manifest", "", uploadManifest("p.jpg", "q.jpg")}, [3]string{"page", "q.jpg", "x"}, [3]string{"other", "", "y"})
	seed([3]string{"manifest", "", `{"dossier_code":"H33.031.00-260130-DV0001","agency_code":"X","title":"t","pages":["a.png"]}`},
		[3]string{"page", "a.png", string(ocrtest.PNGWithHeader(10, 10))})

	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		req := httptest.NewRequest(http.MethodPost, "/v1/batches", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		var out map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("%d: answer is not JSON: %q", w.Code, w.Body.String())
		}
		switch {
		case w.Code == http.StatusAccepted:
			id, _ := out["batch_id"].(string)
			if _, err := rec.Batch(ctx, id); err != nil {
				t.Fatalf("202 for batch %q that cannot be read: %v", id, err)
			}
		case w.Code >= 400 && w.Code < 500:
			if s, _ := out["error"].(string); s == "" {
				t.Fatalf("%d without an error: %v", w.Code, out)
			}
			if s, _ := out["error_vi"].(string); s == "" {
				t.Fatalf("%d without error_vi: %v", w.Code, out)
			}
		default:
			t.Fatalf("status %d: %v", w.Code, out)
		}
	})
}
