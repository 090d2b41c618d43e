package photo

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
)

// A page of 420×594 pixels (A4 at 50 dpi): paper with lines of "text"
// (dark bars broken into words) and a red seal, the kind of sheet a desk
// photographs.
func testPage() *image.RGBA {
	pg := image.NewRGBA(image.Rect(0, 0, 420, 594))
	for i := 0; i < len(pg.Pix); i += 4 {
		pg.Pix[i], pg.Pix[i+1], pg.Pix[i+2], pg.Pix[i+3] = 242, 240, 234, 255
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for y := 45; y < 550; y += 14 {
		x := 60
		for x < 390 {
			wl := 10 + rnd.IntN(30)
			for yy := y; yy < y+6; yy++ {
				for xx := x; xx < min(390, x+wl); xx++ {
					pg.SetRGBA(xx, yy, color.RGBA{20, 20, 25, 255})
				}
			}
			x += wl + 5
		}
	}
	for y := 400; y < 500; y++ {
		for x := 250; x < 350; x++ {
			if math.Hypot(float64(x-300), float64(y-450)) < 45 {
				c := pg.RGBAAt(x, y)
				pg.SetRGBA(x, y, color.RGBA{c.R, c.G / 3, c.B / 3, 255})
			}
		}
	}
	return pg
}

// shot is how a test photographs the page.
type shot struct {
	name    string
	w, h    int
	corners [4]Point // where the page's corners land in the photo
	curl    float64  // the page lifts this many page pixels at mid-width
	bg      func(x, y int) color.RGBA
	light   float64 // brightness falls off by this much left to right
	shadow  float64 // ...and by this much more right of 60% of the width
	want    bool
}

func table(x, y int) color.RGBA { // dark wood with grain
	v := 80 + 20*math.Sin(float64(y)/7+math.Sin(float64(x)/40))
	return color.RGBA{uint8(v * 1.3), uint8(v), uint8(v * 0.7), 255}
}

func clutter(x, y int) color.RGBA { // a desk with a pen, a phone and a sticky note
	switch {
	case x > 20 && x < 400 && y > 30 && y < 40:
		return color.RGBA{10, 20, 120, 255}
	case x > 880 && x < 960 && y > 200 && y < 360:
		return color.RGBA{15, 15, 15, 255}
	case x > 860 && x < 980 && y > 800 && y < 920:
		return color.RGBA{250, 230, 90, 255}
	}
	return color.RGBA{uint8(150 + (x/25+y/25)%2*40), 140, 135, 255}
}

func (s shot) render(page *image.RGBA) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, s.w, s.h))
	pw, ph := float64(page.Bounds().Dx()), float64(page.Bounds().Dy())
	h := Homography(s.corners, [4]Point{{0, 0}, {pw, 0}, {pw, ph}, {0, ph}})
	for y := range s.h {
		for x := range s.w {
			p := Apply(h, Point{float64(x) + 0.5, float64(y) + 0.5})
			t := p.X / pw
			p.Y += s.curl * 4 * t * (1 - t)
			var c color.RGBA
			if p.X >= 0 && p.Y >= 0 && p.X < pw && p.Y < ph {
				c = page.RGBAAt(int(p.X), int(p.Y))
			} else {
				c = s.bg(x, y)
			}
			g := 1 - s.light*float64(x)/float64(s.w)
			if float64(x) > 0.6*float64(s.w) {
				g *= 1 - s.shadow
			}
			out.SetRGBA(x, y, color.RGBA{uint8(float64(c.R) * g), uint8(float64(c.G) * g), uint8(float64(c.B) * g), 255})
		}
	}
	return out
}

func TestFindAndFlatten(t *testing.T) {
	shots := []shot{
		{name: "straight down on a dark table", w: 750, h: 1000, bg: table, want: true,
			corners: [4]Point{{90, 80}, {660, 85}, {665, 890}, {85, 895}}},
		{name: "camera tilted 20 degrees", w: 750, h: 1000, bg: table, want: true,
			corners: camera(750, 1000, 20, 0, 2, 0.75)},
		{name: "camera tilted 15 degrees two ways", w: 750, h: 1000, bg: table, want: true,
			corners: camera(750, 1000, -12, 10, -4, 0.9)},
		{name: "curl, falling light and a shadow", w: 750, h: 1000, bg: table, curl: 7, light: 0.3, shadow: 0.4, want: true,
			corners: [4]Point{{100, 60}, {650, 90}, {640, 860}, {110, 840}}},
		{name: "cluttered desk, page turned a little", w: 1000, h: 1000, bg: clutter, light: 0.2, want: true,
			corners: [4]Point{{250, 90}, {760, 130}, {720, 860}, {200, 820}}},
		{name: "landscape photo of a page", w: 1000, h: 750, bg: table, want: true,
			corners: [4]Point{{260, 40}, {735, 50}, {745, 720}, {250, 710}}},
		{name: "a scan: the page fills the frame", w: 420, h: 594, bg: table, want: false,
			corners: [4]Point{{0, 0}, {420, 0}, {420, 594}, {0, 594}}},
		{name: "a scan with a thin border, skewed 0.5 degree", w: 440, h: 614, bg: table, want: false,
			corners: [4]Point{{12, 8}, {432, 12}, {428, 606}, {8, 602}}},
	}
	page := testPage()
	for _, s := range shots {
		t.Run(s.name, func(t *testing.T) {
			img := s.render(page)
			sh, ok := Find(img)
			if ok != s.want {
				t.Fatalf("found a sheet %v, want %v (%+v)", ok, s.want, sh)
			}
			if !ok {
				return
			}
			for i, c := range sh.Corners {
				if d := dist(c, s.corners[i]); d > 3 {
					t.Errorf("corner %d at %.1f,%.1f, want %.0f,%.0f (off by %.1f px)", i, c.X, c.Y, s.corners[i].X, s.corners[i].Y, d)
				}
			}
			// Flattened and brought to the page's size, the sheet shows the
			// page's lines of text where the page has them.
			flat := image.NewRGBA(image.Rect(0, 0, sh.Width, sh.Height))
			sh.Flatten(flat, img)
			if r := float64(sh.Height) / float64(sh.Width); math.Abs(r-math.Sqrt2) > 0.01 {
				t.Errorf("flattened to %d×%d, want A4 proportions", sh.Width, sh.Height)
			}
			if m := agreement(flat, page); m < 0.95 {
				t.Errorf("flattened page agrees with the original on %.1f%% of its ink/paper pixels, want >= 95%%", 100*m)
			}
		})
	}
}

// agreement is the share of page pixels whose ink-or-paper class the
// flattened image, sampled at the same relative position, has too, over
// the rows where the page has text (a map that is off by a line of text
// disagrees on most of them).
func agreement(flat, page *image.RGBA) float64 {
	pw, ph := page.Bounds().Dx(), page.Bounds().Dy()
	fw, fh := flat.Bounds().Dx(), flat.Bounds().Dy()
	same, n := 0, 0
	for y := 45; y < 550; y++ {
		for x := 60; x < 390; x++ {
			p := page.RGBAAt(x, y)
			q := flat.RGBAAt((2*x+1)*fw/(2*pw), (2*y+1)*fh/(2*ph))
			// Lighting varies: ink is darker than half the paper around it.
			ink := int(p.G) < 100
			fx, fy := (2*x+1)*fw/(2*pw), (2*y+1)*fh/(2*ph)
			paper := 0
			for d := -15; d <= 15; d += 3 {
				paper = max(paper, int(flat.RGBAAt(fx, max(0, min(fh-1, fy+d))).G))
			}
			qink := 2*int(q.G) < paper
			if ink == qink {
				same++
			}
			n++
		}
	}
	return float64(same) / float64(n)
}

// camera returns where the corners of an A4 sheet land in a w×h photo
// taken by a pinhole camera (focal length one frame diagonal) tilted
// about the horizontal and vertical axes and turned, by those degrees,
// with the sheet filling about fill of the frame's height.
func camera(w, h int, tiltX, tiltY, turn, fill float64) (c [4]Point) {
	f := math.Hypot(float64(w), float64(h))
	rad := math.Pi / 180
	cx, sx := math.Cos(tiltX*rad), math.Sin(tiltX*rad)
	cy, sy := math.Cos(tiltY*rad), math.Sin(tiltY*rad)
	cz, sz := math.Cos(turn*rad), math.Sin(turn*rad)
	ph := 1.0
	pw := ph / math.Sqrt2
	dist := f / (fill * float64(h)) * ph
	for i, p := range [4][2]float64{{-pw / 2, -ph / 2}, {pw / 2, -ph / 2}, {pw / 2, ph / 2}, {-pw / 2, ph / 2}} {
		x, y, z := p[0]*cz-p[1]*sz, p[0]*sz+p[1]*cz, 0.0
		y, z = y*cx-z*sx, y*sx+z*cx
		x, z = x*cy+z*sy, -x*sy+z*cy
		z += dist
		c[i] = Point{f*x/z + float64(w)/2, f*y/z + float64(h)/2}
	}
	return c
}

func TestNoSheet(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name string
		px   func(x, y int) color.RGBA
	}{
		{"bare table", table},
		{"noise", func(x, y int) color.RGBA { v := uint8(rnd.IntN(256)); return color.RGBA{v, v, v, 255} }},
		{"white", func(x, y int) color.RGBA { return color.RGBA{250, 250, 250, 255} }},
	} {
		img := image.NewRGBA(image.Rect(0, 0, 600, 800))
		for y := range 800 {
			for x := range 600 {
				img.SetRGBA(x, y, tc.px(x, y))
			}
		}
		if s, ok := Find(img); ok {
			t.Errorf("%s: found a sheet %+v", tc.name, s)
		}
	}
}

func TestHomography(t *testing.T) {
	from := [4]Point{{0, 0}, {1, 0}, {1, 1}, {0, 1}}
	to := [4]Point{{10, 20}, {300, 5}, {320, 410}, {-4, 400}}
	h := Homography(from, to)
	for i := range from {
		if p := Apply(h, from[i]); dist(p, to[i]) > 1e-9 {
			t.Errorf("corner %d maps to %v, want %v", i, p, to[i])
		}
	}
}

// BenchmarkFind measures the search for the sheet on a photo reduced to
// MaxSide, what every colour page pays before its reading.
func BenchmarkFind(b *testing.B) {
	img := shot{w: 750, h: 1000, bg: table, light: 0.3, corners: camera(750, 1000, 15, 5, 3, 0.8)}.render(testPage())
	for b.Loop() {
		if _, ok := Find(img); !ok {
			b.Fatal("no sheet")
		}
	}
}
