package main

// The stack preset: what a desk's sheet-fed scanner gives at the end of a
// day, many dossiers in one run. Each dossier is its separator sheet (the
// page `sohoa separator` prints), its receipt (Giấy tiếp nhận hồ sơ, with
// the dossier code in a QR code and as "Mã hồ sơ: …" text), and one to
// four more pages; all pages of a dossier went through the scanner alike
// (200 or 300 dpi, bitonal or colour, skewed up to ±15°, a quarter turned
// over). stack.json gives the pages in scan order and each dossier's.

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"os"
	"path/filepath"

	"github.com/disintegration/imaging"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/sohoa/sohoa/ingest/stack"
)

// stackStream keeps the stack preset's per-dossier choices apart from the
// per-page streams.
const stackStream = 1 << 22

// stackSpecs is n dossiers (50 when n is 0) in scan order.
func stackSpecs(n int, seed uint64) []pageSpec {
	if n <= 0 {
		n = 50
	}
	var specs []pageSpec
	seen := map[string]bool{}
	for d := range n {
		r := pageRand(seed, streamSpec, stackStream+d)
		tg := textGen{pageRand(seed, streamText, stackStream+d)}
		var code string
		for code == "" || seen[code] {
			day := date{tg.between(1, 28), tg.between(1, 11), 2026}
			code = tg.dossier(tg.region(), day, r.IntN(2) == 0).Code
		}
		seen[code] = true
		scan := pageSpec{DPI: pick(r, 200, 300), Mode: pick(r, "bitonal", "color"), Code: code,
			Skew: math.Round((r.Float64()*30-15)*100) / 100}
		if scan.Mode == "color" {
			scan.JPEG = 80 + r.IntN(11)
		}
		if r.IntN(4) == 0 {
			scan.Orientation = 180
		}
		add := func(sp pageSpec) {
			sp.Name = fmt.Sprintf("p%04d", len(specs)+1)
			specs = append(specs, sp)
		}
		sep := scan
		sep.Kind, sep.Mark = "separator", "separator"
		add(sep)
		rec := scan
		rec.Kind, rec.Mark = "tiepnhan", "receipt"
		add(rec)
		for range 1 + r.IntN(4) {
			body := scan
			body.Kind = pick(r, "don", "tokhai", "uyquyen", "biennhan")
			add(body)
		}
	}
	return specs
}

// stackTruth is stack.json.
type stackTruth struct {
	Pages    []string       `json:"pages"` // image files in scan order
	Dossiers []stackDossier `json:"dossiers"`
}

type stackDossier struct {
	Code      string   `json:"code"`
	Separator string   `json:"separator"` // its sheet: dropped by the split
	Pages     []string `json:"pages"`     // the dossier's pages, receipt first
}

func writeStackTruth(out string, specs []pageSpec) error {
	st := stackTruth{Pages: []string{}, Dossiers: []stackDossier{}}
	for _, sp := range specs {
		name := sp.Name + ".png"
		if sp.JPEG > 0 && sp.Mode != "bitonal" {
			name = sp.Name + ".jpg"
		}
		st.Pages = append(st.Pages, name)
		if sp.Mark == "separator" {
			st.Dossiers = append(st.Dossiers, stackDossier{Code: sp.Code, Separator: name, Pages: []string{}})
			continue
		}
		d := &st.Dossiers[len(st.Dossiers)-1]
		d.Pages = append(d.Pages, name)
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "stack.json"), append(data, '\n'), 0o644)
}

// drawSeparator puts the separator sheet of code, as sohoa prints it (A4
// at 300 dpi), on img at its resolution.
func drawSeparator(img *image.RGBA, code string) error {
	sheet, _, err := stack.Sheet{Code: code, Title: "Hồ sơ " + code}.Render()
	if err != nil {
		return err
	}
	var src image.Image = sheet
	if b := img.Bounds(); b.Size() != sheet.Rect.Size() {
		src = imaging.Resize(sheet, b.Dx(), b.Dy(), imaging.Box)
	}
	// Toner is black on the page's paper: darken, never lighten.
	draw.DrawMask(img, img.Bounds(), image.NewUniform(color.Black), image.Point{}, inverted{src}, image.Point{}, draw.Over)
	return nil
}

// inverted is an image's darkness as an alpha mask.
type inverted struct{ image.Image }

func (inverted) ColorModel() color.Model { return color.AlphaModel }
func (m inverted) At(x, y int) color.Color {
	g := color.GrayModel.Convert(m.Image.At(x, y)).(color.Gray)
	return color.Alpha{255 - g.Y}
}

// drawReceiptQR draws the receipt's QR code of code, 25 mm wide, at the
// top right of box, and returns the box left below it for the text.
func drawReceiptQR(img *image.RGBA, box image.Rectangle, dpi float64, code string, ink color.Color) (image.Rectangle, error) {
	m, err := qrcode.NewQRCodeWriter().Encode(code, gozxing.BarcodeFormat_QR_CODE, 0, 0,
		map[gozxing.EncodeHintType]any{gozxing.EncodeHintType_ERROR_CORRECTION: "M", gozxing.EncodeHintType_MARGIN: 0})
	if err != nil {
		return box, err
	}
	mod := max(2, int(math.Round(25/25.4*dpi))/m.GetWidth())
	x0, y0 := box.Max.X-mod*m.GetWidth(), box.Min.Y
	u := image.NewUniform(ink)
	for y := range m.GetHeight() {
		for x := range m.GetWidth() {
			if m.Get(x, y) {
				draw.Draw(img, image.Rect(x0+x*mod, y0+y*mod, x0+(x+1)*mod, y0+(y+1)*mod), u, image.Point{}, draw.Src)
			}
		}
	}
	box.Min.Y += mod*m.GetHeight() + int(4/25.4*dpi)
	return box, nil
}
