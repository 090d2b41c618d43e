package main

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/catalog"
	"github.com/sohoa/sohoa/storage/index"
	"github.com/sohoa/sohoa/web"
)

// runSearch: sohoa search [--json] [filters] QUERY, against the embedded
// store (--data), a database (--db) or a server (--server, --token).
func runSearch(ctx context.Context, e *env, args []string) error {
	fs := e.flagSet("search", e.ui.t(
		`Cách dùng: sohoa search [tùy chọn] CÂU_TÌM
Tìm không dấu cũng được; "cụm từ", tiền tố chứng nh*, A OR B, -loại_trừ.`,
		`Usage: sohoa search [options] QUERY
Diacritics optional; "phrase", prefix certif*, A OR B, -exclude.`))
	asJSON := fs.Bool("json", false, e.ui.t("in kết quả dạng JSON (như GET /v1/search)", "print the results as JSON (as GET /v1/search)"))
	data := fs.String("data", envOr("SOHOA_DATA", "sohoa-data"), e.ui.t("thư mục dữ liệu của chế độ nhúng", "data folder of the embedded mode"))
	dbURL := fs.String("db", os.Getenv("SOHOA_DB"), e.ui.t("PostgreSQL (postgres://...; biến SOHOA_DB)", "PostgreSQL URL (postgres://...; env SOHOA_DB)"))
	server := fs.String("server", os.Getenv("SOHOA_SERVER"), e.ui.t("tra cứu qua máy chủ sohoa (http://...; biến SOHOA_SERVER)", "search through a sohoa server (http://...; env SOHOA_SERVER)"))
	token := fs.String("token", "", e.ui.t("mã truy cập vai trò lưu trữ cho --server (biến SOHOA_TOKEN)", "archivist token for --server (env SOHOA_TOKEN)"))
	agency := fs.String("agency", "", e.ui.t("chỉ cơ quan này (mã)", "only this agency (code)"))
	dossier := fs.String("dossier", "", e.ui.t("chỉ hồ sơ này (mã hồ sơ)", "only this dossier (dossier code)"))
	docType := fs.String("type", "", e.ui.t("chỉ loại giấy tờ này", "only this document type"))
	from := fs.String("from", "", e.ui.t("từ ngày (YYYY-MM-DD)", "from date (YYYY-MM-DD)"))
	to := fs.String("to", "", e.ui.t("đến ngày (YYYY-MM-DD, tính cả ngày đó)", "to date (YYYY-MM-DD, inclusive)"))
	// The archival metadata of the documents, by GET /v1/search parameter.
	archival := map[string]*string{}
	for _, f := range []struct{ flag, param, vi, en string }{
		{"doc-type", "doc_type", "chỉ văn bản loại này (QUYẾT ĐỊNH, CÔNG VĂN…; không dấu cũng được)", "only documents of this type (e.g. quyet dinh, cong van; diacritics optional)"},
		{"number", "number", "chỉ văn bản có số, ký hiệu này (143/QĐ-UBND, hoặc 143)", "only documents with this number and notation (e.g. 143/QD-UBND, or 143)"},
		{"issuer", "issuer", "chỉ văn bản của cơ quan ban hành này (các từ của tên)", "only documents issued by this agency (words of its name)"},
		{"signer", "signer", "chỉ văn bản do người này ký", "only documents signed by this person"},
		{"issued-from", "issued_from", "văn bản ban hành từ ngày (YYYY-MM-DD)", "documents issued from (YYYY-MM-DD)"},
		{"issued-to", "issued_to", "văn bản ban hành đến ngày (YYYY-MM-DD, tính cả ngày đó)", "documents issued until (YYYY-MM-DD, inclusive)"},
	} {
		archival[f.param] = fs.String(f.flag, "", e.ui.t(f.vi, f.en))
	}
	page := fs.Int("page", 1, e.ui.t("trang kết quả", "result page"))
	perPage := fs.Int("per-page", index.DefaultPerPage, e.ui.t("số kết quả mỗi trang", "hits per page"))
	// Flags may come before or after the query words.
	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		words = append(words, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if *token == "" {
		*token = os.Getenv("SOHOA_TOKEN")
	}
	if *server != "" {
		if err := checkServerURL("--server", *server, e.ui); err != nil {
			return err
		}
	}
	v := url.Values{}
	params := map[string]string{"q": strings.Join(words, " "), "agency": *agency, "dossier": *dossier,
		"type": *docType, "from": *from, "to": *to}
	for k, p := range archival {
		params[k] = *p
	}
	for k, s := range params {
		if s != "" {
			v.Set(k, s)
		}
	}
	v.Set("page", strconv.Itoa(*page))
	v.Set("per_page", strconv.Itoa(*perPage))
	q, err := web.ParseSearchQuery(v)
	if qe := (*index.QueryError)(nil); errors.As(err, &qe) {
		return usageError{e.ui.t(qe.VI, qe.EN)}
	} else if err != nil {
		return usageError{err.Error()}
	}
	if q.Text == "" && q.AgencyCode == "" && q.DossierCode == "" && q.DocumentType == "" && q.From.IsZero() && q.To.IsZero() && q.Results == nil {
		return usageError{e.ui.t("cần câu tìm kiếm hoặc một bộ lọc", "a query or a filter is required")}
	}

	var res *web.SearchResponse
	if *server != "" {
		res, err = searchServer(ctx, e, *server, *token, v)
	} else {
		res, err = searchLocal(ctx, *data, *dbURL, q)
	}
	if err != nil {
		if qe := (*index.QueryError)(nil); errors.As(err, &qe) {
			return usageError{e.ui.t("câu tìm kiếm không hợp lệ: "+qe.VI, "invalid query: "+qe.EN)}
		}
		return err
	}
	if *asJSON {
		return e.printJSON(res)
	}
	printResults(e, res)
	return nil
}

func searchLocal(ctx context.Context, data, dbURL string, q index.Query) (*web.SearchResponse, error) {
	if dbURL == "" {
		dbURL = storage.DataDBPath(data)
		if _, err := os.Stat(dbURL); err != nil {
			return nil, noStoreError(data, "--data THƯ_MỤC, --db URL hoặc --server URL", "--data DIR, --db URL or --server URL", err)
		}
	}
	db, err := storage.OpenDB(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	idx, err := index.Open(ctx, db)
	if err != nil {
		return nil, err
	}
	if q.Results != nil {
		// The archival filters read the catalogue's table.
		if _, err := catalog.Open(ctx, db); err != nil {
			return nil, err
		}
	}
	r, err := idx.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	return web.NewSearchResponse(r), nil
}

// searchServer searches through a server's API; its refusals keep the
// server's wording in both languages, a refused query as the
// *index.QueryError a local search gives.
func searchServer(ctx context.Context, e *env, server, token string, v url.Values) (*web.SearchResponse, error) {
	c := &ingest.Client{Server: server, Token: token, Log: e.log, HTTP: &http.Client{Timeout: time.Minute}}
	var res web.SearchResponse
	err := c.Search(ctx, v, &res)
	var ae *ingest.APIError
	switch {
	case errors.As(err, &ae) && ae.Status == http.StatusBadRequest:
		return nil, &index.QueryError{EN: strings.TrimPrefix(ae.EN, "invalid query: "),
			VI: strings.TrimPrefix(ae.VI, "câu tìm kiếm không hợp lệ: ")}
	case errors.As(err, &ae):
		return nil, &userError{
			vi:  fmt.Sprintf("máy chủ %s từ chối (HTTP %d): %s", server, ae.Status, ae.VI),
			en:  fmt.Sprintf("refused by the server %s (HTTP %d): %s", server, ae.Status, ae.EN),
			err: err,
		}
	case err != nil:
		return nil, fmt.Errorf("search %s: %w", server, err)
	}
	return &res, nil
}

// printResults writes hits for people: one block per page, the matched
// words between ** (the snippet's <mark>).
func printResults(e *env, res *web.SearchResponse) {
	w := e.stdout
	if res.Total == 0 {
		fmt.Fprintln(w, e.ui.t("Không tìm thấy trang nào.", "No page found."))
		return
	}
	pages := res.Pages
	more := ""
	if res.Capped {
		more = e.ui.t("hơn ", "more than ")
	}
	fmt.Fprintf(w, e.ui.t("Tìm thấy %s (trang kết quả %d/%d)\n", "%s found (result page %d/%d)\n"), more+e.ui.pages(res.Total), res.Page, pages)
	for i, h := range res.Hits {
		fmt.Fprintf(w, "\n%d. %s\n", (res.Page-1)*res.PerPage+i+1, h.Title)
		date := ""
		if !h.Date.IsZero() {
			date = " · " + h.Date.Format(time.DateOnly)
		}
		fmt.Fprintf(w, "   %s %s · %s %s · %s %d%s\n", e.ui.t("hồ sơ", "dossier"), h.DossierCode,
			e.ui.t("kết quả", "result"), h.ResultCode, e.ui.t("trang", "page"), h.Page, date)
		s := strings.NewReplacer("<mark>", "**", "</mark>", "**").Replace(h.Snippet)
		fmt.Fprintf(w, "   %s\n", html.UnescapeString(s))
	}
}
