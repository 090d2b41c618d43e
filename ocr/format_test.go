package ocr

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// corpus is the shared folder of real scans (read in place).
const corpus = "../../shared/corpus"

func readCorpus(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpus, rel))
	if err != nil {
		t.Fatalf("real scans missing (run `bash .ci/test` from the project root): %v", err)
	}
	return b
}

func tinyPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func tinyJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngWithHeader forges a PNG that claims w×h pixels: a decompression bomb
// as a decoder would first see it.
func pngWithHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, body []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(body)))
		b.WriteString(typ)
		b.Write(body)
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(body)
		binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// tiffPages forges a little-endian TIFF with n IFDs chained, each claiming
// w×h, with one strip at offset 8 of length stripLen.
func tiffPages(n int, w, h uint32, stripLen uint32, loop bool) []byte {
	var b bytes.Buffer
	b.WriteString("II*\x00")
	binary.Write(&b, binary.LittleEndian, uint32(16))
	b.Write(make([]byte, 8)) // strip data at 8..16
	for i := 0; i < n; i++ {
		off := uint32(b.Len())
		entries := [][3]uint32{{256, 4, w}, {257, 4, h}, {273, 4, 8}, {279, 4, stripLen}}
		binary.Write(&b, binary.LittleEndian, uint16(len(entries)))
		for _, e := range entries {
			binary.Write(&b, binary.LittleEndian, uint16(e[0]))
			binary.Write(&b, binary.LittleEndian, uint16(e[1]))
			binary.Write(&b, binary.LittleEndian, uint32(1))
			binary.Write(&b, binary.LittleEndian, e[2])
		}
		next := uint32(0)
		if i < n-1 {
			next = off + 2 + uint32(len(entries))*12 + 4
		}
		if loop && i == n-1 {
			next = 16
		}
		binary.Write(&b, binary.LittleEndian, next)
	}
	return b.Bytes()
}

func TestInspect(t *testing.T) {
	ctx := context.Background()
	png := tinyPNG(t, 40, 30)
	jpg := tinyJPEG(t, 40, 30)
	tif := readCorpus(t, "vietocr/vietsample.tif")
	pdf := readCorpus(t, "ocrmypdf/cardinal.pdf")
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
		{"real png", readCorpus(t, "ocrmypdf/linn.png"), Limits{}, "png", 1, nil},
		{"text file", []byte("Xin chào, đây không phải ảnh\n"), Limits{}, "", 0, ErrNotImage},
		{"empty", nil, Limits{}, "", 0, ErrNotImage},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), Limits{}, "", 0, ErrUnsupported},
		{"png cut short", png[:len(png)-20], Limits{}, "", 0, ErrTruncated},
		{"jpeg cut short", jpg[:len(jpg)/2], Limits{}, "", 0, ErrTruncated},
		{"tiff cut short", tif[:len(tif)/2], Limits{}, "", 0, ErrTruncated},
		{"pdf cut short", pdf[:len(pdf)/2], Limits{}, "", 0, ErrTruncated},
		{"png bomb", pngWithHeader(100_000, 100_000), Limits{}, "", 0, ErrTooLarge},
		{"png over a small limit", png, Limits{MaxPixels: 100}, "", 0, ErrTooLarge},
		{"tiff bomb", tiffPages(1, 200_000, 200_000, 8, false), Limits{}, "", 0, ErrTooLarge},
		{"tiff too many pages", tiffPages(30, 10, 10, 8, false), Limits{MaxPages: 20}, "", 0, ErrTooManyPage},
		{"tiff page loop", tiffPages(3, 10, 10, 8, true), Limits{}, "", 0, ErrCorrupt},
		{"tiff strip past the end", tiffPages(1, 10, 10, 1<<20, false), Limits{}, "", 0, ErrTruncated},
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
		info, err := inspectImage(readCorpus(t, tc.file), Limits{})
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
	f.Add(tinyPNG(f, 4, 3))
	f.Add(tinyJPEG(f, 4, 3))
	f.Add(pngWithHeader(5, 5))
	f.Add(tiffPages(2, 10, 10, 8, false))
	f.Add(tiffPages(3, 10, 10, 8, true))
	for _, rel := range []string{"tesseract/viet.tif", "tesseract/phototestrot.tif"} {
		if b, err := os.ReadFile(filepath.Join(corpus, rel)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if sniff(data) == "pdf" {
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
