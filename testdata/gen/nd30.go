package main

// The nd30 preset: administrative documents laid out as NĐ 30/2020/NĐ-CP
// (Phụ lục I) prescribes, with the archival metadata of each as ground
// truth: the issuing agency top-left with "Số: N/TYPE-AGENCY" under it, the
// national motto top-right with "Place, ngày … tháng … năm …" under it, the
// type heading and summary (trích yếu; a letter carries "V/v …" under its
// number instead), the body, "Nơi nhận" bottom-left and the signer block
// bottom-right (authority, position, signature, seal, name). Numbers and
// day digits are sometimes written by hand into printed blanks; urgency
// and secrecy marks are stamped sometimes. A document spans one or two
// pages.

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
)

// archivalTruth is the "archival" object of a page's JSON: the document's
// fields on its first page (Part 1); later pages carry Doc, Part and Parts.
type archivalTruth struct {
	Doc         int      `json:"doc"`
	Part        int      `json:"part"`
	Parts       int      `json:"parts"`
	DocType     string   `json:"doc_type,omitempty"`
	Number      string   `json:"number,omitempty"`
	Agency      string   `json:"agency,omitempty"`
	Place       string   `json:"place,omitempty"`
	Date        string   `json:"date,omitempty"` // ISO
	Summary     string   `json:"summary,omitempty"`
	Signer      string   `json:"signer,omitempty"`
	SignerTitle string   `json:"signer_title,omitempty"` // lines joined by a space
	Recipients  []string `json:"recipients,omitempty"`
	Urgency     string   `json:"urgency,omitempty"`
	Secrecy     string   `json:"secrecy,omitempty"`
	// Handwritten names the fields whose digits were written by hand
	// (number, date): a reader may say so rather than read them.
	Handwritten []string `json:"handwritten,omitempty"`
	// BlankFields names the fields printed as blanks left empty (a draft
	// attached to a submission): nothing may be read for them.
	BlankFields []string `json:"blank_fields,omitempty"`
}

// nd30Provinces: provinces and cities after the 2025 merger, and the
// place name their documents are dated from.
var nd30Provinces = func() (ps []struct{ Name, Place string }) {
	const table = `TỈNH LÀO CAI: Lào Cai; TỈNH THANH HÓA: Thanh Hóa; TỈNH NGHỆ AN: Vinh; TỈNH HÀ TĨNH: Hà Tĩnh;
TỈNH QUẢNG TRỊ: Quảng Trị; TỈNH GIA LAI: Gia Lai; TỈNH KHÁNH HÒA: Khánh Hòa; TỈNH ĐẮK LẮK: Đắk Lắk;
TỈNH LÂM ĐỒNG: Lâm Đồng; TỈNH ĐỒNG NAI: Đồng Nai; TỈNH TÂY NINH: Tây Ninh; TỈNH AN GIANG: An Giang;
TỈNH CÀ MAU: Cà Mau; TỈNH VĨNH LONG: Vĩnh Long; TỈNH ĐỒNG THÁP: Đồng Tháp; TỈNH SƠN LA: Sơn La;
TỈNH TUYÊN QUANG: Tuyên Quang; TỈNH THÁI NGUYÊN: Thái Nguyên; TỈNH PHÚ THỌ: Phú Thọ; TỈNH BẮC NINH: Bắc Ninh;
TỈNH HƯNG YÊN: Hưng Yên; TỈNH NINH BÌNH: Ninh Bình; TỈNH QUẢNG NINH: Hạ Long; TỈNH CAO BẰNG: Cao Bằng;
TỈNH LẠNG SƠN: Lạng Sơn; TỈNH ĐIỆN BIÊN: Điện Biên; TỈNH LAI CHÂU: Lai Châu; TỈNH QUẢNG NGÃI: Quảng Ngãi;
THÀNH PHỐ HÀ NỘI: Hà Nội; THÀNH PHỐ HẢI PHÒNG: Hải Phòng; THÀNH PHỐ ĐÀ NẴNG: Đà Nẵng; THÀNH PHỐ HUẾ: Huế;
THÀNH PHỐ CẦN THƠ: Cần Thơ; THÀNH PHỐ HỒ CHÍ MINH: Thành phố Hồ Chí Minh`
	for _, e := range strings.Split(table, ";") {
		name, place, _ := strings.Cut(e, ":")
		ps = append(ps, struct{ Name, Place string }{strings.TrimSpace(name), strings.TrimSpace(place)})
	}
	return ps
}()

// nd30Departments: a provincial department (as its name wraps in the
// header), its code in numbers, its head.
var nd30Departments = []struct {
	Lines      []string
	Code, Head string
}{
	{[]string{"SỞ TƯ PHÁP"}, "STP", "GIÁM ĐỐC"}, {[]string{"SỞ NỘI VỤ"}, "SNV", "GIÁM ĐỐC"}, {[]string{"SỞ TÀI CHÍNH"}, "STC", "GIÁM ĐỐC"},
	{[]string{"SỞ Y TẾ"}, "SYT", "GIÁM ĐỐC"}, {[]string{"SỞ XÂY DỰNG"}, "SXD", "GIÁM ĐỐC"}, {[]string{"SỞ CÔNG THƯƠNG"}, "SCT", "GIÁM ĐỐC"},
	{[]string{"SỞ NÔNG NGHIỆP", "VÀ MÔI TRƯỜNG"}, "SNNMT", "GIÁM ĐỐC"}, {[]string{"SỞ GIÁO DỤC", "VÀ ĐÀO TẠO"}, "SGDĐT", "GIÁM ĐỐC"},
	{[]string{"SỞ KHOA HỌC", "VÀ CÔNG NGHỆ"}, "SKHCN", "GIÁM ĐỐC"}, {[]string{"SỞ VĂN HÓA, THỂ THAO", "VÀ DU LỊCH"}, "SVHTTDL", "GIÁM ĐỐC"},
	{[]string{"THANH TRA TỈNH"}, "TTr", "CHÁNH THANH TRA"}, {[]string{"VĂN PHÒNG"}, "VP", "CHÁNH VĂN PHÒNG"},
	{[]string{"BAN QUẢN LÝ", "CÁC KHU CÔNG NGHIỆP"}, "BQL", "TRƯỞNG BAN"},
	{[]string{"TRUNG TÂM PHỤC VỤ", "HÀNH CHÍNH CÔNG"}, "TTPVHCC", "GIÁM ĐỐC"},
}

// nd30Kinds: the type heading ("" for a letter), its code, and summaries.
var nd30Kinds = []struct {
	Heading, Code string
	Summaries     []string
}{
	{"QUYẾT ĐỊNH", "QĐ", []string{"Về việc công bố danh mục thủ tục hành chính được chuẩn hóa", "Về việc bổ nhiệm công chức lãnh đạo cấp phòng", "Về việc phê duyệt kế hoạch đào tạo, bồi dưỡng cán bộ năm 2025", "Về việc giao chỉ tiêu thu ngân sách nhà nước", "Ban hành Quy chế tổ chức và hoạt động của Tổ công tác chuyển đổi số"}},
	{"CHỈ THỊ", "CT", []string{"Về tăng cường công tác phòng, chống thiên tai", "Về đẩy mạnh cải cách thủ tục hành chính"}},
	{"KẾ HOẠCH", "KH", []string{"Triển khai số hóa hồ sơ, kết quả giải quyết thủ tục hành chính", "Kiểm tra công tác văn thư, lưu trữ năm 2025"}},
	{"THÔNG BÁO", "TB", []string{"Kết luận của Chủ tịch tại cuộc họp giao ban tháng", "Về việc tuyển dụng viên chức năm 2025"}},
	{"TỜ TRÌNH", "TTr", []string{"Về việc đề nghị ban hành quy chế làm việc", "Về việc phê duyệt dự toán kinh phí số hóa tài liệu lưu trữ"}},
	{"BÁO CÁO", "BC", []string{"Tình hình thực hiện nhiệm vụ sáu tháng đầu năm", "Kết quả giải quyết thủ tục hành chính quý III"}},
	{"HƯỚNG DẪN", "HD", []string{"Thực hiện quy trình số hóa hồ sơ tại Bộ phận Một cửa", "Về việc lập hồ sơ và nộp lưu hồ sơ, tài liệu vào Lưu trữ cơ quan"}},
	{"GIẤY MỜI", "GM", []string{"Dự hội nghị sơ kết công tác cải cách hành chính", "Họp bàn triển khai dịch vụ công trực tuyến toàn trình"}},
	{"", "", []string{"V/v hướng dẫn số hóa hồ sơ thủ tục hành chính", "V/v góp ý dự thảo quy chế phối hợp", "V/v đôn đốc báo cáo kết quả thực hiện nhiệm vụ", "V/v triển khai thực hiện Nghị định số 118/2025/NĐ-CP của Chính phủ"}},
}

// nd30Resolutions: what a provincial council resolves (its number carries
// the year: "12/2025/NQ-HĐND").
var nd30Resolutions = []string{"Quy định mức thu, chế độ thu, nộp phí khai thác và sử dụng tài liệu lưu trữ", "Về việc bãi bỏ một số nghị quyết của Hội đồng nhân dân tỉnh", "Phê chuẩn quyết toán ngân sách địa phương năm 2024"}

var nd30Units = []string{"VP", "KGVX", "KTTH", "NC", "TTHC", "HCTC", "NV"}

var nd30Body = []string{
	"Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
	"Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;",
	"Căn cứ Nghị định số 45/2020/NĐ-CP ngày 08 tháng 4 năm 2020 về thực hiện thủ tục hành chính trên môi trường điện tử;",
	"Theo đề nghị của Trưởng phòng Hành chính - Tổng hợp tại Tờ trình ngày 12 tháng 5 năm 2025.",
	"Các cơ quan, đơn vị có trách nhiệm tổ chức triển khai thực hiện, định kỳ báo cáo kết quả về cơ quan thường trực trước ngày 25 hằng tháng để tổng hợp.",
	"Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các cơ quan, đơn vị phản ánh kịp thời để được hướng dẫn, giải quyết theo quy định.",
	"Giao Văn phòng chủ trì, phối hợp với các cơ quan liên quan theo dõi, đôn đốc, kiểm tra việc thực hiện và báo cáo kết quả.",
	"Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng, Thủ trưởng các cơ quan, đơn vị và cá nhân có liên quan chịu trách nhiệm thi hành.",
}

// nd30Doc is one document's content, the same for each of its pages.
type nd30Doc struct {
	truth        archivalTruth
	parent       []string // the agency's parent, as wrapped; none for a top body
	agencyLines  []string // the issuing agency, as wrapped
	numberDigits string
	numberRest   string // "/QĐ-UBND"
	day, month   string // as printed: "05", "3"
	year         int
	// handNumber, handDay, handMonth: digits written by hand into the
	// blank; blank: a draft whose number and date blanks are left empty.
	handNumber, handDay, handMonth, blank bool
	// italicDate: the place-and-date line in italic, as NĐ 30 prints it.
	italicDate bool
	// eStamp: the electronic signature's stamp printed above the header
	// (a copy printed from a signed PDF), its lines.
	eStamp     []string
	titleLines []string
	recipients []string
	body       []string
	kinhGui    string
}

func newND30Doc(g textGen, doc int) nd30Doc {
	r := g.r
	pv := nd30Provinces[r.IntN(len(nd30Provinces))]
	k := nd30Kinds[r.IntN(len(nd30Kinds))]
	var d nd30Doc
	code, person := "UBND", g.name(r.IntN(2) == 0)
	place := pv.Place
	summary := g.pick(k.Summaries)
	heading, typeCode := k.Heading, k.Code
	year := ""
	switch r.IntN(5) {
	case 0, 1: // the provincial people's committee
		d.agencyLines = []string{"ỦY BAN NHÂN DÂN", pv.Name}
		d.titleLines = pick(r, []string{"TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"}, []string{"TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"}, []string{"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"})
	case 2: // a department under it: the parent above, in regular type
		dep := nd30Departments[r.IntN(len(nd30Departments))]
		d.parent = pick(r, []string{"UBND " + pv.Name}, []string{"ỦY BAN NHÂN DÂN", pv.Name})
		d.agencyLines = dep.Lines
		if dep.Code == "VP" {
			d.agencyLines = []string{"VĂN PHÒNG ỦY BAN NHÂN DÂN"}
		}
		code = dep.Code
		d.titleLines = pick(r, []string{dep.Head}, []string{"KT. " + dep.Head, "PHÓ " + dep.Head})
	case 3: // the provincial council: resolutions numbered with the year
		d.agencyLines = []string{"HỘI ĐỒNG NHÂN DÂN", pv.Name}
		code = "HĐND"
		if r.IntN(2) == 0 {
			heading, typeCode, summary = "NGHỊ QUYẾT", "NQ", g.pick(nd30Resolutions)
		}
		d.titleLines = pick(r, []string{"CHỦ TỊCH"}, []string{"TM. THƯỜNG TRỰC HĐND", "CHỦ TỊCH"}, []string{"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"})
	default: // a commune, dated from the commune itself
		ward := g.pick(g.region().Wards)
		name := strings.TrimPrefix(strings.TrimPrefix(ward, "phường "), "xã ")
		d.agencyLines = []string{"ỦY BAN NHÂN DÂN", strings.ToUpper(strings.TrimSuffix(ward, name)) + strings.ToUpper(name)}
		if r.IntN(2) == 0 {
			place = name
		}
		d.titleLines = pick(r, []string{"TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"}, []string{"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"})
	}
	d.year = pick(r, 2023, 2024, 2025, 2025, 2026)
	d.numberDigits = fmt.Sprint(1 + r.IntN(pick(r, 99, 999, 2999)))
	if typeCode == "NQ" {
		year = fmt.Sprintf("/%d", d.year)
	}
	if typeCode != "" {
		d.numberRest = year + "/" + typeCode + "-" + code
	} else {
		d.numberRest = "/" + code + "-" + g.pick(nd30Units)
	}
	month := 1 + r.IntN(12)
	day := 1 + r.IntN(monthDays[month])
	// NĐ 30: a zero before days under 10 and the months 1 and 2; many
	// offices pad every month.
	d.day, d.month = fmt.Sprintf("%02d", day), fmt.Sprint(month)
	if month <= 2 || r.IntN(3) == 0 {
		d.month = fmt.Sprintf("%02d", month)
	}
	d.handNumber = r.IntN(3) == 0
	d.handDay = r.IntN(3) == 0
	d.handMonth = d.handDay && r.IntN(3) == 0
	d.blank = !d.handNumber && !d.handDay && r.IntN(10) == 0
	d.italicDate = r.IntN(3) != 0
	if r.IntN(4) == 0 {
		d.eStamp = []string{"Ký bởi: Văn thư " + pv.Place, "Cơ quan: " + pv.Place,
			fmt.Sprintf("Thời gian ký: %s.%02d.%d 15:%02d:%02d +07:00", d.day, month, d.year, r.IntN(60), r.IntN(60))}
	}
	if heading == "" {
		heading = "CÔNG VĂN"
		summary = strings.TrimPrefix(summary, "V/v ")
		d.kinhGui = "Kính gửi: " + pick(r, "Các sở, ban, ngành tỉnh", "Ủy ban nhân dân các xã, phường", "Văn phòng Ủy ban nhân dân tỉnh")
	}
	d.recipients = []string{pick(r, "Như Điều 3", "Như trên", "Như Điều 2"), pick(r, "Chủ tịch, các Phó Chủ tịch", "Thường trực HĐND tỉnh", "Sở Nội vụ"), "Lưu: VT, " + g.pick(nd30Units)}
	nb := 3 + r.IntN(4)
	start := r.IntN(len(nd30Body))
	for i := range nb {
		d.body = append(d.body, nd30Body[(start+i)%len(nd30Body)])
	}
	d.truth = archivalTruth{
		Doc: doc, DocType: heading, Number: d.numberDigits + d.numberRest,
		Agency: strings.Join(d.agencyLines, " "), Place: place,
		Date:        fmt.Sprintf("%04d-%02d-%02d", d.year, month, day),
		Summary:     summary,
		Signer:      person,
		SignerTitle: strings.Join(d.titleLines, " "),
		Recipients:  d.recipients,
	}
	switch r.IntN(8) {
	case 0:
		d.truth.Urgency = pick(r, "KHẨN", "THƯỢNG KHẨN", "HỎA TỐC")
	case 1:
		d.truth.Secrecy = pick(r, "MẬT", "TỐI MẬT")
	}
	if d.handNumber {
		d.truth.Handwritten = append(d.truth.Handwritten, "number")
	}
	if d.handDay {
		d.truth.Handwritten = append(d.truth.Handwritten, "date")
	}
	if d.blank {
		d.truth.Number, d.truth.Date = "", ""
		d.truth.BlankFields = []string{"number", "date"}
	}
	return d
}

// nd30Page draws part (1-based) of d on img within box; it returns the
// layout (lines and signature boxes, for the seal and the ground truth).
func drawND30(img *image.RGBA, fs *fonts, fam fontFamily, pt, dpi float64, ink inks, box image.Rectangle, d nd30Doc, part, parts int, rnd *rand.Rand) (*layout, error) {
	serif := fam
	reg, err := fs.face(serif.Regular, pt+1, dpi)
	if err != nil {
		return nil, err
	}
	bold, err := fs.face(serif.Bold, pt+1, dpi)
	if err != nil {
		return nil, err
	}
	px := (pt + 1) * dpi / 72
	l := &layout{dst: img, reg: reg, bold: bold, title: bold, px: px, lineH: int(px * 1.45), box: box, ink: ink}
	w := box.Dx()
	// The header's two blocks must leave a channel between them (NĐ 30
	// gives the left about 40% of the width): its type shrinks until the
	// widest agency line and the motto fit with 4% of the width between.
	var small, smallBold font.Face
	var leftC, rightC int
	for hp := pt; ; hp -= 0.5 {
		if small, err = fs.face(serif.Regular, hp, dpi); err != nil {
			return nil, err
		}
		if smallBold, err = fs.face(serif.Bold, hp, dpi); err != nil {
			return nil, err
		}
		lw := 0
		for _, a := range d.parent {
			lw = max(lw, font.MeasureString(small, a).Round())
		}
		for _, a := range d.agencyLines {
			lw = max(lw, font.MeasureString(smallBold, a).Round())
		}
		mw := font.MeasureString(smallBold, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").Round()
		leftC = box.Min.X + max(w*20/100, lw/2)
		rightC = box.Max.X - max(w*30/100, mw/2)
		if leftC+lw/2+w*4/100 < rightC-mw/2 || hp < 8 {
			break
		}
	}
	lh := l.lineH
	put := func(face font.Face, x, y int, s string, c color.RGBA) image.Rectangle {
		dr := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
		bb, _ := font.BoundString(face, s)
		dr.DrawString(s)
		r := image.Rect(x+bb.Min.X.Floor(), y+bb.Min.Y.Floor(), x+bb.Max.X.Ceil(), y+bb.Max.Y.Ceil())
		l.lines = append(l.lines, placedLine{s, r})
		return r
	}
	centre := func(face font.Face, cx, y int, s string) image.Rectangle {
		return put(face, cx-font.MeasureString(face, s).Round()/2, y, s, ink.text)
	}
	rule := func(cx, y, half int) {
		th := max(2, int(px/14))
		draw.Draw(img, image.Rect(cx-half, y, cx+half, y+th), image.NewUniform(ink.text), image.Point{}, draw.Src)
	}
	hand := color.RGBA{20, 50, 170, 255}
	if ink.fill != (color.RGBA{}) {
		hand = ink.sign
	}
	y := box.Min.Y + lh
	if part == 1 && len(d.eStamp) > 0 {
		// The electronic signature's stamp, top right, in small type.
		tiny, err := fs.face(serif.Regular, 7, dpi)
		if err != nil {
			return nil, err
		}
		sy := box.Min.Y + int(7*dpi/72)
		for _, s := range d.eStamp {
			put(tiny, box.Max.X-font.MeasureString(tiny, d.eStamp[2]).Round(), sy, s, ink.text)
			sy += int(7 * dpi / 72 * 1.3)
		}
		y = sy + lh/2
	}
	if part == 1 {
		// The header: two blocks side by side.
		ly, ry := y, y
		for _, a := range d.parent {
			centre(small, leftC, ly, a)
			ly += lh
		}
		var lastAgency image.Rectangle
		for _, a := range d.agencyLines {
			lastAgency = centre(smallBold, leftC, ly, a)
			ly += lh
		}
		rule(leftC, lastAgency.Max.Y+lh/6, lastAgency.Dx()/4)
		centre(smallBold, rightC, ry, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
		ry += lh
		m := centre(bold, rightC, ry, "Độc lập - Tự do - Hạnh phúc")
		rule(rightC, m.Max.Y+lh/6, m.Dx()/2)
		ny := max(ly, ry) + lh*7/10
		// "Số:" and its blank; the digits printed, written by hand or
		// left empty (a draft).
		blank := font.MeasureString(reg, "00000").Round()
		label := "Số: "
		var numRight int
		if d.handNumber || d.blank {
			lw := font.MeasureString(reg, label).Round()
			rw := font.MeasureString(reg, d.numberRest).Round()
			x := leftC - (lw+blank+rw)/2
			put(reg, x, ny, strings.TrimSpace(label), ink.text)
			if d.handNumber {
				handDigits(img, x+lw+blank/6, ny, int(px*0.85), d.numberDigits, hand, dpi, rnd)
			}
			numRight = put(reg, x+lw+blank, ny, d.numberRest, ink.text).Max.X
		} else {
			numRight = centre(reg, leftC, ny, label+d.numberDigits+d.numberRest).Max.X
		}
		// The place-and-date line keeps a channel from the number; a
		// long place name runs into the right margin instead.
		edge := box.Max.X + int(dpi/25.4*6)
		dateX := func(width int) int { return min(max(numRight+w*4/100, rightC-width/2), edge-width) }
		df, dfSmall := reg, small
		if d.italicDate {
			if df, err = fs.face(serif.Italic, pt+1, dpi); err != nil {
				return nil, err
			}
			if dfSmall, err = fs.face(serif.Italic, pt-1, dpi); err != nil {
				return nil, err
			}
		}
		if numRight+w*4/100+font.MeasureString(df, fmt.Sprintf("%s, ngày 00 tháng 00 năm 0000", d.truth.Place)).Round() > edge {
			df = dfSmall
		}
		// Place and date; the day (and month) maybe by hand or blank.
		dateY := ny
		pre := fmt.Sprintf("%s, ngày ", d.truth.Place)
		if d.handDay || d.blank {
			month := fmt.Sprintf(" tháng %s năm %d", d.month, d.year)
			if d.handMonth || d.blank {
				month = fmt.Sprintf(" tháng       năm %d", d.year)
			}
			full := font.MeasureString(df, pre+"00"+month).Round()
			dw := font.MeasureString(df, " 000 ").Round()
			// The line is laid out wider than full (a wider blank, spaces
			// kept around it): its right end, not full's, must stay
			// inside the edge.
			laid := font.MeasureString(df, strings.TrimSpace(pre)).Round() + dw + font.MeasureString(df, strings.TrimSpace(month)).Round()
			x := min(dateX(full), edge-laid)
			a := put(df, x, dateY, strings.TrimSpace(pre), ink.text)
			if d.handDay {
				handDigits(img, a.Max.X+dw/5, dateY, int(px*0.85), strings.TrimLeft(d.day, "0"), hand, dpi, rnd)
			}
			put(df, a.Max.X+dw, dateY, strings.TrimSpace(month), ink.text)
			if d.handMonth {
				mw := font.MeasureString(df, " tháng ").Round()
				handDigits(img, a.Max.X+dw+mw, dateY, int(px*0.85), d.month, hand, dpi, rnd)
			}
		} else {
			s := pre + fmt.Sprintf("%s tháng %s năm %d", d.day, d.month, d.year)
			dw := font.MeasureString(df, s).Round()
			put(df, dateX(dw), dateY, s, ink.text)
		}
		y = ny + lh
		if d.kinhGui != "" {
			// A letter: "V/v …" under the number, wrapped to the block.
			for _, ln := range wrap(small, tokens("V/v "+d.truth.Summary), w*42/100, w*42/100) {
				centre(small, leftC, y, joinTokens(ln))
				y += lh * 85 / 100
			}
		}
		if m := d.truth.Urgency + d.truth.Secrecy; m != "" {
			y += lh / 3
			r := centre(bold, leftC, y, m)
			frame(img, r.Inset(-int(px/3)), max(2, int(px/12)), ink.text)
			y += lh
		}
		y += lh / 2
		if d.kinhGui == "" {
			y += lh / 3
			centre(bold, box.Min.X+w/2, y, d.truth.DocType)
			y += lh
			for _, ln := range wrap(bold, tokens(d.truth.Summary), w*75/100, w*75/100) {
				centre(bold, box.Min.X+w/2, y, joinTokens(ln))
				y += lh
			}
			rule(box.Min.X+w/2, y-lh*6/10, w/8)
			y += lh
		} else {
			centre(reg, box.Min.X+w/2, y, d.kinhGui)
			y += lh * 3 / 2
		}
	}
	// The body: half of it on each page of a two-page document.
	body := d.body
	if parts == 2 {
		if part == 1 {
			body = body[:len(body)/2]
		} else {
			body = body[len(body)/2:]
		}
	}
	indent := int(px * 2)
	for _, p := range body {
		for i, ln := range wrap(reg, tokens(p), w-indent, w) {
			x := box.Min.X
			if i == 0 {
				x += indent
			}
			put(reg, x, y, joinTokens(ln), ink.text)
			y += lh
		}
	}
	if part < parts {
		return l, nil
	}
	// The closing: "Nơi nhận" left, the signer block right.
	y += lh / 2
	ry := y
	put(smallBold, box.Min.X, y, "Nơi nhận:", ink.text)
	y += lh * 85 / 100
	for i, rcp := range d.recipients {
		end := ";"
		if i == len(d.recipients)-1 {
			end = "."
		}
		put(small, box.Min.X, y, "- "+rcp+end, ink.text)
		y += lh * 85 / 100
	}
	sc := box.Min.X + w*70/100
	for _, t := range d.titleLines {
		centre(bold, sc, ry, t)
		ry += lh
	}
	sig := image.Rect(sc-int(px*4.5), ry-lh/2, sc+int(px*4.5), ry-lh/2+lh*3)
	l.signatures = append(l.signatures, sig)
	ry += lh * 3
	centre(bold, sc, ry, d.truth.Signer)
	return l, nil
}

// nd30Seal stamps the agency's seal as NĐ 30 has it: over the left third
// of the signature, covering part of the title above it.
func nd30Seal(img *image.RGBA, rnd *rand.Rand, l *layout, dpi float64) map[string]float64 {
	if len(l.signatures) == 0 {
		return nil
	}
	s := l.signatures[len(l.signatures)-1]
	cx := s.Min.X + int(float64(s.Dx())*(0.05+0.2*rnd.Float64()))
	cy := (s.Min.Y + s.Max.Y) / 2
	stampSeal(img, rnd, float64(cx), float64(cy), dpi)
	return map[string]float64{"seal_x": float64(cx), "seal_y": float64(cy)}
}

func tokens(s string) []token {
	var ts []token
	for _, w := range strings.Fields(s) {
		ts = append(ts, token{text: w})
	}
	return ts
}

func joinTokens(ts []token) string {
	ws := make([]string, len(ts))
	for i, t := range ts {
		ws[i] = t.text
	}
	return strings.Join(ws, " ")
}

// frame draws a rectangle's outline (the box of an urgency mark).
func frame(img *image.RGBA, r image.Rectangle, th int, c color.RGBA) {
	u := image.NewUniform(c)
	for _, e := range []image.Rectangle{
		image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+th), image.Rect(r.Min.X, r.Max.Y-th, r.Max.X, r.Max.Y),
		image.Rect(r.Min.X, r.Min.Y, r.Min.X+th, r.Max.Y), image.Rect(r.Max.X-th, r.Min.Y, r.Max.X, r.Max.Y),
	} {
		draw.Draw(img, e, u, image.Point{}, draw.Src)
	}
}

// digitStrokes are pen paths of the digits in a unit cell (x right, y
// down, 0-1), written the way Vietnamese hands write them.
var digitStrokes = [10][][][2]float64{
	{{{0.5, 0}, {0.15, 0.2}, {0.05, 0.55}, {0.2, 0.9}, {0.5, 1}, {0.8, 0.85}, {0.95, 0.5}, {0.85, 0.15}, {0.5, 0}}},
	{{{0.25, 0.25}, {0.6, 0}, {0.55, 1}}},
	{{{0.05, 0.25}, {0.35, 0.02}, {0.75, 0.02}, {0.9, 0.25}, {0.75, 0.5}, {0.05, 1}, {0.95, 0.98}}},
	{{{0.1, 0.1}, {0.5, 0}, {0.85, 0.15}, {0.5, 0.45}, {0.9, 0.65}, {0.8, 0.92}, {0.45, 1}, {0.05, 0.85}}},
	{{{0.7, 1}, {0.7, 0}, {0.02, 0.68}, {1, 0.68}}},
	{{{0.9, 0}, {0.2, 0}, {0.12, 0.45}, {0.55, 0.38}, {0.92, 0.62}, {0.8, 0.93}, {0.4, 1}, {0.05, 0.85}}},
	{{{0.8, 0.05}, {0.35, 0.2}, {0.1, 0.6}, {0.2, 0.95}, {0.6, 1}, {0.9, 0.75}, {0.7, 0.5}, {0.3, 0.5}, {0.12, 0.65}}},
	{{{0, 0.02}, {1, 0}, {0.4, 1}}},
	{{{0.5, 0.45}, {0.15, 0.25}, {0.5, 0}, {0.85, 0.25}, {0.5, 0.45}, {0.1, 0.72}, {0.5, 1}, {0.9, 0.72}, {0.5, 0.45}}},
	{{{0.85, 0.3}, {0.5, 0.5}, {0.15, 0.3}, {0.5, 0}, {0.85, 0.2}, {0.85, 0.5}, {0.6, 1}, {0.2, 0.9}}},
}

// handDigits writes digits by pen, slanted and uneven, with their baseline
// at y: what an officer writes into the blank of a printed number or date.
func handDigits(img *image.RGBA, x, y, h int, digits string, ink color.RGBA, dpi float64, rnd *rand.Rand) {
	cw := float64(h) * 0.62
	r := image.Rect(x-h, y-h*2, x+int(cw*1.4)*len(digits)+h, y+h)
	mask := image.NewAlpha(r)
	pen := dpi / 25.4 * (0.35 + 0.15*rnd.Float64())
	slant := 0.15 + 0.2*rnd.Float64()
	scale := float64(h) * (1 + 0.2*rnd.Float64())
	cx := float64(x)
	for _, c := range digits {
		for _, path := range digitStrokes[c-'0'] {
			var px, py float64
			for i, pt := range path {
				jx, jy := (rnd.Float64()-0.5)*0.08, (rnd.Float64()-0.5)*0.08
				vx := cx + (pt[0]+jx)*cw + (1-pt[1])*slant*cw
				vy := float64(y) - scale + (pt[1]+jy)*scale
				if i > 0 {
					stroke(mask, px, py, vx, vy, pen)
				}
				px, py = vx, vy
			}
		}
		cx += cw * (1.15 + 0.25*rnd.Float64())
	}
	draw.DrawMask(img, r, image.NewUniform(ink), image.Point{}, mask, r.Min, draw.Over)
}

// nd30Specs lays out n documents (12 when n is 0), one in four of two
// pages: colour or grey scans at 200 or 300 dpi, a serif face as offices
// print (a sans one sometimes), most with a red seal over the signer
// block, some slightly skewed or noisy.
func nd30Specs(n int, seed uint64) []pageSpec {
	if n <= 0 {
		n = 12
	}
	var specs []pageSpec
	for doc := range n {
		r := pageRand(seed, streamSpec, 1<<20+doc)
		parts := 1
		if r.IntN(4) == 0 {
			parts = 2
		}
		base := pageSpec{Kind: "nd30", DPI: pick(r, 200, 300, 300), Mode: pick(r, "color", "color", "gray"),
			Font: pick(r, "NotoSerif", "NotoSerif", "DejaVuSerif", "DejaVuSerif", "NotoSans", "DejaVuSans"), SizePt: pick(r, 12.0, 12.5, 13.0, 14.0), Doc: doc, Parts: parts}
		base.JPEG = 80 + r.IntN(13)
		if r.IntN(4) == 0 {
			base.Skew = float64(r.IntN(301)-150) / 100 // ±1.5°, as a sheet lies on the glass
		}
		base.Noise = r.IntN(4) == 0
		base.NoiseSigma = 3 + 3*r.Float64()
		seal := r.IntN(5) != 0
		for part := 1; part <= parts; part++ {
			sp := base
			sp.Part = part
			sp.Seal = seal && part == parts && sp.Mode == "color"
			sp.Name = fmt.Sprintf("d%03d-p%d", doc+1, part)
			specs = append(specs, sp)
		}
	}
	return specs
}
