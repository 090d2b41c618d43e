package pdf

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ocr"
)

// smallSignedPDF returns a one-page PDF/A and the same file signed, small
// enough to mutate quickly.
func smallSignedPDF(t testing.TB) (unsigned, signed []byte) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	img.Set(10, 10, color.Black)
	res := ocr.Result{Width: 64, Height: 48, DPI: 72, Lines: []ocr.Line{{Box: ocr.Box{X0: 2, Y0: 2, X1: 60, Y1: 20}, Words: []ocr.Word{{Text: "Hồ", Box: ocr.Box{X0: 2, Y0: 2, X1: 20, Y1: 20}}, {Text: "sơ", Box: ocr.Box{X0: 30, Y0: 2, X1: 60, Y1: 20}}}}}}
	var b bytes.Buffer
	if err := Assemble(context.Background(), &b, slicePages{{Image: encodeJPEG(t, img, true), Result: res}}, AssembleOptions{Conformance: PDFA1B, Metadata: testMeta}); err != nil {
		t.Fatal(err)
	}
	unsigned = append([]byte(nil), b.Bytes()...)
	s := newTestPKI(t, nil).signer(t)
	path := filepath.Join(t.TempDir(), "s.pdf")
	os.WriteFile(path, unsigned, 0o644)
	signFile(t, s, path)
	signed, _ = os.ReadFile(path)
	return unsigned, signed
}

// FuzzVerify: whatever the bytes, Verify returns a report or an error, never panics or hangs.
// Run: go test ./pdf -run '^$' -fuzz FuzzVerify -fuzztime 3m
func FuzzVerify(f *testing.F) {
	unsigned, signed := smallSignedPDF(f)
	f.Add(unsigned)
	f.Add(signed)
	f.Add(signed[:len(signed)/2])
	f.Add(signed[len(signed)-3000:])
	f.Add([]byte("%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF"))
	f.Add([]byte("not a pdf"))
	for _, s := range craftedPDFs {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Verify(context.Background(), bytes.NewReader(data), int64(len(data)), VerifyOptions{})
		if err == nil && r == nil {
			t.Fatal("nil report without error")
		}
		if err == nil {
			for _, s := range r.Signatures {
				if s.Intact && s.IntactError != "" {
					t.Fatalf("intact signature with an error: %+v", s)
				}
			}
		}
	})
}

// craftedPDFs push parsers towards huge allocations and deep recursion.
var craftedPDFs = []string{
	"%PDF-1.7\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\nxref\n0 3\n0000000000 65535 f\r\n0000000009 00000 n\r\n0000000060 00000 n\r\ntrailer <</Size 2000000000 /Root 1 0 R>>\nstartxref\n110\n%%EOF\n",
	"%PDF-1.7\n1 0 obj <</Type /Catalog /Pages 2 0 R /Metadata 3 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [2 0 R] /Count 1000000000>> endobj\n3 0 obj <</Length 30>> stream\n<pdfaid:part>1</pdfaid:part>\nendstream endobj\ntrailer <</Size 4 /Root 1 0 R>>\n%%EOF\n",
	"%PDF-1.7\n1 0 obj " + strings.Repeat("[", 200000) + " endobj\ntrailer <</Root 1 0 R>>\n%%EOF",
	"%PDF-1.7\n1 0 obj " + strings.Repeat("<</A ", 100000) + " endobj\ntrailer <</Root 1 0 R>>\n%%EOF",
	"%PDF-1.7\n1 0 obj <</Type /Catalog /AcroForm <</Fields [2 0 R]>>>> endobj\n2 0 obj <</FT /Sig /V <</ByteRange [0 999999999 999999999 999999999] /Contents <00>>>>> endobj\ntrailer <</Size 3 /Root 1 0 R>>\n%%EOF\n",
}

// Malformed input gives a clear error.
func TestVerifyMalformed(t *testing.T) {
	_, signed := smallSignedPDF(t)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"text", []byte("hello")},
		{"truncated", signed[:len(signed)/3]},
		{"header only", []byte("%PDF-1.7\n")},
		{"deep arrays", []byte(craftedPDFs[2])},
		{"deep dicts", []byte(craftedPDFs[3])},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Verify(context.Background(), bytes.NewReader(tc.data), int64(len(tc.data)), VerifyOptions{})
			if err == nil {
				t.Fatalf("no error, report %+v", r)
			}
			t.Logf("%v", err)
		})
	}
}
