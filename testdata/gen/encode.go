package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"math"
)

// Go's encoders write no resolution, so the dpi is spliced in: a pHYs chunk
// in PNG, a JFIF APP0 segment in JPEG. Both encoders are deterministic, so
// the same image gives the same bytes.

// encodePNG writes img as PNG with a pHYs chunk saying dpi.
func encodePNG(img image.Image, dpi int) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	// Signature (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC).
	const ihdrEnd = 8 + 4 + 4 + 13 + 4
	if len(b) < ihdrEnd || string(b[12:16]) != "IHDR" {
		return nil, errors.New("png: unexpected encoder output")
	}
	ppm := uint32(math.Round(float64(dpi) / 0.0254)) // pixels per metre
	chunk := make([]byte, 4+4+9+4)
	binary.BigEndian.PutUint32(chunk[0:], 9)
	copy(chunk[4:], "pHYs")
	binary.BigEndian.PutUint32(chunk[8:], ppm)
	binary.BigEndian.PutUint32(chunk[12:], ppm)
	chunk[16] = 1 // unit: metre
	binary.BigEndian.PutUint32(chunk[17:], crc32.ChecksumIEEE(chunk[4:17]))
	out := make([]byte, 0, len(b)+len(chunk))
	out = append(out, b[:ihdrEnd]...)
	out = append(out, chunk...)
	return append(out, b[ihdrEnd:]...), nil
}

// encodeJPEG writes img as baseline JPEG at quality q with a JFIF APP0
// segment giving the density in dots per inch.
func encodeJPEG(img image.Image, q, dpi int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil, errors.New("jpeg: unexpected encoder output")
	}
	if b[2] == 0xFF && b[3] == 0xE0 {
		return nil, errors.New("jpeg: encoder already wrote APP0")
	}
	app0 := []byte{
		0xFF, 0xE0, 0x00, 0x10, // APP0, length 16
		'J', 'F', 'I', 'F', 0x00,
		0x01, 0x02, // version 1.02
		0x01, // units: dots per inch
		byte(dpi >> 8), byte(dpi), byte(dpi >> 8), byte(dpi),
		0x00, 0x00, // no thumbnail
	}
	out := make([]byte, 0, len(b)+len(app0))
	out = append(out, b[:2]...)
	out = append(out, app0...)
	return append(out, b[2:]...), nil
}
