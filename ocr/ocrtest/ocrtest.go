// Package ocrtest makes small images, honest and forged (decompression
// bombs, TIFF page chains), and reads the shared corpus of real scans, for
// the tests of every package that takes page images. Only tests import it.
package ocrtest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// Corpus returns the shared folder of real scans, read in place: the
// folder "shared/corpus" beside the module's root, or beside a folder
// above it (a worktree in a folder of worktrees).
func Corpus(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := ""
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil && root == "" {
			root = dir
		}
		if root != "" {
			if c := filepath.Join(dir, "..", "shared", "corpus"); isDir(c) {
				return c
			}
		}
		up := filepath.Dir(dir)
		if up == dir {
			if root == "" {
				t.Fatal("no go.mod above the test's folder")
			}
			return filepath.Join(root, "..", "shared", "corpus") // missing: the caller says so
		}
		dir = up
	}
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// ReadCorpus reads the file rel of the shared corpus.
func ReadCorpus(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Corpus(t), rel))
	if err != nil {
		t.Fatalf("real scans missing (run `bash .ci/test` from the project root): %v", err)
	}
	return b
}

// TinyPNG is a white grey PNG of w×h pixels.
func TinyPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TinyJPEG is a colour gradient JPEG of w×h pixels.
func TinyJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// PNGWithHeader forges a PNG that claims w×h pixels: a decompression bomb
// as a decoder would first see it.
func PNGWithHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, body []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(body)))
		b.WriteString(typ)
		b.Write(body)
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(body)
		binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// TIFFPages forges a little-endian TIFF with n IFDs chained, each claiming
// w×h, with one strip at offset 8 of length stripLen.
func TIFFPages(n int, w, h uint32, stripLen uint32, loop bool) []byte {
	var b bytes.Buffer
	b.WriteString("II*\x00")
	binary.Write(&b, binary.LittleEndian, uint32(16))
	b.Write(make([]byte, 8)) // strip data at 8..16
	for i := 0; i < n; i++ {
		off := uint32(b.Len())
		entries := [][3]uint32{{256, 4, w}, {257, 4, h}, {273, 4, 8}, {279, 4, stripLen}}
		binary.Write(&b, binary.LittleEndian, uint16(len(entries)))
		for _, e := range entries {
			binary.Write(&b, binary.LittleEndian, uint16(e[0]))
			binary.Write(&b, binary.LittleEndian, uint16(e[1]))
			binary.Write(&b, binary.LittleEndian, uint32(1))
			binary.Write(&b, binary.LittleEndian, e[2])
		}
		next := uint32(0)
		if i < n-1 {
			next = off + 2 + uint32(len(entries))*12 + 4
		}
		if loop && i == n-1 {
			next = 16
		}
		binary.Write(&b, binary.LittleEndian, next)
	}
	return b.Bytes()
}
