package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
	"github.com/sohoa/sohoa/ocr"
)

// TestPhotoPage: a phone photo of a page on a table (desk preset: tilted,
// curled, light falling off, a shadow, a 72-dpi file) is found, flattened
// and read; the PDF's image is the sheet alone, its corners paper rather
// than table. A clean scan of the same preset is left as it is.
func TestPhotoPage(t *testing.T) {
	dir := t.TempDir()
	// Desk pages come clean, lowres, photo... in turn: p0003 is a photo.
	sohoatest.Generate(t, dir, "-seed", "5", "-preset", "desk", "-n", "3")
	for _, tc := range []struct {
		page  string
		photo bool
	}{{"p0003", true}, {"p0001", false}} {
		t.Run(tc.page, func(t *testing.T) {
			var tp truthPage
			b, err := os.ReadFile(filepath.Join(dir, tc.page+".json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &tp); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(filepath.Join(dir, tp.Image))
			if err != nil {
				t.Fatal(err)
			}
			res, img, err := sharedPool().Recognize(context.Background(), ocr.Input{Name: tp.Image, Data: data, Page: 1})
			if err != nil {
				t.Fatal(err)
			}
			cer := ocr.CER(res.Text, tp.Text)
			t.Logf("photo %v size %dx%d dpi %.0f conf %.1f review %v CER %.2f%%", res.Photo, res.Width, res.Height, res.DPI, res.Confidence, res.NeedsReview, 100*cer)
			if res.Photo != tc.photo {
				t.Errorf("photo %v, want %v", res.Photo, tc.photo)
			}
			if cer > 0.03 {
				t.Errorf("CER %.2f%%, want <= 3%%", 100*cer)
			}
			if !tc.photo {
				return
			}
			if img.Encoding != ocr.JPEG {
				t.Fatalf("page image %s, want JPEG", img.Encoding)
			}
			pg, err := jpeg.Decode(bytes.NewReader(img.Data))
			if err != nil {
				t.Fatal(err)
			}
			// Each corner of the page (2% in) is paper: white after the
			// light was evened out, where the photo showed the table.
			r := pg.Bounds()
			dx, dy := r.Dx()/50, r.Dy()/50
			for _, c := range []image.Point{{dx, dy}, {r.Dx() - dx, dy}, {r.Dx() - dx, r.Dy() - dy}, {dx, r.Dy() - dy}} {
				if l := meanLuma(pg, image.Rect(c.X-dx/2, c.Y-dy/2, c.X+dx/2, c.Y+dy/2)); l < 200 {
					t.Errorf("corner near %v has luminance %.0f, want paper (>= 200)", c, l)
				}
			}
		})
	}
}

func meanLuma(img image.Image, r image.Rectangle) float64 {
	sum, n := 0.0, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			sum += (0.299*float64(cr) + 0.587*float64(cg) + 0.114*float64(cb)) / 257
			n++
		}
	}
	return sum / float64(max(1, n))
}
