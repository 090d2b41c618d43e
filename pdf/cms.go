package pdf

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sort"
	"time"

	"github.com/digitorus/timestamp"
)

var (
	oidData            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSigningCertV2   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidTimeStampToken  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidSHA1            = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256          = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384          = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512          = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidRSAEncryption   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
)

// tlv encodes one DER element with the given identifier octet.
func tlv(tag byte, content ...[]byte) []byte {
	n := 0
	for _, c := range content {
		n += len(c)
	}
	out := []byte{tag}
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	case n < 0x10000:
		out = append(out, 0x82, byte(n>>8), byte(n))
	default:
		out = append(out, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	for _, c := range content {
		out = append(out, c...)
	}
	return out
}

func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err) // only fixed, well-formed values are marshalled here
	}
	return b
}

func seq(c ...[]byte) []byte { return tlv(0x30, c...) }

// derSet encodes a SET OF with its elements sorted as DER requires.
func derSet(tag byte, elems [][]byte) []byte {
	s := append([][]byte(nil), elems...)
	sort.Slice(s, func(i, j int) bool { return bytes.Compare(s[i], s[j]) < 0 })
	return tlv(tag, s...)
}

func attr(oid asn1.ObjectIdentifier, value []byte) []byte {
	return seq(mustMarshal(oid), tlv(0x31, value))
}

func algID(oid asn1.ObjectIdentifier, nullParams bool) []byte {
	if nullParams {
		return seq(mustMarshal(oid), []byte{0x05, 0x00})
	}
	return seq(mustMarshal(oid))
}

// signCMS builds a detached CMS SignedData over a SHA-256 digest for PAdES
// baseline: signed attributes content-type, message-digest and ESS
// signing-certificate-v2, no signing-time (the time is /M in the signature
// dictionary); with tsaURL, an RFC 3161 timestamp of the signature value as
// unsigned attribute.
//
// legacy instead writes what older signing tools produce (adbe.pkcs7.detached
// with SHA-1 and a signing-time attribute); only tests use it, to prove that
// Verify reads such files.
func signCMS(ctx context.Context, digest []byte, key crypto.Signer, chain []*x509.Certificate, tsaURL string, client *http.Client, legacy bool, when time.Time) ([]byte, error) {
	cert := chain[0]
	hash, digestOID := crypto.SHA256, oidSHA256
	if legacy {
		hash, digestOID = crypto.SHA1, oidSHA1
	}
	certHash := sha256.Sum256(cert.Raw)
	// ESSCertIDv2 with the default hash (SHA-256, omitted) and IssuerSerial.
	issuerSerial := seq(seq(tlv(0xA4, cert.RawIssuer)), mustMarshal(cert.SerialNumber))
	essCertID := seq(mustMarshal(certHash[:]), issuerSerial)
	signingCert := seq(seq(essCertID))

	attrs := [][]byte{
		attr(oidContentType, mustMarshal(oidData)),
		attr(oidMessageDigest, mustMarshal(digest)),
	}
	if legacy {
		attrs = append(attrs, attr(oidSigningTime, mustMarshal(when.UTC())))
	} else {
		attrs = append(attrs, attr(oidSigningCertV2, signingCert))
	}
	signedAttrs := derSet(0x31, attrs)
	hh := hash.New()
	hh.Write(signedAttrs)
	h := hh.Sum(nil)

	var sigAlg []byte
	switch key.Public().(type) {
	case *rsa.PublicKey:
		sigAlg = algID(oidRSAEncryption, true)
	case *ecdsa.PublicKey:
		sigAlg = algID(oidECDSAWithSHA256, false)
	default:
		return nil, fmt.Errorf("pdf: sign: unsupported key type %T (want RSA or ECDSA)", key.Public())
	}
	sig, err := key.Sign(rand.Reader, h, hash)
	if err != nil {
		return nil, fmt.Errorf("pdf: sign: %w", err)
	}

	var unsigned []byte
	if tsaURL != "" {
		sum := sha256.Sum256(sig)
		tok, err := fetchTimestamp(ctx, tsaURL, sum[:], client)
		if err != nil {
			return nil, err
		}
		unsigned = tlv(0xA1, attr(oidTimeStampToken, tok))
	}

	sid := seq(cert.RawIssuer, mustMarshal(cert.SerialNumber))
	signerInfo := seq(
		mustMarshal(1),
		sid,
		algID(digestOID, false),
		// signed attributes travel as [0] IMPLICIT; the signature covers the SET form.
		append([]byte{0xA0}, signedAttrs[1:]...),
		sigAlg,
		mustMarshal(sig),
		unsigned,
	)
	var certs [][]byte
	for _, c := range chain {
		certs = append(certs, c.Raw)
	}
	signedData := seq(
		mustMarshal(1),
		tlv(0x31, algID(digestOID, false)),
		seq(mustMarshal(oidData)),
		tlv(0xA0, certs...),
		tlv(0x31, signerInfo),
	)
	return seq(mustMarshal(oidSignedData), tlv(0xA0, signedData)), nil
}

// fetchTimestamp asks a RFC 3161 TSA for a token over a SHA-256 digest
// (of the signature value, or of the document for a document timestamp).
func fetchTimestamp(ctx context.Context, url string, digest []byte, client *http.Client) ([]byte, error) {
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, err
	}
	req, err := (&timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: digest, Certificates: true, Nonce: nonce}).Marshal()
	if err != nil {
		return nil, fmt.Errorf("pdf: timestamp request: %w", err)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(req))
	if err != nil {
		return nil, fmt.Errorf("pdf: timestamp request: %w", err)
	}
	hr.Header.Set("Content-Type", "application/timestamp-query")
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("pdf: timestamp from %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("pdf: timestamp from %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("pdf: timestamp from %s: HTTP %s", url, resp.Status)
	}
	ts, err := timestamp.ParseResponse(body)
	if err != nil {
		return nil, fmt.Errorf("pdf: timestamp from %s: %w", url, err)
	}
	if !bytes.Equal(ts.HashedMessage, digest) || (ts.Nonce != nil && ts.Nonce.Cmp(nonce) != 0) {
		return nil, fmt.Errorf("pdf: timestamp from %s covers another message", url)
	}
	return ts.RawToken, nil
}
