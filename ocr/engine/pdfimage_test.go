package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/ccitt"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/ocrtest"
	"github.com/sohoa/sohoa/pdf"
)

// TestPDFPageImageChoice checks which PDF pages are taken as their one
// image and which are rendered.
func TestPDFPageImageChoice(t *testing.T) {
	tests := []struct {
		file string
		page int
		want bool
	}{
		{"ocrmypdf/c02-22.pdf", 1, true},        // one JPEG over the page
		{"ocrmypdf/cardinal.pdf", 1, true},      // one JBIG2 over the page
		{"ocrmypdf/cardinal.pdf", 2, false},     // image turned by the page matrix
		{"ocrmypdf/skew.pdf", 1, false},         // skewed by the page matrix
		{"ocrmypdf/rotated_skew.pdf", 1, false}, // /Rotate
		{"vietocr/vietsample1.pdf", 1, false},   // born-digital text
	}
	for _, tc := range tests {
		path := filepath.Join(ocrtest.Corpus(t), tc.file)
		data, ppi, ok, err := pdfPageImage(context.Background(), path, tc.page, listed(t, path, tc.page))
		if err != nil {
			t.Errorf("%s page %d: %v", tc.file, tc.page, err)
			continue
		}
		if ok != tc.want {
			t.Errorf("%s page %d: taken as image %v, want %v", tc.file, tc.page, ok, tc.want)
		}
		if ok && (len(data) == 0 || ppi <= 0) {
			t.Errorf("%s page %d: %d bytes at %v ppi", tc.file, tc.page, len(data), ppi)
		}
	}
}

// TestPDFOfJPEG checks that a JPEG wrapped in an image-only PDF reads as
// the JPEG itself does, and that an untouched page keeps the JPEG's pixels.
func TestPDFOfJPEG(t *testing.T) {
	clean, err := os.ReadFile(filepath.Join("..", "..", "testdata", "corpus", "02-clean-300-color.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		data    []byte
		dpi     float64
		upright bool // no turn or deskew expected: the JPEG must be kept
	}{
		{"phototest-200-grey", renderedJPEG(t), 200, false},
		{"02-clean-300-color", clean, 300, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "p.jpg"), tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			pdfPath := filepath.Join(dir, "p.pdf")
			if err := writeImagePDF(pdfPath, []truthPage{{Image: "p.jpg", DPI: tc.dpi, dir: dir}}); err != nil {
				t.Fatal(err)
			}
			pdfData, err := os.ReadFile(pdfPath)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			direct, directImg, err := sharedPool().Recognize(ctx, ocr.Input{Name: "p.jpg", Data: tc.data, DPI: tc.dpi})
			if err != nil {
				t.Fatal(err)
			}
			res, img, err := sharedPool().Recognize(ctx, ocr.Input{Name: "p.pdf", Data: pdfData, Page: 1})
			if err != nil {
				t.Fatal(err)
			}
			if res.Text != direct.Text {
				t.Errorf("PDF text differs from the JPEG's:\n%s\n--- JPEG:\n%s", res.Text, direct.Text)
			}
			if res.DPI != tc.dpi || !res.DPIKnown {
				t.Errorf("dpi %v known %v, want %v known", res.DPI, res.DPIKnown, tc.dpi)
			}
			if res.Orientation != direct.Orientation || res.Skew != direct.Skew {
				t.Errorf("PDF page turned %d° skew %.3f, JPEG %d° %.3f", res.Orientation, res.Skew, direct.Orientation, direct.Skew)
			}
			if !samePixels(t, img.Data, directImg.Data) {
				t.Errorf("page image differs from the JPEG's page image")
			}
			untouched := res.Orientation == 0 && res.Skew == 0
			if tc.upright && !untouched {
				t.Fatalf("page turned %d° skew %.3f, want upright", res.Orientation, res.Skew)
			}
			if untouched && (img.Encoding != ocr.JPEG || !samePixels(t, img.Data, tc.data)) {
				t.Errorf("page image (%s) does not keep the JPEG's pixels", img.Encoding)
			}
		})
	}
}

// TestPDFOfBitonalImage checks that a 1-bit image taken out of a PDF keeps
// black text on white.
func TestPDFOfBitonalImage(t *testing.T) {
	res, img := recognizeCorpus(t, "ocrmypdf/cardinal.pdf", 1)
	if f := whiteFraction(t, img); f < 0.8 || f > 0.999 {
		t.Errorf("white fraction %.3f: polarity or content wrong", f)
	}
	if res.DPI != 300 || img.Width != 2550 || img.Height != 3300 {
		t.Errorf("%v dpi, %dx%d", res.DPI, img.Width, img.Height)
	}
}

// TestPDFOfG4Image checks that a CCITT G4 page (as pdf.Assemble writes
// one: BlackIs1 false) taken out of a PDF keeps black text on white.
func TestPDFOfG4Image(t *testing.T) {
	p := phototestPix(t)
	w, h := p.width(), p.height()
	g4, err := p.g4()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	err = pdf.WriteImagePage(&buf, w, h, 300, fmt.Sprintf("/ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns %d /Rows %d /BlackIs1 false >>", w, h), g4)
	if err != nil {
		t.Fatal(err)
	}

	path := filepath.Join(t.TempDir(), "g4.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := pdfPageImage(context.Background(), path, 1, listed(t, path, 1)); err != nil || !ok {
		t.Fatalf("G4 page not taken as its image: %v", err)
	}
	res, img, err := sharedPool().Recognize(context.Background(), ocr.Input{Name: "g4.pdf", Data: buf.Bytes(), Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	if f := whiteFraction(t, img); f < 0.8 || f > 0.999 {
		t.Errorf("white fraction %.3f: polarity or content wrong", f)
	}
	if !strings.Contains(res.Text, "The quick brown dog jumped over the") || res.Orientation != 0 {
		t.Errorf("orientation %d, text:\n%s", res.Orientation, res.Text)
	}
}

// whiteFraction decodes a G4 page image and returns its share of white
// (0 bits are black: BlackIs1 false).
func whiteFraction(t *testing.T, img ocr.Image) float64 {
	t.Helper()
	if img.Encoding != ocr.G4 || img.Mode != ocr.Bitonal {
		t.Fatalf("image %s %s", img.Encoding, img.Mode)
	}
	r := ccitt.NewReader(bytes.NewReader(img.Data), ccitt.MSB, ccitt.Group4, img.Width, img.Height, &ccitt.Options{})
	raw, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("G4 data does not decode: %v", err)
	}
	ones := 0
	for _, b := range raw {
		for ; b != 0; b &= b - 1 {
			ones++
		}
	}
	return float64(ones) / float64(len(raw)*8)
}

// listed is ListPDFImages for one page, failing the test on error.
func listed(t *testing.T, path string, page int) []ocr.PDFImage {
	t.Helper()
	images, err := ocr.ListPDFImages(context.Background(), path, page, page)
	if err != nil {
		t.Fatalf("pdfimages -list %s: %v", path, err)
	}
	return images
}
