package pdf

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/pdf/pdfread"
	"github.com/sohoa/sohoa/pdf/pdftest"
)

var testMeta = Metadata{
	Title:        "Giấy chứng nhận quyền sử dụng đất",
	DocumentType: "Giấy chứng nhận",
	DossierCode:  "000.00.31.H33-220804-0001",
	ResultCode:   "000.00.31.H33-220804-0001-KQ1",
	AgencyCode:   "000.00.31.H33",
	Language:     "vi",
	Station:      "QUAY-03",
	Operator:     "Nguyễn Văn Ánh",
	Created:      time.Date(2026, 11, 27, 10, 15, 0, 0, time.FixedZone("ICT", 7*3600)),
}

// testPages builds n pages cycling through colour JPEG, G4 and grey Flate.
func testPages(t testing.TB, n int) slicePages {
	t.Helper()
	img, res := renderPage(t, sampleLines, 1240, 1754, 150) // A4 at 150 dpi
	encs := []Page{
		{Image: encodeJPEG(t, img, false), Result: res},
		{Image: encodeG4(t, img), Result: res},
		{Image: encodeFlateGray(t, img), Result: res},
	}
	var p slicePages
	for i := 0; i < n; i++ {
		p = append(p, encs[i%len(encs)])
	}
	return p
}

func assembleFile(t testing.TB, dir string, pages PageSource, c Conformance) string {
	t.Helper()
	var b bytes.Buffer
	if err := Assemble(context.Background(), &b, pages, AssembleOptions{Conformance: c, Metadata: testMeta}); err != nil {
		t.Fatalf("Assemble %s: %v", c, err)
	}
	path := filepath.Join(dir, "out-"+string(c)+".pdf")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkPdfcpu validates with pdfcpu in relaxed and, unless relaxedOnly,
// strict mode. PDF/A-3's /AFRelationship is a PDF 2.0 key that pdfcpu's strict
// mode refuses in a 1.7 file, although ISO 19005-3 defines it there.
func checkPdfcpu(t testing.TB, path string, relaxedOnly bool) {
	t.Helper()
	pdfread.Config() // never ~/.config/pdfcpu
	modes := []int{model.ValidationStrict, model.ValidationRelaxed}
	if relaxedOnly {
		modes = modes[1:]
	}
	for _, mode := range modes {
		conf := model.NewDefaultConfiguration()
		conf.ValidationMode = mode
		if err := api.ValidateFile(path, conf); err != nil {
			t.Errorf("pdfcpu validate (mode %d, 0=strict) %s: %v", mode, filepath.Base(path), err)
		}
	}
}

func TestAssembleValidates(t *testing.T) {
	dir := t.TempDir()
	pages := testPages(t, 3)
	for _, c := range []Conformance{PDFA1B, PDFA2B, PDFA3B} {
		t.Run(string(c), func(t *testing.T) {
			path := assembleFile(t, dir, pages, c)
			checkPdfcpu(t, path, c == PDFA3B)
			pdftest.QPDFCheck(t, path)
			if c == PDFA1B {
				pdftest.Preflight(t, path)
			}
			if c == PDFA3B {
				// The OCR result rides along as an associated file.
				out := filepath.Join(dir, "ocr.json")
				if b, err := exec.Command("pdfdetach", "-save", "1", "-o", out, path).CombinedOutput(); err != nil {
					t.Fatalf("pdfdetach: %v\n%s", err, b)
				}
				data, _ := os.ReadFile(out)
				var results []ocr.Result
				if err := json.Unmarshal(data, &results); err != nil || len(results) != len(pages) || results[0].Lines[0].Words[0].Text != "CỘNG" {
					t.Errorf("attached OCR JSON: %v, %d results", err, len(results))
				}
			}
		})
	}
}
