package archival

import "strings"

// nameSyllables are the syllables common in Vietnamese personal names
// (family, middle and given names), unmarked letters kept exact: a signer's
// name read with a syllable outside them is more likely a misread mark
// ("Hiên" for "Hiền") than a rare name, so it is not delivered unreviewed.
var nameSyllables = func() map[string]bool {
	const list = `Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Trịnh Đoàn Lương Tạ Kiều Mạc Ứng Âu
Cao Châu Chu Diệp Đào Đàm Giang Hà Hứa Khúc Kim Lâm Lã Lạc Lục Mai Mẫn Nông Phùng Quách Quan Tăng Thái Thân Tô Tôn Triệu Trương Từ Văn Vi Viên Vương Ông Lò Lưu Hầu Hán Bạch Thạch Sầm Tống Mã Yên
Văn Hữu Đức Quốc Minh Thành Xuân Ngọc Đình Công Gia Trọng Thế Quang Thị Thu Thanh Hồng Mỹ Diệu Tuyết Bích Khánh Phương Như Bảo Duy Hải Trung Tuấn Anh Kim Lan Hoài Hoa Phước Phúc Tấn Tiến Tất Chí Mạnh Hùng Việt Nam Bá Nhật Thiên Huy Đăng Viết Ánh Cẩm Diễm Kiều Thùy Thúy Tường Cát Hạnh Như Ý
An Bảo Cường Dũng Đạt Hiếu Hùng Khải Lộc Mạnh Nghĩa Phúc Quý Sơn Thắng Tuấn Việt Vỹ Hưởng Lũy Ổn Kỳ Tỷ Thụy Ẩn Bình Chiến Công Cương Danh Du Duẩn Dương Định Đông Được Giang Hà Hải Hạnh Hào Hậu Hiền Hiển Hiệp Hiệu Hòa Hoan Hoàn Hoàng Hội Hợp Huân Huấn Hưng Hướng Huy Khang Khanh Khoa Khôi Kiên Kiệt Lâm Lân Lập Liêm Linh Long Luân Luận Lực Lượng Mẫn Nam Nhân Nhật Ninh Phong Phú Phụng Phương Quân Quang Quế Quyết Sang Sỹ Sĩ Tài Tâm Tân Thái Thạch Thăng Thanh Thành Thảo Thiện Thịnh Thọ Thông Thuận Thức Tiến Tín Toàn Toản Trí Triều Trọng Trung Trường Tú Tùng Tường Văn Vinh Vĩnh Vũ Vượng Xuân Yên Châu Chương Huỳnh Lợi Nhuận Tuệ Tuyên Thuyết Điệp Đoan Bắc Bằng Biên Cảnh Chính Diện Điền Đô Đồng Giáp Hân Kha Khiêm Lai Lễ Luyện Ngân Nghị Ngôn Nhàn Phát Phi Quỳnh Sáng Sinh Soạn Tạo Thân Thìn Thục Tiên Tịnh Trãi Triết Trực Tuyến Uy Vấn Viên Vịnh Hoạt Hiến Hậu Kháng Khương
Anh Bích Chi Diễm Giang Hằng Hương Huyền Liễu Mỵ Ngân Nhung Oanh Phượng Quỳnh Thủy Trâm Uyên Yến Ánh Ngọc Dung Duyên Hạnh Hoa Hồng Lan Liên Linh Loan Mai Mơ My Nga Ngà Nguyệt Nhi Nhàn Nhã Phương Quyên Sương Tâm Thảo Thơ Thoa Thư Thương Thúy Trang Trinh Tuyền Vân Vi Xuân Yên Ly Hiền Hậu Hường Khuê Lệ Lụa Mận Mến Nhiên Nương Thắm Thanh Thu Trà Tuyết Vy`
	m := map[string]bool{}
	for _, w := range strings.Fields(list) {
		m[strings.ToLower(w)] = true
	}
	return m
}()

// commonName tells whether every syllable of a name is a common one.
func commonName(words []string) bool {
	for _, w := range words {
		if !nameSyllables[strings.ToLower(w)] {
			return false
		}
	}
	return true
}
