package ocr

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sohoa/sohoa/ocr/ocrtest"
)

func TestInspect(t *testing.T) {
	ctx := context.Background()
	png := ocrtest.TinyPNG(t, 40, 30)
	jpg := ocrtest.TinyJPEG(t, 40, 30)
	tif := ocrtest.ReadCorpus(t, "vietocr/vietsample.tif")
	pdf := ocrtest.ReadCorpus(t, "ocrmypdf/cardinal.pdf")
	tests := []struct {
		name   string
		data   []byte
		lim    Limits
		format string
		pages  int
		err    error
	}{
		{"png", png, Limits{}, "png", 1, nil},
		{"jpeg", jpg, Limits{}, "jpeg", 1, nil},
		{"g4 tiff, 2 pages", tif, Limits{}, "tiff", 2, nil},
		{"pdf, 4 pages", pdf, Limits{}, "pdf", 4, nil},
		{"real png", ocrtest.ReadCorpus(t, "ocrmypdf/linn.png"), Limits{}, "png", 1, nil},
		{"text file", []byte("Xin chào, đây không phải ảnh\n"), Limits{}, "", 0, ErrNotImage},
		{"empty", nil, Limits{}, "", 0, ErrNotImage},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), Limits{}, "", 0, ErrUnsupported},
		{"png cut short", png[:len(png)-20], Limits{}, "", 0, ErrTruncated},
		{"jpeg cut short", jpg[:len(jpg)/2], Limits{}, "", 0, ErrTruncated},
		{"tiff cut short", tif[:len(tif)/2], Limits{}, "", 0, ErrTruncated},
		{"pdf cut short", pdf[:len(pdf)/2], Limits{}, "", 0, ErrTruncated},
		{"png bomb", ocrtest.PNGWithHeader(100_000, 100_000), Limits{}, "", 0, ErrTooLarge},
		{"png over a small limit", png, Limits{MaxPixels: 100}, "", 0, ErrTooLarge},
		{"tiff bomb", ocrtest.TIFFPages(1, 200_000, 200_000, 8, false), Limits{}, "", 0, ErrTooLarge},
		{"tiff too many pages", ocrtest.TIFFPages(30, 10, 10, 8, false), Limits{MaxPages: 20}, "", 0, ErrTooManyPage},
		{"tiff page loop", ocrtest.TIFFPages(3, 10, 10, 8, true), Limits{}, "", 0, ErrCorrupt},
		{"tiff strip past the end", ocrtest.TIFFPages(1, 10, 10, 1<<20, false), Limits{}, "", 0, ErrTruncated},
		{"pdf page too large", pdf, Limits{MaxPixels: 1_000_000}, "", 0, ErrTooLarge},
		{"pdf too many pages", pdf, Limits{MaxPages: 3}, "", 0, ErrTooManyPage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := Inspect(ctx, tc.name, tc.data, tc.lim)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if info.Format != tc.format || info.Pages != tc.pages {
				t.Errorf("got %+v, want %s with %d pages", info, tc.format, tc.pages)
			}
		})
	}
}

func TestInputErrorSpeaksBothLanguages(t *testing.T) {
	_, err := Inspect(context.Background(), "hoso.txt", []byte("not an image"), Limits{})
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want an InputError", err)
	}
	if ie.VI != "tệp không phải ảnh hay PDF quét" || ie.EN != "not an image or scanned PDF" {
		t.Errorf("messages: %q / %q", ie.VI, ie.EN)
	}
}

func TestDPIFromHeaders(t *testing.T) {
	tests := []struct {
		file string
		dpi  float64
	}{
		{"tesseract/phototest.tif", 200},
		{"vietocr/vietsample.tif", 300},
		{"ocrmypdf/linn.png", 0}, // says 72 dpi: a software default, not the scan's
	}
	for _, tc := range tests {
		info, err := inspectImage(ocrtest.ReadCorpus(t, tc.file), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if got := info.pages[0].DPI; got != tc.dpi {
			t.Errorf("%s: dpi %v, want %v", tc.file, got, tc.dpi)
		}
	}
}

// FuzzInspect feeds arbitrary bytes to the header decoders: they must
// answer (accept or refuse) without panicking or allocating wildly.
func FuzzInspect(f *testing.F) {
	f.Add(ocrtest.TinyPNG(f, 4, 3))
	f.Add(ocrtest.TinyJPEG(f, 4, 3))
	f.Add(ocrtest.PNGWithHeader(5, 5))
	f.Add(ocrtest.TIFFPages(2, 10, 10, 8, false))
	f.Add(ocrtest.TIFFPages(3, 10, 10, 8, true))
	for _, rel := range []string{"tesseract/viet.tif", "tesseract/phototestrot.tif"} {
		if b, err := os.ReadFile(filepath.Join(ocrtest.Corpus(f), rel)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if Sniff(data) == "pdf" {
			return // poppler reads PDFs in its own process
		}
		info, err := inspectImage(data, Limits{MaxPixels: 1 << 24, MaxPages: 50})
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error is not an InputError: %v", err)
			}
			return
		}
		for _, p := range info.pages {
			if p.W <= 0 || p.H <= 0 || int64(p.W)*int64(p.H) > 1<<24 {
				t.Fatalf("accepted page %+v", p)
			}
		}
	})
}
