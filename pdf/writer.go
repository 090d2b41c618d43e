package pdf

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
)

// objWriter writes PDF objects one after another and keeps only their
// offsets, so that a document of any length streams through in bounded memory.
type objWriter struct {
	w       *bufio.Writer
	base    int64 // offset of the first byte written (non-zero for incremental updates)
	n       int64
	offsets map[int]int64
	next    int         // next free object number
	gens    map[int]int // non-zero generations of rewritten objects
	err     error
}

func newObjWriter(w io.Writer, base int64, firstFree int) *objWriter {
	return &objWriter{w: bufio.NewWriterSize(w, 256<<10), base: base, offsets: map[int]int64{}, next: firstFree}
}

func (o *objWriter) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.Write(p)
	o.n += int64(n)
	o.err = err
	return n, err
}

func (o *objWriter) printf(format string, args ...any) { fmt.Fprintf(o, format, args...) }

// pos is the absolute offset of the next byte.
func (o *objWriter) pos() int64 { return o.base + o.n }

// alloc reserves an object number.
func (o *objWriter) alloc() int {
	id := o.next
	o.next++
	return id
}

// obj writes "id 0 obj body endobj".
func (o *objWriter) obj(id int, body string) {
	o.offsets[id] = o.pos()
	o.printf("%d 0 obj\n%s\nendobj\n", id, body)
}

// objGen writes a new version of an existing object (any generation).
func (o *objWriter) objGen(id, gen int, body string) {
	o.offsets[id] = o.pos()
	if gen != 0 {
		if o.gens == nil {
			o.gens = map[int]int{}
		}
		o.gens[id] = gen
	}
	o.printf("%d %d obj\n%s\nendobj\n", id, gen, body)
}

// stream writes a stream object; dict is the dictionary body without << >>
// and without /Length.
func (o *objWriter) stream(id int, dict string, data []byte) {
	o.offsets[id] = o.pos()
	o.printf("%d 0 obj\n<<%s /Length %d>>\nstream\n", id, dict, len(data))
	o.Write(data)
	o.printf("\nendstream\nendobj\n")
}

// flateStream compresses data and writes it with /Filter /FlateDecode.
func (o *objWriter) flateStream(id int, dict string, data []byte) {
	o.stream(id, dict+" /Filter /FlateDecode", deflate(data))
}

// xref writes a classic cross-reference table covering the objects written
// by this writer, then the trailer and startxref. Classic tables keep PDF/A-1
// happy (no xref streams).
func (o *objWriter) xref(size int, trailer string) error {
	start := o.pos()
	ids := make([]int, 0, len(o.offsets))
	for id := range o.offsets {
		ids = append(ids, id)
	}
	sortInts(ids)
	o.printf("xref\n")
	if o.base == 0 {
		// Full table from object 0.
		o.printf("0 %d\n0000000000 65535 f\r\n", size)
		for id := 1; id < size; id++ {
			off, ok := o.offsets[id]
			if !ok {
				o.printf("0000000000 65535 f\r\n")
				continue
			}
			o.printf("%010d 00000 n\r\n", off)
		}
	} else {
		// Update section: one subsection per run of consecutive numbers.
		for i := 0; i < len(ids); {
			j := i
			for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
				j++
			}
			o.printf("%d %d\n", ids[i], j-i+1)
			for k := i; k <= j; k++ {
				o.printf("%010d %05d n\r\n", o.offsets[ids[k]], o.gens[ids[k]])
			}
			i = j + 1
		}
	}
	o.printf("trailer\n<<%s>>\nstartxref\n%d\n%%%%EOF\n", trailer, start)
	if o.err != nil {
		return o.err
	}
	return o.w.Flush()
}

func sortInts(a []int) {
	// insertion sort is enough for update sections; full tables do not use it.
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

func deflate(data []byte) []byte {
	var b bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&b, zlib.BestSpeed)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}

func ref(id int) string { return strconv.Itoa(id) + " 0 R" }

// pdfText encodes s as a PDF text string: literal when ASCII, else UTF-16BE
// with a byte order mark, in hex.
func pdfText(s string) string {
	ascii := true
	for _, r := range s {
		if r >= 0x80 || r < 0x20 {
			ascii = false
			break
		}
	}
	if ascii {
		r := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`)
		return "(" + r.Replace(s) + ")"
	}
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

// num formats a coordinate with at most 3 decimals.
func num(f float64) string {
	s := strconv.FormatFloat(f, 'f', 3, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}
