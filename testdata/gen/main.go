// Command gen writes a corpus of scanned Vietnamese one-stop-desk papers
// with exact ground truth, deterministic by seed: the same flags give
// byte-identical files.
//
//	go run ./testdata/gen -seed 1 -out /tmp/corpus -preset bench -n 50
//
// Presets: small (12 pages), bench (50), clean (20, no degradation), skew
// (40, skew only), orient (40, turned pages), corpus (the committed set
// under testdata/corpus) and sample-batch (the demo dossier under
// testdata/sample-batch), nd30 (12 administrative documents in the NĐ 30
// layout with their archival fields as ground truth: nd30.go), table (10
// pages with ruled tables, clean, photocopied, faxed, shrunk and
// photographed in turn: table.go), stack (50
// dossiers of a desk's scanned stack: separator sheets, receipts with the
// code in a QR, stack.json: stack.go), desk (what one-stop desks receive
// besides clean scans, a category per page: desk.go) and hard (12 pages
// named hNNNN that read badly whatever the reader does, categories
// hard-tiny, -blur, -fax, -dark, -scrawl, -foreign: hard.go). -n
// overrides the page count of the random presets, the document count
// of nd30 and the dossier count of stack. -twins also writes NAME.upright.png, the same page before any
// degradation (upright, straight, clean), for speed baselines.
//
// Each page is NAME.png or NAME.jpg with NAME.json beside it:
//
//	{
//	  "image": "p0001.jpg",
//	  "text": "exact rendered text, NFC, one line per rendered line joined by \n",
//	  "skew": 7.3,          // degrees the content was rotated counter-clockwise (as seen on
//	                        // screen) on the upright page: positive when lines rise to the right
//	  "orientation": 90,    // degrees the page must be turned CLOCKWISE to be upright
//	                        // (0/90/180/270); the upright page was turned counter-clockwise by it.
//	                        // Tesseract OSD (--psm 0) prints "Rotate: <orientation>" for these pages.
//	  "dpi": 300,           // also in the file: PNG pHYs, JPEG JFIF density
//	  "width": 2480, "height": 3508,  // pixels of this file (swapped for 90/270)
//	  "font": "NotoSerif-Regular", "font_size_pt": 12,   // body font; titles use its Bold
//	  "blank": false,       // true: paper texture and noise only, text is ""
//	  "mode": "color",      // color | gray | bitonal (1-bit PNG)
//	  "format": "jpeg", "jpeg_quality": 45,
//	  "kind": "don",        // don | tiepnhan | tokhai | uyquyen | biennhan | kiemtra | sparse | blank | xaydung
//	  "lines": 38,
//	  "degradations": ["skew", "turned", "grain", "uneven_light", "dark_border", "blur", "noise", "jpeg"],
//	  "params": {"noise": {"gauss_sigma": 8.1, "salt_pepper": 0.0012}, ...},
//	  "seed": 1, "preset": "bench", "index": 1
//	}
//
// "jpeg" is listed when the quality is under 75 (visible artefacts). The
// text excludes signatures and rules. Rotated content never leaves the
// page: skewed pages use a smaller text box so nothing is clipped.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/text/unicode/norm"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fl := flag.NewFlagSet("gen", flag.ContinueOnError)
	seed := fl.Uint64("seed", 1, "random seed; same seed, same bytes")
	out := fl.String("out", "", "output folder (created)")
	n := fl.Int("n", 0, "pages (random presets; 0 = preset default)")
	preset := fl.String("preset", "small", "small | bench | clean | skew | orient | desk | hard | table | nd30 | stack | corpus | sample-batch")
	twins := fl.Bool("twins", false, "also write NAME.upright.png: the page before any degradation")
	jobs := fl.Int("j", runtime.GOMAXPROCS(0), "pages rendered in parallel")
	real := fl.String("real", "", "comma-separated 300-dpi page images of real scans: write their desk variants (lowres, photo) instead")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *real != "" && *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		for i, path := range strings.Split(*real, ",") {
			if err := realVariants(path, *seed, i, *out); err != nil {
				return err
			}
		}
		return nil
	}
	if *out == "" || fl.NArg() > 0 {
		return errors.New("usage: gen -out DIR [-seed N] [-n PAGES] [-preset NAME] [-twins]")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fs, err := loadFonts()
	if err != nil {
		return err
	}
	specs, err := presetSpecs(*preset, *n, *seed)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := generate(ctx, fs, *seed, *preset, specs, *out, *twins, *jobs); err != nil {
		return err
	}
	switch *preset {
	case "sample-batch":
		return writeManifest(*out, *seed, specs)
	case "stack":
		return writeStackTruth(*out, specs)
	}
	return nil
}

// generate renders specs in parallel; each page depends only on (seed,
// index), so the order of work does not change the bytes.
func generate(ctx context.Context, fs *fonts, seed uint64, preset string, specs []pageSpec, out string, twins bool, jobs int) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	next := make(chan int)
	for range max(1, jobs) {
		wg.Go(func() {
			for i := range next {
				err := writePage(fs, seed, preset, i, specs[i], out, twins)
				if err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("page %d (%s): %w", i+1, specs[i].Name, err))
					mu.Unlock()
				}
			}
		})
	}
	for i := range specs {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if ctx.Err() != nil {
		errs = append(errs, ctx.Err())
	}
	return errors.Join(errs...)
}

func writePage(fs *fonts, seed uint64, preset string, idx int, sp pageSpec, out string, twins bool) error {
	pg, err := renderPage(fs, seed, idx, sp)
	if err != nil {
		return err
	}
	pg.truth.Preset = preset
	jb, err := indentedJSON(pg.truth)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, pg.truth.Image), pg.data, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, sp.Name+".json"), jb, 0o644); err != nil {
		return err
	}
	if twins {
		return os.WriteFile(filepath.Join(out, sp.Name+".upright.png"), pg.upright, 0o644)
	}
	return nil
}

// indentedJSON is v as the generated files hold it: indented, and with
// Vietnamese text and <, >, & written as they are, for a reader's eyes.
func indentedJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(v)
	return b.Bytes(), err
}

// pageSpec is what one page should be. Zero values mean "none" for the
// degradations; Font and SizePt are drawn at random when empty.
type pageSpec struct {
	Name        string
	Kind        string
	DPI         int
	Mode        string // color, gray, bitonal
	Font        string // family name; "" = random
	SizePt      float64
	Skew        float64
	Orientation int // clockwise turn needed to make the page upright
	JPEG        int // quality; 0 = PNG
	Grain       bool
	GrainLevel  float64 // grain strength; 0 = random (stronger on sparse and blank pages)
	Noise       bool
	NoiseSigma  float64 // 0 = random 4-12
	Blur        bool
	Uneven      bool
	Border      bool
	NewCode     bool
	// Desk categories (desk.go).
	Category string // clean, lowres, photo, seal, fax, copy; hard-* (hard.go)
	LowDPI   int    // shrink to this effective resolution
	ClaimDPI int    // the dpi the file then claims (0: none), for LowDPI and Photo
	Photo    bool
	Seal     bool
	Fax      bool
	Copy     bool
	// Hard pages (hard.go).
	BlurSigma float64 // blur in pixels at 300 dpi; 0 = random 0.6-1.2
	Dark      float64 // photo exposure (0-1); 0 = normal light
	Scrawl    bool
	Foreign   bool
	// Doc, Part and Parts place a page of the nd30 preset in its
	// document (Doc numbers documents from 0; Part from 1).
	Doc, Part, Parts int
	// Blocks, when set, is the page content (multi-page documents);
	// otherwise the content is generated from Kind. All of it must fit.
	Blocks []block
	// The stack preset (stack.go): the dossier the page belongs to, and
	// "separator" or "receipt" for the pages that mark where it starts.
	Code, Mark string
}

var kinds = []string{"don", "tiepnhan", "tokhai", "uyquyen", "biennhan", "kiemtra", "sparse", "blank"}

// stream numbers keep the random streams of one page apart: changing a
// degradation does not change the text.
const (
	streamSpec    = 1 << 32
	streamText    = 2 << 32
	streamDegrade = 3 << 32
)

func pageRand(seed uint64, stream, idx int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(stream)+uint64(idx)))
}

func presetSpecs(preset string, n int, seed uint64) ([]pageSpec, error) {
	def := map[string]int{"small": 12, "bench": 50, "clean": 20, "skew": 40, "orient": 40, "desk": 12, "hard": 12}
	switch preset {
	case "corpus":
		return corpusSpecs(), nil
	case "sample-batch":
		return sampleBatchSpecs(seed), nil
	case "nd30":
		return nd30Specs(n, seed), nil
	case "stack":
		return stackSpecs(n, seed), nil
	case "table":
		if n <= 0 {
			n = 10
		}
		specs := make([]pageSpec, n)
		for i := range specs {
			specs[i] = tableSpec(pageRand(seed, streamSpec, i), i)
		}
		return specs, nil
	}
	d, ok := def[preset]
	if !ok {
		return nil, fmt.Errorf("unknown preset %q", preset)
	}
	if n <= 0 {
		n = d
	}
	specs := make([]pageSpec, n)
	for i := range specs {
		r := pageRand(seed, streamSpec, i)
		var sp pageSpec
		switch preset {
		case "small", "bench":
			sp = randomSpec(r)
		case "desk":
			sp = deskSpec(r, i)
		case "hard":
			sp = hardSpec(r, i)
		case "clean":
			sp = pageSpec{Kind: kinds[r.IntN(6)], DPI: 300, Mode: pick(r, "color", "gray")}
			if sp.Mode == "color" {
				sp.JPEG = 90
			}
		case "skew":
			sp = pageSpec{Kind: kinds[r.IntN(5)], DPI: pick(r, 200, 300), Mode: "gray", JPEG: 85,
				Skew: math.Round((r.Float64()*30-15)*100) / 100}
		case "orient":
			sp = pageSpec{Kind: kinds[r.IntN(6)], DPI: pick(r, 200, 300), Mode: pick(r, "color", "gray", "bitonal"),
				Orientation: 90 * (i % 4)}
			if sp.Mode != "bitonal" {
				sp.JPEG = 80
			}
		}
		sp.Name = fmt.Sprintf("p%04d", i+1)
		if preset == "hard" {
			sp.Name = fmt.Sprintf("h%04d", i+1) // beside a desk corpus without clashing
		}
		specs[i] = sp
	}
	return specs, nil
}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

// randomSpec mixes clean and degraded pages roughly as a desk's day does.
func randomSpec(r *rand.Rand) pageSpec {
	w := []int{18, 18, 15, 14, 15, 6, 8, 6} // per kind, percent
	k, acc := 0, r.IntN(100)
	for k = range w {
		if acc < w[k] {
			break
		}
		acc -= w[k]
	}
	sp := pageSpec{Kind: kinds[k], DPI: pick(r, 200, 300, 300), NewCode: r.IntN(2) == 0}
	switch m := r.IntN(100); {
	case m < 45:
		sp.Mode = "color"
	case m < 85:
		sp.Mode = "gray"
	default:
		sp.Mode = "bitonal"
	}
	if r.Float64() < 0.3 && sp.Kind != "sparse" && sp.Kind != "blank" {
		if sp.Mode == "color" {
			sp.JPEG = 85 + r.IntN(8)
		}
		return sp
	}
	if r.Float64() < 0.6 {
		sp.Skew = math.Round((r.Float64()*30-15)*100) / 100
	}
	if r.Float64() < 0.3 {
		sp.Orientation = 90 * (1 + r.IntN(3))
	}
	if sp.Kind == "blank" {
		// A blank page has no skew or orientation to measure.
		sp.Skew, sp.Orientation = 0, 0
	}
	sp.Noise = r.Float64() < 0.4
	sp.Blur = r.Float64() < 0.35
	sp.Border = r.Float64() < 0.3
	sp.Grain = r.Float64() < 0.25 || sp.Kind == "sparse" || sp.Kind == "blank"
	if sp.Mode != "bitonal" {
		sp.Uneven = r.Float64() < 0.3
		switch {
		case r.Float64() < 0.4:
			sp.JPEG = 30 + r.IntN(41)
		case sp.Mode == "color" || r.IntN(2) == 0:
			sp.JPEG = 75 + r.IntN(16)
		}
	}
	return sp
}

// corpusSpecs is the committed set: one page per case the ocr tests need.
func corpusSpecs() []pageSpec {
	return []pageSpec{
		{Name: "01-clean-300-gray", Kind: "kiemtra", DPI: 300, Mode: "gray", Font: "NotoSerif", SizePt: 11},
		{Name: "02-clean-300-color", Kind: "tiepnhan", DPI: 300, Mode: "color", Font: "NotoSans", SizePt: 11, JPEG: 80},
		{Name: "03-noise-blur-jpeg-200-color", Kind: "don", DPI: 200, Mode: "color", Font: "DejaVuSans", SizePt: 12, Noise: true, NoiseSigma: 4, Blur: true, JPEG: 40},
		{Name: "04-skew-p7.3-300-bitonal", Kind: "tokhai", DPI: 300, Mode: "bitonal", Font: "DejaVuSerif", SizePt: 11, Skew: 7.3},
		{Name: "05-skew-m12.5-200-gray", Kind: "uyquyen", DPI: 200, Mode: "gray", Font: "NotoSans", SizePt: 12, Skew: -12.5, Uneven: true, JPEG: 60},
		{Name: "06-turned-90-200-gray", Kind: "biennhan", DPI: 200, Mode: "gray", Font: "NotoSerif", SizePt: 12, Orientation: 90, Border: true, JPEG: 60, NewCode: true},
		{Name: "07-turned-180-300-bitonal", Kind: "don", DPI: 300, Mode: "bitonal", Font: "DejaVuSans", SizePt: 11, Orientation: 180},
		{Name: "08-turned-270-200-color", Kind: "tiepnhan", DPI: 200, Mode: "color", Font: "NotoSerif", SizePt: 13, Orientation: 270, Uneven: true, JPEG: 60, NewCode: true},
		{Name: "09-sparse-grainy-200-gray", Kind: "sparse", DPI: 200, Mode: "gray", Font: "NotoSans", SizePt: 13, Grain: true, GrainLevel: 5, JPEG: 40},
		{Name: "10-blank-200-gray", Kind: "blank", DPI: 200, Mode: "gray", Grain: true, GrainLevel: 1, Noise: true, NoiseSigma: 1, JPEG: 50},
	}
}

// page is one rendered page.
type page struct {
	truth   truth
	data    []byte // encoded image
	upright []byte // PNG before degradation
}

// truth is the ground-truth JSON written beside each image.
type truth struct {
	Image        string                        `json:"image"`
	Text         string                        `json:"text"`
	Skew         float64                       `json:"skew"`
	Orientation  int                           `json:"orientation"`
	DPI          int                           `json:"dpi"`
	Width        int                           `json:"width"`
	Height       int                           `json:"height"`
	Font         string                        `json:"font"`
	FontSizePt   float64                       `json:"font_size_pt"`
	Blank        bool                          `json:"blank"`
	Mode         string                        `json:"mode"`
	Format       string                        `json:"format"`
	JPEGQuality  int                           `json:"jpeg_quality,omitempty"`
	Kind         string                        `json:"kind"`
	Lines        int                           `json:"lines"`
	Degradations []string                      `json:"degradations"`
	Params       map[string]map[string]float64 `json:"params,omitempty"`
	Seed         uint64                        `json:"seed"`
	Preset       string                        `json:"preset,omitempty"`
	Index        int                           `json:"index"`
	// Desk preset: the category, and for low-resolution copies and photos
	// the dpi the file claims (0: none); DPI is then the page's effective
	// resolution.
	Category string `json:"category,omitempty"`
	Source   string `json:"source,omitempty"` // the real scan a variant was made from
	FileDPI  *int   `json:"file_dpi,omitempty"`
	// Archival: the nd30 preset's document fields (testdata/gen/nd30.go).
	Archival *archivalTruth `json:"archival,omitempty"`
	// Stack preset: the page's dossier, and "separator" (the sheet sohoa
	// prints, dropped by the split) or "receipt" (its QR holds the code).
	DossierCode string `json:"dossier_code,omitempty"`
	Mark        string `json:"mark,omitempty"`
	// Table preset (table.go): each table row's text in reading order
	// (its cells left to right, a cell's lines together).
	TableRows []string `json:"table_rows,omitempty"`
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// a4 is the A4 page size in pixels at dpi.
func a4(dpi int) (w, h int) {
	return int(math.Round(210 / 25.4 * float64(dpi))), int(math.Round(297 / 25.4 * float64(dpi)))
}

// textBox is where text may go. Upright pages use the Vietnamese
// administrative margins (left 30 mm, right 15, top and bottom 20). A
// skewed page gets a centred box shrunk until its rotated corners stay
// 10 mm inside the page, so the scanner frame and the crop never clip text.
func textBox(w, h int, dpi, skew float64) image.Rectangle {
	mm := dpi / 25.4
	if skew == 0 {
		return image.Rect(int(30*mm), int(20*mm), w-int(15*mm), h-int(20*mm))
	}
	bw, bh := 165*mm, 257*mm
	c, s := math.Abs(math.Cos(skew*math.Pi/180)), math.Abs(math.Sin(skew*math.Pi/180))
	f := math.Min(1, math.Min((float64(w)-20*mm)/(bw*c+bh*s), (float64(h)-20*mm)/(bw*s+bh*c)))
	bw, bh = bw*f, bh*f
	return image.Rect(int((float64(w)-bw)/2), int((float64(h)-bh)/2), int((float64(w)+bw)/2), int((float64(h)+bh)/2))
}

func contentFor(sp pageSpec, tg textGen) (blocks []block, officer, station string) {
	rg := tg.region()
	day := date{tg.between(1, 28), tg.between(1, 11), 2026}
	officer = tg.name(tg.r.IntN(2) == 0)
	station = fmt.Sprintf("Máy quét số %d - Quầy %d", tg.between(1, 4), tg.between(1, 12))
	d := tg.dossier(rg, day, sp.NewCode)
	if sp.Code != "" {
		d.Code = sp.Code
	}
	switch sp.Kind {
	case "don":
		blocks = tg.docDon(d)
	case "tiepnhan":
		blocks = tg.docTiepNhan(d, officer)
	case "tokhai":
		blocks = tg.docToKhai(d)
	case "uyquyen":
		blocks = tg.docUyQuyen(d)
	case "biennhan":
		blocks = tg.docBienNhan(d, officer)
	case "kiemtra":
		blocks = tg.docKiemTra(rg, day, station, officer)
	case "sparse":
		blocks = tg.docSparse(d)
	}
	return blocks, officer, station
}

func renderPage(fs *fonts, seed uint64, idx int, sp pageSpec) (page, error) {
	spr := pageRand(seed, streamSpec+(1<<31), idx) // choices the spec left open
	dr := pageRand(seed, streamDegrade, idx)
	tg := textGen{pageRand(seed, streamText, idx)}

	fam, ok := familyByName(sp.Font)
	if !ok {
		fam = fontFamilies[spr.IntN(len(fontFamilies))]
	}
	pt := sp.SizePt
	if pt == 0 {
		pt = 10 + float64(spr.IntN(9))*0.5
	}
	if sp.Kind == "kiemtra" {
		// The test sheet is a fixed form; it must show every letter.
		pt = min(pt, 12)
	}
	dpi := float64(sp.DPI)
	w, h := a4(sp.DPI)

	ink := inks{paper: color.RGBA{255, 255, 255, 255}, text: color.RGBA{0, 0, 0, 255}}
	switch sp.Mode {
	case "color":
		ink.paper = color.RGBA{uint8(246 + spr.IntN(8)), uint8(242 + spr.IntN(8)), uint8(228 + spr.IntN(14)), 255}
		ink.text = color.RGBA{28, 26, 30, 255}
		ink.fill = color.RGBA{24, 44, 140, 255}
		ink.sign = color.RGBA{20, 50, 170, 255}
	case "gray":
		v := uint8(238 + spr.IntN(14))
		ink.paper = color.RGBA{v, v, v, 255}
		ink.text = color.RGBA{22, 22, 22, 255}
		ink.fill, ink.sign = ink.text, color.RGBA{60, 60, 70, 255}
	case "bitonal":
		ink.fill, ink.sign = ink.text, ink.text
	default:
		return page{}, fmt.Errorf("unknown mode %q", sp.Mode)
	}

	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(ink.paper), image.Point{}, draw.Src)

	tr := truth{
		Image: sp.Name + ".png", Skew: sp.Skew, Orientation: sp.Orientation, DPI: sp.DPI,
		Font: filepath.Base(strings.TrimSuffix(fam.Regular, ".ttf")), FontSizePt: pt,
		Mode: sp.Mode, Format: "png", Kind: sp.Kind, Degradations: []string{},
		Params: map[string]map[string]float64{}, Seed: seed, Index: idx + 1,
		DossierCode: sp.Code, Mark: sp.Mark,
	}

	blocks := sp.Blocks
	if blocks == nil && sp.Foreign {
		blocks = foreignBlocks(tg.r)
	} else if blocks == nil {
		blocks, _, _ = contentFor(sp, tg)
	}
	if sp.Kind == "separator" {
		if err := drawSeparator(img, sp.Code); err != nil {
			return page{}, err
		}
	} else if sp.Kind != "blank" {
		reg, err := fs.face(fam.Regular, pt, dpi)
		if err != nil {
			return page{}, err
		}
		bold, err := fs.face(fam.Bold, pt, dpi)
		if err != nil {
			return page{}, err
		}
		title, err := fs.face(fam.Bold, pt*1.3, dpi)
		if err != nil {
			return page{}, err
		}
		px := pt * dpi / 72
		l := &layout{dst: img, reg: reg, bold: bold, title: title, px: px, lineH: int(px * 1.45),
			box: textBox(w, h, dpi, sp.Skew), ink: ink}
		if sp.Mark == "receipt" {
			if l.box, err = drawReceiptQR(img, l.box, dpi, sp.Code, ink.text); err != nil {
				return page{}, err
			}
		}
		if sp.Kind == "nd30" {
			doc := newND30Doc(textGen{pageRand(seed, streamText, 1<<20+sp.Doc)}, sp.Doc+1)
			if l, err = drawND30(img, fs, fam, pt, dpi, ink, l.box, doc, sp.Part, sp.Parts, dr); err != nil {
				return page{}, err
			}
			at := archivalTruth{Doc: sp.Doc + 1, Part: sp.Part, Parts: sp.Parts}
			if sp.Part == 1 {
				at = doc.truth
				at.Part, at.Parts = 1, sp.Parts
			}
			tr.Archival = &at
		} else if sp.Kind == "bang" {
			day := date{tg.between(1, 28), tg.between(1, 11), 2026}
			before, t, after := tg.tablePage(tg.dossier(tg.region(), day, sp.NewCode), tg.name(tg.r.IntN(2) == 0))
			l.render(before)
			tr.TableRows = l.drawTable(t, dr, dpi, sp.Fax || sp.Copy)
			for _, b := range after {
				if !l.place(b) {
					break
				}
			}
		} else if placed := l.render(blocks); sp.Blocks != nil && placed < len(blocks) {
			return page{}, fmt.Errorf("content does not fit: %d of %d blocks placed", placed, len(blocks))
		}
		for _, r := range l.signatures {
			scribble(img, r, ink.sign, dpi/25.4*0.45, dr)
		}
		switch {
		case sp.Seal && sp.Kind == "nd30":
			tr.add("seal", nd30Seal(img, dr, l, dpi))
		case sp.Seal:
			tr.add("seal", overInk(img, dr, l, dpi))
		}
		if sp.Scrawl {
			tr.add("scrawl", map[string]float64{"notes": float64(scrawlOver(img, dr, l, dpi))})
		}
		if sp.Foreign {
			tr.add("foreign", map[string]float64{})
		}
		var text []string
		for _, ln := range l.lines {
			text = append(text, ln.Text)
			if err := checkInside(ln.Bounds, w, h, sp.Skew, dpi/25.4*8); err != nil {
				return page{}, fmt.Errorf("line %q: %w", ln.Text, err)
			}
		}
		tr.Text = norm.NFC.String(strings.Join(text, "\n"))
		tr.Lines = len(text)
	}
	tr.Blank = tr.Text == "" && sp.Kind != "separator" // the sheet's print is not in the text

	var pg page
	var err error
	if pg.upright, err = encodeMode(img, sp.Mode, 0, sp.DPI); err != nil {
		return page{}, err
	}

	if sp.Grain {
		strength := 0.8 + 0.6*dr.Float64()
		if sp.Kind == "sparse" || sp.Kind == "blank" {
			strength = 1.2 + 2*dr.Float64()
		}
		if sp.GrainLevel > 0 {
			strength = sp.GrainLevel
		}
		specks := grain(img, dr, dpi, strength)
		tr.add("grain", map[string]float64{"strength": round3(strength), "specks": float64(specks)})
	}
	if sp.Skew != 0 {
		img = rotate(img, sp.Skew, ink.paper)
		tr.add("skew", map[string]float64{"degrees": sp.Skew})
	}
	if sp.Orientation != 0 {
		img = turn(img, sp.Orientation)
		tr.add("turned", map[string]float64{"clockwise_to_upright": float64(sp.Orientation)})
	}
	if sp.Uneven {
		ang, depth := dr.Float64()*2*math.Pi, 0.15+0.2*dr.Float64()
		unevenLight(img, ang, depth)
		tr.add("uneven_light", map[string]float64{"direction_rad": round3(ang), "depth": round3(depth)})
	}
	if sp.Border {
		short := float64(min(img.Bounds().Dx(), img.Bounds().Dy()))
		var widths [4]int
		p := map[string]float64{}
		for e, name := range []string{"left", "top", "right", "bottom"} {
			if dr.IntN(2) == 0 || e == 0 {
				widths[e] = int(short * (0.01 + 0.025*dr.Float64()))
				p[name+"_px"] = float64(widths[e])
			}
		}
		level := uint8(15 + dr.IntN(40))
		darkBorder(img, dr, widths, level)
		p["level"] = float64(level)
		tr.add("dark_border", p)
	}
	if sp.Blur {
		sigma := round3((0.6 + 0.6*dr.Float64()) * dpi / 300)
		if sp.BlurSigma > 0 {
			sigma = round3(sp.BlurSigma * dpi / 300)
		}
		gaussianBlur(img, sigma)
		tr.add("blur", map[string]float64{"sigma_px": sigma})
	}
	if sp.Noise || sp.Kind == "blank" {
		sigma := sp.NoiseSigma
		if sigma == 0 {
			sigma = 4 + 8*dr.Float64()
		}
		sp := 0.0005 + 0.0025*dr.Float64()
		noise(img, dr, sigma, sp)
		tr.add("noise", map[string]float64{"gauss_sigma": round3(sigma), "salt_pepper": round3(sp*1000) / 1000})
	}
	if sp.JPEG > 0 && sp.Mode != "bitonal" {
		tr.Image, tr.Format, tr.JPEGQuality = sp.Name+".jpg", "jpeg", sp.JPEG
		if sp.JPEG < 75 {
			tr.add("jpeg", map[string]float64{"quality": float64(sp.JPEG)})
		}
	}
	fileDPI := sp.DPI
	if sp.Fax || sp.Copy {
		tr.add(map[bool]string{true: "fax", false: "copy"}[sp.Fax], faxOrCopy(img, dr, sp.Fax, dpi))
	}
	if sp.Photo {
		long := 1280 + dr.IntN(2721)
		var p map[string]float64
		img, p = photograph(img, dr, long)
		tr.add("photo", p)
		if sp.Dark > 0 {
			sigma := 6 + 8*dr.Float64()
			darken(img, dr, sp.Dark, sigma)
			tr.add("dark", map[string]float64{"exposure": round3(sp.Dark), "noise_sigma": round3(sigma)})
		}
		tr.DPI, fileDPI = int(math.Round(p["page_height_px"]/11.69)), 72 // phones write 72
		tr.FileDPI = &fileDPI
	}
	if sp.LowDPI > 0 {
		img = shrink(img, float64(sp.LowDPI)/dpi)
		tr.add("lowres", map[string]float64{"dpi": float64(sp.LowDPI), "file_dpi": float64(sp.ClaimDPI)})
		tr.DPI, fileDPI = sp.LowDPI, sp.ClaimDPI
		tr.FileDPI = &fileDPI
	}
	tr.Category = sp.Category
	tr.Width, tr.Height = img.Bounds().Dx(), img.Bounds().Dy()
	if len(tr.Params) == 0 {
		tr.Params = nil
	}
	if pg.data, err = encodeMode(img, sp.Mode, tr.JPEGQuality, fileDPI); err != nil {
		return page{}, err
	}
	pg.truth = tr
	return pg, nil
}

func (t *truth) add(name string, params map[string]float64) {
	t.Degradations = append(t.Degradations, name)
	t.Params[name] = params
}

func encodeMode(img *image.RGBA, mode string, jpegQ, dpi int) ([]byte, error) {
	var m image.Image = img
	switch mode {
	case "gray":
		m = toGray(img)
	case "bitonal":
		m = toBitonal(toGray(img), 128)
	}
	if jpegQ > 0 {
		return encodeJPEG(m, jpegQ, dpi)
	}
	return encodePNG(m, dpi)
}

// checkInside verifies that r, rotated with the page, stays margin pixels
// inside a w×h page: the ground truth must not name clipped text.
func checkInside(r image.Rectangle, w, h int, skew, margin float64) error {
	th := skew * math.Pi / 180
	c, s := math.Cos(th), math.Sin(th)
	cx, cy := float64(w)/2, float64(h)/2
	for _, p := range []image.Point{r.Min, {r.Max.X, r.Min.Y}, {r.Min.X, r.Max.Y}, r.Max} {
		dx, dy := float64(p.X)-cx, float64(p.Y)-cy
		x, y := cx+dx*c+dy*s, cy-dx*s+dy*c
		if x < margin || y < margin || x > float64(w)-margin || y > float64(h)-margin {
			return fmt.Errorf("corner %v lands at (%.0f,%.0f), outside the page", p, x, y)
		}
	}
	return nil
}
