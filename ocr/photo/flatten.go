package photo

import (
	"image"
	"math"
)

// Refinement of the sheet's sides on the image Find was given (about
// twice the working size): each side is sampled across its length, the
// edge found along its normal within a few pixels of the working image's
// line, and a chord with a bow fitted to what was found.
const (
	refineSamples = 64
	refineMinHits = 16
	refineOutlier = 1.5 // pixels off the fit that a sample may lie
)

// refine fits each side of the quadrilateral q (corners in pixels of p)
// to the edge in p, and returns the corners where the fitted chords meet
// and the bow of each side. k is the working image's reduction, which
// bounds how far the true edge can lie from q's.
func (p plane) refine(q [4]Point, k float64) (c [4]Point, bows [4]float64) {
	type fitted struct {
		a, b Point // the chord's ends near the quad's corners
		bow  float64
		ok   bool
	}
	// Sides as top, right, bottom, left, each from its start corner to its end.
	ends := [4][2]int{{0, 1}, {1, 2}, {3, 2}, {0, 3}}
	cx, cy := (q[0].X+q[1].X+q[2].X+q[3].X)/4, (q[0].Y+q[1].Y+q[2].Y+q[3].Y)/4
	var sides [4]fitted
	for i, e := range ends {
		a, b := q[e[0]], q[e[1]]
		L := dist(a, b)
		dx, dy := (b.X-a.X)/L, (b.Y-a.Y)/L
		// Outward normal: away from the sheet's centre.
		nx, ny := -dy, dx
		if (a.X+b.X)/2*nx+(a.Y+b.Y)/2*ny < cx*nx+cy*ny {
			nx, ny = -nx, -ny
		}
		reach := 2*k + 3
		var ts, ds []float64
		for s := range refineSamples {
			t := 0.06 + 0.88*float64(s)/float64(refineSamples-1)
			mx, my := a.X+t*(b.X-a.X), a.Y+t*(b.Y-a.Y)
			if d, ok := p.edgeAcross(mx, my, nx, ny, dx, dy, reach); ok {
				ts, ds = append(ts, t), append(ds, d)
			}
		}
		f := fitSide(ts, ds)
		if !f.ok || math.Abs(f.c) > maxBow*L {
			sides[i] = fitted{a: a, b: b}
			continue
		}
		sides[i] = fitted{
			a:   Point{a.X + f.a*nx, a.Y + f.a*ny},
			b:   Point{b.X + f.b*nx, b.Y + f.b*ny},
			bow: f.c, ok: true,
		}
	}
	lineOf := func(f fitted) line2 { return line2{f.a, f.b} }
	for i, pair := range [4][2]int{{0, 3}, {0, 1}, {2, 1}, {2, 3}} { // corner i: where these sides meet
		pt, ok := cross(lineOf(sides[pair[0]]), lineOf(sides[pair[1]]))
		if !ok || dist(pt, q[i]) > 4*k+6 {
			pt = q[i]
		}
		c[i] = pt
	}
	for i := range sides {
		bows[i] = sides[i].bow
	}
	return c, bows
}

type line2 struct{ a, b Point }

func cross(l, m line2) (Point, bool) {
	d1x, d1y := l.b.X-l.a.X, l.b.Y-l.a.Y
	d2x, d2y := m.b.X-m.a.X, m.b.Y-m.a.Y
	det := d1x*d2y - d1y*d2x
	if math.Abs(det) < 1e-9 {
		return Point{}, false
	}
	t := ((m.a.X-l.a.X)*d2y - (m.a.Y-l.a.Y)*d2x) / det
	return Point{l.a.X + t*d1x, l.a.Y + t*d1y}, true
}

// edgeAcross searches along the outward normal (nx, ny) through (x, y),
// within reach pixels either side, for where the brightness falls most
// steeply going outward, averaged over a short stretch along the side
// (dx, dy) so that grain does not decide it; d is that offset, to a tenth
// of a pixel.
func (p plane) edgeAcross(x, y, nx, ny, dx, dy, reach float64) (d float64, ok bool) {
	const step = 0.5
	n := int(2 * reach / step)
	prof := make([]float64, n+3)
	for i := range prof {
		o := -reach - step + float64(i)*step
		v := 0.0
		for _, s := range [3]float64{-1.5, 0, 1.5} {
			v += p.bilinear(x+o*nx+s*dx, y+o*ny+s*dy)
		}
		prof[i] = v / 3
	}
	best, bi := 0.0, -1
	for i := 1; i < len(prof)-1; i++ {
		if g := prof[i-1] - prof[i+1]; g > best {
			best, bi = g, i
		}
	}
	// A paper edge drops the log-brightness by well over 0.1 across a pixel.
	if bi < 0 || best < 2*step*edgeMin {
		return 0, false
	}
	// Sub-sample peak by a parabola through the neighbours.
	off := 0.0
	if bi > 1 && bi < len(prof)-2 {
		g0, g2 := prof[bi-2]-prof[bi], prof[bi]-prof[bi+2]
		if den := g0 - 2*best + g2; den < 0 {
			off = 0.5 * (g0 - g2) / den
		}
	}
	return -reach - step + (float64(bi)+off)*step, true
}

func (p plane) bilinear(x, y float64) float64 {
	x, y = math.Max(0, math.Min(float64(p.w)-1.001, x)), math.Max(0, math.Min(float64(p.h)-1.001, y))
	ix, iy := int(x), int(y)
	fx, fy := x-float64(ix), y-float64(iy)
	i := iy*p.w + ix
	return float64(p.v[i])*(1-fx)*(1-fy) + float64(p.v[i+1])*fx*(1-fy) +
		float64(p.v[i+p.w])*(1-fx)*fy + float64(p.v[i+p.w+1])*fx*fy
}

// sideFit is d(t) = a(1−t) + b·t + c·4t(1−t): the offsets of a side's
// edge from the first guess, as a chord from a to b plus a bow c.
type sideFit struct {
	a, b, c float64
	ok      bool
}

// fitSide fits the offsets ds at positions ts by least squares, drops
// samples farther than refineOutlier from the fit (a finger, a fold, a
// neighbouring object's edge) and fits again.
func fitSide(ts, ds []float64) sideFit {
	use := make([]bool, len(ts))
	for i := range use {
		use[i] = true
	}
	var f sideFit
	for pass := range 3 {
		var m [3][4]float64
		n := 0
		for i, t := range ts {
			if !use[i] {
				continue
			}
			row := [3]float64{1 - t, t, 4 * t * (1 - t)}
			for r := range 3 {
				for c := range 3 {
					m[r][c] += row[r] * row[c]
				}
				m[r][3] += row[r] * ds[i]
			}
			n++
		}
		if n < refineMinHits {
			return sideFit{}
		}
		x, ok := solve3(m)
		if !ok {
			return sideFit{}
		}
		f = sideFit{x[0], x[1], x[2], true}
		if pass == 2 {
			break
		}
		// The first pass drops gross outliers (median residual based), the
		// second the rest.
		res := make([]float64, 0, len(ts))
		for i, t := range ts {
			if use[i] {
				res = append(res, math.Abs(ds[i]-f.at(t)))
			}
		}
		lim := refineOutlier
		if pass == 0 {
			lim = math.Max(refineOutlier, 3*medianOf(res))
		}
		for i, t := range ts {
			use[i] = use[i] && math.Abs(ds[i]-f.at(t)) <= lim
		}
	}
	return f
}

func (f sideFit) at(t float64) float64 { return f.a*(1-t) + f.b*t + f.c*4*t*(1-t) }

func medianOf(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

// solve3 solves a 3×3 system given as an augmented matrix.
func solve3(m [3][4]float64) ([3]float64, bool) {
	for c := range 3 {
		p := c
		for r := c + 1; r < 3; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[p][c]) {
				p = r
			}
		}
		if math.Abs(m[p][c]) < 1e-9 {
			return [3]float64{}, false
		}
		m[c], m[p] = m[p], m[c]
		for r := range 3 {
			if r != c {
				f := m[r][c] / m[c][c]
				for k := c; k < 4; k++ {
					m[r][k] -= f * m[c][k]
				}
			}
		}
	}
	return [3]float64{m[0][3] / m[0][0], m[1][3] / m[1][1], m[2][3] / m[2][2]}, true
}

// Homography returns the 3×3 matrix (row major, h[8] = 1) of the
// projective map that takes each point of from to the same point of to.
func Homography(from, to [4]Point) [9]float64 {
	var a [8][9]float64
	for i := range 4 {
		x, y, u, v := from[i].X, from[i].Y, to[i].X, to[i].Y
		a[2*i] = [9]float64{x, y, 1, 0, 0, 0, -u * x, -u * y, u}
		a[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -v * x, -v * y, v}
	}
	// Gauss-Jordan with partial pivoting.
	for c := range 8 {
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		for r := range 8 {
			if r != c && a[c][c] != 0 {
				f := a[r][c] / a[c][c]
				for k := c; k < 9; k++ {
					a[r][k] -= f * a[c][k]
				}
			}
		}
	}
	var h [9]float64
	for i := range 8 {
		h[i] = a[i][8] / a[i][i]
	}
	h[8] = 1
	return h
}

// Apply maps a point by the homography h.
func Apply(h [9]float64, p Point) Point {
	w := h[6]*p.X + h[7]*p.Y + h[8]
	return Point{(h[0]*p.X + h[1]*p.Y + h[2]) / w, (h[3]*p.X + h[4]*p.Y + h[5]) / w}
}

// source returns where the point (s, t) of the flattened page, in
// fractions of its width and height, lies in the photo: the projective
// map of the corners, moved outward by each side's bow where it is near
// that side (a curl lifts the paper along an edge, and the lines of text
// near it follow).
func (s Sheet) source(h [9]float64, normals [4]Point, u, v float64) Point {
	p := Apply(h, Point{u, v})
	bt, br := s.Bow[0]*4*u*(1-u)*(1-v), s.Bow[1]*4*v*(1-v)*u
	bb, bl := s.Bow[2]*4*u*(1-u)*v, s.Bow[3]*4*v*(1-v)*(1-u)
	p.X += bt*normals[0].X + br*normals[1].X + bb*normals[2].X + bl*normals[3].X
	p.Y += bt*normals[0].Y + br*normals[1].Y + bb*normals[2].Y + bl*normals[3].Y
	return p
}

// outwardNormals returns the unit outward normal of each side's chord.
func (s Sheet) outwardNormals() (n [4]Point) {
	c := s.Corners
	cx, cy := (c[0].X+c[1].X+c[2].X+c[3].X)/4, (c[0].Y+c[1].Y+c[2].Y+c[3].Y)/4
	for i, e := range [4][2]int{{0, 1}, {1, 2}, {3, 2}, {0, 3}} {
		a, b := c[e[0]], c[e[1]]
		L := dist(a, b)
		nx, ny := -(b.Y-a.Y)/L, (b.X-a.X)/L
		if (a.X+b.X)/2*nx+(a.Y+b.Y)/2*ny < cx*nx+cy*ny {
			nx, ny = -nx, -ny
		}
		n[i] = Point{nx, ny}
	}
	return n
}

// cell is the size of the grid on which the map is computed exactly; in
// between it is interpolated, which over so few pixels of a smooth map
// errs by far less than a pixel and makes the pass cheap.
const cell = 16

// Flatten maps the sheet in src onto dst, which must be Width×Height.
// Pixels are sampled bilinearly byte by byte, so any 4-byte pixel layout
// works as long as src and dst share it; outside src the page is white.
func (s Sheet) Flatten(dst, src *image.RGBA) {
	W, H := dst.Bounds().Dx(), dst.Bounds().Dy()
	h := Homography([4]Point{{0, 0}, {1, 0}, {1, 1}, {0, 1}}, s.Corners)
	normals := s.outwardNormals()
	gw, gh := W/cell+2, H/cell+2
	grid := make([]Point, gw*gh)
	for gy := range gh {
		for gx := range gw {
			grid[gy*gw+gx] = s.source(h, normals, float64(gx*cell)/float64(W), float64(gy*cell)/float64(H))
		}
	}
	sb := src.Bounds()
	sw, sh := sb.Dx(), sb.Dy()
	for y := range H {
		gy, fy := y/cell, (float64(y%cell)+0.5)/cell
		row := dst.Pix[dst.PixOffset(dst.Bounds().Min.X, dst.Bounds().Min.Y+y):]
		for x0 := 0; x0 < W; x0 += cell {
			gx := x0 / cell
			p00, p10 := grid[gy*gw+gx], grid[gy*gw+gx+1]
			p01, p11 := grid[(gy+1)*gw+gx], grid[(gy+1)*gw+gx+1]
			// Left and right ends of this row's stretch, then steps across.
			lx, ly := p00.X+(p01.X-p00.X)*fy, p00.Y+(p01.Y-p00.Y)*fy
			rx, ry := p10.X+(p11.X-p10.X)*fy, p10.Y+(p11.Y-p10.Y)*fy
			dx, dy := (rx-lx)/cell, (ry-ly)/cell
			for x := x0; x < min(W, x0+cell); x++ {
				// Pixel centres: the map takes corners, so sample half a pixel in.
				sx, sy := lx+dx*(float64(x-x0)+0.5)-0.5, ly+dy*(float64(x-x0)+0.5)-0.5
				sampleRGBA(row[4*x:4*x+4], src, sb.Min, sw, sh, sx, sy)
			}
		}
	}
}

// sampleRGBA writes the bilinear sample of src at (x, y) into out.
func sampleRGBA(out []byte, src *image.RGBA, min image.Point, w, h int, x, y float64) {
	if x < 0 || y < 0 || x > float64(w-1) || y > float64(h-1) {
		out[0], out[1], out[2], out[3] = 255, 255, 255, 255
		return
	}
	ix, iy := int(x), int(y)
	if ix >= w-1 {
		ix = w - 2
	}
	if iy >= h-1 {
		iy = h - 2
	}
	fx, fy := int((x-float64(ix))*256), int((y-float64(iy))*256)
	i := src.PixOffset(min.X+ix, min.Y+iy)
	a, b := src.Pix[i:i+8], src.Pix[i+src.Stride:i+src.Stride+8]
	for c := range 4 {
		top := int(a[c])*(256-fx) + int(a[c+4])*fx
		bot := int(b[c])*(256-fx) + int(b[c+4])*fx
		out[c] = byte((top*(256-fy) + bot*fy + 1<<15) >> 16)
	}
}
