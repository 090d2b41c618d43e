package web_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/sohoa/sohoa/web/webtest"
)

// TestIdempotencyKeyPrecedence: the manifest's idempotency_key wins over the
// Idempotency-Key header; the header counts only when the manifest has none.
func TestIdempotencyKeyPrecedence(t *testing.T) {
	u := newUploadServer(t, t.TempDir())
	page := string(tinyTIFF(1, 2480, 3508))
	send := func(manifestKey, headerKey string) (id string, created bool) {
		t.Helper()
		m := map[string]any{"dossier_code": uploadDossier, "title": "Tờ khai", "pages": []string{"p.tif"},
			"allow_duplicate": true, "idempotency_key": manifestKey}
		mj, _ := json.Marshal(m)
		body, ct := parts([3]string{"manifest", "", string(mj)}, [3]string{"page", "p.tif", page})
		req, _ := http.NewRequest(http.MethodPost, u.url+"/v1/batches", body)
		req.Header.Set("Content-Type", ct)
		if headerKey != "" {
			req.Header.Set("Idempotency-Key", headerKey)
		}
		resp, data := webtest.Do(t, req, u.token)
		var out struct {
			BatchID string `json:"batch_id"`
			Created bool   `json:"created"`
		}
		if err := json.Unmarshal(data, &out); err != nil || resp.StatusCode != http.StatusAccepted {
			t.Fatalf("manifest key %q, header %q: %d %v", manifestKey, headerKey, resp.StatusCode, err)
		}
		return out.BatchID, out.Created
	}

	first, created := send("from-manifest", "from-header")
	if !created {
		t.Fatal("first upload was not created")
	}
	// The header's key was not the one kept: sending it alone makes a new batch.
	if id, created := send("", "from-header"); !created || id == first {
		t.Errorf("header key alone: batch %s created=%v; want a new batch (the manifest's key was kept, not the header's)", id, created)
	}
	// The manifest's key was kept: repeating it replays the first batch,
	// whatever the header says.
	if id, created := send("from-manifest", "other-header"); created || id != first {
		t.Errorf("manifest key again: batch %s created=%v; want the first batch %s replayed", id, created, first)
	}
	// With no key in the manifest, the header's is used.
	if id, created := send("", "from-header"); created {
		t.Errorf("header key repeated: batch %s created=%v; want the batch it created replayed", id, created)
	}
}
