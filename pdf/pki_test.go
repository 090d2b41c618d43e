package pdf

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/pem"
	"testing"
	"time"

	"github.com/sohoa/sohoa/pdf/pdftest"
)

// testPKI is a test CA with a signer certificate and a TSA.
type testPKI struct {
	*pdftest.PKI
	caPEM []byte
	dir   string
}

// newTestPKI makes a CA and a signer certificate for key (RSA-2048 when nil).
func newTestPKI(t testing.TB, signerKey crypto.Signer) *testPKI {
	t.Helper()
	k, err := pdftest.New(signerKey)
	if err != nil {
		t.Fatal(err)
	}
	return &testPKI{PKI: k, caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.CA.Raw}), dir: t.TempDir()}
}

// p12 writes the signer as a PKCS#12 file and its password file.
func (p *testPKI) p12(t testing.TB) (file, passFile string) {
	t.Helper()
	file, passFile, err := p.WriteP12(p.dir, "mật khẩu 123")
	if err != nil {
		t.Fatal(err)
	}
	return file, passFile
}

// signer opens the PKCS#12 signer, closed when the test ends.
func (p *testPKI) signer(t testing.TB) *Signer {
	t.Helper()
	file, pass := p.p12(t)
	return openSigner(t, SignerConfig{P12File: file, PassFile: pass})
}

// openSigner opens the signer cfg describes, closed when the test ends.
func openSigner(t testing.TB, cfg SignerConfig) *Signer {
	t.Helper()
	s, err := cfg.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// cms is the detached CMS signature of the signer over the SHA-256 of
// content (legacy: the older SHA-1 form), without a timestamp.
func (p *testPKI) cms(t testing.TB, content string, legacy bool) []byte {
	t.Helper()
	digest := sha256.Sum256([]byte(content))
	b, err := signCMS(context.Background(), digest[:], p.SignerKey, chainOf(p), "", nil, legacy, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tsa starts an in-process RFC 3161 server signed by a TSA certificate of the CA.
func (p *testPKI) tsa(t testing.TB) string { return p.TSA(t) }

// nssDB makes an NSS database trusting the test CA, for pdfsig.
func (p *testPKI) nssDB(t testing.TB) string { return p.NSSDB(t, p.dir) }
