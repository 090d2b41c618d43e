//go:build !unix

package ocr

import (
	"io"
	"os"
)

// mapFile reads f whole where no memory mapping is at hand (a station's
// Windows build never inspects uploads; `sohoa ocr` reads one file at a time).
func mapFile(f *os.File, size int64) (data []byte, release func(), err error) {
	data = make([]byte, size)
	if _, err := io.ReadFull(io.NewSectionReader(f, 0, size), data); err != nil {
		return nil, nil, err
	}
	return data, func() {}, nil
}
