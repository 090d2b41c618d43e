package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/catalog"
	"github.com/sohoa/sohoa/storage/index"
	"github.com/sohoa/sohoa/storage/storagetest"
	"github.com/sohoa/sohoa/web"
)

// apiHarness is the real API, with the search API and page, over SQLite
// records, local blobs and a full-text index in one fresh database, with no
// workers: what an embedded serve runs, minus the OCR. The bad-token limit
// is off so that tests can fail sign-ins freely.
type apiHarness struct {
	URL     string
	Handler http.Handler
	Records *storage.SQLRecords
	Blobs   *storage.Local
	Index   index.Searcher
	Catalog *catalog.Catalog
	Intake  *ingest.Intake
}

// newAPIHarness starts one for the test; edit, when not nil, adjusts the
// configuration (spool folder, intake limits...) before the server is
// built.
func newAPIHarness(t testing.TB, edit func(*web.Config)) *apiHarness {
	t.Helper()
	db := storagetest.OpenDB(t, storage.SQLite)
	h := &apiHarness{Records: storagetest.Records(t, db), Blobs: storagetest.LocalBlobs(t)}
	idx := storagetest.Open(t, db, index.Open)
	h.Index = idx
	h.Catalog = storagetest.Open(t, db, catalog.Open)
	h.Intake = &ingest.Intake{Records: h.Records, Blobs: h.Blobs}
	search := web.NewSearch(idx, web.SearchOptions{})
	cfg := web.Config{Records: h.Records, Blobs: h.Blobs, Catalog: h.Catalog, Intake: h.Intake, Search: search.API(), UI: search.Page(), Rate: -1}
	if edit != nil {
		edit(&cfg)
	}
	srv, err := web.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.Handler = srv.Handler()
	ts := httptest.NewServer(h.Handler)
	t.Cleanup(ts.Close)
	h.URL = ts.URL
	return h
}

// token creates a token of the role for a holder named name and returns its
// secret.
func (h *apiHarness) token(t testing.TB, role dossier.Role, name string) string {
	return storagetest.Token(t, h.Records, role, name)
}
