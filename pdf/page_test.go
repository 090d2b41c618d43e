package pdf

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/sohoa/sohoa/ocr"
)

const dejaVu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

var (
	faceOnce sync.Once
	faceFont *opentype.Font
	faceErr  error
)

func testFace(t testing.TB, size, dpi float64) font.Face {
	t.Helper()
	faceOnce.Do(func() {
		b, err := os.ReadFile(dejaVu)
		if err != nil {
			faceErr = err
			return
		}
		faceFont, faceErr = opentype.Parse(b)
	})
	if faceErr != nil {
		t.Fatalf("font %s: %v (install fonts-dejavu-core; run `bash .ci/test`)", dejaVu, faceErr)
	}
	f, err := opentype.NewFace(faceFont, &opentype.FaceOptions{Size: size, DPI: dpi, Hinting: font.HintingNone})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// sampleLines is the text of the generated test pages: Vietnamese with diacritics.
var sampleLines = []string{
	"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
	"Độc lập - Tự do - Hạnh phúc",
	"Giấy chứng nhận quyền sử dụng đất",
	"Người nộp hồ sơ: Nguyễn Văn Ánh",
	"Địa chỉ thường trú: phường Bến Nghé",
}

// renderPage draws lines of words on a white page of w x h pixels at dpi
// and returns the image with each word's exact ink box, like OCR would.
func renderPage(t testing.TB, lines []string, w, h int, dpi float64) (*image.RGBA, ocr.Result) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	face := testFace(t, 14, dpi)
	defer face.Close()
	res := ocr.Result{Width: w, Height: h, DPI: dpi, DPIKnown: true, Language: "vie", Page: 1}
	lineH := int(14 * dpi / 72 * 1.8)
	y := int(dpi) // one inch margin
	var text []string
	colors := []color.Color{color.Black, color.RGBA{0x10, 0x20, 0x90, 0xff}, color.RGBA{0x90, 0x10, 0x10, 0xff}}
	for li, l := range lines {
		x := int(dpi)
		var ln ocr.Line
		first := true
		for _, word := range strings.Fields(l) {
			d := &font.Drawer{Dst: img, Src: image.NewUniform(colors[li%len(colors)]), Face: face, Dot: fixed.P(x, y)}
			b, adv := d.BoundString(word)
			d.DrawString(word)
			box := ocr.Box{X0: b.Min.X.Floor(), Y0: b.Min.Y.Floor(), X1: b.Max.X.Ceil(), Y1: b.Max.Y.Ceil()}
			ln.Words = append(ln.Words, ocr.Word{Text: word, Box: box, Confidence: 95})
			if first {
				ln.Box = box
				first = false
			} else {
				ln.Box.X0, ln.Box.Y0 = min(ln.Box.X0, box.X0), min(ln.Box.Y0, box.Y0)
				ln.Box.X1, ln.Box.Y1 = max(ln.Box.X1, box.X1), max(ln.Box.Y1, box.Y1)
			}
			x += adv.Ceil() + int(dpi*0.06)
		}
		res.Lines = append(res.Lines, ln)
		text = append(text, l)
		y += lineH
	}
	res.Text = strings.Join(text, "\n")
	res.Confidence = 95
	return img, res
}

func encodeJPEG(t testing.TB, img image.Image, gray bool) ocr.Image {
	t.Helper()
	var src image.Image = img
	mode := ocr.Color
	if gray {
		g := image.NewGray(img.Bounds())
		draw.Draw(g, g.Bounds(), img, image.Point{}, draw.Src)
		src, mode = g, ocr.Gray
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, src, &jpeg.Options{Quality: 75}); err != nil {
		t.Fatal(err)
	}
	return ocr.Image{Encoding: ocr.JPEG, Mode: mode, Width: img.Bounds().Dx(), Height: img.Bounds().Dy(), BitsPerComponent: 8, Data: b.Bytes()}
}

func encodeFlateGray(t testing.TB, img image.Image) ocr.Image {
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Bounds(), img, image.Point{}, draw.Src)
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	zw.Write(g.Pix)
	zw.Close()
	return ocr.Image{Encoding: ocr.Flate, Mode: ocr.Gray, Width: g.Rect.Dx(), Height: g.Rect.Dy(), BitsPerComponent: 8, Data: b.Bytes()}
}

// encodeG4 thresholds img and encodes it with ImageMagick as a one-strip
// Group 4 TIFF, then takes the raw strip out.
func encodeG4(t testing.TB, img image.Image) ocr.Image {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.png"), filepath.Join(dir, "out.tif")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	png.Encode(f, img)
	f.Close()
	h := img.Bounds().Dy()
	cmd := exec.Command("convert", in, "-colorspace", "gray", "-threshold", "60%", "-type", "bilevel", "-define", fmt.Sprintf("tiff:rows-per-strip=%d", h), "-compress", "Group4", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("convert: %v\n%s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	strip, photometric := tiffStrip(t, data)
	if photometric != 0 {
		t.Fatalf("convert wrote photometric %d, want 0 (min-is-white)", photometric)
	}
	// CCITT codes name white and black runs; a min-is-white TIFF strip is
	// what PDF's CCITTFaxDecode with BlackIs1 false expects.
	return ocr.Image{Encoding: ocr.G4, Mode: ocr.Bitonal, Width: img.Bounds().Dx(), Height: h, BitsPerComponent: 1, Data: strip}
}

// tiffStrip returns the single strip and the photometric tag of a little- or big-endian TIFF.
func tiffStrip(t testing.TB, b []byte) ([]byte, int) {
	t.Helper()
	var bo binary.ByteOrder = binary.LittleEndian
	if string(b[:2]) == "MM" {
		bo = binary.BigEndian
	}
	ifd := int(bo.Uint32(b[4:]))
	n := int(bo.Uint16(b[ifd:]))
	var off, cnt, photo int
	strips := 0
	for i := 0; i < n; i++ {
		e := b[ifd+2+12*i:]
		tag, typ, count := bo.Uint16(e), bo.Uint16(e[2:]), bo.Uint32(e[4:])
		val := int(bo.Uint32(e[8:]))
		if typ == 3 {
			val = int(bo.Uint16(e[8:]))
		}
		switch tag {
		case 273:
			off, strips = val, int(count)
		case 279:
			cnt = val
		case 262:
			photo = val
		}
	}
	if strips != 1 {
		t.Fatalf("TIFF has %d strips, want 1", strips)
	}
	return b[off : off+cnt], photo
}

// slicePages is a PageSource over pages in memory.
type slicePages []Page

func (s slicePages) Len() int { return len(s) }
func (s slicePages) Page(ctx context.Context, i int) (Page, error) {
	return s[i], nil
}
