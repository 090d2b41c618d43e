package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/minio/minio-go/v7"
)

// RangeOpener is implemented by blob stores that can read part of an
// object without reading the rest (HTTP Range requests on a large PDF).
//
// OpenRange returns a seekable reader over the object and its info; only
// the bytes read are fetched. They are not checked against the object's
// SHA-256, which a part cannot be: callers hand the recorded hash to the
// client (ETag, Digest) to check what it assembles. Get remains the way to
// read a whole object checked.
type RangeOpener interface {
	OpenRange(ctx context.Context, key string) (io.ReadSeekCloser, ObjectInfo, error)
}

// OpenRange implements RangeOpener: the file itself.
func (l *Local) OpenRange(ctx context.Context, key string) (io.ReadSeekCloser, ObjectInfo, error) {
	info, err := l.Stat(ctx, key)
	if err != nil {
		return nil, ObjectInfo{}, err
	}
	f, err := os.Open(l.path(key))
	if err != nil {
		return nil, ObjectInfo{}, l.mapErr(key, err)
	}
	return f, info, nil
}

// OpenRange implements RangeOpener with ranged GETs that ask for no more
// than is read (see rangeReader).
func (m *Minio) OpenRange(ctx context.Context, key string) (io.ReadSeekCloser, ObjectInfo, error) {
	info, err := m.Stat(ctx, key)
	if err != nil {
		return nil, ObjectInfo{}, err
	}
	open := func(off, n int64) (io.ReadCloser, error) {
		var opts minio.GetObjectOptions
		if err := opts.SetRange(off, off+n-1); err != nil {
			return nil, err
		}
		obj, _, _, err := minio.Core{Client: m.c}.GetObject(ctx, m.bucket, key, opts)
		if err != nil {
			return nil, m.mapErr("get "+key, err)
		}
		return obj, nil
	}
	return &rangeReader{open: open, size: info.Size}, info, nil
}

// rangeReader reads an object of a known size through ranged requests.
// Each request asks for what the read needs, doubling while reads go on
// in sequence (up to maxRangeAhead): a 1-byte Range costs one 1-byte
// request, a whole download a handful of large ones, and nothing is ever
// fetched that is not read. (A plain GET from an offset would stream the
// rest of the object into socket buffers, megabytes on a fast link.)
type rangeReader struct {
	open func(off, n int64) (io.ReadCloser, error)
	size int64

	off    int64         // position of the next Read
	cur    io.ReadCloser // open request, positioned at off
	left   int64         // bytes cur still holds
	ahead  int64         // size of the next request
	closed bool
}

const maxRangeAhead = 8 << 20

func (r *rangeReader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, os.ErrClosed
	}
	if r.off >= r.size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if r.cur == nil || r.left == 0 {
		r.drop()
		r.ahead = min(max(2*r.ahead, int64(len(p))), maxRangeAhead, r.size-r.off)
		rc, err := r.open(r.off, r.ahead)
		if err != nil {
			return 0, err
		}
		r.cur, r.left = rc, r.ahead
	}
	n, err := r.cur.Read(p[:min(int64(len(p)), r.left)])
	r.off += int64(n)
	r.left -= int64(n)
	if err == io.EOF {
		if r.left > 0 {
			return n, fmt.Errorf("storage: ranged read ended %d bytes short: %w", r.left, io.ErrUnexpectedEOF)
		}
		err = nil
	}
	return n, err
}

func (r *rangeReader) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = r.off + offset
	case io.SeekEnd:
		abs = r.size + offset
	default:
		return 0, errors.New("storage: seek: bad whence")
	}
	if abs < 0 {
		return 0, errors.New("storage: seek before the start")
	}
	if abs != r.off {
		// A new position starts a new, small request.
		r.drop()
		r.ahead = 0
		r.off = abs
	}
	return abs, nil
}

func (r *rangeReader) drop() {
	if r.cur != nil {
		r.cur.Close()
		r.cur, r.left = nil, 0
	}
}

func (r *rangeReader) Close() error {
	r.drop()
	r.closed = true
	return nil
}
