package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/web/webtest"
)

// postRescan sends a re-scan of a page: a manifest part (unless manifest
// is "") then the file part name with data; it answers the status and
// the decoded body.
func postRescan(t *testing.T, ts *testStack, token, batch string, page int, manifest, name string, data []byte) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if manifest != "" {
		mw.WriteField("manifest", manifest)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/v1/review/%s/pages/%d/rescan", ts.url, batch, page), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, b := webtest.Do(t, req, token)
	var out map[string]any
	json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

// TestRescanPage (issue 13: replace a page with a re-scan): on the real
// services, an official replaces a page of a document awaiting signature
// with a re-scan through POST /v1/review/{batch}/pages/{page}/rescan. The
// upload is checked as a batch's files are and refused, with nothing
// queued, for another desk, an unknown page, a body that is not
// multipart, a missing manifest, a file that is no image, one with too
// many pixels and a stale view; the accepted one is answered before it is
// read (202), read by a job, logged as "replace" by its official, and the
// document awaiting signature is rebuilt.
func TestRescanPage(t *testing.T) {
	d := newDeskPKI(t)
	ts := deskStack(t, d)
	ctx := context.Background()
	desk := ts.token(t, dossier.RoleStation, "quay-ky")
	r := awaitSigning(t, ts, desk, "quay-ky", "Nguyễn Thị Thủy Tiên")
	var doc reviewDoc
	webtest.Call(t, "GET", ts.url+"/v1/review/"+r.BatchID, desk, nil, "", &doc)
	good, err := os.ReadFile(page(t, t.TempDir(), "lai.jpg", 9))
	if err != nil {
		t.Fatal(err)
	}
	var huge bytes.Buffer // 7000 x 7000 white: 49 million pixels in a few KiB
	png.Encode(&huge, image.NewGray(image.Rect(0, 0, 7000, 7000)))
	manifest := func(name string, after int) string { return fmt.Sprintf(`{"file":%q,"after":%d}`, name, after) }
	other := ts.token(t, dossier.RoleStation, "quay-khac")

	for _, tc := range []struct {
		name     string
		token    string
		page     int
		manifest string
		file     string
		data     []byte
		want     int
	}{
		{"another desk", other, 1, manifest("lai.jpg", doc.Seq), "lai.jpg", good, http.StatusForbidden},
		{"unknown page", desk, 99, manifest("lai.jpg", doc.Seq), "lai.jpg", good, http.StatusNotFound},
		{"no manifest", desk, 1, "", "lai.jpg", good, http.StatusBadRequest},
		{"a file the manifest does not name", desk, 1, manifest("khac.jpg", doc.Seq), "lai.jpg", good, http.StatusUnprocessableEntity},
		{"not an image", desk, 1, manifest("lai.jpg", doc.Seq), "lai.jpg", []byte("%PDF-1.4 no image at all\n"), http.StatusUnprocessableEntity},
		{"too many pixels", desk, 1, manifest("lon.png", doc.Seq), "lon.png", huge.Bytes(), http.StatusRequestEntityTooLarge},
		{"stale view", desk, 1, manifest("lai.jpg", doc.Seq+3), "lai.jpg", good, http.StatusConflict},
	} {
		s, body := postRescan(t, ts, tc.token, r.BatchID, tc.page, tc.manifest, tc.file, tc.data)
		if s != tc.want || (s != http.StatusForbidden && body["error_vi"] == nil) {
			t.Errorf("%s: %d %v, want %d with a bilingual error", tc.name, s, body, tc.want)
		}
	}
	if s := webtest.Call(t, "POST", ts.url+"/v1/review/"+r.BatchID+"/pages/1/rescan", desk, strings.NewReader(`{}`), "application/json", nil); s != http.StatusUnsupportedMediaType {
		t.Errorf("a JSON body: %d, want 415", s)
	}
	var again reviewDoc
	if webtest.Call(t, "GET", ts.url+"/v1/review/"+r.BatchID, desk, nil, "", &again); again.Seq != doc.Seq {
		t.Fatalf("refused re-scans changed the review: %+v", again)
	}

	s, body := postRescan(t, ts, desk, r.BatchID, 1, manifest("lai.jpg", doc.Seq), "lai.jpg", good)
	if s != http.StatusAccepted || body["batch_id"] != r.BatchID {
		t.Fatalf("re-scan: %d %v", s, body)
	}
	var log struct {
		Pages []struct {
			Replaced bool `json:"replaced"`
		} `json:"pages"`
		Changes []dossier.ReviewChange `json:"changes"`
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		webtest.Call(t, "GET", ts.url+"/v1/review/"+r.BatchID, desk, nil, "", &log)
		if len(log.Pages) == 1 && log.Pages[0].Replaced {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the re-scan was not read: %+v", log)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if n := len(log.Changes); n != doc.Seq+1 || log.Changes[n-1].Kind != dossier.ReviewReplace || log.Changes[n-1].Reviewer != "quay-ky" {
		t.Fatalf("review log after the re-scan: %+v", log.Changes)
	}
	// The document awaiting signature was rebuilt from the re-scan.
	cl := &ingest.Client{Server: ts.url, Token: desk}
	for {
		now, err := cl.SigningRequest(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if now.BaseSHA256 != r.BaseSHA256 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the document awaiting signature was not rebuilt: %+v", now)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
