package pdfread

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/sohoa/sohoa/pdf/pdftest"
)

// onePagePDF is a PDF of one 10 x 10 point page drawn by contents, the
// page's content stream object.
func onePagePDF(contents string) []byte {
	return pdftest.ClassicPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Contents 4 0 R >>",
		contents,
	)
}

func flate(s string) string {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", b.Len(), b.Bytes())
}

// treePDF has three pages under two levels of /Pages: the MediaBox and
// /Rotate are inherited from the root node, page 3 overrides both and
// has its own resources and a compressed content stream.
func treePDF() []byte {
	return pdftest.ClassicPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 3 /MediaBox [0 0 595 842] /Rotate 90 /Resources << /XObject << /Im0 9 0 R >> >> >>",
		"<< /Type /Pages /Parent 2 0 R /Kids [4 0 R 5 0 R] /Count 2 >>",
		"<< /Type /Page /Parent 3 0 R /Contents 8 0 R >>",
		"<< /Type /Page /Parent 3 0 R /CropBox [10 10 500 800] >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 200] /Rotate 0 /Resources << /Font << >> >> /Contents [7 0 R 8 0 R] >>",
		flate("q 100 0 0 200 0 0 cm /Im0 Do Q"),
		"<< /Length 3 >>\nstream\nabc\nendstream",
		"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /BitsPerComponent 8 /ColorSpace /DeviceGray /Length 1 >>\nstream\n\x00\nendstream",
	)
}

// viaQPDF rewrites data with object and cross-reference streams, which
// the lazy reader leaves to pdfcpu.
func viaQPDF(t *testing.T, data []byte) []byte {
	t.Helper()
	pdftest.Tool(t, "qpdf")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	os.WriteFile(in, data, 0o644)
	if b, err := exec.Command("qpdf", "--object-streams=generate", in, out).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Both backends give the same pages, with inherited attributes applied.
func TestPages(t *testing.T) {
	classic := treePDF()
	for _, tc := range []struct {
		name string
		data []byte
		lazy bool
	}{
		{"classic xref", classic, true},
		{"xref and object streams", viaQPDF(t, classic), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Open(bytes.NewReader(tc.data), int64(len(tc.data)))
			if err != nil {
				t.Fatal(err)
			}
			if doc.Lazy != tc.lazy {
				t.Errorf("Lazy = %v, want %v", doc.Lazy, tc.lazy)
			}
			if doc.Version == "" {
				t.Error("no header version")
			}
			want := []struct {
				mb, cb string
				rotate int
				res    string
				body   string
			}{
				{"(0.00, 0.00, 595.00, 842.00) w=595.00 h=842.00 ar=0.71", "", 90, "XObject", "abc\n"},
				{"(0.00, 0.00, 595.00, 842.00) w=595.00 h=842.00 ar=0.71", "(10.00, 10.00, 500.00, 800.00) w=490.00 h=790.00 ar=0.62", 90, "XObject", ""},
				{"(0.00, 0.00, 100.00, 200.00) w=100.00 h=200.00 ar=0.50", "", 0, "Font", "q 100 0 0 200 0 0 cm /Im0 Do Q\nabc\n"},
			}
			for i, w := range want {
				p, err := doc.Page(i + 1)
				if err != nil {
					t.Fatalf("page %d: %v", i+1, err)
				}
				if p.MediaBox == nil || p.MediaBox.String() != w.mb {
					t.Errorf("page %d MediaBox %v, want %s", i+1, p.MediaBox, w.mb)
				}
				if got := ""; p.CropBox != nil {
					got = p.CropBox.String()
					if got != w.cb {
						t.Errorf("page %d CropBox %s, want %s", i+1, got, w.cb)
					}
				} else if w.cb != "" {
					t.Errorf("page %d has no CropBox, want %s", i+1, w.cb)
				}
				if p.Rotate != w.rotate {
					t.Errorf("page %d Rotate %d, want %d", i+1, p.Rotate, w.rotate)
				}
				if _, ok := p.Resources[w.res]; !ok {
					t.Errorf("page %d resources %v, want /%s", i+1, p.Resources, w.res)
				}
				body, err := doc.Content(p, 1<<20)
				if err != nil {
					t.Fatalf("page %d content: %v", i+1, err)
				}
				if string(body) != w.body {
					t.Errorf("page %d content %q, want %q", i+1, body, w.body)
				}
			}
			if _, err := doc.Page(4); err == nil {
				t.Error("page 4 of 3 found")
			}
			p, _ := doc.Page(3)
			xo, err := doc.Dict(p.Resources["XObject"])
			if err == nil {
				_, err = doc.Dict(xo["Im0"])
			}
			if err == nil {
				t.Error("page 3 resolves an XObject it does not have")
			}
			p, _ = doc.Page(1)
			xo, err = doc.Dict(p.Resources["XObject"])
			if err != nil {
				t.Fatal(err)
			}
			im, err := doc.Dict(xo["Im0"])
			if err != nil || doc.Name(im, "Subtype") != "Image" {
				t.Errorf("inherited image XObject: %v %v", im, err)
			}
		})
	}
}

// A table whose offsets do not point at their objects goes to pdfcpu,
// which repairs it.
func TestDamagedTableRepaired(t *testing.T) {
	// Junk before the header (a mail gateway's, say) shifts every offset.
	data := append([]byte("junk\n"), treePDF()...)
	doc, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Lazy {
		t.Error("a damaged table was read lazily")
	}
	if p, err := doc.Page(3); err != nil || p.Rotate != 0 {
		t.Errorf("page 3 after repair: %+v, %v", p, err)
	}
}

// The defences against crafted files: each case would loop or grow
// without its bound.
func TestHostile(t *testing.T) {
	t.Run("xref Prev loop", func(t *testing.T) {
		data := treePDF()
		data = bytes.Replace(data, []byte("/ID [<01> <01>]"), []byte("/ID [<01> <01>] /Prev "+startxrefOf(t, data)), 1)
		if _, err := openLazy(bytes.NewReader(data), int64(len(data))); err == nil || !strings.Contains(err.Error(), "loop") {
			t.Errorf("openLazy = %v, want a cross-reference loop", err)
		}
	})
	t.Run("page tree cycle", func(t *testing.T) {
		data := pdftest.ClassicPDF(
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
		)
		doc, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return // pdfcpu refused it whole: fine too
		}
		if _, err := doc.Page(1); err == nil {
			t.Error("a cyclic page tree gave a page")
		}
	})
	t.Run("reference loop", func(t *testing.T) {
		data := pdftest.ClassicPDF(
			"<< /Type /Catalog /Pages 2 0 R /X 3 0 R >>",
			"<< /Type /Pages /Kids [] /Count 0 >>",
			"4 0 R",
			"3 0 R",
		)
		doc, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if !doc.Lazy {
			t.Fatal("not read lazily")
		}
		root, err := doc.Root()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := doc.Resolve(root["X"]); err == nil {
			t.Error("a reference loop resolved")
		}
	})
	t.Run("decompression bomb", func(t *testing.T) {
		data := onePagePDF(flate(strings.Repeat("0 0 m ", 1<<20)))
		for _, open := range []func(*bytes.Reader, int64) (*Doc, error){
			func(r *bytes.Reader, n int64) (*Doc, error) { return Open(r, n) },
			func(r *bytes.Reader, n int64) (*Doc, error) { return OpenWhole(r, n) },
		} {
			doc, err := open(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			p, err := doc.Page(1)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := doc.Content(p, 1<<20); err == nil {
				t.Errorf("lazy=%v: 6 MiB of content decoded under a 1 MiB limit", doc.Lazy)
			}
			if b, err := doc.Content(p, 8<<20); err != nil || len(b) != 6<<20+1 {
				t.Errorf("lazy=%v: within the limit: %d bytes, %v", doc.Lazy, len(b), err)
			}
		}
	})
}

func startxrefOf(t *testing.T, data []byte) string {
	off, err := StartXref(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(off)
}

// Streams with other filters than Flate decode through pdfcpu's filters,
// in a Doc and in a revision's View alike (the signature checks read
// through a View).
func TestStreamFilters(t *testing.T) {
	data := onePagePDF("<< /Length 11 /Filter /ASCIIHexDecode >>\nstream\n302030206D>\nendstream")
	doc, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil || !doc.Lazy {
		t.Fatalf("open: lazy=%v %v", doc != nil && doc.Lazy, err)
	}
	b, err := doc.Stream(types.IndirectRef{ObjectNumber: 4}, 100)
	if err != nil || string(b) != "0 0 m" {
		t.Errorf("ASCIIHex stream: %q, %v", b, err)
	}
	revs, err := Revisions(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	v := NewView(bytes.NewReader(data), int64(len(data)), revs, 0)
	if b, err := v.Stream(types.IndirectRef{ObjectNumber: 4}, 100); err != nil || string(b) != "0 0 m" {
		t.Errorf("ASCIIHex stream in a View: %q, %v", b, err)
	}
}
