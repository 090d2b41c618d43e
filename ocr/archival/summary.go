package archival

import (
	"slices"
	"strings"
	"unicode"
)

// adminPhrases are two-syllable words that summaries (trích yếu) of
// administrative documents are made of. Tesseract misreads the tone marks
// of lower-case words ("bố nhiệm", "công bô", "giải quyêt"): a pair of
// words whose unmarked letters are those of exactly one phrase here, read
// with other marks, is that phrase. Pairs outside the list are left as
// read.
const adminPhrases = `ban hành;bổ nhiệm;miễn nhiệm;bãi nhiệm;công bố;giải quyết;quyết định;thủ tục;hành chính;danh mục;
kế hoạch;triển khai;thực hiện;tổ chức;phê duyệt;điều chỉnh;bổ sung;sửa đổi;quy định;quy trình;nội bộ;xây dựng;
phát triển;kinh tế;xã hội;nông nghiệp;nông thôn;tài chính;ngân sách;dự toán;đầu tư;công trình;giao thông;vận tải;
giáo dục;đào tạo;y tế;văn hóa;thể thao;du lịch;tài nguyên;môi trường;đất đai;thanh tra;kiểm tra;xử phạt;vi phạm;
cán bộ;công chức;viên chức;tuyển dụng;xếp lương;nâng lương;khen thưởng;kỷ luật;báo cáo;kết quả;tình hình;
phòng chống;thiên tai;dịch bệnh;an toàn;an ninh;trật tự;quốc phòng;chuyển đổi;số hóa;chính quyền;
điện tử;dịch vụ;trực tuyến;hồ sơ;lưu trữ;văn bản;hướng dẫn;ủy quyền;thẩm quyền;trách nhiệm;nhiệm vụ;giải pháp;
chương trình;đề án;dự án;giai đoạn;chuyên viên;phụ cấp;chế độ;chính sách;hỗ trợ;
thành lập;giải thể;sáp nhập;hợp nhất;kiện toàn;phân công;phân cấp;cơ cấu;biên chế;vị trí;việc làm;
tiếp nhận;trả lời;kiến nghị;khiếu nại;tố cáo;phản ánh;cải cách;thủ trưởng;đơn vị;cơ quan;trực thuộc;
thẩm định;quy hoạch;sử dụng;thu hồi;bồi thường;giải phóng;mặt bằng;cấp phép;giấy phép;
chứng nhận;đăng ký;quản lý;nhà nước;doanh nghiệp;hợp tác;liên kết;thông tin;truyền thông;tuyên truyền;
phổ biến;pháp luật;tổng kết;sơ kết;đánh giá;năm học;học sinh;sinh viên;bệnh viện;tiêm chủng;
phòng cháy;chữa cháy;cứu nạn;cứu hộ;bảo đảm;đảm bảo;tăng cường;nâng cao;chất lượng;hiệu quả;
thời hạn;gia hạn;tạm dừng;đình chỉ;hủy bỏ;bãi bỏ;thay thế;hiệu lực;góp ý;dự thảo;
tham mưu;đề xuất;đề nghị;phối hợp;chủ trì;chỉ đạo;điều hành;tập huấn;bồi dưỡng;hội nghị;hội thảo;
kỷ niệm;lễ hội;ngày lễ;phụ nữ;trẻ em;thương binh;liệt sĩ;bảo hiểm;
lao động;việc làm;giảm nghèo;hộ nghèo;nhà ở;quyết toán;thanh toán;tạm ứng;mua sắm;
tài sản;định mức;tiêu chuẩn;đấu thầu;chỉ định;lựa chọn;nhà thầu;gói thầu`

// phraseByLetters are adminPhrases of two words by their unmarked letters;
// letters that more than one phrase has are left out (nothing to settle).
var phraseByLetters = func() map[string]string {
	m, seen := map[string]string{}, map[string]int{}
	for _, p := range strings.Split(adminPhrases, ";") {
		p = strings.TrimSpace(p)
		k := unmark(p)
		seen[k]++
		m[k] = p
	}
	for k, n := range seen {
		if n > 1 {
			delete(m, k)
		}
	}
	return m
}()

// strayMarks are signs Vietnamese text never has at a word's start, that
// Tesseract reads from specks beside a letter ("¡ông").
const strayMarks = "¡¿‹›«»|`~^¨"

// mendSummary mends a summary's words: a stray sign glued before a word
// is dropped, and a pair of words read with the marks of no phrase but
// the letters of one administrative phrase is written as it. mended says
// something was changed (the value then waits for review).
func mendSummary(words []string) (out []string, mended bool) {
	out = make([]string, len(words))
	for i, w := range words {
		t := strings.TrimLeft(w, strayMarks)
		if t != w && t != "" && unicode.IsLetter([]rune(t)[0]) {
			mended = true
			w = t
		}
		out[i] = w
	}
	for i := 0; i+1 < len(out); i++ {
		a, b := out[i], out[i+1]
		bare := strings.TrimRight(b, ",.;:")
		pair := strings.ToLower(a + " " + bare)
		p, ok := phraseByLetters[unmark(pair)]
		if !ok || p == pair || bare != strings.ToLower(bare) || a != strings.ToLower(a) && i > 0 {
			continue // not a phrase, read right, or a name in capitals
		}
		pw := strings.Fields(p)
		if a != strings.ToLower(a) {
			r := []rune(pw[0])
			pw[0] = strings.ToUpper(string(r[0])) + string(r[1:])
		}
		out[i], out[i+1] = pw[0], pw[1]+b[len(bare):]
		mended = true
		i++
	}
	return out, mended
}

// countedWords are words a summary does not end on unless a numeral
// follows them ("quý III", "đợt 2", "khóa XV", "số 12"): ending on one,
// the summary has lost its numeral (a Roman numeral's thin strokes
// dropped by Tesseract: "quý III" read "quý" at 0.96). After "hằng",
// "mỗi", "từng", "các" they stand alone ("báo cáo hằng quý").
var countedWords = []string{"quý", "đợt", "khóa", "khoá", "số"}

// numeralLost: a summary (its words) ending on a counted word that wants
// its numeral.
func numeralLost(words []string) bool {
	n := len(words)
	if n == 0 {
		return false
	}
	last := strings.ToLower(strings.TrimRight(words[n-1], ".,;:"))
	if !slices.Contains(countedWords, last) {
		return false
	}
	return n < 2 || !slices.Contains([]string{"hằng", "hàng", "mỗi", "từng", "các"}, strings.ToLower(words[n-2]))
}
