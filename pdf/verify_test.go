package pdf

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
)

// Verify finds PDF/A problems: a rewrite by another tool (pdfcpu resets
// Info /ModDate and /Producer but leaves the XMP) breaks the agreement
// between Info and XMP; a plain PDF claims nothing.
func TestVerifyPDFAProblems(t *testing.T) {
	dir := t.TempDir()
	path := assembleFile(t, dir, testPages(t, 1), PDFA2B)
	r := verifyFile(t, path, nil)
	if r.PDFAPart != 2 || len(r.PDFAProblems) != 0 || !r.OK() {
		t.Fatalf("our own file: part %d problems %v", r.PDFAPart, r.PDFAProblems)
	}
	rewritten := filepath.Join(dir, "rewritten.pdf")
	if err := api.OptimizeFile(path, rewritten, pdfcpuConf()); err != nil {
		t.Fatal(err)
	}
	r = verifyFile(t, rewritten, nil)
	if r.PDFAPart != 2 || r.OK() || !strings.Contains(strings.Join(r.PDFAProblems, "\n"), "differ") {
		t.Errorf("rewritten file: part %d problems %q", r.PDFAPart, r.PDFAProblems)
	}
	t.Logf("problems found: %q", r.PDFAProblems)

	r = verifyFile(t, "../../shared/corpus/ocrmypdf/c02-22.pdf", nil)
	if r.PDFAPart != 0 || r.OK() {
		t.Errorf("plain PDF: part %d, OK %v", r.PDFAPart, r.OK())
	}
}
