// Package pdftest makes throwaway signing certificates: a CA and a signer
// certificate carrying subject and authority key identifiers (which
// validators need to chain them), and the signer as a PKCS#12 file, as
// pdf.SignerConfig opens it; it runs the outside PDF validators, and
// writes small PDFs object by object (ClassicPDF). For tests only: the
// demo's keys come from package pdf/certs, so this package is never
// linked into sohoa.
package pdftest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/sohoa/sohoa/pdf/certs"
)

// PKI is a test CA and a signer certificate issued by it.
type PKI struct {
	CA        *x509.Certificate
	CAKey     crypto.Signer
	Signer    *x509.Certificate
	SignerKey crypto.Signer
	// OCSPServer and CRLDistributionPoints go into the certificates
	// Official issues (see Revocation); none when empty.
	OCSPServer, CRLDistributionPoints []string
}

// New makes a CA (ECDSA P-256, "Sohoa Test CA") and a signer certificate
// ("NGUYỄN VĂN A") for signerKey, a fresh RSA-2048 key when nil.
func New(signerKey crypto.Signer) (*PKI, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	ca, err := certs.Issue(&x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Sohoa Test CA", Organization: []string{"Sohoa"}, Country: []string{"VN"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(10 * 365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, caKey.Public(), nil, caKey)
	if err != nil {
		return nil, err
	}
	if signerKey == nil {
		if signerKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, err
		}
	}
	sc, err := certs.Issue(&x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "NGUYỄN VĂN A", Organization: []string{"UBND phường Bến Nghé"}, Country: []string{"VN"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(2 * 365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	}, signerKey.Public(), ca, caKey)
	if err != nil {
		return nil, err
	}
	return &PKI{CA: ca, CAKey: caKey, Signer: sc, SignerKey: signerKey}, nil
}

// WriteP12 writes the signer (with the CA in its chain) as dir/signer.p12
// encrypted with password, and password plus a newline as dir/pass.
func (p *PKI) WriteP12(dir, password string) (file, passFile string, err error) {
	return p.WriteP12Of(dir, password, p.SignerKey, p.Signer)
}

// WriteP12Of writes key and cert (with the CA in its chain) as WriteP12 does.
func (p *PKI) WriteP12Of(dir, password string, key crypto.Signer, cert *x509.Certificate) (file, passFile string, err error) {
	data, err := pkcs12.Modern.Encode(key, cert, []*x509.Certificate{p.CA}, password)
	if err != nil {
		return "", "", fmt.Errorf("pdftest: pkcs12: %w", err)
	}
	file, passFile = filepath.Join(dir, "signer.p12"), filepath.Join(dir, "pass")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(passFile, []byte(password+"\n"), 0o600); err != nil {
		return "", "", err
	}
	return file, passFile, nil
}

// Official issues a personal certificate for an official named name (the
// subject CN, as the Government CA writes it) with a fresh RSA-2048 key,
// valid from notBefore to notAfter.
func (p *PKI) Official(name string, notBefore, notAfter time.Time) (*x509.Certificate, crypto.Signer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, err
	}
	c, err := certs.Issue(&x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: name, Organization: []string{"UBND phường Bến Nghé"}, Country: []string{"VN"}},
		NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		OCSPServer: p.OCSPServer, CRLDistributionPoints: p.CRLDistributionPoints,
	}, key.Public(), p.CA, p.CAKey)
	return c, key, err
}
