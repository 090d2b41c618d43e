package ocr

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"golang.org/x/image/webp"
)

// The decoders here read headers only, never pixels: they are what stands
// between untrusted bytes and the C decoders in the engine, so they check
// sizes, page counts and truncation, and must never panic (see the fuzz
// tests).

// pageInfo is what the headers say about one page.
type pageInfo struct {
	W, H     int
	DPI      float64 // 0 when the file has none (or an implausible one)
	Comps    int     // JPEG components
	Bitonal  bool
	Progress bool
}

// inspected is a checked input file.
type inspected struct {
	FileInfo
	pages []pageInfo // images only; PDF pages are checked in inspectPDF
}

// plausibleDPI keeps resolutions a scanner would write. Many programs write
// 72 or 96 dpi as a default that says nothing about the paper.
func plausibleDPI(d float64) float64 {
	if d < 100 || d > 2400 || math.IsNaN(d) {
		return 0
	}
	return math.Round(d*100) / 100
}

// limitsOrDefault fills the limits that are not positive with the
// defaults: cmp.Or(max(v, 0), d) makes 0 (unset) or below the default,
// never "no limit".
func limitsOrDefault(lim Limits) Limits {
	lim.MaxPixels = cmp.Or(max(lim.MaxPixels, 0), DefaultMaxPixels)
	lim.MaxTIFFStrips = cmp.Or(max(lim.MaxTIFFStrips, 0), DefaultMaxTIFFStrips)
	lim.MaxPages = cmp.Or(max(lim.MaxPages, 0), DefaultMaxPages)
	return lim
}

// Sniff names a file's format from its first bytes: "png", "jpeg",
// "tiff", "bigtiff", "webp", "pdf", "other-image" (GIF, BMP, JPEG 2000),
// "" when unknown.
func Sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "jpeg"
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return "tiff"
	case bytes.HasPrefix(data, []byte("II+\x00")), bytes.HasPrefix(data, []byte("MM\x00+")):
		return "bigtiff"
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "webp"
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "pdf"
	case bytes.HasPrefix(data, []byte("GIF8")), bytes.HasPrefix(data, []byte("BM")),
		bytes.HasPrefix(data, []byte("\x00\x00\x00\x0cjP  ")), bytes.HasPrefix(data, []byte{0xFF, 0x4F, 0xFF, 0x51}):
		return "other-image"
	}
	return ""
}

// EmbeddableJPEG tells whether data is a JPEG whose bytes a PDF can embed
// as they are (grey or RGB; CMYK JPEGs' polarity depends on Adobe markers).
func EmbeddableJPEG(data []byte) bool {
	if Sniff(data) != "jpeg" {
		return false
	}
	p, err := inspectJPEG(data)
	return err == nil && (p.Comps == 1 || p.Comps == 3)
}

// inspectImage checks an image file (not PDF) against lim.
func inspectImage(data []byte, lim Limits) (*inspected, error) {
	lim = limitsOrDefault(lim)
	format := Sniff(data)
	var (
		pages []pageInfo
		err   error
	)
	switch format {
	case "png":
		var p pageInfo
		p, err = inspectPNG(data)
		pages = []pageInfo{p}
	case "jpeg":
		var p pageInfo
		p, err = inspectJPEG(data)
		pages = []pageInfo{p}
	case "tiff":
		pages, err = inspectTIFF(data, lim.MaxPages, lim.MaxTIFFStrips)
	case "webp":
		var p pageInfo
		p, err = inspectWebP(data)
		pages = []pageInfo{p}
	case "bigtiff", "other-image":
		return nil, ErrUnsupported
	case "":
		return nil, ErrNotImage
	default:
		return nil, ErrUnsupported
	}
	if err != nil {
		return nil, err
	}
	var total int64
	for i, p := range pages {
		if p.W <= 0 || p.H <= 0 {
			return nil, ErrCorrupt.With(fmt.Sprintf("page %d has no size", i+1))
		}
		px := int64(p.W) * int64(p.H)
		if px > lim.MaxPixels {
			return nil, ErrTooLarge.With(fmt.Sprintf("page %d: %d×%d pixels, limit %d", i+1, p.W, p.H, lim.MaxPixels))
		}
		total += px
	}
	return &inspected{FileInfo: FileInfo{Format: format, Pages: len(pages), Pixels: total}, pages: pages}, nil
}

func inspectPNG(data []byte) (pageInfo, error) {
	var p pageInfo
	pos, sawIHDR := 8, false
	for {
		if pos+8 > len(data) {
			return p, ErrTruncated
		}
		n := int(binary.BigEndian.Uint32(data[pos:]))
		typ := string(data[pos+4 : pos+8])
		if n < 0 || n > len(data) || pos+12+n > len(data) {
			return p, ErrTruncated
		}
		body := data[pos+8 : pos+8+n]
		switch typ {
		case "IHDR":
			if n < 13 || sawIHDR {
				return p, ErrCorrupt
			}
			sawIHDR = true
			w, h := binary.BigEndian.Uint32(body), binary.BigEndian.Uint32(body[4:])
			if w > 1<<24 || h > 1<<24 {
				return p, ErrTooLarge.With(fmt.Sprintf("%d×%d pixels", w, h))
			}
			p.W, p.H = int(w), int(h)
			p.Bitonal = body[8] == 1 && (body[9] == 0 || body[9] == 3)
		case "pHYs":
			if n >= 9 && body[8] == 1 {
				p.DPI = plausibleDPI(float64(binary.BigEndian.Uint32(body)) * 0.0254)
			}
		case "IEND":
			if !sawIHDR {
				return p, ErrCorrupt
			}
			return p, nil
		}
		if !sawIHDR {
			return p, ErrCorrupt
		}
		pos += 12 + n
	}
}

func inspectJPEG(data []byte) (pageInfo, error) {
	var p pageInfo
	pos := 2
	for {
		// Markers may be padded with 0xFF fill bytes.
		for pos < len(data) && data[pos] == 0xFF && pos+1 < len(data) && data[pos+1] == 0xFF {
			pos++
		}
		if pos+2 > len(data) {
			return p, ErrTruncated
		}
		if data[pos] != 0xFF {
			return p, ErrCorrupt
		}
		m := data[pos+1]
		pos += 2
		if m == 0x01 || (m >= 0xD0 && m <= 0xD7) {
			continue
		}
		if m == 0xD9 {
			return p, ErrCorrupt.With("no image data")
		}
		if pos+2 > len(data) {
			return p, ErrTruncated
		}
		n := int(binary.BigEndian.Uint16(data[pos:]))
		if n < 2 {
			return p, ErrCorrupt
		}
		if pos+n > len(data) {
			return p, ErrTruncated
		}
		seg := data[pos+2 : pos+n]
		switch {
		case m == 0xE0 && len(seg) >= 12 && string(seg[:5]) == "JFIF\x00" && p.DPI == 0:
			x := float64(binary.BigEndian.Uint16(seg[8:]))
			switch seg[7] {
			case 1:
				p.DPI = plausibleDPI(x)
			case 2:
				p.DPI = plausibleDPI(x * 2.54)
			}
		case m == 0xE1 && len(seg) > 14 && string(seg[:6]) == "Exif\x00\x00":
			if d := exifDPI(seg[6:]); d > 0 {
				p.DPI = d
			}
		case m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC:
			if len(seg) < 6 {
				return p, ErrCorrupt
			}
			p.H = int(binary.BigEndian.Uint16(seg[1:]))
			p.W = int(binary.BigEndian.Uint16(seg[3:]))
			p.Comps = int(seg[5])
			p.Progress = m == 0xC2 || m == 0xC6 || m == 0xCA || m == 0xCE
			if p.Comps != 1 && p.Comps != 3 && p.Comps != 4 {
				return p, ErrCorrupt
			}
		case m == 0xDA:
			if p.W == 0 {
				return p, ErrCorrupt.With("no frame header")
			}
			// The entropy-coded data runs to the end marker: a file cut
			// short has none.
			end := bytes.TrimRight(data[pos+n:], "\x00\r\n ")
			if !bytes.HasSuffix(end, []byte{0xFF, 0xD9}) && bytes.LastIndex(data[len(data)-min(len(data), 4096):], []byte{0xFF, 0xD9}) < 0 {
				return p, ErrTruncated
			}
			return p, nil
		}
		pos += n
	}
}

// exifDPI reads XResolution from an EXIF TIFF block.
func exifDPI(b []byte) float64 {
	bo, first, ok := tiffHeader(b)
	if !ok {
		return 0
	}
	t := tiffReader{b: b, bo: bo}
	entries, _, ok := t.ifd(first)
	if !ok {
		return 0
	}
	return t.dpi(entries)
}

func inspectWebP(data []byte) (pageInfo, error) {
	var p pageInfo
	if n := int64(binary.LittleEndian.Uint32(data[4:8])) + 8; n > int64(len(data)) {
		return p, ErrTruncated
	}
	cfg, err := webp.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return p, ErrCorrupt.With(err.Error())
	}
	p.W, p.H = cfg.Width, cfg.Height
	return p, nil
}

// --- TIFF: walk the IFD chain ourselves, to count pages and check that
// every strip lies inside the file.

type tiffReader struct {
	b  []byte
	bo binary.ByteOrder
}

type tiffEntry struct {
	tag, typ uint16
	count    uint32
	raw      []byte // the 4 value bytes of the entry
}

func tiffHeader(b []byte) (binary.ByteOrder, uint32, bool) {
	if len(b) < 8 {
		return nil, 0, false
	}
	var bo binary.ByteOrder
	switch string(b[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return nil, 0, false
	}
	if bo.Uint16(b[2:]) != 42 {
		return nil, 0, false
	}
	return bo, bo.Uint32(b[4:]), true
}

func (t tiffReader) ifd(off uint32) ([]tiffEntry, uint32, bool) {
	if uint64(off)+2 > uint64(len(t.b)) {
		return nil, 0, false
	}
	n := int(t.bo.Uint16(t.b[off:]))
	end := uint64(off) + 2 + uint64(n)*12
	if end+4 > uint64(len(t.b)) {
		return nil, 0, false
	}
	es := make([]tiffEntry, n)
	for i := range es {
		e := t.b[int(off)+2+12*i:]
		es[i] = tiffEntry{tag: t.bo.Uint16(e), typ: t.bo.Uint16(e[2:]), count: t.bo.Uint32(e[4:]), raw: e[8:12]}
	}
	return es, t.bo.Uint32(t.b[end:]), true
}

func typeSize(typ uint16) int {
	switch typ {
	case 1, 2, 6, 7:
		return 1
	case 3, 8:
		return 2
	case 4, 9, 11:
		return 4
	case 5, 10, 12:
		return 8
	}
	return 0
}

// values returns the integer values of an entry (BYTE, SHORT or LONG), at
// most limit of them.
func (t tiffReader) values(e tiffEntry, limit int) ([]uint64, bool) {
	sz := typeSize(e.typ)
	if sz == 0 || sz > 4 || e.count == 0 || int64(e.count) > int64(limit) {
		return nil, false
	}
	total := int(e.count) * sz
	var b []byte
	if total <= 4 {
		b = e.raw[:total]
	} else {
		off := uint64(t.bo.Uint32(e.raw))
		if off+uint64(total) > uint64(len(t.b)) {
			return nil, false
		}
		b = t.b[off : off+uint64(total)]
	}
	out := make([]uint64, e.count)
	for i := range out {
		switch sz {
		case 1:
			out[i] = uint64(b[i])
		case 2:
			out[i] = uint64(t.bo.Uint16(b[2*i:]))
		case 4:
			out[i] = uint64(t.bo.Uint32(b[4*i:]))
		}
	}
	return out, true
}

func (t tiffReader) rational(e tiffEntry) float64 {
	if e.typ != 5 || e.count < 1 {
		return 0
	}
	off := uint64(t.bo.Uint32(e.raw))
	if off+8 > uint64(len(t.b)) {
		return 0
	}
	num, den := t.bo.Uint32(t.b[off:]), t.bo.Uint32(t.b[off+4:])
	if den == 0 {
		return 0
	}
	return float64(num) / float64(den)
}

func (t tiffReader) dpi(es []tiffEntry) float64 {
	var x float64
	unit := uint64(2) // inches is the TIFF default
	for _, e := range es {
		switch e.tag {
		case 282:
			x = t.rational(e)
		case 296:
			if v, ok := t.values(e, 1); ok {
				unit = v[0]
			}
		}
	}
	switch unit {
	case 2:
		return plausibleDPI(x)
	case 3:
		return plausibleDPI(x * 2.54)
	}
	return 0
}

// inspectTIFF reads the pages of a TIFF file, at most maxPages, and at most
// maxStrips strip and tile entries over the whole file (Limits.MaxTIFFStrips).
func inspectTIFF(data []byte, maxPages, maxStrips int) ([]pageInfo, error) {
	bo, off, ok := tiffHeader(data)
	if !ok {
		return nil, ErrCorrupt
	}
	t := tiffReader{b: data, bo: bo}
	seen := map[uint32]bool{}
	var pages []pageInfo
	// Strip and tile entries are checked one by one, so their number over
	// the whole file is what inspection costs: a budget for the file, not
	// per page (2,000 pages of a million entries each would be 2 billion).
	strips := maxStrips
	for off != 0 {
		if seen[off] {
			return nil, ErrCorrupt.With("page list loops")
		}
		seen[off] = true
		if len(pages) >= maxPages {
			return nil, ErrTooManyPage.With(fmt.Sprintf("limit %d", maxPages))
		}
		es, next, ok := t.ifd(off)
		if !ok {
			return nil, ErrTruncated
		}
		var p pageInfo
		var offsets, counts []uint64
		bps, spp := uint64(1), uint64(1)
		for _, e := range es {
			switch e.tag {
			case 256, 257:
				v, ok := t.values(e, 1)
				if !ok {
					return nil, ErrCorrupt
				}
				if v[0] > 1<<24 {
					return nil, ErrTooLarge.With(fmt.Sprintf("page %d: %d pixels wide or high", len(pages)+1, v[0]))
				}
				if e.tag == 256 {
					p.W = int(v[0])
				} else {
					p.H = int(v[0])
				}
			case 258:
				if v, ok := t.values(e, 16); ok {
					bps = v[0]
				}
			case 277:
				if v, ok := t.values(e, 1); ok {
					spp = v[0]
				}
			case 273, 324, 279, 325:
				if int64(e.count) > int64(strips) {
					return nil, ErrTooLarge.With(fmt.Sprintf("page %d: more than %d strips or tiles in the file", len(pages)+1, maxStrips))
				}
				v, ok := t.values(e, strips)
				if !ok {
					return nil, ErrTruncated
				}
				strips -= len(v)
				if e.tag == 273 || e.tag == 324 {
					offsets = v
				} else {
					counts = v
				}
			}
		}
		p.DPI = t.dpi(es)
		p.Bitonal = bps == 1 && spp == 1
		if len(offsets) == 0 {
			return nil, ErrCorrupt.With(fmt.Sprintf("page %d has no image data", len(pages)+1))
		}
		for i, o := range offsets {
			if i < len(counts) && o+counts[i] > uint64(len(data)) {
				return nil, ErrTruncated
			}
			if o >= uint64(len(data)) {
				return nil, ErrTruncated
			}
		}
		pages = append(pages, p)
		off = next
	}
	if len(pages) == 0 {
		return nil, ErrCorrupt
	}
	return pages, nil
}

// --- PDF: poppler reads it (in its own process), we check what it says.

// pdfPage is what poppler says about one PDF page.
type pdfPage struct {
	WPt, HPt float64 // page size in points, after /Rotate
	PPI      float64 // resolution of its largest image; 0 when none
}

// inspectPDF checks a PDF and returns its pages (first..last, 1-based;
// last 0 means all).
func inspectPDF(ctx context.Context, data []byte, lim Limits, first, last int) (int, map[int]pdfPage, error) {
	if !pdfTailOK(data[len(data)-min(len(data), 2048):]) {
		return 0, nil, ErrTruncated
	}
	f, err := os.CreateTemp("", "sohoa-inspect-*.pdf")
	if err != nil {
		return 0, nil, err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return 0, nil, err
	}
	if err := f.Close(); err != nil {
		return 0, nil, err
	}
	return inspectPDFFile(ctx, f.Name(), lim, first, last)
}

// pdfTailOK reports whether the last bytes of a PDF hold its end marker: a
// file cut short has none.
func pdfTailOK(tail []byte) bool { return bytes.Contains(tail, []byte("%%EOF")) }

// inspectPDFFile is inspectPDF for a PDF already on disk at path (whose
// tail the caller checked).
func inspectPDFFile(ctx context.Context, path string, lim Limits, first, last int) (int, map[int]pdfPage, error) {
	lim = limitsOrDefault(lim)
	var stderr bytes.Buffer
	cmd := PopplerCommand(ctx, "pdfinfo", path)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
		if strings.Contains(stderr.String(), "password") || strings.Contains(stderr.String(), "ncrypt") {
			return 0, nil, ErrEncrypted
		}
		return 0, nil, ErrCorrupt.With(strings.TrimSpace(stderr.String()))
	}
	n := 0
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "Pages:"); ok {
			n, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	if n <= 0 {
		return 0, nil, ErrCorrupt.With("no pages")
	}
	if n > lim.MaxPages {
		return 0, nil, ErrTooManyPage.With(fmt.Sprintf("%d pages, limit %d", n, lim.MaxPages))
	}
	if last == 0 || last > n {
		last = n
	}
	if first < 1 {
		first = 1
	}
	if first > n {
		return n, nil, ErrNoSuchPage.With(fmt.Sprintf("page %d of %d", first, n))
	}
	fl := []string{"-f", strconv.Itoa(first), "-l", strconv.Itoa(last)}
	sizes, err := PopplerCommand(ctx, "pdfinfo", append(fl, path)...).Output()
	if err != nil {
		return n, nil, ErrCorrupt.With("page sizes")
	}
	pages := map[int]pdfPage{}
	for _, l := range strings.Split(string(sizes), "\n") {
		// "Page    1 size:  612 x 792 pts (letter)" and "Page    1 rot:   90"
		fs := strings.Fields(l)
		if len(fs) < 4 || fs[0] != "Page" {
			continue
		}
		i, err := strconv.Atoi(fs[1])
		if err != nil {
			continue
		}
		p := pages[i]
		switch fs[2] {
		case "size:":
			if len(fs) >= 6 {
				p.WPt, _ = strconv.ParseFloat(fs[3], 64)
				p.HPt, _ = strconv.ParseFloat(fs[5], 64)
			}
		case "rot:":
			if r, _ := strconv.Atoi(fs[3]); r%180 != 0 {
				p.WPt, p.HPt = p.HPt, p.WPt
			}
		}
		pages[i] = p
	}
	images, err := ListPDFImages(ctx, path, first, last)
	if err != nil {
		return n, nil, ErrCorrupt.With("image list")
	}
	best := map[int]int{}
	for _, im := range images {
		i, ppi := im.Page, im.XPPI
		if im.Type != "image" || ppi <= 0 || im.Width*im.Height <= best[i] {
			continue
		}
		best[i] = im.Width * im.Height
		p := pages[i]
		p.PPI = ppi
		pages[i] = p
	}
	for i := first; i <= last; i++ {
		p := pages[i]
		px, ppi := p.pixels()
		if px > float64(lim.MaxPixels) {
			return n, nil, ErrTooLarge.With(fmt.Sprintf("page %d: %.0f pixels at %.0f dpi, limit %d", i, px, ppi, lim.MaxPixels))
		}
	}
	return n, pages, nil
}

// pixels is what the engine will render the page to: its size at the
// resolution of its largest image, 300 dpi when it has none.
func (p pdfPage) pixels() (px, ppi float64) {
	ppi = p.PPI
	if ppi <= 0 {
		ppi = 300
	}
	return (p.WPt / 72 * ppi) * (p.HPt / 72 * ppi), ppi
}

// PDFImage is one row of poppler's `pdfimages -list`: one image (or mask)
// drawn on a page.
type PDFImage struct {
	Page, Width, Height int
	Type                string // "image", "smask", "stencil"...
	Color               string // "gray", "rgb", "cmyk"...
	Components, BPC     int
	Encoding            string  // "jpeg", "ccitt", "image"...
	XPPI, YPPI          float64 // 0 when pdfimages printed none
}

// ListPDFImages lists the images drawn on pages first..last of the PDF at
// path, as poppler's pdfimages sees them.
func ListPDFImages(ctx context.Context, path string, first, last int) ([]PDFImage, error) {
	out, err := PopplerCommand(ctx, "pdfimages", "-list",
		"-f", strconv.Itoa(first), "-l", strconv.Itoa(last), path).Output()
	if err != nil {
		return nil, err
	}
	var images []PDFImage
	for _, line := range strings.Split(string(out), "\n") {
		// page num type width height color comp bpc enc interp object ID x-ppi y-ppi size ratio
		f := strings.Fields(line)
		if len(f) < 14 {
			continue
		}
		page, err := strconv.Atoi(f[0])
		if err != nil {
			continue // the header
		}
		im := PDFImage{Page: page, Type: f[2], Color: f[5], Encoding: f[8]}
		im.Width, _ = strconv.Atoi(f[3])
		im.Height, _ = strconv.Atoi(f[4])
		im.Components, _ = strconv.Atoi(f[6])
		im.BPC, _ = strconv.Atoi(f[7])
		im.XPPI, _ = strconv.ParseFloat(f[12], 64)
		im.YPPI, _ = strconv.ParseFloat(f[13], 64)
		images = append(images, im)
	}
	return images, nil
}
