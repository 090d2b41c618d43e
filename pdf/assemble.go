package pdf

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/jpegopt"
)

// glyphlessTTF is Tesseract's pdf.ttf (Apache-2.0): one empty glyph, 500
// units wide, used for the invisible text layer.
//
//go:embed glyphless.ttf
var glyphlessTTF []byte

// kidsPerNode bounds each /Kids array far below PDF/A-1's 8,191-element cap.
const kidsPerNode = 1000

func (c Conformance) part() (int, error) {
	switch c {
	case "", PDFA2B:
		return 2, nil
	case PDFA1B:
		return 1, nil
	case PDFA3B:
		return 3, nil
	}
	return 0, fmt.Errorf("pdf: unknown PDF/A conformance %q (want 1b, 2b or 3b)", string(c))
}

// fixed objects written before the pages.
type docObjs struct {
	catalog, pages, info, metadata, icc, font, cidFont, fontDesc, fontFile, cidToGID, toUnicode int
	nodes                                                                                       []int // intermediate page tree nodes (only above kidsPerNode pages)
}

// Assemble writes a two-layer PDF/A (page image + invisible text) to w.
// Pages are written as they arrive; only object offsets stay in memory (and,
// for PDF/A-3b, the compressed OCR JSON that is attached at the end).
func assemble(ctx context.Context, w io.Writer, pages PageSource, opts AssembleOptions) error {
	part, err := opts.Conformance.part()
	if err != nil {
		return err
	}
	n := pages.Len()
	if n <= 0 {
		return fmt.Errorf("pdf: assemble: no pages")
	}
	m := opts.Metadata
	created := m.Created
	if created.IsZero() {
		created = time.Now()
	}
	created = created.Truncate(time.Second)

	o := newObjWriter(w, 0, 1)
	var d docObjs
	for _, p := range []*int{&d.catalog, &d.pages, &d.info, &d.metadata, &d.icc, &d.font, &d.cidFont, &d.fontDesc, &d.fontFile, &d.cidToGID, &d.toUnicode} {
		*p = o.alloc()
	}
	if n > kidsPerNode {
		for i := 0; i < (n+kidsPerNode-1)/kidsPerNode; i++ {
			d.nodes = append(d.nodes, o.alloc())
		}
	}
	if part == 1 {
		o.printf("%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n")
	} else {
		o.printf("%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n")
	}

	o.stream(d.metadata, " /Type /Metadata /Subtype /XML", buildXMP(m, part, created, n))
	o.flateStream(d.icc, " /N 3", srgbICC())
	writeGlyphlessFont(o, d)

	var ocrJSON *bytes.Buffer
	var zj *zlib.Writer
	if part == 3 {
		ocrJSON = new(bytes.Buffer)
		zj = zlib.NewWriter(ocrJSON)
		io.WriteString(zj, "[")
	}
	var jsonLen int64
	pageIDs := make([]int, n)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	prepared := preparePages(ctx, pages, n, !opts.KeepJPEGCoding)
	for i := 0; i < n; i++ {
		var pp preparedPage
		select {
		case ch := <-prepared:
			pp = <-ch
		case <-ctx.Done():
			return ctx.Err()
		}
		pg, err := pp.page, pp.err
		if err != nil {
			return fmt.Errorf("pdf: assemble: page %d: %w", i+1, err)
		}
		parent := d.pages
		if d.nodes != nil {
			parent = d.nodes[i/kidsPerNode]
		}
		id, err := writePage(o, d, parent, pg)
		if err != nil {
			return fmt.Errorf("pdf: assemble: page %d: %w", i+1, err)
		}
		pageIDs[i] = id
		if zj != nil {
			js, err := json.Marshal(pg.Result)
			if err != nil {
				return fmt.Errorf("pdf: assemble: page %d: encode OCR result: %w", i+1, err)
			}
			if i > 0 {
				zj.Write([]byte(","))
				jsonLen++
			}
			zj.Write(js)
			jsonLen += int64(len(js))
		}
		if o.err != nil {
			return fmt.Errorf("pdf: assemble: write: %w", o.err)
		}
	}

	// Page tree.
	if d.nodes == nil {
		o.obj(d.pages, fmt.Sprintf("<</Type /Pages /Count %d /Kids [%s]>>", n, refList(pageIDs)))
	} else {
		for k, id := range d.nodes {
			kids := pageIDs[k*kidsPerNode : min(n, (k+1)*kidsPerNode)]
			o.obj(id, fmt.Sprintf("<</Type /Pages /Parent %s /Count %d /Kids [%s]>>", ref(d.pages), len(kids), refList(kids)))
		}
		o.obj(d.pages, fmt.Sprintf("<</Type /Pages /Count %d /Kids [%s]>>", n, refList(d.nodes)))
	}

	var extra strings.Builder
	if zj != nil {
		io.WriteString(zj, "]")
		jsonLen++
		zj.Close()
		ef, spec := o.alloc(), o.alloc()
		o.stream(ef, fmt.Sprintf(" /Type /EmbeddedFile /Subtype /application#2Fjson /Filter /FlateDecode /Params <</Size %d /ModDate %s>>", jsonLen, pdfDate(created)), ocrJSON.Bytes())
		o.obj(spec, fmt.Sprintf("<</Type /Filespec /F (ocr.json) /UF (ocr.json) /Desc (OCR result: words and boxes per page) /AFRelationship /Data /EF <</F %s /UF %s>>>>", ref(ef), ref(ef)))
		fmt.Fprintf(&extra, " /AF [%s] /Names <</EmbeddedFiles <</Names [(ocr.json) %s]>>>>", ref(spec), ref(spec))
	}
	if m.Language != "" {
		fmt.Fprintf(&extra, " /Lang %s", pdfText(m.Language))
	}
	if m.Title != "" {
		extra.WriteString(" /ViewerPreferences <</DisplayDocTitle true>>")
	}
	o.obj(d.catalog, fmt.Sprintf("<</Type /Catalog /Pages %s /Metadata %s /OutputIntents [<</Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier (sRGB IEC61966-2.1) /RegistryName (http://www.color.org) /Info (sRGB IEC61966-2.1) /DestOutputProfile %s>>]%s>>",
		ref(d.pages), ref(d.metadata), ref(d.icc), extra.String()))

	var info strings.Builder
	if m.Title != "" {
		fmt.Fprintf(&info, " /Title %s", pdfText(m.Title))
	}
	if m.Operator != "" {
		fmt.Fprintf(&info, " /Author %s", pdfText(m.Operator))
	}
	fmt.Fprintf(&info, " /Creator (%s) /Producer (%s) /CreationDate %s /ModDate %s", producer, producer, pdfDate(created), pdfDate(created))
	o.obj(d.info, "<<"+info.String()+">>")

	h := sha256.New()
	fmt.Fprintf(h, "%s|%s|%s|%d|%d", created.Format(time.RFC3339Nano), m.DossierCode, m.Title, n, o.pos())
	id := hex.EncodeToString(h.Sum(nil)[:16])
	if err := o.xref(o.next, fmt.Sprintf("/Size %d /Root %s /Info %s /ID [<%s> <%s>]", o.next, ref(d.catalog), ref(d.info), id, id)); err != nil {
		return fmt.Errorf("pdf: assemble: write: %w", err)
	}
	return nil
}

type preparedPage struct {
	page Page
	err  error
}

// preparePages fetches pages in order and re-codes JPEGs on all cores,
// handing them back in order. At most a few pages per core are in flight,
// so memory stays bounded however long the document.
func preparePages(ctx context.Context, pages PageSource, n int, optimize bool) <-chan chan preparedPage {
	workers := runtime.GOMAXPROCS(0)
	out := make(chan chan preparedPage, workers)
	sem := make(chan struct{}, workers)
	go func() {
		defer close(out)
		for i := 0; i < n; i++ {
			ch := make(chan preparedPage, 1)
			select {
			case out <- ch:
			case <-ctx.Done():
				return
			}
			pg, err := pages.Page(ctx, i)
			if err != nil || !optimize || pg.Image.Encoding != ocr.JPEG {
				ch <- preparedPage{pg, err}
				if err != nil {
					return
				}
				continue
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				ch <- preparedPage{err: ctx.Err()}
				return
			}
			go func() {
				pg.Image.Data = jpegopt.Optimize(pg.Image.Data)
				<-sem
				ch <- preparedPage{page: pg}
			}()
		}
	}()
	return out
}

func refList(ids []int) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(ref(id))
	}
	return b.String()
}

func writeGlyphlessFont(o *objWriter, d docObjs) {
	o.obj(d.font, fmt.Sprintf("<</Type /Font /Subtype /Type0 /BaseFont /GlyphLessFont /Encoding /Identity-H /DescendantFonts [%s] /ToUnicode %s>>", ref(d.cidFont), ref(d.toUnicode)))
	o.obj(d.cidFont, fmt.Sprintf("<</Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLessFont /CIDSystemInfo <</Registry (Adobe) /Ordering (Identity) /Supplement 0>> /FontDescriptor %s /DW 500 /CIDToGIDMap %s>>", ref(d.fontDesc), ref(d.cidToGID)))
	o.obj(d.fontDesc, fmt.Sprintf("<</Type /FontDescriptor /FontName /GlyphLessFont /Flags 5 /FontBBox [0 0 500 1000] /ItalicAngle 0 /Ascent 1000 /Descent -1 /CapHeight 1000 /StemV 80 /FontFile2 %s>>", ref(d.fontFile)))
	o.flateStream(d.fontFile, fmt.Sprintf(" /Length1 %d", len(glyphlessTTF)), glyphlessTTF)
	// Every CID maps to glyph 1: a stream, because PDF/A-1 caps arrays at 8,191.
	m := make([]byte, 2*65536)
	for i := 1; i < len(m); i += 2 {
		m[i] = 1
	}
	o.flateStream(d.cidToGID, "", m)
	var cm strings.Builder
	cm.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	// Identity: one range per high byte (a bfrange may only vary the last byte).
	for hi := 0; hi < 256; hi += 100 {
		cnt := min(100, 256-hi)
		fmt.Fprintf(&cm, "%d beginbfrange\n", cnt)
		for k := hi; k < hi+cnt; k++ {
			fmt.Fprintf(&cm, "<%02X00> <%02XFF> <%02X00>\n", k, k, k)
		}
		cm.WriteString("endbfrange\n")
	}
	cm.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	o.flateStream(d.toUnicode, "", []byte(cm.String()))
}

// imageDict returns the XObject dictionary (without /Length) for an encoded page image.
func imageDict(img ocr.Image) (string, error) {
	if img.Width <= 0 || img.Height <= 0 || len(img.Data) == 0 {
		return "", fmt.Errorf("empty page image (%dx%d, %d bytes)", img.Width, img.Height, len(img.Data))
	}
	cs := "/DeviceRGB"
	if img.Mode == ocr.Gray || img.Mode == ocr.Bitonal {
		cs = "/DeviceGray"
	}
	base := fmt.Sprintf(" /Type /XObject /Subtype /Image /Width %d /Height %d", img.Width, img.Height)
	switch img.Encoding {
	case ocr.JPEG:
		comps, err := jpegComponents(img.Data)
		if err != nil {
			return "", err
		}
		switch comps {
		case 1:
			cs = "/DeviceGray"
		case 3:
			cs = "/DeviceRGB"
		default:
			return "", fmt.Errorf("JPEG with %d components (want grey or RGB)", comps)
		}
		return base + " /ColorSpace " + cs + " /BitsPerComponent 8 /Filter /DCTDecode", nil
	case ocr.G4:
		return base + fmt.Sprintf(" /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /CCITTFaxDecode /DecodeParms <</K -1 /Columns %d /Rows %d /BlackIs1 false>>", img.Width, img.Height), nil
	case ocr.Flate:
		bpc := img.BitsPerComponent
		if bpc == 0 {
			bpc = 8
			if img.Mode == ocr.Bitonal {
				bpc = 1
			}
		}
		return base + fmt.Sprintf(" /ColorSpace %s /BitsPerComponent %d /Filter /FlateDecode", cs, bpc), nil
	}
	return "", fmt.Errorf("unknown image encoding %q", img.Encoding)
}

// jpegComponents reads the component count from the first SOF marker.
func jpegComponents(b []byte) (int, error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 0, fmt.Errorf("page image is not a JPEG")
	}
	for i := 2; i+9 < len(b); {
		if b[i] != 0xFF {
			return 0, fmt.Errorf("corrupt JPEG marker at %d", i)
		}
		mk := b[i+1]
		if mk == 0xFF {
			i++
			continue
		}
		l := int(b[i+2])<<8 | int(b[i+3])
		if mk >= 0xC0 && mk <= 0xCF && mk != 0xC4 && mk != 0xC8 && mk != 0xCC {
			return int(b[i+9]), nil
		}
		i += 2 + l
	}
	return 0, fmt.Errorf("JPEG without a frame header")
}

func writePage(o *objWriter, d docObjs, parent int, pg Page) (int, error) {
	img := pg.Image
	idict, err := imageDict(img)
	if err != nil {
		return 0, err
	}
	dpi := pg.Result.DPI
	if dpi <= 0 {
		dpi = 300
	}
	k := 72 / dpi // points per image pixel
	wpt, hpt := float64(img.Width)*k, float64(img.Height)*k
	// Boxes are in pixels of the recognized image; scale if the embedded
	// image has another size.
	sx, sy := k, k
	if pg.Result.Width > 0 && pg.Result.Height > 0 {
		sx = wpt / float64(pg.Result.Width)
		sy = hpt / float64(pg.Result.Height)
	}

	imgID, contID, pageID := o.alloc(), o.alloc(), o.alloc()
	o.stream(imgID, idict, img.Data)
	var c bytes.Buffer
	fmt.Fprintf(&c, "q %s 0 0 %s 0 0 cm /Im0 Do Q\n", num(wpt), num(hpt))
	textLayer(&c, pg.Result.Lines, sx, sy, hpt)
	o.flateStream(contID, "", c.Bytes())
	rotate := ""
	if r := (pg.Rotate%360 + 360) % 360; r != 0 {
		if r%90 != 0 {
			return 0, fmt.Errorf("page rotation %d is not a multiple of 90", pg.Rotate)
		}
		rotate = fmt.Sprintf(" /Rotate %d", r)
	}
	o.obj(pageID, fmt.Sprintf("<</Type /Page /Parent %s /MediaBox [0 0 %s %s]%s /Resources <</XObject <</Im0 %s>> /Font <</F1 %s>>>> /Contents %s>>",
		ref(parent), num(wpt), num(hpt), rotate, ref(imgID), ref(d.font), ref(contID)))
	return pageID, nil
}

// textLayer writes the invisible words (render mode 3). One font size per
// line (the line height) keeps readers from splitting lines; each word starts
// at its box, sits on the line's bottom and is stretched with Tz to its box
// width. An explicit space between words makes copy and pdftotext separate them.
func textLayer(c *bytes.Buffer, lines []ocr.Line, sx, sy, hpt float64) {
	started := false
	for _, ln := range lines {
		words := ln.Words[:0:0]
		for _, w := range ln.Words {
			if strings.TrimSpace(w.Text) != "" && w.Box.X1 > w.Box.X0 {
				words = append(words, w)
			}
		}
		if len(words) == 0 {
			continue
		}
		lb := ln.Box
		if lb.Y1 <= lb.Y0 {
			lb = words[0].Box
			for _, w := range words[1:] {
				lb.Y0 = min(lb.Y0, w.Box.Y0)
				lb.Y1 = max(lb.Y1, w.Box.Y1)
			}
		}
		fs := float64(lb.Y1-lb.Y0) * sy
		if fs < 1 {
			fs = 1
		}
		base := hpt - float64(lb.Y1)*sy
		if !started {
			c.WriteString("BT\n3 Tr\n")
			started = true
		}
		fmt.Fprintf(c, "/F1 %s Tf\n", num(fs))
		for i, w := range words {
			u := utf16.Encode([]rune(strings.TrimSpace(w.Text)))
			x0 := float64(w.Box.X0) * sx
			ww := float64(w.Box.X1-w.Box.X0) * sx
			tz := 100 * ww / (float64(len(u)) * fs * 0.5)
			fmt.Fprintf(c, "1 0 0 1 %s %s Tm %s Tz <", num(x0), num(base), num(tz))
			for _, r := range u {
				fmt.Fprintf(c, "%04X", r)
			}
			c.WriteString("> Tj\n")
			if i+1 < len(words) {
				gap := float64(words[i+1].Box.X0)*sx - (x0 + ww)
				stz := 100 * gap / (fs * 0.5)
				if stz < 1 {
					stz = 1
				}
				fmt.Fprintf(c, "%s Tz <0020> Tj\n", num(stz))
			}
		}
	}
	if started {
		c.WriteString("ET\n")
	}
}
