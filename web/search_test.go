package web_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/index"
	"github.com/sohoa/sohoa/storage/storagetest"
	"github.com/sohoa/sohoa/web"
)

// searchPages is what the search tests index: one result of two pages.
var searchPages = []index.PageText{
	{ResultCode: "000.00.31.H33-220804-0001-KQ1", DossierCode: "000.00.31.H33-220804-0001", AgencyCode: "000.00.31.H33",
		Title: "Giấy chứng nhận đăng ký hộ kinh doanh", DocumentType: "giay-chung-nhan",
		Date: time.Date(2022, 8, 4, 9, 0, 0, 0, time.UTC), Page: 1,
		Text: "ỦY BAN NHÂN DÂN QUẬN 1\nGIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH\nSố: 41A8012345"},
	{ResultCode: "000.00.31.H33-220804-0001-KQ1", DossierCode: "000.00.31.H33-220804-0001", AgencyCode: "000.00.31.H33",
		Title: "Giấy chứng nhận đăng ký hộ kinh doanh", DocumentType: "giay-chung-nhan",
		Date: time.Date(2022, 8, 4, 9, 0, 0, 0, time.UTC), Page: 2,
		Text: "Cấp cho bà Nguyễn Thị Thủy Tiên, sinh năm 1985,\nđịa chỉ số 12 đường Lê Lợi, phường Bến Nghé <quận 1>."},
}

func newIndex(t *testing.T, db *storage.DB) index.Searcher {
	t.Helper()
	idx := storagetest.Open(t, db, index.Open)
	if err := idx.Add(context.Background(), searchPages); err != nil {
		t.Fatal(err)
	}
	return idx
}

func TestSearchAPI(t *testing.T) {
	s := web.NewSearch(newIndex(t, storagetest.OpenDB(t, storage.SQLite)), web.SearchOptions{})
	get := func(target string) (*http.Response, []byte) {
		rec := httptest.NewRecorder()
		s.API().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		return rec.Result(), rec.Body.Bytes()
	}

	resp, body := get("/v1/search?q=NGUYEN+THI+THUY+TIEN&agency=000.00.31.H33&from=2022-08-04&to=2022-08-04")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var got web.SearchResponse
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Total != 1 || len(got.Hits) != 1 || got.Page != 1 || got.PerPage != index.DefaultPerPage {
		t.Fatalf("answer %s", body)
	}
	h := got.Hits[0]
	if h.ResultCode != "000.00.31.H33-220804-0001-KQ1" || h.DossierCode != "000.00.31.H33-220804-0001" || h.Page != 2 ||
		h.PDFURL != "/v1/results/000.00.31.H33-220804-0001-KQ1/pdf#page=2" {
		t.Errorf("hit %+v", h)
	}
	want := "Cấp cho bà <mark>Nguyễn Thị Thủy Tiên</mark>, sinh năm 1985, địa chỉ số 12 đường Lê Lợi, phường Bến Nghé &lt;quận 1&gt;."
	if h.Snippet != want {
		t.Errorf("snippet\n got %s\nwant %s", h.Snippet, want)
	}
	// The raw JSON uses the documented names.
	for _, k := range []string{`"result_code"`, `"dossier_code"`, `"page":2`, `"snippet"`, `"pdf_url"`, `"total":1`} {
		if !strings.Contains(string(body), k) {
			t.Errorf("answer lacks %s: %s", k, body)
		}
	}

	for _, bad := range []string{"/v1/search?q=-x", "/v1/search?q=a&from=04/08/2022", "/v1/search?q=a&page=0", "/v1/search?q=a&from=2023-01-02&to=2023-01-01"} {
		resp, body := get(bad)
		var e struct {
			Error   string `json:"error"`
			ErrorVI string `json:"error_vi"`
		}
		json.Unmarshal(body, &e)
		if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(e.Error, "invalid query: ") || !strings.HasPrefix(e.ErrorVI, "câu tìm kiếm không hợp lệ: ") {
			t.Errorf("%s: status %d, body %s; want 400 with an error", bad, resp.StatusCode, body)
		}
	}
	rec := httptest.NewRecorder()
	s.API().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/search?q=a", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}

func TestSearchPage(t *testing.T) {
	s := web.NewSearch(nil, web.SearchOptions{})
	for _, tc := range []struct{ path, ctype, contains string }{
		{"/", "text/html", `id="q"`},
		{"/ui/app.js", "javascript", "/v1/search?"},
		{"/ui/app.css", "text/css", "mark{"},
	} {
		req := httptest.NewRequest(http.MethodGet, tc.path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		s.Page().ServeHTTP(rec, req)
		resp := rec.Result()
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), tc.ctype) || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: %d %s %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Encoding"))
			continue
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(zr)
		if !strings.Contains(string(body), tc.contains) {
			t.Errorf("%s lacks %q", tc.path, tc.contains)
		}
		// Revalidation answers 304 without the body.
		req = httptest.NewRequest(http.MethodGet, tc.path, nil)
		req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
		rec = httptest.NewRecorder()
		s.Page().ServeHTTP(rec, req)
		if rec.Code != http.StatusNotModified {
			t.Errorf("%s revalidation: %d", tc.path, rec.Code)
		}
	}
	// The whole page stays small for a slow line.
	total := 0
	for _, p := range []string{"/", "/ui/app.js", "/ui/app.css"} {
		req := httptest.NewRequest(http.MethodGet, p, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		s.Page().ServeHTTP(rec, req)
		total += rec.Body.Len()
	}
	if total > 8<<10 {
		t.Errorf("page weighs %d bytes gzipped, want under 8 KB", total)
	}
	for _, p := range []string{"/ui/", "/ui/nope.js", "/x"} {
		rec := httptest.NewRecorder()
		s.Page().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, rec.Code)
		}
	}
}
