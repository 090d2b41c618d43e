package web

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr"
)

// A listed page shows its batch's id, which a page alone keeps out of its
// JSON, beside the page's own fields.
func TestListedPageJSON(t *testing.T) {
	b, err := json.Marshal(listedPage{"b1", dossier.Page{BatchID: "b1", Index: 2, Status: dossier.PageException}})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got["batch_id"] != "b1" || got["index"] != 2.0 || got["status"] != dossier.PageException {
		t.Errorf("listed page JSON %s, want batch_id, index and status at its top level", b)
	}
}

// A page to review says why, in both languages: an unsure orientation
// first, then what the OCR saw in the text and the archival fields read
// unsure (both when both flagged it), else the text's confidence.
func TestReviewReason(t *testing.T) {
	for _, tc := range []struct {
		name       string
		page       dossier.Page
		unsure     []string
		wantEN     string
		wantVI     string
		notContain string
	}{
		{"confidence", dossier.Page{Confidence: 41.6}, nil, "text read poorly (confidence 42%)", "độ tin cậy 42%", ""},
		{"unsure fields", dossier.Page{Confidence: 41.6}, []string{"number", "date"}, "header fields (number, date)", "cần kiểm tra (number, date)", "text read poorly"},
		{"orientation", dossier.Page{Confidence: 41.6, OrientationUnsure: true}, []string{"number"}, "orientation unsure", "không chắc hướng trang", "header fields"},
		{"what the OCR saw", dossier.Page{Confidence: 86.2, ReviewReasons: []string{ocr.ReasonUnsureWords}}, nil,
			"text read poorly (confidence 86%): many words read unsurely", "chữ nhận dạng kém (độ tin cậy 86%): nhiều từ đọc không chắc chắn", ""},
		{"text and fields", dossier.Page{Confidence: 86.2, ReviewReasons: []string{ocr.ReasonFewSyllables}}, []string{"date"},
			"Vietnamese syllables (letters misread, or the page is in another language) — check the page · archival metadata",
			"âm tiết tiếng Việt (chữ bị đọc sai, hoặc trang không phải tiếng Việt) — cần kiểm tra trang · thông tin văn bản", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en, vi := reviewReason(tc.page, tc.unsure)
			if !strings.Contains(en, tc.wantEN) || !strings.Contains(vi, tc.wantVI) {
				t.Errorf("reason %q / %q, want %q / %q in them", en, vi, tc.wantEN, tc.wantVI)
			}
			if tc.notContain != "" && strings.Contains(en, tc.notContain) {
				t.Errorf("reason %q names %q, which a stronger reason should have replaced", en, tc.notContain)
			}
		})
	}
}
