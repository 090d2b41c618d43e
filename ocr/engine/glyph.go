//go:build cgo && unix

package engine

import (
	"math"
	"sort"
)

// glyphSize is what the connected components of a binarized page say about
// the size of its letters, whatever the file claims about its resolution.
type glyphSize struct {
	// Height is the median height in pixels of letter-sized components:
	// between the x-height and the cap height of the body text, since most
	// letters are lowercase and Vietnamese marks stand apart as smaller
	// components that the second pass leaves out.
	Height float64
	Count  int // components the median is taken over
}

// minGlyphComps is how many letter-like components a page needs before
// its glyph size is trusted: fewer is a near-blank page, a photo or a seal.
const minGlyphComps = 40

// measureGlyphs estimates the glyph size of a binary page.
func measureGlyphs(bin *pix) glyphSize {
	hw := bin.compSizes(200_000)
	heights := make([]int, 0, len(hw)/2)
	for i := 0; i+1 < len(hw); i += 2 {
		heights = append(heights, int(hw[i]), int(hw[i+1]))
	}
	return glyphStats(heights, bin.height())
}

// glyphStats takes component sizes as (height, width) pairs on a page
// pageH pixels high. A first median over plausible shapes (not specks of
// one or two pixels, not rules, borders or pictures), each weighted by its
// box area so that paper grain and noise, however many, do not outvote the
// letters, gives the scale; a second median over components within a
// factor of it drops diacritics, dots and merged blobs.
func glyphStats(hw []int, pageH int) glyphSize {
	type comp struct{ h, area int }
	var first []comp
	for i := 0; i+1 < len(hw); i += 2 {
		h, w := hw[i], hw[i+1]
		if h < 3 || h > pageH/8 || w > 3*h+2 {
			continue
		}
		first = append(first, comp{h, h * w})
	}
	if len(first) < minGlyphComps {
		return glyphSize{}
	}
	sort.Slice(first, func(i, j int) bool { return first[i].h < first[j].h })
	median := func(cs []comp) int {
		total := 0
		for _, c := range cs {
			total += c.area
		}
		acc := 0
		for _, c := range cs {
			if acc += c.area; 2*acc >= total {
				return c.h
			}
		}
		return 0
	}
	m0 := float64(median(first))
	var second []comp
	for _, c := range first {
		if f := float64(c.h); f >= 0.6*m0 && f <= 2*m0 {
			second = append(second, c)
		}
	}
	if len(second) < minGlyphComps {
		return glyphSize{}
	}
	return glyphSize{Height: float64(median(second)), Count: len(second)}
}

// Resolution from the letters. The median letter-component height is
// about 0.1 inch in 10-14 pt body text (generated desk papers 0.10-0.12,
// NĐ 30 letters in 13 pt 0.13, 8-10 pt magazine columns 0.06-0.09); what
// Tesseract needs is pixels per letter, which is what decides upscaling.
const (
	glyphInch       = 0.11 // median letter height, inch, of typical body text
	minGlyphPx      = 5    // below this the "letters" are noise or a picture
	agreeRatio      = 1.8  // estimate and file dpi agree within this factor either way
	upscaleBelowPx  = 15   // letters smaller than this are enlarged...
	upscaleTargetPx = 30   // ...to about this (300 dpi for 10-14 pt)
	// Letters at least this tall as they came are worth reading as they
	// came too (voteOwn): bare Tesseract read the faxes' 10-14 px letters
	// at 2-22% CER and a 75-dpi scan's 9 px at 9%, but the 5-6 px of a
	// 44-dpi page at 58-79%, and their vote lost a tiny page 2 points.
	ownReadablePx = 8
	maxUpscale    = 4.0
	maxUpscaledPx = 40_000_000 // pixels of the enlarged page: an A4 at 300 dpi in colour is 8.7 Mpx
	// No paper handed in at the desk is smaller than an ID card (ID-1,
	// 2.13 inch on its short side): letters that would make the page
	// smaller are not letters.
	minPaperInch = 2.0
)

// DPI sources in ocr.Result.DPISource.
const (
	dpiFromFile      = "file"      // the file's (or the caller's) resolution, which the letters agree with
	dpiFromLetters   = "estimated" // from the size of the letters: the file had none, or one they belie
	dpiAssumedNoText = "assumed"   // no dpi in the file and too little text to measure: Options.DefaultDPI
)

// resolution is what the page is taken to be: its dpi as decoded, where
// that came from, and how much to enlarge it before recognition.
type resolution struct {
	dpi     float64
	source  string
	upscale float64 // >= 1
	glyphH  float64 // trusted letter height in pixels after upscaling; 0 when unmeasured
}

// readableAsItCame tells an enlarged page whose letters Tesseract can
// read as they came (ownReadablePx), worth reading so too (voteOwn).
func (r resolution) readableAsItCame() bool {
	return r.upscale > 1 && r.glyphH/r.upscale >= ownReadablePx
}

// resolve decides the resolution of a page w×h pixels from the dpi it came
// with (known: from the file or the caller; otherwise the default) and the
// measured letter size.
func resolve(dpi float64, known bool, gs glyphSize, w, h int) resolution {
	r := resolution{dpi: dpi, source: dpiFromFile, upscale: 1}
	if !known {
		r.source = dpiAssumedNoText
	}
	if gs.Height < minGlyphPx {
		return r
	}
	// Pieces of a table's rules cut apart by a fax's dropped scan lines
	// measured 108 px on a 200-dpi page: taken for letters, they made it a
	// 982-dpi page 1.7 inch wide, the clean-up sized for that erased every
	// letter as dust, and the page came out blank and unflagged.
	if float64(min(w, h))*glyphInch/gs.Height < minPaperInch {
		return r
	}
	r.glyphH = gs.Height
	est := gs.Height / glyphInch
	if ratio := est / dpi; ratio > agreeRatio || ratio < 1/agreeRatio {
		// Round to 1 dpi: the estimate is good to ±30%, not to decimals.
		r.dpi = math.Round(est)
		r.source = dpiFromLetters
	} else if !known {
		r.source = dpiFromLetters // the letters confirm the default
	}
	if gs.Height < upscaleBelowPx {
		f := min(maxUpscale, upscaleTargetPx/gs.Height)
		if px := float64(w) * float64(h) * f * f; px > maxUpscaledPx {
			f = math.Sqrt(maxUpscaledPx / (float64(w) * float64(h)))
		}
		if f > 1.2 {
			r.upscale = math.Round(f*100) / 100
			r.glyphH *= r.upscale
		}
	}
	return r
}
