package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
	"github.com/sohoa/sohoa/web"
	"github.com/sohoa/sohoa/web/webtest"
)

// TestStationLimits: a station token's batches per minute and pages per
// hour are limited across every API process of one PostgreSQL (two
// servers here, as two serve processes behind a load balancer), answered
// 429 with Retry-After and a bilingual error; an admin is not limited; a
// batch larger than the hourly budget is a 413, since waiting cannot help.
func TestStationLimits(t *testing.T) {
	db := storagetest.OpenDB(t, storage.Postgres)
	recs := storagetest.Records(t, db)
	blobs := storagetest.LocalBlobs(t)
	lim := ingest.Limits{StationBatchesPerMinute: 2, StationPagesPerHour: 5}
	var servers []string
	for range 2 {
		srv, err := web.New(web.Config{Records: recs, Blobs: blobs, Intake: &ingest.Intake{Records: recs, Blobs: blobs, Limits: lim}, Rate: -1})
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(srv.Handler())
		t.Cleanup(hs.Close)
		servers = append(servers, hs.URL)
	}
	token := func(role dossier.Role, name string) string { return storagetest.Token(t, recs, role, name) }
	type answer struct {
		code       int
		retryAfter int
		e          struct {
			Error   string `json:"error"`
			ErrorVI string `json:"error_vi"`
		}
	}
	upload := func(server, tok string, pages int, key ...string) answer {
		t.Helper()
		man := map[string]any{"dossier_code": uploadDossier, "title": "Tờ khai", "pages": []string{"p.tif"}, "allow_duplicate": true}
		if len(key) > 0 {
			man["idempotency_key"] = key[0]
		}
		m, _ := json.Marshal(man)
		body, ct := parts([3]string{"manifest", "", string(m)}, [3]string{"page", "p.tif", string(tinyTIFF(pages, 64, 64))})
		req, _ := http.NewRequest(http.MethodPost, server+"/v1/batches", body)
		req.Header.Set("Content-Type", ct)
		resp, data := webtest.Do(t, req, tok)
		var a answer
		a.code = resp.StatusCode
		a.retryAfter, _ = strconv.Atoi(resp.Header.Get("Retry-After"))
		json.Unmarshal(data, &a.e)
		return a
	}
	refused := func(a answer, what string, maxWait int, words ...string) {
		t.Helper()
		if a.code != http.StatusTooManyRequests || a.retryAfter < 1 || a.retryAfter > maxWait || a.e.Error == "" || a.e.ErrorVI == "" {
			t.Fatalf("%s: %d Retry-After %d %+v; want 429 with Retry-After in 1..%d and a bilingual error", what, a.code, a.retryAfter, a.e, maxWait)
		}
		for _, w := range words {
			if !strings.Contains(a.e.Error, w) {
				t.Errorf("%s: error %q does not say %q", what, a.e.Error, w)
			}
		}
	}

	// Batches per minute, counted over both servers.
	q1 := token(dossier.RoleStation, "quay-1")
	for i, srv := range servers {
		if a := upload(srv, q1, 1); a.code != http.StatusAccepted {
			t.Fatalf("batch %d: %d %+v", i+1, a.code, a.e)
		}
	}
	for _, srv := range servers {
		refused(upload(srv, q1, 1), "third batch within a minute", 60, "2 batches within a minute")
	}

	// Pages per hour: 3 + 3 passes 5, 3 + 2 does not; a replay of the
	// first batch (the station lost the answer) adds nothing and passes.
	q2 := token(dossier.RoleStation, "quay-2")
	first := upload(servers[0], q2, 3, "lo-1")
	if first.code != http.StatusAccepted {
		t.Fatalf("3 pages: %d %+v", first.code, first.e)
	}
	refused(upload(servers[1], q2, 3, "lo-2"), "3 more pages", 3600, "3 pages within an hour", "this batch has 3")
	if a := upload(servers[1], q2, 3, "lo-1"); a.code != http.StatusAccepted {
		t.Fatalf("replay of the first batch: %d %+v, want it answered as before", a.code, a.e)
	}
	if a := upload(servers[1], q2, 2); a.code != http.StatusAccepted {
		t.Fatalf("2 more pages, to the limit: %d %+v", a.code, a.e)
	}
	q3 := token(dossier.RoleStation, "quay-3")
	if a := upload(servers[0], q3, 6); a.code != http.StatusRequestEntityTooLarge || !strings.Contains(a.e.Error, "split it") {
		t.Errorf("a batch over the hourly budget: %d %+v, want 413 asking to split it", a.code, a.e)
	}

	// Other roles are not station-limited.
	admin := token(dossier.RoleAdmin, "admin")
	for i := range 3 {
		if a := upload(servers[i%2], admin, 3); a.code != http.StatusAccepted {
			t.Fatalf("admin batch %d: %d %+v", i+1, a.code, a.e)
		}
	}
}
