package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
)

// TestSessions: the browser's cookie is a session id, not the token; only
// roles that can use the page get one; it dies with log out and with its
// token.
func TestSessions(t *testing.T) {
	srv, station := apiServer(t, Config{Rate: -1, BadTokensPerMinute: -1})
	ctx := context.Background()
	archivist, arTok, err := srv.cfg.Records.(*storage.SQLRecords).CreateToken(ctx, dossier.RoleArchivist, "lưu trữ")
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path, body string, cookie *http.Cookie) (*httptest.ResponseRecorder, apiErrorBody) {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		if cookie != nil {
			r.AddCookie(cookie)
		}
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, r)
		var e apiErrorBody
		json.Unmarshal(w.Body.Bytes(), &e)
		return w, e
	}
	signIn := func(secret string) (*httptest.ResponseRecorder, apiErrorBody, *http.Cookie) {
		w, e := do("POST", "/v1/session", `{"token":"`+secret+`"}`, nil)
		for _, c := range w.Result().Cookies() {
			if c.Name == SessionCookie && c.MaxAge > 0 {
				return w, e, c
			}
		}
		return w, e, nil
	}

	// A station token is refused at sign-in, with the reason.
	w, e, c := signIn(station)
	if w.Code != http.StatusForbidden || c != nil || !strings.Contains(e.Error, "archivist token") || !strings.Contains(e.ErrorVI, "trạm quét") {
		t.Errorf("station sign-in: %d %+v, cookie %v", w.Code, e, c)
	}

	w, _, c = signIn(archivist)
	if w.Code != 200 || c == nil {
		t.Fatalf("archivist sign-in: %d %s", w.Code, w.Body)
	}
	if c.Value == archivist || strings.Contains(c.Value, archivist) || !strings.HasPrefix(c.Value, storage.SessionPrefix) ||
		!c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.MaxAge > int((12*time.Hour).Seconds()) {
		t.Errorf("cookie %+v: want a session id (not the token), HttpOnly, SameSite=Strict, at most 12 h", c)
	}
	if w, _ := do("GET", "/v1/whoami", "", c); w.Code != 200 || !strings.Contains(w.Body.String(), "lưu trữ") {
		t.Errorf("whoami with the session: %d %s", w.Code, w.Body)
	}

	// Log out ends the session at the server: the same cookie, replayed, is refused.
	if w, _ := do("DELETE", "/v1/session", "", c); w.Code != http.StatusNoContent {
		t.Errorf("log out: %d", w.Code)
	}
	w, e = do("GET", "/v1/whoami", "", c)
	if w.Code != 401 || !strings.Contains(e.Error, "session ended") {
		t.Errorf("session after log out: %d %+v", w.Code, e)
	}
	if cs := w.Result().Cookies(); len(cs) != 1 || cs[0].MaxAge >= 0 {
		t.Errorf("a dead session's cookie is not cleared: %v", cs)
	}

	// Revoking the token ends its sessions.
	_, _, c = signIn(archivist)
	if err := srv.cfg.Records.(*storage.SQLRecords).RevokeToken(ctx, arTok.ID); err != nil {
		t.Fatal(err)
	}
	if w, _ := do("GET", "/v1/whoami", "", c); w.Code != 401 {
		t.Errorf("session of a revoked token: %d", w.Code)
	}

	// An expired token cannot sign in, and says so.
	secret, tok, _ := srv.cfg.Records.(*storage.SQLRecords).IssueToken(ctx, storage.TokenRequest{Role: dossier.RoleArchivist, ExpiresAt: time.Now().Add(time.Hour)})
	db := srv.cfg.Records.(*storage.SQLRecords).DB()
	db.ExecContext(ctx, db.Rebind(`UPDATE tokens SET expires_at = ? WHERE id = ?`), time.Now().Add(-time.Second).UTC(), tok.ID)
	if w, e, _ := signIn(secret); w.Code != 401 || e.Error != "token expired" || e.ErrorVI == "" {
		t.Errorf("expired token: %d %+v", w.Code, e)
	}
}

// TestMetricsAuth: /metrics is open by default and asks for a token when
// MetricsAuth is set.
func TestMetricsAuth(t *testing.T) {
	for _, auth := range []bool{false, true} {
		srv, station := apiServer(t, Config{MetricsAuth: auth, Rate: -1})
		get := func(token string) int {
			r := httptest.NewRequest("GET", "/metrics", nil)
			if token != "" {
				r.Header.Set("Authorization", "Bearer "+token)
			}
			w := httptest.NewRecorder()
			srv.Handler().ServeHTTP(w, r)
			return w.Code
		}
		want := 200
		if auth {
			want = 401
		}
		if c := get(""); c != want {
			t.Errorf("MetricsAuth=%v, no token: %d, want %d", auth, c, want)
		}
		if c := get(station); c != 200 {
			t.Errorf("MetricsAuth=%v, with a token: %d", auth, c)
		}
	}
}
