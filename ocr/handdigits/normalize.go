package handdigits

import "math"

const (
	// box is the side of the square MNIST fits each digit in.
	box = 20
	// strokeWidth is the width of a stroke, in pixels of the 28×28 image,
	// that MNIST's pens leave; thinner strokes (a ballpoint on a scan
	// shrunk from 40 px) are thickened to it.
	strokeWidth = 2.2
	// supersample: each output pixel averages supersample² points.
	supersample = 4
)

// Normalize draws a glyph as MNIST draws its digits: scaled, keeping its
// aspect, so its larger side is 20 pixels, antialiased, and placed in the
// 28×28 image with its centre of mass at the centre. Strokes thinner than
// MNIST's are thickened first. Ink is 1, paper 0.
func Normalize(g Glyph) [Side * Side]float32 {
	var out [Side * Side]float32
	w, h := g.Box.Dx(), g.Box.Dy()
	if w == 0 || h == 0 {
		return out
	}
	scale := float64(box) / float64(max(w, h))
	ink := g.Ink
	if r := int(math.Round((strokeWidth/scale - strokeOf(g)) / 2)); r > 0 {
		ink, w, h = thicken(g, r)
		scale = float64(box) / float64(max(w, h))
	}
	tw, th := max(1, int(math.Round(float64(w)*scale))), max(1, int(math.Round(float64(h)*scale)))
	small := make([]float32, tw*th)
	var mass, mx, my float64
	for ty := range th {
		for tx := range tw {
			n := 0
			for sy := range supersample {
				y := int((float64(ty) + (float64(sy)+0.5)/supersample) / scale)
				for sx := range supersample {
					x := int((float64(tx) + (float64(sx)+0.5)/supersample) / scale)
					if x < w && y < h && ink[y*w+x] {
						n++
					}
				}
			}
			v := float32(n) / (supersample * supersample)
			small[ty*tw+tx] = v
			mass += float64(v)
			mx += float64(v) * (float64(tx) + 0.5)
			my += float64(v) * (float64(ty) + 0.5)
		}
	}
	if mass == 0 {
		return out
	}
	ox := int(math.Round(Side/2 - mx/mass))
	oy := int(math.Round(Side/2 - my/mass))
	for ty := range th {
		for tx := range tw {
			if x, y := tx+ox, ty+oy; x >= 0 && y >= 0 && x < Side && y < Side {
				out[y*Side+x] = small[ty*tw+tx]
			}
		}
	}
	return out
}

// strokeOf estimates the width of a glyph's strokes: twice its ink's area
// over its outline's length.
func strokeOf(g Glyph) float64 {
	w, h := g.Box.Dx(), g.Box.Dy()
	at := func(x, y int) bool { return x >= 0 && y >= 0 && x < w && y < h && g.Ink[y*w+x] }
	area, edges := 0, 0
	for y := range h {
		for x := range w {
			if !at(x, y) {
				continue
			}
			area++
			for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				if !at(x+d[0], y+d[1]) {
					edges++
				}
			}
		}
	}
	if edges == 0 {
		return 0
	}
	return 2 * float64(area) / float64(edges)
}

// thicken dilates a glyph's ink by r pixels (a square pen), growing its box.
func thicken(g Glyph, r int) ([]bool, int, int) {
	w, h := g.Box.Dx(), g.Box.Dy()
	W, H := w+2*r, h+2*r
	out := make([]bool, W*H)
	for y := range h {
		for x := range w {
			if !g.Ink[y*w+x] {
				continue
			}
			for dy := 0; dy <= 2*r; dy++ {
				row := out[(y+dy)*W:]
				for dx := 0; dx <= 2*r; dx++ {
					row[x+dx] = true
				}
			}
		}
	}
	return out, W, H
}
