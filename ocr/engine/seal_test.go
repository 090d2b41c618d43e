package engine

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"testing"
)

// sealSheet draws print (black bars the width of a letter's stroke) on
// paper of the given colour, lays a seal's band of ink over the middle of
// it by multiplication (ink over paper and over print, as on a stamped
// page), and returns it as a 4:2:0 JPEG like a scanner's, with the masks
// of what is where.
type sealSheet struct {
	paper, ink color.RGBA
	strength   float64 // of the ink, 0..1
	stroke     int     // print stroke width in pixels
}

const sealW, sealH = 480, 240

func (s sealSheet) draw(t *testing.T) (jpg []byte, print, inked func(x, y int) bool) {
	t.Helper()
	print = func(x, y int) bool {
		return y >= 40 && y < 200 && x >= 20 && x < sealW-20 && x%(4*s.stroke) < s.stroke
	}
	inked = func(x, y int) bool { return x >= 160 && x < 320 }
	img := image.NewRGBA(image.Rect(0, 0, sealW, sealH))
	for y := range sealH {
		for x := range sealW {
			c := s.paper
			if print(x, y) {
				c = color.RGBA{25, 25, 25, 255}
			}
			if inked(x, y) {
				mul := func(p, i uint8) uint8 {
					return uint8(math.Round(float64(p) * (1 - s.strength + s.strength*float64(i)/255)))
				}
				c = color.RGBA{mul(c.R, s.ink.R), mul(c.G, s.ink.G), mul(c.B, s.ink.B), 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 75}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), print, inked
}

// TestGreyDropsRedInk: the grey page that recognition reads has red seal
// ink as paper and the print under it as dark as the print beside it,
// whatever the ink's shade, the paper's cast or JPEG's half-resolution
// chroma; blue ink (signatures, forms filled in blue) is not red and
// stays.
func TestGreyDropsRedInk(t *testing.T) {
	white := color.RGBA{250, 250, 248, 255}
	for _, tc := range []struct {
		name  string
		sheet sealSheet
		drop  bool // the ink is to be left out
	}{
		{"seal red", sealSheet{white, color.RGBA{225, 30, 45, 255}, 0.85, 5}, true},
		{"dark crimson seal", sealSheet{white, color.RGBA{150, 20, 40, 255}, 0.9, 5}, true},
		{"magenta-tinged seal", sealSheet{white, color.RGBA{200, 30, 120, 255}, 0.85, 5}, true},
		{"faint seal", sealSheet{white, color.RGBA{225, 30, 45, 255}, 0.4, 5}, true},
		{"seal on yellowed paper", sealSheet{color.RGBA{245, 232, 200, 255}, color.RGBA{215, 35, 45, 255}, 0.85, 5}, true},
		{"faint seal, scanner's cool cast", sealSheet{color.RGBA{220, 245, 245, 255}, color.RGBA{225, 30, 45, 255}, 0.4, 5}, true},
		{"seal over thin print", sealSheet{white, color.RGBA{225, 30, 45, 255}, 0.85, 2}, true},
		{"blue signature ink", sealSheet{white, color.RGBA{20, 50, 170, 255}, 0.9, 5}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, print, inked := tc.sheet.draw(t)
			src, err := readPix(data, false, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer src.free()
			if _, err := src.normalizeStorage(); err != nil {
				t.Fatal(err)
			}
			g, err := src.grey()
			if err != nil {
				t.Fatal(err)
			}
			defer g.free()
			im := imageOf(t, g)
			// Means over the cores of each region (two pixels clear of the
			// edges, where JPEG blurs them together).
			var sum [4]float64
			var n [4]int
			const paper, ink, printBare, printInked = 0, 1, 2, 3
			for y := 2; y < sealH-2; y++ {
				for x := 2; x < sealW-2; x++ {
					core := func(f func(x, y int) bool, want bool) bool {
						for dy := -2; dy <= 2; dy++ {
							for dx := -2; dx <= 2; dx++ {
								if f(x+dx, y+dy) != want {
									return false
								}
							}
						}
						return true
					}
					region := -1
					switch {
					case core(print, false) && core(inked, false):
						region = paper
					case core(print, false) && core(inked, true):
						region = ink
					case print(x, y) && core(inked, false):
						region = printBare
					case print(x, y) && core(inked, true):
						region = printInked
					}
					if region < 0 {
						continue
					}
					v, _, _, _ := im.At(x, y).RGBA()
					sum[region] += float64(v >> 8)
					n[region]++
				}
			}
			var mean [4]float64
			for i := range mean {
				if n[i] == 0 {
					t.Fatalf("region %d empty", i)
				}
				mean[i] = sum[i] / float64(n[i])
			}
			t.Logf("paper %.0f, ink %.0f, print %.0f, print under the ink %.0f", mean[paper], mean[ink], mean[printBare], mean[printInked])
			if tc.drop && mean[ink] < mean[paper]-25 {
				t.Errorf("red ink reads %.0f against paper %.0f: not left out", mean[ink], mean[paper])
			}
			if !tc.drop && mean[ink] > mean[paper]-60 {
				t.Errorf("blue ink reads %.0f against paper %.0f: it was dropped", mean[ink], mean[paper])
			}
			// Print under the seal must read as print: far darker than
			// paper (Otsu splits about halfway) and close to the print beside it.
			if mean[printInked] > mean[paper]/2 || mean[printInked] > mean[printBare]+60 {
				t.Errorf("print under the ink reads %.0f (beside it %.0f, paper %.0f): the seal took it", mean[printInked], mean[printBare], mean[paper])
			}
		})
	}
}

// TestRedStampsTurned: a red frame with letters inside, drawn turned on
// white with a red round seal beside it, is found and turned straight (its
// longer side level); the seal, not elongated, is not taken for a stamp.
func TestRedStampsTurned(t *testing.T) {
	img, red := whitePage(900, 900), color.RGBA{220, 30, 40, 255}
	turn := -30 * math.Pi / 180
	// A 300×90 frame with three 40 px letters' bars inside, turned about (250, 250).
	for v := -45; v <= 45; v++ {
		for u := -150; u <= 150; u++ {
			frame := abs(v) >= 41 || abs(u) >= 146
			letter := abs(v) <= 20 && (u+150)%60 < 8 && u > -120 && u < 120
			if frame || letter {
				x := 250 + float64(u)*math.Cos(turn) - float64(v)*math.Sin(turn)
				y := 250 + float64(u)*math.Sin(turn) + float64(v)*math.Cos(turn)
				img.Set(int(x), int(y), red)
			}
		}
	}
	// A round seal: a ring of radius 120 about (650, 250).
	for a := 0.0; a < 2*math.Pi; a += 0.002 {
		for r := 112.0; r <= 120; r++ {
			img.Set(650+int(r*math.Cos(a)), 250+int(r*math.Sin(a)), red)
		}
	}
	stamps := redStamps(img, rgbOrder, 40)
	if len(stamps) != 1 {
		t.Fatalf("%d stamps, want 1 (the frame, not the seal)", len(stamps))
	}
	if s := stamps[0]; math.Abs(s.turn-(-30)) > 3 || s.box.X1 > 450 {
		t.Errorf("stamp turned %.1f° at %+v, want -30° left of the seal", s.turn, s.box)
	}
}

// TestRedStampsBounded: a header ruled with many red bars (a red form, a
// hostile page) gives at most redMaxStamps stamps to read, the largest.
func TestRedStampsBounded(t *testing.T) {
	img, red := whitePage(2000, 2000), color.RGBA{220, 30, 40, 255}
	// Three rows of four 300×40 bars, 100 px apart; the first bar is longer.
	for i := range 12 {
		x0, y0, long := 50+(i%4)*450, 50+(i/4)*200, 300
		if i == 0 {
			long = 400
		}
		for y := y0; y < y0+40; y++ {
			for x := x0; x < x0+long; x++ {
				img.Set(x, y, red)
			}
		}
	}
	stamps := redStamps(img, rgbOrder, 20)
	if len(stamps) != redMaxStamps {
		t.Fatalf("%d stamps, want %d (the largest of 12 bars)", len(stamps), redMaxStamps)
	}
	if b := stamps[0].box; b.X0 > 60 || b.X1-b.X0 < 390 {
		t.Errorf("first stamp at %+v, want the longest bar at x 50", b)
	}
}

// whitePage is a white RGBA page of w×h pixels.
func whitePage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	return img
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
