package storage_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
)

func shaHex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// onlyReader hides any Seek method, like a network body.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

type blobStore struct {
	name    string
	open    func(t *testing.T) storage.Blobs
	corrupt func(t *testing.T, b storage.Blobs, key string) // change the stored bytes behind the store's back
}

func blobStores() []blobStore {
	return []blobStore{
		{
			name: "local",
			open: func(t *testing.T) storage.Blobs {
				b, err := storage.OpenBlobs(context.Background(), "file://"+t.TempDir()+"/blobs")
				if err != nil {
					t.Fatal(err)
				}
				return b
			},
			corrupt: func(t *testing.T, b storage.Blobs, key string) {
				p := filepath.Join(b.(*storage.Local).Root(), filepath.FromSlash(key))
				data, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				data[len(data)/2] ^= 0x55
				if err := os.WriteFile(p, data, 0o600); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name: "minio",
			open: func(t *testing.T) storage.Blobs {
				b, err := storage.OpenBlobs(context.Background(), storagetest.S3URL(t))
				if err != nil {
					t.Fatal(err)
				}
				return b
			},
			corrupt: func(t *testing.T, b storage.Blobs, key string) {
				m := b.(*storage.Minio)
				ctx := context.Background()
				st, err := m.Client().StatObject(ctx, m.Bucket(), key, minio.StatObjectOptions{})
				if err != nil {
					t.Fatal(err)
				}
				bad := randBytes(int(st.Size))
				// Same recorded checksum, other bytes: what bit rot or a bad copy looks like.
				_, err = m.Client().PutObject(ctx, m.Bucket(), key, bytes.NewReader(bad), int64(len(bad)),
					minio.PutObjectOptions{UserMetadata: map[string]string{"Sha256": st.UserMetadata["Sha256"]}})
				if err != nil {
					t.Fatal(err)
				}
			},
		},
	}
}

// forEachBlobStore runs test on a fresh store of each kind.
func forEachBlobStore(t *testing.T, test func(t *testing.T, ctx context.Context, s blobStore, b storage.Blobs)) {
	for _, s := range blobStores() {
		t.Run(s.name, func(t *testing.T) { test(t, context.Background(), s, s.open(t)) })
	}
}

func TestBlobs(t *testing.T) {
	forEachBlobStore(t, func(t *testing.T, ctx context.Context, s blobStore, b storage.Blobs) {
		data := randBytes(300_000)
		sum := shaHex(data)
		key := storage.PageImageKey("000.00.31.H33-220804-0001", storage.NewID(), 1, "jpg")

		if _, err := b.Stat(ctx, key); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("stat before put: %v", err)
		}
		if _, _, err := b.Get(ctx, key); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("get before put: %v", err)
		}
		// A wrong expected checksum is refused and stores nothing.
		if _, err := b.Put(ctx, key, bytes.NewReader(data), int64(len(data)), "image/jpeg", shaHex([]byte("other"))); !errors.Is(err, storage.ErrChecksum) {
			t.Fatalf("put with wrong sha: %v", err)
		}
		if _, err := b.Stat(ctx, key); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("refused put left something: %v", err)
		}
		// Put from a plain stream, without a known checksum.
		info, err := b.Put(ctx, key, onlyReader{bytes.NewReader(data)}, -1, "image/jpeg", "")
		if err != nil {
			t.Fatal(err)
		}
		if info.SHA256 != sum || info.Size != int64(len(data)) || info.Key != key {
			t.Fatalf("put info %+v", info)
		}
		// Idempotent: the same bytes again, with and without the checksum.
		for _, want := range []string{sum, ""} {
			again, err := b.Put(ctx, key, bytes.NewReader(data), int64(len(data)), "image/jpeg", want)
			if err != nil || again != info {
				t.Fatalf("second put: %+v, %v", again, err)
			}
		}
		st, err := b.Stat(ctx, key)
		if err != nil || st != info {
			t.Fatalf("stat %+v, %v", st, err)
		}
		rc, gi, err := b.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, data) || gi != info {
			t.Fatalf("get: %d bytes, info %+v, err %v", len(got), gi, err)
		}
		if s.name == "local" {
			if _, ok := rc.(io.ReadSeeker); !ok {
				t.Fatal("local Get does not give an io.ReadSeeker (Range requests need one)")
			}
		}
		// A short body is refused.
		if _, err := b.Put(ctx, key+".short", bytes.NewReader(data[:10]), 20, "", ""); err == nil {
			t.Fatal("short body accepted")
		}
		for _, bad := range []string{"", "/abs", "a/../b", "a//b", ".sums/x", "a/./b"} {
			if _, err := b.Put(ctx, bad, bytes.NewReader(data), -1, "", ""); !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("key %q: %v", bad, err)
			}
		}

		// Damage behind the store's back is caught when read.
		// (The local store checks in Get, MinIO's reader at its end.)
		s.corrupt(t, b, key)
		rc, _, err = b.Get(ctx, key)
		if err == nil {
			_, err = io.ReadAll(rc)
			rc.Close()
		}
		if !errors.Is(err, storage.ErrChecksum) {
			t.Fatalf("reading corrupted blob: %v, want ErrChecksum", err)
		}

		if err := b.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		if err := b.Delete(ctx, key); err != nil {
			t.Fatalf("second delete: %v", err)
		}
		if _, err := b.Stat(ctx, key); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("stat after delete: %v", err)
		}
	})
}

func TestBlobsConcurrentPut(t *testing.T) {
	forEachBlobStore(t, func(t *testing.T, ctx context.Context, _ blobStore, b storage.Blobs) {
		data := randBytes(200_000)
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ { // redelivered workers writing the same page at once
			wg.Go(func() {
				if _, err := b.Put(ctx, "dossiers/x/results/x-KQ1.pdf", bytes.NewReader(data), int64(len(data)), "application/pdf", ""); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		rc, _, err := b.Get(ctx, "dossiers/x/results/x-KQ1.pdf")
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("after concurrent puts: %d bytes, %v", len(got), err)
		}
	})
}

func TestMinioPresignAndRetention(t *testing.T) {
	ctx := context.Background()
	b, err := storage.OpenBlobs(ctx, storagetest.S3URL(t),
		storage.WithRetention(storage.Retention{Mode: "GOVERNANCE", Period: time.Hour}))
	if err != nil {
		t.Fatal(err)
	}
	m := b.(*storage.Minio)
	pdf := []byte("%PDF-1.4 signed result")
	rkey := storage.ResultKey("000.00.31.H33-220804-0001", "000.00.31.H33-220804-0001-KQ1", strings.Repeat("ab", 32))
	pkey := storage.PageOCRKey("000.00.31.H33-220804-0001", "b1", 1)
	for _, k := range []string{rkey, pkey} {
		if _, err := b.Put(ctx, k, bytes.NewReader(pdf), int64(len(pdf)), "application/pdf", ""); err != nil {
			t.Fatal(err)
		}
	}
	mode, until, err := m.Retention(ctx, rkey)
	if err != nil || mode != "GOVERNANCE" || time.Until(until) < 50*time.Minute {
		t.Fatalf("result retention: %q until %v, %v", mode, until, err)
	}
	if mode, _, err := m.Retention(ctx, pkey); err != nil || mode != "" {
		t.Fatalf("page result got retention %q (%v)", mode, err)
	}
	// The locked version cannot be removed.
	st, err := m.Client().StatObject(ctx, m.Bucket(), rkey, minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Client().RemoveObject(ctx, m.Bucket(), rkey, minio.RemoveObjectOptions{VersionID: st.VersionID}); err == nil {
		t.Fatal("a result under retention was deleted")
	}
	// Put again (a retried job) adds no version.
	if _, err := b.Put(ctx, rkey, bytes.NewReader(pdf), int64(len(pdf)), "application/pdf", ""); err != nil {
		t.Fatal(err)
	}
	n := 0
	for o := range m.Client().ListObjects(ctx, m.Bucket(), minio.ListObjectsOptions{Prefix: rkey, WithVersions: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("%d versions of the result after a repeated put, want 1", n)
	}

	u, err := b.(storage.Presigner).PresignGet(ctx, rkey, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, pdf) {
		t.Fatalf("presigned GET: %d %q", resp.StatusCode, got)
	}
	if !strings.Contains(u, m.Bucket()) {
		t.Fatalf("presigned url %s does not name the bucket", u)
	}

	// Retention asked of a bucket made without object locking is refused at open.
	plain := storagetest.S3URL(t)
	if _, err := storage.OpenBlobs(ctx, plain); err != nil {
		t.Fatal(err)
	}
	if _, err := storage.OpenBlobs(ctx, plain, storage.WithRetention(storage.Retention{Mode: "COMPLIANCE", Period: time.Hour})); err == nil {
		t.Fatal("retention on a bucket without object locking was accepted")
	}
}

// TestMinioOutage stops a private MinIO while a Put is under way through
// RetryBlobs and starts it again: the Put waits, then lands intact.
func TestMinioOutage(t *testing.T) {
	ctx := context.Background()
	srv := storagetest.StartMinio(t)
	inner, err := storage.OpenBlobs(ctx, srv.URL("outage"))
	if err != nil {
		t.Fatal(err)
	}
	b := storage.RetryBlobs(inner, storage.RetryPolicy{Initial: 100 * time.Millisecond, Max: time.Second})
	if _, ok := b.(storage.Presigner); !ok {
		t.Fatal("the retry wrapper hides PresignGet")
	}
	data := randBytes(3 << 20)
	key := storage.ResultKey("000.00.31.H33-220804-0001", "000.00.31.H33-220804-0001-KQ1", strings.Repeat("ab", 32))

	srv.Stop()
	type res struct {
		info storage.ObjectInfo
		err  error
	}
	done := make(chan res, 1)
	go func() {
		info, err := b.Put(ctx, key, onlyReader{bytes.NewReader(data)}, int64(len(data)), "application/pdf", shaHex(data))
		done <- res{info, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("put finished while MinIO was down: %+v", r)
	case <-time.After(4 * time.Second):
	}
	srv.Start()
	var r res
	select {
	case r = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("put did not finish after MinIO came back")
	}
	if r.err != nil || r.info.SHA256 != shaHex(data) {
		t.Fatalf("put after outage: %+v, %v", r.info, r.err)
	}
	rc, info, err := b.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, data) || info.SHA256 != shaHex(data) {
		t.Fatalf("get after outage: %d bytes, %v", len(got), err)
	}

	// A cancelled context ends the wait; a permanent error is not retried.
	srv.Stop()
	cctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := b.Stat(cctx, key); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stat during outage with a deadline: %v", err)
	}
	srv.Start()
	if _, err := b.Stat(ctx, key+".missing"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("missing key through retry: %v", err)
	}
}

// BenchmarkBlobsPut stores 1 MiB blobs (a page image) in the local folder
// store (fsynced) and in MinIO, side by side.
//
//	go test ./storage -run '^$' -bench BlobsPut -benchtime 50x
func BenchmarkBlobsPut(b *testing.B) {
	data := randBytes(1 << 20)
	sum := shaHex(data)
	for _, s := range []struct {
		name string
		url  func(b *testing.B) string
	}{
		{"local", func(b *testing.B) string { return b.TempDir() }},
		{"minio", func(b *testing.B) string { return storagetest.S3URL(b) }},
	} {
		b.Run(s.name, func(b *testing.B) {
			ctx := context.Background()
			st, err := storage.OpenBlobs(ctx, s.url(b))
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				key := storage.PageImageKey("000.00.31.H33-220804-0001", "bench", i+1, "jpg")
				if _, err := st.Put(ctx, key, bytes.NewReader(data), int64(len(data)), "image/jpeg", sum); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestMinioChecksumInTransit checks the mechanism Put relies on: MinIO
// refuses a body that does not match the x-amz-checksum-sha256 sent with it.
func TestMinioChecksumInTransit(t *testing.T) {
	ctx := context.Background()
	b, err := storage.OpenBlobs(ctx, storagetest.S3URL(t))
	if err != nil {
		t.Fatal(err)
	}
	m := b.(*storage.Minio)
	other := sha256.Sum256([]byte("not this body"))
	body := []byte("this body")
	_, err = m.Client().PutObject(ctx, m.Bucket(), "k", bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{
		DisableMultipart: true,
		UserMetadata:     map[string]string{"x-amz-checksum-sha256": base64.StdEncoding.EncodeToString(other[:])},
	})
	if err == nil {
		t.Fatal("MinIO stored a body that does not match its x-amz-checksum-sha256")
	}
	if _, err := b.Stat(ctx, "k"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("refused body was stored: %v", err)
	}
}

func TestOpenBlobsRefusals(t *testing.T) {
	ctx := context.Background()
	u := storagetest.S3URL(t)
	bad := strings.Replace(u, "@", "-wrong@", 1) // wrong secret
	if _, err := storage.OpenBlobs(ctx, bad); !errors.Is(err, storage.ErrForbidden) || storage.IsTransient(err) {
		t.Fatalf("wrong credentials: %v (transient %v), want a permanent ErrForbidden", err, storage.IsTransient(err))
	}
	if _, err := storage.OpenBlobs(ctx, "http://127.0.0.1:9000/nokey"); err == nil {
		t.Fatal("url without KEY:SECRET accepted")
	}
	if _, err := storage.OpenBlobs(ctx, u, storage.WithRetention(storage.Retention{Mode: "FOREVER", Period: time.Hour})); err == nil {
		t.Fatal("unknown retention mode accepted")
	}
}
