package pdf

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ocr/jpegopt"
	"github.com/sohoa/sohoa/pdf/pdftest"
)

// densePage is an A4 page full of Vietnamese text at dpi.
func densePage(t testing.TB, dpi float64) (*image.RGBA, Page) {
	var lines []string
	for i := 0; i < int(dpi*9.5/(14*dpi/72*1.8)); i++ {
		lines = append(lines, sampleLines[i%len(sampleLines)])
	}
	img, res := renderPage(t, lines, int(8.27*dpi), int(11.69*dpi), dpi)
	return img, Page{Image: encodeJPEG(t, img, false), Result: res}
}

// cpuTime is the user+system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAssembleSign100 assembles and signs a 100-page document
// (A4, 300 dpi colour JPEG pages, OCR excluded). Target: under 2 s.
// "optimized" re-codes the JPEGs with optimal Huffman tables (the default),
// "keep" embeds them byte for byte, "pre-optimized" gets pages already
// re-coded where they were encoded (jpegopt.Optimize in the OCR workers).
// cpu-s/doc is immune to other load.
//
//	go test ./pdf -run '^$' -bench AssembleSign100 -benchtime 3x
func BenchmarkAssembleSign100(b *testing.B) {
	_, page := densePage(b, 300)
	s := newTestPKI(b, nil).signer(b)
	dir := b.TempDir()
	pre := page
	pre.Image.Data = jpegopt.Optimize(page.Image.Data)
	for _, v := range []struct {
		name string
		keep bool
		page Page
	}{{"optimized", false, page}, {"keep", true, page}, {"pre-optimized", false, pre}} {
		keep, page := v.keep, v.page
		b.Run(v.name, func(b *testing.B) {
			var size int64
			cpu0 := cpuTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				path := filepath.Join(dir, fmt.Sprintf("%d.pdf", i))
				f, err := os.Create(path)
				if err != nil {
					b.Fatal(err)
				}
				if err := Assemble(context.Background(), f, freshPages{100, page}, AssembleOptions{Metadata: testMeta, KeepJPEGCoding: keep}); err != nil {
					b.Fatal(err)
				}
				if err := s.Sign(context.Background(), f); err != nil {
					b.Fatal(err)
				}
				st, _ := f.Stat()
				size = st.Size()
				f.Close()
				os.Remove(path)
			}
			b.ReportMetric(float64(size)/100, "B/page")
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/doc")
			b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/doc")
		})
	}
}

// renderMAD renders page 1 of pdf at dpi and returns its mean absolute
// grey difference to src.
func renderMAD(t testing.TB, path string, dpi float64, src *image.Gray) float64 {
	img := pdftest.Render(t, path, dpi)
	var sum float64
	w, h := min(img.Bounds().Dx(), src.Rect.Dx()), min(img.Bounds().Dy(), src.Rect.Dy())
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, _, _, _ := img.At(x, y).RGBA()
			sum += math.Abs(float64(r>>8) - float64(src.GrayAt(x, y).Y))
		}
	}
	return sum / float64(w*h)
}

// BenchmarkBytesPerPageVsOCRmyPDF compares output size and rendering
// fidelity with `ocrmypdf --output-type pdfa-2 -l vie` on the same pages:
// the same JPEG (quality 75) for both, and a lossless PNG for OCRmyPDF.
//
//	go test ./pdf -run '^$' -bench VsOCRmyPDF -benchtime 1x
func BenchmarkBytesPerPageVsOCRmyPDF(b *testing.B) {
	const dpi = 300
	img, page := densePage(b, dpi)
	gray := image.NewGray(img.Bounds())
	draw.Draw(gray, gray.Bounds(), img, image.Point{}, draw.Src)
	dir := b.TempDir()
	jpg, pngPath := filepath.Join(dir, "page.jpg"), filepath.Join(dir, "page.png")
	os.WriteFile(jpg, page.Image.Data, 0o644)
	pf, _ := os.Create(pngPath)
	png.Encode(pf, img)
	pf.Close()

	ours := filepath.Join(dir, "ours.pdf")
	var buf bytes.Buffer
	if err := Assemble(context.Background(), &buf, slicePages{page}, AssembleOptions{Metadata: testMeta}); err != nil {
		b.Fatal(err)
	}
	os.WriteFile(ours, buf.Bytes(), 0o644)
	oursSize := float64(buf.Len())
	oursMAD := renderMAD(b, ours, dpi, gray)

	peer := func(in string) (float64, float64, time.Duration) {
		out := in + ".ocrmypdf.pdf"
		start := time.Now()
		cmd := exec.Command("ocrmypdf", "--output-type", "pdfa-2", "-l", "vie", "--image-dpi", fmt.Sprint(dpi), "-q", in, out)
		if o, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("ocrmypdf: %v\n%s", err, o)
		}
		el := time.Since(start)
		st, err := os.Stat(out)
		if err != nil {
			b.Fatal(err)
		}
		return float64(st.Size()), renderMAD(b, out, dpi, gray), el
	}
	jSize, jMAD, jTime := peer(jpg)
	pSize, pMAD, _ := peer(pngPath)
	b.ReportMetric(oursSize, "ours-B/page")
	b.ReportMetric(jSize, "ocrmypdf-jpeg-B/page")
	b.ReportMetric(pSize, "ocrmypdf-png-B/page")
	b.ReportMetric(oursSize/jSize, "ratio-vs-jpeg")
	b.ReportMetric(oursSize/pSize, "ratio-vs-png")
	b.ReportMetric(oursMAD, "ours-MAD")
	b.ReportMetric(jMAD, "ocrmypdf-jpeg-MAD")
	b.ReportMetric(pMAD, "ocrmypdf-png-MAD")
	b.Logf("ocrmypdf took %v on one page (JPEG input)", jTime)

	// OCRmyPDF (through Ghostscript) re-encodes the JPEG. At similar visual
	// quality: the lowest JPEG quality whose rendering is still at least as
	// close to the source as OCRmyPDF's.
	bestQ, bestSize := 0, 0
	for q := 75; q >= 30; q -= 5 {
		var jb bytes.Buffer
		if err := jpeg.Encode(&jb, img, &jpeg.Options{Quality: q}); err != nil {
			b.Fatal(err)
		}
		p := page
		p.Image.Data = jb.Bytes()
		buf.Reset()
		if err := Assemble(context.Background(), &buf, slicePages{p}, AssembleOptions{Metadata: testMeta}); err != nil {
			b.Fatal(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("q%d.pdf", q))
		os.WriteFile(path, buf.Bytes(), 0o644)
		mad := renderMAD(b, path, dpi, gray)
		b.Logf("ours at JPEG quality %d: %d B/page, MAD %.3f", q, buf.Len(), mad)
		if mad > jMAD {
			break
		}
		bestQ, bestSize = q, buf.Len()
	}
	if bestQ > 0 {
		b.ReportMetric(float64(bestQ), "matched-quality")
		b.ReportMetric(float64(bestSize), "ours-matched-B/page")
		b.ReportMetric(float64(bestSize)/jSize, "ratio-matched-vs-jpeg")
	}
}
