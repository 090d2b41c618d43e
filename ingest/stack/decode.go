package stack

import (
	"bytes"
	"errors"
	"image"
	"image/color"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// readDPI is the least resolution symbols are looked for at: a
// separator's QR module is 2.5 mm (10 pixels at 100 dpi), a receipt's
// 0.7-1 mm (3-4 pixels), which the QR reader still finds turned and
// skewed; and a third of a 300 dpi page is a ninth of the work.
const readDPI = 100

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
	return readGray(gray(img, factor), factor, func() (*image.Gray, error) { return gray(img, 1), nil })
}

// readGray reads the symbols from g, a grey copy of the page reduced by
// factor; full gives the page at full size when a QR code is seen in g
// but not decoded.
func readGray(g *image.Gray, factor int, full func() (*image.Gray, error)) Symbols {
	bmp := bitmap(g)
	texts, damaged := readQR(bmp)
	if damaged && factor > 1 {
		if fg, err := full(); err == nil {
			texts, damaged = readQR(bitmap(fg))
		}
	}
	if len(texts) > 0 {
		return Symbols{Texts: texts}
	}
	if t, ok := read1D(bmp); ok {
		return Symbols{Texts: []string{t}}
	}
	return Symbols{Damaged: damaged}
}

// pageGray decodes a page file (format as ocr.Sniff names it) into grey
// reduced to about readDPI, by factor, and gives a way to its full size.
// JPEG and PNG are reduced while they are decoded (decodeJPEGLuma,
// decodePNGGray); other formats, and JPEGs and PNGs those do not read,
// are decoded whole by the image package. The error is image.Decode's.
func pageGray(data []byte, format string, maxPixels int64) (g *image.Gray, factor int, full func() (*image.Gray, error), err error) {
	decodeFull := func() (*image.Gray, error) {
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		return gray(img, 1), nil
	}
	if w, h, ok := imageSize(data, format); ok {
		factor = max(1, pageDPI(image.Rect(0, 0, w, h))/readDPI)
		switch {
		case format == "jpeg" && factor >= 2:
			// The DCT gives n/8 of the size for any n: the least n that
			// keeps readDPI (3/8 of 300 dpi is 112, 4/8 of 200 is 100).
			dpi := pageDPI(image.Rect(0, 0, w, h))
			n := max(1, (8*readDPI+dpi-1)/dpi)
			if g, err := decodeJPEGLuma(data, n, maxPixels); err == nil {
				return g, max(2, 8/n), decodeFull, nil
			}
		case format == "png":
			if g, err := decodePNGGray(data, factor, maxPixels); err == nil {
				return g, factor, decodeFull, nil
			}
		}
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, 0, nil, err
	}
	factor = max(1, pageDPI(img.Bounds())/readDPI)
	return gray(img, factor), factor, func() (*image.Gray, error) { return gray(img, 1), nil }, nil
}

// imageSize reads a JPEG's or PNG's size from its header.
func imageSize(data []byte, format string) (w, h int, ok bool) {
	if format != "jpeg" && format != "png" {
		return 0, 0, false
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, 0, false
	}
	return cfg.Width, cfg.Height, true
}

// bitmap binarizes g once for both readers (the hybrid binarizer's local
// thresholds cope with uneven light and colour paper).
func bitmap(g *image.Gray) *gozxing.BinaryBitmap {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	src, err := gozxing.NewPlanarYUVLuminanceSource(g.Pix, g.Stride, h, 0, 0, w, h, false)
	if err != nil {
		return nil // only for a crop outside the data, which this is not
	}
	bmp, err := gozxing.NewBinaryBitmap(newBlackMatrix(g, src))
	if err != nil {
		return nil
	}
	return bmp
}

func readQR(bmp *gozxing.BinaryBitmap) (texts []string, damaged bool) {
	if bmp == nil {
		return nil, false
	}
	// TRY_HARDER (the finder looks along every third row, not every
	// ninth at readDPI) is needed: without it 2 of the 50 receipts of
	// BenchmarkSplitStack's drawn stack were not read.
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err == nil {
		return []string{res.GetText()}, false
	}
	var cs gozxing.ChecksumException
	return nil, errors.As(err, &cs)
}

func read1D(bmp *gozxing.BinaryBitmap) (string, bool) {
	if bmp == nil {
		return "", false
	}
	res, err := oned.NewCode128Reader().Decode(bmp, nil)
	if err != nil {
		return "", false
	}
	return res.GetText(), true
}

// gray returns img in grey, each factor × factor block averaged into one
// pixel (a mean keeps thin bitonal strokes as grey rather than losing
// them). The usual decoded types are read row by row without a full-size
// grey copy: this runs on every page of a stack.
func gray(img image.Image, factor int) *image.Gray {
	b := img.Bounds()
	factor = max(1, factor)
	w, h := b.Dx()/factor, b.Dy()/factor
	if m, ok := img.(*image.Gray); ok && factor == 1 {
		return m
	}
	row := lumaRows(img)
	out := image.NewGray(image.Rect(0, 0, w, h))
	n := factor * factor
	sums := make([]int, w)
	line := make([]uint8, b.Dx())
	for y := range h {
		clear(sums)
		for dy := range factor {
			addBlocks(sums, row(b.Min.Y+y*factor+dy, line), factor)
		}
		o := out.Pix[y*out.Stride:]
		for x := range w {
			o[x] = uint8(sums[x] / n)
		}
	}
	return out
}

// lumaRows returns a function that gives row y of img in grey: the
// image's own row when it is grey already, else converted into dst.
func lumaRows(img image.Image) func(y int, dst []uint8) []uint8 {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.Gray:
		return func(y int, dst []uint8) []uint8 { return m.Pix[m.PixOffset(b.Min.X, y):][:len(dst)] }
	case *image.YCbCr:
		// The luma plane is the grey image.
		return func(y int, dst []uint8) []uint8 { return m.Y[m.YOffset(b.Min.X, y):][:len(dst)] }
	case *image.Paletted:
		var lut [256]uint8
		for i, c := range m.Palette {
			lut[i] = color.GrayModel.Convert(c).(color.Gray).Y
		}
		return func(y int, dst []uint8) []uint8 {
			src := m.Pix[m.PixOffset(b.Min.X, y):][:len(dst)]
			for x, v := range src {
				dst[x] = lut[v]
			}
			return dst
		}
	case *image.RGBA:
		return func(y int, dst []uint8) []uint8 { rgbRow(m.Pix[m.PixOffset(b.Min.X, y):], dst); return dst }
	case *image.NRGBA:
		// Scans are opaque: alpha is ignored.
		return func(y int, dst []uint8) []uint8 { rgbRow(m.Pix[m.PixOffset(b.Min.X, y):], dst); return dst }
	}
	return func(y int, dst []uint8) []uint8 {
		for x := range dst {
			dst[x] = color.GrayModel.Convert(img.At(b.Min.X+x, y)).(color.Gray).Y
		}
		return dst
	}
}

// rgbRow converts 4-byte RGBA pixels to grey with the weights of
// color.GrayModel (0.299, 0.587, 0.114).
func rgbRow(src []uint8, dst []uint8) {
	for x := range dst {
		p := src[4*x : 4*x+3]
		dst[x] = uint8((19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 1<<15) >> 16)
	}
}
