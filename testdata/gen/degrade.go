package main

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
)

// Degradations, each what a real desk produces. All work in place on RGBA
// (alpha stays opaque) or return a new image, and draw randomness only from
// the page's own stream so a page is reproducible.

func clamp8(v float64) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}

// smoothField is low-frequency random variation: an nx×ny grid of N(0,1)
// values interpolated bilinearly to w×h.
type smoothField struct {
	nx, ny int
	cw, ch float64
	v      []float64
}

func newSmoothField(rnd *rand.Rand, w, h int, cell float64) smoothField {
	f := smoothField{nx: int(float64(w)/cell) + 2, ny: int(float64(h)/cell) + 2, cw: cell, ch: cell}
	f.v = make([]float64, f.nx*f.ny)
	for i := range f.v {
		f.v[i] = rnd.NormFloat64()
	}
	return f
}

func (f smoothField) at(x, y int) float64 {
	fx, fy := float64(x)/f.cw, float64(y)/f.ch
	ix, iy := int(fx), int(fy)
	tx, ty := fx-float64(ix), fy-float64(iy)
	// Smoothstep hides the grid.
	tx, ty = tx*tx*(3-2*tx), ty*ty*(3-2*ty)
	i := iy*f.nx + ix
	a := f.v[i]*(1-tx) + f.v[i+1]*tx
	b := f.v[i+f.nx]*(1-tx) + f.v[i+f.nx+1]*tx
	return a*(1-ty) + b*ty
}

// grain gives the paper a texture: blotches a few millimetres wide, fine
// fibre-scale mottling and dark specks of dust and fibre. Text ink is
// multiplied too, as on real recycled paper.
func grain(img *image.RGBA, rnd *rand.Rand, dpi float64, strength float64) (specks int) {
	b := img.Bounds()
	// Three octaves of value noise (about 4, 1.5 and 0.5 mm) look like
	// paper cloudiness rather than a grid.
	o1 := newSmoothField(rnd, b.Dx(), b.Dy(), dpi/6)
	o2 := newSmoothField(rnd, b.Dx(), b.Dy(), dpi/16)
	o3 := newSmoothField(rnd, b.Dx(), b.Dy(), dpi/50)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[(y-b.Min.Y)*img.Stride:]
		for x := b.Min.X; x < b.Max.X; x++ {
			m := 1 + strength*(0.02*o1.at(x, y)+0.016*o2.at(x, y)+0.01*o3.at(x, y)+0.005*rnd.NormFloat64())
			p := row[(x-b.Min.X)*4:]
			p[0], p[1], p[2] = clamp8(float64(p[0])*m), clamp8(float64(p[1])*m), clamp8(float64(p[2])*m)
		}
	}
	// Specks: dust and dark fibres, 0.1-0.5 mm, mostly faint.
	area := float64(b.Dx()*b.Dy()) / (dpi * dpi) // square inches
	specks = int(area * strength * (8 + 8*rnd.Float64()))
	for i := 0; i < specks; i++ {
		cx, cy := b.Min.X+rnd.IntN(b.Dx()), b.Min.Y+rnd.IntN(b.Dy())
		rad := dpi / 25.4 * (0.05 + 0.2*rnd.Float64()*rnd.Float64())
		dark := 0.25 + 0.6*rnd.Float64()
		elong := 1 + 3*rnd.Float64()*rnd.Float64()
		ang := rnd.Float64() * math.Pi
		ca, sa := math.Cos(ang), math.Sin(ang)
		ext := int(rad*elong) + 2
		for y := cy - ext; y <= cy+ext; y++ {
			for x := cx - ext; x <= cx+ext; x++ {
				if !(image.Point{x, y}.In(b)) {
					continue
				}
				dx, dy := float64(x-cx), float64(y-cy)
				u, v := (dx*ca+dy*sa)/elong, -dx*sa+dy*ca
				c := rad + 0.5 - math.Hypot(u, v)
				if c <= 0 {
					continue
				}
				k := 1 - dark*math.Min(1, c)
				p := img.Pix[img.PixOffset(x, y):]
				p[0], p[1], p[2] = clamp8(float64(p[0])*k), clamp8(float64(p[1])*k), clamp8(float64(p[2])*k)
			}
		}
	}
	return specks
}

// rotate turns the content counter-clockwise by deg degrees (as seen on
// screen) about the page centre, keeping the page size; uncovered corners
// get the paper colour. Bilinear sampling.
func rotate(src *image.RGBA, deg float64, fill color.RGBA) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	th := deg * math.Pi / 180
	c, s := math.Cos(th), math.Sin(th)
	cx, cy := float64(w)/2, float64(h)/2
	fillPx := [4]uint8{fill.R, fill.G, fill.B, 255}
	for y := 0; y < h; y++ {
		dy := float64(y) + 0.5 - cy
		for x := 0; x < w; x++ {
			dx := float64(x) + 0.5 - cx
			// Inverse of the screen-CCW rotation (y axis points down):
			// source = R(-θ) applied to the destination offset.
			sx := dx*c - dy*s + cx - 0.5
			sy := dx*s + dy*c + cy - 0.5
			o := y*dst.Stride + x*4
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			if x0 < -1 || y0 < -1 || x0 >= w || y0 >= h {
				copy(dst.Pix[o:o+4], fillPx[:])
				continue
			}
			fx, fy := sx-float64(x0), sy-float64(y0)
			for ch := 0; ch < 3; ch++ {
				get := func(xx, yy int) float64 {
					if xx < 0 || yy < 0 || xx >= w || yy >= h {
						return float64(fillPx[ch])
					}
					return float64(src.Pix[yy*src.Stride+xx*4+ch])
				}
				v := (get(x0, y0)*(1-fx)+get(x0+1, y0)*fx)*(1-fy) + (get(x0, y0+1)*(1-fx)+get(x0+1, y0+1)*fx)*fy
				dst.Pix[o+ch] = clamp8(v)
			}
			dst.Pix[o+3] = 255
		}
	}
	return dst
}

// turn rotates the image counter-clockwise by a multiple of 90 degrees,
// exactly (a page fed sideways or upside down). The page then needs turning
// clockwise by the same angle to be upright.
func turn(src *image.RGBA, ccw int) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	var dst *image.RGBA
	switch ccw % 360 {
	case 0:
		return src
	case 90, 270:
		dst = image.NewRGBA(image.Rect(0, 0, h, w))
	case 180:
		dst = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	dw, dh := dst.Bounds().Dx(), dst.Bounds().Dy()
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			var sx, sy int
			switch ccw % 360 {
			case 90: // top edge goes to the left edge
				sx, sy = w-1-y, x
			case 180:
				sx, sy = w-1-x, h-1-y
			case 270:
				sx, sy = y, h-1-x
			}
			copy(dst.Pix[y*dst.Stride+x*4:y*dst.Stride+x*4+4], src.Pix[sy*src.Stride+sx*4:])
		}
	}
	return dst
}

// unevenLight darkens the page along a direction (a curled page or a lid
// not closed), by up to depth at the far side.
func unevenLight(img *image.RGBA, angle, depth float64) {
	b := img.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	ca, sa := math.Cos(angle), math.Sin(angle)
	// Project the corners to normalise the ramp to 0..1.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range [][2]float64{{0, 0}, {w, 0}, {0, h}, {w, h}} {
		v := p[0]*ca + p[1]*sa
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			t := (float64(x)*ca + float64(y)*sa - lo) / (hi - lo)
			m := 1 - depth*t*t
			p := img.Pix[y*img.Stride+x*4:]
			p[0], p[1], p[2] = clamp8(float64(p[0])*m), clamp8(float64(p[1])*m), clamp8(float64(p[2])*m)
		}
	}
}

// darkBorder paints the scanner lid's dark frame along the given edges
// (left, top, right, bottom widths in pixels; 0 means none), with a ragged
// inner edge and a short shadow gradient into the paper.
func darkBorder(img *image.RGBA, rnd *rand.Rand, widths [4]int, level uint8) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	soft := 6.0
	for e, bw := range widths {
		if bw == 0 {
			continue
		}
		n := w
		if e == 0 || e == 2 {
			n = h
		}
		// Ragged edge: a smooth random walk of about ±1.5% of the width.
		edge := make([]float64, n)
		v := 0.0
		for i := range edge {
			v += rnd.NormFloat64() * 0.6
			v *= 0.995
			edge[i] = float64(bw) + v
		}
		for i := 0; i < n; i++ {
			lim := edge[i] + soft*3
			for d := 0; d < int(lim) && d < min(w, h); d++ {
				var x, y int
				switch e {
				case 0:
					x, y = d, i
				case 1:
					x, y = i, d
				case 2:
					x, y = w-1-d, i
				case 3:
					x, y = i, h-1-d
				}
				// 1 inside the border, falling to 0 over the shadow.
				k := 1.0
				if float64(d) > edge[i] {
					k = 0.35 * math.Exp(-(float64(d)-edge[i])/soft)
				}
				p := img.Pix[y*img.Stride+x*4:]
				for ch := 0; ch < 3; ch++ {
					p[ch] = clamp8(float64(p[ch])*(1-k) + float64(level)*k)
				}
			}
		}
	}
}

// gaussianBlur blurs with a separable Gaussian of the given sigma (pixels):
// an out-of-focus scanner or a page not flat on the glass.
func gaussianBlur(img *image.RGBA, sigma float64) {
	r := int(math.Ceil(sigma * 3))
	k := make([]float64, 2*r+1)
	sum := 0.0
	for i := range k {
		d := float64(i - r)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	buf := make([]float64, max(w, h)*3)
	// Rows.
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride:]
		for x := 0; x < w; x++ {
			var a [3]float64
			for i, kv := range k {
				xx := min(max(x+i-r, 0), w-1)
				a[0] += kv * float64(row[xx*4])
				a[1] += kv * float64(row[xx*4+1])
				a[2] += kv * float64(row[xx*4+2])
			}
			copy(buf[x*3:], a[:])
		}
		for x := 0; x < w; x++ {
			row[x*4], row[x*4+1], row[x*4+2] = clamp8(buf[x*3]), clamp8(buf[x*3+1]), clamp8(buf[x*3+2])
		}
	}
	// Columns.
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			var a [3]float64
			for i, kv := range k {
				yy := min(max(y+i-r, 0), h-1)
				o := yy*img.Stride + x*4
				a[0] += kv * float64(img.Pix[o])
				a[1] += kv * float64(img.Pix[o+1])
				a[2] += kv * float64(img.Pix[o+2])
			}
			copy(buf[y*3:], a[:])
		}
		for y := 0; y < h; y++ {
			o := y*img.Stride + x*4
			img.Pix[o], img.Pix[o+1], img.Pix[o+2] = clamp8(buf[y*3]), clamp8(buf[y*3+1]), clamp8(buf[y*3+2])
		}
	}
}

// noise adds sensor noise (Gaussian, sigma in grey levels, mostly
// luminance) and salt-and-pepper dropouts with the given density.
func noise(img *image.RGBA, rnd *rand.Rand, sigma, saltPepper float64) {
	b := img.Bounds()
	for y := 0; y < b.Dy(); y++ {
		row := img.Pix[y*img.Stride:]
		for x := 0; x < b.Dx(); x++ {
			p := row[x*4:]
			if saltPepper > 0 && rnd.Float64() < saltPepper {
				v := uint8(0)
				if rnd.IntN(2) == 0 {
					v = 255
				}
				p[0], p[1], p[2] = v, v, v
				continue
			}
			n := rnd.NormFloat64() * sigma
			p[0] = clamp8(float64(p[0]) + n + rnd.NormFloat64()*sigma*0.2)
			p[1] = clamp8(float64(p[1]) + n)
			p[2] = clamp8(float64(p[2]) + n + rnd.NormFloat64()*sigma*0.2)
		}
	}
}

// toGray converts with Rec. 601 luma, as scanners and libjpeg do.
func toGray(src *image.RGBA) *image.Gray {
	b := src.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			p := src.Pix[y*src.Stride+x*4:]
			g.Pix[y*g.Stride+x] = clamp8(0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2]))
		}
	}
	return g
}

// toBitonal thresholds grey at level: what a bitonal (1-bit) scan setting
// does. The result encodes as a 1-bit PNG.
func toBitonal(g *image.Gray, level uint8) *image.Paletted {
	b := g.Bounds()
	p := image.NewPaletted(b, color.Palette{color.Gray{0}, color.Gray{255}})
	for i, v := range g.Pix {
		if v >= level {
			p.Pix[i] = 1
		}
	}
	return p
}
