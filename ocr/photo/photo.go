// Package photo finds the sheet of paper in a phone photo and maps it flat.
//
// A page photographed lying on a table shows as a quadrilateral
// (perspective), its edges slightly bowed where the paper curls, on a
// background that may be dark, coloured or cluttered, under light that
// falls off across it. Find locates the sheet's four edges on a small copy
// of the photo; Sheet.Flatten maps the sheet onto an upright rectangle at
// full resolution, so that OCR reads straight lines of even-sized letters
// and the PDF keeps the page, not the table.
//
// The package is pure Go and its cost is bounded: Find works on an image
// the caller has reduced to at most MaxSide pixels long, whatever the
// photo's size, and Flatten is one pass over the output.
package photo

import (
	"image"
	"math"
	"sort"
)

// MaxSide is the longest side, in pixels, of the image Find expects: the
// caller shrinks the photo to it first (area averaging), which keeps the
// sheet's edges to within a pixel or two of the photo's while bounding the
// work.
const MaxSide = 1000

// Point is a position in image pixels.
type Point struct{ X, Y float64 }

// Sheet is a sheet of paper found in a photo.
type Sheet struct {
	// Corners in the photo, in pixel-edge coordinates (the top-left pixel
	// spans 0 to 1): top-left, top-right, bottom-right, bottom-left as the
	// photo shows them (a page photographed sideways is turned upright
	// later, by the reading).
	Corners [4]Point
	// Bow is how far the middle of each side (top, right, bottom, left)
	// lies outward of the straight line between its corners, in pixels: a
	// curling page bows its edges, and the text inside follows them.
	Bow [4]float64
	// Width and Height are the flattened page's size in pixels: the
	// sheet's proportion (see size) at a scale that loses no detail of
	// its near half.
	Width, Height int
}

// Tuning of the search. Lengths are in pixels of the working image (about
// 500 pixels long) unless they say otherwise.
const (
	workSide    = 500  // the sheet is searched at this size...
	closeRadius = 3    // ...after a grey closing this wide erases the text
	edgeMin     = 0.08 // log-brightness change per pixel of an edge: a paper edge gives 0.2-0.5, a shadow's soft edge 0.03
	angleSpread = 10   // degrees either side of an edge point's gradient it votes for (staircase edges turn it)
	maxLines    = 30   // candidate lines kept per direction (patterned tables and floors bring many)
	// A sheet must cover this share of the photo, and each of its sides be
	// seen as an edge along this share of its length (and all four along
	// minSupport): a thumb or an object may hide a part, not a side.
	minArea        = 0.20
	minSideSupport = 0.6
	minSupport     = 0.65
	// A sheet that fills the frame squarely is a scan, and is left alone:
	// a photo shows this share of background around the sheet, or sides
	// this far from parallel (degrees).
	minBackground  = 0.08
	minPerspective = 1.0
	maxBow         = 0.03 // of a side's length: more is not a curl but a wrong edge
	a4Ratio        = math.Sqrt2
	a4Snap         = 0.10 // proportions this close to A4 are taken as A4
)

// Find looks for one sheet of paper lying on a background in img, a photo
// reduced to at most MaxSide pixels. It returns ok false when it cannot be
// sure of one: no clear four-sided edge, or a sheet that fills the frame
// squarely as a scan does (those are left as they are).
func Find(img *image.RGBA) (s Sheet, ok bool) {
	b := img.Bounds()
	if b.Dx() < 64 || b.Dy() < 64 || max(b.Dx(), b.Dy()) > 2*MaxSide {
		return Sheet{}, false
	}
	full := paperness(img)
	if full.fillsFrame() {
		return Sheet{}, false
	}
	k := max(1, (max(b.Dx(), b.Dy())+workSide-1)/workSide)
	work := full.shrink(k)
	work = work.closing(closeRadius)
	g := work.gradient()
	lines := g.lines()
	q, ok := g.bestQuad(lines)
	if !ok {
		return Sheet{}, false
	}
	// Working pixel i covers full pixels i·k to (i+1)·k; refine works in
	// full pixel indices, the sheet in pixel-edge coordinates.
	for i := range q {
		q[i] = Point{(q[i].X+0.5)*float64(k) - 0.5, (q[i].Y+0.5)*float64(k) - 0.5}
	}
	corners, bows := full.refine(q, float64(k))
	for i := range corners {
		corners[i] = Point{corners[i].X + 0.5, corners[i].Y + 0.5}
	}
	s = Sheet{Corners: corners, Bow: bows}
	w := float64(b.Dx() * b.Dy())
	if area(corners) < minArea*w || !convex(corners) {
		return Sheet{}, false
	}
	if 1-area(corners)/w < minBackground && perspective(corners) < minPerspective {
		return Sheet{}, false
	}
	s.Width, s.Height = size(corners, b.Dx(), b.Dy())
	return s, true
}

// Scale returns the sheet as found in an image f times larger.
func (s Sheet) Scale(f float64) Sheet {
	for i := range s.Corners {
		s.Corners[i] = Point{s.Corners[i].X * f, s.Corners[i].Y * f}
		s.Bow[i] *= f
	}
	s.Width = int(math.Round(float64(s.Width) * f))
	s.Height = int(math.Round(float64(s.Height) * f))
	return s
}

// size is the flattened page's size. The proportion comes from the
// camera geometry when the corners allow it (Zhang and He, "Whiteboard
// scanning and image enhancement", 2007: the focal length follows from
// the vanishing points, the true proportion from the focal length),
// otherwise from the mean lengths of opposite sides; it is snapped to A4
// when close. The size is then the smallest of that proportion that keeps
// every side's pixels (the near half of a tilted page shows most detail).
// w, h are the photo's size, whose centre is taken as the principal point.
func size(c [4]Point, w, h int) (fw, fh int) {
	ratio := (dist(c[0], c[3]) + dist(c[1], c[2])) / (dist(c[0], c[1]) + dist(c[3], c[2]))
	// The camera's answer is trusted only near the plain one: corners a
	// pixel off, or a camera whose centre is not the frame's (a cropped
	// photo), can throw it far.
	if cam, ok := cameraRatio(c, float64(w)/2, float64(h)/2); ok && math.Abs(cam/ratio-1) < 0.15 {
		ratio = cam
	}
	switch {
	case math.Abs(ratio/a4Ratio-1) < a4Snap:
		ratio = a4Ratio
	case math.Abs(ratio*a4Ratio-1) < a4Snap:
		ratio = 1 / a4Ratio
	}
	maxW := math.Max(dist(c[0], c[1]), dist(c[3], c[2]))
	maxH := math.Max(dist(c[0], c[3]), dist(c[1], c[2]))
	W := math.Max(maxW, maxH/ratio)
	return int(math.Round(W)), int(math.Round(W * ratio))
}

// cameraRatio is the height/width proportion of the rectangle whose
// photo has corners c (top-left, top-right, bottom-right, bottom-left),
// for a pinhole camera with its principal point at (u0, v0); ok is false
// when the corners show too little perspective to tell, or an impossible
// camera.
func cameraRatio(c [4]Point, u0, v0 float64) (float64, bool) {
	type v3 [3]float64
	crossP := func(a, b v3) v3 { return v3{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]} }
	dot := func(a, b v3) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
	// m1..m4: (0,0), (w,0), (0,h), (w,h) of the rectangle.
	m1, m2, m3, m4 := v3{c[0].X, c[0].Y, 1}, v3{c[1].X, c[1].Y, 1}, v3{c[3].X, c[3].Y, 1}, v3{c[2].X, c[2].Y, 1}
	k2 := dot(crossP(m1, m4), m3) / dot(crossP(m2, m4), m3)
	k3 := dot(crossP(m1, m4), m2) / dot(crossP(m3, m4), m2)
	n2 := v3{k2*m2[0] - m1[0], k2*m2[1] - m1[1], k2*m2[2] - m1[2]}
	n3 := v3{k3*m3[0] - m1[0], k3*m3[1] - m1[1], k3*m3[2] - m1[2]}
	if math.Abs(n2[2]) < 1e-3 || math.Abs(n3[2]) < 1e-3 {
		return 0, false // sides (nearly) parallel: no vanishing point
	}
	f2 := -((n2[0]*n3[0] - (n2[0]*n3[2]+n2[2]*n3[0])*u0 + n2[2]*n3[2]*u0*u0) +
		(n2[1]*n3[1] - (n2[1]*n3[2]+n2[2]*n3[1])*v0 + n2[2]*n3[2]*v0*v0)) / (n2[2] * n3[2])
	diag := 2 * math.Hypot(u0, v0)
	// Phone cameras: a focal length of 0.5 to 3 frame diagonals.
	if f2 <= 0 || f2 < 0.25*diag*diag || f2 > 9*diag*diag {
		return 0, false
	}
	q := func(n v3) float64 {
		x, y := n[0]-u0*n[2], n[1]-v0*n[2]
		return (x*x+y*y)/f2 + n[2]*n[2]
	}
	wh := math.Sqrt(q(n2) / q(n3)) // width / height
	if !(wh > 0.2 && wh < 5) {
		return 0, false
	}
	return 1 / wh, true
}

func dist(a, b Point) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

// area of a quadrilateral (shoelace).
func area(c [4]Point) float64 {
	a := 0.0
	for i := range 4 {
		j := (i + 1) % 4
		a += c[i].X*c[j].Y - c[j].X*c[i].Y
	}
	return math.Abs(a) / 2
}

// convex tells whether the corners, in order, turn the same way at each.
func convex(c [4]Point) bool {
	sign := 0.0
	for i := range 4 {
		a, b, d := c[i], c[(i+1)%4], c[(i+2)%4]
		z := (b.X-a.X)*(d.Y-b.Y) - (b.Y-a.Y)*(d.X-b.X)
		if z == 0 || sign != 0 && (z > 0) != (sign > 0) {
			return false
		}
		sign = z
	}
	return true
}

// perspective is the larger angle, in degrees, between opposite sides.
func perspective(c [4]Point) float64 {
	ang := func(a, b Point) float64 { return math.Atan2(b.Y-a.Y, b.X-a.X) }
	d := func(x, y float64) float64 {
		v := math.Abs(x - y)
		for v > math.Pi/2 {
			v = math.Abs(v - math.Pi)
		}
		return v * 180 / math.Pi
	}
	return math.Max(d(ang(c[0], c[1]), ang(c[3], c[2])), d(ang(c[0], c[3]), ang(c[1], c[2])))
}

// plane is a float image of one channel.
type plane struct {
	w, h int
	v    []float32
}

func (p plane) at(x, y int) float32 { return p.v[y*p.w+x] }

// paperness scores each pixel by how much it looks like paper, on a log
// scale so that an edge is as strong in shadow as in light: bright and
// colourless is paper; tables, cloth and skin are darker or coloured.
func paperness(img *image.RGBA) plane {
	b := img.Bounds()
	p := plane{b.Dx(), b.Dy(), make([]float32, b.Dx()*b.Dy())}
	var lut [512]float32
	for i := range lut {
		lut[i] = float32(math.Log(float64(i)/2 + 16))
	}
	for y := range p.h {
		row := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):]
		for x := range p.w {
			r, g, bl := int(row[4*x]), int(row[4*x+1]), int(row[4*x+2])
			l := (77*r + 150*g + 29*bl) >> 8
			sat := max(r, g, bl) - min(r, g, bl)
			p.v[y*p.w+x] = lut[2*max(0, l-sat)]
		}
	}
	return p
}

// FillsFrame tells a page that reaches the frame all round, as a scan's
// does, from a small preview of it (a few hundred pixels, sampled): such
// a page has no sheet to find, and a caller spares it Find's work.
func FillsFrame(preview *image.RGBA) bool {
	return paperness(preview).fillsFrame()
}

// fillsFrame tells a page that reaches the frame all round, as a scan's
// does: the ring along the image's edges is as much paper as its middle.
// It spares scans, the common case, the search.
func (p plane) fillsFrame() bool {
	rw, rh := max(2, p.w/50), max(2, p.h/50)
	var ring, mid []float32
	for y := range p.h {
		for x := range p.w {
			switch {
			case x < rw || y < rh || x >= p.w-rw || y >= p.h-rh:
				ring = append(ring, p.v[y*p.w+x])
			case x > p.w/4 && x < p.w*3/4 && y > p.h/4 && y < p.h*3/4:
				mid = append(mid, p.v[y*p.w+x])
			}
		}
	}
	// log units: 0.2 is a fifth darker, while a table is half as bright
	// as paper or less.
	return quantile(ring, 0.5) > quantile(mid, 0.9)-0.2
}

func quantile(v []float32, q float64) float32 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float32(nil), v...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(q*float64(len(s)-1))]
}

// shrink averages k×k blocks.
func (p plane) shrink(k int) plane {
	if k == 1 {
		return p
	}
	q := plane{p.w / k, p.h / k, nil}
	q.v = make([]float32, q.w*q.h)
	inv := 1 / float32(k*k)
	for y := range q.h {
		for x := range q.w {
			var s float32
			for dy := range k {
				row := p.v[(y*k+dy)*p.w+x*k:]
				for dx := range k {
					s += row[dx]
				}
			}
			q.v[y*q.w+x] = s * inv
		}
	}
	return q
}

// closing is a grey closing (dilation then erosion) by a square 2r+1
// wide: text, rules and thin marks darker than paper disappear into it,
// while the paper's outline stays where it was.
func (p plane) closing(r int) plane {
	return p.filter(r, true).filter(r, false)
}

// filter is a separable max (or min) filter of radius r.
func (p plane) filter(r int, isMax bool) plane {
	pick := func(a, b float32) float32 {
		if (a > b) == isMax {
			return a
		}
		return b
	}
	tmp := make([]float32, len(p.v))
	for y := range p.h {
		row := p.v[y*p.w : (y+1)*p.w]
		for x := range p.w {
			m := row[x]
			for d := max(0, x-r); d <= min(p.w-1, x+r); d++ {
				m = pick(m, row[d])
			}
			tmp[y*p.w+x] = m
		}
	}
	out := plane{p.w, p.h, make([]float32, len(p.v))}
	for y := range p.h {
		for x := range p.w {
			m := tmp[y*p.w+x]
			for d := max(0, y-r); d <= min(p.h-1, y+r); d++ {
				m = pick(m, tmp[d*p.w+x])
			}
			out.v[y*p.w+x] = m
		}
	}
	return out
}

// grad holds the Sobel gradient of the working image.
type grad struct {
	w, h   int
	gx, gy []float32
}

func (p plane) gradient() grad {
	g := grad{p.w, p.h, make([]float32, len(p.v)), make([]float32, len(p.v))}
	for y := 1; y < p.h-1; y++ {
		for x := 1; x < p.w-1; x++ {
			a, b, c := p.at(x-1, y-1), p.at(x, y-1), p.at(x+1, y-1)
			d, f := p.at(x-1, y), p.at(x+1, y)
			e, h, i := p.at(x-1, y+1), p.at(x, y+1), p.at(x+1, y+1)
			// Divided by 8: a ramp of 1 per pixel gives 1.
			g.gx[y*p.w+x] = (c + 2*f + i - a - 2*d - e) / 8
			g.gy[y*p.w+x] = (e + 2*h + i - a - 2*b - c) / 8
		}
	}
	return g
}

// line is x·cos θ + y·sin θ = rho, θ in whole degrees [0, 360): an edge
// whose brightness rises along n = (cos θ, sin θ). Keeping the direction
// apart (rather than θ mod 180) halves what a pattern of light and dark
// tiles gives any one line, while a paper edge, dark outside and light
// inside all along, keeps all its votes.
type line struct {
	theta int
	rho   float64
	votes float64
	// Support along the line, indexed by position s + off (the point is
	// rho·n + s·d, d = (−sin θ, cos θ)): prefix sums of edge pixels whose
	// brightness rises along n.
	pos []int32
	off int
}

func (l line) normal() (nx, ny float64) {
	t := float64(l.theta) * math.Pi / 180
	return math.Cos(t), math.Sin(t)
}

// horizontal tells a line nearer horizontal than vertical.
func (l line) horizontal() bool { return l.theta%180 >= 45 && l.theta%180 < 135 }

// lines finds the strongest straight edges with a Hough transform in which
// each edge point votes only near its own gradient direction.
func (g grad) lines() []line {
	diag := int(math.Ceil(math.Hypot(float64(g.w), float64(g.h))))
	nr := 2*diag + 1
	acc := make([]float32, 360*nr)
	var cos, sin [360]float64
	for t := range 360 {
		cos[t], sin[t] = math.Cos(float64(t)*math.Pi/180), math.Sin(float64(t)*math.Pi/180)
	}
	for y := 1; y < g.h-1; y++ {
		for x := 1; x < g.w-1; x++ {
			gx, gy := g.gx[y*g.w+x], g.gy[y*g.w+x]
			if gx*gx+gy*gy < edgeMin*edgeMin {
				continue
			}
			phi := int(math.Round(math.Atan2(float64(gy), float64(gx)) * 180 / math.Pi))
			for dt := -angleSpread; dt <= angleSpread; dt++ {
				t := ((phi+dt)%360 + 360) % 360
				r := int(math.Round(float64(x)*cos[t]+float64(y)*sin[t])) + diag
				acc[t*nr+r]++
			}
		}
	}
	// Peaks: the best in a window of ±4° and ±6 pixels.
	minVotes := float32(0.15 * float64(min(g.w, g.h)))
	var peaks []line
	for t := range 360 {
		for r := range nr {
			v := acc[t*nr+r]
			if v < minVotes || !isPeak(acc, nr, diag, t, r, v) {
				continue
			}
			peaks = append(peaks, line{theta: t, rho: float64(r - diag), votes: float64(v)})
		}
	}
	sort.Slice(peaks, func(i, j int) bool { return peaks[i].votes > peaks[j].votes })
	var hs, vs []line
	for _, l := range peaks {
		if l.horizontal() && len(hs) < maxLines {
			hs = append(hs, g.support(l))
		} else if !l.horizontal() && len(vs) < maxLines {
			vs = append(vs, g.support(l))
		}
	}
	return append(hs, vs...)
}

func isPeak(acc []float32, nr, diag, t, r int, v float32) bool {
	for dt := -4; dt <= 4; dt++ {
		tt := (t + dt + 360) % 360
		for dr := -6; dr <= 6; dr++ {
			rr := r + dr
			if rr < 0 || rr >= nr || (dt == 0 && dr == 0) {
				continue
			}
			if u := acc[tt*nr+rr]; u > v || u == v && (dt < 0 || dt == 0 && dr < 0) {
				return false
			}
		}
	}
	return true
}

// support walks the line across the image and records, pixel by pixel,
// whether an edge point with the line's direction lies within 2 pixels.
func (g grad) support(l line) line {
	nx, ny := l.normal()
	diag := int(math.Ceil(math.Hypot(float64(g.w), float64(g.h))))
	l.off = diag
	l.pos = make([]int32, 2*diag+2)
	cosTol := float32(math.Cos(20 * math.Pi / 180))
	for s := -diag; s <= diag; s++ {
		px, py := l.rho*nx-float64(s)*ny, l.rho*ny+float64(s)*nx
		var p int32
		for o := -2; o <= 2 && p == 0; o++ {
			x, y := int(math.Round(px+float64(o)*nx)), int(math.Round(py+float64(o)*ny))
			if x < 1 || y < 1 || x >= g.w-1 || y >= g.h-1 {
				continue
			}
			gx, gy := g.gx[y*g.w+x], g.gy[y*g.w+x]
			m2 := gx*gx + gy*gy
			if m2 < edgeMin*edgeMin {
				continue
			}
			c := (gx*float32(nx) + gy*float32(ny)) / float32(math.Sqrt(float64(m2)))
			if c >= cosTol {
				p = 1
			}
		}
		i := s + diag + 1
		l.pos[i] = l.pos[i-1] + p
	}
	return l
}

// along returns the position s of point p on the line.
func (l line) along(p Point) float64 {
	nx, ny := l.normal()
	return -p.X*ny + p.Y*nx
}

// supported counts edge pixels between positions a and b (trimmed by 3%
// at each end, where the neighbouring side's edge crosses).
func (l line) supported(a, b float64) (n, of float64) {
	if a > b {
		a, b = b, a
	}
	trim := 0.03 * (b - a)
	ia := max(0, min(len(l.pos)-1, int(math.Round(a+trim))+l.off))
	ib := max(0, min(len(l.pos)-1, int(math.Round(b-trim))+l.off+1))
	return float64(l.pos[ib] - l.pos[ia]), b - a - 2*trim
}

// intersect returns where two lines cross.
func intersect(a, b line) (Point, bool) {
	ax, ay := a.normal()
	bx, by := b.normal()
	det := ax*by - ay*bx
	if math.Abs(det) < 1e-6 {
		return Point{}, false
	}
	return Point{(a.rho*by - b.rho*ay) / det, (ax*b.rho - bx*a.rho) / det}, true
}

// bestQuad picks the two near-horizontal and two near-vertical lines that
// enclose the brightest-inside quadrilateral best supported by edges
// along all four sides.
func (g grad) bestQuad(lines []line) ([4]Point, bool) {
	var hs, vs []line
	for _, l := range lines {
		if l.horizontal() {
			hs = append(hs, l)
		} else {
			vs = append(vs, l)
		}
	}
	w, h := float64(g.w), float64(g.h)
	var best [4]Point
	bestScore := 0.0
	for i := range hs {
		for j := i + 1; j < len(hs); j++ {
			top, bot := hs[i], hs[j]
			if yAt(top, w/2) > yAt(bot, w/2) {
				top, bot = bot, top
			}
			for a := range vs {
				for b := a + 1; b < len(vs); b++ {
					left, right := vs[a], vs[b]
					if xAt(left, h/2) > xAt(right, h/2) {
						left, right = right, left
					}
					score, ok := quadScore(top, right, bot, left, w, h)
					if ok && score > bestScore {
						bestScore = score
						best, _ = corners(top, right, bot, left)
					}
				}
			}
		}
	}
	return best, bestScore > 0
}

func yAt(l line, x float64) float64 {
	nx, ny := l.normal()
	return (l.rho - x*nx) / ny
}

func xAt(l line, y float64) float64 {
	nx, ny := l.normal()
	return (l.rho - y*ny) / nx
}

func corners(top, right, bot, left line) (c [4]Point, ok bool) {
	var ok1, ok2, ok3, ok4 bool
	c[0], ok1 = intersect(top, left)
	c[1], ok2 = intersect(top, right)
	c[2], ok3 = intersect(bot, right)
	c[3], ok4 = intersect(bot, left)
	return c, ok1 && ok2 && ok3 && ok4
}

// quadScore is the number of edge pixels along the quadrilateral's sides
// whose brightness rises inward, or ok false for a shape that cannot be
// the sheet.
func quadScore(top, right, bot, left line, w, h float64) (float64, bool) {
	c, ok := corners(top, right, bot, left)
	if !ok || !convex(c) || area(c) < minArea*w*h {
		return 0, false
	}
	for _, p := range c {
		if p.X < -0.03*w || p.Y < -0.03*h || p.X > 1.03*w || p.Y > 1.03*h {
			return 0, false
		}
	}
	cx, cy := (c[0].X+c[1].X+c[2].X+c[3].X)/4, (c[0].Y+c[1].Y+c[2].Y+c[3].Y)/4
	sides := [4]struct {
		l    line
		a, b Point
	}{{top, c[0], c[1]}, {right, c[1], c[2]}, {bot, c[3], c[2]}, {left, c[0], c[3]}}
	total, length, seen := 0.0, 0.0, 0.0
	for _, s := range sides {
		// Brightness must rise inward: paper on a darker background.
		if nx, ny := s.l.normal(); cx*nx+cy*ny < s.l.rho {
			return 0, false
		}
		n, of := s.l.supported(s.l.along(s.a), s.l.along(s.b))
		if of <= 0 || n < minSideSupport*of {
			return 0, false
		}
		// Supported length times its share: a long side seen half (the
		// edge of a tile pattern) counts less than a true side seen whole.
		total += n * n / of
		length += of
		seen += n
	}
	if seen < minSupport*length {
		return 0, false
	}
	return total, true
}
