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

func runVerify(ctx context.Context, e *env, args []string) error {
	fl := e.flagSet("verify", e.ui.t("Cách dùng: sohoa verify [--json] [--trust CA.pem] TỆP.pdf", "Usage: sohoa verify [--json] [--trust CA.pem] FILE.pdf"))
	asJSON := fl.Bool("json", false, e.ui.t("in kết quả dạng JSON", "print the report as JSON"))
	trust := fl.String("trust", "", e.ui.t("tệp PEM các chứng thư CA tin cậy", "PEM file of trusted CA certificates"))
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() != 1 {
		return usageError{e.ui.t("cần đúng một tệp PDF", "give exactly one PDF file")}
	}
	var opts pdf.VerifyOptions
	if *trust != "" {
		b, err := os.ReadFile(*trust)
		if err != nil {
			return err
		}
		opts.TrustPEM = b
	}
	name := fl.Arg(0)
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	rep, err := pdf.Verify(ctx, f, st.Size(), opts)
	if err != nil {
		if errors.Is(err, pdf.ErrNotPDF) {
			return fmt.Errorf("%s: %s", name, e.ui.t("không phải tệp PDF", "not a PDF file"))
		}
		return fmt.Errorf("%s: %s: %w", name, e.ui.t("không đọc được tệp PDF (hỏng hoặc sai định dạng)", "cannot read the PDF (damaged or malformed)"), err)
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
		return errors.New(e.ui.t("tệp không đạt kiểm tra", "the file failed the checks"))
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
	fmt.Fprintf(w, "%s: %s\n", e.ui.t("Tệp", "File"), name)
	fmt.Fprintf(w, "  %s: %d, PDF %s, %s: %d\n", e.ui.t("Số trang", "Pages"), r.Pages, r.Version, e.ui.t("số phiên bản", "revisions"), r.Revisions)
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
	if len(r.Signatures) == 0 {
		fmt.Fprintf(w, "  %s\n", e.ui.t("Không có chữ ký số", "No digital signature"))
	}
	for i, s := range r.Signatures {
		fmt.Fprintf(w, "  %s #%d (%s):\n", e.ui.t("Chữ ký", "Signature"), i+1, s.Field)
		fmt.Fprintf(w, "    %s: %s (%s; %s %s)\n", e.ui.t("Người ký", "Signer"), s.Signer, s.Subject, e.ui.t("cấp bởi", "issued by"), s.Issuer)
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
		if s.IntactError != "" {
			fmt.Fprintf(w, " (%s)", s.IntactError)
		}
		fmt.Fprintln(w)
		if s.CoversWholeDocument {
			fmt.Fprintf(w, "    %s: %s\n", e.ui.t("Phủ toàn bộ tệp", "Covers the whole file"), yes(true))
		} else {
			fmt.Fprintf(w, "    %s: %s (%s %d/%d)\n", e.ui.t("Phủ toàn bộ tệp", "Covers the whole file"), yes(false), e.ui.t("đến phiên bản", "up to revision"), s.Revision, r.Revisions)
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
