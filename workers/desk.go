package workers

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/pdf"
	"github.com/sohoa/sohoa/pdf/revocation"
	"github.com/sohoa/sohoa/storage"
)

// SigningModes picks the signing mode of a batch: its station's mode,
// else its agency's, else Default (dossier.SignServer when empty).
type SigningModes struct {
	Default   string
	ByStation map[string]string
	ByAgency  map[string]string
}

// For returns the mode of b.
func (m SigningModes) For(b *dossier.Batch) string {
	if v, ok := m.ByStation[b.Station]; ok {
		return v
	}
	if v, ok := m.ByAgency[b.AgencyCode]; ok {
		return v
	}
	if m.Default == "" {
		return dossier.SignServer
	}
	return m.Default
}

// Add reads one "station:NAME=MODE" or "agency:CODE=MODE" (the
// --signing-mode-for flag).
func (m *SigningModes) Add(spec string) error {
	scope, rest, ok := strings.Cut(spec, ":")
	name, mode, ok2 := strings.Cut(rest, "=")
	if !ok || !ok2 || name == "" || !dossier.ValidSigningMode(mode) || (scope != "station" && scope != "agency") {
		return fmt.Errorf("%q: want station:NAME=MODE or agency:CODE=MODE, MODE one of server, desk, desk+seal", spec)
	}
	target := &m.ByStation
	if scope == "agency" {
		target = &m.ByAgency
	}
	if *target == nil {
		*target = map[string]string{}
	}
	(*target)[name] = mode
	return nil
}

// Uses reports whether any batch may get mode.
func (m SigningModes) Uses(mode string) bool {
	if m.For(&dossier.Batch{}) == mode {
		return true
	}
	for _, ms := range []map[string]string{m.ByStation, m.ByAgency} {
		for _, v := range ms {
			if v == mode {
				return true
			}
		}
	}
	return false
}

// DeskConfig configures signing at the desk. Without Records every batch
// is signed by the server's key, whatever Modes say.
type DeskConfig struct {
	Records *storage.SigningRecords
	Modes   SigningModes
	// Deadline is how long a document may wait for its signature before
	// it becomes an exception; 72 hours when 0.
	Deadline time.Duration
	// TrustPEM holds the trust anchors officials' certificates must chain
	// to (the national roots; a test CA in tests).
	TrustPEM []byte
	// Titles maps an official's name (as on record) to the title shown
	// under it on the visible mark.
	Titles map[string]string
	TSAURL string // RFC 3161 timestamp of each desk signature (PAdES B-T)
	// Revocation checks an official's certificate by OCSP or CRL at
	// prepare and again when the signature is posted; RevocationPolicy
	// says what a revoked or unanswered certificate means (prefer when
	// empty). Nothing is checked without a Checker or with policy off.
	Revocation       *revocation.Checker
	RevocationPolicy revocation.Policy
	// AuditAttachment picks the documents prepared with their audit
	// embedded (sohoa-audit.json), which makes them PDF/A-3b; none by
	// default.
	AuditAttachment AttachmentScope
}

// AttachmentScope picks batches by station or agency, or all of them.
type AttachmentScope struct {
	All                bool
	Stations, Agencies map[string]bool
}

// Add reads one "all", "station:NAME" or "agency:CODE" (the
// --audit-attachment flag).
func (s *AttachmentScope) Add(spec string) error {
	scope, name, ok := strings.Cut(spec, ":")
	switch {
	case spec == "all":
		s.All = true
	case ok && name != "" && scope == "station":
		if s.Stations == nil {
			s.Stations = map[string]bool{}
		}
		s.Stations[name] = true
	case ok && name != "" && scope == "agency":
		if s.Agencies == nil {
			s.Agencies = map[string]bool{}
		}
		s.Agencies[name] = true
	default:
		return fmt.Errorf("%q: want all, station:NAME or agency:CODE", spec)
	}
	return nil
}

// For reports whether b's document carries its audit.
func (s AttachmentScope) For(b *dossier.Batch) bool {
	return s.All || s.Stations[b.Station] || s.Agencies[b.AgencyCode]
}

// Desk is the server side of two-step signing: the queue of documents
// waiting for an official, prepare (the placeholder for their
// certificate) and complete (the signature value from their token). Get
// it from Runner.Desk; it is safe for concurrent use.
type Desk struct {
	r     *Runner
	cfg   DeskConfig
	roots *x509.CertPool
}

// conflict refuses a step the request is not in a state for; invalid one
// whose input is wrong.
func conflict(en, vi string) error {
	return &dossier.SigningRefusal{Conflict: true, Reason: en, ReasonVI: vi}
}

func invalid(en, vi string) error { return &dossier.SigningRefusal{Reason: en, ReasonVI: vi} }

func newDesk(r *Runner, cfg DeskConfig) (*Desk, error) {
	if cfg.Deadline <= 0 {
		cfg.Deadline = 72 * time.Hour
	}
	if cfg.RevocationPolicy == "" {
		cfg.RevocationPolicy = revocation.Prefer
	}
	d := &Desk{r: r, cfg: cfg}
	if len(cfg.TrustPEM) > 0 {
		d.roots = x509.NewCertPool()
		if !d.roots.AppendCertsFromPEM(cfg.TrustPEM) {
			return nil, errors.New("workers: the trust anchors hold no PEM certificate")
		}
	}
	return d, nil
}

// putFile stores the PDF f (from its start, wherever its offset is)
// under the key that key makes from its SHA-256, and returns the key, the
// hex SHA-256 and the size: the one way results and desk drafts are
// stored.
func (r *Runner) putFile(ctx context.Context, f *os.File, key func(sum string) string) (string, string, int64, error) {
	h := sha256.New()
	size, err := io.Copy(h, io.NewSectionReader(f, 0, 1<<62))
	if err != nil {
		return "", "", 0, fmt.Errorf("hash %s: %w", f.Name(), err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	k := key(sum)
	if _, err := r.cfg.Blobs.Put(ctx, k, io.NewSectionReader(f, 0, size), size, "application/pdf", sum); err != nil {
		return "", "", 0, fmt.Errorf("store %s: %w", k, err)
	}
	return k, sum, size, nil
}

// await stores the unsigned document f of batch b and opens its signing
// request: the document job's last step in a desk mode.
func (d *Desk) await(ctx context.Context, b *dossier.Batch, code, mode string, src *blobPages, f *os.File) error {
	key, sum, _, err := d.r.putFile(ctx, f, func(sum string) string { return storage.DraftKey(b.DossierCode, code, "unsigned", sum) })
	if err != nil {
		return err
	}
	req, created, err := d.cfg.Records.CreateRequest(ctx, &dossier.SigningRequest{
		BatchID: b.ID, DossierCode: b.DossierCode, ResultCode: code, Title: b.Title, Pages: src.Len(),
		Station: b.Station, Official: b.Operator, Mode: mode, BaseKey: key, BaseSHA256: sum,
		Deadline: time.Now().Add(d.cfg.Deadline),
	})
	if err != nil {
		return err
	}
	if created {
		d.audit(ctx, req.ID, "sohoa", "assembled", "unsigned PDF/A assembled, waiting for "+b.Operator, "đã tạo PDF/A chưa ký, chờ "+b.Operator+" ký")
		d.r.log.Info("result waiting for the desk signature", "result", code, "dossier", b.DossierCode, "official", b.Operator, "mode", mode)
	}
	// A review change stored while the document was built found no
	// request to rebuild: rebuild it now.
	if err := d.r.reviewUnchanged(ctx, b, src); err != nil {
		return d.Reassemble(ctx, b.ID)
	}
	return nil
}

func (d *Desk) audit(ctx context.Context, id, actor, action, detail, detailVI string) {
	if err := d.cfg.Records.AddAudit(ctx, dossier.SigningAudit{RequestID: id, Actor: actor, Action: action, Detail: detail, DetailVI: detailVI}); err != nil {
		d.r.log.Warn("signing audit not recorded", "request", id, "action", action, "err", err)
	}
}

// Reassemble rebuilds the unsigned document of a batch awaiting its
// official's signature after a review change (the review page calls it
// through web.Reassembler): the same assembly as the document job, stored
// as the new base, which forgets any preparation so that a signature made
// for the old file is refused. storage.ErrConflict when the document no
// longer awaits signature (signed, expired): a signed file is never
// altered; storage.ErrNotFound when the batch has no signing request.
func (d *Desk) Reassemble(ctx context.Context, batchID string) error {
	req, err := d.cfg.Records.RequestByBatch(ctx, batchID)
	if err != nil {
		return err
	}
	if req.State != dossier.SigningAwaiting {
		return storage.ErrConflict
	}
	b, err := d.r.cfg.Records.Batch(ctx, batchID)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp("", "sohoa-reassemble-*.pdf")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	src, _, err := d.r.assemble(ctx, b, req.ResultCode, f)
	if err != nil {
		return err
	}
	key, sum, _, err := d.r.putFile(ctx, f, func(sum string) string { return storage.DraftKey(b.DossierCode, req.ResultCode, "unsigned", sum) })
	if err != nil {
		return err
	}
	if err := d.cfg.Records.ReplaceBase(ctx, req.ID, key, sum, src.Len()); err != nil {
		return err
	}
	d.audit(ctx, req.ID, "sohoa", "reassembled", "unsigned PDF/A rebuilt after the review", "đã tạo lại PDF/A chưa ký sau khi rà soát")
	if key != req.BaseKey {
		if err := d.r.cfg.Blobs.Delete(ctx, req.BaseKey); err != nil {
			d.r.log.Warn("removing a replaced unsigned document failed", "key", req.BaseKey, "err", err)
		}
	}
	return nil
}

// Queue lists the requests in state of one station ("" for all), oldest first.
func (d *Desk) Queue(ctx context.Context, station, state string, limit int) ([]dossier.SigningRequest, error) {
	return d.cfg.Records.Queue(ctx, station, state, limit)
}

// Request returns one request (storage.ErrNotFound when unknown).
func (d *Desk) Request(ctx context.Context, id string) (*dossier.SigningRequest, error) {
	return d.cfg.Records.Request(ctx, id)
}

// Audit returns a request's history.
func (d *Desk) Audit(ctx context.Context, id string) ([]dossier.SigningAudit, error) {
	return d.cfg.Records.Audit(ctx, id)
}

// Document opens the unsigned PDF/A of a request (the preview).
func (d *Desk) Document(ctx context.Context, req *dossier.SigningRequest) (io.ReadCloser, storage.ObjectInfo, error) {
	return d.r.cfg.Blobs.Get(ctx, req.BaseKey)
}

func awaiting(req *dossier.SigningRequest) error {
	switch req.State {
	case dossier.SigningAwaiting:
		return nil
	case dossier.SigningSigned:
		return conflict("this document is already signed ("+req.ResultCode+"); a change makes a new result", "tài liệu này đã được ký ("+req.ResultCode+"); thay đổi sẽ tạo kết quả mới")
	default:
		return conflict("this document waited past its deadline and is now an exception", "tài liệu này đã quá hạn ký và chuyển thành ngoại lệ")
	}
}

// checkCert checks the official's chain at a time, recording a refusal.
func (d *Desk) checkCert(ctx context.Context, req *dossier.SigningRequest, chain []*x509.Certificate, at time.Time, actor string) error {
	err := pdf.CheckSignerCertificate(chain, pdf.CertCheck{Roots: d.roots, Official: req.Official, At: at})
	var p *pdf.CertProblem
	if errors.As(err, &p) {
		d.audit(ctx, req.ID, actor, "refused", p.Reason, p.ReasonVI)
		return invalid(p.Reason, p.ReasonVI)
	}
	return err
}

// checkRevocation asks whether the official's certificate is revoked and
// refuses it as the policy says (recording the refusal). The answer, with
// its account for the audit, goes on: nothing when checking is off.
func (d *Desk) checkRevocation(ctx context.Context, req *dossier.SigningRequest, chain []*x509.Certificate, actor string) (revocation.Answer, error) {
	if d.cfg.Revocation == nil || d.cfg.RevocationPolicy == revocation.Off {
		return revocation.Answer{}, nil
	}
	a := d.cfg.Revocation.Check(ctx, chain[0], revocation.IssuerOf(chain, d.roots))
	if !d.cfg.RevocationPolicy.Refuses(a) {
		return a, nil
	}
	en, vi := a.Describe()
	d.audit(ctx, req.ID, actor, "refused", en, vi)
	if a.Status == revocation.Revoked {
		return a, invalid("the certificate is "+en, "chứng thư số "+vi)
	}
	return a, invalid("this server requires a confirmed revocation status and none was had: "+en,
		"máy chủ yêu cầu xác nhận chứng thư số chưa bị thu hồi nhưng chưa xác nhận được: "+vi)
}

// validationData is the answer's OCSP response or CRL, for the document
// security store of the prepared file.
func validationData(a revocation.Answer) pdf.ValidationData {
	var v pdf.ValidationData
	if a.OCSP != nil {
		v.OCSP = [][]byte{a.OCSP}
	}
	if a.CRL != nil {
		v.CRLs = [][]byte{a.CRL}
	}
	return v
}

// revocationNote is what the audit says of an answer, after "; ";
// kept says the answer went into the document.
func revocationNote(a revocation.Answer, kept bool) (en, vi string) {
	if a.Status == "" {
		return "", ""
	}
	en, vi = a.Describe()
	en, vi = "; revocation: "+en, "; thu hồi: "+vi
	if kept && (a.OCSP != nil || a.CRL != nil) {
		en, vi = en+", the "+a.Source+" answer kept in the document (DSS)", vi+", câu trả lời "+a.Source+" được lưu trong tài liệu (DSS)"
	}
	return en, vi
}

// auditAttachment is the audit to embed in a request's document (nil when
// its batch does not ask for one): the review log, the request's history
// so far and the certificate about to sign.
func (d *Desk) auditAttachment(ctx context.Context, req *dossier.SigningRequest, chain []*x509.Certificate) (*pdf.Attachment, error) {
	b, err := d.r.cfg.Records.Batch(ctx, req.BatchID)
	if err != nil || !d.cfg.AuditAttachment.For(b) {
		return nil, err
	}
	now := time.Now().UTC()
	c := chain[0]
	file := dossier.AuditFile{Request: *req, PreparedAt: now,
		Signer: dossier.AuditSigner{Name: c.Subject.CommonName, Subject: c.Subject.String(), Issuer: c.Issuer.String(), Serial: c.SerialNumber.Text(16), NotAfter: c.NotAfter.UTC()},
		Review: []dossier.ReviewChange{}}
	file.Request.Prepared = nil
	if d.r.cfg.Review != nil {
		if file.Review, err = d.r.cfg.Review.Changes(ctx, req.BatchID); err != nil {
			return nil, err
		}
	}
	if file.Audit, err = d.cfg.Records.Audit(ctx, req.ID); err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		return nil, err
	}
	return &pdf.Attachment{Name: "sohoa-audit.json", Description: "Nhật ký rà soát và ký số / review and signing audit", MIME: "application/json",
		Relationship: "Supplement", Data: data, Modified: now}, nil
}

// Prepare checks the official's certificate chain (signer first) and
// appends a signature field with its visible mark and an empty
// signature for it to the unsigned document; it returns what their
// token must sign. Preparing again (another certificate, a retry)
// replaces the earlier preparation.
func (d *Desk) Prepare(ctx context.Context, id string, chain []*x509.Certificate, actor string) (*dossier.SigningDigest, error) {
	req, err := d.cfg.Records.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := awaiting(req); err != nil {
		return nil, err
	}
	if err := d.checkCert(ctx, req, chain, time.Now(), actor); err != nil {
		return nil, err
	}
	rev, err := d.checkRevocation(ctx, req, chain, actor)
	if err != nil {
		return nil, err
	}
	att, err := d.auditAttachment(ctx, req, chain)
	if err != nil {
		return nil, err
	}
	f, err := d.fetch(ctx, req.BaseKey)
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	ph, err := pdf.AppendPlaceholder(ctx, f, pdf.PlaceholderOptions{Chain: chain, Attachment: att, Title: d.cfg.Titles[req.Official], Timestamp: d.cfg.TSAURL != "",
		Validation: validationData(rev)})
	if err != nil {
		return nil, err
	}
	key, sum, _, err := d.r.putFile(ctx, f, func(sum string) string { return storage.DraftKey(req.DossierCode, req.ResultCode, "prepared", sum) })
	if err != nil {
		return nil, err
	}
	certSum := sha256.Sum256(chain[0].Raw)
	p := &dossier.PreparedSignature{Key: key, SHA256: sum, BaseSHA256: req.BaseSHA256, CertSHA256: hex.EncodeToString(certSum[:]),
		MessageDigest: ph.MessageDigest, ContentsOffset: ph.ContentsOffset, Reserved: ph.Reserved, At: ph.When}
	for _, c := range chain {
		p.Chain = append(p.Chain, c.Raw)
	}
	if err := d.cfg.Records.SetPrepared(ctx, id, p); errors.Is(err, storage.ErrConflict) {
		return nil, conflict("the document changed or was signed meanwhile; fetch it again", "tài liệu vừa thay đổi hoặc đã được ký; hãy tải lại")
	} else if err != nil {
		return nil, err
	}
	attrs, err := pdf.SignedAttributes(ph.MessageDigest, chain[0])
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(attrs)
	name := chain[0].Subject.CommonName
	noteEN, noteVI := revocationNote(rev, true)
	d.audit(ctx, id, actor, "prepared", "prepared for the certificate of "+name+" (serial "+chain[0].SerialNumber.Text(16)+")"+noteEN,
		"đã chuẩn bị cho chứng thư số của "+name+" (số hiệu "+chain[0].SerialNumber.Text(16)+")"+noteVI)
	return &dossier.SigningDigest{MessageDigest: ph.MessageDigest, SignedAttributes: attrs, Digest: digest[:], Algorithm: "SHA-256", PreparedSHA256: sum, SignerName: name}, nil
}

// fetch copies a blob to a temporary file open for reading and writing.
func (d *Desk) fetch(ctx context.Context, key string) (*os.File, error) {
	rc, _, err := d.r.cfg.Blobs.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", key, err)
	}
	defer rc.Close()
	f, err := os.CreateTemp("", "sohoa-desk-*.pdf")
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("fetch %s: %w", key, err)
	}
	return f, nil
}

// Complete takes the official's signature value over the prepared
// document's signed attributes (and, optionally, the chain again, which
// must be the one prepared for), builds the CMS with a timestamp, checks
// the signed file (every signature intact, the whole file covered, the
// certificate trusted and valid at the timestamp's time, the name on
// record), adds the organisation's seal in desk+seal mode, stores and
// links the result and publishes its event. A refused signature leaves
// the request waiting and links nothing.
func (d *Desk) Complete(ctx context.Context, id string, signature []byte, chain []*x509.Certificate, actor string) (*dossier.Result, error) {
	req, err := d.cfg.Records.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := awaiting(req); err != nil {
		return nil, err
	}
	p := req.Prepared
	if p == nil || p.BaseSHA256 != req.BaseSHA256 {
		return nil, conflict("the document is not prepared for signing, or changed since: prepare it again", "tài liệu chưa được chuẩn bị để ký hoặc đã thay đổi: hãy chuẩn bị lại")
	}
	prepared, err := parseChain(p.Chain)
	if err != nil {
		return nil, err
	}
	if len(chain) > 0 && !chain[0].Equal(prepared[0]) {
		d.audit(ctx, id, actor, "refused", "signature sent with another certificate than the one prepared for", "chữ ký gửi kèm chứng thư số khác với chứng thư đã chuẩn bị")
		return nil, conflict("the document was prepared for another certificate: prepare it again with this one", "tài liệu được chuẩn bị cho chứng thư số khác: hãy chuẩn bị lại với chứng thư này")
	}
	// Checked again when the signature comes: a certificate revoked since
	// prepare is refused.
	rev, err := d.checkRevocation(ctx, req, prepared, actor)
	if err != nil {
		return nil, err
	}
	f, err := d.fetch(ctx, p.Key)
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	ph := &pdf.Placeholder{MessageDigest: p.MessageDigest, ContentsOffset: p.ContentsOffset, Reserved: p.Reserved}
	if err := pdf.CompleteSignature(ctx, f, ph, signature, prepared, d.cfg.TSAURL); errors.Is(err, pdf.ErrBadSignatureValue) {
		d.audit(ctx, id, actor, "refused", "the signature value does not match the document's digest", "giá trị chữ ký không khớp với mã băm của tài liệu")
		return nil, invalid("the signature does not match this document's digest (made for another document or version, or by another key)",
			"chữ ký không khớp với mã băm của tài liệu này (ký cho tài liệu hoặc phiên bản khác, hoặc bằng khóa khác)")
	} else if err != nil {
		return nil, err
	}
	signedAt, err := d.verifySigned(ctx, f, 1)
	if err != nil {
		return nil, err
	}
	if err := d.checkCert(ctx, req, prepared, signedAt, actor); err != nil {
		return nil, err
	}
	signer := prepared[0].Subject.CommonName
	if req.Mode == dossier.SignDeskSeal {
		if d.r.cfg.Signer == nil {
			return nil, errors.New("workers: desk+seal needs the organisation's key (--sign-p12 or --sign-pkcs11)")
		}
		if err := d.r.cfg.Signer.Sign(ctx, f); err != nil {
			return nil, fmt.Errorf("seal %s: %w", req.ResultCode, err)
		}
		if _, err := d.verifySigned(ctx, f, 2); err != nil {
			return nil, err
		}
	}
	key, sum, size, err := d.r.putFile(ctx, f, func(sum string) string { return storage.ResultKey(req.DossierCode, req.ResultCode, sum) })
	if err != nil {
		return nil, err
	}
	if err := d.cfg.Records.MarkSigned(ctx, id, p.SHA256, signer, prepared[0].Subject.String()); errors.Is(err, storage.ErrConflict) {
		d.r.cfg.Blobs.Delete(ctx, key)
		return nil, conflict("the document changed or was signed meanwhile", "tài liệu vừa thay đổi hoặc đã được ký")
	} else if err != nil {
		return nil, err
	}
	res, err := d.r.cfg.Records.AddResult(ctx, dossier.Result{Code: req.ResultCode, DossierCode: req.DossierCode, BatchID: req.BatchID, Title: req.Title,
		Key: key, Size: size, SHA256: sum, Signer: signer, Pages: req.Pages, CreatedAt: time.Now().UTC()})
	if err != nil {
		return nil, fmt.Errorf("link %s: %w", req.ResultCode, err)
	}
	noteEN, noteVI := revocationNote(rev, false)
	d.audit(ctx, id, actor, "signed", "signed by "+signer+" ("+prepared[0].Subject.String()+")"+noteEN, "đã ký bởi "+signer+noteVI)
	if req.Mode == dossier.SignDeskSeal {
		d.audit(ctx, id, "sohoa", "sealed", "the organisation's signature was added", "đã thêm chữ ký của cơ quan")
	}
	d.r.m.result()
	d.r.events.nudge()
	d.r.log.Info("result signed at the desk", "result", res.Code, "signer", signer, "mode", req.Mode)
	// The text goes to the index by the document job, which finds the batch done.
	if err := d.r.client.Enqueue(ctx, DocumentJob{BatchID: req.BatchID}); err != nil {
		d.r.log.Warn("indexing a desk-signed result not queued; `sohoa reindex` adds it", "result", res.Code, "err", err)
	}
	return &res, nil
}

// verifySigned checks a signed file: want signatures, all intact, the
// last covering the whole file, all trusted; it returns the time of the
// first signature (its timestamp's, else its /M).
func (d *Desk) verifySigned(ctx context.Context, f *os.File, want int) (time.Time, error) {
	st, err := f.Stat()
	if err != nil {
		return time.Time{}, err
	}
	rep, err := pdf.Verify(ctx, f, st.Size(), pdf.VerifyOptions{TrustPEM: d.cfg.TrustPEM})
	if err != nil {
		return time.Time{}, err
	}
	if len(rep.Signatures) != want || !rep.OK() || !rep.Signatures[want-1].CoversWholeDocument {
		why, whyVI := rep.Verdicts.Signatures.Reason, rep.Verdicts.Signatures.ReasonVI
		if rep.Verdicts.Signatures.OK {
			why, whyVI = rep.Verdicts.Trust.Reason, rep.Verdicts.Trust.ReasonVI
		}
		return time.Time{}, invalid("the signed document does not verify: "+why, "tài liệu đã ký không kiểm tra được: "+whyVI)
	}
	s := rep.Signatures[0]
	if s.Timestamp != nil && s.Timestamp.Valid {
		return s.Timestamp.Time, nil
	}
	if d.cfg.TSAURL != "" {
		return time.Time{}, invalid("the signature has no valid timestamp", "chữ ký không có dấu thời gian hợp lệ")
	}
	if s.Time != nil {
		return *s.Time, nil
	}
	return time.Now(), nil
}

func parseChain(ders [][]byte) ([]*x509.Certificate, error) {
	out := make([]*x509.Certificate, 0, len(ders))
	for _, b := range ders {
		c, err := x509.ParseCertificate(b)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("workers: no certificate")
	}
	return out, nil
}

// ExpireOverdue turns the requests left unsigned past their deadline into
// exceptions: the request expires and its batch fails with the reason.
func (d *Desk) ExpireOverdue(ctx context.Context) (int, error) {
	due, err := d.cfg.Records.ExpireOverdue(ctx, time.Now())
	for _, req := range due {
		msg := fmt.Sprintf("not signed by %s before %s: sign it again after an operator retries it / chưa được %s ký trước %s",
			req.Official, req.Deadline.Format(time.RFC3339), req.Official, req.Deadline.Format(time.RFC3339))
		if err := d.r.cfg.Records.SetBatchStatus(ctx, req.BatchID, dossier.BatchFailed, msg); err != nil {
			d.r.log.Warn("an expired signing request's batch not marked failed", "batch", req.BatchID, "err", err)
		}
		d.audit(ctx, req.ID, "sohoa", "expired", "not signed before the deadline", "không được ký trước hạn")
		d.r.log.Warn("result left unsigned past its deadline", "result", req.ResultCode, "official", req.Official)
	}
	return len(due), err
}

// MaxReopen bounds the new deadline an operator gives a reopened request.
const MaxReopen = 30 * 24 * time.Hour

// Reopen is an operator's answer to an expired request (an exception):
// the document awaits its official's signature again until now+within
// (the configured deadline when within is 0), its batch is processing
// again (off the exceptions), and the audit says who reopened it until
// when. A request not expired is a refusal (409).
func (d *Desk) Reopen(ctx context.Context, id string, within time.Duration, actor string) (*dossier.SigningRequest, error) {
	req, err := d.cfg.Records.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	if req.State != dossier.SigningExpired {
		return nil, conflict("only an expired signing request can be reopened; this one is "+req.State,
			"chỉ mở lại được yêu cầu ký đã quá hạn; yêu cầu này đang ở trạng thái "+req.State)
	}
	if within == 0 {
		within = d.cfg.Deadline
	} else if within < time.Minute || within > MaxReopen {
		return nil, invalid(fmt.Sprintf("the new deadline must be 1 minute to %d days away", MaxReopen/(24*time.Hour)),
			fmt.Sprintf("hạn mới phải cách từ 1 phút đến %d ngày", MaxReopen/(24*time.Hour)))
	}
	deadline := time.Now().Add(within).UTC()
	if err := d.cfg.Records.Reopen(ctx, id, deadline); errors.Is(err, storage.ErrConflict) {
		return nil, conflict("the request was reopened or changed meanwhile", "yêu cầu vừa được mở lại hoặc thay đổi")
	} else if err != nil {
		return nil, err
	}
	if err := d.r.cfg.Records.SetBatchStatus(ctx, req.BatchID, dossier.BatchProcessing, ""); err != nil {
		return nil, fmt.Errorf("batch %s of a reopened request: %w", req.BatchID, err)
	}
	at := deadline.Format(time.RFC3339)
	d.audit(ctx, id, actor, "reopened", "reopened by "+actor+": to be signed before "+at, "được "+actor+" mở lại: cần ký trước "+at)
	d.r.log.Info("expired signing request reopened", "result", req.ResultCode, "by", actor, "deadline", at)
	return d.cfg.Records.Request(ctx, id)
}

// expireLoop runs ExpireOverdue every minute until ctx is done.
func (d *Desk) expireLoop(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if _, err := d.ExpireOverdue(ctx); err != nil && ctx.Err() == nil {
			d.r.log.Warn("expiring unsigned results failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
