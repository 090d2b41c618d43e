package engine

import (
	"slices"
	"strings"
	"testing"
	"unicode"

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
		{"not Vietnamese: no syllable rules", lost, 94, false, page, false, false},
		// A page in English read with the Vietnamese model at fair confidence:
		// flagged, but the other path would not make it Vietnamese.
		{"English page", strings.Repeat(english+" ", 3), 76, true, glyphSize{Height: 30, Count: 200}, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rd := judgeReading(words(tc.conf, tc.text), tc.text, tc.conf, tc.vietnamese)
			if why := rd.reviewReasons(tc.glyphs, 0); (len(why) > 0) != tc.doubtful {
				t.Errorf("review reasons %v, want some: %v (share %.2f of %d, letters %d)", why, tc.doubtful, rd.share(), rd.judged, rd.letters)
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

// TestReviewReasons: each sign of a reading that lost or made up text
// flags the page with its reason, and a page read whole and surely is not
// flagged. Each case fails without its rule (the page is otherwise
// plausible: Vietnamese syllables read with good confidence).
func TestReviewReasons(t *testing.T) {
	sentence := "Bà Nguyễn Thị Hằng ở phường Bến Nghé đã gửi đơn đề nghị cấp bản sao trích lục khai sinh."
	page := strings.Repeat(sentence+" ", 10) // 200 words, 740 letters
	letters := 0
	for _, r := range page {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			letters++
		}
	}
	whole := glyphSize{Height: 30, Count: letters}
	unsure := func(share float64) []ocr.Line {
		l := words(93, page)
		n := int(share * float64(len(l[0].Words)))
		for i := range n {
			l[0].Words[i].Confidence = 40
		}
		return l
	}
	tests := []struct {
		name         string
		lines        []ocr.Line
		glyphs       glyphSize
		disagreement float64
		want         []string
		conf         float64 // the page's mean confidence; 93 when 0
	}{
		{"read whole and surely", words(93, page), whole, 0, nil, 0},
		{"read whole, fair confidence only (handwriting read once)", words(89, page), whole, 0, []string{ocr.ReasonLowConfidence}, 89},
		{"read twice, readings close (a fax)", words(93, page), whole, 0.19, nil, 0},
		{"tiny print: more letters than shapes", words(93, page), glyphSize{Height: 8, Count: letters / 2}, 0, nil, 0},
		{"half the text skipped (a dark photo)", words(93, page), glyphSize{Height: 30, Count: letters * 2}, 0, []string{ocr.ReasonLettersLost}, 0},
		{"readings far apart (handwriting over print)", words(93, page), whole, 0.35, []string{ocr.ReasonReadingsDisagree}, 0},
		{"a few unsure words", unsure(0.05), whole, 0, nil, 0},
		{"one word in seven unsure (handwriting over print)", unsure(0.15), whole, 0, []string{ocr.ReasonUnsureWords}, 0},
		{"not Vietnamese", words(93, strings.Repeat("Свидетельства года брак записи дел ", 20)), whole, 0, []string{ocr.ReasonFewSyllables}, 0},
		{"two signs at once", unsure(0.5), glyphSize{Height: 30, Count: letters * 3}, 0.5,
			[]string{ocr.ReasonLettersLost, ocr.ReasonUnsureWords, ocr.ReasonReadingsDisagree}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := ""
			for _, w := range tc.lines[0].Words {
				text += w.Text + " "
			}
			conf := tc.conf
			if conf == 0 {
				conf = 93
			}
			rd := judgeReading(tc.lines, text, conf, true)
			if got := rd.reviewReasons(tc.glyphs, tc.disagreement); !slices.Equal(got, tc.want) {
				t.Errorf("reasons %v, want %v (share %.2f, unsure %.2f, letters per shape %.2f)", got, tc.want,
					rd.share(), rd.unsureShare(), rd.letterRatio(tc.glyphs))
			}
		})
	}
}
