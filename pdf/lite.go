package pdf

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// liteDoc reads just the objects it is asked for from a PDF with classic
// cross-reference tables (what Assemble and Sign write). Signing needs only
// the trailer, the catalog and page 1, so a 500-page file is never loaded
// whole; files it cannot read (xref streams, object streams) go through pdfcpu.
type liteDoc struct {
	r       io.ReaderAt
	size    int64
	offsets map[int]int64
	trailer types.Dict // newest trailer
}

var errLiteUnsupported = errors.New("pdf: not a classic xref table")

func openLite(r io.ReaderAt, size int64) (*liteDoc, error) {
	start, err := lastStartxref(r, size)
	if err != nil {
		return nil, err
	}
	d := &liteDoc{r: r, size: size, offsets: map[int]int64{}}
	seen := map[int64]bool{}
	for off := start; ; {
		if seen[off] || len(seen) > 1000 {
			return nil, errors.New("pdf: cross-reference loop")
		}
		seen[off] = true
		tr, err := d.readXref(off)
		if err != nil {
			return nil, err
		}
		if d.trailer == nil {
			d.trailer = tr
		}
		if _, ok := tr.Find("XRefStm"); ok {
			return nil, errLiteUnsupported
		}
		prev := tr.IntEntry("Prev")
		if prev == nil {
			break
		}
		off = int64(*prev)
	}
	// Every entry must point at its object; damaged tables go to pdfcpu,
	// which repairs them.
	buf := make([]byte, 40)
	for num, off := range d.offsets {
		if off < 0 || off >= size {
			return nil, errLiteUnsupported
		}
		n, _ := r.ReadAt(buf, off)
		f := bytes.Fields(buf[:n])
		if len(f) < 3 || string(f[0]) != strconv.Itoa(num) || !bytes.HasPrefix(f[2], []byte("obj")) {
			return nil, errLiteUnsupported
		}
	}
	return d, nil
}

func (d *liteDoc) readXref(off int64) (types.Dict, error) {
	if off < 0 || off >= d.size {
		return nil, fmt.Errorf("pdf: xref offset %d outside the file", off)
	}
	br := bufio.NewReader(io.NewSectionReader(d.r, off, d.size-off))
	line, err := br.ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "xref" {
		return nil, errLiteUnsupported
	}
	for {
		line, err = br.ReadString('\n')
		if err != nil {
			return nil, errLiteUnsupported
		}
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "trailer") {
			break
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, errLiteUnsupported
		}
		first, err1 := strconv.Atoi(f[0])
		n, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil || n < 0 || n > 10_000_000 {
			return nil, errLiteUnsupported
		}
		entry := make([]byte, 20)
		for i := 0; i < n; i++ {
			if _, err := io.ReadFull(br, entry); err != nil {
				return nil, errLiteUnsupported
			}
			if entry[17] != 'n' {
				continue
			}
			o, err := strconv.ParseInt(string(entry[:10]), 10, 64)
			if err != nil {
				return nil, errLiteUnsupported
			}
			if _, ok := d.offsets[first+i]; !ok {
				d.offsets[first+i] = o
			}
		}
	}
	rest, _ := io.ReadAll(io.LimitReader(br, 64<<10))
	s := string(rest)
	if i := strings.Index(s, "startxref"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "trailer"))
	o, err := model.ParseObject(&s)
	if err != nil {
		return nil, errLiteUnsupported
	}
	tr, ok := o.(types.Dict)
	if !ok {
		return nil, errLiteUnsupported
	}
	return tr, nil
}

// object parses object num (a stream yields its dictionary only).
func (d *liteDoc) object(num int) (types.Object, error) {
	o, _, err := d.objectAt(num)
	return o, err
}

// stream returns the decoded data of a stream (no filter or FlateDecode).
func (d *liteDoc) stream(o types.Object, limit int64) ([]byte, error) {
	ir, ok := o.(types.IndirectRef)
	if !ok {
		return nil, errors.New("pdf: stream is not an indirect object")
	}
	obj, start, err := d.objectAt(ir.ObjectNumber.Value())
	if err != nil {
		return nil, err
	}
	dict, ok := obj.(types.Dict)
	if !ok || start < 0 {
		return nil, errors.New("pdf: not a stream")
	}
	n, err := numberOf(d, dict["Length"])
	if err != nil || n < 0 || start+int64(n) > d.size || int64(n) > limit {
		return nil, errors.New("pdf: bad stream /Length")
	}
	raw := make([]byte, int64(n))
	if _, err := d.r.ReadAt(raw, start); err != nil {
		return nil, err
	}
	f, _ := d.resolve(dict["Filter"])
	if a, ok := f.(types.Array); ok && len(a) == 1 {
		f = a[0]
	}
	switch f {
	case nil:
		return raw, nil
	case types.Name("FlateDecode"):
		zr, err := zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		out, err := io.ReadAll(io.LimitReader(zr, limit+1))
		if err != nil {
			return nil, err
		}
		if int64(len(out)) > limit {
			return nil, errors.New("pdf: stream too large")
		}
		return out, nil
	}
	return nil, fmt.Errorf("pdf: stream filter %v not supported here", f)
}

// objectAt parses object num and, for a stream, returns where its data starts (else -1).
func (d *liteDoc) objectAt(num int) (types.Object, int64, error) {
	off, ok := d.offsets[num]
	if !ok {
		return nil, 0, errLiteUnsupported // free, or compressed in an object stream
	}
	for n := int64(8 << 10); ; n *= 8 {
		buf := make([]byte, min(n, d.size-off))
		k, err := d.r.ReadAt(buf, off)
		if err != nil && err != io.EOF {
			return nil, 0, err
		}
		buf = buf[:k]
		head := fmt.Sprintf("%d ", num)
		if !bytes.HasPrefix(bytes.TrimLeft(buf, " \r\n\t"), []byte(head)) {
			return nil, 0, fmt.Errorf("pdf: object %d not at its offset", num)
		}
		i := bytes.Index(buf, []byte("obj"))
		end := bytes.Index(buf, []byte("endobj"))
		data := int64(-1)
		if st := bytes.Index(buf, []byte("stream")); st >= 0 && (end < 0 || st < end) {
			end = st
			p := st + len("stream")
			if p < len(buf) && buf[p] == '\r' {
				p++
			}
			if p < len(buf) && buf[p] == '\n' {
				p++
			}
			data = off + int64(p)
		}
		if i < 0 || end < 0 || end < i {
			if int64(len(buf)) >= d.size-off || n > 16<<20 {
				return nil, 0, fmt.Errorf("pdf: object %d unterminated", num)
			}
			continue
		}
		s := strings.TrimSpace(string(buf[i+3 : end]))
		o, err := model.ParseObject(&s)
		return o, data, err
	}
}

// resolve follows indirect references.
func (d *liteDoc) resolve(o types.Object) (types.Object, error) {
	for i := 0; i < 16; i++ {
		ir, ok := o.(types.IndirectRef)
		if !ok {
			return o, nil
		}
		var err error
		if o, err = d.object(ir.ObjectNumber.Value()); err != nil {
			return nil, err
		}
	}
	return nil, errors.New("pdf: reference chain too long")
}

func (d *liteDoc) dict(o types.Object) (types.Dict, error) {
	o, err := d.resolve(o)
	if err != nil {
		return nil, err
	}
	dd, ok := o.(types.Dict)
	if !ok {
		return nil, fmt.Errorf("pdf: want a dictionary, got %T", o)
	}
	return dd, nil
}

func (d *liteDoc) array(o types.Object) (types.Array, error) {
	o, err := d.resolve(o)
	if err != nil {
		return nil, err
	}
	a, ok := o.(types.Array)
	if !ok {
		return nil, fmt.Errorf("pdf: want an array, got %T", o)
	}
	return a, nil
}

// signTarget is what an incremental signature update needs from a file.
type signTarget struct {
	size     int // trailer /Size
	rootRef  types.IndirectRef
	root     types.Dict
	info     *types.IndirectRef
	id       types.Array
	pageRef  types.IndirectRef
	page     types.Dict
	mediaBox *types.Rectangle
	acro     types.Dict // a copy, empty when the file has no form
	fields   types.Array
	annots   types.Array
}

func targetLite(r io.ReaderAt, size int64) (*signTarget, error) {
	d, err := openLite(r, size)
	if err != nil {
		return nil, err
	}
	t := &signTarget{}
	sz := d.trailer.IntEntry("Size")
	rr := d.trailer.IndirectRefEntry("Root")
	if sz == nil || rr == nil {
		return nil, errors.New("pdf: trailer without /Size or /Root")
	}
	t.size, t.rootRef = *sz, *rr
	t.info = d.trailer.IndirectRefEntry("Info")
	t.id = d.trailer.ArrayEntry("ID")
	if t.root, err = d.dict(t.rootRef); err != nil {
		return nil, err
	}
	// First page: leftmost leaf of the page tree; MediaBox may be inherited.
	node, ok := t.root.Find("Pages")
	if !ok {
		return nil, errors.New("pdf: catalog without /Pages")
	}
	var mb types.Array
	for depth := 0; ; depth++ {
		ir, ok := node.(types.IndirectRef)
		if !ok || depth > 32 {
			return nil, errors.New("pdf: malformed page tree")
		}
		nd, err := d.dict(ir)
		if err != nil {
			return nil, err
		}
		if a, ok := nd.Find("MediaBox"); ok {
			if arr, err := d.array(a); err == nil && len(arr) == 4 {
				mb = arr
			}
		}
		if tp := nd.Type(); tp != nil && *tp == "Page" {
			t.pageRef, t.page = ir, nd
			break
		}
		kids, err := d.array(nd["Kids"])
		if err != nil || len(kids) == 0 {
			return nil, errors.New("pdf: empty page tree")
		}
		node = kids[0]
	}
	if mb != nil {
		for i, v := range mb {
			if mb[i], err = d.resolve(v); err != nil {
				return nil, err
			}
		}
		t.mediaBox = types.RectForArray(mb)
	}
	t.acro = types.Dict{}
	if a, ok := t.root.Find("AcroForm"); ok {
		ad, err := d.dict(a)
		if err != nil {
			return nil, err
		}
		t.acro = ad.Clone().(types.Dict)
		if f, ok := ad.Find("Fields"); ok {
			if t.fields, err = d.array(f); err != nil {
				return nil, err
			}
		}
	}
	if a, ok := t.page.Find("Annots"); ok {
		if t.annots, err = d.array(a); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// targetPdfcpu reads the same through pdfcpu, for files outside liteDoc's reach.
func targetPdfcpu(rs io.ReadSeeker) (*signTarget, error) {
	pctx, err := readContext(rs)
	if err != nil {
		return nil, err
	}
	xt := pctx.XRefTable
	t := &signTarget{info: xt.Info, id: xt.ID}
	if xt.Size == nil || xt.Root == nil {
		return nil, errors.New("pdf: trailer without /Size or /Root")
	}
	t.size, t.rootRef = *xt.Size, *xt.Root
	if t.root, err = xt.Catalog(); err != nil {
		return nil, err
	}
	page, pageRef, inh, err := xt.PageDict(1, false)
	if err != nil || page == nil || pageRef == nil {
		return nil, fmt.Errorf("pdf: page 1: %v", err)
	}
	t.page, t.pageRef = page, *pageRef
	if inh != nil {
		t.mediaBox = inh.MediaBox
	}
	if a, ok := page.Find("MediaBox"); ok {
		if arr, err := xt.DereferenceArray(a); err == nil && len(arr) == 4 {
			t.mediaBox = types.RectForArray(arr)
		}
	}
	t.acro = types.Dict{}
	if a, ok := t.root.Find("AcroForm"); ok {
		if d, err := xt.DereferenceDict(a); err == nil && d != nil {
			t.acro = d.Clone().(types.Dict)
			if fa, ok := d.Find("Fields"); ok {
				t.fields, _ = xt.DereferenceArray(fa)
			}
		}
	}
	if a, ok := page.Find("Annots"); ok {
		t.annots, _ = xt.DereferenceArray(a)
	}
	return t, nil
}
