package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sohoa/sohoa/storage"
)

func TestOpenDBSQLitePaths(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "thư mục có dấu cách#1")
	tests := []struct{ url, file string }{
		{filepath.Join(dir, "a", "sohoa.db"), filepath.Join(dir, "a", "sohoa.db")},
		{"sqlite://" + filepath.Join(dir, "b", "sohoa.db"), filepath.Join(dir, "b", "sohoa.db")},
		{"file:" + filepath.Join(dir, "c", "sohoa.db"), filepath.Join(dir, "c", "sohoa.db")},
		{filepath.Join(dir, "d", "sohoa.db") + "?synchronous=NORMAL", filepath.Join(dir, "d", "sohoa.db")},
		{storage.DataDBPath(filepath.Join(dir, "data")), filepath.Join(dir, "data", "sohoa.db")},
	}
	for _, tc := range tests {
		db, err := storage.OpenDB(ctx, tc.url)
		if err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		if err := storage.MigrateRecords(ctx, db); err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		var mode, sync string
		var fk int
		db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
		db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync)
		db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk)
		db.Close()
		wantSync := "2" // FULL
		if filepath.Base(filepath.Dir(tc.file)) == "d" {
			wantSync = "1" // NORMAL
		}
		if mode != "wal" || sync != wantSync || fk != 1 {
			t.Errorf("%s: journal_mode %s synchronous %s foreign_keys %d", tc.url, mode, sync, fk)
		}
		if _, err := os.Stat(tc.file); err != nil {
			t.Errorf("%s: database not at %s: %v", tc.url, tc.file, err)
		}
	}
	if _, err := storage.OpenDB(ctx, filepath.Join(dir, "x.db")+"?synchronous=OFF"); err == nil {
		t.Error("synchronous=OFF accepted")
	}
}

func TestRebind(t *testing.T) {
	tests := []struct{ in, sqlite, pg string }{
		{"SELECT 1", "SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = ? AND b = ?", "a = $1 AND b = $2"},
		{"x = '?' AND y = ?", "x = '?' AND y = ?", "x = '?' AND y = $1"},
	}
	for _, tc := range tests {
		if got := (&storage.DB{Dialect: storage.SQLite}).Rebind(tc.in); got != tc.sqlite {
			t.Errorf("sqlite %q -> %q", tc.in, got)
		}
		if got := (&storage.DB{Dialect: storage.Postgres}).Rebind(tc.in); got != tc.pg {
			t.Errorf("postgres %q -> %q, want %q", tc.in, got, tc.pg)
		}
	}
}
