package web

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiters keeps a token bucket (x/time/rate, the standard one) per key:
// refilled at a steady rate, holding up to burst. It forgets full buckets,
// which are the same as none, so the map holds only the keys busy right
// now. The per-token request limit and the per-address bad-token limit are
// both limiters.
type limiters struct {
	every rate.Limit
	burst int

	mu    sync.Mutex
	byKey map[string]*rate.Limiter
	swept time.Time
}

func newLimiters(every rate.Limit, burst int) *limiters {
	return &limiters{every: every, burst: max(burst, 1), byKey: map[string]*rate.Limiter{}}
}

// take spends one token of key's bucket when it has one, else says how
// long until it has.
func (l *limiters) take(key string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute || len(l.byKey) > 100_000 {
		for k, b := range l.byKey {
			if b.TokensAt(now) >= float64(l.burst) {
				delete(l.byKey, k)
			}
		}
		l.swept = now
	}
	b := l.byKey[key]
	if b == nil {
		b = rate.NewLimiter(l.every, l.burst)
		l.byKey[key] = b
	}
	if b.AllowN(now, 1) {
		return 0, true
	}
	return l.waitFor(b, now), false
}

// empty says whether key's bucket has no token left, and then how long
// until it has one; it spends nothing.
func (l *limiters) empty(key string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.byKey[key]
	if b == nil || b.TokensAt(now) >= 1 {
		return 0, false
	}
	return l.waitFor(b, now), true
}

func (l *limiters) waitFor(b *rate.Limiter, now time.Time) time.Duration {
	return time.Duration((1 - b.TokensAt(now)) / float64(l.every) * float64(time.Second))
}

// rateLimiter limits the requests of each API token.
type rateLimiter struct{ *limiters }

// newRateLimiter allows perSecond requests a second per token, in bursts of
// up to burst (at least 1).
func newRateLimiter(perSecond float64, burst int) *rateLimiter {
	return &rateLimiter{newLimiters(rate.Limit(perSecond), burst)}
}

// allow takes one request from id's bucket, or says how long to wait.
func (l *rateLimiter) allow(id string, now time.Time) (time.Duration, bool) { return l.take(id, now) }
