package web

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// badTokens limits failed sign-ins per remote IP: each missing, unknown,
// revoked or expired token spends one from the address's bucket, and an
// address whose bucket is empty is refused before its token is even
// looked up. Good tokens spend nothing, so one misconfigured station in an
// office behind NAT (polling every few seconds) does not lock out the
// others. x/time/rate is the standard token bucket; this only keeps one
// per address and forgets the idle ones.
type badTokens struct {
	every rate.Limit
	burst int

	mu    sync.Mutex
	byIP  map[string]*rate.Limiter
	swept time.Time
}

func newBadTokens(perMinute float64, burst int) *badTokens {
	return &badTokens{every: rate.Limit(perMinute / 60), burst: max(burst, 1), byIP: map[string]*rate.Limiter{}}
}

// blocked says whether ip has no attempt left, and then how long until it
// has one.
func (b *badTokens) blocked(ip string, now time.Time) (time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.byIP[ip]
	if l == nil {
		return 0, false
	}
	if tok := l.TokensAt(now); tok < 1 {
		return time.Duration((1 - tok) / float64(b.every) * float64(time.Second)), true
	}
	return 0, false
}

// failed spends one attempt of ip.
func (b *badTokens) failed(ip string, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Sub(b.swept) > time.Minute || len(b.byIP) > 100_000 {
		// Full buckets are the same as none: forget them so that the map
		// stays as small as the set of addresses failing right now.
		for k, l := range b.byIP {
			if l.TokensAt(now) >= float64(b.burst) {
				delete(b.byIP, k)
			}
		}
		b.swept = now
	}
	l := b.byIP[ip]
	if l == nil {
		l = rate.NewLimiter(b.every, b.burst)
		b.byIP[ip] = l
	}
	l.AllowN(now, 1)
}
