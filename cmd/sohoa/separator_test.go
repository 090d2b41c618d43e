package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSeparatorCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "tach.pdf")
	code, stdout, stderr := runIn(false, "separator", "--dossier", "000.00.31.H33-261127-0001", "--title", "Đăng ký khai sinh", "-o", out)
	if code != 0 || strings.TrimSpace(stdout) != out {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(b), "%PDF-1.4") {
		t.Fatalf("no PDF written: %v", err)
	}
	for _, tc := range []struct {
		name    string
		english bool
		args    []string
		code    int
		want    string
	}{
		{"exists", false, []string{"--dossier", "000.00.31.H33-261127-0001", "-o", out}, 1, "đã có: không ghi đè"},
		{"bad date", true, []string{"--dossier", "000.00.31.H33-261327-0001", "-o", filepath.Join(dir, "x.pdf")}, 1, "is not a real date"},
		{"no code", false, []string{"-o", filepath.Join(dir, "x.pdf")}, 2, "thiếu --dossier"},
		{"no output", true, []string{"--dossier", "000.00.31.H33-261127-0001"}, 2, "-o FILE.pdf is missing"},
		{"control in title", true, []string{"--dossier", "000.00.31.H33-261127-0001", "--title", "a\u202eb", "-o", filepath.Join(dir, "x.pdf")}, 2, "control character"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runIn(tc.english, append([]string{"separator"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "x.pdf")); err == nil {
		t.Error("a refused sheet was written")
	}
}
