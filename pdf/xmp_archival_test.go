package pdf

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sohoa/sohoa/ocr/archival"
	"github.com/sohoa/sohoa/pdf/pdftest"
)

// TestXMPArchivalDocuments: the documents read from the pages ride in the
// XMP under sohoa's extension schema, which PDFBox Preflight accepts as
// declared (PDF/A-1b), and pdfinfo reads them back, values intact.
func TestXMPArchivalDocuments(t *testing.T) {
	f := func(v string) *archival.Field { return &archival.Field{Value: v, Confidence: 0.95, Page: 1} }
	meta := testMeta
	meta.Documents = []archival.Document{
		{FirstPage: 1, LastPage: 2, Metadata: archival.Metadata{
			DocType: f("QUYẾT ĐỊNH"), Number: f("143/QĐ-UBND"), Agency: f("ỦY BAN NHÂN DÂN TỈNH HÀ GIANG"),
			Place: f("Hà Giang"), Date: f("2024-03-05"), Summary: f("Về việc phê duyệt <kế hoạch> & dự toán"),
			Signer: f("Nguyễn Văn Sơn"), SignerTitle: f("KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"),
			Recipients: []archival.Field{*f("Như Điều 3;"), *f("Lưu: VT.")}, Urgency: f("KHẨN"),
		}},
		{FirstPage: 3, LastPage: 3, NeedsReview: true, Metadata: archival.Metadata{
			DocType: f("CÔNG VĂN"), Number: &archival.Field{Unreadable: true, Handwritten: true, Page: 3},
		}},
	}
	dir := t.TempDir()
	pages := testPages(t, 3)
	for _, c := range []Conformance{PDFA1B, PDFA2B} {
		t.Run(string(c), func(t *testing.T) {
			var b bytes.Buffer
			if err := Assemble(context.Background(), &b, pages, AssembleOptions{Conformance: c, Metadata: meta}); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "archival-"+string(c)+".pdf")
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			if c == PDFA1B {
				pdftest.Preflight(t, path)
			}
			pdftest.QPDFCheck(t, path)
			got := readArchivalXMP(t, []byte(pdftest.Info(t, path, "-meta")))
			want := []map[string]string{{
				"DocType": "QUYẾT ĐỊNH", "Number": "143/QĐ-UBND", "Agency": "ỦY BAN NHÂN DÂN TỈNH HÀ GIANG", "Place": "Hà Giang",
				"IssueDate": "2024-03-05", "Summary": "Về việc phê duyệt <kế hoạch> & dự toán", "Signer": "Nguyễn Văn Sơn",
				"SignerTitle": "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", "Recipients": "Như Điều 3;\nLưu: VT.", "Urgency": "KHẨN",
				"FirstPage": "1", "LastPage": "2", "NeedsReview": "False",
			}, {
				// The unreadable number is left out, not written empty.
				"DocType": "CÔNG VĂN", "FirstPage": "3", "LastPage": "3", "NeedsReview": "True",
			}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("XMP documents read back by pdfinfo:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// readArchivalXMP returns the fields of each sohoa:ArchivalDocuments item
// in an XMP packet, by local name.
func readArchivalXMP(t *testing.T, packet []byte) []map[string]string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(packet))
	var out []map[string]string
	var in, item bool
	var field string
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch {
			case e.Name.Space == sohoaNS && e.Name.Local == "ArchivalDocuments":
				in = true
			case in && e.Name.Local == "li":
				item = true
				out = append(out, map[string]string{})
			case item && e.Name.Space == archivalNS:
				field = e.Name.Local
			}
		case xml.CharData:
			if field != "" {
				out[len(out)-1][field] += string(e)
			}
		case xml.EndElement:
			switch {
			case e.Name.Space == archivalNS:
				field = ""
			case in && e.Name.Local == "li":
				item = false
			case e.Name.Space == sohoaNS && e.Name.Local == "ArchivalDocuments":
				in = false
			}
		}
	}
	if out == nil {
		t.Fatalf("no sohoa:ArchivalDocuments in the XMP:\n%s", packet)
	}
	return out
}
