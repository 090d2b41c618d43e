package web

import (
	"encoding/json"
	"io"
	"net/http"
	"os"

	"github.com/sohoa/sohoa/ingest/stack"
)

// postStack receives a stack: a "manifest" part (stack.Manifest) then one
// image file per page, in the manifest's order. The pages are split into
// dossiers by separator sheets and receipts before the answer: every
// dossier found is a batch committed and queued through the intake, every
// run of pages no mark claims is an exception kept with its files. Splits
// run one at a time: reading symbols on every page costs CPU that batch
// uploads and the workers share.
func (s *Server) postStack(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Stacks == nil {
		apiError(w, http.StatusNotFound, "máy chủ này không nhận xấp hồ sơ", "this server takes no stacks")
		return
	}
	tok := TokenFrom(r.Context())
	// One stack counts as one upload against the station's batches per
	// minute; each dossier's pages count against its pages per hour.
	m, files, dir, err := receiveUpload(s, w, r, tok, "xấp", "stack", stack.ParseManifest)
	defer os.RemoveAll(dir)
	if err != nil {
		s.rejectUpload(w, r, err)
		return
	}
	select {
	case s.stackSlot <- struct{}{}:
		defer func() { <-s.stackSlot }()
	case <-r.Context().Done():
		return
	}
	out, err := s.cfg.Stacks.Split(r.Context(), tok, m, files)
	if err != nil {
		s.rejectUpload(w, r, err)
		return
	}
	for _, d := range out.Dossiers {
		if d.Created {
			s.m.pages.Add(float64(len(d.Pages)))
		}
	}
	apiJSON(w, http.StatusAccepted, out)
}

// resolveStackException gives the pages of a stack exception their dossier
// code: {"dossier_code": "..."}; they become a batch like any upload.
func (s *Server) resolveStackException(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Stacks == nil {
		apiError(w, http.StatusNotFound, "máy chủ này không nhận xấp hồ sơ", "this server takes no stacks")
		return
	}
	var body struct {
		DossierCode string `json:"dossier_code"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		apiError(w, http.StatusBadRequest, "cần JSON {\"dossier_code\": \"...\"}", "expected JSON {\"dossier_code\": \"...\"}")
		return
	}
	b, created, err := s.cfg.Stacks.Resolve(r.Context(), TokenFrom(r.Context()), r.PathValue("id"), body.DossierCode, s.cfg.SpoolDir)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/batches/"+b.ID)
	apiJSON(w, http.StatusAccepted, map[string]any{"batch_id": b.ID, "dossier_code": b.DossierCode, "status": b.Status,
		"pages": len(b.Pages), "created": created})
}
