package index_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/sohoa/sohoa/storage/index"
)

// A generator of realistic OCR text of Vietnamese one-stop desk papers:
// people's names, addresses, ID numbers, administrative boilerplate, with
// some OCR noise (lost diacritics, confused letters, split and merged
// words). Deterministic for a seed.

var (
	surnames  = []string{"Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Lâm", "Mai", "Tô", "Đoàn", "Hà", "Tạ", "Quách", "Lưu"}
	middles   = []string{"Văn", "Văn", "Thị", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Xuân", "Thu", "Hoài", "Kim", "Gia", "Bảo", "Công", "Đình", "Phương", "Thế"}
	givens    = []string{"An", "Anh", "Bình", "Châu", "Cường", "Dũng", "Duy", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hòa", "Hùng", "Hương", "Huy", "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Ngọc", "Nhung", "Phong", "Phúc", "Phương", "Quân", "Quang", "Sơn", "Tâm", "Thảo", "Thắng", "Thủy", "Tiên", "Toàn", "Trang", "Trung", "Tuấn", "Tùng", "Uyên", "Việt", "Vinh", "Vy", "Xuân", "Yến", "Đạt", "Đức"}
	streets   = []string{"Lê Lợi", "Nguyễn Huệ", "Trần Hưng Đạo", "Điện Biên Phủ", "Hai Bà Trưng", "Lý Thường Kiệt", "Phan Đình Phùng", "Nguyễn Trãi", "Lê Duẩn", "Hoàng Diệu", "Quang Trung", "Bạch Đằng", "Cách Mạng Tháng Tám", "Võ Thị Sáu", "Nguyễn Thị Minh Khai", "Pasteur", "Đinh Tiên Hoàng", "Tôn Đức Thắng", "Phạm Ngũ Lão", "Hùng Vương"}
	wards     = []string{"Bến Nghé", "Bến Thành", "Đa Kao", "Tân Định", "Phú Nhuận", "Yên Hòa", "Dịch Vọng", "Cửa Nam", "Hàng Trống", "Láng Hạ", "Thạch Thang", "Hải Châu", "An Hải Bắc", "Vĩnh Ninh", "Phú Hội", "Xuân Phú", "Tân Phong", "Hòa Cường", "Mỹ An", "Thuận Phước"}
	districts = []string{"Quận 1", "Quận 3", "Quận Phú Nhuận", "Quận Cầu Giấy", "Quận Hoàn Kiếm", "Quận Đống Đa", "Quận Hải Châu", "Quận Sơn Trà", "Thành phố Huế", "Huyện Đông Anh", "Thị xã Sơn Tây", "Huyện Củ Chi"}
	provinces = []string{"Thành phố Hồ Chí Minh", "Thành phố Hà Nội", "Thành phố Đà Nẵng", "Tỉnh Thừa Thiên Huế", "Tỉnh Quảng Ninh", "Tỉnh Đồng Nai", "Tỉnh Bình Dương", "Tỉnh Nghệ An"}
	docKinds  = []struct{ title, typ string }{
		{"GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH", "giay-chung-nhan"},
		{"GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT", "giay-chung-nhan"},
		{"QUYẾT ĐỊNH VỀ VIỆC CẤP GIẤY PHÉP XÂY DỰNG", "quyet-dinh"},
		{"QUYẾT ĐỊNH XỬ PHẠT VI PHẠM HÀNH CHÍNH", "quyet-dinh"},
		{"TỜ KHAI ĐĂNG KÝ KHAI SINH", "to-khai"},
		{"GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", "giay-xac-nhan"},
		{"BIÊN NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "bien-nhan"},
		{"ĐƠN ĐỀ NGHỊ CHỨNG THỰC BẢN SAO", "don"},
	}
	boilerplate = []string{
		"Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
		"Căn cứ Nghị định số 61/2018/NĐ-CP ngày 23 tháng 4 năm 2018 của Chính phủ về thực hiện cơ chế một cửa, một cửa liên thông trong giải quyết thủ tục hành chính;",
		"Căn cứ Nghị định số 01/2021/NĐ-CP về đăng ký doanh nghiệp;",
		"Xét đề nghị của Trưởng phòng Tài chính - Kế hoạch,",
		"Theo đề nghị của công dân và hồ sơ kèm theo,",
		"Điều 1. Chấp thuận nội dung đề nghị của công dân có tên nêu trên.",
		"Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
		"Điều 3. Chánh Văn phòng, Trưởng các phòng ban có liên quan và công dân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này.",
		"Ngành, nghề kinh doanh: bán lẻ lương thực, thực phẩm, đồ uống trong các cửa hàng chuyên doanh.",
		"Vốn kinh doanh: 200.000.000 đồng (Hai trăm triệu đồng).",
		"Diện tích đất: 120,5 m2; mục đích sử dụng: đất ở tại đô thị; thời hạn sử dụng: lâu dài.",
		"Người nộp hồ sơ cam kết chịu trách nhiệm trước pháp luật về tính chính xác của các thông tin đã kê khai.",
		"Thời gian trả kết quả: trong giờ hành chính, tại Bộ phận tiếp nhận và trả kết quả.",
		"Nơi nhận: Như Điều 3; Lưu: VT, hồ sơ.",
		"Số tiền phạt: 5.000.000 đồng. Nộp tại Kho bạc Nhà nước trong thời hạn 10 ngày.",
		"Giấy tờ kèm theo: bản sao Căn cước công dân, sổ hộ khẩu, giấy tờ chứng minh chỗ ở hợp pháp.",
	}
)

type gen struct{ r *rand.Rand }

func newGen(seed uint64) *gen { return &gen{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }

func (g *gen) pick(s []string) string { return s[g.r.IntN(len(s))] }

func (g *gen) name() string {
	return g.pick(surnames) + " " + g.pick(middles) + " " + g.pick(givens)
}

func (g *gen) address() string {
	return fmt.Sprintf("số %d đường %s, phường %s, %s, %s", 1+g.r.IntN(300), g.pick(streets), g.pick(wards), g.pick(districts), g.pick(provinces))
}

// noisy adds OCR errors to about rate of the words.
func (g *gen) noisy(s string, rate float64) string {
	words := strings.Split(s, " ")
	for i, w := range words {
		if g.r.Float64() >= rate || w == "" {
			continue
		}
		switch g.r.IntN(4) {
		case 0: // lost diacritics
			words[i] = index.Fold(w)
		case 1: // confused letter
			words[i] = strings.NewReplacer("l", "1", "O", "0", "m", "rn", "ư", "u", "ơ", "o").Replace(w)
		case 2: // split word
			if n := utf8.RuneCountInString(w); n > 3 {
				rs := []rune(w)
				words[i] = string(rs[:n/2]) + " " + string(rs[n/2:])
			}
		case 3: // merged with the next word
			if i+1 < len(words) {
				words[i], words[i+1] = "", w+words[i+1]
			}
		}
	}
	return strings.Join(strings.Fields(strings.Join(words, " ")), " ")
}

type genResult struct {
	pages []index.PageText
	names []string // people named on its pages
}

// result generates the pages of one signed result of dossier number n.
func (g *gen) result(n int) genResult {
	agency := fmt.Sprintf("000.00.%02d.H%02d", 1+n%40, 10+n%53)
	date := time.Date(2018, 1, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(g.r.IntN(8*365*24)) * time.Hour)
	dossier := fmt.Sprintf("%s-%s-%04d", agency, date.Format("060102"), n%10000)
	kind := docKinds[g.r.IntN(len(docKinds))]
	code := dossier + "-KQ1"
	person, other := g.name(), g.name()
	npages := 1 + g.r.IntN(4)
	out := genResult{names: []string{person, other}}
	for p := 1; p <= npages; p++ {
		var b strings.Builder
		if p == 1 {
			fmt.Fprintf(&b, "ỦY BAN NHÂN DÂN %s\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n%s\nSố: %d/%s\nMã hồ sơ: %s\n",
				strings.ToUpper(g.pick(districts)), kind.title, 1+g.r.IntN(9999), date.Format("2006"), dossier)
		}
		for range 3 + g.r.IntN(3) {
			b.WriteString(g.pick(boilerplate))
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "Cấp cho ông/bà: %s, sinh ngày %02d/%02d/%d, CCCD số %012d, thường trú tại %s.\n",
			strings.ToUpper(person), 1+g.r.IntN(28), 1+g.r.IntN(12), 1950+g.r.IntN(55), g.r.Int64N(1e12), g.address())
		fmt.Fprintf(&b, "Người làm chứng: %s, địa chỉ %s.\n", other, g.address())
		for range 2 + g.r.IntN(3) {
			b.WriteString(g.pick(boilerplate))
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s, ngày %d tháng %d năm %d\nNGƯỜI KÝ\n%s", g.pick(provinces), date.Day(), int(date.Month()), date.Year(), g.name())
		lines := strings.Split(b.String(), "\n")
		for i, l := range lines {
			lines[i] = g.noisy(l, 0.03)
		}
		text := strings.Join(lines, "\n")
		if g.r.IntN(20) == 0 {
			text = norm.NFD.String(text) // some engines or scanners give NFD
		}
		out.pages = append(out.pages, index.PageText{ResultCode: code, DossierCode: dossier, AgencyCode: agency,
			Title: kind.title, DocumentType: kind.typ, Date: date, Page: p, Text: text})
	}
	return out
}
