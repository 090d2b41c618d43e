package pdf

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/pdf/pdftest"
)

// prepareFile appends a placeholder for chain to the PDF at path.
func prepareFile(t testing.TB, path string, chain []*x509.Certificate, title string) *Placeholder {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ph, err := AppendPlaceholder(context.Background(), f, PlaceholderOptions{Chain: chain, Title: title, Timestamp: true})
	if err != nil {
		t.Fatalf("AppendPlaceholder: %v", err)
	}
	return ph
}

func completeFile(path string, ph *Placeholder, sig []byte, chain []*x509.Certificate, tsa string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return CompleteSignature(context.Background(), f, ph, sig, chain, tsa)
}

// Two-step signing as at a desk: the server prepares the file for the
// official's certificate, the official's token signs the signed
// attributes (here on SoftHSM2), the server completes it with a
// timestamp; then the organisation's seal is added on top (desk+seal).
// Preflight, pdfsig and Verify accept both signatures; a signature made
// for another document is refused and leaves the file as prepared.
func TestTwoStepSigningSoftHSM(t *testing.T) {
	pki := newTestPKI(t, nil)
	tsa := pki.tsa(t)
	now := time.Now()
	cert, key, err := pki.Official("Trần Thị Bình", now.Add(-time.Hour), now.Add(365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	pdftest.NewSoftHSM(t)
	pdftest.SoftHSMToken(t, "binh", "135790", key, cert)
	tok, err := OpenTokenKey(TokenConfig{Module: pdftest.SoftHSM, Token: "binh"}, "135790") // no key label: the token's one key and its certificate
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Close()
	chain := append(tok.Chain(), pki.CA)

	dir := t.TempDir()
	path := assembleFile(t, dir, testPages(t, 2), PDFA1B)
	other := assembleFile(t, t.TempDir(), testPages(t, 1), PDFA1B)
	ph := prepareFile(t, path, chain, "Chuyên viên một cửa")
	phOther := prepareFile(t, other, chain, "")

	// The client computes the attributes on its own; they must be the ones the server checks.
	attrs, err := SignedAttributes(ph.MessageDigest, tok.Chain()[0])
	if err != nil {
		t.Fatal(err)
	}
	otherAttrs, _ := SignedAttributes(phOther.MessageDigest, tok.Chain()[0])
	wrong, err := tok.SignAttributes(otherAttrs)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	if err := completeFile(path, ph, wrong, chain, tsa); !errors.Is(err, ErrBadSignatureValue) {
		t.Fatalf("a signature for another document: %v, want ErrBadSignatureValue", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("a refused signature changed the file")
	}
	sig, err := tok.SignAttributes(attrs)
	if err != nil {
		t.Fatal(err)
	}
	if err := completeFile(path, ph, sig, chain, tsa); err != nil {
		t.Fatalf("CompleteSignature: %v", err)
	}
	pdftest.Preflight(t, path)
	nss := pki.nssDB(t)
	out := pdfsig(t, nss, path)
	for _, want := range []string{"Signature is Valid", "Total document signed", "ETSI.CAdES.detached", "Certificate is Trusted", "Trần Thị Bình"} {
		if !strings.Contains(out, want) {
			t.Errorf("pdfsig lacks %q:\n%s", want, out)
		}
	}
	r := verifyFile(t, path, pki.caPEM)
	if !r.OK() || len(r.Signatures) != 1 || r.Signatures[0].Timestamp == nil || !r.Signatures[0].Timestamp.Valid {
		t.Fatalf("Verify: %+v", r.Signatures)
	}
	// desk+seal: the organisation's signature on top.
	signFile(t, pki.signer(t), path)
	pdftest.Preflight(t, path)
	out = pdfsig(t, nss, path)
	if n := strings.Count(out, "Signature is Valid"); n != 2 {
		t.Errorf("pdfsig: %d valid signatures, want 2:\n%s", n, out)
	}
	r = verifyFile(t, path, pki.caPEM)
	if !r.OK() || len(r.Signatures) != 2 || !r.Signatures[0].Intact || r.Signatures[0].ModifiedAfter {
		t.Fatalf("Verify after the seal: %+v", r.Signatures)
	}
}

// Each certificate the server must refuse is refused, with a reason in both languages.
func TestCheckSignerCertificate(t *testing.T) {
	pki := newTestPKI(t, nil)
	stranger := newTestPKI(t, nil)
	now := time.Now()
	roots := x509.NewCertPool()
	roots.AddCert(pki.CA)
	good, _, _ := pki.Official("Trần Thị Bình", now.Add(-time.Hour), now.Add(time.Hour))
	expired, _, _ := pki.Official("Trần Thị Bình", now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	early, _, _ := pki.Official("Trần Thị Bình", now.Add(24*time.Hour), now.Add(48*time.Hour))
	foreign, _, _ := stranger.Official("Trần Thị Bình", now.Add(-time.Hour), now.Add(time.Hour))
	for _, tc := range []struct {
		name     string
		cert     *x509.Certificate
		official string
		roots    *x509.CertPool
		want     string
	}{
		{"good", good, "TRẦN THỊ  BÌNH", roots, ""},
		{"decomposed name on record", good, "Tra\u0302\u0300n Thi\u0323 Bi\u0300nh", roots, ""},
		{"another official", good, "Nguyễn Văn A", roots, "not to"},
		{"expired", expired, "Trần Thị Bình", roots, "expired"},
		{"not yet valid", early, "Trần Thị Bình", roots, "not valid before"},
		{"unknown CA", foreign, "Trần Thị Bình", roots, "trusted"},
		{"no anchors", good, "Trần Thị Bình", nil, "trust anchors"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckSignerCertificate([]*x509.Certificate{tc.cert}, CertCheck{Roots: tc.roots, Official: tc.official})
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var p *CertProblem
			if !errors.As(err, &p) || !strings.Contains(p.Reason, tc.want) || p.ReasonVI == "" {
				t.Fatalf("got %v, want a refusal with %q", err, tc.want)
			}
		})
	}
}

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
			path := assembleFile(t, t.TempDir(), testPages(t, 1), tc.base)
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
			if got := pdftest.Attachments(t, path); !slices.Equal(got, tc.files) {
				t.Errorf("pdfdetach lists %q, want %q", got, tc.files)
			}
			if got := pdftest.Detach(t, path, "sohoa-audit.json"); !bytes.Equal(got, audit) {
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
