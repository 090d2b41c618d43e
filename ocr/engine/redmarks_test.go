package engine

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ocr"
)

// lineWords is a line's words as read, joined by a space.
func lineWords(l ocr.Line) string {
	var ws []string
	for _, w := range l.Words {
		ws = append(ws, w.Text)
	}
	return strings.Join(ws, " ")
}

// TestRedMarks: the turned red "HỎA TỐC" stamp of a real Quảng Ngãi letter
// is read apart from the page's text (which leaves red ink out), and the
// red round seals of the e-signature above the headers read as no stamp.
func TestRedMarks(t *testing.T) {
	for _, c := range []struct {
		file string
		want string // the stamp's words; "" for none in the header
	}{
		{"361a5c239a11c4436c866c3504daa164c1261d60.pdf", "HỎA TỐC"},
		{"266b230eeca98483fbf4a5f13132bd43ac16a998.pdf", ""},
		{"760bbc4024ab996077b8823a953738838dcae74f.pdf", ""},
	} {
		t.Run(c.file[:8], func(t *testing.T) {
			t.Parallel()
			res, _ := recognizeCorpus(t, filepath.Join("vn-admin", c.file), 1)
			var read []string
			for _, l := range res.RedInk {
				read = append(read, lineWords(l))
			}
			t.Logf("red ink: %q", read)
			found := false
			for _, r := range read {
				found = found || c.want != "" && strings.Contains(r, c.want)
			}
			if c.want != "" && !found {
				t.Errorf("red ink %q, want a stamp reading %q", read, c.want)
			}
			if c.want == "" && strings.Contains(strings.Join(read, " "), "KHẨN") {
				t.Errorf("red ink %q: an urgency mark where none is stamped", read)
			}
			if strings.Contains(res.Text, "TỐC") {
				t.Errorf("the page's text holds the red stamp: the red ink was not left out")
			}
		})
	}
}
