package storage

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// metaSHA is the user metadata (x-amz-meta-sha256) holding a blob's SHA-256
// in hex; Get checks the content read against it.
const metaSHA = "Sha256"

// Minio is a Blobs store in one MinIO (S3) bucket, and a Presigner. Each
// object carries its SHA-256 as metadata (x-amz-meta-sha256), which Get
// checks the content read against; result PDFs get object-lock retention
// when the bucket was opened with a Retention. Open one with OpenMinio (or
// OpenBlobs, which picks the store from a URL). Safe for concurrent use.
// Wrap it in RetryBlobs to ride out outages.
type Minio struct {
	c      *minio.Client
	bucket string
	ret    *Retention
}

// OpenMinio connects to http(s)://KEY:SECRET@host:port/bucket and creates the
// bucket when missing (with object locking when ret is not nil). s3:// means
// https://. The bucket defaults to "sohoa".
func OpenMinio(ctx context.Context, rawURL string, ret *Retention) (*Minio, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("storage: open minio: %w", err)
	}
	secure := u.Scheme == "https" || u.Scheme == "s3"
	if u.User == nil {
		return nil, fmt.Errorf("storage: open minio %s: no KEY:SECRET@ in url", u.Redacted())
	}
	key := u.User.Username()
	secret, _ := u.User.Password()
	bucket := strings.Trim(u.Path, "/")
	if bucket == "" {
		bucket = "sohoa"
	}
	if strings.Contains(bucket, "/") {
		return nil, fmt.Errorf("storage: open minio %s: bucket name %q has a slash", u.Redacted(), bucket)
	}
	if ret != nil {
		if ret.Mode != string(minio.Governance) && ret.Mode != string(minio.Compliance) {
			return nil, fmt.Errorf("storage: open minio: retention mode %q: want GOVERNANCE or COMPLIANCE", ret.Mode)
		}
		if ret.Period <= 0 {
			return nil, errors.New("storage: open minio: retention period must be positive")
		}
	}
	tr, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, fmt.Errorf("storage: open minio: %w", err)
	}
	tr.ResponseHeaderTimeout = 60 * time.Second
	c, err := minio.New(u.Host, &minio.Options{
		Creds:     credentials.NewStaticV4(key, secret, ""),
		Secure:    secure,
		Region:    u.Query().Get("region"),
		Transport: tr,
		// A few quick retries inside the client; RetryBlobs rides out longer outages.
		MaxRetries: 3,
		// Lets Put send x-amz-checksum-sha256, which the server checks.
		TrailingHeaders: true,
	})
	if err != nil {
		return nil, fmt.Errorf("storage: open minio %s: %w", u.Redacted(), err)
	}
	m := &Minio{c: c, bucket: bucket, ret: ret}
	if err := m.ensureBucket(ctx); err != nil {
		return nil, fmt.Errorf("storage: open minio %s: %w", u.Redacted(), err)
	}
	return m, nil
}

// Client is the underlying minio-go client.
func (m *Minio) Client() *minio.Client { return m.c }

// Bucket is the bucket of the store.
func (m *Minio) Bucket() string { return m.bucket }

func (m *Minio) ensureBucket(ctx context.Context) error {
	// A MinIO that has just started answers its health check before it
	// can serve buckets ("Server not initialized yet"): wait for it, a
	// while (151 tries 200 ms apart), rather than fail the start of the
	// process that opens it.
	ok, err := backoff.Retry(ctx, func() (bool, error) {
		ok, err := m.c.BucketExists(ctx, m.bucket)
		if err != nil && !notInitialized(err) {
			return ok, backoff.Permanent(err)
		}
		return ok, err
	}, backoff.WithBackOff(backoff.NewConstantBackOff(200*time.Millisecond)), backoff.WithMaxTries(151), backoff.WithMaxElapsedTime(0))
	if pe, isPerm := err.(*backoff.PermanentError); isPerm {
		err = pe.Err // the last try's error comes back marked
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return m.mapErr("bucket "+m.bucket, err)
	}
	if ok {
		if m.ret != nil {
			// Retention needs a bucket created with object locking; say so
			// now rather than failing every result Put later.
			enabled, _, _, _, err := m.c.GetObjectLockConfig(ctx, m.bucket)
			if err != nil || enabled != "Enabled" {
				return backoff.Permanent(fmt.Errorf("bucket %s exists without object locking, which retention needs (it can only be enabled when a bucket is created): %v", m.bucket, err))
			}
		}
		return nil
	}
	err = m.c.MakeBucket(ctx, m.bucket, minio.MakeBucketOptions{ObjectLocking: m.ret != nil})
	if err != nil {
		if c := minio.ToErrorResponse(err).Code; c == "BucketAlreadyOwnedByYou" || c == "BucketAlreadyExists" {
			return nil // created by a concurrent process
		}
		return m.mapErr("make bucket "+m.bucket, err)
	}
	return nil
}

// Put implements Blobs. The content is hashed before it is sent (spooled to
// a temporary file unless r can seek), so its SHA-256 travels as
// x-amz-meta-sha256 and a mismatch with sha is refused before anything is
// stored. When the key already holds the same bytes nothing is sent (so a
// retried Put does not add versions under object lock).
func (m *Minio) Put(ctx context.Context, key string, r io.Reader, size int64, contentType, sha string) (ObjectInfo, error) {
	if cur, stored, err := beginPut(ctx, m, key, size, &sha); err != nil || stored {
		return cur, err
	}
	body, n, sum, cleanup, err := rewindable(ctx, r)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("storage: put %s: %w", key, err)
	}
	defer cleanup()
	if err := checkContent(ObjectInfo{Key: key, Size: n, SHA256: sum}, size, sha); err != nil {
		return ObjectInfo{}, err
	}
	if sha == "" {
		if cur, err := m.Stat(ctx, key); err == nil && cur.SHA256 == sum && cur.Size == n {
			return cur, nil
		}
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	raw, _ := hex.DecodeString(sum)
	opts := minio.PutObjectOptions{
		ContentType: contentType,
		// x-amz-meta-sha256 stays with the object for Get to check;
		// x-amz-checksum-sha256 makes the server refuse a body that does
		// not match the hash taken before sending (one PUT, no multipart,
		// so the checksum is of the whole object).
		UserMetadata:     map[string]string{metaSHA: sum, "x-amz-checksum-sha256": base64.StdEncoding.EncodeToString(raw)},
		DisableMultipart: n <= 5<<30,
	}
	if m.ret != nil && (m.ret.Match == nil && IsResultKey(key) || m.ret.Match != nil && m.ret.Match(key)) {
		opts.Mode = minio.RetentionMode(m.ret.Mode)
		opts.RetainUntilDate = time.Now().Add(m.ret.Period).UTC()
	}
	if _, err := m.c.PutObject(ctx, m.bucket, key, body, n, opts); err != nil {
		return ObjectInfo{}, m.mapErr("put "+key, err)
	}
	return ObjectInfo{Key: key, Size: n, SHA256: sum}, nil
}

// rewindable returns r as a reader positioned at its start together with its
// size and SHA-256: a seekable r is hashed in place and rewound, any other is
// copied to a temporary file while hashing.
func rewindable(ctx context.Context, r io.Reader) (body io.Reader, n int64, sum string, cleanup func(), err error) {
	if rs, ok := r.(io.ReadSeeker); ok {
		start, err := rs.Seek(0, io.SeekCurrent)
		if err == nil {
			hr := newHashingReader(rs)
			if _, err := io.Copy(io.Discard, ctxReader{ctx, hr}); err != nil {
				return nil, 0, "", nil, err
			}
			if _, err := rs.Seek(start, io.SeekStart); err != nil {
				return nil, 0, "", nil, err
			}
			return io.LimitReader(rs, hr.n), hr.n, hr.sum(), func() {}, nil
		}
	}
	f, err := os.CreateTemp("", "sohoa-put-*")
	if err != nil {
		return nil, 0, "", nil, err
	}
	cleanup = func() { f.Close(); os.Remove(f.Name()) }
	hr := newHashingReader(r)
	if _, err := io.Copy(f, ctxReader{ctx, hr}); err != nil {
		cleanup()
		return nil, 0, "", nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		cleanup()
		return nil, 0, "", nil, err
	}
	return f, hr.n, hr.sum(), cleanup, nil
}

// Get implements Blobs; the reader fails with ErrChecksum at its end when
// the content does not match x-amz-meta-sha256.
func (m *Minio) Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error) {
	if err := checkKey(key); err != nil {
		return nil, ObjectInfo{}, err
	}
	obj, err := m.c.GetObject(ctx, m.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, ObjectInfo{}, m.mapErr("get "+key, err)
	}
	st, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, ObjectInfo{}, m.mapErr("get "+key, err)
	}
	info := infoOf(key, st)
	return newVerifyingReader(obj, info), info, nil
}

// Stat implements Blobs.
func (m *Minio) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	if err := checkKey(key); err != nil {
		return ObjectInfo{}, err
	}
	st, err := m.c.StatObject(ctx, m.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return ObjectInfo{}, m.mapErr("stat "+key, err)
	}
	return infoOf(key, st), nil
}

func infoOf(key string, st minio.ObjectInfo) ObjectInfo {
	info := ObjectInfo{Key: key, Size: st.Size}
	for k, v := range st.UserMetadata {
		if strings.EqualFold(k, metaSHA) || strings.EqualFold(k, "X-Amz-Meta-"+metaSHA) {
			info.SHA256 = normSHA(v)
		}
	}
	return info
}

// Delete implements Blobs; deleting a missing key is not an error. Objects
// under retention cannot be deleted (an error wrapping ErrForbidden).
func (m *Minio) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := m.c.RemoveObject(ctx, m.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		err = m.mapErr("delete "+key, err)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	}
	return nil
}

// PresignGet implements Presigner.
func (m *Minio) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	u, err := m.c.PresignedGetObject(ctx, m.bucket, key, ttl, url.Values{})
	if err != nil {
		return "", m.mapErr("presign "+key, err)
	}
	return u.String(), nil
}

// Retention reports the object-lock retention of key (mode "" when none).
func (m *Minio) Retention(ctx context.Context, key string) (mode string, until time.Time, err error) {
	md, t, err := m.c.GetObjectRetention(ctx, m.bucket, key, "")
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchObjectLockConfiguration" {
			return "", time.Time{}, nil
		}
		return "", time.Time{}, m.mapErr("retention "+key, err)
	}
	if md != nil {
		mode = string(*md)
	}
	if t != nil {
		until = *t
	}
	return mode, until, nil
}

// mapErr turns S3 error responses into ErrNotFound / ErrForbidden and marks
// other client errors (4xx except timeouts and throttling) as permanent, so
// RetryBlobs gives up on them at once.
func (m *Minio) mapErr(what string, err error) error {
	er := minio.ToErrorResponse(err)
	switch {
	case er.Code == "NoSuchKey" || er.Code == "NoSuchObject" || (er.StatusCode == http.StatusNotFound && er.Code != "NoSuchBucket"):
		return fmt.Errorf("storage: %s: %w", what, ErrNotFound)
	case er.StatusCode == http.StatusForbidden || er.Code == "AccessDenied":
		return backoff.Permanent(fmt.Errorf("storage: %s: %w (%s: %s)", what, ErrForbidden, er.Code, er.Message))
	case er.Code == "BadDigest" || er.Code == "XAmzContentChecksumMismatch" || er.Code == "XAmzContentSHA256Mismatch" || er.Code == "InvalidDigest":
		// The body was damaged on the way: sending it again may work.
		return fmt.Errorf("storage: %s: damaged in transit (%s): %w", what, er.Code, err)
	case er.StatusCode >= 400 && er.StatusCode < 500 && er.StatusCode != http.StatusRequestTimeout && er.StatusCode != http.StatusTooManyRequests:
		return backoff.Permanent(fmt.Errorf("storage: %s: %s (%s, HTTP %s): %w", what, er.Message, er.Code, strconv.Itoa(er.StatusCode), err))
	}
	return fmt.Errorf("storage: %s: %w", what, err)
}

// notInitialized reports MinIO's answer while it starts up.
func notInitialized(err error) bool {
	er := minio.ToErrorResponse(err)
	return er.Code == "XMinioServerNotInitialized" || strings.Contains(er.Message, "not initialized")
}
