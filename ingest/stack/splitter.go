package stack

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // page formats a scanner writes
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	_ "golang.org/x/image/tiff" // with CCITT G3/G4, the bitonal scans
	_ "golang.org/x/image/webp"
	"golang.org/x/sync/errgroup"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/storage"
)

// Manifest describes one stack upload: its pages in scan order and what
// every dossier found in it gets unless it says otherwise.
type Manifest struct {
	Station  string   `json:"station"`
	Operator string   `json:"operator"`
	Defaults Defaults `json:"defaults"`
	Pages    []string `json:"pages"`
	// IdempotencyKey makes a stack sent again give the same batches and
	// exceptions; without one, the stack's content (its pages' hashes, in
	// order) is the key.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// SplitOnBlank: blank pages also end a dossier (and are dropped).
	SplitOnBlank bool `json:"split_on_blank,omitempty"`
}

// Defaults are the fields every batch of the stack gets.
type Defaults struct {
	Title        string `json:"title"` // "" gives "Hồ sơ <code>"
	DocumentType string `json:"document_type"`
}

// PageFiles lists the page files of the stack, in scanning order.
func (m *Manifest) PageFiles() []string { return m.Pages }

// DefaultKey gives the stack the idempotency key k when it has none, as
// ingest.Manifest.DefaultKey does.
func (m *Manifest) DefaultKey(k string) {
	if m.IdempotencyKey == "" {
		m.IdempotencyKey = k
	}
}

// ParseManifest decodes and validates a stack manifest with the batch
// manifest's rules (lengths, control characters, file names). Unknown
// fields are refused.
func ParseManifest(r io.Reader) (*Manifest, error) {
	data, err := io.ReadAll(io.LimitReader(r, ingest.MaxManifestBytes+1))
	if err != nil || len(data) > ingest.MaxManifestBytes {
		return nil, &ingest.Error{Status: http.StatusRequestEntityTooLarge, Field: "manifest",
			VI: "manifest quá lớn (tối đa 1 MiB) hoặc không đọc được", EN: "manifest too large (1 MiB at most) or unreadable"}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, &ingest.Error{Status: http.StatusUnprocessableEntity, Field: "manifest",
			VI: "manifest của xấp không hợp lệ: " + err.Error(), EN: "invalid stack manifest: " + err.Error()}
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// checkCode is a valid code that stands in for the dossiers yet to be
// found, so that a stack's fields pass the very checks of a batch manifest.
const checkCode = "000.00.00.H00-260101-0001"

// Validate checks the fields with ingest.Manifest's rules.
func (m *Manifest) Validate() error {
	title := m.Defaults.Title
	if strings.TrimSpace(title) == "" {
		title = "Hồ sơ " + checkCode
	}
	bm := ingest.Manifest{BatchInfo: dossier.BatchInfo{DossierCode: checkCode, Title: title,
		DocumentType: m.Defaults.DocumentType, Station: m.Station, Operator: m.Operator}, Pages: m.Pages, IdempotencyKey: m.IdempotencyKey}
	return bm.Validate()
}

// Records is where exceptions are kept; *storage.StackRecords implements
// it, and its doc comments give the contract.
type Records interface {
	AddException(ctx context.Context, e *dossier.StackException) (*dossier.StackException, bool, error)
	StackException(ctx context.Context, id string) (*dossier.StackException, error)
	OpenExceptions(ctx context.Context, limit int) ([]dossier.StackException, error)
	Resolve(ctx context.Context, id, batchID string) error
	// The stacks accepted for a split job.
	AddStack(ctx context.Context, st *dossier.Stack) (*dossier.Stack, bool, error)
	Stack(ctx context.Context, id string) (*dossier.Stack, error)
	SetStackStatus(ctx context.Context, id, status string, outcome []byte, errVI, errEN string) error
	PendingStacks(ctx context.Context, status string, before time.Time, limit int) ([]dossier.Stack, error)
}

// TextReader reads a page's text (OCR) to propose a dossier code for an
// exception's pages. It may be nil: then nothing is proposed.
type TextReader interface {
	ReadText(ctx context.Context, name string, data []byte) (string, error)
}

// Splitter splits stacks and hands each dossier to the same Intake as a
// batch upload (same checks, idempotency, limits and queue); runs no mark
// claims become exceptions in Records with their page files in the blob
// store.
type Splitter struct {
	Intake  *ingest.Intake
	Records Records
	Text    TextReader // optional: codes proposed from the receipt's text
	// Queue queues the split of an accepted stack (Accept); nil: stacks
	// wait for Recover or a process that has one.
	Queue Queue
	// SpoolDir holds a stack's pages while its job splits them (the
	// system's temporary folder when empty).
	SpoolDir string
	// Workers read pages in parallel; GOMAXPROCS when 0.
	Workers int
	Now     func() time.Time
	Log     *slog.Logger
}

// Outcome is what became of a stack.
type Outcome struct {
	StackID    string                    `json:"stack_id"`
	Pages      int                       `json:"pages"`
	Dossiers   []DossierOutcome          `json:"dossiers"`
	Exceptions []*dossier.StackException `json:"exceptions"`
	Dropped    []int                     `json:"dropped"` // 1-based positions of separator sheets (and blank pages when split on)
}

// DossierOutcome is one dossier found in a stack, now a batch.
type DossierOutcome struct {
	DossierCode string `json:"dossier_code"`
	BatchID     string `json:"batch_id"`
	Status      string `json:"status"`
	Created     bool   `json:"created"`
	FoundBy     string `json:"found_by"` // separator | receipt
	Pages       []int  `json:"pages"`    // 1-based positions in the stack
}

// Split reads every page's marks, splits the stack and submits each dossier
// as a batch. files holds the spooled page files by name; a stack takes one
// page per file (a scanner's stack folder), single-page images only. It is
// the body of a stack's job (Run) and may run again on the same stack: each
// dossier is submitted under a key of its own (stack id and place), so a
// second run finds the batches and exceptions of the first.
func (s *Splitter) Split(ctx context.Context, tok *dossier.Token, m *Manifest, files map[string]ingest.File) (*Outcome, error) {
	if err := checkStack(tok, m, files); err != nil {
		return nil, err
	}
	marks, err := s.readMarks(ctx, m, files)
	if err != nil {
		return nil, err
	}
	plan := Split(marks, m.SplitOnBlank)

	stackID := StackID(tok, stackKey(m, files))
	out := &Outcome{StackID: stackID, Pages: len(m.Pages), Dossiers: []DossierOutcome{}, Exceptions: []*dossier.StackException{}, Dropped: oneBasedOf(plan.Dropped)}

	for i, g := range plan.Dossiers {
		title := m.Defaults.Title
		if strings.TrimSpace(title) == "" {
			title = "Hồ sơ " + g.Code
		}
		bm := &ingest.Manifest{BatchInfo: dossier.BatchInfo{DossierCode: g.Code, Title: title,
			DocumentType: m.Defaults.DocumentType, Station: m.Station, Operator: m.Operator}, IdempotencyKey: fmt.Sprintf("stack-%s-d%d", stackID, i+1)}
		sub := map[string]ingest.File{}
		for _, p := range g.Pages {
			bm.Pages = append(bm.Pages, m.Pages[p])
			sub[m.Pages[p]] = files[m.Pages[p]]
		}
		if err := bm.Validate(); err != nil {
			return nil, err
		}
		b, created, err := s.Intake.Submit(ctx, tok, bm, sub)
		// A station over its page budget (429) sends the stack again later
		// with the same key: its dossiers are not exceptions.
		if e := ingest.AsError(err); e != nil && e.Status < 500 && e.Status != http.StatusForbidden && e.Status != http.StatusTooManyRequests {
			// The dossier was found but refused as a batch (its pages are
			// already a batch of that dossier, a page over a limit): its
			// pages wait for an operator rather than being lost.
			eg := Group{By: g.By, Pages: g.Pages,
				ReasonVI: fmt.Sprintf("hồ sơ %s tìm thấy trong xấp nhưng không nhận được thành lô: %s", g.Code, e.VI),
				ReasonEN: fmt.Sprintf("dossier %s was found in the stack but could not become a batch: %s", g.Code, e.EN)}
			exc, err := s.except(ctx, tok, m, files, stackID, fmt.Sprintf("d%d", i+1), eg, []string{g.Code})
			if err != nil {
				return nil, err
			}
			out.Exceptions = append(out.Exceptions, exc)
			continue
		}
		if err != nil {
			return nil, err
		}
		out.Dossiers = append(out.Dossiers, DossierOutcome{DossierCode: g.Code, BatchID: b.ID, Status: b.Status, Created: created,
			FoundBy: g.By.String(), Pages: oneBasedOf(g.Pages)})
	}
	ocrBudget := maxProposalBands
	for i, g := range plan.Exceptions {
		proposed := s.propose(ctx, m, files, g, &ocrBudget)
		exc, err := s.except(ctx, tok, m, files, stackID, fmt.Sprintf("e%d", i+1), g, proposed)
		if err != nil {
			return nil, err
		}
		out.Exceptions = append(out.Exceptions, exc)
	}
	s.log().Info("stack split", "stack", stackID, "pages", len(m.Pages), "dossiers", len(out.Dossiers),
		"exceptions", len(out.Exceptions), "dropped", len(plan.Dropped))
	return out, nil
}

// checkStack checks a stack against its sender and its files: a station
// sends as itself, and the manifest lists exactly the files sent.
func checkStack(tok *dossier.Token, m *Manifest, files map[string]ingest.File) error {
	if err := ingest.SendAsStation(tok, &m.Station, "xấp"); err != nil {
		return err
	}
	for _, name := range m.Pages {
		if _, ok := files[name]; !ok {
			return &ingest.Error{Status: http.StatusUnprocessableEntity, Field: "pages", File: name,
				VI: fmt.Sprintf("manifest liệt kê tệp %q nhưng không có tệp này trong yêu cầu", name),
				EN: fmt.Sprintf("the manifest lists %q but no file of that name was sent", name)}
		}
	}
	if len(files) != len(m.Pages) {
		return &ingest.Error{Status: http.StatusUnprocessableEntity, Field: "pages",
			VI: fmt.Sprintf("manifest liệt kê %d tệp nhưng yêu cầu có %d tệp", len(m.Pages), len(files)),
			EN: fmt.Sprintf("the manifest lists %d files but the request holds %d", len(m.Pages), len(files))}
	}
	return nil
}

// stackKey is the stack's idempotency key: the manifest's, else its
// content (station, then each page's hash, in order).
func stackKey(m *Manifest, files map[string]ingest.File) string {
	if m.IdempotencyKey != "" {
		return m.IdempotencyKey
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", m.Station)
	for _, n := range m.Pages {
		fmt.Fprintf(h, "%s\n", files[n].SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// StackID names the stack that tok sends under idempotency key key: the
// same key from the same token is the same stack.
func StackID(tok *dossier.Token, key string) string {
	kh := sha256.Sum256([]byte(tok.ID + "\x00" + key))
	return hex.EncodeToString(kh[:16])
}

// readMarks inspects and reads every page, in parallel, within the
// intake's limits (each page once, as the intake would).
func (s *Splitter) readMarks(ctx context.Context, m *Manifest, files map[string]ingest.File) ([]PageMark, error) {
	lim := s.Intake.Limits.WithDefaults()
	if len(m.Pages) > lim.MaxBatchPages*2 {
		return nil, &ingest.Error{Status: http.StatusRequestEntityTooLarge, Field: "pages",
			VI: fmt.Sprintf("xấp quá %d trang", lim.MaxBatchPages*2), EN: fmt.Sprintf("the stack passes %d pages", lim.MaxBatchPages*2)}
	}
	marks := make([]PageMark, len(m.Pages))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.workers())
	for i, name := range m.Pages {
		f := files[name]
		g.Go(func() error {
			pm, err := readPage(gctx, f, lim, m.SplitOnBlank)
			marks[i] = pm
			return err
		})
	}
	return marks, g.Wait()
}

func (s *Splitter) workers() int {
	if s.Workers > 0 {
		return s.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// inspectPage checks one page file against the limits from its header
// (the file is not read whole): a stack takes single-page images only.
func inspectPage(ctx context.Context, f ingest.File, lim ingest.Limits) (ocr.FileInfo, error) {
	if err := checkPageSize(f, lim); err != nil {
		return ocr.FileInfo{}, err
	}
	info, err := ocr.InspectFile(ctx, f.Name, f.Path, lim.Image)
	return info, checkPageInfo(f, info, err)
}

// checkPageSize refuses a page file over the size limit.
func checkPageSize(f ingest.File, lim ingest.Limits) error {
	if f.Size > lim.MaxFileBytes {
		return &ingest.Error{Status: http.StatusRequestEntityTooLarge, File: f.Name,
			VI: fmt.Sprintf("tệp %q quá lớn (%d byte, tối đa %d)", f.Name, f.Size, lim.MaxFileBytes),
			EN: fmt.Sprintf("file %q too large (%d bytes, at most %d)", f.Name, f.Size, lim.MaxFileBytes)}
	}
	return nil
}

// checkPageInfo turns the inspection of a page file (info, or err) into a
// refusal: unreadable, or not a single-page image.
func checkPageInfo(f ingest.File, info ocr.FileInfo, err error) error {
	if err != nil {
		var ie *ocr.InputError
		if errors.As(err, &ie) {
			return &ingest.Error{Status: http.StatusUnprocessableEntity, File: f.Name, Err: err,
				VI: fmt.Sprintf("tệp %q: %s", f.Name, ie.VI), EN: fmt.Sprintf("file %q: %s", f.Name, ie.EN)}
		}
		return &ingest.Error{Status: http.StatusUnprocessableEntity, File: f.Name, Err: err,
			VI: fmt.Sprintf("tệp %q không đọc được", f.Name), EN: fmt.Sprintf("file %q cannot be read", f.Name)}
	}
	if info.Pages != 1 || info.Format == "pdf" {
		return &ingest.Error{Status: http.StatusUnprocessableEntity, File: f.Name,
			VI: fmt.Sprintf("tệp %q: xấp cần mỗi trang một tệp ảnh (JPEG, PNG, TIFF một trang), tệp này có %d trang dạng %s", f.Name, info.Pages, info.Format),
			EN: fmt.Sprintf("file %q: a stack takes one image file per page (JPEG, PNG, single-page TIFF), this one has %d pages as %s", f.Name, info.Pages, info.Format)}
	}
	return nil
}

// readPage checks one page file against the limits, decodes it and reads
// its marks.
func readPage(ctx context.Context, f ingest.File, lim ingest.Limits, wantBlank bool) (PageMark, error) {
	if err := checkPageSize(f, lim); err != nil {
		return PageMark{}, err
	}
	// Read once (the size is bounded above) and inspected from memory: the
	// marks need the bytes anyway. A PDF is inspected from its file, as
	// the intake does, only to be refused with its page count.
	data, err := os.ReadFile(f.Path)
	if err != nil {
		return PageMark{}, fmt.Errorf("stack: read %s: %w", f.Name, err)
	}
	var info ocr.FileInfo
	if ocr.Sniff(data) == "pdf" {
		info, err = ocr.InspectFile(ctx, f.Name, f.Path, lim.Image)
	} else {
		info, err = ocr.Inspect(ctx, f.Name, data, lim.Image)
	}
	if err := checkPageInfo(f, info, err); err != nil {
		return PageMark{}, err
	}
	maxPixels := lim.Image.MaxPixels
	if maxPixels <= 0 {
		maxPixels = ocr.DefaultMaxPixels
	}
	g, factor, full, err := pageGray(data, info.Format, maxPixels)
	if err != nil {
		return PageMark{}, &ingest.Error{Status: http.StatusUnprocessableEntity, File: f.Name, Err: err,
			VI: fmt.Sprintf("tệp %q: không giải mã được ảnh (%v)", f.Name, err), EN: fmt.Sprintf("file %q: the image cannot be decoded (%v)", f.Name, err)}
	}
	return markGray(g, factor, full, wantBlank), nil
}

// MarkPage reads one decoded page's symbols (and, when asked, whether it
// is blank).
func MarkPage(img image.Image, wantBlank bool) PageMark {
	factor := max(1, pageDPI(img.Bounds())/readDPI)
	return markGray(gray(img, factor), factor, func() (*image.Gray, error) { return gray(img, 1), nil }, wantBlank)
}

// markGray reads a page's marks from g, its grey copy reduced by factor.
func markGray(g *image.Gray, factor int, full func() (*image.Gray, error), wantBlank bool) PageMark {
	sym := readGray(g, factor, full)
	pm := PageMark{Mark: markOfSymbols(sym.Texts)}
	if pm.Mark.Kind == None && sym.Damaged {
		pm.Mark = Mark{Kind: Unreadable, Detail: "QR damaged"}
	}
	if wantBlank && pm.Mark.Kind == None {
		pm.Blank = blank(g)
	}
	return pm
}

// pageDPI guesses a page's resolution from its short side, taken as A4's
// 8.27 inches: files' own dpi fields are often missing or wrong, and this
// only picks how much to reduce the page before looking for symbols.
func pageDPI(b image.Rectangle) int {
	short := min(b.Dx(), b.Dy())
	return min(600, max(100, int(float64(short)/8.27+0.5)))
}

// blank reports a page with almost no dark pixels inside its margins (5%
// each side, where scanner edges and punch holes show).
func blank(g *image.Gray) bool {
	b := g.Bounds()
	mx, my := b.Dx()/20, b.Dy()/20
	dark, total := 0, 0
	for y := b.Min.Y + my; y < b.Max.Y-my; y++ {
		row := g.Pix[(y-b.Min.Y)*g.Stride:]
		for x := mx; x < b.Dx()-mx; x++ {
			total++
			if row[x] < 128 {
				dark++
			}
		}
	}
	return total > 0 && float64(dark)/float64(total) < 0.002
}

// maxProposalBands bounds the OCR spent on proposals in one stack: bands
// of a page (see codeBands), a few seconds of an engine each where a whole
// page took up to minutes on a busy machine. A stack of many exceptions is
// a stack to scan again, not to read through.
const maxProposalBands = 4

// OCRText reads a page's text with an OCR pool (the engines of a serve with
// workers).
type OCRText struct{ Pool *ocr.Pool }

// ReadText recognizes the first page of the file.
func (o OCRText) ReadText(ctx context.Context, name string, data []byte) (string, error) {
	r, _, err := o.Pool.Recognize(ctx, ocr.Input{Name: name, Data: data, Page: 1})
	return r.Text, err
}

// propose reads the receipt that may lead an exception (its first pages)
// for "Mã hồ sơ: …", a band at a time (codeBands), within the stack's
// budget of bands.
func (s *Splitter) propose(ctx context.Context, m *Manifest, files map[string]ingest.File, g Group, budget *int) []string {
	if s.Text == nil {
		return nil
	}
	var out []string
	for _, p := range g.Pages[:min(2, len(g.Pages))] {
		if *budget <= 0 {
			break
		}
		f := files[m.Pages[p]]
		bands, err := codeBands(f.Path)
		if err != nil {
			s.log().Warn("stack: a page read for a code proposal cannot be decoded", "file", f.Name, "err", err)
			continue
		}
		for i, band := range bands {
			if *budget <= 0 || len(out) > 0 {
				break
			}
			*budget--
			text, err := s.Text.ReadText(ctx, fmt.Sprintf("%s-band%d.png", f.Name, i+1), band)
			if err != nil {
				s.log().Warn("stack: reading a page for a code proposal failed", "file", f.Name, "err", err)
				continue
			}
			for _, pr := range ProposeCode(text, s.now()) {
				out = append(out, pr.Code)
			}
		}
		if len(out) > 0 {
			break
		}
	}
	return out
}

// codeBands cuts the bands of a page where a receipt prints its code, as
// grey PNGs to read in this order: the top third (the receipt, Giấy tiếp
// nhận hồ sơ và hẹn trả kết quả, prints "Mã hồ sơ" under its title), then
// the bottom third (the same page scanned turned over; the engine turns a
// band upright as it does a page).
func codeBands(path string) ([][]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	h := b.Dy() / 3
	var out [][]byte
	for _, r := range []image.Rectangle{
		image.Rect(b.Min.X, b.Min.Y, b.Max.X, b.Min.Y+h),
		image.Rect(b.Min.X, b.Max.Y-h, b.Max.X, b.Max.Y),
	} {
		g := image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
		if yc, ok := img.(*image.YCbCr); ok {
			// A JPEG's luma is the grey page: copied, not converted.
			for y := range r.Dy() {
				copy(g.Pix[y*g.Stride:y*g.Stride+r.Dx()], yc.Y[yc.YOffset(r.Min.X, r.Min.Y+y):])
			}
		} else {
			draw.Draw(g, g.Bounds(), img, r.Min, draw.Src)
		}
		var buf bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, g); err != nil {
			return nil, err
		}
		out = append(out, buf.Bytes())
	}
	return out, nil
}

// except stores an exception's page files and its record.
func (s *Splitter) except(ctx context.Context, tok *dossier.Token, m *Manifest, files map[string]ingest.File, stackID, n string, g Group, proposed []string) (*dossier.StackException, error) {
	e := &dossier.StackException{StackID: stackID, Station: m.Station, Operator: m.Operator,
		Title: m.Defaults.Title, DocumentType: m.Defaults.DocumentType, TokenID: tok.ID,
		IdempotencyKey: "stack-" + stackID + "-" + n, ReasonVI: g.ReasonVI, Reason: g.ReasonEN, Proposed: proposed}
	for _, p := range g.Pages {
		f := files[m.Pages[p]]
		key := storage.StackPageKey(f.SHA256, f.Name)
		r, err := os.Open(f.Path)
		if err != nil {
			return nil, fmt.Errorf("stack: open %s: %w", f.Name, err)
		}
		_, err = s.Intake.Blobs.Put(ctx, key, r, f.Size, "application/octet-stream", f.SHA256)
		r.Close()
		if err != nil {
			return nil, unavailable(ctx, fmt.Errorf("stack: store %s: %w", f.Name, err))
		}
		e.Pages = append(e.Pages, dossier.StackPage{Position: p + 1, Name: f.Name, SourceKey: key, SHA256: f.SHA256, Size: f.Size})
	}
	stored, _, err := s.Records.AddException(ctx, e)
	if err != nil {
		return nil, unavailable(ctx, err)
	}
	return stored, nil
}

func unavailable(ctx context.Context, err error) error {
	if ctx.Err() != nil || storage.IsPermanent(err) {
		return err
	}
	return &ingest.Error{Status: http.StatusServiceUnavailable, Err: err,
		VI: "hệ thống lưu trữ tạm thời không trả lời; gửi lại xấp sau ít giây với cùng khóa idempotency",
		EN: "storage is not answering for now; send the stack again in a few seconds with the same idempotency key"}
}

// Exception returns stack exception id (open or resolved) as tok may see
// it: a station sees its own only (storage.ErrNotFound for others').
func (s *Splitter) Exception(ctx context.Context, tok *dossier.Token, id string) (*dossier.StackException, error) {
	e, err := s.Records.StackException(ctx, id)
	if err != nil {
		return nil, err
	}
	if tok.Role == dossier.RoleStation && tok.Name != e.Station {
		return nil, storage.ErrNotFound
	}
	return e, nil
}

// ExceptionPage opens the scanned file of the page at position (1-based in
// the stack) of exception id, as tok may see it (Exception): for the
// operator to read the code off the page before resolving. A position that
// is not one of the exception's pages is storage.ErrNotFound.
func (s *Splitter) ExceptionPage(ctx context.Context, tok *dossier.Token, id string, position int) (io.ReadCloser, dossier.StackPage, error) {
	e, err := s.Exception(ctx, tok, id)
	if err != nil {
		return nil, dossier.StackPage{}, err
	}
	for _, p := range e.Pages {
		if p.Position == position {
			rc, _, err := s.Intake.Blobs.Get(ctx, p.SourceKey)
			if err != nil {
				return nil, p, fmt.Errorf("stack exception %s, page %d: %w", id, position, err)
			}
			return rc, p, nil
		}
	}
	return nil, dossier.StackPage{}, storage.ErrNotFound
}

// Resolve gives an exception's pages a dossier code: they go in through the
// intake as one batch (the stack's defaults, the exception's station), and
// the exception is closed. Resolving again with the same code gives the
// same batch.
func (s *Splitter) Resolve(ctx context.Context, tok *dossier.Token, id, code, spoolDir string) (*dossier.Batch, bool, error) {
	e, err := s.Exception(ctx, tok, id)
	if err != nil {
		return nil, false, err
	}
	if e.Status == dossier.StackResolved {
		b, err := s.Intake.Records.Batch(ctx, e.BatchID)
		if err != nil {
			return nil, false, err
		}
		if b.DossierCode != code {
			return nil, false, &ingest.Error{Status: http.StatusConflict,
				VI: fmt.Sprintf("các trang này đã vào hồ sơ %s (lô %s)", b.DossierCode, b.ID),
				EN: fmt.Sprintf("these pages already went to dossier %s (batch %s)", b.DossierCode, b.ID)}
		}
		return b, false, nil
	}
	title := e.Title
	if strings.TrimSpace(title) == "" {
		title = "Hồ sơ " + code
	}
	bm := &ingest.Manifest{BatchInfo: dossier.BatchInfo{DossierCode: code, Title: title, DocumentType: e.DocumentType,
		Station: e.Station, Operator: e.Operator}, IdempotencyKey: "stack-exception-" + e.ID}
	for _, p := range e.Pages {
		bm.Pages = append(bm.Pages, p.Name)
	}
	if err := bm.Validate(); err != nil {
		return nil, false, err
	}
	dir, err := os.MkdirTemp(spoolDir, "sohoa-resolve-")
	if err != nil {
		return nil, false, err
	}
	defer os.RemoveAll(dir)
	files := map[string]ingest.File{}
	for _, p := range e.Pages {
		rc, _, err := s.Intake.Blobs.Get(ctx, p.SourceKey)
		if err != nil {
			return nil, false, unavailable(ctx, err)
		}
		f, err := ingest.Spool(dir, p.Name, rc, p.Size)
		rc.Close()
		if err != nil {
			return nil, false, err
		}
		if f.SHA256 != p.SHA256 {
			return nil, false, fmt.Errorf("stack: page %s of exception %s changed in the blob store", p.Name, e.ID)
		}
		files[p.Name] = f
	}
	// The batch is the exception's station's, whoever resolves it.
	owner := *tok
	if tok.Role != dossier.RoleStation {
		owner = dossier.Token{ID: e.TokenID, Role: dossier.RoleAdmin, Name: tok.Name}
	}
	b, created, err := s.Intake.Submit(ctx, &owner, bm, files)
	if err != nil {
		return nil, false, err
	}
	if err := s.Records.Resolve(ctx, e.ID, b.ID); err != nil {
		return nil, false, err
	}
	return b, created, nil
}

func oneBasedOf(xs []int) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = x + 1
	}
	return out
}

func (s *Splitter) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Splitter) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}
