package web

import (
	"bufio"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"

	"github.com/sohoa/sohoa/ingest/stack"
)

// withStacks runs next on a server that takes stacks; on one that does
// not (no Config.Stacks) the stack routes answer 404.
func (s *Server) withStacks(next http.HandlerFunc) http.HandlerFunc {
	return s.partOn(func() bool { return s.cfg.Stacks != nil }, "máy chủ này không nhận xấp hồ sơ", "this server takes no stacks", next)
}

// postStack receives a stack: a "manifest" part (stack.Manifest) then one
// image file per page, in the manifest's order. The pages are checked from
// their headers, stored with the stack, and the split is queued as a job
// (stack.Splitter.Accept): the answer, 202, names the stack and where to
// follow it, GET /v1/stacks/{id}, which lists the dossiers found (each a
// batch) and the exceptions once the job has split it. The same stack
// sent again (same idempotency key, or the same pages without one) is
// answered with the stack as it stands.
func (s *Server) postStack(w http.ResponseWriter, r *http.Request) {
	tok := TokenFrom(r.Context())
	// One stack counts as one upload against the station's batches per
	// minute; each dossier's pages count against its pages per hour.
	m, files, dir, err := receiveUpload(s, w, r, tok, "xấp", "stack", stack.ParseManifest)
	defer os.RemoveAll(dir)
	if err != nil {
		s.rejectUpload(w, r, err)
		return
	}
	st, created, err := s.cfg.Stacks.Accept(r.Context(), tok, m, files)
	if err != nil {
		s.rejectUpload(w, r, err)
		return
	}
	v, err := s.cfg.Stacks.View(r.Context(), tok, st.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if created {
		s.m.pages.Add(float64(len(st.Pages)))
	}
	w.Header().Set("Location", "/v1/stacks/"+st.ID)
	apiJSON(w, http.StatusAccepted, acceptedStack{View: v, StatusURL: "/v1/stacks/" + st.ID, Created: created})
}

// acceptedStack is the answer to POST /v1/stacks.
type acceptedStack struct {
	*stack.View
	StatusURL string `json:"status_url"`
	Created   bool   `json:"created"`
}

// getStack is GET /v1/stacks/{id}: the stack's state (queued, splitting,
// split, exception, failed) and, once split, its dossiers and exceptions.
// A station sees its own stacks only.
func (s *Server) getStack(w http.ResponseWriter, r *http.Request) {
	v, err := s.cfg.Stacks.View(r.Context(), TokenFrom(r.Context()), r.PathValue("id"))
	s.answer(w, r, v, err)
}

// resolveStackException gives the pages of a stack exception their dossier
// code: {"dossier_code": "..."}; they become a batch like any upload.
func (s *Server) resolveStackException(w http.ResponseWriter, r *http.Request) {
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

// getStackException is GET /v1/stack-exceptions/{id}: one exception, open
// or resolved (then with its batch), with the codes proposed for it. A
// station sees its own only.
func (s *Server) getStackException(w http.ResponseWriter, r *http.Request) {
	e, err := s.cfg.Stacks.Exception(r.Context(), TokenFrom(r.Context()), r.PathValue("id"))
	s.answer(w, r, e, err)
}

// getStackExceptionPage is GET /v1/stack-exceptions/{id}/pages/{position}:
// the scanned file of one page of the exception (position in the stack),
// as the station sent it, for the operator to read before resolving.
func (s *Server) getStackExceptionPage(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("position"))
	if err != nil || n < 1 {
		apiError(w, http.StatusBadRequest, "số trang không hợp lệ", "bad page number")
		return
	}
	rc, p, err := s.cfg.Stacks.ExceptionPage(r.Context(), TokenFrom(r.Context()), r.PathValue("id"), n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer rc.Close()
	br := bufio.NewReader(rc)
	head, _ := br.Peek(512)
	w.Header().Set("Content-Type", http.DetectContentType(head)) // PNG, JPEG; TIFF as octet-stream
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": p.Name}))
	w.Header().Set("Content-Length", strconv.FormatInt(p.Size, 10))
	if _, err := io.Copy(w, br); err != nil {
		s.log.Warn("web: stack exception page cut short", "exception", r.PathValue("id"), "page", n, "err", err)
	}
}

// answer writes what a GET read, v, as JSON; or err, as fail words it
// (a station asking for another's: 404).
func (s *Server) answer(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	apiJSON(w, http.StatusOK, v)
}
