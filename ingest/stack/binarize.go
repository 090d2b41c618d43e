package stack

import (
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
	for y := range subH {
		yo := min(y*hbBlock, maxY)
		for x := range subW {
			xo := min(x*hbBlock, maxX)
			sum, lo, hi := 0, 255, 0
			for yy := range hbBlock {
				row := lum[(yo+yy)*stride+xo : (yo+yy)*stride+xo+hbBlock]
				for _, p := range row {
					sum += int(p)
					lo = min(lo, int(p))
					hi = max(hi, int(p))
				}
			}
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
			for yy := range hbBlock {
				row := lum[(yo+yy)*stride+xo : (yo+yy)*stride+xo+hbBlock]
				bits := rows[yy]
				for xx, p := range row {
					if int(p) <= thr {
						px := xo + xx
						bits[px>>5] |= 1 << (px & 31)
					}
				}
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

func (b *blackMatrix) CreateBinarizer(src gozxing.LuminanceSource) gozxing.Binarizer {
	return b.Binarizer.CreateBinarizer(src)
}
