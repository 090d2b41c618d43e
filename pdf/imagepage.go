package pdf

import (
	"bytes"
	"fmt"
	"io"
)

// WriteImagePage writes a one-page PDF 1.4 whose page is one image, named
// /Im1, filling it: the image is w x h pixels shown at dpi, imageDict the
// entries of its XObject dictionary after /Width and /Height (colour space,
// bits per component, filter and its parameters; not /Length), data its
// encoded bytes. The same arguments give the same bytes. For printable
// sheets and test pages, not archives: Assemble writes the PDF/A files.
func WriteImagePage(out io.Writer, w, h int, dpi float64, imageDict string, data []byte) error {
	pw := float64(w) * 72 / dpi
	ph := float64(h) * 72 / dpi
	content := fmt.Sprintf("q %.2f 0 0 %.2f 0 0 cm /Im1 Do Q\n", pw, ph)

	var buf bytes.Buffer
	var offsets []int
	obj := func(body string, stream []byte) {
		offsets = append(offsets, buf.Len())
		fmt.Fprintf(&buf, "%d 0 obj\n%s", len(offsets), body)
		if stream != nil {
			buf.WriteString("\nstream\n")
			buf.Write(stream)
			buf.WriteString("\nendstream")
		}
		buf.WriteString("\nendobj\n")
	}
	buf.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>", nil)
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>", nil)
	obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>", pw, ph), nil)
	obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d %s /Length %d >>", w, h, imageDict, len(data)), data)
	obj(fmt.Sprintf("<< /Length %d >>", len(content)), []byte(content))
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&buf, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	_, err := out.Write(buf.Bytes())
	return err
}
