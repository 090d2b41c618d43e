package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A build without cgo (the station client for desk PCs) runs the station
// commands and says plainly, in the user's language, that commands which
// need OCR are not in it.
func TestStationBuildWithoutCgo(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "sohoa-station")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		lang string
		args []string
		code int
		want string
	}{
		{"vi", []string{"ocr", "page.png"}, 1, "không có bộ nhận dạng chữ (OCR)"},
		{"en", []string{"pdf", "-o", "x.pdf", "page.png"}, 1, "has no OCR engine"},
		{"en", []string{"worker"}, 1, "has no OCR engine"},
		{"en", []string{"upload", "--help"}, 0, "--server"},
	} {
		cmd := exec.Command(bin, tc.args...)
		cmd.Env = append(os.Environ(), "SOHOA_LANG="+tc.lang)
		out, err := cmd.CombinedOutput()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code || !strings.Contains(string(out), tc.want) {
			t.Errorf("sohoa %v (SOHOA_LANG=%s): exit %d, want %d with %q:\n%s", tc.args, tc.lang, code, tc.code, tc.want, out)
		}
	}
}
