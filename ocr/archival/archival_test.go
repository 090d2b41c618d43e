package archival

import (
	"slices"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ocr"
)

func TestParseDate(t *testing.T) {
	for _, c := range []struct {
		line, want string
		ok         bool
	}{
		{"Quảng Ngãi, ngày 16 tháng 01 năm 2025", "2025-01-16", true},
		{"Hà Nội, ngày 5 tháng 3 năm 2024", "2024-03-05", true},
		{"Huế, ngảy 05 thảng 3 nẵm 2024", "2024-03-05", true},         // marks misread
		{"Vinh, ngày 3O tháng 4 năm 2O24", "2024-04-30", true},        // O read for 0
		{"Cần Thơ, ngày 31 tháng 02 năm 2024", "", false},             // no 31 February
		{"Đà Lạt, ngày 12 tháng 13 năm 2024", "", false},              // no month 13
		{"Hạ Long, ngày 12 tháng 10 năm 1066", "", false},             // implausible year
		{"Quảng Ngãi, ngày tháng 01 năm 2025", "", false},             // blank day
		{"Quảng Ngãi, ngày Êˆ@_ tháng 11 năm 2024", "", false},        // handwriting read as marks
		{"Quảng Ngãi, ngày 29 tháng 02 năm 2024", "2024-02-29", true}, // leap year
		{"Hà Tĩnh, nqày 07 thánq 9 narn 2025", "2025-09-07", true},    // g read q, m read rn
		{"Huế, ngày07tháng 10năm 2025", "2025-10-07", true},           // spaces lost
		{"Huế, ngày 3_ tháng (0hăm 2025", "", false},                  // "năm" lost in the month's handwriting: found, unreadable
		{"Huế, ngày 1l tháng 10 năm 2025", "2025-10-11", true},        // l read for 1
		{"Đắk Lắk, ngày 31 thúng 05 năm 2025", "2025-05-31", true},    // á read ú
		{"Hạ Long, ngày Ï / tháng 09 năm 2024", "", false},            // the day read as two pieces: found, unreadable
		{"Bắc Ninh, ngày Í / tháng Ônăm 2024", "", false},
	} {
		d, found := parseDate(c.line)
		if !found {
			t.Errorf("%q: no date found", c.line)
			continue
		}
		got, ok := d.iso()
		if got != c.want || ok != c.ok {
			t.Errorf("%q: got %q %v, want %q %v", c.line, got, ok, c.want, c.ok)
		}
	}
	if _, found := parseDate("Căn cứ Luật Tổ chức chính quyền địa phương"); found {
		t.Error("a body line read as a date")
	}
}

func TestParseNumber(t *testing.T) {
	for _, c := range []struct {
		line, value, digits string
		ok                  bool
	}{
		{"Số: 143/UBND-KGVX", "143/UBND-KGVX", "143", true},
		{"Số:89/QĐ-UBND", "89/QĐ-UBND", "89", true},
		{"Số: 89 /QĐ-UBND", "89/QĐ-UBND", "89", true}, // digits written into the blank
		{"Số: 39/2011/NQ-HĐND", "39/2011/NQ-HĐND", "39", true},
		{"Số: 09/TTr-UBND", "09/TTr-UBND", "09", true},
		{"So: 12/KH-SYT", "12/KH-SYT", "12", true},
		{"Số: /QĐ-XPHC", "", "", true},                         // blank left empty: unreadable, not guessed
		{"Số:ổ0 /BC-UBND", "", "ổ0", true},                     // handwriting read as letters
		{"Số: 12/QD-UBND", "12/QĐ-UBND", "12", true},           // Đ read as D
		{"Số: 12/2025/NQ-HÐND", "12/2025/NQ-HĐND", "12", true}, // Đ read as the Icelandic Ð
		{"Số: l2/TB-SYT", "12/TB-SYT", "l2", true},             // l read for 1
		{"Số: 12/HD-UBND", "12/HD-UBND", "12", true},           // HD (hướng dẫn) or HĐ (hợp đồng): left
		{"Số: ll/TB-SYT", "", "ll", true},                      // letters, not a number
		{"Số: 7532TB-UBND", "7532/TB-UBND", "7532", true},      // the slash lost: read, mended (so not delivered)
		{"Số: 214Ï†TTr-TTr", "", "214Ï†", true},                // digits written over the slash: unreadable
		{"SỞ Y TẾ", "", "", false},                             // an agency, not a number
		{"Sở Tư pháp", "", "", false},                          // an agency, not a number
		{"Số lượng hồ sơ đã nhận", "", "", false},              // a body line
	} {
		v, d, _, ok := parseNumber(c.line)
		if v != c.value || d != c.digits || ok != c.ok {
			t.Errorf("%q: got %q %q %v, want %q %q %v", c.line, v, d, ok, c.value, c.digits, c.ok)
		}
	}
}

func TestMatchHeading(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{"QUYẾT ĐỊNH", "QUYẾT ĐỊNH"},
		{"QUYÉT ĐỊNH", "QUYẾT ĐỊNH"}, // acute for circumflex-acute
		{"QUYẾT ĐỊNH:", "QUYẾT ĐỊNH"},
		{"TỜ TRÌNH", "TỜ TRÌNH"},
		{"KÉ HOẠCH", "KẾ HOẠCH"},
		{"THÔNG BÁO", "THÔNG BÁO"},
		{"CHỈ THỊ", "CHỈ THỊ"},
		{"CHỦ TỊCH", ""},
		{"Về việc bổ nhiệm", ""},
		{"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", ""},
	} {
		got, _, _ := matchHeading(c.line)
		if got != c.want {
			t.Errorf("%q: got %q, want %q", c.line, got, c.want)
		}
	}
}

func TestTypeCode(t *testing.T) {
	for _, c := range []struct{ number, want string }{
		{"89/QĐ-UBND", "QĐ"}, {"09/TTr-UBND", "TTr"}, {"39/2011/NQ-HĐND", "NQ"},
		{"299/UBND-TTHC", ""}, {"143/UBND-KGVX", ""},
	} {
		if got := typeCode(c.number); got != c.want {
			t.Errorf("%q: got %q, want %q", c.number, got, c.want)
		}
	}
}

func TestSignerLines(t *testing.T) {
	mk := func(s string) seg { return seg{Line: line(0, 0, s, 95), text: s, flat: letters(s)} }
	for _, c := range []struct {
		text         string
		title, named bool
	}{
		{"KT. CHỦ TỊCH", true, false},
		{"TM. ỦY BAN NHÂN DÂN", true, false},
		{"PHÓ CHỦ TỊCH", true, false},
		{"GIÁM ĐỐC", true, false},
		{"Nguyễn Hoàng Giang", false, true},
		{"Trần Phước Hiền", false, true},
		{"1 rần Phước Hiên", false, false},
		{"Như Điều 3;", false, false},
		{"(Đã ký)", false, false},
	} {
		s := mk(c.text)
		if titleLine(s) != c.title || personName(s) != c.named {
			t.Errorf("%q: title %v name %v, want %v %v", c.text, titleLine(s), personName(s), c.title, c.named)
		}
	}
	if commonName([]string{"Trần", "Phước", "Hiên"}) || !commonName([]string{"Trần", "Phước", "Hiền"}) {
		t.Error("a misread mark in a name passes as a common name")
	}
}

// line lays out words at 300 dpi, 12 pt: 28 px a character, 60 px high.
func line(x, y int, text string, conf float64) ocr.Line {
	var l ocr.Line
	for _, w := range strings.Fields(text) {
		n := len([]rune(w))
		b := ocr.Box{X0: x, Y0: y, X1: x + 28*n, Y1: y + 60}
		l.Words = append(l.Words, ocr.Word{Text: w, Box: b, Confidence: conf})
		if len(l.Words) == 1 {
			l.Box = b
		}
		l.Box.X1, l.Box.Y1 = b.X1, max(l.Box.Y1, b.Y1)
		x += 28*n + 20
	}
	return l
}

// merge joins lines as Tesseract does when two blocks share a baseline.
func merge(a, b ocr.Line) ocr.Line {
	return ocr.Line{Words: append(append([]ocr.Word{}, a.Words...), b.Words...),
		Box: ocr.Box{X0: a.Box.X0, Y0: min(a.Box.Y0, b.Box.Y0), X1: b.Box.X1, Y1: max(a.Box.Y1, b.Box.Y1)}}
}

// setAgency puts the agency's two header lines on p, the upper one and the
// lower one (read with confidence lowerConf), each read together with the
// line of the national motto beside it, as Tesseract reads them.
func setAgency(p *ocr.Result, upper, lower string, lowerConf float64) {
	p.Lines[0] = merge(line(420, 200, upper, 95), line(1150, 200, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 95))
	p.Lines[1] = merge(line(460, 270, lower, lowerConf), line(1300, 270, "Độc lập - Tự do - Hạnh phúc", 95))
}

// nd30Page is a first page laid out as NĐ 30 prescribes, its header lines
// interleaved the way Tesseract reads them.
func nd30Page(number, date string, dayConf float64) ocr.Result {
	dateLine := line(1250, 460, "Hà Nội, "+date, 95)
	for i := range dateLine.Words {
		if i == 3 {
			dateLine.Words[i].Confidence = dayConf
		}
	}
	lines := []ocr.Line{
		merge(line(420, 200, "UBND THÀNH PHỐ HÀ NỘI", 95), line(1150, 200, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 95)),
		merge(line(430, 270, "SỞ TƯ PHÁP", 95), line(1300, 270, "Độc lập - Tự do - Hạnh phúc", 95)),
		merge(line(400, 460, "Số: "+number, 95), dateLine),
		line(1000, 600, "QUYẾT ĐỊNH", 95),
		line(640, 680, "Về việc công bố danh mục thủ tục hành chính", 94),
		line(500, 800, "GIÁM ĐỐC SỞ TƯ PHÁP THÀNH PHỐ HÀ NỘI", 95),
		line(350, 900, "Căn cứ Luật Ban hành văn bản quy phạm pháp luật ngày 22 tháng 6 năm 2015 và", 96),
		line(350, 980, "các văn bản hướng dẫn thi hành có liên quan đến việc công bố thủ tục", 96),
		line(350, 2600, "Nơi nhận:", 95),
		merge(line(350, 2670, "- Như Điều 3;", 93), line(1450, 2670, "KT. GIÁM ĐỐC", 95)),
		merge(line(350, 2740, "- Lưu: VT, HCTP.", 92), line(1450, 2740, "PHÓ GIÁM ĐỐC", 95)),
		line(1420, 3050, "Nguyễn Thị Thu Hằng", 96),
	}
	return ocr.Result{Width: 2480, Height: 3508, Lines: lines}
}

func TestReadNĐ30(t *testing.T) {
	body := ocr.Result{Width: 2480, Height: 3508, Lines: []ocr.Line{
		line(350, 300, "Điều 2. Quyết định này có hiệu lực kể từ ngày ký và thay thế các quy định", 96),
		line(350, 380, "trước đây trái với Quyết định này.", 96),
	}}
	pages := []ocr.Result{
		{Width: 2480, Height: 3508, Lines: []ocr.Line{line(350, 300, "Phiếu kiểm soát quá trình giải quyết hồ sơ", 95)}},
		nd30Page("143/QĐ-STP", "ngày 05 tháng 3 năm 2024", 95), body,
		nd30Page("/QĐ-STP", "ngày tháng 4 năm 2024", 20),
	}
	docs := Read(pages)
	if len(docs) != 2 {
		t.Fatalf("got %d documents, want 2: %+v", len(docs), docs)
	}
	d := docs[0]
	if d.FirstPage != 2 || d.LastPage != 3 || docs[1].FirstPage != 4 || docs[1].LastPage != 4 {
		t.Errorf("page groups %d-%d, %d-%d; want 2-3, 4-4", d.FirstPage, d.LastPage, docs[1].FirstPage, docs[1].LastPage)
	}
	want := map[string]string{
		"doc_type": "QUYẾT ĐỊNH", "number": "143/QĐ-STP", "agency": "SỞ TƯ PHÁP", "place": "Hà Nội",
		"date": "2024-03-05", "summary": "Về việc công bố danh mục thủ tục hành chính",
		"signer": "Nguyễn Thị Thu Hằng", "signer_title": "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC",
	}
	got := map[string]*Field{"doc_type": d.DocType, "number": d.Number, "agency": d.Agency, "place": d.Place,
		"date": d.Date, "summary": d.Summary, "signer": d.Signer, "signer_title": d.SignerTitle}
	for k, v := range want {
		f := got[k]
		if f == nil || f.Value != v {
			t.Errorf("%s: got %+v, want %q", k, f, v)
			continue
		}
		if f.Confidence < Deliver || f.Page != 2 || len(f.Boxes) == 0 {
			t.Errorf("%s: confidence %.2f page %d boxes %d; want deliverable, page 2, boxes", k, f.Confidence, f.Page, len(f.Boxes))
		}
	}
	if len(d.Recipients) != 2 || d.Recipients[0].Value != "Như Điều 3" || d.Recipients[1].Value != "Lưu: VT, HCTP" {
		t.Errorf("recipients %+v", d.Recipients)
	}
	if d.Urgency != nil || d.Secrecy != nil || d.NeedsReview {
		t.Errorf("urgency %v secrecy %v review %v: none printed, all read well", d.Urgency, d.Secrecy, d.NeedsReview)
	}

	// The second document's number and day were left blank for the pen and
	// not read: said so, not guessed.
	d2 := docs[1]
	if d2.Number == nil || !d2.Number.Unreadable || d2.Number.Value != "" {
		t.Errorf("blank number: %+v", d2.Number)
	}
	if d2.Date == nil || !d2.Date.Unreadable || !d2.Date.Handwritten || d2.Date.Value != "" {
		t.Errorf("blank day: %+v", d2.Date)
	}
	if !d2.NeedsReview {
		t.Error("unreadable fields do not raise review")
	}
}

func TestReadLowConfidence(t *testing.T) {
	p := nd30Page("143/QĐ-STP", "ngày 05 tháng 3 năm 2024", 41)
	docs := Read([]ocr.Result{p})
	if len(docs) != 1 || docs[0].Date == nil {
		t.Fatalf("got %+v", docs)
	}
	if d := docs[0].Date; d.Confidence >= Deliver || !d.Handwritten || !docs[0].NeedsReview {
		t.Errorf("a day read at 41 is delivered: %+v, review %v", d, docs[0].NeedsReview)
	}
}

func TestNoHeaderNoDocument(t *testing.T) {
	p := ocr.Result{Width: 2480, Height: 3508, Lines: []ocr.Line{
		line(350, 300, "Điều 2. Quyết định này có hiệu lực kể từ ngày ký", 96),
		line(350, 2600, "Sở Tư pháp thành phố Hà Nội", 96),
	}}
	if docs := Read([]ocr.Result{p}); len(docs) != 0 {
		t.Errorf("a body page made documents: %+v", docs)
	}
}

// TestMend: titles and agency names are mended by their lexicon only where
// the letters leave one choice.
func TestMend(t *testing.T) {
	title, agency := mendTitle, mendAgency
	for _, c := range []struct {
		mend       func([]string) (string, bool)
		read, want string
		known      bool
	}{
		{title, "KT. CHỦ TỊCH PHÓ CHỦ TỊCH", "KT. CHỦ TỊCH PHÓ CHỦ TỊCH", true},
		{title, "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TICH", "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH", true},
		{title, "TL. CHỦ TỊCH CHANH VAN PHONG", "TL. CHỦ TỊCH CHÁNH VĂN PHÒNG", true},
		{title, "KT. GLÁM ĐỐC PHÓ GIÁM ĐỐC", "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC", true},                                        // one letter off one title word
		{title, "KT. GLIÁM ĐỐC PHÓ GIÁM ĐỐC", "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC", true},                                       // a letter added
		{title, "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TIC", "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH", true}, // one lost
		{title, "KT. CHỦ TỊCH PHÓ XÂN", "KT. CHỦ TỊCH PHÓ XÂN", false},                                                 // one off DÂN and XÃ: left alone
		{title, "KT. CHỦ TỊCH PHÓ TI", "KT. CHỦ TỊCH PHÓ TI", false},                                                   // too short to mend
		{title, "TL. CHỦ TỊCH .NH VĂN PHÒNG", "TL. CHỦ TỊCH .NH VĂN PHÒNG", false},
		{agency, "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", true},
		{agency, "ỦY BAN NHÂN DÂN TINH QUANG NGÀI", "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", true},     // marks lost under the rule
		{agency, "HỘI ĐÔNG NHÂN DÂN TỈNH QUẢNG NGÃI", "HỘI ĐỒNG NHÂN DÂN TỈNH QUẢNG NGÃI", true}, // ĐỒNG or ĐỘNG: HỘI settles it
		{agency, "SỞ LAO ĐÔNG", "SỞ LAO ĐỘNG", true},
		{agency, "BAN ĐÔNG", "BAN ĐÔNG", false},                                                    // ĐỒNG or ĐỘNG: left alone
		{agency, "HỘI ĐÔNG NHÂN DÂN TỈNH QUẢNG GNGÃI", "HỘI ĐỒNG NHÂN DÂN TỈNH QUẢNG NGÃI", false}, // one letter off: mended, for review
		{agency, "ỦY BAN NHÂN DÂN TĨNH QUANG NGAÀI", "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", false},     // one letter off: mended, for review
		{agency, "ỦY BAN NHÂN DÂN TỈNH HÀA GIANG", "ỦY BAN NHÂN DÂN TỈNH HÀA GIANG", false},        // Hà Giang or Hậu Giang: left alone
		{agency, "SỞ Y TẾ QUẢNG NGAÀI", "SỞ Y TẾ QUẢNG NGAÀI", false},                              // no TỈNH before it: not a guess
		{agency, "ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH", "ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH", true},       // not mended into Quảng Ngãi
		{agency, "SỞ TƯ PHÁP", "SỞ TƯ PHÁP", true},
		{agency, "SỞ VĂN HOÁ, THỂ THAO VÀ DU LỊCH", "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH", true}, // the comma stays
		{agency, "ỦY BAN NHÂN DÂN XÃ THƯ LÂM", "ỦY BAN NHÂN DÂN XÃ THƯ LÂM", false},          // a commune: not in the lexicon
		{agency, "ỦY BAN NHÂN DÂN XÃ ĐỨC TRỌNG", "ỦY BAN NHÂN DÂN XÃ ĐỨC TRỌNG", false},      // not "DỤC" of GIÁO DỤC
	} {
		got, known := c.mend(strings.Fields(c.read))
		if got != c.want || known != c.known {
			t.Errorf("%q: got %q %v, want %q %v", c.read, got, known, c.want, c.known)
		}
	}
}

// TestNumberLostHyphen: a number whose hyphen was lost reads as a valid
// number but is not delivered unreviewed.
func TestNumberLostHyphen(t *testing.T) {
	docs := Read([]ocr.Result{nd30Page("146/CTVP", "ngày 05 tháng 3 năm 2024", 95)})
	if len(docs) != 1 || docs[0].Number == nil || docs[0].Number.Value != "146/CTVP" || docs[0].Number.Confidence >= Deliver {
		t.Errorf("number %+v", docs[0].Number)
	}
}

// TestNumberAndDateOneLine: the number and the place-and-date line read as
// one line across the column channel (a long number, a narrow channel) are
// still the header's, parted into the number, the place and the date.
func TestNumberAndDateOneLine(t *testing.T) {
	p := nd30Page("1/QĐ-STP", "ngày 05 tháng 3 năm 2024", 95)
	p.Lines[2] = line(330, 460, "Số: 1700/BC-SNV_ Thái Nguyên, ngày 11 tháng 09 năm 2026", 95)
	d := readOne(t, p)
	wantValues(t, map[string]fieldWant{"number": {d.Number, "1700/BC-SNV"}, "place": {d.Place, "Thái Nguyên"},
		"date": {d.Date, "2026-09-11"}, "doc_type": {d.DocType, "QUYẾT ĐỊNH"}})
}

// TestPlaceStartingLikeSo: a place and date on the number's row whose
// place starts with the letters of "Số" ("Sơn La") is the right block's,
// not the number's (the number then read "1167/BC-UBNDSơnLa,ngày…").
func TestPlaceStartingLikeSo(t *testing.T) {
	p := nd30Page("1/QĐ-STP", "ngày 05 tháng 3 năm 2024", 95)
	p.Lines[2] = line(400, 460, "Số: 1167/BC-UBND", 95)
	p.Lines = slices.Insert(p.Lines, 3, line(1250, 462, "Sơn La, ngày 17 tháng 03 năm 2025", 96))
	d := readOne(t, p)
	wantValues(t, map[string]fieldWant{"number": {d.Number, "1167/BC-UBND"}, "place": {d.Place, "Sơn La"},
		"date": {d.Date, "2025-03-17"}})
	for _, c := range []struct {
		text string
		want bool
	}{{"Số: 12/QĐ", true}, {"Số:12/QĐ", true}, {"Số 12/QĐ", true}, {"Số12/QĐ", true}, {"Sơn La, ngày", false}, {"Sóc Trăng", false}} {
		if got := soStart(c.text); got != c.want {
			t.Errorf("soStart(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}

// readOne reads page p and fails unless it holds exactly one document.
func readOne(t *testing.T, p ocr.Result) Document {
	t.Helper()
	docs := Read([]ocr.Result{p})
	if len(docs) != 1 {
		t.Fatalf("got %+v", docs)
	}
	return docs[0]
}

// fieldWant is a field as read and the value it should hold.
type fieldWant struct {
	f    *Field
	want string
}

// wantValues reports every field, by name, that is absent or holds
// another value than wanted.
func wantValues(t *testing.T, fields map[string]fieldWant) {
	t.Helper()
	for name, c := range fields {
		if c.f == nil || c.f.Value != c.want {
			t.Errorf("%s: got %+v, want %q", name, c.f, c.want)
		}
	}
}

// TestMarks: urgency and secrecy marks read exactly are delivered; one
// letter off (six letters or more) they are read but left for review; a
// short mark is never guessed.
func TestMarks(t *testing.T) {
	for _, c := range []struct {
		read, urgency, secrecy string
		deliver                bool
	}{
		{"HỎA TỐC", "HỎA TỐC", "", true},
		{"THƯỢNG KHẨN", "THƯỢNG KHẨN", "", true},
		{"H0A TỐC", "HỎA TỐC", "", false},
		{"TỐI MẶTI", "", "TỐI MẬT", false}, // the frame read as a letter
		{"MẶT", "", "MẬT", true},
		{"MAI", "", "", false},
		{"KHAM", "", "", false},
	} {
		p := nd30Page("143/QĐ-STP", "ngày 05 tháng 3 năm 2024", 95)
		p.Lines = append(p.Lines, line(450, 540, c.read, 95))
		docs := Read([]ocr.Result{p})
		if len(docs) != 1 {
			t.Fatalf("%q: %d documents", c.read, len(docs))
		}
		for _, f := range []struct {
			got  *Field
			want string
		}{{docs[0].Urgency, c.urgency}, {docs[0].Secrecy, c.secrecy}} {
			switch {
			case f.want == "" && f.got != nil:
				t.Errorf("%q: read %+v", c.read, f.got)
			case f.want != "" && (f.got == nil || f.got.Value != f.want || (f.got.Confidence >= Deliver) != c.deliver):
				t.Errorf("%q: got %+v, want %q deliverable %v", c.read, f.got, f.want, c.deliver)
			}
		}
	}
}

// TestMottoJoinedToAgency: a wide agency name read on one line with the
// motto beside it (and its second line with the motto's subtitle) is
// parted, so the columns, the number and the date are found.
func TestMottoJoinedToAgency(t *testing.T) {
	p := nd30Page("2480/BC-UBND", "ngày 05 tháng 02 năm 2024", 95)
	p.Lines[0] = line(420, 200, "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 95)
	p.Lines[1] = line(450, 270, "TỈNH HÀ TĨNH Độc lập - Tự do - Hạnh phúc", 95)
	p.Lines[2] = line(400, 460, "Số: 2480/BC-UBND", 95)
	p.Lines = append(p.Lines, line(1250, 462, "Hạ Long, ngày 05 tháng 02 năm 2024", 95))
	d := readOne(t, p)
	wantValues(t, map[string]fieldWant{"number": {d.Number, "2480/BC-UBND"}, "place": {d.Place, "Hạ Long"},
		"date": {d.Date, "2024-02-05"}, "agency": {d.Agency, "ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH"}})
}

// TestPlaceCutShort: a place that does not start with a capital, or holds
// the number, is not delivered unreviewed.
func TestPlaceCutShort(t *testing.T) {
	for _, place := range []string{"phố Hồ Chí Minh", "KGVX Hà Tĩnh 4"} {
		p := nd30Page("1/QĐ-STP", "ngày 05 tháng 3 năm 2024", 95)
		p.Lines[2] = merge(line(400, 460, "Số: 1/QĐ-STP", 95), line(1250, 460, place+", ngày 05 tháng 3 năm 2024", 95))
		docs := Read([]ocr.Result{p})
		if len(docs) != 1 || docs[0].Place == nil {
			t.Fatalf("%q: got %+v", place, docs)
		}
		if f := docs[0].Place; f.Confidence >= Deliver {
			t.Errorf("%q: place %q delivered at %.2f", place, f.Value, f.Confidence)
		}
		if f := docs[0].Place; place == "phố Hồ Chí Minh" && f.Value != "Thành phố Hồ Chí Minh" {
			t.Errorf("%q: place %q, want the city's whole name", place, f.Value)
		}
	}
}

// TestDraftNumberJoinedToDate: a draft's "Số:" stands alone before its
// blank, and the number's printed part is read with the place and date
// across the channel; the letter's "V/v" under it is still the summary.
func TestDraftNumberJoinedToDate(t *testing.T) {
	p := nd30Page("1/QĐ-STP", "ngày 05 tháng 3 năm 2024", 95)
	p.Lines[0] = line(420, 200, "ỦY BAN NHÂN DÂN _ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 95)
	p.Lines[2] = line(400, 460, "Số:", 95)
	p.Lines[3] = line(690, 462, "/UBND-KGVX Hải Phòng, ngày tháng năm 2025", 95)
	p.Lines[4] = line(420, 560, "V/v số hóa hồ sơ", 95)
	docs := Read([]ocr.Result{p})
	if len(docs) != 1 {
		t.Fatalf("got %+v", docs)
	}
	d := docs[0]
	if d.Number == nil || !d.Number.Unreadable || d.Number.Value != "" {
		t.Errorf("number %+v", d.Number)
	}
	if d.Date == nil || !d.Date.Unreadable || d.Place == nil || d.Place.Value != "Hải Phòng" {
		t.Errorf("date %+v place %+v", d.Date, d.Place)
	}
	if d.Summary == nil || d.Summary.Value != "số hóa hồ sơ" || d.DocType == nil || d.DocType.Value != "CÔNG VĂN" {
		t.Errorf("summary %+v type %+v", d.Summary, d.DocType)
	}
}

// TestRecipientWordLost: a recipient item with a word the OCR left out
// ("VT" of "Lưu: VT, HCTP." read with no confidence and dropped) leaves a
// gap on its line; the rest is not delivered unreviewed as if complete.
func TestRecipientWordLost(t *testing.T) {
	for _, c := range []struct {
		name  string
		drop  bool
		raise int // pixels the code after the lost word sits higher
		value string
		sure  bool
	}{
		{"whole", false, 0, "Lưu: VT, HCTP", true},
		// The word lost right after "Lưu:" is the record office's VT.
		{"word lost", true, 0, "Lưu: VT, HCTP", false},
		// The code's top above "Lưu:"'s: the row is still read left to right.
		{"row split", true, 3, "Lưu: VT, HCTP", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			page := nd30Page("146/QĐ-STP", "ngày 05 tháng 3 năm 2024", 95)
			if c.drop {
				for i, l := range page.Lines {
					for j, w := range l.Words {
						if w.Text == "VT," {
							page.Lines[i].Words = slices.Delete(l.Words, j, j+1)
						}
					}
				}
			}
			for i, l := range page.Lines {
				for j, w := range l.Words {
					if w.Text == "HCTP." {
						page.Lines[i].Words[j].Box.Y0 -= c.raise
						page.Lines[i].Words[j].Box.Y1 -= c.raise
					}
				}
			}
			docs := Read([]ocr.Result{page})
			if len(docs) != 1 {
				t.Fatalf("%d documents", len(docs))
			}
			var got *Field
			for i, r := range docs[0].Recipients {
				if strings.HasPrefix(r.Value, "Lưu") {
					got = &docs[0].Recipients[i]
				}
			}
			if got == nil || got.Value != c.value || (got.Confidence >= Deliver) != c.sure {
				t.Errorf("recipient %+v, want %q delivered %v", got, c.value, c.sure)
			}
		})
	}
}

// TestClosingLinesLost: a signer's title ending on its authority line
// ("KT. GIÁM ĐỐC" without "PHÓ GIÁM ĐỐC") and a recipients list without its
// closing "Lưu: VT, …" lost a line to the OCR: neither is delivered as
// complete.
func TestClosingLinesLost(t *testing.T) {
	for _, c := range []struct {
		lose             string // the first word of the piece of line lost
		n                int    // its words
		title, recipient bool   // delivered
	}{
		{"", 0, true, true},
		{"PHÓ", 3, false, true},
		{"Lưu:", 4, true, false}, // with its dash before it
	} {
		t.Run(c.lose, func(t *testing.T) {
			page := nd30Page("146/QĐ-STP", "ngày 05 tháng 3 năm 2024", 95)
			for i, l := range page.Lines {
				if j := slices.IndexFunc(l.Words, func(w ocr.Word) bool { return c.lose != "" && w.Text == c.lose }); j >= 0 {
					if c.lose == "Lưu:" {
						j--
					}
					page.Lines[i].Words = slices.Delete(l.Words, j, j+c.n)
				}
			}
			docs := Read([]ocr.Result{page})
			if len(docs) != 1 || docs[0].SignerTitle == nil || len(docs[0].Recipients) == 0 {
				t.Fatalf("got %+v", docs)
			}
			d := docs[0]
			last := d.Recipients[len(d.Recipients)-1]
			if c.lose == "PHÓ" && d.SignerTitle.Value != "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC" {
				t.Errorf("title %q: under KT. the deputy's position is known", d.SignerTitle.Value)
			}
			if (d.SignerTitle.Confidence >= Deliver) != c.title || (last.Confidence >= Deliver) != c.recipient {
				t.Errorf("title %q %.2f, last recipient %q %.2f: want delivered %v %v", d.SignerTitle.Value, d.SignerTitle.Confidence,
					last.Value, last.Confidence, c.title, c.recipient)
			}
		})
	}
}

// TestMendPlace: a place is written as its province when the letters are
// the province's, one letter off from one province for review, else left.
func TestMendPlace(t *testing.T) {
	for _, c := range []struct {
		read, want string
		fuzzy      bool
	}{
		{"Quảng Ngãi", "Quảng Ngãi", false},
		{"Quang Ngai", "Quảng Ngãi", false},
		{"Lơi Châu", "Lai Châu", true},
		{"Bà Rịa - Vũng Tàu", "Bà Rịa - Vũng Tàu", false},
		{"Hạ Long", "Hạ Long", false}, // a city: as read
		{"Vinh", "Vinh", false},
		{"Hàa Giang", "Hàa Giang", false}, // Hà Giang or Hậu Giang: left
	} {
		got, fuzzy := mendPlace(c.read)
		if got != c.want || fuzzy != c.fuzzy {
			t.Errorf("%q: got %q %v, want %q %v", c.read, got, fuzzy, c.want, c.fuzzy)
		}
	}
}

// TestMendClosing: the closing's closed lists settle what the letters leave
// one choice for, and a mended value waits for review (mended is true);
// what they do not settle is left as read.
func TestMendClosing(t *testing.T) {
	for _, c := range []struct {
		read, want string
		mended     bool
	}{
		{"Lưu: VT, KTTH", "Lưu: VT, KTTH", false},
		{"Lưu: VI, KTTH", "Lưu: VT, KTTH", true}, // T read as I
		{"Lưu: VŨ HCTC", "Lưu: VT, HCTC", true},  // T read as Ũ, the comma lost
		{"Lưu: VŨ_NV", "Lưu: VT, NV", true},
		{"Lưu: VL, VP", "Lưu: VT, VP", true},
		{"Lưu: VT,NC", "Lưu: VT, NC", false},  // spacing only
		{"Lưu:VT", "Lưu: VT", false},          // glued
		{"Lưu: VP", "Lưu: VP", false},         // VT lost: the office's code is not turned into VT
		{"Lưu: VN, NC", "Lưu: VN, NC", false}, // N is no T misread
		{"Như Điều 3", "Như Điều 3", false},   // not the copies kept
		{"Lưu: VT, TTHC(Thu)", "Lưu: VT, TTHC(Thu)", false},
		{"Lưu: VLNC", "Lưu: VT, NC", true}, // T read as L, comma and space lost
		{"Lưu: VINV", "Lưu: VT, NV", true},
		{"Lưu: VTLT", "Lưu: VTLT", false}, // read with its T: an office's code
		{"Lưu: VPUB", "Lưu: VPUB", false},
	} {
		got, mended := mendFileCopy(c.read)
		if got != c.want || mended != c.mended {
			t.Errorf("copies kept %q: got %q %v, want %q %v", c.read, got, mended, c.want, c.mended)
		}
	}
	for _, c := range []struct {
		read, want string
		mended     bool
	}{
		{"SỞ Nội vụ", "Sở Nội vụ", true}, // case misread on a marked word
		{"Sở Nội vụ", "Sở Nội vụ", false},
		{"Thường trực HĐND tỉnh", "Thường trực HĐND tỉnh", false}, // Đ alone: an abbreviation
		{"PCT UBND tỉnh", "PCT UBND tỉnh", false},
		{"SỞ NỘI VỤ", "SỞ NỘI VỤ", false}, // capitals throughout
	} {
		got, mended := mendCapsWord(strings.Fields(c.read))
		if strings.Join(got, " ") != c.want || mended != c.mended {
			t.Errorf("capitals %q: got %q %v, want %q %v", c.read, strings.Join(got, " "), mended, c.want, c.mended)
		}
	}
	for _, c := range []struct {
		read, want string
		mended     bool
	}{
		{"Đỉnh Đình Hùng", "Đinh Đình Hùng", true},   // one family name has these letters
		{"Trân Phước Hiên", "Trần Phước Hiên", true}, // the given name is left: Hiền, Hiển, Hiến
		{"Trần Phước Hiền", "Trần Phước Hiền", false},
		{"Đinh Thị Chỉ", "Đinh Thị Chỉ", false},
	} {
		got, mended := mendFamilyName(strings.Fields(c.read))
		if strings.Join(got, " ") != c.want || mended != c.mended {
			t.Errorf("name %q: got %q %v, want %q %v", c.read, strings.Join(got, " "), mended, c.want, c.mended)
		}
	}
	for _, c := range []struct{ read, want string }{
		{"TM. ỦY BAN NHÂN DÂN CHỦ TỊCH TNASÁ", "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH"},
		{"TM. THƯỜNG TRỤC HĐND CHỦ TỊCH 1⁄2⁄Z7", "TM. THƯỜNG TRỤC HĐND CHỦ TỊCH"},
		{"KT. CHỦ TỊCH PHÓ CHỦ TỊCH N Ñ Ñ Ầ", "KT. CHỦ TỊCH PHÓ CHỦ TỊCH"},
		{"KT. CHỦ TỊCH PHÓ CHỦ TỊCH LŒ", "KT. CHỦ TỊCH PHÓ CHỦ TỊCH"},
		{"GIÁM ĐỐC SỞ TƯ PHÁP", "GIÁM ĐỐC SỞ TƯ PHÁP"}, // words, not strokes: kept
		{"TỔNG GIÁM ĐỐC VNPT", "TỔNG GIÁM ĐỐC VNPT"},   // an abbreviation: kept
	} {
		w := strings.Fields(c.read)
		if got := strings.Join(w[:titleTail(w)], " "); got != c.want {
			t.Errorf("title %q: got %q, want %q", c.read, got, c.want)
		}
	}
	// Under "KT. <head>" signs the head's deputy (a title that lost that line).
	for _, c := range []struct{ line, want string }{
		{"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"},
		{"KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"},
		{"KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG"},
		{"KT. BỘ TRƯỞNG", "THỨ TRƯỞNG"},
		{"TM. ỦY BAN NHÂN DÂN", ""},     // TM. names the body, not a deputy
		{"KT. GIÁM ĐỐC SỞ TƯ PHÁP", ""}, // words outside the title list: not guessed
	} {
		if got := deputyOf(c.line); got != c.want {
			t.Errorf("%q: got %q, want %q", c.line, got, c.want)
		}
	}
}

// TestClosingMendedForReview: on a page, a title with a signature's strokes
// after it, a recipient in the wrong case and "Lưu: VI" are read as the
// closed lists write them, and none is delivered unreviewed.
func TestClosingMendedForReview(t *testing.T) {
	page := nd30Page("146/QĐ-STP", "ngày 05 tháng 3 năm 2024", 95)
	page.Lines[10] = merge(line(350, 2740, "- SỞ Nội vụ;", 95), line(1450, 2740, "PHÓ GIÁM ĐỐC", 95))
	page.Lines = append(page.Lines, line(350, 2810, "- Lưu: VI, HCTP.", 95), line(1500, 2810, "TNASÁ", 95))
	page.Lines[11] = line(1420, 3050, "Trân Thị Thu Hằng", 96)
	docs := Read([]ocr.Result{page})
	if len(docs) != 1 {
		t.Fatalf("got %+v", docs)
	}
	d := docs[0]
	for _, c := range []struct {
		f    *Field
		want string
	}{
		{d.SignerTitle, "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC"},
		{d.Signer, "Trần Thị Thu Hằng"},
		{fieldAt(d.Recipients, 1), "Sở Nội vụ"},
		{fieldAt(d.Recipients, 2), "Lưu: VT, HCTP"},
	} {
		if c.f == nil || c.f.Value != c.want || c.f.Confidence >= Deliver {
			t.Errorf("got %+v, want %q for review", c.f, c.want)
		}
	}
}

// TestPlaceWithoutDate: a draft whose "tháng" was lost with its blanks
// still gives the place before ", ngày".
func TestPlaceWithoutDate(t *testing.T) {
	p := nd30Page("1/QĐ-STP", "ngày 05 tháng 3 năm 2024", 95)
	p.Lines[2] = merge(line(400, 460, "Số: 1/QĐ-STP", 95), line(1250, 460, "Hải Phòng, ngày năm 2024", 95))
	docs := Read([]ocr.Result{p})
	if len(docs) != 1 || docs[0].Place == nil || docs[0].Place.Value != "Hải Phòng" {
		t.Fatalf("got %+v", docs)
	}
	if docs[0].Date != nil && docs[0].Date.Value != "" {
		t.Errorf("a date invented: %+v", docs[0].Date)
	}
}

func fieldAt(fs []Field, i int) *Field {
	if i >= len(fs) {
		return nil
	}
	return &fs[i]
}

// TestMendSummary: a summary's administrative words read with the wrong
// marks are the one phrase their letters spell; other words, and pairs
// that spell a phrase with other marks that is a word too, are left.
func TestMendSummary(t *testing.T) {
	for _, c := range []struct {
		read, want string
		mended     bool
	}{
		{"Về việc bố nhiệm vào ngạch Thanh tra viên và xếp lương đối với ¡ông Phạm Thanh Quang",
			"Về việc bổ nhiệm vào ngạch Thanh tra viên và xếp lương đối với ông Phạm Thanh Quang", true},
		{"công bô Danh mục TTHC và xây dựng quy trình nội bộ giải quyêt TTHC",
			"công bố Danh mục TTHC và xây dựng quy trình nội bộ giải quyết TTHC", true},
		{"Công bô danh mục thủ tục hành chính", "Công bố danh mục thủ tục hành chính", true}, // at the start, capitalised
		{"Kết quả giải quyết thủ tục hành chính quý III", "Kết quả giải quyết thủ tục hành chính quý III", false},
		{"trao đổi với Sở Nội vụ", "trao đổi với Sở Nội vụ", false},       // "đổi với" is no "đối với"
		{"cộng tác viên dân số", "cộng tác viên dân số", false},           // cộng tác and công tác are both words
		{"kế hoach phát triển", "kế hoạch phát triển", true},              // a mark lost
		{"kế hoạc phát triển", "kế hoạc phát triển", false},               // a letter lost: left
		{"tổ chức Hội Nghị tổng kết", "tổ chức Hội Nghị tổng kết", false}, // capitals mid-sentence: a name
	} {
		got, mended := mendSummary(strings.Fields(c.read))
		if strings.Join(got, " ") != c.want || mended != c.mended {
			t.Errorf("%q: got %q %v, want %q %v", c.read, strings.Join(got, " "), mended, c.want, c.mended)
		}
	}
}

// TestRedStampMark: an urgency mark stamped in red is read from the stamps
// read apart (the page's text leaves red ink out), held for review; red
// ink that reads as no mark gives none.
func TestRedStampMark(t *testing.T) {
	for _, c := range []struct {
		stamp, want string
	}{
		{"HỎA TỐC", "HỎA TỐC"},
		{"HOA TOC", "HỎA TỐC"},
		{"` //N “rang # táo + & Nộ( vàn", ""}, // a round seal read turned
		{"", ""},
	} {
		p := nd30Page("146/UBND-TTHC", "ngày 05 tháng 3 năm 2024", 95)
		if c.stamp != "" {
			p.RedInk = []ocr.Line{line(300, 700, c.stamp, 93)}
		}
		docs := Read([]ocr.Result{p})
		if len(docs) != 1 {
			t.Fatalf("got %+v", docs)
		}
		u := docs[0].Urgency
		switch {
		case c.want == "" && u != nil:
			t.Errorf("%q: urgency %+v invented", c.stamp, u)
		case c.want != "" && (u == nil || u.Value != c.want || u.Confidence >= Deliver || !docs[0].NeedsReview):
			t.Errorf("%q: urgency %+v, want %q for review", c.stamp, u, c.want)
		}
	}
}

// TestLostWordsHeldForReview: a value whose own words all read well but
// that lost words the page shows it had (a province's name without its
// first word, an agency line set aside as marks, a piece of the summary's
// row read apart), that holds a run of strokes Tesseract may have
// miscounted ("II" for "III") or a number's type code that is none ("TIr")
// is not delivered unreviewed; the same values whole, with one stroke or
// with a type code, are.
func TestLostWordsHeldForReview(t *testing.T) {
	const date = "ngày 05 tháng 3 năm 2024"
	for _, c := range []struct {
		name    string
		edit    func(p *ocr.Result)
		field   func(d Document) *Field
		want    string
		deliver bool
	}{
		{"place whole", func(p *ocr.Result) {
			p.Lines[2] = merge(line(400, 460, "Số: 1/QĐ-STP", 95), line(1250, 460, "Đà Nẵng, "+date, 95))
		}, func(d Document) *Field { return d.Place }, "Đà Nẵng", true},
		{"place of one word", func(p *ocr.Result) {
			p.Lines[2] = merge(line(400, 460, "Số: 1/QĐ-STP", 95), line(1250, 460, "Huế, "+date, 95))
		}, func(d Document) *Field { return d.Place }, "Huế", true},
		{"place lost its first word", func(p *ocr.Result) {
			p.Lines[2] = merge(line(400, 460, "Số: 1/QĐ-STP", 95), line(1350, 460, "Nẵng, "+date, 95))
		}, func(d Document) *Field { return d.Place }, "Nẵng", false},
		{"agency whole", func(p *ocr.Result) { setAgency(p, "HỘI ĐỒNG NHÂN DÂN", "TỈNH HÀ TĨNH", 95) }, func(d Document) *Field { return d.Agency }, "HỘI ĐỒNG NHÂN DÂN TỈNH HÀ TĨNH", true},
		{"agency line set aside as marks", func(p *ocr.Result) { setAgency(p, "ỦY BAN NHÂN DÂN", "XÃ ĐẮK LẮK", 95) }, func(d Document) *Field { return d.Agency }, "ỦY BAN NHÂN DÂN", false},
		{"agency in a highland province", func(p *ocr.Result) { setAgency(p, "HỘI ĐỒNG NHÂN DÂN", "TỈNH ĐẮK LẮK", 95) }, func(d Document) *Field { return d.Agency }, "HỘI ĐỒNG NHÂN DÂN TỈNH ĐẮK LẮK", true},
		{"agency in a highland province read unsurely", func(p *ocr.Result) { setAgency(p, "ỦY BAN NHÂN DÂN", "TỈNH BẮC KẠN", 80) }, func(d Document) *Field { return d.Agency }, "ỦY BAN NHÂN DÂN TỈNH BẮC KẠN", false},
		{"summary row read apart", func(p *ocr.Result) {
			// Tesseract's order: the middle piece first, the left one after.
			p.Lines[4] = line(1000, 680, "danh mục thủ tục", 94)
			p.Lines = slices.Insert(p.Lines, 5, line(560, 680, "Về việc công bố", 94), line(1450, 680, "hành chính", 94))
		}, func(d Document) *Field { return d.Summary }, "", false},
		{"summary whole", func(p *ocr.Result) {}, func(d Document) *Field { return d.Summary },
			"Về việc công bố danh mục thủ tục hành chính", true},
		{"summary with a run of strokes", func(p *ocr.Result) {
			p.Lines[4] = line(814, 680, "Về việc báo cáo kết quả quý II", 94)
		}, func(d Document) *Field { return d.Summary }, "Về việc báo cáo kết quả quý II", false},
		{"number with a type code misread", func(p *ocr.Result) {
			p.Lines[2] = merge(line(400, 460, "Số: 918/TIr-UBND", 95), line(1250, 460, "Hà Nội, "+date, 95))
		}, func(d Document) *Field { return d.Number }, "918/TIr-UBND", false},
		{"number with a letter of its type code doubled", func(p *ocr.Result) {
			p.Lines[2] = merge(line(400, 460, "Số: 817/QĐĐ-UBND", 95), line(1250, 460, "Hà Nội, "+date, 95))
		}, func(d Document) *Field { return d.Number }, "817/QĐĐ-UBND", false},
		{"number whose codes start with a doubled letter of their own", func(p *ocr.Result) {
			p.Lines[2] = merge(line(400, 460, "Số: 817/TTr-UBND", 95), line(1250, 460, "Hà Nội, "+date, 95))
		}, func(d Document) *Field { return d.Number }, "817/TTr-UBND", true},
		{"number whose issuer codes took a word", func(p *ocr.Result) {
			p.Lines[2] = merge(line(400, 460, "Số: 93/TTr-UBNPhành", 95), line(1250, 460, "Hà Nội, "+date, 95))
		}, func(d Document) *Field { return d.Number }, "93/TTr-UBNPhành", false},
		{"number of the Prime Minister", func(p *ocr.Result) {
			p.Lines[2] = merge(line(400, 460, "Số: 28/2018/QĐ-TTg", 95), line(1250, 460, "Hà Nội, "+date, 95))
		}, func(d Document) *Field { return d.Number }, "28/2018/QĐ-TTg", true},
		{"letter's number of two issuer codes", func(p *ocr.Result) {
			p.Lines[2] = merge(line(400, 460, "Số: 299/UBND-KGVX", 95), line(1250, 460, "Hà Nội, "+date, 95))
		}, func(d Document) *Field { return d.Number }, "299/UBND-KGVX", true},
		{"given name that a lost dot below makes another", func(p *ocr.Result) {
			p.Lines[11] = line(1420, 3050, "Nguyễn Bích My", 96)
		}, func(d Document) *Field { return d.Signer }, "Nguyễn Bích My", false},
		{"given name whose dot below would sit under another vowel", func(p *ocr.Result) {
			p.Lines[11] = line(1420, 3050, "Trần Thị Phương", 96)
		}, func(d Document) *Field { return d.Signer }, "Trần Thị Phương", true},
		{"given name with its dot below", func(p *ocr.Result) {
			p.Lines[11] = line(1420, 3050, "Nguyễn Bích Mỵ", 96)
		}, func(d Document) *Field { return d.Signer }, "Nguyễn Bích Mỵ", true},
		{"number with a type code", func(p *ocr.Result) {
			p.Lines[2] = merge(line(400, 460, "Số: 918/TTr-UBND", 95), line(1250, 460, "Hà Nội, "+date, 95))
		}, func(d Document) *Field { return d.Number }, "918/TTr-UBND", true},
		{"summary that lost its numeral", func(p *ocr.Result) {
			p.Lines[4] = line(814, 680, "Kết quả giải quyết thủ tục hành chính quý", 94)
		}, func(d Document) *Field { return d.Summary }, "Kết quả giải quyết thủ tục hành chính quý", false},
		{"summary ending on a counted word standing alone", func(p *ocr.Result) {
			p.Lines[4] = line(814, 680, "Về việc báo cáo kết quả hằng quý", 94)
		}, func(d Document) *Field { return d.Summary }, "Về việc báo cáo kết quả hằng quý", true},
		{"summary with a numeral of one stroke", func(p *ocr.Result) {
			p.Lines[4] = line(814, 680, "Về việc báo cáo kết quả quý IV", 94)
		}, func(d Document) *Field { return d.Summary }, "Về việc báo cáo kết quả quý IV", true},
	} {
		p := nd30Page("1/QĐ-STP", date, 95)
		c.edit(&p)
		d := readOne(t, p)
		f := c.field(d)
		if f == nil || c.want != "" && f.Value != c.want {
			t.Errorf("%s: got %+v, want %q", c.name, f, c.want)
			continue
		}
		if (f.Confidence >= Deliver) != c.deliver {
			t.Errorf("%s: %q at %.2f, want delivered %v", c.name, f.Value, f.Confidence, c.deliver)
		}
		if f.Confidence < Deliver && !d.NeedsReview {
			t.Errorf("%s: %q held back but the document is not flagged", c.name, f.Value)
		}
	}
}

// TestSignerWordLost: a signer's name read with two words may have lost
// its given name (Tesseract dropped "Vỹ" of "Võ Công Vỹ" in clean print):
// read as it is, not delivered; three words or more are.
func TestSignerWordLost(t *testing.T) {
	for _, c := range []struct {
		name      string
		delivered bool
	}{
		{"Nguyễn Thị Thu Hằng", true},
		{"Võ Công Vỹ", true},
		{"Võ Công", false},
	} {
		page := nd30Page("146/QĐ-STP", "ngày 05 tháng 3 năm 2024", 95)
		page.Lines[len(page.Lines)-1] = line(1420, 3050, c.name, 96)
		docs := Read([]ocr.Result{page})
		if len(docs) != 1 || docs[0].Signer == nil || docs[0].Signer.Value != c.name {
			t.Fatalf("%s: got %+v", c.name, docs)
		}
		if s := docs[0].Signer; (s.Confidence >= Deliver) != c.delivered {
			t.Errorf("%s: confidence %.2f, want delivered %v", c.name, s.Confidence, c.delivered)
		}
	}
}
