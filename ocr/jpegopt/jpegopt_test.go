package jpegopt

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

func sample(t testing.TB, gray bool) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 67, 41))
	for y := 0; y < 41; y++ {
		for x := 0; x < 67; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 3), uint8(y * 6), uint8((x ^ y) * 5), 255})
		}
	}
	var src image.Image = img
	if gray {
		g := image.NewGray(img.Bounds())
		for i := range g.Pix {
			g.Pix[i] = uint8(i * 7)
		}
		src = g
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, src, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// FuzzRewrite: any bytes give the input back or a JPEG with the same pixels; no panic.
//
//	go test ./pdf/jpegopt -run '^$' -fuzz FuzzRewrite -fuzztime 2m
func FuzzRewrite(f *testing.F) {
	f.Add(sample(f, false))
	f.Add(sample(f, true))
	f.Fuzz(func(t *testing.T, src []byte) {
		out, err := Rewrite(src) // not Optimize, whose recover would hide panics
		if err != nil {
			return
		}
		a, err := jpeg.Decode(bytes.NewReader(src))
		if err != nil {
			return // the input was not decodable by Go either
		}
		b, err := jpeg.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("rewritten JPEG does not decode: %v", err)
		}
		if a.Bounds() != b.Bounds() {
			t.Fatalf("bounds %v -> %v", a.Bounds(), b.Bounds())
		}
		for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
			for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
				r1, g1, b1, _ := a.At(x, y).RGBA()
				r2, g2, b2, _ := b.At(x, y).RGBA()
				if r1 != r2 || g1 != g2 || b1 != b2 {
					t.Fatalf("pixel %d,%d differs", x, y)
				}
			}
		}
	})
}
