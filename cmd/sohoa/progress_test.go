package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestProgressLine: the status line says pages done, rate and time left
// in the user's language on a terminal, and nothing at all on a pipe.
func TestProgressLine(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		english bool
		total   int
		done    int
		after   time.Duration
		note    string
		want    string
	}{
		{false, 20, 5, 10 * time.Second, "", "OCR 5/20 trang · 0,5 trang/giây · còn khoảng 30 giây"},
		{true, 20, 5, 10 * time.Second, "", "OCR 5/20 pages · 0.5 pages/s · about 30 seconds left"},
		{true, 2, 1, 90 * time.Second, "", "OCR 1/2 pages · 0.7 pages/min · about 1 minute 30 seconds left"},
		{false, 0, 0, 3 * time.Second, "", "OCR 0 trang · đã 3 giây"},
		{false, -1, 0, time.Minute, "đã nhận 2 lô, từ chối 0", "OCR · đã nhận 2 lô, từ chối 0"},
	} {
		for _, term := range []bool{true, false} {
			var w bytes.Buffer
			now := t0
			p := &progress{w: &w, u: ui{english: tc.english}, on: term, what: "OCR", total: tc.total, start: t0, now: func() time.Time { return now }}
			now = t0.Add(tc.after)
			p.note = tc.note
			p.set(tc.done, tc.total)
			got := w.String()
			if !term {
				if got != "" {
					t.Errorf("piped: wrote %q", got)
				}
				continue
			}
			if got != "\r"+tc.want {
				t.Errorf("got %q, want %q", got, "\r"+tc.want)
			}
			p.clear()
			if !strings.HasSuffix(w.String(), "\r"+strings.Repeat(" ", len([]rune(tc.want)))+"\r") {
				t.Errorf("clear did not blank the line: %q", w.String())
			}
		}
	}
}
