package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
	"github.com/sohoa/sohoa/ocr"
)

// TestLostListDigits: on a phone photo of a reception slip (desk preset,
// seed 10, p0009), the page reading left the digits of its bold numbered
// list out of half the items (". Số lượng hồ sơ", "2." read ".") and read
// them as a block of their own down the column ("xi +> N"), at confidence
// 95, unflagged: 1.2% CER where bare Tesseract reads 0.1%. The ink no
// word covered is found, those lines are read again alone, the digits go
// in and the column's debris goes.
func TestLostListDigits(t *testing.T) {
	dir := t.TempDir()
	sohoatest.Generate(t, dir, "-seed", "10", "-preset", "desk", "-n", "9")
	tp, data := readPage(t, dir, "p0009")
	res, _, err := sharedPool().Recognize(context.Background(), ocr.Input{Name: tp.Image, Data: data, Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	cer := ocr.CER(res.Text, tp.Text)
	t.Logf("conf %.1f review %v %v CER %.2f%% evidence %+v", res.Confidence, res.NeedsReview, res.ReviewReasons, 100*cer, res.Evidence)
	for n, item := range []string{"1. Thành phần", "2. Số lượng", "3. Thời gian giải", "4. Thời gian nhận", "5. Thời gian trả", "6. Phí", "7. Đăng ký"} {
		if !strings.Contains(res.Text, item) {
			t.Errorf("item %d not read whole: %q missing", n+1, item)
		}
	}
	if cer > 0.005 {
		t.Errorf("CER %.2f%%, want <= 0.5%%", 100*cer)
	}
	if res.Evidence == nil || res.Evidence.LostInk != 0 {
		t.Errorf("letters left unread: %+v", res.Evidence)
	}
}

// TestListNumbers: the row numbers of a ruled list ("STT": 1, 2, 3, one
// digit a cell far left of the names) that the page reading skipped are
// read again cell by cell and put in their rows. Seed 6's clean table
// lost its "1" (2.1% CER, unflagged) and seed 1's most of its numbers
// (6.4%): a lone digit has far less ink than the two letters a cell
// needed to count as unread, so nothing noticed.
func TestListNumbers(t *testing.T) {
	for _, tc := range []struct {
		seed, image string
		maxCER      float64
	}{
		{"6", "t0001-clean.jpg", 0.005},
		{"1", "t0001-clean.png", 0.015},
	} {
		dir := t.TempDir()
		sohoatest.Generate(t, dir, "-seed", tc.seed, "-preset", "table", "-n", "1")
		pg := loadPages[deskPage](t, dir)[0]
		if pg.Image != tc.image {
			t.Fatalf("page %s, want %s", pg.Image, tc.image)
		}
		res, _, err := recognizeFile(sharedPool(), pg.Image, pg.path())
		if err != nil {
			t.Fatal(err)
		}
		cer := ocr.CER(res.Text, pg.Text)
		whole := rowsWhole(res.Text, pg.TableRows)
		t.Logf("seed %s %s: CER %.2f%%, rows whole %d/%d, review %v %+v", tc.seed, tc.image, 100*cer, whole, len(pg.TableRows), res.ReviewReasons, res.Evidence)
		if cer > tc.maxCER {
			t.Errorf("seed %s %s: CER %.2f%%, want <= %.1f%%", tc.seed, tc.image, 100*cer, 100*tc.maxCER)
		}
		// Each row's number, then its first cell's first word, in the
		// reading put on one line.
		text := " " + strings.Join(strings.Fields(norm.NFC.String(res.Text)), " ") + " "
		numbered := 0
		for _, row := range pg.TableRows {
			f := strings.Fields(norm.NFC.String(row))
			if len(f) < 2 || f[0] != fmt.Sprint(numbered+1) {
				continue
			}
			numbered++
			if !strings.Contains(text, " "+f[0]+" "+f[1]+" ") {
				t.Errorf("seed %s %s: row %q not read with its number", tc.seed, tc.image, row)
			}
		}
		if numbered < 3 {
			t.Fatalf("seed %s %s: %d numbered rows in %q, want a list", tc.seed, tc.image, numbered, pg.TableRows)
		}
		if res.Evidence == nil || res.Evidence.UnreadCells != 0 {
			t.Errorf("seed %s %s: cells left unread: %+v", tc.seed, tc.image, res.Evidence)
		}
	}
}

// TestLoneGlyph: a lone glyph read as a line and as a word is taken when
// the two agree, else as the surer reading when it is sure enough; an
// unsure disagreement gives nothing.
func TestLoneGlyph(t *testing.T) {
	w := func(text string, conf float64) []ocr.Word {
		return []ocr.Word{{Text: text, Box: ocr.Box{X0: 10, Y0: 10, X1: 30, Y1: 50}, Confidence: conf}}
	}
	for _, tc := range []struct {
		name       string
		line, word []ocr.Word
		want       string
		conf       float64
	}{
		{"agree, unsure as a word", w("3", 97), w("3", 41), "3", 97},
		{"agree, both unsure", w("5", 76), w("5", 49), "5", 76},
		{"line wrong, word sure", w("B", 86), w("2", 94), "2", 94},
		{"line lost, word sure enough", w("jU", 54), w("1", 85), "1", 85},
		{"word debris, line sure", w("4", 97), w("cÁC", 2), "4", 97},
		{"word empty, line sure", w("4", 96), nil, "4", 96},
		{"both unsure and apart", w("B", 61), w("3", 68), "", 0},
		{"nothing read", nil, nil, "", 0},
	} {
		got := loneGlyph(tc.line, tc.word)
		switch {
		case tc.want == "" && len(got) != 0:
			t.Errorf("%s: %+v, want nothing", tc.name, got)
		case tc.want != "" && (len(got) != 1 || got[0].Text != tc.want || got[0].Confidence != tc.conf):
			t.Errorf("%s: %+v, want %q at %.0f", tc.name, got, tc.want, tc.conf)
		}
	}
}
