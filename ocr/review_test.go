package ocr

import (
	"strings"
	"testing"
)

// A flagged page's note says, in both languages, what the engine saw,
// in the order the engine gave; the orientation is left to the caller;
// with no reason kept it gives the confidence alone.
func TestTextReviewNote(t *testing.T) {
	for _, tc := range []struct {
		name    string
		reasons []string
		wantEN  string
		wantVI  string
	}{
		{"no reason kept", nil, "text read poorly (confidence 85%)", "chữ nhận dạng kém (độ tin cậy 85%)"},
		{"orientation only", []string{ReasonOrientation}, "text read poorly (confidence 85%)", "chữ nhận dạng kém (độ tin cậy 85%)"},
		{"unsure words", []string{ReasonUnsureWords}, "text read poorly (confidence 85%): many words read unsurely (handwriting over the print, blur, noise)",
			"chữ nhận dạng kém (độ tin cậy 85%): nhiều từ đọc không chắc chắn (chữ viết tay đè lên chữ in, mờ, nhiễu)"},
		{"two, orientation left out", []string{ReasonLettersLost, ReasonOrientation, ReasonReadingsDisagree},
			"text read poorly (confidence 85%): far fewer letters read than the page shows (part of the text lost: dark, faded or blurred), or letters on a line left unread; two readings of the page differ widely",
			"chữ nhận dạng kém (độ tin cậy 85%): đọc được ít chữ hơn nhiều so với trên trang (mất một phần chữ: tối, mờ hoặc nhòe), hoặc có chữ trên dòng không được đọc; hai lần đọc trang cho kết quả khác xa nhau"},
		{"unknown code", []string{"new_reason"}, "text read poorly (confidence 85%): new_reason", "chữ nhận dạng kém (độ tin cậy 85%): new_reason"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en, vi := TextReviewNote(85.4, tc.reasons)
			if en != tc.wantEN || vi != tc.wantVI {
				t.Errorf("note\n %q\n %q\nwant\n %q\n %q", en, vi, tc.wantEN, tc.wantVI)
			}
		})
	}
	// Every reason a page's text can be flagged for has its own words.
	for _, r := range []string{ReasonLowConfidence, ReasonFewSyllables, ReasonLettersLost, ReasonUnsureWords, ReasonReadingsDisagree, ReasonMarksLost, ReasonTableUnsure} {
		en, vi := reasonText(r)
		if en == r || vi == r || strings.Contains(vi, "_") {
			t.Errorf("reason %s has no text of its own: %q / %q", r, en, vi)
		}
	}
}
