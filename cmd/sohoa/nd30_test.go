package main

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// nd30Page renders an A4 page at 300 dpi laid out as NĐ 30/2020/NĐ-CP
// lays out a decision: agency and number top-left, the national motto and
// "place, date" top-right, the type heading and its summary centred, the
// body, "Nơi nhận" bottom-left and the signer block bottom-right.
func nd30Page(t testing.TB, path string) {
	t.Helper()
	load := func(name string, pt float64) font.Face {
		b, err := os.ReadFile("/usr/share/fonts/truetype/noto/" + name)
		if err != nil {
			t.Fatalf("font (install fonts-noto-core): %v", err)
		}
		f, err := opentype.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: pt, DPI: 300, Hinting: font.HintingNone})
		if err != nil {
			t.Fatal(err)
		}
		return face
	}
	reg, bold := load("NotoSerif-Regular.ttf", 13), load("NotoSerif-Bold.ttf", 13)
	big := load("NotoSerif-Bold.ttf", 15)
	img := image.NewGray(image.Rect(0, 0, 2480, 3508))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	// text draws s with its centre (centre=true) or left edge at x.
	text := func(face font.Face, s string, x, y int, centre bool) {
		d := &font.Drawer{Dst: img, Src: image.NewUniform(color.Gray{Y: 10}), Face: face}
		if centre {
			x -= d.MeasureString(s).Round() / 2
		}
		d.Dot = fixed.P(x, y)
		d.DrawString(s)
	}
	const left, right = 640, 1680 // centres of the two header columns
	text(reg, "ỦY BAN NHÂN DÂN", left, 300, true)
	text(bold, "TỈNH HÀ GIANG", left, 370, true)
	text(bold, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", right, 300, true)
	text(bold, "Độc lập - Tự do - Hạnh phúc", right, 370, true)
	text(reg, "Số: 143/QĐ-UBND", left, 520, true)
	text(reg, "Hà Giang, ngày 05 tháng 3 năm 2024", right, 520, true)
	text(big, "QUYẾT ĐỊNH", 1240, 760, true)
	text(bold, "Về việc phê duyệt kế hoạch chuyển đổi số năm 2024", 1240, 840, true)
	for i, l := range []string{
		"Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
		"Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ;",
		"Theo đề nghị của Giám đốc Sở Thông tin và Truyền thông.",
		"Điều 1. Phê duyệt kế hoạch chuyển đổi số năm 2024 của tỉnh.",
		"Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
		"Điều 3. Chánh Văn phòng Ủy ban nhân dân tỉnh chịu trách nhiệm thi hành.",
	} {
		text(reg, l, 300, 1050+i*90, false)
	}
	text(bold, "Nơi nhận:", 300, 1900, false)
	text(reg, "- Như Điều 3;", 300, 1970, false)
	text(reg, "- Lưu: VT.", 300, 2040, false)
	text(bold, "KT. CHỦ TỊCH", right, 1900, true)
	text(bold, "PHÓ CHỦ TỊCH", right, 1970, true)
	text(bold, "Nguyễn Văn Sơn", right, 2350, true)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
