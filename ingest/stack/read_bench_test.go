package stack

import (
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkReadTextPage(b *testing.B) {
	files, _ := filepath.Glob("../../testdata/corpus/*.[jp][pn]g")
	var imgs []image.Image
	for _, f := range files {
		r, _ := os.Open(f)
		img, _, err := image.Decode(r)
		r.Close()
		if err == nil {
			imgs = append(imgs, img)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		img := imgs[i%len(imgs)]
		s := Read(img, 300)
		if len(s.Texts) > 0 || s.Damaged {
			b.Logf("page %d: %+v", i%len(imgs), s)
		}
	}
}
