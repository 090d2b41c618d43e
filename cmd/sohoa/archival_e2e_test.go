package main

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr/archival"
	"github.com/sohoa/sohoa/pdf/pdftest"
	"github.com/sohoa/sohoa/web/webtest"
)

func TestArchivalEndToEnd(t *testing.T)        { eachArchivalStack(t, testArchivalEndToEnd) }
func TestHandwrittenDateEndToEnd(t *testing.T) { eachArchivalStack(t, testHandwrittenDateEndToEnd) }

// eachArchivalStack runs test on both stacks (see eachStackMode) with one
// worker and unsigned results: the archival fields need no signing keys.
func eachArchivalStack(t *testing.T, test func(t *testing.T, c stackConfig)) {
	eachStackMode(t, func(t *testing.T, _ bool, c stackConfig) {
		c.workers, c.unsigned = 1, true
		test(t, c)
	})
}

// testArchivalEndToEnd: a generated NĐ 30 decision goes through the whole
// pipeline (upload, OCR, the document job); the result carries the
// decision's fields, its PDF's XMP too, a search filtered by them finds it
// (and a filter it does not match does not), and the dossier's XML export
// holds them, well-formed.
func testArchivalEndToEnd(t *testing.T, c stackConfig) {
	dir := t.TempDir()
	scan := filepath.Join(dir, "quyet-dinh.png")
	nd30Page(t, scan)
	ts := startStack(t, c)
	archivist := ts.token(t, dossier.RoleArchivist, "lưu trữ")
	b, d := catalogued(t, ts, archivist, scan, "Quyết định")
	for name, want := range map[string]struct {
		f     *archival.Field
		value string
	}{
		"doc_type": {d.DocType, "QUYẾT ĐỊNH"}, "number": {d.Number, "143/QĐ-UBND"}, "date": {d.Date, "2024-03-05"},
		"signer": {d.Signer, "Nguyễn Văn Sơn"}, "place": {d.Place, "Hà Giang"},
	} {
		switch {
		case want.f == nil:
			t.Errorf("%s not read", name)
		case want.f.Value != want.value:
			t.Errorf("%s = %q, want %q", name, want.f.Value, want.value)
		case want.f.Page != 1 || len(want.f.Boxes) == 0:
			t.Errorf("%s: page %d, %d boxes", name, want.f.Page, len(want.f.Boxes))
		}
	}
	if d.Agency == nil || !strings.Contains(d.Agency.Value, "HÀ GIANG") {
		t.Errorf("agency %+v", d.Agency)
	}

	// The signed (here unsigned) PDF's XMP carries them.
	pdfPath := filepath.Join(dir, "kq.pdf")
	req, _ := http.NewRequest("GET", ts.url+"/v1/results/"+b.ResultCode+"/pdf", nil)
	if resp, pdfBytes := webtest.Do(t, req, archivist); resp.StatusCode != 200 {
		t.Fatalf("GET the PDF: %d", resp.StatusCode)
	} else if err := os.WriteFile(pdfPath, pdfBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	meta := []byte(pdftest.Info(t, pdfPath, "-meta"))
	for _, want := range []string{"<sohoaDoc:Number>143/QĐ-UBND</sohoaDoc:Number>", "<sohoaDoc:IssueDate>2024-03-05</sohoaDoc:IssueDate>"} {
		if !bytes.Contains(meta, []byte(want)) {
			t.Errorf("the PDF's XMP lacks %s", want)
		}
	}

	// Filtered searches: by the document's fields, with and without text.
	for query, hits := range map[string]int{
		"doc_type=quyet+dinh&number=143&issuer=ha+giang": 1,
		"q=chuyển+đổi+số&signer=nguyen+van+son":          1,
		"issued_from=2024-03-01&issued_to=2024-03-31":    1,
		"issued_from=2024-04-01":                         0,
		"doc_type=cong+van":                              0,
		"q=chuyển+đổi+số&signer=tran+thi+thu":            0,
	} {
		var sr struct {
			Total int `json:"total"`
		}
		if code := webtest.Call(t, "GET", ts.url+"/v1/search?"+query, archivist, nil, "", &sr); code != 200 || sr.Total != hits {
			t.Errorf("GET /v1/search?%s: %d, %d pages, want %d", query, code, sr.Total, hits)
		}
	}

	// The XML export of the dossier (TT 02/2019/TT-BNV), well-formed.
	req, _ = http.NewRequest("GET", ts.url+"/v1/dossiers/"+testDossier+"/archival.xml", nil)
	resp, raw := webtest.Do(t, req, archivist)
	if resp.StatusCode != 200 {
		t.Fatalf("GET archival.xml: %d %s", resp.StatusCode, raw)
	}
	var x struct {
		Docs []struct {
			TypeName     string `xml:"TypeName"`
			CodeNumber   string `xml:"CodeNumber"`
			CodeNotation string `xml:"CodeNotation"`
			IssuedDate   string `xml:"IssuedDate"`
			Signer       string `xml:"SohoaExtension>Signer"`
		} `xml:"File>Doc"`
	}
	dec := xml.NewDecoder(bytes.NewReader(raw))
	dec.Strict = true
	if err := dec.Decode(&x); err != nil {
		t.Fatalf("archival.xml: %v\n%s", err, raw)
	}
	if len(x.Docs) != 1 || x.Docs[0].TypeName != "QUYẾT ĐỊNH" || x.Docs[0].CodeNumber != "143" || x.Docs[0].CodeNotation != "QĐ-UBND" ||
		x.Docs[0].IssuedDate != "05/03/2024" || x.Docs[0].Signer != "Nguyễn Văn Sơn" {
		t.Errorf("archival.xml documents %+v\n%s", x.Docs, raw)
	}
}

// testHandwrittenDateEndToEnd: a generated NĐ 30 document whose day was
// written by hand in blue ("Khánh Hòa, ngày 6 tháng 11 năm 2025", the 6 by
// pen), which the page reading leaves unreadable, goes through the whole
// pipeline; the document job's second reading of the blank (through the
// OCR engines) gives the result its date, marked handwritten, with the
// boxes it came from.
func testHandwrittenDateEndToEnd(t *testing.T, c stackConfig) {
	dir := t.TempDir()
	sohoatest.Generate(t, dir, "-seed", "14", "-preset", "nd30", "-n", "1")
	ts := startStack(t, c)
	_, doc := catalogued(t, ts, ts.token(t, dossier.RoleArchivist, "lưu trữ"), filepath.Join(dir, "d001-p1.jpg"), "Chỉ thị")
	if d := doc.Date; d == nil || d.Value != "2025-11-06" || !d.Handwritten || d.Unreadable || d.Confidence < archival.Deliver || len(d.Boxes) == 0 {
		t.Fatalf("date %+v, want 2025-11-06 read from the handwritten blank", d)
	}
	if n := doc.Number; n == nil || n.Value != "56/CT-UBND" {
		t.Errorf("number %+v", n)
	}
}

// catalogued sends scan as the one page of testDossier from station quay-1,
// waits until its batch is done and returns the batch and the one document
// that GET /v1/results/{code} catalogues from it, read with the archivist's
// token.
func catalogued(t *testing.T, ts *testStack, archivist, scan, title string) (*dossier.Batch, archival.Document) {
	t.Helper()
	ctx := t.Context()
	name := filepath.Base(scan)
	station := &dossier.Token{ID: "test", Role: dossier.RoleStation, Name: "quay-1"}
	m := &ingest.Manifest{BatchInfo: dossier.BatchInfo{DossierCode: testDossier, AgencyCode: "000.00.31.H33",
		Title: title, Station: "quay-1"}, Pages: []string{name}}
	b, _, err := ts.intake.Submit(ctx, station, m, map[string]ingest.File{name: fileOf(t, scan)})
	if err != nil {
		t.Fatal(err)
	}
	if b, err = waitBatch(ctx, ts, b.ID); err != nil || b.Status != dossier.BatchDone {
		t.Fatalf("batch: %v %+v", err, b)
	}
	var res struct {
		Documents []archival.Document `json:"documents"`
	}
	if code := webtest.Call(t, "GET", ts.url+"/v1/results/"+b.ResultCode, archivist, nil, "", &res); code != 200 || len(res.Documents) != 1 {
		t.Fatalf("GET /v1/results: %d, %d documents", code, len(res.Documents))
	}
	return b, res.Documents[0]
}
