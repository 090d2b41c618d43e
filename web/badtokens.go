package web

import (
	"time"

	"golang.org/x/time/rate"
)

// badTokens limits failed sign-ins per remote IP: each missing, unknown,
// revoked or expired token spends one from the address's bucket, and an
// address whose bucket is empty is refused before its token is even
// looked up. Good tokens spend nothing, so one misconfigured station in an
// office behind NAT (polling every few seconds) does not lock out the
// others.
type badTokens struct{ *limiters }

func newBadTokens(perMinute float64, burst int) *badTokens {
	return &badTokens{newLimiters(rate.Limit(perMinute/60), burst)}
}

// blocked says whether ip has no attempt left, and then how long until it
// has one.
func (b *badTokens) blocked(ip string, now time.Time) (time.Duration, bool) { return b.empty(ip, now) }

// failed spends one attempt of ip.
func (b *badTokens) failed(ip string, now time.Time) { b.take(ip, now) }
