package ocr

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sohoa/sohoa/ocr/ocrtest"
)

// TestInspectFile: inspecting a file on disk says what inspecting its bytes
// says, pixels included.
func TestInspectFile(t *testing.T) {
	ctx := context.Background()
	pdf := ocrtest.ReadCorpus(t, "ocrmypdf/cardinal.pdf")
	tests := []struct {
		name   string
		data   []byte
		pixels int64
	}{
		{"p.png", ocrtest.TinyPNG(t, 40, 30), 1200},
		{"p.jpg", ocrtest.TinyJPEG(t, 40, 30), 1200},
		{"p.tif", ocrtest.ReadCorpus(t, "vietocr/vietsample.tif"), 0},
		{"p.pdf", pdf, 0},
		{"cut.pdf", pdf[:len(pdf)/2], 0},
		{"bomb.png", ocrtest.PNGWithHeader(100_000, 100_000), 0},
		{"empty", nil, 0},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			if err := os.WriteFile(p, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			want, werr := Inspect(ctx, tc.name, tc.data, Limits{})
			got, err := InspectFile(ctx, tc.name, p, Limits{})
			if (werr == nil) != (err == nil) || werr != nil && werr.Error() != err.Error() {
				t.Fatalf("error %v, Inspect says %v", err, werr)
			}
			if got != want {
				t.Errorf("got %+v, Inspect says %+v", got, want)
			}
			if err == nil && (got.Pixels <= 0 || tc.pixels > 0 && got.Pixels != tc.pixels) {
				t.Errorf("pixels %d, want %d (or > 0)", got.Pixels, tc.pixels)
			}
		})
	}
}

// TestTIFFStripBudget: the strip entries inspection walks are bounded for
// the whole file. Five pages of 60,000 one-byte strips each (300,000
// entries, 2.4 MB of tables) were walked entry by entry; a million per page
// was the only bound.
func TestTIFFStripBudget(t *testing.T) {
	if _, err := Inspect(context.Background(), "one.tif", stripTIFF(1, 60_000), Limits{}); err != nil {
		t.Fatalf("one page of 60,000 strips: %v", err)
	}
	_, err := Inspect(context.Background(), "five.tif", stripTIFF(5, 60_000), Limits{})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge for 600,000 strip entries", err)
	}
}

// stripTIFF is a TIFF of pages pages, each of strips one-row strips that
// all point at the same bytes.
func stripTIFF(pages, strips int) []byte {
	le := binary.LittleEndian
	var b bytes.Buffer
	b.WriteString("II*\x00")
	binary.Write(&b, le, uint32(0)) // first IFD, patched below
	b.Write(make([]byte, 8))        // the pixels every strip points at
	next := 4
	for range pages {
		offs := b.Len()
		for range strips {
			binary.Write(&b, le, uint32(8))
		}
		counts := b.Len()
		for range strips {
			binary.Write(&b, le, uint32(1))
		}
		ifd := b.Len()
		le.PutUint32(b.Bytes()[next:], uint32(ifd))
		es := [][4]uint32{{256, 4, 1, 1}, {257, 4, 1, uint32(strips)}, {273, 4, uint32(strips), uint32(offs)}, {278, 4, 1, 1}, {279, 4, uint32(strips), uint32(counts)}}
		binary.Write(&b, le, uint16(len(es)))
		for _, e := range es {
			binary.Write(&b, le, uint16(e[0]))
			binary.Write(&b, le, uint16(e[1]))
			binary.Write(&b, le, e[2])
			binary.Write(&b, le, e[3])
		}
		next = b.Len()
		binary.Write(&b, le, uint32(0))
	}
	return b.Bytes()
}
