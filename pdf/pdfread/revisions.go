package pdfread

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// A Revision is what one save wrote: the original file, or one
// incremental update. The verifier needs them one by one, because a
// signature covers the file as it was at the end of one revision and
// anything after it must be judged object by object.
type Revision struct {
	XRef    int64 // offset of its cross-reference section
	End     int64 // offset just past its %%EOF marker
	Trailer types.Dict
	Entries map[int]Entry
}

// Entry is one cross-reference entry: an object at an offset, one inside
// an object stream, or a freed number.
type Entry struct {
	Free   bool
	Offset int64 // type 1: byte offset
	Stream int   // type 2: number of the object stream (0: not compressed)
	Index  int   // type 2: index inside it
}

// Bounds against crafted cross-reference data.
const (
	maxRevisionEntries = 1_000_000 // over all sections: a 500-page result has a few thousand
	maxXrefStmBytes    = 64 << 20
	maxStreamBytes     = 4 << 30 // one stream's data, compared in place
)

// Revisions follows the startxref / Prev chain and returns the revisions
// oldest first. A revision ends at the first %%EOF after its
// cross-reference section. Cross-reference tables and streams (with object
// streams) are read; damaged ones are an error, never repaired.
func Revisions(r io.ReaderAt, size int64) ([]Revision, error) {
	eofs, err := EOFMarkers(r, size)
	if err != nil {
		return nil, err
	}
	start, err := StartXref(r, size)
	if err != nil {
		return nil, err
	}
	var revs []Revision
	total := 0
	seen := map[int64]bool{}
	for off := start; ; {
		if seen[off] || len(seen) > maxXrefSections {
			return nil, errors.New("cross-reference loop")
		}
		seen[off] = true
		rev, err := readXrefSection(r, size, off)
		if err != nil {
			return nil, fmt.Errorf("cross-reference section at %d: %w", off, err)
		}
		// A hybrid file's table names a cross-reference stream too; its
		// entries belong to the same revision, below the table's.
		if xs := rev.Trailer.IntEntry("XRefStm"); xs != nil && !seen[int64(*xs)] {
			seen[int64(*xs)] = true
			if hs, err := readXrefSection(r, size, int64(*xs)); err == nil {
				for n, e := range hs.Entries {
					if _, ok := rev.Entries[n]; !ok {
						rev.Entries[n] = e
					}
				}
			}
		}
		rev.End = size
		for _, e := range eofs {
			if e > off {
				rev.End = e
				break
			}
		}
		revs = append(revs, rev)
		total += len(rev.Entries)
		if total > maxRevisionEntries {
			return nil, errors.New("too many cross-reference entries")
		}
		prev := rev.Trailer.IntEntry("Prev")
		if prev == nil {
			break
		}
		off = int64(*prev)
	}
	// Oldest first. Linearized files have their first-page section in front;
	// ordering by end keeps the main section's entries above it.
	sort.SliceStable(revs, func(i, j int) bool { return revs[i].End < revs[j].End })
	return revs, nil
}

func readXrefSection(r io.ReaderAt, size, off int64) (Revision, error) {
	if off < 0 || off >= size {
		return Revision{}, errors.New("offset outside the file")
	}
	head := make([]byte, min(64, size-off))
	if _, err := r.ReadAt(head, off); err != nil && err != io.EOF {
		return Revision{}, err
	}
	if bytes.HasPrefix(bytes.TrimLeft(head, " \r\n\t\f\x00"), []byte("xref")) {
		return readXrefTable(r, size, off)
	}
	return readXrefStream(r, size, off)
}

// readXrefTable reads the classic cross-reference table at off and its
// trailer; the lazy reader and Revisions both read tables with it. The
// words of the table are read, not its lines: entries are 20 bytes with
// any of the three ends the standard allows (SP CR, SP LF, CR LF; a table
// ended by SP CR is one "line"), and 19 when a writer ends them with a
// lone CR or LF.
func readXrefTable(r io.ReaderAt, size, off int64) (Revision, error) {
	rev := Revision{XRef: off, Entries: map[int]Entry{}}
	br := bufio.NewReader(io.NewSectionReader(r, off, size-off))
	if w, err := xrefWord(br); err != nil || w != "xref" {
		return rev, errors.New("no xref keyword")
	}
	total := 0
	for {
		if err := skipPDFSpace(br); err != nil {
			return rev, errors.New("unterminated table")
		}
		if p, _ := br.Peek(len("trailer")); string(p) == "trailer" {
			br.Discard(len("trailer"))
			more, _ := io.ReadAll(io.LimitReader(br, 64<<10))
			s := string(more)
			if i := strings.Index(s, "startxref"); i >= 0 {
				s = s[:i]
			}
			s = strings.TrimSpace(s)
			o, err := model.ParseObject(&s)
			if err != nil {
				return rev, fmt.Errorf("trailer: %w", err)
			}
			tr, ok := o.(types.Dict)
			if !ok {
				return rev, errors.New("trailer is not a dictionary")
			}
			rev.Trailer = tr
			return rev, nil
		}
		w1, err1 := xrefWord(br)
		w2, err2 := xrefWord(br)
		first, err3 := strconv.Atoi(w1)
		n, err4 := strconv.Atoi(w2)
		total += n
		if err := errors.Join(err1, err2, err3, err4); err != nil || first < 0 || n < 0 || total > maxRevisionEntries {
			return rev, fmt.Errorf("bad subsection header %q %q", w1, w2)
		}
		for i := 0; i < n; i++ {
			var ef [3]string
			for k := range ef {
				if ef[k], err1 = xrefWord(br); err1 != nil {
					return rev, errors.New("short table")
				}
			}
			o, err := strconv.ParseInt(ef[0], 10, 64)
			if err != nil || len(ef[0]) != 10 || len(ef[1]) != 5 {
				return rev, fmt.Errorf("bad entry %q", strings.Join(ef[:], " "))
			}
			switch ef[2] {
			case "n":
				rev.Entries[first+i] = Entry{Offset: o}
			case "f":
				if first+i != 0 {
					rev.Entries[first+i] = Entry{Free: true}
				}
			default:
				return rev, fmt.Errorf("bad entry %q", strings.Join(ef[:], " "))
			}
		}
	}
}

// skipPDFSpace reads past PDF white space (NUL, TAB, LF, FF, CR, SP).
func skipPDFSpace(br *bufio.Reader) error {
	for {
		c, err := br.ReadByte()
		if err != nil {
			return err
		}
		if !isPDFSpace(c) {
			return br.UnreadByte()
		}
	}
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\r' || c == '\n' || c == '\t' || c == '\f' || c == 0
}

// xrefWord reads the next word of a cross-reference table (at most 20
// bytes: the longest, an offset, has 10).
func xrefWord(br *bufio.Reader) (string, error) {
	if err := skipPDFSpace(br); err != nil {
		return "", err
	}
	var w []byte
	for len(w) <= 20 {
		c, err := br.ReadByte()
		if err == io.EOF && len(w) > 0 || err == nil && isPDFSpace(c) {
			return string(w), nil
		}
		if err != nil {
			return "", err
		}
		w = append(w, c)
	}
	return "", errors.New("word too long")
}

// readXrefStream reads a cross-reference stream (PDF 1.5): FlateDecode
// with or without a PNG predictor, which is what writers use.
func readXrefStream(r io.ReaderAt, size, off int64) (Revision, error) {
	rev := Revision{XRef: off, Entries: map[int]Entry{}}
	o, dataStart, err := parseObjectAt(r, size, off, -1)
	if err != nil {
		return rev, err
	}
	d, ok := o.(types.Dict)
	if !ok || dataStart < 0 || nameValue(d["Type"]) != "XRef" {
		return rev, errors.New("neither a table nor a cross-reference stream")
	}
	data, err := rawStream(r, size, d, dataStart, maxXrefStmBytes)
	if err != nil {
		return rev, err
	}
	if data, err = decodeFlate(d, data, maxXrefStmBytes); err != nil {
		return rev, err
	}
	w := d.ArrayEntry("W")
	if len(w) != 3 {
		return rev, errors.New("cross-reference stream without /W [a b c]")
	}
	var ws [3]int
	rowLen := 0
	for i, x := range w {
		n, ok := x.(types.Integer)
		if !ok || n < 0 || n > 8 {
			return rev, errors.New("bad /W")
		}
		ws[i] = int(n)
		rowLen += int(n)
	}
	if rowLen == 0 {
		return rev, errors.New("bad /W")
	}
	sz := d.IntEntry("Size")
	if sz == nil || *sz < 0 || *sz > maxRevisionEntries {
		return rev, errors.New("bad /Size")
	}
	idx := []int{0, *sz}
	if a := d.ArrayEntry("Index"); a != nil {
		idx = idx[:0]
		for _, x := range a {
			n, ok := x.(types.Integer)
			if !ok || n < 0 || n > maxRevisionEntries {
				return rev, errors.New("bad /Index")
			}
			idx = append(idx, int(n))
		}
		if len(idx)%2 != 0 {
			return rev, errors.New("bad /Index")
		}
	}
	field := func(b []byte) int64 {
		var v int64
		for _, c := range b {
			v = v<<8 | int64(c)
		}
		return v
	}
	pos := 0
	for i := 0; i < len(idx); i += 2 {
		for k := 0; k < idx[i+1]; k++ {
			if len(rev.Entries) > maxRevisionEntries {
				return rev, errors.New("too many cross-reference entries")
			}
			if pos+rowLen > len(data) {
				return rev, errors.New("cross-reference stream too short")
			}
			row := data[pos : pos+rowLen]
			pos += rowLen
			typ := int64(1)
			if ws[0] > 0 {
				typ = field(row[:ws[0]])
			}
			a, b := field(row[ws[0]:ws[0]+ws[1]]), field(row[ws[0]+ws[1]:])
			num := idx[i] + k
			switch typ {
			case 0:
				if num != 0 {
					rev.Entries[num] = Entry{Free: true}
				}
			case 1:
				rev.Entries[num] = Entry{Offset: a}
			case 2:
				rev.Entries[num] = Entry{Stream: int(a), Index: int(b)}
			}
		}
	}
	rev.Trailer = d
	return rev, nil
}

func nameValue(o types.Object) string {
	if n, ok := o.(types.Name); ok {
		return string(n)
	}
	return ""
}

// rawStream returns the undecoded bytes of a stream whose data starts at
// start; /Length must be a direct integer (an indirect one is resolved by
// the caller's view when it can).
func rawStream(r io.ReaderAt, size int64, d types.Dict, start, limit int64) ([]byte, error) {
	n, ok := d["Length"].(types.Integer)
	if !ok || n < 0 || start+int64(n) > size || int64(n) > limit {
		return nil, errors.New("bad stream /Length")
	}
	b := make([]byte, int64(n))
	if _, err := r.ReadAt(b, start); err != nil {
		return nil, err
	}
	return b, nil
}

// decodeFlate undoes /FlateDecode (and a PNG predictor), or nothing.
func decodeFlate(d types.Dict, raw []byte, limit int64) ([]byte, error) {
	f := d["Filter"]
	if a, ok := f.(types.Array); ok && len(a) == 1 {
		f = a[0]
	}
	switch nameValue(f) {
	case "":
		if f != nil {
			return nil, errors.New("unsupported filter")
		}
		return raw, nil
	case "FlateDecode":
	default:
		return nil, fmt.Errorf("unsupported filter %v", f)
	}
	out, err := inflate(raw, limit)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	parms, _ := d["DecodeParms"].(types.Dict)
	if a, ok := d["DecodeParms"].(types.Array); ok && len(a) == 1 {
		parms, _ = a[0].(types.Dict)
	}
	if parms == nil {
		return out, nil
	}
	pred := parms.IntEntry("Predictor")
	if pred == nil || *pred < 10 {
		return out, nil
	}
	cols := 1
	if c := parms.IntEntry("Columns"); c != nil && *c > 0 && *c < 1<<16 {
		cols = *c
	}
	// PNG predictors, one filter byte per row, 1 byte per sample.
	var res []byte
	prev := make([]byte, cols)
	for p := 0; p+cols+1 <= len(out); p += cols + 1 {
		ft, row := out[p], append([]byte(nil), out[p+1:p+1+cols]...)
		for i := range row {
			var left, up, ul byte
			if i > 0 {
				left, ul = row[i-1], prev[i-1]
			}
			up = prev[i]
			switch ft {
			case 1:
				row[i] += left
			case 2:
				row[i] += up
			case 3:
				row[i] += byte((int(left) + int(up)) / 2)
			case 4:
				row[i] += paeth(left, up, ul)
			}
		}
		res = append(res, row...)
		prev = row
	}
	return res, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// parseObjectAt parses the indirect object at off ("num gen obj ...").
// With num >= 0 the header must name that object. For a stream it also
// returns where the data starts (else -1).
func parseObjectAt(r io.ReaderAt, size, off int64, num int) (types.Object, int64, error) {
	if off < 0 || off >= size {
		return nil, 0, fmt.Errorf("object offset %d outside the file", off)
	}
	for n := int64(8 << 10); ; n *= 8 {
		buf := make([]byte, min(n, size-off))
		k, err := r.ReadAt(buf, off)
		if err != nil && err != io.EOF {
			return nil, 0, err
		}
		buf = buf[:k]
		trimmed := bytes.TrimLeft(buf, " \r\n\t\f\x00")
		f := bytes.Fields(trimmed[:min(len(trimmed), 40)])
		if len(f) < 3 || !bytes.HasPrefix(f[2], []byte("obj")) || (num >= 0 && string(f[0]) != strconv.Itoa(num)) {
			return nil, 0, fmt.Errorf("object %d not at its offset %d", num, off)
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
			if int64(len(buf)) >= size-off || n > maxObjectBytes {
				return nil, 0, fmt.Errorf("object at %d unterminated", off)
			}
			continue
		}
		s := strings.TrimSpace(string(buf[i+3 : end]))
		o, err := model.ParseObject(&s)
		return o, data, err
	}
}

// View reads objects as the file stood at the end of one revision: each
// number resolves through that revision's entries and the older ones. It
// has the Resolve and Stream of Doc, and reads stream data only when
// asked. Not safe for concurrent use (it caches object streams).
type View struct {
	Trailer types.Dict // the trailer of that revision

	r       io.ReaderAt
	size    int64
	entries map[int]Entry
	objstm  map[int]map[int]types.Object // decoded object streams, by number
}

// NewView returns the file as revs[upto] left it.
func NewView(r io.ReaderAt, size int64, revs []Revision, upto int) *View {
	v := &View{r: r, size: size, entries: map[int]Entry{}, objstm: map[int]map[int]types.Object{}}
	for _, rev := range revs[:upto+1] {
		for n, e := range rev.Entries {
			v.entries[n] = e
		}
	}
	v.Trailer = revs[upto].Trailer
	return v
}

// Entry returns the cross-reference entry of an object number.
func (v *View) Entry(num int) (Entry, bool) {
	e, ok := v.entries[num]
	return e, ok
}

// Span is where a stream's (undecoded) data lies in the file.
type Span struct{ Off, N int64 }

// Raw returns an object's parsed value and, for a stream, where its data
// lies; the data itself is read only when asked for (Read).
func (v *View) Raw(num int) (types.Object, *Span, error) { return v.rawAt(num, 0) }

func (v *View) rawAt(num, depth int) (types.Object, *Span, error) {
	if depth > 2 {
		return nil, nil, fmt.Errorf("object %d: /Length chain too long", num)
	}
	e, ok := v.entries[num]
	if !ok || e.Free {
		return nil, nil, fmt.Errorf("object %d is not in use", num)
	}
	if e.Stream != 0 {
		o, err := v.compressed(e.Stream, num)
		return o, nil, err
	}
	o, start, err := parseObjectAt(v.r, v.size, e.Offset, num)
	if err != nil {
		return nil, nil, err
	}
	if start < 0 {
		return o, nil, nil
	}
	d, ok := o.(types.Dict)
	if !ok {
		return nil, nil, fmt.Errorf("object %d: stream without a dictionary", num)
	}
	var n types.Object = d["Length"]
	if ir, ok := n.(types.IndirectRef); ok {
		if n, _, err = v.rawAt(ir.ObjectNumber.Value(), depth+1); err != nil {
			return nil, nil, err
		}
	}
	ln, ok := n.(types.Integer)
	if !ok || ln < 0 || int64(ln) > v.size-start {
		return nil, nil, fmt.Errorf("object %d: bad stream /Length", num)
	}
	return o, &Span{start, int64(ln)}, nil
}

// Read returns a stream's raw data, at most limit bytes.
func (v *View) Read(sp *Span, limit int64) ([]byte, error) {
	return readSpan(v.r, v.size, sp, limit)
}

// Same reports whether two stretches of the file hold the same bytes,
// without holding them.
func (v *View) Same(a, b *Span) bool {
	r := v.r
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if a.N != b.N {
		return false
	}
	if a.Off == b.Off {
		return true
	}
	const chunk = 64 << 10
	ba, bb := make([]byte, chunk), make([]byte, chunk)
	for p := int64(0); p < a.N; p += chunk {
		n := min(chunk, a.N-p)
		if _, err := r.ReadAt(ba[:n], a.Off+p); err != nil && err != io.EOF {
			return false
		}
		if _, err := r.ReadAt(bb[:n], b.Off+p); err != nil && err != io.EOF {
			return false
		}
		if !bytes.Equal(ba[:n], bb[:n]) {
			return false
		}
	}
	return true
}

func (v *View) compressed(stm, num int) (types.Object, error) {
	if objs, ok := v.objstm[stm]; ok {
		if o, ok := objs[num]; ok {
			return o, nil
		}
		return nil, fmt.Errorf("object %d is not in object stream %d", num, stm)
	}
	if len(v.objstm) > 10_000 {
		return nil, errors.New("too many object streams")
	}
	objs := map[int]types.Object{}
	v.objstm[stm] = objs // before reading it: a stream listed inside itself finds nothing
	o, sp, err := v.Raw(stm)
	if err != nil || sp == nil {
		return nil, fmt.Errorf("object stream %d: %v", stm, err)
	}
	data, err := v.Read(sp, maxXrefStmBytes)
	if err != nil {
		return nil, fmt.Errorf("object stream %d: %w", stm, err)
	}
	d := o.(types.Dict)
	dec, err := decodeFlate(d, data, 64<<20)
	if err != nil {
		return nil, fmt.Errorf("object stream %d: %w", stm, err)
	}
	n, first := d.IntEntry("N"), d.IntEntry("First")
	if n == nil || first == nil || *first < 0 || *first > len(dec) || *n < 0 || *n > len(dec) {
		return nil, fmt.Errorf("object stream %d: bad /N or /First", stm)
	}
	head := strings.Fields(string(dec[:*first]))
	for i := 0; i+1 < len(head) && i/2 < *n; i += 2 {
		on, err1 := strconv.Atoi(head[i])
		at, err2 := strconv.Atoi(head[i+1])
		if err1 != nil || err2 != nil || at < 0 || *first+at > len(dec) {
			return nil, fmt.Errorf("object stream %d: bad header", stm)
		}
		end := len(dec)
		if i+3 < len(head) {
			if nx, err := strconv.Atoi(head[i+3]); err == nil && *first+nx <= len(dec) && nx >= at {
				end = *first + nx
			}
		}
		s := strings.TrimSpace(string(dec[*first+at : end]))
		if o, err := model.ParseObject(&s); err == nil {
			objs[on] = o
		}
	}
	if o, ok := objs[num]; ok {
		return o, nil
	}
	return nil, fmt.Errorf("object %d is not in object stream %d", num, stm)
}

// Resolve follows indirect references, as Doc.Resolve does.
func (v *View) Resolve(o types.Object) (types.Object, error) {
	return follow(o, func(ir types.IndirectRef) (types.Object, error) {
		o, _, err := v.Raw(ir.ObjectNumber.Value())
		return o, err
	})
}

// Stream returns the decoded data of a stream object, at most limit bytes;
// it decodes as Doc.Stream does.
func (v *View) Stream(o types.Object, limit int64) ([]byte, error) {
	return streamOf(v, o, limit, v.Raw, v.Read)
}

// EOFMarkers returns the end offsets of every %%EOF marker in the file,
// in order (one per revision, and any a stream happens to hold).
func EOFMarkers(r io.ReaderAt, size int64) ([]int64, error) {
	var out []int64
	const chunk = 1 << 20
	buf := make([]byte, chunk+5)
	marker := []byte("%%EOF")
	for off := int64(0); off < size; off += chunk {
		n, err := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if err != nil && err != io.EOF {
			return nil, err
		}
		b := buf[:n]
		for i := 0; ; {
			j := bytes.Index(b[i:], marker)
			if j < 0 || i+j >= chunk { // matches past chunk are found by the next round
				break
			}
			out = append(out, off+int64(i+j+len(marker)))
			i += j + 1
		}
	}
	return out, nil
}
