package engine

import (
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ocr"
)

// The rules of faintRuledPage's table.
var (
	faintRows = []int{200, 400, 600, 800}
	faintCols = []int{200, 500, 900, 1400}
)

// faintRuledPage is a 300-dpi grey page of paper with a 3×3 ruled table
// (faintRows and faintCols) whose rules are grey at rule (on a
// low-resolution copy enlarged for recognition, thin grey rules spread
// into a pale band the ink threshold drops) and black letter-like marks
// in its cells.
func faintRuledPage(paper, rule uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, 1600, 1400))
	for i := range img.Pix {
		img.Pix[i] = paper
	}
	rows, cols := faintRows, faintCols
	drawRules(img, rule, -1)
	// Two lines of "letters" (20×30, 4-px strokes) in each cell.
	for r := range len(rows) - 1 {
		for c := range len(cols) - 1 {
			for l := range 2 {
				y0 := rows[r] + 40 + 60*l
				for x0 := cols[c] + 30; x0+20 < cols[c+1]-30; x0 += 28 {
					for y := y0; y < y0+30; y++ {
						for x := x0; x < x0+20; x++ {
							if x-x0 < 4 || y-y0 < 4 || x0+20-x <= 4 {
								img.SetGray(x, y, color.Gray{30})
							}
						}
					}
				}
			}
		}
	}
	return img
}

// drawRules draws the 3-px rules of faintRuledPage's table in grey v on
// img, all but the column rule at x = skip.
func drawRules(img *image.Gray, v uint8, skip int) {
	for _, y := range faintRows {
		for x := faintCols[0]; x <= faintCols[len(faintCols)-1]+2; x++ {
			for d := range 3 {
				img.SetGray(x, y+d, color.Gray{v})
			}
		}
	}
	for _, x := range faintCols {
		if x == skip {
			continue
		}
		for y := faintRows[0]; y <= faintRows[len(faintRows)-1]+2; y++ {
			for d := range 3 {
				img.SetGray(x+d, y, color.Gray{v})
			}
		}
	}
}

// TestFindTablesFaintRules: a table whose rules are too faint for the
// ink threshold is found on the grey page thresholded nearer white; a
// table showing through from the back of the sheet, fainter still, is
// no table, nor is a faint grid that cuts the words read (the noise of a
// dim photo).
func TestFindTablesFaintRules(t *testing.T) {
	// Words read across the column rule at faintCols[2], one a row.
	var cut []ocr.Line
	var cutText []string
	for r := range len(faintRows) - 1 {
		y := faintRows[r] + 40
		w := ocr.Word{Text: "Giao", Box: ocr.Box{X0: 800, Y0: y, X1: 1000, Y1: y + 30}, Confidence: 95}
		cut = append(cut, ocr.Line{Words: []ocr.Word{w}, Box: w.Box})
		cutText = append(cutText, w.Text)
	}
	for _, tc := range []struct {
		name  string
		rule  uint8
		grey  bool // the grey page is known
		lines []ocr.Line
		text  []string
		want  int
	}{
		{"dark rules", 60, false, nil, nil, 1},
		{"faint rules, binary page only", 180, false, nil, nil, 0},
		{"faint rules", 180, true, nil, nil, 1},
		{"rules showing through", 228, true, nil, nil, 0},
		{"faint rules cutting the words read", 180, true, cut, cutText, 0},
	} {
		norm, bin, split, err := binarize(pixOf(t, faintRuledPage(245, tc.rule)), ocr.Gray, false)
		if err != nil {
			t.Fatal(err)
		}
		grey := norm
		if !tc.grey {
			grey = nil
		}
		ts, err := findTables(bin, grey, split, 0, 0, 300, 30, tc.lines, strings.Join(tc.text, "\n"))
		norm.free()
		bin.free()
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != tc.want {
			t.Errorf("%s (split %d): %d tables, want %d", tc.name, split, len(ts), tc.want)
			continue
		}
		if tc.want == 1 && (len(ts[0].Rows) != 4 || len(ts[0].Cols) != 4) {
			t.Errorf("%s: rows %v cols %v, want 4 and 4", tc.name, ts[0].Rows, ts[0].Cols)
		}
	}
}

// TestFindTablesFaintColumn: a table whose column rule is faint (the
// others found) runs the lines of two cells together across the row; the
// table found on the grey page thresholded nearer white, which has that
// rule, is kept. When the text lines up with the table found on the
// binary page (all of it in the cells left of the faint rule), that table
// stands.
func TestFindTablesFaintColumn(t *testing.T) {
	// Per row of the table, a line read across the faint column rule
	// (faintCols[2]): one word in each of the two cells beside it.
	var across, within []ocr.Line
	var acrossText, withinText []string
	for r := range len(faintRows) - 1 {
		y := faintRows[r] + 40
		a := ocr.Word{Text: "Giao", Box: ocr.Box{X0: 530, Y0: y, X1: 700, Y1: y + 30}, Confidence: 95}
		b := ocr.Word{Text: "hạn", Box: ocr.Box{X0: 930, Y0: y, X1: 1100, Y1: y + 30}, Confidence: 95}
		across = append(across, ocr.Line{Words: []ocr.Word{a, b}, Box: ocr.Box{X0: 530, Y0: y, X1: 1100, Y1: y + 30}})
		acrossText = append(acrossText, "Giao hạn")
		within = append(within, ocr.Line{Words: []ocr.Word{a}, Box: a.Box})
		withinText = append(withinText, "Giao")
	}
	for _, tc := range []struct {
		name  string
		lines []ocr.Line
		text  []string
		cols  int // column boundaries of the table found
	}{
		{"lines run across the faint column rule", across, acrossText, len(faintCols)},
		{"lines within the cells found", within, withinText, len(faintCols) - 1},
	} {
		img := faintRuledPage(245, 180)
		// Dark rules but the one at faintCols[2]: the binary page has
		// them all but that one.
		drawRules(img, 30, faintCols[2])
		norm, bin, split, err := binarize(pixOf(t, img), ocr.Gray, false)
		if err != nil {
			t.Fatal(err)
		}
		ts, err := findTables(bin, norm, split, 0, 0, 300, 30, tc.lines, strings.Join(tc.text, "\n"))
		norm.free()
		bin.free()
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != 1 || len(ts[0].Cols) != tc.cols {
			t.Errorf("%s: tables %+v, want one with %d column boundaries", tc.name, ts, tc.cols)
		}
	}
}
