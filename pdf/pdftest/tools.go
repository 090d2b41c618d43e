package pdftest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/storage/storagetest"
)

// The independent tools a test checks a PDF with (qpdf, PDFBox Preflight,
// poppler's pdfsig, pdftotext and pdfinfo), each run one way, so that
// every test asks the same question and a failure reads the same.

// Tool returns the path of the program name, a tool the tests check
// files with (qpdf, pdftoppm, ImageMagick's convert...). When it is not
// installed the test is skipped with one line saying so, or fails under
// SOHOA_TEST_REQUIRE=1 (see storagetest.Missing).
func Tool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		storagetest.Missing(t, name+" is not installed", "`bash .ci/test` installs it")
	}
	return path
}

// QPDFCheck fails t unless `qpdf --check` finds no syntax or stream
// encoding error in the file.
func QPDFCheck(t testing.TB, path string) {
	t.Helper()
	Tool(t, "qpdf")
	out, err := exec.Command("qpdf", "--check", path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors") {
		t.Errorf("qpdf --check %s: %v\n%s", filepath.Base(path), err, out)
	}
}

// Preflight fails t unless Apache PDFBox Preflight calls the file valid
// PDF/A-1b. Its class path is $SOHOA_PREFLIGHT_CP (.ci/test.env); without
// it the test is skipped, or fails under SOHOA_TEST_REQUIRE=1.
func Preflight(t testing.TB, path string) {
	t.Helper()
	cp := os.Getenv("SOHOA_PREFLIGHT_CP")
	if cp == "" {
		storagetest.Missing(t, "SOHOA_PREFLIGHT_CP is not set", "run `bash .ci/test` or `. .ci/test.env`")
	}
	out, err := exec.Command("java", "-cp", cp, "org.apache.pdfbox.preflight.Validator_A1b", path).CombinedOutput()
	if err != nil {
		t.Errorf("PDFBox Preflight PDF/A-1b %s: %v\n%s", filepath.Base(path), err, out)
	}
}

// Pdfsig returns what poppler's pdfsig says of the file's signatures, with
// args before the file (-nocert -no-ocsp when none: the cryptography only,
// no trust). pdfsig exits non-zero on a bad signature, so only its words
// count.
func Pdfsig(t testing.TB, path string, args ...string) string {
	t.Helper()
	if len(args) == 0 {
		args = []string{"-nocert", "-no-ocsp"}
	}
	out, _ := exec.Command("pdfsig", append(args, path)...).CombinedOutput()
	return string(out)
}

// Text returns the file's text layer as pdftotext reads it, with args
// before the file ("-f", "1", "-l", "1" for page 1, "-bbox" for word boxes).
func Text(t testing.TB, path string, args ...string) string {
	t.Helper()
	out, err := exec.Command("pdftotext", append(args, path, "-")...).Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", filepath.Base(path), err)
	}
	return string(out)
}

// Info returns what pdfinfo says of the file, with args before the file
// ("-f", "1", "-l", "2" for the sizes of pages 1 and 2).
func Info(t testing.TB, path string, args ...string) string {
	t.Helper()
	out, err := exec.Command("pdfinfo", append(args, path)...).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo %s: %v\n%s", filepath.Base(path), err, out)
	}
	return string(out)
}

// Attachments returns the names of the files embedded in the PDF, as
// poppler's pdfdetach lists them.
func Attachments(t testing.TB, path string) []string {
	t.Helper()
	out, err := exec.Command("pdfdetach", "-list", path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfdetach -list %s: %v\n%s", filepath.Base(path), err, out)
	}
	var names []string
	for _, l := range strings.Split(string(out), "\n")[1:] {
		if _, name, ok := strings.Cut(l, ": "); ok {
			names = append(names, strings.TrimSpace(name))
		}
	}
	return names
}

// Detach returns the content of the embedded file name, as pdfdetach
// extracts it.
func Detach(t testing.TB, path, name string) []byte {
	t.Helper()
	saved := filepath.Join(t.TempDir(), "detached")
	if out, err := exec.Command("pdfdetach", "-savefile", name, "-o", saved, path).CombinedOutput(); err != nil {
		t.Fatalf("pdfdetach -savefile %s %s: %v\n%s", name, filepath.Base(path), err, out)
	}
	b, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
