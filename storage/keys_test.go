package storage_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// TestUnstorableKeysFailAtOnce: a key no store can hold (a part longer than
// a file name may be, or past S3's 1,024 bytes) is refused before any I/O
// as permanent, so a retrying store gives up at once. A 245-character
// dossier code made the file system answer "name too long", which was
// retried for two minutes, eight times, holding the document worker.
func TestUnstorableKeysFailAtOnce(t *testing.T) {
	local := storagetest.LocalBlobs(t)
	stores := map[string]storage.Blobs{"local": local}
	if u := storagetest.S3URL(t); u != "" {
		m, err := storage.OpenBlobs(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		stores["minio"] = m
	}
	keys := []string{
		"dossiers/" + strings.Repeat("1", 300) + "/sources/p.jpg",
		"dossiers/" + strings.Repeat("a/", 520) + "p.jpg",
	}
	for name, inner := range stores {
		b := storage.RetryBlobs(inner, storage.RetryPolicy{Initial: 100 * time.Millisecond, Max: time.Second, MaxElapsed: 2 * time.Minute})
		for _, key := range keys {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			start := time.Now()
			_, err := b.Put(ctx, key, bytes.NewReader([]byte("x")), 1, "", "")
			cancel()
			if !errors.Is(err, storage.ErrInvalidKey) || !storage.IsPermanent(err) || storage.IsTransient(err) {
				t.Errorf("%s, key of %d bytes: %v; want a permanent ErrInvalidKey", name, len(key), err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("%s, key of %d bytes: refused after %v", name, len(key), d)
			}
		}
	}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{backoff.Permanent(errors.New("x")), true},
		{storage.ErrInvalidKey, true},
		{errors.New("connection refused"), false},
		{context.DeadlineExceeded, false},
	} {
		if got := storage.IsPermanent(tc.err); got != tc.want {
			t.Errorf("IsPermanent(%v) = %v", tc.err, got)
		}
	}
}
