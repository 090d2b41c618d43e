package engine

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/syllable"
	"golang.org/x/text/unicode/norm"
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
		{"read whole at fair confidence only (a blurred page)", good, 89, true, page, true, true},
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
			if why := rd.reviewReasons(tc.glyphs, 0, tableSigns{}, 0); (len(why) > 0) != tc.doubtful {
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
	// It is read as it came too (voteOwn) only when the kept reading stays
	// doubtful: that costs a third of a page's reading.
	if rd.doubtful() {
		t.Error("an enlarged page read whole and surely is read as it came too")
	}
	if fair := judgeReading(words(89, good), good, 89, true); !fair.doubtful() {
		t.Error("an enlarged page read at fair confidence only is not read as it came")
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
	// The page with the tone marks of its open syllables gone, as blur
	// and a coarse fax take them (syllables closed by p, t, c or ch keep
	// theirs, or they would stop being syllables).
	untoned := stripTones(page)
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
		table        tableSigns
		lostInk      int
	}{
		{"read whole and surely", words(93, page), whole, 0, nil, 0, tableSigns{}, 0},
		{"read whole, fair confidence only (handwriting read once)", words(89, page), whole, 0, []string{ocr.ReasonLowConfidence}, 89, tableSigns{}, 0},
		{"read twice, readings close (a fax)", words(93, page), whole, 0.19, nil, 0, tableSigns{}, 0},
		{"tiny print: more letters than shapes", words(93, page), glyphSize{Height: 8, Count: letters / 2}, 0, nil, 0, tableSigns{}, 0},
		{"half the text skipped (a dark photo)", words(93, page), glyphSize{Height: 30, Count: letters * 2}, 0, []string{ocr.ReasonLettersLost}, 0, tableSigns{}, 0},
		{"readings far apart (handwriting over print)", words(93, page), whole, 0.35, []string{ocr.ReasonReadingsDisagree}, 0, tableSigns{}, 0},
		{"a few unsure words", unsure(0.05), whole, 0, nil, 0, tableSigns{}, 0},
		{"one word in seven unsure (handwriting over print)", unsure(0.15), whole, 0, []string{ocr.ReasonUnsureWords}, 0, tableSigns{}, 0},
		{"not Vietnamese", words(93, strings.Repeat("Свидетельства года брак записи дел ", 20)), whole, 0, []string{ocr.ReasonFewSyllables}, 0, tableSigns{}, 0},
		{"two signs at once", unsure(0.5), glyphSize{Height: 30, Count: letters * 3}, 0.5,
			[]string{ocr.ReasonLettersLost, ocr.ReasonUnsureWords, ocr.ReasonReadingsDisagree}, 0, tableSigns{}, 0},
		{"tone marks lost (a blurred scan)", words(93, untoned), whole, 0, []string{ocr.ReasonMarksLost}, 0, tableSigns{}, 0},
		{"one table cell with ink unread (a signature)", words(93, page), whole, 0, nil, 0, tableSigns{unread: 1}, 0},
		{"table rows skipped (a faxed list)", words(93, page), whole, 0, []string{ocr.ReasonLettersLost}, 0, tableSigns{unread: 5}, 0},
		{"two words a table's grid runs through", words(93, page), whole, 0, nil, 0, tableSigns{doubts: 2}, 0},
		{"a table's cells not lined up with its text (a column rule missed)", words(93, page), whole, 0,
			[]string{ocr.ReasonTableUnsure}, 0, tableSigns{doubts: 7}, 0},
		{"a letter on a line left unread (a list marker's digit)", words(93, page), whole, 0, []string{ocr.ReasonLettersLost}, 0, tableSigns{}, 1},
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
			if got := rd.reviewReasons(tc.glyphs, tc.disagreement, tc.table, tc.lostInk); !slices.Equal(got, tc.want) {
				t.Errorf("reasons %v, want %v (share %.2f, unsure %.2f, letters per shape %.2f)", got, tc.want,
					rd.share(), rd.unsureShare(), rd.letterRatio(tc.glyphs))
			}
		})
	}
}

// TestBeats: of two readings of one page, the one that read more of the
// text plausibly is kept; confidence and syllables alone judge only the
// words that were read. The first case fails when readings are compared
// by plausibility alone.
func TestBeats(t *testing.T) {
	sentence := "Bà Nguyễn Thị Hằng ở phường Bến Nghé đã gửi đơn đề nghị cấp bản sao trích lục khai sinh. "
	page := strings.Repeat(sentence, 10)            // 200 words
	fewer := strings.Repeat(sentence, 8)            // lines under handwriting skipped
	dirt := strings.Repeat("ỉlll ;ịĩ: ", 30)        // streaks and specks read as words
	column := strings.Repeat("7 040062313112 ", 20) // a table's STT and ID-number columns
	tests := []struct {
		name         string
		a, b         string
		confA, confB float64
		vietnamese   bool
		aWins        bool
	}{
		{"lines skipped, the rest read a little more surely", page, fewer, 84, 86, true, true},
		{"same text read more surely", page, page, 90, 86, true, true},
		{"same text read less surely", page, page, 86, 90, true, false},
		{"near tie: neither beats", page, page, 90, 89.5, true, false},
		{"dirt read as words gains nothing", page, page + dirt, 90, 90, true, true},
		{"a column of numbers skipped, the rest read a little more surely", page + column, page, 90, 91, true, true},
		{"not Vietnamese: more words read surely", page, fewer, 84, 86, false, true},
		{"not Vietnamese: as many words, more surely", page, page, 84, 86, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := judgeReading(words(tc.confA, tc.a), tc.a, tc.confA, tc.vietnamese)
			b := judgeReading(words(tc.confB, tc.b), tc.b, tc.confB, tc.vietnamese)
			if got := a.beats(b); got != tc.aWins {
				t.Errorf("a beats b = %v, want %v (plausibility %.3f / %.3f, plausible words %d / %d)", got, tc.aWins,
					a.plausibility(), b.plausibility(), a.plausible, b.plausible)
			}
			if tc.aWins && b.beats(a) {
				t.Error("b beats a too")
			}
		})
	}
}

// TestHandwritingOverPrint: dark handwriting across the print (gen -preset
// hard, h0005). On seed 5 the page without clean-up reads only the lines
// between the strokes, fairly surely (37% CER), the cleaned page all lines
// less surely (25%); keeping the first by plausibility alone made sohoa
// read worse than bare Tesseract (38.8% against 35.4%), which the issue
// forbids by more than a point. On seed 18 either reading alone was a
// point worse than bare Tesseract (48.2% against 47.1%): each lost words
// under the strokes that the other kept, and only their vote word by word
// comes under it. The page is flagged either way.
func TestHandwritingOverPrint(t *testing.T) {
	for _, seed := range []string{"5", "18"} {
		// Hard pages come tiny, blur, fax, dark, scrawl...: h0005 is the scrawl.
		pg, res := recognizeLastGenerated(t, "h0005.jpg", "-seed", seed, "-preset", "hard", "-n", "5")
		cmd := exec.Command("tesseract", pg.path(), "-", "-l", "vie")
		cmd.Env = append(cmd.Environ(), "OMP_THREAD_LIMIT=1")
		bare, err := cmd.Output()
		if err != nil {
			t.Fatalf("tesseract: %v", err)
		}
		ours, theirs := ocr.CER(res.Text, pg.Text), ocr.CER(string(bare), pg.Text)
		t.Logf("seed %s: CER sohoa %.2f%% (second reading %v, conf %.1f, reasons %v), bare tesseract %.2f%%", seed, 100*ours,
			res.SecondReading, res.Confidence, res.ReviewReasons, 100*theirs)
		if ours > theirs+0.01 {
			t.Errorf("seed %s: CER %.2f%%, more than 1 point worse than bare tesseract's %.2f%%", seed, 100*ours, 100*theirs)
		}
		if !res.NeedsReview {
			t.Errorf("seed %s: not flagged", seed)
		}
	}
}

// TestBlurredPage: out-of-focus scans (gen -preset hard, blur sigma 2-3.5
// px at 300 dpi) read within a point of CER of bare Tesseract. Leptonica's
// usual background normalization took the grey fringe of the letters for
// paper and washed out their dots, commas and diacritics, and the grey
// page masked by the thresholded one lost the rest: seed 9's h0008 read
// once at 8.6% (bare Tesseract 0.5%), seed 11's h0002 at 4.3% at
// confidence 92, unflagged (bare Tesseract 1.2%).
func TestBlurredPage(t *testing.T) {
	// Hard pages come tiny, blur, fax, dark, scrawl, foreign: h0002 and
	// h0008 are blurs.
	for _, tc := range []struct {
		image, seed string
		n           string
		tesseract   float64 // bare `tesseract FILE - -l vie`
	}{
		{"h0008.jpg", "9", "8", 0.0052},
		{"h0002.jpg", "11", "2", 0.0123},
	} {
		pg, res := recognizeLastGenerated(t, tc.image, "-seed", tc.seed, "-preset", "hard", "-n", tc.n)
		cer := ocr.CER(res.Text, pg.Text)
		t.Logf("seed %s %s: CER %.2f%% (second reading %v, conf %.1f, reasons %v)", tc.seed, tc.image, 100*cer, res.SecondReading, res.Confidence, res.ReviewReasons)
		if cer > tc.tesseract+0.01 {
			t.Errorf("seed %s %s: CER %.2f%%, want <= %.2f%% (bare Tesseract %.2f%% + 1 point)", tc.seed, tc.image, 100*cer, 100*(tc.tesseract+0.01), 100*tc.tesseract)
		}
	}
}

// TestSharpTable: a sharp ruled table is read with Leptonica's usual
// normalization, not the blurred pages' wide tiles, which took its ruled
// cells for paper and its filled-in values for strokes to drop (seed 7's
// clean table read 9.2% instead of 0.5%).
func TestSharpTable(t *testing.T) {
	pg, res := recognizeLastGenerated(t, "t0001-clean.jpg", "-seed", "7", "-preset", "table", "-n", "1")
	cer := ocr.CER(res.Text, pg.Text)
	t.Logf("seed 7 t0001-clean.jpg: CER %.2f%%", 100*cer)
	if cer > 0.02 {
		t.Errorf("seed 7 t0001-clean.jpg: CER %.2f%%, want <= 2%%", 100*cer)
	}
}

// TestSideways: a reading whose words stand taller than wide was read
// down a sideways page (a faxed table turned a quarter read at confidence
// 94); a page read across, or with too few words to tell, is not.
func TestSideways(t *testing.T) {
	across := func(text string) []ocr.Line { // 30-px letters, left to right
		var l ocr.Line
		x := 100
		for _, w := range strings.Fields(text) {
			n := utf8.RuneCountInString(w)
			l.Words = append(l.Words, ocr.Word{Text: w, Box: ocr.Box{X0: x, Y0: 100, X1: x + 22*n, Y1: 140}, Confidence: 94})
			x += 22*n + 15
		}
		return []ocr.Line{l}
	}
	down := func(text string) []ocr.Line { // the same read down the page
		var l ocr.Line
		y := 100
		for _, w := range strings.Fields(text) {
			n := utf8.RuneCountInString(w)
			l.Words = append(l.Words, ocr.Word{Text: w, Box: ocr.Box{X0: 100, Y0: y, X1: 140, Y1: y + 22*n}, Confidence: 94})
			y += 22*n + 15
		}
		return []ocr.Line{l}
	}
	sentence := "Số 79, ngõ 67 phố Lê Thánh Tông, phường Hồng Gai, tỉnh Quảng Ninh đăng ký thành lập hộ kinh doanh"
	dates := "10/02/1995 28/07/1983 13/04/2001 20/12/1995 28/12/1996 022095457026 022183026335 022301306973"
	tests := []struct {
		name  string
		lines []ocr.Line
		want  bool
	}{
		{"read across", across(sentence), false},
		{"read down", down(sentence), true},
		{"dates and numbers read down", down(dates), true},
		{"a column of short words", down("1 2 3 4 5 6 7 8 9 10 Số Lê"), false},
		{"a few words read down", down("Quảng Ninh Hồng Gai"), false},
		{"mostly across, a label down the margin", append(across(sentence), down("Bản sao")...), false},
		{"nothing read", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sideways(tc.lines); got != tc.want {
				t.Errorf("sideways = %v, want %v", got, tc.want)
			}
		})
	}
}

// stripTones takes the tone marks off the words of text that stay
// Vietnamese syllables without them.
func stripTones(text string) string {
	var out []string
	for _, w := range strings.Fields(text) {
		var b strings.Builder
		for _, r := range norm.NFD.String(w) {
			if !strings.ContainsRune("\u0300\u0301\u0303\u0309\u0323", r) {
				b.WriteRune(r)
			}
		}
		if bare := norm.NFC.String(b.String()); syllable.Judge(bare) == syllable.Syllable {
			w = bare
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// TestMarksLost: a reading whose syllables lost their tone marks is read
// again and flagged; ordinary Vietnamese, and a page with too few
// syllables to tell, are not.
func TestMarksLost(t *testing.T) {
	sentence := "Bà Nguyễn Thị Hằng ở phường Bến Nghé đã gửi đơn đề nghị cấp bản sao trích lục khai sinh. "
	page := strings.Repeat(sentence, 5)
	tests := []struct {
		name string
		text string
		want bool
	}{
		{"read right", page, false},
		{"marks lost", stripTones(page), true},
		{"a third of the page lost its marks", strings.Repeat(sentence+sentence+stripTones(sentence), 2), false},
		{"too few syllables to tell", stripTones(sentence), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rd := judgeReading(words(95, tc.text), tc.text, 95, true)
			if got := rd.marksLost(); got != tc.want {
				t.Errorf("marksLost = %v, want %v (%d of %d syllables toned)", got, tc.want, rd.toned, rd.valid)
			}
			if got := rd.hard(resolution{dpi: 300, source: dpiFromFile, upscale: 1}); got != tc.want {
				t.Errorf("hard = %v, want %v", got, tc.want)
			}
		})
	}
}
