package ocr

import (
	"strings"
	"testing"
)

// words lays out text from x at 300 dpi: 28 px a character, 20 px spaces.
func words(x, y int, text string) []Word {
	var ws []Word
	for _, w := range strings.Fields(text) {
		n := len([]rune(w))
		ws = append(ws, Word{Text: w, Box: Box{x, y, x + 28*n, y + 60}, Confidence: 95})
		x += 28*n + 20
	}
	return ws
}

func lineOf(ws ...[]Word) Line {
	var l Line
	for _, w := range ws {
		l.Words = append(l.Words, w...)
	}
	l.Box = Box{l.Words[0].Box.X0, l.Words[0].Box.Y0, l.Words[len(l.Words)-1].Box.X1, l.Words[0].Box.Y1}
	return l
}

func TestBlockOrder(t *testing.T) {
	for _, c := range []struct {
		name  string
		lines []Line
		want  string
	}{{
		name: "NĐ 30 header read line by line",
		lines: []Line{
			lineOf(words(420, 200, "ỦY BAN NHÂN DÂN"), words(1150, 200, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")),
			lineOf(words(430, 270, "TỈNH QUẢNG NGÃI"), words(1300, 270, "Độc lập - Tự do - Hạnh phúc")),
			lineOf(words(400, 400, "Số: 89/QĐ-UBND"), words(1250, 400, "Quảng Ngãi, ngày 16 tháng 01 năm 2025")),
			lineOf(words(1000, 600, "QUYẾT ĐỊNH")),
		},
		want: "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\nSố: 89/QĐ-UBND\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nQuảng Ngãi, ngày 16 tháng 01 năm 2025\n\nQUYẾT ĐỊNH",
	}, {
		name: "justified body lines stay as they are",
		lines: []Line{
			lineOf(words(350, 900, "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;")),
			lineOf(words(350, 970, "Căn cứ Luật Thanh tra ngày 14 tháng 11 năm 2022;")),
		},
		want: "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;\nCăn cứ Luật Thanh tra ngày 14 tháng 11 năm 2022;",
	}, {
		name: "one line with a gap alone is not a block",
		lines: []Line{
			lineOf(words(350, 900, "Họ và tên: Nguyễn Văn An"), words(1500, 900, "Giới tính: Nam")),
			lineOf(words(350, 970, "Địa chỉ thường trú tại phường Hải Châu thành phố Đà Nẵng")),
		},
		want: "Họ và tên: Nguyễn Văn An Giới tính: Nam\nĐịa chỉ thường trú tại phường Hải Châu thành phố Đà Nẵng",
	}, {
		name: "NĐ 30 header with the number left blank",
		lines: []Line{
			lineOf(words(420, 200, "ỦY BAN NHÂN DÂN"), words(1150, 200, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")),
			lineOf(words(430, 270, "TỈNH QUẢNG NGÃI"), words(1300, 270, "Độc lập - Tự do - Hạnh phúc")),
			lineOf(words(300, 400, "Số:"), words(550, 400, "/QĐ-UBND"), words(1250, 400, "Quảng Ngãi, ngày tháng 01 năm 2025")),
		},
		want: "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\nSố:\n/QĐ-UBND\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nQuảng Ngãi, ngày tháng 01 năm 2025",
	}, {
		// A table whose rules were not found (a curled photo of a list):
		// its rows split into more than two pieces and are read across.
		name: "rows of an unruled table stay rows",
		lines: []Line{
			lineOf(words(300, 900, "STT"), words(600, 900, "Họ và tên"), words(1400, 900, "Ngày sinh")),
			lineOf(words(300, 970, "1"), words(600, 970, "Trần Gia Ổn"), words(1400, 970, "29/03/1951")),
			lineOf(words(300, 1040, "2"), words(600, 1040, "Trịnh Thành An"), words(1400, 1040, "26/03/1973")),
		},
		want: "STT Họ và tên Ngày sinh\n1 Trần Gia Ổn 29/03/1951\n2 Trịnh Thành An 26/03/1973",
	}, {
		// Tesseract took the two bold headings of a fax, which a streak
		// cut, for a block and read the second before the paragraph
		// between them.
		name: "a heading read before the lines above it goes after them",
		lines: []Line{
			lineOf(words(140, 1530, "II. CHỮ IN HOA CÓ DẤU")),
			lineOf(words(140, 1790, "III. Mã hồ sơ")),
			lineOf(words(160, 1570, "BÀ NGUYỄN THỊ HẰNG Ở PHƯỜNG BẾN NGHÉ")),
			lineOf(words(180, 1640, "BẢN SAO TRÍCH LỤC ÔNG TRẦN QUỐC VỸ")),
			lineOf(words(160, 1860, "Mã hồ sơ: 000.23.34.H66-261009-0228")),
		},
		want: "II. CHỮ IN HOA CÓ DẤU\nBÀ NGUYỄN THỊ HẰNG Ở PHƯỜNG BẾN NGHÉ\nBẢN SAO TRÍCH LỤC ÔNG TRẦN QUỐC VỸ\nIII. Mã hồ sơ\nMã hồ sơ: 000.23.34.H66-261009-0228",
	}, {
		// Columns of a list read one after the other do not overlap:
		// stacking is not theirs to undo.
		name: "columns read one after the other keep their order",
		lines: []Line{
			lineOf(words(300, 900, "Họ và tên")),
			lineOf(words(300, 970, "Trần Gia Ổn")),
			lineOf(words(900, 900, "Ngày sinh")),
			lineOf(words(900, 970, "29/03/1951")),
		},
		want: "Họ và tên\nTrần Gia Ổn\nNgày sinh\n29/03/1951",
	}, {
		// Boxes flat or missing must neither swap for ever nor move.
		name: "lines without height keep their order",
		lines: []Line{
			{Words: []Word{{Text: "một"}}},
			{Words: []Word{{Text: "hai"}}},
			{Words: []Word{{Text: "ba", Box: Box{300, 900, 400, 900}}}, Box: Box{300, 900, 400, 900}},
			{Words: []Word{{Text: "bốn", Box: Box{300, 900, 400, 900}}}, Box: Box{300, 900, 400, 900}},
		},
		want: "một\nhai\nba\nbốn",
	}} {
		t.Run(c.name, func(t *testing.T) {
			var text []string
			for _, l := range c.lines {
				text = append(text, lineText(l))
			}
			lines, got := BlockOrder(c.lines, strings.Join(text, "\n"))
			if got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
			if n := strings.Count(strings.ReplaceAll(got, "\n\n", "\n"), "\n") + 1; n != len(lines) {
				t.Errorf("%d lines for %d text lines", len(lines), n)
			}
		})
	}
	// A text that does not match the lines is left alone.
	l := []Line{lineOf(words(420, 200, "ỦY BAN"), words(1150, 200, "CỘNG HÒA"))}
	if _, got := BlockOrder(l, "something else"); got != "something else" {
		t.Errorf("mismatched text rewritten: %q", got)
	}
}
