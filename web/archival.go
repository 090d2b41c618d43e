package web

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/sohoa/sohoa/ocr/archival"
	"github.com/sohoa/sohoa/storage/catalog"
)

// Catalog is what the API reads of the archival metadata;
// *catalog.Catalog implements it. Documents returns a result's documents
// in order (empty when none), DossierDocuments those of every result of a
// dossier by result code, UnsureFields the fields to check on each page
// of a batch.
type Catalog interface {
	Documents(ctx context.Context, resultCode string) ([]archival.Document, error)
	DossierDocuments(ctx context.Context, dossierCode string) (map[string][]archival.Document, error)
	UnsureFields(ctx context.Context, batchID string) (map[int][]string, error)
}

// getArchival answers GET /v1/dossiers/{code}/archival.json and .xml: the
// archival metadata of every result of the dossier, as JSON or as the XML
// profile of TT 02/2019/TT-BNV, as a file to save.
func (s *Server) getArchival(asXML bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Catalog == nil {
			apiError(w, http.StatusNotFound, "máy chủ này không lưu thông tin văn bản", "this server keeps no archival metadata")
			return
		}
		d := s.loadDossier(w, r)
		if d == nil {
			return
		}
		code := d.Code
		docs, err := s.cfg.Catalog.DossierDocuments(r.Context(), code)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		e := catalog.NewExport(d, docs)
		name := strings.NewReplacer(`"`, "", "/", "_").Replace(code) + "-archival"
		if !asXML {
			w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.json"`)
			apiJSON(w, http.StatusOK, e)
			return
		}
		var b bytes.Buffer
		if err := e.WriteXML(&b, time.Now()); err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xml"`)
		w.Header().Set("Cache-Control", "no-store")
		w.Write(b.Bytes())
	}
}
