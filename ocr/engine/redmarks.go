//go:build cgo && unix

package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"slices"

	"github.com/otiai10/gosseract/v2"

	"github.com/sohoa/sohoa/ocr"
)

// Red marks. NĐ 30 lets an urgency or secrecy mark (HỎA TỐC, KHẨN, MẬT…)
// be stamped in red ink in the header, often turned. The page read for
// text has its red ink left out (a seal over the signer would cut its
// letters), so such a stamp is read on its own: the red ink of the
// header area, stamp by stamp, turned straight along its longer side.

const (
	redMarksTop   = 0.45 // share of the page height searched: the header
	redCell       = 4    // pixels a side of the grid red ink is grouped on
	redMinRedness = 40   // Cr minus blue's share, 0..255, of stamp ink
	// A stamp's frame and letters: longer than wide (its axes' second
	// moments at least this far apart); round seals are not.
	redElongation = 2.5
	// NĐ 30 prints at most an urgency and a secrecy mark: a page with more
	// red bars than this (a ruled red form, a hostile page) has its largest
	// read, so that each costs one Tesseract call and no more.
	redMaxStamps = 4
)

// redness is how red a pixel is: YCbCr's Cr above neutral, less the blue
// share (magenta and violet are not stamp red).
func redness(r, g, b uint8) float64 {
	cr := 0.5*float64(r) - 0.4187*float64(g) - 0.0813*float64(b)
	cb := -0.1687*float64(r) - 0.3313*float64(g) + 0.5*float64(b)
	return cr - 0.6*math.Max(cb, 0)
}

// channels are where red, green and blue lie in a pixel's four bytes.
type channels [3]int

// rgbOrder is the byte order of image.RGBA.
var rgbOrder = channels{0, 1, 2}

// nativeOrder is where they lie in a Leptonica 32 bpp word in memory
// (0xRRGGBBAA as a native integer: pix.rgbaView).
func nativeOrder() channels {
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], 0x00010203) // R 0, G 1, B 2, A 3
	var c channels
	for i, v := range b {
		if v < 3 {
			c[v] = i
		}
	}
	return c
}

// redStamps finds the elongated clusters of red ink in the top of a page
// and returns each one turned straight as black ink on white, with its
// box on the page. Round seals (not elongated) and specks are left out.
// order says where the channels lie in img's pixels.
func redStamps(img *image.RGBA, order channels, glyphH float64) []redStamp {
	b := img.Bounds()
	w, h := b.Dx(), int(float64(b.Dy())*redMarksTop)
	gw, gh := (w+redCell-1)/redCell, (h+redCell-1)/redCell
	red := make([]bool, w*h)
	cells := make([]bool, gw*gh)
	for y := range h {
		row := img.Pix[(y)*img.Stride:]
		for x := range w {
			p := row[4*x:]
			if redness(p[order[0]], p[order[1]], p[order[2]]) >= redMinRedness {
				red[y*w+x] = true
				cells[(y/redCell)*gw+x/redCell] = true
			}
		}
	}
	// Clusters of red cells, joined across gaps of up to a letter's
	// height (the letters and frame of one stamp).
	gap := max(1, int(glyphH)/redCell)
	seen := make([]bool, gw*gh)
	var out []redStamp
	for start := range cells {
		if !cells[start] || seen[start] {
			continue
		}
		x0, y0, x1, y1 := gw, gh, 0, 0
		queue := []int{start}
		seen[start] = true
		for len(queue) > 0 {
			c := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			cx, cy := c%gw, c/gw
			x0, y0, x1, y1 = min(x0, cx), min(y0, cy), max(x1, cx+1), max(y1, cy+1)
			for dy := -gap; dy <= gap; dy++ {
				for dx := -gap; dx <= gap; dx++ {
					x, y := cx+dx, cy+dy
					if x < 0 || y < 0 || x >= gw || y >= gh {
						continue
					}
					if n := y*gw + x; cells[n] && !seen[n] {
						seen[n] = true
						queue = append(queue, n)
					}
				}
			}
		}
		px := image.Rect(x0*redCell, y0*redCell, min(w, x1*redCell), min(h, y1*redCell))
		// A stamp holds letters: at least two letters high and wide.
		if float64(px.Dy()) < 1.5*glyphH || float64(px.Dx()) < 3*glyphH {
			continue
		}
		if s, ok := straighten(red, w, px); ok {
			dropFrame(s.ink, glyphH)
			out = append(out, s)
		}
	}
	if len(out) > redMaxStamps {
		area := func(b ocr.Box) int { return (b.X1 - b.X0) * (b.Y1 - b.Y0) }
		slices.SortStableFunc(out, func(a, b redStamp) int { return area(b.box) - area(a.box) })
		out = out[:redMaxStamps]
	}
	return out
}

// redStamp is one stamp's ink turned straight, and where it is on the page.
type redStamp struct {
	ink  *image.Gray
	box  ocr.Box
	turn float64 // degrees it was turned by
}

// straighten measures the orientation of the red pixels in box by their
// second moments and draws them turned so that the longer axis lies
// level, black on white with a margin. ok is false for ink that is not
// elongated (a round seal, a blot).
func straighten(red []bool, w int, box image.Rectangle) (redStamp, bool) {
	var n, sx, sy float64
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			if red[y*w+x] {
				n++
				sx += float64(x)
				sy += float64(y)
			}
		}
	}
	if n == 0 {
		return redStamp{}, false
	}
	mx, my := sx/n, sy/n
	var mxx, myy, mxy float64
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			if red[y*w+x] {
				dx, dy := float64(x)-mx, float64(y)-my
				mxx += dx * dx
				myy += dy * dy
				mxy += dx * dy
			}
		}
	}
	// Eigenvalues of the covariance: the spread along and across.
	tr, det := mxx+myy, mxx*myy-mxy*mxy
	disc := math.Sqrt(math.Max(0, tr*tr/4-det))
	l1, l2 := tr/2+disc, tr/2-disc
	if l2 <= 0 || l1/l2 < redElongation {
		return redStamp{}, false
	}
	theta := 0.5 * math.Atan2(2*mxy, mxx-myy) // the longer axis, radians from x
	// Draw the ink turned by -theta about its centre.
	diag := int(math.Hypot(float64(box.Dx()), float64(box.Dy())))
	margin := diag / 8
	size := diag + 2*margin
	out := image.NewGray(image.Rect(0, 0, size, size))
	for i := range out.Pix {
		out.Pix[i] = 255
	}
	cos, sin := math.Cos(theta), math.Sin(theta)
	c := float64(size) / 2
	for v := range size {
		for u := range size {
			// The page point that lands on (u, v).
			du, dv := float64(u)-c, float64(v)-c
			x := int(math.Round(mx + du*cos - dv*sin))
			y := int(math.Round(my + du*sin + dv*cos))
			if x >= box.Min.X && x < box.Max.X && y >= box.Min.Y && y < box.Max.Y && red[y*w+x] {
				out.SetGray(u, v, color.Gray{})
			}
		}
	}
	b := ocr.Box{X0: box.Min.X, Y0: box.Min.Y, X1: box.Max.X, Y1: box.Max.Y}
	return redStamp{ink: out, box: b, turn: theta * 180 / math.Pi}, true
}

// dropFrame whitens the ink that is taller than letters (a stamp's frame,
// its arrow): Tesseract takes text enclosed in a frame for a picture and
// reads nothing of it.
func dropFrame(ink *image.Gray, glyphH float64) {
	b := ink.Bounds()
	w, h := b.Dx(), b.Dy()
	seen := make([]bool, w*h)
	for start := range ink.Pix {
		if ink.Pix[start] != 0 || seen[start] {
			continue
		}
		comp := []int{start}
		seen[start] = true
		y0, y1 := h, 0
		for i := 0; i < len(comp); i++ {
			x, y := comp[i]%w, comp[i]/w
			y0, y1 = min(y0, y), max(y1, y)
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := x+dx, y+dy
					if nx < 0 || ny < 0 || nx >= w || ny >= h {
						continue
					}
					if n := ny*w + nx; ink.Pix[n] == 0 && !seen[n] {
						seen[n] = true
						comp = append(comp, n)
					}
				}
			}
		}
		if float64(y1-y0) > 2*glyphH {
			for _, n := range comp {
				ink.Pix[n] = 255
			}
		}
	}
}

// readRedMarks reads the red stamps in the header of a colour page (in its
// final orientation): one line per stamp, its words' boxes the stamp's
// box on the page (the words were read turned).
func (r *recognizer) readRedMarks(page *pix, dpi, glyphH float64) ([]ocr.Line, error) {
	if glyphH <= 0 {
		glyphH = dpi / 10 // unmeasured: a 12 pt capital is about a tenth of an inch
	}
	var lines []ocr.Line
	// A view, not a copy: a page is tens of megabytes.
	for _, s := range redStamps(page.rgbaView(), nativeOrder(), glyphH) {
		var buf bytes.Buffer
		if err := png.Encode(&buf, s.ink); err != nil {
			return nil, err
		}
		x, err := readPix(buf.Bytes(), false, 0)
		if err != nil {
			return nil, fmt.Errorf("red stamp: %w", err)
		}
		ls, err := r.recognizeBlock(x, dpi)
		x.free()
		if err != nil {
			return nil, err
		}
		var l ocr.Line
		for _, rl := range ls {
			for _, wd := range rl.Words {
				wd.Box = s.box
				l.Words = append(l.Words, wd)
			}
		}
		if len(l.Words) > 0 {
			l.Box = s.box
			lines = append(lines, l)
		}
	}
	return lines, nil
}

// recognizeBlock reads an image holding one block of text (a stamp), then
// puts the page segmentation back.
func (r *recognizer) recognizeBlock(x *pix, dpi float64) ([]ocr.Line, error) {
	if err := r.cl.SetPageSegMode(gosseract.PSM_SINGLE_BLOCK); err != nil {
		return nil, err
	}
	lines, _, _, err := r.recognize(x, dpi)
	if err2 := r.cl.SetPageSegMode(gosseract.PSM_AUTO); err == nil {
		err = err2
	}
	return lines, err
}
