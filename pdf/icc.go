package pdf

import (
	"bytes"
	"encoding/binary"
	"math"
)

// srgbICC builds a small ICC v2 display profile for sRGB (D50-adapted
// primaries, sRGB tone curve as a 1024-entry table). Version 2 because PDF/A-1
// accepts nothing newer; generated here so no third-party profile licence applies.
func srgbICC() []byte {
	type tag struct {
		sig  string
		data []byte
	}
	s15 := func(f float64) []byte {
		b := make([]byte, 4)
		binary.BigEndian.PutUint32(b, uint32(int32(math.Round(f*65536))))
		return b
	}
	xyz := func(x, y, z float64) []byte {
		var b bytes.Buffer
		b.WriteString("XYZ \x00\x00\x00\x00")
		b.Write(s15(x))
		b.Write(s15(y))
		b.Write(s15(z))
		return b.Bytes()
	}
	desc := func(s string) []byte {
		var b bytes.Buffer
		b.WriteString("desc\x00\x00\x00\x00")
		binary.Write(&b, binary.BigEndian, uint32(len(s)+1))
		b.WriteString(s)
		b.WriteByte(0)
		b.Write(make([]byte, 4+4+2+1+67)) // empty Unicode and ScriptCode parts
		return b.Bytes()
	}
	var curv bytes.Buffer
	curv.WriteString("curv\x00\x00\x00\x00")
	const n = 1024
	binary.Write(&curv, binary.BigEndian, uint32(n))
	for i := 0; i < n; i++ {
		v := float64(i) / (n - 1)
		if v <= 0.04045 {
			v /= 12.92
		} else {
			v = math.Pow((v+0.055)/1.055, 2.4)
		}
		binary.Write(&curv, binary.BigEndian, uint16(math.Round(v*65535)))
	}
	text := []byte("text\x00\x00\x00\x00No copyright, use freely\x00")
	tags := []tag{
		{"desc", desc("sRGB IEC61966-2.1")},
		{"cprt", text},
		{"wtpt", xyz(0.9642, 1.0, 0.8249)},
		{"rXYZ", xyz(0.4360, 0.2225, 0.0139)},
		{"gXYZ", xyz(0.3851, 0.7169, 0.0971)},
		{"bXYZ", xyz(0.1431, 0.0606, 0.7141)},
		{"rTRC", curv.Bytes()},
		{"gTRC", curv.Bytes()},
		{"bTRC", curv.Bytes()},
	}
	headerLen := 128 + 4 + 12*len(tags)
	var table, data bytes.Buffer
	binary.Write(&table, binary.BigEndian, uint32(len(tags)))
	off := headerLen
	for _, t := range tags {
		for data.Len()%4 != 0 {
			data.WriteByte(0)
		}
		table.WriteString(t.sig)
		binary.Write(&table, binary.BigEndian, uint32(headerLen+data.Len()))
		binary.Write(&table, binary.BigEndian, uint32(len(t.data)))
		data.Write(t.data)
	}
	_ = off
	for data.Len()%4 != 0 {
		data.WriteByte(0)
	}
	size := headerLen + data.Len()
	h := make([]byte, 128)
	binary.BigEndian.PutUint32(h[0:], uint32(size))
	binary.BigEndian.PutUint32(h[8:], 0x02100000)
	copy(h[12:], "mntr")
	copy(h[16:], "RGB ")
	copy(h[20:], "XYZ ")
	for i, v := range []uint16{2026, 1, 1, 0, 0, 0} {
		binary.BigEndian.PutUint16(h[24+2*i:], v)
	}
	copy(h[36:], "acsp")
	copy(h[68:], s15(0.9642))
	copy(h[72:], s15(1.0))
	copy(h[76:], s15(0.8249))
	out := append(h, table.Bytes()...)
	return append(out, data.Bytes()...)
}
