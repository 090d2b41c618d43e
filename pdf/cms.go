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
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sort"
	"time"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
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

func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err) // only fixed, well-formed values are marshalled here
	}
	return b
}

// addAttr adds one Attribute { type, SET OF value } with a single DER value.
func addAttr(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, value []byte) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(value) })
	})
}

func addAlgID(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, nullParams bool) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if nullParams {
			b.AddASN1NULL()
		}
	})
}

// derSetOf encodes a SET OF with its (DER) elements sorted as DER requires.
func derSetOf(elems [][]byte) ([]byte, error) {
	s := append([][]byte(nil), elems...)
	sort.Slice(s, func(i, j int) bool { return bytes.Compare(s[i], s[j]) < 0 })
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		for _, e := range s {
			b.AddBytes(e)
		}
	})
	return b.Bytes()
}

func element(f func(b *cryptobyte.Builder)) ([]byte, error) {
	var b cryptobyte.Builder
	f(&b)
	return b.Bytes()
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
	hash := crypto.SHA256
	if legacy {
		hash = crypto.SHA1
	}
	signedAttrs, err := signedAttributes(digest, chain[0], legacy, when)
	if err != nil {
		return nil, err
	}
	hh := hash.New()
	hh.Write(signedAttrs)
	sig, err := key.Sign(rand.Reader, hh.Sum(nil), hash)
	if err != nil {
		return nil, fmt.Errorf("pdf: sign: %w", err)
	}
	return assembleCMS(ctx, signedAttrs, sig, chain, tsaURL, client, legacy)
}

// SignedAttributes returns the DER SET OF signed attributes of a PAdES
// baseline signature over a document whose ByteRange hashes (SHA-256) to
// messageDigest, for the signing certificate cert: content-type,
// message-digest and ESS signing-certificate-v2, nothing that varies
// (no signing-time), so that a desk client and the server compute the
// same bytes. The signer's key signs SHA-256 of them.
func SignedAttributes(messageDigest []byte, cert *x509.Certificate) ([]byte, error) {
	if len(messageDigest) != sha256.Size {
		return nil, fmt.Errorf("pdf: the message digest has %d bytes, SHA-256 has %d", len(messageDigest), sha256.Size)
	}
	return signedAttributes(messageDigest, cert, false, time.Time{})
}

func signedAttributes(digest []byte, cert *x509.Certificate, legacy bool, when time.Time) ([]byte, error) {
	certHash := sha256.Sum256(cert.Raw)
	var attrs [][]byte
	for _, a := range []struct {
		oid   asn1.ObjectIdentifier
		value func(b *cryptobyte.Builder)
	}{
		{oidContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) }},
		{oidMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(digest) }},
	} {
		v, err := element(a.value)
		if err != nil {
			return nil, fmt.Errorf("pdf: sign: %w", err)
		}
		e, err := element(func(b *cryptobyte.Builder) { addAttr(b, a.oid, v) })
		if err != nil {
			return nil, fmt.Errorf("pdf: sign: %w", err)
		}
		attrs = append(attrs, e)
	}
	var extra []byte
	var err error
	if legacy {
		extra, err = element(func(b *cryptobyte.Builder) { addAttr(b, oidSigningTime, mustMarshal(when.UTC())) })
	} else {
		// SigningCertificateV2 { SEQUENCE OF ESSCertIDv2 { certHash (SHA-256,
		// the default, so no algorithm), IssuerSerial { GeneralNames
		// { [4] directoryName }, serial } } }
		var v []byte
		v, err = element(func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1OctetString(certHash[:])
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
								b.AddASN1(cbasn1.Tag(4).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { b.AddBytes(cert.RawIssuer) })
							})
							b.AddASN1BigInt(cert.SerialNumber)
						})
					})
				})
			})
		})
		if err == nil {
			extra, err = element(func(b *cryptobyte.Builder) { addAttr(b, oidSigningCertV2, v) })
		}
	}
	if err != nil {
		return nil, fmt.Errorf("pdf: sign: %w", err)
	}
	attrs = append(attrs, extra)
	signedAttrs, err := derSetOf(attrs)
	if err != nil {
		return nil, fmt.Errorf("pdf: sign: %w", err)
	}
	return signedAttrs, nil
}

// assembleCMS wraps a signature value made over signedAttrs by chain[0]'s
// key into a SignedData, with a timestamp of the signature from tsaURL
// when given.
func assembleCMS(ctx context.Context, signedAttrs, sig []byte, chain []*x509.Certificate, tsaURL string, client *http.Client, legacy bool) ([]byte, error) {
	cert := chain[0]
	digestOID := oidSHA256
	if legacy {
		digestOID = oidSHA1
	}
	var sigAlg asn1.ObjectIdentifier
	var sigAlgNull bool
	switch cert.PublicKey.(type) {
	case *rsa.PublicKey:
		sigAlg, sigAlgNull = oidRSAEncryption, true
	case *ecdsa.PublicKey:
		sigAlg = oidECDSAWithSHA256
	default:
		return nil, fmt.Errorf("pdf: sign: unsupported key type %T (want RSA or ECDSA)", cert.PublicKey)
	}
	var tok []byte
	if tsaURL != "" {
		sum := sha256.Sum256(sig)
		var err error
		if tok, err = fetchTimestamp(ctx, tsaURL, sum[:], client); err != nil {
			return nil, err
		}
	}
	var certs [][]byte
	for _, c := range chain {
		certs = append(certs, c.Raw)
	}
	return encodeSignedData(digestOID, signedAttrs, sigAlg, sigAlgNull, sig, tok, cert, certs)
}

// encodeSignedData writes ContentInfo { signedData, SignedData } with one
// SignerInfo. signedAttrs is the DER SET the signature covers; it travels
// as [0] IMPLICIT.
func encodeSignedData(digestOID asn1.ObjectIdentifier, signedAttrs []byte, sigAlg asn1.ObjectIdentifier, sigAlgNull bool, sig, tsToken []byte, cert *x509.Certificate, certs [][]byte) ([]byte, error) {
	var attrsBody cryptobyte.String
	in := cryptobyte.String(signedAttrs)
	if !in.ReadASN1(&attrsBody, cbasn1.SET) {
		return nil, errors.New("pdf: sign: bad signed attributes")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidSignedData)
		b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(1)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { addAlgID(b, digestOID, false) })
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) })
				b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
					for _, c := range certs {
						b.AddBytes(c)
					}
				})
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1Int64(1)
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddBytes(cert.RawIssuer)
							b.AddASN1BigInt(cert.SerialNumber)
						})
						addAlgID(b, digestOID, false)
						b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { b.AddBytes(attrsBody) })
						addAlgID(b, sigAlg, sigAlgNull)
						b.AddASN1OctetString(sig)
						if tsToken != nil {
							b.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
								addAttr(b, oidTimeStampToken, tsToken)
							})
						}
					})
				})
			})
		})
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pdf: sign: encode CMS: %w", err)
	}
	return out, nil
}

// signedData is the part of a CMS SignedData that Verify reads.
type signedData struct {
	content []byte // encapsulated content; nil when detached
	certs   []*x509.Certificate
	signers []signerInfo
}

type signerInfo struct {
	issuer      []byte // raw issuer Name, or nil with ski
	serial      *big.Int
	ski         []byte
	digestAlg   asn1.ObjectIdentifier
	signedAttrs []byte // the DER SET OF Attribute the signature covers; nil when absent
	attrs       map[string][]byte
	unsigned    map[string][]byte
	sigAlg      asn1.ObjectIdentifier
	signature   []byte
}

// attr returns the first value of a signed attribute.
func (si signerInfo) attr(oid asn1.ObjectIdentifier) ([]byte, bool) {
	v, ok := si.attrs[oid.String()]
	return v, ok
}

func (si signerInfo) unsignedAttr(oid asn1.ObjectIdentifier) ([]byte, bool) {
	v, ok := si.unsigned[oid.String()]
	return v, ok
}

// signerCert finds the signer's certificate among the CMS certificates.
func (sd *signedData) signerCert(si signerInfo) *x509.Certificate {
	for _, c := range sd.certs {
		if si.ski != nil && bytes.Equal(c.SubjectKeyId, si.ski) {
			return c
		}
		if si.serial != nil && c.SerialNumber.Cmp(si.serial) == 0 && bytes.Equal(c.RawIssuer, si.issuer) {
			return c
		}
	}
	return nil
}

var (
	tagCtx0 = cbasn1.Tag(0).ContextSpecific().Constructed()
	tagCtx1 = cbasn1.Tag(1).ContextSpecific().Constructed()
)

// parseSignedData reads ContentInfo { signedData, SignedData } in DER, or
// in BER after normalising it (some signing tools write indefinite lengths).
func parseSignedData(b []byte) (*signedData, error) {
	sd, err := parseSignedDataDER(b)
	if err == nil {
		return sd, nil
	}
	der, nerr := berToDER(b, 0)
	if nerr != nil {
		return nil, err
	}
	return parseSignedDataDER(der)
}

func parseSignedDataDER(b []byte) (*signedData, error) {
	bad := func(what string) (*signedData, error) { return nil, fmt.Errorf("malformed SignedData: %s", what) }
	in := cryptobyte.String(b)
	var ci, body, sdSeq cryptobyte.String
	var ct asn1.ObjectIdentifier
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&ct) {
		return bad("ContentInfo")
	}
	if !ct.Equal(oidSignedData) {
		return bad("content type is not signedData")
	}
	if !ci.ReadASN1(&body, tagCtx0) || !body.ReadASN1(&sdSeq, cbasn1.SEQUENCE) {
		return bad("content")
	}
	sd := &signedData{}
	var version int64
	var digestAlgs, encap cryptobyte.String
	if !sdSeq.ReadASN1Integer(&version) || !sdSeq.ReadASN1(&digestAlgs, cbasn1.SET) || !sdSeq.ReadASN1(&encap, cbasn1.SEQUENCE) {
		return bad("version, digest algorithms or content info")
	}
	var eType asn1.ObjectIdentifier
	if !encap.ReadASN1ObjectIdentifier(&eType) {
		return bad("encapsulated content type")
	}
	if encap.PeekASN1Tag(tagCtx0) {
		var ec, oct cryptobyte.String
		if !encap.ReadASN1(&ec, tagCtx0) || !ec.ReadASN1(&oct, cbasn1.OCTET_STRING) {
			return bad("encapsulated content")
		}
		sd.content = []byte(oct)
	}
	if sdSeq.PeekASN1Tag(tagCtx0) {
		var certs cryptobyte.String
		if !sdSeq.ReadASN1(&certs, tagCtx0) {
			return bad("certificates")
		}
		for !certs.Empty() {
			var raw cryptobyte.String
			var tag cbasn1.Tag
			if !certs.ReadAnyASN1Element(&raw, &tag) {
				return bad("certificates")
			}
			if tag != cbasn1.SEQUENCE {
				continue // attribute or other certificate formats
			}
			if c, err := x509.ParseCertificate(raw); err == nil {
				sd.certs = append(sd.certs, c)
			}
		}
	}
	if sdSeq.PeekASN1Tag(tagCtx1) {
		var crls cryptobyte.String
		if !sdSeq.ReadASN1(&crls, tagCtx1) {
			return bad("CRLs")
		}
	}
	var infos cryptobyte.String
	if !sdSeq.ReadASN1(&infos, cbasn1.SET) {
		return bad("signer infos")
	}
	for !infos.Empty() {
		si, err := parseSignerInfo(&infos)
		if err != nil {
			return nil, err
		}
		sd.signers = append(sd.signers, si)
	}
	return sd, nil
}

func parseSignerInfo(in *cryptobyte.String) (signerInfo, error) {
	var si signerInfo
	bad := func(what string) (signerInfo, error) { return si, fmt.Errorf("malformed SignerInfo: %s", what) }
	var seq cryptobyte.String
	var version int64
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1Integer(&version) {
		return bad("version")
	}
	switch {
	case seq.PeekASN1Tag(cbasn1.SEQUENCE):
		var ias, issuer cryptobyte.String
		si.serial = new(big.Int)
		if !seq.ReadASN1(&ias, cbasn1.SEQUENCE) || !ias.ReadASN1Element(&issuer, cbasn1.SEQUENCE) || !ias.ReadASN1Integer(si.serial) {
			return bad("issuer and serial number")
		}
		si.issuer = []byte(issuer)
	case seq.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()):
		var ski cryptobyte.String
		if !seq.ReadASN1(&ski, cbasn1.Tag(0).ContextSpecific()) {
			return bad("subject key identifier")
		}
		si.ski = []byte(ski)
	default:
		return bad("signer identifier")
	}
	readAlg := func(oid *asn1.ObjectIdentifier) bool {
		var alg cryptobyte.String
		return seq.ReadASN1(&alg, cbasn1.SEQUENCE) && alg.ReadASN1ObjectIdentifier(oid)
	}
	if !readAlg(&si.digestAlg) {
		return bad("digest algorithm")
	}
	readAttrs := func(tag cbasn1.Tag) (map[string][]byte, []byte, bool) {
		var elem, body cryptobyte.String
		if !seq.ReadASN1Element(&elem, tag) {
			return nil, nil, false
		}
		// The signature covers the attributes as a SET: same content, tag 0x31.
		set := append([]byte(nil), elem...)
		set[0] = 0x31
		if !elem.ReadASN1(&body, tag) {
			return nil, nil, false
		}
		m := map[string][]byte{}
		for !body.Empty() {
			var a, vals, v cryptobyte.String
			var oid asn1.ObjectIdentifier
			if !body.ReadASN1(&a, cbasn1.SEQUENCE) || !a.ReadASN1ObjectIdentifier(&oid) || !a.ReadASN1(&vals, cbasn1.SET) {
				return nil, nil, false
			}
			var t cbasn1.Tag
			if !vals.ReadAnyASN1Element(&v, &t) {
				return nil, nil, false
			}
			if _, dup := m[oid.String()]; !dup {
				m[oid.String()] = []byte(v)
			}
		}
		return m, set, true
	}
	if seq.PeekASN1Tag(tagCtx0) {
		var ok bool
		if si.attrs, si.signedAttrs, ok = readAttrs(tagCtx0); !ok {
			return bad("signed attributes")
		}
	}
	if !readAlg(&si.sigAlg) {
		return bad("signature algorithm")
	}
	var sig cryptobyte.String
	if !seq.ReadASN1(&sig, cbasn1.OCTET_STRING) {
		return bad("signature")
	}
	si.signature = []byte(sig)
	if seq.PeekASN1Tag(tagCtx1) {
		var ok bool
		if si.unsigned, _, ok = readAttrs(tagCtx1); !ok {
			return bad("unsigned attributes")
		}
	}
	return si, nil
}

// berToDER rewrites indefinite lengths and non-minimal length forms as
// DER lengths. Constructed strings are kept as they are: CMS writers that
// use BER do so for lengths, and a signature over attributes is checked on
// the bytes as sent.
func berToDER(b []byte, depth int) ([]byte, error) {
	if depth > 64 {
		return nil, errors.New("BER nesting too deep")
	}
	var out cryptobyte.Builder
	for len(b) > 0 {
		if len(b) >= 2 && b[0] == 0 && b[1] == 0 {
			return nil, errors.New("unexpected end-of-contents")
		}
		tagLen := 1
		if b[0]&0x1f == 0x1f {
			for tagLen < len(b) && b[tagLen]&0x80 != 0 {
				tagLen++
			}
			tagLen++
		}
		if tagLen >= len(b) {
			return nil, errors.New("truncated BER")
		}
		tag := b[:tagLen]
		constructed := b[0]&0x20 != 0
		l := int(b[tagLen])
		p := tagLen + 1
		var content []byte
		switch {
		case l == 0x80:
			if !constructed {
				return nil, errors.New("indefinite length on a primitive")
			}
			end, err := berEnd(b[p:], depth+1)
			if err != nil {
				return nil, err
			}
			content, b = b[p:p+end], b[p+end+2:]
		case l > 0x80:
			n := l & 0x7f
			if n > 4 || p+n > len(b) {
				return nil, errors.New("bad BER length")
			}
			ln := 0
			for _, c := range b[p : p+n] {
				ln = ln<<8 | int(c)
			}
			p += n
			if ln > len(b)-p {
				return nil, errors.New("BER length past the end")
			}
			content, b = b[p:p+ln], b[p+ln:]
		default:
			if l > len(b)-p {
				return nil, errors.New("BER length past the end")
			}
			content, b = b[p:p+l], b[p+l:]
		}
		if constructed {
			c, err := berToDER(content, depth+1)
			if err != nil {
				return nil, err
			}
			content = c
		}
		out.AddBytes(tag)
		out.AddBytes(derLength(len(content)))
		out.AddBytes(content)
	}
	return out.Bytes()
}

// berEnd finds the end-of-contents that closes an indefinite length.
func berEnd(b []byte, depth int) (int, error) {
	if depth > 64 {
		return 0, errors.New("BER nesting too deep")
	}
	p := 0
	for p < len(b) {
		if p+1 < len(b) && b[p] == 0 && b[p+1] == 0 {
			return p, nil
		}
		tagLen := 1
		if b[p]&0x1f == 0x1f {
			for p+tagLen < len(b) && b[p+tagLen]&0x80 != 0 {
				tagLen++
			}
			tagLen++
		}
		if p+tagLen >= len(b) {
			return 0, errors.New("truncated BER")
		}
		l := int(b[p+tagLen])
		q := p + tagLen + 1
		switch {
		case l == 0x80:
			e, err := berEnd(b[q:], depth+1)
			if err != nil {
				return 0, err
			}
			p = q + e + 2
		case l > 0x80:
			n := l & 0x7f
			if n > 4 || q+n > len(b) {
				return 0, errors.New("bad BER length")
			}
			ln := 0
			for _, c := range b[q : q+n] {
				ln = ln<<8 | int(c)
			}
			if ln > len(b)-q-n {
				return 0, errors.New("BER length past the end")
			}
			p = q + n + ln
		default:
			p = q + l
		}
	}
	return 0, errors.New("no end-of-contents")
}

// derLength encodes a DER length of any size.
func derLength(n int) []byte {
	if n < 0x80 {
		return []byte{byte(n)}
	}
	var be []byte
	for v := n; v > 0; v >>= 8 {
		be = append([]byte{byte(v)}, be...)
	}
	return append([]byte{0x80 | byte(len(be))}, be...)
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
