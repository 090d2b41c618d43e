package pdf

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/draw"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/pdf/pdftest"
)

// pdftotext returns the text layer in reading order.
func TestTextLayerPdftotext(t *testing.T) {
	dir := t.TempDir()
	path := assembleFile(t, dir, testPages(t, 2), PDFA2B)
	out := pdftest.Text(t, path, "-f", "1", "-l", "1")
	got := strings.Fields(out)
	want := strings.Fields(strings.Join(sampleLines, " "))
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("pdftotext:\n got %q\nwant %q", got, want)
	}
	// Line breaks where the page has them.
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var nonEmpty []string
	for _, l := range lines {
		if s := strings.TrimSpace(l); s != "" && s != "\f" {
			nonEmpty = append(nonEmpty, s)
		}
	}
	if strings.Join(nonEmpty, "\n") != strings.Join(sampleLines, "\n") {
		t.Errorf("pdftotext lines:\n%s", out)
	}
}

type bboxDoc struct {
	Pages []struct {
		Width  float64 `xml:"width,attr"`
		Height float64 `xml:"height,attr"`
		Words  []struct {
			XMin float64 `xml:"xMin,attr"`
			YMin float64 `xml:"yMin,attr"`
			XMax float64 `xml:"xMax,attr"`
			YMax float64 `xml:"yMax,attr"`
			Text string  `xml:",chardata"`
		} `xml:"word"`
	} `xml:"body>doc>page"`
}

// pdftotext -bbox puts each word within 2 pt of its box: horizontally of the
// word's own box, vertically of its line's box (the text layer uses one font
// size per line, as Tesseract does, so that readers keep lines whole).
func TestTextLayerBBox(t *testing.T) {
	dir := t.TempDir()
	for _, dpi := range []float64{150, 300} {
		t.Run(fmt.Sprint(dpi), func(t *testing.T) {
			img, res := renderPage(t, sampleLines, int(8.27*dpi), int(11.69*dpi), dpi)
			path := filepath.Join(dir, fmt.Sprintf("bbox-%v.pdf", dpi))
			var b bytes.Buffer
			if err := assemble(t.Context(), &b, slicePages{{Image: encodeJPEG(t, img, false), Result: res}}, AssembleOptions{Metadata: testMeta}); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(path, b.Bytes(), 0o644)
			out := pdftest.Text(t, path, "-bbox")
			var doc bboxDoc
			// pdftotext writes XHTML with a DOCTYPE; the decoder copes in non-strict mode.
			dec := xml.NewDecoder(strings.NewReader(out))
			dec.Strict = false
			if err := dec.Decode(&doc); err != nil {
				t.Fatalf("parse pdftotext -bbox: %v", err)
			}
			var words []ocr.Word
			var lineOf []ocr.Box
			for _, l := range res.Lines {
				for _, w := range l.Words {
					words = append(words, w)
					lineOf = append(lineOf, l.Box)
				}
			}
			got := doc.Pages[0].Words
			if len(got) != len(words) {
				t.Fatalf("pdftotext found %d words, want %d", len(got), len(words))
			}
			k := 72 / dpi
			worst := 0.0
			for i, w := range words {
				g := got[i]
				if g.Text != w.Text {
					t.Errorf("word %d: %q, want %q", i, g.Text, w.Text)
				}
				d := []float64{
					g.XMin - float64(w.Box.X0)*k, g.XMax - float64(w.Box.X1)*k,
					g.YMin - float64(lineOf[i].Y0)*k, g.YMax - float64(lineOf[i].Y1)*k,
				}
				for _, v := range d {
					worst = max(worst, math.Abs(v))
				}
				if math.Abs(d[0]) > 2 || math.Abs(d[1]) > 2 || math.Abs(d[2]) > 2 || math.Abs(d[3]) > 2 {
					t.Errorf("word %q at [%.1f %.1f %.1f %.1f], box [%.1f %.1f %.1f %.1f] (line y)", w.Text, g.XMin, g.YMin, g.XMax, g.YMax,
						float64(w.Box.X0)*k, float64(lineOf[i].Y0)*k, float64(w.Box.X1)*k, float64(lineOf[i].Y1)*k)
				}
			}
			t.Logf("%v dpi: worst deviation %.2f pt", dpi, worst)
		})
	}
}

// A page rendered at the scan's dpi matches the source image.
func TestRenderMatchesSource(t *testing.T) {
	dir := t.TempDir()
	const dpi = 150
	img, res := renderPage(t, sampleLines, 1240, 1754, dpi)
	gray := image.NewGray(img.Bounds())
	draw.Draw(gray, gray.Bounds(), img, image.Point{}, draw.Src)
	for _, tc := range []struct {
		name  string
		img   ocr.Image
		limit float64 // mean absolute difference, 0-255
	}{
		{"jpeg-color", encodeJPEG(t, img, false), 2},
		{"jpeg-gray", encodeJPEG(t, img, true), 2},
		{"flate-gray", encodeFlateGray(t, img), 0.5},
		{"g4", encodeG4(t, img), 2}, // thresholding anti-aliased edges
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".pdf")
			var b bytes.Buffer
			if err := assemble(t.Context(), &b, slicePages{{Image: tc.img, Result: res}}, AssembleOptions{Conformance: PDFA1B, Metadata: testMeta}); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(path, b.Bytes(), 0o644)
			rendered := pdftest.Render(t, path, dpi)
			if rendered.Bounds().Size() != gray.Bounds().Size() {
				t.Fatalf("rendered %v, source %v: page size is not 100%% scale", rendered.Bounds().Size(), gray.Bounds().Size())
			}
			var sum float64
			for y := 0; y < gray.Rect.Dy(); y++ {
				for x := 0; x < gray.Rect.Dx(); x++ {
					r, _, _, _ := rendered.At(x, y).RGBA()
					sum += math.Abs(float64(r>>8) - float64(gray.GrayAt(x, y).Y))
				}
			}
			mad := sum / float64(gray.Rect.Dx()*gray.Rect.Dy())
			t.Logf("mean abs difference %.3f", mad)
			if mad > tc.limit {
				t.Errorf("rendered page differs from the source: mean abs difference %.2f > %.2f", mad, tc.limit)
			}
		})
	}
}
