package ocr

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"sort"
)

// Tables with ruling lines. Tesseract reads a ruled table cell-interleaved
// or column by column: the rules are removed before recognition (it takes
// them for letters), and without them the cells of a row are just text
// with wide gaps. FindRulings finds the rules on the binary page,
// FindTables builds the cell grid from them, and ReadingOrder reads each
// table row by row, cells left to right, a cell's lines together.

// Bitmap is a binary page image: 1 bits are ink. Rows are WPL 32-bit
// words, the leftmost pixel in the most significant bit (Leptonica's
// layout, so the engine copies a page in one go).
type Bitmap struct {
	Width, Height int
	WPL           int
	Words         []uint32
}

// NewBitmap makes an empty w×h bitmap.
func NewBitmap(w, h int) Bitmap {
	wpl := (w + 31) / 32
	return Bitmap{Width: w, Height: h, WPL: wpl, Words: make([]uint32, wpl*h)}
}

// Set inks the pixel at (x, y); outside the bitmap it does nothing.
func (b Bitmap) Set(x, y int) {
	if x >= 0 && y >= 0 && x < b.Width && y < b.Height {
		b.Words[y*b.WPL+x/32] |= 1 << (31 - x%32)
	}
}

// Ruling is a straight ink line at least a few letters long: a table
// rule, an underline, a streak. A horizontal ruling runs from (X0, Y0) to
// (X1, Y1) with X0 < X1, a vertical one with Y0 < Y1; the ends may differ
// in the other coordinate by the skew left on the page.
type Ruling struct {
	Vertical       bool
	X0, Y0, X1, Y1 int
}

// length is how far the ruling runs along its direction.
func (r Ruling) length() int {
	if r.Vertical {
		return r.Y1 - r.Y0
	}
	return r.X1 - r.X0
}

// at is the ruling's cross coordinate (y of a horizontal ruling, x of a
// vertical one) where it passes along-coordinate p.
func (r Ruling) at(p int) float64 {
	a0, a1, c0, c1 := r.X0, r.X1, r.Y0, r.Y1
	if r.Vertical {
		a0, a1, c0, c1 = r.Y0, r.Y1, r.X0, r.X1
	}
	if a1 == a0 {
		return float64(c0+c1) / 2
	}
	return float64(c0) + float64(c1-c0)*float64(p-a0)/float64(a1-a0)
}

// mid is the ruling's cross coordinate halfway along it.
func (r Ruling) mid() float64 {
	if r.Vertical {
		return float64(r.X0+r.X1) / 2
	}
	return float64(r.Y0+r.Y1) / 2
}

// rulingScale holds the sizes ruling and table detection work with, in
// pixels, from the page's resolution and letter height.
type rulingScale struct {
	gap     int // ink gap still one run (a thresholded, slightly faded rule)
	piece   int // shortest run kept: longer than most letters' strokes
	link    int // gap bridged between collinear pieces (a rule broken on a copy)
	minLen  int // shortest ruling
	tol     int // positions that agree
	maxSlip int // cross drift of one ruling: skew left after straightening
	thick   int // thickest rule: a wider band of ink is a blot or a picture
	reach   int // ink running on from a rule farther than this...
	far     int // ...and stopping within this is a letter's stem
}

// newRulingScale sizes detection for a page at dpi whose letters are
// glyphH pixels high (0 when unmeasured).
func newRulingScale(dpi, glyphH float64) rulingScale {
	if dpi <= 0 {
		dpi = 300
	}
	if glyphH <= 0 {
		glyphH = dpi * 0.11
	}
	return rulingScale{
		gap:     max(2, int(dpi*0.02)),
		piece:   int(max(dpi*0.1, 1.2*glyphH)),
		link:    int(max(dpi*0.15, 2*glyphH)),
		minLen:  int(max(dpi*0.5, 5*glyphH)),
		tol:     max(4, int(dpi*0.03)),
		maxSlip: max(3, int(dpi*0.02)),
		thick:   max(3, int(dpi*0.04)),
		reach:   max(3, int(glyphH/4)),
		far:     max(6, int(2*glyphH)),
	}
}

// maxSlope is the steepest a rule runs across its direction (3°): what
// straightening leaves, and a photo's flattening.
const maxSlope = 0.05

// minInk is the share of a ruling's length its pieces must cover.
const minInk = 0.6

// findRulings returns the horizontal and vertical rulings of a binary
// page, sized by s:
// runs of ink longer than any letter's stroke, followed across rows (a
// rule left slightly skewed steps from row to row) and joined across the
// gaps a photocopy or a fax leaves in them, kept when at least half an
// inch and five letters long; and the pieces they were made of.
func findRulings(b Bitmap, s rulingScale) (rulings, pieces []Ruling) {
	hp, vp := traceRuns(horizontalRuns(b, s), s, false), traceRuns(verticalRuns(b, s), s, true)
	pieces = append(slices.Clone(hp), vp...)
	for _, r := range append(linkPieces(hp, s, false), linkPieces(vp, s, true)...) {
		if stemShare(b, r, s.reach, s.far) <= maxStemShare {
			rulings = append(rulings, r)
		}
	}
	return rulings, pieces
}

// maxStemShare is the share of a ruling's length along which letters may
// stand on it or hang from it (see stemShare). The feet and the tops of
// a line of small, soft letters, thresholded, run straight as a rule
// (on a low-resolution copy of a control sheet, eight such "rules" cut
// its three rows into eleven, read a line at a time across the row: 33%
// CER at confidence 95); letters stand on 12-48% of them. The rules of
// the tables of the desk benchmark: 0-4%, where text touches them.
const maxStemShare = 0.05

// run is a stretch of ink along one row (or one column): at cross
// coordinate c, from a to b (exclusive).
type run struct{ c, a, b int }

// horizontalRuns lists each row's runs of at least s.piece pixels, gaps of
// up to s.gap bridged.
func horizontalRuns(bm Bitmap, s rulingScale) []run {
	var out []run
	for y := range bm.Height {
		row := bm.Words[y*bm.WPL : (y+1)*bm.WPL]
		start, end := -1, -1
		flush := func() {
			if start >= 0 && end-start >= s.piece {
				out = append(out, run{y, start, end})
			}
			start = -1
		}
		for wi, w := range row {
			if w == 0 {
				continue
			}
			base := wi * 32
			for w != 0 {
				lz := bits.LeadingZeros32(w)
				ones := bits.LeadingZeros32(^(w << lz))
				x0, x1 := base+lz, min(base+lz+ones, bm.Width)
				if start >= 0 && x0-end <= s.gap {
					end = x1
				} else {
					flush()
					start, end = x0, x1
				}
				if lz+ones >= 32 {
					break
				}
				w &= ^uint32(0) >> (lz + ones)
			}
		}
		flush()
	}
	return out
}

// verticalRuns lists each column's runs of at least s.piece pixels, gaps
// of up to s.gap bridged (a fax's dropped scan line).
func verticalRuns(bm Bitmap, s rulingScale) []run {
	start := make([]int32, bm.Width)
	last := make([]int32, bm.Width)
	for i := range start {
		start[i], last[i] = -1, -1
	}
	var out []run
	for y := range bm.Height {
		row := bm.Words[y*bm.WPL : (y+1)*bm.WPL]
		for wi, w := range row {
			for w != 0 {
				lz := bits.LeadingZeros32(w)
				x := wi*32 + lz
				w &^= 1 << (31 - lz)
				if x >= bm.Width {
					break
				}
				if start[x] >= 0 && y-int(last[x])-1 <= s.gap {
					last[x] = int32(y)
					continue
				}
				if start[x] >= 0 && int(last[x])+1-int(start[x]) >= s.piece {
					out = append(out, run{x, int(start[x]), int(last[x]) + 1})
				}
				start[x], last[x] = int32(y), int32(y)
			}
		}
	}
	for x := range start {
		if start[x] >= 0 && int(last[x])+1-int(start[x]) >= s.piece {
			out = append(out, run{x, int(start[x]), int(last[x]) + 1})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].c != out[j].c {
			return out[i].c < out[j].c
		}
		return out[i].a < out[j].a
	})
	return out
}

// traceRuns groups runs of neighbouring rows (columns) that overlap into
// one piece of a rule each, and fits its line: a rule a little skewed is
// a staircase of overlapping runs. runs come sorted by cross coordinate.
func traceRuns(runs []run, s rulingScale, vertical bool) []Ruling {
	sets := newDisjointSets(len(runs))
	// Runs of the two previous lines stay candidates (a dropped line).
	lo := 0
	for i, r := range runs {
		for lo < i && runs[lo].c < r.c-2 {
			lo++
		}
		for j := lo; j < i; j++ {
			q := runs[j]
			if q.c < r.c && q.a < r.b+s.gap && r.a < q.b+s.gap {
				sets.join(j, i)
			}
		}
	}
	// Groups in the order of their first run: the rulings come out the
	// same from one run to the next (linkPieces joins them greedily).
	groups := map[int][]run{}
	var roots []int
	for i, r := range runs {
		g := sets.find(i)
		if groups[g] == nil {
			roots = append(roots, g)
		}
		groups[g] = append(groups[g], r)
	}
	var out []Ruling
	for _, root := range roots {
		g := groups[root]
		r := fitRuling(g, vertical)
		// Rules are straight within a few degrees once the page is
		// straightened, and thin: a band of ink is a blot or a picture.
		if math.Abs(r.at(1)-r.at(0)) <= maxSlope && thickness(g, r) <= s.thick {
			out = append(out, r)
		}
	}
	return out
}

// thickness is how far the runs of a group spread across its fitted line.
func thickness(g []run, r Ruling) int {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, q := range g {
		d := float64(q.c) - r.at((q.a+q.b)/2)
		lo, hi = min(lo, d), max(hi, d)
	}
	return int(hi - lo + 1)
}

// fitRuling is the straight line through a group of runs: from the least
// extreme to the most, its cross coordinate fitted by least squares on
// every pixel of the runs.
func fitRuling(g []run, vertical bool) Ruling {
	a0, a1 := g[0].a, g[0].b
	var sw, sx, sy, sxx, sxy float64
	squares := func(n float64) float64 { return n * (n + 1) * (2*n + 1) / 6 }
	for _, r := range g {
		a0, a1 = min(a0, r.a), max(a1, r.b)
		w := float64(r.b - r.a)
		x := w * float64(r.a+r.b-1) / 2 // Σ x over the run's pixels
		y := float64(r.c)
		sw += w
		sx += x
		sy += w * y
		sxx += squares(float64(r.b-1)) - squares(float64(r.a-1))
		sxy += x * y
	}
	slope := 0.0
	if d := sw*sxx - sx*sx; d > 1e-9 && a1-a0 > 0 {
		slope = (sw*sxy - sx*sy) / d
	}
	c := func(a int) int { return int(math.Round((sy + slope*(float64(a)*sw-sx)) / sw)) }
	if vertical {
		return Ruling{Vertical: true, X0: c(a0), Y0: a0, X1: c(a1 - 1), Y1: a1}
	}
	return Ruling{X0: a0, Y0: c(a0), X1: a1, Y1: c(a1 - 1)}
}

// linkPieces joins collinear pieces across gaps of up to s.link (a rule
// broken on a copy) and keeps the rulings at least s.minLen long.
func linkPieces(ps []Ruling, s rulingScale, vertical bool) []Ruling {
	// By start, then across: pieces that start together are joined in
	// the same order whatever order they came in.
	slices.SortStableFunc(ps, func(a, b Ruling) int {
		if vertical {
			return cmp.Or(cmp.Compare(a.Y0, b.Y0), cmp.Compare(a.X0, b.X0), cmp.Compare(a.Y1, b.Y1), cmp.Compare(a.X1, b.X1))
		}
		return cmp.Or(cmp.Compare(a.X0, b.X0), cmp.Compare(a.Y0, b.Y0), cmp.Compare(a.X1, b.X1), cmp.Compare(a.Y1, b.Y1))
	})
	var out []Ruling
	used := make([]bool, len(ps))
	for i := range ps {
		if used[i] {
			continue
		}
		cur := ps[i]
		ink := cur.length()
		for j := i + 1; j < len(ps); j++ {
			if used[j] {
				continue
			}
			n := ps[j]
			end, start := cur.X1, n.X0
			if vertical {
				end, start = cur.Y1, n.Y0
			}
			if start-end > s.link {
				if start-end > 2*s.link+s.minLen {
					break // sorted: every later piece starts farther still
				}
				continue
			}
			if start < end-s.gap {
				continue // overlaps along: a parallel piece, not a continuation
			}
			if math.Abs(cur.at(end)-n.at(start)) > float64(s.maxSlip) {
				continue
			}
			used[j] = true
			cur.X1, cur.Y1 = n.X1, n.Y1
			ink += n.length()
		}
		// A rule is mostly ink; strokes of letters that happen to line
		// up are mostly gaps.
		if cur.length() >= s.minLen && float64(ink) >= minInk*float64(cur.length()) {
			out = append(out, cur)
		}
	}
	return out
}

// disjointSets is a union-find over 0..n-1.
type disjointSets []int

func newDisjointSets(n int) disjointSets {
	d := make(disjointSets, n)
	for i := range d {
		d[i] = i
	}
	return d
}

func (d disjointSets) find(i int) int {
	for d[i] != i {
		d[i] = d[d[i]]
		i = d[i]
	}
	return i
}

func (d disjointSets) join(a, b int) { d[d.find(a)] = d.find(b) }

// ink tells whether the pixel at (x, y) is ink; outside the bitmap it is not.
func (b Bitmap) ink(x, y int) bool {
	return x >= 0 && y >= 0 && x < b.Width && y < b.Height && b.Words[y*b.WPL+x/32]&(1<<(31-x%32)) != 0
}

// stemShare is the share of ruling r's length along which ink runs on
// from it, to one side, farther than reach but stopping within far:
// letters standing on it, or hanging from it. The side where it is
// larger counts.
func stemShare(b Bitmap, r Ruling, reach, far int) float64 {
	a0, a1 := r.X0, r.X1
	if r.Vertical {
		a0, a1 = r.Y0, r.Y1
	}
	at := func(a, c int) bool {
		if r.Vertical {
			return b.ink(c, a)
		}
		return b.ink(a, c)
	}
	var sides [2]int
	for a := a0; a < a1; a++ {
		c := int(math.Round(r.at(a)))
		for _, d := range []int{0, -1, 1} {
			if at(a, c+d) {
				c += d
				break
			}
		}
		var long, stem [2]bool
		for i, dir := range []int{-1, 1} {
			k := 1
			for k <= far && at(a, c+dir*k) {
				k++
			}
			long[i] = k > reach
			stem[i] = long[i] && k <= far
		}
		// Ink running on to both sides is a rule crossing this one; ink
		// running on farther than a letter, a rule meeting it.
		switch {
		case stem[0] && !long[1]:
			sides[0]++
		case stem[1] && !long[0]:
			sides[1]++
		}
	}
	return float64(max(sides[0], sides[1])) / float64(max(1, a1-a0))
}
