package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Local is a Blobs store in a folder. A blob is the file <root>/<key>; its
// SHA-256 and size are kept in <root>/.sums/<key> ("<sha256> <size>\n").
// Writes are atomic and durable: temp file, fsync, rename, fsync of the
// folder. The checksum file is written before the blob is renamed into place,
// so a crash leaves either the old blob (detected by Get as a checksum
// mismatch when the new checksum landed) or none, never a silently wrong one.
// Open one with OpenLocal (the folder is created, private to the user).
type Local struct {
	root string
}

// OpenLocal opens (creating it if needed) a local blob store in dir.
func OpenLocal(dir string) (*Local, error) {
	if dir == "" {
		return nil, errors.New("storage: open local blobs: empty path")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("storage: open local blobs: %w", err)
	}
	for _, d := range []string{abs, filepath.Join(abs, ".tmp"), filepath.Join(abs, ".sums")} {
		// Page scans are personal data: only the service's user reads them.
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("storage: open local blobs: %w", err)
		}
	}
	// Temp files of writes cut short by a crash are never renamed into
	// place; drop the old ones.
	if ents, err := os.ReadDir(filepath.Join(abs, ".tmp")); err == nil {
		for _, e := range ents {
			if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > time.Hour {
				os.Remove(filepath.Join(abs, ".tmp", e.Name()))
			}
		}
	}
	return &Local{root: abs}, nil
}

// Root is the folder of the store.
func (l *Local) Root() string { return l.root }

func (l *Local) path(key string) string { return filepath.Join(l.root, filepath.FromSlash(key)) }
func (l *Local) sumPath(key string) string {
	return filepath.Join(l.root, ".sums", filepath.FromSlash(key))
}

// Put implements Blobs.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, size int64, contentType, sha string) (ObjectInfo, error) {
	if cur, stored, err := beginPut(ctx, l, key, size, &sha); err != nil || stored {
		return cur, err
	}
	tmp, err := os.CreateTemp(filepath.Join(l.root, ".tmp"), "put-*")
	if err != nil {
		return ObjectInfo{}, putErr(key, err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // no-op after the rename
	hr := newHashingReader(r)
	_, err = io.Copy(tmp, ctxReader{ctx, hr})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return ObjectInfo{}, putErr(key, err)
	}
	info := ObjectInfo{Key: key, Size: hr.n, SHA256: hr.sum()}
	if err := checkContent(info, size, sha); err != nil {
		return ObjectInfo{}, err
	}
	if err := l.mkdirs(filepath.Dir(l.sumPath(key))); err != nil {
		return ObjectInfo{}, putErr(key, err)
	}
	if err := writeFileAtomic(l.sumPath(key), []byte(info.SHA256+" "+strconv.FormatInt(info.Size, 10)+"\n"), filepath.Join(l.root, ".tmp")); err != nil {
		return ObjectInfo{}, fmt.Errorf("storage: put %s: checksum file: %w", key, err)
	}
	dst := l.path(key)
	if err := l.mkdirs(filepath.Dir(dst)); err != nil {
		return ObjectInfo{}, putErr(key, err)
	}
	if err := os.Rename(tmpName, dst); err != nil {
		return ObjectInfo{}, putErr(key, err)
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return ObjectInfo{}, putErr(key, err)
	}
	return info, nil
}

// Get implements Blobs. The file is checked against its recorded SHA-256
// before Get returns (ErrChecksum when it does not match), so the reader is
// the *os.File itself: an io.ReadSeeker, which http.ServeContent needs for
// Range requests. Reading a local file twice costs little next to sending it.
func (l *Local) Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error) {
	f, info, err := l.OpenRange(ctx, key)
	if err != nil {
		return nil, ObjectInfo{}, err
	}
	if info.SHA256 != "" {
		_, err := io.Copy(io.Discard, newVerifyingReader(io.NopCloser(ctxReader{ctx, f}), info))
		if err == nil {
			_, err = f.Seek(0, io.SeekStart)
		}
		if err != nil {
			f.Close()
			return nil, ObjectInfo{}, err
		}
	}
	return f, info, nil
}

// Stat implements Blobs.
func (l *Local) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	if err := checkKey(key); err != nil {
		return ObjectInfo{}, err
	}
	fi, err := os.Stat(l.path(key))
	if err != nil {
		return ObjectInfo{}, l.mapErr(key, err)
	}
	if !fi.Mode().IsRegular() {
		return ObjectInfo{}, fmt.Errorf("storage: stat %s: %w", key, ErrNotFound)
	}
	info := ObjectInfo{Key: key, Size: fi.Size()}
	b, err := os.ReadFile(l.sumPath(key))
	switch {
	case err == nil:
		f := strings.Fields(string(b))
		if len(f) == 2 {
			info.SHA256 = f[0]
			if n, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				info.Size = n // the recorded size; Get compares it with what is read
			}
		}
	case !errors.Is(err, fs.ErrNotExist):
		return ObjectInfo{}, fmt.Errorf("storage: stat %s: %w", key, err)
	}
	return info, nil
}

// Delete implements Blobs; deleting a missing key is not an error.
func (l *Local) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	for _, p := range []string{l.path(key), l.sumPath(key)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("storage: delete %s: %w", key, err)
		}
	}
	return nil
}

func (l *Local) mapErr(key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("storage: %s: %w", key, ErrNotFound)
	}
	if errors.Is(err, fs.ErrPermission) {
		return backoff.Permanent(fmt.Errorf("storage: %s: %w", key, err))
	}
	return fmt.Errorf("storage: %s: %w", key, err)
}

// mkdirs creates dir and its missing parents under the root, and syncs
// each parent that got a new entry, so the new folders survive power loss
// along with the files renamed into them.
func (l *Local) mkdirs(dir string) error {
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return nil
	}
	var missing []string
	for d := dir; d != l.root && strings.HasPrefix(d, l.root); d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		missing = append(missing, d)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, d := range missing {
		if err := syncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}

func writeFileAtomic(dst string, data []byte, tmpDir string) error {
	f, err := os.CreateTemp(tmpDir, "sum-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(f.Name(), dst); err != nil {
		return err
	}
	return syncDir(filepath.Dir(dst))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ctxReader stops a copy when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func putErr(key string, err error) error {
	err = fmt.Errorf("storage: put %s: %w", key, err)
	// A name the file system refuses stays refused: retrying it held the
	// document worker 8 × 2 minutes.
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.ENAMETOOLONG) || errors.Is(err, syscall.EINVAL) {
		return backoff.Permanent(err)
	}
	return err
}
