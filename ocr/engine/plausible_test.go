package engine

import (
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ocr"
)

func words(conf float64, text string) []ocr.Line {
	var l ocr.Line
	for _, w := range strings.Fields(text) {
		l.Words = append(l.Words, ocr.Word{Text: w, Confidence: conf})
	}
	return []ocr.Line{l}
}

// TestDoubtfulReading: a reading that lost its letters is flagged even
// when Tesseract is confident about it, and a good one is not.
func TestDoubtfulReading(t *testing.T) {
	good := "Bà Nguyễn Thị Hằng ở phường Bến Nghé đã gửi đơn đề nghị cấp bản sao trích lục khai sinh."
	// What the 72-dpi check sheet read as before its resolution was measured.
	lost := "'Người kiếm tra: Vũ Trọng Hùng. Chữ th \\g Trần Quốc Vÿ nộp /ềt :chữkýcủa thuật viê ảnhd g km ii nh vt"
	english := "The quick brown fox jumped over the lazy dogs while LinnSequencer played music"
	page := glyphSize{Height: 30, Count: 100} // as many letter shapes as these texts have letters
	tests := []struct {
		name       string
		text       string
		conf       float64
		vietnamese bool
		glyphs     glyphSize
		doubtful   bool
		hard       bool
	}{
		{"good Vietnamese", good, 93, true, page, false, false},
		{"letters lost, confidence high", lost, 84, true, page, true, true},
		{"English read confidently", english, 92, true, page, false, false},
		{"English read poorly", english, 60, true, page, true, true},
		{"few letters for a full page", "Bà Nguyễn Thị Hằng", 95, true, glyphSize{Height: 30, Count: 900}, true, false},
		{"not Vietnamese: no syllable rules", lost, 84, false, page, false, true},
		// A page in English read with the Vietnamese model at fair confidence:
		// flagged, but the other path would not make it Vietnamese.
		{"English page", strings.Repeat(english+" ", 3), 76, true, glyphSize{Height: 30, Count: 200}, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rd := judgeReading(words(tc.conf, tc.text), tc.text, tc.conf, tc.vietnamese)
			if got := rd.doubtful(tc.glyphs); got != tc.doubtful {
				t.Errorf("doubtful = %v, want %v (share %.2f of %d, letters %d)", got, tc.doubtful, rd.share(), rd.judged, rd.letters)
			}
			if got := rd.hard(resolution{dpi: 300, source: dpiFromFile, upscale: 1}); got != tc.hard {
				t.Errorf("hard = %v, want %v (share %.2f)", got, tc.hard, rd.share())
			}
		})
	}
	// A page whose letters had to be enlarged is always read twice.
	rd := judgeReading(words(95, good), good, 95, true)
	if !rd.hard(resolution{dpi: 82, source: dpiFromLetters, upscale: 3.3}) {
		t.Error("an enlarged page was not read twice")
	}
}
