//go:build unix

package storage_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/sohoa/sohoa/storage"
)

// TestDataFilesPrivate: the embedded data folder (records, OCR text, token
// hashes, page scans) is readable by the service's user alone, whatever the
// umask: files 0600, folders 0700. sohoa.db used to be 0644.
func TestDataFilesPrivate(t *testing.T) {
	old := syscall.Umask(0o022) // the usual umask, which made 0644 files
	defer syscall.Umask(old)
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")

	db, err := storage.OpenDB(ctx, storage.DataDBPath(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := storage.MigrateRecords(ctx, db); err != nil {
		t.Fatal(err)
	}
	blobs, err := storage.OpenLocal(storage.DataBlobsPath(data))
	if err != nil {
		t.Fatal(err)
	}
	body := "trang 1"
	if _, err := blobs.Put(ctx, "dossiers/000.00.31.H33-220804-0001/sources/p1.jpg", strings.NewReader(body), int64(len(body)), "image/jpeg", ""); err != nil {
		t.Fatal(err)
	}
	checkPrivate(t, data)
	db.Close()

	// A database an older version left world-readable is closed up on open.
	loose := filepath.Join(t.TempDir(), "old", "sohoa.db")
	os.MkdirAll(filepath.Dir(loose), 0o755)
	if err := os.WriteFile(loose, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err = storage.OpenDB(ctx, loose)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if fi, _ := os.Stat(loose); fi.Mode().Perm() != 0o600 {
		t.Errorf("%s left %v", loose, fi.Mode().Perm())
	}
}

// checkPrivate walks root: every folder 0700, every file 0600.
func checkPrivate(t *testing.T, root string) {
	t.Helper()
	n := 0
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Error(err)
			return nil
		}
		fi, _ := d.Info()
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: %v, want %v", p, fi.Mode().Perm(), want)
		}
		n++
		return nil
	})
	if n < 6 {
		t.Errorf("only %d entries under %s", n, root)
	}
}
