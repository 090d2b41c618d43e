package main

// What one-stop desks receive besides clean scans: low-resolution copies
// that carry no dpi or a wrong one, phone photos, red seals and blue
// signatures over the text, faxes and photocopies. Each is a category of
// the "desk" preset.

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg" // real scans
	_ "image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	xdraw "golang.org/x/image/draw"

	"github.com/sohoa/sohoa/ocr/photo"
)

// deskCategories in the order the desk preset cycles through them.
var deskCategories = []string{"clean", "lowres", "photo", "seal", "fax", "copy"}

// deskSpec is page i of the desk preset: its category comes in turn, the
// rest is drawn from r.
func deskSpec(r *rand.Rand, i int) pageSpec {
	c := deskCategories[i%len(deskCategories)]
	sp := pageSpec{Kind: kinds[r.IntN(6)], DPI: 300, Mode: pick(r, "color", "gray"), NewCode: r.IntN(2) == 0}
	deskVariant(r, &sp, c)
	return sp
}

// deskVariant makes sp a page of desk category c, drawing from r.
func deskVariant(r *rand.Rand, sp *pageSpec, c string) {
	sp.Category = c
	switch c {
	case "clean":
		if sp.Mode == "color" {
			sp.JPEG = 90
		}
	case "lowres":
		// A letter shrunk for e-mail or a chat app: 60-150 dpi, and the
		// file says nothing, or what the program's default is.
		sp.LowDPI = 60 + r.IntN(91)
		sp.ClaimDPI = pick(r, 0, 72, 96, 300)
		sp.JPEG = 60 + r.IntN(31)
	case "photo":
		sp.Photo, sp.Mode, sp.JPEG = true, "color", 60+r.IntN(26)
	case "seal":
		sp.Seal, sp.Mode, sp.JPEG = true, "color", 85
		sp.Kind = pick(r, "don", "uyquyen", "tiepnhan")
	case "fax":
		sp.Fax, sp.DPI, sp.Mode = true, 200, "bitonal"
	case "copy":
		sp.Copy, sp.Mode, sp.JPEG = true, "gray", 70+r.IntN(16)
	}
}

// multiply darkens dst at (x, y) by ink with coverage a (0-1), as ink on
// paper does: what is under it stays visible through it.
func multiply(dst *image.RGBA, x, y int, ink color.RGBA, a float64) {
	if !(image.Point{x, y}.In(dst.Rect)) || a <= 0 {
		return
	}
	i := dst.PixOffset(x, y)
	for c, v := range []uint8{ink.R, ink.G, ink.B} {
		p := float64(dst.Pix[i+c])
		dst.Pix[i+c] = clamp8(p * (1 - a + a*float64(v)/255))
	}
}

// stampSeal draws a red round seal of the issuing body centred at (cx, cy):
// two rings, a band of letter-like ticks between them and a star, in
// slightly uneven ink.
func stampSeal(img *image.RGBA, rnd *rand.Rand, cx, cy, dpi float64) {
	red := color.RGBA{uint8(200 + rnd.IntN(30)), uint8(20 + rnd.IntN(30)), uint8(30 + rnd.IntN(30)), 255}
	R := dpi * (0.7 + 0.1*rnd.Float64())
	ring := dpi * 0.035
	inner := R * 0.68
	strength := 0.65 + 0.25*rnd.Float64()
	ticks := 40 + rnd.IntN(20)
	r0 := int(R + ring + 2)
	for y := int(cy) - r0; y <= int(cy)+r0; y++ {
		for x := int(cx) - r0; x <= int(cx)+r0; x++ {
			dx, dy := float64(x)-cx, float64(y)-cy
			d := math.Hypot(dx, dy)
			a := 0.0
			switch {
			case math.Abs(d-R) < ring:
				a = 1
			case math.Abs(d-inner) < ring*0.6:
				a = 1
			case d > inner+ring && d < R-ring*1.5:
				// Letters around the rim: short strokes along the radius.
				th := math.Atan2(dy, dx)
				ph := math.Mod(th/(2*math.Pi)*float64(ticks)+10, 1)
				if ph < 0.3 && d > inner+ring*2.5 && d < R-ring*2.5 {
					a = 0.9
				}
			case d < inner*0.3:
				// A five-pointed star.
				th := math.Atan2(dy, dx) + math.Pi/2
				k := math.Mod(th*5/(2*math.Pi)+10, 1)
				edge := inner * 0.3 * (0.45 + 0.55*math.Abs(1-2*k))
				if d < edge {
					a = 1
				}
			}
			if a > 0 {
				multiply(img, x, y, red, a*strength*(0.8+0.2*rnd.Float64()))
			}
		}
	}
}

// overInk puts a red seal over the signer block (or over text low on the
// page when it has none) and a blue signature across the signer's name.
func overInk(img *image.RGBA, rnd *rand.Rand, l *layout, dpi float64) map[string]float64 {
	if len(l.lines) == 0 {
		return nil
	}
	var cx, cy float64
	if len(l.signatures) > 0 {
		s := l.signatures[len(l.signatures)-1]
		cx, cy = float64(s.Min.X), float64(s.Min.Y+s.Max.Y)/2
		// The signature crosses the name below it.
		name := s.Add(image.Pt(0, s.Dy()/2))
		scribble(img, name, color.RGBA{20, 50, 170, 255}, dpi/25.4*0.5, rnd)
	} else {
		ln := l.lines[len(l.lines)/2+rnd.IntN((len(l.lines)+1)/2)]
		b := ln.Bounds
		cx, cy = float64(b.Min.X+b.Dx()*2/3), float64(b.Min.Y+b.Max.Y)/2
		scribble(img, image.Rect(b.Min.X, b.Min.Y-b.Dy(), b.Min.X+b.Dx()/3, b.Max.Y+b.Dy()), color.RGBA{20, 50, 170, 255}, dpi/25.4*0.5, rnd)
	}
	stampSeal(img, rnd, cx, cy, dpi)
	return map[string]float64{"seal_x": math.Round(cx), "seal_y": math.Round(cy)}
}

// faxOrCopy adds what copiers and fax machines do: toner streaks along
// the paper path, dropped scan lines (fax), text from the back of the
// sheet showing through and toner specks (copy).
func faxOrCopy(img *image.RGBA, rnd *rand.Rand, fax bool, dpi float64) map[string]float64 {
	b := img.Bounds()
	p := map[string]float64{}
	if !fax {
		// Bleed-through: the page mirrored, faint.
		src := image.NewRGBA(b)
		copy(src.Pix, img.Pix)
		k := 0.12 + 0.1*rnd.Float64()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				m := src.PixOffset(b.Max.X-1-(x-b.Min.X), y)
				a := k * (1 - float64(src.Pix[m])/255)
				multiply(img, x, y, color.RGBA{90, 90, 90, 255}, a)
			}
		}
		p["bleed"] = round3(k)
		for range int(dpi * 3) { // toner specks
			x, y := b.Min.X+rnd.IntN(b.Dx()), b.Min.Y+rnd.IntN(b.Dy())
			r := 1 + rnd.IntN(max(1, int(dpi/150)))
			for dy := -r; dy <= r; dy++ {
				for dx := -r; dx <= r; dx++ {
					multiply(img, x+dx, y+dy, color.RGBA{30, 30, 30, 255}, 0.8)
				}
			}
		}
	}
	n := 1 + rnd.IntN(3)
	for i := range n {
		x := b.Min.X + rnd.IntN(b.Dx())
		w := 1 + rnd.IntN(max(1, int(dpi/100)))
		a := 0.35 + 0.4*rnd.Float64()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for dx := range w {
				multiply(img, x+dx, y, color.RGBA{40, 40, 40, 255}, a*(0.7+0.3*rnd.Float64()))
			}
		}
		p["streak"+string(rune('0'+i))+"_x"] = float64(x)
	}
	if fax {
		drops := 2 + rnd.IntN(5)
		for range drops {
			y := b.Min.Y + rnd.IntN(b.Dy())
			for x := b.Min.X; x < b.Max.X; x++ {
				i := img.PixOffset(x, y)
				img.Pix[i], img.Pix[i+1], img.Pix[i+2] = 255, 255, 255
			}
		}
		p["dropped_lines"] = float64(drops)
	}
	return p
}

// shrink scales img by f with a good filter, as a scaler or an e-mail
// client does.
func shrink(img *image.RGBA, f float64) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, max(1, int(float64(b.Dx())*f)), max(1, int(float64(b.Dy())*f))))
	xdraw.CatmullRom.Scale(out, out.Bounds(), img, b, xdraw.Src, nil)
	return out
}

// photograph simulates a phone photo of the page lying on a table: the
// page seen in perspective on a darker background, a slight curl, light
// falling off across it and a soft shadow, in a frame longSide pixels
// high. It returns the photo and the effective resolution of the page in it.
func photograph(img *image.RGBA, rnd *rand.Rand, longSide int) (*image.RGBA, map[string]float64) {
	b := img.Bounds()
	W, H := longSide*3/4, longSide
	out := image.NewRGBA(image.Rect(0, 0, W, H))
	bg := color.RGBA{uint8(60 + rnd.IntN(80)), uint8(45 + rnd.IntN(60)), uint8(30 + rnd.IntN(50)), 255}
	field := newSmoothField(rnd, W, H, float64(W)/4)
	// The page fills 80-92% of the frame's height; each corner moves by
	// up to 6% of the width (a camera tilted up to about 20°).
	fill := 0.80 + 0.12*rnd.Float64()
	ph := fill * float64(H)
	pw := ph * float64(b.Dx()) / float64(b.Dy())
	x0, y0 := (float64(W)-pw)/2, (float64(H)-ph)/2
	j := func(x, y float64) photo.Point {
		return photo.Point{X: x + (rnd.Float64()*2-1)*0.06*float64(W), Y: y + (rnd.Float64()*2-1)*0.06*float64(W)}
	}
	dst := [4]photo.Point{j(x0, y0), j(x0+pw, y0), j(x0+pw, y0+ph), j(x0, y0+ph)}
	src := [4]photo.Point{{X: 0, Y: 0}, {X: float64(b.Dx()), Y: 0}, {X: float64(b.Dx()), Y: float64(b.Dy())}, {X: 0, Y: float64(b.Dy())}}
	hm := photo.Homography(dst, src) // photo -> page
	curl := (0.002 + 0.004*rnd.Float64()) * float64(b.Dy())
	light, lightAng := 0.15+0.25*rnd.Float64(), rnd.Float64()*2*math.Pi
	shadowX := float64(W) * (0.2 + 0.6*rnd.Float64())
	shadowD := 0.25 + 0.2*rnd.Float64()
	for y := range H {
		for x := range W {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			pt := photo.Apply(hm, photo.Point{X: fx, Y: fy})
			u, v := pt.X, pt.Y
			// Curl: the page lifts along its edges.
			t := u / float64(b.Dx())
			v += curl * (1 - 4*(t-0.5)*(t-0.5))
			var c [3]float64
			if u >= 0 && v >= 0 && u < float64(b.Dx()-1) && v < float64(b.Dy()-1) {
				c = bilinear(img, u, v)
			} else {
				n := 0.85 + 0.3*field.at(x, y)
				c = [3]float64{float64(bg.R) * n, float64(bg.G) * n, float64(bg.B) * n}
			}
			// Light falls off in one direction; a soft shadow on one side.
			g := 1 - light*(0.5+0.5*math.Cos(lightAng)*(2*fx/float64(W)-1)+0.5*math.Sin(lightAng)*(2*fy/float64(H)-1))
			if s := (fx - shadowX) / (0.05 * float64(W)); s > 0 {
				g *= 1 - shadowD*math.Min(1, s)
			}
			i := out.PixOffset(x, y)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = clamp8(c[0]*g), clamp8(c[1]*g), clamp8(c[2]*g), 255
		}
	}
	return out, map[string]float64{"long_side": float64(longSide), "fill": round3(fill), "light": round3(light),
		"shadow": round3(shadowD), "curl_px": round3(curl), "page_height_px": math.Round(ph)}
}

func bilinear(img *image.RGBA, u, v float64) [3]float64 {
	x, y := int(u), int(v)
	fx, fy := u-float64(x), v-float64(y)
	var c [3]float64
	for k := range 3 {
		p00 := float64(img.Pix[img.PixOffset(x, y)+k])
		p10 := float64(img.Pix[img.PixOffset(x+1, y)+k])
		p01 := float64(img.Pix[img.PixOffset(x, y+1)+k])
		p11 := float64(img.Pix[img.PixOffset(x+1, y+1)+k])
		c[k] = p00*(1-fx)*(1-fy) + p10*fx*(1-fy) + p01*(1-fx)*fy + p11*fx*fy
	}
	return c
}

// realVariants writes desk variants of a real scan (a page image at a
// known resolution): the page as it is, shrunk to 100 and 75 dpi without
// a dpi in the file, and photographed by the simulation. The truth JSON
// of each names the original in "source"; its text is left empty for the
// caller to fill from a reading of the original, since real scans come
// without ground truth.
func realVariants(path string, seed uint64, idx int, out string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	src, _, err := image.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	rgba := image.NewRGBA(src.Bounds().Sub(src.Bounds().Min))
	draw.Draw(rgba, rgba.Bounds(), src, src.Bounds().Min, draw.Src)
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	rnd := pageRand(seed, streamDegrade, idx)
	dpi := 300.0 // the vn-admin scans are 300 dpi
	type variant struct {
		name, category string
		img            *image.RGBA
		fileDPI, dpi   int
		jpegQ          int
		params         map[string]float64
	}
	vs := []variant{
		{base + "-orig", "real", rgba, int(dpi), int(dpi), 85, nil},
		{base + "-lowres100", "real-lowres", shrink(rgba, 100/dpi), 0, 100, 75, map[string]float64{"dpi": 100}},
		{base + "-lowres75", "real-lowres", shrink(rgba, 75/dpi), 0, 75, 80, map[string]float64{"dpi": 75}},
	}
	ph, p := photograph(rgba, rnd, 2000+rnd.IntN(1000))
	vs = append(vs, variant{base + "-photo", "real-photo", ph, 72, int(math.Round(p["page_height_px"] / (float64(rgba.Bounds().Dy()) / dpi))), 70, p})
	for _, v := range vs {
		data, err := encodeJPEG(v.img, v.jpegQ, v.fileDPI)
		if err != nil {
			return err
		}
		fd := v.fileDPI
		tr := truth{Image: v.name + ".jpg", DPI: v.dpi, FileDPI: &fd, Width: v.img.Bounds().Dx(), Height: v.img.Bounds().Dy(),
			Mode: "color", Format: "jpeg", JPEGQuality: v.jpegQ, Kind: "real", Category: v.category, Source: filepath.Base(path),
			Degradations: []string{}, Params: map[string]map[string]float64{}, Seed: seed, Index: idx + 1}
		if v.params != nil {
			tr.add(strings.TrimPrefix(v.category, "real-"), v.params)
		} else {
			tr.Params = nil
		}
		jb, err := indentedJSON(tr)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, v.name+".jpg"), data, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, v.name+".json"), jb, 0o644); err != nil {
			return err
		}
	}
	return nil
}
