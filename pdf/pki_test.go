package pdf

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
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
	"software.sslmate.com/src/go-pkcs12"
)

// testPKI is a test CA with a signer certificate and a TSA.
type testPKI struct {
	caCert     *x509.Certificate
	caKey      crypto.Signer
	signerCert *x509.Certificate
	signerKey  crypto.Signer
	caPEM      []byte
	dir        string
}

func skid(pub crypto.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	var spki struct {
		Alg pkix.AlgorithmIdentifier
		Key asn1.BitString
	}
	asn1.Unmarshal(der, &spki)
	h := sha1.Sum(spki.Key.Bytes)
	return h[:]
}

func issue(t testing.TB, tmpl *x509.Certificate, pub crypto.PublicKey, parent *x509.Certificate, key crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl.SubjectKeyId = skid(pub)
	if parent == nil {
		parent = tmpl
	} else {
		tmpl.AuthorityKeyId = parent.SubjectKeyId
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newTestPKI makes a CA and a signer certificate for key (RSA-2048 when nil).
func newTestPKI(t testing.TB, signerKey crypto.Signer) *testPKI {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ca := issue(t, &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Sohoa Test CA", Organization: []string{"Sohoa"}, Country: []string{"VN"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(10 * 365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, caKey.Public(), nil, caKey)
	if signerKey == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		signerKey = k
	}
	sc := issue(t, &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "NGUYỄN VĂN A", Organization: []string{"UBND phường Bến Nghé"}, Country: []string{"VN"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(2 * 365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	}, signerKey.Public(), ca, caKey)
	p := &testPKI{caCert: ca, caKey: caKey, signerCert: sc, signerKey: signerKey, dir: t.TempDir()}
	p.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw})
	return p
}

// p12 writes the signer as a PKCS#12 file and its password file.
func (p *testPKI) p12(t testing.TB) (file, passFile string) {
	t.Helper()
	data, err := pkcs12.Modern.Encode(p.signerKey, p.signerCert, []*x509.Certificate{p.caCert}, "mật khẩu 123")
	if err != nil {
		t.Fatal(err)
	}
	file, passFile = filepath.Join(p.dir, "signer.p12"), filepath.Join(p.dir, "pass")
	os.WriteFile(file, data, 0o600)
	os.WriteFile(passFile, []byte("mật khẩu 123\n"), 0o600)
	return file, passFile
}

// tsa starts an in-process RFC 3161 server signed by a TSA certificate of the CA.
func (p *testPKI) tsa(t testing.TB) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	cert := issue(t, &x509.Certificate{
		SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "Sohoa Test TSA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	}, key.Public(), p.caCert, p.caKey)
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
