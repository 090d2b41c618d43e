package syllable

import "testing"

func TestValid(t *testing.T) {
	tests := []struct {
		word string
		want bool
	}{
		// Onsets, glides and rhymes.
		{"Nguyễn", true}, {"nghiêng", true}, {"giữ", true}, {"gì", true}, {"gìn", true},
		{"giếng", true}, {"quốc", true}, {"quy", true}, {"quyết", true}, {"qua", true},
		{"quân", true}, {"hoà", true}, {"hòa", true}, {"khoẻ", true}, {"thuở", true},
		{"huỳnh", true}, {"xoong", true}, {"đường", true}, {"ươm", true}, {"yêu", true},
		{"ỦY", true}, {"BAN", true}, {"NHÂN", true}, {"DÂN", true}, {"tỉnh", true},
		{"Quảng", true}, {"Ngãi", true}, {"khuyết", true}, {"ở", true}, {"à", true},
		{"kỹ", true}, {"ký", true}, {"chuyển", true}, {"trường", true}, {"người", true},
		// Spelling rules: k/gh/ngh only before i, e, ê, y; c/ng never.
		{"kan", false}, {"ghà", false}, {"nghà", false}, {"ci", false}, {"nge", false},
		{"ke", true}, {"ghế", true}, {"nghề", true}, {"ca", true}, {"nga", true},
		// A stop coda takes only sắc or nặng.
		{"hát", true}, {"học", true}, {"việc", true}, {"hàt", false}, {"hảc", false}, {"hoc", false},
		// Two tone marks, letters that Vietnamese lacks, OCR debris.
		{"hoàá", false}, {"fax", false}, {"wifi", false}, {"ö", false}, {"kiềm", true},
		{"thn", false}, {"ii", false}, {"vÿ", false}, {"ảnhd", false}, {"Hung", true},
		{"", false}, {"q", false}, {"quu", false},
	}
	for _, tc := range tests {
		if got := Valid(tc.word); got != tc.want {
			t.Errorf("Valid(%q) = %v, want %v", tc.word, got, tc.want)
		}
	}
}

func TestScore(t *testing.T) {
	tests := []struct {
		text         string
		valid, words int
	}{
		{"Bà Nguyễn Thị Hằng ở phường Bến Nghé.", 8, 8},
		// Numbers, codes, abbreviations and list markers are not judged.
		{"Số: 89/QĐ-UBND ngày 16/01/2025 của UBND tỉnh; b) TTHC", 4, 4},
		// What a page read at the wrong resolution looks like.
		{"thuật viê ảnhd g km \\g 'giải", 2, 6},
		{"", 0, 0},
	}
	for _, tc := range tests {
		c := Score(tc.text)
		if c.Valid != tc.valid || c.Words != tc.words {
			t.Errorf("Score(%q) = %d/%d, want %d/%d", tc.text, c.Valid, c.Words, tc.valid, tc.words)
		}
	}
	if s := (Count{}).Share(); s != 1 {
		t.Errorf("empty share %v", s)
	}
}

func TestToned(t *testing.T) {
	for _, tc := range []struct {
		word string
		want bool
	}{
		{"thị", true}, {"Nguyễn", true}, {"HẰNG", true}, {"ở", true}, {"đà", true},
		{"thi", false}, {"dân", false}, {"phương", false}, {"ĐƠN", false}, {"", false},
		{"thi\u0323", true}, // NFD
	} {
		if got := Toned(tc.word); got != tc.want {
			t.Errorf("Toned(%q) = %v, want %v", tc.word, got, tc.want)
		}
	}
}
