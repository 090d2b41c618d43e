package stack

import (
	"image"
	"math/rand/v2"
	"testing"

	"github.com/makiuchi-d/gozxing"
)

// TestBlackMatrix: the word-at-a-time binarizer gives gozxing's
// HybridBinarizer's bits exactly, on pages whose sides are and are not
// multiples of the 8-pixel block (the last blocks overlap), with flat
// paper, ink, ramps and noise.
func TestBlackMatrix(t *testing.T) {
	noisy := func(w, h int) *image.Gray {
		g := testPage(w, h)
		r := rand.New(rand.NewPCG(5, 6))
		for i := range g.Pix {
			if r.IntN(50) == 0 {
				g.Pix[i] = uint8(r.IntN(256))
			}
		}
		return g
	}
	// Every pixel random: each block's threshold differs, so where the
	// last blocks overlap the others, both decisions count.
	random := func(w, h int) *image.Gray {
		g := image.NewGray(image.Rect(0, 0, w, h))
		r := rand.New(rand.NewPCG(7, 8))
		for i := range g.Pix {
			g.Pix[i] = uint8(r.IntN(256))
		}
		return g
	}
	for _, g := range []*image.Gray{testPage(613, 827), testPage(640, 800), noisy(401, 399), testPage(41, 300), noisy(60, 45), random(203, 205)} {
		w, h := g.Rect.Dx(), g.Rect.Dy()
		src, err := gozxing.NewPlanarYUVLuminanceSource(g.Pix, g.Stride, h, 0, 0, w, h, false)
		if err != nil {
			t.Fatal(err)
		}
		want, err := gozxing.NewHybridBinarizer(src).GetBlackMatrix()
		if err != nil {
			t.Fatal(err)
		}
		got, err := newBlackMatrix(g, src).GetBlackMatrix()
		if err != nil {
			t.Fatal(err)
		}
		diff := 0
		for y := range h {
			for x := range w {
				if got.Get(x, y) != want.Get(x, y) {
					diff++
				}
			}
		}
		if diff != 0 {
			t.Errorf("%dx%d: %d pixels differ from the hybrid binarizer", w, h, diff)
		}
	}
}
