package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
)

func TestStationTokenNames(t *testing.T) {
	forEachDialect(t, func(t *testing.T, ctx context.Context, r *storage.SQLRecords) {
		tests := []struct {
			role     dossier.Role
			name     string
			conflict bool // ErrConflict rather than another refusal
			ok       bool
		}{
			{dossier.RoleStation, "quay-1", false, true},
			{dossier.RoleStation, "", false, false},
			{dossier.RoleStation, "   ", false, false},
			{dossier.RoleStation, "quay-1", true, false},   // a second live station of that name
			{dossier.RoleStation, " quay-1 ", true, false}, // the same once trimmed
			{dossier.RoleStation, "quay\n2", false, false},
			{dossier.RoleStation, strings.Repeat("q", storage.MaxTokenName+1), false, false},
			{dossier.RoleArchivist, "", false, true}, // only stations need names
			{dossier.RoleArchivist, "quay-1", false, true},
			{dossier.RoleStation, "quay-2", false, true},
		}
		for _, tt := range tests {
			_, tok, err := r.CreateToken(ctx, tt.role, tt.name)
			if (err == nil) != tt.ok || errors.Is(err, storage.ErrConflict) != tt.conflict {
				t.Errorf("%s %q: %+v, %v; want ok=%v conflict=%v", tt.role, tt.name, tok, err, tt.ok, tt.conflict)
			}
		}
		// Revoking frees the name for the station's next token.
		list, _ := r.Tokens(ctx)
		for _, tk := range list {
			if tk.Name == "quay-1" && tk.Role == dossier.RoleStation {
				if err := r.RevokeToken(ctx, tk.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, _, err := r.CreateToken(ctx, dossier.RoleStation, "quay-1"); err != nil {
			t.Errorf("name of a revoked token: %v", err)
		}
	})
}

func TestTokenExpiry(t *testing.T) {
	forEachDialect(t, func(t *testing.T, ctx context.Context, r *storage.SQLRecords) {
		if _, _, err := r.IssueToken(ctx, storage.TokenRequest{Role: dossier.RoleCase, Name: "x", ExpiresAt: time.Now().Add(-time.Minute)}); err == nil {
			t.Error("a token expiring in the past was issued")
		}
		until := time.Now().Add(720 * time.Hour).Truncate(time.Second)
		secret, tok, err := r.IssueToken(ctx, storage.TokenRequest{Role: dossier.RoleCase, Name: "một cửa", ExpiresAt: until})
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Authenticate(ctx, secret)
		if err != nil || got.ExpiresAt == nil || !got.ExpiresAt.Equal(until) {
			t.Fatalf("before expiry: %+v, %v", got, err)
		}
		list, _ := r.Tokens(ctx)
		if len(list) != 1 || list[0].ExpiresAt == nil || !list[0].ExpiresAt.Equal(until) {
			t.Errorf("listed: %+v", list)
		}
		// Time passes.
		if _, err := r.DB().ExecContext(ctx, r.DB().Rebind(`UPDATE tokens SET expires_at = ? WHERE id = ?`), time.Now().Add(-time.Second).UTC(), tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Authenticate(ctx, secret); !errors.Is(err, storage.ErrExpired) || !errors.Is(err, storage.ErrForbidden) {
			t.Errorf("after expiry: %v, want ErrExpired and ErrForbidden", err)
		}
	})
}

func TestSessions(t *testing.T) {
	forEachDialect(t, func(t *testing.T, ctx context.Context, r *storage.SQLRecords) {
		secret, tok, err := r.CreateToken(ctx, dossier.RoleArchivist, "lưu trữ")
		if err != nil {
			t.Fatal(err)
		}
		newSession := func() string {
			t.Helper()
			id, exp, err := r.CreateSession(ctx, tok.ID, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if id == secret || !strings.HasPrefix(id, storage.SessionPrefix) || time.Until(exp) < 59*time.Minute {
				t.Fatalf("session %q expiring %v", id, exp)
			}
			return id
		}
		a, b := newSession(), newSession()
		if a == b {
			t.Fatal("two sessions with one id")
		}
		if got, err := r.SessionToken(ctx, a); err != nil || got.ID != tok.ID {
			t.Fatalf("session: %+v, %v", got, err)
		}
		if _, err := r.SessionToken(ctx, secret); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("the token itself works as a session id: %v", err)
		}
		if _, err := r.Authenticate(ctx, a); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("a session id works as a token: %v", err)
		}
		var n int
		r.DB().QueryRowContext(ctx, r.DB().Rebind(`SELECT COUNT(*) FROM sessions WHERE id_hash = ? OR id_hash = ?`), a, b).Scan(&n)
		if n != 0 {
			t.Error("a session id is stored in clear")
		}

		// Log out ends one session, not the other.
		if err := r.DeleteSession(ctx, a); err != nil {
			t.Fatal(err)
		}
		if _, err := r.SessionToken(ctx, a); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("after log out: %v", err)
		}
		if _, err := r.SessionToken(ctx, b); err != nil {
			t.Errorf("the other session after log out: %v", err)
		}
		// A session over its time ends.
		c := newSession()
		if _, err := r.DB().ExecContext(ctx, r.DB().Rebind(`UPDATE sessions SET expires_at = ?`), time.Now().Add(-time.Second).UTC()); err != nil {
			t.Fatal(err)
		}
		if _, err := r.SessionToken(ctx, c); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("expired session: %v", err)
		}
		// Revoking the token ends its sessions.
		d := newSession()
		if err := r.RevokeToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := r.SessionToken(ctx, d); err == nil {
			t.Error("a session outlived its token's revocation")
		}
		if _, _, err := r.CreateSession(ctx, tok.ID, time.Hour); !errors.Is(err, storage.ErrForbidden) {
			t.Errorf("session for a revoked token: %v", err)
		}
		// A session never outlives its token's expiry.
		_, short, _ := r.IssueToken(ctx, storage.TokenRequest{Role: dossier.RoleArchivist, ExpiresAt: time.Now().Add(10 * time.Minute)})
		if _, exp, err := r.CreateSession(ctx, short.ID, time.Hour); err != nil || exp.After(*short.ExpiresAt) {
			t.Errorf("session of a token expiring at %v ends at %v (%v)", short.ExpiresAt, exp, err)
		}
	})
}
