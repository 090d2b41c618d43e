package engine

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ocr"
)

// testImage reads a JPEG of testdata as a corrected page image.
func testImage(t *testing.T, name string) (ocr.Image, *image.Gray) {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	g, ok := m.(*image.Gray)
	if !ok {
		t.Fatalf("%s: %T, want grey", name, m)
	}
	return ocr.Image{Encoding: ocr.JPEG, Width: g.Rect.Dx(), Height: g.Rect.Dy(), Data: data}, g
}

// TestReadCodes: "- Lưu: VT, KTTH." of a generated NĐ 30 page, which the
// page reading's Vietnamese model read "VŨ, KEỰTH.", reads in English as
// its capitals.
func TestReadCodes(t *testing.T) {
	img, _ := testImage(t, "copies-ktth.jpg")
	rs, err := sharedPool().ReadDigits(context.Background(), ocr.DigitsInput{Name: "copies-ktth.jpg", Image: img,
		Codes: []ocr.Box{{X0: 16, Y0: 19, X1: 456, Y1: 86}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || !strings.Contains(rs[0].Text, "VT, KTTH") || rs[0].Confidence < 80 {
		t.Fatalf("readings %+v, want VT, KTTH at 80 or more", rs)
	}
}

// TestDotBelow: the dot under the y of "Mỵ" (a signer's name of a
// generated page, which the page reading read "My") is seen; with the dot
// painted over, none is.
func TestDotBelow(t *testing.T) {
	img, g := testImage(t, "name-my-dot.jpg")
	word := ocr.Box{X0: 284, Y0: 27, X1: 337, Y1: 63}  // "My"
	family := ocr.Box{X0: 37, Y0: 21, X1: 178, Y1: 63} // "Nguyễn": no dot under its y
	in := ocr.DigitsInput{Name: "name-my-dot.jpg", Image: img, DotsBelow: []ocr.Box{word, family}}
	rs, err := sharedPool().ReadDigits(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || !rs[0].Ink || rs[1].Ink {
		t.Fatalf("readings %+v, want a dot under My and none under Nguyễn", rs)
	}
	// The dot (right of the descender, under the baseline) painted over.
	for y := 55; y < 70; y++ {
		for x := 329; x < 352; x++ {
			g.Pix[y*g.Stride+x] = 255
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, g, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	in.Image.Data = b.Bytes()
	if rs, err = sharedPool().ReadDigits(context.Background(), in); err != nil || rs[0].Ink {
		t.Fatalf("without the dot: %+v, %v", rs, err)
	}
}

// TestReadNames: a signer's name line, which the page reading read "Trần
// Thu Chỉ", is read at each of nameScales, and at one of them "Chi".
func TestReadNames(t *testing.T) {
	img, _ := testImage(t, "name-chi.jpg")
	// The words 1540–1897 × 1089–1134 of the page, with room, in the crop
	// taken at 1496, 1064.
	rs, err := sharedPool().ReadDigits(context.Background(), ocr.DigitsInput{Name: "name-chi.jpg", Image: img,
		Names: []ocr.Box{{X0: 22, Y0: 10, X1: 423, Y1: 85}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 {
		t.Fatalf("readings %+v", rs)
	}
	lines := strings.Split(rs[0].Text, "\n")
	if len(lines) != len(nameScales) || !slices.ContainsFunc(lines, func(l string) bool { return strings.HasSuffix(l, "Thu Chi") }) {
		t.Errorf("readings %q, want one per scale, one of them ending Thu Chi", lines)
	}
}
