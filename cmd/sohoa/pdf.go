package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/pdf"
)

// ocrPages is a pdf.PageSource that recognizes pages ahead of the writer,
// a few at a time, so that engines stay busy while memory stays bounded.
type ocrPages struct {
	ctx    context.Context
	pool   *ocr.Pool
	refs   []pageRef
	window int
	done   []chan ocrDone
	next   int // next page to start
}

type pageRef struct {
	file string
	data []byte
	page int
}

type ocrDone struct {
	page pdf.Page
	err  error
}

func (s *ocrPages) Len() int { return len(s.refs) }

func (s *ocrPages) start(i int) {
	ch := make(chan ocrDone, 1)
	s.done[i] = ch
	r := s.refs[i]
	go func() {
		res, img, err := s.pool.Recognize(s.ctx, ocr.Input{Name: r.file, Data: r.data, Page: r.page})
		ch <- ocrDone{pdf.Page{Image: img, Result: res}, err}
	}()
}

func (s *ocrPages) Page(ctx context.Context, i int) (pdf.Page, error) {
	for s.next < len(s.refs) && s.next <= i+s.window {
		s.start(s.next)
		s.next++
	}
	select {
	case d := <-s.done[i]:
		s.done[i] = nil
		if d.err != nil {
			return pdf.Page{}, fmt.Errorf("%s page %d: %w", s.refs[i].file, s.refs[i].page, d.err)
		}
		return d.page, nil
	case <-ctx.Done():
		return pdf.Page{}, ctx.Err()
	}
}

// pdfLanguage maps Tesseract languages to the BCP 47 tag of the text layer.
func pdfLanguage(tess string) string {
	first, _, _ := strings.Cut(tess, "+")
	switch first {
	case "vie":
		return "vi"
	case "eng":
		return "en"
	case "fra":
		return "fr"
	}
	return first
}

func runPDF(ctx context.Context, e *env, args []string) error {
	fl := e.flagSet("pdf", e.ui.t(
		"Cách dùng: sohoa pdf -o RA.pdf [--pdfa 2b|1b|3b] [--lang vie] [--dossier MÃ] [--title TÊN] [--sign-p12 TỆP --sign-pass-file TỆP | --sign-pkcs11 THƯ_VIỆN ...] [--signer-name TÊN] [--tsa URL] TỆP...",
		"Usage: sohoa pdf -o OUT.pdf [--pdfa 2b|1b|3b] [--lang vie] [--dossier CODE] [--title T] [--sign-p12 FILE --sign-pass-file FILE | --sign-pkcs11 MODULE ...] [--signer-name NAME] [--tsa URL] FILE..."))
	out := fl.String("o", "", e.ui.t("tệp PDF kết quả (bắt buộc)", "output PDF file (required)"))
	level := fl.String("pdfa", "2b", e.ui.t("mức PDF/A: 2b, 1b hoặc 3b (3b đính kèm kết quả OCR dạng JSON)", "PDF/A level: 2b, 1b or 3b (3b attaches the OCR result as JSON)"))
	lang := fl.String("lang", "vie", e.ui.t("ngôn ngữ Tesseract, ví dụ vie+eng", "Tesseract languages, e.g. vie+eng"))
	quality := fl.Int("jpeg-quality", 0, e.ui.t("chất lượng JPEG của trang màu/xám (mặc định 75)", "JPEG quality of colour/grey pages (default 75)"))
	engines := fl.Int("engines", 0, e.ui.t("số tiến trình nhận dạng (mặc định: số lõi CPU)", "recognition processes (default: CPU cores)"))
	var m pdf.Metadata
	fl.StringVar(&m.DossierCode, "dossier", "", e.ui.t("mã hồ sơ, ví dụ 000.00.31.H33-220804-0001", "dossier code, e.g. 000.00.31.H33-220804-0001"))
	fl.StringVar(&m.ResultCode, "result-code", "", e.ui.t("mã kết quả điện tử (<mã hồ sơ>-KQ<n>)", "electronic result code (<dossier code>-KQ<n>)"))
	fl.StringVar(&m.AgencyCode, "agency", "", e.ui.t("mã cơ quan tiếp nhận", "receiving agency code"))
	fl.StringVar(&m.Title, "title", "", e.ui.t("tên giấy tờ", "document title"))
	fl.StringVar(&m.DocumentType, "doc-type", "", e.ui.t("loại giấy tờ", "document type"))
	fl.StringVar(&m.Station, "station", "", e.ui.t("máy quét / quầy", "scanner station"))
	fl.StringVar(&m.Operator, "operator", "", e.ui.t("cán bộ số hóa", "official who scanned"))
	var sc pdf.SignerConfig
	sc.AddFlags(fl)
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{e.ui.t("thiếu -o RA.pdf", "missing -o OUT.pdf")}
	}
	if fl.NArg() == 0 {
		return usageError{e.ui.t("thiếu tệp ảnh quét", "no scanned image file given")}
	}
	conf := pdf.Conformance(strings.ToLower(*level))
	switch conf {
	case pdf.PDFA1B, pdf.PDFA2B, pdf.PDFA3B:
	default:
		return usageError{e.ui.t("--pdfa phải là 1b, 2b hoặc 3b", "--pdfa must be 1b, 2b or 3b")}
	}
	m.Language = pdfLanguage(*lang)
	m.Created = time.Now()

	// Open the key first: a wrong password should fail before minutes of OCR.
	var signer *pdf.Signer
	if sc.Enabled() {
		s, err := sc.Open(ctx)
		if err != nil {
			return err
		}
		defer s.Close()
		signer = s
		if m.Operator == "" {
			m.Operator = s.Certificate().Subject.CommonName // the official who scans signs
		}
	}

	var refs []pageRef
	for _, name := range fl.Args() {
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		info, err := ocr.Inspect(ctx, filepath.Base(name), data, ocr.Limits{})
		if err != nil {
			var ie *ocr.InputError
			if errors.As(err, &ie) {
				return fmt.Errorf("%s: %s", name, e.ui.t(ie.VI, ie.EN))
			}
			return fmt.Errorf("%s: %w", name, err)
		}
		for p := 1; p <= info.Pages; p++ {
			refs = append(refs, pageRef{file: name, data: data, page: p})
		}
	}
	n := *engines
	if n <= 0 {
		n = runtime.NumCPU()
	}
	pool := ocr.NewPool(ocr.Options{Languages: *lang, Engines: n, JPEGQuality: *quality, Logger: e.log})
	defer pool.Close()
	src := &ocrPages{ctx: ctx, pool: pool, refs: refs, window: n, done: make([]chan ocrDone, len(refs))}

	dir := filepath.Dir(*out)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(*out)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := pdf.Assemble(ctx, tmp, src, pdf.AssembleOptions{Conformance: conf, Metadata: m}); err != nil {
		tmp.Close()
		return err
	}
	if signer != nil {
		if err := signer.Sign(ctx, tmp); err != nil {
			tmp.Close()
			return err
		}
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return err
	}
	if signer == nil {
		fmt.Fprintf(e.stderr, e.ui.t("sohoa pdf: đã ghi %s (PDF/A-%s, %d trang) — CHƯA KÝ SỐ: không có khóa ký (--sign-p12 hoặc --sign-pkcs11)\n",
			"sohoa pdf: wrote %s (PDF/A-%s, %d pages) — NOT SIGNED: no signing key (--sign-p12 or --sign-pkcs11)\n"), *out, conf, len(refs))
	} else {
		fmt.Fprintf(e.stderr, e.ui.t("sohoa pdf: đã ghi %s (PDF/A-%s, %d trang), ký bởi %s\n",
			"sohoa pdf: wrote %s (PDF/A-%s, %d pages), signed by %s\n"), *out, conf, len(refs), signer.Certificate().Subject.CommonName)
	}
	return nil
}
