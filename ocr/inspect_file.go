package ocr

import (
	"context"
	"fmt"
	"io"
	"os"
)

// InspectFile is Inspect for a file on disk, without reading it into memory:
// the API inspects uploads of up to 100 MB while others arrive, and holding
// each whole (as Inspect's data does) made eight concurrent uploads cost
// 832 MB. A PDF goes to poppler by its path; an image is mapped read-only
// where the system can (the headers touch a few pages of a file that is in
// the page cache anyway, since it was just written) and read otherwise.
func InspectFile(ctx context.Context, name, path string, lim Limits) (FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileInfo{}, fmt.Errorf("%s: %w", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return FileInfo{}, fmt.Errorf("%s: %w", name, err)
	}
	head := make([]byte, min(st.Size(), 16))
	if _, err := io.ReadFull(f, head); err != nil {
		return FileInfo{}, fmt.Errorf("%s: %w", name, err)
	}
	if Sniff(head) == "pdf" {
		tail := make([]byte, min(st.Size(), 2048))
		if _, err := f.ReadAt(tail, st.Size()-int64(len(tail))); err != nil && err != io.EOF {
			return FileInfo{}, fmt.Errorf("%s: %w", name, err)
		}
		if !pdfTailOK(tail) {
			return FileInfo{}, fmt.Errorf("%s: %w", name, ErrTruncated)
		}
		n, pages, err := inspectPDFFile(ctx, path, lim, 1, 0)
		if err != nil {
			return FileInfo{}, fmt.Errorf("%s: %w", name, err)
		}
		return pdfFileInfo(n, pages), nil
	}
	data, release, err := mapFile(f, st.Size())
	if err != nil {
		return FileInfo{}, fmt.Errorf("%s: %w", name, err)
	}
	defer release()
	info, err := inspectImage(data, lim)
	if err != nil {
		return FileInfo{}, fmt.Errorf("%s: %w", name, err)
	}
	return info.FileInfo, nil
}

func pdfFileInfo(n int, pages map[int]pdfPage) FileInfo {
	var total float64
	for _, p := range pages {
		px, _ := p.pixels()
		total += px
	}
	return FileInfo{Format: "pdf", Pages: n, Pixels: int64(total)}
}
