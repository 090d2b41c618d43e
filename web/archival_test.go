package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr/archival"
	"github.com/sohoa/sohoa/storage/catalog"
	"github.com/sohoa/sohoa/storage/index"
)

// TestArchivalAPI: the documents read from a result's pages are in GET
// /v1/results/{code}; the page holding an unsure field is among the pages
// to review, with the fields named; the dossier's exports carry them as
// JSON and as well-formed TT 02/2019 XML.
func TestArchivalAPI(t *testing.T) {
	ctx := context.Background()
	h := newAPIHarness(t, nil)
	const dossierCode = "000.00.31.H33-261127-0007"
	b, _, err := h.Records.CreateBatch(ctx, &dossier.Batch{BatchInfo: dossier.BatchInfo{DossierCode: dossierCode,
		AgencyCode: "000.00.31.H33", Title: "Quyết định"},
		Pages: []dossier.Page{{Index: 1, SourceName: "1.jpg", SourceSHA: strings.Repeat("1", 64)}, {Index: 2, SourceName: "2.jpg", SourceSHA: strings.Repeat("2", 64)}}}, true)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		if _, err := h.Records.FinishPage(ctx, dossier.Page{BatchID: b.ID, Index: i, Status: dossier.PageDone, ResultKey: "r", ImageKey: "i", Confidence: 93}); err != nil {
			t.Fatal(err)
		}
	}
	code, err := h.Records.ReserveResultCode(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	f := func(v string, page int) *archival.Field {
		return &archival.Field{Value: v, Confidence: 0.96, Page: page}
	}
	docs := []archival.Document{
		{FirstPage: 1, LastPage: 1, Metadata: archival.Metadata{DocType: f("QUYẾT ĐỊNH", 1), Number: f("143/QĐ-UBND", 1),
			Agency: f("ỦY BAN NHÂN DÂN TỈNH HÀ GIANG", 1), Date: f("2024-03-05", 1), Summary: f("Về việc phê duyệt kế hoạch & dự toán", 1),
			Signer: f("Nguyễn Văn Sơn", 1), Recipients: []archival.Field{*f("Như Điều 3;", 1)}}},
		{FirstPage: 2, LastPage: 2, NeedsReview: true, Metadata: archival.Metadata{DocType: f("CÔNG VĂN", 2),
			Number: &archival.Field{Unreadable: true, Handwritten: true, Confidence: 0.1, Page: 2}, Date: f("2024-03-09", 2)}},
	}
	if err := h.Catalog.Set(ctx, catalog.Result{Code: code, DossierCode: dossierCode, BatchID: b.ID}, docs); err != nil {
		t.Fatal(err)
	}
	if err := h.Records.FlagForReview(ctx, b.ID, []int{2}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Records.AddResult(ctx, dossier.Result{Code: code, DossierCode: dossierCode, BatchID: b.ID, Title: "Quyết định",
		Key: "k", Size: 1, SHA256: strings.Repeat("a", 64), Pages: 2}); err != nil {
		t.Fatal(err)
	}
	tok := h.token(t, dossier.RoleArchivist, "lưu trữ")
	adm := h.token(t, dossier.RoleAdmin, "quản trị")
	get := func(path string) []byte {
		t.Helper()
		req, _ := http.NewRequest("GET", h.URL+path, nil)
		if strings.HasPrefix(path, "/v1/exceptions") {
			req.Header.Set("Authorization", "Bearer "+adm) // admins only
		} else {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		return body
	}

	if err := h.Index.Add(ctx, []index.PageText{{ResultCode: code, DossierCode: dossierCode, Page: 1, Text: "Quyết định phê duyệt kế hoạch"},
		{ResultCode: code, DossierCode: dossierCode, Page: 2, Text: "Công văn"}}); err != nil {
		t.Fatal(err)
	}
	// Search filters on the documents: one document must match them all.
	for query, hits := range map[string]int{
		"issuer=ha+giang&signer=nguyen+van+son":                      2,
		"q=phê+duyệt&doc_type=quyet+dinh&number=143":                 1,
		"doc_type=chi+thi":                                           0,
		"doc_type=cong+van&issued_from=2024-03-06":                   2,
		"doc_type=quyet+dinh&issued_from=2024-03-06":                 0,
		"number=QĐ-UBND&issued_from=2024-03-01&issued_to=2024-03-05": 2,
	} {
		var sr struct {
			Total int `json:"total"`
		}
		if err := json.Unmarshal(get("/v1/search?"+query), &sr); err != nil {
			t.Fatal(err)
		}
		if sr.Total != hits {
			t.Errorf("GET /v1/search?%s: %d pages, want %d", query, sr.Total, hits)
		}
	}

	var res struct {
		Documents []archival.Document `json:"documents"`
	}
	if err := json.Unmarshal(get("/v1/results/"+code), &res); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Documents, docs) {
		t.Errorf("GET /v1/results documents:\n got %+v\nwant %+v", res.Documents, docs)
	}

	var exc struct {
		Review []struct {
			BatchID  string `json:"batch_id"`
			Index    int    `json:"index"`
			Reason   string `json:"reason"`
			ReasonVI string `json:"reason_vi"`
		} `json:"review"`
	}
	if err := json.Unmarshal(get("/v1/exceptions"), &exc); err != nil {
		t.Fatal(err)
	}
	if len(exc.Review) != 1 || exc.Review[0].Index != 2 || !strings.Contains(exc.Review[0].Reason, "(number)") || exc.Review[0].ReasonVI == "" {
		t.Errorf("pages to review: %+v, want page 2 with the number to check", exc.Review)
	}

	var e catalog.Export
	if err := json.Unmarshal(get("/v1/dossiers/"+dossierCode+"/archival.json"), &e); err != nil {
		t.Fatal(err)
	}
	if len(e.Results) != 1 || e.Results[0].ResultCode != code || !reflect.DeepEqual(e.Results[0].Documents, docs) {
		t.Errorf("archival.json: %+v", e)
	}

	raw := get("/v1/dossiers/" + dossierCode + "/archival.xml")
	var x struct {
		Profile string `xml:"profile,attr"`
		File    struct {
			FileCode string `xml:"FileCode"`
			DocTotal int    `xml:"DocTotal"`
			Docs     []struct {
				DocOrdinal   int    `xml:"DocOrdinal"`
				TypeName     string `xml:"TypeName"`
				CodeNumber   string `xml:"CodeNumber"`
				CodeNotation string `xml:"CodeNotation"`
				IssuedDate   string `xml:"IssuedDate"`
				OrganName    string `xml:"OrganName"`
				Subject      string `xml:"Subject"`
				Autograph    string `xml:"Autograph"`
				Signer       string `xml:"SohoaExtension>Signer"`
			} `xml:"Doc"`
		} `xml:"File"`
	}
	dec := xml.NewDecoder(bytes.NewReader(raw))
	dec.Strict = true
	if err := dec.Decode(&x); err != nil {
		t.Fatalf("archival.xml is not well-formed: %v\n%s", err, raw)
	}
	if x.Profile != "TT 02/2019/TT-BNV" || x.File.FileCode != dossierCode || x.File.DocTotal != 2 || len(x.File.Docs) != 2 {
		t.Fatalf("archival.xml: %+v\n%s", x, raw)
	}
	d1, d2 := x.File.Docs[0], x.File.Docs[1]
	if d1.DocOrdinal != 1 || d1.TypeName != "QUYẾT ĐỊNH" || d1.CodeNumber != "143" || d1.CodeNotation != "QĐ-UBND" || d1.IssuedDate != "05/03/2024" ||
		d1.OrganName != "ỦY BAN NHÂN DÂN TỈNH HÀ GIANG" || d1.Subject != "Về việc phê duyệt kế hoạch & dự toán" || d1.Signer != "Nguyễn Văn Sơn" {
		t.Errorf("first document in XML: %+v", d1)
	}
	if d2.CodeNumber != "" || d2.Autograph == "" {
		t.Errorf("second document (handwritten number, unreadable): %+v; want no number and the handwriting noted", d2)
	}
}
