package storage

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/sohoa/sohoa/ingest/dossier"
)

// ---- tokens and browser sessions ----

// MaxTokenName bounds a token's name (for a station: its identity in
// manifests and batch ownership).
const MaxTokenName = 64

// TokenRequest describes a token to issue.
type TokenRequest struct {
	Role dossier.Role
	// Name says who holds the token. A station token's name is the
	// station's identity (manifests name it in "station", and a station
	// reads the batches of its name): it must be set and no other live
	// station token may carry it.
	Name string
	// ExpiresAt ends the token (and its sessions); zero: it lasts until
	// revoked.
	ExpiresAt time.Time
}

func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// newSecret is prefix and 32 random bytes (base64url).
func newSecret(prefix string) (string, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	return prefix + base64.RawURLEncoding.EncodeToString(raw[:]), nil
}

// CreateToken issues a token that lasts until revoked.
func (s *SQLRecords) CreateToken(ctx context.Context, role dossier.Role, name string) (string, dossier.Token, error) {
	return s.IssueToken(ctx, TokenRequest{Role: role, Name: name})
}

// IssueToken issues a token as req describes (station names are unique): the secret is TokenPrefix and 32 random
// bytes (base64url); only its SHA-256 is stored, so it cannot be shown
// again. A station token without a name, or with the name of another live
// station token, is refused (ErrConflict for the latter).
func (s *SQLRecords) IssueToken(ctx context.Context, req TokenRequest) (string, dossier.Token, error) {
	fail := func(err error) (string, dossier.Token, error) {
		return "", dossier.Token{}, fmt.Errorf("storage: create token: %w", err)
	}
	if !dossier.ValidRole(req.Role) {
		return fail(fmt.Errorf("unknown role %q (want station, case, archivist or admin)", req.Role))
	}
	name := strings.TrimSpace(req.Name)
	switch {
	case len(name) > MaxTokenName:
		return fail(fmt.Errorf("name longer than %d bytes", MaxTokenName))
	case strings.ContainsFunc(name, unicode.IsControl):
		return fail(errors.New("name has control characters"))
	case req.Role == dossier.RoleStation && name == "":
		return fail(errors.New("a station token needs a name: the station's name, as manifests give it"))
	case !req.ExpiresAt.IsZero() && !req.ExpiresAt.After(now()):
		return fail(fmt.Errorf("expiry %s is in the past", req.ExpiresAt.Format(time.RFC3339)))
	}
	secret, err := newSecret(dossier.TokenPrefix)
	if err != nil {
		return fail(err)
	}
	t := dossier.Token{ID: "tok_" + NewID()[12:24], Role: req.Role, Name: name, CreatedAt: now()}
	var expires any
	if !req.ExpiresAt.IsZero() {
		e := req.ExpiresAt.UTC()
		t.ExpiresAt, expires = &e, e
	}
	_, err = s.db.ExecContext(ctx, s.q(`INSERT INTO tokens (id, secret_hash, role, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`),
		t.ID, hashSecret(secret), string(t.Role), t.Name, t.CreatedAt, expires)
	if err != nil {
		if IsUniqueViolation(err) {
			// The partial index on live station names is the only unique
			// key a fresh random secret and id can hit.
			err = fmt.Errorf("%w: a live station token named %q exists (revoke it first, or choose another name)", ErrConflict, name)
		}
		return fail(err)
	}
	return secret, t, nil
}

const tokenCols = `t.id, t.role, t.name, t.created_at, t.revoked_at, t.expires_at`

func scanToken(sc RowScanner, extra ...any) (*dossier.Token, error) {
	var (
		t                dossier.Token
		role             string
		revoked, expires sql.NullTime
	)
	if err := sc.Scan(append([]any{&t.ID, &role, &t.Name, &t.CreatedAt, &revoked, &expires}, extra...)...); err != nil {
		return nil, err
	}
	t.Role, t.CreatedAt = dossier.Role(role), t.CreatedAt.UTC()
	if revoked.Valid {
		r := revoked.Time.UTC()
		t.RevokedAt = &r
	}
	if expires.Valid {
		e := expires.Time.UTC()
		t.ExpiresAt = &e
	}
	return &t, nil
}

// usable says why t may not be used now, or nil.
func usable(t *dossier.Token) error {
	if t.RevokedAt != nil {
		return fmt.Errorf("token %s revoked: %w", t.ID, ErrForbidden)
	}
	if t.ExpiresAt != nil && !now().Before(*t.ExpiresAt) {
		return fmt.Errorf("token %s expired at %s: %w: %w", t.ID, t.ExpiresAt.Format(time.RFC3339), ErrExpired, ErrForbidden)
	}
	return nil
}

// Authenticate returns the token of a secret: ErrNotFound when unknown,
// ErrForbidden when revoked, ErrForbidden and ErrExpired when expired.
func (s *SQLRecords) Authenticate(ctx context.Context, secret string) (*dossier.Token, error) {
	if secret == "" {
		return nil, fmt.Errorf("storage: authenticate: %w", ErrNotFound)
	}
	t, err := scanToken(s.db.QueryRowContext(ctx, s.q(`SELECT `+tokenCols+` FROM tokens t WHERE t.secret_hash = ?`), hashSecret(secret)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("storage: authenticate: unknown token: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: authenticate: %w", err)
	}
	if err := usable(t); err != nil {
		return nil, fmt.Errorf("storage: authenticate: %w", err)
	}
	return t, nil
}

// RevokeToken ends a token; revoking twice keeps the first time.
// The token's browser sessions end with it.
func (s *SQLRecords) RevokeToken(ctx context.Context, id string) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.stampOnce(ctx, tx, "tokens", "revoked_at", id); err != nil {
			return fmt.Errorf("storage: revoke token %s: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE token_id = ?`), id); err != nil {
			return fmt.Errorf("storage: revoke token %s: end its sessions: %w", id, err)
		}
		return nil
	})
}

// Tokens lists all tokens (revoked ones included), oldest first.
func (s *SQLRecords) Tokens(ctx context.Context) ([]dossier.Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenCols+` FROM tokens t ORDER BY t.created_at, t.id`)
	out, err := Collect(rows, err, value(func(sc RowScanner) (*dossier.Token, error) { return scanToken(sc) }))
	if err != nil {
		return nil, fmt.Errorf("storage: list tokens: %w", err)
	}
	return out, nil
}

// SessionPrefix starts every browser session id.
const SessionPrefix = "sohoa_s_"

// CreateSession starts a browser session: a new random session id for the
// token, ending after ttl or with the token, whichever comes first. Only
// the id's SHA-256 is stored. Sessions already over are swept here.
func (s *SQLRecords) CreateSession(ctx context.Context, tokenID string, ttl time.Duration) (string, time.Time, error) {
	id, err := newSecret(SessionPrefix)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("storage: create session: %w", err)
	}
	t0 := now()
	expires := t0.Add(ttl)
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		t, err := scanToken(tx.QueryRowContext(ctx, s.q(`SELECT `+tokenCols+` FROM tokens t WHERE t.id = ?`), tokenID))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("unknown token %s: %w", tokenID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if err := usable(t); err != nil {
			return err
		}
		if t.ExpiresAt != nil && t.ExpiresAt.Before(expires) {
			expires = *t.ExpiresAt
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE expires_at <= ?`), t0); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO sessions (id_hash, token_id, created_at, expires_at) VALUES (?, ?, ?, ?)`),
			hashSecret(id), tokenID, t0, expires)
		return err
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("storage: create session: %w", err)
	}
	return id, expires, nil
}

// SessionToken returns the token behind a live session.
// ErrNotFound when the session is unknown, over or logged out;
// ErrForbidden (and ErrExpired) when its token was revoked or expired.
func (s *SQLRecords) SessionToken(ctx context.Context, id string) (*dossier.Token, error) {
	if id == "" {
		return nil, fmt.Errorf("storage: session: %w", ErrNotFound)
	}
	var until time.Time
	t, err := scanToken(s.db.QueryRowContext(ctx, s.q(`SELECT `+tokenCols+`, s.expires_at FROM sessions s JOIN tokens t ON t.id = s.token_id WHERE s.id_hash = ?`),
		hashSecret(id)), &until)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("storage: session: unknown or ended: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: session: %w", err)
	}
	if !now().Before(until) {
		return nil, fmt.Errorf("storage: session: over since %s: %w", until.UTC().Format(time.RFC3339), ErrNotFound)
	}
	if err := usable(t); err != nil {
		return nil, fmt.Errorf("storage: session: %w", err)
	}
	return t, nil
}

// DeleteSession ends a session (log out); an unknown id is no error.
func (s *SQLRecords) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE id_hash = ?`), hashSecret(id)); err != nil {
		return fmt.Errorf("storage: delete session: %w", err)
	}
	return nil
}
