package web

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// rateLimiter limits the requests of each API token: a token bucket per
// token (x/time/rate, the standard one), refilled at a steady rate with
// bursts up to a size. It only keeps one bucket per token and forgets the
// full ones, so the map holds the tokens busy right now.
type rateLimiter struct {
	every rate.Limit
	burst int

	mu      sync.Mutex
	byToken map[string]*rate.Limiter
	swept   time.Time
}

// newRateLimiter allows perSecond requests a second per token, in bursts of
// up to burst (at least 1).
func newRateLimiter(perSecond float64, burst int) *rateLimiter {
	return &rateLimiter{every: rate.Limit(perSecond), burst: max(burst, 1), byToken: map[string]*rate.Limiter{}}
}

// allow takes one request from id's bucket, or says how long to wait.
func (l *rateLimiter) allow(id string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		// Full buckets are the same as none: forget them so that the map
		// does not grow with old tokens.
		for k, b := range l.byToken {
			if b.TokensAt(now) >= float64(l.burst) {
				delete(l.byToken, k)
			}
		}
		l.swept = now
	}
	b := l.byToken[id]
	if b == nil {
		b = rate.NewLimiter(l.every, l.burst)
		l.byToken[id] = b
	}
	if b.AllowN(now, 1) {
		return 0, true
	}
	return time.Duration((1 - b.TokensAt(now)) / float64(l.every) * float64(time.Second)), false
}
