package ocr

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa/sohoa/ocr/jpegopt"
)

// job is one page handed to an engine child.
type job struct {
	Name        string  `json:"name"`
	Format      string  `json:"format"`
	Page        int     `json:"page"`
	DPI         float64 `json:"dpi"`       // resolution to use; 0 for PDF pages (found in the child)
	DPIKnown    bool    `json:"dpi_known"` // DPI came from the file or the caller
	DefaultDPI  float64 `json:"default_dpi"`
	JPEGQuality int     `json:"jpeg_quality"`
	KeepJPEG    bool    `json:"keep_jpeg"` // the file is a JPEG whose bytes a PDF can embed as is
	ReviewBelow float64 `json:"review_below"`
	// Cached: the file is the one this engine received last; no data
	// follows, the engine reuses its copy (pages of one file in a row).
	Cached bool   `json:"cached,omitempty"`
	Data   []byte `json:"-"`
	gen    int    // which file this engine received it with (counts non-cached jobs)
}

// Tuning of the page analysis. Values are in fractions of an inch or
// degrees so that they hold at any resolution.
const (
	skewRange     = 20.0  // degrees searched either side of 0 (pages come within ±15)
	speckSize     = 0.04  // inch: larger marks are never treated as dust
	speckDistance = 0.08  // inch: dust this far from anything larger is dropped
	maskGrow      = 0.015 // inch kept around the ink in the grey page Tesseract reads
	deskewMin     = 0.05  // below this, straightening costs more than it brings
	blankMaxComps = 3     // glyph-sized components on a page still called blank
	blankMaxInk   = 0.002 // ink fraction above which a page is surely not blank
	sidewaysRatio = 1.3   // projection score ratio to call the text lines vertical
	upDownSure    = 10    // Leptonica up/down confidence that needs no second opinion
	rereadBelow   = 80    // mean word confidence under which an unsure page is read turned too
	rereadMargin  = 5     // confidence the turned reading must gain to win
)

// process runs the whole page pipeline in the engine child.
func (r *recognizer) process(ctx context.Context, j *job) (Result, Image, error) {
	mark := r.tracer()
	res := Result{File: j.Name, Page: j.Page, Language: r.langs, DPI: j.DPI, DPIKnown: j.DPIKnown}
	data := j.Data
	isTIFF := j.Format == "tiff"
	index := j.Page - 1
	if j.Format == "pdf" {
		path, err := r.pdfFile(j.Data, j.gen)
		if err != nil {
			return res, Image{}, err
		}
		raster, dpi, known, err := rasterizePDF(ctx, path, j.Page, j.DPI, j.DefaultDPI)
		if err != nil {
			return res, Image{}, err
		}
		data, isTIFF, index = raster, false, 0
		res.DPI, res.DPIKnown = dpi, known || j.DPIKnown
	}
	if res.DPI <= 0 {
		res.DPI = j.DefaultDPI
	}
	dpi := res.DPI

	mark("raster")
	src, err := readPix(data, isTIFF, index)
	if err != nil {
		return res, Image{}, ErrCorrupt
	}
	defer src.free()
	mode, err := src.normalizeStorage()
	if err != nil {
		return res, Image{}, err
	}
	src.setResolution(dpi)

	mark("decode")
	clean, grey, err := cleanPage(src, mode, dpi)
	if err != nil {
		return res, Image{}, err
	}
	defer clean.free()
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
		return res, Image{}, err
	}
	quads, angle := 0, a0
	mark("skew0")
	turned, err := clean.rotateOrth(1)
	if err != nil {
		return res, Image{}, err
	}
	a1, _, s1, err := turned.skew(dpi, skewRange)
	turned.free()
	if err != nil {
		return res, Image{}, err
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
		return res, Image{}, err
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
			return res, Image{}, err
		}
	}
	mark("updown")
	if err := ctx.Err(); err != nil {
		return res, Image{}, err
	}
	read := work
	if grey != nil {
		if read, err = transform(grey, quads, angle); err != nil {
			return res, Image{}, err
		}
		defer func() { read.free() }()
		mark("grey")
	}
	if d := os.Getenv("SOHOA_OCR_DUMP"); d != "" {
		if b, err := read.png(); err == nil {
			os.WriteFile(fmt.Sprintf("%s/%s-%d.png", d, strings.ReplaceAll(j.Name, "/", "_"), j.Page), b, 0o644)
		}
	}
	lines, text, conf, err := r.recognize(read, dpi)
	if err != nil {
		return res, Image{}, fmt.Errorf("tesseract: %w", err)
	}
	mark("ocr")
	if math.Abs(ud) < upDownSure && conf < rereadBelow {
		turned, err := read.rotateOrth(2)
		if err != nil {
			return res, Image{}, err
		}
		l2, t2, c2, err := r.recognize(turned, dpi)
		turned.free()
		if err != nil {
			return res, Image{}, fmt.Errorf("tesseract: %w", err)
		}
		if c2 > conf+rereadMargin {
			lines, text, conf = l2, t2, c2
			quads += 2
		}
		mark("reread")
	}
	res.Orientation = (quads % 4) * 90
	res.Skew = math.Round(angle*1000) / 1000
	res.Lines, res.Text, res.Confidence = lines, text, conf
	res.NeedsReview = conf < j.ReviewBelow

	out, err := transform(src, quads, angle)
	if err != nil {
		return res, Image{}, err
	}
	defer out.free()
	mark("transform")
	res.Width, res.Height = out.width(), out.height()
	img, err := encodePage(out, mode, j, quads%4 != 0 || angle != 0)
	mark("encode")
	return res, img, err
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

// cleanPage makes the binary image that analysis sees: background
// normalization and Otsu (adapts to uneven light and tinted paper), then
// dark borders and dust removed. For grey and colour pages it also returns
// the normalized grey page with everything the binary page dropped
// whitened: Tesseract's recognizer reads grey, which keeps the anti-aliased
// strokes of small diacritics.
func cleanPage(src *pix, mode ColorMode, dpi float64) (bin, grey *pix, err error) {
	if mode == Bitonal {
		bin = src.clone()
	} else {
		g, err := src.grey()
		if err != nil {
			return nil, nil, err
		}
		norm, err := g.backgroundNorm()
		g.free()
		if err != nil {
			return nil, nil, err
		}
		if bin, err = norm.otsu(); err != nil {
			norm.free()
			return nil, nil, err
		}
		defer norm.free()
		defer func() {
			if err == nil {
				grey, err = norm.maskedBy(bin, max(2, int(dpi*maskGrow)))
			}
			if err != nil {
				bin.free()
				bin = nil
			}
		}()
	}
	for _, step := range []func(*pix) (*pix, error){
		(*pix).removeBorderComps,
		func(x *pix) (*pix, error) {
			return x.removeSpecks(int(math.Round(dpi/150)), int(dpi*speckSize), int(dpi*speckDistance))
		},
	} {
		next, err := step(bin)
		bin.free()
		if err != nil {
			return nil, nil, err
		}
		bin = next
	}
	return bin, nil, nil
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
func encodePage(x *pix, mode ColorMode, j *job, changed bool) (Image, error) {
	img := Image{Mode: mode, Width: x.width(), Height: x.height(), BitsPerComponent: 8}
	var err error
	switch {
	case mode == Bitonal:
		img.Encoding, img.BitsPerComponent = G4, 1
		img.Data, err = x.g4()
	case !changed && j.KeepJPEG:
		// Optimize is lossless: same coefficients, fewer bytes, and done here
		// (in parallel engines) the PDF assembly has nothing left to do.
		img.Encoding, img.Data = JPEG, jpegopt.Optimize(j.Data)
	default:
		q := j.JPEGQuality
		if q <= 0 {
			q = 75
		}
		img.Encoding = JPEG
		if img.Data, err = x.jpeg(q); err == nil {
			img.Data = jpegopt.Optimize(img.Data)
		}
	}
	return img, err
}

// rasterizePDF renders one page of an image-only PDF at the resolution of
// its largest image, so that the raster keeps the scan's pixels (and any
// page-matrix skew stays visible as pixels).
func rasterizePDF(ctx context.Context, path string, page int, dpi, defaultDPI float64) ([]byte, float64, bool, error) {
	p := strconv.Itoa(page)
	list, err := exec.CommandContext(ctx, "pdfimages", "-list", "-f", p, "-l", p, path).Output()
	if err != nil {
		return nil, 0, false, fmt.Errorf("pdfimages: %w", err)
	}
	ppi, color, bpc := largestImage(list)
	known := dpi > 0
	if !known && ppi > 0 {
		dpi, known = ppi, true
	}
	if dpi <= 0 {
		dpi = defaultDPI
	}
	args := []string{"-r", strconv.FormatFloat(dpi, 'f', -1, 64), "-f", p, "-l", p}
	switch {
	case color == "gray" && bpc == 1:
		args = append(args, "-mono")
	case color == "gray":
		args = append(args, "-gray")
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "pdftoppm", append(args, path)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || len(out) == 0 {
		return nil, 0, false, ErrCorrupt.with("pdftoppm: " + strings.TrimSpace(stderr.String()))
	}
	return out, dpi, known, nil
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

// largestImage picks, from `pdfimages -list` output, the resolution, colour
// space and bit depth of the largest image on the page.
func largestImage(list []byte) (ppi float64, color string, bpc int) {
	best := 0
	for _, line := range strings.Split(string(list), "\n") {
		f := strings.Fields(line)
		if len(f) < 14 || f[2] != "image" {
			continue
		}
		w, _ := strconv.Atoi(f[3])
		h, _ := strconv.Atoi(f[4])
		if w*h <= best {
			continue
		}
		x, err := strconv.ParseFloat(f[12], 64)
		if err != nil {
			continue
		}
		best, ppi, color = w*h, x, f[5]
		bpc, _ = strconv.Atoi(f[7])
	}
	return ppi, color, bpc
}
