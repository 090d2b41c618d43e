//go:build cgo && unix

package engine

import (
	"image"
	"image/color"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/sohoa/sohoa/ocr"
)

// blurredLetters is a page region of letters as an out-of-focus scan
// shows them: stems 4 px wide and 30 px tall with a dot 5 px square 7 px
// above each (the i of a 300-dpi page), on paper of level paper, blurred
// by a Gaussian of sigma px. dots holds the dots' centres.
func blurredLetters(w, h int, paper uint8, sigma float64) (img *image.Gray, dots []image.Point) {
	sharp := image.NewGray(image.Rect(0, 0, w, h))
	for i := range sharp.Pix {
		sharp.Pix[i] = paper
	}
	fill := func(r image.Rectangle) {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				sharp.Pix[y*w+x] = 20
			}
		}
	}
	for y0 := 40; y0+40 < h; y0 += 60 {
		for x0 := 20; x0+20 < w; x0 += 11 {
			fill(image.Rect(x0, y0+12, x0+4, y0+42))
			fill(image.Rect(x0, y0+3, x0+4, y0+6))
			dots = append(dots, image.Pt(x0+2, y0+4))
		}
	}
	blurred := imaging.Blur(sharp, sigma)
	img = image.NewGray(sharp.Rect)
	for i := range img.Pix {
		img.Pix[i] = blurred.Pix[4*i] // grey in, so R = G = B
	}
	return img, dots
}

// TestBinarizeKeepsBlurredMarks: on an out-of-focus page the dots of i
// (and the Vietnamese diacritics, as small) stay as dark against the
// paper in the normalized page Tesseract reads as in the scan. Leptonica's
// usual normalization took the letters' grey fringe for paper and kept
// a tenth of a dot's contrast or less at sigma 3 px.
func TestBinarizeKeepsBlurredMarks(t *testing.T) {
	for _, tc := range []struct {
		sigma float64
		paper uint8
	}{{2, 235}, {3, 235}, {3, 200}, {3.5, 245}} {
		img, dots := blurredLetters(600, 300, tc.paper, tc.sigma)
		norm, bin, _, err := binarize(pixOf(t, img), ocr.Gray, true)
		if err != nil {
			t.Fatal(err)
		}
		got := imageOf(t, norm)
		norm.free()
		bin.free()
		scan, kept := 0, 0
		for _, d := range dots {
			scan += int(tc.paper) - int(img.GrayAt(d.X, d.Y).Y)
			kept += 255 - int(color.GrayModel.Convert(got.At(d.X, d.Y)).(color.Gray).Y)
		}
		if share := float64(kept) / float64(scan); share < 0.75 {
			t.Errorf("sigma %v, paper %d: the dots keep %.0f%% of their contrast, want >= 75%%", tc.sigma, tc.paper, 100*share)
		}
	}
}

// TestCleanPageKeepsFaintMarks: the grey page Tesseract reads keeps the
// marks too faint for the ink threshold that stand near letters (the
// dot of an i, a diacritic) and still whitens faint marks far from any
// letter, grain beside the letters (a dim photo's sensor noise) and the
// faint fringe of a streak that clean-up removed.
func TestCleanPageKeepsFaintMarks(t *testing.T) {
	const w, h = 400, 300
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 250
	}
	fill := func(r image.Rectangle, v uint8) {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				img.SetGray(x, y, color.Gray{v})
			}
		}
	}
	for x := 40; x < 340; x += 20 { // a word of letters 30 px tall
		fill(image.Rect(x, 100, x+6, 130), 20)
	}
	fill(image.Rect(0, 200, w, 203), 20) // a streak across the page
	// Faint: between the page's ink threshold and white.
	before := pixOf(t, img)
	b0, split, err := before.otsu()
	if err != nil {
		t.Fatal(err)
	}
	b0.free()
	faint := uint8(split + (255-split)/4)
	near := image.Pt(42, 88) // a diacritic 12 px above a letter
	far := image.Pt(200, 30) // a faint mark 70 px above the word
	fringe := image.Pt(100, 204)
	grain := image.Pt(70, 92) // 2×2 px 8 px above a letter
	fill(image.Rect(70, 92, 72, 94), faint)
	fill(image.Rect(40, 86, 46, 91), faint)
	fill(image.Rect(198, 28, 203, 33), faint)
	fill(image.Rect(0, 203, w, 205), faint) // the streak's faint fringe
	norm := pixOf(t, img)
	bin, err := norm.threshold(split + 1)
	if err != nil {
		t.Fatal(err)
	}
	defer bin.free()
	clean, grey, err := cleanPage(norm, bin, split, 300, 30, true)
	if err != nil {
		t.Fatal(err)
	}
	defer clean.free()
	defer grey.free()
	got := imageOf(t, grey)
	at := func(p image.Point) uint8 { return color.GrayModel.Convert(got.At(p.X, p.Y)).(color.Gray).Y }
	if v := at(near); v != faint {
		t.Errorf("diacritic near a letter: %d, want %d (kept)", v, faint)
	}
	if v := at(far); v != 255 {
		t.Errorf("faint mark far from the text: %d, want 255", v)
	}
	if v := at(grain); v != 255 {
		t.Errorf("grain near a letter: %d, want 255", v)
	}
	if v := at(fringe); v != 255 {
		t.Errorf("fringe of a removed streak: %d, want 255", v)
	}
	if v := at(image.Pt(43, 110)); v != 20 {
		t.Errorf("letter: %d, want 20", v)
	}
}

// TestBlurShare: the measure that sends a page down the blurred path
// tells out-of-focus letters from sharp ones, and from a sharp ruled
// table (Leptonica's usual normalization reads those best: the wide
// tiles took a clean table 0.5 -> 9% CER).
func TestBlurShare(t *testing.T) {
	table := func() *image.Gray {
		img, _ := blurredLetters(600, 300, 235, 0.4)
		for y := 0; y < 300; y += 60 {
			for x := range 600 {
				img.Pix[y*600+x], img.Pix[(y+1)*600+x] = 20, 20
			}
		}
		for x := 5; x < 600; x += 150 {
			for y := range 300 {
				img.Pix[y*600+x], img.Pix[y*600+x+1] = 20, 20
			}
		}
		return img
	}
	letters := func(sigma float64) *image.Gray { img, _ := blurredLetters(600, 300, 235, sigma); return img }
	for _, tc := range []struct {
		name    string
		img     *image.Gray
		blurred bool
	}{
		{"sharp letters", letters(0.4), false},
		{"sharp ruled table", table(), false},
		{"slightly soft letters", letters(1), false},
		{"blurred letters, sigma 2", letters(2), true},
		{"blurred letters, sigma 3", letters(3), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			norm, bin, split, err := binarize(pixOf(t, tc.img), ocr.Gray, false)
			if err != nil {
				t.Fatal(err)
			}
			defer norm.free()
			defer bin.free()
			share := norm.blurShare(split, 30)
			t.Logf("blur share %.4f", share)
			if got := share >= blurMin; got != tc.blurred {
				t.Errorf("blur share %.4f: blurred %v, want %v", share, got, tc.blurred)
			}
		})
	}
}
