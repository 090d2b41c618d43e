package stack_test

import (
	"bytes"
	"fmt"
	"image"
	"testing"

	"github.com/sohoa/sohoa/ingest/stack"
	"github.com/sohoa/sohoa/ingest/stack/stacktest"
)

// BenchmarkReadPage measures one page's reading by stage: the reduced
// decode, and the symbol search on the reduced page.
func BenchmarkReadPage(b *testing.B) {
	const code = "000.00.31.H33-261127-0001"
	for _, dpi := range []int{200, 300} {
		for _, bitonal := range []bool{false, true} {
			for _, kind := range []string{"body", "receipt", "separator"} {
				sc := stacktest.Scan{DPI: dpi, Bitonal: bitonal, Angle: 7}
				var img image.Image
				switch kind {
				case "body":
					img = stacktest.Page(sc, 3)
				case "receipt":
					img, _ = stacktest.Receipt(code, sc, 3)
				case "separator":
					img, _ = stacktest.Separator(code, sc)
				}
				data, format := stacktest.PNG(img), "png"
				if !bitonal {
					data, format = colourJPEG(img), "jpeg"
				}
				b.Run(fmt.Sprintf("%d/%s/%s", dpi, format, kind), func(b *testing.B) {
					g, factor, full, err := stack.PageGray(data, format, 1<<30)
					if err != nil {
						b.Fatal(err)
					}
					b.Run("decode", func(b *testing.B) {
						c0 := cpuSeconds()
						for b.Loop() {
							stack.PageGray(data, format, 1<<30)
						}
						b.ReportMetric((cpuSeconds()-c0)*1000/float64(b.N), "cpu-ms/op")
					})
					// The peer: the standard library's full decode.
					b.Run("decode-std", func(b *testing.B) {
						c0 := cpuSeconds()
						for b.Loop() {
							image.Decode(bytes.NewReader(data))
						}
						b.ReportMetric((cpuSeconds()-c0)*1000/float64(b.N), "cpu-ms/op")
						b.ReportMetric(float64(len(data))/1e6, "MB")
					})
					b.Run("read", func(b *testing.B) {
						c0 := cpuSeconds()
						defer func() { b.ReportMetric((cpuSeconds()-c0)*1000/float64(b.N), "cpu-ms/op") }()
						for b.Loop() {
							s := stack.ReadGray(g, factor, full)
							if (kind == "body") != (len(s.Texts) == 0) {
								b.Fatalf("%s: %v", kind, s)
							}
						}
					})
				})
			}
		}
	}
}
