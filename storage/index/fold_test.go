package index

import (
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestFold(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Nguyễn Thị Thủy Tiên", "nguyen thi thuy tien"},
		{"NGUYEN THI THUY TIEN", "nguyen thi thuy tien"},
		{"nguyen thi thuy tien", "nguyen thi thuy tien"},
		{"NGUYỄN THỊ THỦY TIÊN", "nguyen thi thuy tien"},
		{norm.NFD.String("Nguyễn Thị Thủy Tiên"), "nguyen thi thuy tien"},
		{"Đường", "duong"},
		{"đường Điện Biên Phủ", "duong dien bien phu"},
		{"Giấy chứng nhận quyền sử dụng đất", "giay chung nhan quyen su dung dat"},
		{"Hồ Chí Minh", "ho chi minh"},
		{"ƯU ĐÃI", "uu dai"},
		{"Ơn", "on"},
		{"Số: 123/QĐ-UBND", "so: 123/qd-ubnd"},
		{"e\u0301", "e"}, // NFD acute
		{"\u0301x", "x"}, // stray combining mark
		{"ð", "d"},       // OCR look-alike of đ
		{"", ""},
	} {
		if got := Fold(tc.in); got != tc.want {
			t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFoldSameForms(t *testing.T) {
	// Every spelling of a name folds the same, and their words match.
	forms := []string{"Nguyễn Thị Thủy Tiên", "NGUYEN THI THUY TIEN", "nguyen thi thuy tien",
		norm.NFD.String("Nguyễn Thị Thủy Tiên"), norm.NFKD.String("NGUYỄN THỊ THỦY TIÊN")}
	for _, f := range forms[1:] {
		if Fold(f) != Fold(forms[0]) {
			t.Errorf("Fold(%q) = %q, want %q", f, Fold(f), Fold(forms[0]))
		}
	}
}

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"Mã hồ sơ: 000.00.31.H33-220804-0001.", "ma ho so 000 00 31 h33 220804 0001"},
		{"  Đ/c: số 12, đường Lê Lợi\nP. Bến Nghé ", "d c so 12 duong le loi p ben nghe"},
	} {
		if got := indexText(tc.in); got != tc.want {
			t.Errorf("indexText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFoldOffsets(t *testing.T) {
	// Every folded rune points back at the original rune it came from.
	f := fold(norm.NFD.String("Đặng Văn Ẩn"))
	if string(f.orig) != "Đặng Văn Ẩn" {
		t.Fatalf("orig = %q, want NFC", string(f.orig))
	}
	if string(f.runes) != "dang van an" {
		t.Fatalf("runes = %q", string(f.runes))
	}
	for i, j := range f.from {
		if j != i {
			t.Fatalf("from[%d] = %d, want %d (Vietnamese folds one rune to one)", i, j, i)
		}
	}
}

func BenchmarkFold(b *testing.B) {
	text := "Ủy ban nhân dân phường Bến Nghé, quận 1, thành phố Hồ Chí Minh. Giấy chứng nhận đăng ký hộ kinh doanh số 41A8012345 cấp cho bà Nguyễn Thị Thủy Tiên, sinh ngày 12/03/1985. "
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		indexText(text)
	}
}
