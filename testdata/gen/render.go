package main

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"os"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// fontFamily is one of the faces Debian ships (fonts-noto-core,
// fonts-dejavu-core). All twelve files carry every precomposed Vietnamese
// letter (TestFontsCoverVietnamese).
type fontFamily struct {
	Name                  string // family key used in page specs
	Regular, Bold, Italic string // file paths
}

var fontFamilies = []fontFamily{
	{"NotoSans", "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf", "/usr/share/fonts/truetype/noto/NotoSans-Italic.ttf"},
	{"NotoSerif", "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf", "/usr/share/fonts/truetype/noto/NotoSerif-Bold.ttf", "/usr/share/fonts/truetype/noto/NotoSerif-Italic.ttf"},
	{"DejaVuSans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf"},
	{"DejaVuSerif", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf"},
}

func familyByName(name string) (fontFamily, bool) {
	for _, f := range fontFamilies {
		if f.Name == name {
			return f, true
		}
	}
	return fontFamily{}, false
}

// fonts holds parsed font files, shared read-only by all pages (each page
// makes its own faces, which carry their own buffers).
type fonts struct {
	byPath map[string]*opentype.Font
}

func loadFonts() (*fonts, error) {
	fs := &fonts{byPath: map[string]*opentype.Font{}}
	for _, fam := range fontFamilies {
		for _, p := range []string{fam.Regular, fam.Bold, fam.Italic} {
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, fmt.Errorf("font %s: %w (install fonts-noto-core and fonts-dejavu-core)", p, err)
			}
			f, err := opentype.Parse(b)
			if err != nil {
				return nil, fmt.Errorf("font %s: %w", p, err)
			}
			fs.byPath[p] = f
		}
	}
	return fs, nil
}

func (fs *fonts) face(path string, pt, dpi float64) (font.Face, error) {
	return opentype.NewFace(fs.byPath[path], &opentype.FaceOptions{Size: pt, DPI: dpi, Hinting: font.HintingNone})
}

// inks of one page.
type inks struct {
	paper, text, fill, sign color.RGBA
}

// placedLine is one rendered line: its text (the ground truth) and its ink
// bounds on the upright page.
type placedLine struct {
	Text   string
	Bounds image.Rectangle
}

// layout renders blocks top to bottom into box.
type layout struct {
	dst        *image.RGBA
	reg, bold  font.Face
	title      font.Face
	px         float64 // body font size in pixels
	lineH      int
	box        image.Rectangle
	ink        inks
	y          int // baseline of the next line
	lines      []placedLine
	signatures []image.Rectangle
}

type token struct {
	text string
	fill bool
}

// render places blocks until the box is full. It returns how many blocks
// were placed completely; a block that does not fit is not started, so the
// ground truth stays exact.
func (l *layout) render(blocks []block) int {
	asc := l.reg.Metrics().Ascent.Ceil()
	l.y = l.box.Min.Y + asc
	for i, b := range blocks {
		if !l.place(b) {
			return i
		}
	}
	return len(blocks)
}

// place lays out one block, first measuring whether all of it fits.
func (l *layout) place(b block) bool {
	face := l.reg
	switch b.Style {
	case stCenterBold, stHeading:
		face = l.bold
	case stTitle:
		face = l.title
	case stSigner:
		if b.Label == strings.ToUpper(b.Label) {
			face = l.bold
		}
	}
	desc := face.Metrics().Descent.Ceil()
	bottom := l.box.Max.Y
	indent := int(l.px * 2)
	width := l.box.Dx()

	switch b.Style {
	case stGap:
		l.y += l.lineH * 6 / 10
		return true
	case stRule:
		w := int(l.px * 9)
		y := l.y - l.lineH*45/100
		cx := l.box.Min.X + l.box.Dx()/2
		th := max(2, int(l.px/14))
		draw.Draw(l.dst, image.Rect(cx-w/2, y, cx+w/2, y+th), image.NewUniform(l.ink.text), image.Point{}, draw.Src)
		l.y += l.lineH * 4 / 10
		return true
	case stSignature:
		h := l.lineH * 3
		if l.y+h > bottom {
			return false
		}
		cx := l.box.Min.X + l.box.Dx()*72/100
		w := int(l.px * 9)
		l.signatures = append(l.signatures, image.Rect(cx-w/2, l.y-l.lineH*6/10, cx+w/2, l.y-l.lineH*6/10+h))
		l.y += h
		return true
	case stSigner:
		width = l.box.Dx() / 2
	case stTitle:
		l.y += l.lineH * 5 / 10
	case stHeading:
		l.y += l.lineH * 2 / 10
	}

	var toks []token
	for _, w := range strings.Fields(b.Label) {
		toks = append(toks, token{w, false})
	}
	for _, w := range strings.Fields(b.Text) {
		toks = append(toks, token{w, true})
	}
	first, rest := 0, 0
	switch b.Style {
	case stPara:
		first = indent
	case stItem:
		first, rest = indent/2, indent
	}
	lines := wrap(face, toks, width-first, width-rest)
	lh := l.lineH
	if b.Style == stTitle {
		lh = l.lineH * 13 / 10
	}
	if l.y+(len(lines)-1)*lh+desc > bottom {
		return false
	}
	space := font.MeasureString(face, " ").Round()
	for k, ln := range lines {
		off := rest
		if k == 0 {
			off = first
		}
		lw := lineWidth(face, ln, space)
		x := l.box.Min.X + off
		switch b.Style {
		case stCenterBold, stCenter, stTitle:
			x = l.box.Min.X + (l.box.Dx()-lw)/2
		case stRight:
			x = l.box.Max.X - lw
		case stSigner:
			x = l.box.Min.X + l.box.Dx()*72/100 - lw/2
		}
		l.drawLine(face, ln, x, l.y, space)
		l.y += lh
	}
	if b.Style == stTitle {
		l.y += l.lineH * 3 / 10
	}
	return true
}

// drawLine draws one line of tokens from x on baseline y, words space
// pixels apart, and records it (its text and ink bounds) in l.lines.
func (l *layout) drawLine(face font.Face, ln []token, x, y, space int) {
	var text []string
	var bounds image.Rectangle
	for j, t := range ln {
		ink := l.ink.text
		if t.fill {
			ink = l.ink.fill
		}
		d := font.Drawer{Dst: l.dst, Src: image.NewUniform(ink), Face: face, Dot: fixed.P(x, y)}
		bb, adv := font.BoundString(face, t.text)
		r := image.Rect(x+bb.Min.X.Floor(), y+bb.Min.Y.Floor(), x+bb.Max.X.Ceil(), y+bb.Max.Y.Ceil())
		if j == 0 {
			bounds = r
		} else {
			bounds = bounds.Union(r)
		}
		d.DrawString(t.text)
		x += adv.Round() + space
		text = append(text, t.text)
	}
	l.lines = append(l.lines, placedLine{strings.Join(text, " "), bounds})
}

func lineWidth(face font.Face, ln []token, space int) int {
	w := 0
	for i, t := range ln {
		if i > 0 {
			w += space
		}
		w += font.MeasureString(face, t.text).Round()
	}
	return w
}

// wrap breaks tokens greedily into lines no wider than firstW (first line)
// and restW (others). A token wider than a line gets a line of its own.
func wrap(face font.Face, toks []token, firstW, restW int) [][]token {
	space := font.MeasureString(face, " ").Round()
	var lines [][]token
	var cur []token
	w, limit := 0, firstW
	for _, t := range toks {
		tw := font.MeasureString(face, t.text).Round()
		if len(cur) > 0 && w+space+tw > limit {
			lines = append(lines, cur)
			cur, w, limit = nil, 0, restW
		}
		if len(cur) > 0 {
			w += space
		}
		cur = append(cur, t)
		w += tw
	}
	if len(cur) > 0 {
		lines = append(lines, cur)
	}
	return lines
}

// scribble draws a handwritten-looking signature inside r: a few loops
// along a wavy baseline, then an underline flourish.
func scribble(dst *image.RGBA, r image.Rectangle, ink color.RGBA, pen float64, rnd *rand.Rand) {
	mask := image.NewAlpha(r.Inset(-int(pen) - 2))
	w, h := float64(r.Dx()), float64(r.Dy())
	x0, yc := float64(r.Min.X), float64(r.Min.Y)+h*0.45
	loops := 3 + rnd.IntN(4)
	ph1, ph2 := rnd.Float64()*math.Pi*2, rnd.Float64()*math.Pi*2
	amp := h * (0.22 + 0.12*rnd.Float64())
	slant := 0.25 + 0.2*rnd.Float64()
	steps := 900
	var px, py float64
	for i := 0; i <= steps; i++ {
		t := float64(i) / float64(steps)
		// A prolate cycloid drawn left to right gives connected loops.
		a := t * float64(loops) * 2 * math.Pi
		x := x0 + w*0.05 + t*w*0.8 - amp*0.55*math.Sin(a+ph1)
		y := yc - amp*math.Cos(a) + amp*0.3*math.Sin(a*0.5+ph2) - (t-0.5)*h*0.25
		x += (yc - y) * slant
		if i > 0 {
			stroke(mask, px, py, x, y, pen*(0.8+0.4*math.Sin(a*0.7)))
		}
		px, py = x, y
	}
	// Underline flourish.
	ux0, uy := x0+w*0.1, yc+amp*1.1
	ux1 := x0 + w*(0.85+0.1*rnd.Float64())
	stroke(mask, px, py, ux1, uy-amp*0.2, pen*0.7)
	stroke(mask, ux1, uy-amp*0.2, ux0, uy+amp*0.15, pen*0.8)
	draw.DrawMask(dst, mask.Rect, image.NewUniform(ink), image.Point{}, mask, mask.Rect.Min, draw.Over)
}

// stroke stamps an anti-aliased round pen from (x0,y0) to (x1,y1) into
// mask, keeping the maximum coverage so overlaps do not darken.
func stroke(mask *image.Alpha, x0, y0, x1, y1, pen float64) {
	rad := pen / 2
	n := int(math.Hypot(x1-x0, y1-y0)/(rad*0.5)) + 1
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		cx, cy := x0+(x1-x0)*t, y0+(y1-y0)*t
		for y := int(cy - rad - 1); y <= int(cy+rad+1); y++ {
			for x := int(cx - rad - 1); x <= int(cx+rad+1); x++ {
				if !(image.Point{x, y}.In(mask.Rect)) {
					continue
				}
				c := rad + 0.5 - math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)
				if c <= 0 {
					continue
				}
				v := uint8(math.Min(1, c) * 255)
				if o := mask.AlphaAt(x, y).A; v > o {
					mask.SetAlpha(x, y, color.Alpha{v})
				}
			}
		}
	}
}
