package stack

import (
	"encoding/binary"
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

// fastBits is the look-ahead of a Huffman table's fast path: codes of
// up to 12 bits (nearly all of a scan's) are found in one lookup, and
// when the coefficient's extra bits fit in the look-ahead too, its value
// comes from the same lookup (libjpeg-turbo's and stb_image's trick). Most
// of a reading's time goes here: every coefficient of every block of the
// three components is entropy-decoded, if only to be skipped.
const fastBits = 12

// skipBits is the look-ahead of an AC table's skip path: the coefficients
// a reduced decode does not keep (every colour block's, a luma block's
// high frequencies: most of a page's symbols) need only their lengths and
// runs, and one lookup passes over every whole symbol in the look-ahead,
// two or three of a dense scan's.
const skipBits = 14

// A fast-table entry packs, from the low bits: the code's length (5
// bits; 0 when the code is longer than fastBits), the length of code and
// extra bits together (5 bits; 0 when they do not fit), the symbol (8
// bits) and the coefficient's value (14 bits, signed) when they fit.
type jpegHuff struct {
	fast    [1 << fastBits]uint32
	maxcode [17]int32 // largest code of each length, -1 when none
	valptr  [17]int32 // index in vals of the first code of each length
	mincode [17]int32
	vals    []byte
	ok      bool
	ac      bool // an AC table: a symbol's low nibble counts its extra bits
	// skip (AC tables only) packs, for a skipBits look-ahead, what its
	// whole symbols (codes and extra bits, up to and with an end of block)
	// add up to: the bits they take (4 bits; 0 when the first symbol does
	// not fit, and the symbol path decodes it), the coefficient positions
	// they pass (7 bits, at most 64) and whether the last one ends the
	// block (1 bit).
	skip []uint16
}

// build makes the table from a DHT's counts and symbols; ac says how a
// symbol gives the count of extra bits (its low nibble for AC, the whole
// symbol for DC).
func (h *jpegHuff) build(counts [16]int, vals []byte, ac bool) error {
	*h = jpegHuff{vals: vals, ok: true, ac: ac}
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
		for i := int32(0); i < n && l <= fastBits; i++ {
			sym := vals[k+i]
			s := int(sym)
			if ac {
				s = int(sym & 15)
			}
			c := (code + i) << (fastBits - l)
			for j := int32(0); j < 1<<(fastBits-l); j++ {
				e := uint32(l) | uint32(sym)<<10
				if s > 0 && l+s <= fastBits {
					// The extra bits follow the code in the look-ahead.
					v := int32(j>>(fastBits-l-s)) & (1<<s - 1)
					if v < 1<<(s-1) {
						v += -1<<s + 1
					}
					e |= uint32(l+s)<<5 | uint32(v)<<18
				} else if s == 0 {
					e |= uint32(l) << 5
				}
				h.fast[c+j] = e
			}
		}
		code = (code + n) << 1
		k += n
	}
	if ac {
		h.buildSkip()
	}
	return nil
}

// buildSkip fills h.skip from h.fast. The entries of every width w from 1
// to skipBits are made at once, each from its first symbol and the entry
// of width w minus that symbol's bits for the bits that follow it: table
// w is at [1<<w, 2<<w) of one slice, and skip is table skipBits.
func (h *jpegHuff) buildSkip() {
	all := make([]uint16, 2<<skipBits)
	for w := 1; w <= skipBits; w++ {
		tab := all[1<<w : 2<<w]
		for u := range tab {
			var e uint32
			if w <= fastBits {
				e = h.fast[u<<(fastBits-w)]
			} else {
				e = h.fast[u>>(w-fastBits)]
			}
			tot := int(e>>5) & 31 // code and extra bits, 0 when not in the fast table
			if tot == 0 || tot > w {
				continue // the first symbol is not whole in w bits
			}
			rs := byte(e >> 10)
			if rs == 0 { // end of block
				tab[u] = uint16(tot) | 1<<11
				continue
			}
			adv := 16 // ZRL: sixteen zeros
			if rs != 0xF0 {
				adv = int(rs>>4) + 1
			}
			entry := uint16(tot) | uint16(adv)<<4
			if rest := w - tot; rest > 0 {
				if r := all[1<<rest+(u&(1<<rest-1))]; r != 0 && adv+int(r>>4)&127 <= 64 {
					entry = uint16(tot+int(r&15)) | uint16(adv+int(r>>4)&127)<<4 | r&(1<<11)
				}
			}
			tab[u] = entry
		}
	}
	h.skip = all[1<<skipBits:]
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
	if !b.atMarker && b.pos+8 <= len(b.data) {
		// Eight bytes with no 0xFF among them (the usual case): as many
		// as fit, at once.
		w := binary.BigEndian.Uint64(b.data[b.pos:])
		if x := ^w; (x-0x0101010101010101)&^x&0x8080808080808080 == 0 {
			k := (64 - b.n) / 8
			b.acc = b.acc<<(8*k) | w>>(64-8*k)
			b.n += 8 * k
			b.pos += int(k)
			return
		}
	}
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

// symbol decodes one Huffman symbol and the coefficient value its extra
// bits give, from the look-ahead acc (n valid bits, at least 32: a code
// and its extra bits never take more), and returns the bits used.
func (h *jpegHuff) symbol(acc uint64, n uint) (sym byte, v int32, used uint, err error) {
	e := h.fast[(acc>>(n-fastBits))&(1<<fastBits-1)]
	if tot := uint(e>>5) & 31; tot != 0 {
		return byte(e >> 10), int32(e) >> 18, tot, nil
	}
	l := uint(e & 31)
	if l == 0 {
		// A code longer than the look-ahead.
		code := int32(acc>>(n-fastBits)) & (1<<fastBits - 1)
		for l = fastBits + 1; l <= 16; l++ {
			code = code<<1 | int32((acc>>(n-l))&1)
			if code <= h.maxcode[l] {
				break
			}
		}
		if l > 16 {
			return 0, 0, 0, errJPEGCorrupt
		}
		i := h.valptr[l] + code - h.mincode[l]
		if int(i) >= len(h.vals) {
			return 0, 0, 0, errJPEGCorrupt
		}
		sym = h.vals[i]
	} else {
		sym = byte(e >> 10)
	}
	s := uint(sym)
	if h.ac {
		s &= 15
	}
	if s == 0 {
		return sym, 0, l, nil
	}
	if s > 16 {
		return 0, 0, 0, errJPEGCorrupt
	}
	v = int32((acc >> (n - l - s)) & (1<<s - 1))
	if v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return sym, v, l + s, nil
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
	for n := 1; n <= 8; n++ {
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

// decodeJPEGLuma decodes the luma of the JPEG in data at n/8 of its size
// (n from 1 to 8: each 8×8 block gives n×n pixels; each side rounded
// up); a JPEG of more than maxPixels is not decoded.
func decodeJPEGLuma(data []byte, n int, maxPixels int64) (*image.Gray, error) {
	return decodeJPEGLumaSkipping(data, n, maxPixels, true)
}

// decodeJPEGLumaSkipping is decodeJPEGLuma, with the skip path or (skip
// false, for the tests) every symbol decoded one by one.
func decodeJPEGLumaSkipping(data []byte, n int, maxPixels int64, skip bool) (*image.Gray, error) {
	if n < 1 || n > 8 {
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
				if err := t.build(counts, append([]byte(nil), seg[17:17+total]...), seg[0]>>4 == 1); err != nil {
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
			return decodeJPEGScan(&jpegBits{data: data[pos:]}, comps, &quant, &dc, &ac, width, heigh, restartEvery, n, skip)
		}
	}
}

// decodeJPEGScan decodes the one scan's MCUs, keeping N×N of every luma
// block; skip says whether the symbols not kept go by the skip path.
func decodeJPEGScan(bits *jpegBits, comps []jpegComp, quant *[4][64]int32, dc, ac *[4]jpegHuff, width, height, restartEvery, n int, skip bool) (*image.Gray, error) {
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
	out := image.NewGray(image.Rect(0, 0, (width*n+7)/8, (height*n+7)/8))
	// at[k]: where the k-th coefficient of the stream goes, if kept.
	// lastKept: the last of them in the stream; colour blocks keep none.
	var at [64]keptCoef
	lastKept, lastColour := 0, 0
	for k, z := range zigzag {
		r, c := int(z)/8, int(z)%8
		if r < n && c < n {
			at[k] = keptCoef{pos: r*n + c, row: 1 << r}
			lastKept = k
		}
	}
	if !skip {
		lastKept, lastColour = 63, 63
	}
	q := &quant[comps[0].tq]
	var qn [64]int32 // luma quantizers of the kept coefficients, in N×N order
	for r := range n {
		for c := range n {
			qn[r*n+c] = q[r*8+c]
		}
	}
	var coef, scratch [64]int32
	var none [64]keptCoef
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
						if ci != 0 {
							// A colour block is decoded only to get past it
							// (and to keep its DC prediction): nothing kept.
							if _, err := bits.lumaBlock(&dc[c.td], &ac[c.ta], &c.pred, &scratch, &none, &qn, lastColour); err != nil {
								return nil, err
							}
							continue
						}
						clear(coef[:n*n])
						rows, err := bits.lumaBlock(&dc[c.td], &ac[c.ta], &c.pred, &coef, &at, &qn, lastKept)
						if err != nil {
							return nil, err
						}
						x0, y0 := (mx*lumaH+bx)*n, (my*lumaV+by)*n
						putBlock(out, x0, y0, n, &coef, rows, tab, &tmp)
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

// lumaBlock decodes one block, keeping the coefficients that at
// places (dequantized by qn) in coef; rows has a bit set for each row of
// coef given a nonzero AC coefficient. Past stream position last (none of
// the later ones is kept) the block's symbols are only passed over, by
// the skip table, several a lookup. The bit reader's state is kept in
// locals here: this loop runs for every coefficient of the page.
func (b *jpegBits) lumaBlock(dc, ac *jpegHuff, pred *int32, coef *[64]int32, at *[64]keptCoef, qn *[64]int32, last int) (rows uint8, err error) {
	acc, n := b.acc, b.n
	if n < 32 {
		b.fill()
		acc, n = b.acc, b.n
	}
	_, v, used, err := dc.symbol(acc, n)
	if err != nil {
		return 0, err
	}
	n -= used
	*pred += v
	coef[0] = *pred * qn[0]
	for k := 1; k < 64; k++ {
		if n < 32 {
			b.acc, b.n = acc, n
			b.fill()
			acc, n = b.acc, b.n
		}
		if k > last {
			// Whole symbols in the look-ahead passed at once, when they
			// stay inside the block (an end of block takes a position).
			e := ac.skip[(acc>>(n-skipBits))&(1<<skipBits-1)]
			adv, eob := int(e>>4)&127, int(e>>11)
			if e != 0 && k+adv+eob <= 64 {
				n -= uint(e & 15)
				if eob != 0 {
					break
				}
				k += adv - 1
				continue
			}
		}
		// The fast paths inline (symbol is not inlined by the compiler):
		// code and extra bits in the look-ahead, or the code alone (a
		// large coefficient at a sharp edge) and its extra bits read here.
		var rs byte
		var v int32
		if e := ac.fast[(acc>>(n-fastBits))&(1<<fastBits-1)]; e&(31<<5) != 0 {
			rs, v, n = byte(e>>10), int32(e)>>18, n-uint(e>>5)&31
		} else if l := uint(e & 31); l != 0 {
			rs = byte(e >> 10)
			n -= l
			if s := uint(rs & 15); s != 0 {
				v = int32((acc >> (n - s)) & (1<<s - 1))
				if v < 1<<(s-1) {
					v += -1<<s + 1
				}
				n -= s
			}
		} else {
			var used uint
			if rs, v, used, err = ac.symbol(acc, n); err != nil {
				return 0, err
			}
			n -= used
		}
		if rs&15 == 0 {
			if rs != 0xF0 {
				break
			}
			k += 15
			continue
		}
		k += int(rs >> 4)
		if k > 63 {
			return 0, errJPEGCorrupt
		}
		if kc := at[k]; kc.row != 0 {
			coef[kc.pos] = v * qn[kc.pos]
			rows |= kc.row
		}
	}
	b.acc, b.n = acc, n
	return rows, nil
}

// keptCoef says where a coefficient of the stream goes in the N×N block:
// its place, and its row as a bit (0: not kept).
type keptCoef struct {
	pos int
	row uint8
}

// putBlock writes the N×N inverse DCT of coef at (x0, y0), clipped; rows
// has bit v set when row v of coef holds a nonzero coefficient (0: the
// block is flat, its DC alone).
func putBlock(out *image.Gray, x0, y0, n int, coef *[64]int32, rows uint8, tab *[8][8]int64, tmp *[64]int64) {
	w, h := out.Rect.Dx(), out.Rect.Dy()
	if x0 >= w || y0 >= h {
		return
	}
	x1, y1 := min(x0+n, w), min(y0+n, h)
	if rows == 0 {
		// Flat block (most of a page's paper).
		v := clampByte(int64(coef[0])/8 + 128)
		for y := y0; y < y1; y++ {
			row := out.Pix[y*out.Stride+x0 : y*out.Stride+x1]
			for x := range row {
				row[x] = v
			}
		}
		return
	}
	rows |= 1 // the DC's row
	if n <= 4 && n >= 2 {
		putSmallBlock(out, x0, y0, x1, y1, n, coef, rows, tab)
		return
	}
	putAnyBlock(out, x0, y0, x1, y1, n, coef, rows, tab, tmp)
}

// putSmallBlock is putBlock's inverse DCT for the scales pages are read
// at (n 2, 3, 4; rows has the DC's row set): both passes by idctSmall,
// giving the very values of putAnyBlock.
func putSmallBlock(out *image.Gray, x0, y0, x1, y1, n int, coef *[64]int32, rows uint8, tab *[8][8]int64) {
	var m [4][4]int64 // m[v][x]: row v of coef transformed
	for v := range n {
		if rows&(1<<v) != 0 {
			f := coef[n*v:]
			m[v][0], m[v][1], m[v][2], m[v][3] = idctSmall(n, int64(f[0]), int64(f[1]), int64(f[2]), int64(f[3]), tab)
		}
	}
	var px [4][4]uint8 // px[y][x]
	for x := range n {
		c0, c1, c2, c3 := idctSmall(n, m[0][x], m[1][x], m[2][x], m[3][x], tab)
		px[0][x], px[1][x], px[2][x], px[3][x] = idctPixel(c0), idctPixel(c1), idctPixel(c2), idctPixel(c3)
	}
	for y := y0; y < y1; y++ {
		copy(out.Pix[y*out.Stride+x0:y*out.Stride+x1], px[y-y0][:])
	}
}

// idctSmall is the n-point inverse DCT (n 2, 3 or 4) of f0..f(n-1) by
// the table t (the others are not read), y0..y(n-1). It works in even and
// odd halves, t[n-1-x][u] being t[x][u] for even u and -t[x][u] for odd
// (idctTab rounds half away from zero, which keeps the symmetry exact):
// the sums are those of the whole products, with half of them.
func idctSmall(n int, f0, f1, f2, f3 int64, t *[8][8]int64) (y0, y1, y2, y3 int64) {
	switch n {
	case 4:
		e0, e1 := f0*t[0][0]+f2*t[0][2], f0*t[1][0]+f2*t[1][2]
		o0, o1 := f1*t[0][1]+f3*t[0][3], f1*t[1][1]+f3*t[1][3]
		return e0 + o0, e1 + o1, e1 - o1, e0 - o0
	case 3:
		e0, o0 := f0*t[0][0]+f2*t[0][2], f1*t[0][1]
		return e0 + o0, f0*t[1][0] + f1*t[1][1] + f2*t[1][2], e0 - o0, 0
	}
	e0, o0 := f0*t[0][0], f1*t[0][1]
	return e0 + o0, e0 - o0, 0, 0
}

// idctPixel scales a value of both passes (2^22 times the pixel less
// 128) to its grey level.
func idctPixel(s int64) uint8 { return clampByte((s+1<<21)>>22 + 128) }

// putAnyBlock is putBlock's inverse DCT for any n (rows has the DC's row
// set), product by product.
func putAnyBlock(out *image.Gray, x0, y0, x1, y1, n int, coef *[64]int32, rows uint8, tab *[8][8]int64, tmp *[64]int64) {
	// Rows: tmp[v][x] = Σu F[v][u]·tab[x][u], for the rows not all zero.
	for v := range n {
		if rows&(1<<v) == 0 {
			continue
		}
		f := coef[v*n : v*n+n]
		t := tmp[v*8 : v*8+8]
		for x := range n {
			var s int64
			for u, c := range f {
				s += int64(c) * tab[x][u]
			}
			t[x] = s
		}
	}
	for y := y0; y < y1; y++ {
		row := out.Pix[y*out.Stride+x0 : y*out.Stride+x1]
		ty := &tab[y-y0]
		for x := range row {
			var s int64
			for v := range n {
				if rows&(1<<v) != 0 {
					s += tmp[v*8+x] * ty[v]
				}
			}
			row[x] = idctPixel(s)
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
