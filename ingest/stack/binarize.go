package stack

import (
	"encoding/binary"
	"image"

	"github.com/makiuchi-d/gozxing"
)

// blackMatrix is gozxing's HybridBinarizer with its GetBlackMatrix
// computed on whole words: the same thresholds (the mean of each 8×8
// block, or half its minimum where the block is flat, averaged over 5×5
// blocks) and the same bits, a 32-pixel word at a time rather than a
// method call per pixel. The hybrid binarizer's per-pixel Set was most of
// the QR search on every page of a stack. Rows for the 1D readers are the
// hybrid binarizer's own.
type blackMatrix struct {
	gozxing.Binarizer
	g      *image.Gray
	matrix *gozxing.BitMatrix
}

func newBlackMatrix(g *image.Gray, src gozxing.LuminanceSource) *blackMatrix {
	return &blackMatrix{Binarizer: gozxing.NewHybridBinarizer(src), g: g}
}

// The hybrid binarizer's constants.
const (
	hbBlock    = 8
	hbMinRange = 24
)

func (b *blackMatrix) GetBlackMatrix() (*gozxing.BitMatrix, error) {
	if b.matrix != nil {
		return b.matrix, nil
	}
	w, h := b.g.Rect.Dx(), b.g.Rect.Dy()
	if w < hbBlock*5 || h < hbBlock*5 {
		// Too small for blocks: the hybrid binarizer's global fallback.
		m, err := b.Binarizer.GetBlackMatrix()
		b.matrix = m
		return m, err
	}
	lum, stride := b.g.Pix, b.g.Stride
	subW, subH := (w+hbBlock-1)/hbBlock, (h+hbBlock-1)/hbBlock
	maxX, maxY := w-hbBlock, h-hbBlock
	black := make([]int, subW*subH)
	// Each block's darkest and lightest pixel: a block whose darkest is
	// above its threshold has no ink (paper, most of a page) and one
	// whose lightest is not above it is all ink; only the others are
	// compared pixel by pixel.
	lows, highs := make([]uint8, subW*subH), make([]uint8, subW*subH)
	for y := range subH {
		yo := min(y*hbBlock, maxY)
		for x := range subW {
			xo := min(x*hbBlock, maxX)
			sum, lo, hi := blockStats(lum[yo*stride+xo:], stride)
			lows[y*subW+x], highs[y*subW+x] = uint8(lo), uint8(hi)
			avg := sum >> 6
			if hi-lo <= hbMinRange {
				// A flat block: paper unless its neighbours say ink.
				avg = lo / 2
				if y > 0 && x > 0 {
					nb := (black[(y-1)*subW+x] + 2*black[y*subW+x-1] + black[(y-1)*subW+x-1]) / 4
					if lo < nb {
						avg = nb
					}
				}
			}
			black[y*subW+x] = avg
		}
	}
	m, err := gozxing.NewBitMatrix(w, h)
	if err != nil {
		return nil, err
	}
	words := (w + 31) / 32
	rows := make([][]uint32, hbBlock) // the pixel rows of one row of blocks
	for i := range rows {
		rows[i] = make([]uint32, words)
	}
	ba := gozxing.NewBitArray(w)
	capped := func(v, lo, hi int) int { return max(lo, min(v, hi)) }
	for y := range subH {
		yo := min(y*hbBlock, maxY)
		top := capped(y, 2, subH-3)
		for i := range rows[:hbBlock] {
			clear(rows[i])
		}
		for x := range subW {
			xo := min(x*hbBlock, maxX)
			left := capped(x, 2, subW-3)
			sum := 0
			for z := -2; z <= 2; z++ {
				r := black[(top+z)*subW:]
				sum += r[left-2] + r[left-1] + r[left] + r[left+1] + r[left+2]
			}
			thr := sum / 25
			i := y*subW + x
			switch {
			case int(lows[i]) > thr:
				continue // no ink
			case int(highs[i]) <= thr:
				for yy := range hbBlock {
					orBits(rows[yy], xo, 0xFF)
				}
				continue
			}
			for yy := range hbBlock {
				p := lum[(yo+yy)*stride+xo : (yo+yy)*stride+xo+hbBlock : (yo+yy)*stride+xo+hbBlock]
				// Bit xx is pixel xo+xx, set when p[xx] <= thr (the sign
				// of p-thr-1), without a branch per pixel.
				v := uint32(int(p[0])-thr-1)>>31 | uint32(int(p[1])-thr-1)>>31<<1 |
					uint32(int(p[2])-thr-1)>>31<<2 | uint32(int(p[3])-thr-1)>>31<<3 |
					uint32(int(p[4])-thr-1)>>31<<4 | uint32(int(p[5])-thr-1)>>31<<5 |
					uint32(int(p[6])-thr-1)>>31<<6 | uint32(int(p[7])-thr-1)>>31<<7
				orBits(rows[yy], xo, v)
			}
		}
		// The last row of blocks is pulled back to fit and overlaps the
		// one before; both take their thresholds from the same capped
		// neighbourhood, so the overlapped pixels get the same bits.
		for yy := range hbBlock {
			for i, v := range rows[yy] {
				ba.SetBulk(i*32, v)
			}
			m.SetRow(yo+yy, ba)
		}
	}
	b.matrix = m
	return m, nil
}

// blockStats gives the sum, least and greatest of the 8×8 pixels at p
// (rows stride apart). A flat block (paper read from a JPEG's flat blocks
// or a PNG's white) is told by whole words.
func blockStats(p []uint8, stride int) (sum, lo, hi int) {
	first := binary.LittleEndian.Uint64(p)
	if first == uint64(p[0])*0x0101010101010101 {
		flat := true
		for yy := 1; yy < hbBlock && flat; yy++ {
			flat = binary.LittleEndian.Uint64(p[yy*stride:]) == first
		}
		if flat {
			return int(p[0]) << 6, int(p[0]), int(p[0])
		}
	}
	lo = 255
	for yy := range hbBlock {
		row := p[yy*stride : yy*stride+hbBlock : yy*stride+hbBlock]
		for _, v := range row {
			sum += int(v)
			lo = min(lo, int(v))
			hi = max(hi, int(v))
		}
	}
	return sum, lo, hi
}

// orBits sets in bits the ones of the 8 bits of v, bit i at pixel x+i.
func orBits(bits []uint32, x int, v uint32) {
	bits[x>>5] |= v << (x & 31)
	if x&31 > 24 {
		bits[x>>5+1] |= v >> (32 - x&31)
	}
}

func (b *blackMatrix) CreateBinarizer(src gozxing.LuminanceSource) gozxing.Binarizer {
	return b.Binarizer.CreateBinarizer(src)
}
