package pdf

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// A page an official turns is shown turned (/Rotate), its words still
// found where the scan shows them, and the file stays valid; a turn that
// is not a quarter is refused.
func TestAssembleRotatedPage(t *testing.T) {
	pages := testPages(t, 2)
	pages[0].Rotate = 90
	pages[1].Rotate = -90
	path := assembleFile(t, t.TempDir(), pages, PDFA2B)

	out, err := exec.Command("pdfinfo", "-f", "1", "-l", "2", path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	rot := regexp.MustCompile(`Page +(\d) rot: +(\d+)`).FindAllStringSubmatch(string(out), -1)
	if len(rot) != 2 || rot[0][2] != "90" || rot[1][2] != "270" {
		t.Fatalf("page rotations %v, want 90 and 270:\n%s", rot, out)
	}
	txt, err := exec.Command("pdftotext", "-f", "1", "-l", "1", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, txt)
	}
	if want := strings.Fields(sampleLines[0])[0]; !strings.Contains(string(txt), want) {
		t.Errorf("text of the turned page lacks %q:\n%s", want, txt)
	}
	if out, err := exec.Command("qpdf", "--check", path).CombinedOutput(); err != nil {
		t.Errorf("qpdf --check: %v\n%s", err, out)
	}

	pages[0].Rotate = 45
	if err := Assemble(t.Context(), new(strings.Builder), pages, AssembleOptions{Metadata: testMeta}); err == nil {
		t.Error("a 45-degree turn was written")
	}
}
