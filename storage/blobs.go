package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// ErrInvalidKey is returned for a blob key that is empty, absolute, or has
// empty, "." or ".." segments or a reserved first segment.
var ErrInvalidKey = errors.New("invalid blob key")

// Blob keys: the one place that knows the bucket layout, so that intake,
// the workers, the API and reindex agree. Everything of a dossier lives
// under dossiers/<code>/.

// SourceKey is an uploaded file of a dossier, named by its content (hex
// SHA-256) and the extension of name, e.g.
// dossiers/<code>/sources/<sha256>.tif: the same bytes uploaded twice (a
// retry) land on the same object.
func SourceKey(dossierCode, sha256, name string) string {
	return "dossiers/" + dossierCode + "/sources/" + sha256 + scanExt(name)
}

// StackPageKey is a page of a stack exception, kept until it joins a
// batch: named by its content (hex SHA-256) and the extension of name,
// e.g. stacks/pages/<sha256>.jpg, so a stack sent again rewrites it.
func StackPageKey(sha256, name string) string {
	return "stacks/pages/" + sha256 + scanExt(name)
}

// scanExt is the extension of an uploaded file's name, lower case, or
// nothing when it is not an extension a scanner writes.
func scanExt(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if len(ext) > 6 || strings.ContainsAny(ext, " /\\") {
		return ""
	}
	return ext
}

// PageImageKey is the corrected page image (ext without dot: "jpg", "png").
func PageImageKey(dossierCode, batchID string, index int, ext string) string {
	return fmt.Sprintf("dossiers/%s/batches/%s/pages/%04d.%s", dossierCode, batchID, index, ext)
}

// PageOCRKey is the OCR result JSON of a page.
func PageOCRKey(dossierCode, batchID string, index int) string {
	return fmt.Sprintf("dossiers/%s/batches/%s/pages/%04d.ocr.json", dossierCode, batchID, index)
}

// PageRescanKeys are the image (ext without dot) and OCR result JSON of a
// re-scan of a page, named by the re-scan's content (hex SHA-256): apart
// from the page's first reading, which signed results and the review log
// still name.
func PageRescanKeys(dossierCode, batchID string, index int, sha256, ext string) (image, result string) {
	base := fmt.Sprintf("dossiers/%s/batches/%s/pages/%04d-rescan-%.16s", dossierCode, batchID, index, sha256)
	return base + "." + ext, base + ".ocr.json"
}

// ResultKey is the signed PDF of a result code (<dossier>-KQ<n>), e.g.
// dossiers/<code>/results/<code>-KQ1-<first 12 hex digits of sha256>.pdf.
// The key carries the content hash so that two racing runs of one batch
// (a duplicate job) each store their own file and the one not linked can
// be removed: the linked file always matches its checksum.
func ResultKey(dossierCode, resultCode, sha256 string) string {
	return "dossiers/" + dossierCode + "/results/" + resultCode + "-" + sha256[:min(12, len(sha256))] + ".pdf"
}

// DraftKey is a document of a signing request that is not (yet) a result:
// kind "unsigned" (assembled, waiting for the official) or "prepared"
// (with the placeholder for their signature), e.g.
// dossiers/<code>/signing/<code>-KQ1-unsigned-<first 12 hex digits of sha256>.pdf.
// Not a result, so it gets no retention lock.
func DraftKey(dossierCode, resultCode, kind, sha256 string) string {
	return "dossiers/" + dossierCode + "/signing/" + resultCode + "-" + kind + "-" + sha256[:min(12, len(sha256))] + ".pdf"
}

// IsResultKey reports whether key names a signed result (the keys that get
// object-lock retention).
func IsResultKey(key string) bool {
	return strings.HasPrefix(key, "dossiers/") && strings.Contains(key, "/results/")
}

// checkKey validates a blob key.
// Bounds of a key: S3 names objects of at most 1,024 bytes, file systems
// take names of at most 255 bytes. A key past them can never be stored, so
// it is refused before any I/O (and ErrInvalidKey is never retried).
const (
	maxKeyBytes    = 1024
	maxKeySegBytes = 255
)

func checkKey(key string) error {
	if len(key) > maxKeyBytes {
		return fmt.Errorf("%w: %d bytes long, at most %d", ErrInvalidKey, len(key), maxKeyBytes)
	}
	if key == "" || strings.HasPrefix(key, "/") || strings.Contains(key, "\\") || strings.ContainsRune(key, 0) {
		return fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	for i, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." || (i == 0 && strings.HasPrefix(seg, ".")) || strings.HasPrefix(seg, ".tmp-") {
			return fmt.Errorf("%w: %q", ErrInvalidKey, key)
		}
		if len(seg) > maxKeySegBytes {
			return fmt.Errorf("%w: a part of %q is %d bytes long, at most %d", ErrInvalidKey, key, len(seg), maxKeySegBytes)
		}
	}
	return nil
}

// BlobOption configures OpenBlobs.
type BlobOption func(*blobConfig)

type blobConfig struct {
	retention *Retention
	retry     *RetryPolicy
}

// Retention is S3 object-lock retention for result PDFs. The MinIO bucket is
// created with object locking when a retention is given (object locking can
// only be enabled at bucket creation).
type Retention struct {
	Mode   string        // "GOVERNANCE" or "COMPLIANCE"
	Period time.Duration // how long from the Put
	// Match selects the keys that get retention; nil means IsResultKey.
	Match func(key string) bool
}

// WithRetention applies r to the matching keys of a MinIO store. The local
// store ignores it (a folder has no object lock).
func WithRetention(r Retention) BlobOption { return func(c *blobConfig) { c.retention = &r } }

// WithRetry wraps the store in RetryBlobs with policy p.
func WithRetry(p RetryPolicy) BlobOption { return func(c *blobConfig) { c.retry = &p } }

// OpenBlobs opens a blob store by URL:
//
//	/path/to/dir, ./dir, file:///path/to/dir           local folder
//	http://KEY:SECRET@host:port/bucket, https://...     MinIO / S3 (bucket created if missing; "sohoa" when absent)
//
// The store is not wrapped in RetryBlobs unless WithRetry is given.
func OpenBlobs(ctx context.Context, rawURL string, opts ...BlobOption) (Blobs, error) {
	var cfg blobConfig
	for _, o := range opts {
		o(&cfg)
	}
	var (
		b   Blobs
		err error
	)
	lower := strings.ToLower(rawURL)
	switch {
	case rawURL == "":
		return nil, errors.New("storage: open blobs: empty url")
	case strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "s3://"):
		b, err = OpenMinio(ctx, rawURL, cfg.retention)
	case strings.HasPrefix(lower, "file://"):
		u, perr := url.Parse(rawURL)
		if perr != nil {
			return nil, fmt.Errorf("storage: open blobs: %w", perr)
		}
		b, err = OpenLocal(u.Path)
	default:
		b, err = OpenLocal(rawURL)
	}
	if err != nil {
		return nil, err
	}
	if cfg.retry != nil {
		b = RetryBlobs(b, *cfg.retry)
	}
	return b, nil
}

// beginPut starts every store's Put: it refuses a key no store may hold,
// normalizes *sha, and returns the blob at key with stored true when it
// already holds the bytes *sha names, of size when size is known (a
// retried Put then has nothing to do). An empty sha never matches.
func beginPut(ctx context.Context, b Blobs, key string, size int64, sha *string) (cur ObjectInfo, stored bool, err error) {
	if err := checkKey(key); err != nil {
		return ObjectInfo{}, false, err
	}
	*sha = normSHA(*sha)
	if *sha == "" {
		return ObjectInfo{}, false, nil
	}
	cur, err = b.Stat(ctx, key)
	if err != nil || cur.SHA256 != *sha || (size >= 0 && cur.Size != size) {
		return ObjectInfo{}, false, nil
	}
	return cur, true, nil
}

// checkContent refuses content that is not what the caller of Put declared:
// a size other than size (when not negative) for good, since sending the
// same reader again gives the same bytes; a SHA-256 other than sha (when
// not empty) as ErrChecksum.
func checkContent(got ObjectInfo, size int64, sha string) error {
	if size >= 0 && got.Size != size {
		return backoff.Permanent(fmt.Errorf("storage: put %s: got %d bytes, expected %d", got.Key, got.Size, size))
	}
	if sha != "" && got.SHA256 != sha {
		return fmt.Errorf("storage: put %s: %w: content is %s, expected %s", got.Key, ErrChecksum, got.SHA256, sha)
	}
	return nil
}

// hashingReader hashes and counts what passes through it.
type hashingReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func newHashingReader(r io.Reader) *hashingReader { return &hashingReader{r: r, h: sha256.New()} }

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if n > 0 {
		h.h.Write(p[:n])
		h.n += int64(n)
	}
	return n, err
}

func (h *hashingReader) sum() string { return hex.EncodeToString(h.h.Sum(nil)) }

// verifyingReader returns ErrChecksum instead of io.EOF when the content
// read does not match the expected SHA-256 (or size).
type verifyingReader struct {
	rc   io.ReadCloser
	h    hash.Hash
	n    int64
	want ObjectInfo
}

func newVerifyingReader(rc io.ReadCloser, want ObjectInfo) io.ReadCloser {
	if want.SHA256 == "" {
		return rc
	}
	return &verifyingReader{rc: rc, h: sha256.New(), want: want}
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.rc.Read(p)
	if n > 0 {
		v.h.Write(p[:n])
		v.n += int64(n)
	}
	if err == io.EOF {
		got := hex.EncodeToString(v.h.Sum(nil))
		if got != v.want.SHA256 || (v.want.Size >= 0 && v.n != v.want.Size) {
			return n, fmt.Errorf("storage: %s: %w: read %d bytes sha256 %s, recorded %d bytes %s",
				v.want.Key, ErrChecksum, v.n, got, v.want.Size, v.want.SHA256)
		}
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.rc.Close() }

func normSHA(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
