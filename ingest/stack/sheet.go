package stack

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	"image/draw"
	"io"
	"os"
	"strings"
	"unicode"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/norm"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/pdf"
)

// SheetDPI is the resolution the separator sheet is drawn at: printers
// print it 1:1, and its smallest detail (a QR module) is 30 pixels.
const SheetDPI = 300

// Sheet is a separator sheet to print.
type Sheet struct {
	Code  string // dossier code; must pass dossier.ParseCode
	Title string // optional: the dossier's title, printed under the code
	// FontFile is a TrueType/OpenType font with Vietnamese letters for the
	// title and the instruction; "" looks in the usual places (DejaVu,
	// Noto, Arial on Windows). Without one, the text is printed without
	// its marks and Sheet.Render reports it.
	FontFile string
}

// Instruction is the line that tells the operator what to do with the sheet.
const Instruction = "Đặt tờ này lên trên cùng hồ sơ trước khi quét. Không dùng lại cho hồ sơ khác."

// systemFonts are fonts with Vietnamese letters found on the machines
// stations and servers run (Debian, Windows, macOS).
var systemFonts = []string{
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
	"/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
	`C:\Windows\Fonts\arial.ttf`,
	"/System/Library/Fonts/Supplemental/Arial.ttf",
	"/Library/Fonts/Arial.ttf",
}

// Render draws the sheet: A4 at SheetDPI, bitonal. folded is true when no
// font with Vietnamese letters was found and the text lost its marks.
func (s Sheet) Render() (img *image.Gray, folded bool, err error) {
	if _, err := dossier.ParseCode(s.Code); err != nil {
		return nil, false, err
	}
	const w, h = 2480, 3508 // A4 at 300 dpi
	img = image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)

	// The QR code: error correction H (30% may be lost to a staple, a
	// fold or a punch hole), 9 cm wide, centred in the upper half.
	m, err := qrcode.NewQRCodeWriter().Encode(SeparatorPayload(s.Code), gozxing.BarcodeFormat_QR_CODE, 0, 0,
		map[gozxing.EncodeHintType]any{gozxing.EncodeHintType_ERROR_CORRECTION: "H", gozxing.EncodeHintType_MARGIN: 0})
	if err != nil {
		return nil, false, fmt.Errorf("stack: encode QR: %w", err)
	}
	mod := 1063 / m.GetWidth()
	side := mod * m.GetWidth()
	x0, y0 := (w-side)/2, 700
	for y := range m.GetHeight() {
		for x := range m.GetWidth() {
			if m.Get(x, y) {
				draw.Draw(img, image.Rect(x0+x*mod, y0+y*mod, x0+(x+1)*mod, y0+(y+1)*mod), image.Black, image.Point{}, draw.Src)
			}
		}
	}

	text, err := s.textFont()
	if err != nil {
		return nil, false, err
	}
	folded = text == nil
	mono, _ := opentype.Parse(gomonobold.TTF)
	line := func(f *opentype.Font, pt float64, y int, str string) error {
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: pt, DPI: SheetDPI, Hinting: font.HintingFull})
		if err != nil {
			return err
		}
		defer face.Close()
		d := font.Drawer{Dst: img, Src: image.Black, Face: face}
		adv := d.MeasureString(str).Round()
		d.Dot = fixed.P((w-adv)/2, y)
		d.DrawString(str)
		return nil
	}
	textOr := func(s string) (*opentype.Font, string) {
		if text == nil {
			f, _ := opentype.Parse(gomonobold.TTF)
			return f, fold(s)
		}
		return text, norm.NFC.String(s)
	}

	f, str := textOr("TỜ PHÂN CÁCH HỒ SƠ")
	if err := line(f, 30, 450, str); err != nil {
		return nil, false, err
	}
	// The code in large print, for the operator and for an exception's
	// fix when the QR cannot be read.
	pt := min(40.0, 2000.0/float64(len(s.Code))/0.6*72/SheetDPI)
	if err := line(mono, pt, y0+side+330, s.Code); err != nil {
		return nil, false, err
	}
	y := y0 + side + 550
	for _, l := range wrap(s.Title, 48, 4) {
		f, str := textOr(l)
		if err := line(f, 16, y, str); err != nil {
			return nil, false, err
		}
		y += 110
	}
	f, str = textOr(Instruction)
	if err := line(f, 12, h-420, str); err != nil {
		return nil, false, err
	}
	// Re-threshold: anti-aliased glyph edges become black or white, so
	// the sheet is bitonal as a 1-bit image and prints crisp.
	for i, v := range img.Pix {
		if v < 128 {
			img.Pix[i] = 0
		} else {
			img.Pix[i] = 255
		}
	}
	return img, folded, nil
}

// textFont loads the font for Vietnamese text, or nil when none has every
// letter the sheet prints.
func (s Sheet) textFont() (*opentype.Font, error) {
	paths := systemFonts
	if s.FontFile != "" {
		paths = []string{s.FontFile}
	}
	need := norm.NFC.String("TỜ PHÂN CÁCH HỒ SƠ" + Instruction + s.Title)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			if s.FontFile != "" {
				return nil, fmt.Errorf("stack: font: %w", err)
			}
			continue
		}
		f, err := opentype.Parse(data)
		if err != nil {
			if s.FontFile != "" {
				return nil, fmt.Errorf("stack: font %s: %w", p, err)
			}
			continue
		}
		if covers(f, need) {
			return f, nil
		}
		if s.FontFile != "" {
			return nil, fmt.Errorf("stack: font %s lacks Vietnamese letters", p)
		}
	}
	return nil, nil
}

func covers(f *opentype.Font, s string) bool {
	var b sfnt.Buffer
	for _, r := range s {
		if unicode.IsSpace(r) {
			continue
		}
		if i, err := f.GlyphIndex(&b, r); err != nil || i == 0 {
			return false
		}
	}
	return true
}

// fold removes the marks of Vietnamese letters (đ becomes d) for a font
// that lacks them: readable, and better than empty boxes.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteRune('d')
		case r == 'Đ':
			b.WriteRune('D')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// wrap cuts s into at most lines lines of about width characters, the last
// one ending in "…" when s is longer.
func wrap(s string, width, lines int) []string {
	var out []string
	var cur []rune
	for _, word := range strings.Fields(s) {
		wr := []rune(word)
		if len(cur) > 0 && len(cur)+1+len(wr) > width {
			out = append(out, string(cur))
			cur = nil
		}
		if len(cur) > 0 {
			cur = append(cur, ' ')
		}
		cur = append(cur, wr...)
	}
	if len(cur) > 0 {
		out = append(out, string(cur))
	}
	if len(out) > lines {
		out = out[:lines]
		r := []rune(out[lines-1])
		out[lines-1] = string(r[:min(len(r), width-1)]) + "…"
	}
	return out
}

// WritePDF writes img (an A4 page at SheetDPI) as a one-page PDF 1.4: a
// 1-bit Flate image filling the page. The same sheet gives the same bytes.
func WritePDF(out io.Writer, img *image.Gray) error {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	rowBytes := (w + 7) / 8
	var raw bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&raw, zlib.BestCompression)
	row := make([]byte, rowBytes)
	for y := range h {
		clear(row)
		for x := range w {
			// DeviceGray 1 bit: 1 is white.
			if img.GrayAt(b.Min.X+x, b.Min.Y+y).Y >= 128 {
				row[x/8] |= 0x80 >> (x % 8)
			}
		}
		zw.Write(row)
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return pdf.WriteImagePage(out, w, h, SheetDPI, "/ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /FlateDecode", raw.Bytes())
}
