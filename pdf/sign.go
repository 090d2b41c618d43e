package pdf

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"golang.org/x/image/font/sfnt"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/sohoa/sohoa/pdf/pdfread"
)

// Environment variables that may carry secrets instead of files.
const (
	EnvSignPass  = "SOHOA_SIGN_PASS"
	EnvPKCS11PIN = "SOHOA_PKCS11_PIN"
)

// MaxSignerName bounds the signer's name on the visible mark, in
// characters: the mark is drawn one glyph per distinct character and sized
// to its text, so a long name (from --signer-name or a certificate's CN)
// would make a mark wider than the page. Vietnamese full names with a
// title and unit fit well within it.
const MaxSignerName = 80

// checkSignerName refuses a name the visible mark cannot show as written.
func checkSignerName(name string) error {
	if !utf8.ValidString(name) {
		return errors.New("pdf: the signer name is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(name); n > MaxSignerName {
		return fmt.Errorf("pdf: the signer name has %d characters, at most %d fit the visible mark (set a shorter one with --signer-name)", n, MaxSignerName)
	}
	if i := strings.IndexFunc(name, unicode.IsControl); i >= 0 {
		return fmt.Errorf("pdf: the signer name has a control character at byte %d", i)
	}
	return nil
}

// vnZone is the time zone of the visible mark and /M (ICT, UTC+7).
var vnZone = time.FixedZone("+07", 7*3600)

func (c *SignerConfig) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.P12File, "sign-p12", c.P12File, "PKCS#12 file with the signing key and certificate")
	fs.StringVar(&c.PassFile, "sign-pass-file", c.PassFile, "file holding the PKCS#12 password (or env "+EnvSignPass+")")
	fs.StringVar(&c.PKCS11Module, "sign-pkcs11", c.PKCS11Module, "PKCS#11 module (.so) of the signing token")
	fs.StringVar(&c.PKCS11Token, "sign-pkcs11-token", c.PKCS11Token, "PKCS#11 token label")
	fs.StringVar(&c.PKCS11PINFile, "sign-pkcs11-pin-file", c.PKCS11PINFile, "file holding the token PIN (or env "+EnvPKCS11PIN+")")
	fs.StringVar(&c.PKCS11Key, "sign-pkcs11-key", c.PKCS11Key, "label of the key (and certificate) on the token")
	fs.StringVar(&c.CertFile, "sign-cert", c.CertFile, "PEM certificate chain of the PKCS#11 key, if the token holds no certificate")
	fs.StringVar(&c.Name, "signer-name", c.Name, "signer's name on the visible mark (default: the certificate's CN)")
	fs.StringVar(&c.TSAURL, "tsa", c.TSAURL, "RFC 3161 timestamp authority URL (PAdES B-T)")
	fs.StringVar(&c.FontFile, "sign-font", c.FontFile, "TrueType font for the visible mark")
}

// signer is the state behind Signer.
type signer struct {
	key      crypto.Signer
	chain    []*x509.Certificate
	name     string
	tsaURL   string
	font     *sfnt.Font
	client   *http.Client
	closeFn  func() error
	closedMu sync.Once
	now      func() time.Time
	legacy   bool // tests: write adbe.pkcs7.detached with SHA-1, as older tools do
	docTS    bool // tests: write a document timestamp (ETSI.RFC3161) from the TSA instead of a signature
	certify  bool // tests: a certification signature (DocMDP P=1: no change allowed after it)
}

func readSecret(file, env, what string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("pdf: read %s file: %w", what, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if v, ok := os.LookupEnv(env); ok {
		return v, nil
	}
	return "", fmt.Errorf("pdf: no %s: give a file or set %s", what, env)
}

func (c SignerConfig) open(ctx context.Context) (*Signer, error) {
	s := &Signer{signer{tsaURL: c.TSAURL, client: &http.Client{Timeout: 30 * time.Second}, now: time.Now}}
	switch {
	case c.P12File != "" && c.PKCS11Module != "":
		return nil, errors.New("pdf: give either a PKCS#12 file or a PKCS#11 module, not both")
	case c.P12File != "":
		data, err := os.ReadFile(c.P12File)
		if err != nil {
			return nil, fmt.Errorf("pdf: read PKCS#12: %w", err)
		}
		pass, err := readSecret(c.PassFile, EnvSignPass, "PKCS#12 password")
		if err != nil {
			return nil, err
		}
		key, cert, cas, err := pkcs12.DecodeChain(data, pass)
		if err != nil {
			return nil, fmt.Errorf("pdf: open PKCS#12 %s: %w", c.P12File, err)
		}
		k, ok := key.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("pdf: PKCS#12 key of type %T cannot sign", key)
		}
		s.key, s.chain = k, append([]*x509.Certificate{cert}, cas...)
	case c.PKCS11Module != "":
		if c.PKCS11Token == "" {
			return nil, errors.New("pdf: PKCS#11 needs the token label (--sign-pkcs11-token)")
		}
		pin, err := readSecret(c.PKCS11PINFile, EnvPKCS11PIN, "token PIN")
		if err != nil {
			return nil, err
		}
		if err := c.openPKCS11(&s.signer, pin); err != nil {
			return nil, err
		}
	default:
		return nil, errors.New("pdf: no signing key configured")
	}
	if !publicKeysEqual(s.key.Public(), s.chain[0].PublicKey) {
		s.close()
		return nil, errors.New("pdf: the certificate does not belong to the signing key")
	}
	s.name = c.Name
	if s.name == "" {
		s.name = s.chain[0].Subject.CommonName
	}
	if err := checkSignerName(s.name); err != nil {
		s.close()
		return nil, err
	}
	f, err := loadMarkFont(c.FontFile)
	if err != nil {
		s.close()
		return nil, err
	}
	s.font = f
	return s, nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	ea, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && ea.Equal(b)
}

func readCertChain(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		blk, data = pem.Decode(data)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no PEM certificate", path)
	}
	return out, nil
}

func (s *signer) close() error {
	var err error
	s.closedMu.Do(func() {
		if s.closeFn != nil {
			err = s.closeFn()
		}
	})
	return err
}

// Certificate returns the signing certificate.
func (s *Signer) Certificate() *x509.Certificate { return s.chain[0] }

// Chain returns the signing certificate and the CA certificates that came
// with the key, signer first.
func (s *Signer) Chain() []*x509.Certificate { return append([]*x509.Certificate(nil), s.chain...) }

// sign appends the signature as an incremental update: a Type 3 font and an
// appearance stream for the visible mark, the signature dictionary, a widget,
// and new versions of page 1 (with the widget in /Annots) and the catalog
// (with /AcroForm, /SigFlags 3). Then it fills /ByteRange and /Contents in place.
func (s *signer) sign(ctx context.Context, f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("pdf: sign: %w", err)
	}
	orig := st.Size()
	if err := s.appendSignature(ctx, f, orig); err != nil {
		// Leave the file as it was (e.g. the TSA was unreachable), so that a
		// retry signs a clean document.
		if terr := f.Truncate(orig); terr != nil {
			return fmt.Errorf("%w (and restoring the file failed: %v)", err, terr)
		}
		return err
	}
	return nil
}

func (s *signer) appendSignature(ctx context.Context, f *os.File, size int64) error {
	var certLen int
	for _, c := range s.chain {
		certLen += len(c.Raw)
	}
	spec := sigSpec{font: s.font, name: s.name, when: s.now(), reserve: certLen + 2048,
		legacy: s.legacy, certify: s.certify, docTS: s.docTS}
	if s.tsaURL != "" {
		spec.reserve += 12 << 10
	}
	ph, err := writePlaceholder(f, size, spec)
	if err != nil {
		return err
	}
	var cms []byte
	if s.docTS {
		cms, err = fetchTimestamp(ctx, s.tsaURL, ph.MessageDigest, s.client)
	} else {
		cms, err = signCMS(ctx, ph.MessageDigest, s.key, s.chain, s.tsaURL, s.client, s.legacy, ph.When)
	}
	if err != nil {
		return err
	}
	return fillContents(f, ph, cms)
}

// sigSpec says what signature field writePlaceholder appends.
type sigSpec struct {
	font        *sfnt.Font
	name, title string
	when        time.Time
	reserve     int // bytes of CMS the /Contents can hold
	legacy      bool
	certify     bool
	docTS       bool
	validation  ValidationData
	attachment  *Attachment
}

// writePlaceholder appends, as an incremental update, a Type 3 font and an
// appearance stream for the visible mark, the signature dictionary with
// /Contents reserved (zeros), a widget, and new versions of page 1 (with
// the widget in /Annots) and the catalog (with /AcroForm, /SigFlags 3).
// It fills /ByteRange in place and returns the digest of the bytes it
// covers; fillContents writes the CMS later, which a desk signer may
// make hours after.
func writePlaceholder(f *os.File, size int64, spec sigSpec) (*Placeholder, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("pdf: sign: %w", err)
	}
	t, err := readTarget(f, size)
	if err != nil {
		return nil, fmt.Errorf("pdf: sign: read: %w", err)
	}
	prev, err := pdfread.StartXref(f, size)
	if err != nil {
		return nil, fmt.Errorf("pdf: sign: %w", err)
	}
	mb := t.mediaBox
	if mb == nil {
		mb = types.RectForDim(595, 842)
	}
	fields := append(types.Array(nil), t.fields...)
	annots := append(types.Array(nil), t.annots...)
	acro := t.acro
	pageDict, pageRef := t.page, &t.pageRef

	when := spec.when.In(vnZone).Truncate(time.Second)
	lines := markLines(spec.name, spec.title, when)
	t3, err := newType3Font(spec.font, strings.Join(lines, "\n"))
	if err != nil {
		return nil, err
	}
	ap, w, h := markAppearance(t3, lines, 9)
	const margin = 18
	rect := fmt.Sprintf("[%s %s %s %s]", num(mb.LL.X+margin), num(mb.UR.Y-margin-h), num(mb.LL.X+margin+w), num(mb.UR.Y-margin))
	reserve := spec.reserve

	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		return nil, fmt.Errorf("pdf: sign: %w", err)
	}
	lastByte := make([]byte, 1)
	if _, err := f.ReadAt(lastByte, size-1); err != nil {
		return nil, fmt.Errorf("pdf: sign: %w", err)
	}
	if lastByte[0] != '\n' && lastByte[0] != '\r' {
		if _, err := f.Write([]byte("\n")); err != nil {
			return nil, fmt.Errorf("pdf: sign: %w", err)
		}
		size++
	}
	o := newObjWriter(f, size, t.size)
	fontID := t3.write(o)
	apID, sigID, widgetID := o.alloc(), o.alloc(), o.alloc()
	o.flateStream(apID, fmt.Sprintf(" /Type /XObject /Subtype /Form /BBox [0 0 %s %s] /Resources <</Font <</M1 %s>>>>", num(w), num(h), ref(fontID)), ap)

	// Signature dictionary with placeholders patched after writing.
	o.offsets[sigID] = o.pos()
	subFilter := "ETSI.CAdES.detached"
	if spec.legacy {
		subFilter = "adbe.pkcs7.detached"
	}
	head := fmt.Sprintf("%d 0 obj\n<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /%s /M %s /Name %s /ByteRange ", sigID, subFilter, pdfDate(when), pdfText(spec.name))
	if spec.certify {
		head = strings.Replace(head, "/ByteRange ", "/Reference [<</Type /SigRef /TransformMethod /DocMDP /TransformParams <</Type /TransformParams /P 1 /V /1.2>>>>] /ByteRange ", 1)
	}
	if spec.docTS {
		head = fmt.Sprintf("%d 0 obj\n<</Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange ", sigID)
	}
	brOff := o.pos() + int64(len(head))
	const brWidth = 40
	o.printf("%s[%s]\n/Contents ", head, strings.Repeat(" ", brWidth))
	contStart := o.pos()
	o.printf("<%s>>>\nendobj\n", strings.Repeat("0", 2*reserve))
	contEnd := contStart + int64(2*reserve) + 2

	fieldName := fmt.Sprintf("Signature%d", len(fields)+1)
	o.obj(widgetID, fmt.Sprintf("<</Type /Annot /Subtype /Widget /FT /Sig /T (%s) /V %s /P %s /Rect %s /F 4 /AP <</N %s>>>>",
		fieldName, ref(sigID), pageRef.PDFString(), rect, ref(apID)))

	page := pageDict.Clone().(types.Dict)
	page["Annots"] = append(annots, *types.NewIndirectRef(widgetID, 0))
	o.objGen(pageRef.ObjectNumber.Value(), pageRef.GenerationNumber.Value(), page.PDFString())

	acro["Fields"] = append(fields, *types.NewIndirectRef(widgetID, 0))
	acro["SigFlags"] = types.Integer(3)
	delete(acro, "NeedAppearances") // forbidden by PDF/A
	cat := t.root.Clone().(types.Dict)
	cat["AcroForm"] = acro
	if v := spec.validation; len(v.OCSP)+len(v.CRLs) > 0 {
		dss := types.Dict{}
		for _, part := range []struct {
			key  string
			ders [][]byte
		}{{"OCSPs", v.OCSP}, {"CRLs", v.CRLs}} {
			var refs types.Array
			for _, der := range part.ders {
				id := o.alloc()
				o.flateStream(id, "", der)
				refs = append(refs, *types.NewIndirectRef(id, 0))
			}
			if refs != nil {
				dss[part.key] = refs
			}
		}
		cat["DSS"] = dss
	}
	if spec.attachment != nil {
		if err := writeAttachment(o, t, cat, spec.attachment); err != nil {
			return nil, err
		}
	}
	if spec.certify {
		cat["Perms"] = types.Dict{"DocMDP": *types.NewIndirectRef(sigID, 0)}
	}
	o.objGen(t.rootRef.ObjectNumber.Value(), t.rootRef.GenerationNumber.Value(), cat.PDFString())

	trailer := fmt.Sprintf("/Size %d /Root %s /Prev %d", o.next, t.rootRef.PDFString(), prev)
	if t.info != nil {
		trailer += " /Info " + t.info.PDFString()
	}
	if len(t.id) == 2 {
		trailer += " /ID " + t.id.PDFString()
	}
	if err := o.xref(o.next, trailer); err != nil {
		return nil, fmt.Errorf("pdf: sign: write: %w", err)
	}
	end := o.pos()

	br := fmt.Sprintf("[0 %d %d %d]", contStart, contEnd, end-contEnd)
	br += strings.Repeat(" ", brWidth+2-len(br))
	if _, err := f.WriteAt([]byte(br), brOff); err != nil {
		return nil, fmt.Errorf("pdf: sign: %w", err)
	}
	hsh := sha256.New()
	if spec.legacy {
		hsh = sha1.New()
	}
	if _, err := io.Copy(hsh, io.NewSectionReader(f, 0, contStart)); err != nil {
		return nil, fmt.Errorf("pdf: sign: %w", err)
	}
	if _, err := io.Copy(hsh, io.NewSectionReader(f, contEnd, end-contEnd)); err != nil {
		return nil, fmt.Errorf("pdf: sign: %w", err)
	}
	return &Placeholder{MessageDigest: hsh.Sum(nil), ContentsOffset: contStart, Reserved: reserve, Size: end, When: when}, nil
}

// fillContents writes cms into the reserved /Contents of ph.
func fillContents(f *os.File, ph *Placeholder, cms []byte) error {
	if len(cms) > ph.Reserved {
		return fmt.Errorf("pdf: sign: signature of %d bytes exceeds the %d reserved", len(cms), ph.Reserved)
	}
	hx := bytes.ToUpper([]byte(hex.EncodeToString(cms)))
	if _, err := f.WriteAt(hx, ph.ContentsOffset+1); err != nil {
		return fmt.Errorf("pdf: sign: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("pdf: sign: %w", err)
	}
	return nil
}
