package handdigits

import (
	"image"
	"math"
	"slices"
)

// Glyph is the ink of one digit: Box in the image it was cut from, and
// Ink, Box.Dx()×Box.Dy() flags row by row, true where the digit's strokes
// are (the ink of a neighbour overlapping the box is not).
type Glyph struct {
	Box image.Rectangle
	Ink []bool
}

const (
	// inkLevel: pixels at or under this grey level are ink.
	inkLevel = 127
	// speckShare: marks whose larger side is under this share of the
	// tallest mark's height are specks or dots, not digits.
	speckShare = 0.3
	// overlapShare: marks that share this much of the narrower one's width,
	// and less of the shorter one's height, are parts of one digit (the bar
	// of a 5 over its body).
	overlapShare = 0.5
	// pairAspect: a glyph wider than this many times its height may hold
	// touching digits.
	pairAspect = 0.9
	// digitAspect is the width of one digit in heights, for splitting.
	digitAspect = 0.6
)

// Segment cuts the ink of a blank (dark marks on light paper, as the
// engine's blank crop holds them) into marks, left to right: ink
// components, 8-connected; specks and dots left out; components stacked
// over each other merged (one digit written in two strokes). A mark may
// still hold touching digits: Net.Read splits those (Split) where the
// network reads the parts better than the whole.
func Segment(marks *image.Gray) []Glyph {
	comps := Components(marks, inkLevel)
	if len(comps) == 0 {
		return nil
	}
	tallest := 0
	for _, c := range comps {
		tallest = max(tallest, c.Box.Dy())
	}
	comps = slices.DeleteFunc(comps, func(c Glyph) bool {
		return float64(max(c.Box.Dx(), c.Box.Dy())) < speckShare*float64(tallest)
	})
	slices.SortFunc(comps, func(a, b Glyph) int { return a.Box.Min.X - b.Box.Min.X })
	var merged []Glyph
	for _, c := range comps {
		if n := len(merged); n > 0 && overlapping(merged[n-1].Box, c.Box) {
			merged[n-1] = union(merged[n-1], c)
			continue
		}
		merged = append(merged, c)
	}
	return merged
}

// overlapping: a and b are stacked parts of one digit: they share most of
// the narrower one's columns but not most of the shorter one's rows (a 1
// written against a 3 shares its columns and its rows: two digits).
func overlapping(a, b image.Rectangle) bool {
	cols := min(a.Max.X, b.Max.X) - max(a.Min.X, b.Min.X)
	rows := min(a.Max.Y, b.Max.Y) - max(a.Min.Y, b.Min.Y)
	return cols > 0 && float64(cols) >= overlapShare*float64(min(a.Dx(), b.Dx())) &&
		float64(rows) < overlapShare*float64(min(a.Dy(), b.Dy()))
}

// union is one glyph of two.
func union(a, b Glyph) Glyph {
	u := Glyph{Box: a.Box.Union(b.Box)}
	u.Ink = make([]bool, u.Box.Dx()*u.Box.Dy())
	for _, g := range []Glyph{a, b} {
		w := g.Box.Dx()
		for i, on := range g.Ink {
			if on {
				x, y := g.Box.Min.X+i%w-u.Box.Min.X, g.Box.Min.Y+i/w-u.Box.Min.Y
				u.Ink[y*u.Box.Dx()+x] = true
			}
		}
	}
	return u
}

// Splits are the ways a mark may hold touching digits: for each count of
// digits from 2 to what its width holds (at most 4), the mark cut at the
// columns with the least ink near where even cuts would fall. None for a
// mark no wider than one digit. height is that of the blank's tallest
// mark.
func Splits(g Glyph, height int) [][]Glyph {
	w, h := g.Box.Dx(), max(g.Box.Dy(), height*3/4)
	if float64(w) <= pairAspect*float64(h) {
		return nil
	}
	var out [][]Glyph
	for n := 2; n <= max(2, min(4, int(math.Round(float64(w)/(digitAspect*float64(h)))))); n++ {
		if parts := split(g, n); len(parts) == n {
			out = append(out, parts)
		}
	}
	return out
}

// split cuts a glyph into n at the columns with the least ink near where
// even cuts would fall.
func split(g Glyph, n int) []Glyph {
	w := g.Box.Dx()
	cols := make([]int, w)
	for i, on := range g.Ink {
		if on {
			cols[i%w]++
		}
	}
	var out []Glyph
	from := 0
	for k := 1; k < n; k++ {
		even := from + (w-from)/(n-k+1)
		lo, hi := max(from+1, even-w/(4*n)), min(w-1, even+w/(4*n))
		cut := even
		for x := lo; x <= hi; x++ {
			if cols[x] < cols[cut] {
				cut = x
			}
		}
		out = append(out, columns(g, from, cut))
		from = cut
	}
	return slices.DeleteFunc(append(out, columns(g, from, w)), func(p Glyph) bool { return p.Box.Empty() })
}

// columns is the part of g in columns [x0, x1), its box shrunk to its ink.
func columns(g Glyph, x0, x1 int) Glyph {
	w := g.Box.Dx()
	box := image.Rectangle{}
	for i, on := range g.Ink {
		if x := i % w; on && x >= x0 && x < x1 {
			box = box.Union(image.Rect(x, i/w, x+1, i/w+1))
		}
	}
	if box.Empty() {
		return Glyph{}
	}
	p := Glyph{Box: box.Add(g.Box.Min), Ink: make([]bool, box.Dx()*box.Dy())}
	for y := box.Min.Y; y < box.Max.Y; y++ {
		copy(p.Ink[(y-box.Min.Y)*box.Dx():(y-box.Min.Y+1)*box.Dx()], g.Ink[y*w+box.Min.X:y*w+box.Max.X])
	}
	return p
}

// Components are the 8-connected marks of an image, pixels at or under
// level, each with its box, in the order their top-left pixel comes.
func Components(img *image.Gray, level uint8) []Glyph {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	inkAt := func(x, y int) bool { return img.Pix[y*img.Stride+x] <= level }
	label := make([]int32, w*h)
	var comps []Glyph
	var stack, members []int
	for start := range label {
		if label[start] != 0 || !inkAt(start%w, start/w) {
			continue
		}
		id := int32(len(comps) + 1)
		label[start] = id
		stack, members = append(stack[:0], start), members[:0]
		x0, y0, x1, y1 := w, h, 0, 0
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			members = append(members, i)
			x, y := i%w, i/w
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x+1), max(y1, y+1)
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := x+dx, y+dy
					if nx < 0 || ny < 0 || nx >= w || ny >= h {
						continue
					}
					if n := ny*w + nx; label[n] == 0 && inkAt(nx, ny) {
						label[n] = id
						stack = append(stack, n)
					}
				}
			}
		}
		g := Glyph{Box: image.Rect(x0, y0, x1, y1).Add(img.Rect.Min), Ink: make([]bool, (x1-x0)*(y1-y0))}
		for _, i := range members {
			g.Ink[(i/w-y0)*(x1-x0)+i%w-x0] = true
		}
		comps = append(comps, g)
	}
	return comps
}
