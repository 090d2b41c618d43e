package pdf

import (
	"context"
	"os"
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
	if r.PDFAPart != 2 || len(r.PDFAProblems) != 0 || !r.Verdicts.PDFA.OK {
		t.Fatalf("our own file: part %d problems %v", r.PDFAPart, r.PDFAProblems)
	}
	rewritten := filepath.Join(dir, "rewritten.pdf")
	if err := api.OptimizeFile(path, rewritten, pdfcpuConf()); err != nil {
		t.Fatal(err)
	}
	r = verifyFile(t, rewritten, nil)
	if r.PDFAPart != 2 || r.Verdicts.PDFA.OK || !strings.Contains(strings.Join(r.PDFAProblems, "\n"), "differ") {
		t.Errorf("rewritten file: part %d problems %q", r.PDFAPart, r.PDFAProblems)
	}
	t.Logf("problems found: %q", r.PDFAProblems)

	r = verifyFile(t, "../../shared/corpus/ocrmypdf/c02-22.pdf", nil)
	if r.PDFAPart != 0 || r.Verdicts.PDFA.OK || r.OK() {
		t.Errorf("plain PDF: part %d, OK %v", r.PDFAPart, r.OK())
	}
}

// Genuine signed government PDFs (two signatures, the second added by a
// later incremental update, not PDF/A, no chain in the file): the
// signatures are good, PDF/A says why not, trust is not judged, subjects
// read as names; with RequirePDFA the file is not good, and says why.
func TestVerifyGovernmentPDFs(t *testing.T) {
	files, _ := filepath.Glob("../../shared/corpus/vn-admin/*.pdf")
	if len(files) == 0 {
		t.Fatal("no files in the shared corpus vn-admin (run `bash .ci/test`)")
	}
	for _, f := range files {
		t.Run(filepath.Base(f)[:8], func(t *testing.T) {
			r := verifyFile(t, f, nil)
			v := r.Verdicts
			if !r.OK() || !v.Signatures.OK || v.Trust.Judged || v.PDFA.OK || v.PDFA.Reason == "" || v.Trust.ReasonVI == "" {
				t.Errorf("verdicts: %+v", v)
			}
			if len(r.Signatures) != 2 {
				t.Fatalf("%d signatures, want 2", len(r.Signatures))
			}
			first := r.Signatures[0]
			if first.ModifiedAfter || len(first.Changes) == 0 || first.CoversWholeDocument {
				t.Errorf("first signature: changes %+v", first.Changes)
			}
			for _, s := range r.Signatures {
				if strings.Contains(s.Subject, "#") || strings.Contains(s.Subject, "0.9.2342") || !strings.Contains(s.Subject, "CN=") {
					t.Errorf("subject not readable: %q", s.Subject)
				}
			}
			f, _ := os.Open(f)
			defer f.Close()
			st, _ := f.Stat()
			r2, err := Verify(context.Background(), f, st.Size(), VerifyOptions{RequirePDFA: true})
			if err != nil || r2.OK() {
				t.Errorf("RequirePDFA: OK %v, %v", r2.OK(), err)
			}
		})
	}
}
