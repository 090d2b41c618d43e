package stack

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
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
	var grey, col bytes.Buffer
	jpeg.Encode(&grey, page, &jpeg.Options{Quality: 85})
	jpeg.Encode(&col, rgb, &jpeg.Options{Quality: 85})
	src := encPNG(t, rgb)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"grey", grey.Bytes()},
		{"colour 4:2:0", col.Bytes()},
		{"colour 4:4:4", magick(t, src, ".jpg", "-sampling-factor", "1x1", "-quality", "90")},
		{"colour 4:2:2", magick(t, src, ".jpg", "-sampling-factor", "2x1", "-quality", "75")},
		{"restart markers", magick(t, src, ".jpg", "-define", "jpeg:restart-interval=3", "-quality", "80")},
		{"grey from ImageMagick", magick(t, src, ".jpg", "-colorspace", "Gray", "-quality", "95")},
	} {
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
	prog := magick(t, src, ".jpg", "-interlace", "JPEG")
	if _, err := decodeJPEGLuma(prog, 4, 1<<30); !errors.Is(err, errJPEGUnsupported) {
		t.Errorf("progressive JPEG: %v, want errJPEGUnsupported", err)
	}
	g, factor, _, err := pageGray(prog, "jpeg", 1<<30)
	if err != nil || factor != 1 || g.Rect.Dx() != 613 {
		t.Errorf("progressive JPEG through pageGray: %v, factor %d, %v", err, factor, g.Rect)
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
}

func pngChunk(typ string, body []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	out = append(out, typ...)
	out = append(out, body...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[4:]))
}
