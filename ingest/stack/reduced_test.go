package stack

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/sohoa/sohoa/pdf/pdftest"
)

// testPage draws a small page of text-like strokes, a QR-like square and a
// grey ramp: edges and flat paper, as a scan has.
func testPage(w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range g.Pix {
		g.Pix[i] = 235
	}
	for y := 20; y+30 < h; y += 40 {
		for x := 20; x+60 < w; x += 70 {
			for dx := 0; dx < 50; dx += 7 {
				for yy := y + r.IntN(10); yy < y+30; yy++ {
					for xx := x + dx; xx < x+dx+4; xx++ {
						g.Pix[yy*g.Stride+xx] = 20
					}
				}
			}
		}
	}
	for y := range h / 4 {
		for x := range w / 4 {
			g.Pix[y*g.Stride+x] = uint8((x * 255) / (w / 4))
		}
	}
	return g
}

// magick converts src with ImageMagick (as installed by .ci/setup) and
// returns the bytes written.
func magick(t *testing.T, src []byte, ext string, args ...string) []byte {
	t.Helper()
	bin := pdftest.Tool(t, "convert") // ImageMagick
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.png"), filepath.Join(dir, "out"+ext)
	if err := os.WriteFile(in, src, 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(bin, append(append([]string{in}, args...), out)...).CombinedOutput(); err != nil {
		t.Fatalf("convert %v: %v\n%s", args, err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func encPNG(t *testing.T, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// meanDiff is the mean absolute difference of two grey images of one size.
func meanDiff(t *testing.T, a, b *image.Gray) float64 {
	t.Helper()
	if a.Rect.Size() != b.Rect.Size() {
		t.Fatalf("sizes %v and %v", a.Rect.Size(), b.Rect.Size())
	}
	var s int
	for y := range a.Rect.Dy() {
		for x := range a.Rect.Dx() {
			d := int(a.Pix[y*a.Stride+x]) - int(b.Pix[y*b.Stride+x])
			s += max(d, -d)
		}
	}
	return float64(s) / float64(a.Rect.Dx()*a.Rect.Dy())
}

// stdGray is what image.Decode and gray give: the reference.
func stdGray(t *testing.T, data []byte, factor int) *image.Gray {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return gray(img, factor)
}

// TestDecodeJPEGLuma: the luma read from the DCT at 4/8, 3/8 and 2/8 is
// the page image/jpeg decodes, reduced, within a few grey levels, for the
// JPEGs scanners write (grey, YCbCr 4:2:0, 4:2:2 and 4:4:4, restart
// markers, odd sizes); a progressive JPEG is left to image/jpeg.
func TestDecodeJPEGLuma(t *testing.T) {
	page := testPage(613, 827) // not a multiple of 8 or 16
	rgb := image.NewRGBA(page.Rect)
	for i, v := range page.Pix {
		rgb.Pix[4*i], rgb.Pix[4*i+1], rgb.Pix[4*i+2], rgb.Pix[4*i+3] = v, uint8(int(v)*9/10), 120+v/3, 255
	}
	for _, tc := range scannerJPEGs(t, page, rgb) {
		for _, n := range []int{4, 3, 2} {
			g, err := decodeJPEGLuma(tc.data, n, 1<<30)
			if err != nil {
				t.Errorf("%s %d/8: %v", tc.name, n, err)
				continue
			}
			var ref *image.Gray
			if 8%n == 0 {
				ref = stdGray(t, tc.data, 8/n)
			} else {
				// 3/8 is no whole box, and this page's 7-pixel stroke
				// pattern is finer than its 2.7-pixel cells can show:
				// compared block by block (each 8×8 block's mean is its
				// 3×3 cell's).
				g, ref = gray(g, n), stdGray(t, tc.data, 8)
				g = g.SubImage(ref.Rect).(*image.Gray)
			}
			// The reduced block is the block's low frequencies, a box
			// mean is not quite that: on this page, dense with 4-pixel
			// strokes, they differ by 4.5-6.5 levels on average at the
			// strokes' edges (a block misplaced or a wrong sampling
			// differs by 40 or more).
			if d := meanDiff(t, g.SubImage(ref.Rect).(*image.Gray), ref); d > 8 {
				t.Errorf("%s %d/8: mean difference %.2f grey levels from image/jpeg", tc.name, n, d)
			}
		}
	}
	prog := magick(t, encPNG(t, rgb), ".jpg", "-interlace", "JPEG")
	if _, err := decodeJPEGLuma(prog, 4, 1<<30); !errors.Is(err, errJPEGUnsupported) {
		t.Errorf("progressive JPEG: %v, want errJPEGUnsupported", err)
	}
	g, factor, _, err := pageGray(prog, "jpeg", 1<<30)
	if err != nil || factor != 1 || g.Rect.Dx() != 613 {
		t.Errorf("progressive JPEG through pageGray: %v, factor %d, %v", err, factor, g.Rect)
	}
}

type namedJPEG struct {
	name string
	data []byte
}

// scannerJPEGs are the JPEGs scanners write of a page, grey and rgb its
// grey and colour scans: grey, YCbCr 4:2:0 (image/jpeg), 4:4:4 and 4:2:2,
// with restart markers, and with optimized Huffman tables (ImageMagick).
func scannerJPEGs(t *testing.T, grey *image.Gray, rgb *image.RGBA) []namedJPEG {
	var g, c bytes.Buffer
	jpeg.Encode(&g, grey, &jpeg.Options{Quality: 85})
	jpeg.Encode(&c, rgb, &jpeg.Options{Quality: 85})
	src := encPNG(t, rgb)
	return []namedJPEG{
		{"grey", g.Bytes()},
		{"colour 4:2:0", c.Bytes()},
		{"colour 4:4:4", magick(t, src, ".jpg", "-sampling-factor", "1x1", "-quality", "90")},
		{"colour 4:2:2", magick(t, src, ".jpg", "-sampling-factor", "2x1", "-quality", "75")},
		{"restart markers", magick(t, src, ".jpg", "-define", "jpeg:restart-interval=3", "-quality", "80")},
		{"grey from ImageMagick", magick(t, src, ".jpg", "-colorspace", "Gray", "-quality", "95")},
		{"optimized tables", magick(t, src, ".jpg", "-define", "jpeg:optimize-coding=true", "-quality", "92")},
	}
}

// TestDecodeJPEGLumaHostile: a cut file, a file past the pixel budget, a
// Huffman table with more codes than fit, and corrupted entropy data give
// an error (image/jpeg then has the last word), never a panic or a page
// read from bytes that are not there.
func TestDecodeJPEGLumaHostile(t *testing.T) {
	var col bytes.Buffer
	jpeg.Encode(&col, testPage(400, 560), &jpeg.Options{Quality: 85})
	data := col.Bytes()
	for _, cut := range []int{len(data) / 3, len(data) / 2, len(data) - 100} {
		if _, err := decodeJPEGLuma(data[:cut], 4, 1<<30); err == nil {
			t.Errorf("cut at %d of %d bytes: decoded", cut, len(data))
		}
	}
	if _, err := decodeJPEGLuma(data, 4, 400*560-1); err == nil {
		t.Error("over the pixel budget: decoded")
	}
	// A DHT whose 1-bit codes number 3: only 2 exist.
	dht := bytes.Index(data, []byte{0xFF, 0xC4})
	bad := bytes.Clone(data)
	bad[dht+5] = 3
	if _, err := decodeJPEGLuma(bad, 4, 1<<30); err == nil {
		t.Error("overfull Huffman table: decoded")
	}
	sos := bytes.Index(data, []byte{0xFF, 0xDA})
	r := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		bad := bytes.Clone(data)
		for range 1 + r.IntN(4) {
			bad[sos+14+r.IntN(len(bad)-sos-16)] = byte(r.IntN(256))
		}
		decodeJPEGLuma(bad, 2+r.IntN(3), 1<<30) // must not panic
	}
}

// TestDecodePNGGray: the row-by-row reduction gives exactly what
// image/png and gray give, for bitonal (paper 1 or 0, every reduction a
// bitonal page is read at), 2-bit palette, 8-bit grey and RGB pages; an interlaced PNG is left to image/png.
func TestDecodePNGGray(t *testing.T) {
	page := testPage(613, 827)
	bitonal := image.NewPaletted(page.Rect, color.Palette{color.Black, color.White})
	// A palette whose index 0 is the paper: ink is the 1 bits.
	inverse := image.NewPaletted(page.Rect, color.Palette{color.White, color.Gray{30}})
	four := image.NewPaletted(page.Rect, color.Palette{color.Black, color.Gray{90}, color.RGBA{200, 180, 40, 255}, color.White})
	rgb := image.NewRGBA(page.Rect)
	for i, v := range page.Pix {
		if v >= 128 {
			bitonal.Pix[i] = 1
		} else {
			inverse.Pix[i] = 1
		}
		four.Pix[i] = v / 64
		rgb.Pix[4*i], rgb.Pix[4*i+1], rgb.Pix[4*i+2], rgb.Pix[4*i+3] = v, 255-v, v/2, 255
	}
	for _, tc := range []struct {
		name string
		img  image.Image
	}{{"bitonal", bitonal}, {"bitonal, paper 0", inverse}, {"2-bit palette", four}, {"grey", page}, {"rgb", rgb}} {
		data := encPNG(t, tc.img)
		for _, factor := range []int{1, 2, 3, 4, 5, 8} {
			g, err := decodePNGGray(data, factor, 1<<30)
			if err != nil {
				t.Errorf("%s /%d: %v", tc.name, factor, err)
				continue
			}
			if d := meanDiff(t, g, stdGray(t, data, factor)); d != 0 {
				t.Errorf("%s /%d: mean difference %.3f from image/png", tc.name, factor, d)
			}
		}
	}
	inter := magick(t, encPNG(t, page), ".png", "-interlace", "PNG")
	if _, err := decodePNGGray(inter, 2, 1<<30); !errors.Is(err, errPNGUnsupported) {
		t.Errorf("interlaced PNG: %v, want errPNGUnsupported", err)
	}
	if _, _, _, err := pageGray(inter, "png", 1<<30); err != nil {
		t.Errorf("interlaced PNG through pageGray: %v", err)
	}
}

// TestDecodePNGGrayHostile: a cut file, a file past the pixel budget and an
// unknown row filter give an error, never a page read from bytes that are
// not there.
func TestDecodePNGGrayHostile(t *testing.T) {
	page := testPage(400, 560)
	data := encPNG(t, page)
	for _, cut := range []int{len(data) / 3, len(data) - 20} {
		if _, err := decodePNGGray(data[:cut], 2, 1<<30); err == nil {
			t.Errorf("cut at %d of %d bytes: decoded", cut, len(data))
		}
	}
	if _, err := decodePNGGray(data, 2, 400*560-1); err == nil {
		t.Error("over the pixel budget: decoded")
	}
	// Every row with filter type 9, which does not exist.
	raw := make([]byte, 0, 560*401)
	for range 560 {
		raw = append(raw, 9)
		raw = append(raw, page.Pix[:400]...)
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw)
	zw.Close()
	// The signature and IHDR of the good file, then the bad rows.
	bad := append(bytes.Clone(data[:8+25]), pngChunk("IDAT", z.Bytes())...)
	bad = append(bad, pngChunk("IEND", nil)...)
	if _, err := decodePNGGray(bad, 2, 1<<30); err == nil {
		t.Error("unknown filter: decoded")
	}
	// Good rows behind a zlib header that is not PNG's: another method,
	// or a preset dictionary (the rows are inflated without compress/zlib,
	// which checks these).
	for i := range raw {
		if i%401 == 0 {
			raw[i] = 0
		}
	}
	z.Reset()
	zw = zlib.NewWriter(&z)
	zw.Write(raw)
	zw.Close()
	for _, hdr := range [][2]byte{{0x77, 0x09}, {0x78, 0xBB}} {
		stream := append(hdr[:], z.Bytes()[2:]...)
		bad := append(bytes.Clone(data[:8+25]), pngChunk("IDAT", stream)...)
		bad = append(bad, pngChunk("IEND", nil)...)
		if _, err := decodePNGGray(bad, 2, 1<<30); err == nil {
			t.Errorf("zlib header %x: decoded", hdr)
		}
	}
	good := append(bytes.Clone(data[:8+25]), pngChunk("IDAT", z.Bytes())...)
	if _, err := decodePNGGray(append(good, pngChunk("IEND", nil)...), 2, 1<<30); err != nil {
		t.Errorf("the same rows behind a good header: %v", err)
	}
}

func pngChunk(typ string, body []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	out = append(out, typ...)
	out = append(out, body...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[4:]))
}

// TestDecodeJPEGLumaSkip: the skip path (symbols not kept passed several
// a lookup) gives the very pixels that decoding every symbol one by one
// gives, at every scale, for the JPEGs scanners write and a noisy page
// (long blocks, runs of zeros), and the same verdict on corrupted data.
func TestDecodeJPEGLumaSkip(t *testing.T) {
	page := testPage(613, 827)
	r := rand.New(rand.NewPCG(5, 6))
	noisy := image.NewRGBA(page.Rect)
	for i, v := range page.Pix {
		n := int(v) + r.IntN(61) - 30
		noisy.Pix[4*i], noisy.Pix[4*i+1], noisy.Pix[4*i+2], noisy.Pix[4*i+3] = uint8(max(0, min(255, n))), v, uint8(r.IntN(256)), 255
	}
	var fine bytes.Buffer
	jpeg.Encode(&fine, noisy, &jpeg.Options{Quality: 100})
	cases := append(scannerJPEGs(t, page, noisy), namedJPEG{"noisy colour, quality 100", fine.Bytes()})
	same := func(name string, data []byte, n int) {
		t.Helper()
		a, errA := decodeJPEGLumaSkipping(data, n, 1<<30, true)
		b, errB := decodeJPEGLumaSkipping(data, n, 1<<30, false)
		switch {
		case (errA == nil) != (errB == nil):
			t.Errorf("%s %d/8: skipping: %v, one by one: %v", name, n, errA, errB)
		case errA == nil && (a.Rect != b.Rect || !bytes.Equal(a.Pix, b.Pix)):
			t.Errorf("%s %d/8: the skip path gives other pixels (mean difference %.3f)", name, n, meanDiff(t, a, b))
		}
	}
	for _, tc := range cases {
		for n := 1; n <= 8; n++ {
			same(tc.name, tc.data, n)
		}
	}
	data := cases[1].data // colour 4:2:0
	sos := bytes.Index(data, []byte{0xFF, 0xDA})
	for i := range 200 {
		bad := bytes.Clone(data)
		for range 1 + r.IntN(4) {
			bad[sos+14+r.IntN(len(bad)-sos-16)] = byte(r.IntN(256))
		}
		same(fmt.Sprint("corrupted ", i), bad, 2+r.IntN(3))
	}
}

// TestPutSmallBlock: the inverse DCT at the scales pages are read at
// (even and odd halves) writes the very pixels of the product-by-product
// one, for blocks from flat to full of the largest coefficients a
// baseline JPEG holds, whole and clipped at the page's edges.
func TestPutSmallBlock(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for n := 2; n <= 4; n++ {
		tab := &idctTab[n]
		for i := range 3000 {
			var coef [64]int32
			var rows uint8
			for k := range n * n {
				if r.IntN(3) == 0 {
					continue
				}
				lim := int32(2047 * 255) // the largest quantized value, dequantized
				if i%2 == 0 {
					lim = 600 // a scan's usual range
				}
				coef[k] = r.Int32N(2*lim+1) - lim
				if coef[k] != 0 && k != 0 {
					rows |= 1 << (k / n)
				}
			}
			rows |= 1
			// The page: 2n+1 pixels square, the block whole or cut.
			x0, y0 := r.IntN(2)*n+r.IntN(2)*(n/2+1), r.IntN(2)*n+r.IntN(2)*(n/2+1)
			want, got := image.NewGray(image.Rect(0, 0, 2*n+1, 2*n+1)), image.NewGray(image.Rect(0, 0, 2*n+1, 2*n+1))
			x1, y1 := min(x0+n, 2*n+1), min(y0+n, 2*n+1)
			var tmp [64]int64
			putAnyBlock(want, x0, y0, x1, y1, n, &coef, rows, tab, &tmp)
			putSmallBlock(got, x0, y0, x1, y1, n, &coef, rows, tab)
			if !bytes.Equal(want.Pix, got.Pix) {
				t.Fatalf("n %d, block %v at (%d, %d): %v, want %v", n, coef[:n*n], x0, y0, got.Pix, want.Pix)
			}
		}
	}
}
