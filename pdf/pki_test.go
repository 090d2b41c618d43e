package pdf

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/sohoa/sohoa/pdf/certs"
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
	s, err := SignerConfig{P12File: file, PassFile: pass}.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// tsa starts an in-process RFC 3161 server signed by a TSA certificate of the CA.
func (p *testPKI) tsa(t testing.TB) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	cert, err := certs.Issue(&x509.Certificate{
		SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "Sohoa Test TSA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	}, key.Public(), p.CA, p.CAKey)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, 0, 512)
		buf := make([]byte, 512)
		for {
			n, err := r.Body.Read(buf)
			body = append(body, buf[:n]...)
			if err != nil {
				break
			}
		}
		req, err := timestamp.ParseRequest(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ts := &timestamp.Timestamp{
			HashAlgorithm: req.HashAlgorithm, HashedMessage: req.HashedMessage, Time: time.Now(),
			Nonce: req.Nonce, Policy: asn1.ObjectIdentifier{1, 2, 3, 4, 1}, Ordering: false,
			Accuracy: time.Second, Qualified: false, AddTSACertificate: req.Certificates, SerialNumber: big.NewInt(time.Now().UnixNano()),
		}
		resp, err := ts.CreateResponseWithOpts(cert, key, crypto.SHA256)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// nssDB makes an NSS database trusting the test CA, for pdfsig.
func (p *testPKI) nssDB(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(p.dir, "nss")
	os.MkdirAll(dir, 0o700)
	caFile := filepath.Join(p.dir, "ca.pem")
	os.WriteFile(caFile, p.caPEM, 0o644)
	for _, args := range [][]string{
		{"-N", "-d", "sql:" + dir, "--empty-password"},
		{"-A", "-d", "sql:" + dir, "-n", "sohoa-test-ca", "-t", "CT,C,C", "-a", "-i", caFile},
	} {
		if out, err := exec.Command("certutil", args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}
	return dir
}
