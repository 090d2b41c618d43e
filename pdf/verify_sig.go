package pdf

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	_ "crypto/sha1" // SHA-1 signatures of older government PDFs
	_ "crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/sohoa/sohoa/pdf/pdfread"
)

// The signature half of Verify. Each signature field goes through three
// steps: its structure (the /ByteRange, the /Contents gap, where the
// signature dictionary sits: what signature wrapping and universal
// signature forgery play with), then its cryptography (the CMS path or the
// document timestamp path), then what later revisions changed.

type sigField struct {
	name  string
	v     types.Dict
	vNum  int // object number of the signature dictionary; 0 when direct
	field int // object number of the field
}

// sigFields walks the AcroForm field tree for signature fields. A field
// whose value is missing or not a dictionary is returned too (v nil): an
// emptied signature must not pass for "no signature".
func sigFields(src pdfObjects, root types.Dict) []sigField {
	acro, err := pdfread.DictOf(src, root["AcroForm"])
	if err != nil {
		return nil
	}
	arr, _ := pdfread.ArrayOf(src, acro["Fields"])
	var out []sigField
	seen := map[string]bool{}
	var walk func(arr types.Array, prefix, ft string, depth int)
	walk = func(arr types.Array, prefix, ft string, depth int) {
		if depth > 16 {
			return
		}
		for _, o := range arr {
			if ir, ok := o.(types.IndirectRef); ok {
				if seen[ir.String()] {
					continue
				}
				seen[ir.String()] = true
			}
			d, err := pdfread.DictOf(src, o)
			if err != nil {
				continue
			}
			name := prefix
			if t, ok := d.Find("T"); ok {
				if s, err := pdfread.TextOf(src, t); err == nil {
					if name != "" {
						name += "."
					}
					name += s
				}
			}
			fType := ft
			if n := pdfread.NameOf(src, d, "FT"); n != "" {
				fType = n
			}
			if ka, err := pdfread.ArrayOf(src, d["Kids"]); err == nil {
				walk(ka, name, fType, depth+1)
			}
			if fType != "Sig" {
				continue
			}
			vo, hasV := d.Find("V")
			if !hasV || vo == nil {
				continue // an unsigned signature field
			}
			f := sigField{name: name, vNum: refNum(vo), field: refNum(o)}
			f.v, _ = pdfread.DictOf(src, vo)
			out = append(out, f)
		}
	}
	walk(arr, "", "", 0)
	return out
}

func stringBytes(o types.Object) ([]byte, error) {
	switch s := o.(type) {
	case types.HexLiteral:
		return s.Bytes()
	case types.StringLiteral:
		return types.Unescape(s.Value())
	}
	return nil, fmt.Errorf("not a string: %T", o)
}

// digestOf hashes what rd yields.
func digestOf(h crypto.Hash, rd io.Reader) ([]byte, error) {
	hh := h.New()
	if _, err := io.Copy(hh, rd); err != nil {
		return nil, err
	}
	return hh.Sum(nil), nil
}

var hashByOID = map[string]crypto.Hash{
	oidSHA1.String():   crypto.SHA1,
	oidSHA256.String(): crypto.SHA256,
	oidSHA384.String(): crypto.SHA384,
	oidSHA512.String(): crypto.SHA512,
	// sha*WithRSAEncryption sometimes appears as the digest algorithm.
	"1.2.840.113549.1.1.5":  crypto.SHA1,
	"1.2.840.113549.1.1.11": crypto.SHA256,
	"1.2.840.113549.1.1.12": crypto.SHA384,
	"1.2.840.113549.1.1.13": crypto.SHA512,
}

// sigCheck carries one signature through its checks.
type sigCheck struct {
	s     SignatureReport
	r     io.ReaderAt
	size  int64
	revs  []pdfread.Revision
	roots *x509.CertPool
}

// fail marks the signature not intact, with the reason in both languages.
func (c *sigCheck) fail(en, vi string) SignatureReport {
	c.s.Intact = false
	c.s.IntactError, c.s.IntactErrorVI = en, vi
	return c.s
}

func checkSignature(src pdfObjects, f sigField, r io.ReaderAt, size int64, revs []pdfread.Revision, roots *x509.CertPool) SignatureReport {
	c := &sigCheck{r: r, size: size, revs: revs, roots: roots}
	c.s.Field = f.name
	if f.v == nil {
		return c.fail("the signature field's value is not a signature dictionary (a forged or emptied signature)",
			"giá trị của trường chữ ký không phải từ điển chữ ký (chữ ký giả hoặc bị làm rỗng)")
	}
	c.s.SubFilter = pdfread.NameOf(src, f.v, "SubFilter")
	if o, ok := f.v.Find("Name"); ok {
		c.s.Name, _ = pdfread.TextOf(src, o)
	}
	if o, ok := f.v.Find("M"); ok {
		if ms, err := pdfread.TextOf(src, o); err == nil {
			if t, ok := types.DateTime(ms, true); ok {
				c.s.Time = &t
			}
		}
	}
	data, cms, ok := c.structure(src, f)
	if !ok {
		return c.s
	}
	if c.s.SubFilter == "ETSI.RFC3161" {
		return c.docTimestamp(data, cms)
	}
	return c.cmsSignature(data, cms)
}

// structure checks what signature wrapping and universal signature forgery
// attack: it returns the signed bytes and the CMS blob, or marks the
// signature broken.
func (c *sigCheck) structure(src pdfObjects, f sigField) (data func() io.Reader, cms []byte, ok bool) {
	bro, has := f.v.Find("ByteRange")
	if !has || bro == nil {
		c.fail("no /ByteRange: nothing is signed", "không có /ByteRange: không có gì được ký")
		return nil, nil, false
	}
	bra, err := pdfread.ArrayOf(src, bro)
	if err != nil {
		c.fail("bad /ByteRange: "+err.Error(), "/ByteRange sai: "+err.Error())
		return nil, nil, false
	}
	for _, x := range bra {
		n, err := pdfread.NumberOf(src, x)
		if err != nil || n != float64(int64(n)) {
			c.fail("bad /ByteRange: not whole numbers", "/ByteRange sai: không phải số nguyên")
			return nil, nil, false
		}
		c.s.ByteRange = append(c.s.ByteRange, int64(n))
	}
	co, has := f.v.Find("Contents")
	if !has || co == nil {
		c.fail("no /Contents: the signature value is missing", "không có /Contents: thiếu giá trị chữ ký")
		return nil, nil, false
	}
	co, err = src.Resolve(co)
	if err != nil {
		c.fail("bad /Contents: "+err.Error(), "/Contents sai: "+err.Error())
		return nil, nil, false
	}
	cms, err = stringBytes(co)
	if err != nil || len(bytes.TrimRight(cms, "\x00")) == 0 {
		c.fail("/Contents is empty or not a string: no signature value", "/Contents rỗng hoặc không phải chuỗi: không có giá trị chữ ký")
		return nil, nil, false
	}
	br := c.s.ByteRange
	if len(br) != 4 {
		c.fail(fmt.Sprintf("/ByteRange has %d numbers, want 4", len(br)), fmt.Sprintf("/ByteRange có %d số, cần 4", len(br)))
		return nil, nil, false
	}
	for i := 0; i < 4; i += 2 {
		if br[i] < 0 || br[i+1] < 0 || br[i] > c.size || br[i+1] > c.size-br[i] {
			c.fail(fmt.Sprintf("/ByteRange %v lies outside the file (%d bytes)", br, c.size), fmt.Sprintf("/ByteRange %v nằm ngoài tệp (%d byte)", br, c.size))
			return nil, nil, false
		}
	}
	if br[0] != 0 || br[1] == 0 || br[2] <= br[1] || br[3] == 0 {
		c.fail(fmt.Sprintf("/ByteRange %v does not cover the file from its start around one gap", br), fmt.Sprintf("/ByteRange %v không phủ tệp từ đầu quanh đúng một khoảng trống", br))
		return nil, nil, false
	}
	if br[1]+br[3] > maxVerifyRange {
		c.fail("/ByteRange covers too many bytes", "/ByteRange phủ quá nhiều byte")
		return nil, nil, false
	}
	// The gap holds this dictionary's /Contents and nothing else: a gap
	// with room for objects is signature wrapping.
	gap := br[2] - br[1]
	if gap > 4<<20 {
		c.fail("the /ByteRange gap is larger than any signature", "khoảng trống của /ByteRange lớn hơn mọi chữ ký")
		return nil, nil, false
	}
	g := make([]byte, gap)
	if _, err := c.r.ReadAt(g, br[1]); err != nil {
		c.fail("read the /ByteRange gap: "+err.Error(), "không đọc được khoảng trống /ByteRange: "+err.Error())
		return nil, nil, false
	}
	if len(g) < 2 || g[0] != '<' || g[len(g)-1] != '>' || !isHex(g[1:len(g)-1]) {
		c.fail("the /ByteRange gap holds more than the signature value (signature wrapping)", "khoảng trống /ByteRange chứa nhiều hơn giá trị chữ ký (tấn công bọc chữ ký)")
		return nil, nil, false
	}
	digits := bytes.Join(bytes.Fields(g[1:len(g)-1]), nil)
	if len(digits)%2 == 1 {
		digits = append(digits, '0') // a final odd digit is followed by 0 (ISO 32000 7.3.4.3)
	}
	gv, err := hex.DecodeString(string(digits))
	if err != nil || !bytes.Equal(bytes.TrimRight(gv, "\x00"), bytes.TrimRight(cms, "\x00")) {
		c.fail("the /ByteRange gap is not this signature's /Contents (signature wrapping)", "khoảng trống /ByteRange không phải /Contents của chữ ký này (tấn công bọc chữ ký)")
		return nil, nil, false
	}
	// The signed bytes end where a revision ends.
	end := br[2] + br[3]
	c.s.Revision = 0
	for i, rv := range c.revs {
		if end >= rv.End && end <= rv.End+2 && trailingBytes(c.r, end, rv.End) == 0 {
			c.s.Revision = i + 1
			break
		}
	}
	if c.revs != nil && c.s.Revision == 0 {
		c.fail("the signed bytes do not end where a revision of the file ends", "phần được ký không kết thúc ở cuối một phiên bản của tệp")
		return nil, nil, false
	}
	c.s.CoversWholeDocument = end == c.size || (c.revs != nil && c.s.Revision == len(c.revs) && trailingBytes(c.r, c.size, end) == 0)
	// The signature dictionary itself lies in the signed bytes, around the
	// gap: a dictionary elsewhere can point /ByteRange at anything.
	if c.revs != nil {
		num := f.vNum
		if num == 0 {
			num = f.field
		}
		view := pdfread.NewView(c.r, c.size, c.revs, c.s.Revision-1)
		e, in := view.Entry(num)
		if num == 0 || !in || e.Free || e.Stream != 0 || e.Offset >= br[1] || bytes.Contains(readRange(c.r, e.Offset, br[1]), []byte("endobj")) {
			c.fail("the signature dictionary is not where the signed bytes say (signature wrapping)", "từ điển chữ ký không nằm ở chỗ phần được ký chỉ ra (tấn công bọc chữ ký)")
			return nil, nil, false
		}
	}
	return func() io.Reader {
		return io.MultiReader(io.NewSectionReader(c.r, br[0], br[1]), io.NewSectionReader(c.r, br[2], br[3]))
	}, trimDER(cms), true
}

func readRange(r io.ReaderAt, from, to int64) []byte {
	if to-from > 16<<20 || to < from {
		return []byte("endobj") // too far apart to be one object
	}
	b := make([]byte, to-from)
	n, _ := r.ReadAt(b, from)
	return b[:n]
}

func isHex(b []byte) bool {
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F', c == ' ', c == '\n', c == '\r', c == '\t':
		default:
			return false
		}
	}
	return true
}

// docTimestamp checks an ETSI.RFC3161 document timestamp.
func (c *sigCheck) docTimestamp(data func() io.Reader, cms []byte) SignatureReport {
	ts, err := parseTimestamp(cms)
	if err != nil {
		return c.fail("document timestamp: "+err.Error(), "dấu thời gian tài liệu: "+err.Error())
	}
	c.s.Timestamp = &TimestampReport{Time: ts.Time, TSA: tsaName(ts), Valid: true}
	c.s.Digest = ts.HashAlgorithm.String() // "SHA-256", "SHA-1"...
	if !ts.HashAlgorithm.Available() {
		return c.fail(fmt.Sprintf("document timestamp: hash %v unavailable", ts.HashAlgorithm), fmt.Sprintf("dấu thời gian tài liệu: không hỗ trợ hàm băm %v", ts.HashAlgorithm))
	}
	sum, err := digestOf(ts.HashAlgorithm, data())
	if err != nil {
		return c.fail("read signed bytes: "+err.Error(), "không đọc được phần được ký: "+err.Error())
	}
	if !bytes.Equal(sum, ts.HashedMessage) {
		c.s.Timestamp.Valid = false
		return c.fail("the document was changed after the timestamp (digest mismatch)", "tài liệu bị thay đổi sau khi đóng dấu thời gian (sai giá trị băm)")
	}
	c.s.Intact = true
	if len(ts.Certificates) > 0 {
		ee := ts.Certificates[0]
		c.s.Signer, c.s.Subject, c.s.Issuer = ee.Subject.CommonName, readableName(ee.Subject), readableName(ee.Issuer)
		judgeTrust(&c.s, ee, ts.Certificates, c.roots, ts.Time)
	}
	return c.s
}

// cmsSignature checks a CMS signature (adbe.pkcs7.detached,
// adbe.pkcs7.sha1, ETSI.CAdES.detached).
func (c *sigCheck) cmsSignature(data func() io.Reader, blob []byte) SignatureReport {
	sd, err := parseSignedData(blob)
	if err != nil {
		return c.fail("CMS: "+err.Error(), "CMS: "+err.Error())
	}
	if len(sd.signers) != 1 {
		return c.fail(fmt.Sprintf("CMS has %d signers, want 1", len(sd.signers)), fmt.Sprintf("CMS có %d người ký, cần đúng 1", len(sd.signers)))
	}
	si := sd.signers[0]
	hash, ok := hashByOID[si.digestAlg.String()]
	if !ok {
		return c.fail(fmt.Sprintf("unsupported digest algorithm %v", si.digestAlg), fmt.Sprintf("không hỗ trợ thuật toán băm %v", si.digestAlg))
	}
	c.s.Digest = hash.String()
	ee := sd.signerCert(si)
	if ee == nil {
		return c.fail("the signer's certificate is not in the CMS", "chứng thư của người ký không có trong CMS")
	}
	c.s.Signer, c.s.Subject, c.s.Issuer = ee.Subject.CommonName, readableName(ee.Subject), readableName(ee.Issuer)
	if len(si.signature) == 0 {
		return c.fail("the CMS signature value is empty", "giá trị chữ ký trong CMS rỗng")
	}

	// What the signer's message digest covers.
	content := data()
	if c.s.SubFilter == "adbe.pkcs7.sha1" {
		sum, err := digestOf(crypto.SHA1, content)
		if err != nil {
			return c.fail("read signed bytes: "+err.Error(), "không đọc được phần được ký: "+err.Error())
		}
		if !bytes.Equal(sum, sd.content) {
			return c.fail("document digest differs from the signed SHA-1 (adbe.pkcs7.sha1)", "giá trị băm của tài liệu khác SHA-1 đã ký (adbe.pkcs7.sha1)")
		}
		content = bytes.NewReader(sd.content)
	}
	contentDigest, err := digestOf(hash, content)
	if err != nil {
		return c.fail("read signed bytes: "+err.Error(), "không đọc được phần được ký: "+err.Error())
	}
	if si.signedAttrs != nil {
		md, ok := si.attr(oidMessageDigest)
		var digest []byte
		if !ok {
			return c.fail("no message-digest attribute", "thiếu thuộc tính message-digest")
		}
		if _, err := asn1.Unmarshal(md, &digest); err != nil {
			return c.fail("bad message-digest attribute: "+err.Error(), "thuộc tính message-digest sai: "+err.Error())
		}
		if st, ok := si.attr(oidSigningTime); ok {
			var t time.Time
			if _, err := asn1.Unmarshal(st, &t); err == nil {
				c.s.SigningTime = &t
			}
		}
		if !bytes.Equal(digest, contentDigest) {
			return c.fail("the document was changed after signing (digest mismatch)", "tài liệu bị thay đổi sau khi ký (sai giá trị băm)")
		}
		h := hash.New()
		h.Write(si.signedAttrs)
		if err := checkHashedSig(ee.PublicKey, hash, h.Sum(nil), si.signature, si.sigAlg); err != nil {
			return c.fail("CMS signature invalid: "+err.Error(), "chữ ký CMS không hợp lệ: "+err.Error())
		}
	} else if err := checkHashedSig(ee.PublicKey, hash, contentDigest, si.signature, si.sigAlg); err != nil {
		return c.fail("the document was changed after signing or the signature is invalid: "+err.Error(), "tài liệu bị thay đổi sau khi ký hoặc chữ ký không hợp lệ: "+err.Error())
	}
	c.s.Intact = true
	at := time.Now()
	if c.s.Time != nil {
		at = *c.s.Time
	}
	if c.s.SigningTime != nil {
		at = *c.s.SigningTime
	}
	if tok, ok := si.unsignedAttr(oidTimeStampToken); ok {
		if t, ok := c.signatureTimestamp(tok, si.signature); ok {
			at = t
		}
	}
	judgeTrust(&c.s, ee, sd.certs, c.roots, at)
	return c.s
}

// signatureTimestamp checks an RFC 3161 timestamp over a signature value.
func (c *sigCheck) signatureTimestamp(tok, sig []byte) (time.Time, bool) {
	tr := &TimestampReport{}
	c.s.Timestamp = tr
	ts, err := parseTimestamp(tok)
	if err != nil {
		tr.Error = err.Error()
		return time.Time{}, false
	}
	tr.Time, tr.TSA = ts.Time, tsaName(ts)
	if !ts.HashAlgorithm.Available() {
		tr.Error = "unsupported hash"
		return time.Time{}, false
	}
	th := ts.HashAlgorithm.New()
	th.Write(sig)
	if !bytes.Equal(th.Sum(nil), ts.HashedMessage) {
		tr.Error = "the timestamp is not over this signature"
		return time.Time{}, false
	}
	tr.Valid = true
	return ts.Time, true
}

// parseTimestamp parses a timestamp token, turning the parser's panics on
// malformed input into errors.
func parseTimestamp(b []byte) (ts *timestamp.Timestamp, err error) {
	defer func() {
		if p := recover(); p != nil {
			ts, err = nil, fmt.Errorf("malformed timestamp (%v)", p)
		}
	}()
	return timestamp.Parse(b)
}

func tsaName(ts *timestamp.Timestamp) string {
	if len(ts.Certificates) > 0 {
		return ts.Certificates[0].Subject.CommonName
	}
	return ""
}

func judgeTrust(s *SignatureReport, ee *x509.Certificate, pool []*x509.Certificate, roots *x509.CertPool, at time.Time) {
	if roots == nil {
		return
	}
	inter := x509.NewCertPool()
	for _, c := range pool {
		inter.AddCert(c)
	}
	_, err := ee.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	ok := err == nil
	s.Trusted = &ok
	if err != nil {
		s.TrustError = err.Error()
	}
}

// trimDER cuts the zero padding after a DER element (/Contents is padded).
func trimDER(b []byte) []byte {
	var raw asn1.RawValue
	if rest, err := asn1.Unmarshal(b, &raw); err == nil {
		return b[:len(b)-len(rest)]
	}
	return b
}

// checkHashedSig verifies sig over an already hashed message.
func checkHashedSig(pub crypto.PublicKey, h crypto.Hash, hashed, sig []byte, sigAlg asn1.ObjectIdentifier) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if sigAlg.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}) {
			return rsa.VerifyPSS(k, h, hashed, sig, nil)
		}
		return rsa.VerifyPKCS1v15(k, h, hashed, sig)
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, hashed, sig) {
			return errors.New("ECDSA signature does not verify")
		}
		return nil
	case ed25519.PublicKey:
		return errors.New("Ed25519 CMS signatures are not supported")
	}
	return fmt.Errorf("unsupported public key %T", pub)
}

// docMDP returns the P of a certification signature's DocMDP transform
// (ISO 32000-1 12.8.2.2), 0 when the signature certifies nothing.
func docMDP(src pdfObjects, v types.Dict) int {
	if v == nil {
		return 0
	}
	refs, _ := pdfread.ArrayOf(src, v["Reference"])
	for _, r := range refs {
		d, err := pdfread.DictOf(src, r)
		if err != nil || pdfread.NameOf(src, d, "TransformMethod") != "DocMDP" {
			continue
		}
		p := 2 // the default
		if tp, err := pdfread.DictOf(src, d["TransformParams"]); err == nil {
			if n, err := pdfread.NumberOf(src, tp["P"]); err == nil && n >= 1 && n <= 3 {
				p = int(n)
			}
		}
		return p
	}
	return 0
}
