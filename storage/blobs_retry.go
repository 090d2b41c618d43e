package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// RetryPolicy says how RetryBlobs waits between attempts: exponential backoff
// from Initial up to Max, with jitter, until ctx is done or MaxElapsed (when
// not zero) has passed since the first attempt.
type RetryPolicy struct {
	Initial    time.Duration // default 200 ms
	Max        time.Duration // default 10 s
	MaxElapsed time.Duration // 0: until ctx is done
	Log        *slog.Logger  // optional: each retry is logged at Warn
}

// DefaultRetry retries with backoff from 200 ms to 5 s until ctx is done.
var DefaultRetry = RetryPolicy{Initial: 200 * time.Millisecond, Max: 5 * time.Second}

// IsPermanent reports whether err says that repeating the operation can
// never succeed: marked with backoff.Permanent (the one marker sohoa uses
// for "retrying cannot fix this"), or a key no store can hold. Job runners
// give up on such an error at once instead of retrying it.
func IsPermanent(err error) bool {
	return errors.As(err, new(*backoff.PermanentError)) || errors.Is(err, ErrInvalidKey)
}

// IsTransient reports whether an operation that failed with err may succeed
// when tried again: not for missing keys, checksum mismatches, refused
// access, bad keys, errors marked permanent (backoff.Permanent, the one
// marker sohoa uses for "retrying cannot fix this") or a cancelled context.
func IsTransient(err error) bool {
	var p *backoff.PermanentError
	switch {
	case err == nil,
		errors.Is(err, ErrNotFound), errors.Is(err, ErrChecksum), errors.Is(err, ErrForbidden),
		errors.Is(err, ErrConflict), errors.Is(err, ErrInvalidKey),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &p):
		return false
	}
	return true
}

// RetryBlobs wraps inner so that operations failing with a transient error
// (IsTransient: network errors, 5xx, a stopped MinIO) are retried with
// backoff until ctx is done: an outage of the store delays the work but
// loses nothing. Put rewinds a seekable reader for each attempt and spools
// any other to a temporary file first. The result implements Presigner when
// inner does.
func RetryBlobs(inner Blobs, p RetryPolicy) Blobs {
	if p.Initial <= 0 {
		p.Initial = DefaultRetry.Initial
	}
	if p.Max <= 0 {
		p.Max = DefaultRetry.Max
	}
	rb := &retryBlobs{inner: inner, p: p}
	if ps, ok := inner.(Presigner); ok {
		return &retryPresignBlobs{retryBlobs: rb, ps: ps}
	}
	return rb
}

type retryBlobs struct {
	inner Blobs
	p     RetryPolicy
}

type retryPresignBlobs struct {
	*retryBlobs
	ps Presigner
}

// Unwrap returns the wrapped store.
func (r *retryBlobs) Unwrap() Blobs { return r.inner }

// UnwrapBlobs returns the store under b's wrappers (RetryBlobs), or b
// itself: for checks that must not wait out retries, and for reaching the
// concrete store.
func UnwrapBlobs(b Blobs) Blobs {
	for {
		u, ok := b.(interface{ Unwrap() Blobs })
		if !ok {
			return b
		}
		b = u.Unwrap()
	}
}

func (r *retryBlobs) do(ctx context.Context, op, key string, fn func() error) error {
	var (
		attempts int
		last     error
	)
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		attempts++
		err := fn()
		if err != nil && !IsTransient(err) {
			err = backoff.Permanent(err) // returned as is, at once
		}
		last = err
		return struct{}{}, err
	}, backoff.WithBackOff(&backoff.ExponentialBackOff{
		InitialInterval:     r.p.Initial,
		RandomizationFactor: 0.5,
		Multiplier:          2,
		MaxInterval:         r.p.Max,
	}), backoff.WithMaxElapsedTime(r.p.MaxElapsed), backoff.WithNotify(func(err error, d time.Duration) {
		if r.p.Log != nil {
			r.p.Log.Warn("blob store unavailable, retrying", "op", op, "key", key, "attempt", attempts, "in", d, "err", err)
		}
	}))
	switch {
	case err == nil || !IsTransient(last):
		return err
	case ctx.Err() != nil:
		return fmt.Errorf("storage: %s %s: %w (last error: %v)", op, key, err, last)
	}
	return fmt.Errorf("storage: %s %s: giving up after %d attempts: %w", op, key, attempts, err)
}

func (r *retryBlobs) Put(ctx context.Context, key string, rd io.Reader, size int64, contentType, sha string) (ObjectInfo, error) {
	rs, ok := rd.(io.ReadSeeker)
	var start int64
	if ok {
		var err error
		if start, err = rs.Seek(0, io.SeekCurrent); err != nil {
			ok = false
		}
	}
	if !ok {
		f, err := os.CreateTemp("", "sohoa-retry-*")
		if err != nil {
			return ObjectInfo{}, fmt.Errorf("storage: put %s: %w", key, err)
		}
		defer func() { f.Close(); os.Remove(f.Name()) }()
		if _, err := io.Copy(f, ctxReader{ctx, rd}); err != nil {
			return ObjectInfo{}, fmt.Errorf("storage: put %s: spool: %w", key, err)
		}
		rs, start = f, 0
	}
	var info ObjectInfo
	err := r.do(ctx, "put", key, func() error {
		if _, err := rs.Seek(start, io.SeekStart); err != nil {
			return backoff.Permanent(err)
		}
		var err error
		info, err = r.inner.Put(ctx, key, rs, size, contentType, sha)
		return err
	})
	return info, err
}

func (r *retryBlobs) Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error) {
	var (
		rc   io.ReadCloser
		info ObjectInfo
	)
	err := r.do(ctx, "get", key, func() error {
		var err error
		rc, info, err = r.inner.Get(ctx, key)
		return err
	})
	return rc, info, err
}

func (r *retryBlobs) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	var info ObjectInfo
	err := r.do(ctx, "stat", key, func() error {
		var err error
		info, err = r.inner.Stat(ctx, key)
		return err
	})
	return info, err
}

func (r *retryBlobs) Delete(ctx context.Context, key string) error {
	return r.do(ctx, "delete", key, func() error { return r.inner.Delete(ctx, key) })
}

func (r *retryPresignBlobs) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	var u string
	err := r.do(ctx, "presign", key, func() error {
		var err error
		u, err = r.ps.PresignGet(ctx, key, ttl)
		return err
	})
	return u, err
}
