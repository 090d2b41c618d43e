// Package storage keeps what sohoa must not lose: blobs (page images, OCR
// results, PDFs) in a local folder or MinIO, and records (dossiers, batches,
// documents, pages, results, events, tokens) in SQLite or PostgreSQL.
package storage

import (
	"context"
	"errors"
	"io"
	"time"
)

// Errors callers test with errors.Is.
var (
	ErrNotFound  = errors.New("not found")
	ErrConflict  = errors.New("conflict") // unique key taken (duplicate batch, token...)
	ErrChecksum  = errors.New("checksum mismatch")
	ErrForbidden = errors.New("forbidden")
	ErrExpired   = errors.New("expired") // a token past its expiry (also ErrForbidden)
)

// ObjectInfo describes a stored blob.
type ObjectInfo struct {
	Key    string
	Size   int64
	SHA256 string // hex
}

// Blobs stores immutable objects by key. Keys are slash-separated paths that
// name the dossier, e.g. "dossiers/000.00.31.H33-220804-0001/batches/<id>/pages/0001.jpg".
//
// Put stores r under key and returns its size and SHA-256; it is idempotent:
// putting the same bytes again under a key succeeds. When sha256 is not
// empty, Put refuses (ErrChecksum) content that does not match it.
// Get returns ErrNotFound for a missing key; the reader's content is
// checked against the recorded SHA-256 when the backend has one.
type Blobs interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType, sha256 string) (ObjectInfo, error)
	Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error)
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	Delete(ctx context.Context, key string) error
}

// Presigner is implemented by blob stores that can hand out short-lived URLs.
type Presigner interface {
	PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error)
}

// Dialect names the SQL engine behind a *sql.DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB, OpenDB, Migration and Migrate live in db.go; the blob stores in
// blobs_local.go, blobs_minio.go and blobs_retry.go; the records
// (SQLRecords) in records.go and tokens.go.
