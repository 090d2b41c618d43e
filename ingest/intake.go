package ingest

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/storage"
)

// Enqueuer hands the pending pages of a committed batch to the workers.
// EnqueueBatch must be idempotent: calling it again for a batch whose pages
// are already queued or done must not make a second result (the workers
// dedupe by batch and page).
type Enqueuer interface {
	EnqueueBatch(ctx context.Context, b *dossier.Batch) error
}

// Limits bound one upload: its bytes, and the work it asks of the engines
// (pages and pixels), which a small file can make large (a 228 KB TIFF can
// declare 2,000 pages of 120 Mpx; a 116 KB PNG a page of 120 Mpx).
type Limits struct {
	MaxFileBytes  int64 // per page file; DefaultMaxFileBytes when 0
	MaxBatchBytes int64 // whole request; DefaultMaxBatchBytes when 0
	// MaxBatchPages bounds the pages of a batch once multi-page files are
	// counted; DefaultMaxBatchPages when 0.
	MaxBatchPages int
	// MaxBatchPixels bounds the sum of width × height over the pages of a
	// batch; DefaultMaxBatchPixels when 0.
	MaxBatchPixels int64
	// Image bounds one file; Image.MaxPixels (one page, and so one
	// engine's work and memory on it) is DefaultMaxPagePixels when 0.
	Image ocr.Limits
	// StationPagesPerHour and StationBatchesPerMinute bound what one
	// station token may send: the pages of its batches accepted within
	// the last hour, and its batches within the last minute (defaults when
	// 0, no limit when negative). Over either, an upload is answered 429
	// with Retry-After. Tokens of other roles are not limited by them.
	StationPagesPerHour     int
	StationBatchesPerMinute int
}

const (
	DefaultMaxFileBytes  = 100 << 20
	DefaultMaxBatchBytes = 500 << 20
	// DefaultMaxBatchPages is two thick dossiers scanned as one batch.
	DefaultMaxBatchPages = 1000
	// DefaultMaxBatchPixels is 1,000 A4 pages at 300 dpi (8.7 Mpx each)
	// with room to spare, or 140 A3 pages at 600 dpi.
	DefaultMaxBatchPixels = 10_000_000_000
	// DefaultMaxPagePixels takes an A3 page at 400 dpi (31 Mpx) or an A4
	// page at 600 dpi (35 Mpx); the paper rules ask for 200 dpi. The engine
	// needs about 5 bytes per pixel: 40 Mpx stays under its 400 MiB recycle
	// limit, where a 120 Mpx page took it to 637 MB.
	DefaultMaxPagePixels = 40_000_000
	// DefaultStationPagesPerHour: a busy desk scans 2,000-5,000 pages a
	// day, 600 an hour on average; this leaves room for a morning's rush
	// or a backlog after an outage (three full batches an hour), while a
	// runaway or stolen station token cannot bury the engines.
	DefaultStationPagesPerHour = 3000
	// DefaultStationBatchesPerMinute: a person feeds a scanner one dossier
	// in tens of seconds; a hot folder catching up after an outage sends
	// its backlog at 30 batches a minute.
	DefaultStationBatchesPerMinute = 30
)

// WithDefaults fills zero limits.
func (l Limits) WithDefaults() Limits {
	// cmp.Or(max(v, 0), d): a bound of 0 (unset) or below is the default,
	// never "no bound".
	l.MaxFileBytes = cmp.Or(max(l.MaxFileBytes, 0), DefaultMaxFileBytes)
	l.MaxBatchBytes = cmp.Or(max(l.MaxBatchBytes, 0), DefaultMaxBatchBytes)
	l.MaxBatchPages = cmp.Or(max(l.MaxBatchPages, 0), DefaultMaxBatchPages)
	l.MaxBatchPixels = cmp.Or(max(l.MaxBatchPixels, 0), DefaultMaxBatchPixels)
	l.Image.MaxPixels = cmp.Or(max(l.Image.MaxPixels, 0), DefaultMaxPagePixels)
	if l.StationPagesPerHour == 0 {
		l.StationPagesPerHour = DefaultStationPagesPerHour
	}
	if l.StationBatchesPerMinute == 0 {
		l.StationBatchesPerMinute = DefaultStationBatchesPerMinute
	}
	if l.Image.MaxPages <= 0 || l.Image.MaxPages > l.MaxBatchPages {
		// No file may have more pages than the batch may.
		l.Image.MaxPages = l.MaxBatchPages
	}
	return l
}

// File is one received page file, already spooled to disk.
type File struct {
	Name   string // as named in the manifest
	Path   string // local temporary file
	Size   int64
	SHA256 string // hex of the content
}

// Records is what intake needs of the record store; *storage.SQLRecords
// implements it, and its methods' doc comments give the full contract.
type Records interface {
	// CreateBatch stores a new batch with its pages in one transaction,
	// creating the dossier when new. A batch whose IdempotencyKey was seen
	// before from the same token returns the earlier batch and
	// created=false; a batch whose Fingerprint matches an earlier batch of
	// the same dossier returns storage.ErrConflict (with the earlier batch)
	// unless allowDuplicate.
	CreateBatch(ctx context.Context, b *dossier.Batch, allowDuplicate bool) (stored *dossier.Batch, created bool, err error)
	// Batch returns the batch with its pages (storage.ErrNotFound when
	// unknown).
	Batch(ctx context.Context, id string) (*dossier.Batch, error)
	// ListBatches returns batches without pages, in id (creation) order,
	// filtered by f; Recover pages through them with f.After.
	ListBatches(ctx context.Context, f storage.BatchFilter) ([]dossier.Batch, error)
	// TokenUploads returns the batches uploaded with a token after since,
	// oldest first, with their page counts (the station limits).
	TokenUploads(ctx context.Context, tokenID string, since time.Time) ([]storage.Upload, error)
}

// Intake turns a validated upload into a committed batch and queued work.
//
// The guarantee: when Submit returns a batch, its blobs and records are
// committed, so the 202 the API sends next can never be followed by a loss.
// Enqueueing happens after the commit; if it fails (or the process dies
// before it), Recover re-enqueues the batch on the next start.
type Intake struct {
	Records Records // *storage.SQLRecords
	Blobs   storage.Blobs
	Queue   Enqueuer // may be nil: then batches wait for Recover or workers elsewhere
	Limits  Limits
	// StoreTimeout bounds storing a batch's files and committing it
	// (DefaultStoreTimeout when 0, plus a second per 20 MB); past it the
	// upload is a 503 the station retries.
	StoreTimeout time.Duration
	Log          *slog.Logger
}

// Submit validates every page of m (files holds them by name), stores the
// files, creates the batch and enqueues its pages. created is false when the
// idempotency key matched an earlier batch of the same token: that batch
// is returned and nothing is created.
func (in *Intake) Submit(ctx context.Context, tok *dossier.Token, m *Manifest, files map[string]File) (b *dossier.Batch, created bool, err error) {
	tStart := time.Now()
	lim := in.Limits.WithDefaults()
	if err := SendAsStation(tok, &m.Station, "lô"); err != nil {
		return nil, false, err
	}
	for _, name := range m.Pages {
		if _, ok := files[name]; !ok {
			return nil, false, badManifest("pages", fmt.Sprintf("manifest liệt kê tệp %q nhưng không có tệp này trong yêu cầu", name),
				fmt.Sprintf("the manifest lists %q but no file of that name was sent", name))
		}
	}
	if len(files) > len(m.Pages) {
		listed := make(map[string]bool, len(m.Pages))
		for _, p := range m.Pages {
			listed[p] = true
		}
		for name := range files {
			if !listed[name] {
				return nil, false, badManifest("pages", fmt.Sprintf("tệp %q được gửi nhưng không có trong danh sách pages", name),
					fmt.Sprintf("file %q was sent but is not listed in pages", name))
			}
		}
	}

	// Inspect every file before storing anything, so a bad page refuses the
	// whole batch without leaving objects behind.
	var pages []dossier.Page
	var pixels int64
	fp := sha256.New()
	type stored struct {
		f          File
		key, ctype string
	}
	var toStore []stored
	for _, name := range m.Pages {
		f := files[name]
		info, err := inspect(ctx, name, f, lim)
		if err != nil {
			return nil, false, err
		}
		// Budgets are checked file by file, so a batch over them is refused
		// before its later files are inspected.
		pixels += info.Pixels
		if len(pages)+info.Pages > lim.MaxBatchPages {
			return nil, false, badFile(http.StatusRequestEntityTooLarge, name,
				fmt.Sprintf("lô vượt quá %d trang (đến tệp này đã có %d trang)", lim.MaxBatchPages, len(pages)+info.Pages),
				fmt.Sprintf("the batch passes %d pages (%d pages up to this file)", lim.MaxBatchPages, len(pages)+info.Pages), nil)
		}
		if pixels > lim.MaxBatchPixels {
			return nil, false, badFile(http.StatusRequestEntityTooLarge, name,
				fmt.Sprintf("lô vượt quá %d triệu điểm ảnh (đến tệp này đã có %d triệu); chia lô hoặc quét ở độ phân giải thấp hơn", lim.MaxBatchPixels/1e6, pixels/1e6),
				fmt.Sprintf("the batch passes %d million pixels (%d million up to this file); split it or scan at a lower resolution", lim.MaxBatchPixels/1e6, pixels/1e6), nil)
		}
		key := storage.SourceKey(m.DossierCode, f.SHA256, name)
		toStore = append(toStore, stored{f: f, key: key, ctype: contentType(info.Format)})
		for sp := 1; sp <= info.Pages; sp++ {
			pages = append(pages, dossier.Page{
				Index:      len(pages) + 1,
				SourceName: name,
				SourcePage: sp,
				SourceKey:  key,
				SourceSHA:  f.SHA256,
				Status:     dossier.PagePending,
			})
			fmt.Fprintf(fp, "%s:%d\n", f.SHA256, sp)
		}
	}

	// The station's page budget, now that the batch's pages are known; a
	// replay of a batch already taken adds nothing and is not refused.
	if err := in.checkStation(ctx, tok, lim, len(pages), false); err != nil {
		if m.IdempotencyKey == "" {
			return nil, false, err
		}
		done, lerr := in.Records.ListBatches(ctx, storage.BatchFilter{TokenID: tok.ID, IdempotencyKey: m.IdempotencyKey, Limit: 1})
		if lerr != nil {
			return nil, false, unavailable(ctx, "db", lerr)
		}
		if len(done) == 0 {
			return nil, false, err
		}
	}

	// Blobs first (content-addressed, so a retried upload rewrites the same
	// keys), then the records in one transaction.
	// Storing and committing are bounded: while the blob store or the
	// database is down the station gets a 503 to retry (with the same
	// idempotency key), not a request held for as long as retries last.
	tStore := time.Now()
	var size int64
	for _, s := range toStore {
		size += s.f.Size
	}
	sctx, cancel := context.WithTimeout(ctx, in.storeTimeout(size))
	defer cancel()
	for _, s := range toStore {
		if err := in.putFile(sctx, s.f, s.key, s.ctype); err != nil {
			return nil, false, unavailable(ctx, "blobs", err)
		}
	}
	id := storage.NewID()
	nb := &dossier.Batch{
		ID:             id,
		BatchInfo:      m.BatchInfo,
		TokenID:        tok.ID,
		IdempotencyKey: m.IdempotencyKey,
		Fingerprint:    hex.EncodeToString(fp.Sum(nil)),
		Status:         dossier.BatchReceived,
		Pages:          pages,
	}
	for i := range nb.Pages {
		nb.Pages[i].BatchID = id
	}
	tCommit := time.Now()
	got, created, err := in.Records.CreateBatch(sctx, nb, m.AllowDuplicate)
	tEnqueue := time.Now()
	switch {
	case errors.Is(err, storage.ErrConflict):
		return nil, false, &Error{Status: http.StatusConflict, Err: err,
			VI: fmt.Sprintf("hồ sơ %s đã có một lô với đúng các trang này; gửi lại với \"allow_duplicate\": true nếu cố ý", m.DossierCode),
			EN: fmt.Sprintf("dossier %s already has a batch with exactly these pages; send \"allow_duplicate\": true if this is intended", m.DossierCode)}
	case err != nil:
		return nil, false, unavailable(ctx, "db", fmt.Errorf("ingest: create batch: %w", err))
	}
	if !created {
		// A replay of a batch that never reached the queue (the process
		// died between commit and enqueue) queues it now.
		if got.Status == dossier.BatchReceived && in.Queue != nil {
			if err := in.enqueue(ctx, got); err != nil {
				in.log().Warn("ingest: enqueue of replayed batch failed", "batch", got.ID, "err", err)
			}
		}
		return got, false, nil
	}
	if in.Queue != nil {
		// The batch is committed: a failure here only delays it (Recover).
		if err := in.enqueue(ctx, got); err != nil {
			in.log().Warn("ingest: enqueue failed; the batch waits for recovery", "batch", got.ID, "err", err)
		}
	}
	in.log().Debug("ingest: batch accepted", "batch", got.ID, "pages", len(got.Pages),
		"inspect", tStore.Sub(tStart), "store", tCommit.Sub(tStore), "commit", tEnqueue.Sub(tCommit), "enqueue", time.Since(tEnqueue))
	return got, true, nil
}

// DefaultStoreTimeout bounds storing and committing a batch, plus one second
// per 20 MB of files (a 500 MB batch gets 35 s).
const DefaultStoreTimeout = 10 * time.Second

func (in *Intake) storeTimeout(size int64) time.Duration {
	d := in.StoreTimeout
	if d <= 0 {
		d = DefaultStoreTimeout
	}
	return d + time.Duration(size/(20<<20))*time.Second
}

// enqueue queues a committed batch within a few seconds: a queue that does
// not answer only delays the batch (recovery queues it later), it must not
// hold the station's answer.
func (in *Intake) enqueue(ctx context.Context, b *dossier.Batch) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return in.Queue.EnqueueBatch(ctx, b)
}

// unavailable turns a failure to store or commit into a 503 the station
// retries, unless it is a refusal (an *Error), a permanent storage error,
// or the request itself was cancelled.
func unavailable(req context.Context, engine string, err error) error {
	if AsError(err) != nil || storage.IsPermanent(err) || req.Err() != nil {
		return err
	}
	return &Error{Status: http.StatusServiceUnavailable, Err: err,
		VI: fmt.Sprintf("hệ thống lưu trữ tạm thời không trả lời (%s); lô chưa được nhận, gửi lại sau ít giây với cùng khóa idempotency", engine),
		EN: fmt.Sprintf("storage is not answering for now (%s); the batch was not taken, send it again in a few seconds with the same idempotency key", engine)}
}

func (in *Intake) log() *slog.Logger {
	if in.Log != nil {
		return in.Log
	}
	return slog.Default()
}

func (in *Intake) putFile(ctx context.Context, f File, key, ctype string) error {
	r, err := os.Open(f.Path)
	if err != nil {
		return fmt.Errorf("ingest: open spooled %s: %w", f.Name, err)
	}
	defer r.Close()
	if _, err := in.Blobs.Put(ctx, key, r, f.Size, ctype, f.SHA256); err != nil {
		return fmt.Errorf("ingest: store %s as %s: %w", f.Name, key, err)
	}
	return nil
}

// inspectError turns ocr.Inspect's refusal into a precise answer: 413 for
// an image over the pixel or page limits, 422 for one that cannot be read.
// inspect checks an uploaded file before anything of it is stored: its
// size, and its header (format sniffed from the bytes, pixels, strips,
// pages) against the limits.
func inspect(ctx context.Context, name string, f File, lim Limits) (ocr.FileInfo, error) {
	if f.Size > lim.MaxFileBytes {
		return ocr.FileInfo{}, badFile(http.StatusRequestEntityTooLarge, name,
			fmt.Sprintf("quá lớn (%d byte, tối đa %d)", f.Size, lim.MaxFileBytes),
			fmt.Sprintf("too large (%d bytes, at most %d)", f.Size, lim.MaxFileBytes), nil)
	}
	// Never read whole: eight uploads of 95 MB at once must not cost
	// their size in memory.
	info, err := ocr.InspectFile(ctx, name, f.Path, lim.Image)
	if err != nil {
		if ctx.Err() != nil {
			return ocr.FileInfo{}, ctx.Err()
		}
		return ocr.FileInfo{}, inspectError(name, err)
	}
	if info.Pages < 1 {
		return ocr.FileInfo{}, badFile(http.StatusUnprocessableEntity, name, "không có trang nào", "has no page", nil)
	}
	return info, nil
}

// Rescan checks one uploaded re-scan of a page of a dossier (as Submit
// checks a batch's files: size, format, pixels; and one page only) and
// stores it under its source key, which it returns. The station's limits
// apply as to an upload of one page.
func (in *Intake) Rescan(ctx context.Context, tok *dossier.Token, dossierCode, name string, f File) (string, error) {
	lim := in.Limits.WithDefaults()
	info, err := inspect(ctx, name, f, lim)
	if err != nil {
		return "", err
	}
	if info.Pages != 1 {
		return "", badFile(http.StatusUnprocessableEntity, name, fmt.Sprintf("có %d trang; bản quét lại thay một trang", info.Pages),
			fmt.Sprintf("has %d pages; a re-scan replaces one page", info.Pages), nil)
	}
	if err := in.checkStation(ctx, tok, lim, 1, false); err != nil {
		return "", err
	}
	sctx, cancel := context.WithTimeout(ctx, in.storeTimeout(f.Size))
	defer cancel()
	key := storage.SourceKey(dossierCode, f.SHA256, name)
	if err := in.putFile(sctx, f, key, contentType(info.Format)); err != nil {
		return "", unavailable(ctx, "blobs", err)
	}
	return key, nil
}

func inspectError(name string, err error) *Error {
	var ie *ocr.InputError
	if !errors.As(err, &ie) {
		return badFile(http.StatusUnprocessableEntity, name, "không đọc được: "+err.Error(), "unreadable: "+err.Error(), err)
	}
	status := http.StatusUnprocessableEntity
	if errors.Is(err, ocr.ErrTooLarge) || errors.Is(err, ocr.ErrTooManyPage) {
		status = http.StatusRequestEntityTooLarge
	}
	vi, en := ie.VI, ie.EN
	if ie.Detail != "" {
		vi += " (" + ie.Detail + ")"
		en += " (" + ie.Detail + ")"
	}
	return badFile(status, name, vi, en, err)
}

func contentType(format string) string {
	switch format {
	case "jpeg", "jpg":
		return "image/jpeg"
	case "png":
		return "image/png"
	case "tiff", "tif":
		return "image/tiff"
	case "pdf":
		return "application/pdf"
	case "webp":
		return "image/webp"
	case "":
		return "application/octet-stream"
	}
	return "image/" + format
}

// Spool copies r to a new file in dir, at most max bytes, and returns it
// with its size and SHA-256. More than max bytes gives a 413 *Error.
func Spool(dir, name string, r io.Reader, max int64) (File, error) {
	if err := checkFileName(name); err != nil {
		return File{}, &Error{Status: http.StatusBadRequest, File: name, VI: err.VI, EN: err.EN}
	}
	tmp, err := os.CreateTemp(dir, "page-*")
	if err != nil {
		return File{}, fmt.Errorf("ingest: spool %s: %w", name, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, max+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return File{}, fmt.Errorf("ingest: spool %s: %w", name, err)
	}
	if n > max {
		os.Remove(tmp.Name())
		return File{}, badFile(http.StatusRequestEntityTooLarge, name,
			fmt.Sprintf("quá lớn (tối đa %d byte)", max), fmt.Sprintf("too large (at most %d bytes)", max), nil)
	}
	return File{Name: name, Path: tmp.Name(), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}
