package engine

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
	"github.com/sohoa/sohoa/ocr"
)

// Benchmarks compare with peers in the same run and report ratios:
//
//	go test ./ocr/engine -run '^$' -bench . -benchtime 1x
//
// SOHOA_OCR_BENCH=DIR uses a generated corpus made with -twins (for the
// upright twins); otherwise one is generated (preset bench, 12 pages).

func benchCorpus(b *testing.B) []truthPage {
	b.Helper()
	dir := os.Getenv("SOHOA_OCR_BENCH")
	if dir == "" {
		dir = b.TempDir()
		sohoatest.Generate(b, dir, "-seed", "11", "-preset", "bench", "-n", "12", "-twins")
	}
	return loadTruth(b, dir)
}

// childCPU is the CPU time (user+system) of all reaped child processes.
func childCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runPool recognizes files on a fresh pool with n engines and returns the
// results, the wall time and the CPU time of the engines (start-up included).
func runPool(b *testing.B, files []string, n int) ([]ocr.Result, time.Duration, time.Duration) {
	b.Helper()
	cpu0, t0 := childCPU(), time.Now()
	p := ocr.NewPool(ocr.Options{Engines: n})
	texts := make([]ocr.Result, len(files))
	inParallel(len(files), n, func(i int) {
		res, _, err := recognizeFile(p, files[i], files[i])
		if err != nil {
			b.Error(err)
		}
		texts[i] = res
	})
	p.Close() // reaps the engines, so their CPU time is counted
	return texts, time.Since(t0), childCPU() - cpu0
}

// BenchmarkVsTesseract: our orientation + deskew + cleanup + OCR against a
// bare `tesseract page.png out -l vie` on the already upright, straight
// pages, in CPU time (the bound: ratio <= 1.15).
func BenchmarkVsTesseract(b *testing.B) {
	pages := benchCorpus(b)
	var files, texts []string
	for _, tp := range pages {
		up := strings.TrimSuffix(tp.path(), filepath.Ext(tp.Image)) + ".upright.png"
		if _, err := os.Stat(up); err == nil && !tp.Blank {
			files = append(files, up)
			texts = append(texts, tp.Text)
		}
	}
	if len(files) == 0 {
		b.Fatal("no upright twins: generate the corpus with -twins")
	}
	out := b.TempDir()
	b.ResetTimer()
	for range b.N {
		ours, _, ourCPU := runPool(b, files, 2)
		var tessCPU time.Duration
		var tessCER, ourCER float64
		for i, f := range files {
			base := filepath.Join(out, fmt.Sprint(i))
			cmd := exec.Command("tesseract", f, base, "-l", "vie")
			cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
			if o, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("tesseract: %v\n%s", err, o)
			}
			tessCPU += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			txt, _ := os.ReadFile(base + ".txt")
			tessCER += ocr.CER(string(txt), texts[i])
			ourCER += ocr.CER(ours[i].Text, texts[i])
		}
		n := float64(len(files))
		b.ReportMetric(ourCPU.Seconds()/n, "ours-cpu-s/page")
		b.ReportMetric(tessCPU.Seconds()/n, "tess-cpu-s/page")
		b.ReportMetric(ourCPU.Seconds()/tessCPU.Seconds(), "cpu-ratio")
		b.ReportMetric(100*ourCER/n, "ours-CER%")
		b.ReportMetric(100*tessCER/n, "tess-CER%")
	}
}

// BenchmarkThroughput: pages per second on 2 engines over the generated
// pages as scanned (turned, skewed, degraded), images read directly.
func BenchmarkThroughput(b *testing.B) {
	pages := benchCorpus(b)
	var files []string
	for _, tp := range pages {
		files = append(files, tp.path())
	}
	b.ResetTimer()
	for range b.N {
		results, wall, cpu := runPool(b, files, 2)
		var cer float64
		nText := 0
		var sparse, dense []float64
		for i, tp := range pages {
			if !tp.Blank {
				cer += ocr.CER(results[i].Text, tp.Text)
				nText++
			}
			switch {
			case tp.Kind == "sparse":
				sparse = append(sparse, results[i].CPU.Seconds())
			case !tp.Blank:
				dense = append(dense, results[i].CPU.Seconds())
			}
		}
		if len(sparse) > 0 {
			b.ReportMetric(mean(sparse), "sparse-cpu-s/page")
			b.ReportMetric(percentile(sparse, 1), "sparse-max-cpu-s")
		}
		b.ReportMetric(mean(dense), "text-cpu-s/page")
		b.ReportMetric(float64(len(files))/wall.Seconds(), "pages/s")
		b.ReportMetric(cpu.Seconds()/float64(len(files)), "cpu-s/page")
		b.ReportMetric(100*cer/float64(nText), "CER%")
	}
}

// BenchmarkVsOCRmyPDF: the same pages as one image-only PDF, through
// `ocrmypdf -l vie --deskew --rotate-pages --jobs 2` and through a pool of
// 2 engines; wall-time ratio and CER of both.
func BenchmarkVsOCRmyPDF(b *testing.B) {
	pages := benchCorpus(b)
	dir := b.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := writeImagePDF(in, pages); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(in)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		p := ocr.NewPool(ocr.Options{Engines: 2})
		ours := make([]string, len(pages))
		var wg sync.WaitGroup
		for i := range pages {
			wg.Go(func() {
				res, _, err := p.Recognize(context.Background(), ocr.Input{Name: "in.pdf", Data: data, Page: i + 1})
				if err != nil {
					b.Error(err)
				}
				ours[i] = res.Text
			})
		}
		wg.Wait()
		p.Close()
		ourWall := time.Since(t0)

		t0 = time.Now()
		side := filepath.Join(dir, "side.txt")
		cmd := exec.Command("ocrmypdf", "-l", "vie", "--deskew", "--rotate-pages", "--jobs", "2", "--force-ocr",
			"--output-type", "pdf", "--sidecar", side, in, filepath.Join(dir, "out.pdf"))
		cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
		if o, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("ocrmypdf: %v\n%s", err, o)
		}
		theirWall := time.Since(t0)
		sb, _ := os.ReadFile(side)
		theirs := strings.Split(string(sb), "\f")
		b.Logf("OCRmyPDF sidecar: %d pages for %d", len(theirs), len(pages))

		var ourCER, theirCER float64
		worse, n := 0, 0
		for i, tp := range pages {
			if tp.Blank {
				continue
			}
			n++
			oc := ocr.CER(ours[i], tp.Text)
			tc := 1.0
			if i < len(theirs) {
				tc = ocr.CER(theirs[i], tp.Text)
			}
			ourCER += oc
			theirCER += tc
			if tc > 0.1 {
				b.Logf("%s: OCRmyPDF CER %.1f%% (ours %.2f%%)", tp.Image, 100*tc, 100*oc)
			}
			if oc > tc+0.001 {
				worse++
				b.Logf("%s: our CER %.2f%% > OCRmyPDF %.2f%%", tp.Image, 100*oc, 100*tc)
			}
		}
		b.ReportMetric(float64(len(pages))/ourWall.Seconds(), "ours-pages/s")
		b.ReportMetric(float64(len(pages))/theirWall.Seconds(), "ocrmypdf-pages/s")
		b.ReportMetric(theirWall.Seconds()/ourWall.Seconds(), "speedup")
		b.ReportMetric(100*ourCER/float64(n), "ours-CER%")
		b.ReportMetric(100*theirCER/float64(n), "ocrmypdf-CER%")
		b.ReportMetric(float64(worse), "pages-worse")
	}
}

// writeImagePDF writes a minimal PDF with one page per image, at the
// image's resolution: JPEG files embedded as they are, others as Flate.
func writeImagePDF(path string, pages []truthPage) error {
	var buf bytes.Buffer
	var offs []int
	obj := func(body string, stream []byte) int {
		offs = append(offs, buf.Len())
		n := len(offs)
		fmt.Fprintf(&buf, "%d 0 obj\n%s", n, body)
		if stream != nil {
			buf.WriteString("\nstream\n")
			buf.Write(stream)
			buf.WriteString("\nendstream")
		}
		buf.WriteString("\nendobj\n")
		return n
	}
	buf.WriteString("%PDF-1.4\n")
	catalog := obj("<< /Type /Catalog /Pages 2 0 R >>", nil)
	_ = catalog
	offs = append(offs, 0) // pages tree, written last as object 2
	var kids []string
	for _, tp := range pages {
		data, err := os.ReadFile(tp.path())
		if err != nil {
			return err
		}
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			return err
		}
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		var ximg int
		if ocr.Sniff(data) == "jpeg" {
			cs := "/DeviceRGB"
			if _, ok := img.(*image.Gray); ok {
				cs = "/DeviceGray"
			}
			ximg = obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>", w, h, cs, len(data)), data)
		} else {
			var raw bytes.Buffer
			zw := zlib.NewWriter(&raw)
			grey := true
			for y := 0; y < h && grey; y += 7 {
				for x := 0; x < w; x += 7 {
					r, g, bb, _ := img.At(x, y).RGBA()
					if r != g || g != bb {
						grey = false
						break
					}
				}
			}
			row := make([]byte, 0, 3*w)
			for y := 0; y < h; y++ {
				row = row[:0]
				for x := 0; x < w; x++ {
					c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
					if grey {
						row = append(row, c.R)
					} else {
						row = append(row, c.R, c.G, c.B)
					}
				}
				zw.Write(row)
			}
			zw.Close()
			cs := "/DeviceRGB"
			if grey {
				cs = "/DeviceGray"
			}
			ximg = obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>", w, h, cs, raw.Len()), raw.Bytes())
		}
		pw, ph := float64(w)*72/tp.DPI, float64(h)*72/tp.DPI
		content := fmt.Sprintf("q %.3f 0 0 %.3f 0 0 cm /Im Do Q", pw, ph)
		c := obj(fmt.Sprintf("<< /Length %d >>", len(content)), []byte(content))
		pg := obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.3f %.3f] /Resources << /XObject << /Im %d 0 R >> >> /Contents %d 0 R >>", pw, ph, ximg, c), nil)
		kids = append(kids, fmt.Sprintf("%d 0 R", pg))
	}
	offs[1] = buf.Len()
	fmt.Fprintf(&buf, "2 0 obj\n<< /Type /Pages /Kids [%s] /Count %d >>\nendobj\n", strings.Join(kids, " "), len(kids))
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&buf, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// BenchmarkPageRSS measures an engine's peak resident memory (VmHWM) on one
// page at the per-page cap of the intake (ingest.DefaultMaxPagePixels, 40
// Mpx), against its peer in the same run: the same printed text tiled over
// an A4 page at 300 dpi (8.7 Mpx), what most desks scan. Run once:
//
//	go test ./ocr/engine -run '^$' -bench PageRSS -benchtime 1x
func BenchmarkPageRSS(b *testing.B) {
	tile, _, err := image.Decode(bytes.NewReader(renderedJPEG(b)))
	if err != nil {
		b.Fatal(err)
	}
	// page tiles the text scaled by zoom (the tile is 200 dpi), so that
	// the text has the size it has on paper at the page's resolution.
	page := func(w, h int, zoom float64) []byte {
		img := image.NewGray(image.Rect(0, 0, w, h))
		tb := tile.Bounds()
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				tx, ty := int(float64(x)/zoom)%tb.Dx(), int(float64(y)/zoom)%tb.Dy()
				img.Set(x, y, tile.At(tb.Min.X+tx, tb.Min.Y+ty))
			}
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
			b.Fatal(err)
		}
		return buf.Bytes()
	}
	peak := func(data []byte, dpi float64) (hwm int64, took time.Duration) {
		p := ocr.NewPool(ocr.Options{Engines: 1, MaxEngineRSS: 8 << 30, PageTimeout: 15 * time.Minute})
		defer p.Close()
		t0 := time.Now()
		if _, _, err := p.Recognize(context.Background(), ocr.Input{Name: "page.jpg", Data: data, DPI: dpi}); err != nil {
			b.Fatal(err)
		}
		took = time.Since(t0)
		pids := p.EnginePIDs()
		if len(pids) != 1 {
			b.Fatalf("engines %v", pids)
		}
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pids[0]))
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
				fmt.Sscanf(strings.TrimSpace(v), "%d", &hwm)
				return hwm << 10, took
			}
		}
		b.Fatal("no VmHWM")
		return 0, 0
	}
	cap40 := page(5480, 7300, 2) // 40.0 Mpx, the cap: a little over A3 at 400 dpi (4677 × 6614)
	a4 := page(2480, 3508, 1.5)  // 8.7 Mpx
	b.ResetTimer()
	for b.Loop() {
		big, tBig := peak(cap40, 400)
		small, tSmall := peak(a4, 300)
		b.ReportMetric(float64(big>>20), "MiB-40Mpx")
		b.ReportMetric(float64(small>>20), "MiB-A4")
		b.ReportMetric(float64(big)/float64(small), "rss-ratio")
		b.Logf("engine peak RSS: 40 Mpx page %d MiB in %s, A4 300 dpi page %d MiB in %s", big>>20, tBig.Round(time.Millisecond), small>>20, tSmall.Round(time.Millisecond))
	}
}
