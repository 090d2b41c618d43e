package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sohoa/sohoa/ingest/dossier"
)

// LocalUploader submits batches straight to an in-process Intake (the
// embedded `sohoa watch --data DIR`), as Token.
type LocalUploader struct {
	Intake *Intake
	Token  *dossier.Token
}

// Upload implements Uploader without HTTP: the files are read in place.
func (l LocalUploader) Upload(ctx context.Context, m *Manifest, paths []string) (*UploadResult, error) {
	files, err := LocalFiles(paths)
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	b, created, err := l.Intake.Submit(ctx, l.Token, m, files)
	if err != nil {
		return nil, err
	}
	return &UploadResult{BatchID: b.ID, Status: b.Status, Pages: len(b.Pages), Created: created, Attempts: 1}, nil
}

// ContentHash is the SHA-256, in hex, of head then the bytes of the files
// at paths, in order: what a client derives an idempotency key from, so
// that the same pages sent again are known for a repeat. A file that
// cannot be opened gives the *fs.PathError of os.Open.
func ContentHash(head []byte, paths []string) (string, error) {
	h := sha256.New()
	h.Write(head)
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("read %s: %w", p, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// LocalFiles describes page files read in place (an in-process upload):
// each by its base name, with its size and SHA-256, as a server's receive
// describes the files it spools.
func LocalFiles(paths []string) (map[string]File, error) {
	files := make(map[string]File, len(paths))
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		n, err := io.Copy(h, f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		name := filepath.Base(p)
		files[name] = File{Name: name, Path: p, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	}
	return files, nil
}
