package engine

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// pixOf is img as the engine decodes a page scanned to PNG, freed when
// the test ends.
func pixOf(t testing.TB, img image.Image) *pix {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	p, err := readPix(buf.Bytes(), false, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.free)
	return p
}

// imageOf is p written out as the engine writes a page (PNG) and decoded
// again, for a test to read its pixels.
func imageOf(t testing.TB, p *pix) image.Image {
	t.Helper()
	b, err := p.png()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestMaskedBy: the grey page Tesseract reads keeps its pixels within grow
// of the cleaned page's ink and is white elsewhere, to the last pixel of a
// row whose width is no multiple of 32 (the mask is taken a 32-pixel word
// at a time).
func TestMaskedBy(t *testing.T) {
	const w, h, grow = 301, 97, 4
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := uint8(150 + (x*7+y*13)%100) // light, never ink
			switch {
			case (x/40+y/30)%3 == 0 && x%40 < 6 && y%30 < 9: // blocks of ink
				v = 30
			case x == w-1 && y == 50, x == 0 && y == 0, x == 150 && y == h-1: // single dots at the edges
				v = 10
			}
			img.SetGray(x, y, color.Gray{v})
		}
	}
	grey := pixOf(t, img)
	bin, err := grey.threshold(100)
	if err != nil {
		t.Fatal(err)
	}
	defer bin.free()
	out, err := grey.maskedBy(bin, grow)
	if err != nil {
		t.Fatal(err)
	}
	defer out.free()
	got := imageOf(t, out)
	ink := func(x, y int) bool { return x >= 0 && y >= 0 && x < w && y < h && img.GrayAt(x, y).Y < 100 }
	near := func(x, y int) bool {
		for dy := -grow; dy <= grow; dy++ {
			for dx := -grow; dx <= grow; dx++ {
				if ink(x+dx, y+dy) {
					return true
				}
			}
		}
		return false
	}
	bad := 0
	for y := range h {
		for x := range w {
			want := uint8(255)
			if near(x, y) {
				want = img.GrayAt(x, y).Y
			}
			if g := color.GrayModel.Convert(got.At(x, y)).(color.Gray).Y; g != want && bad < 10 {
				bad++
				t.Errorf("pixel %d,%d: %d, want %d", x, y, g, want)
			}
		}
	}
}
