package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
)

// SessionCookie carries the token of a browser session (see postSession).
const SessionCookie = "sohoa_session"

type tokenKey struct{}

// TokenFrom returns the authenticated token of a request handled behind auth.
func TokenFrom(ctx context.Context) *dossier.Token {
	t, _ := ctx.Value(tokenKey{}).(*dossier.Token)
	return t
}

// credential finds the token secret: the Authorization bearer, else the
// session cookie but only for safe methods (GET/HEAD), so that a cookie
// can never drive a state-changing request (no CSRF surface, on top of
// SameSite=Strict).
func credential(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			return strings.TrimSpace(h[7:])
		}
		return ""
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if c, err := r.Cookie(SessionCookie); err == nil {
			return c.Value
		}
	}
	return ""
}

func (s *Server) authenticate(ctx context.Context, secret string) (*dossier.Token, int, string, string) {
	if secret == "" {
		return nil, http.StatusUnauthorized, "thiếu mã truy cập (Authorization: Bearer ...)", "missing token (Authorization: Bearer ...)"
	}
	tok, err := s.cfg.Records.Authenticate(ctx, secret)
	switch {
	case err == nil:
		return tok, 0, "", ""
	case errors.Is(err, storage.ErrForbidden):
		return nil, http.StatusUnauthorized, "mã truy cập đã bị thu hồi", "token revoked"
	case errors.Is(err, storage.ErrNotFound):
		return nil, http.StatusUnauthorized, "mã truy cập không hợp lệ", "invalid token"
	default:
		s.log.Error("web: authenticate", "err", err)
		return nil, http.StatusServiceUnavailable, "không kiểm tra được mã truy cập, thử lại sau", "cannot check the token now, try again later"
	}
}

// auth admits requests whose token has one of roles (admin always), applies
// the per-token rate limit, and puts the token in the context. A refused
// request also loses its connection (Connection: close): its body, if any,
// is never read.
func (s *Server) auth(next http.HandlerFunc, roles ...dossier.Role) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := s.admit(w, r, credential(r))
		if !ok {
			return
		}
		if tok.Role != dossier.RoleAdmin && !slices.Contains(roles, tok.Role) {
			w.Header().Set("Connection", "close")
			apiError(w, http.StatusForbidden,
				"vai trò "+string(tok.Role)+" không được dùng chức năng này",
				"role "+string(tok.Role)+" may not use this")
			return
		}
		if s.limits != nil {
			if wait, ok := s.limits.allow(tok.ID, time.Now()); !ok {
				w.Header().Set("Connection", "close")
				w.Header().Set("Retry-After", apiItoa(int(math.Ceil(wait.Seconds()))))
				apiError(w, http.StatusTooManyRequests, "quá nhiều yêu cầu, thử lại sau", "too many requests, retry later")
				return
			}
		}
		next(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, tok)))
	})
}

// admit authenticates secret for r, or answers the refusal itself: 401
// for a missing or bad token, 429 when the client's address has spent its
// bad-token attempts (the token is then not even looked up).
func (s *Server) admit(w http.ResponseWriter, r *http.Request, secret string) (*dossier.Token, bool) {
	ip, now := remoteIP(r.RemoteAddr), time.Now()
	if s.badTokens != nil && secret != "" {
		if wait, blocked := s.badTokens.blocked(ip, now); blocked {
			w.Header().Set("Connection", "close")
			w.Header().Set("Retry-After", apiItoa(max(1, int(math.Ceil(wait.Seconds())))))
			apiError(w, http.StatusTooManyRequests, "quá nhiều lần thử mã truy cập sai từ địa chỉ này, thử lại sau",
				"too many bad tokens from this address, retry later")
			return nil, false
		}
	}
	tok, code, vi, en := s.authenticate(r.Context(), secret)
	if tok != nil {
		return tok, true
	}
	if code == http.StatusUnauthorized {
		if s.badTokens != nil && secret != "" {
			s.badTokens.failed(ip, now)
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="sohoa"`)
	}
	w.Header().Set("Connection", "close")
	apiError(w, code, vi, en)
	return nil, false
}

// postSession exchanges a token (JSON {"token": "..."} or the bearer header)
// for an HttpOnly, SameSite=Strict cookie, so that the search page and PDF
// links work in a browser without the page ever holding the token.
func (s *Server) postSession(w http.ResponseWriter, r *http.Request) {
	secret := ""
	if h := r.Header.Get("Authorization"); h != "" {
		secret = credential(r)
	} else {
		var body struct {
			Token string `json:"token"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&body); err != nil {
			apiError(w, http.StatusBadRequest, `cần JSON {"token": "..."}`, `expected JSON {"token": "..."}`)
			return
		}
		secret = strings.TrimSpace(body.Token)
	}
	tok, ok := s.admit(w, r, secret)
	if !ok {
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     SessionCookie,
		Value:    secret,
		Path:     "/",
		MaxAge:   int(s.cfg.SessionTTL.Seconds()),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	})
	apiJSON(w, http.StatusOK, map[string]string{"role": string(tok.Role), "name": tok.Name})
}

func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	tok := TokenFrom(r.Context())
	apiJSON(w, http.StatusOK, map[string]string{"role": string(tok.Role), "name": tok.Name})
}

// rateLimiter is a token bucket per API token.
type rateLimiter struct {
	rate  float64 // per second
	burst float64

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(rate float64, burst int) *rateLimiter {
	return &rateLimiter{rate: rate, burst: float64(max(burst, 1)), buckets: map[string]*bucket{}}
}

// allow takes one request from id's bucket, or says how long to wait.
func (l *rateLimiter) allow(id string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		// Forget full buckets so the map does not grow with old tokens.
		for k, b := range l.buckets {
			if now.Sub(b.last).Seconds()*l.rate >= l.burst {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[id]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[id] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second)), false
}
