package engine

import (
	"os"
	"path/filepath"
	"testing"
)

func TestProbeGlyph(t *testing.T) {
	files, _ := filepath.Glob(os.Getenv("PROBE"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		src, err := readPix(data, filepath.Ext(f) == ".tif", 0)
		if err != nil {
			t.Log(f, err)
			continue
		}
		mode, _ := src.normalizeStorage()
		var bin *pix
		if mode == "bitonal" {
			bin = src.clone()
		} else {
			g, _ := src.grey()
			n, _ := g.backgroundNorm()
			bin, _, _ = n.otsu()
		}
		gs := measureGlyphs(bin)
		res := int(src.p.xres)
		t.Logf("%-60s %5dx%-5d res %4d glyph %5.1f n %5d  h/res*1000=%.1f", f, src.width(), src.height(), res, gs.Height, gs.Count, 1000*gs.Height/float64(max(res, 1)))
	}
}
