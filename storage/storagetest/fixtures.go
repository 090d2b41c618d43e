package storagetest

import (
	"fmt"
	"testing"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
)

// Token creates an API token of role for the holder name (a station's
// name for a station token) and returns its secret; a failure fails the
// test.
func Token(t testing.TB, recs *storage.SQLRecords, role dossier.Role, name string) string {
	t.Helper()
	secret, _, err := recs.CreateToken(t.Context(), role, name)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// Upload stores b as an accepted upload of n pages, 1.jpg to n.jpg, after
// the pages b already has, and returns the batch as stored (its pages
// pending); a failure fails the test.
func Upload(t testing.TB, recs *storage.SQLRecords, b dossier.Batch, n int) *dossier.Batch {
	t.Helper()
	for p := 1; p <= n; p++ {
		b.Pages = append(b.Pages, dossier.Page{Index: len(b.Pages) + 1, SourceName: fmt.Sprintf("%d.jpg", p)})
	}
	stored, _, err := recs.CreateBatch(t.Context(), &b, true)
	if err != nil {
		t.Fatal(err)
	}
	return stored
}
