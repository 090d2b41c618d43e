package pdf

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/sohoa/sohoa/ocr/jpegopt"
)

// optimizeJPEG is lossless: the optimized file decodes to the same pixels,
// for Go's encoder and for libjpeg's with restart markers and other
// sampling factors.
func TestOptimizeJPEGLossless(t *testing.T) {
	img, _ := renderPage(t, sampleLines, 1240, 900, 150)
	dir := t.TempDir()
	pngPath := filepath.Join(dir, "p.png")
	f, _ := os.Create(pngPath)
	png.Encode(f, img)
	f.Close()
	cases := map[string][]byte{
		"go-color": encodeJPEG(t, img, false).Data,
		"go-gray":  encodeJPEG(t, img, true).Data,
	}
	for name, args := range map[string][]string{
		"im-444-restart":  {"-quality", "80", "-sampling-factor", "1x1", "-define", "jpeg:restart-interval=3"},
		"im-422":          {"-quality", "60", "-sampling-factor", "2x1"},
		"im-gray-restart": {"-colorspace", "gray", "-quality", "90", "-define", "jpeg:restart-interval=1"},
	} {
		out := filepath.Join(dir, name+".jpg")
		if b, err := exec.Command("convert", append(append([]string{pngPath}, args...), out)...).CombinedOutput(); err != nil {
			t.Fatalf("convert: %v\n%s", err, b)
		}
		cases[name], _ = os.ReadFile(out)
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			opt, err := jpegopt.Rewrite(src)
			if err != nil {
				t.Fatalf("rewriteJPEG: %v", err)
			}
			a, err := jpeg.Decode(bytes.NewReader(src))
			if err != nil {
				t.Fatal(err)
			}
			b, err := jpeg.Decode(bytes.NewReader(opt))
			if err != nil {
				t.Fatalf("optimized JPEG does not decode: %v", err)
			}
			if !samePixels(a, b) {
				t.Fatal("optimized JPEG decodes to other pixels")
			}
			if !jpegopt.Optimized(opt) || !bytes.Equal(jpegopt.Optimize(opt), opt) {
				t.Error("a rewritten JPEG is not recognized as optimized")
			}
			t.Logf("%d -> %d bytes (%.1f%%)", len(src), len(opt), 100*float64(len(opt))/float64(len(src)))
		})
	}
	// Progressive JPEGs pass through unchanged.
	prog := filepath.Join(dir, "prog.jpg")
	exec.Command("convert", pngPath, "-interlace", "JPEG", prog).Run()
	if b, _ := os.ReadFile(prog); !bytes.Equal(jpegopt.Optimize(b), b) {
		t.Error("progressive JPEG was changed")
	}
	if b := []byte("\xff\xd8garbage"); !bytes.Equal(jpegopt.Optimize(b), b) {
		t.Error("damaged JPEG was changed")
	}
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 {
				return false
			}
		}
	}
	return true
}

func BenchmarkOptimizeJPEG(b *testing.B) {
	_, page := densePage(b, 300)
	b.SetBytes(int64(len(page.Image.Data)))
	for i := 0; i < b.N; i++ {
		jpegopt.Optimize(page.Image.Data)
	}
}
