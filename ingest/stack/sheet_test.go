package stack

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/sohoa/sohoa/pdf/pdftest"
)

// rasterise prints pdf the way a scanner would see it: pdftoppm at dpi, grey.
func rasterise(t testing.TB, pdf []byte, dpi int) image.Image {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "sheet.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	return pdftest.Render(t, in, float64(dpi))
}

// scanned turns a page the way a feeder does (angle degrees
// counter-clockwise, white fill) and, when bitonal, thresholds it as a
// 1-bit scan.
func scanned(img image.Image, angle float64, bitonal bool) image.Image {
	out := image.Image(img)
	if angle != 0 {
		out = imaging.Rotate(img, angle, color.White)
	}
	g := gray(out, 1)
	if bitonal {
		g = &image.Gray{Pix: bytes.Clone(g.Pix), Stride: g.Stride, Rect: g.Rect}
		for i, v := range g.Pix {
			if v < 140 {
				g.Pix[i] = 0
			} else {
				g.Pix[i] = 255
			}
		}
	}
	return g
}

func sheetPDF(t testing.TB, code, title string) []byte {
	t.Helper()
	img, _, err := Sheet{Code: code, Title: title}.Render()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WritePDF(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSeparatorSheetReads(t *testing.T) {
	const code = "000.00.31.H33-261127-0001"
	pdf := sheetPDF(t, code, "Hồ sơ đăng ký khai sinh của Nguyễn Thị Thủy Tiên")
	pages := map[int]image.Image{200: rasterise(t, pdf, 200), 300: rasterise(t, pdf, 300)}
	for _, tc := range []struct {
		dpi     int
		angle   float64
		bitonal bool
	}{
		{200, 0, true}, {200, 15, true}, {200, -15, true}, {200, 180, true}, {200, 195, true}, {200, 165, true},
		{300, 0, false}, {300, 15, false}, {300, -15, true}, {300, 180, false}, {300, 7.5, true}, {300, 90, true},
	} {
		t.Run(fmt.Sprintf("%ddpi/%+.1f/bitonal=%v", tc.dpi, tc.angle, tc.bitonal), func(t *testing.T) {
			s := Read(scanned(pages[tc.dpi], tc.angle, tc.bitonal), tc.dpi)
			m := markOfSymbols(s.Texts)
			if m.Kind != Separator || m.Code != code {
				t.Fatalf("read %+v (mark %v %q), want the separator of %s", s, m.Kind, m.Code, code)
			}
		})
	}
}

func TestSeparatorPDFIsSound(t *testing.T) {
	pdf := sheetPDF(t, "H33.031.00-260301-AB0001", "")
	p := filepath.Join(t.TempDir(), "s.pdf")
	if err := os.WriteFile(p, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	pdftest.QPDFCheck(t, p)
	again := sheetPDF(t, "H33.031.00-260301-AB0001", "")
	if !bytes.Equal(pdf, again) {
		t.Error("the same sheet gave different bytes")
	}
}

func TestSeparatorRefusesBadCode(t *testing.T) {
	for _, code := range []string{"", "000.00.31.H33-261332-0001", "SOHOA-SEP:1:x", "000.00.31.H33-261127-0001\n"} {
		if _, _, err := (Sheet{Code: code}).Render(); err == nil {
			t.Errorf("Render(%q): no error", code)
		}
	}
}
