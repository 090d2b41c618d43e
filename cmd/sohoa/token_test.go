package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// runCmd runs one sohoa command line in-process (English messages) and
// returns exit code, stdout and stderr.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &env{
		stdout: &out, stderr: &errb,
		log: slog.New(slog.NewTextHandler(&errb, nil)),
		ui:  ui{english: true},
	})
	return code, out.String(), errb.String()
}

func TestTokenCommand(t *testing.T) {
	clearCommandEnv(t)
	data := t.TempDir()
	pg := storagetest.PostgresURL(t)
	for _, where := range [][]string{{"--data", data}, {"--db", pg}} {
		t.Run(where[0], func(t *testing.T) {
			if code, out, errs := runCmd(t, append([]string{"migrate"}, where...)...); code != 0 || out != "" || !strings.Contains(errs, "records: schema version") {
				t.Fatalf("migrate: exit %d, stdout %q, stderr %q", code, out, errs)
			}
			code, out, errs := runCmd(t, append([]string{"token", "create", "--role", "station", "--name", "quay-1"}, where...)...)
			if code != 0 {
				t.Fatalf("token create: exit %d: %s", code, errs)
			}
			secret := strings.TrimSuffix(out, "\n")
			if !strings.HasPrefix(secret, dossier.TokenPrefix) || strings.ContainsAny(secret, " \n\t") {
				t.Fatalf("stdout is not the token alone: %q", out)
			}
			dbURL := where[1]
			if where[0] == "--data" {
				dbURL = storage.DataDBPath(where[1])
			}
			recs, err := storage.OpenRecordsURL(context.Background(), dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer recs.Close()
			tok, err := recs.Authenticate(context.Background(), secret)
			if err != nil || tok.Role != dossier.RoleStation || tok.Name != "quay-1" {
				t.Fatalf("printed token does not authenticate: %+v, %v", tok, err)
			}
			code, out, _ = runCmd(t, append([]string{"token", "list"}, where...)...)
			if code != 0 || !strings.Contains(out, tok.ID) || strings.Contains(out, secret) {
				t.Fatalf("token list: exit %d:\n%s", code, out)
			}
			// Flags after the positional argument work too.
			if code, _, errs := runCmd(t, append([]string{"token", "revoke", tok.ID}, where...)...); code != 0 {
				t.Fatalf("token revoke: exit %d: %s", code, errs)
			}
			if _, err := recs.Authenticate(context.Background(), secret); !errors.Is(err, storage.ErrForbidden) {
				t.Fatalf("revoked token: %v", err)
			}
			if code, _, _ := runCmd(t, append([]string{"token", "revoke", "tok_nope"}, where...)...); code != 1 {
				t.Fatalf("revoking an unknown token: exit %d, want 1", code)
			}
		})
	}

	t.Run("env", func(t *testing.T) {
		t.Setenv("SOHOA_DB", pg)
		code, out, errs := runCmd(t, "token", "create", "--role", "admin")
		if code != 0 || !strings.HasPrefix(out, dossier.TokenPrefix) {
			t.Fatalf("token create with SOHOA_DB: exit %d %q %s", code, out, errs)
		}
	})

	usage := [][]string{
		{"token"},
		{"token", "create"},
		{"token", "create", "--role", "root", "--data", data},
		{"token", "create", "--role", "admin", "--data", data, "--db", pg},
		{"token", "revoke", "--data", data},
		{"token", "frob", "--data", data},
		{"migrate", "extra", "--data", data},
	}
	for _, args := range usage {
		if code, out, _ := runCmd(t, args...); code != 2 || out != "" {
			t.Errorf("%v: exit %d stdout %q, want usage error 2 and nothing on stdout", args, code, out)
		}
	}
}
