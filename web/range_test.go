package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
	"github.com/sohoa/sohoa/web/webtest"
)

// countingBlobs counts the bytes read from the store under it. Get checks
// a whole object against its SHA-256 before or while handing it out, so it
// counts as reading all of it.
type countingBlobs struct {
	storage.Blobs
	n atomic.Int64
}

func (c *countingBlobs) Get(ctx context.Context, key string) (io.ReadCloser, storage.ObjectInfo, error) {
	rc, info, err := c.Blobs.Get(ctx, key)
	if err == nil {
		c.n.Add(info.Size)
	}
	return rc, info, err
}

func (c *countingBlobs) OpenRange(ctx context.Context, key string) (io.ReadSeekCloser, storage.ObjectInfo, error) {
	rs, info, err := c.Blobs.(storage.RangeOpener).OpenRange(ctx, key)
	if err != nil {
		return nil, info, err
	}
	return &countingReader{rs, &c.n}, info, nil
}

type countingReader struct {
	io.ReadSeekCloser
	n *atomic.Int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.ReadSeekCloser.Read(p)
	r.n.Add(int64(n))
	return n, err
}

// TestRangeReadsOnlyTheRange: a 1-byte Range request on a 6 MiB result
// reads about one byte from the blob store, not the whole file (which it
// used to read and hash first); a whole download is still served checked.
func TestRangeReadsOnlyTheRange(t *testing.T) {
	ctx := context.Background()
	const size = 6 << 20
	content := make([]byte, size)
	rand.Read(content)
	sum := sha256.Sum256(content)
	sha := hex.EncodeToString(sum[:])

	type store struct {
		blobs storage.Blobs // what the server uses
		read  func() int64  // bytes read from the store so far
	}
	stores := map[string]func(t *testing.T) store{
		"local": func(t *testing.T) store {
			l := storagetest.LocalBlobs(t)
			c := &countingBlobs{Blobs: l}
			return store{c, c.n.Load}
		},
		"minio": func(t *testing.T) store {
			raw := storagetest.S3URL(t)
			if _, err := storage.OpenMinio(ctx, raw, nil); err != nil { // creates the bucket
				t.Fatal(err)
			}
			u, _ := url.Parse(raw)
			proxy := storagetest.StartProxy(t, u.Host)
			u.Host = proxy.Addr
			m, err := storage.OpenMinio(ctx, u.String(), nil)
			if err != nil {
				t.Fatal(err)
			}
			proxy.FromTarget.Store(0)
			return store{m, proxy.FromTarget.Load}
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			recs := storagetest.Records(t, storagetest.OpenDB(t, storage.SQLite))
			const dossierCode = "000.00.31.H33-220804-0001"
			b, _, err := recs.CreateBatch(ctx, &dossier.Batch{BatchInfo: dossier.BatchInfo{DossierCode: dossierCode,
				Title: "t"},
				Pages: []dossier.Page{{Index: 1, SourceName: "p.jpg", SourceSHA: strings.Repeat("1", 64)}}}, true)
			if err != nil {
				t.Fatal(err)
			}
			code, err := recs.ReserveResultCode(ctx, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			key := storage.ResultKey(dossierCode, code, sha)
			if _, err := st.blobs.Put(ctx, key, bytes.NewReader(content), size, "application/pdf", sha); err != nil {
				t.Fatal(err)
			}
			if _, err := recs.AddResult(ctx, dossier.Result{Code: code, DossierCode: dossierCode, BatchID: b.ID, Key: key,
				Size: size, SHA256: sha, Pages: 1}); err != nil {
				t.Fatal(err)
			}
			caseTok := storagetest.Token(t, recs, dossier.RoleCase, "hệ thống một cửa")
			srv, err := New(Config{Records: recs, Blobs: st.blobs, Intake: &ingest.Intake{Records: recs, Blobs: st.blobs}, Rate: -1})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(srv.Handler())
			defer ts.Close()
			get := func(method, rng string) (*http.Response, []byte) {
				req, _ := http.NewRequest(method, ts.URL+"/v1/results/"+code+"/pdf", nil)
				if rng != "" {
					req.Header.Set("Range", rng)
				}
				return webtest.Do(t, req, caseTok)
			}

			before := st.read()
			resp, body := get("GET", "bytes=5000000-5000000")
			read := st.read() - before
			if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, content[5000000:5000001]) {
				t.Fatalf("1-byte range: %d, %d bytes", resp.StatusCode, len(body))
			}
			if read > 16<<10 {
				t.Errorf("a 1-byte range read %d bytes from the store (the file is %d)", read, size)
			}
			if resp.Header.Get("ETag") != `"`+sha+`"` {
				t.Errorf("ETag %q, want the SHA-256", resp.Header.Get("ETag"))
			}
			t.Logf("1-byte range: %d bytes read from the store", read)

			before = st.read()
			if resp, _ := get("HEAD", ""); resp.StatusCode != 200 || resp.ContentLength != size {
				t.Errorf("HEAD: %d, length %d", resp.StatusCode, resp.ContentLength)
			}
			if read := st.read() - before; read > 16<<10 {
				t.Errorf("HEAD read %d bytes from the store", read)
			}

			// The tail of the file, then the whole: right bytes.
			if resp, body := get("GET", "bytes=-100000"); resp.StatusCode != 206 || !bytes.Equal(body, content[size-100000:]) {
				t.Errorf("suffix range: %d, %d bytes", resp.StatusCode, len(body))
			}
			if resp, body := get("GET", ""); resp.StatusCode != 200 || !bytes.Equal(body, content) {
				t.Errorf("whole file: %d, %d bytes", resp.StatusCode, len(body))
			}
		})
	}
}
