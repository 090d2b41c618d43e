package pdfread

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// lazyDoc reads just the objects it is asked for from a PDF with classic
// cross-reference tables (what sohoa's assembler and signer write).
type lazyDoc struct {
	r       io.ReaderAt
	size    int64
	offsets map[int]int64
}

// Bounds against crafted files.
const (
	maxXrefSections = 1000     // /Prev chain
	maxObjectBytes  = 16 << 20 // one object's text (not its stream data)
)

func openLazy(r io.ReaderAt, size int64) (*Doc, error) {
	start, err := StartXref(r, size)
	if err != nil {
		return nil, err
	}
	l := &lazyDoc{r: r, size: size, offsets: map[int]int64{}}
	var trailer types.Dict
	seen := map[int64]bool{}
	for off := start; ; {
		if seen[off] || len(seen) > maxXrefSections {
			return nil, errors.New("pdfread: cross-reference loop")
		}
		seen[off] = true
		tr, err := l.readXref(off)
		if err != nil {
			return nil, err
		}
		if trailer == nil {
			trailer = tr
		}
		if _, ok := tr.Find("XRefStm"); ok {
			return nil, ErrUnsupported
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
	for num, off := range l.offsets {
		if off < 0 || off >= size {
			return nil, ErrUnsupported
		}
		n, _ := r.ReadAt(buf, off)
		f := bytes.Fields(buf[:n])
		if len(f) < 3 || string(f[0]) != strconv.Itoa(num) || !bytes.HasPrefix(f[2], []byte("obj")) {
			return nil, ErrUnsupported
		}
	}
	return &Doc{Trailer: trailer, Version: headerVersion(r, size), Lazy: true, src: l}, nil
}

func (l *lazyDoc) readXref(off int64) (types.Dict, error) {
	if off < 0 || off >= l.size {
		return nil, fmt.Errorf("pdfread: xref offset %d outside the file", off)
	}
	rev, err := readXrefTable(l.r, l.size, off)
	if err != nil {
		return nil, ErrUnsupported
	}
	for num, e := range rev.Entries {
		if _, ok := l.offsets[num]; !ok && !e.Free { // newer sections come first
			l.offsets[num] = e.Offset
		}
	}
	return rev.Trailer, nil
}

func (l *lazyDoc) resolve(ir types.IndirectRef) (types.Object, error) {
	o, _, err := l.objectAt(ir.ObjectNumber.Value())
	return o, err
}

// stream reads a stream's data and decodes it (streamOf).
func (l *lazyDoc) stream(o types.Object, limit int64) ([]byte, error) {
	doc := &Doc{src: l}
	raw := func(num int) (types.Object, *Span, error) {
		obj, start, err := l.objectAt(num)
		if err != nil || start < 0 {
			return obj, nil, err
		}
		dict, _ := obj.(types.Dict)
		n, err := doc.Number(dict["Length"])
		if err != nil || n < 0 || start+int64(n) > l.size {
			return nil, nil, errors.New("pdfread: bad stream /Length")
		}
		return obj, &Span{start, int64(n)}, nil
	}
	return streamOf(doc, o, limit, raw, func(sp *Span, limit int64) ([]byte, error) {
		return readSpan(l.r, l.size, sp, limit)
	})
}

// streamOf is the one path from a reference to a stream's decoded data, at
// most limit bytes, for Doc's lazy reader and View: raw parses the object
// and says where its data lies (nil when it is no stream), read reads the
// data, decodeStream decodes it.
func streamOf(r Resolver, o types.Object, limit int64,
	raw func(num int) (types.Object, *Span, error), read func(*Span, int64) ([]byte, error)) ([]byte, error) {
	ir, ok := o.(types.IndirectRef)
	if !ok {
		return nil, errors.New("pdfread: stream is not an indirect object")
	}
	obj, sp, err := raw(ir.ObjectNumber.Value())
	if err != nil {
		return nil, err
	}
	dict, ok := obj.(types.Dict)
	if !ok || sp == nil {
		return nil, errors.New("pdfread: not a stream")
	}
	data, err := read(sp, limit)
	if err != nil {
		return nil, err
	}
	return decodeStream(r, dict, data, limit)
}

// readSpan reads a stream's raw data, refusing more than limit bytes.
func readSpan(r io.ReaderAt, size int64, sp *Span, limit int64) ([]byte, error) {
	if sp.N > limit {
		return nil, errors.New("pdfread: stream too large")
	}
	b := make([]byte, sp.N)
	if _, err := r.ReadAt(b, sp.Off); err != nil && !(err == io.EOF && sp.Off+sp.N <= size) {
		return nil, err
	}
	return b, nil
}

// decodeStream decodes a stream's raw data, at most limit bytes, for Doc
// and View alike: without a filter or with FlateDecode by hand (the common
// case, bounded as it inflates), other filter chains through pdfcpu's
// filters. r resolves /Filter and /DecodeParms given by reference.
func decodeStream(r Resolver, dict types.Dict, raw []byte, limit int64) ([]byte, error) {
	f, _ := r.Resolve(dict["Filter"])
	parms, _ := r.Resolve(dict["DecodeParms"])
	if a, ok := f.(types.Array); ok && len(a) == 1 {
		f = a[0]
		if pa, ok := parms.(types.Array); ok && len(pa) == 1 {
			parms = pa[0]
		}
	}
	switch {
	case f == nil:
		return raw, nil
	case f == types.Name("FlateDecode") && parms == nil:
		out, err := inflate(raw, limit)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
	return decodeFilters(r, dict, raw, limit)
}

// inflate undoes FlateDecode, at most limit bytes out (bounded as it
// inflates). A stream cut short gives what it held with
// io.ErrUnexpectedEOF: streams of objects fail on it, cross-reference
// and object streams take what was there (see decodeFlate).
func inflate(raw []byte, limit int64) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	if int64(len(out)) > limit {
		return nil, errors.New("pdfread: stream too large")
	}
	return out, err
}

// decodeFilters runs a stream's filter chain with pdfcpu's decoders.
func decodeFilters(doc Resolver, dict types.Dict, raw []byte, limit int64) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("pdfread: stream filter failed: %v", p)
		}
	}()
	f, _ := doc.Resolve(dict["Filter"])
	parms, _ := doc.Resolve(dict["DecodeParms"])
	var names, ps types.Array
	switch v := f.(type) {
	case types.Name:
		names, ps = types.Array{v}, types.Array{parms}
	case types.Array:
		names = v
		ps, _ = parms.(types.Array)
	default:
		return nil, fmt.Errorf("pdfread: stream /Filter %v", f)
	}
	var pipeline []types.PDFFilter
	for i, n := range names {
		name, ok := n.(types.Name)
		if !ok {
			return nil, fmt.Errorf("pdfread: stream /Filter %v", f)
		}
		pf := types.PDFFilter{Name: string(name)}
		if i < len(ps) {
			if pd, err := DictOf(doc, ps[i]); err == nil {
				pf.DecodeParms = pd
			}
		}
		pipeline = append(pipeline, pf)
	}
	length := int64(len(raw))
	sd := types.NewStreamDict(dict, 0, &length, nil, pipeline)
	sd.Raw = raw
	if err := sd.DecodeWithLimit(limit); err != nil {
		return nil, err
	}
	if int64(len(sd.Content)) > limit {
		return nil, errors.New("pdfread: stream too large")
	}
	return sd.Content, nil
}

// objectAt parses object num and, for a stream, returns where its data
// starts (else -1).
func (l *lazyDoc) objectAt(num int) (types.Object, int64, error) {
	off, ok := l.offsets[num]
	if !ok {
		return nil, 0, ErrUnsupported // free, or compressed in an object stream
	}
	return parseObjectAt(l.r, l.size, off, num)
}
