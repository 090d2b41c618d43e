// Package certs issues X.509 certificates that carry the subject and
// authority key identifiers PDF signature validators need to chain them
// (pdfsig, Acrobat): the throwaway CA and signer of `sohoa demo`, whose
// keys prove nothing in law, and the test PKI of package pdf/pdftest.
package certs

import (
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
)

// Issue signs tmpl for pub with key, the key of parent, or self-signs it
// when parent is nil. It sets tmpl's SubjectKeyId (RFC 5280 method 1: the
// SHA-1 of the subjectPublicKey bits) and, under a parent, its
// AuthorityKeyId.
func Issue(tmpl *x509.Certificate, pub crypto.PublicKey, parent *x509.Certificate, key crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	var spki struct {
		Alg pkix.AlgorithmIdentifier
		Key asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	h := sha1.Sum(spki.Key.Bytes)
	tmpl.SubjectKeyId = h[:]
	if parent == nil {
		parent = tmpl
	} else {
		tmpl.AuthorityKeyId = parent.SubjectKeyId
	}
	der, err = x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		return nil, fmt.Errorf("certs: certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}
