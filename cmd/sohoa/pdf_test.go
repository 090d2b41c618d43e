package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
	"github.com/sohoa/sohoa/pdf/pdftest"
)

// vietPage renders Vietnamese lines at 300 dpi with DejaVu Sans as a PNG.
func vietPage(t testing.TB, path string, lines ...string) {
	t.Helper()
	b, err := os.ReadFile("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
	if err != nil {
		t.Fatalf("%v (install fonts-dejavu-core; run `bash .ci/test`)", err)
	}
	fnt, err := opentype.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	face, _ := opentype.NewFace(fnt, &opentype.FaceOptions{Size: 14, DPI: 300, Hinting: font.HintingFull})
	img := image.NewGray(image.Rect(0, 0, 1800, 200+120*len(lines)))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for i, l := range lines {
		d := &font.Drawer{Dst: img, Src: image.Black, Face: face, Dot: fixed.P(100, 150+120*i)}
		d.DrawString(l)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	png.Encode(f, img)
}

func runBin(t testing.TB, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(sohoatest.Binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

// sohoa pdf builds a signed PDF/A from a scan; sohoa verify checks it.
func TestPDFAndVerifyCommands(t *testing.T) {
	dir := t.TempDir()
	keys, err := ensureDemoKeys(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "ca.pem")
	os.WriteFile(ca, keys.caPEM, 0o644)
	scan := filepath.Join(dir, "scan.png")
	vietPage(t, scan, "Đơn đề nghị cấp giấy phép xây dựng", "Người nộp: Trần Thị Bình")

	signed := filepath.Join(dir, "signed.pdf")
	_, stderr, code := runBin(t, nil, "pdf", "-o", signed, "--pdfa", "1b", "--dossier", "000.00.31.H33-220804-0001",
		"--title", "Đơn đề nghị", "--sign-p12", keys.p12, "--sign-pass-file", keys.passFile, scan)
	if code != 0 {
		t.Fatalf("sohoa pdf: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "ký bởi") {
		t.Errorf("stderr does not say who signed:\n%s", stderr)
	}
	if text := pdftest.Text(t, signed); !strings.Contains(text, "Người") || !strings.Contains(text, "xây") {
		t.Errorf("pdftotext:\n%s", text)
	}
	if out := pdftest.Pdfsig(t, signed, "-nocert"); !strings.Contains(out, "Signature is Valid") || !strings.Contains(out, "ETSI.CAdES.detached") {
		t.Errorf("pdfsig:\n%s", out)
	}

	stdout, stderr, code := runBin(t, nil, "verify", "--json", "--trust", ca, signed)
	if code != 0 {
		t.Fatalf("sohoa verify: exit %d\n%s\n%s", code, stdout, stderr)
	}
	var rep struct {
		OK         bool   `json:"ok"`
		PDFAPart   int    `json:"pdfa_part"`
		PDFAConf   string `json:"pdfa_conformance"`
		Signatures []struct {
			Intact  bool  `json:"intact"`
			Trusted *bool `json:"trusted"`
			Whole   bool  `json:"covers_whole_document"`
		} `json:"signatures"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("verify --json: %v\n%s", err, stdout)
	}
	if !rep.OK || rep.PDFAPart != 1 || rep.PDFAConf != "B" || len(rep.Signatures) != 1 || !rep.Signatures[0].Intact || !rep.Signatures[0].Whole || rep.Signatures[0].Trusted == nil || !*rep.Signatures[0].Trusted {
		t.Errorf("verify report: %s", stdout)
	}

	// A changed byte: tampered, exit 1, in Vietnamese by default.
	b, _ := os.ReadFile(signed)
	i := bytes.Index(b, []byte("/Subtype /Image"))
	b[i+bytes.Index(b[i:], []byte("stream\n"))+300] ^= 0x20
	bad := filepath.Join(dir, "bad.pdf")
	os.WriteFile(bad, b, 0o644)
	stdout, _, code = runBin(t, nil, "verify", "--trust", ca, bad)
	if code != 1 || !strings.Contains(stdout, "Toàn vẹn: KHÔNG") {
		t.Errorf("verify on a tampered file: exit %d\n%s", code, stdout)
	}

	// Without a key: unsigned PDF/A, and it says so (English here); password never needed.
	unsigned := filepath.Join(dir, "unsigned.pdf")
	_, stderr, code = runBin(t, []string{"SOHOA_LANG=en"}, "pdf", "-o", unsigned, scan)
	if code != 0 || !strings.Contains(stderr, "NOT SIGNED") {
		t.Errorf("unsigned run: exit %d\n%s", code, stderr)
	}
	stdout, stderr, code = runBin(t, []string{"SOHOA_LANG=en"}, "verify", unsigned)
	if code != 1 || !strings.Contains(stdout, "PDF/A: 2B") || !strings.Contains(stdout, "No digital signature") || !strings.Contains(stderr, "no digital signature") {
		t.Errorf("verify unsigned: exit %d\n%s\n%s", code, stdout, stderr)
	}
	stdout, _, code = runBin(t, []string{"SOHOA_LANG=en"}, "verify", "--allow-unsigned", "--require-pdfa", unsigned)
	if code != 0 || !strings.Contains(stdout, "Verdict: GOOD") {
		t.Errorf("verify --allow-unsigned: exit %d\n%s", code, stdout)
	}

	// Not a PDF: a clear error, no panic.
	_, stderr, code = runBin(t, nil, "verify", scan)
	if code != 2 || !strings.Contains(stderr, "không phải tệp PDF") {
		t.Errorf("verify on a PNG: exit %d\n%s", code, stderr)
	}
	// Usage errors exit 2.
	if _, _, code = runBin(t, nil, "pdf", scan); code != 2 {
		t.Errorf("pdf without -o: exit %d, want 2", code)
	}
}
