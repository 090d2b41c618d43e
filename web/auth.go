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
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
)

// SessionCookie carries a browser session id (see postSession): a random
// id standing for the token, never the token itself.
const SessionCookie = "sohoa_session"

type tokenKey struct{}

// TokenFrom returns the authenticated token of a request handled behind auth.
func TokenFrom(ctx context.Context) *dossier.Token {
	t, _ := ctx.Value(tokenKey{}).(*dossier.Token)
	return t
}

// cred is what a request presents: a token secret, or a session id.
type cred struct {
	secret  string
	session bool
}

// credential finds the credential: the Authorization bearer token, else
// the session cookie but only for safe methods (GET/HEAD), so that a
// cookie can never drive a state-changing request (no CSRF surface, on
// top of SameSite=Strict).
func credential(r *http.Request) cred {
	if h := r.Header.Get("Authorization"); h != "" {
		if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			return cred{secret: strings.TrimSpace(h[7:])}
		}
		return cred{}
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if c, err := r.Cookie(SessionCookie); err == nil {
			return cred{secret: c.Value, session: true}
		}
	}
	return cred{}
}

func (s *Server) authenticate(ctx context.Context, c cred) (*dossier.Token, int, string, string) {
	if c.secret == "" {
		return nil, http.StatusUnauthorized, "thiếu mã truy cập (Authorization: Bearer ...)", "missing token (Authorization: Bearer ...)"
	}
	var (
		tok *dossier.Token
		err error
	)
	if c.session {
		tok, err = s.cfg.Records.SessionToken(ctx, c.secret)
	} else {
		tok, err = s.cfg.Records.Authenticate(ctx, c.secret)
	}
	switch {
	case err == nil:
		return tok, 0, "", ""
	case errors.Is(err, storage.ErrExpired):
		return nil, http.StatusUnauthorized, "mã truy cập đã hết hạn", "token expired"
	case errors.Is(err, storage.ErrForbidden):
		return nil, http.StatusUnauthorized, "mã truy cập đã bị thu hồi", "token revoked"
	case errors.Is(err, storage.ErrNotFound) && c.session:
		return nil, http.StatusUnauthorized, "phiên đăng nhập đã kết thúc, hãy đăng nhập lại", "session ended, sign in again"
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

// admit authenticates c for r, or answers the refusal itself: 401 for a
// missing or bad credential, 429 when the client's address has spent its
// bad-token attempts (the credential is then not even looked up).
func (s *Server) admit(w http.ResponseWriter, r *http.Request, c cred) (*dossier.Token, bool) {
	ip, now := remoteIP(r.RemoteAddr), time.Now()
	if s.badTokens != nil && c.secret != "" {
		if wait, blocked := s.badTokens.blocked(ip, now); blocked {
			w.Header().Set("Connection", "close")
			w.Header().Set("Retry-After", apiItoa(max(1, int(math.Ceil(wait.Seconds())))))
			apiError(w, http.StatusTooManyRequests, "quá nhiều lần thử mã truy cập sai từ địa chỉ này, thử lại sau",
				"too many bad tokens from this address, retry later")
			return nil, false
		}
	}
	tok, code, vi, en := s.authenticate(r.Context(), c)
	if tok != nil {
		return tok, true
	}
	if code == http.StatusUnauthorized {
		if s.badTokens != nil && c.secret != "" {
			s.badTokens.failed(ip, now)
		}
		if c.session {
			// The browser stops presenting a session that is over.
			http.SetCookie(w, sessionCookie(r, "", -1))
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="sohoa"`)
	}
	if code == http.StatusServiceUnavailable {
		// The records are down: the client retries (see outage.go).
		w.Header().Set("Retry-After", apiItoa(int(RetryAfter/time.Second)))
	}
	w.Header().Set("Connection", "close")
	apiError(w, code, vi, en)
	return nil, false
}

func sessionCookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: SessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode}
}

// pageRoles may sign in to the search page (see postSession);
// reviewPageRoles to the desk review page, which a session asks for with
// {"page": "review"}.
var (
	pageRoles       = []dossier.Role{dossier.RoleArchivist, dossier.RoleAdmin}
	reviewPageRoles = []dossier.Role{dossier.RoleStation, dossier.RoleAdmin}
)

// postSession exchanges a token (JSON {"token": "..."} or the bearer
// header) for a browser session: a new random id in an HttpOnly,
// SameSite=Strict cookie, so that the search page and PDF links work in a
// browser without the page ever holding the token. Only roles that can
// use the page get one; others are told why (403) rather than signed in
// to a page that would then refuse every search. The session ends after
// SessionTTL, with DELETE /v1/session, or with its token.
func (s *Server) postSession(w http.ResponseWriter, r *http.Request) {
	c := cred{}
	var body struct {
		Token string `json:"token"`
		Page  string `json:"page"` // "review": the desk review page; else the search page
	}
	if h := r.Header.Get("Authorization"); h != "" {
		c = credential(r)
	} else {
		if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&body); err != nil {
			apiError(w, http.StatusBadRequest, `cần JSON {"token": "..."}`, `expected JSON {"token": "..."}`)
			return
		}
		c.secret = strings.TrimSpace(body.Token)
	}
	tok, ok := s.admit(w, r, c)
	if !ok {
		return
	}
	if body.Page == "review" && !slices.Contains(reviewPageRoles, tok.Role) {
		apiError(w, http.StatusForbidden,
			"mã này có vai trò "+roleVI(tok.Role)+", không dùng được trang rà soát; cần mã của trạm quét (station)",
			"this token has the "+string(tok.Role)+" role, which cannot use the review page; it needs a station token")
		return
	}
	if body.Page != "review" && !slices.Contains(pageRoles, tok.Role) {
		apiError(w, http.StatusForbidden,
			"mã này có vai trò "+roleVI(tok.Role)+", không dùng được trang tra cứu; cần mã vai trò lưu trữ (archivist), tạo bằng: sohoa token create --role archivist --name TÊN",
			"this token has the "+string(tok.Role)+" role, which cannot use the search page; it needs an archivist token, created with: sohoa token create --role archivist --name NAME")
		return
	}
	id, expires, err := s.cfg.Records.CreateSession(r.Context(), tok.ID, s.cfg.SessionTTL)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, sessionCookie(r, id, int(time.Until(expires).Seconds())))
	apiJSON(w, http.StatusOK, map[string]string{"role": string(tok.Role), "name": tok.Name,
		"expires_at": expires.UTC().Format(time.RFC3339)})
}

func roleVI(r dossier.Role) string {
	switch r {
	case dossier.RoleStation:
		return "trạm quét (station)"
	case dossier.RoleCase:
		return "hệ thống một cửa (case)"
	}
	return string(r)
}

// deleteSession logs out: the session ends at the server, not only in
// this browser. It needs no valid credential (ending an unknown session
// changes nothing).
func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if err := s.cfg.Records.DeleteSession(r.Context(), c.Value); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, sessionCookie(r, "", -1))
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	tok := TokenFrom(r.Context())
	apiJSON(w, http.StatusOK, map[string]string{"role": string(tok.Role), "name": tok.Name})
}
