package handdigits

import (
	"image"
	"math"
)

// Render draws a grey digit image (side×side, ink high, as MNIST stores
// it) through an affine map, at zoom times its size, and keeps the pixels
// whose ink reaches level (0–1) as a glyph cut to its ink: a digit as a
// scan's blank crop holds it, thresholded. The map, {a, b, c, d} on the
// centred coordinates (x' = a·x + b·y, y' = c·x + d·y), is the identity
// with {1, 0, 0, 1}. The trainer and the MNIST accuracy test draw their
// digits with it.
func Render(src []byte, side, zoom int, m [4]float64, level float64) Glyph {
	det := m[0]*m[3] - m[1]*m[2]
	if det == 0 || side <= 0 || zoom <= 0 {
		return Glyph{}
	}
	// Inverse map: from the output's pixels back to the source's.
	ia, ib, ic, id := m[3]/det, -m[1]/det, -m[2]/det, m[0]/det
	n := side * zoom * 3 / 2 // room for rotations and shears
	c := float64(n) / 2
	sc := float64(side) / 2
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= side || y >= side {
			return 0
		}
		return float64(src[y*side+x]) / 255
	}
	ink := make([]bool, n*n)
	box := image.Rectangle{}
	for y := range n {
		for x := range n {
			u, v := (float64(x)+0.5-c)/float64(zoom), (float64(y)+0.5-c)/float64(zoom)
			sx, sy := ia*u+ib*v+sc-0.5, ic*u+id*v+sc-0.5
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			fx, fy := sx-float64(x0), sy-float64(y0)
			g := (at(x0, y0)*(1-fx)+at(x0+1, y0)*fx)*(1-fy) + (at(x0, y0+1)*(1-fx)+at(x0+1, y0+1)*fx)*fy
			if g >= level {
				ink[y*n+x] = true
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	if box.Empty() {
		return Glyph{}
	}
	g := Glyph{Box: box, Ink: make([]bool, box.Dx()*box.Dy())}
	for y := box.Min.Y; y < box.Max.Y; y++ {
		copy(g.Ink[(y-box.Min.Y)*box.Dx():], ink[y*n+box.Min.X:y*n+box.Max.X])
	}
	return g
}
