package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/sohoa/sohoa/pdf/certs"
)

// demoLabel marks everything the demo signs with: the keys are made on the
// spot by a self-signed test CA and prove nothing in law.
const demoLabel = "DEMO - không có giá trị pháp lý"

// demoKeys are the demo CA and signer, in DIR/demo-keys.
type demoKeys struct {
	dir      string
	p12      string // signer.p12
	passFile string // signer.pass
	caPEM    []byte
}

// ensureDemoKeys creates (once) a self-signed demo CA and a signer
// certificate with its PKCS#12 in dir, and returns them.
func ensureDemoKeys(dir string) (*demoKeys, error) {
	k := &demoKeys{dir: dir, p12: filepath.Join(dir, "signer.p12"), passFile: filepath.Join(dir, "signer.pass")}
	caFile := filepath.Join(dir, "ca.pem")
	if ca, err := os.ReadFile(caFile); err == nil {
		if _, err := os.Stat(k.p12); err == nil {
			k.caPEM = ca
			return k, nil
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("demo keys: %w", err)
	}
	now := time.Now().Add(-time.Hour)
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("demo keys: %w", err)
	}
	caCert, err := certs.Issue(&x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "sohoa CA " + demoLabel, Organization: []string{"sohoa " + demoLabel}, Country: []string{"VN"}},
		NotBefore:             now,
		NotAfter:              now.AddDate(5, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, &caKey.PublicKey, nil, caKey)
	if err != nil {
		return nil, fmt.Errorf("demo keys: CA: %w", err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("demo keys: %w", err)
	}
	cert, err := certs.Issue(&x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "Cán bộ một cửa (" + demoLabel + ")", Organization: []string{"sohoa " + demoLabel}, Country: []string{"VN"}},
		NotBefore:    now,
		NotAfter:     now.AddDate(2, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}, &key.PublicKey, caCert, caKey)
	if err != nil {
		return nil, fmt.Errorf("demo keys: signer: %w", err)
	}
	var pw [12]byte
	rand.Read(pw[:])
	pass := hex.EncodeToString(pw[:])
	p12, err := pkcs12.Modern.Encode(key, cert, []*x509.Certificate{caCert}, pass)
	if err != nil {
		return nil, fmt.Errorf("demo keys: pkcs12: %w", err)
	}
	k.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caCert.Raw})
	readme := "Khóa ký thử cho lệnh `sohoa demo`: " + demoLabel + ".\n" +
		"Demo signing keys for `sohoa demo`, made by a self-signed test CA: no legal value.\n" +
		"ca.pem: CA thử / test CA; signer.p12 + signer.pass: khóa ký / signing key.\n"
	for _, f := range []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{"signer.pass", []byte(pass), 0o600},
		{"signer.p12", p12, 0o600},
		{"README.txt", []byte(readme), 0o644},
		{"ca.pem", k.caPEM, 0o644}, // last: its presence means the set is complete
	} {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, f.mode); err != nil {
			return nil, fmt.Errorf("demo keys: %w", err)
		}
	}
	return k, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}
