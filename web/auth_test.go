package web

import (
	"net/http"
	"testing"
	"time"
)

func TestRateLimiter(t *testing.T) {
	l := newRateLimiter(2, 3) // 2/s, bursts of 3
	t0 := time.Unix(1000, 0)
	steps := []struct {
		at   time.Duration
		id   string
		want bool
	}{
		{0, "a", true}, {0, "a", true}, {0, "a", true},
		{0, "a", false},                     // burst spent
		{0, "b", true},                      // buckets are per token
		{500 * time.Millisecond, "a", true}, // one more after 1/rate
		{500 * time.Millisecond, "a", false},
		{time.Hour, "a", true}, // refilled
	}
	for i, s := range steps {
		wait, ok := l.allow(s.id, t0.Add(s.at))
		if ok != s.want {
			t.Errorf("step %d (%s at %v): allowed=%v, want %v", i, s.id, s.at, ok, s.want)
		}
		if !ok && wait <= 0 {
			t.Errorf("step %d: refused without a wait", i)
		}
	}
}

func TestCredential(t *testing.T) {
	tests := []struct {
		method, auth, cookie string
		want                 cred
	}{
		{"GET", "Bearer abc", "", cred{secret: "abc"}},
		{"GET", "bearer  abc ", "", cred{secret: "abc"}},
		{"GET", "Basic abc", "zzz", cred{}}, // a wrong scheme is not replaced by the cookie
		{"GET", "", "zzz", cred{secret: "zzz", session: true}},
		{"HEAD", "", "zzz", cred{secret: "zzz", session: true}},
		{"POST", "", "zzz", cred{}}, // cookies never authorize a change
		{"DELETE", "Bearer abc", "zzz", cred{secret: "abc"}},
	}
	for _, tt := range tests {
		r, _ := http.NewRequest(tt.method, "/v1/x", nil)
		if tt.auth != "" {
			r.Header.Set("Authorization", tt.auth)
		}
		if tt.cookie != "" {
			r.AddCookie(&http.Cookie{Name: SessionCookie, Value: tt.cookie})
		}
		if got := credential(r); got != tt.want {
			t.Errorf("%s auth %q cookie %q: %+v, want %+v", tt.method, tt.auth, tt.cookie, got, tt.want)
		}
	}
}
