package main

import (
	"bytes"
	"context"
	"fmt"
	"os"

	paperstack "github.com/sohoa/sohoa/ingest/stack"
)

// runSeparator prints a separator sheet: the operator puts it on top of a
// dossier, and a stack scanned with it splits there (the sheet itself is
// dropped from the dossier).
func runSeparator(ctx context.Context, e *env, args []string) error {
	fl := e.flagSet("separator", e.ui.t(
		"Cách dùng: sohoa separator --dossier MÃ [--title TÊN] -o TỜ.pdf\n"+
			"In tờ phân cách (mã QR và mã hồ sơ cỡ lớn) để đặt lên trên cùng một hồ sơ trong xấp quét nhiều hồ sơ.",
		"Usage: sohoa separator --dossier CODE [--title TITLE] -o SHEET.pdf\n"+
			"Prints a separator sheet (QR code and the dossier code in large print) to put on top of one dossier in a stack of many."))
	code := fl.String("dossier", "", e.ui.t("mã hồ sơ (bắt buộc)", "dossier code (required)"))
	title := fl.String("title", "", e.ui.t("tên hồ sơ in dưới mã (không bắt buộc)", "the dossier's title, printed under the code (optional)"))
	out := fl.String("o", "", e.ui.t("tệp PDF của tờ phân cách (bắt buộc)", "PDF file of the sheet (required)"))
	force := fl.Bool("force", false, e.ui.t("ghi đè tệp -o nếu đã có", "overwrite the -o file if it exists"))
	fontFile := fl.String("font", "", e.ui.t("tệp phông chữ TrueType có chữ tiếng Việt (mặc định: DejaVu, Noto hoặc Arial của máy)", "TrueType font file with Vietnamese letters (default: the machine's DejaVu, Noto or Arial)"))
	if err := fl.Parse(args); err != nil {
		return err
	}
	switch {
	case fl.NArg() > 0:
		return usageError{e.ui.t("không nhận đối số ngoài các tùy chọn", "takes no arguments besides the options")}
	case *code == "":
		return usageError{e.ui.t("thiếu --dossier MÃ", "--dossier CODE is missing")}
	case *out == "":
		return usageError{e.ui.t("thiếu -o TỆP.pdf", "-o FILE.pdf is missing")}
	}
	if err := checkText(*title, 500, e.ui); err != nil {
		return err
	}
	if err := checkOutput(*out, *force, e.ui); err != nil {
		return err
	}
	img, folded, err := paperstack.Sheet{Code: *code, Title: *title, FontFile: *fontFile}.Render()
	if err != nil {
		return err
	}
	if folded {
		fmt.Fprintln(e.stderr, e.ui.t(
			"sohoa separator: cảnh báo: máy không có phông chữ tiếng Việt, chữ in không dấu (dùng --font TỆP.ttf)",
			"sohoa separator: warning: no font with Vietnamese letters on this machine, the text is printed without marks (use --font FILE.ttf)"))
	}
	var buf bytes.Buffer
	if err := paperstack.WritePDF(&buf, img); err != nil {
		return err
	}
	err = writeOutput(*out, *force, e.ui, func(f *os.File) error {
		_, err := f.Write(buf.Bytes())
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, *out)
	return nil
}

// checkText refuses a title the manifest would refuse: control characters
// or more than max characters.
func checkText(s string, max int, u ui) error {
	n := 0
	for _, r := range s {
		n++
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			return usageError{u.t("--title chứa ký tự điều khiển", "--title holds a control character")}
		}
	}
	if n > max {
		return usageError{fmt.Sprintf(u.t("--title dài %d ký tự, tối đa %d", "--title is %d characters long, at most %d"), n, max)}
	}
	return nil
}
