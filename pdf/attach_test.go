package pdf

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/pdf/pdftest"
)

// The audit goes in at prepare, before the official's signature: the
// prepared file embeds it as a PDF/A-3 associated file and declares
// PDF/A-3b; the signed file passes qpdf, pdfsig (valid, whole file) and
// Verify (PDF/A-3b without problems), and pdfdetach extracts the bytes
// given. A PDF/A-3b base that already carries ocr.json keeps it beside.
func TestAuditAttachment(t *testing.T) {
	pki := newTestPKI(t, nil)
	cert, key, err := pki.Official("Trần Thị Bình", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	nss := pki.nssDB(t)
	audit := []byte(`{"dossier_code":"000.00.31.H33-261127-0001","review":[{"kind":"word","text":"Thủy"}]}`)
	for _, tc := range []struct {
		base  Conformance
		files []string
	}{{PDFA1B, []string{"sohoa-audit.json"}}, {PDFA3B, []string{"ocr.json", "sohoa-audit.json"}}} {
		t.Run(string(tc.base), func(t *testing.T) {
			dir := t.TempDir()
			path := assembleFile(t, dir, testPages(t, 1), tc.base)
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			chain := []*x509.Certificate{cert, pki.CA}
			ph, err := AppendPlaceholder(context.Background(), f, PlaceholderOptions{Chain: chain,
				Attachment: &Attachment{Name: "sohoa-audit.json", Description: "Nhật ký rà soát và ký", MIME: "application/json", Relationship: "Supplement", Data: audit, Modified: time.Now()}})
			if err != nil {
				t.Fatalf("AppendPlaceholder: %v", err)
			}
			attrs, _ := SignedAttributes(ph.MessageDigest, cert)
			sum := sha256.Sum256(attrs)
			sig, err := key.Sign(rand.Reader, sum[:], crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			if err := CompleteSignature(context.Background(), f, ph, sig, chain, ""); err != nil {
				t.Fatal(err)
			}
			pdftest.QPDFCheck(t, path)
			out := pdfsig(t, nss, path)
			if !strings.Contains(out, "Signature is Valid") || !strings.Contains(out, "Total document signed") {
				t.Errorf("pdfsig:\n%s", out)
			}
			r := verifyFile(t, path, pki.caPEM)
			if !r.OK() || r.PDFAPart != 3 || r.PDFAConformance != "B" || len(r.PDFAProblems) > 0 {
				t.Fatalf("Verify: part %d%s %v, %+v", r.PDFAPart, r.PDFAConformance, r.PDFAProblems, r.Verdicts)
			}
			list, err := exec.Command("pdfdetach", "-list", path).CombinedOutput()
			if err != nil {
				t.Fatalf("pdfdetach -list: %v\n%s", err, list)
			}
			for _, name := range tc.files {
				if !strings.Contains(string(list), name) {
					t.Errorf("pdfdetach -list lacks %s:\n%s", name, list)
				}
			}
			saved := filepath.Join(dir, "out.json")
			if out, err := exec.Command("pdfdetach", "-savefile", "sohoa-audit.json", "-o", saved, path).CombinedOutput(); err != nil {
				t.Fatalf("pdfdetach -savefile: %v\n%s", err, out)
			}
			if got, _ := os.ReadFile(saved); !bytes.Equal(got, audit) {
				t.Fatalf("extracted %q, want %q", got, audit)
			}
		})
	}
}

// An attachment whose name, type or relationship could not be written as
// given is refused, and the file is left as it was.
func TestAttachmentRefused(t *testing.T) {
	pki := newTestPKI(t, nil)
	path := assembleFile(t, t.TempDir(), testPages(t, 1), PDFA1B)
	before, _ := os.ReadFile(path)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, a := range []Attachment{
		{Name: "../../etc/passwd", MIME: "application/json", Relationship: "Supplement"},
		{Name: "a.json", MIME: "application/json /JavaScript", Relationship: "Supplement"},
		{Name: "a.json", MIME: "application/json", Relationship: "Supplement /OpenAction"},
	} {
		if _, err := AppendPlaceholder(context.Background(), f, PlaceholderOptions{Chain: []*x509.Certificate{pki.Signer}, Attachment: &a}); err == nil {
			t.Errorf("%+v accepted", a)
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("a refused attachment changed the file")
	}
}
