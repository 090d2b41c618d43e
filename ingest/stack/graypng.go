package stack

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"io"
	"math/bits"
)

// decodePNGGray reads a PNG row by row into grey, each factor × factor
// block averaged into one pixel, without the full-size image that
// image/png would build (a bitonal A4 page at 300 dpi is 8.7 million
// pixels set one by one, for a reading done at a third of that). It reads
// non-interlaced grey, palette, RGB and RGBA of up to 8 bits a sample (what
// scanners write); anything else is errPNGUnsupported and goes to
// image/png. Alpha is ignored: scans are opaque.
func decodePNGGray(data []byte, factor int, maxPixels int64) (*image.Gray, error) {
	const sig = "\x89PNG\r\n\x1a\n"
	if !bytes.HasPrefix(data, []byte(sig)) {
		return nil, errPNGCorrupt
	}
	var (
		w, h            int
		depth, ctype    byte
		palette         [256]uint8
		idat            []io.Reader
		haveHdr, seeEnd bool
	)
	for p := len(sig); p+8 <= len(data) && !seeEnd; {
		n := int(binary.BigEndian.Uint32(data[p:]))
		typ := string(data[p+4 : p+8])
		if n < 0 || n > len(data)-p-12 {
			return nil, errPNGCorrupt
		}
		body := data[p+8 : p+8+n]
		p += 12 + n
		switch typ {
		case "IHDR":
			if n != 13 {
				return nil, errPNGCorrupt
			}
			w, h = int(binary.BigEndian.Uint32(body)), int(binary.BigEndian.Uint32(body[4:]))
			depth, ctype = body[8], body[9]
			if w <= 0 || h <= 0 || int64(w)*int64(h) > maxPixels || body[12] != 0 || depth > 8 {
				return nil, errPNGUnsupported
			}
			switch {
			case ctype == 0 || ctype == 3:
			case (ctype == 2 || ctype == 4 || ctype == 6) && depth == 8:
			default:
				return nil, errPNGUnsupported
			}
			haveHdr = true
		case "PLTE":
			for i := 0; i+3 <= n && i/3 < 256; i += 3 {
				palette[i/3] = color.GrayModel.Convert(color.RGBA{body[i], body[i+1], body[i+2], 255}).(color.Gray).Y
			}
		case "IDAT":
			idat = append(idat, bytes.NewReader(body))
		case "IEND":
			seeEnd = true
		}
	}
	if !haveHdr || len(idat) == 0 {
		return nil, errPNGCorrupt
	}
	channels := map[byte]int{0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
	bitsPerPixel := int(depth) * channels
	rowBytes := (w*bitsPerPixel + 7) / 8
	bpp := max(1, bitsPerPixel/8) // the filters' byte distance
	// The rows are inflated by compress/flate after the zlib header is
	// checked by hand: compress/zlib would sum every byte for an Adler-32
	// check that only comes at the end of the stream, which the rows never
	// read to (image/png does, when it decodes the page whole).
	stream := io.MultiReader(idat...)
	var zhdr [2]byte
	if _, err := io.ReadFull(stream, zhdr[:]); err != nil {
		return nil, errPNGCorrupt
	}
	if zhdr[0]&15 != 8 || zhdr[0]>>4 > 7 || zhdr[1]&0x20 != 0 || (uint(zhdr[0])<<8|uint(zhdr[1]))%31 != 0 {
		return nil, errPNGCorrupt // not deflate, or a preset dictionary (not PNG)
	}
	zr := flate.NewReader(stream)
	defer zr.Close()

	// lut turns a sample of depth < 8 (grey or palette index) into grey.
	var lut [256]uint8
	for v := range 1 << depth {
		if ctype == 3 {
			lut[v] = palette[v]
		} else {
			lut[v] = uint8(v * 255 / (1<<depth - 1))
		}
	}
	factor = max(1, factor)
	out := image.NewGray(image.Rect(0, 0, w/factor, h/factor))
	ow := out.Rect.Dx()
	sums := make([]int, ow)
	cur, prev := make([]byte, 1+rowBytes), make([]byte, 1+rowBytes)
	line := make([]uint8, w)
	// A bitonal page (one bit a pixel, the usual black-and-white scan) is
	// reduced by counting each block's ink bits, a run of blocks at a time
	// (paper, most of a page, is skipped 48-64 bits at once), rather than
	// spreading every pixel into a byte first.
	bitonal := depth == 1 && factor > 1 && factor <= 8
	paper := byte(0) // the brighter of the two values: ink is the other
	if lut[1] >= lut[0] {
		paper = 1
	}
	for y := range h {
		if _, err := io.ReadFull(zr, cur); err != nil {
			return nil, errPNGCorrupt
		}
		if err := unfilter(cur[0], cur[1:], prev[1:], bpp); err != nil {
			return nil, err
		}
		oy := y / factor
		if oy >= out.Rect.Dy() {
			cur, prev = prev, cur
			continue // the last rows that make no whole block
		}
		if bitonal {
			addInk(sums, cur[1:], factor, paper)
		} else {
			lumaLine(cur[1:], line, ctype, depth, &lut)
		}
		cur, prev = prev, cur
		if factor == 1 {
			copy(out.Pix[oy*out.Stride:], line)
			continue
		}
		if !bitonal {
			addBlocks(sums, line, factor)
		}
		if y%factor == factor-1 {
			o := out.Pix[oy*out.Stride:]
			nn := factor * factor
			for x, s := range sums {
				if bitonal {
					// s counts the ink pixels of the block.
					s = s*int(lut[1-paper]) + (nn-s)*int(lut[paper])
				}
				o[x] = uint8(s / nn)
			}
			clear(sums)
		}
	}
	return out, nil
}

var (
	errPNGUnsupported = errors.New("stack: png: not a non-interlaced PNG of 8 bits or fewer")
	errPNGCorrupt     = errors.New("stack: png: corrupt data")
)

// unfilter undoes a row's PNG filter in place, prev being the row above
// (unfiltered).
func unfilter(ft byte, cur, prev []byte, bpp int) error {
	switch ft {
	case 0:
	case 1:
		for i := bpp; i < len(cur); i++ {
			cur[i] += cur[i-bpp]
		}
	case 2:
		for i := range cur {
			cur[i] += prev[i]
		}
	case 3:
		for i := range cur {
			var left int
			if i >= bpp {
				left = int(cur[i-bpp])
			}
			cur[i] += byte((left + int(prev[i])) / 2)
		}
	case 4:
		for i := range cur {
			var a, c int
			if i >= bpp {
				a, c = int(cur[i-bpp]), int(prev[i-bpp])
			}
			b := int(prev[i])
			pa, pb, pc := abs(b-c), abs(a-c), abs(a+b-2*c)
			switch {
			case pa <= pb && pa <= pc:
				cur[i] += byte(a)
			case pb <= pc:
				cur[i] += byte(b)
			default:
				cur[i] += byte(c)
			}
		}
	default:
		return errPNGCorrupt
	}
	return nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// lumaLine turns one unfiltered row into grey.
func lumaLine(row []byte, line []uint8, ctype, depth byte, lut *[256]uint8) {
	switch {
	case (ctype == 0 || ctype == 3) && depth == 1:
		// Bitonal, the usual black-and-white scan: eight pixels a byte.
		var two [2]uint8
		two[0], two[1] = lut[0], lut[1]
		for i, b := range row[:len(line)/8] {
			o := line[8*i : 8*i+8 : 8*i+8]
			o[0], o[1], o[2], o[3] = two[b>>7], two[b>>6&1], two[b>>5&1], two[b>>4&1]
			o[4], o[5], o[6], o[7] = two[b>>3&1], two[b>>2&1], two[b>>1&1], two[b&1]
		}
		for x := len(line) / 8 * 8; x < len(line); x++ {
			line[x] = two[row[x/8]>>(7-x%8)&1]
		}
	case (ctype == 0 || ctype == 3) && depth < 8:
		per := 8 / int(depth)
		mask := byte(1<<depth - 1)
		for x := range line {
			b := row[x/per]
			shift := 8 - int(depth)*(x%per+1)
			line[x] = lut[(b>>shift)&mask]
		}
	case ctype == 0:
		copy(line, row)
	case ctype == 3:
		for x := range line {
			line[x] = lut[row[x]]
		}
	case ctype == 4:
		for x := range line {
			line[x] = row[2*x]
		}
	default: // 2 (RGB) or 6 (RGBA)
		step := 3
		if ctype == 6 {
			step = 4
		}
		for x := range line {
			p := row[step*x:]
			line[x] = uint8((19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 1<<15) >> 16)
		}
	}
}

// addInk adds to ink[x] the count of ink bits (those not paper, 0 or 1)
// of row among bits x·f to x·f+f-1 (most significant bit first, as PNG
// packs pixels); f is at most 8. Whole runs of blocks that fit a 64-bit
// word are read at once, and skipped when they are all paper.
func addInk(ink []int, row []byte, f int, paper byte) {
	var flip uint64 // makes ink bits 1
	if paper == 1 {
		flip = ^uint64(0)
	}
	// A run is the most blocks whose bits fill whole bytes within 64 bits.
	per := 8 / gcd(8, f) // blocks of the shortest byte-aligned run
	run := per * (64 / (per * f))
	runBits := uint(run * f)
	keep := ^uint64(0) << (64 - runBits) // the run's bits, at the top
	mask := uint64(1)<<f - 1
	x := 0
	for ; x+run <= len(ink); x += run {
		i := x * f / 8
		if i+8 > len(row) {
			break
		}
		w := (binary.BigEndian.Uint64(row[i:]) ^ flip) & keep
		if w == 0 {
			continue
		}
		sh := 64 - uint(f)
		for j := range ink[x : x+run] {
			ink[x+j] += bits.OnesCount64(w >> sh & mask)
			sh -= uint(f)
		}
	}
	// The last blocks, one at a time (a run at most two bytes).
	last := len(row) - 1
	for ; x < len(ink); x++ {
		bit := x * f
		i := bit >> 3
		w := uint16(row[i]) << 8
		if i < last {
			w |= uint16(row[i+1])
		}
		if paper == 1 {
			w = ^w
		}
		ink[x] += bits.OnesCount16(w << (bit & 7) >> (16 - f))
	}
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// addBlocks adds each run of factor values of line to its sum.
func addBlocks(sums []int, line []uint8, factor int) {
	switch factor {
	case 2:
		line = line[:2*len(sums)]
		for x := range sums {
			sums[x] += int(line[2*x]) + int(line[2*x+1])
		}
	case 3:
		line = line[:3*len(sums)]
		for x := range sums {
			sums[x] += int(line[3*x]) + int(line[3*x+1]) + int(line[3*x+2])
		}
	default:
		for x := range sums {
			s := 0
			for _, v := range line[x*factor : x*factor+factor] {
				s += int(v)
			}
			sums[x] += s
		}
	}
}
