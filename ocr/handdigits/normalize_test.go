package handdigits

import (
	"image"
	"math"
	"testing"
)

// boxGlyph is a filled w×h glyph.
func boxGlyph(w, h int) Glyph {
	g := Glyph{Box: image.Rect(0, 0, w, h), Ink: make([]bool, w*h)}
	for i := range g.Ink {
		g.Ink[i] = true
	}
	return g
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		name       string
		g          Glyph
		side       int // the larger side of the ink, in pixels of 28×28
		minColumns int // columns holding ink
	}{
		{"a tall stroke", boxGlyph(12, 40), box, 6},
		{"a wide mark", boxGlyph(40, 16), box, box},
		{"a hairline is thickened to MNIST's pen", boxGlyph(1, 60), box, 2},
		{"a small mark is enlarged", boxGlyph(4, 8), box, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := Normalize(tc.g)
			var mass, mx, my float64
			ink := image.Rectangle{}
			cols := map[int]bool{}
			for i, v := range img {
				if v > 0 {
					x, y := i%Side, i/Side
					mass += float64(v)
					mx += float64(v) * (float64(x) + 0.5)
					my += float64(v) * (float64(y) + 0.5)
					ink = ink.Union(image.Rect(x, y, x+1, y+1))
					cols[x] = true
				}
			}
			if mass == 0 {
				t.Fatal("no ink")
			}
			if s := max(ink.Dx(), ink.Dy()); s < tc.side-1 || s > tc.side+1 {
				t.Errorf("larger side %d px, want %d", s, tc.side)
			}
			if len(cols) < tc.minColumns {
				t.Errorf("ink in %d columns, want at least %d", len(cols), tc.minColumns)
			}
			if cx, cy := mx/mass, my/mass; math.Abs(cx-Side/2) > 0.75 || math.Abs(cy-Side/2) > 0.75 {
				t.Errorf("centre of mass (%.2f, %.2f), want the centre (14, 14)", cx, cy)
			}
		})
	}
}
