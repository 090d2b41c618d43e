package index

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"testing"
)

// TestPlanItems: the posting items a GIN scan walks are those of the
// rarest entries without which the query cannot hold, as PostgreSQL picks
// them (ginget.c, startScanKey): listed lexemes by their frequency, the
// others as common as the least listed, a slice 4,096 ids, a prefix every
// page.
func TestPlanItems(t *testing.T) {
	p := plan{maxID: 1_000_000, freqs: &lexemeFreqs{floor: 0.09, freq: map[string]float64{
		"nguyen": 0.47, "thi": 0.8, "mai": 0.15, "minh": 0.68, "ta": 0.1, "huu": 0.14, "it's": 0.2}}}
	for _, c := range []struct {
		q        string
		items    float64
		required int
	}{
		{`'ta' & 'huu'`, 100_000, 1},
		{`('ta' & 'huu' & 'thi')`, 100_000, 1},
		{`'~ta huu' & 'huu'`, 22_500, 1},                      // not listed: rarer than the floor
		{`(('giang' | 'minh') & 'mai' & !'thi')`, 172_500, 2}, // giang, then mai
		{`'nguyen' | 'ta'`, 570_000, 2},
		{`('ta' & 'huu') & ('@244' | '@243' | '@242')`, 3 * 4096, 3},
		{`'nh':* & 'thi'`, 800_000, 1}, // thi is rarer than every page
		{`('ta' <-> 'huu')`, 100_000, 1},
		{`'it''s' & 'thi'`, 200_000, 1},
		{`'ta' &`, 1_000_000, 1}, // not understood
	} {
		items, req := p.items(c.q)
		if math.Abs(items-c.items) > 1 || req != c.required {
			t.Errorf("%s: %.0f items of %d entries, want %.0f of %d", c.q, items, req, c.items, c.required)
		}
	}
}

// TestWindowed: however a level is read (windows of the newest slices,
// then maybe the rest whole below them), the matches come once each,
// newest first, and as many as asked or all there are; a count counts
// each match once. read here answers from a list of ids, as PostgreSQL
// would the tsquery (its slice lexemes) and the id bound.
func TestWindowed(t *testing.T) {
	slice := regexp.MustCompile(`'@(\d+)'`)
	paths := map[string]bool{}
	for _, c := range []struct {
		name  string
		maxID int64
		every int64 // a match every that many ids
		upTo  int64 // and only up to that id
		freq  float64
		limit int
	}{
		{"dense common word", 1_000_000, 3, 1_000_000, 0.3, 50},
		{"sparse rare pair", 1_000_000, 9000, 1_000_000, 0.0005, 50},
		{"sparse common words", 1_000_000, 9000, 1_000_000, 0.5, 50},
		{"old matches only", 1_000_000, 700, 300_000, 0.001, 50},
		{"count, dense", 1_000_000, 40, 1_000_000, 0.3, 1001},
		{"count, thin", 1_000_000, 900, 1_000_000, 0.3, 1001},
		{"count, rare", 1_000_000, 2000, 1_000_000, 0.0005, 1001},
		{"small index", 5_000, 7, 5_000, 0.2, 50},
		{"newest slice nearly empty", 4096*50 + 10, 30, 4096*50 + 10, 0.3, 50},
	} {
		for _, sorted := range []bool{true, false} {
			p := plan{maxID: c.maxID, freqs: &lexemeFreqs{floor: 0.01, freq: map[string]float64{"w": c.freq}}}
			var all []int64 // newest first
			for id := min(c.upTo, c.maxID) / c.every * c.every; id > 0; id -= c.every {
				all = append(all, id)
			}
			var got []int64
			whole := false
			n, err := p.windowed(`'w'`, c.limit, sorted, func(tsq string, below int64, limit int) (int, error) {
				in := map[int64]bool{}
				for _, m := range slice.FindAllStringSubmatch(tsq, -1) {
					s, _ := strconv.ParseInt(m[1], 10, 64)
					in[s] = true
				}
				whole = whole || len(in) == 0
				k := 0
				for _, id := range all {
					if k < limit && (len(in) == 0 || in[id>>sliceShift]) && (below == 0 || id < below) {
						got = append(got, id)
						k++
					}
				}
				return k, nil
			})
			want := all[:min(len(all), c.limit)]
			if err != nil || n != len(want) || !slices.Equal(got, want) {
				t.Errorf("%s (sorted %v): read %d %v..., want %d %v...", c.name, sorted, n, got[:min(len(got), 5)], len(want), want[:min(len(want), 5)])
			}
			paths[fmt.Sprint("whole ", whole)] = true
		}
	}
	if len(paths) != 2 {
		t.Errorf("the cases took only %v", paths)
	}
}
