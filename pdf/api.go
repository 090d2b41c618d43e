package pdf

import (
	"context"
	"flag"
	"io"
	"os"
	"time"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/archival"
)

// Conformance is the PDF/A part and level to write.
type Conformance string

const (
	PDFA1B Conformance = "1b"
	PDFA2B Conformance = "2b" // default
	PDFA3B Conformance = "3b"
)

// Metadata is written to Info, XMP and the sohoa PDF/A extension schema.
type Metadata struct {
	Title        string
	DocumentType string
	DossierCode  string
	ResultCode   string
	AgencyCode   string
	Language     string // e.g. "vi"
	Station      string
	Operator     string
	Created      time.Time
	// Documents are the administrative documents read from the pages'
	// NĐ 30 headers, carried in the XMP (sohoa:ArchivalDocuments).
	Documents []archival.Document
}

// Page is one corrected page image with its OCR words.
type Page struct {
	Image  ocr.Image
	Result ocr.Result
	// Rotate turns the page as shown (its /Rotate), clockwise: 0, 90, 180
	// or 270. The image and the text layer stay as recognized, so a turn
	// an official asks for costs no re-encoding and no new reading.
	Rotate int
}

// PageSource hands pages to Assemble one at a time, so that a long document
// never sits in memory whole. Page may be called once per index, in order.
type PageSource interface {
	Len() int
	Page(ctx context.Context, i int) (Page, error)
}

// AssembleOptions configure Assemble. The zero value writes PDF/A-2b.
type AssembleOptions struct {
	Conformance Conformance
	Metadata    Metadata
	// KeepJPEGCoding embeds JPEG pages byte for byte. By default they are
	// losslessly re-coded with optimal Huffman tables (same pixels, ~15%
	// smaller), on all cores while earlier pages are written.
	KeepJPEGCoding bool
}

// Assemble writes a two-layer PDF/A (page image + invisible text) to w.
func Assemble(ctx context.Context, w io.Writer, pages PageSource, opts AssembleOptions) error {
	return assemble(ctx, w, pages, opts)
}

// SignerConfig says where the signing key is. The PKCS#12 password comes
// from PassFile or the SOHOA_SIGN_PASS environment variable, never argv.
type SignerConfig struct {
	P12File       string
	PassFile      string
	PKCS11Module  string
	PKCS11Token   string // token label
	PKCS11PINFile string // or SOHOA_PKCS11_PIN
	PKCS11Key     string // key label
	Name          string // signer's name shown on the visible mark; the certificate's CN when empty
	TSAURL        string
	CertFile      string // PEM certificate (and chain) of a PKCS#11 key, when the token holds none
	FontFile      string // TrueType font for the visible mark; DejaVu Sans or Noto Sans when empty
}

// AddFlags registers the signing flags shared by pdf, serve and worker:
// --sign-p12 --sign-pass-file --sign-pkcs11 --sign-pkcs11-token
// --sign-pkcs11-pin-file --sign-pkcs11-key --signer-name --tsa.
func (c *SignerConfig) AddFlags(fs *flag.FlagSet) { c.addFlags(fs) }

// Enabled reports whether a key is configured.
func (c SignerConfig) Enabled() bool { return c.P12File != "" || c.PKCS11Module != "" }

// Signer signs documents with one key (a PKCS#12 file or a PKCS#11 token
// key) and its certificate chain; get one from SignerConfig.Open and Close
// it when done. Sign appends one PAdES baseline signature (B-B, or B-T with
// a TSA) as an incremental update and never rewrites what is there, so a
// signed file stays PDF/A and earlier signatures stay intact. A Signer is
// safe for concurrent use on different files.
type Signer struct{ signer }

// Open loads the key (and logs in to the token).
func (c SignerConfig) Open(ctx context.Context) (*Signer, error) { return c.open(ctx) }

// Sign appends a PAdES signature as an incremental update to f, which must
// be open for reading and writing and hold a complete PDF.
func (s *Signer) Sign(ctx context.Context, f *os.File) error { return s.sign(ctx, f) }

// Close releases the key.
func (s *Signer) Close() error { return s.close() }

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// TrustPEM holds the CA certificates that signatures must chain to.
	// Without any, trust is "not judged" and does not count against OK.
	TrustPEM []byte
	// AllowUnsigned lets a file without any signature pass (by default an
	// unsigned file is not OK).
	AllowUnsigned bool
	// RequirePDFA makes PDF/A conformance count towards OK (by default it
	// is reported but does not decide: genuine signed government PDFs are
	// rarely PDF/A).
	RequirePDFA bool
}

// Report is what Verify finds: three verdicts (signatures, PDF/A, trust),
// each with a one-line reason for a "no", and the details behind them.
// Its JSON form is what `sohoa verify --json` prints.
type Report struct {
	Size      int64  `json:"size"`
	Version   string `json:"version"` // header version, e.g. "1.7"
	Pages     int    `json:"pages"`
	Revisions int    `json:"revisions"` // the original file plus each incremental update
	Encrypted bool   `json:"encrypted"`

	PDFAPart        int      `json:"pdfa_part"`        // 0: no PDF/A claim in the XMP
	PDFAConformance string   `json:"pdfa_conformance"` // "B", "A", "U"
	PDFAProblems    []string `json:"pdfa_problems"`    // what breaks the claim (not a full validation)

	Signatures []SignatureReport `json:"signatures"` // in the order of the form's fields
	// ValidationData counts what the document security store (/DSS) holds:
	// "ocsp" and "crl" entries about the signers' certificates.
	ValidationData map[string]int `json:"validation_data,omitempty"`

	Verdicts Verdicts `json:"verdicts"`
}

// Verdicts are the separate answers of Verify.
type Verdicts struct {
	// Signatures: at least one signature (unless AllowUnsigned), each intact
	// and well-formed, and nothing after any of them changes what it signed
	// (later revisions may only add signatures, document timestamps and
	// validation data).
	Signatures Verdict `json:"signatures"`
	// PDFA: a PDF/A claim without problems found. Required only with
	// VerifyOptions.RequirePDFA.
	PDFA Verdict `json:"pdfa"`
	// Trust: every signer's certificate chains to a trust anchor at the
	// time of signing. Not judged without anchors.
	Trust Verdict `json:"trust"`
}

// Verdict is one yes/no answer, with the reason in English and Vietnamese
// when the answer is no or was not reached.
type Verdict struct {
	OK       bool   `json:"ok"`
	Judged   bool   `json:"judged"`   // false: not judged (OK is then false and does not count)
	Required bool   `json:"required"` // whether it counts towards Report.OK
	Reason   string `json:"reason,omitempty"`
	ReasonVI string `json:"reason_vi,omitempty"`
}

// OK reports whether the file passes: the signatures verdict is a yes,
// trust is a yes or was not judged, and PDF/A is a yes when required.
func (r *Report) OK() bool {
	v := r.Verdicts
	return v.Signatures.OK && (!v.Trust.Judged || v.Trust.OK) && (!v.PDFA.Required || v.PDFA.OK)
}

// SignatureReport describes one signature field.
type SignatureReport struct {
	Field       string     `json:"field"`
	Signer      string     `json:"signer"`  // subject CN of the signing certificate
	Subject     string     `json:"subject"` // full subject, attribute names spelt out
	Issuer      string     `json:"issuer"`
	Name        string     `json:"name,omitempty"` // /Name of the signature dictionary
	Time        *time.Time `json:"time,omitempty"` // /M
	SigningTime *time.Time `json:"signing_time,omitempty"`
	SubFilter   string     `json:"subfilter"`
	Digest      string     `json:"digest"`
	ByteRange   []int64    `json:"byte_range"`

	// Intact: the structure is sound (the /ByteRange gap is exactly this
	// dictionary's /Contents, the signed bytes end a revision), the digest
	// matches and the CMS signature is valid.
	Intact        bool   `json:"intact"`
	IntactError   string `json:"intact_error,omitempty"`
	IntactErrorVI string `json:"intact_error_vi,omitempty"`

	CoversWholeDocument bool `json:"covers_whole_document"`
	Revision            int  `json:"revision"` // the revision (1-based) the signed bytes end with

	// Changes lists what later revisions did; ModifiedAfter is true when
	// any of it is not allowed after a signature.
	Changes       []Change `json:"changes_after"`
	ModifiedAfter bool     `json:"modified_after_signing"`
	// DocMDP is the P of a certification signature: 1 no change allowed,
	// 2 form filling and signatures, 3 also annotations; 0 when it is not one.
	DocMDP int `json:"docmdp,omitempty"`

	Trusted    *bool  `json:"trusted,omitempty"` // nil: no trust anchors given
	TrustError string `json:"trust_error,omitempty"`

	Timestamp *TimestampReport `json:"timestamp,omitempty"`
}

// TimestampReport describes an RFC 3161 timestamp (a signature timestamp or a document timestamp).
type TimestampReport struct {
	Time  time.Time `json:"time"`
	TSA   string    `json:"tsa"`
	Valid bool      `json:"valid"`
	Error string    `json:"error,omitempty"`
}

// Verify reads a PDF and reports its signatures, its PDF/A claim and the
// trust in its signers. It returns an error (ErrNotPDF, or a malformed
// file) only when it cannot read the file at all; everything it finds
// wrong in a readable file is in the Report.
func Verify(ctx context.Context, r io.ReaderAt, size int64, opts VerifyOptions) (*Report, error) {
	return verify(ctx, r, size, opts)
}
