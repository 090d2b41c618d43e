package web

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"io"
	"net/http"
	"strconv"

	"github.com/disintegration/imaging"
	"golang.org/x/image/ccitt"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/storage/index"
)

// Hits on the scan: GET /v1/results/{code}/pages/{n}/image?w=&q= is the
// page image of a result (the corrected scan the PDF holds), scaled to w
// pixels wide (a thumbnail, or reading size), with the words matching q
// boxed from the stored OCR word boxes. Images and boxes are drawn here,
// in pure Go (disintegration/imaging scales), so the browser needs no
// PDF viewer to show where a hit is.

// Bounds on one page image: the width asked for, and the stored image
// decoded (a scan at 600 dpi A3 is 7000 x 10000).
const (
	minScanWidth   = 64
	maxScanWidth   = 1600
	maxScanPixels  = 120 << 20
	maxPageRecord  = 64 << 20
	maxQueryLength = 512
)

// scanRecord is what the image needs of a page's stored OCR result.
type scanRecord struct {
	Width  int        `json:"width"`
	Height int        `json:"height"`
	Lines  []ocr.Line `json:"lines"`
	Image  ocr.Image  `json:"image"`
}

// boxColour outlines matched words; boxFill is the page's <mark> yellow.
var (
	boxColour = color.NRGBA{0xd9, 0x48, 0x00, 0xff}
	boxFill   = color.NRGBA{0xff, 0xe0, 0x66, 0xff}
)

func (s *Server) getPageImage(w http.ResponseWriter, r *http.Request) {
	res := s.loadResult(w, r)
	if res == nil {
		return
	}
	width, ok := scanWidth(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	if len(q.Get("q")) > maxQueryLength {
		apiError(w, http.StatusBadRequest, "câu tìm kiếm quá dài", "the query is too long")
		return
	}
	query, err := index.Parse(q.Get("q"))
	if err != nil {
		query = nil // the image is still worth showing, without boxes
	}
	b, err := s.cfg.Records.Batch(r.Context(), res.BatchID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > len(b.Pages) || b.Pages[n-1].ImageKey == "" || b.Pages[n-1].ResultKey == "" {
		apiError(w, http.StatusNotFound, "không có trang này", "no such page")
		return
	}
	s.writeScan(w, r, b.Pages[n-1].ImageKey, b.Pages[n-1].ResultKey, width, query)
}

// scanWidth reads ?w=, the width a page image is asked at (240 when
// absent); a bad one is answered 400 and ok is false.
func scanWidth(w http.ResponseWriter, r *http.Request) (width int, ok bool) {
	v := r.URL.Query().Get("w")
	if v == "" {
		return 240, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < minScanWidth || n > maxScanWidth {
		apiError(w, http.StatusBadRequest, fmt.Sprintf("w phải là số từ %d đến %d", minScanWidth, maxScanWidth),
			fmt.Sprintf("w must be a number from %d to %d", minScanWidth, maxScanWidth))
		return 0, false
	}
	return n, true
}

// writeScan answers the page image stored at imageKey (described by the
// page record at resultKey) as a JPEG width pixels wide, with the words
// matching query boxed when query is not nil.
func (s *Server) writeScan(w http.ResponseWriter, r *http.Request, imageKey, resultKey string, width int, query index.Node) {
	rec, err := s.pageRecord(r, resultKey)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	img, err := s.pageImage(r, imageKey, rec)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := imaging.Resize(img, width, 0, imaging.Linear)
	if query != nil {
		drawBoxes(out, rec, query, float64(width)/float64(rec.Image.Width))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: 82}); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "private, max-age=300")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}

func (s *Server) pageRecord(r *http.Request, key string) (*scanRecord, error) {
	rc, _, err := s.cfg.Blobs.Get(r.Context(), key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var rec scanRecord
	if err := json.NewDecoder(io.LimitReader(rc, maxPageRecord)).Decode(&rec); err != nil {
		return nil, fmt.Errorf("page record %s: %w", key, err)
	}
	im := rec.Image
	if im.Width < 1 || im.Height < 1 || int64(im.Width)*int64(im.Height) > maxScanPixels {
		return nil, fmt.Errorf("page record %s: image %dx%d out of bounds", key, im.Width, im.Height)
	}
	return &rec, nil
}

// pageImage decodes the stored corrected image (see ocr.Image).
func (s *Server) pageImage(r *http.Request, key string, rec *scanRecord) (image.Image, error) {
	rc, _, err := s.cfg.Blobs.Get(r.Context(), key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	im := rec.Image
	body := io.LimitReader(rc, maxScanPixels*3)
	switch im.Encoding {
	case ocr.JPEG:
		return jpeg.Decode(body)
	case ocr.G4:
		dst := image.NewGray(image.Rect(0, 0, im.Width, im.Height))
		err := ccitt.DecodeIntoGray(dst, body, ccitt.MSB, ccitt.Group4, &ccitt.Options{})
		return dst, err
	case ocr.Flate:
		zr, err := zlib.NewReader(body)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		return decodeSamples(zr, im)
	}
	return nil, fmt.Errorf("page image %s: unknown encoding %q", key, im.Encoding)
}

// decodeSamples reads raw samples: 8-bit grey or RGB, or 1-bit (0 black).
func decodeSamples(r io.Reader, im ocr.Image) (image.Image, error) {
	rect := image.Rect(0, 0, im.Width, im.Height)
	switch {
	case im.Mode == ocr.Color && im.BitsPerComponent == 8:
		row := make([]byte, 3*im.Width)
		dst := image.NewNRGBA(rect)
		for y := range im.Height {
			if _, err := io.ReadFull(r, row); err != nil {
				return nil, err
			}
			for x := range im.Width {
				o := dst.PixOffset(x, y)
				copy(dst.Pix[o:o+3], row[3*x:3*x+3])
				dst.Pix[o+3] = 0xff
			}
		}
		return dst, nil
	case im.BitsPerComponent == 8:
		dst := image.NewGray(rect)
		_, err := io.ReadFull(r, dst.Pix)
		return dst, err
	case im.BitsPerComponent == 1:
		row := make([]byte, (im.Width+7)/8)
		dst := image.NewGray(rect)
		for y := range im.Height {
			if _, err := io.ReadFull(r, row); err != nil {
				return nil, err
			}
			for x := range im.Width {
				if row[x/8]&(0x80>>(x%8)) != 0 {
					dst.Pix[y*dst.Stride+x] = 0xff
				}
			}
		}
		return dst, nil
	}
	return nil, fmt.Errorf("unsupported samples: %s, %d bits", im.Mode, im.BitsPerComponent)
}

// drawBoxes boxes, on img (the page scaled by scale), the OCR words
// matching query: a translucent yellow fill and an outline.
func drawBoxes(img *image.NRGBA, rec *scanRecord, query index.Node, scale float64) {
	var words []string
	var boxes []ocr.Box
	for _, l := range rec.Lines {
		for _, wd := range l.Words {
			words = append(words, wd.Text)
			boxes = append(boxes, wd.Box)
		}
	}
	thick := max(1, int(scale*6+0.5))
	for i, hit := range index.MatchWords(query, words) {
		if !hit {
			continue
		}
		b := boxes[i]
		pad := thick + 1
		rect := image.Rect(int(float64(b.X0)*scale)-pad, int(float64(b.Y0)*scale)-pad,
			int(float64(b.X1)*scale+0.5)+pad, int(float64(b.Y1)*scale+0.5)+pad).Intersect(img.Bounds())
		if rect.Empty() {
			continue
		}
		draw.DrawMask(img, rect, image.NewUniform(boxFill), image.Point{}, image.NewUniform(color.Alpha{0x80}), image.Point{}, draw.Over)
		for _, edge := range []image.Rectangle{
			{rect.Min, image.Pt(rect.Max.X, rect.Min.Y+thick)},
			{image.Pt(rect.Min.X, rect.Max.Y-thick), rect.Max},
			{rect.Min, image.Pt(rect.Min.X+thick, rect.Max.Y)},
			{image.Pt(rect.Max.X-thick, rect.Min.Y), rect.Max},
		} {
			draw.Draw(img, edge.Intersect(rect), image.NewUniform(boxColour), image.Point{}, draw.Src)
		}
	}
}
