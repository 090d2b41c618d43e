package storage

import (
	"fmt"
	"testing"
)

func TestStatsSpans(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		want     string
	}{
		{"2026-12-01", "2026-12-01", "[[2026-12-01 2026-12-01]]"},
		{"2026-11-01", "2026-11-30", "[[M:2026-11 M:2026-11]]"},
		{"2026-01-01", "2026-12-31", "[[Y:2026 Y:2026]]"},
		{"2026-01-20", "2026-02-10", "[[2026-01-20 2026-01-20] [D:2026-01-3 D:2026-01-3] [D:2026-02-1 D:2026-02-1]]"},
		// The last 30 days: 10 day cells and two ten-day periods.
		{"2026-11-02", "2026-12-01", "[[2026-11-02 2026-11-10] [D:2026-11-2 D:2026-11-2] [D:2026-11-3 D:2026-11-3] [2026-12-01 2026-12-01]]"},
		// The third ten days end with the month: the 28th, the 29th in a
		// leap year, the 31st; one day short is days.
		{"2026-02-21", "2026-02-28", "[[D:2026-02-3 D:2026-02-3]]"},
		{"2028-02-21", "2028-02-28", "[[2028-02-21 2028-02-28]]"},
		{"2028-02-21", "2028-02-29", "[[D:2028-02-3 D:2028-02-3]]"},
		{"2026-01-21", "2026-01-30", "[[2026-01-21 2026-01-30]]"},
		{"2026-01-11", "2026-01-20", "[[D:2026-01-2 D:2026-01-2]]"},
		{"2025-12-30", "2027-03-02", "[[2025-12-30 2025-12-31] [Y:2026 Y:2026] [M:2027-01 M:2027-01] [M:2027-02 M:2027-02] [2027-03-01 2027-03-02]]"},
		{"2026-11-02", "2026-12-31", "[[2026-11-02 2026-11-10] [D:2026-11-2 D:2026-11-2] [D:2026-11-3 D:2026-11-3] [M:2026-12 M:2026-12]]"},
	} {
		if got := fmt.Sprint(statsSpans(tc.from, tc.to)); got != tc.want {
			t.Errorf("statsSpans(%s, %s) = %s, want %s", tc.from, tc.to, got, tc.want)
		}
	}
}

// TestEachBucket: the histogram cells as SQLite (json_group_object,
// json_set) and PostgreSQL (jsonb) write them are read whole; anything
// else is an error, not a partial histogram.
func TestEachBucket(t *testing.T) {
	for _, tc := range []struct {
		js, want string
		ok       bool
	}{
		{`{"153":4,"160":2}`, "153:4 160:2 ", true},      // SQLite
		{`{"153": 4, "160": 12}`, "153:4 160:12 ", true}, // PostgreSQL jsonb
		{`{}`, "", true},
		{`{"153": 4`, "153:4 ", false},
		{`{"x": 4}`, "", false},
		{`{"153": -4}`, "", false},
		{`[1, 2]`, "", false},
		{``, "", false},
	} {
		got := ""
		err := eachBucket(tc.js, func(b, n int64) { got += fmt.Sprintf("%d:%d ", b, n) })
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("eachBucket(%q) = %q, %v; want %q, ok %v", tc.js, got, err, tc.want, tc.ok)
		}
	}
}
