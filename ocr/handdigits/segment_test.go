package handdigits

import (
	"image"
	"slices"
	"testing"
)

// art draws rows of '#' (ink) and '.' (paper) as a grey image.
func art(rows ...string) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, len(rows[0]), len(rows)))
	for y, row := range rows {
		for x, c := range row {
			img.Pix[y*img.Stride+x] = 255
			if c == '#' {
				img.Pix[y*img.Stride+x] = 0
			}
		}
	}
	return img
}

// touchingPair is two 0s touching at their waists.
func touchingPair() *image.Gray {
	return art(
		".###...###.",
		"#...#.#...#",
		"#...#.#...#",
		"#...###...#",
		"#...#.#...#",
		"#...#.#...#",
		".###...###.")
}

func TestSegment(t *testing.T) {
	for _, tc := range []struct {
		name  string
		img   *image.Gray
		boxes []image.Rectangle
	}{
		{"nothing", art("....", "...."), nil},
		{"two digits apart", art(
			"..........",
			".##...###.",
			"..#.....#.",
			"..#....#..",
			"..#...#...",
			"..#...#...",
			".###..#...",
			".........."),
			[]image.Rectangle{image.Rect(1, 1, 4, 7), image.Rect(6, 1, 9, 7)}},
		{"a 5 in two strokes is one digit", art(
			"..####",
			"......",
			"..#...",
			"..###.",
			".....#",
			".....#",
			"..###."),
			[]image.Rectangle{image.Rect(2, 0, 6, 7)}},
		{"a speck and a dot are left out", art(
			"..........",
			"..##......",
			".#..#.....",
			".#..#.....",
			".#..#.....",
			".#..#..#..",
			"..##......"),
			[]image.Rectangle{image.Rect(1, 1, 5, 7)}},
		{"touching pair is one mark (Read splits it)", touchingPair(),
			[]image.Rectangle{image.Rect(0, 0, 11, 7)}},
		{"a 1 beside a wide 0 stays two", art(
			"#..####.",
			"#.#....#",
			"#.#....#",
			"#.#....#",
			"#.#....#",
			"#..####."),
			[]image.Rectangle{image.Rect(0, 0, 1, 6), image.Rect(2, 0, 8, 6)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []image.Rectangle
			for _, g := range Segment(tc.img) {
				got = append(got, g.Box)
			}
			if !slices.Equal(got, tc.boxes) {
				t.Errorf("boxes %v, want %v", got, tc.boxes)
			}
		})
	}
}

func TestSplits(t *testing.T) {
	pair := touchingPair()
	one := art(
		".###.",
		"#...#",
		"#...#",
		"#...#",
		"#...#",
		"#...#",
		".###.")
	for _, tc := range []struct {
		name   string
		img    *image.Gray
		height int
		want   [][]image.Rectangle
	}{
		{"one digit: no split", one, 7, nil},
		{"a pair, cut at its waist", pair, 7, [][]image.Rectangle{{image.Rect(0, 0, 5, 7), image.Rect(5, 0, 11, 7)}, {image.Rect(0, 0, 3, 7), image.Rect(3, 0, 7, 7), image.Rect(7, 0, 11, 7)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gs := Segment(tc.img)
			if len(gs) != 1 {
				t.Fatalf("%d marks", len(gs))
			}
			var got [][]image.Rectangle
			for _, parts := range Splits(gs[0], tc.height) {
				var boxes []image.Rectangle
				for _, p := range parts {
					boxes = append(boxes, p.Box)
				}
				got = append(got, boxes)
			}
			if !slices.EqualFunc(got, tc.want, slices.Equal) {
				t.Errorf("splits %v, want %v", got, tc.want)
			}
		})
	}
}
