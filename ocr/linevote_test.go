package ocr

import (
	"strings"
	"testing"
)

// vline makes a line of words at height y (boxes 20 high), each word
// "text@confidence" 10 units wide per rune, from x on, 10 apart.
func vline(x, y int, words ...string) Line {
	var l Line
	for _, w := range words {
		text, conf := w, 95.0
		if i := strings.LastIndex(w, "@"); i > 0 {
			text = w[:i]
			conf = 0
			for _, c := range w[i+1:] {
				conf = conf*10 + float64(c-'0')
			}
		}
		n := len([]rune(text))
		l.Words = append(l.Words, Word{Text: text, Box: Box{x, y, x + 10*n, y + 20}, Confidence: conf})
		x += 10*n + 10
	}
	l.Box = wordsBox(l.Words)
	return l
}

// half maps a line to the coordinates of the page at half the size.
func half(l Line) Line {
	for i := range l.Words {
		b := &l.Words[i].Box
		*b = Box{b.X0 / 2, b.Y0 / 2, b.X1 / 2, b.Y1 / 2}
	}
	l.Box = wordsBox(l.Words)
	return l
}

func TestVoteLines(t *testing.T) {
	tests := []struct {
		name        string
		base        []Line
		text        string // "" joins base's lines with "\n"
		other       []Line // in base's coordinates; given at half size
		want        string
		wantLines   int
		wantChanged bool
	}{
		{
			name:  "a misread line takes the surer reading's words",
			base:  []Line{vline(0, 0, "Ngày", "hẹn"), vline(0, 40, "trả@90", "kêt@40", "qua@50")},
			other: []Line{vline(0, 0, "Ngày@80", "hẹn@80"), vline(0, 40, "trả@90", "kết@95", "quả@95")},
			want:  "Ngày hẹn\ntrả kết quả", wantLines: 2,
		},
		{
			// Lines read in pieces and out of order (the page as it came,
			// a fax with streaks): the enlarged reading's order stays, each
			// line takes the pieces that fall in it, left to right.
			name: "the base's reading order stays, pieces are put together",
			base: []Line{vline(0, 0, "Số@50", "định@50", "danh@50"), vline(0, 40, "Địa", "chỉ")},
			other: []Line{vline(0, 40, "Địa", "chỉ"), vline(80, 0, "danh"),
				vline(0, 0, "Số", "định")},
			want: "Số định danh\nĐịa chỉ", wantLines: 2,
		},
		{
			// Each reading misread other words of the line: each word comes
			// from the reading that read it more surely.
			name:  "word by word, the surer reading of each",
			base:  []Line{vline(0, 0, "Thời", "giản@50", "giải", "quyết")},
			other: []Line{vline(0, 0, "Thởi@60", "gian", "giải@70", "quyết")},
			want:  "Thời gian giải quyết", wantLines: 1,
		},
		{
			// A word both read as one the other read as two covers the same
			// ink: the surer side of the run is kept whole.
			name:  "one word against two",
			base:  []Line{vline(0, 0, "đường@50"), vline(0, 40, "số", "lượng")},
			other: []Line{vline(0, 0, "đư@90", "ờng@90"), vline(0, 40, "số", "lượng")},
			want:  "đư ờng\nsố lượng", wantLines: 2,
		},
		{
			name:  "a speck only one reading saw is left out",
			base:  []Line{vline(0, 0, "Họ", "và", "tên", "ii@30")},
			other: []Line{vline(0, 0, "Họ", "và", "tên")},
			want:  "Họ và tên", wantLines: 1,
		},
		{
			name:  "a line that lost letters takes the one that kept them",
			base:  []Line{vline(0, 0, "Số", "đnh@60", "danh:")},
			other: []Line{vline(0, 0, "Số@90", "định@90", "danh:@90")},
			want:  "Số định danh:", wantLines: 1,
		},
		{
			name:  "a less sure reading changes nothing",
			base:  []Line{vline(0, 0, "Phí,", "lệ", "phí")},
			other: []Line{vline(0, 0, "Phi,@70", "lê@60", "phi@70")},
			want:  "Phí, lệ phí", wantLines: 1,
		},
		{
			// Text the enlarged reading skipped (a heading lost under a
			// streak) comes in where it stands on the page.
			name:  "a line only the other reading saw, read surely, comes in",
			base:  []Line{vline(0, 40, "BIÊN", "NHẬN"), vline(0, 80, "Số", "biên", "nhận")},
			other: []Line{vline(0, 0, "ỦY", "BAN", "NHÂN", "DÂN")},
			text:  "BIÊN NHẬN\n\nSố biên nhận",
			want:  "ỦY BAN NHÂN DÂN\n\nBIÊN NHẬN\n\nSố biên nhận", wantLines: 3,
		},
		{
			name:  "specks read as marks do not come in",
			base:  []Line{vline(0, 40, "BIÊN", "NHẬN")},
			other: []Line{vline(0, 0, "ii@40", "l.@30", "iI@50")},
			want:  "BIÊN NHẬN", wantLines: 1,
		},
		{
			name:  "a text that is not the lines is left as it is",
			base:  []Line{vline(0, 0, "kêt@40")},
			other: []Line{vline(0, 0, "kết@95")},
			text:  "something else",
			want:  "something else", wantLines: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := tt.text
			if text == "" {
				var ts []string
				for _, l := range tt.base {
					ts = append(ts, lineText(l))
				}
				text = strings.Join(ts, "\n")
			}
			var other []Line
			for _, l := range tt.other {
				other = append(other, half(l))
			}
			lines, got := VoteLines(tt.base, text, other, 2)
			if got != tt.want {
				t.Errorf("text %q, want %q", got, tt.want)
			}
			if len(lines) != tt.wantLines {
				t.Errorf("%d lines, want %d", len(lines), tt.wantLines)
			}
			if tt.text == "" {
				if _, ok := splitText(lines, got); !ok {
					t.Errorf("the text is not the lines")
				}
			}
		})
	}
}
