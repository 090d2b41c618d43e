package web

// This file and web/ui hold the archivists' search: the JSON API behind
// GET /v1/search, the search page at "/" and the dossier view at
// /dossiers/{code} (one page, over GET /v1/dossiers/{code}) with their
// static assets under /ui/.

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa/sohoa/storage/catalog"
	"github.com/sohoa/sohoa/storage/index"
)

//go:embed ui
var uiFiles embed.FS

// SearchOptions configures NewSearch.
type SearchOptions struct {
	Logger *slog.Logger // nil: slog.Default()
}

// Search serves the archivists' search; build it with NewSearch over an
// index (SearchOptions may be zero). Mount API() at GET /v1/search
// behind archivist-role authentication, and Page() at "/" and "/ui/"
// (public: the page itself holds no data; it asks for a token when the API
// answers 401, posts it to /v1/session and retries).
type Search struct {
	idx    index.Searcher
	log    *slog.Logger
	assets map[string]asset // by path under ui/
}

type asset struct {
	body, gz []byte
	ctype    string
	etag     string
}

// NewSearch returns the search handlers over idx.
func NewSearch(idx index.Searcher, opts SearchOptions) *Search {
	s := &Search{idx: idx, log: opts.Logger, assets: map[string]asset{}}
	if s.log == nil {
		s.log = slog.Default()
	}
	// The assets are compressed once here: a slow line gets them gzipped.
	fs.WalkDir(uiFiles, "ui", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := uiFiles.ReadFile(p)
		if err != nil {
			return err
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		zw.Write(body)
		zw.Close()
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		s.assets[strings.TrimPrefix(p, "ui/")] = asset{body: body, gz: gz.Bytes(), ctype: ctype,
			etag: assetTag(body)}
		return nil
	})
	return s
}

// assetTag is the ETag of an asset's body: FNV-1a, only to tell versions of
// an asset apart.
func assetTag(body []byte) string {
	h := fnv.New64a()
	h.Write(body)
	return fmt.Sprintf(`"%x"`, h.Sum64())
}

// SearchResponse is the JSON body of GET /v1/search.
type SearchResponse struct {
	Query   string      `json:"query"`
	Total   int         `json:"total"`  // at most index.MaxCount
	Capped  bool        `json:"capped"` // more pages match than Total
	Pages   int         `json:"pages"`  // result pages reachable (index.MaxHits hits at most)
	Page    int         `json:"page"`
	PerPage int         `json:"per_page"`
	Hits    []SearchHit `json:"hits"`
}

// SearchHit is one matching page, with the link that opens the signed PDF
// at that page.
type SearchHit struct {
	index.Hit
	PDFURL string `json:"pdf_url"`
}

// NewSearchResponse is the API form of res.
func NewSearchResponse(res *index.Results) *SearchResponse {
	out := &SearchResponse{Query: res.Query, Total: res.Total, Capped: res.Capped, Page: res.Page, PerPage: res.PerPage,
		Pages: (min(res.Total, index.MaxHits) + res.PerPage - 1) / res.PerPage, Hits: make([]SearchHit, len(res.Hits))}
	for i, h := range res.Hits {
		out.Hits[i] = SearchHit{Hit: h, PDFURL: PDFURL(h.ResultCode, h.Page)}
	}
	return out
}

// PDFURL is the link to a result's signed PDF, opened at page.
func PDFURL(resultCode string, page int) string {
	return "/v1/results/" + url.PathEscape(resultCode) + "/pdf#page=" + strconv.Itoa(page)
}

// Caps on the search text: a longer query finds nothing a shorter one
// would not, and costs the index in proportion (40,000 words took 8.8 s).
const (
	MaxQueryBytes = 512
	MaxQueryWords = 32
)

// ParseSearchQuery reads a search from URL parameters:
// q, agency, dossier, type, from, to (YYYY-MM-DD), page, per_page.
func ParseSearchQuery(v url.Values) (index.Query, error) {
	if text := v.Get("q"); len(text) > MaxQueryBytes {
		return index.Query{}, index.NewQueryError(fmt.Sprintf("câu tìm kiếm dài quá (%d byte, tối đa %d)", len(text), MaxQueryBytes),
			fmt.Sprintf("query too long (%d bytes, at most %d)", len(text), MaxQueryBytes))
	} else if n := len(strings.Fields(text)); n > MaxQueryWords {
		return index.Query{}, index.NewQueryError(fmt.Sprintf("câu tìm kiếm nhiều từ quá (%d từ, tối đa %d)", n, MaxQueryWords),
			fmt.Sprintf("too many words in the query (%d, at most %d)", n, MaxQueryWords))
	}
	q := index.Query{
		Text:         v.Get("q"),
		AgencyCode:   strings.TrimSpace(v.Get("agency")),
		DossierCode:  strings.TrimSpace(v.Get("dossier")),
		DocumentType: strings.TrimSpace(v.Get("type")),
	}
	// The archival metadata of the documents (storage/catalog).
	f := catalog.Filter{Type: v.Get("doc_type"), Number: v.Get("number"), Agency: v.Get("issuer"), Signer: v.Get("signer")}
	for name, val := range map[string]string{"doc_type": f.Type, "number": f.Number, "issuer": f.Agency, "signer": f.Signer} {
		if len(val) > MaxQueryBytes {
			return q, index.NewQueryError(fmt.Sprintf("bộ lọc %s dài quá (tối đa %d byte)", name, MaxQueryBytes),
				fmt.Sprintf("filter %s too long (at most %d bytes)", name, MaxQueryBytes))
		}
	}
	var err error
	for _, f := range []struct {
		name, vi string
		dst      *time.Time
	}{{"from", "từ ngày", &q.From}, {"to", "đến ngày", &q.To},
		{"issued_from", "ngày văn bản từ", &f.From}, {"issued_to", "ngày văn bản đến", &f.To}} {
		if s := strings.TrimSpace(v.Get(f.name)); s != "" {
			if *f.dst, err = time.Parse(time.DateOnly, s); err != nil {
				return q, index.NewQueryError(f.vi+" phải là ngày dạng YYYY-MM-DD", f.name+" must be a date YYYY-MM-DD")
			}
		}
	}
	for _, f := range []struct {
		name, vi string
		dst      *int
	}{{"page", "trang", &q.Page}, {"per_page", "số kết quả mỗi trang", &q.PerPage}} {
		if s := strings.TrimSpace(v.Get(f.name)); s != "" {
			if *f.dst, err = strconv.Atoi(s); err != nil || *f.dst < 1 {
				return q, index.NewQueryError(f.vi+" phải là số dương", f.name+" must be a positive number")
			}
		}
	}
	if !f.IsZero() {
		if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
			return q, index.NewQueryError("khoảng ngày văn bản kết thúc trước khi bắt đầu", "the documents' date range ends before it starts")
		}
		q.Results = f
	}
	return q, nil
}

// API serves GET /v1/search (JSON). Bad queries get 400 with
// {"error": "..."}.
func (s *Search) API() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			apiError(w, http.StatusMethodNotAllowed, "chỉ nhận GET", "method not allowed")
			return
		}
		q, err := ParseSearchQuery(r.URL.Query())
		if err == nil {
			var res *index.Results
			if res, err = s.idx.Search(r.Context(), q); err == nil {
				writeResults(w, res)
				return
			}
		}
		if qe := (*index.QueryError)(nil); errors.As(err, &qe) {
			apiError(w, http.StatusBadRequest, "câu tìm kiếm không hợp lệ: "+qe.VI, "invalid query: "+qe.EN)
			return
		}
		s.log.ErrorContext(r.Context(), "web: search", "q", q.Text, "err", err)
		apiError(w, http.StatusInternalServerError, "tìm kiếm không thành công, thử lại sau", "search failed, try again later")
	})
}

func writeResults(w http.ResponseWriter, res *index.Results) {
	out := NewSearchResponse(res)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(out)
}

// Page serves the search page at "/", the dossier view at
// "/dossiers/{code}", the statistics dashboard at "/stats" (its data comes
// from GET /v1/stats, admin only), the desk review page at "/review"
// (station tokens) and their assets under "/ui/".
func (s *Search) Page() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := ""
		switch {
		case r.URL.Path == "/" || r.URL.Path == "/index.html":
			name = "index.html"
		case strings.HasPrefix(r.URL.Path, "/dossiers/") && len(r.URL.Path) > len("/dossiers/"):
			// The dossier view is the same page: its script reads the
			// code from the path and asks GET /v1/dossiers/{code}.
			name = "index.html"
		case r.URL.Path == "/stats":
			name = "stats.html"
		case r.URL.Path == "/review":
			name = "review.html"
		case strings.HasPrefix(r.URL.Path, "/ui/"):
			name = strings.TrimPrefix(r.URL.Path, "/ui/")
		}
		a, ok := s.assets[name]
		if !ok || name == "" {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.ctype)
		h.Set("ETag", a.etag)
		h.Set("Vary", "Accept-Encoding")
		h.Set("X-Content-Type-Options", "nosniff")
		if strings.HasSuffix(name, ".html") {
			h.Set("Cache-Control", "no-cache")
			csp := "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'"
			if name == "review.html" {
				// The review page signs through the official's local
				// signing agent on the desk PC (sohoa sign --agent).
				csp += "; connect-src 'self' http://127.0.0.1:*"
			}
			h.Set("Content-Security-Policy", csp)
		} else {
			h.Set("Cache-Control", "public, max-age=3600")
		}
		if match := r.Header.Get("If-None-Match"); match == a.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body := a.body
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			h.Set("Content-Encoding", "gzip")
			body = a.gz
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		if r.Method == http.MethodHead {
			return
		}
		w.Write(body)
	})
}
