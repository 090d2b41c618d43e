package engine

import (
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/archival"
)

// TestHeaderBlocks reads a real NĐ 30 decision (Quảng Ngãi, 300 dpi, red
// seal, handwritten number and day): the header's two blocks come out one
// after the other, not interleaved line by line as Tesseract reads them,
// and the archival reader finds the fields, delivering none wrongly and
// guessing neither handwritten blank.
func TestHeaderBlocks(t *testing.T) {
	res, _ := recognizeCorpus(t, "vn-admin/266b230eeca98483fbf4a5f13132bd43ac16a998.pdf", 1)
	for _, want := range []string{"ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"} {
		if !strings.Contains(res.Text, want) {
			t.Errorf("text lacks the block %q:\n%s", want, res.Text[:min(len(res.Text), 600)])
		}
	}
	docs := archival.Read([]ocr.Result{res})
	if len(docs) != 1 {
		t.Fatalf("%d documents, want 1", len(docs))
	}
	d := docs[0]
	check := func(name string, f *archival.Field, want string) {
		t.Helper()
		switch {
		case f == nil:
			t.Errorf("%s absent, want %q", name, want)
		case f.Value != want && f.Confidence >= archival.Deliver:
			t.Errorf("%s %q delivered at %.2f, want %q", name, f.Value, f.Confidence, want)
		}
	}
	check("doc_type", d.DocType, "QUYẾT ĐỊNH")
	check("number", d.Number, "89/QĐ-UBND")
	check("agency", d.Agency, "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI")
	check("place", d.Place, "Quảng Ngãi")
	check("date", d.Date, "2025-01-16")
	if d.DocType != nil && d.DocType.Value != "QUYẾT ĐỊNH" || d.Place != nil && d.Place.Value != "Quảng Ngãi" {
		t.Errorf("type %+v place %+v", d.DocType, d.Place)
	}
	if !d.NeedsReview {
		t.Error("handwritten number and day do not raise review")
	}
}
