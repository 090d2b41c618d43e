package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/sohoa/sohoa/pdf"
)

// exitError ends a command with a given exit code after printing err.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }
func (e exitError) ExitCode() int { return e.code }

// runVerify checks a PDF. Exit codes: 0 good, 1 not good (a verdict that
// counts is a no), 2 the file could not be read (or a usage error).
func runVerify(ctx context.Context, e *env, args []string) error {
	fl := e.flagSet("verify", e.ui.t(
		"Cách dùng: sohoa verify [--json] [--trust CA.pem] [--allow-unsigned] [--require-pdfa] TỆP.pdf\n"+
			"Kiểm tra chữ ký số (toàn vẹn, không bị sửa sau khi ký), PDF/A và độ tin cậy của người ký.\n"+
			"Mã thoát: 0 đạt, 1 không đạt, 2 không đọc được tệp.",
		"Usage: sohoa verify [--json] [--trust CA.pem] [--allow-unsigned] [--require-pdfa] FILE.pdf\n"+
			"Checks the digital signatures (intact, nothing changed after signing), PDF/A and trust in the signers.\n"+
			"Exit codes: 0 good, 1 not good, 2 the file could not be read."))
	asJSON := fl.Bool("json", false, e.ui.t("in kết quả dạng JSON", "print the report as JSON"))
	trust := fl.String("trust", "", e.ui.t("tệp PEM các chứng thư CA tin cậy (không có: độ tin cậy chưa được đánh giá)", "PEM file of trusted CA certificates (without it, trust is not judged)"))
	allowUnsigned := fl.Bool("allow-unsigned", false, e.ui.t("chấp nhận tệp không có chữ ký số", "accept a file without any digital signature"))
	requirePDFA := fl.Bool("require-pdfa", false, e.ui.t("chỉ đạt khi tệp là PDF/A không lỗi", "pass only a PDF/A without problems"))
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() != 1 {
		return usageError{e.ui.t("cần đúng một tệp PDF", "give exactly one PDF file")}
	}
	opts := pdf.VerifyOptions{AllowUnsigned: *allowUnsigned, RequirePDFA: *requirePDFA}
	if *trust != "" {
		b, err := os.ReadFile(*trust)
		if err != nil {
			return usageError{fmt.Sprintf("%s: %s", *trust, e.ui.t("không đọc được tệp chứng thư tin cậy", "cannot read the trust file"))}
		}
		opts.TrustPEM = b
	}
	name := fl.Arg(0)
	unreadable := func(vi, en string, err error) error {
		msg := fmt.Sprintf("%s: %s", name, e.ui.t(vi, en))
		if err != nil {
			msg += ": " + err.Error()
		}
		return exitError{2, errors.New(msg)}
	}
	f, err := os.Open(name)
	if err != nil {
		return unreadable("không mở được tệp", "cannot open the file", nil)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		return unreadable("không phải tệp thường", "not a regular file", nil)
	}
	rep, err := pdf.Verify(ctx, f, st.Size(), opts)
	if err != nil {
		if errors.Is(err, pdf.ErrNotPDF) {
			return unreadable("không phải tệp PDF", "not a PDF file", nil)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return unreadable("không đọc được tệp PDF (hỏng hoặc sai định dạng)", "cannot read the PDF (damaged or malformed)", err)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			File string `json:"file"`
			OK   bool   `json:"ok"`
			*pdf.Report
		}{name, rep.OK(), rep}); err != nil {
			return err
		}
	} else {
		printReport(e, e.stdout, name, rep)
	}
	if !rep.OK() {
		v := rep.Verdicts
		reason := v.Signatures
		switch {
		case v.Signatures.OK && v.Trust.Judged && !v.Trust.OK:
			reason = v.Trust
		case v.Signatures.OK && v.Trust.OK || v.Signatures.OK && !v.Trust.Judged:
			reason = v.PDFA
		}
		return exitError{1, fmt.Errorf("%s: %s", e.ui.t("tệp không đạt", "the file is not good"), e.ui.t(reason.ReasonVI, reason.Reason))}
	}
	return nil
}

func printReport(e *env, w io.Writer, name string, r *pdf.Report) {
	yes := func(b bool) string {
		if b {
			return e.ui.t("có", "yes")
		}
		return e.ui.t("KHÔNG", "NO")
	}
	ts := func(t time.Time) string { return t.Format(time.RFC3339) }
	verdict := func(label string, v pdf.Verdict, note string) {
		word := e.ui.t("ĐẠT", "GOOD")
		switch {
		case !v.Judged:
			word = e.ui.t("CHƯA ĐÁNH GIÁ", "NOT JUDGED")
		case !v.OK:
			word = e.ui.t("KHÔNG ĐẠT", "NOT GOOD")
		}
		fmt.Fprintf(w, "    %s: %s", label, word)
		if reason := e.ui.t(v.ReasonVI, v.Reason); reason != "" {
			fmt.Fprintf(w, " — %s", reason)
		}
		if note != "" {
			fmt.Fprintf(w, " (%s)", note)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%s: %s\n", e.ui.t("Tệp", "File"), name)
	fmt.Fprintf(w, "  %s: %d, PDF %s, %s: %d\n", e.ui.t("Số trang", "Pages"), r.Pages, r.Version, e.ui.t("số phiên bản", "revisions"), r.Revisions)
	if r.OK() {
		fmt.Fprintf(w, "  %s: %s\n", e.ui.t("Kết luận", "Verdict"), e.ui.t("ĐẠT", "GOOD"))
	} else {
		fmt.Fprintf(w, "  %s: %s\n", e.ui.t("Kết luận", "Verdict"), e.ui.t("KHÔNG ĐẠT", "NOT GOOD"))
	}
	verdict(e.ui.t("Chữ ký số", "Signatures"), r.Verdicts.Signatures, "")
	pdfaNote := ""
	if !r.Verdicts.PDFA.Required && !r.Verdicts.PDFA.OK {
		pdfaNote = e.ui.t("không bắt buộc; dùng --require-pdfa để bắt buộc", "not required; use --require-pdfa to require it")
	}
	verdict("PDF/A", r.Verdicts.PDFA, pdfaNote)
	verdict(e.ui.t("Độ tin cậy", "Trust"), r.Verdicts.Trust, "")

	if r.PDFAPart == 0 {
		fmt.Fprintf(w, "  PDF/A: %s\n", e.ui.t("KHÔNG khai báo (không có pdfaid trong XMP)", "NOT claimed (no pdfaid in the XMP)"))
	} else {
		fmt.Fprintf(w, "  PDF/A: %d%s", r.PDFAPart, r.PDFAConformance)
		if len(r.PDFAProblems) == 0 {
			fmt.Fprintf(w, " — %s\n", e.ui.t("không phát hiện lỗi", "no problem found"))
		} else {
			fmt.Fprintf(w, " — %s:\n", e.ui.t("có lỗi", "problems"))
			for _, p := range r.PDFAProblems {
				fmt.Fprintf(w, "    - %s\n", p)
			}
		}
	}
	if n := r.ValidationData; len(n) > 0 {
		// The OCSP answers and CRLs kept in the file (/DSS): what was known
		// of the signers' certificates when they signed.
		fmt.Fprintf(w, "  %s: OCSP %d, CRL %d\n", e.ui.t("Dữ liệu kiểm tra thu hồi trong tệp", "Revocation data in the file"), n["ocsp"], n["crl"])
	}
	if len(r.Signatures) == 0 {
		fmt.Fprintf(w, "  %s\n", e.ui.t("Không có chữ ký số", "No digital signature"))
	}
	for i, s := range r.Signatures {
		fmt.Fprintf(w, "  %s #%d (%s):\n", e.ui.t("Chữ ký", "Signature"), i+1, s.Field)
		fmt.Fprintf(w, "    %s: %s\n", e.ui.t("Người ký", "Signer"), s.Signer)
		if s.Subject != "" {
			fmt.Fprintf(w, "      %s: %s\n", e.ui.t("chủ thể", "subject"), s.Subject)
			fmt.Fprintf(w, "      %s: %s\n", e.ui.t("cấp bởi", "issued by"), s.Issuer)
		}
		if s.Name != "" && s.Name != s.Signer {
			fmt.Fprintf(w, "    %s: %s\n", e.ui.t("Tên ghi trong chữ ký (/Name)", "Name in the signature (/Name)"), s.Name)
		}
		if s.Time != nil {
			fmt.Fprintf(w, "    %s: %s\n", e.ui.t("Thời gian ký (/M)", "Signing time (/M)"), ts(*s.Time))
		}
		if s.SigningTime != nil {
			fmt.Fprintf(w, "    %s: %s\n", e.ui.t("Thời gian ký (CMS)", "Signing time (CMS)"), ts(*s.SigningTime))
		}
		if s.Timestamp != nil {
			fmt.Fprintf(w, "    %s: %s, TSA %s, %s: %s %s\n", e.ui.t("Dấu thời gian", "Timestamp"), ts(s.Timestamp.Time), s.Timestamp.TSA, e.ui.t("hợp lệ", "valid"), yes(s.Timestamp.Valid), s.Timestamp.Error)
		}
		weak := ""
		if s.Digest == "SHA-1" {
			weak = e.ui.t(" (yếu, không còn được chấp nhận cho chữ ký mới)", " (weak, no longer accepted for new signatures)")
		}
		fmt.Fprintf(w, "    %s: %s, %s %s%s\n", e.ui.t("Kiểu", "Type"), s.SubFilter, e.ui.t("băm", "digest"), s.Digest, weak)
		fmt.Fprintf(w, "    %s: %s", e.ui.t("Toàn vẹn", "Intact"), yes(s.Intact))
		if msg := e.ui.t(s.IntactErrorVI, s.IntactError); msg != "" {
			fmt.Fprintf(w, " (%s)", msg)
		}
		fmt.Fprintln(w)
		if s.CoversWholeDocument {
			fmt.Fprintf(w, "    %s: %s\n", e.ui.t("Phủ toàn bộ tệp", "Covers the whole file"), yes(true))
		} else {
			fmt.Fprintf(w, "    %s: %s (%s %d/%d)\n", e.ui.t("Phủ toàn bộ tệp", "Covers the whole file"), yes(false), e.ui.t("đến phiên bản", "up to revision"), s.Revision, r.Revisions)
		}
		if s.Intact && s.Changes != nil {
			if len(s.Changes) == 0 {
				fmt.Fprintf(w, "    %s: %s\n", e.ui.t("Thay đổi sau khi ký", "Changes after signing"), e.ui.t("không có", "none"))
			} else {
				fmt.Fprintf(w, "    %s:\n", e.ui.t("Thay đổi sau khi ký", "Changes after signing"))
			}
			for _, c := range s.Changes {
				mark := e.ui.t("được phép", "allowed")
				if !c.Allowed {
					mark = e.ui.t("KHÔNG được phép", "NOT allowed")
				}
				where := ""
				if c.Object > 0 {
					where = fmt.Sprintf(" (%s %d)", e.ui.t("đối tượng", "object"), c.Object)
				}
				fmt.Fprintf(w, "      - [%s] %s%s\n", mark, e.ui.t(c.WhatVI, c.What), where)
			}
		}
		switch {
		case s.Trusted == nil:
			fmt.Fprintf(w, "    %s: %s\n", e.ui.t("Chứng thư tin cậy", "Trusted certificate"), e.ui.t("chưa đánh giá (dùng --trust CA.pem)", "not judged (use --trust CA.pem)"))
		case *s.Trusted:
			fmt.Fprintf(w, "    %s: %s\n", e.ui.t("Chứng thư tin cậy", "Trusted certificate"), yes(true))
		default:
			fmt.Fprintf(w, "    %s: %s (%s)\n", e.ui.t("Chứng thư tin cậy", "Trusted certificate"), yes(false), s.TrustError)
		}
	}
}
