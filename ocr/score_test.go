package ocr

import (
	"math"
	"strings"
	"testing"
)

func TestCER(t *testing.T) {
	// "Nguyễn" written with combining marks (NFD) as some scanners' text
	// layers and macOS file names produce it.
	nfd := "Nguye\u0302\u0303n Va\u0306n Đu\u031b\u0301c"
	tests := []struct {
		name      string
		got, want string
		cer, wer  float64
	}{
		{"identical", "Đơn đề nghị", "Đơn đề nghị", 0, 0},
		{"NFD equals NFC", nfd, "Nguyễn Văn Đức", 0, 0},
		{"whitespace and newlines folded", "  Giấy tiếp nhận\n\nhồ sơ\t và  hẹn trả \n", "Giấy tiếp nhận hồ sơ và hẹn trả", 0, 0},
		{"đ versus d is an error", "đơn đề nghị", "dơn đề nghị", 1.0 / 11, 1.0 / 3},
		{"marks stripped", "Don de nghi", "Đơn đề nghị", 5.0 / 11, 3.0 / 3},
		{"one wrong tone", "Đơn đê nghị", "Đơn đề nghị", 1.0 / 11, 1.0 / 3},
		{"case counts", "đơn", "Đơn", 1.0 / 3, 1},
		{"deletion", "Hà Nội", "Hà Nội ngày", 5.0 / 11, 1.0 / 3},
		{"insertion", "Hà Nội ngày 27", "Hà Nội ngày", 3.0 / 11, 1.0 / 3},
		{"nothing recognized", "", "Hà Nội", 1, 1},
		{"empty reference, empty output", " \n", "", 0, 0},
		{"empty reference, garbage output", "|| ~", "", 1, 1},
		{"longer than reference", "abcdef", "ab", 2, 1},
		{"dossier code", "000.00.31.H33-220804-0001", "000.00.31.H33-220804-0001", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CER(tt.got, tt.want); math.Abs(got-tt.cer) > 1e-9 {
				t.Errorf("CER(%q, %q) = %v, want %v", tt.got, tt.want, got, tt.cer)
			}
			if got := WER(tt.got, tt.want); math.Abs(got-tt.wer) > 1e-9 {
				t.Errorf("WER(%q, %q) = %v, want %v", tt.got, tt.want, got, tt.wer)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"kitten", "sitting", 3},
		{"sitting", "kitten", 3},
		{"flaw", "lawn", 2},
		{"ệ", "e", 1}, // NFC runes: one substitution
		{"thủ tục", "thủ tục hành chính", 11},
		{"abcabc", "abc", 3},
	}
	for _, tt := range tests {
		if got := EditDistance([]rune(tt.a), []rune(tt.b)); got != tt.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestEditDistanceBrute compares the two-row DP against a plain full-matrix
// recursion on small strings over a tiny alphabet, where edge cases abound.
func TestEditDistanceBrute(t *testing.T) {
	alpha := []rune("aăđ")
	var all []string
	var gen func(prefix []rune, n int)
	gen = func(prefix []rune, n int) {
		all = append(all, string(prefix))
		if n == 0 {
			return
		}
		for _, r := range alpha {
			gen(append(append([]rune(nil), prefix...), r), n-1)
		}
	}
	gen(nil, 4)
	for _, a := range all {
		for _, b := range all {
			if got, want := EditDistance([]rune(a), []rune(b)), fullMatrix([]rune(a), []rune(b)); got != want {
				t.Fatalf("EditDistance(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func fullMatrix(a, b []rune) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+c)
		}
	}
	return d[len(a)][len(b)]
}

func BenchmarkCERPage(b *testing.B) {
	want := strings.Repeat("Cộng hòa xã hội chủ nghĩa Việt Nam. Độc lập - Tự do - Hạnh phúc.\n", 45)
	got := strings.ReplaceAll(want, "ộ", "ô")
	b.ReportAllocs()
	for b.Loop() {
		CER(got, want)
	}
}
