package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/sohoa/sohoa/ingest/dossier"
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
	next   int                       // next page to start
	onPage func(i int, r ocr.Result) // each page handed to the writer, in order
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
			r := s.refs[i]
			return pdf.Page{}, &userError{
				vi:  fmt.Sprintf("%s trang %d: %s", r.file, r.page, ui{}.errText(d.err)),
				en:  fmt.Sprintf("%s page %d: %s", r.file, r.page, ui{english: true}.errText(d.err)),
				err: d.err}
		}
		if s.onPage != nil {
			s.onPage(i, d.page.Result)
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
	force := fl.Bool("force", false, e.ui.t("ghi đè tệp -o nếu đã có", "overwrite the -o file if it exists"))
	level := fl.String("pdfa", "2b", e.ui.t("mức PDF/A: 2b, 1b hoặc 3b (3b đính kèm kết quả OCR dạng JSON)", "PDF/A level: 2b, 1b or 3b (3b attaches the OCR result as JSON)"))
	lang := fl.String("lang", "vie", e.ui.t("ngôn ngữ Tesseract, ví dụ vie+eng", "Tesseract languages, e.g. vie+eng"))
	quality := fl.Int("jpeg-quality", 0, e.ui.t("chất lượng JPEG của trang màu/xám (mặc định: 75)", "JPEG quality of colour/grey pages (default: 75)"))
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
	localizeFlags(fl, e.ui)
	files, err := parseInterspersed(fl, args)
	if err != nil {
		return err
	}
	if *out == "" {
		return usageError{e.ui.t("thiếu -o RA.pdf", "missing -o OUT.pdf")}
	}
	if len(files) == 0 {
		return usageError{e.ui.t("thiếu tệp ảnh quét", "no scanned image file given")}
	}
	conf := pdf.Conformance(strings.ToLower(*level))
	switch conf {
	case pdf.PDFA1B, pdf.PDFA2B, pdf.PDFA3B:
	default:
		return usageError{e.ui.t("--pdfa phải là 1b, 2b hoặc 3b", "--pdfa must be 1b, 2b or 3b")}
	}
	// The codes a server accepts, and no others: one validator for both.
	if m.DossierCode != "" {
		d, err := dossier.ParseCode(m.DossierCode)
		if err != nil {
			return usageError{"--dossier: " + e.ui.errText(err)}
		}
		if m.AgencyCode == "" {
			m.AgencyCode = d.Agency
		}
	}
	if m.ResultCode != "" && !validResultCode(m.ResultCode, m.DossierCode) {
		return usageError{e.ui.t("--result-code phải có dạng <mã hồ sơ>-KQ<số>, cùng mã hồ sơ với --dossier",
			"--result-code must read <dossier code>-KQ<number>, with the dossier code of --dossier")}
	}
	// Everything that can fail without OCR fails before it: the output
	// path, the language model, the signing key.
	if err := checkOutput(*out, *force, e.ui); err != nil {
		return err
	}
	if err := ocr.CheckModels(*lang); err != nil {
		return err
	}
	m.Language = pdfLanguage(*lang)
	m.Created = time.Now()

	var signer *pdf.Signer
	if sc.Enabled() {
		s, err := openSigner(ctx, sc, e.ui)
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
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		info, err := ocr.Inspect(ctx, filepath.Base(name), data, ocr.Limits{})
		if err != nil {
			return &userError{vi: name + ": " + e.ui.errText(err), en: name + ": " + ui{english: true}.errText(err), err: err}
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
	bar := e.progress("OCR", len(refs))
	defer bar.clear()
	var review []reviewPage
	src := &ocrPages{ctx: ctx, pool: pool, refs: refs, window: n, done: make([]chan ocrDone, len(refs)),
		onPage: func(i int, r ocr.Result) {
			bar.add(1)
			if r.NeedsReview {
				review = append(review, reviewPage{index: i + 1, file: refs[i].file, page: refs[i].page, res: r})
			}
		}}

	err = writeOutput(*out, *force, e.ui, func(f *os.File) error {
		if err := pdf.Assemble(ctx, f, src, pdf.AssembleOptions{Conformance: conf, Metadata: m}); err != nil {
			return err
		}
		if signer == nil {
			return nil
		}
		bar.status(e.ui.t("đang ký số", "signing"))
		return signer.Sign(ctx, f)
	})
	if err != nil {
		return err
	}
	bar.clear()
	what := fmt.Sprintf("%s (PDF/A-%s, %s)", *out, conf, e.ui.pages(len(refs)))
	if signer == nil {
		fmt.Fprintf(e.stderr, e.ui.t("sohoa pdf: đã ghi %s — CHƯA KÝ SỐ: không có khóa ký (--sign-p12 hoặc --sign-pkcs11)\n",
			"sohoa pdf: wrote %s — NOT SIGNED: no signing key (--sign-p12 or --sign-pkcs11)\n"), what)
	} else {
		fmt.Fprintf(e.stderr, e.ui.t("sohoa pdf: đã ghi %s, ký bởi %s\n", "sohoa pdf: wrote %s, signed by %s\n"), what, signer.Certificate().Subject.CommonName)
	}
	printReview(e.stderr, e.ui, review, len(files) > 1 || len(refs) > 1)
	return nil
}

// reviewPage is a page the operator should look at before filing.
type reviewPage struct {
	index int // 1-based page of the document
	file  string
	page  int // 1-based page within file
	res   ocr.Result
}

// printReview lists the flagged pages where the operator reads the outcome.
func printReview(w io.Writer, u ui, pages []reviewPage, showSource bool) {
	if len(pages) == 0 {
		return
	}
	fmt.Fprintf(w, u.t("CẦN XEM LẠI %s:\n", "%s TO REVIEW:\n"), u.pages(len(pages)))
	for _, p := range pages {
		src := ""
		if showSource {
			src = fmt.Sprintf(" (%s %s %d)", p.file, u.t("trang", "page"), p.page)
		}
		fmt.Fprintf(w, "  %s %d%s: %s\n", u.t("trang", "page"), p.index, src, reviewReason(u, p.res.OrientationUnsure, p.res.Confidence, p.res.ReviewReasons, nil))
	}
}

// reviewReason says why a page was flagged: reasons are what the OCR saw
// (ocr.Reason*), fields the archival metadata read unsure on it. An
// unsure orientation comes first; then the text and the fields, both
// when both flagged the page.
func reviewReason(u ui, orientationUnsure bool, confidence float64, reasons, fields []string) string {
	if orientationUnsure {
		return fmt.Sprintf(u.t("không chắc hướng trang, đã giữ như khi quét (độ tin cậy %.0f%%)",
			"orientation unsure, kept as scanned (confidence %.0f%%)"), confidence)
	}
	en, vi := ocr.TextReviewNote(confidence, reasons)
	text := u.t(vi, en)
	if len(fields) == 0 {
		return text
	}
	unsure := u.t("thông tin văn bản đọc chưa chắc chắn, cần kiểm tra: ", "document metadata read unsure, to check: ") + strings.Join(fields, ", ")
	if ocr.TextReasons(reasons) {
		return text + " · " + unsure
	}
	return unsure
}

// validResultCode: <dossier code>-KQ<n>, of the given dossier when set.
func validResultCode(code, of string) bool {
	d, n, ok := dossier.ParseResultCode(code)
	if !ok || (of != "" && d != of) || dossier.ResultCode(d, n) != code {
		return false
	}
	_, err := dossier.ParseCode(d)
	return err == nil
}

// checkOutput refuses, before any work, an -o that is a folder, sits in
// no folder, or is an existing file (unless --force).
func checkOutput(out string, force bool, u ui) error {
	st, err := os.Stat(out)
	switch {
	case err == nil && st.IsDir():
		return usageError{fmt.Sprintf(u.t("-o %s là một thư mục: cần tên tệp, ví dụ %s", "-o %s is a folder: give a file name, e.g. %s"),
			out, filepath.Join(out, "ket-qua.pdf"))}
	case err == nil && !force:
		return &userError{
			vi: fmt.Sprintf("tệp %s đã có: không ghi đè (thêm --force để ghi đè, hoặc chọn tên khác)", out),
			en: fmt.Sprintf("%s already exists: not overwritten (add --force to overwrite, or choose another name)", out)}
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return err
	}
	dir := filepath.Dir(out)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return &userError{
			vi:  fmt.Sprintf("không có thư mục %s để ghi %s", dir, out),
			en:  fmt.Sprintf("no folder %s to write %s in", dir, out),
			err: err}
	}
	return nil
}

// writeOutput writes the file out through a temporary file beside it
// (mode 0644) that write fills, then placeOutput: an interrupted or failed
// run never leaves a partial file at out.
func writeOutput(out string, force bool, u ui, write func(f *os.File) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	err = tmp.Chmod(0o644)
	if err == nil {
		err = write(tmp)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return placeOutput(tmp.Name(), out, force, u)
}

// placeOutput moves the finished temporary file to out. Without --force a
// hard link puts it there only if out still does not exist (another
// program may have made it during the OCR); filesystems without hard
// links fall back to a rename after a last check.
func placeOutput(tmp, out string, force bool, u ui) error {
	if !force {
		err := os.Link(tmp, out)
		if err == nil {
			return os.Remove(tmp)
		}
		if errors.Is(err, fs.ErrExist) {
			return checkOutput(out, false, u)
		}
		if _, serr := os.Stat(out); serr == nil {
			return checkOutput(out, false, u)
		}
	}
	return os.Rename(tmp, out)
}

// openSigner opens the signing key, with the mistakes people make worded
// for them: no password given, both kinds of key, a PKCS#11 without a token.
func openSigner(ctx context.Context, sc pdf.SignerConfig, u ui) (*pdf.Signer, error) {
	switch {
	case sc.P12File != "" && sc.PKCS11Module != "":
		return nil, usageError{u.t("chỉ dùng một loại khóa: --sign-p12 hoặc --sign-pkcs11", "give one kind of key: --sign-p12 or --sign-pkcs11")}
	case sc.P12File != "" && sc.PassFile == "" && os.Getenv(pdf.EnvSignPass) == "":
		return nil, usageError{u.t("thiếu mật khẩu khóa ký số: --sign-pass-file TỆP (hoặc biến SOHOA_SIGN_PASS)",
			"the signing key's password is missing: --sign-pass-file FILE (or env SOHOA_SIGN_PASS)")}
	case sc.PKCS11Module != "" && sc.PKCS11Token == "":
		return nil, usageError{u.t("thiếu --sign-pkcs11-token (nhãn thiết bị ký số)", "--sign-pkcs11-token (the token label) is missing")}
	case sc.PKCS11Module != "" && sc.PKCS11PINFile == "" && os.Getenv(pdf.EnvPKCS11PIN) == "":
		return nil, usageError{u.t("thiếu mã PIN thiết bị ký số: --sign-pkcs11-pin-file TỆP (hoặc biến SOHOA_PKCS11_PIN)",
			"the token PIN is missing: --sign-pkcs11-pin-file FILE (or env SOHOA_PKCS11_PIN)")}
	}
	s, err := sc.Open(ctx)
	if err == nil {
		return s, nil
	}
	var pe *fs.PathError
	if errors.As(err, &pe) || errors.Is(err, pkcs12.ErrIncorrectPassword) || errors.Is(err, pkcs12.ErrDecryption) {
		return nil, err // errText words these
	}
	if sc.PKCS11Module != "" {
		return nil, &userError{
			vi:  "không mở được khóa ký số trên thiết bị PKCS#11 (kiểm tra nhãn thiết bị, mã PIN, nhãn khóa): " + err.Error(),
			en:  "cannot open the signing key on the PKCS#11 token (check the token label, PIN and key label): " + err.Error(),
			err: err}
	}
	return nil, &userError{
		vi:  "không mở được tệp khóa ký số " + sc.P12File + " (không phải tệp PKCS#12 hợp lệ?): " + err.Error(),
		en:  "cannot open the signing key file " + sc.P12File + " (not a valid PKCS#12 file?): " + err.Error(),
		err: err}
}
