package pdf

import (
	"slices"
	"testing"
	"time"
)

// TestMarkLines: the visible mark's time reads day first in Vietnam's time,
// like the government signature stamps (17/01/2025 13:43:53), whatever the
// zone of the clock that signs.
func TestMarkLines(t *testing.T) {
	for _, tc := range []struct {
		when time.Time
		want string
	}{
		{time.Date(2025, 1, 17, 6, 43, 53, 0, time.UTC), "Thời gian ký: 17/01/2025 13:43:53"},
		{time.Date(2026, 12, 1, 22, 15, 48, 0, time.UTC), "Thời gian ký: 02/12/2026 05:15:48"},
		{time.Date(2025, 1, 17, 13, 43, 53, 0, vnZone), "Thời gian ký: 17/01/2025 13:43:53"},
	} {
		got := markLines("Nguyễn Văn A", "", tc.when)
		if want := []string{"Ký bởi: Nguyễn Văn A", tc.want}; !slices.Equal(got, want) {
			t.Errorf("markLines(%v) = %q, want %q", tc.when, got, want)
		}
		got = markLines("Nguyễn Văn A", "Chuyên viên", tc.when)
		if want := []string{"Ký bởi: Nguyễn Văn A", "Chức vụ: Chuyên viên", tc.want}; !slices.Equal(got, want) {
			t.Errorf("markLines with a title = %q, want %q", got, want)
		}
	}
}
