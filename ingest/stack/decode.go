package stack

import (
	"errors"
	"image"
	"image/draw"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// readDPI is the resolution symbols are looked for at: a separator's QR
// module is 2.5 mm (15 pixels at 150 dpi), a receipt's 0.7 mm or more
// (4 pixels), and halving a 300 dpi page quarters the work.
const readDPI = 150

// Symbols is what Read found on one page.
type Symbols struct {
	Texts []string // decoded symbols, QR first
	// Damaged: a QR code's finder patterns were found but its data could
	// not be decoded even at full resolution.
	Damaged bool
}

// Read looks for a QR code, then a Code 128 barcode, on a page scanned at
// dpi (0 when unknown: 200 is assumed). It works on a grey copy reduced
// to about readDPI; a QR code found there but not decoded is tried again
// at full resolution before it counts as Damaged.
func Read(img image.Image, dpi int) Symbols {
	if dpi <= 0 {
		dpi = 200
	}
	factor := max(1, dpi/readDPI)
	g := gray(img, factor)
	texts, damaged := readQR(g)
	if damaged && factor > 1 {
		texts, damaged = readQR(gray(img, 1))
	}
	if len(texts) > 0 {
		return Symbols{Texts: texts}
	}
	if t, ok := read1D(g); ok {
		return Symbols{Texts: []string{t}}
	}
	return Symbols{Damaged: damaged}
}

var qrHints = map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}

func readQR(g *image.Gray) (texts []string, damaged bool) {
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(source(g)))
	if err != nil {
		return nil, false
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, qrHints)
	if err == nil {
		return []string{res.GetText()}, false
	}
	var cs gozxing.ChecksumException
	return nil, errors.As(err, &cs)
}

func read1D(g *image.Gray) (string, bool) {
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(source(g)))
	if err != nil {
		return "", false
	}
	res, err := oned.NewCode128Reader().Decode(bmp, nil)
	if err != nil {
		return "", false
	}
	return res.GetText(), true
}

func source(g *image.Gray) gozxing.LuminanceSource {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	src, err := gozxing.NewPlanarYUVLuminanceSource(g.Pix, g.Stride, h, 0, 0, w, h, false)
	if err != nil {
		// Only for a crop outside the data, which this one is not.
		panic(err)
	}
	return src
}

// gray returns img in grey, each factor × factor block averaged into one
// pixel (a mean keeps thin bitonal strokes as grey rather than losing them).
func gray(img image.Image, factor int) *image.Gray {
	b := img.Bounds()
	var full *image.Gray
	switch m := img.(type) {
	case *image.Gray:
		full = m
	case *image.YCbCr:
		// The luma plane is the grey image: no conversion.
		full = &image.Gray{Pix: m.Y, Stride: m.YStride, Rect: m.Rect}
	default:
		full = image.NewGray(b)
		draw.Draw(full, b, img, b.Min, draw.Src)
	}
	if factor <= 1 {
		return full
	}
	w, h := b.Dx()/factor, b.Dy()/factor
	out := image.NewGray(image.Rect(0, 0, w, h))
	n := factor * factor
	sums := make([]int, w)
	for y := range h {
		clear(sums)
		for dy := range factor {
			row := full.Pix[(y*factor+dy)*full.Stride:]
			for x := range w {
				s := 0
				for _, v := range row[x*factor : x*factor+factor] {
					s += int(v)
				}
				sums[x] += s
			}
		}
		o := out.Pix[y*out.Stride:]
		for x := range w {
			o[x] = uint8(sums[x] / n)
		}
	}
	return out
}
