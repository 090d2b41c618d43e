package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/archival"
	"github.com/sohoa/sohoa/storage"
)

func apiJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// apiErrorBody is the one error shape of the API.
type apiErrorBody struct {
	Error   string `json:"error"`    // English
	ErrorVI string `json:"error_vi"` // tiếng Việt
	Field   string `json:"field,omitempty"`
	File    string `json:"file,omitempty"`
}

func apiError(w http.ResponseWriter, code int, vi, en string) {
	apiJSON(w, code, apiErrorBody{Error: en, ErrorVI: vi})
}

func apiItoa(n int) string { return strconv.Itoa(n) }

// fail answers err: an *ingest.Error as itself, storage errors by kind,
// anything else as a logged 500 that hides the detail.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if e := ingest.AsError(err); e != nil {
		switch {
		case e.RetryAfter > 0:
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
		case e.Status == http.StatusServiceUnavailable:
			w.Header().Set("Retry-After", strconv.Itoa(int(RetryAfter/time.Second)))
		}
		apiJSON(w, e.Status, apiErrorBody{Error: e.EN, ErrorVI: e.VI, Field: e.Field, File: e.File})
		return
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		apiError(w, http.StatusRequestEntityTooLarge,
			fmt.Sprintf("yêu cầu quá lớn (tối đa %d byte)", mbe.Limit),
			fmt.Sprintf("request too large (at most %d bytes)", mbe.Limit))
	case errors.Is(err, storage.ErrNotFound):
		apiError(w, http.StatusNotFound, "không tìm thấy", "not found")
	case errors.Is(err, storage.ErrForbidden):
		apiError(w, http.StatusForbidden, "không có quyền", "forbidden")
	case r.Context().Err() != nil:
		// The client went away; nobody reads the answer.
		w.WriteHeader(499)
	default:
		s.log.Error("web: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		apiError(w, http.StatusInternalServerError, "lỗi máy chủ, thử lại sau", "server error, try again later")
	}
}

// maxExtraParts bounds the parts of an upload that are neither the
// manifest nor a listed page (form fields some clients add), which are
// drained and ignored.
const maxExtraParts = 16

// admitUpload runs the checks an upload passes before a byte of its body
// is read, in this order: a multipart body, every engine answering, the
// station within its batch and page budget, the declared length within
// maxBytes. It returns the refusal to answer (an *ingest.Error: 503 while
// an engine is down, so that the client retries), or nil. vi and en name
// the upload ("lô", "batch") in the too-large message.
func (s *Server) admitUpload(r *http.Request, tok *dossier.Token, maxBytes int64, vi, en string) error {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "multipart/form-data" {
		return &ingest.Error{Status: http.StatusUnsupportedMediaType,
			VI: "cần multipart/form-data với phần \"manifest\" và các tệp trang",
			EN: "expected multipart/form-data with a \"manifest\" part and the page files"}
	}
	if engine, err := s.enginesDown(r.Context()); engine != "" {
		s.log.Warn("web: upload refused while an engine is down", "path", r.URL.Path, "engine", engine, "err", err)
		return unavailable(engine)
	}
	if err := s.cfg.Intake.CheckStation(r.Context(), tok); err != nil {
		return err
	}
	if r.ContentLength > maxBytes {
		return &ingest.Error{Status: http.StatusRequestEntityTooLarge,
			VI: fmt.Sprintf("%s quá lớn (%d byte, tối đa %d)", vi, r.ContentLength, maxBytes),
			EN: fmt.Sprintf("%s too large (%d bytes, at most %d)", en, r.ContentLength, maxBytes)}
	}
	return nil
}

// postBatch receives a multipart upload: a "manifest" part (JSON) first,
// then one part per page file, named by its file name. Each file part is
// checked against the manifest before a byte of it is written (a part the
// manifest does not list, or sent twice, is refused at its header), then
// spooled to disk as it arrives; nothing of the batch is committed unless
// all of it is valid.
func (s *Server) postBatch(w http.ResponseWriter, r *http.Request) {
	tok := TokenFrom(r.Context())
	outcome := "rejected_500"
	defer func() { s.m.uploads.WithLabelValues(outcome).Inc() }()
	reject := func(err error) { outcome = "rejected_" + strconv.Itoa(s.rejectUpload(w, r, err)) }
	m, files, dir, err := receiveUpload(s, w, r, tok, "lô", "batch", ingest.ParseManifest)
	defer os.RemoveAll(dir)
	if err != nil {
		reject(err)
		return
	}
	b, created, err := s.cfg.Intake.Submit(r.Context(), tok, m, files)
	if err != nil {
		reject(err)
		return
	}
	if created {
		outcome = "accepted"
		s.m.pages.Add(float64(len(b.Pages)))
	} else {
		outcome = "replayed"
	}
	w.Header().Set("Location", "/v1/batches/"+b.ID)
	apiJSON(w, http.StatusAccepted, map[string]any{
		"batch_id": b.ID, "status": b.Status, "pages": len(b.Pages), "created": created,
	})
}

// rejectUpload answers an upload refused with err and returns the status.
// A refusal of the client's (below 500) or an engine down (503) reads no
// more of the body: the connection ends here rather than drain what the
// client still sends.
func (s *Server) rejectUpload(w http.ResponseWriter, r *http.Request, err error) int {
	code := http.StatusInternalServerError
	if e := ingest.AsError(err); e != nil {
		code = e.Status
	} else if errors.As(err, new(*http.MaxBytesError)) {
		code = http.StatusRequestEntityTooLarge
	}
	if code < 500 || code == http.StatusServiceUnavailable {
		w.Header().Set("Connection", "close")
	}
	s.fail(w, r, err)
	return code
}

// uploadManifest is what receiving an upload needs of its manifest (a
// batch's *ingest.Manifest, a stack's *stack.Manifest).
type uploadManifest interface {
	PageFiles() []string // the files of the upload's other parts
	DefaultKey(k string) // the Idempotency-Key header, when the manifest has no key
}

// receiveUpload admits an upload (admitUpload: vi and en name it) and
// receives it (receive) with the manifest that parse reads; the
// Idempotency-Key header gives the manifest its key when it has none. The
// caller removes dir, also on error.
func receiveUpload[M uploadManifest](s *Server, w http.ResponseWriter, r *http.Request, tok *dossier.Token, vi, en string, parse func(io.Reader) (M, error)) (m M, files map[string]ingest.File, dir string, err error) {
	lim := s.cfg.Intake.Limits.WithDefaults()
	if err := s.admitUpload(r, tok, lim.MaxBatchBytes, vi, en); err != nil {
		return m, nil, "", err
	}
	files, dir, err = s.receive(w, r, lim, func(part io.Reader) ([]string, error) {
		var err error
		if m, err = parse(part); err != nil {
			return nil, err
		}
		return m.PageFiles(), nil
	})
	if err == nil {
		m.DefaultKey(r.Header.Get("Idempotency-Key"))
	}
	return m, files, dir, err
}

// receive reads a multipart upload: a "manifest" part first (parse checks
// it and lists the page files it names), then one part per listed file,
// each checked at its header (a part not listed, or sent twice, is refused
// before a byte of it is written) and spooled to a new folder dir, which
// the caller removes (also on error).
func (s *Server) receive(w http.ResponseWriter, r *http.Request, lim ingest.Limits, parse func(io.Reader) (pages []string, err error)) (files map[string]ingest.File, dir string, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, lim.MaxBatchBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, dir, &ingest.Error{Status: http.StatusBadRequest, VI: "multipart không hợp lệ: " + err.Error(), EN: "bad multipart body: " + err.Error()}
	}
	var listed map[string]bool
	files = map[string]ingest.File{}
	extra := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.As(err, new(*http.MaxBytesError)) || ingest.AsError(err) != nil {
				return nil, dir, err // too large, or too slow (ErrBodyTooSlow)
			}
			return nil, dir, &ingest.Error{Status: http.StatusBadRequest, VI: "multipart không hợp lệ: " + err.Error(), EN: "bad multipart body: " + err.Error()}
		}
		switch {
		case part.FormName() == "manifest":
			if listed != nil {
				return nil, dir, &ingest.Error{Status: http.StatusBadRequest, Field: "manifest", VI: "có hai phần manifest", EN: "two manifest parts"}
			}
			pages, err := parse(part)
			if err != nil {
				return nil, dir, err
			}
			listed = make(map[string]bool, len(pages))
			for _, p := range pages {
				listed[p] = true
			}
		case part.FileName() != "":
			name := part.FileName()
			if listed == nil {
				return nil, dir, &ingest.Error{Status: http.StatusBadRequest, Field: "manifest", File: name,
					VI: fmt.Sprintf("phần \"manifest\" phải đứng trước các tệp trang (tệp %q đến trước)", name),
					EN: fmt.Sprintf("the \"manifest\" part must come before the page files (%q came first)", name)}
			}
			if !listed[name] {
				return nil, dir, &ingest.Error{Status: http.StatusUnprocessableEntity, Field: "pages", File: name,
					VI: fmt.Sprintf("manifest: tệp %q được gửi nhưng không có trong danh sách pages", name),
					EN: fmt.Sprintf("manifest: file %q was sent but is not listed in pages", name)}
			}
			if _, dup := files[name]; dup {
				return nil, dir, &ingest.Error{Status: http.StatusBadRequest, File: name,
					VI: fmt.Sprintf("tệp %q được gửi hai lần", name), EN: fmt.Sprintf("file %q sent twice", name)}
			}
			if dir == "" {
				if dir, err = os.MkdirTemp(s.cfg.SpoolDir, "sohoa-upload-"); err != nil {
					return nil, dir, fmt.Errorf("web: spool dir: %w", err)
				}
			}
			f, err := ingest.Spool(dir, name, part, lim.MaxFileBytes)
			if err != nil {
				return nil, dir, err
			}
			files[name] = f
		default:
			// A few unknown form fields are drained and ignored; many are
			// an attack on the parser.
			if extra++; extra > maxExtraParts {
				return nil, dir, &ingest.Error{Status: http.StatusBadRequest,
					VI: fmt.Sprintf("quá nhiều phần không phải manifest hay tệp trang (tối đa %d)", maxExtraParts),
					EN: fmt.Sprintf("too many parts that are neither the manifest nor a page file (at most %d)", maxExtraParts)}
			}
			io.Copy(io.Discard, io.LimitReader(part, 1<<20))
		}
		part.Close()
	}
	if listed == nil {
		return nil, dir, &ingest.Error{Status: http.StatusBadRequest, Field: "manifest",
			VI: "thiếu phần \"manifest\" (JSON)", EN: "the \"manifest\" part (JSON) is missing"}
	}
	return files, dir, nil
}

// ownBatch loads a batch and checks that a station token reads only its own.
func (s *Server) ownBatch(w http.ResponseWriter, r *http.Request) *dossier.Batch {
	tok := TokenFrom(r.Context())
	b := load(s, w, r, s.cfg.Records.Batch, "id", "không có lô này", "no such batch")
	if b == nil {
		return nil
	}
	if tok.Role == dossier.RoleStation && b.TokenID != tok.ID && b.Station != tok.Name {
		apiError(w, http.StatusForbidden, "lô này của trạm khác", "this batch belongs to another station")
		return nil
	}
	return b
}

func (s *Server) getBatch(w http.ResponseWriter, r *http.Request) {
	b := s.ownBatch(w, r)
	if b == nil {
		return
	}
	if s.cfg.Catalog != nil {
		unsure, err := s.cfg.Catalog.UnsureFields(r.Context(), b.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for i := range b.Pages {
			b.Pages[i].ReviewFields = unsure[b.Pages[i].Index]
		}
	}
	apiJSON(w, http.StatusOK, b)
}

// load reads with get what the path's {name} names, or answers 404 with
// the texts vi and en when the store has no such thing (or the failure)
// and returns nil: a handler that gets nil has answered already.
func load[T any](s *Server, w http.ResponseWriter, r *http.Request, get func(context.Context, string) (*T, error), name, vi, en string) *T {
	v, err := get(r.Context(), r.PathValue(name))
	if errors.Is(err, storage.ErrNotFound) {
		apiError(w, http.StatusNotFound, vi, en)
		return nil
	}
	if err != nil {
		s.fail(w, r, err)
		return nil
	}
	return v
}

// loadDossier loads the dossier of the path's {code} (see load).
func (s *Server) loadDossier(w http.ResponseWriter, r *http.Request) *dossier.Dossier {
	return load(s, w, r, s.cfg.Records.Dossier, "code", "không có hồ sơ này", "no such dossier")
}

func (s *Server) getDossier(w http.ResponseWriter, r *http.Request) {
	d := s.loadDossier(w, r)
	if d == nil {
		return
	}
	if d.Results == nil {
		d.Results = []dossier.Result{}
	}
	if d.Batches == nil {
		d.Batches = []dossier.Batch{}
	}
	for i := range d.Results {
		d.Results[i].Key = ""
	}
	apiJSON(w, http.StatusOK, struct {
		*dossier.Dossier
		Links map[string]string `json:"links"`
	}{d, dossierLinks(d)})
}

func dossierLinks(d *dossier.Dossier) map[string]string {
	l := map[string]string{}
	for _, res := range d.Results {
		l[res.Code] = "/v1/results/" + res.Code + "/pdf"
	}
	return l
}

// resultView is a result as the API shows it, with the link to its file
// and the documents read from its pages' headers.
type resultView struct {
	dossier.Result
	PDF       string              `json:"pdf_url"`
	Documents []archival.Document `json:"documents"`
}

// loadResult loads the result of the path's {code} (see load).
func (s *Server) loadResult(w http.ResponseWriter, r *http.Request) *dossier.Result {
	return load(s, w, r, s.cfg.Records.ResultByCode, "code", "không có kết quả này", "no such result")
}

func (s *Server) getResult(w http.ResponseWriter, r *http.Request) {
	res := s.loadResult(w, r)
	if res == nil {
		return
	}
	docs := []archival.Document{}
	if s.cfg.Catalog != nil {
		var err error
		if docs, err = s.cfg.Catalog.Documents(r.Context(), res.Code); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	apiJSON(w, http.StatusOK, resultView{*res, "/v1/results/" + res.Code + "/pdf", docs})
}

// getResultPDF serves the signed PDF with Range support, or with
// ?redirect=1 a short-lived presigned URL when the blob store has them.
func (s *Server) getResultPDF(w http.ResponseWriter, r *http.Request) {
	res := s.loadResult(w, r)
	if res == nil {
		return
	}
	if r.URL.Query().Get("redirect") == "1" {
		if p, ok := s.cfg.Blobs.(storage.Presigner); ok {
			u, err := p.PresignGet(r.Context(), res.Key, s.cfg.PresignTTL)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			w.Header().Set("Cache-Control", "no-store")
			http.Redirect(w, r, u, http.StatusTemporaryRedirect)
			return
		}
	}
	var (
		rc   io.ReadCloser
		info storage.ObjectInfo
		err  error
	)
	if ro, ok := rangeOpener(s.cfg.Blobs); ok && (r.Header.Get("Range") != "" || r.Method == http.MethodHead) {
		// Part of the file (or none of it): read just that; the client
		// checks the whole against the ETag.
		rc, info, err = ro.OpenRange(r.Context(), res.Key)
	} else {
		// The whole file, checked against its SHA-256 on the way.
		rc, info, err = s.cfg.Blobs.Get(r.Context(), res.Key)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer rc.Close()
	rs, ok := rc.(io.ReadSeeker)
	if !ok {
		// The store gave a plain stream: spool it so Range works.
		f, err := os.CreateTemp(s.cfg.SpoolDir, "sohoa-pdf-*")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		defer os.Remove(f.Name())
		defer f.Close()
		if _, err := io.Copy(f, rc); err != nil {
			s.fail(w, r, fmt.Errorf("web: read %s: %w", res.Key, err))
			return
		}
		rs = f
	}
	sha := res.SHA256
	if sha == "" {
		sha = info.SHA256
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s.pdf"`, strings.ReplaceAll(res.Code, `"`, "")))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, max-age=3600")
	if sha != "" {
		h.Set("ETag", `"`+sha+`"`)
		h.Set("Digest", "sha-256="+sha)
	}
	http.ServeContent(w, r, res.Code+".pdf", res.CreatedAt, rs)
}

// rangeOpener finds partial reads in b or under its wrappers (retries
// are for whole reads; a failed part is asked again by the client).
func rangeOpener(b storage.Blobs) (storage.RangeOpener, bool) {
	if ro, ok := b.(storage.RangeOpener); ok {
		return ro, true
	}
	ro, ok := storage.UnwrapBlobs(b).(storage.RangeOpener)
	return ro, ok
}

func (s *Server) getExceptions(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			apiError(w, http.StatusBadRequest, "limit phải từ 1 đến 1000", "limit must be 1 to 1000")
			return
		}
		limit = n
	}
	ps, err := s.cfg.Records.Exceptions(r.Context(), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type failed struct {
		listedPage
		RetryURL string `json:"retry_url"`
	}
	out := make([]failed, 0, len(ps))
	for _, p := range ps {
		out = append(out, failed{listedPage{p.BatchID, p}, fmt.Sprintf("/v1/batches/%s/pages/%d/retry", p.BatchID, p.Index)})
	}
	// Pages that were read but that a person should look at: apart from
	// the failed ones, because nothing is to retry, only to check.
	rs, err := s.cfg.Records.ReviewPages(r.Context(), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type toReview struct {
		listedPage
		Reason   string `json:"reason"`
		ReasonVI string `json:"reason_vi"`
	}
	review := make([]toReview, 0, len(rs))
	unsure := map[string]map[int][]string{} // by batch: the archival fields to check, by page
	for _, p := range rs {
		if s.cfg.Catalog != nil {
			if _, ok := unsure[p.BatchID]; !ok {
				if unsure[p.BatchID], err = s.cfg.Catalog.UnsureFields(r.Context(), p.BatchID); err != nil {
					s.fail(w, r, err)
					return
				}
			}
		}
		en, vi := reviewReason(p, unsure[p.BatchID][p.Index])
		review = append(review, toReview{listedPage{p.BatchID, p}, en, vi})
	}
	// Runs of stack pages no separator or receipt claimed: each waits for
	// a dossier code (proposed ones beside it) at its resolve URL.
	type stackExc struct {
		*dossier.StackException
		ResolveURL string `json:"resolve_url"`
	}
	stacks := []stackExc{}
	if s.cfg.Stacks != nil {
		es, err := s.cfg.Stacks.Records.OpenExceptions(r.Context(), limit)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for i := range es {
			stacks = append(stacks, stackExc{&es[i], "/v1/stack-exceptions/" + es[i].ID + "/resolve"})
		}
	}
	// Documents left unsigned past their deadline: an operator reopens
	// each with a new deadline at its reopen URL.
	type signingExc struct {
		dossier.SigningRequest
		ReopenURL string `json:"reopen_url"`
	}
	signing := []signingExc{}
	if s.cfg.Signing != nil {
		expired, err := s.cfg.Signing.Queue(r.Context(), "", dossier.SigningExpired, limit)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, q := range expired {
			signing = append(signing, signingExc{q, "/v1/signing/" + q.ID + "/reopen"})
		}
	}
	apiJSON(w, http.StatusOK, map[string]any{"exceptions": out, "review": review, "stacks": stacks, "signing": signing})
}

// listedPage is a page as the exception lists show it: with the id of its
// batch, which dossier.Page keeps out of its own JSON.
type listedPage struct {
	BatchID string `json:"batch_id"`
	dossier.Page
}

// reviewReason says, in English and Vietnamese, why page p is among the
// pages to review. unsure names the archival fields read unsure on it
// (storage/catalog), none when there is no catalog. An unsure orientation
// comes first; then what the OCR saw in the text (p.ReviewReasons) and
// the unsure fields, both when both flagged the page; a page flagged with
// no reason kept is said to be read poorly, with its confidence.
func reviewReason(p dossier.Page, unsure []string) (en, vi string) {
	textEN, textVI := ocr.TextReviewNote(p.Confidence, p.ReviewReasons)
	textEN, textVI = textEN+" — check the page", textVI+" — cần kiểm tra trang"
	names := strings.Join(unsure, ", ")
	fieldsEN := "archival metadata read with low confidence: check the document's header fields (" + names + ")"
	fieldsVI := "thông tin văn bản (tiêu đề, số, ngày, người ký...) đọc chưa chắc chắn: cần kiểm tra (" + names + ")"
	switch {
	case p.OrientationUnsure:
		return "orientation unsure: kept as scanned, check that the page is upright",
			"không chắc hướng trang: đã giữ như khi quét, cần kiểm tra trang có đứng thẳng không"
	case len(unsure) > 0 && ocr.TextReasons(p.ReviewReasons):
		return textEN + " · " + fieldsEN, textVI + " · " + fieldsVI
	case len(unsure) > 0:
		return fieldsEN, fieldsVI
	default:
		return textEN, textVI
	}
}

func (s *Server) retryPage(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		apiError(w, http.StatusBadRequest, "số trang không hợp lệ", "bad page number")
		return
	}
	id := r.PathValue("id")
	// The workers' RetryPage re-queues just that page; otherwise the
	// records are reset and the batch's pending pages queued again.
	type pageRetrier interface {
		RetryPage(ctx context.Context, batchID string, index int) error
	}
	var rerr error
	if pr, ok := s.cfg.Intake.Queue.(pageRetrier); ok {
		rerr = pr.RetryPage(r.Context(), id, n)
	} else {
		rerr = s.cfg.Records.RetryPage(r.Context(), id, n)
		if rerr == nil && s.cfg.Intake.Queue != nil {
			var b *dossier.Batch
			if b, rerr = s.cfg.Records.Batch(r.Context(), id); rerr == nil {
				if err := s.cfg.Intake.Queue.EnqueueBatch(r.Context(), b); err != nil {
					// The page is pending again: recovery queues it later.
					s.log.Warn("web: enqueue after retry failed", "batch", id, "page", n, "err", err)
				}
			}
		}
	}
	switch {
	case errors.Is(rerr, storage.ErrNotFound):
		apiError(w, http.StatusNotFound, "không có trang này", "no such page")
		return
	case errors.Is(rerr, storage.ErrConflict):
		apiError(w, http.StatusConflict, "trang này không ở trạng thái ngoại lệ", "this page is not in exception")
		return
	case rerr != nil:
		s.fail(w, r, rerr)
		return
	}
	apiJSON(w, http.StatusAccepted, map[string]any{"batch_id": id, "page": n, "status": dossier.PagePending,
		"at": time.Now().UTC()})
}
