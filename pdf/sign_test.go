package pdf

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/sohoa/sohoa/pdf/pdfread"
	"github.com/sohoa/sohoa/pdf/pdftest"
)

// pdfsig runs poppler's pdfsig (with the NSS db holding the test CA when nss is set).
func pdfsig(t testing.TB, nss, path string) string {
	t.Helper()
	if nss != "" {
		return pdftest.Pdfsig(t, path, "-nssdir", nss)
	}
	return pdftest.Pdfsig(t, path, "-nocert")
}

// pdfcpuConf is pdfcpu's configuration for the tests: sohoa's one pdfcpu set-up.
func pdfcpuConf() *model.Configuration { return pdfread.Config() }

// pdfcpuSigStatus validates the only signature with pdfcpu. It judges
// integrity and the path to the CA; with no CRL or OCSP in the test
// certificates it calls an intact signature "unknown", never "valid".
func pdfcpuSigStatus(t testing.TB, path string, caPEM []byte) model.SignatureStatus {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ca.pem"), caPEM, 0o644)
	old := model.TrustedCertDir
	model.TrustedCertDir = dir // pdfcpu keeps its trust store in a package variable
	defer func() { model.TrustedCertDir = old }()
	res, err := api.ValidateSignatures(path, true, pdfcpuConf())
	if err != nil || len(res) != 1 {
		t.Fatalf("pdfcpu ValidateSignatures: %d results, %v", len(res), err)
	}
	return res[0].Status
}

func signFile(t testing.TB, s *Signer, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := s.Sign(context.Background(), f); err != nil {
		t.Fatalf("Sign: %v", err)
	}
}

func verifyFile(t testing.TB, path string, trust []byte) *Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	r, err := Verify(context.Background(), f, st.Size(), VerifyOptions{TrustPEM: trust})
	if err != nil {
		t.Fatalf("Verify %s: %v", filepath.Base(path), err)
	}
	return r
}

// tamper flips one byte inside the first page image (covered by the signature).
func tamper(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(b), "/Subtype /Image")
	j := strings.Index(string(b[i:]), "stream\n")
	k := i + j + 7 + 500
	b[k] ^= 0x01
	out := strings.TrimSuffix(path, ".pdf") + "-tampered.pdf"
	os.WriteFile(out, b, 0o644)
	return out
}

func TestSignPAdES(t *testing.T) {
	pages := testPages(t, 3)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, tc := range []struct {
		name string
		c    Conformance
		tsa  bool
		key  crypto.Signer
	}{
		{"1b-rsa-tsa", PDFA1B, true, nil},
		{"2b-rsa", PDFA2B, false, nil},
		{"3b-ecdsa-tsa", PDFA3B, true, ecKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			pki := newTestPKI(t, tc.key)
			p12, pass := pki.p12(t)
			cfg := SignerConfig{P12File: p12, PassFile: pass}
			if tc.tsa {
				cfg.TSAURL = pki.tsa(t)
			}
			s, err := cfg.Open(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			path := assembleFile(t, dir, pages, tc.c)
			signFile(t, s, path)

			checkPdfcpu(t, path, tc.c == PDFA3B)
			pdftest.QPDFCheck(t, path)
			if tc.c == PDFA1B {
				pdftest.Preflight(t, path)
			}
			out := pdfsig(t, pki.nssDB(t), path)
			for _, want := range []string{"Signature Type: ETSI.CAdES.detached", "Total document signed", "Signature is Valid", "Certificate is Trusted", "Signing Hash Algorithm: SHA-256"} {
				if !strings.Contains(out, want) {
					t.Errorf("pdfsig lacks %q:\n%s", want, out)
				}
			}

			if st := pdfcpuSigStatus(t, path, pki.caPEM); st == model.SignatureStatusInvalid {
				t.Errorf("pdfcpu calls the signature invalid")
			}

			r := verifyFile(t, path, pki.caPEM)
			if want := int(tc.c[0] - '0'); r.PDFAPart != want || r.PDFAConformance != "B" || len(r.PDFAProblems) > 0 {
				t.Errorf("PDF/A: part %d conformance %q problems %v, want %d B none", r.PDFAPart, r.PDFAConformance, r.PDFAProblems, want)
			}
			if len(r.Signatures) != 1 {
				t.Fatalf("%d signatures, want 1", len(r.Signatures))
			}
			sg := r.Signatures[0]
			if !sg.Intact || !sg.CoversWholeDocument || sg.Trusted == nil || !*sg.Trusted || sg.Digest != "SHA-256" || sg.SubFilter != "ETSI.CAdES.detached" || sg.Signer != "NGUYỄN VĂN A" || sg.Time == nil {
				t.Errorf("signature report: %+v (trust error %q)", sg, sg.TrustError)
			}
			if tc.tsa && (sg.Timestamp == nil || !sg.Timestamp.Valid || sg.Timestamp.TSA != "Sohoa Test TSA") {
				t.Errorf("timestamp: %+v", sg.Timestamp)
			}
			if !r.OK() {
				t.Errorf("report not OK: %+v", r.Verdicts)
			}
			// Untrusted without the CA.
			if r := verifyFile(t, path, nil); r.Signatures[0].Trusted != nil {
				t.Errorf("trust judged without anchors")
			}

			bad := tamper(t, path)
			if out := pdfsig(t, "", bad); strings.Contains(out, "Signature is Valid") || !strings.Contains(out, "Digest Mismatch") {
				t.Errorf("pdfsig on the tampered file:\n%s", out)
			}
			if st := pdfcpuSigStatus(t, bad, pki.caPEM); st != model.SignatureStatusInvalid {
				t.Errorf("pdfcpu does not call the tampered signature invalid (status %v)", st)
			}
			if r := verifyFile(t, bad, pki.caPEM); r.Signatures[0].Intact || r.OK() {
				t.Errorf("Verify calls the tampered file intact: %+v", r.Signatures[0])
			}
		})
	}
}

// Several signatures in incremental updates, and the older adbe.pkcs7.detached
// with SHA-1 that government PDFs still carry.
func TestVerifySeveralSignaturesSHA1(t *testing.T) {
	dir := t.TempDir()
	pki := newTestPKI(t, nil)
	p12, pass := pki.p12(t)
	old := openSigner(t, SignerConfig{P12File: p12, PassFile: pass, Name: "TRẦN THỊ B"})
	old.legacy = true
	t.Setenv(EnvSignPass, "mật khẩu 123")
	cur := openSigner(t, SignerConfig{P12File: p12}) // password from the environment

	path := assembleFile(t, dir, testPages(t, 1), PDFA2B)
	signFile(t, old, path)
	signFile(t, cur, path)
	pdftest.QPDFCheck(t, path)
	checkPdfcpu(t, path, false)

	out := pdfsig(t, pki.nssDB(t), path)
	if n := strings.Count(out, "Signature is Valid"); n != 2 {
		t.Errorf("pdfsig: %d valid signatures, want 2:\n%s", n, out)
	}
	if !strings.Contains(out, "adbe.pkcs7.detached") || !strings.Contains(out, "SHA1") && !strings.Contains(out, "SHA-1") {
		t.Errorf("pdfsig does not see the SHA-1 adbe.pkcs7.detached signature:\n%s", out)
	}
	r := verifyFile(t, path, pki.caPEM)
	if r.Revisions != 3 || len(r.Signatures) != 2 {
		t.Fatalf("revisions %d signatures %d, want 3 and 2", r.Revisions, len(r.Signatures))
	}
	first, second := r.Signatures[0], r.Signatures[1]
	if !first.Intact || first.CoversWholeDocument || first.Revision != 2 || first.Digest != "SHA-1" || first.SubFilter != "adbe.pkcs7.detached" || first.SigningTime == nil || first.Name != "TRẦN THỊ B" {
		t.Errorf("first signature: %+v", first)
	}
	if !second.Intact || !second.CoversWholeDocument || second.Revision != 3 || second.Digest != "SHA-256" {
		t.Errorf("second signature: %+v", second)
	}

	// Then a document timestamp (ETSI.RFC3161) over everything.
	ts := openSigner(t, SignerConfig{P12File: p12, TSAURL: pki.tsa(t)})
	ts.docTS = true
	signFile(t, ts, path)
	pdftest.QPDFCheck(t, path)
	r = verifyFile(t, path, pki.caPEM)
	if len(r.Signatures) != 3 {
		t.Fatalf("%d signatures, want 3", len(r.Signatures))
	}
	third := r.Signatures[2]
	if third.SubFilter != "ETSI.RFC3161" || !third.Intact || !third.CoversWholeDocument || third.Timestamp == nil || !third.Timestamp.Valid || third.Timestamp.TSA != "Sohoa Test TSA" || third.Trusted == nil || !*third.Trusted {
		t.Errorf("document timestamp: %+v %+v", third, third.Timestamp)
	}
	if r.Signatures[1].CoversWholeDocument || !r.Signatures[1].Intact {
		t.Errorf("second signature after the timestamp: %+v", r.Signatures[1])
	}
	if out := pdfsig(t, "", path); strings.Count(out, "Signature is Valid") < 2 {
		t.Errorf("pdfsig after the document timestamp:\n%s", out)
	}
}

func TestSignerConfigErrors(t *testing.T) {
	pki := newTestPKI(t, nil)
	p12, pass := pki.p12(t)
	wrong := filepath.Join(t.TempDir(), "wrong")
	os.WriteFile(wrong, []byte("sai"), 0o600)
	t.Setenv(EnvSignPass, "")
	os.Unsetenv(EnvSignPass)
	for _, tc := range []struct {
		name string
		cfg  SignerConfig
		want string
	}{
		{"no key", SignerConfig{}, "no signing key"},
		{"no password", SignerConfig{P12File: p12}, EnvSignPass},
		{"wrong password", SignerConfig{P12File: p12, PassFile: wrong}, "PKCS#12"},
		{"both", SignerConfig{P12File: p12, PKCS11Module: "x.so"}, "not both"},
		{"pkcs11 without token", SignerConfig{PKCS11Module: "x.so"}, "token label"},
		// The mark is sized to its text: 81 characters would run off the page.
		{"signer name too long", SignerConfig{P12File: p12, PassFile: pass, Name: strings.Repeat("Nguyễn Văn A ", 6) + "Trần Thị"}, "at most 80"},
		{"signer name with a control character", SignerConfig{P12File: p12, PassFile: pass, Name: "Nguyễn\x1b[2J"}, "control character"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.cfg.Open(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open: %v, want an error about %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "sai") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

// Files from other writers: a classic-xref PDF from the corpus and one with
// object and xref streams (qpdf), which Sign reads through pdfcpu.
func TestSignOtherWriters(t *testing.T) {
	dir := t.TempDir()
	pki := newTestPKI(t, nil)
	s := pki.signer(t)
	corpus := "../../shared/corpus/ocrmypdf/c02-22.pdf"
	own := assembleFile(t, dir, testPages(t, 1), PDFA2B)
	streams := filepath.Join(dir, "streams.pdf")
	if out, err := exec.Command("qpdf", "--object-streams=generate", own, streams).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v\n%s", err, out)
	}
	for _, src := range []string{corpus, streams} {
		t.Run(filepath.Base(src), func(t *testing.T) {
			data, err := os.ReadFile(src)
			if err != nil {
				t.Fatalf("%v (the shared corpus is needed; run `bash .ci/test`)", err)
			}
			path := filepath.Join(dir, "signed-"+filepath.Base(src))
			os.WriteFile(path, data, 0o644)
			signFile(t, s, path)
			pdftest.QPDFCheck(t, path)
			out := pdfsig(t, "", path)
			if !strings.Contains(out, "Signature is Valid") || !strings.Contains(out, "Total document signed") {
				t.Errorf("pdfsig:\n%s", out)
			}
			r := verifyFile(t, path, pki.caPEM)
			if len(r.Signatures) != 1 || !r.Signatures[0].Intact || !r.Signatures[0].CoversWholeDocument {
				t.Errorf("Verify: %+v", r.Signatures)
			}
		})
	}
}

// A failed signing (here: the TSA is down) leaves the file as it was.
func TestSignFailureLeavesFile(t *testing.T) {
	dir := t.TempDir()
	pki := newTestPKI(t, nil)
	p12, pass := pki.p12(t)
	s := openSigner(t, SignerConfig{P12File: p12, PassFile: pass, TSAURL: "http://127.0.0.1:1/tsa"})
	path := assembleFile(t, dir, testPages(t, 1), PDFA2B)
	before, _ := os.ReadFile(path)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Sign(context.Background(), f)
	f.Close()
	if err == nil || !strings.Contains(err.Error(), "timestamp") {
		t.Fatalf("Sign with the TSA down: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Errorf("the file changed: %d -> %d bytes", len(before), len(after))
	}
}
