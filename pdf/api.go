package pdf

import (
	"context"
	"flag"
	"io"
	"os"
	"time"

	"github.com/sohoa/sohoa/ocr"
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
}

// Page is one corrected page image with its OCR words.
type Page struct {
	Image  ocr.Image
	Result ocr.Result
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

// Signer signs documents with one key. Safe for concurrent use.
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
	TrustPEM []byte // CA certificates; none means chains are not judged
}

// Report is what Verify finds.
type Report struct{ report }

// Verify reads a PDF and reports its PDF/A claim and signatures.
func Verify(ctx context.Context, r io.ReaderAt, size int64, opts VerifyOptions) (*Report, error) {
	return verify(ctx, r, size, opts)
}
