package main

// Run explicitly: go test ./testdata/gen (go test ./... skips testdata/).

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"
)

var (
	fontsOnce sync.Once
	testFonts *fonts
	fontsErr  error
)

func loadTestFonts(t *testing.T) *fonts {
	t.Helper()
	fontsOnce.Do(func() { testFonts, fontsErr = loadFonts() })
	if fontsErr != nil {
		t.Fatalf("%v: run `bash .ci/test` (its setup installs the fonts)", fontsErr)
	}
	return testFonts
}

func TestVietLettersArePrecomposed(t *testing.T) {
	ls := vietLetters()
	seen := map[rune]bool{}
	for _, r := range ls {
		seen[r] = true
	}
	if len(ls) != 146 || len(seen) != 146 {
		t.Fatalf("got %d letters (%d distinct), want 146", len(ls), len(seen))
	}
}

func TestPangramCoverage(t *testing.T) {
	all := strings.Join(pangramLines, " ") + " " + strings.Join(capitalWords(), " ")
	for _, r := range vietLetters() {
		if !strings.ContainsRune(all, r) {
			t.Errorf("test sheet lacks %q", r)
		}
	}
}

func TestFontsCoverVietnamese(t *testing.T) {
	fs := loadTestFonts(t)
	var buf sfnt.Buffer
	for path, f := range fs.byPath {
		for _, r := range vietLetters() {
			if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
				t.Errorf("%s: no glyph for %q", filepath.Base(path), r)
			}
		}
	}
}

func TestVNNumber(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{0, "không"},
		{5, "năm"},
		{10, "mười"},
		{15, "mười lăm"},
		{21, "hai mươi mốt"},
		{24, "hai mươi tư"},
		{105, "một trăm lẻ năm"},
		{2000, "hai nghìn"},
		{2026, "hai nghìn không trăm hai mươi sáu"},
		{100000, "một trăm nghìn"},
		{135000, "một trăm ba mươi lăm nghìn"},
		{1250000, "một triệu hai trăm năm mươi nghìn"},
		{1005, "một nghìn không trăm lẻ năm"},
	}
	for _, tt := range tests {
		if got := vnNumber(tt.n); got != tt.want {
			t.Errorf("vnNumber(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestDossierCodes(t *testing.T) {
	oldRe := regexp.MustCompile(`^\d{3}\.\d{2}\.\d{2}\.H\d{2}-\d{6}-\d{4}$`)
	newRe := regexp.MustCompile(`^H\d{2}\.\d{3}\.\d{2}-\d{6}-[A-Z]{2}\d{4,}$`)
	for i := range 50 {
		tg := textGen{pageRand(7, streamText, i)}
		rg := tg.region()
		day := date{tg.between(1, 28), tg.between(1, 12), 2026}
		if c := tg.dossier(rg, day, false).Code; !oldRe.MatchString(c) {
			t.Errorf("old-format code %q", c)
		}
		if c := tg.dossier(rg, day, true).Code; !newRe.MatchString(c) {
			t.Errorf("new-format code %q", c)
		}
		if p := tg.person(rg); !regexp.MustCompile(`^\d{12}$`).MatchString(p.CCCD) || p.CCCD[:3] != rg.CCCD {
			t.Errorf("CCCD %q for %s", p.CCCD, rg.Province)
		}
	}
	if got := oldCode("000.00.31.H33", date{4, 8, 2022}, 1); got != "000.00.31.H33-220804-0001" {
		t.Errorf("oldCode = %q", got)
	}
}

// TestTurn checks the orientation convention on pixels: a page turned
// counter-clockwise by 90 has its top edge on the left.
func TestTurn(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 4, 3))
	src.Set(3, 0, color.RGBA{255, 0, 0, 255}) // top-right corner
	tests := []struct {
		ccw  int
		w, h int
		at   image.Point
	}{
		{90, 3, 4, image.Pt(0, 0)},  // top-right goes to top-left
		{180, 4, 3, image.Pt(0, 2)}, // to bottom-left
		{270, 3, 4, image.Pt(2, 3)}, // to bottom-right
		{0, 4, 3, image.Pt(3, 0)},
	}
	for _, tt := range tests {
		d := turn(src, tt.ccw)
		if d.Bounds().Dx() != tt.w || d.Bounds().Dy() != tt.h {
			t.Errorf("turn %d: size %v", tt.ccw, d.Bounds().Size())
		}
		if c := d.RGBAAt(tt.at.X, tt.at.Y); c.R != 255 {
			t.Errorf("turn %d: marker not at %v", tt.ccw, tt.at)
		}
	}
}

// TestRotateSign checks the skew convention: positive skew makes a mark
// right of the centre move up (lines rise to the right).
func TestRotateSign(t *testing.T) {
	for _, tt := range []struct {
		deg float64
		up  bool
	}{{10, true}, {-10, false}} {
		src := image.NewRGBA(image.Rect(0, 0, 201, 201))
		for i := range src.Pix {
			src.Pix[i] = 255
		}
		for y := 98; y < 103; y++ {
			for x := 170; x < 175; x++ {
				src.Set(x, y, color.Black)
			}
		}
		d := rotate(src, tt.deg, color.RGBA{255, 255, 255, 255})
		var sy, n int
		for y := 0; y < 201; y++ {
			for x := 100; x < 201; x++ {
				if d.RGBAAt(x, y).R < 128 {
					sy, n = sy+y, n+1
				}
			}
		}
		if n == 0 {
			t.Fatalf("rotate %v: mark lost", tt.deg)
		}
		if up := sy/n < 100; up != tt.up {
			t.Errorf("rotate %v: mark at y=%d, want up=%v", tt.deg, sy/n, tt.up)
		}
	}
}

func TestEncodeDPI(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 30, 20))
	for _, dpi := range []int{200, 300} {
		b, err := encodePNG(img, dpi)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Fatalf("png with pHYs does not decode: %v", err)
		}
		i := bytes.Index(b, []byte("pHYs"))
		if i < 0 {
			t.Fatal("no pHYs chunk")
		}
		ppm := binary.BigEndian.Uint32(b[i+4:])
		if got := int(float64(ppm)*0.0254 + 0.5); got != dpi || b[i+12] != 1 {
			t.Errorf("pHYs says %d dpi (unit %d), want %d", got, b[i+12], dpi)
		}
		j, err := encodeJPEG(img, 80, dpi)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := jpeg.Decode(bytes.NewReader(j)); err != nil {
			t.Fatalf("jpeg with JFIF does not decode: %v", err)
		}
		if string(j[6:11]) != "JFIF\x00" || j[13] != 1 || int(binary.BigEndian.Uint16(j[14:])) != dpi {
			t.Errorf("JFIF header % x", j[:20])
		}
	}
}

// TestPages renders every kind, at the extremes (±15° skew, 14 pt, 90°
// turns) and checks the ground truth: NFC, text present unless blank,
// nothing clipped (renderPage fails otherwise), same bytes for the same
// seed.
func TestPages(t *testing.T) {
	fs := loadTestFonts(t)
	tests := []pageSpec{
		{Name: "don", Kind: "don", DPI: 100, Mode: "color", Font: "NotoSans", SizePt: 14, Skew: 15, JPEG: 60},
		{Name: "tiepnhan", Kind: "tiepnhan", DPI: 100, Mode: "gray", Font: "DejaVuSerif", SizePt: 10, Skew: -15, Orientation: 90, Noise: true, Blur: true},
		{Name: "tokhai", Kind: "tokhai", DPI: 100, Mode: "bitonal", Font: "DejaVuSans", SizePt: 12, Orientation: 270, Border: true},
		{Name: "uyquyen", Kind: "uyquyen", DPI: 100, Mode: "gray", Font: "NotoSerif", SizePt: 11, Uneven: true, Grain: true, JPEG: 40},
		{Name: "biennhan", Kind: "biennhan", DPI: 100, Mode: "color", SizePt: 13, Skew: 3.3, Orientation: 180, NewCode: true},
		{Name: "kiemtra", Kind: "kiemtra", DPI: 100, Mode: "gray", Font: "NotoSerif", SizePt: 10},
		{Name: "sparse", Kind: "sparse", DPI: 100, Mode: "gray", Grain: true, Skew: -8},
		{Name: "blank", Kind: "blank", DPI: 100, Mode: "color", Grain: true},
	}
	for i, sp := range tests {
		t.Run(sp.Name, func(t *testing.T) {
			pg, err := renderPage(fs, 42, i, sp)
			if err != nil {
				t.Fatal(err)
			}
			tr := pg.truth
			if !norm.NFC.IsNormalString(tr.Text) {
				t.Error("text is not NFC")
			}
			if tr.Blank != (sp.Kind == "blank") || (tr.Text == "") != tr.Blank {
				t.Errorf("blank=%v with %d lines", tr.Blank, tr.Lines)
			}
			if tr.Text != "" && strings.Count(tr.Text, "\n")+1 != tr.Lines {
				t.Errorf("lines=%d but text has %d", tr.Lines, strings.Count(tr.Text, "\n")+1)
			}
			if sp.Kind != "blank" && sp.Kind != "sparse" && tr.Lines < 15 {
				t.Errorf("only %d lines", tr.Lines)
			}
			if sp.Kind == "sparse" && (tr.Lines < 3 || tr.Lines > 6) {
				t.Errorf("sparse page has %d lines", tr.Lines)
			}
			w, h := a4(sp.DPI)
			if sp.Orientation%180 == 90 {
				w, h = h, w
			}
			if tr.Width != w || tr.Height != h {
				t.Errorf("size %dx%d, want %dx%d", tr.Width, tr.Height, w, h)
			}
			again, err := renderPage(fs, 42, i, sp)
			if err != nil || !bytes.Equal(again.data, pg.data) {
				t.Error("same seed gave different bytes")
			}
			other, err := renderPage(fs, 43, i, sp)
			if err != nil || other.truth.Text == tr.Text && !tr.Blank {
				t.Error("another seed gave the same text")
			}
		})
	}
	t.Run("kiemtra covers every letter", func(t *testing.T) {
		pg, err := renderPage(fs, 1, 0, pageSpec{Name: "k", Kind: "kiemtra", DPI: 100, Mode: "gray", SizePt: 14, Font: "DejaVuSans"})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range vietLetters() {
			if !strings.ContainsRune(pg.truth.Text, r) {
				t.Errorf("test sheet at 14 pt lacks %q", r)
			}
		}
	})
}

func TestSampleBatchFits(t *testing.T) {
	fs := loadTestFonts(t)
	for i, sp := range sampleBatchSpecs(1) {
		sp.DPI = 100 // layout scales with dpi; keep the test quick
		if _, err := renderPage(fs, 1, i, sp); err != nil {
			t.Errorf("page %d: %v", i+1, err)
		}
	}
}

// TestOrientationMatchesTesseractOSD pins the documented convention to
// Tesseract: for a turned page, `tesseract --psm 0` says "Rotate: N" with
// N equal to our "orientation".
func TestOrientationMatchesTesseractOSD(t *testing.T) {
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Fatal("tesseract not found: run `bash .ci/test` (its setup installs tesseract-ocr and tesseract-ocr-osd)")
	}
	fs := loadTestFonts(t)
	dir := t.TempDir()
	for _, o := range []int{0, 90, 180, 270} {
		sp := pageSpec{Name: "osd", Kind: "tiepnhan", DPI: 200, Mode: "gray", Font: "NotoSans", SizePt: 12, Orientation: o}
		pg, err := renderPage(fs, 5, 0, sp)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, pg.truth.Image)
		if err := os.WriteFile(f, pg.data, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("tesseract", f, "-", "--psm", "0").CombinedOutput()
		if err != nil {
			t.Fatalf("tesseract: %v\n%s", err, out)
		}
		m := regexp.MustCompile(`Rotate: (\d+)`).FindSubmatch(out)
		if m == nil || string(m[1]) != strconv.Itoa(o) {
			t.Errorf("orientation %d: tesseract says %q", o, m)
		}
	}
}
