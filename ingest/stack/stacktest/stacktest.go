// Package stacktest draws scanned stack pages for tests and benchmarks:
// separator sheets as a scanner sees them, receipts with the dossier code
// in a QR code, and ordinary pages, at a given resolution, turned and
// skewed, in grey or bitonal.
package stacktest

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math/rand/v2"

	"github.com/disintegration/imaging"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/sohoa/sohoa/ingest/stack"
)

// Scan is how a page went through the scanner.
type Scan struct {
	DPI     int     // 200 or 300
	Angle   float64 // degrees counter-clockwise: skew, or 180 for a page turned over
	Bitonal bool
}

// Separator is the printed separator sheet of code, scanned.
func Separator(code string, sc Scan) (image.Image, error) {
	img, _, err := stack.Sheet{Code: code, Title: "Hồ sơ thử " + code}.Render()
	if err != nil {
		return nil, err
	}
	return sc.apply(img), nil
}

// Receipt is a receipt page (Giấy tiếp nhận hồ sơ) with the bare code in
// a 25 mm QR code at the top right, and lines of "text".
func Receipt(code string, sc Scan, seed uint64) (image.Image, error) {
	img := Text(seed)
	m, err := qrcode.NewQRCodeWriter().Encode(code, gozxing.BarcodeFormat_QR_CODE, 0, 0,
		map[gozxing.EncodeHintType]any{gozxing.EncodeHintType_ERROR_CORRECTION: "M", gozxing.EncodeHintType_MARGIN: 0})
	if err != nil {
		return nil, err
	}
	// 25 mm at 300 dpi is 295 pixels.
	mod := 295 / m.GetWidth()
	x0, y0 := 2480-236-mod*m.GetWidth(), 200
	draw.Draw(img, image.Rect(x0-4*mod, y0-4*mod, x0+(m.GetWidth()+4)*mod, y0+(m.GetHeight()+4)*mod), image.White, image.Point{}, draw.Src)
	for y := range m.GetHeight() {
		for x := range m.GetWidth() {
			if m.Get(x, y) {
				draw.Draw(img, image.Rect(x0+x*mod, y0+y*mod, x0+(x+1)*mod, y0+(y+1)*mod), image.Black, image.Point{}, draw.Src)
			}
		}
	}
	return sc.apply(img), nil
}

// Page is an ordinary page of text, scanned.
func Page(sc Scan, seed uint64) image.Image { return sc.apply(Text(seed)) }

// Page scans img, an A4 page drawn at 300 dpi.
func (sc Scan) Page(img *image.Gray) image.Image { return sc.apply(img) }

// Blank is an empty page with a little scanner dust.
func Blank(sc Scan, seed uint64) image.Image {
	img := image.NewGray(image.Rect(0, 0, 2480, 3508))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	r := rand.New(rand.NewPCG(seed, 2))
	for range 30 {
		x, y := r.IntN(2470), r.IntN(3500)
		draw.Draw(img, image.Rect(x, y, x+3, y+3), image.Black, image.Point{}, draw.Src)
	}
	return sc.apply(img)
}

// Text draws an A4 page at 300 dpi with lines of word-like black bars.
func Text(seed uint64) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, 2480, 3508))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	r := rand.New(rand.NewPCG(seed, 1))
	for y := 300; y < 3200; y += 70 {
		x := 236
		for x < 2200 {
			w := 30 + r.IntN(150)
			for dx := 0; dx < w; dx += 9 {
				h := 20 + r.IntN(18)
				draw.Draw(img, image.Rect(x+dx, y+36-h, x+dx+6, y+36), image.Black, image.Point{}, draw.Src)
			}
			x += w + 25
		}
	}
	return img
}

func (sc Scan) apply(img *image.Gray) image.Image {
	var out image.Image = img
	if sc.DPI != 0 && sc.DPI != 300 {
		out = imaging.Resize(img, 2480*sc.DPI/300, 0, imaging.Box)
	}
	if sc.Angle != 0 {
		out = imaging.Rotate(out, sc.Angle, color.White)
	}
	b := out.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(g, g.Bounds(), out, b.Min, draw.Src)
	if sc.Bitonal {
		p := image.NewPaletted(g.Bounds(), color.Palette{color.Black, color.White})
		for i, v := range g.Pix {
			if v >= 140 {
				p.Pix[i] = 1
			}
		}
		return p
	}
	return g
}

// PNG encodes a page.
func PNG(img image.Image) []byte {
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}
