package archival

import (
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/syllable"
)

// nameSyllables are the syllables common in Vietnamese personal names
// (family, middle and given names), unmarked letters kept exact: a signer's
// name read with a syllable outside them is more likely a misread mark
// ("Hiên" for "Hiền") than a rare name, so it is not delivered unreviewed.
var nameSyllables = func() map[string]bool {
	const list = familyNameList + `
Văn Hữu Đức Quốc Minh Thành Xuân Ngọc Đình Công Gia Trọng Thế Quang Thị Thu Thanh Hồng Mỹ Diệu Tuyết Bích Khánh Phương Như Bảo Duy Hải Trung Tuấn Anh Kim Lan Hoài Hoa Phước Phúc Tấn Tiến Tất Chí Mạnh Hùng Việt Nam Bá Nhật Thiên Huy Đăng Viết Ánh Cẩm Diễm Kiều Thùy Thúy Tường Cát Hạnh Như Ý
An Bảo Cường Dũng Đạt Hiếu Hùng Khải Lộc Mạnh Nghĩa Phúc Quý Sơn Thắng Tuấn Việt Vỹ Hưởng Lũy Ổn Kỳ Tỷ Thụy Ẩn Bình Chiến Công Cương Danh Du Duẩn Dương Định Đông Được Giang Hà Hải Hạnh Hào Hậu Hiền Hiển Hiệp Hiệu Hòa Hoan Hoàn Hoàng Hội Hợp Huân Huấn Hưng Hướng Huy Khang Khanh Khoa Khôi Kiên Kiệt Lâm Lân Lập Liêm Linh Long Luân Luận Lực Lượng Mẫn Nam Nhân Nhật Ninh Phong Phú Phụng Phương Quân Quang Quế Quyết Sang Sỹ Sĩ Tài Tâm Tân Thái Thạch Thăng Thanh Thành Thảo Thiện Thịnh Thọ Thông Thuận Thức Tiến Tín Toàn Toản Trí Triều Trọng Trung Trường Tú Tùng Tường Văn Vinh Vĩnh Vũ Vượng Xuân Yên Châu Chương Huỳnh Lợi Nhuận Tuệ Tuyên Thuyết Điệp Đoan Bắc Bằng Biên Cảnh Chính Diện Điền Đô Đồng Giáp Hân Kha Khiêm Lai Lễ Luyện Ngân Nghị Ngôn Nhàn Phát Phi Quỳnh Sáng Sinh Soạn Tạo Thân Thìn Thục Tiên Tịnh Trãi Triết Trực Tuyến Uy Vấn Viên Vịnh Hoạt Hiến Hậu Kháng Khương
Anh Bích Chi Diễm Giang Hằng Hương Huyền Liễu Mỵ Ngân Nhung Oanh Phượng Quỳnh Thủy Trâm Uyên Yến Ánh Ngọc Dung Duyên Hạnh Hoa Hồng Lan Liên Linh Loan Mai Mơ My Nga Ngà Nguyệt Nhi Nhàn Nhã Phương Quyên Sương Tâm Thảo Thơ Thoa Thư Thương Thúy Trang Trinh Tuyền Vân Vi Xuân Yên Ly Hiền Hậu Hường Khuê Lệ Lụa Mận Mến Nhiên Nương Thắm Thanh Thu Trà Tuyết Vy`
	m := map[string]bool{}
	for _, w := range strings.Fields(list) {
		m[strings.ToLower(w)] = true
	}
	return m
}()

// familyNameList are the common Vietnamese family names: a name's first
// word is one of them far more often than not.
const familyNameList = `Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Trịnh Đoàn Lương Tạ Kiều Mạc Ứng Âu
Cao Châu Chu Diệp Đào Đàm Giang Hà Hứa Khúc Kim Lâm Lã Lạc Lục Mai Mẫn Nông Phùng Quách Quan Tăng Thái Thân Tô Tôn Triệu Trương Từ Văn Vi Viên Vương Ông Lò Lưu Hầu Hán Bạch Thạch Sầm Tống Mã Yên`

// familyByLetters are the family names by their unmarked letters.
var familyByLetters = func() map[string][]string {
	m := map[string][]string{}
	for _, w := range strings.Fields(familyNameList) {
		if k := letters(w); !slices.Contains(m[k], w) {
			m[k] = append(m[k], w)
		}
	}
	return m
}()

// mendFamilyName writes a name's first word as the one family name with
// its unmarked letters when it was read with other marks ("Trân" is
// Trần, "Đỉnh" Đinh): a family name is a closed list, so the letters
// settle it where they name one. Given names are left as read (Hiên
// could be Hiền, Hiển or Hiến). mended says the word was changed.
func mendFamilyName(words []string) (out []string, mended bool) {
	out = slices.Clone(words)
	if len(out) < 2 || nameSyllables[strings.ToLower(out[0])] {
		return out, false
	}
	if c := familyByLetters[letters(out[0])]; len(c) == 1 {
		out[0] = c[0]
		return out, true
	}
	return out, false
}

// dotBelowLost are the name syllables (lower case) that another name
// syllable becomes with a dot below its y: "my" (Mỵ). Under y the dot sits
// below the descender, apart from the letter, and Tesseract drops it even
// in clean print ("Mỵ" read "My" at 0.93–0.97 for four signers of one
// generated set, no seal or signature over them). Both are names, so the
// letters cannot tell them apart. (A dot under another vowel sits close to
// it and was read; marks lost under a seal cannot be told from the words
// alone.)
var dotBelowLost = func() map[string]bool {
	m := map[string]bool{}
	for w := range nameSyllables {
		if !strings.ContainsRune(w, 'ỵ') {
			continue
		}
		if without := strings.ReplaceAll(w, "ỵ", "y"); nameSyllables[without] {
			m[without] = true
		}
	}
	return m
}()

// markMayBeLost tells a name (family name first) whose words after the
// first read as a name syllable that a dot below its y, lost, would turn
// into another (dotBelowLost).
func markMayBeLost(words []string) bool {
	for _, w := range words[min(1, len(words)):] {
		if dotBelowLost[strings.ToLower(w)] {
			return true
		}
	}
	return false
}

// commonName tells whether every syllable of a name is a common one.
func commonName(words []string) bool {
	for _, w := range words {
		if !nameSyllables[strings.ToLower(w)] {
			return false
		}
	}
	return true
}

// titleWords are the words a signer's title is made of (NĐ 30 Phụ lục I:
// the authority mark, the collective, the position). A title word read
// otherwise is mended when its unmarked letters name exactly one of them
// ("TICH" is "TỊCH"), and leaves the title for review when they do not.
var titleWords, titleByLetters = func() (map[string]bool, map[string][]string) {
	const list = `TM. KT. TL. TUQ. Q. CHỦ TỊCH PHÓ GIÁM ĐỐC CHÁNH VĂN PHÒNG TRƯỞNG BAN NHÂN DÂN ỦY HỘI ĐỒNG THANH TRA BỘ
THỨ CỤC VỤ VIỆN HIỆU TỔNG BÍ THƯ THƯỜNG TRỰC NHIỆM KIỂM SÁT TÒA ÁN SỞ TỈNH HUYỆN XÃ PHƯỜNG THÀNH PHỐ QUẬN THỊ
ĐOÀN ĐẢNG UBND HĐND CƠ QUAN ĐƠN VỊ TRUNG TÂM QUYỀN KẾ TOÁN THỦ HIỆU CÔNG AN CHỈ HUY`
	words, byLetters := map[string]bool{}, map[string][]string{}
	for _, w := range strings.Fields(list) {
		words[w] = true
		k := letters(w)
		byLetters[k] = append(byLetters[k], w)
	}
	return words, byLetters
}()

// mendTitle checks a title's words against titleWords: the title with
// mended words, and whether every word is (now) one of them.
func mendTitle(words []string) (string, bool) {
	out := make([]string, len(words))
	known := true
	for i, w := range words {
		out[i] = w
		if titleWords[w] {
			continue
		}
		if c := titleByLetters[letters(w)]; len(c) == 1 {
			out[i] = c[0]
			continue
		}
		if c, ok := nearTitleWord(w); ok {
			out[i] = c
			continue
		}
		known = false
	}
	return strings.Join(out, " "), known
}

// nearTitleWord is the one title word whose unmarked letters are a single
// edit away from those of w: a letter lost or added under a seal or a
// signature ("TIC" for "TỊCH", "GLIÁM" for "GIÁM"). Words of under three
// letters, and letters near two title words, are not mended.
func nearTitleWord(w string) (string, bool) {
	l := []rune(letters(w))
	if len(l) < 3 {
		return "", false
	}
	found := ""
	for k, ws := range titleByLetters {
		if len(ws) != 1 || abs(len([]rune(k))-len(l)) > 1 || ocr.EditDistance([]rune(k), l) != 1 {
			continue
		}
		if found != "" {
			return "", false
		}
		found = ws[0]
	}
	return found, found != ""
}

// isTitleWord: w is a title word as read or once mended (mendTitle).
func isTitleWord(w string) bool {
	if titleWords[w] || len(titleByLetters[letters(w)]) == 1 {
		return true
	}
	_, ok := nearTitleWord(w)
	return ok
}

// titleTail is how many of a title's words to keep: the words after its
// last title word that are marks rather than words (not a Vietnamese
// syllable, a single letter, digits or signs: a signature's strokes read
// as letters, "CHỦ TỊCH TNASÁ", "PHÓ CHỦ TỊCH 1⁄2⁄Z7") are not part of it.
// Words that read as syllables or as an abbreviation ("SỞ TƯ PHÁP",
// "VNPT") are kept: a title may end on a name the list does not hold.
func titleTail(words []string) int {
	n := len(words)
	for n > 1 && !isTitleWord(words[n-1]) && strokeWord(words[n-1]) {
		n--
	}
	return n
}

// strokeWord: a word that is no word: not a Vietnamese syllable nor an
// abbreviation in plain capitals, or a single letter.
func strokeWord(w string) bool {
	l := []rune(letters(w))
	if len(l) <= 1 {
		return true
	}
	switch syllable.Judge(w) {
	case syllable.Syllable:
		return false
	case syllable.NotSyllable:
		return true
	}
	// Not judged: an abbreviation in capitals is a word, digits and signs
	// among letters are not.
	return strings.IndexFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && r != '.' }) >= 0
}

// fileCopyRe is NĐ 30's last recipient, the copies kept: "Lưu: VT, …",
// the record office (văn thư, VT) first. Its first code is read apart.
var fileCopyRe = regexp.MustCompile(`^([^\s:]+):?\s*([^\s:,._;'’]+)[\s,._;'’]*(.*)$`)

// tLike are the letters Tesseract reads for the T of "VT" in that short
// word: I, L, 1, 7, J, Y, U with or without marks, D.
const tLike = "TILJYUDF17|"

// mendFileCopy writes "Lưu: VI, KTTH" as "Lưu: VT, KTTH": the copies kept
// start with the record office's VT (NĐ 30, Phụ lục I), so a first code
// of V and one letter Tesseract confuses with T is VT. The separator
// after it is written ", ". mended says a letter was changed (the value
// then waits for review); a code that is not V+T-like ("VP") is left.
func mendFileCopy(item string) (value string, mended bool) {
	m := fileCopyRe.FindStringSubmatch(item)
	if m == nil || letters(m[1]) != "luu" {
		return item, false
	}
	code := []rune(m[2])
	if len(code) >= 4 && code[0] == 'V' && code[1] != 'T' && strings.ContainsRune(tLike, code[1]) && upperASCII(string(code[2:])) {
		// "VLNC": the comma and space after a misread VT lost too, the
		// office's code glued on. A code read with its T ("VTLT") may
		// be an office's own and is left.
		value = "Lưu: VT, " + string(code[2:])
		if m[3] != "" {
			value += ", " + m[3]
		}
		return value, true
	}
	if len(code) != 2 || code[0] != 'V' {
		return item, false
	}
	if second := []rune(strings.ToUpper(unmark(string(code[1])))); code[1] != 'T' && (len(second) != 1 || !strings.ContainsRune(tLike, second[0])) {
		return item, false
	}
	value = "Lưu: VT"
	if m[3] != "" {
		value += ", " + m[3]
	}
	return value, string(code) != "VT"
}

// upperASCII tells whether s is two or more capitals without marks, as
// offices' codes are.
func upperASCII(s string) bool {
	return len(s) >= 2 && strings.IndexFunc(s, func(r rune) bool { return r < 'A' || r > 'Z' }) < 0
}

// mendCapsWord writes a word read in capitals inside a name written in
// lower case ("SỞ Nội vụ") as it is written there ("Sở"): a word with a
// tone or vowel mark is no abbreviation (those are plain initials, "UBND",
// with Đ at most), so capitals on it are a misread case. mended says a
// word was changed.
func mendCapsWord(words []string) (out []string, mended bool) {
	out = slices.Clone(words)
	lower := slices.ContainsFunc(words, func(w string) bool { return strings.ToUpper(w) != w })
	if !lower {
		return out, false // a name in capitals throughout
	}
	for i, w := range words {
		r := []rune(w)
		if len(r) < 2 || strings.ToUpper(w) != w || strings.ToLower(w) == w || syllable.Judge(w) != syllable.Syllable {
			continue
		}
		if unmark(w) == strings.ToLower(strings.NewReplacer("Đ", "D").Replace(w)) {
			continue // no mark but Đ: an abbreviation could look so
		}
		out[i] = string(r[0]) + strings.ToLower(string(r[1:]))
		mended = true
	}
	return out, mended
}

// agencyWords are the words of issuing agencies' names other than their
// place: a word read otherwise is mended like a title word.
var agencyWords = strings.Fields(`ỦY BAN NHÂN DÂN HỘI ĐỒNG UBND HĐND SỞ TỈNH THÀNH PHỐ HUYỆN XÃ PHƯỜNG QUẬN THỊ TRẤN ĐẶC KHU
VĂN PHÒNG THANH TRA TƯ PHÁP NỘI VỤ TÀI CHÍNH Y TẾ XÂY DỰNG CÔNG THƯƠNG GIÁO DỤC VÀ ĐÀO TẠO NÔNG NGHIỆP MÔI TRƯỜNG
KHOA HỌC CÔNG NGHỆ VĂN HÓA THỂ THAO DU LỊCH NGOẠI VỤ DÂN TỘC TÔN GIÁO BAN QUẢN LÝ CÔNG AN BỘ CHỈ HUY QUÂN SỰ
TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG CHI CỤC CỤC TỔNG PHÒNG KINH TẾ HẠ TẦNG ĐÔ THỊ LAO ĐỘNG XÃ HỘI`)

// provinces are the provinces and centrally run cities, those before the
// 2025 merger included (documents from before it stay in dossiers).
var provinces = strings.Split(`HÀ NỘI,HỒ CHÍ MINH,HẢI PHÒNG,ĐÀ NẴNG,CẦN THƠ,HUẾ,THỪA THIÊN HUẾ,AN GIANG,BÀ RỊA - VŨNG TÀU,BẮC GIANG,BẮC KẠN,
BẠC LIÊU,BẮC NINH,BẾN TRE,BÌNH ĐỊNH,BÌNH DƯƠNG,BÌNH PHƯỚC,BÌNH THUẬN,CÀ MAU,CAO BẰNG,ĐẮK LẮK,ĐẮK NÔNG,ĐIỆN BIÊN,
ĐỒNG NAI,ĐỒNG THÁP,GIA LAI,HÀ GIANG,HÀ NAM,HÀ TĨNH,HẢI DƯƠNG,HẬU GIANG,HÒA BÌNH,HƯNG YÊN,KHÁNH HÒA,KIÊN GIANG,
KON TUM,LAI CHÂU,LÂM ĐỒNG,LẠNG SƠN,LÀO CAI,LONG AN,NAM ĐỊNH,NGHỆ AN,NINH BÌNH,NINH THUẬN,PHÚ THỌ,PHÚ YÊN,
QUẢNG BÌNH,QUẢNG NAM,QUẢNG NGÃI,QUẢNG NINH,QUẢNG TRỊ,SÓC TRĂNG,SƠN LA,TÂY NINH,THÁI BÌNH,THÁI NGUYÊN,THANH HÓA,
TIỀN GIANG,TRÀ VINH,TUYÊN QUANG,VĨNH LONG,VĨNH PHÚC,YÊN BÁI`, ",")

var agencyByLetters = func() map[string][]string {
	m := map[string][]string{}
	for _, w := range agencyWords {
		k := letters(w)
		if !slices.Contains(m[k], w) {
			m[k] = append(m[k], w)
		}
	}
	return m
}()

// agencyPairs settle a word whose letters name more than one agency word
// by the word before it: "HỘI ĐÔNG" is HỘI ĐỒNG, "LAO ĐÔNG" LAO ĐỘNG.
var agencyPairs = strings.Split(`HỘI ĐỒNG,LAO ĐỘNG,ĐÀO TẠO,XÂY DỰNG,ĐÔ THỊ,THỊ XÃ,THỊ TRẤN,XÃ HỘI,NỘI VỤ,NGOẠI VỤ,PHỤC VỤ`, ",")

func pairWord(prev, w string) string {
	for _, p := range agencyPairs {
		a, b, _ := strings.Cut(p, " ")
		if letters(prev) == letters(a) && letters(w) == letters(b) {
			return b
		}
	}
	return ""
}

// provinceSuffix finds the province that ends an agency's name and writes
// it as the list does: at returns where it starts (len(words) when none);
// fuzzy says it was matched one edit away (a letter read twice or lost),
// which is done only after "TỈNH" or "THÀNH PHỐ" and when one province
// alone is that close.
func provinceSuffix(words []string) (out []string, at int, fuzzy bool) {
	out = slices.Clone(words)
	for _, p := range provinces {
		pw := strings.Fields(strings.TrimSpace(p))
		if len(pw) > len(out) || letters(strings.Join(out[len(out)-len(pw):], "")) != letters(strings.Join(pw, "")) {
			continue
		}
		copy(out[len(out)-len(pw):], pw)
		return out, len(out) - len(pw), false
	}
	best, bestK, bestD, ties := "", 0, 2, 0
	for k := 1; k <= min(4, len(out)-1); k++ {
		if l := letters(out[len(out)-k-1]); l != "tinh" && l != "pho" {
			continue
		}
		got := []rune(letters(strings.Join(out[len(out)-k:], "")))
		for _, p := range provinces {
			want := []rune(letters(p))
			if len(want) < 6 {
				continue
			}
			switch d := ocr.EditDistance(got, want); {
			case d < bestD:
				best, bestK, bestD, ties = p, k, d, 1
			case d == bestD && p != best:
				ties++
			}
		}
	}
	if best == "" || ties != 1 {
		return out, len(out), false
	}
	at = len(out) - bestK
	return append(out[:at], strings.Fields(strings.TrimSpace(best))...), at, true
}

// namesProvince tells whether words end in a province's name, spelt as
// the list spells it (marks included), right after "TỈNH" or "THÀNH PHỐ".
func namesProvince(words []string) bool {
	for _, p := range provinces {
		pw := strings.Fields(p)
		n := len(words) - len(pw)
		if n < 1 || !slices.Equal(words[n:], pw) {
			continue
		}
		return words[n-1] == "TỈNH" || n >= 2 && words[n-2] == "THÀNH" && words[n-1] == "PHỐ"
	}
	return false
}

// mendAgency mends an agency's name read in capitals: a province at its
// end whose unmarked letters are those of exactly one province (or, after
// "TỈNH", one letter away from exactly one) is written as that province,
// other words as the one agency word with their letters (the word before
// settling two). known says whether every word is now an agency word or
// the province, matched exactly.
func mendAgency(words []string) (string, bool) {
	out, end, fuzzy := provinceSuffix(words)
	known := !fuzzy
	for i, w := range out[:end] {
		if i > 0 && slices.Contains([]string{"TỈNH", "PHỐ", "HUYỆN", "QUẬN", "XÃ", "PHƯỜNG", "TRẤN", "KHU"}, out[i-1]) {
			// The rest names a place other than a province (a commune,
			// a district): a word of its own, not one to mend.
			return strings.Join(out, " "), false
		}
		// A comma between the parts of a name ("VĂN HÓA, THỂ THAO") stays.
		bare := strings.TrimRight(w, ",")
		tail := w[len(bare):]
		c := agencyByLetters[letters(bare)]
		switch {
		case len(c) == 1:
			out[i] = c[0] + tail
		case len(c) > 1 && i > 0 && pairWord(out[i-1], bare) != "":
			out[i] = pairWord(out[i-1], bare) + tail
		case !slices.Contains(c, bare):
			known = false
		}
	}
	return strings.Join(out, " "), known
}

// mendPlace writes a place whose unmarked letters are a province's as that
// province is written ("Quang Ngai" is Quảng Ngãi), and one letter off
// from exactly one province of six letters or more as that province, then
// fuzzy (for review). Other places (cities, communes) are left as read.
func mendPlace(place string) (value string, fuzzy bool) {
	got := []rune(letters(place))
	best, ties := "", 0
	for _, p := range provinces {
		want := []rune(letters(p))
		if string(got) == string(want) {
			return titleCase(strings.TrimSpace(p)), false
		}
		if len(want) >= 6 && ocr.EditDistance(got, want) == 1 {
			best, ties = p, ties+1
		}
	}
	if ties == 1 {
		return titleCase(strings.TrimSpace(best)), true
	}
	return place, false
}

// provinceTail tells whether place, by its unmarked letters, is the last
// words of a province's name but not a province itself: words at its
// start were likely lost. A town of that name ("Vinh", as Trà Vinh ends)
// is then only held for review.
func provinceTail(place string) bool {
	got := letters(place)
	if got == "" || slices.ContainsFunc(provinces, func(p string) bool { return letters(p) == got }) {
		return false // "Huế" ends "Thừa Thiên Huế" and is a name of its own
	}
	for _, p := range provinces {
		ws := strings.Fields(strings.ReplaceAll(p, " - ", " "))
		for i := 1; i < len(ws); i++ {
			if letters(strings.Join(ws[i:], " ")) == got {
				return true
			}
		}
	}
	return false
}

// titleCase writes a name in capitals as a place is written in running
// text: "BÀ RỊA - VŨNG TÀU" is "Bà Rịa - Vũng Tàu".
func titleCase(s string) string {
	ws := strings.Fields(strings.ToLower(s))
	for i, w := range ws {
		r := []rune(w)
		ws[i] = strings.ToUpper(string(r[0])) + string(r[1:])
	}
	return strings.Join(ws, " ")
}
