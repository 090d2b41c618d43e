package storage

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestMigrateStationNames: a database from before unique station names
// (two live station tokens "quay-1", one without a name) migrates; the
// oldest keeps its name, the others are renamed after their ids.
func TestMigrateStationNames(t *testing.T) {
	ctx := context.Background()
	db, err := OpenDB(ctx, filepath.Join(t.TempDir(), DataDBFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx, RecordsComponent, recordsMigrations[:2]); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().UTC()
	for i, tk := range []struct{ id, role, name string }{
		{"tok_a", "station", "quay-1"}, {"tok_b", "station", "quay-1"}, {"tok_c", "station", ""},
		{"tok_d", "archivist", ""}, {"tok_e", "station", "quay-2"},
	} {
		if _, err := db.ExecContext(ctx, `INSERT INTO tokens (id, secret_hash, role, name, created_at) VALUES (?, ?, ?, ?, ?)`,
			tk.id, tk.id, tk.role, tk.name, t0.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	r, err := OpenRecords(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	list, err := r.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"tok_a": "quay-1", "tok_b": "quay-1-tok_b", "tok_c": "tok_c", "tok_d": "", "tok_e": "quay-2"}
	for _, tk := range list {
		if tk.Name != want[tk.ID] {
			t.Errorf("%s: name %q, want %q", tk.ID, tk.Name, want[tk.ID])
		}
	}
}
