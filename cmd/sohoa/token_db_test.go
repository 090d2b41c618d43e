package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// TestTokenNeverCreatesADatabase: token create/list with a mistyped or
// missing --data (or an empty PostgreSQL) refuse and name the database,
// instead of creating an empty one whose tokens the server never sees.
func TestTokenNeverCreatesADatabase(t *testing.T) {
	clearCommandEnv(t)
	t.Chdir(t.TempDir()) // where the default ./sohoa-data would be created
	empty := t.TempDir()
	typo := filepath.Join(t.TempDir(), "sohoa-dta")
	pg := storagetest.PostgresURL(t) // a fresh, empty schema
	tests := []struct {
		name  string
		args  []string
		says  string
		files []string // must not exist afterwards
	}{
		{"mistyped --data", []string{"--data", typo}, "no database at " + storage.DataDBPath(typo), []string{typo}},
		{"folder without a database", []string{"--data", empty}, "no database at " + storage.DataDBPath(empty), []string{storage.DataDBPath(empty)}},
		{"no --data at all", nil, "no database at " + storage.DataDBPath(absPath("sohoa-data")), []string{"sohoa-data"}},
		{"empty PostgreSQL", []string{"--db", pg}, "holds no sohoa records", nil},
	}
	for _, tt := range tests {
		for _, sub := range [][]string{{"token", "create", "--role", "archivist", "--name", "a"}, {"token", "list"}} {
			t.Run(tt.name+"/"+sub[1], func(t *testing.T) {
				code, out, errs := runCmd(t, append(sub, tt.args...)...)
				if code != 1 || out != "" || !strings.Contains(errs, tt.says) {
					t.Errorf("exit %d, stdout %q, stderr %q; want 1 saying %q", code, out, errs, tt.says)
				}
				for _, f := range tt.files {
					if _, err := os.Stat(f); err == nil {
						t.Errorf("%s was created", f)
					}
				}
			})
		}
	}
	// The database used is named on success too.
	data := t.TempDir()
	if code, _, errs := runCmd(t, "migrate", "--data", data); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := runCmd(t, "token", "list", "--data", data); code != 0 || !strings.Contains(errs, "database: "+storage.DataDBPath(data)) {
		t.Errorf("token list: exit %d, stderr %q", code, errs)
	}
}

func TestTokenCreateRules(t *testing.T) {
	clearCommandEnv(t)
	data := t.TempDir()
	if code, _, errs := runCmd(t, "migrate", "--data", data); code != 0 {
		t.Fatal(errs)
	}
	create := func(args ...string) (int, string, string) {
		return runCmd(t, append([]string{"token", "create", "--data", data}, args...)...)
	}
	if code, out, _ := create("--role", "station"); code != 2 || out != "" {
		t.Errorf("station token without --name: exit %d, stdout %q", code, out)
	}
	if code, _, errs := create("--role", "station", "--name", "quay-1"); code != 0 {
		t.Fatal(errs)
	}
	if code, out, errs := create("--role", "station", "--name", "quay-1"); code != 1 || out != "" || !strings.Contains(errs, `station token named "quay-1" exists`) {
		t.Errorf("second station quay-1: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	for _, bad := range []string{"-1h", "2001-01-01", "soon"} {
		if code, out, _ := create("--role", "case", "--name", "x", "--expires", bad); code != 2 || out != "" {
			t.Errorf("--expires %s: exit %d, stdout %q", bad, code, out)
		}
	}
	code, out, errs := create("--role", "case", "--name", "một cửa", "--expires", "720h")
	if code != 0 || !strings.HasPrefix(out, "sohoa_") {
		t.Fatalf("--expires 720h: exit %d: %s", code, errs)
	}
	want := localTime(time.Now().Add(720 * time.Hour))[:10] // the day, in the desk's zone
	if !strings.Contains(errs, "valid until "+want) {
		t.Errorf("create does not say until when: %q (want %s)", errs, want)
	}
	_, list, _ := runCmd(t, "token", "list", "--data", data)
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "EXPIRES") || !strings.Contains(lines[2], want) {
		t.Errorf("token list:\n%s", list)
	}
	if today := localTime(time.Now())[:10]; !strings.Contains(lines[1], today) {
		t.Errorf("token list does not show creation in local time (%s):\n%s", today, list)
	}
}

func TestParseExpiry(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.Local)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"720h", now.Add(720 * time.Hour), true},
		{"2027-01-31", time.Date(2027, 2, 1, 0, 0, 0, 0, time.Local), true}, // to the end of that day
		{"2027-01-31T08:00:00+07:00", time.Date(2027, 1, 31, 1, 0, 0, 0, time.UTC), true},
		{"2026-12-01", time.Time{}, false},
		{"-5m", time.Time{}, false},
		{"mai", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := parseExpiry(tt.in, now)
		if (err == nil) != tt.ok || (tt.ok && !got.Equal(tt.want)) {
			t.Errorf("%s: %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
