package web_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage/storagetest"
	"github.com/sohoa/sohoa/web/webtest"
)

// TestStatsAPI: the report counts known uploads; an admin sees every desk,
// a station only its own, other roles nothing; bad parameters get the
// bilingual 400.
func TestStatsAPI(t *testing.T) {
	h := newAPIHarness(t, nil)
	for i, st := range []struct {
		station string
		pages   int
	}{{"quay-1", 3}, {"quay-1", 2}, {"quay-2", 4}} {
		storagetest.Upload(t, h.Records, dossier.Batch{BatchInfo: dossier.BatchInfo{DossierCode: fmt.Sprintf("000.00.31.H33-261201-%04d", i+1),
			AgencyCode: "000.00.31.H33", Station: st.station, Operator: "Lan", DocumentType: "don"}}, st.pages)
	}
	admin := h.token(t, dossier.RoleAdmin, "admin")
	quay1 := h.token(t, dossier.RoleStation, "quay-1")
	caseTok := h.token(t, dossier.RoleCase, "hệ thống một cửa")

	get := func(token, query string) (int, map[string]any) {
		t.Helper()
		var body map[string]any
		code := webtest.Call(t, "GET", h.URL+"/v1/stats"+query, token, nil, "", &body)
		return code, body
	}
	rows := func(body map[string]any) map[string]float64 {
		out := map[string]float64{}
		rs, _ := body["rows"].([]any)
		for _, r := range rs {
			m := r.(map[string]any)
			out[m["key"].(string)] = m["pages"].(float64)
		}
		return out
	}

	code, body := get(admin, "?group=station")
	if code != 200 || fmt.Sprint(rows(body)) != "map[quay-1:5 quay-2:4]" {
		t.Errorf("admin by station: %d %v", code, body)
	}
	if tot := body["total"].(map[string]any); tot["pages"] != 9.0 || tot["batches"] != 3.0 || tot["dossiers"] != 3.0 || tot["backlog_pages"] != 9.0 {
		t.Errorf("admin total: %v", tot)
	}
	if code, body := get(admin, "?group=station&station=quay-2"); code != 200 || fmt.Sprint(rows(body)) != "map[quay-2:4]" {
		t.Errorf("admin, station quay-2: %d %v", code, body)
	}
	// The station sees its own desk, whatever it asks to be grouped by.
	if code, body := get(quay1, "?group=station"); code != 200 || fmt.Sprint(rows(body)) != "map[quay-1:5]" {
		t.Errorf("station quay-1 by station: %d %v", code, body)
	}
	if code, body := get(quay1, "?group=operator"); code != 200 || fmt.Sprint(rows(body)) != "map[Lan:5]" {
		t.Errorf("station quay-1 by operator: %d %v", code, body)
	}
	// One agency's daily series: every batch here is of one agency; the
	// station sees its own part of it.
	if code, body := get(admin, "?group=day&agency=000.00.31.H33"); code != 200 || len(rows(body)) != 1 || body["total"].(map[string]any)["pages"] != 9.0 {
		t.Errorf("admin, agency by day: %d %v", code, body)
	}
	if code, body := get(quay1, "?group=day&agency=000.00.31.H33"); code != 200 || body["total"].(map[string]any)["pages"] != 5.0 {
		t.Errorf("station quay-1, agency by day: %d %v", code, body)
	}
	if code, body := get(admin, "?group=day&agency=000.00.07.H26"); code != 200 || len(rows(body)) != 0 {
		t.Errorf("admin, an agency without uploads: %d %v", code, body)
	}
	if code, body := get(quay1, "?station=quay-2"); code != http.StatusForbidden || body["error_vi"] == nil {
		t.Errorf("station quay-1 asking for quay-2: %d %v", code, body)
	}
	if code, _ := get(caseTok, ""); code != http.StatusForbidden {
		t.Errorf("case token: %d, want 403", code)
	}
	if code, _ := get("", ""); code != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", code)
	}
	for _, q := range []string{"?group=province", "?from=2026-13-01", "?to=1/12/2026", "?from=2026-12-02&to=2026-12-01", "?group=station&agency=000.00.31.H33"} {
		if code, body := get(admin, q); code != http.StatusBadRequest || body["error"] == nil || body["error_vi"] == nil {
			t.Errorf("%s: %d %v, want 400 with both languages", q, code, body)
		}
	}
	if code, body := get(admin, "?from=2020-01-01&to=2020-12-31"); code != 200 || len(rows(body)) != 0 {
		t.Errorf("2020: %d %v", code, body)
	}
}
