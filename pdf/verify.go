package pdf

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	_ "crypto/sha1" // SHA-1 signatures of older government PDFs
	_ "crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/sohoa/sohoa/pdf/pdfread"
)

// report is what Verify finds; Report embeds it.
type report struct {
	Size      int64  `json:"size"`
	Version   string `json:"version"`
	Pages     int    `json:"pages"`
	Revisions int    `json:"revisions"` // incremental updates + 1
	Encrypted bool   `json:"encrypted"`

	PDFAPart        int      `json:"pdfa_part"`        // 0: no PDF/A claim in the XMP
	PDFAConformance string   `json:"pdfa_conformance"` // "B", "A", "U"
	PDFAProblems    []string `json:"pdfa_problems"`

	Signatures []SignatureReport `json:"signatures"`
}

// SignatureReport describes one signature field.
type SignatureReport struct {
	Field       string     `json:"field"`
	Signer      string     `json:"signer"`  // subject CN of the signing certificate
	Subject     string     `json:"subject"` // full subject
	Issuer      string     `json:"issuer"`
	Name        string     `json:"name,omitempty"` // /Name of the signature dictionary
	Time        *time.Time `json:"time,omitempty"` // /M
	SigningTime *time.Time `json:"signing_time,omitempty"`
	SubFilter   string     `json:"subfilter"`
	Digest      string     `json:"digest"`
	ByteRange   []int64    `json:"byte_range"`

	Intact      bool   `json:"intact"` // digest matches and the CMS signature is valid
	IntactError string `json:"intact_error,omitempty"`

	CoversWholeDocument bool `json:"covers_whole_document"`
	Revision            int  `json:"revision"` // the revision (1-based) the signed bytes end with

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

// OK reports whether the file claims PDF/A without problems found and every
// signature is intact (and trusted, when trust anchors were given).
func (r *Report) OK() bool {
	if r.PDFAPart == 0 || len(r.PDFAProblems) > 0 {
		return false
	}
	for _, s := range r.Signatures {
		if !s.Intact || (s.Trusted != nil && !*s.Trusted) || (s.Timestamp != nil && !s.Timestamp.Valid) {
			return false
		}
	}
	return true
}

// ErrNotPDF is returned for input that is not a PDF at all.
var ErrNotPDF = errors.New("not a PDF file")

// maxVerifyRange bounds how many bytes one signature's ranges may cover, so
// that a crafted /ByteRange cannot make Verify read forever.
const maxVerifyRange = 4 << 30

// pdfObjects is the little Verify needs from a parsed PDF (a *pdfread.Doc).
type pdfObjects interface {
	Resolve(o types.Object) (types.Object, error)
	// Stream returns the decoded content of a stream object, at most limit bytes.
	Stream(o types.Object, limit int64) ([]byte, error)
}

func dictOf(src pdfObjects, o types.Object) (types.Dict, error) {
	o, err := src.Resolve(o)
	if err != nil {
		return nil, err
	}
	switch v := o.(type) {
	case types.Dict:
		return v, nil
	case types.StreamDict:
		return v.Dict, nil
	case *types.StreamDict:
		return v.Dict, nil
	}
	return nil, fmt.Errorf("want a dictionary, got %T", o)
}

func arrayOf(src pdfObjects, o types.Object) (types.Array, error) {
	o, err := src.Resolve(o)
	if err != nil {
		return nil, err
	}
	if a, ok := o.(types.Array); ok {
		return a, nil
	}
	return nil, fmt.Errorf("want an array, got %T", o)
}

func textOf(src pdfObjects, o types.Object) (string, error) {
	o, err := src.Resolve(o)
	if err != nil {
		return "", err
	}
	return model.Text(o)
}

func numberOf(src pdfObjects, o types.Object) (float64, error) {
	o, err := src.Resolve(o)
	if err != nil {
		return 0, err
	}
	switch v := o.(type) {
	case types.Integer:
		return float64(v), nil
	case types.Float:
		return float64(v), nil
	}
	return 0, fmt.Errorf("want a number, got %T", o)
}

func nameOf(src pdfObjects, d types.Dict, key string) string {
	o, ok := d.Find(key)
	if !ok {
		return ""
	}
	o, err := src.Resolve(o)
	if err != nil {
		return ""
	}
	if n, ok := o.(types.Name); ok {
		return string(n)
	}
	return ""
}

// docParts is the trailer-level view of a file.
type docParts struct {
	src       pdfObjects
	root      types.Dict
	info      types.Dict
	idOK      bool
	encrypted bool
}

func verify(ctx context.Context, r io.ReaderAt, size int64, opts VerifyOptions) (rep *Report, err error) {
	defer func() {
		if p := recover(); p != nil {
			rep, err = nil, fmt.Errorf("pdf: verify: malformed PDF (%v)", p)
		}
	}()
	head := make([]byte, min(size, 1024))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return nil, fmt.Errorf("pdf: verify: %w", err)
	}
	hi := bytes.Index(head, []byte("%PDF-"))
	if hi < 0 {
		return nil, fmt.Errorf("pdf: verify: %w", ErrNotPDF)
	}
	var roots *x509.CertPool
	if len(opts.TrustPEM) > 0 {
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(opts.TrustPEM) {
			return nil, errors.New("pdf: verify: no certificate in the trust PEM")
		}
	}
	rep = &Report{}
	rep.Size = size
	if m := reHeader.FindSubmatch(head[hi:]); m != nil {
		rep.Version = string(m[1])
	}

	var d docParts
	doc, err := pdfread.Open(r, size)
	if err != nil {
		return nil, fmt.Errorf("pdf: verify: %w", err)
	}
	d.src = doc
	if d.root, err = doc.Root(); err != nil {
		return nil, fmt.Errorf("pdf: verify: malformed PDF: %w", err)
	}
	if inf, ok := doc.Trailer.Find("Info"); ok {
		d.info, _ = dictOf(doc, inf)
	}
	id, _ := arrayOf(doc, doc.Trailer["ID"])
	d.idOK = len(id) == 2
	_, d.encrypted = doc.Trailer.Find("Encrypt")
	if !doc.Lazy && doc.Version != "" {
		rep.Version = doc.Version
	}
	rep.Encrypted = d.encrypted
	eofs, err := eofOffsets(r, size)
	if err != nil {
		return nil, fmt.Errorf("pdf: verify: %w", err)
	}
	rep.Revisions = len(eofs)

	fonts := checkPages(ctx, d.src, d.root, rep)
	checkPDFA(d, rep, fonts)

	for _, f := range sigFields(d.src, d.root) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rep.Signatures = append(rep.Signatures, checkSignature(d.src, f, r, size, eofs, roots))
	}
	return rep, nil
}

// eofOffsets returns the end offsets of every %%EOF marker: one per revision.
func eofOffsets(r io.ReaderAt, size int64) ([]int64, error) {
	var out []int64
	const chunk = 1 << 20
	buf := make([]byte, chunk+5)
	marker := []byte("%%EOF")
	for off := int64(0); off < size; off += chunk {
		n, err := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if err != nil && err != io.EOF {
			return nil, err
		}
		b := buf[:n]
		for i := 0; ; {
			j := bytes.Index(b[i:], marker)
			if j < 0 || i+j >= chunk { // matches past chunk are found by the next round
				break
			}
			out = append(out, off+int64(i+j+len(marker)))
			i += j + 1
		}
	}
	return out, nil
}

var (
	reHeader  = regexp.MustCompile(`^%PDF-(\d\.\d)`)
	reXMPPart = regexp.MustCompile(`pdfaid:part(?:>|\s*=\s*["'])\s*(\d)`)
	reXMPConf = regexp.MustCompile(`pdfaid:conformance(?:>|\s*=\s*["'])\s*([A-Za-z])`)
)

func xmpValue(xmp []byte, name string) string {
	re := regexp.MustCompile(regexp.QuoteMeta(name) + `(?:>\s*(?:<rdf:Alt>\s*<rdf:li[^>]*>)?([^<]*)<|\s*=\s*"([^"]*)")`)
	m := re.FindSubmatch(xmp)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(string(m[1]) + string(m[2]))
}

// maxPages bounds the page tree walk against crafted files.
const maxPages = 100_000

// checkPages walks the page tree: it counts pages and returns the problems
// with fonts and annotations that PDF/A forbids.
func checkPages(ctx context.Context, src pdfObjects, root types.Dict, rep *Report) []string {
	var problems []string
	problem := func(format string, args ...any) {
		if len(problems) < 50 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	seen := map[string]bool{}
	var walk func(node types.Object, res types.Dict, depth int)
	walk = func(node types.Object, res types.Dict, depth int) {
		if depth > 64 || rep.Pages >= maxPages || ctx.Err() != nil {
			return
		}
		if ir, ok := node.(types.IndirectRef); ok {
			if seen[ir.String()] {
				problem("the page tree has a loop")
				return
			}
			seen[ir.String()] = true
		}
		nd, err := dictOf(src, node)
		if err != nil {
			problem("page tree node unreadable: %v", err)
			return
		}
		if ro, ok := nd.Find("Resources"); ok {
			if rd, err := dictOf(src, ro); err == nil {
				res = rd
			}
		}
		if t := nameOf(src, nd, "Type"); t == "Pages" || (t == "" && nd["Kids"] != nil) {
			kids, err := arrayOf(src, nd["Kids"])
			if err != nil {
				problem("page tree node without /Kids")
				return
			}
			for _, k := range kids {
				walk(k, res, depth+1)
			}
			return
		}
		rep.Pages++
		p := rep.Pages
		if res != nil {
			checkFonts(src, res, p, seen, problem, 0)
		}
		annots, _ := arrayOf(src, nd["Annots"])
		for _, an := range annots {
			ad, err := dictOf(src, an)
			if err != nil {
				continue
			}
			if fo, ok := ad.Find("F"); ok {
				if f, err := numberOf(src, fo); err == nil && int(f)&4 == 0 && nameOf(src, ad, "Subtype") != "Popup" {
					problem("page %d: an annotation is not marked printable (/F 4)", p)
				}
			}
			if ap, ok := ad.Find("AP"); ok {
				apd, _ := dictOf(src, ap)
				if n, ok := apd.Find("N"); ok {
					if nd, err := dictOf(src, n); err == nil {
						if rd, err := dictOf(src, nd["Resources"]); err == nil {
							checkFonts(src, rd, p, seen, problem, 0)
						}
					}
				}
			}
		}
	}
	if pages, ok := root.Find("Pages"); ok {
		walk(pages, nil, 0)
	} else {
		problem("the catalog has no /Pages")
	}
	return problems
}

func checkPDFA(d docParts, rep *Report, pageProblems []string) {
	src := d.src
	var xmp []byte
	if o, ok := d.root.Find("Metadata"); ok {
		xmp, _ = src.Stream(o, 16<<20)
	}
	if xmp == nil {
		return // no claim
	}
	if m := reXMPPart.FindSubmatch(xmp); m != nil {
		rep.PDFAPart, _ = strconv.Atoi(string(m[1]))
	}
	if m := reXMPConf.FindSubmatch(xmp); m != nil {
		rep.PDFAConformance = strings.ToUpper(string(m[1]))
	}
	if rep.PDFAPart == 0 {
		return
	}
	problem := func(format string, args ...any) {
		rep.PDFAProblems = append(rep.PDFAProblems, fmt.Sprintf(format, args...))
	}
	if rep.PDFAConformance == "" {
		problem("XMP has pdfaid:part but no pdfaid:conformance")
	}
	if rep.Encrypted {
		problem("the file is encrypted")
	}
	if !d.idOK {
		problem("the trailer has no /ID")
	}
	if v, err := strconv.ParseFloat(rep.Version, 64); err == nil && rep.PDFAPart == 1 && v > 1.4 {
		problem("PDF/A-1 file with header version %s (want 1.4 or lower)", rep.Version)
	}

	// Info and XMP must agree.
	infoText := func(k string) (string, bool) {
		if d.info == nil {
			return "", false
		}
		o, ok := d.info.Find(k)
		if !ok {
			return "", false
		}
		s, err := textOf(src, o)
		return s, err == nil
	}
	for _, dd := range []struct{ info, xmp string }{{"CreationDate", "xmp:CreateDate"}, {"ModDate", "xmp:ModifyDate"}} {
		is, ok := infoText(dd.info)
		if !ok {
			continue
		}
		it, ok1 := types.DateTime(is, true)
		xs := xmpValue(xmp, dd.xmp)
		xv, err := time.Parse(time.RFC3339, xs)
		switch {
		case !ok1:
			problem("Info /%s %q is not a PDF date", dd.info, is)
		case xs == "":
			problem("Info /%s is set but XMP %s is missing", dd.info, dd.xmp)
		case err != nil:
			problem("XMP %s %q is not an ISO 8601 date", dd.xmp, xs)
		case !it.Equal(xv):
			problem("Info /%s (%s) and XMP %s (%s) differ", dd.info, it.Format(time.RFC3339), dd.xmp, xv.Format(time.RFC3339))
		}
	}
	for _, dd := range []struct{ info, xmp string }{{"Producer", "pdf:Producer"}, {"Title", "dc:title"}, {"Creator", "xmp:CreatorTool"}} {
		is, ok := infoText(dd.info)
		if !ok || is == "" {
			continue
		}
		if xs := xmpValue(xmp, dd.xmp); xs != is {
			problem("Info /%s %q and XMP %s %q differ", dd.info, is, dd.xmp, xs)
		}
	}

	// Output intent with an ICC profile.
	hasIntent := false
	intents, _ := arrayOf(src, d.root["OutputIntents"])
	for _, it := range intents {
		if id, err := dictOf(src, it); err == nil {
			if _, ok := id.Find("DestOutputProfile"); ok {
				hasIntent = true
			}
		}
	}
	if !hasIntent {
		problem("no OutputIntent with an ICC profile (DestOutputProfile)")
	}
	rep.PDFAProblems = append(rep.PDFAProblems, pageProblems...)
}

// checkFonts reports fonts without an embedded program in res, recursing into form XObjects.
func checkFonts(src pdfObjects, res types.Dict, page int, seen map[string]bool, problem func(string, ...any), depth int) {
	if depth > 8 {
		return
	}
	fd, _ := dictOf(src, res["Font"])
	for name, f := range fd {
		if ir, ok := f.(types.IndirectRef); ok {
			if seen["f"+ir.String()] {
				continue
			}
			seen["f"+ir.String()] = true
		}
		d, err := dictOf(src, f)
		if err != nil {
			continue
		}
		if !fontEmbedded(src, d) {
			problem("page %d: font %s (%s) is not embedded", page, name, nameOf(src, d, "BaseFont"))
		}
	}
	xd, _ := dictOf(src, res["XObject"])
	for _, x := range xd {
		if ir, ok := x.(types.IndirectRef); ok {
			if seen["x"+ir.String()] {
				continue
			}
			seen["x"+ir.String()] = true
		}
		sd, err := dictOf(src, x)
		if err != nil || nameOf(src, sd, "Subtype") != "Form" {
			continue
		}
		if rd, err := dictOf(src, sd["Resources"]); err == nil {
			checkFonts(src, rd, page, seen, problem, depth+1)
		}
	}
}

func fontEmbedded(src pdfObjects, d types.Dict) bool {
	switch nameOf(src, d, "Subtype") {
	case "Type3":
		return true
	case "Type0":
		arr, err := arrayOf(src, d["DescendantFonts"])
		if err != nil || len(arr) == 0 {
			return false
		}
		if d, err = dictOf(src, arr[0]); err != nil {
			return false
		}
	}
	fd, err := dictOf(src, d["FontDescriptor"])
	if err != nil {
		return false
	}
	for _, k := range []string{"FontFile", "FontFile2", "FontFile3"} {
		if _, ok := fd.Find(k); ok {
			return true
		}
	}
	return false
}

type sigField struct {
	name string
	v    types.Dict
}

// sigFields walks the AcroForm field tree for signature fields with a value.
func sigFields(src pdfObjects, root types.Dict) []sigField {
	acro, err := dictOf(src, root["AcroForm"])
	if err != nil {
		return nil
	}
	arr, _ := arrayOf(src, acro["Fields"])
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
			d, err := dictOf(src, o)
			if err != nil {
				continue
			}
			name := prefix
			if t, ok := d.Find("T"); ok {
				if s, err := textOf(src, t); err == nil {
					if name != "" {
						name += "."
					}
					name += s
				}
			}
			fType := ft
			if n := nameOf(src, d, "FT"); n != "" {
				fType = n
			}
			if ka, err := arrayOf(src, d["Kids"]); err == nil {
				walk(ka, name, fType, depth+1)
			}
			if fType != "Sig" {
				continue
			}
			if vd, err := dictOf(src, d["V"]); err == nil {
				out = append(out, sigField{name: name, v: vd})
			}
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

// signedBytes checks a /ByteRange and returns a reader over the bytes it
// covers, so that digests stream through without holding the file.
func signedBytes(r io.ReaderAt, size int64, br []int64) (func() io.Reader, error) {
	if len(br) != 4 {
		return nil, fmt.Errorf("/ByteRange has %d numbers, want 4", len(br))
	}
	var total int64
	for i := 0; i < 4; i += 2 {
		off, n := br[i], br[i+1]
		if off < 0 || n < 0 || off > size || n > size-off {
			return nil, fmt.Errorf("/ByteRange %v lies outside the file (%d bytes)", br, size)
		}
		total += n
	}
	if br[0] != 0 || br[2] < br[0]+br[1] {
		return nil, fmt.Errorf("/ByteRange %v does not start at 0 or overlaps itself", br)
	}
	if total > maxVerifyRange {
		return nil, fmt.Errorf("/ByteRange covers %d bytes, too many", total)
	}
	return func() io.Reader {
		return io.MultiReader(io.NewSectionReader(r, br[0], br[1]), io.NewSectionReader(r, br[2], br[3]))
	}, nil
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

func hashName(h crypto.Hash) string {
	switch h {
	case crypto.SHA1:
		return "SHA-1"
	case crypto.SHA256:
		return "SHA-256"
	case crypto.SHA384:
		return "SHA-384"
	case crypto.SHA512:
		return "SHA-512"
	}
	return h.String()
}

func checkSignature(src pdfObjects, f sigField, r io.ReaderAt, size int64, eofs []int64, roots *x509.CertPool) (s SignatureReport) {
	s.Field = f.name
	s.SubFilter = nameOf(src, f.v, "SubFilter")
	if o, ok := f.v.Find("Name"); ok {
		s.Name, _ = textOf(src, o)
	}
	if o, ok := f.v.Find("M"); ok {
		if ms, err := textOf(src, o); err == nil {
			if t, ok := types.DateTime(ms, true); ok {
				s.Time = &t
			}
		}
	}
	fail := func(format string, args ...any) SignatureReport {
		s.Intact = false
		s.IntactError = fmt.Sprintf(format, args...)
		return s
	}
	bro, ok := f.v.Find("ByteRange")
	if !ok {
		return fail("no /ByteRange")
	}
	bra, err := arrayOf(src, bro)
	if err != nil {
		return fail("bad /ByteRange: %v", err)
	}
	for _, x := range bra {
		n, err := numberOf(src, x)
		if err != nil {
			return fail("bad /ByteRange: %v", err)
		}
		s.ByteRange = append(s.ByteRange, int64(n))
	}
	if len(s.ByteRange) == 4 {
		end := s.ByteRange[2] + s.ByteRange[3]
		s.CoversWholeDocument = end == size
		for i, e := range eofs {
			if e <= end {
				s.Revision = i + 1
			}
		}
	}
	co, ok := f.v.Find("Contents")
	if !ok {
		return fail("no /Contents")
	}
	co, err = src.Resolve(co)
	if err != nil {
		return fail("bad /Contents: %v", err)
	}
	cms, err := stringBytes(co)
	if err != nil {
		return fail("bad /Contents: %v", err)
	}
	data, err := signedBytes(r, size, s.ByteRange)
	if err != nil {
		return fail("%v", err)
	}
	// /Contents must be exactly the gap between the two ranges.
	if s.ByteRange[1] != s.ByteRange[2] {
		gap := make([]byte, s.ByteRange[2]-s.ByteRange[1])
		if _, err := r.ReadAt(gap, s.ByteRange[1]); err == nil && (len(gap) < 2 || gap[0] != '<' || gap[len(gap)-1] != '>') {
			return fail("/ByteRange gap is not the /Contents hex string")
		}
	}
	cms = trimDER(cms)

	if s.SubFilter == "ETSI.RFC3161" {
		ts, err := timestamp.Parse(cms)
		if err != nil {
			return fail("document timestamp: %v", err)
		}
		s.Timestamp = &TimestampReport{Time: ts.Time, TSA: tsaName(ts), Valid: true}
		s.Digest = hashName(ts.HashAlgorithm)
		if !ts.HashAlgorithm.Available() {
			return fail("document timestamp: hash %v unavailable", ts.HashAlgorithm)
		}
		sum, err := digestOf(ts.HashAlgorithm, data())
		if err != nil {
			return fail("read signed bytes: %v", err)
		}
		if !bytes.Equal(sum, ts.HashedMessage) {
			s.Timestamp.Valid = false
			return fail("document timestamp does not match the signed bytes")
		}
		s.Intact = true
		if len(ts.Certificates) > 0 {
			s.Signer, s.Subject, s.Issuer = ts.Certificates[0].Subject.CommonName, ts.Certificates[0].Subject.String(), ts.Certificates[0].Issuer.String()
			judgeTrust(&s, ts.Certificates[0], ts.Certificates, roots, ts.Time)
		}
		return s
	}

	p7, err := parsePKCS7(cms)
	if err != nil {
		return fail("CMS: %v", err)
	}
	if len(p7.Signers) != 1 {
		return fail("CMS has %d signers, want 1", len(p7.Signers))
	}
	si := p7.Signers[0]
	hash, ok := hashByOID[si.DigestAlgorithm.Algorithm.String()]
	if !ok {
		return fail("unsupported digest algorithm %v", si.DigestAlgorithm.Algorithm)
	}
	s.Digest = hashName(hash)
	var ee *x509.Certificate
	for _, c := range p7.Certificates {
		if c.SerialNumber.Cmp(si.IssuerAndSerialNumber.SerialNumber) == 0 && bytes.Equal(c.RawIssuer, si.IssuerAndSerialNumber.IssuerName.FullBytes) {
			ee = c
		}
	}
	if ee == nil {
		return fail("the signer's certificate is not in the CMS")
	}
	s.Signer, s.Subject, s.Issuer = ee.Subject.CommonName, ee.Subject.String(), ee.Issuer.String()

	// What the signer's message digest covers.
	content := data()
	if s.SubFilter == "adbe.pkcs7.sha1" {
		sum, err := digestOf(crypto.SHA1, content)
		if err != nil {
			return fail("read signed bytes: %v", err)
		}
		if !bytes.Equal(sum, p7.Content) {
			return fail("document digest differs from the signed SHA-1 (adbe.pkcs7.sha1)")
		}
		content = bytes.NewReader(p7.Content)
	}
	contentDigest, err := digestOf(hash, content)
	if err != nil {
		return fail("read signed bytes: %v", err)
	}

	var signedMsgDigest []byte
	var signedBytes []byte
	if len(si.AuthenticatedAttributes) > 0 {
		var md []byte
		var attrs [][]byte
		for _, a := range si.AuthenticatedAttributes {
			if a.Type.Equal(oidMessageDigest) {
				if _, err := asn1.Unmarshal(a.Value.Bytes, &md); err != nil {
					return fail("bad message-digest attribute: %v", err)
				}
			}
			if a.Type.Equal(oidSigningTime) {
				var t time.Time
				if _, err := asn1.Unmarshal(a.Value.Bytes, &t); err == nil {
					s.SigningTime = &t
				}
			}
			attrs = append(attrs, seq(mustMarshal(a.Type), a.Value.FullBytes))
		}
		if !bytes.Equal(md, contentDigest) {
			return fail("the document was changed after signing (digest mismatch)")
		}
		signedBytes = derSet(0x31, attrs)
		h2 := hash.New()
		h2.Write(signedBytes)
		signedMsgDigest = h2.Sum(nil)
		// A signer that did not sort its attributes signed them in its own order.
		if err := checkHashedSig(ee.PublicKey, hash, signedMsgDigest, si.EncryptedDigest, si.DigestEncryptionAlgorithm.Algorithm); err != nil {
			h3 := hash.New()
			h3.Write(tlv(0x31, attrs...))
			if err2 := checkHashedSig(ee.PublicKey, hash, h3.Sum(nil), si.EncryptedDigest, si.DigestEncryptionAlgorithm.Algorithm); err2 != nil {
				return fail("CMS signature invalid: %v", err)
			}
		}
	} else if err := checkHashedSig(ee.PublicKey, hash, contentDigest, si.EncryptedDigest, si.DigestEncryptionAlgorithm.Algorithm); err != nil {
		return fail("the document was changed after signing or the signature is invalid: %v", err)
	}
	s.Intact = true

	at := time.Now()
	if s.Time != nil {
		at = *s.Time
	}
	if s.SigningTime != nil {
		at = *s.SigningTime
	}
	for _, a := range si.UnauthenticatedAttributes {
		if !a.Type.Equal(oidTimeStampToken) {
			continue
		}
		tr := &TimestampReport{}
		s.Timestamp = tr
		ts, err := timestamp.Parse(a.Value.Bytes)
		if err != nil {
			tr.Error = err.Error()
			break
		}
		tr.Time, tr.TSA = ts.Time, tsaName(ts)
		th := ts.HashAlgorithm.New()
		th.Write(si.EncryptedDigest)
		if !bytes.Equal(th.Sum(nil), ts.HashedMessage) {
			tr.Error = "the timestamp is not over this signature"
			break
		}
		tr.Valid = true
		at = ts.Time
	}
	judgeTrust(&s, ee, p7.Certificates, roots, at)
	return s
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

// parsePKCS7 parses CMS SignedData (BER or DER) without panicking.
func parsePKCS7(b []byte) (p7 *pkcs7.PKCS7, err error) {
	defer func() {
		if p := recover(); p != nil {
			p7, err = nil, fmt.Errorf("malformed CMS (%v)", p)
		}
	}()
	return pkcs7.Parse(b)
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
