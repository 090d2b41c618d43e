//go:build cgo && unix

package engine

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/sohoa/sohoa/ocr/jpegopt"
	"github.com/sohoa/sohoa/ocr/photo"
	"github.com/sohoa/sohoa/pdf/pdfread"

	"github.com/sohoa/sohoa/ocr"
)

// Tuning of the page analysis. Values are in fractions of an inch or
// degrees so that they hold at any resolution.
const (
	skewRange     = 20.0  // degrees searched either side of 0 (pages come within ±15)
	speckSize     = 0.04  // inch: larger marks are never treated as dust
	speckDistance = 0.08  // inch: dust this far from anything larger is dropped
	speckGlyph    = 0.45  // of the measured letter height: larger marks are never dust
	lineInch      = 0.5   // inch: straight ink runs longer than this are streaks or rules, not letters
	lineGlyphs    = 5     // ...and longer than this many letter heights
	lineGap       = 0.02  // inch: gaps in a streak or rule that thresholding leaves
	maskGrow      = 0.015 // inch kept around the ink in the grey page Tesseract reads
	faintLevel    = 0.5   // of the way from the ink threshold to white: darker pixels near ink are kept
	ruleLevel     = 0.8   // of white on the normalized page: darker pixels may be a faint rule (see findTables)
	faintGlyph    = 0.5   // of the letter height: how near the ink faint marks are kept (a diacritic's gap)
	faintInch     = 0.05  // inch: the same when the letters were not measured
	faintSize     = 0.13  // of the letter height: a faint mark holds a square this wide (noise does not)
	blurMin       = 0.03  // blurShare from which a page's letters are blurred
	deskewMin     = 0.05  // below this, straightening costs more than it brings
	blankMaxComps = 3     // glyph-sized components on a page still called blank
	blankMaxInk   = 0.002 // ink fraction above which a page is surely not blank
	sidewaysRatio = 1.3   // projection score ratio to call the text lines vertical
	upDownSure    = 10    // Leptonica up/down confidence that needs no second opinion
	rereadBelow   = 80    // mean word confidence under which an unsure page is read turned too
	rereadMargin  = 5     // confidence the turned reading must gain to win
	turnSureAbove = 30    // mean word confidence a turned page must reach for the turn to be trusted
	turnMargin    = 15    // confidence the turned reading must gain over the page as scanned
)

// process runs the whole page pipeline in the engine child.
func (r *recognizer) process(ctx context.Context, j *ocr.Job) (ocr.Result, ocr.Image, error) {
	mark := r.tracer()
	res := ocr.Result{File: j.Name, Page: j.Page, Language: r.langs, DPI: j.DPI, DPIKnown: j.DPIKnown}
	data := j.Data
	isTIFF := j.Format == "tiff"
	mono := false // a bitonal PDF page rendered in grey, to threshold
	index := j.Page - 1
	if j.Format == "pdf" {
		path, err := r.pdfFile(j.Data, j.FileSeq)
		if err != nil {
			return res, ocr.Image{}, err
		}
		// One listing serves both ways in: the page's own image or a rendering.
		images, err := ocr.ListPDFImages(ctx, path, j.Page, j.Page)
		if err != nil {
			return res, ocr.Image{}, fmt.Errorf("pdfimages: %w", err)
		}
		img, ppi, ok, err := pdfPageImage(ctx, path, j.Page, images)
		if err != nil {
			return res, ocr.Image{}, err
		}
		if ok {
			// The page is one upright image: take it as a standalone image file,
			// so its pixels (and a JPEG's bytes) reach the pipeline unchanged.
			sub := *j
			sub.Data, sub.KeepJPEG = img, false
			sub.KeepJPEG = ocr.EmbeddableJPEG(img)
			j = &sub
			data, isTIFF, index = img, ocr.Sniff(img) == "tiff", 0
			if !j.DPIKnown {
				res.DPI, res.DPIKnown = ppi, true
			}
		} else {
			raster, dpi, known, m, err := rasterizePDF(ctx, path, j.Page, images, j.DPI, j.DefaultDPI)
			if err != nil {
				return res, ocr.Image{}, err
			}
			data, isTIFF, index, mono = raster, false, 0, m
			res.DPI, res.DPIKnown = dpi, known || j.DPIKnown
		}
	}
	if res.DPI <= 0 {
		res.DPI = j.DefaultDPI
	}

	mark("raster")
	src, err := readPix(data, isTIFF, index)
	if err != nil {
		return res, ocr.Image{}, ocr.ErrCorrupt
	}
	defer func() { src.free() }()
	mode, err := src.normalizeStorage()
	if err != nil {
		return res, ocr.Image{}, err
	}
	if mono && mode == ocr.Gray {
		bw, err := src.threshold(128)
		if err != nil {
			return res, ocr.Image{}, err
		}
		src.free()
		src, mode = bw, ocr.Bitonal
	}

	mark("decode")
	// A phone photo shows the sheet on a table, in perspective, curled and
	// unevenly lit: the sheet alone, flattened, is what is read and kept.
	// Scans (the sheet fills the frame squarely) are left as they are.
	if mode != ocr.Bitonal {
		flat, ok, err := flattenPhoto(src, mode)
		if err != nil {
			return res, ocr.Image{}, err
		}
		if ok {
			src.free()
			src = flat
			j.KeepJPEG = false
			res.Photo = true
		}
		mark("photo")
	}
	// The resolution comes from the letters, not only from the file: files
	// without a dpi and files that lie are the common case at the desk, and
	// clean-up tuned for 300 dpi wipes out the text of a 70-dpi page.
	norm, bin, split, err := binarize(src, mode, false)
	if err != nil {
		return res, ocr.Image{}, err
	}
	gs := measureGlyphs(bin)
	rs := resolve(res.DPI, res.DPIKnown, gs, src.width(), src.height())
	res.DPISource = rs.source
	// The page as it came, kept when it is enlarged and its letters are
	// big enough for Tesseract as they are: it may be read too, as bare
	// Tesseract reads it, and vote with the enlarged page (see voteOwn).
	var own *pix
	if rs.upscale > 1 {
		// Too few pixels per letter for Tesseract: enlarge the page (the
		// PDF then keeps it at the TT 01/2023 minimum too) and binarize again.
		norm.free()
		bin.free()
		up, err := src.upscale(rs.upscale)
		if err != nil {
			return res, ocr.Image{}, err
		}
		if rs.readableAsItCame() {
			if own, err = src.grey(); err != nil {
				up.free()
				return res, ocr.Image{}, err
			}
			defer own.free()
		}
		src.free()
		src = up
		if mode == ocr.Bitonal {
			mode = ocr.Gray
		}
		j.KeepJPEG = false
		if norm, bin, split, err = binarize(src, mode, false); err != nil {
			return res, ocr.Image{}, err
		}
		mark("upscale")
	}
	// An out-of-focus scan is normalized again with tiles wider than a
	// letter, and its faint marks are kept (see textBackgroundNorm and
	// cleanPage). Only such a page: on sharp tables and dim photos the
	// wide tiles took ruled cells and sensor noise for ink (a clean
	// table read 0.5 -> 9%, a dim photo 14 -> 29%). Photos and upscaled
	// pages, whose softness is not a blurred scan's, keep the usual path.
	blurred := false
	if norm != nil && !res.Photo && rs.upscale <= 1 && rs.glyphH > 0 {
		if blurred = norm.blurShare(split, rs.glyphH) >= blurMin; blurred {
			norm.free()
			bin.free()
			if norm, bin, split, err = binarize(src, mode, true); err != nil {
				return res, ocr.Image{}, err
			}
			// The letters measured on the page read: clean-up and faint
			// marks are scaled to them.
			if gs2 := measureGlyphs(bin); gs2.Height > 0 {
				if rs2 := resolve(res.DPI, res.DPIKnown, gs2, src.width(), src.height()); rs2.upscale <= 1 {
					gs, rs = gs2, rs2
					res.DPISource = rs.source
				}
			}
			mark("blur")
		}
	}
	res.DPI = rs.dpi * rs.upscale
	dpi := res.DPI
	src.setResolution(dpi)
	// Signatures and handwritten notes in blue across printed text cut its
	// letters for Tesseract; letter-sized blue print (forms filled in
	// blue) is kept, made ink where the threshold lost it. The PDF keeps
	// everything.
	var blueLetters *pix
	if mode == ocr.Color {
		_, blueLetters = src.dropBlueStrokes(norm, bin, rs.glyphH)
		mark("blue")
	}
	// The page before clean-up is kept for a second reading.
	raw := norm
	if raw == nil {
		raw = bin
	} else {
		defer bin.free()
	}
	defer raw.free()
	clean, grey, err := cleanPage(norm, bin, split, dpi, rs.glyphH, blurred)
	if err != nil {
		blueLetters.free()
		return res, ocr.Image{}, err
	}
	defer clean.free()
	// Blue letters the clean-up lost never reach Tesseract, and the rest
	// of the page may read well: a form's values left out at high
	// confidence. The operator is told.
	blueLost, blueTotal := 0, 0
	if blueLetters != nil {
		blueLost, blueTotal = blueLetters.lostIn(clean, rs.glyphH*blueLetterMin)
		blueLetters.free()
	}
	if grey != nil {
		defer grey.free()
	}

	mark("clean")
	// Blank pages keep their scan and skip the rest. Counting components
	// costs a pass over the page: only pages with little ink need it.
	if isBlank(clean, dpi) {
		res.Blank = true
		res.NeedsReview = false
		img, err := encodePage(src, mode, j, false)
		res.Width, res.Height = src.width(), src.height()
		return res, img, err
	}

	// Direction of the text lines: compare the projection score of the page
	// as it is and turned a quarter.
	a0, _, s0, err := clean.skew(dpi, skewRange)
	if err != nil {
		return res, ocr.Image{}, err
	}
	quads, angle := 0, a0
	mark("skew0")
	turned, err := clean.rotateOrth(1)
	if err != nil {
		return res, ocr.Image{}, err
	}
	a1, _, s1, err := turned.skew(dpi, skewRange)
	turned.free()
	if err != nil {
		return res, ocr.Image{}, err
	}
	if s1 > s0*sidewaysRatio {
		quads, angle = 1, a1
	}
	if math.Abs(angle) < deskewMin {
		angle = 0
	}

	mark("skew90")
	work, err := transform(clean, quads, angle)
	if err != nil {
		return res, ocr.Image{}, err
	}
	defer func() { work.free() }()

	// Up or down. Leptonica's ascender/descender count settles clear cases
	// in milliseconds. Vietnamese diacritics blur it on many pages, so when
	// it is unsure and the text reads badly, the page is read turned too
	// and the better reading wins: an upside-down page reads as garbage
	// with low confidence. Upright pages, the common case, pay nothing.
	mark("deskew")
	ud := work.upDown(dpi)
	if ud < 0 {
		if err := flip(&work, &quads); err != nil {
			return res, ocr.Image{}, err
		}
	}
	mark("updown")
	workQuads, workAngle := quads, angle // how work is turned
	if err := ctx.Err(); err != nil {
		return res, ocr.Image{}, err
	}
	read := work
	if grey != nil {
		if read, err = transform(grey, quads, angle); err != nil {
			return res, ocr.Image{}, err
		}
		defer func() { read.free() }()
		mark("grey")
	}
	dumpImage(read, fmt.Sprintf("%s-%d", j.Name, j.Page))
	lines, text, conf, err := r.recognize(read, dpi)
	if err != nil {
		return res, ocr.Image{}, fmt.Errorf("tesseract: %w", err)
	}
	mark("ocr")
	if math.Abs(ud) < upDownSure && conf < rereadBelow {
		turned, err := read.rotateOrth(2)
		if err != nil {
			return res, ocr.Image{}, err
		}
		l2, t2, c2, err := r.recognize(turned, dpi)
		turned.free()
		if err != nil {
			return res, ocr.Image{}, fmt.Errorf("tesseract: %w", err)
		}
		if c2 > conf+rereadMargin {
			lines, text, conf = l2, t2, c2
			quads += 2
		}
		mark("reread")
	}
	// A turn is only as good as the text it makes readable. When the page
	// turned still reads badly (a near-blank back page with a seal, a
	// photo), it is read as the scanner gave it too, and unless the turn
	// reads clearly better the scan keeps its orientation and skew: a page
	// wrongly turned sideways is worse than one left as scanned. Either way
	// the operator is told (NeedsReview, OrientationUnsure).
	//
	// A turn that Tesseract's own layout analysis undid is as doubtful:
	// when most words of the turned page come out taller than wide, the
	// lines Tesseract read run down the page, so the page it was given was
	// sideways (a faxed table turned a quarter by its columns of short
	// lines, read at confidence 94 with its rows in reverse, 69% CER).
	if quads%4 != 0 && (conf < j.ReviewBelow || sideways(lines)) {
		asScanned := clean
		if grey != nil {
			asScanned = grey
		}
		l0, t0, c0, err := r.recognize(asScanned, dpi)
		if err != nil {
			return res, ocr.Image{}, fmt.Errorf("tesseract: %w", err)
		}
		if conf < turnSureAbove || conf < c0+turnMargin {
			lines, text, conf = l0, t0, c0
			quads, angle = 0, 0
			res.OrientationUnsure = true
		}
		mark("as-scanned")
	}
	// A page with ink but not one word read (a seal alone once its red
	// ink is left out, a picture, a signature) has no text to confirm any
	// turn or skew: it keeps the scanner's and the operator is told.
	if strings.TrimSpace(text) == "" {
		quads, angle = 0, 0
		res.OrientationUnsure = true
	}
	// Text still read down the page: no turn tried made it upright.
	if sideways(lines) {
		res.OrientationUnsure = true
	}
	// Never silently wrong. A page that reads implausibly, or whose
	// letters had to be measured and enlarged, is read a second time on
	// the other path, the normalized page without clean-up (speck and
	// border removal can eat small or faint letters; on a dirty page the
	// clean-up is what helps, so either may win), and the more plausible
	// reading is kept.
	best := judgeReading(lines, text, conf, r.vietnamese)
	usual := best // the reading of the usual path, kept or not
	disagreement := 0.0
	if !res.OrientationUnsure && best.hard(rs) {
		alt, err := transform(raw, quads, angle)
		if err != nil {
			return res, ocr.Image{}, err
		}
		l2, t2, c2, err := r.recognize(alt, dpi)
		alt.free()
		if err != nil {
			return res, ocr.Image{}, fmt.Errorf("tesseract: %w", err)
		}
		other, otherLines := t2, l2
		if second := judgeReading(l2, t2, c2, r.vietnamese); second.beats(best) {
			other, otherLines = text, lines
			best, lines, text, conf = second, l2, t2, c2
		}
		// Two readings far apart say the page is hard to read whichever won.
		disagreement = ocr.CER(other, text)
		// A page read at its own size that stays doubtful either way
		// (handwriting across the print, a copied table) has its two
		// readings vote word by word, as an enlarged fax's do with the
		// page as it came: neither path is right on every line. On seeds
		// 7-20 of the desk benchmark this took the scrawled pages from
		// 24.2 to 23.8% CER and the tables from 4.75 to 4.50%; on tiny
		// print enlarged it did harm (7.5 -> 7.9%), so those are left out.
		if rs.upscale <= 1 && best.doubtful() {
			lines, text = ocr.VoteLines(lines, text, otherLines, 1)
			conf = meanConf(lines)
			best = judgeReading(lines, text, conf, r.vietnamese)
			mark("vote")
		}
		if own != nil && best.doubtful() {
			if lines, text, err = r.voteOwn(own, quads, angle, dpi/rs.upscale, rs.upscale, lines, text); err != nil {
				return res, ocr.Image{}, err
			}
			conf = meanConf(lines)
			best = judgeReading(lines, text, conf, r.vietnamese)
			mark("own")
		}
		res.SecondReading = true
		mark("second")
	}
	res.Orientation = (quads % 4) * 90
	res.Skew = math.Round(angle*1000) / 1000
	// Ruled tables are read row by row, and side-by-side blocks (an NĐ 30
	// header, "Nơi nhận" beside the signer) left block, then right:
	// Tesseract reads the one column-wise and interleaves the other.
	tables, err := findTables(bin, norm, split, quads, angle, dpi, rs.glyphH, lines, text)
	if err != nil {
		return res, ocr.Image{}, err
	}
	// Letters a word does not cover, and table cells read empty, are
	// looked for on the cleaned binary page turned as the page read.
	page, err := turnedAs(clean, work, workQuads, workAngle, quads, angle)
	if err != nil {
		return res, ocr.Image{}, err
	}
	defer page.free()
	letterPx := letterHeight(lines, rs.glyphH)
	bits := page.bitmap()
	lost := 0
	name := fmt.Sprintf("%s-%d", j.Name, j.Page)
	// What is read again is read from the image Tesseract read (grey,
	// when there is one), turned once, when first needed.
	var from *pix
	readFrom := func() (*pix, error) {
		if from != nil {
			return from, nil
		}
		if grey == nil {
			from = page
			return from, nil
		}
		x, err := turnedAs(grey, read, workQuads, workAngle, quads, angle)
		if err != nil {
			return nil, err
		}
		from = x
		return from, nil
	}
	defer func() {
		if from != nil && from != page {
			from.free()
		}
	}()
	if gaps := ocr.LostInk(bits, lines, tables, letterPx); len(gaps) > 0 {
		x, err := readFrom()
		if err != nil {
			return res, ocr.Image{}, err
		}
		l2, left, err := r.rereadLost(x, lines, gaps, letterPx, name)
		if err != nil {
			return res, ocr.Image{}, err
		}
		lost = ocr.LostComps(gaps)
		if l2, t2, ok := ocr.RelineText(l2, text); ok {
			lines, text, lost = l2, t2, left
			best = judgeReading(lines, text, conf, r.vietnamese)
		}
		mark("lost-ink")
	}
	// Cells that hold letters but gave no word are read again alone, and
	// what they give goes in as lines of their own, which ReadingOrder
	// puts in their cells.
	unread := 0
	if cells := ocr.FindUnreadCells(bits, tables, lines, letterPx); len(cells) > 0 {
		x, err := readFrom()
		if err != nil {
			return res, ocr.Image{}, err
		}
		add, left, err := r.rereadCells(x, cells, letterPx, name)
		if err != nil {
			return res, ocr.Image{}, err
		}
		if len(add) > 0 {
			lines, text = ocr.AddLines(lines, text, add)
			best = judgeReading(lines, text, conf, r.vietnamese)
		}
		unread = left
		mark("cells")
	}
	res.Lines, res.Text = ocr.ReadingOrder(lines, text, tables)
	// A grid that does not line up with the text read in it may have put
	// it out of order: the operator is told.
	doubts := 0
	if len(tables) > 0 {
		doubts = gridDoubts(tables, lines, res.Lines)
	}
	mark("tables")
	res.Confidence = conf
	res.Plausibility = math.Round(best.plausibility()*1000) / 1000
	res.Evidence = best.evidence(gs, rs.glyphH/rs.upscale, disagreement)
	res.Evidence.UnreadCells, res.Evidence.TableDoubts = unread, doubts
	res.Evidence.LostInk = lost
	res.Evidence.BlueLost = blueLost
	if blueLost >= blueLostLetters && blueLost >= int(blueLostShare*float64(blueTotal)) {
		lost += blueLost
	}
	why := best.reviewReasons(gs, disagreement, tableSigns{unread: unread, doubts: doubts}, lost)
	// A page the usual path read at fair confidence only stays flagged
	// even when the other path reads it surely: that the other path won
	// says the page is hard, and a surer reading is not a right one (a
	// table photo read twice: 26.7% CER at confidence 93.6).
	unsure := usual.words >= minJudged && usual.conf < fairConf
	if (conf < j.ReviewBelow || unsure) && !slices.Contains(why, ocr.ReasonLowConfidence) {
		res.ReviewReasons = append(res.ReviewReasons, ocr.ReasonLowConfidence)
	}
	if res.OrientationUnsure {
		res.ReviewReasons = append(res.ReviewReasons, ocr.ReasonOrientation)
	}
	res.ReviewReasons = append(res.ReviewReasons, why...)
	res.NeedsReview = len(res.ReviewReasons) > 0

	out, err := transform(src, quads, angle)
	if err != nil {
		return res, ocr.Image{}, err
	}
	defer out.free()
	mark("transform")
	res.Width, res.Height = out.width(), out.height()
	if mode == ocr.Color {
		if res.RedInk, err = r.readRedMarks(out, dpi, rs.glyphH); err != nil {
			return res, ocr.Image{}, err
		}
		mark("red")
	}
	img, err := encodePage(out, mode, j, quads%4 != 0 || angle != 0)
	mark("encode")
	return res, img, err
}

// voteOwn reads own, the page as it came before it was enlarged scale
// times (turned as the page read: quads, angle), at its own resolution
// dpi, and lets its lines vote with those of the enlarged page's reading
// (ocr.VoteLines). On the 100-dpi faxes of the hard preset each reading
// lost letters to streaks and noise where the other kept them, and
// neither was better on every line: voting took their mean CER from 5.2
// to 3.8% (seeds 20-29) and from 4.7 to 3.5% (held-out seeds 40-49), no
// page more than a point worse than before (see the README).
func (r *recognizer) voteOwn(own *pix, quads int, angle, dpi, scale float64, lines []ocr.Line, text string) ([]ocr.Line, string, error) {
	x, err := transform(own, quads, angle)
	if err != nil {
		return nil, "", err
	}
	l2, _, _, err := r.recognize(x, dpi)
	x.free()
	if err != nil {
		return nil, "", fmt.Errorf("tesseract: %w", err)
	}
	lines, text = ocr.VoteLines(lines, text, l2, scale)
	return lines, text, nil
}

// meanConf is the mean confidence of the words of lines (as Tesseract's
// reading of a page reports it), 0 without words.
func meanConf(lines []ocr.Line) float64 {
	sum, n := 0.0, 0
	for _, l := range lines {
		for _, w := range l.Words {
			sum += w.Confidence
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return math.Round(sum/float64(n)*100) / 100
}

// dumpImage writes x as DIR/name.png when SOHOA_OCR_DUMP=DIR (the images
// handed to Tesseract, a debugging aid).
func dumpImage(x *pix, name string) {
	if d := os.Getenv("SOHOA_OCR_DUMP"); d != "" {
		if b, err := x.png(); err == nil {
			os.WriteFile(fmt.Sprintf("%s/%s.png", d, strings.ReplaceAll(name, "/", "_")), b, 0o644)
		}
	}
}

// tracer returns a function that logs the wall and CPU time since its last call to
// stderr when SOHOA_OCR_TRACE is set (a profiling aid for the pipeline).
func (r *recognizer) tracer() func(stage string) {
	if os.Getenv("SOHOA_OCR_TRACE") == "" {
		return func(string) {}
	}
	t, c := time.Now(), cpuTime()
	return func(stage string) {
		now, cnow := time.Now(), cpuTime()
		fmt.Fprintf(os.Stderr, "ocr trace: %-9s %6.0f ms wall %6.0f ms cpu\n", stage,
			float64(now.Sub(t).Microseconds())/1000, float64((cnow-c).Microseconds())/1000)
		t, c = now, cnow
	}
}

// previewSide is the size of the sampled preview that tells a scan (the
// sheet fills the frame) from a photo before any real work.
const previewSide = 250

// flattenPhoto finds the sheet in a photo (on a small copy) and returns
// it mapped flat at the photo's own resolution, with its light evened
// out; ok is false when the page is not a photo of a sheet.
func flattenPhoto(src *pix, mode ocr.ColorMode) (flat *pix, ok bool, err error) {
	// The preview is sampled from the page as it is: a grey scan (most
	// pages) is never converted whole to colour only to be told a scan.
	pre, err := src.preview(previewSide)
	if err != nil {
		return nil, false, err
	}
	if mode == ocr.Gray {
		pre32, err := pre.to32()
		pre.free()
		if err != nil {
			return nil, false, err
		}
		pre = pre32
	}
	scan := photo.FillsFrame(pre.rgba())
	pre.free()
	if scan {
		return nil, false, nil
	}
	colour := src
	if mode == ocr.Gray {
		if colour, err = src.to32(); err != nil {
			return nil, false, err
		}
		defer colour.free()
	}
	small, err := colour.shrink(photo.MaxSide)
	if err != nil {
		return nil, false, err
	}
	sheet, ok := photo.Find(small.rgba())
	sw := small.width()
	small.free()
	if !ok {
		return nil, false, nil
	}
	sheet = sheet.Scale(float64(colour.width()) / float64(sw))
	// Never more pixels than the photo has: the flattened page holds no
	// more detail than that, and the engine's memory stays bounded.
	if px, limit := float64(sheet.Width)*float64(sheet.Height), float64(colour.width())*float64(colour.height()); px > limit {
		f := math.Sqrt(limit / px)
		sheet.Width, sheet.Height = int(float64(sheet.Width)*f), int(float64(sheet.Height)*f)
	}
	out, err := newPix32(sheet.Width, sheet.Height)
	if err != nil {
		return nil, false, err
	}
	sheet.Flatten(out.rgbaView(), colour.rgbaView())
	// Light falling off across the sheet and a hand's shadow: background
	// normalization brings the paper to white throughout, in colour, so
	// the PDF shows the page as a scanner would (and the seal stays red).
	// A dim photo is brightened first (see brighten).
	light, _, err := out.brighten()
	out.free()
	if err != nil {
		return nil, false, err
	}
	even, err := light.backgroundNorm()
	light.free()
	if err != nil {
		return nil, false, err
	}
	if mode == ocr.Gray {
		g, err := even.luminance()
		even.free()
		return g, err == nil, err
	}
	return even, true, nil
}

// isBlank tells whether a cleaned binary page has (almost) no glyphs.
func isBlank(clean *pix, dpi float64) bool {
	if float64(clean.ink()) > blankMaxInk*float64(clean.width()*clean.height()) {
		return false
	}
	n, _ := clean.textComps(dpi)
	return n <= blankMaxComps
}

// flip turns the working image upside down and counts it in quads.
func flip(work **pix, quads *int) error {
	f, err := (*work).rotateOrth(2)
	if err != nil {
		return err
	}
	(*work).free()
	*work = f
	*quads += 2
	return nil
}

// binarize makes the first binary image of a page: background
// normalization and Otsu (adapts to uneven light and tinted paper). For
// grey and colour pages it also returns the normalized grey page (nil for
// bitonal ones) and the Otsu split (grey levels up to it are ink). A
// blurred page is normalized for reading (see textBackgroundNorm), any
// other with Leptonica's usual parameters.
func binarize(src *pix, mode ocr.ColorMode, blurred bool) (norm, bin *pix, split int, err error) {
	if mode == ocr.Bitonal {
		return nil, src.clone(), 0, nil
	}
	g, err := src.grey()
	if err != nil {
		return nil, nil, 0, err
	}
	light, paper, err := g.brighten()
	g.free()
	if err != nil {
		return nil, nil, 0, err
	}
	if blurred {
		norm, err = light.textBackgroundNorm(paper)
	} else {
		norm, err = light.backgroundNorm()
	}
	light.free()
	if err != nil {
		return nil, nil, 0, err
	}
	if bin, split, err = norm.otsu(); err != nil {
		norm.free()
		return nil, nil, 0, err
	}
	return norm, bin, split, nil
}

// cleanPage makes the binary image that analysis sees from the first one:
// dark borders, streaks and rules, and dust removed; norm and bin stay the
// caller's. For
// grey and colour pages it also returns the normalized grey page with
// everything the binary page dropped whitened: Tesseract's recognizer reads
// grey, which keeps the anti-aliased strokes of small diacritics.
// glyphH is the measured letter height in pixels (0 when unknown): a speck
// is never as large as half a letter, whatever the resolution says. split
// is the grey level up to which binarize took norm's pixels for ink;
// faint marks near the ink are kept in the grey page when faint (a
// blurred page's).
func cleanPage(norm, bin *pix, split int, dpi, glyphH float64, faint bool) (clean, grey *pix, err error) {
	speck, dist := dpi*speckSize, dpi*speckDistance
	if glyphH > 0 {
		speck, dist = min(speck, glyphH*speckGlyph), min(dist, glyphH*speckGlyph*2)
	}
	lineLen := dpi * lineInch
	if glyphH > 0 {
		lineLen = max(lineLen, glyphH*lineGlyphs)
	}
	noBorder, err := bin.removeBorderComps()
	if err != nil {
		return nil, nil, err
	}
	unlined, err := noBorder.removeLines(int(lineLen), max(3, int(dpi*lineGap)))
	noBorder.free()
	if err != nil {
		return nil, nil, err
	}
	defer unlined.free()
	if clean, err = unlined.removeSpecks(int(math.Round(dpi/150)), int(speck), int(dist)); err != nil {
		return nil, nil, err
	}
	if norm != nil && !faint {
		if grey, err = norm.maskedBy(clean, max(2, int(dpi*maskGrow))); err != nil {
			clean.free()
			return nil, nil, err
		}
	} else if norm != nil {
		// The marks of a blurred page too faint for the threshold, or
		// thresholded to a few pixels that pass for dust (dots, commas,
		// diacritics), are kept near the letters: whitened, they are lost
		// to the recognizer, which reads grey. Borders, streaks and rules
		// stay dropped with their fringe, and so does noise: kept, the
		// sensor noise around the letters of a dim photo cost it 3 points.
		grow := max(2, int(dpi*maskGrow))
		near, size := dpi*faintInch, dpi*faintInch*faintSize/faintGlyph
		if glyphH > 0 {
			near, size = glyphH*faintGlyph, glyphH*faintSize
		}
		level := split + int(float64(255-split)*faintLevel)
		keep, err := norm.faintNear(bin, unlined, clean, level, max(2, int(math.Round(size))), int(near), grow)
		if err != nil {
			clean.free()
			return nil, nil, err
		}
		grey, err = norm.maskedBy(keep, grow)
		keep.free()
		if err != nil {
			clean.free()
			return nil, nil, err
		}
	}
	return clean, grey, nil
}

// findTables finds the ruled tables on the binary page before clean-up
// (bin: its rules, and those a copier's streak crosses, are all there),
// turned as the page that was read into lines (text), that frame the
// lines read in them (rules found in the letters are no table, see
// GridsOfWords).
// Thin grey rules of a low-resolution copy, enlarged for recognition,
// spread into a pale band (grey 185 on white) that the ink threshold
// (134) dropped to a dot at each crossing, or left in pieces too short
// for a rule: no table was found, and the list was read column by column
// (37% CER, bare Tesseract 21%), or two of a form's five columns, and
// their cells' lines ran together across the row (23%). So when bin
// gives no table, or tables the text does not line up with (see
// gridDoubts), and the page is grey (norm, thresholded at split for
// bin), the rules are looked for again on norm thresholded nearer white
// (ruleLevel), and those tables are kept when the text lines up with them
// better, and well (fewer doubts than flag a page, tableDoubts). Only
// then: the faint threshold swells the letters and finds the noise of a
// dim photo.
func findTables(bin, norm *pix, split, quads int, angle, dpi, glyphH float64, lines []ocr.Line, text string) ([]ocr.Table, error) {
	tables, err := tablesOn(bin, quads, angle, dpi, glyphH, lines)
	if err != nil {
		return nil, err
	}
	level := int(255 * ruleLevel)
	if norm == nil || split >= level {
		return tables, nil
	}
	// The faint threshold's grid must line up with the text (fewer
	// doubts than flag a page): on a dim photo it made a grid of 150
	// rows of the sensor's noise, 56 words cut.
	doubts := tableDoubts
	if len(tables) > 0 {
		if doubts = min(doubts, orderDoubts(tables, lines, text)); doubts == 0 {
			return tables, nil
		}
	}
	faint, err := norm.threshold(level)
	if err != nil {
		return nil, err
	}
	defer faint.free()
	more, err := tablesOn(faint, quads, angle, dpi, glyphH, lines)
	if err != nil || len(more) == 0 {
		return tables, err
	}
	if orderDoubts(more, lines, text) < doubts {
		return more, nil
	}
	return tables, nil
}

// orderDoubts is gridDoubts of tables for the lines (text) as read,
// once put in reading order.
func orderDoubts(tables []ocr.Table, lines []ocr.Line, text string) int {
	ordered, _ := ocr.ReadingOrder(lines, text, tables)
	return gridDoubts(tables, lines, ordered)
}

// gridDoubts counts the signs that tables do not line up with the text
// read in them: words a boundary between cells cuts (ocr.CutWords, lines
// as read) and lines of one cell that split at a column gap
// (ocr.SplitCellLines, ordered: lines as ReadingOrder returns them).
func gridDoubts(tables []ocr.Table, lines, ordered []ocr.Line) int {
	return ocr.CutWords(tables, lines) + ocr.SplitCellLines(tables, ordered)
}

// tablesOn finds the ruled tables on the binary page bin turned by quads
// and angle that frame the lines read in them.
func tablesOn(bin *pix, quads int, angle, dpi, glyphH float64, lines []ocr.Line) ([]ocr.Table, error) {
	page, err := transform(bin, quads, angle)
	if err != nil {
		return nil, err
	}
	defer page.free()
	return ocr.GridsOfWords(ocr.FindTables(page.bitmap(), dpi, glyphH, lines), lines), nil
}

// turnedAs returns x turned by quads and angle: a reference to same, x
// already turned by sameQuads and sameAngle, when those are the same.
func turnedAs(x, same *pix, sameQuads int, sameAngle float64, quads int, angle float64) (*pix, error) {
	if quads%4 == sameQuads%4 && angle == sameAngle {
		return same.clone(), nil
	}
	return transform(x, quads, angle)
}

// letterHeight is the letter height in pixels: glyphH, the measured one,
// or when unmeasured (0) the median height of the words read; 0 without
// words.
func letterHeight(lines []ocr.Line, glyphH float64) float64 {
	if glyphH > 0 {
		return glyphH
	}
	var hs []int
	for _, l := range lines {
		for _, w := range l.Words {
			hs = append(hs, w.Box.Y1-w.Box.Y0)
		}
	}
	if len(hs) == 0 {
		return 0
	}
	slices.Sort(hs)
	return float64(hs[len(hs)/2])
}

// transform turns an image quads×90° clockwise, then angle degrees clockwise.
func transform(x *pix, quads int, angle float64) (*pix, error) {
	r, err := x.rotateOrth(quads)
	if err != nil || angle == 0 {
		return r, err
	}
	d, err := r.rotate(angle)
	r.free()
	return d, err
}

// encodePage encodes the corrected page for the PDF: JPEG for colour and
// grey (the original bytes when nothing was changed), G4 for bitonal.
func encodePage(x *pix, mode ocr.ColorMode, j *ocr.Job, changed bool) (ocr.Image, error) {
	img := ocr.Image{Mode: mode, Width: x.width(), Height: x.height(), BitsPerComponent: 8}
	var err error
	switch {
	case mode == ocr.Bitonal:
		img.Encoding, img.BitsPerComponent = ocr.G4, 1
		img.Data, err = x.g4()
	case !changed && j.KeepJPEG:
		// Optimize is lossless: same coefficients, fewer bytes, and done here
		// (in parallel engines) the PDF assembly has nothing left to do.
		img.Encoding, img.Data = ocr.JPEG, jpegopt.Optimize(j.Data)
	default:
		q := j.JPEGQuality
		if q <= 0 {
			q = 75
		}
		img.Encoding = ocr.JPEG
		if img.Data, err = x.jpeg(q); err == nil {
			img.Data = jpegopt.Optimize(img.Data)
		}
	}
	return img, err
}

// rasterizePDF renders one page of an image-only PDF at the resolution of
// its largest image, so that the raster keeps the scan's pixels (and any
// page-matrix skew stays visible as pixels). A bitonal page is rendered in
// grey (mono says so) for the caller to threshold: pdftoppm -mono renders
// a JBIG2 page differently from one run to the next (poppler 22.12:
// cardinal.pdf page 3 three ways in three runs, which made TestRealScans
// read "LinnSequenccr" now and then), -gray the same every time.
func rasterizePDF(ctx context.Context, path string, page int, images []ocr.PDFImage, dpi, defaultDPI float64) (raster []byte, usedDPI float64, known, mono bool, err error) {
	p := strconv.Itoa(page)
	ppi, color, bpc := largestImage(images)
	known = dpi > 0
	if !known && ppi > 0 {
		dpi, known = ppi, true
	}
	if dpi <= 0 {
		dpi = defaultDPI
	}
	args := []string{"-r", strconv.FormatFloat(dpi, 'f', -1, 64), "-f", p, "-l", p}
	switch {
	case color == "gray" && bpc == 1:
		args, mono = append(args, "-gray"), true
	case color == "gray":
		args = append(args, "-gray")
	}
	var stderr bytes.Buffer
	cmd := ocr.PopplerCommand(ctx, "pdftoppm", append(args, path)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || len(out) == 0 {
		return nil, 0, false, false, ocr.ErrCorrupt.With("pdftoppm: " + strings.TrimSpace(stderr.String()))
	}
	return out, dpi, known, mono, nil
}

// pdfFile returns a file holding data for poppler, written once per PDF:
// the pages of one file come in a row.
func (r *recognizer) pdfFile(data []byte, gen int) (string, error) {
	if r.pdfPath != "" && r.pdfGen == gen {
		return r.pdfPath, nil
	}
	r.dropPDF()
	f, err := os.CreateTemp("", "sohoa-page-*.pdf")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	r.pdfPath, r.pdfGen = f.Name(), gen
	return r.pdfPath, nil
}

func (r *recognizer) dropPDF() {
	if r.pdfPath != "" {
		os.Remove(r.pdfPath)
		r.pdfPath = ""
	}
}

// largestImage picks the resolution, colour space and bit depth of the
// largest image among images.
func largestImage(images []ocr.PDFImage) (ppi float64, color string, bpc int) {
	best := 0
	for _, im := range images {
		if im.Type != "image" || im.Width*im.Height <= best || im.XPPI <= 0 {
			continue
		}
		best, ppi, color, bpc = im.Width*im.Height, im.XPPI, im.Color, im.BPC
	}
	return ppi, color, bpc
}

// pdfPageImage returns the only image of a PDF page as its own file (a
// JPEG keeps its original bytes) with its resolution, when the page is
// nothing but that image drawn upright over the whole page: then the image
// is the scan, and decoding it ourselves keeps its pixels exactly where
// rendering the page would resample them. ok is false for every other page
// (several images, masks, text, /Rotate, a turned or skewed placement),
// which are rendered as before.
func pdfPageImage(ctx context.Context, path string, page int, images []ocr.PDFImage) (data []byte, ppi float64, ok bool, err error) {
	p := strconv.Itoa(page)
	var rows []ocr.PDFImage
	for _, im := range images {
		if im.Page == page {
			rows = append(rows, im)
		}
	}
	// One row, of type "image": smasks and stencil masks have rows of their own.
	if len(rows) != 1 || rows[0].Type != "image" {
		return nil, 0, false, nil
	}
	im := rows[0]
	w, h, xppi := im.Width, im.Height, im.XPPI
	if w <= 0 || h <= 0 || xppi <= 0 || im.YPPI <= 0 || !near(xppi, im.YPPI) {
		return nil, 0, false, nil
	}
	if im.Encoding == "jpeg" && im.Components != 1 && im.Components != 3 { // CMYK JPEGs: polarity depends on Adobe markers
		return nil, 0, false, nil
	}
	if ok, err := uprightFullPage(path, page, float64(w), float64(h)); err != nil || !ok {
		return nil, 0, false, nil // pdfcpu cannot read it: poppler still may
	}
	dir, err := os.MkdirTemp("", "sohoa-img-*")
	if err != nil {
		return nil, 0, false, err
	}
	defer os.RemoveAll(dir)
	if err := ocr.PopplerCommand(ctx, "pdfimages", "-f", p, "-l", p, "-j", "-tiff", path, dir+"/i").Run(); err != nil {
		if ctx.Err() != nil {
			return nil, 0, false, ctx.Err()
		}
		return nil, 0, false, nil // let pdftoppm try, and report
	}
	files, err := os.ReadDir(dir)
	if err != nil || len(files) != 1 {
		return nil, 0, false, err
	}
	data, err = os.ReadFile(dir + "/" + files[0].Name())
	if err != nil {
		return nil, 0, false, err
	}
	// -j -tiff writes DCT images as they are and decodes all others to TIFF.
	if f := ocr.Sniff(data); f != "jpeg" && f != "tiff" {
		return nil, 0, false, nil
	}
	return data, xppi, true, nil
}

// near tells whether a and b agree within 1%.
func near(a, b float64) bool {
	return math.Abs(a-b) <= 0.01*math.Max(math.Abs(a), math.Abs(b))
}

// uprightFullPage tells whether the page's content is exactly one image
// XObject (no /Decode, /Mask or /SMask) drawn with a matrix that maps it,
// unturned and unflipped, onto the whole MediaBox (= CropBox), on a page
// without /Rotate; w×h is the image's pixel size.
func uprightFullPage(path string, page int, w, h float64) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	doc, err := pdfread.Open(f, st.Size())
	if err != nil {
		return false, err
	}
	p, err := doc.Page(page)
	if err != nil || p.MediaBox == nil {
		return false, err
	}
	if p.Rotate%360 != 0 {
		return false, nil
	}
	mb := p.MediaBox
	if cb := p.CropBox; cb != nil && !(cb.LL == mb.LL && cb.UR == mb.UR) {
		return false, nil
	}
	content, err := doc.Content(p, maxContentBytes)
	if err != nil {
		return false, err
	}
	name, m, states, ok := singleDraw(content)
	if !ok {
		return false, nil
	}
	if len(states) > 0 {
		gs, err := doc.Dict(p.Resources["ExtGState"])
		if err != nil {
			return false, err
		}
		for _, s := range states {
			d, err := doc.Dict(gs[s])
			if err != nil || !plainState(d) {
				return false, err
			}
		}
	}
	xo, err := doc.Dict(p.Resources["XObject"])
	if err != nil {
		return false, err
	}
	im, err := doc.Dict(xo[name])
	if err != nil {
		return false, err
	}
	if doc.Name(im, "Subtype") != "Image" {
		return false, nil
	}
	for _, k := range []string{"Mask", "SMask", "ImageMask"} {
		if _, has := im.Find(k); has {
			return false, nil
		}
	}
	// A /Decode other than [0 1 ...] inverts or remaps the samples, which
	// the extracted file would not show.
	if o, has := im.Find("Decode"); has {
		a, err := doc.Array(o)
		if err != nil {
			return false, err
		}
		for i, v := range a {
			if f, ok := number(v); !ok || f != float64(i%2) {
				return false, nil
			}
		}
	}
	pw, ph := mb.UR.X-mb.LL.X, mb.UR.Y-mb.LL.Y
	tol := 0.01 * math.Max(pw, ph)
	return m[0] > 0 && m[3] > 0 && math.Abs(m[1]) < 1e-3*m[0] && math.Abs(m[2]) < 1e-3*m[3] &&
		near(m[0], pw) && near(m[3], ph) && math.Abs(m[4]-mb.LL.X) < tol && math.Abs(m[5]-mb.LL.Y) < tol &&
		near(w/m[0], h/m[3]), nil
}

// maxContentBytes bounds a page's decoded content stream: a scan page's is
// a few dozen bytes, so anything this large is not a single upright image.
const maxContentBytes = 1 << 20

// number returns the value of a PDF integer or real.
func number(o types.Object) (float64, bool) {
	switch v := o.(type) {
	case types.Float:
		return v.Value(), true
	case types.Integer:
		return float64(v.Value()), true
	}
	return 0, false
}

// plainState tells whether an ExtGState leaves an image's pixels alone:
// no transfer function, soft mask, blending or transparency.
func plainState(d types.Dict) bool {
	for k, v := range d {
		switch k {
		case "Type", "SA", "SM", "FL", "RI", "OP", "op", "OPM", "LW", "LC", "LJ", "ML", "D", "AIS", "TK":
		case "CA", "ca":
			if f, ok := number(v); !ok || f != 1 {
				return false
			}
		case "BM", "SMask":
			if n, ok := v.(types.Name); ok && (n == "Normal" || n == "Compatible" || n == "None") {
				continue
			}
			return false
		default:
			return false
		}
	}
	return true
}

// singleDraw reads a content stream made only of q, Q, cm, ri, gs and one
// Do, and returns the drawn name with the matrix in force and the graphics
// states set. Anything else (text, paths, clips, inline images) makes ok
// false.
func singleDraw(content []byte) (name string, m [6]float64, states []string, ok bool) {
	ctm := [6]float64{1, 0, 0, 1, 0, 0}
	var stack [][6]float64
	var operands []string
	draws := 0
	for _, tok := range strings.Fields(string(content)) {
		if tok[0] == '/' || tok[0] == '-' || tok[0] == '.' || tok[0] == '+' || (tok[0] >= '0' && tok[0] <= '9') {
			operands = append(operands, tok)
			continue
		}
		switch tok {
		case "q":
			stack = append(stack, ctm)
		case "Q":
			if len(stack) == 0 {
				return "", m, nil, false
			}
			ctm, stack = stack[len(stack)-1], stack[:len(stack)-1]
		case "cm":
			if len(operands) != 6 {
				return "", m, nil, false
			}
			var n [6]float64
			for i, s := range operands {
				v, err := strconv.ParseFloat(s, 64)
				if err != nil {
					return "", m, nil, false
				}
				n[i] = v
			}
			// New CTM = n × ctm (row vectors, PDF 8.3.4).
			ctm = [6]float64{
				n[0]*ctm[0] + n[1]*ctm[2], n[0]*ctm[1] + n[1]*ctm[3],
				n[2]*ctm[0] + n[3]*ctm[2], n[2]*ctm[1] + n[3]*ctm[3],
				n[4]*ctm[0] + n[5]*ctm[2] + ctm[4], n[4]*ctm[1] + n[5]*ctm[3] + ctm[5],
			}
		case "ri":
		case "gs":
			if len(operands) != 1 || operands[0][0] != '/' {
				return "", m, nil, false
			}
			states = append(states, operands[0][1:])
		case "Do":
			if len(operands) != 1 || operands[0][0] != '/' {
				return "", m, nil, false
			}
			draws++
			name, m = operands[0][1:], ctm
		default:
			return "", m, nil, false
		}
		operands = operands[:0]
	}
	return name, m, states, draws == 1 && len(operands) == 0
}
