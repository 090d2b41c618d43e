package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ingest/review"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/storage"
)

// The desk review: before signing, the official sees each page of a
// document with the words OCR doubts boxed, corrects words and lines,
// turns, moves, deletes, blanks pages. Every change is appended to the
// batch's review log (who, what, when: the audit), checked against the
// document as the log leaves it, and the document awaiting signature is
// rebuilt from it, so the digest to sign changes and a signature made for
// the old one is refused.

// ReviewLog is the review log; *storage.ReviewRecords implements it.
type ReviewLog interface {
	// Changes returns a batch's changes in order (empty when none).
	Changes(ctx context.Context, batchID string) ([]dossier.ReviewChange, error)
	// AddChange appends c as change number after+1: storage.ErrConflict
	// when the log has moved on since the official's view.
	AddChange(ctx context.Context, c *dossier.ReviewChange, after int) error
}

// Reassembler rebuilds the document awaiting signature from a batch's
// pages and review log (the signing side implements it). Reassemble
// returns storage.ErrConflict when the batch's document no longer awaits
// signature (signed, expired): a signed file is never altered.
type Reassembler interface {
	Reassemble(ctx context.Context, batchID string) error
}

// Reviser gives a signed document's changes to its revision: a signed
// file is never altered, so a change after signing makes a new batch of
// the same pages and review log whose result, the dossier's next KQ<n+1>,
// supersedes the signed one. Revise returns the batch that takes changes
// to batchID's document (batchID itself until its result is linked; then
// its revision, opened once however often and concurrently asked);
// Revision returns the id of batchID's revision, "" when none.
type Reviser interface {
	Revise(ctx context.Context, batchID string) (string, error)
	Revision(ctx context.Context, batchID string) (string, error)
}

// Rescanner reads a page's re-scan by a job (*workers.Runner): the file
// is stored under sourceKey; once read, the page is replaced in batchID's
// review log by change c (its page, source hash, reviewer) and the
// document rebuilt.
type Rescanner interface {
	Rescan(ctx context.Context, batchID, sourceKey, sourceName string, c dossier.ReviewChange) error
}

// rescanManifest is the first part of a re-scan upload: the file's name
// (the next part) and the review seq the official saw.
type rescanManifest struct {
	File  string `json:"file"`
	After int    `json:"after"`
}

func (m *rescanManifest) PageFiles() []string { return []string{m.File} }
func (m *rescanManifest) DefaultKey(string)   {}

func parseRescanManifest(r io.Reader) (*rescanManifest, error) {
	var m rescanManifest
	dec := json.NewDecoder(io.LimitReader(r, maxReviewBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil || m.File == "" {
		return nil, &ingest.Error{Status: http.StatusBadRequest, Field: "manifest",
			VI: "manifest phải là JSON {\"file\": \"tên tệp\", \"after\": n}", EN: "the manifest must be JSON {\"file\": \"name\", \"after\": n}"}
	}
	return &m, nil
}

// postReviewRescan is POST /v1/review/{id}/pages/{page}/rescan: a
// multipart upload of a manifest part then one image, received and
// checked as a batch's files are (size, format, pixels, slow bodies; one
// page), stored, and read by a job; the answer (202) comes before the
// reading. On a signed document the re-scan goes to its revision.
func (s *Server) postReviewRescan(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Rescanner == nil || s.cfg.Intake == nil {
		apiError(w, http.StatusNotFound, "máy chủ này không nhận bản quét lại", "this server takes no re-scans")
		return
	}
	tok := TokenFrom(r.Context())
	st := s.loadReview(w, r)
	if st == nil {
		return
	}
	p := st.page(w, r)
	if p == nil {
		return
	}
	if !st.editable() && !st.revisable {
		apiError(w, http.StatusConflict, "văn bản đã ký hoặc chưa đọc xong: không thay trang được", "the document is signed or not fully read: no page can be replaced")
		return
	}
	if !slices.ContainsFunc(st.doc, func(d review.Page) bool { return d.Index == p.Index }) {
		apiError(w, http.StatusUnprocessableEntity, "trang này đã bị xóa khỏi văn bản", "this page was deleted from the document")
		return
	}
	m, files, dir, err := receiveUpload(s, w, r, tok, "bản quét lại", "re-scan", parseRescanManifest)
	defer os.RemoveAll(dir)
	if err != nil {
		s.rejectUpload(w, r, err)
		return
	}
	if m.After != len(st.log) {
		apiError(w, http.StatusConflict, "văn bản vừa được sửa ở nơi khác; tải lại trang", "the document was changed elsewhere meanwhile; reload")
		return
	}
	f := files[m.File]
	key, err := s.cfg.Intake.Rescan(r.Context(), tok, st.batch.DossierCode, m.File, f)
	if err != nil {
		s.rejectUpload(w, r, err)
		return
	}
	target := st.batch.ID
	if st.revisable {
		if target, err = s.cfg.Reviser.Revise(r.Context(), target); err != nil {
			s.failReview(w, r, err)
			return
		}
	}
	c := dossier.ReviewChange{Page: p.Index, SourceSHA: f.SHA256, Reviewer: tok.Name, TokenID: tok.ID}
	if err := s.cfg.Rescanner.Rescan(r.Context(), target, key, m.File, c); err != nil {
		s.fail(w, r, err)
		return
	}
	apiJSON(w, http.StatusAccepted, map[string]any{"batch_id": target, "page": p.Index, "status": "reading",
		"review_url": "/v1/review/" + target})
}

// maxReviewBody bounds a change request: a line of text and a few numbers.
const maxReviewBody = 16 << 10

// reviewDocument is GET /v1/review/{batch}: the document as its review
// left it, and the review log (the audit).
type reviewDocument struct {
	BatchID     string                 `json:"batch_id"`
	DossierCode string                 `json:"dossier_code"`
	Title       string                 `json:"title"`
	Station     string                 `json:"station"`
	Operator    string                 `json:"operator"`
	Status      string                 `json:"status"`
	ResultCode  string                 `json:"result_code,omitempty"` // the result this document is (or becomes when signed)
	RevisionOf  string                 `json:"revision_of,omitempty"` // the batch of the signed result this document supersedes
	RevisedBy   string                 `json:"revised_by,omitempty"`  // the batch of the newer version, once there is one
	Editable    bool                   `json:"editable"`
	Revisable   bool                   `json:"revisable"` // signed: a change makes the next result
	Seq         int                    `json:"seq"`       // changes so far: the "after" of the next change
	Pages       []reviewPage           `json:"pages"`
	Deleted     []reviewPage           `json:"deleted"`
	Changes     []dossier.ReviewChange `json:"changes"`
}

type reviewPage struct {
	Page        int     `json:"page"` // the page's name in the log (its original index)
	Rotate      int     `json:"rotate"`
	Blank       bool    `json:"blank"`
	NeedsReview bool    `json:"needs_review"`
	Confidence  float64 `json:"confidence"`
	Edits       int     `json:"edits"`
	Replaced    bool    `json:"replaced"`
}

// reviewPageView is GET /v1/review/{batch}/pages/{page}: the reading with
// each word's doubt, in pixels of the stored image.
type reviewPageView struct {
	reviewPage
	Width  int              `json:"width"`
	Height int              `json:"height"`
	Lines  []reviewPageLine `json:"lines"`
}

type reviewPageLine struct {
	Box   ocr.Box          `json:"box"`
	Words []reviewPageWord `json:"words"`
}

type reviewPageWord struct {
	ocr.Word
	Doubt string `json:"doubt,omitempty"` // review.DoubtLowConfidence, review.DoubtNotSyllable
}

// reviewState loads the batch the request names (the caller's own, for a
// station), its log and the document they make.
type reviewState struct {
	batch     *dossier.Batch
	log       []dossier.ReviewChange
	doc       []review.Page
	gone      []review.Page
	revisable bool   // signed, and a change makes a revision
	revisedBy string // the revision's batch, once there is one
}

func (s *Server) loadReview(w http.ResponseWriter, r *http.Request) *reviewState {
	b := s.ownBatch(w, r)
	if b == nil {
		return nil
	}
	log, err := s.cfg.Review.Changes(r.Context(), b.ID)
	if err != nil {
		s.fail(w, r, err)
		return nil
	}
	doc, gone, err := review.Apply(b.Pages, log)
	if err != nil {
		s.fail(w, r, err)
		return nil
	}
	st := &reviewState{batch: b, log: log, doc: doc, gone: gone, revisable: s.cfg.Reviser != nil && b.Status == dossier.BatchDone}
	if s.cfg.Reviser != nil {
		if st.revisedBy, err = s.cfg.Reviser.Revision(r.Context(), b.ID); err != nil {
			s.fail(w, r, err)
			return nil
		}
	}
	return st
}

// editable: every page read and no signed result yet.
func (st *reviewState) editable() bool {
	if st.batch.Status == dossier.BatchDone {
		return false
	}
	for _, p := range st.batch.Pages {
		if p.Status != dossier.PageDone {
			return false
		}
	}
	return true
}

func summarize(p review.Page) reviewPage {
	return reviewPage{Page: p.Index, Rotate: p.Rotate, Blank: p.MarkedBlank, NeedsReview: p.NeedsReview,
		Confidence: p.Confidence, Edits: len(p.Edits), Replaced: p.Replaced}
}

func (st *reviewState) document() reviewDocument {
	d := reviewDocument{BatchID: st.batch.ID, DossierCode: st.batch.DossierCode, Title: st.batch.Title, Station: st.batch.Station,
		Operator: st.batch.Operator, Status: st.batch.Status, ResultCode: st.batch.ResultCode, RevisionOf: st.batch.RevisionOf,
		RevisedBy: st.revisedBy, Editable: st.editable(), Revisable: st.revisable, Seq: len(st.log),
		Pages: []reviewPage{}, Deleted: []reviewPage{}, Changes: st.log}
	for _, p := range st.doc {
		d.Pages = append(d.Pages, summarize(p))
	}
	for _, p := range st.gone {
		d.Deleted = append(d.Deleted, summarize(p))
	}
	return d
}

// page finds the page named by the {page} path value, in the document or
// among the deleted.
func (st *reviewState) page(w http.ResponseWriter, r *http.Request) *review.Page {
	n, err := strconv.Atoi(r.PathValue("page"))
	for _, list := range [][]review.Page{st.doc, st.gone} {
		for i := range list {
			if err == nil && list[i].Index == n {
				return &list[i]
			}
		}
	}
	apiError(w, http.StatusNotFound, "không có trang này", "no such page")
	return nil
}

// reading loads a page's stored reading (as recognized or re-scanned).
func (s *Server) reading(ctx context.Context, p review.Page) (ocr.Result, error) {
	if p.ResultKey == "" {
		return ocr.Result{}, &review.Error{VI: fmt.Sprintf("trang %d chưa được đọc", p.Index), EN: fmt.Sprintf("page %d has not been read", p.Index)}
	}
	rc, _, err := s.cfg.Blobs.Get(ctx, p.ResultKey)
	if err != nil {
		return ocr.Result{}, err
	}
	defer rc.Close()
	var res ocr.Result
	if err := json.NewDecoder(io.LimitReader(rc, maxPageRecord)).Decode(&res); err != nil {
		return ocr.Result{}, fmt.Errorf("page record %s: %w", p.ResultKey, err)
	}
	return res, nil
}

func (s *Server) getReview(w http.ResponseWriter, r *http.Request) {
	if st := s.loadReview(w, r); st != nil {
		apiJSON(w, http.StatusOK, st.document())
	}
}

// reviewPageOf finds the page the request names in its review, or
// answers why not and returns nil.
func (s *Server) reviewPageOf(w http.ResponseWriter, r *http.Request) *review.Page {
	if st := s.loadReview(w, r); st != nil {
		return st.page(w, r)
	}
	return nil
}

func (s *Server) getReviewPage(w http.ResponseWriter, r *http.Request) {
	p := s.reviewPageOf(w, r)
	if p == nil {
		return
	}
	res, err := s.reading(r.Context(), *p)
	if err == nil {
		res, err = review.Correct(res, *p)
	}
	if err != nil {
		s.failReview(w, r, err)
		return
	}
	v := reviewPageView{reviewPage: summarize(*p), Width: res.Width, Height: res.Height, Lines: []reviewPageLine{}}
	for _, ln := range res.Lines {
		out := reviewPageLine{Box: ln.Box, Words: make([]reviewPageWord, len(ln.Words))}
		for i, wd := range ln.Words {
			out.Words[i] = reviewPageWord{Word: wd, Doubt: review.Doubt(wd)}
		}
		v.Lines = append(v.Lines, out)
	}
	apiJSON(w, http.StatusOK, v)
}

// getReviewImage is the page's stored image (as recognized: the page
// turns it as the review says), scaled to ?w= pixels wide.
func (s *Server) getReviewImage(w http.ResponseWriter, r *http.Request) {
	width, ok := scanWidth(w, r)
	if !ok {
		return
	}
	p := s.reviewPageOf(w, r)
	if p == nil {
		return
	}
	if p.ImageKey == "" || p.ResultKey == "" {
		apiError(w, http.StatusNotFound, "trang này chưa có ảnh", "this page has no image yet")
		return
	}
	s.writeScan(w, r, p.ImageKey, p.ResultKey, width, nil)
}

// reviewChangeRequest is the body of POST /v1/review/{batch}/changes.
type reviewChangeRequest struct {
	After int `json:"after"` // the seq the official saw
	dossier.ReviewChange
}

func (s *Server) postReviewChange(w http.ResponseWriter, r *http.Request) {
	var in reviewChangeRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxReviewBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(w, r, err)
			return
		}
		apiError(w, http.StatusBadRequest, "yêu cầu không phải JSON hợp lệ: "+err.Error(), "the request is not valid JSON: "+err.Error())
		return
	}
	st := s.loadReview(w, r)
	if st == nil {
		return
	}
	c := in.ReviewChange
	switch c.Kind {
	case dossier.ReviewWord, dossier.ReviewLine, dossier.ReviewRotate, dossier.ReviewMove, dossier.ReviewDelete,
		dossier.ReviewRestore, dossier.ReviewBlank:
	default:
		// A re-scan comes through its own route, with its file.
		apiError(w, http.StatusUnprocessableEntity, fmt.Sprintf("không rõ thao tác %q", c.Kind), fmt.Sprintf("unknown change %q", c.Kind))
		return
	}
	tok := TokenFrom(r.Context())
	c.ID, c.BatchID, c.Seq, c.ImageKey, c.ResultKey, c.SourceSHA = "", st.batch.ID, 0, "", "", ""
	c.Reviewer, c.TokenID = tok.Name, tok.ID
	s.applyChange(w, r, st, &c, in.After)
}

// applyChange checks c against the document, stores it and rebuilds the
// document awaiting signature; it answers the document as it now stands.
//
// A change to a signed document goes to its revision (Reviser): checked
// against the signed document, it opens the revision (the same pages and
// log) and is stored there; the answer is the revision's document, whose
// batch the official's page goes on with.
func (s *Server) applyChange(w http.ResponseWriter, r *http.Request, st *reviewState, c *dossier.ReviewChange, after int) {
	if !st.editable() && !st.revisable {
		apiError(w, http.StatusConflict, "văn bản đã ký hoặc chưa đọc xong: không sửa được nữa",
			"the document is signed or not fully read: it can no longer be changed")
		return
	}
	if after != len(st.log) {
		apiError(w, http.StatusConflict, "văn bản vừa được sửa ở nơi khác; tải lại trang", "the document was changed elsewhere meanwhile; reload")
		return
	}
	if err := review.Check(st.batch.Pages, st.log, c, func(p review.Page) (ocr.Result, error) { return s.reading(r.Context(), p) }); err != nil {
		s.failReview(w, r, err)
		return
	}
	if st.revisable {
		// The revision starts as the signed document (same pages, same
		// log), so the change checked against it fits the revision,
		// unless the revision has moved on: then AddChange refuses it.
		id, err := s.cfg.Reviser.Revise(r.Context(), st.batch.ID)
		if err != nil {
			s.failReview(w, r, err)
			return
		}
		b, err := s.cfg.Records.Batch(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		st = &reviewState{batch: b, log: st.log}
		c.BatchID = b.ID
	}
	if err := s.cfg.Review.AddChange(r.Context(), c, after); err != nil {
		s.failReview(w, r, err)
		return
	}
	if s.cfg.Reassembler != nil {
		if err := s.cfg.Reassembler.Reassemble(r.Context(), st.batch.ID); err != nil {
			s.failReview(w, r, err)
			return
		}
	}
	st.log = append(st.log, *c)
	var err error
	if st.doc, st.gone, err = review.Apply(st.batch.Pages, st.log); err != nil {
		s.fail(w, r, err)
		return
	}
	apiJSON(w, http.StatusOK, st.document())
}

// failReview answers a misfit change (422) and a stale view or a document
// no longer awaiting signature (409), anything else as fail does.
func (s *Server) failReview(w http.ResponseWriter, r *http.Request, err error) {
	var re *review.Error
	switch {
	case errors.As(err, &re):
		apiError(w, http.StatusUnprocessableEntity, re.VI, re.EN)
	case errors.Is(err, storage.ErrConflict):
		apiError(w, http.StatusConflict, "văn bản vừa được sửa ở nơi khác hoặc không còn chờ ký; tải lại trang",
			"the document was changed elsewhere or no longer awaits signature; reload")
	default:
		s.fail(w, r, err)
	}
}
