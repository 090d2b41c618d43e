package pdf

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Placeholder is a signature field appended to a PDF whose /Contents is
// still zeros: the signature of a desk official, made on their token
// after the server prepared the file (two-step signing).
type Placeholder struct {
	// MessageDigest is SHA-256 over the /ByteRange: the message-digest
	// signed attribute.
	MessageDigest []byte
	// ContentsOffset is the offset of the '<' that opens /Contents, and
	// Reserved the bytes of CMS it holds.
	ContentsOffset int64
	Reserved       int
	Size           int64     // the file's size with the update
	When           time.Time // /M and the time on the visible mark
}

// PlaceholderOptions say whose signature a placeholder waits for.
type PlaceholderOptions struct {
	// Chain is the signer's certificate chain, signer first: it sizes the
	// reserved /Contents, and its subject CN is the name on the mark.
	Chain []*x509.Certificate
	// Title is the signer's title on the mark ("Chức vụ: ..."), when known.
	Title    string
	When     time.Time // time.Now when zero
	FontFile string    // TrueType font for the mark; DejaVu Sans or Noto Sans when empty
	// Timestamp reserves room for an RFC 3161 timestamp token.
	Timestamp bool
	// Validation is the revocation status of the signer's certificate
	// found when preparing, kept in the document security store.
	Validation ValidationData
	// Attachment, when set, is embedded before the signature (which
	// then covers it) and the document becomes PDF/A-3b: a signed file
	// is never altered, so this is the last moment to add it.
	Attachment *Attachment
}

// ValidationData is what was known of a signer's certificate when its
// signature was prepared: DER OCSP responses and CRLs. It goes into the
// document security store (/DSS with /OCSPs and /CRLs, ISO 32000-2
// 12.8.4.3, PAdES) in the same update as the signature field, so the
// signature covers it and still covers the whole file; in the CMS it
// would have to be a signed attribute (adbe-revocationInfoArchival), which
// the official's token would then sign, and NSS (pdfsig) refuses a CMS
// whose crls field carries an OCSP response (RFC 5940).
type ValidationData struct {
	OCSP, CRLs [][]byte
}

// AppendPlaceholder appends a signature field with its visible mark (the
// signer's name from the certificate, title, time) and a zeroed /Contents
// to f, as an incremental update that leaves the bytes already there
// untouched. CompleteSignature fills it.
func AppendPlaceholder(ctx context.Context, f *os.File, opts PlaceholderOptions) (*Placeholder, error) {
	if len(opts.Chain) == 0 {
		return nil, errors.New("pdf: no signer certificate")
	}
	name := strings.TrimSpace(opts.Chain[0].Subject.CommonName)
	if err := checkSignerName(name); err != nil {
		return nil, err
	}
	if err := checkSignerName(opts.Title); err != nil {
		return nil, err
	}
	font, err := loadMarkFont(opts.FontFile)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("pdf: sign: %w", err)
	}
	var certLen int
	for _, c := range opts.Chain {
		certLen += len(c.Raw)
	}
	spec := sigSpec{font: font, name: name, title: opts.Title, when: opts.When, reserve: certLen + 2048, validation: opts.Validation, attachment: opts.Attachment}
	if spec.when.IsZero() {
		spec.when = time.Now()
	}
	if opts.Timestamp {
		spec.reserve += 12 << 10
	}
	ph, err := writePlaceholder(f, st.Size(), spec)
	if err != nil {
		if terr := f.Truncate(st.Size()); terr != nil {
			return nil, fmt.Errorf("%w (and restoring the file failed: %v)", err, terr)
		}
		return nil, err
	}
	return ph, nil
}

// ErrBadSignatureValue is a signature value that does not verify with the
// signer's public key over the signed attributes of the placeholder: made
// for another document or another version of it, or by another key.
var ErrBadSignatureValue = errors.New("pdf: the signature value does not match this document and certificate")

// CompleteSignature checks that signature is chain[0]'s signature (RSA
// PKCS#1 v1.5 or ECDSA) over SHA-256 of SignedAttributes(ph.MessageDigest,
// chain[0]), builds the CMS around it (ETSI.CAdES.detached), adds an RFC
// 3161 timestamp of the signature from tsaURL when given, and writes it
// into the placeholder. A signature that does not verify is
// ErrBadSignatureValue and f is left as it was.
func CompleteSignature(ctx context.Context, f *os.File, ph *Placeholder, signature []byte, chain []*x509.Certificate, tsaURL string) error {
	if len(chain) == 0 {
		return errors.New("pdf: no signer certificate")
	}
	attrs, err := SignedAttributes(ph.MessageDigest, chain[0])
	if err != nil {
		return err
	}
	sum := sha256.Sum256(attrs)
	if err := checkSignatureValue(chain[0].PublicKey, sum[:], signature); err != nil {
		return err
	}
	cms, err := assembleCMS(ctx, attrs, signature, chain, tsaURL, &http.Client{Timeout: 30 * time.Second}, false)
	if err != nil {
		return err
	}
	return fillContents(f, ph, cms)
}

func checkSignatureValue(pub crypto.PublicKey, digest, sig []byte) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if rsa.VerifyPKCS1v15(k, crypto.SHA256, digest, sig) != nil {
			return ErrBadSignatureValue
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return ErrBadSignatureValue
		}
	default:
		return fmt.Errorf("pdf: unsupported key type %T (want RSA or ECDSA)", pub)
	}
	return nil
}

// CertProblem is why a signer's certificate is refused, in English and
// Vietnamese, for the official who presented it.
type CertProblem struct {
	Reason, ReasonVI string
}

func (p *CertProblem) Error() string { return "pdf: certificate refused: " + p.Reason }

// CertCheck says what CheckSignerCertificate requires.
type CertCheck struct {
	// Roots are the trust anchors (national roots, the CA of the desk's
	// tokens); nil means every certificate is unknown.
	Roots *x509.CertPool
	// Official is the name on record of the official who must sign; the
	// certificate's subject CN must equal it, compared without regard to
	// case, Unicode composition or runs of spaces.
	Official string
	At       time.Time // time.Now when zero
}

// CheckSignerCertificate refuses a chain whose signer certificate is
// expired or not yet valid at c.At, does not chain to c.Roots, does not
// allow signing (key usage digitalSignature or nonRepudiation), or names
// someone other than c.Official. The error is a *CertProblem.
func CheckSignerCertificate(chain []*x509.Certificate, c CertCheck) error {
	if len(chain) == 0 {
		return &CertProblem{"no certificate was sent", "không có chứng thư số"}
	}
	at := c.At
	if at.IsZero() {
		at = time.Now()
	}
	cert := chain[0]
	day := func(t time.Time) string { return t.In(vnZone).Format("02/01/2006") }
	if at.After(cert.NotAfter) {
		return &CertProblem{"the certificate expired on " + day(cert.NotAfter), "chứng thư số đã hết hạn ngày " + day(cert.NotAfter)}
	}
	if at.Before(cert.NotBefore) {
		return &CertProblem{"the certificate is not valid before " + day(cert.NotBefore), "chứng thư số chưa có hiệu lực trước ngày " + day(cert.NotBefore)}
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return &CertProblem{"the certificate's key usage does not allow signing", "chứng thư số không được phép dùng để ký"}
	}
	if c.Roots == nil {
		return &CertProblem{"no trust anchors are configured, so no certificate can be trusted", "máy chủ chưa cấu hình chứng thư gốc tin cậy"}
	}
	inter := x509.NewCertPool()
	for _, ic := range chain[1:] {
		inter.AddCert(ic)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: c.Roots, Intermediates: inter, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return &CertProblem{"the certificate was not issued by a trusted certification authority (" + err.Error() + ")",
			"chứng thư số không do tổ chức chứng thực tin cậy cấp"}
	}
	if !SameName(cert.Subject.CommonName, c.Official) {
		return &CertProblem{fmt.Sprintf("the certificate belongs to %q, not to %q who must sign this document", cert.Subject.CommonName, c.Official),
			fmt.Sprintf("chứng thư số của %q, không phải của %q là người phải ký tài liệu này", cert.Subject.CommonName, c.Official)}
	}
	return nil
}

var foldCase = cases.Fold()

// SameName compares two personal names as officials write them: "NGUYỄN
// VĂN A" on a certificate is "Nguyễn Văn A" on record, whatever the
// Unicode composition (NFC or NFD), case or spacing.
func SameName(a, b string) bool {
	f := func(s string) string {
		return strings.Join(strings.FieldsFunc(foldCase.String(norm.NFC.String(s)), unicode.IsSpace), " ")
	}
	return a != "" && f(a) == f(b)
}
