//go:build cgo && unix

package engine

// Page image processing with Leptonica, used inside the engine child process
// only: a crash in C code there fails one page, not the caller.

/*
#cgo LDFLAGS: -llept
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <leptonica/allheaders.h>

static void sohoaPixDestroy(PIX *p) { if (p) pixDestroy(&p); }

static PIX *sohoaReadMem(const l_uint8 *data, size_t size, int tiff, int index) {
	if (tiff) return pixReadMemTiff(data, size, index);
	return pixReadMem(data, size);
}

// sohoaBinarize turns an 8 bpp grey page into 1 bpp: background normalization
// flattens uneven light and paper tint, then Otsu picks the threshold.
static PIX *sohoaBinarize(PIX *grey) {
	l_int32 thresh;
	return pixOtsuThreshOnBackgroundNorm(grey, NULL, 10, 15, 100, 50, 255, 2, 2, 0.1, &thresh);
}

// sohoaOtsu binarizes a background-normalized grey page with one global
// Otsu threshold, which it stores in *split.
static PIX *sohoaOtsu(PIX *norm, l_int32 *split) {
	NUMA *na = pixGetGrayHistogram(norm, 2);
	if (!na) return NULL;
	l_int32 t = 128;
	numaSplitDistribution(na, 0.1, &t, NULL, NULL, NULL, NULL, NULL);
	numaDestroy(&na);
	*split = t;
	// Pixels darker than the split are ink.
	return pixThresholdToBinary(norm, t + 1);
}

// sohoaFaintNear returns the cleaned binary page clean with the faint
// marks near its ink added: pixels of the grey page norm darker than level,
// in blobs that hold a size×size square (the grain and sensor noise of a
// dim photo do not; a blurred dot does), within near pixels of clean's
// ink, unless they lie within grow pixels of what the clean-up's first
// steps dropped (bin, the page before clean-up, less kept, the page after
// those steps: the faint fringe of a border, a streak or a rule stays
// dropped).
static PIX *sohoaFaintNear(PIX *norm, PIX *bin, PIX *kept, PIX *clean, int level, int size, int near, int grow) {
	PIX *dark = pixThresholdToBinary(norm, level);
	PIX *faint = dark ? pixOpenBrick(NULL, dark, size, size) : NULL;
	pixDestroy(&dark);
	PIX *zone = pixDilateBrick(NULL, clean, 2 * near + 1, 2 * near + 1);
	PIX *gone = pixSubtract(NULL, bin, kept);
	PIX *goneZone = gone ? pixDilateBrick(NULL, gone, 2 * grow + 1, 2 * grow + 1) : NULL;
	PIX *out = NULL;
	if (faint && zone && goneZone) {
		pixAnd(faint, faint, zone);
		pixSubtract(faint, faint, goneZone);
		out = pixOr(NULL, faint, clean);
	}
	pixDestroy(&faint);
	pixDestroy(&zone);
	pixDestroy(&gone);
	pixDestroy(&goneZone);
	return out;
}

// sohoaMaskGrey whitens the grey page wherever the cleaned binary page (grown
// by grow pixels, to keep anti-aliased edges and faint strokes such as the
// bar of an H that the threshold missed) has nothing: dust, grain and
// borders leave the grey image that Tesseract's recognizer reads.
static PIX *sohoaMaskGrey(PIX *grey, PIX *bin, int grow) {
	l_int32 w = pixGetWidth(grey), h = pixGetHeight(grey);
	if (pixGetDepth(grey) != 8 || pixGetWidth(bin) != w || pixGetHeight(bin) != h) return NULL;
	PIX *mask = pixDilateBrick(NULL, bin, 2 * grow + 1, 2 * grow + 1);
	if (!mask) return NULL;
	PIX *out = pixCreateNoInit(w, h, 8);
	if (!out) {
		pixDestroy(&mask);
		return NULL;
	}
	pixCopyResolution(out, grey);
	// One pass, a mask word (32 pixels, 8 grey words) at a time: most of
	// a page is far from ink (white at once) or in it (copied at once).
	l_uint32 *dm = pixGetData(mask), *dg = pixGetData(grey), *dout = pixGetData(out);
	l_int32 wm = pixGetWpl(mask), wg = pixGetWpl(grey), wo = pixGetWpl(out);
	for (l_int32 y = 0; y < h; y++) {
		l_uint32 *lm = dm + y * wm, *lg = dg + y * wg, *lo = dout + y * wo;
		for (l_int32 k = 0; k < wm; k++) {
			l_uint32 m = lm[k];
			l_int32 x0 = 32 * k;
			if (x0 + 32 <= w && (m == 0 || m == 0xffffffff)) {
				if (m == 0) memset(lo + 8 * k, 0xff, 32);
				else memcpy(lo + 8 * k, lg + 8 * k, 32);
				continue;
			}
			// The row's last word: its pad bytes are set too (white), so
			// that the image is the same bytes from run to run.
			for (l_int32 x = x0; x < x0 + 32 && x < 4 * wo; x++)
				SET_DATA_BYTE(lo, x, x < w && GET_DATA_BIT(lm, x) ? GET_DATA_BYTE(lg, x) : 255);
		}
	}
	pixDestroy(&mask);
	return out;
}

static PIX *sohoaSauvola(PIX *grey, int whsize, float factor) {
	PIX *pixd = NULL;
	if (pixSauvolaBinarizeTiled(grey, whsize, factor, 1, 1, NULL, &pixd)) return NULL;
	return pixd;
}

// sohoaPaperLevel is the grey level (0-255) that rank of the page's pixels
// are darker than, sampling every factor-th pixel of every factor-th row:
// with rank 0.9, the paper (text covers far less than a tenth of a page).
// A colour page gives the mean of its channels' levels. -1 on failure.
static int sohoaPaperLevel(PIX *p, int factor, float rank) {
	l_uint32 v = 0;
	if (pixGetRankValue(p, factor, rank, &v)) return -1;
	if (pixGetDepth(p) != 32) return (int)v;
	l_int32 r, g, b;
	extractRGBValues(v, &r, &g, &b);
	return (r + g + b) / 3;
}

// sohoaMultiply multiplies every sample of an 8 or 32 bpp page by f
// (clipped to 255), in a copy.
static PIX *sohoaMultiply(PIX *p, float f) {
	if (pixGetDepth(p) == 32) return pixMultConstantColor(p, f, f, f);
	PIX *out = pixCopy(NULL, p);
	if (out && pixMultConstantGray(out, f)) pixDestroy(&out);
	return out;
}

// sohoaBlurCounts counts, on a background-normalized grey page, the edge
// pixels of its ink (grey levels up to split with a non-ink 4-neighbour)
// and its mid-grey pixels (above split, up to hi). The page border is
// skipped.
static void sohoaBlurCounts(PIX *norm, int split, int hi, l_int32 *edge, l_int32 *mid) {
	*edge = 0; *mid = 0;
	if (pixGetDepth(norm) != 8) return;
	l_int32 w = pixGetWidth(norm), h = pixGetHeight(norm), wpl = pixGetWpl(norm);
	l_uint32 *d = pixGetData(norm);
	l_int32 e = 0, m = 0;
	for (l_int32 y = 1; y < h - 1; y++) {
		l_uint32 *up = d + (y - 1) * wpl, *l = d + y * wpl, *dn = d + (y + 1) * wpl;
		for (l_int32 x = 1; x < w - 1; x++) {
			l_int32 v = GET_DATA_BYTE(l, x);
			if (v > split) {
				if (v <= hi) m++;
				continue;
			}
			if (GET_DATA_BYTE(l, x - 1) > split || GET_DATA_BYTE(l, x + 1) > split ||
					GET_DATA_BYTE(up, x) > split || GET_DATA_BYTE(dn, x) > split)
				e++;
		}
	}
	*edge = e; *mid = m;
}

static PIX *sohoaBackgroundNorm(PIX *grey) {
	return pixBackgroundNorm(grey, NULL, NULL, 10, 15, 100, 50, 255, 2, 2);
}

// sohoaTextBackgroundNorm is background normalization for reading: tiles
// of tile×tile pixels, a third of whose pixels must be brighter than
// thresh to give the tile's paper level.
static PIX *sohoaTextBackgroundNorm(PIX *grey, int tile, int thresh) {
	return pixBackgroundNorm(grey, NULL, NULL, tile, tile, thresh, tile * tile / 3, 255, 2, 2);
}

static int sohoaFindSkew(PIX *bin, int redsweep, int redsearch, float range, float delta,
		float *angle, float *conf, float *score) {
	*angle = 0; *conf = 0; *score = 0;
	return pixFindSkewSweepAndSearchScorePivot(bin, angle, conf, score, redsweep, redsearch,
		0.0, range, delta, 0.01, L_SHEAR_ABOUT_CENTER);
}

// sohoaRemoveSpecks drops, in one connected-component pass, components no
// bigger than t×t pixels, and those no bigger than s×s that lie farther
// than d pixels from any bigger component: paper grain and dust, while
// dots, diacritics and punctuation next to letters stay.
static PIX *sohoaRemoveSpecks(PIX *bin, int t, int s, int d) {
	PIX *small = pixSelectBySize(bin, s, s, 8, L_SELECT_IF_BOTH, L_SELECT_IF_LTE, NULL);
	if (!small) return NULL;
	PIX *big = pixSubtract(NULL, bin, small);
	if (t > 0) {
		PIX *tiny = pixSelectBySize(small, t, t, 8, L_SELECT_IF_BOTH, L_SELECT_IF_LTE, NULL);
		if (tiny) {
			pixSubtract(small, small, tiny);
			pixDestroy(&tiny);
		}
	}
	PIX *near = pixDilateCompBrick(NULL, big, 2 * d + 1, 2 * d + 1);
	PIX *seed = near ? pixAnd(NULL, small, near) : NULL;
	PIX *kept = seed ? pixSeedfillBinary(NULL, seed, small, 8) : NULL;
	PIX *out = kept ? pixOr(NULL, big, kept) : NULL;
	pixDestroy(&small);
	pixDestroy(&big);
	pixDestroy(&near);
	pixDestroy(&seed);
	pixDestroy(&kept);
	return out;
}

// sohoaRemoveLines removes straight vertical and horizontal runs of ink
// longer than len pixels, broken by gaps of up to gap pixels: toner
// streaks and fax lines (dashed once thresholded), table rules and form
// underlines. Tesseract takes a streak for a column gutter (and reads the
// page in two halves) and rules for letters; no letter has a straight
// stroke that long.
static PIX *sohoaLine(PIX *bin, int w, int h, int gw, int gh) {
	PIX *c = pixCloseBrick(NULL, bin, gw, gh);
	if (!c) return NULL;
	PIX *o = pixOpenCompBrick(NULL, c, w, h);
	pixDestroy(&c);
	if (o) pixAnd(o, o, bin);
	return o;
}

static PIX *sohoaRemoveLines(PIX *bin, int len, int gap) {
	PIX *v = sohoaLine(bin, 1, len, 1, gap);
	PIX *h = sohoaLine(bin, len, 1, gap, 1);
	PIX *out = (v && h) ? pixSubtract(NULL, bin, v) : NULL;
	if (out) pixSubtract(out, out, h);
	pixDestroy(&v);
	pixDestroy(&h);
	return out;
}

// sohoaPaperColour estimates the paper's colour of a colour page: per
// channel, the 90th percentile of a sparse grid of its pixels (paper is
// most of a document page). A scanner's cast or yellowed paper shows here.
static void sohoaPaperColour(PIX *rgb, l_int32 paper[3]) {
	l_int32 w = pixGetWidth(rgb), h = pixGetHeight(rgb), wpl = pixGetWpl(rgb);
	l_int32 hist[3][256], n = 0;
	memset(hist, 0, sizeof hist);
	l_uint32 *d = pixGetData(rgb);
	for (l_int32 y = 0; y < h; y += 4) {
		l_uint32 *l = d + y * wpl;
		for (l_int32 x = 0; x < w; x += 4) {
			l_int32 r, g, b;
			extractRGBValues(l[x], &r, &g, &b);
			hist[0][r]++;
			hist[1][g]++;
			hist[2][b]++;
			n++;
		}
	}
	for (int c = 0; c < 3; c++) {
		l_int32 acc = 0, v = 255;
		for (l_int32 i = 0; i < 256; i++) {
			acc += hist[c][i];
			if (acc >= n * 9 / 10) { v = i; break; }
		}
		paper[c] = v;
	}
}

// sohoaGreyDropRed converts a colour page to grey for recognition with
// red ink (seals, red stamps) left out and the print under it kept.
//
// Which pixels are red ink is decided on chroma, not on RGB differences:
// the channels are first balanced to the paper's colour (a scanner's cast
// or yellowed paper is not red), then the YCbCr chroma gives a redness,
// Cr less part of a positive Cb, so red, crimson and magenta-tinged seal
// ink count and blue or violet ink (signatures, forms filled in blue)
// does not. Redness ramps from lo to hi into a weight, so the faint rims
// of a seal's strokes fade out instead of leaving a ghost outline.
//
// A red pixel then becomes paper unless it is darker than the red ink
// goes: print under the seal is darker than the densest ink (a low
// percentile of the strong red pixels' luminance), and that excess, beyond
// a tolerance tol, is kept (times gain). The decision rests on luminance,
// which JPEG keeps at full resolution; its chroma is stored at half
// resolution, so print next to red ink takes on the ink's chroma, and a
// pixel's redness only weighs how much of this applies. Taking the red
// channel instead (a red filter, what this replaced) left dark crimson ink
// grey, its red channel far below the paper's, and missed ink tinged
// towards magenta.
//
// Pixels that are not red keep their luminance (Leptonica's own weights,
// pixConvertRGBToLuminance), so pages without red ink read as before.
static PIX *sohoaGreyDropRed(PIX *rgb, int lo, int hi, int tol, float gain) {
	l_int32 w = pixGetWidth(rgb), h = pixGetHeight(rgb);
	PIX *g = pixCreate(w, h, 8);
	PIX *rd = pixCreate(w, h, 8);
	if (!g || !rd) {
		pixDestroy(&g);
		pixDestroy(&rd);
		return NULL;
	}
	pixCopyResolution(g, rgb);
	l_int32 paper[3];
	sohoaPaperColour(rgb, paper);
	l_float32 bal[3];
	for (int c = 0; c < 3; c++) bal[c] = paper[c] >= 96 ? 255.0f / paper[c] : 1.0f;
	l_float32 py = L_RED_WEIGHT * paper[0] + L_GREEN_WEIGHT * paper[1] + L_BLUE_WEIGHT * paper[2];
	if (py < 96) py = 255;
	// Luminances of the strong red pixels.
	l_int32 lums[256], strong = 0, reds = 0;
	memset(lums, 0, sizeof lums);
	l_uint32 *ds = pixGetData(rgb), *dg = pixGetData(g), *dr = pixGetData(rd);
	l_int32 ws = pixGetWpl(rgb), wg = pixGetWpl(g);
	for (l_int32 y = 0; y < h; y++) {
		l_uint32 *ls = ds + y * ws, *lg = dg + y * wg, *lr = dr + y * wg;
		for (l_int32 x = 0; x < w; x++) {
			l_int32 r, gr, b;
			extractRGBValues(ls[x], &r, &gr, &b);
			l_int32 v = (l_int32)(L_RED_WEIGHT * r + L_GREEN_WEIGHT * gr + L_BLUE_WEIGHT * b + 0.5);
			SET_DATA_BYTE(lg, x, v);
			l_float32 rb = r * bal[0], gb = gr * bal[1], bb = b * bal[2];
			l_float32 cr = 0.5f * rb - 0.4187f * gb - 0.0813f * bb;
			l_float32 cb = -0.1687f * rb - 0.3313f * gb + 0.5f * bb;
			l_float32 red = cr - (cb > 0 ? 0.6f * cb : 0);
			if (red <= lo) continue;
			SET_DATA_BYTE(lr, x, red > 255 ? 255 : (l_int32)red);
			reds++;
			if (red >= hi) {
				lums[v]++;
				strong++;
			}
		}
	}
	if (reds > 0) {
		// The darkest the ink goes: the 10th percentile of the strong red
		// pixels' luminance (a few of them are print that took the ink's
		// chroma). Without strong red, half the paper's.
		l_int32 dark = (l_int32)(py / 2);
		if (strong > 0) {
			l_int32 acc = 0;
			for (l_int32 i = 0; i < 256; i++) {
				acc += lums[i];
				if (10 * acc >= strong) { dark = i; break; }
			}
		}
		for (l_int32 y = 0; y < h; y++) {
			l_uint32 *lg = dg + y * wg, *lr = dr + y * wg;
			for (l_int32 x = 0; x < w; x++) {
				l_int32 red = GET_DATA_BYTE(lr, x);
				if (!red) continue;
				l_float32 wv = red >= hi ? 1.0f : (l_float32)(red - lo) / (hi - lo);
				l_int32 v = GET_DATA_BYTE(lg, x);
				l_float32 excess = dark - tol - v;
				l_float32 seal = excess > 0 ? py - gain * excess : py;
				if (seal < 0) seal = 0;
				l_int32 out = (l_int32)(v + (seal - v) * wv + 0.5f);
				SET_DATA_BYTE(lg, x, out < 0 ? 0 : out > 255 ? 255 : out);
			}
		}
	}
	pixDestroy(&rd);
	return g;
}

// sohoaShrink reduces a 32 bpp image by area averaging to fit maxside
// pixels (a copy when it already fits): the small copy a photo's sheet
// is looked for on.
// sohoaClip copies the rectangle x, y, w, h of p (clipped to it) with a
// white border of pad pixels around.
static PIX *sohoaClip(PIX *p, int x, int y, int w, int h, int pad) {
	BOX *b = boxCreate(x, y, w, h);
	PIX *c = b ? pixClipRectangle(p, b, NULL) : NULL;
	boxDestroy(&b);
	if (!c || pad <= 0) return c;
	PIX *out = pixAddBlackOrWhiteBorder(c, pad, pad, pad, pad, L_GET_WHITE_VAL);
	pixDestroy(&c);
	return out;
}

static PIX *sohoaShrink(PIX *pix, int maxside) {
	l_int32 w = pixGetWidth(pix), h = pixGetHeight(pix);
	l_int32 m = w > h ? w : h;
	if (m <= maxside) return pixCopy(NULL, pix);
	// Halving first (a fast special case) leaves the general area map a
	// quarter of the pixels: this runs on every colour page.
	PIX *p = pixClone(pix);
	while (m > 2 * maxside) {
		PIX *q = pixScaleAreaMap2(p);
		pixDestroy(&p);
		if (!q) return NULL;
		p = q;
		m /= 2;
	}
	l_float32 f = (l_float32)maxside / (pixGetWidth(p) > pixGetHeight(p) ? pixGetWidth(p) : pixGetHeight(p));
	PIX *out = pixScaleAreaMap(p, f, f);
	pixDestroy(&p);
	return out;
}

// sohoaCovered returns how many of the pixels of c, a component whose
// box in page is b, page has, and their count in *all.
static l_int32 sohoaCovered(PIX *c, BOX *b, PIX *page, l_int32 *all) {
	l_int32 kept = 0;
	*all = 0;
	PIX *under = pixClipRectangle(page, b, NULL);
	if (!under) return 0;
	pixAnd(under, under, c);
	pixCountPixels(c, all, NULL);
	pixCountPixels(under, &kept, NULL);
	pixDestroy(&under);
	return kept;
}

// sohoaKeepBlueLetters returns the blue ink of mask less the dropped
// strokes (gone) and the pieces that touch print: the blue letters of a
// form's values. When the binary page bin lost the most of them, they are
// made ink again: within two pixels of them, the grey page norm takes
// each pixel's darkest channel where darker, and bin has as ink what is
// darker than mid-grey by it. By luminance blue ink lies between print
// and paper (24, 44, 140 reads 49 beside print's 26), and on a page of
// crisp print, whose histogram between ink and paper is flat, the Otsu
// split (the lowest point of the histogram over a wide range) can fall
// between the two inks: a form's blue values were thresholded to dust,
// cleaned away and whitened in the page Tesseract reads (9.7% CER at high
// confidence). A page whose blue letters the threshold kept is left as it
// is; so are pieces that touch print, a pen's stroke cut where it crosses
// the print (made ink, a scrawl over print read worse).
static PIX *sohoaKeepBlueLetters(PIX *rgb, PIX *norm, PIX *bin, PIX *mask, PIX *gone) {
	l_int32 w = pixGetWidth(rgb), h = pixGetHeight(rgb);
	PIX *letters = pixSubtract(NULL, mask, gone);
	PIX *print = pixCreate(w, h, 1);
	if (!letters || !print) {
		pixDestroy(&print);
		return letters;
	}
	l_uint32 *ds = pixGetData(rgb), *dp = pixGetData(print);
	l_int32 ws = pixGetWpl(rgb), wp = pixGetWpl(print);
	for (l_int32 y = 0; y < h; y++) {
		l_uint32 *ls = ds + y * ws, *lp = dp + y * wp;
		for (l_int32 x = 0; x < w; x++) {
			l_int32 r, g, b;
			extractRGBValues(ls[x], &r, &g, &b);
			l_int32 mx = r > g ? (r > b ? r : b) : (g > b ? g : b);
			l_int32 mn = r < g ? (r < b ? r : b) : (g < b ? g : b);
			// Dark and not bluish: the dark pixels of blue ink itself
			// (its JPEG fringe) are bluish.
			if (mx < 120 && mx - mn < 50 && b - (r > g ? r : g) < 12) SET_DATA_BIT(lp, x);
		}
	}
	PIX *near = pixDilateBrick(NULL, print, 5, 5);
	PIX *seed = near ? pixAnd(NULL, letters, near) : NULL;
	PIX *touch = seed ? pixSeedfillBinary(NULL, seed, letters, 8) : NULL;
	if (touch) pixSubtract(letters, letters, touch);
	pixDestroy(&print);
	pixDestroy(&near);
	pixDestroy(&seed);
	pixDestroy(&touch);
	l_int32 all = 0, kept = 0;
	PIX *in = pixAnd(NULL, letters, bin);
	pixCountPixels(letters, &all, NULL);
	if (in) pixCountPixels(in, &kept, NULL);
	pixDestroy(&in);
	PIX *zone = all > 0 && 2 * kept < all ? pixDilateBrick(NULL, letters, 5, 5) : NULL;
	if (zone) {
		l_uint32 *dz = pixGetData(zone), *dn = pixGetData(norm), *db = pixGetData(bin);
		l_int32 wz = pixGetWpl(zone), wn = pixGetWpl(norm), wb = pixGetWpl(bin);
		for (l_int32 y = 0; y < h; y++) {
			l_uint32 *lz = dz + y * wz, *ls = ds + y * ws, *ln = dn + y * wn, *lb = db + y * wb;
			for (l_int32 x = 0; x < w; x++) {
				if (!GET_DATA_BIT(lz, x)) continue;
				l_int32 r, g, b;
				extractRGBValues(ls[x], &r, &g, &b);
				l_int32 mn = r < g ? (r < b ? r : b) : (g < b ? g : b);
				if (mn < (l_int32)GET_DATA_BYTE(ln, x)) SET_DATA_BYTE(ln, x, mn);
				if (mn < 128) SET_DATA_BIT(lb, x);
			}
		}
		pixDestroy(&zone);
	}
	return letters;
}

// sohoaDropBlueStrokes leaves handwriting in blue ink out of recognition
// on a colour page: blue connected strokes larger than a letter (taller
// than minh or wider than minw: a signature across the signer's name, a
// scrawled note) are whitened in the grey page norm and cleared in its
// binary bin, except where the pixel is dark and neutral (the printed
// letter the pen crossed). Blue letters of letter size (forms filled in
// by a printer, or in neat print) stay, and those clear of print are
// made ink where the threshold lost them (sohoaKeepBlueLetters); they
// are stored in *letters when there are any, for sohoaLostComps. Returns
// the pixels dropped.
static int sohoaDropBlueStrokes(PIX *rgb, PIX *norm, PIX *bin, int margin, int minw, int minh, PIX **letters) {
	*letters = NULL;
	l_int32 w = pixGetWidth(rgb), h = pixGetHeight(rgb);
	if (pixGetWidth(norm) != w || pixGetHeight(norm) != h || pixGetWidth(bin) != w || pixGetHeight(bin) != h) return 0;
	PIX *mask = pixCreate(w, h, 1);
	if (!mask) return 0;
	l_uint32 *ds = pixGetData(rgb), *dm = pixGetData(mask);
	l_int32 ws = pixGetWpl(rgb), wm = pixGetWpl(mask), n = 0;
	for (l_int32 y = 0; y < h; y++) {
		l_uint32 *ls = ds + y * ws, *lm = dm + y * wm;
		for (l_int32 x = 0; x < w; x++) {
			l_int32 r, g, b;
			extractRGBValues(ls[x], &r, &g, &b);
			if (b - (r > g ? r : g) > margin) { SET_DATA_BIT(lm, x); n++; }
		}
	}
	int dropped = 0;
	if (n > 100) {
		// Strokes are measured as they are, cut where they cross print:
		// bridging the cuts also joined blue letters into words and lines,
		// and dropped filled-in forms (seal pages read worse).
		PIX *big = pixSelectBySize(mask, minw, minh, 8, L_SELECT_IF_EITHER, L_SELECT_IF_GT, NULL);
		PIX *grow = big ? pixDilateBrick(NULL, big, 5, 5) : NULL;
		if (grow) {
			l_uint32 *dg = pixGetData(grow), *dn = pixGetData(norm), *db = pixGetData(bin);
			l_int32 wg = pixGetWpl(grow), wn = pixGetWpl(norm), wb = pixGetWpl(bin);
			for (l_int32 y = 0; y < h; y++) {
				l_uint32 *lg = dg + y * wg, *ls = ds + y * ws, *ln = dn + y * wn, *lb = db + y * wb;
				for (l_int32 x = 0; x < w; x++) {
					if (!GET_DATA_BIT(lg, x)) continue;
					l_int32 r, g, b;
					extractRGBValues(ls[x], &r, &g, &b);
					l_int32 mx = r > g ? (r > b ? r : b) : (g > b ? g : b);
					l_int32 mn = r < g ? (r < b ? r : b) : (g < b ? g : b);
					if (mx < 120 && mx - mn < 50) continue; // the printed letter under the pen
					SET_DATA_BYTE(ln, x, 255);
					CLEAR_DATA_BIT(lb, x);
					dropped++;
				}
			}
		}
		if (grow) *letters = sohoaKeepBlueLetters(rgb, norm, bin, mask, grow);
		pixDestroy(&big);
		pixDestroy(&grow);
	}
	pixDestroy(&mask);
	return dropped;
}

// sohoaLostComps counts the connected components of marks at least minh
// pixels high that have less than half their pixels in the binary page
// page (same size): marks a later step lost. *total is how many such
// components there are.
static int sohoaLostComps(PIX *marks, PIX *page, int minh, int *total) {
	*total = 0;
	if (pixGetWidth(marks) != pixGetWidth(page) || pixGetHeight(marks) != pixGetHeight(page)) return 0;
	PIXA *pixa = NULL;
	BOXA *boxa = pixConnComp(marks, &pixa, 8);
	if (!boxa || !pixa) {
		boxaDestroy(&boxa);
		pixaDestroy(&pixa);
		return 0;
	}
	int lost = 0, n = boxaGetCount(boxa);
	for (int i = 0; i < n; i++) {
		BOX *b = boxaGetBox(boxa, i, L_CLONE);
		PIX *c = pixaGetPix(pixa, i, L_CLONE);
		l_int32 h = 0, all = 0;
		if (b) boxGetGeometry(b, NULL, NULL, NULL, &h);
		if (b && c && h >= minh) {
			(*total)++;
			if (2 * sohoaCovered(c, b, page, &all) < all) lost++;
		}
		boxDestroy(&b);
		pixDestroy(&c);
	}
	boxaDestroy(&boxa);
	pixaDestroy(&pixa);
	return lost;
}

// sohoaCountTextComps counts connected components whose size fits a glyph
// at the given resolution, and returns the total ink pixel count.
static int sohoaCountTextComps(PIX *bin, int minh, int maxh, int maxw, int *ink) {
	BOXA *boxa = pixConnCompBB(bin, 8);
	int n = 0, i, cnt = boxaGetCount(boxa);
	for (i = 0; i < cnt; i++) {
		l_int32 x, y, w, h;
		boxaGetBoxGeometry(boxa, i, &x, &y, &w, &h);
		if (h >= minh && h <= maxh && w <= maxw) n++;
	}
	boxaDestroy(&boxa);
	l_int32 c = 0;
	pixCountPixels(bin, &c, NULL);
	*ink = c;
	return n;
}

// sohoaCompSizes writes the height and width of up to max connected
// components of a binary page into hw (h0, w0, h1, w1...) and returns how
// many it wrote: the raw material of the glyph-size estimate.
static int sohoaCompSizes(PIX *bin, int *hw, int max) {
	BOXA *boxa = pixConnCompBB(bin, 8);
	if (!boxa) return 0;
	int n = 0, i, cnt = boxaGetCount(boxa);
	for (i = 0; i < cnt && n < max; i++) {
		l_int32 x, y, w, h;
		boxaGetBoxGeometry(boxa, i, &x, &y, &w, &h);
		hw[2 * n] = h;
		hw[2 * n + 1] = w;
		n++;
	}
	boxaDestroy(&boxa);
	return n;
}

// sohoaEncodeG4 returns raw CCITT G4 data (K=-1) for a 1 bpp image.
static l_uint8 *sohoaEncodeG4(PIX *pix, size_t *n) {
	L_COMP_DATA *cid = NULL;
	*n = 0;
	if (pixGenerateCIData(pix, L_G4_ENCODE, 0, 0, &cid) || !cid) return NULL;
	l_uint8 *out = cid->datacomp;
	*n = cid->nbytescomp;
	cid->datacomp = NULL;
	l_CIDataDestroy(&cid);
	return out;
}

// sohoaUpDown scores how much a deskewed binary text page looks right side
// up (positive) or upside down (negative), from ascenders and descenders.
static float sohoaUpDown(PIX *bin, int reduce) {
	l_float32 conf = 0;
	PIX *p = bin;
	if (reduce) p = pixReduceRankBinary2(bin, 1, NULL);
	if (!p) return 0;
	pixUpDownDetect(p, &conf, 0, 0, 0);
	if (p != bin) pixDestroy(&p);
	return conf;
}

// sohoaPNM encodes a 1 or 8 bpp image as binary PBM/PGM by copying rows
// (Leptonica's own PNM writer goes pixel by pixel).
static l_uint8 *sohoaPNM(PIX *pix, size_t *n) {
	l_int32 w = pixGetWidth(pix), h = pixGetHeight(pix), d = pixGetDepth(pix);
	*n = 0;
	if (d != 1 && d != 8) return NULL;
	char hdr[64];
	int hl = d == 1 ? snprintf(hdr, sizeof hdr, "P4\n%d %d\n", w, h) : snprintf(hdr, sizeof hdr, "P5\n%d %d\n255\n", w, h);
	size_t rowbytes = d == 1 ? (size_t)(w + 7) / 8 : (size_t)w;
	l_uint8 *out = malloc(hl + rowbytes * h);
	if (!out) return NULL;
	memcpy(out, hdr, hl);
	PIX *sw = pixEndianByteSwapNew(pix);
	if (!sw) { free(out); return NULL; }
	l_uint32 *data = pixGetData(sw);
	l_int32 wpl = pixGetWpl(sw);
	for (l_int32 y = 0; y < h; y++) memcpy(out + hl + rowbytes * y, data + (size_t)y * wpl, rowbytes);
	pixDestroy(&sw);
	*n = hl + rowbytes * h;
	return out;
}

static int sohoaIsGreyCmap(PIX *pix) {
	PIXCMAP *cmap = pixGetColormap(pix);
	l_int32 color = 0;
	if (!cmap) return 0;
	pixcmapHasColor(cmap, &color);
	return !color;
}
*/
import "C"

import (
	"errors"
	"image"
	"math"
	"slices"
	"unsafe"

	"github.com/sohoa/sohoa/ocr"
)

func init() {
	// Leptonica reports into stderr; only real errors are worth the noise.
	C.setMsgSeverity(C.L_SEVERITY_ERROR)
}

// pix owns one Leptonica image.
type pix struct{ p *C.PIX }

func (x *pix) free() {
	if x != nil && x.p != nil {
		C.sohoaPixDestroy(x.p)
		x.p = nil
	}
}

func (x *pix) width() int  { return int(C.pixGetWidth(x.p)) }
func (x *pix) height() int { return int(C.pixGetHeight(x.p)) }
func (x *pix) depth() int  { return int(C.pixGetDepth(x.p)) }

func wrap(p *C.PIX, what string) (*pix, error) {
	if p == nil {
		return nil, errors.New("leptonica: " + what + " failed")
	}
	return &pix{p}, nil
}

// readPix decodes one page of an image file.
func readPix(data []byte, tiff bool, index int) (*pix, error) {
	if len(data) == 0 {
		return nil, errors.New("empty image")
	}
	t := C.int(0)
	if tiff {
		t = 1
	}
	p := C.sohoaReadMem((*C.l_uint8)(unsafe.Pointer(&data[0])), C.size_t(len(data)), t, C.int(index))
	return wrap(p, "decode")
}

// colorMode classifies how the page is stored, and removes a colormap so
// that the rest of the pipeline sees 1, 8 or 32 bpp.
func (x *pix) normalizeStorage() (ocr.ColorMode, error) {
	if C.pixGetColormap(x.p) != nil {
		grey := C.sohoaIsGreyCmap(x.p) != 0
		var q *C.PIX
		switch {
		case x.depth() == 1:
			q = C.pixRemoveColormap(x.p, C.REMOVE_CMAP_TO_BINARY)
		case grey:
			q = C.pixRemoveColormap(x.p, C.REMOVE_CMAP_TO_GRAYSCALE)
		default:
			q = C.pixRemoveColormap(x.p, C.REMOVE_CMAP_TO_FULL_COLOR)
		}
		if q == nil {
			return "", errors.New("leptonica: remove colormap failed")
		}
		C.sohoaPixDestroy(x.p)
		x.p = q
	}
	switch d := x.depth(); d {
	case 1:
		return ocr.Bitonal, nil
	case 8:
		return ocr.Gray, nil
	case 32:
		// Alpha would turn into black on some paths; drop it.
		C.pixSetSpp(x.p, 3)
		return ocr.Color, nil
	case 2, 4, 16:
		q := C.pixConvertTo8(x.p, 0)
		if q == nil {
			return "", errors.New("leptonica: convert to 8 bpp failed")
		}
		C.sohoaPixDestroy(x.p)
		x.p = q
		return ocr.Gray, nil
	case 24:
		q := C.pixConvert24To32(x.p)
		if q == nil {
			return "", errors.New("leptonica: convert 24 bpp failed")
		}
		C.sohoaPixDestroy(x.p)
		x.p = q
		return ocr.Color, nil
	default:
		return "", errors.New("unsupported pixel depth")
	}
}

// Red ink (seals, stamps) is left out of recognition (sohoaGreyDropRed):
// a pixel's redness (balanced Cr less part of a positive Cb, up to about
// 110 for seal ink) counts from redLow and fully from redHigh; a red pixel
// darker than ink of its chroma by more than redTolerance (JPEG noise,
// uneven ink) is print under the seal, kept redGain times its excess.
const (
	redLow       = 12
	redHigh      = 36
	redTolerance = 12
	redGain      = 3
)

// grey returns the 8 bpp page for analysis and recognition: luminance,
// with red ink (seals) whitened on colour pages. A grey page comes back
// as itself (a clone, not a copy: an A4 page is 8.7 MB), so the result
// must not be changed in place.
func (x *pix) grey() (*pix, error) {
	switch x.depth() {
	case 32:
		return wrap(C.sohoaGreyDropRed(x.p, redLow, redHigh, redTolerance, redGain), "grey")
	case 8:
		if C.pixGetColormap(x.p) == nil {
			return x.clone(), nil
		}
	}
	return wrap(C.pixConvertTo8(x.p, 0), "grey")
}

func (x *pix) clone() *pix { return &pix{C.pixClone(x.p)} }

func (x *pix) binarize() (*pix, error) { return wrap(C.sohoaBinarize(x.p), "binarize") }

func (x *pix) sauvola(whsize int, factor float64) (*pix, error) {
	return wrap(C.sohoaSauvola(x.p, C.int(whsize), C.float(factor)), "sauvola")
}

// Dark pages. Background normalization takes only pixels brighter than
// 100 for paper: on a dim phone photo or an underexposed copy the whole
// sheet is darker than that, and normalized, then thresholded, it comes
// out black and is dropped with the borders. Such a page is first
// brightened so that its paper is light again.
const (
	darkPaper     = 160 // paper level under which a page is brightened...
	paperTarget   = 240 // ...to bring its paper to about this level
	maxBrighten   = 8.0
	paperRank     = 0.9     // share of the page darker than its paper level
	paperSamples  = 250_000 // pixels the paper level is measured on
	minPaperLevel = 1
)

// brighten returns the page, brightened when its paper is dark (a new
// image either way), and the paper's grey level in it.
func (x *pix) brighten() (light *pix, paper int, err error) {
	factor := max(1, int(math.Sqrt(float64(x.width())*float64(x.height())/paperSamples)))
	level := int(C.sohoaPaperLevel(x.p, C.int(factor), paperRank))
	if level < 0 {
		return nil, 0, errors.New("leptonica: paper level failed")
	}
	if level >= darkPaper {
		light, err = x.clone(), nil
		return light, level, err
	}
	f := min(maxBrighten, paperTarget/float64(max(level, minPaperLevel)))
	light, err = wrap(C.sohoaMultiply(x.p, C.float(f)), "brighten")
	return light, min(255, int(float64(level)*f)), err
}

// backgroundNorm evens out the light of a page with Leptonica's usual
// parameters: 10×15-pixel tiles whose pixels brighter than 100 are paper.
func (x *pix) backgroundNorm() (*pix, error) {
	return wrap(C.sohoaBackgroundNorm(x.p), "background normalization")
}

// Background normalization of the grey page that is binarized and read.
// Leptonica's usual tiles (10×15 pixels, anything brighter than 100 is
// paper) are smaller than a letter at 300 dpi: on an out-of-focus scan
// the grey fringe of the strokes passes for paper, the paper is taken to
// be as grey as that fringe inside every line, and normalization washes
// the fringe, the dots of i and the diacritics out to white (a blurred
// page lost 3-10 points of CER to bare Tesseract that way). Tiles wider
// than a letter, and only what is near the paper's own level counted as
// paper, keep them; uneven light still varies over many tiles.
const (
	textBgTile  = 40        // pixels, either way
	textBgPaper = 2.0 / 3.0 // of the paper level: brighter pixels are paper
	textBgMin   = 100       // the threshold never falls below Leptonica's usual
)

// textBackgroundNorm normalizes the page for reading; paper is its
// paper's grey level (from brighten).
func (x *pix) textBackgroundNorm(paper int) (*pix, error) {
	t := max(textBgMin, int(float64(paper)*textBgPaper))
	return wrap(C.sohoaTextBackgroundNorm(x.p, textBgTile, C.int(t)), "background normalization")
}

// blurShare measures how blurred the letters of a background-normalized
// grey page are: its mid-grey pixels (above split, the Otsu threshold,
// and darker than halfway from it to white) per edge pixel of its ink
// (grey levels up to split), per pixel of letter height glyphH. A sharp
// stroke goes from ink to paper within a pixel or two whatever the
// resolution; a blurred one through a fringe as wide as a good part of
// the stroke, which grows with the letters. 0 when there is no ink.
func (x *pix) blurShare(split int, glyphH float64) float64 {
	var edge, mid C.l_int32
	C.sohoaBlurCounts(x.p, C.int(split), C.int(split+(255-split)/2), &edge, &mid)
	if edge == 0 || glyphH <= 0 {
		return 0
	}
	return float64(mid) / float64(edge) / glyphH
}

// otsu binarizes a background-normalized grey image and returns its
// threshold too: grey levels up to split are ink.
func (x *pix) otsu() (bin *pix, split int, err error) {
	var t C.l_int32
	bin, err = wrap(C.sohoaOtsu(x.p, &t), "otsu")
	return bin, int(t), err
}

// faintNear returns clean with the pixels of the grey page x darker than
// level, in blobs holding a size×size square, within near pixels of
// clean's ink added, except those within grow pixels of what bin has and
// kept has not (see sohoaFaintNear).
func (x *pix) faintNear(bin, kept, clean *pix, level, size, near, grow int) (*pix, error) {
	return wrap(C.sohoaFaintNear(x.p, bin.p, kept.p, clean.p, C.int(level), C.int(size), C.int(near), C.int(grow)), "faint marks")
}

// maskedBy returns a copy of the grey image, white farther than grow
// pixels from anything in bin.
func (x *pix) maskedBy(bin *pix, grow int) (*pix, error) {
	return wrap(C.sohoaMaskGrey(x.p, bin.p, C.int(grow)), "mask")
}

func (x *pix) threshold(t int) (*pix, error) {
	return wrap(C.pixThresholdToBinary(x.p, C.int(t)), "threshold")
}

// removeBorderComps drops foreground touching the image edge: dark scanner
// borders, binder shadows and punched holes cut by the edge.
func (x *pix) removeBorderComps() (*pix, error) {
	return wrap(C.pixRemoveBorderConnComps(x.p, 8), "border removal")
}

// removeLines drops straight vertical and horizontal ink runs longer than
// n pixels, counting gaps of up to gap pixels as ink.
func (x *pix) removeLines(n, gap int) (*pix, error) {
	return wrap(C.sohoaRemoveLines(x.p, C.int(n), C.int(gap)), "line removal")
}

// removeSpecks drops specks up to tiny pixels, and specks up to size
// pixels that lie farther than dist pixels from anything bigger.
func (x *pix) removeSpecks(tiny, size, dist int) (*pix, error) {
	return wrap(C.sohoaRemoveSpecks(x.p, C.int(tiny), C.int(size), C.int(dist)), "speck removal")
}

// rotateOrth turns the image quads×90° clockwise.
func (x *pix) rotateOrth(quads int) (*pix, error) {
	quads = ((quads % 4) + 4) % 4
	if quads == 0 {
		return x.clone(), nil
	}
	return wrap(C.pixRotateOrth(x.p, C.int(quads)), "rotate")
}

// rotate turns the image deg degrees clockwise about its centre, bringing
// in white. The canvas keeps the scan's size: the corrected page must stay
// the paper size at 100% scale, and what leaves the frame is the scanner
// bed's corners, not the page's text.
func (x *pix) rotate(deg float64) (*pix, error) {
	typ := C.L_ROTATE_AREA_MAP
	if x.depth() == 1 {
		typ = C.L_ROTATE_SAMPLING
	}
	rad := deg * math.Pi / 180
	return wrap(C.pixRotate(x.p, C.l_float32(rad), C.l_int32(typ), C.L_BRING_IN_WHITE, 0, 0), "rotate")
}

// clip copies the part of the image in box (clipped to the image) with
// a white border of pad pixels: Tesseract wants paper around a line.
func (x *pix) clip(box ocr.Box, pad int) (*pix, error) {
	return wrap(C.sohoaClip(x.p, C.int(box.X0), C.int(box.Y0), C.int(box.X1-box.X0), C.int(box.Y1-box.Y0), C.int(pad)), "clip")
}

// shrink returns a copy of a 32 bpp image reduced to fit maxSide pixels.
func (x *pix) shrink(maxSide int) (*pix, error) {
	return wrap(C.sohoaShrink(x.p, C.int(maxSide)), "shrink")
}

// preview returns a copy of an 8 or 32 bpp image sampled (not averaged: it is
// nearly free) down to about maxSide pixels.
func (x *pix) preview(maxSide int) (*pix, error) {
	f := max(1, (max(x.width(), x.height())+maxSide-1)/maxSide)
	return wrap(C.pixScaleByIntSampling(x.p, C.l_int32(f)), "sample")
}

// to32 returns a 32 bpp copy (grey pages that are photos).
func (x *pix) to32() (*pix, error) { return wrap(C.pixConvertTo32(x.p), "convert to 32 bpp") }

// luminance returns the 8 bpp luminance of a 32 bpp image.
func (x *pix) luminance() (*pix, error) {
	return wrap(C.pixConvertRGBToLuminance(x.p), "luminance")
}

// newPix32 makes a w×h 32 bpp image (content undefined).
func newPix32(w, h int) (*pix, error) {
	return wrap(C.pixCreateNoInit(C.int(w), C.int(h), 32), "create")
}

// rgbaView returns an image.RGBA over the pixels of a 32 bpp image,
// without copying: each pixel's four bytes are those of Leptonica's word,
// in memory order (not R, G, B, A on a little-endian machine), which is
// all a byte-wise resampler needs as long as source and destination share
// it. The view is valid while x lives.
func (x *pix) rgbaView() *image.RGBA {
	w, h, wpl := x.width(), x.height(), int(C.pixGetWpl(x.p))
	data := unsafe.Slice((*byte)(unsafe.Pointer(C.pixGetData(x.p))), 4*wpl*h)
	return &image.RGBA{Pix: data, Stride: 4 * wpl, Rect: image.Rect(0, 0, w, h)}
}

// rgba copies a 32 bpp image into a Go image with bytes in R, G, B, A order.
func (x *pix) rgba() *image.RGBA {
	w, h, wpl := x.width(), x.height(), int(C.pixGetWpl(x.p))
	words := unsafe.Slice((*uint32)(unsafe.Pointer(C.pixGetData(x.p))), wpl*h)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		row, o := words[y*wpl:], out.Pix[y*out.Stride:]
		for i := range w {
			v := row[i] // 0xRRGGBBAA in a native word
			o[4*i], o[4*i+1], o[4*i+2], o[4*i+3] = byte(v>>24), byte(v>>16), byte(v>>8), 255
		}
	}
	return out
}

// upscale enlarges the image f times by linear interpolation; a bitonal
// image becomes grey first, so that enlarged letters get smooth edges for
// the binarization that follows instead of blocks.
func (x *pix) upscale(f float64) (*pix, error) {
	src := x.p
	if x.depth() == 1 {
		src = C.pixConvertTo8(x.p, 0)
		if src == nil {
			return nil, errors.New("leptonica: convert to 8 bpp failed")
		}
		defer C.sohoaPixDestroy(src)
	}
	return wrap(C.pixScaleLI(src, C.l_float32(f), C.l_float32(f)), "upscale")
}

func (x *pix) scale(f float64) (*pix, error) {
	if x.depth() == 1 && f < 1 {
		return wrap(C.pixScaleToGray(x.p, C.l_float32(f)), "scale")
	}
	return wrap(C.pixScale(x.p, C.l_float32(f), C.l_float32(f)), "scale")
}

// skew finds the angle (degrees, clockwise rotation needed to straighten,
// i.e. how far the lines were turned counter-clockwise) over ±rangeDeg and
// the projection score at that angle.
func (x *pix) skew(dpi float64, rangeDeg float64) (angle, conf, score float64, err error) {
	redsweep, redsearch := 4, 2
	if dpi < 250 {
		redsweep, redsearch = 2, 1
	}
	var a, c, s C.float
	if C.sohoaFindSkew(x.p, C.int(redsweep), C.int(redsearch), C.float(rangeDeg), 1, &a, &c, &s) != 0 {
		return 0, 0, 0, errors.New("leptonica: skew search failed")
	}
	return float64(a), float64(c), float64(s), nil
}

// blueMargin is how much a pixel's blue must exceed its red and green
// for it to count as blue ink.
const blueMargin = 40

// dropBlueStrokes leaves blue handwriting larger than a letter of
// glyphH pixels out of the grey and binary pages norm and bin (see
// sohoaDropBlueStrokes), x being the colour page, and makes blue letters
// clear of print that the threshold lost ink again (sohoaKeepBlueLetters);
// it returns the pixels dropped and those blue letters (nil when there
// are none), which the caller frees.
func (x *pix) dropBlueStrokes(norm, bin *pix, glyphH float64) (dropped int, letters *pix) {
	if x.depth() != 32 || norm == nil || glyphH <= 0 {
		return 0, nil
	}
	var l *C.PIX
	dropped = int(C.sohoaDropBlueStrokes(x.p, norm.p, bin.p, blueMargin, C.int(3*glyphH), C.int(1.8*glyphH), &l))
	if l != nil {
		letters = &pix{l}
	}
	return dropped, letters
}

// lostIn counts the marks of x (a binary page) at least minH pixels high
// that have less than half their pixels in page, the binary page a later
// step made of the same image, and all the marks that high.
func (x *pix) lostIn(page *pix, minH float64) (lost, total int) {
	var t C.int
	lost = int(C.sohoaLostComps(x.p, page.p, C.int(max(1, minH)), &t))
	return lost, int(t)
}

// bitmap copies a 1 bpp image into Go memory, bits past the width
// cleared.
func (x *pix) bitmap() ocr.Bitmap {
	w, h, wpl := x.width(), x.height(), int(C.pixGetWpl(x.p))
	words := unsafe.Slice((*uint32)(unsafe.Pointer(C.pixGetData(x.p))), wpl*h)
	b := ocr.Bitmap{Width: w, Height: h, WPL: wpl, Words: slices.Clone(words)}
	if r := w % 32; r != 0 {
		mask := ^uint32(0) << (32 - r)
		for y := range h {
			b.Words[y*wpl+wpl-1] &= mask
		}
	}
	return b
}

// ink counts foreground pixels.
func (x *pix) ink() int {
	var c C.l_int32
	C.pixCountPixels(x.p, &c, nil)
	return int(c)
}

// textComps counts glyph-sized components and ink pixels.
func (x *pix) textComps(dpi float64) (n, ink int) {
	minh := int(dpi * 0.02)
	if minh < 3 {
		minh = 3
	}
	var c C.int
	n = int(C.sohoaCountTextComps(x.p, C.int(minh), C.int(dpi*0.6), C.int(dpi*2), &c))
	return n, int(c)
}

// compSizes returns the height and width of each connected component
// (8-connected) of a binary image, at most maxComps of them.
func (x *pix) compSizes(maxComps int) (hw []C.int) {
	hw = make([]C.int, 2*maxComps)
	n := int(C.sohoaCompSizes(x.p, &hw[0], C.int(maxComps)))
	return hw[:2*n]
}

func (x *pix) setResolution(dpi float64) {
	r := C.l_int32(math.Round(dpi))
	C.pixSetResolution(x.p, r, r)
}

// pnm encodes the image as PNM (tests and tools).
func (x *pix) pnm() ([]byte, error) { return x.encode("pnm", 0) }

// raw encodes the image as uncompressed TIFF: with the engine's Leptonica
// it is the cheapest format to write and for Tesseract to read back.
func (x *pix) raw() ([]byte, error) { return x.encode("tiff", 0) }

// serialized calls use with the image in Leptonica's own serialization
// (spix: a header, then the pixel words as they lie in memory), which
// Tesseract's pixReadMem reads back with one copy. The bytes are C
// memory, valid during use only. An uncompressed TIFF (raw) cost 40-200
// ms of CPU on a 300-dpi page, written through libtiff's memory stream
// and copied into Go; this costs a copy. spix does not carry the
// resolution: the reader must be told it (user_defined_dpi).
func (x *pix) serialized(use func([]byte) error) error {
	var data *C.l_uint8
	var n C.size_t
	if C.pixWriteMemSpix(&data, &n, x.p) != 0 || data == nil {
		if data != nil {
			C.free(unsafe.Pointer(data))
		}
		return errors.New("leptonica: serialize failed")
	}
	defer C.free(unsafe.Pointer(data))
	return use(unsafe.Slice((*byte)(unsafe.Pointer(data)), int(n)))
}

func (x *pix) jpeg(quality int) ([]byte, error) { return x.encode("jpeg", quality) }

// g4 encodes a 1 bpp image as raw CCITT G4 data, as a PDF embeds it.
func (x *pix) g4() ([]byte, error) { return x.encode("g4", 0) }

func (x *pix) png() ([]byte, error) { return x.encode("png", 0) }

// encode writes the image in format (pnm, tiff, jpeg at quality, g4,
// png) and copies the encoder's C buffer into Go memory, freeing it so
// that no C memory outlives the call (a failed encoder's too).
func (x *pix) encode(format string, quality int) ([]byte, error) {
	var data *C.l_uint8
	var n C.size_t
	ok := true
	switch format {
	case "pnm":
		data = C.sohoaPNM(x.p, &n)
	case "g4":
		data = C.sohoaEncodeG4(x.p, &n)
	case "jpeg":
		ok = C.pixWriteMemJpeg(&data, &n, x.p, C.l_int32(quality), 0) == 0
	case "tiff":
		ok = C.pixWriteMem(&data, &n, x.p, C.IFF_TIFF) == 0
	case "png":
		ok = C.pixWriteMem(&data, &n, x.p, C.IFF_PNG) == 0
	}
	if data != nil {
		defer C.free(unsafe.Pointer(data))
	}
	if !ok || data == nil {
		return nil, errors.New("leptonica: encode " + format + " failed")
	}
	return C.GoBytes(unsafe.Pointer(data), C.int(n)), nil
}

// upDown returns Leptonica's up/down text confidence: positive when right
// side up, negative when upside down, near 0 when it cannot tell.
func (x *pix) upDown(dpi float64) float64 {
	reduce := C.int(0)
	if dpi > 250 {
		reduce = 1
	}
	return float64(C.sohoaUpDown(x.p, reduce))
}

// equal reports whether two images have the same pixels (tests).
func equal(a, b *pix) bool {
	var same C.l_int32
	C.pixEqual(a.p, b.p, &same)
	return same != 0
}
