package stack

import (
	"errors"
	"image"
	"math"
)

// Reading a stack looks at every page, and most pages of a colour scan are
// JPEGs of 1-2 MB: Go's image/jpeg spends most of its time on the inverse
// DCT of all three components at full size, when looking for a symbol
// needs only the luma at a third of the resolution. decodeJPEGLuma takes
// the luma straight from the DCT coefficients at 1/2, 1/4 or 1/8 scale
// (the reduced inverse DCT of libjpeg's scaled decoding: the N×N lowest
// frequencies give the N×N block), and skips the colour blocks after their
// entropy decoding. No kept Go library does scaled decoding (libjpeg-turbo
// would need cgo, which the station build has not). It reads what
// scanners write, a single-scan baseline JPEG, grey or YCbCr with any
// sampling; anything else is errJPEGUnsupported and goes to image/jpeg.

var (
	errJPEGUnsupported = errors.New("stack: jpeg: not a single-scan baseline JPEG")
	errJPEGCorrupt     = errors.New("stack: jpeg: corrupt data")
)

// zigzag maps the order of coefficients in the stream to their natural
// (row-major) position in the 8×8 block.
var zigzag = [64]uint8{
	0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
}

type jpegHuff struct {
	lut     [1 << 9]uint16 // code of at most 9 bits: length<<8 | value; 0 for longer codes
	maxcode [17]int32      // largest code of each length, -1 when none
	valptr  [17]int32      // index in vals of the first code of each length
	mincode [17]int32
	vals    []byte
	ok      bool
}

func (h *jpegHuff) build(counts [16]int, vals []byte) error {
	*h = jpegHuff{vals: vals, ok: true}
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		n := int32(counts[l-1])
		if code+n > 1<<l {
			return errJPEGCorrupt // more codes of this length than there are
		}
		h.valptr[l], h.mincode[l] = k, code
		if n == 0 {
			h.maxcode[l] = -1
		} else {
			h.maxcode[l] = code + n - 1
		}
		for i := int32(0); i < n; i++ {
			if l <= 9 {
				c := (code + i) << (9 - l)
				for j := int32(0); j < 1<<(9-l); j++ {
					h.lut[c+j] = uint16(l)<<8 | uint16(vals[k+i])
				}
			}
		}
		code = (code + n) << 1
		k += n
	}
	return nil
}

// jpegBits reads the entropy-coded data: bytes 0xFF 0x00 are a 0xFF, a
// marker ends the data (zeros are read after it, as libjpeg does), and
// running out of bytes without a marker is a truncated file.
type jpegBits struct {
	data      []byte
	pos       int
	acc       uint64
	n         uint // valid bits, right-aligned in acc
	atMarker  bool
	truncated bool
}

func (b *jpegBits) fill() {
	for b.n <= 56 {
		var c byte
		switch {
		case b.atMarker:
		case b.pos >= len(b.data):
			b.truncated = true
		case b.data[b.pos] != 0xFF:
			c = b.data[b.pos]
			b.pos++
		case b.pos+1 < len(b.data) && b.data[b.pos+1] == 0x00:
			c = 0xFF
			b.pos += 2
		default:
			b.atMarker = true
		}
		b.acc = b.acc<<8 | uint64(c)
		b.n += 8
	}
}

func (b *jpegBits) decode(h *jpegHuff) (byte, error) {
	if b.n < 32 {
		b.fill()
	}
	if e := h.lut[(b.acc>>(b.n-9))&0x1ff]; e != 0 {
		b.n -= uint(e >> 8)
		return byte(e), nil
	}
	code := int32(0)
	for l := 1; l <= 16; l++ {
		code = code<<1 | int32((b.acc>>(b.n-uint(l)))&1)
		if code <= h.maxcode[l] {
			b.n -= uint(l)
			i := h.valptr[l] + code - h.mincode[l]
			if int(i) >= len(h.vals) {
				return 0, errJPEGCorrupt
			}
			return h.vals[i], nil
		}
	}
	return 0, errJPEGCorrupt
}

// receive reads s bits (s <= 16, after a decode made room) as a signed
// coefficient.
func (b *jpegBits) receive(s uint) int32 {
	if s == 0 {
		return 0
	}
	v := int32((b.acc >> (b.n - s)) & (1<<s - 1))
	b.n -= s
	if v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}

// restart skips the RSTn marker that must stand where the bits are.
func (b *jpegBits) restart() error {
	b.acc, b.n, b.atMarker = 0, 0, false
	for b.pos < len(b.data) && b.data[b.pos] == 0xFF && b.pos+1 < len(b.data) && b.data[b.pos+1] == 0xFF {
		b.pos++
	}
	if b.pos+1 >= len(b.data) || b.data[b.pos] != 0xFF || b.data[b.pos+1] < 0xD0 || b.data[b.pos+1] > 0xD7 {
		return errJPEGCorrupt
	}
	b.pos += 2
	return nil
}

type jpegComp struct {
	id, h, v, tq int
	td, ta       int
	pred         int32
}

// idctTab[N][x][u] is C(u)·cos((2x+1)uπ/2N)/2 in 1/2048ths: the N-point
// inverse DCT of the N lowest frequencies (each pass carries half of the
// transform's 1/4).
var idctTab = func() (t [9][8][8]int64) {
	for _, n := range []int{1, 2, 4, 8} {
		for x := range n {
			for u := range n {
				c := 1.0
				if u == 0 {
					c = 1 / math.Sqrt2
				}
				t[n][x][u] = int64(math.Round(c * math.Cos(float64(2*x+1)*float64(u)*math.Pi/float64(2*n)) / 2 * 2048))
			}
		}
	}
	return t
}()

// decodeJPEGLuma decodes the luma of the JPEG in data at 1/scale of its
// size (scale 2, 4 or 8; each side rounded up); a JPEG of more than
// maxPixels is not decoded.
func decodeJPEGLuma(data []byte, scale int, maxPixels int64) (*image.Gray, error) {
	n := 8 / scale
	if scale != 2 && scale != 4 && scale != 8 {
		return nil, errJPEGUnsupported
	}
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, errJPEGCorrupt
	}
	var (
		quant        [4][64]int32 // natural order
		dc, ac       [4]jpegHuff
		comps        []jpegComp
		width, heigh int
		restartEvery int
		adobeRGB     bool
	)
	pos := 2
	for {
		for pos < len(data) && data[pos] != 0xFF {
			pos++ // garbage between segments, tolerated as image/jpeg does
		}
		for pos < len(data) && data[pos] == 0xFF {
			pos++
		}
		if pos+2 >= len(data) {
			return nil, errJPEGCorrupt
		}
		marker := data[pos]
		pos++
		if marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 {
			continue // no length
		}
		if marker == 0xD9 {
			return nil, errJPEGCorrupt // EOI before any scan
		}
		seglen := int(data[pos])<<8 | int(data[pos+1])
		if seglen < 2 || pos+seglen > len(data) {
			return nil, errJPEGCorrupt
		}
		seg := data[pos+2 : pos+seglen]
		pos += seglen
		switch marker {
		case 0xC0, 0xC1: // baseline, extended sequential Huffman
			if len(seg) < 6 || seg[0] != 8 {
				return nil, errJPEGUnsupported
			}
			heigh, width = int(seg[1])<<8|int(seg[2]), int(seg[3])<<8|int(seg[4])
			nf := int(seg[5])
			if width == 0 || heigh == 0 || (nf != 1 && nf != 3) || len(seg) < 6+3*nf || int64(width)*int64(heigh) > maxPixels {
				return nil, errJPEGUnsupported
			}
			for i := range nf {
				c := seg[6+3*i:]
				comp := jpegComp{id: int(c[0]), h: int(c[1] >> 4), v: int(c[1] & 15), tq: int(c[2])}
				if comp.h < 1 || comp.h > 4 || comp.v < 1 || comp.v > 4 || comp.tq > 3 {
					return nil, errJPEGCorrupt
				}
				comps = append(comps, comp)
			}
			if nf == 3 && comps[0].id == 'R' && comps[1].id == 'G' && comps[2].id == 'B' {
				return nil, errJPEGUnsupported
			}
		case 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF:
			return nil, errJPEGUnsupported // progressive, lossless, arithmetic
		case 0xC4:
			for len(seg) > 0 {
				if len(seg) < 17 || seg[0]>>4 > 1 || seg[0]&15 > 3 {
					return nil, errJPEGCorrupt
				}
				var counts [16]int
				total := 0
				for i := range 16 {
					counts[i] = int(seg[1+i])
					total += counts[i]
				}
				if total == 0 || total > 256 || len(seg) < 17+total {
					return nil, errJPEGCorrupt
				}
				t := &dc[seg[0]&15]
				if seg[0]>>4 == 1 {
					t = &ac[seg[0]&15]
				}
				if err := t.build(counts, append([]byte(nil), seg[17:17+total]...)); err != nil {
					return nil, err
				}
				seg = seg[17+total:]
			}
		case 0xDB:
			for len(seg) > 0 {
				pq, tq := seg[0]>>4, seg[0]&15
				size := 65
				if pq == 1 {
					size = 129
				}
				if pq > 1 || tq > 3 || len(seg) < size {
					return nil, errJPEGCorrupt
				}
				for k := range 64 {
					v := int32(seg[1+k])
					if pq == 1 {
						v = int32(seg[1+2*k])<<8 | int32(seg[2+2*k])
					}
					quant[tq][zigzag[k]] = v
				}
				seg = seg[size:]
			}
		case 0xDD:
			if len(seg) < 2 {
				return nil, errJPEGCorrupt
			}
			restartEvery = int(seg[0])<<8 | int(seg[1])
		case 0xEE:
			// Adobe: transform 0 with three components is RGB, not YCbCr.
			if len(seg) >= 12 && string(seg[:5]) == "Adobe" && seg[11] == 0 {
				adobeRGB = true
			}
		case 0xDA:
			if comps == nil || (adobeRGB && len(comps) == 3) {
				return nil, errJPEGUnsupported
			}
			if len(seg) < 1 || int(seg[0]) != len(comps) || len(seg) < 1+2*len(comps) {
				return nil, errJPEGUnsupported // one scan per component: rare, left to image/jpeg
			}
			for i := range comps {
				s := seg[1+2*i:]
				if int(s[0]) != comps[i].id || s[1]>>4 > 3 || s[1]&15 > 3 {
					return nil, errJPEGUnsupported
				}
				comps[i].td, comps[i].ta = int(s[1]>>4), int(s[1]&15)
				if !dc[comps[i].td].ok || !ac[comps[i].ta].ok {
					return nil, errJPEGCorrupt
				}
			}
			return decodeJPEGScan(&jpegBits{data: data[pos:]}, comps, &quant, &dc, &ac, width, heigh, restartEvery, n)
		}
	}
}

// decodeJPEGScan decodes the one scan's MCUs, keeping N×N of every luma
// block.
func decodeJPEGScan(bits *jpegBits, comps []jpegComp, quant *[4][64]int32, dc, ac *[4]jpegHuff, width, height, restartEvery, n int) (*image.Gray, error) {
	hmax, vmax := 1, 1
	for _, c := range comps {
		hmax, vmax = max(hmax, c.h), max(vmax, c.v)
	}
	if comps[0].h != hmax || comps[0].v != vmax {
		return nil, errJPEGUnsupported // luma sampled below the colours
	}
	mcusX, mcusY := (width+8*hmax-1)/(8*hmax), (height+8*vmax-1)/(8*vmax)
	lumaH, lumaV := comps[0].h, comps[0].v
	if len(comps) == 1 {
		// A single-component scan is not interleaved: one block per MCU.
		mcusX, mcusY = (width+7)/8, (height+7)/8
		lumaH, lumaV = 1, 1
		comps[0].h, comps[0].v = 1, 1
	}
	scale := 8 / n
	out := image.NewGray(image.Rect(0, 0, (width+scale-1)/scale, (height+scale-1)/scale))
	// inBlock[k]: the k-th coefficient of the stream, in natural order,
	// is among the N×N kept; at[k] is its place in the N×N block.
	var keep [64]bool
	var at [64]int
	for k, z := range zigzag {
		r, c := int(z)/8, int(z)%8
		if r < n && c < n {
			keep[k], at[k] = true, r*n+c
		}
	}
	q := &quant[comps[0].tq]
	var qn [64]int32 // luma quantizers of the kept coefficients, in N×N order
	for r := range n {
		for c := range n {
			qn[r*n+c] = q[r*8+c]
		}
	}
	var coef [64]int32
	tab := &idctTab[n]
	var tmp [64]int64
	mcu := 0
	for my := range mcusY {
		for mx := range mcusX {
			if restartEvery > 0 && mcu > 0 && mcu%restartEvery == 0 {
				if err := bits.restart(); err != nil {
					return nil, err
				}
				for i := range comps {
					comps[i].pred = 0
				}
			}
			mcu++
			for ci := range comps {
				c := &comps[ci]
				for by := range c.v {
					for bx := range c.h {
						luma := ci == 0
						if luma {
							clear(coef[:n*n])
						}
						s, err := bits.decode(&dc[c.td])
						if err != nil {
							return nil, err
						}
						if s > 16 {
							return nil, errJPEGCorrupt
						}
						c.pred += bits.receive(uint(s))
						if luma {
							coef[0] = c.pred * qn[0]
						}
						nonzero := false
						for k := 1; k < 64; k++ {
							rs, err := bits.decode(&ac[c.ta])
							if err != nil {
								return nil, err
							}
							r, s := int(rs>>4), uint(rs&15)
							if s == 0 {
								if r != 15 {
									break
								}
								k += 15
								continue
							}
							k += r
							if k > 63 {
								return nil, errJPEGCorrupt
							}
							v := bits.receive(s)
							if luma && keep[k] {
								coef[at[k]] = v * qn[at[k]]
								nonzero = true
							}
						}
						if luma {
							x0, y0 := (mx*lumaH+bx)*n, (my*lumaV+by)*n
							putBlock(out, x0, y0, n, &coef, nonzero, tab, &tmp)
						}
					}
				}
			}
			if bits.truncated {
				return nil, errJPEGCorrupt
			}
		}
	}
	return out, nil
}

// putBlock writes the N×N inverse DCT of coef at (x0, y0), clipped.
func putBlock(out *image.Gray, x0, y0, n int, coef *[64]int32, ac bool, tab *[8][8]int64, tmp *[64]int64) {
	w, h := out.Rect.Dx(), out.Rect.Dy()
	if x0 >= w || y0 >= h {
		return
	}
	if !ac {
		// Flat block (most of a page's paper): the DC alone.
		v := clampByte(int64(coef[0])/8 + 128)
		for y := y0; y < min(y0+n, h); y++ {
			row := out.Pix[y*out.Stride:]
			for x := x0; x < min(x0+n, w); x++ {
				row[x] = v
			}
		}
		return
	}
	// Rows: tmp[v][x] = Σu F[v][u]·tab[x][u].
	for v := range n {
		for x := range n {
			var s int64
			for u := range n {
				s += int64(coef[v*n+u]) * tab[x][u]
			}
			tmp[v*n+x] = s
		}
	}
	for y := y0; y < min(y0+n, h); y++ {
		row := out.Pix[y*out.Stride:]
		for x := x0; x < min(x0+n, w); x++ {
			var s int64
			for v := range n {
				s += tmp[v*n+x-x0] * tab[y-y0][v]
			}
			row[x] = clampByte((s+1<<21)>>22 + 128)
		}
	}
}

func clampByte(v int64) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}
