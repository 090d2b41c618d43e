package ocr

import (
	"fmt"
	"strings"
)

// reasonText is what a review reason (Reason*) tells the operator, in
// English and Vietnamese: what the engine saw, and what usually causes it,
// so that they know what to look for on the page. An unknown code is
// shown as is.
func reasonText(reason string) (en, vi string) {
	switch reason {
	case ReasonLowConfidence:
		return "low mean confidence", "độ tin cậy trung bình thấp"
	case ReasonFewSyllables:
		return "few words are Vietnamese syllables (letters misread, or the page is in another language)",
			"ít từ là âm tiết tiếng Việt (chữ bị đọc sai, hoặc trang không phải tiếng Việt)"
	case ReasonLettersLost:
		return "far fewer letters read than the page shows (part of the text lost: dark, faded or blurred), or letters on a line left unread",
			"đọc được ít chữ hơn nhiều so với trên trang (mất một phần chữ: tối, mờ hoặc nhòe), hoặc có chữ trên dòng không được đọc"
	case ReasonUnsureWords:
		return "many words read unsurely (handwriting over the print, blur, noise)",
			"nhiều từ đọc không chắc chắn (chữ viết tay đè lên chữ in, mờ, nhiễu)"
	case ReasonReadingsDisagree:
		return "two readings of the page differ widely", "hai lần đọc trang cho kết quả khác xa nhau"
	case ReasonMarksLost:
		return "few words carry tone marks (diacritics lost: blur, a coarse fax or copy)",
			"ít từ có dấu thanh (mất dấu: ảnh mờ, bản fax hoặc bản sao thô)"
	case ReasonTableUnsure:
		return "a table's cells do not line up with its text (rows or columns may be read out of order)",
			"ô của bảng không khớp với chữ trong bảng (hàng hoặc cột có thể bị đọc sai thứ tự)"
	}
	return reason, reason
}

// TextReviewNote says, in English and Vietnamese, why the text of a page
// needs review: its mean confidence, then what the engine saw (reasons,
// Reason* codes, in their order; orientation_unsure is left out, as the
// callers say it their own way). With no other reason known (a page
// flagged before reasons were kept, or flagged for its orientation only)
// the note gives the confidence alone.
func TextReviewNote(confidence float64, reasons []string) (en, vi string) {
	en = fmt.Sprintf("text read poorly (confidence %.0f%%)", confidence)
	vi = fmt.Sprintf("chữ nhận dạng kém (độ tin cậy %.0f%%)", confidence)
	var whyEN, whyVI []string
	for _, r := range reasons {
		if r == ReasonOrientation {
			continue
		}
		e, v := reasonText(r)
		whyEN, whyVI = append(whyEN, e), append(whyVI, v)
	}
	if len(whyEN) == 0 {
		return en, vi
	}
	return en + ": " + strings.Join(whyEN, "; "), vi + ": " + strings.Join(whyVI, "; ")
}

// TextReasons tells whether reasons flag the page's text, not only its
// orientation.
func TextReasons(reasons []string) bool {
	for _, r := range reasons {
		if r != ReasonOrientation {
			return true
		}
	}
	return false
}
