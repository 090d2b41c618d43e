package web

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
)

// Signing is signing at the desk in two steps (*workers.Desk implements
// it): the documents waiting for an official's signature, prepare (the
// signature field for their certificate and the digest their token signs)
// and complete (the signature value, checked, embedded, linked). Refused
// steps are *dossier.SigningRefusal; unknown ids storage.ErrNotFound.
type Signing interface {
	Queue(ctx context.Context, station, state string, limit int) ([]dossier.SigningRequest, error)
	Request(ctx context.Context, id string) (*dossier.SigningRequest, error)
	// Document opens the unsigned PDF/A of a request (the preview).
	Document(ctx context.Context, req *dossier.SigningRequest) (io.ReadCloser, storage.ObjectInfo, error)
	Prepare(ctx context.Context, id string, chain []*x509.Certificate, actor string) (*dossier.SigningDigest, error)
	Complete(ctx context.Context, id string, signature []byte, chain []*x509.Certificate, actor string) (*dossier.Result, error)
	Audit(ctx context.Context, id string) ([]dossier.SigningAudit, error)
	// Reopen gives an expired request (an exception) a new deadline,
	// within from now (0: the configured one): it awaits signature again.
	Reopen(ctx context.Context, id string, within time.Duration, actor string) (*dossier.SigningRequest, error)
}

// Bounds of what a desk client posts: a chain of a few certificates.
const (
	maxSigningBody = 256 << 10
	maxChainCerts  = 8
)

func (s *Server) signingRoutes(h func(string, http.Handler)) {
	for pattern, f := range map[string]http.HandlerFunc{
		"GET /v1/signing":                 s.listSigning,
		"GET /v1/signing/{id}":            s.getSigning,
		"GET /v1/signing/{id}/pdf":        s.getSigningPDF,
		"GET /v1/signing/{id}/audit":      s.getSigningAudit,
		"POST /v1/signing/{id}/prepare":   s.prepareSigning,
		"POST /v1/signing/{id}/signature": s.postSignature,
	} {
		h(pattern, s.auth(s.signingEnabled(f), dossier.RoleStation))
	}
	// An operator's action on an exception: admin only.
	h("POST /v1/signing/{id}/reopen", s.auth(s.signingEnabled(s.reopenSigning)))
}

// signingEnabled answers 404 when desk signing is off, else runs f.
func (s *Server) signingEnabled(f http.HandlerFunc) http.HandlerFunc {
	return s.partOn(func() bool { return s.cfg.Signing != nil }, "máy chủ này không bật ký số tại quầy", "desk signing is not enabled on this server", f)
}

// partOn runs f while on says the optional part of the server that f
// serves is there; otherwise it answers 404 with the message (vi, en).
func (s *Server) partOn(on func() bool, vi, en string, f http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !on() {
			apiError(w, http.StatusNotFound, vi, en)
			return
		}
		f(w, r)
	}
}

// reopenSigning is POST /v1/signing/{id}/reopen {"deadline": "72h"}
// (optional; the configured deadline when absent): an expired request
// awaits its official's signature again.
func (s *Server) reopenSigning(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Deadline string `json:"deadline"`
	}
	if r.ContentLength != 0 {
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&in); err != nil && !errors.Is(err, io.EOF) {
			apiError(w, http.StatusBadRequest, "thân yêu cầu phải là JSON {\"deadline\": \"72h\"}", "the body must be JSON {\"deadline\": \"72h\"}")
			return
		}
	}
	var within time.Duration
	if in.Deadline != "" {
		d, err := time.ParseDuration(in.Deadline)
		if err != nil || d <= 0 {
			apiError(w, http.StatusBadRequest, "deadline phải là một khoảng thời gian như 72h hoặc 30m", "deadline must be a duration such as 72h or 30m")
			return
		}
		within = d
	}
	req, err := s.cfg.Signing.Reopen(r.Context(), r.PathValue("id"), within, TokenFrom(r.Context()).Name)
	if err != nil {
		s.failSigning(w, r, err)
		return
	}
	apiJSON(w, http.StatusOK, signingView{req, "/v1/signing/" + req.ID + "/pdf"})
}

// failSigning answers a refused step (409 when the request is not in a
// state for it, 422 when the input is wrong), an unknown request 404,
// anything else as fail does.
func (s *Server) failSigning(w http.ResponseWriter, r *http.Request, err error) {
	var ref *dossier.SigningRefusal
	if errors.As(err, &ref) {
		status := http.StatusUnprocessableEntity
		if ref.Conflict {
			status = http.StatusConflict
		}
		apiError(w, status, ref.ReasonVI, ref.Reason)
		return
	}
	if errors.Is(err, storage.ErrNotFound) {
		apiError(w, http.StatusNotFound, "không có yêu cầu ký này", "no such signing request")
		return
	}
	s.fail(w, r, err)
}

// signingView is a request as the API shows it.
type signingView struct {
	*dossier.SigningRequest
	PDFURL string `json:"pdf_url"`
}

func (s *Server) listSigning(w http.ResponseWriter, r *http.Request) {
	state := r.URL.Query().Get("state")
	switch state {
	case "":
		state = dossier.SigningAwaiting
	case dossier.SigningAwaiting, dossier.SigningSigned, dossier.SigningExpired:
	default:
		apiError(w, http.StatusBadRequest, "state phải là awaiting, signed hoặc expired", "state must be awaiting, signed or expired")
		return
	}
	limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || limit <= 0 || limit > 500 {
		limit = 500
	}
	tok := TokenFrom(r.Context())
	station := ""
	if tok.Role != dossier.RoleAdmin {
		station = tok.Name // a desk sees its own documents
	}
	reqs, err := s.cfg.Signing.Queue(r.Context(), station, state, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]signingView, len(reqs))
	for i := range reqs {
		out[i] = signingView{&reqs[i], "/v1/signing/" + reqs[i].ID + "/pdf"}
	}
	apiJSON(w, http.StatusOK, map[string]any{"requests": out})
}

// ownSigning loads the request of the path, refusing another desk's.
func (s *Server) ownSigning(w http.ResponseWriter, r *http.Request) *dossier.SigningRequest {
	req, err := s.cfg.Signing.Request(r.Context(), r.PathValue("id"))
	tok := TokenFrom(r.Context())
	switch {
	case err == nil && (tok.Role == dossier.RoleAdmin || req.Station == tok.Name):
		return req
	case err == nil, errors.Is(err, storage.ErrNotFound):
		// Another desk's request is as unknown as a missing one.
		apiError(w, http.StatusNotFound, "không có yêu cầu ký này", "no such signing request")
	default:
		s.fail(w, r, err)
	}
	return nil
}

func (s *Server) getSigning(w http.ResponseWriter, r *http.Request) {
	if req := s.ownSigning(w, r); req != nil {
		apiJSON(w, http.StatusOK, signingView{req, "/v1/signing/" + req.ID + "/pdf"})
	}
}

func (s *Server) getSigningPDF(w http.ResponseWriter, r *http.Request) {
	req := s.ownSigning(w, r)
	if req == nil {
		return
	}
	rc, info, err := s.cfg.Signing.Document(r.Context(), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Length", strconv.FormatInt(info.Size, 10))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", req.ResultCode+"-chua-ky.pdf"))
	io.Copy(w, rc)
}

func (s *Server) getSigningAudit(w http.ResponseWriter, r *http.Request) {
	req := s.ownSigning(w, r)
	if req == nil {
		return
	}
	a, err := s.cfg.Signing.Audit(r.Context(), req.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	apiJSON(w, http.StatusOK, map[string]any{"audit": a})
}

// signingBody is what prepare and signature take: the chain as base64
// DER, signer first, and the signature value (base64).
type signingBody struct {
	Chain     [][]byte `json:"chain"`
	Signature []byte   `json:"signature"`
}

// readSigningBody decodes a bounded body and parses its chain.
func readSigningBody(w http.ResponseWriter, r *http.Request) (*signingBody, []*x509.Certificate, bool) {
	var b signingBody
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSigningBody)).Decode(&b); err != nil {
		apiError(w, http.StatusBadRequest, "thân yêu cầu phải là JSON {\"chain\": [...], \"signature\": \"...\"} (base64)",
			"the body must be JSON {\"chain\": [...], \"signature\": \"...\"} (base64)")
		return nil, nil, false
	}
	if len(b.Chain) > maxChainCerts {
		apiError(w, http.StatusBadRequest, fmt.Sprintf("chuỗi chứng thư quá dài (tối đa %d)", maxChainCerts), fmt.Sprintf("certificate chain too long (at most %d)", maxChainCerts))
		return nil, nil, false
	}
	chain := make([]*x509.Certificate, 0, len(b.Chain))
	for i, der := range b.Chain {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			apiError(w, http.StatusUnprocessableEntity, fmt.Sprintf("chứng thư số thứ %d không đọc được", i+1), fmt.Sprintf("certificate %d cannot be read: %v", i+1, err))
			return nil, nil, false
		}
		chain = append(chain, c)
	}
	return &b, chain, true
}

// signingStep runs one step (prepare, signature) on the request of the
// path with the posted body, answering its result or its refusal.
func (s *Server) signingStep(w http.ResponseWriter, r *http.Request, step func(req *dossier.SigningRequest, b *signingBody, chain []*x509.Certificate, actor string) (any, error)) {
	req := s.ownSigning(w, r)
	if req == nil {
		return
	}
	b, chain, ok := readSigningBody(w, r)
	if !ok {
		return
	}
	out, err := step(req, b, chain, TokenFrom(r.Context()).Name)
	if err != nil {
		s.failSigning(w, r, err)
		return
	}
	apiJSON(w, http.StatusOK, out)
}

func (s *Server) prepareSigning(w http.ResponseWriter, r *http.Request) {
	s.signingStep(w, r, func(req *dossier.SigningRequest, _ *signingBody, chain []*x509.Certificate, actor string) (any, error) {
		if len(chain) == 0 {
			return nil, &dossier.SigningRefusal{Reason: "the certificate chain (chain) is missing", ReasonVI: "thiếu chuỗi chứng thư số (chain)"}
		}
		return s.cfg.Signing.Prepare(r.Context(), req.ID, chain, actor)
	})
}

func (s *Server) postSignature(w http.ResponseWriter, r *http.Request) {
	s.signingStep(w, r, func(req *dossier.SigningRequest, b *signingBody, chain []*x509.Certificate, actor string) (any, error) {
		if len(b.Signature) == 0 || len(b.Signature) > 1024 {
			return nil, &dossier.SigningRefusal{Reason: "the signature value (signature, base64) is missing or too long", ReasonVI: "thiếu giá trị chữ ký (signature, base64) hoặc quá dài"}
		}
		res, err := s.cfg.Signing.Complete(r.Context(), req.ID, b.Signature, chain, actor)
		if res != nil {
			res.Key = ""
		}
		return res, err
	})
}
