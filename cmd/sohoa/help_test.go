package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/sohoa/sohoa/pdf/pdftest"
	"github.com/sohoa/sohoa/web"
)

// runIn runs one command line in-process in the given language.
func runIn(english bool, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &env{
		stdout: &out, stderr: &errb,
		log: slog.New(slog.DiscardHandler),
		ui:  ui{english: english},
	})
	return code, out.String(), errb.String()
}

// clearCommandEnv unsets, for the rest of the test, the variables through
// which a caller's shell points sohoa at stores, servers and webhooks
// (SOHOA_DB, SOHOA_DATA, SOHOA_SERVER, SOHOA_TOKEN, SOHOA_WEBHOOK_URL,
// SOHOA_WEBHOOK_SECRET): a command under test reads its flags only, never a
// developer's own database or server. Like t.Setenv, not for parallel tests.
func clearCommandEnv(t testing.TB) {
	t.Helper()
	for _, k := range []string{"SOHOA_DB", "SOHOA_DATA", "SOHOA_SERVER", "SOHOA_TOKEN", "SOHOA_WEBHOOK_URL", "SOHOA_WEBHOOK_SECRET"} {
		t.Setenv(k, "")
	}
}

var (
	// What the flag package prints by itself: "(default 2b)", "Usage of
	// worker:", value types.
	goLeftover = regexp.MustCompile(`\(default [^:]|Usage of |-[a-z-]+ (string|int|value|duration|float)\n`)
	// Names that read the same in both languages: flags, environment
	// variables, URLs, paths, placeholders and examples.
	notWords = regexp.MustCompile(`--?[a-z0-9][a-z0-9-]*|\b[A-Z][A-Z0-9_#:]{1,}\b|\S+://\S*|\S*/\S*|"[^"]*"|\S+\.[a-z0-9]{2,4}\b`)
	// English words that must never show in the Vietnamese interface.
	englishWords = map[string]bool{}
)

func init() {
	for _, w := range strings.Fields(`the of and or with to is are file files folder directory default usage option options
		page pages server signing signed key certificate password error missing must give given not such decryption
		incorrect unknown authority refused connection invalid provided defined flag required string int value
		duration help see found wrote failed`) {
		englishWords[w] = true
	}
}

// untranslated returns what in text is not in the language asked for:
// English words in the Vietnamese interface, Vietnamese letters in the
// English one.
func untranslated(text string, english bool) []string {
	var bad []string
	for _, line := range strings.Split(text, "\n") {
		if english {
			for _, r := range line {
				if unicode.IsLetter(r) && r > unicode.MaxLatin1 || strings.ContainsRune("àáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ", r) {
					bad = append(bad, fmt.Sprintf("Vietnamese %q in %q", r, line))
					break
				}
			}
			continue
		}
		words := strings.FieldsFunc(notWords.ReplaceAllString(line, " "), func(r rune) bool { return !unicode.IsLetter(r) })
		for _, w := range words {
			if englishWords[w] {
				bad = append(bad, fmt.Sprintf("English %q in %q", w, line))
				break
			}
		}
	}
	return bad
}

// TestUntranslatedDetector: the checker of the test below must be able to
// fail on the leftovers issue 16 found.
func TestUntranslatedDetector(t *testing.T) {
	for _, tc := range []struct {
		text    string
		english bool
		bad     bool
	}{
		{"sohoa pdf: lỗi: open x.jpg: no such file or directory", false, true},
		{"  --sign-p12 TỆP    PKCS#12 file with the signing key and certificate", false, true},
		{"  --pdfa GIÁ_TRỊ    mức PDF/A (default 2b)", false, true},
		{"Usage of worker:", false, true},
		{"Tìm thấy 1 pages", false, true},
		{"  --sign-p12 TỆP    tệp PKCS#12 (.p12/.pfx) chứa khóa ký số (biến SOHOA_SIGN_PASS)", false, false},
		{"sohoa upload: máy chủ từ chối (401): mã truy cập không hợp lệ", false, false},
		{"sohoa pdf: error: không có tệp hoặc thư mục x.jpg", true, true},
		{"sohoa pdf: error: no such file or folder: x.jpg", true, false},
	} {
		if got := untranslated(tc.text, tc.english) != nil; got != tc.bad {
			t.Errorf("untranslated(%q, en=%v) = %v, want %v", tc.text, tc.english, got, tc.bad)
		}
	}
}

// TestHelpEveryCommand walks every command's --help in both languages:
// on stdout, exit 0, nothing on stderr, no Go usage leftovers, nothing in
// the other language.
func TestHelpEveryCommand(t *testing.T) {
	for _, english := range []bool{false, true} {
		cmds := [][]string{{"--help"}, {"help"}, {"token", "create", "--help"}}
		for _, c := range commands() {
			if !c.hidden {
				cmds = append(cmds, []string{c.name, "--help"}, []string{c.name, "-h"})
			}
		}
		for _, args := range cmds {
			code, out, errs := runIn(english, args...)
			name := fmt.Sprintf("en=%v %v", english, args)
			if code != 0 || errs != "" || out == "" {
				t.Errorf("%s: exit %d, stdout %d bytes, stderr %q", name, code, len(out), errs)
			}
			if m := goLeftover.FindString(out); m != "" {
				t.Errorf("%s: Go flag package leftover %q:\n%s", name, m, out)
			}
			for _, b := range untranslated(out, english) {
				t.Errorf("%s: %s", name, b)
			}
		}
	}
	if code, out, _ := runIn(false, "--version"); code != 0 || !strings.HasPrefix(out, "sohoa ") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
}

// TestCommonErrors: the errors people meet first come out once, worded in
// their language, with the exit code of their kind (2: how the command was
// called, 1: what happened).
func TestCommonErrors(t *testing.T) {
	dir := t.TempDir()
	pki, err := pdftest.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	p12, _, err := pki.WriteP12(dir, "đúng-mật-khẩu")
	if err != nil {
		t.Fatal(err)
	}
	wrongPass := filepath.Join(dir, "wrong-pass")
	os.WriteFile(wrongPass, []byte("sai"), 0o600)
	scan := filepath.Join(dir, "scan.png")
	os.WriteFile(scan, []byte("not used"), 0o644)
	existing := filepath.Join(dir, "existing.pdf")
	os.WriteFile(existing, []byte("%PDF-1.7 signed earlier"), 0o644)

	// A TLS server with a certificate nobody here trusts.
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()
	// A server that refuses with its bilingual error.
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error": "invalid or revoked token", "error_vi": "mã truy cập không hợp lệ hoặc đã bị thu hồi"}`)
	}))
	defer refusing.Close()
	// A port nobody listens on.
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	clearCommandEnv(t)

	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		vi, en string // expected in stderr
	}{
		{"bad flag", []string{"pdf", "--bogus", "-o", "x.pdf", scan}, 2,
			"không có tùy chọn --bogus\nXem trợ giúp: sohoa pdf --help", "no such option --bogus\nSee: sohoa pdf --help"},
		{"flag without value", []string{"ocr", "--lang"}, 2, "tùy chọn --lang cần một giá trị", "option --lang needs a value"},
		{"bad number", []string{"ocr", "--engines", "hai", scan}, 2, `giá trị "hai" không hợp lệ cho --engines`, `invalid value "hai" for --engines`},
		{"bad worker flag", []string{"worker", "--nope"}, 2, "không có tùy chọn --nope", "no such option --nope"},
		{"unknown command", []string{"sohoaa"}, 2, "không có lệnh", "unknown command"},
		{"missing file", []string{"pdf", "-o", filepath.Join(dir, "a.pdf"), filepath.Join(dir, "khong-co.jpg")}, 1,
			"không có tệp hoặc thư mục " + filepath.Join(dir, "khong-co.jpg"), "no such file or folder: " + filepath.Join(dir, "khong-co.jpg")},
		{"wrong PKCS#12 password", []string{"pdf", "-o", filepath.Join(dir, "b.pdf"), "--sign-p12", p12, "--sign-pass-file", wrongPass, scan}, 1,
			"sai mật khẩu của tệp khóa ký số PKCS#12", "wrong password for the PKCS#12 signing key file"},
		{"no password", []string{"pdf", "-o", filepath.Join(dir, "c.pdf"), "--sign-p12", p12, scan}, 2,
			"thiếu mật khẩu khóa ký số", "the signing key's password is missing"},
		{"missing p12", []string{"pdf", "-o", filepath.Join(dir, "d.pdf"), "--sign-p12", filepath.Join(dir, "khong.p12"), "--sign-pass-file", wrongPass, scan}, 1,
			"không có tệp hoặc thư mục", "no such file or folder"},
		{"-o is a folder", []string{"pdf", "-o", dir, scan}, 2, "là một thư mục", "is a folder"},
		{"-o exists", []string{"pdf", "-o", existing, scan}, 1, "đã có: không ghi đè (thêm --force", "already exists: not overwritten (add --force"},
		{"-o in no folder", []string{"pdf", "-o", filepath.Join(dir, "khong", "e.pdf"), scan}, 1, "không có thư mục", "no folder"},
		{"dossier code upload refuses", []string{"pdf", "-o", filepath.Join(dir, "f.pdf"), "--dossier", "000.00.31.H33-220804-001", scan}, 2,
			"--dossier: mã hồ sơ", "--dossier: dossier code"},
		{"dossier code with a bad date", []string{"pdf", "-o", filepath.Join(dir, "g.pdf"), "--dossier", "000.00.31.H33-221304-0001", scan}, 2,
			"không phải ngày có thật", "is not a real date"},
		{"untrusted TLS", []string{"search", "--server", tlsSrv.URL, "--token", "x", "a"}, 1,
			"không do một tổ chức chứng thực (CA) tin cậy cấp", "not issued by a trusted certification authority"},
		{"server error_vi", []string{"search", "--server", refusing.URL, "--token", "x", "a"}, 1,
			"(HTTP 401): mã truy cập không hợp lệ hoặc đã bị thu hồi", "(HTTP 401): invalid or revoked token"},
		{"connection refused", []string{"search", "--server", closedURL, "--token", "x", "a"}, 1,
			"không kết nối được máy chủ", "cannot connect to the server"},
		{"server without http://", []string{"upload", "--server", "127.0.0.1:18101", "--token", "x", "--dossier", "000.00.31.H33-220804-0001", scan}, 2,
			`--server "127.0.0.1:18101" không phải địa chỉ máy chủ: cần bắt đầu bằng http:// hoặc https://, ví dụ http://127.0.0.1:18101`,
			`--server "127.0.0.1:18101" is not a server address: it must start with http:// or https://, e.g. http://127.0.0.1:18101`},
		{"serve with an argument", []string{"serve", "--data", dir, "thua"}, 2, "serve không nhận đối số", "serve takes no arguments"},
		{"reindex with an argument", []string{"reindex", "--data", dir, "thua"}, 2, "reindex không nhận đối số", "reindex takes no arguments"},
		{"demo with an argument", []string{"demo", "--data", dir, "thua"}, 2, "demo không nhận đối số", "demo takes no arguments"},
		{"status of an unknown store", []string{"status", "--data", filepath.Join(dir, "khong-co"), "b1"}, 1, "không có dữ liệu nhúng", "no embedded store"},
	} {
		for _, english := range []bool{false, true} {
			code, out, errs := runIn(english, tc.args...)
			want := tc.vi
			if english {
				want = tc.en
			}
			if code != tc.code || !strings.Contains(errs, want) {
				t.Errorf("%s (en=%v): exit %d, want %d; stderr does not hold %q:\n%s%s", tc.name, english, code, tc.code, want, errs, out)
			}
			if n := strings.Count(errs, "sohoa "); n != 1 && tc.code != 2 || strings.Count(errs, "\n") > 3 {
				t.Errorf("%s (en=%v): want the error once, got:\n%s", tc.name, english, errs)
			}
			for _, b := range untranslated(errs, english) {
				t.Errorf("%s: %s", tc.name, b)
			}
		}
	}
	if b, _ := os.ReadFile(existing); string(b) != "%PDF-1.7 signed earlier" {
		t.Errorf("the existing -o file was changed")
	}
}

// TestMissingLanguageModel: a missing Tesseract model is one user message
// naming the package, before any page, not an engine start-up failure.
func TestMissingLanguageModel(t *testing.T) {
	t.Setenv("TESSDATA_PREFIX", t.TempDir())
	scan := filepath.Join(t.TempDir(), "scan.png")
	os.WriteFile(scan, []byte("x"), 0o644)
	for _, english := range []bool{false, true} {
		for _, args := range [][]string{{"ocr", scan}, {"pdf", "-o", filepath.Join(t.TempDir(), "x.pdf"), scan}} {
			code, _, errs := runIn(english, args...)
			want := map[bool]string{false: "chưa cài mô hình ngôn ngữ \"vie\"", true: "the Tesseract language model \"vie\" is not installed"}[english]
			if code != 1 || !strings.Contains(errs, want) || !strings.Contains(errs, "tesseract-ocr-vie") ||
				strings.Contains(errs, "MaybeServeEngine") || strings.Count(errs, "\n") != 1 {
				t.Errorf("%v en=%v: exit %d:\n%s", args, english, code, errs)
			}
		}
	}
}

// TestEnglishPlural: "1 page", not "1 pages".
func TestEnglishPlural(t *testing.T) {
	for _, tc := range []struct {
		n       int
		english bool
		want    string
	}{{1, true, "1 page found"}, {2, true, "2 pages found"}, {1, false, "Tìm thấy 1 trang"}} {
		var out bytes.Buffer
		printResults(&env{stdout: &out, ui: ui{english: tc.english}}, &web.SearchResponse{Total: tc.n, Page: 1, Pages: 1, PerPage: 10})
		if !strings.Contains(out.String(), tc.want) {
			t.Errorf("%d hits (en=%v): %q, want %q", tc.n, tc.english, out.String(), tc.want)
		}
	}
}
