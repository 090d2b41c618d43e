package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// This file writes the papers: realistic one-stop-desk documents with
// invented people, places, dates and dossier codes. All strings are NFC
// (precomposed letters), which is what the fonts carry glyphs for; the
// renderer does no shaping of combining marks.

// blockStyle says how the layout places a block of text.
type blockStyle int

const (
	stCenterBold blockStyle = iota // national header, agency name
	stCenter                       // motto, subtitle, notes under a title
	stTitle                        // document title: bold, larger
	stPara                         // paragraph: wrapped, first line indented
	stField                        // "Label: value", value in fill ink, wrapped
	stItem                         // list item, wrapped with a hanging indent
	stHeading                      // bold section heading, left
	stRight                        // place and date line, right aligned
	stSigner                       // signer block line, centred in the right half
	stSignature                    // room for a handwritten signature (no text)
	stRule                         // short rule under the motto (no text)
	stGap                          // vertical space (no text)
)

// block is a unit of content. Label is printed in black; Text (for stField)
// is the filled-in value, printed in the fill ink.
type block struct {
	Style blockStyle
	Label string
	Text  string
}

type date struct{ D, M, Y int }

func (d date) slash() string { return fmt.Sprintf("%02d/%02d/%04d", d.D, d.M, d.Y) }
func (d date) long() string  { return fmt.Sprintf("ngày %02d tháng %02d năm %04d", d.D, d.M, d.Y) }
func (d date) code() string  { return fmt.Sprintf("%02d%02d%02d", d.Y%100, d.M, d.D) }

var monthDays = [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func (d date) addDays(n int) date {
	for ; n > 0; n-- {
		d.D++
		md := monthDays[d.M]
		if d.M == 2 && d.Y%4 == 0 {
			md = 29
		}
		if d.D > md {
			d.D, d.M = 1, d.M+1
			if d.M > 12 {
				d.M, d.Y = 1, d.Y+1
			}
		}
	}
	return d
}

// words spells dates the way birth registers do.
func (d date) words() string {
	day := vnNumber(d.D)
	if d.D <= 10 {
		day = "mồng " + day
	}
	month := vnNumber(d.M)
	if d.M == 4 {
		month = "tư"
	}
	return fmt.Sprintf("ngày %s tháng %s năm %s", day, month, vnNumber(d.Y))
}

// region is a province-level unit after the 2025 reorganisation (two
// levels: province, then ward or commune).
type region struct {
	Province string // "thành phố Hà Nội"
	Short    string // for the place-and-date line
	CCCD     string // province code that starts identity numbers
	HCode    string // agency code suffix used in dossier codes
	Wards    []string
	Streets  []string
	Hospital string
}

var regions = []region{
	{"thành phố Hà Nội", "Hà Nội", "001", "H26",
		[]string{"phường Ba Đình", "phường Hoàn Kiếm", "phường Cửa Nam", "phường Cầu Giấy", "phường Hồng Hà", "phường Láng", "phường Ô Chợ Dừa", "xã Sóc Sơn", "phường Hà Đông", "xã Thư Lâm"},
		[]string{"Trần Hưng Đạo", "Lý Thường Kiệt", "Phan Đình Phùng", "Hoàng Diệu", "Nguyễn Thái Học", "Đội Cấn", "Kim Mã", "Xuân Thủy", "Láng Hạ", "Tôn Đức Thắng"},
		"Bệnh viện Phụ sản Hà Nội"},
	{"Thành phố Hồ Chí Minh", "Thành phố Hồ Chí Minh", "079", "H29",
		[]string{"phường Sài Gòn", "phường Bến Thành", "phường Tân Định", "phường Xuân Hòa", "phường Chợ Lớn", "phường Gia Định", "phường Thủ Đức", "xã Củ Chi", "phường Bình Thạnh", "phường Phú Nhuận"},
		[]string{"Nguyễn Huệ", "Lê Lợi", "Hai Bà Trưng", "Điện Biên Phủ", "Võ Thị Sáu", "Nguyễn Thị Minh Khai", "Cách Mạng Tháng Tám", "Lê Văn Sỹ", "Phan Xích Long", "Trường Chinh"},
		"Bệnh viện Từ Dũ"},
	{"thành phố Đà Nẵng", "Đà Nẵng", "048", "H33",
		[]string{"phường Hải Châu", "phường Hòa Cường", "phường Thanh Khê", "phường Sơn Trà", "phường Ngũ Hành Sơn", "phường Liên Chiểu", "xã Hòa Vang", "phường Hội An"},
		[]string{"Bạch Đằng", "Lê Duẩn", "Nguyễn Văn Linh", "Hùng Vương", "Phan Châu Trinh", "Ông Ích Khiêm", "Điện Biên Phủ", "Ngũ Hành Sơn"},
		"Bệnh viện Phụ sản - Nhi Đà Nẵng"},
	{"thành phố Huế", "Huế", "046", "H57",
		[]string{"phường Thuận Hóa", "phường Phú Xuân", "phường Vỹ Dạ", "phường Kim Long", "phường Hương Thủy", "xã Phú Vinh"},
		[]string{"Lê Lợi", "Hùng Vương", "Đống Đa", "Nguyễn Huệ", "Trần Phú", "Điện Biên Phủ", "Ngô Đức Kế"},
		"Bệnh viện Trung ương Huế"},
	{"thành phố Hải Phòng", "Hải Phòng", "031", "H27",
		[]string{"phường Hồng Bàng", "phường Lê Chân", "phường Ngô Quyền", "phường Hải An", "phường Kiến An", "xã Thủy Nguyên"},
		[]string{"Lạch Tray", "Điện Biên Phủ", "Trần Phú", "Lê Thánh Tông", "Hoàng Văn Thụ", "Tô Hiệu"},
		"Bệnh viện Phụ sản Hải Phòng"},
	{"thành phố Cần Thơ", "Cần Thơ", "092", "H49",
		[]string{"phường Ninh Kiều", "phường Cái Khế", "phường Bình Thủy", "phường Cái Răng", "xã Phong Điền", "phường Ô Môn"},
		[]string{"Hòa Bình", "Trần Hưng Đạo", "Mậu Thân", "Nguyễn Văn Cừ", "Võ Văn Kiệt", "Ba Tháng Hai"},
		"Bệnh viện Phụ sản thành phố Cần Thơ"},
	{"tỉnh Nghệ An", "Vinh", "040", "H40",
		[]string{"phường Trường Vinh", "phường Thành Vinh", "phường Vinh Hưng", "xã Nghi Lộc", "xã Diễn Châu", "phường Cửa Lò"},
		[]string{"Quang Trung", "Lê Hồng Phong", "Nguyễn Du", "Trường Thi", "Phan Bội Châu", "Lê Mao"},
		"Bệnh viện Sản Nhi Nghệ An"},
	{"tỉnh Lâm Đồng", "Đà Lạt", "068", "H42",
		[]string{"phường Xuân Hương - Đà Lạt", "phường Lâm Viên - Đà Lạt", "phường Bảo Lộc 1", "xã Đức Trọng", "phường Phan Thiết"},
		[]string{"Trần Phú", "Phan Đình Phùng", "Bùi Thị Xuân", "Hai Bà Trưng", "Yersin", "Ba Tháng Hai"},
		"Bệnh viện Đa khoa tỉnh Lâm Đồng"},
	{"tỉnh Quảng Ninh", "Hạ Long", "022", "H22",
		[]string{"phường Hạ Long", "phường Bãi Cháy", "phường Hồng Gai", "phường Cẩm Phả", "phường Uông Bí", "xã Vân Đồn"},
		[]string{"Hạ Long", "Lê Thánh Tông", "Trần Hưng Đạo", "Nguyễn Văn Cừ", "Cao Xanh", "Kênh Liêm"},
		"Bệnh viện Sản Nhi Quảng Ninh"},
	{"tỉnh Đắk Lắk", "Buôn Ma Thuột", "066", "H66",
		[]string{"phường Buôn Ma Thuột", "phường Tân An", "phường Ea Kao", "xã Ea Kar", "xã Krông Pắc", "phường Tuy Hòa"},
		[]string{"Lê Duẩn", "Phan Bội Châu", "Y Jút", "Nguyễn Tất Thành", "Ngô Quyền", "Hùng Vương"},
		"Bệnh viện Đa khoa vùng Tây Nguyên"},
}

var (
	familyNames = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Đoàn", "Lương", "Tạ", "Kiều", "Mạc", "Ứng", "Âu"}
	maleMiddle  = []string{"Văn", "Hữu", "Đức", "Quốc", "Minh", "Thành", "Xuân", "Ngọc", "Đình", "Công", "Gia", "Trọng", "Thế", "Quang"}
	femMiddle   = []string{"Thị", "Ngọc", "Thu", "Thanh", "Hồng", "Mỹ", "Diệu", "Kiều", "Tuyết", "Bích", "Khánh", "Phương"}
	maleGiven   = []string{"An", "Bảo", "Cường", "Dũng", "Đạt", "Hiếu", "Hùng", "Khải", "Lộc", "Mạnh", "Nghĩa", "Phúc", "Quý", "Sơn", "Thắng", "Tuấn", "Việt", "Vỹ", "Hưởng", "Lũy", "Ổn", "Kỳ", "Tỷ", "Thụy", "Ẩn"}
	femGiven    = []string{"Anh", "Bích", "Chi", "Diễm", "Giang", "Hằng", "Hương", "Huyền", "Liễu", "Mỵ", "Ngân", "Nhung", "Oanh", "Phượng", "Quỳnh", "Thủy", "Trâm", "Uyên", "Yến", "Ánh", "Ngọc", "Ẩn"}
	ethnicities = []string{"Kinh", "Kinh", "Kinh", "Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "Ê Đê"}
)

// person is an invented applicant.
type person struct {
	Name     string
	Male     bool
	Born     date
	CCCD     string
	Issued   date
	Address  string
	Phone    string
	Ethnic   string
	Region   *region
	WardOnly string
}

func (p person) gender() string {
	if p.Male {
		return "Nam"
	}
	return "Nữ"
}

// textGen draws invented content from one random stream.
type textGen struct{ r *rand.Rand }

func (g textGen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }
func (g textGen) between(lo, hi int) int  { return lo + g.r.IntN(hi-lo+1) }

func (g textGen) date(y int) date {
	m := g.between(1, 12)
	return date{g.between(1, monthDays[m]), m, y}
}

func (g textGen) region() *region { return &regions[g.r.IntN(len(regions))] }

func (g textGen) address(rg *region) (full, ward string) {
	ward = g.pick(rg.Wards)
	street := g.pick(rg.Streets)
	var head string
	switch g.r.IntN(4) {
	case 0:
		head = fmt.Sprintf("Số %d đường %s", g.between(1, 320), street)
	case 1:
		head = fmt.Sprintf("Số %d, ngõ %d phố %s", g.between(1, 99), g.between(2, 180), street)
	case 2:
		head = fmt.Sprintf("Số %d/%d đường %s", g.between(2, 240), g.between(1, 40), street)
	default:
		head = fmt.Sprintf("Tổ dân phố số %d, đường %s", g.between(1, 25), street)
	}
	return fmt.Sprintf("%s, %s, %s", head, ward, rg.Province), ward
}

func (g textGen) name(male bool) string {
	if male {
		return g.pick(familyNames) + " " + g.pick(maleMiddle) + " " + g.pick(maleGiven)
	}
	return g.pick(familyNames) + " " + g.pick(femMiddle) + " " + g.pick(femGiven)
}

func (g textGen) person(rg *region) person {
	p := person{Male: g.r.IntN(2) == 0, Region: rg}
	p.Name = g.name(p.Male)
	p.Born = g.date(g.between(1948, 2006))
	// CCCD: province code, gender-and-century digit, two-digit birth year,
	// six digits.
	gc := 0
	if !p.Male {
		gc = 1
	}
	if p.Born.Y >= 2000 {
		gc += 2
	}
	p.CCCD = fmt.Sprintf("%s%d%02d%06d", rg.CCCD, gc, p.Born.Y%100, g.r.IntN(1000000))
	p.Issued = g.date(g.between(2021, 2025))
	p.Address, p.WardOnly = g.address(rg)
	p.Phone = fmt.Sprintf("0%s %03d %03d", g.pick([]string{"912", "903", "988", "977", "868", "345", "707", "832", "936", "915"}), g.r.IntN(1000), g.r.IntN(1000))
	p.Ethnic = g.pick(ethnicities)
	return p
}

// procedure is an administrative procedure with the papers it needs.
type procedure struct {
	Name      string
	Docs      []string
	Days      int
	Fee       int // đồng; 0 is exempt
	Authority string
}

var procedures = []procedure{
	{"Đăng ký khai sinh", []string{"Tờ khai đăng ký khai sinh theo mẫu", "Giấy chứng sinh (bản chính)", "Giấy chứng nhận kết hôn của cha, mẹ (bản sao)"}, 1, 0, "ward"},
	{"Đăng ký kết hôn", []string{"Tờ khai đăng ký kết hôn theo mẫu", "Giấy xác nhận tình trạng hôn nhân", "Căn cước công dân của hai bên (bản chụp)"}, 1, 0, "ward"},
	{"Cấp Phiếu lý lịch tư pháp số 1", []string{"Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", "Bản chụp Căn cước công dân", "Giấy tờ chứng minh nơi cư trú"}, 10, 200000, "province"},
	{"Chứng thực bản sao từ bản chính giấy tờ, văn bản", []string{"Bản chính giấy tờ, văn bản làm cơ sở chứng thực", "Bản sao cần chứng thực"}, 1, 2000, "ward"},
	{"Cấp giấy phép xây dựng nhà ở riêng lẻ", []string{"Đơn đề nghị cấp giấy phép xây dựng", "Bản sao Giấy chứng nhận quyền sử dụng đất", "Hai bộ bản vẽ thiết kế xây dựng", "Bản kê khai năng lực của tổ chức thiết kế"}, 15, 75000, "ward"},
	{"Đăng ký thành lập hộ kinh doanh", []string{"Giấy đề nghị đăng ký hộ kinh doanh", "Bản sao giấy tờ pháp lý của chủ hộ kinh doanh", "Biên bản họp thành viên hộ gia đình"}, 3, 100000, "ward"},
	{"Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", []string{"Đơn đăng ký biến động đất đai, tài sản gắn liền với đất", "Bản gốc Giấy chứng nhận đã cấp", "Hợp đồng chuyển nhượng quyền sử dụng đất có công chứng"}, 10, 500000, "province"},
	{"Cấp đổi giấy phép lái xe do ngành Giao thông vận tải cấp", []string{"Đơn đề nghị đổi giấy phép lái xe", "Giấy khám sức khỏe của người lái xe", "Bản sao giấy phép lái xe sắp hết hạn"}, 5, 135000, "province"},
	{"Trợ cấp xã hội hằng tháng đối với người cao tuổi", []string{"Tờ khai đề nghị trợ giúp xã hội", "Bản sao sổ hộ khẩu hoặc giấy xác nhận thông tin cư trú"}, 20, 0, "ward"},
	{"Xác nhận thông tin về cư trú", []string{"Tờ khai thay đổi thông tin cư trú", "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp"}, 3, 0, "ward"},
}

// dossier ties a procedure to an applicant, an agency and a code.
type dossier struct {
	Code       string // one of the two formats
	AgencyCode string
	Agency     string // "Ủy ban nhân dân phường Hải Châu"
	Desk       string // where the desk sits
	Proc       procedure
	Applicant  person
	Received   date
	Due        date
	Hour, Min  int
	Book, Seq  int
}

// oldCode is TT 01/2018 art. 19: agency code, reception date, four-digit sequence.
func oldCode(agency string, d date, seq int) string {
	return fmt.Sprintf("%s-%s-%04d", agency, d.code(), seq)
}

// newCode is TT 04/2025: left-to-right agency code, date, two letters and a sequence.
func newCode(h string, g textGen, d date, seq int) string {
	aa := string(rune('A'+g.r.IntN(26))) + string(rune('A'+g.r.IntN(26)))
	return fmt.Sprintf("%s.%03d.%02d-%s-%s%04d", h, g.r.IntN(1000), g.r.IntN(100), d.code(), aa, seq)
}

func (g textGen) dossier(rg *region, received date, newFormat bool) dossier {
	d := dossier{Proc: procedures[g.r.IntN(len(procedures))], Received: received}
	d.Applicant = g.person(rg)
	if d.Proc.Authority == "province" {
		d.Agency = "Trung tâm Phục vụ hành chính công " + rg.Province
	} else {
		d.Agency = "Ủy ban nhân dân " + d.Applicant.WardOnly
	}
	d.Desk = "Bộ phận Một cửa, " + d.Agency
	d.AgencyCode = fmt.Sprintf("000.%02d.%02d.%s", g.r.IntN(60), g.r.IntN(40), rg.HCode)
	seq := g.between(1, 2400)
	if newFormat {
		d.Code = newCode(rg.HCode, g, received, seq)
	} else {
		d.Code = oldCode(d.AgencyCode, received, seq)
	}
	d.Due = received.addDays(d.Proc.Days + d.Proc.Days/5*2)
	d.Hour, d.Min = g.between(7, 16), 5*g.r.IntN(12)
	d.Book, d.Seq = g.between(1, 12), seq
	return d
}

func upper(s string) string { return strings.ToUpper(s) }

func header() []block {
	return []block{
		{Style: stCenterBold, Label: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"},
		{Style: stCenterBold, Label: "Độc lập - Tự do - Hạnh phúc"},
		{Style: stRule},
	}
}

func placeDate(rg *region, d date) block {
	return block{Style: stRight, Label: rg.Short + ", " + d.long()}
}

func signer(role, name string) []block {
	return []block{
		{Style: stSigner, Label: role},
		{Style: stSigner, Label: "(Ký và ghi rõ họ tên)"},
		{Style: stSignature},
		{Style: stSigner, Label: name},
	}
}

func fee(n int) string {
	if n == 0 {
		return "Miễn lệ phí"
	}
	w := vnNumber(n)
	return fmt.Sprintf("%s đồng (Bằng chữ: %s đồng)", thousands(n), capitalize(w))
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return b.String()
}

var reasons = []string{
	"Tôi cần giấy tờ này để bổ sung hồ sơ xin việc làm và hoàn thiện thủ tục tại nơi công tác mới.",
	"Gia đình tôi đã chuyển về sinh sống ổn định tại địa phương từ năm 2019, nay cần hoàn tất giấy tờ theo quy định.",
	"Giấy tờ cũ đã bị hư hỏng do ngập nước trong đợt mưa lũ vừa qua, chữ viết bị nhòe, không còn đọc được rõ.",
	"Tôi cần bổ sung hồ sơ để làm thủ tục vay vốn sản xuất, kinh doanh tại Ngân hàng Chính sách xã hội.",
	"Con tôi chuẩn bị nhập học lớp một, nhà trường yêu cầu nộp bản sao giấy tờ hộ tịch có chứng thực.",
	"Thông tin trên giấy tờ đã cấp có sai sót về họ, chữ đệm và ngày tháng năm sinh so với Căn cước công dân.",
}

// docDon is an application letter (đơn đề nghị).
func (g textGen) docDon(d dossier) []block {
	p := d.Applicant
	bs := header()
	bs = append(bs,
		block{Style: stTitle, Label: "ĐƠN ĐỀ NGHỊ"},
		block{Style: stCenter, Label: "Về việc: " + lowerFirst(d.Proc.Name)},
		block{Style: stGap},
		block{Style: stField, Label: "Kính gửi: ", Text: d.Agency + "."},
		block{Style: stField, Label: "Họ và tên người đề nghị: ", Text: upper(p.Name)},
		block{Style: stField, Label: "Ngày, tháng, năm sinh: ", Text: p.Born.slash() + "; giới tính: " + p.gender() + "; dân tộc: " + p.Ethnic},
		block{Style: stField, Label: "Số định danh cá nhân: ", Text: p.CCCD + ", cấp ngày " + p.Issued.slash() + " tại Bộ Công an"},
		block{Style: stField, Label: "Nơi cư trú: ", Text: p.Address},
		block{Style: stField, Label: "Số điện thoại liên hệ: ", Text: p.Phone},
		block{Style: stPara, Label: fmt.Sprintf("Tôi làm đơn này kính đề nghị quý cơ quan xem xét, giải quyết thủ tục %s cho tôi theo đúng quy định của pháp luật.", strings.ToLower(d.Proc.Name))},
		block{Style: stPara, Label: "Lý do đề nghị: " + g.pick(reasons)},
		block{Style: stPara, Label: "Hồ sơ kèm theo gồm có:"},
	)
	for i, doc := range d.Proc.Docs {
		bs = append(bs, block{Style: stItem, Label: fmt.Sprintf("%d. %s.", i+1, doc)})
	}
	bs = append(bs,
		block{Style: stPara, Label: "Tôi xin cam đoan những nội dung khai trên là đúng sự thật và chịu trách nhiệm trước pháp luật về lời khai của mình. Kính mong quý cơ quan xem xét, giải quyết."},
		block{Style: stGap},
		placeDate(p.Region, d.Received),
	)
	return append(bs, signer("NGƯỜI LÀM ĐƠN", p.Name)...)
}

// docTiepNhan is the receipt and appointment slip the desk hands back.
func (g textGen) docTiepNhan(d dossier, officer string) []block {
	p := d.Applicant
	bs := []block{
		{Style: stCenterBold, Label: upper(d.Agency)},
		{Style: stCenterBold, Label: "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"},
		{Style: stGap},
	}
	bs = append(bs, header()...)
	bs = append(bs,
		block{Style: stTitle, Label: "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"},
		block{Style: stCenter, Label: "Mã hồ sơ: " + d.Code},
		block{Style: stCenter, Label: fmt.Sprintf("(Liên: Lưu tại Bộ phận Một cửa; Quyển số: %02d; Số thứ tự: %d)", d.Book, d.Seq)},
		block{Style: stGap},
		block{Style: stPara, Label: "Bộ phận tiếp nhận và trả kết quả " + d.Agency + " tiếp nhận hồ sơ của:"},
		block{Style: stField, Label: "Ông/bà: ", Text: p.Name},
		block{Style: stField, Label: "Số định danh cá nhân: ", Text: p.CCCD},
		block{Style: stField, Label: "Địa chỉ: ", Text: p.Address},
		block{Style: stField, Label: "Số điện thoại: ", Text: p.Phone},
		block{Style: stField, Label: "Nội dung yêu cầu giải quyết: ", Text: d.Proc.Name},
		block{Style: stHeading, Label: "1. Thành phần hồ sơ nộp gồm:"},
	)
	for _, doc := range d.Proc.Docs {
		bs = append(bs, block{Style: stItem, Label: "- " + doc + ": 01 bản."})
	}
	bs = append(bs,
		block{Style: stHeading, Label: "2. Số lượng hồ sơ: 01 bộ."},
		block{Style: stHeading, Label: fmt.Sprintf("3. Thời gian giải quyết hồ sơ theo quy định là: %02d ngày làm việc.", d.Proc.Days)},
		block{Style: stHeading, Label: fmt.Sprintf("4. Thời gian nhận hồ sơ: %02d giờ %02d phút, ngày %s.", d.Hour, d.Min, d.Received.slash())},
		block{Style: stHeading, Label: fmt.Sprintf("5. Thời gian trả kết quả giải quyết hồ sơ: %02d giờ %02d phút, ngày %s.", g.between(8, 16), 15*g.r.IntN(4), d.Due.slash())},
		block{Style: stHeading, Label: "6. Phí, lệ phí: " + fee(d.Proc.Fee) + "."},
		block{Style: stHeading, Label: "7. Đăng ký nhận kết quả tại: " + g.pick([]string{"Bộ phận Một cửa", "địa chỉ nhận qua dịch vụ bưu chính công ích", "Cổng Dịch vụ công quốc gia"}) + "."},
		block{Style: stPara, Label: "Khi đến nhận kết quả, người nộp hồ sơ mang theo giấy này và Căn cước công dân bản chính để đối chiếu."},
		block{Style: stGap},
		placeDate(p.Region, d.Received),
	)
	return append(bs, signer("NGƯỜI TIẾP NHẬN HỒ SƠ", officer)...)
}

// docToKhai is a birth registration declaration (tờ khai).
func (g textGen) docToKhai(d dossier) []block {
	p := d.Applicant
	childMale := g.r.IntN(2) == 0
	other := g.name(!p.Male)
	rel, otherRole, father := "Mẹ", "cha", other
	if p.Male {
		rel, otherRole, father = "Cha", "mẹ", p.Name
	}
	// The child takes the father's family name, as usual.
	child := strings.SplitN(father, " ", 2)[0] + " " + strings.SplitN(g.name(childMale), " ", 2)[1]
	born := d.Received
	born.D = g.between(1, min(born.D, 28))
	home := g.region()
	sex := "Nữ"
	if childMale {
		sex = "Nam"
	}
	bs := header()
	bs = append(bs,
		block{Style: stTitle, Label: "TỜ KHAI ĐĂNG KÝ KHAI SINH"},
		block{Style: stGap},
		block{Style: stField, Label: "Kính gửi: ", Text: "Ủy ban nhân dân " + p.WardOnly + ", " + p.Region.Province},
		block{Style: stField, Label: "Họ, chữ đệm, tên người yêu cầu: ", Text: upper(p.Name)},
		block{Style: stField, Label: "Nơi cư trú: ", Text: p.Address},
		block{Style: stField, Label: "Giấy tờ tùy thân: ", Text: "Căn cước công dân số " + p.CCCD + ", cấp ngày " + p.Issued.slash()},
		block{Style: stField, Label: "Quan hệ với người được khai sinh: ", Text: rel},
		block{Style: stHeading, Label: "Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:"},
		block{Style: stField, Label: "Họ, chữ đệm, tên: ", Text: upper(child)},
		block{Style: stField, Label: "Ngày, tháng, năm sinh: ", Text: born.slash()},
		block{Style: stField, Label: "Ghi bằng chữ: ", Text: capitalize(born.words())},
		block{Style: stField, Label: "Giới tính: ", Text: sex + "; Dân tộc: " + p.Ethnic + "; Quốc tịch: Việt Nam"},
		block{Style: stField, Label: "Nơi sinh: ", Text: p.Region.Hospital + ", " + p.Region.Province},
		block{Style: stField, Label: "Quê quán: ", Text: g.pick(home.Wards) + ", " + home.Province},
		block{Style: stField, Label: "Họ, chữ đệm, tên người " + otherRole + ": ", Text: upper(other)},
		block{Style: stField, Label: "Năm sinh: ", Text: fmt.Sprint(p.Born.Y+g.between(-4, 4)) + "; Dân tộc: " + p.Ethnic + "; Quốc tịch: Việt Nam"},
		block{Style: stPara, Label: "Tôi cam đoan nội dung đề nghị đăng ký khai sinh trên đây là đúng sự thật, được sự thỏa thuận nhất trí của các bên liên quan theo quy định pháp luật. Tôi chịu hoàn toàn trách nhiệm trước pháp luật về nội dung cam đoan của mình."},
		block{Style: stGap},
		placeDate(p.Region, d.Received),
	)
	return append(bs, signer("NGƯỜI YÊU CẦU", p.Name)...)
}

// docUyQuyen is a power of attorney for handling the dossier.
func (g textGen) docUyQuyen(d dossier) []block {
	p := d.Applicant
	a := g.person(p.Region)
	until := d.Received
	until.Y++
	party := func(q person) []block {
		return []block{
			{Style: stField, Label: "Họ và tên: ", Text: upper(q.Name)},
			{Style: stField, Label: "Ngày sinh: ", Text: q.Born.slash()},
			{Style: stField, Label: "Số CCCD: ", Text: q.CCCD + " cấp ngày " + q.Issued.slash() + " tại Bộ Công an"},
			{Style: stField, Label: "Nơi cư trú: ", Text: q.Address},
		}
	}
	bs := header()
	bs = append(bs,
		block{Style: stTitle, Label: "GIẤY ỦY QUYỀN"},
		block{Style: stCenter, Label: "(Dùng cho cá nhân)"},
		block{Style: stPara, Label: "Căn cứ Bộ luật Dân sự số 91/2015/QH13 ngày 24 tháng 11 năm 2015;"},
		block{Style: stPara, Label: fmt.Sprintf("Hôm nay, %s, tại %s, chúng tôi gồm:", d.Received.long(), p.Region.Short)},
		block{Style: stHeading, Label: "I. BÊN ỦY QUYỀN"},
	)
	bs = append(bs, party(p)...)
	bs = append(bs, block{Style: stHeading, Label: "II. BÊN NHẬN ỦY QUYỀN"})
	bs = append(bs, party(a)...)
	bs = append(bs,
		block{Style: stHeading, Label: "III. NỘI DUNG ỦY QUYỀN"},
		block{Style: stPara, Label: fmt.Sprintf("Bên nhận ủy quyền được thay mặt bên ủy quyền nộp hồ sơ, bổ sung giấy tờ, nộp phí, lệ phí và nhận kết quả thủ tục %s tại %s, mã hồ sơ %s.", strings.ToLower(d.Proc.Name), d.Agency, d.Code)},
		block{Style: stHeading, Label: "IV. THỜI HẠN ỦY QUYỀN"},
		block{Style: stPara, Label: fmt.Sprintf("Kể từ ngày ký đến hết ngày %s. Bên nhận ủy quyền không được ủy quyền lại cho người khác.", until.slash())},
		block{Style: stPara, Label: "Hai bên cam kết chịu trách nhiệm trước pháp luật về mọi thông tin ủy quyền ở trên. Giấy ủy quyền được lập thành 02 bản, mỗi bên giữ 01 bản có giá trị như nhau."},
		placeDate(p.Region, d.Received),
	)
	return append(bs, signer("BÊN ỦY QUYỀN", p.Name)...)
}

// docBienNhan is a receipt for papers and fees.
func (g textGen) docBienNhan(d dossier, officer string) []block {
	p := d.Applicant
	pay := g.pick([]string{"Chuyển khoản qua Cổng Dịch vụ công quốc gia", "Tiền mặt tại quầy thu phí", "Thanh toán bằng mã QR của ngân hàng"})
	bs := []block{
		{Style: stCenterBold, Label: upper(d.Agency)},
		{Style: stCenter, Label: "Bộ phận Tiếp nhận và Trả kết quả"},
		{Style: stGap},
		{Style: stTitle, Label: "BIÊN NHẬN HỒ SƠ VÀ PHÍ, LỆ PHÍ"},
		{Style: stCenter, Label: fmt.Sprintf("Số biên nhận: %d/BN-%05d", d.Received.Y, d.Seq)},
		{Style: stGap},
		{Style: stField, Label: "Mã hồ sơ: ", Text: d.Code},
		{Style: stField, Label: "Đã nhận của ông/bà: ", Text: p.Name},
		{Style: stField, Label: "Số định danh cá nhân: ", Text: p.CCCD},
		{Style: stField, Label: "Địa chỉ: ", Text: p.Address},
		{Style: stField, Label: "Tên thủ tục hành chính: ", Text: d.Proc.Name},
		{Style: stHeading, Label: "Giấy tờ đã nhận:"},
	}
	for i, doc := range d.Proc.Docs {
		bs = append(bs, block{Style: stItem, Label: fmt.Sprintf("%d. %s: %02d bản.", i+1, doc, g.between(1, 2))})
	}
	bs = append(bs,
		block{Style: stField, Label: "Phí, lệ phí: ", Text: fee(d.Proc.Fee) + "."},
		block{Style: stField, Label: "Hình thức nộp: ", Text: pay + "."},
		block{Style: stField, Label: "Ngày hẹn trả kết quả: ", Text: d.Due.slash()},
		block{Style: stPara, Label: "Lưu ý: Quá 30 ngày kể từ ngày hẹn trả mà người nộp không đến nhận kết quả, hồ sơ được chuyển lưu trữ theo quy định. Mọi thắc mắc xin liên hệ số điện thoại đường dây nóng của Bộ phận Một cửa."},
		placeDate(p.Region, d.Received),
	)
	return append(bs, signer("NGƯỜI TIẾP NHẬN", officer)...)
}

// pangramLines cover every precomposed Vietnamese letter in lower case
// (TestPangramCoverage checks it); the test sheet prints them again in
// capitals.
var pangramLines = []string{
	"Bà Nguyễn Thị Hằng ở phường Bến Nghé đã gửi đơn đề nghị cấp bản sao trích lục khai sinh.",
	"Ông Trần Quốc Vỹ nộp tờ khai, chứng minh thư cũ và giấy ủy quyền có chữ ký của mẹ.",
	"Hồ sơ hợp lệ được tiếp nhận lúc chín giờ, hẹn trả kết quả vào thứ năm tuần sau.",
	"Kỹ thuật viên kiểm tra kỹ lưỡng từng trang: chỗ mờ, chỗ rách, dấu đỏ và ảnh chụp nhỏ.",
	"Chị Lê Thị Mỵ ẵm con đến quầy số bảy, chỉ hỏi lệ phí, thời hạn giải quyết thủ tục.",
	"Anh ấy bảo chẳng hề kiêng kỵ gì, tỷ lệ vỡ hồ sơ giảm thì mọi việc sẽ rõ ràng, đúng hẹn.",
	"Những người trẻ tuổi tùy nghi ăn ở, vẫn giữ trọn nghĩa tình với quê hương xứ sở.",
	"Đặc sản chè xanh, cá kho, gạo tám thơm là phẩm vật dẫn khách về thăm bờ hồ Gươm.",
	"Em bé quấy khóc, mẹ ru ầu ơ, ông lão ngồi bên ấm trà ủ ấm tay, dân làng hát xẩm.",
	"Quy định ưu tiên người khuyết tật, ỷ lại hay lũy kế đều được ghi ở ô trống cuối tờ.",
	"Kỳ họp tự bắt đầu lúc tám giờ, đại biểu đi xe đạp qua cầu Hòa Xuân, ngồi theo thứ tự.",
}

// vietLetters returns every precomposed Vietnamese letter: 12 vowels × 6
// tones and đ, lower and upper case (146 letters).
func vietLetters() []rune {
	const vowels = "aăâeêioôơuưy"
	const tones = "\u0300\u0301\u0309\u0303\u0323" // grave, acute, hook, tilde, dot
	var out []rune
	for _, v := range vowels {
		out = append(out, v)
		for _, t := range tones {
			out = append(out, []rune(norm.NFC.String(string(v)+string(t)))...)
		}
	}
	out = append(out, 'đ')
	for _, r := range out[:len(out):len(out)] {
		out = append(out, unicode.ToUpper(r))
	}
	return out
}

// capitalWords picks, for each precomposed letter of the test sheet, the
// first word of pangramLines that has it, and returns those words in
// capitals: every capital letter in a few lines.
func capitalWords() []string {
	var words []string
	seen := map[string]bool{}
	have := map[rune]bool{}
	want := map[rune]bool{}
	for _, r := range vietLetters() {
		want[r] = true
	}
	for _, l := range pangramLines {
		for _, w := range strings.Fields(l) {
			w = strings.Trim(w, ".,:;")
			novel := false
			for _, r := range w {
				r = unicode.ToUpper(r)
				if want[r] && !have[r] {
					novel = true
				}
			}
			if !novel || seen[w] {
				continue
			}
			seen[w] = true
			for _, r := range w {
				have[unicode.ToUpper(r)] = true
			}
			words = append(words, strings.ToUpper(w))
		}
	}
	return words
}

// docKiemTra is the scanner check sheet a desk scans every morning: every
// Vietnamese letter in both cases, codes and digits.
func (g textGen) docKiemTra(rg *region, day date, station, operator string) []block {
	bs := []block{
		{Style: stCenterBold, Label: upper("Trung tâm Phục vụ hành chính công " + rg.Province)},
		{Style: stTitle, Label: "PHIẾU KIỂM TRA CHẤT LƯỢNG QUÉT"},
		{Style: stCenter, Label: "Máy quét: " + station + "; ngày kiểm tra: " + day.slash()},
		{Style: stField, Label: "Người kiểm tra: ", Text: operator},
		{Style: stHeading, Label: "I. Chữ thường có dấu"},
	}
	for _, l := range pangramLines {
		bs = append(bs, block{Style: stItem, Label: l})
	}
	bs = append(bs, block{Style: stHeading, Label: "II. CHỮ IN HOA CÓ DẤU"})
	bs = append(bs, block{Style: stItem, Label: strings.Join(capitalWords(), " ")})
	d1 := g.dossier(rg, day, false)
	d2 := g.dossier(rg, day, true)
	bs = append(bs,
		block{Style: stHeading, Label: "III. Mã hồ sơ, số giấy tờ và chữ số"},
		block{Style: stItem, Label: "Mã hồ sơ: " + d1.Code + "; " + d2.Code},
		block{Style: stItem, Label: "Số định danh cá nhân: " + d1.Applicant.CCCD + "; " + d2.Applicant.CCCD},
		block{Style: stItem, Label: "Chữ số: 0 1 2 3 4 5 6 7 8 9; tỷ lệ 12,5%; 1.250.000 đồng; (đợt 3/2026)."},
	)
	return bs
}

var closings = []string{
	"Kính mong quý cơ quan sớm xem xét, giải quyết để gia đình tôi ổn định cuộc sống.",
	"Tôi xin trân trọng cảm ơn và cam đoan những nội dung trên là đúng sự thật.",
	"Rất mong nhận được sự quan tâm, giúp đỡ của quý cơ quan. Tôi xin chân thành cảm ơn.",
}

// docSparse is the last page of a letter: a closing sentence, the place and
// date, the signer's role and name around a scribbled signature.
func (g textGen) docSparse(d dossier) []block {
	p := d.Applicant
	return []block{
		{Style: stPara, Label: g.pick(closings)},
		{Style: stGap},
		placeDate(p.Region, d.Received),
		{Style: stSigner, Label: "NGƯỜI LÀM ĐƠN"},
		{Style: stSignature},
		{Style: stSigner, Label: p.Name},
	}
}

func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return s
	}
	return strings.ToLower(string(r[:1])) + string(r[1:])
}

func capitalize(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return s
	}
	return strings.ToUpper(string(r[:1])) + string(r[1:])
}

var digitWords = []string{"không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"}

// vnNumber spells 0 <= n < 10^12 in Vietnamese ("hai nghìn không trăm hai
// mươi sáu").
func vnNumber(n int) string {
	if n == 0 {
		return digitWords[0]
	}
	units := []string{"", "nghìn", "triệu", "tỷ"}
	var groups []int
	for m := n; m > 0; m /= 1000 {
		groups = append(groups, m%1000)
	}
	var parts []string
	for i := len(groups) - 1; i >= 0; i-- {
		g := groups[i]
		if g == 0 {
			continue
		}
		parts = append(parts, group3(g, i < len(groups)-1))
		if units[i] != "" {
			parts = append(parts, units[i])
		}
	}
	return strings.Join(parts, " ")
}

// group3 spells one group of three digits; full means a higher group came
// before, so leading zeros are read ("không trăm", "lẻ").
func group3(g int, full bool) string {
	h, t, u := g/100, g/10%10, g%10
	var w []string
	if h > 0 || full {
		w = append(w, digitWords[h], "trăm")
	}
	switch {
	case t == 0 && u > 0:
		if len(w) > 0 {
			w = append(w, "lẻ")
		}
		w = append(w, digitWords[u])
	case t == 1:
		w = append(w, "mười")
		switch u {
		case 0:
		case 5:
			w = append(w, "lăm")
		default:
			w = append(w, digitWords[u])
		}
	case t > 1:
		w = append(w, digitWords[t], "mươi")
		switch u {
		case 0:
		case 1:
			w = append(w, "mốt")
		case 4:
			w = append(w, "tư")
		case 5:
			w = append(w, "lăm")
		default:
			w = append(w, digitWords[u])
		}
	}
	return strings.Join(w, " ")
}
