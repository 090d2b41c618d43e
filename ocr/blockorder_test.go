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
