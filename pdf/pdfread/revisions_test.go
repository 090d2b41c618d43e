package pdfread

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Revisions and View read a file revision by revision, with classic tables
// and with cross-reference and object streams (qpdf), and an incremental
// update on top: each view sees the objects as they were.
func TestRevisions(t *testing.T) {
	classic := treePDF()
	for name, data := range map[string][]byte{"classic": classic, "streams": viaQPDF(t, classic)} {
		t.Run(name, func(t *testing.T) {
			revs, err := Revisions(bytes.NewReader(data), int64(len(data)))
			if err != nil || len(revs) != 1 {
				t.Fatalf("Revisions: %d, %v", len(revs), err)
			}
			// An update that changes page 3's content stream.
			var b bytes.Buffer
			b.Write(data)
			at := b.Len()
			v0 := NewView(bytes.NewReader(data), int64(len(data)), revs, 0)
			pages, _ := v0.Resolve(v0.Trailer["Root"])
			// The first page's content (qpdf renumbers objects).
			node := pages.(types.Dict)["Pages"]
			for i := 0; i < 3; i++ {
				d, _ := v0.Resolve(node)
				if k, ok := d.(types.Dict)["Kids"].(types.Array); ok {
					node = k[0]
					continue
				}
				node = d.(types.Dict)["Contents"]
				break
			}
			num := node.(types.IndirectRef).ObjectNumber.Value()
			fmt.Fprintf(&b, "%d 0 obj\n<< /Length 3 >>\nstream\nxyz\nendstream\nendobj\n", num)
			x := b.Len()
			fmt.Fprintf(&b, "xref\n%d 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n",
				num, at, *revs[0].Trailer.IntEntry("Size"), v0.Trailer["Root"].PDFString(), revs[0].XRef, x)
			up := b.Bytes()
			revs, err = Revisions(bytes.NewReader(up), int64(len(up)))
			if err != nil || len(revs) != 2 || revs[1].End != int64(len(up)-1) {
				t.Fatalf("after the update: %d revisions, %v", len(revs), err)
			}
			for i, want := range []string{"abc", "xyz"} {
				v := NewView(bytes.NewReader(up), int64(len(up)), revs, i)
				got, err := v.Stream(node, 100)
				if err != nil || string(got) != want {
					t.Errorf("revision %d: object %d = %q, %v; want %q", i+1, num, got, err, want)
				}
				if r, _ := v.Resolve(v.Trailer["Root"]); r.PDFString() != pages.PDFString() {
					t.Errorf("revision %d: catalog %s", i+1, r.PDFString())
				}
			}
		})
	}
}

// Crafted cross-reference data fails cleanly.
func TestRevisionsHostile(t *testing.T) {
	base := string(treePDF())
	loop := strings.Replace(base, "/ID [<01> <01>]", fmt.Sprintf("/ID [<01> <01>] /Prev %d", strings.LastIndex(base, "xref")), 1)
	for name, data := range map[string]string{
		"no startxref":     "%PDF-1.4\n1 0 obj <<>> endobj\n",
		"prev loop":        loop,
		"bad entry":        strings.Replace(base, " 00000 n \n", " 00000 x \n", 1),
		"xref stream bomb": "%PDF-1.5\n1 0 obj\n<< /Type /XRef /Size 999999999 /W [1 1 0] /Length 0 >>\nstream\n\nendstream\nendobj\nstartxref\n9\n%%EOF\n",
	} {
		t.Run(name, func(t *testing.T) {
			if revs, err := Revisions(strings.NewReader(data), int64(len(data))); err == nil {
				t.Errorf("no error, %d revisions", len(revs))
			}
		})
	}
}

// TestXrefEntryEnds: a classic table is read whatever ends its entries:
// the standard's SP CR, SP LF and CR LF (20 bytes an entry; with SP CR the
// whole table is one "line") and a lone LF or CR (19 bytes, as some
// writers get it wrong). Revisions and the lazy reader read it alike.
func TestXrefEntryEnds(t *testing.T) {
	base := string(treePDF())
	entry := regexp.MustCompile(`(\d{10} \d{5} [nf]) \n`)
	for _, tc := range []struct{ name, end string }{
		{"SP CR", " \r"}, {"SP LF", " \n"}, {"CR LF", "\r\n"}, {"lone LF", "\n"}, {"lone CR", "\r"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := entry.ReplaceAllStringFunc(base, func(e string) string { return strings.TrimSuffix(e, " \n") + tc.end })
			revs, err := Revisions(strings.NewReader(data), int64(len(data)))
			if err != nil || len(revs) != 1 {
				t.Fatalf("Revisions: %d revisions, %v", len(revs), err)
			}
			if n := len(revs[0].Entries); n != 9 {
				t.Errorf("Revisions read %d entries, want 9", n)
			}
			doc, err := Open(strings.NewReader(data), int64(len(data)))
			if err != nil || !doc.Lazy {
				t.Fatalf("Open: %v, lazy %v (want the lazy reader)", err, doc != nil && doc.Lazy)
			}
			for n, want := range map[int]int{1: 90, 3: 0} { // inherited from the root, own
				if p, err := doc.Page(n); err != nil || p.Rotate != want {
					t.Errorf("lazy reader, page %d: %+v, %v; want /Rotate %d", n, p, err, want)
				}
			}
		})
	}
}
