package storagetest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr"
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

// StoreResult stores b as an upload of one page per text (see Upload),
// each page read as one line of boxed words (confidence 91.5) whose
// reading is in blobs, and links a pretend signed PDF of them made on
// 1 June 2025: a result as the workers leave it, not yet indexed. It
// returns the result's code; a failure fails the test.
func StoreResult(t testing.TB, recs *storage.SQLRecords, blobs storage.Blobs, b dossier.Batch, texts []string) string {
	t.Helper()
	ctx := t.Context()
	stored := Upload(t, recs, b, len(texts))
	for i, text := range texts {
		key := storage.PageOCRKey(b.DossierCode, stored.ID, i+1)
		var line ocr.Line
		for j, w := range strings.Fields(text) {
			line.Words = append(line.Words, ocr.Word{Text: w, Box: ocr.Box{X0: 100 * j, Y0: 10, X1: 100*j + 90, Y1: 40}, Confidence: 91.5})
		}
		body, _ := json.Marshal(ocr.Result{File: fmt.Sprintf("%d.jpg", i+1), Page: 1, Text: text, Confidence: 91.5, Lines: []ocr.Line{line}})
		if _, err := blobs.Put(ctx, key, strings.NewReader(string(body)), int64(len(body)), "application/json", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := recs.FinishPage(ctx, dossier.Page{BatchID: stored.ID, Index: i + 1, Status: dossier.PageDone, ResultKey: key, Confidence: 91.5}); err != nil {
			t.Fatal(err)
		}
	}
	code, err := recs.ReserveResultCode(ctx, stored.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := recs.AddResult(ctx, dossier.Result{Code: code, DossierCode: b.DossierCode, BatchID: stored.ID, Title: b.Title,
		Key: storage.ResultKey(b.DossierCode, code, strings.Repeat("ab", 32)), SHA256: strings.Repeat("ab", 32), Size: 1000, Pages: len(texts),
		CreatedAt: time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	return code
}
