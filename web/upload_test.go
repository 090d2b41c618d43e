package web_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr/ocrtest"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/web"
	"github.com/sohoa/sohoa/web/webtest"
)

// uploadServer is a real API (SQLite records, local blobs, no workers)
// with a station token.
type uploadServer struct {
	url, token string
	records    *storage.SQLRecords
	intake     *ingest.Intake
}

func newUploadServer(t *testing.T, spool string) *uploadServer {
	t.Helper()
	h := newAPIHarness(t, func(c *web.Config) { c.SpoolDir = spool })
	return &uploadServer{url: h.URL, token: h.token(t, dossier.RoleStation, "quay-1"), records: h.Records, intake: h.Intake}
}

// post sends body as an upload and returns the status and the error body.
func (u *uploadServer) post(t *testing.T, body io.Reader, ctype string) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u.url+"/v1/batches", body)
	req.Header.Set("Content-Type", ctype)
	resp, data := webtest.Do(t, req, u.token)
	var out map[string]string
	json.Unmarshal(data, &out)
	if out == nil {
		out = map[string]string{"raw": string(data)}
	}
	return resp.StatusCode, out
}

const uploadDossier = "000.00.31.H33-220804-0001"

func uploadManifest(pages ...string) string {
	b, _ := json.Marshal(map[string]any{"dossier_code": uploadDossier, "title": "Tờ khai", "pages": pages})
	return string(b)
}

// tinyTIFF is a TIFF whose pages (each w×h, 8-bit grey) all point at one
// shared one-byte strip: inspection sees the size a decoder would allocate,
// the file stays a few bytes per page. A hostile file, or a tiny honest one.
func tinyTIFF(pages, w, h int) []byte {
	le := binary.LittleEndian
	var b bytes.Buffer
	b.Write([]byte("II*\x00"))
	binary.Write(&b, le, uint32(9)) // first IFD after the strip byte
	b.WriteByte(0x80)               // the strip
	next := 4
	for i := range pages {
		off := b.Len()
		if i > 0 {
			le.PutUint32(b.Bytes()[next:], uint32(off))
		}
		greyIFD(&b, w, h, 1)
		next = b.Len()
		binary.Write(&b, le, uint32(0))
	}
	return b.Bytes()
}

// parts builds a multipart body from (form name, file name, data) triples, in order.
func parts(ps ...[3]string) (io.Reader, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range ps {
		var w io.Writer
		if p[1] == "" {
			w, _ = mw.CreateFormField(p[0])
		} else {
			w, _ = mw.CreateFormFile(p[0], p[1])
		}
		io.WriteString(w, p[2])
	}
	mw.Close()
	return &b, mw.FormDataContentType()
}

// TestUploadBudgets: files small on the wire but huge in pixels or pages
// are refused with 413 before anything is stored.
func TestUploadBudgets(t *testing.T) {
	u := newUploadServer(t, t.TempDir())
	tests := []struct {
		name string
		file []byte
		says string
	}{
		// A 228 KB TIFF of 2,000 pages of 120 Mpx: 240 Gpx of engine work.
		{"2000 pages of 120 Mpx", tinyTIFF(2000, 10954, 10954), "too many pages"},
		// A 116 KB PNG of 120 Mpx drove an engine to 637 MB.
		{"one page of 120 Mpx", ocrtest.PNGWithHeader(10954, 10954), "pixels"},
		// Under the page limit, over the batch's pixels: 300 × 35 Mpx.
		{"300 pages of 35 Mpx", tinyTIFF(300, 5000, 7000), "million pixels"},
		// Small pages, too many of them.
		{"1001 small pages", tinyTIFF(1001, 100, 100), "limit 1000"},
		// 2 files of 600 pages: each within, the batch over.
		{"1200 pages in two files", nil, "passes 1000 pages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := parts([3]string{"manifest", "", uploadManifest("p.tif")}, [3]string{"page", "p.tif", string(tt.file)})
			want := "p.tif"
			if tt.file == nil {
				half := string(tinyTIFF(600, 100, 100))
				body, ct = parts([3]string{"manifest", "", uploadManifest("p.tif", "q.tif")},
					[3]string{"page", "p.tif", half}, [3]string{"page", "q.tif", half})
				want = "q.tif"
			}
			code, e := u.post(t, body, ct)
			if code != http.StatusRequestEntityTooLarge || !strings.Contains(e["error"], tt.says) || e["error_vi"] == "" || e["file"] != want {
				t.Errorf("got %d %v; want 413 naming %s and saying %q", code, e, want, tt.says)
			}
		})
	}
	// Within every budget, the same kind of file is taken.
	body, ct := parts([3]string{"manifest", "", uploadManifest("p.tif")}, [3]string{"page", "p.tif", string(tinyTIFF(3, 2480, 3508))})
	if code, e := u.post(t, body, ct); code != http.StatusAccepted {
		t.Fatalf("3 A4 pages: %d %v", code, e)
	}
}

// TestUploadPartsCheckedFirst: the parts of an upload are checked against
// the manifest before anything is written to disk. The spool folder does not
// exist, so a part that reached the disk would make a 500.
func TestUploadPartsCheckedFirst(t *testing.T) {
	u := newUploadServer(t, filepath.Join(t.TempDir(), "missing"))
	many := func(n int, file bool) [][3]string {
		ps := [][3]string{{"manifest", "", uploadManifest("p.jpg")}}
		for i := range n {
			if file {
				ps = append(ps, [3]string{"page", fmt.Sprintf("x%05d.jpg", i), "x"})
			} else {
				ps = append(ps, [3]string{fmt.Sprintf("f%d", i), "", "x"})
			}
		}
		return ps
	}
	tests := []struct {
		name  string
		parts [][3]string
		want  int
		says  string
	}{
		// 30,000 one-byte parts made 29,218 temp files.
		{"30000 unlisted parts", many(30000, true), 422, `"x00000.jpg" was sent but is not listed`},
		{"30000 form fields", many(30000, false), 400, "too many parts"},
		{"file before manifest", [][3]string{{"page", "p.jpg", "x"}, {"manifest", "", uploadManifest("p.jpg")}}, 400, "must come before"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := parts(tt.parts...)
			code, e := u.post(t, body, ct)
			if code != tt.want || !strings.Contains(e["error"], tt.says) || e["error_vi"] == "" {
				t.Errorf("got %d %v; want %d saying %q", code, e, tt.want, tt.says)
			}
		})
	}
}

// zeroTIFF streams an uncompressed grey TIFF of w×h zero pixels, one strip,
// its IFD after the pixels (as libtiff writes them), without holding it.
func zeroTIFF(w, h int) io.Reader {
	le := binary.LittleEndian
	n := w * h
	var head, tail bytes.Buffer
	head.WriteString("II*\x00")
	binary.Write(&head, le, uint32(8+n))
	greyIFD(&tail, w, h, n)
	binary.Write(&tail, le, uint32(0))
	return io.MultiReader(&head, io.LimitReader(zeros{}, int64(n)), &tail)
}

// greyIFD writes the entries of a w×h 8-bit grey page, uncompressed, in
// one strip of n bytes at offset 8; the offset of the next IFD that ends
// an IFD is the caller's to write.
func greyIFD(b *bytes.Buffer, w, h, n int) {
	le := binary.LittleEndian
	es := [][3]uint32{{256, 4, uint32(w)}, {257, 4, uint32(h)}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1},
		{273, 4, 8}, {277, 3, 1}, {278, 4, uint32(h)}, {279, 4, uint32(n)}}
	binary.Write(b, le, uint16(len(es)))
	for _, e := range es {
		binary.Write(b, le, uint16(e[0]))
		binary.Write(b, le, uint16(e[1]))
		binary.Write(b, le, uint32(1))
		binary.Write(b, le, e[2])
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestUploadMemory: concurrent large uploads are streamed through, not held:
// eight 95 MB uploads cost 832 MB when each page was read whole. Four 60 MB
// pages at once must leave the Go heap's peak within 64 MB of where it was.
func TestUploadMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 480 MB")
	}
	u := newUploadServer(t, t.TempDir())
	const n, w, h = 4, 6000, 10000 // 60 MB each, 60 Mpx... under the page limit below
	u.intake.Limits.Image.MaxPixels = w * h
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Go(func() {
			pr, pw := io.Pipe()
			mw := multipart.NewWriter(pw)
			go func() {
				fw, _ := mw.CreateFormField("manifest")
				m := fmt.Sprintf(`{"dossier_code":"%s","title":"Sổ %d","pages":["p.tif"],"allow_duplicate":true}`, uploadDossier, i)
				io.WriteString(fw, m)
				fw, _ = mw.CreateFormFile("page", "p.tif")
				if _, err := io.Copy(fw, zeroTIFF(w, h)); err != nil {
					pw.CloseWithError(err)
					return
				}
				pw.CloseWithError(mw.Close())
			}()
			codes[i], _ = u.post(t, pr, mw.FormDataContentType())
		})
	}
	wg.Wait()
	close(stop)
	<-sampled
	for i, c := range codes {
		if c != http.StatusAccepted {
			t.Errorf("upload %d: %d", i, c)
		}
	}
	grew := int64(peak) - int64(base)
	t.Logf("heap in use: %d MB before, peak %d MB while %d uploads of %d MB ran", base>>20, peak>>20, n, w*h>>20)
	if grew > 64<<20 {
		t.Errorf("heap grew by %d MB during the uploads; pages are held in memory", grew>>20)
	}
}
