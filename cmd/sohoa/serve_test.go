package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr/engine"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
	"github.com/sohoa/sohoa/web/webtest"
)

// TestMain lets the test binary serve as the OCR engine child that
// ocr.Pool starts by re-running its own executable.
func TestMain(m *testing.M) { sohoatest.Main(m, engine.MaybeServe) }

// testStack is a real server (embedded or distributed) behind httptest.
type testStack struct {
	*stack
	url string
	srv *httptest.Server
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("SOHOA_DEBUG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// startStack opens a stack for c (data defaults to a temp folder) and
// serves it; with c.workers > 0 the workers run too.
func startStack(t testing.TB, c stackConfig) *testStack {
	t.Helper()
	if c.data == "" {
		c.data = t.TempDir()
	}
	// Upload limits left 0 are ingest's defaults, as the flags' are.
	if c.rate == 0 {
		c.rate = -1
	}
	// The engines run niced (openStack): on a machine loaded by other
	// work a page can wait minutes for a CPU, which is no failure of the
	// code under test. As the ocr/engine tests do, the page budget is
	// lifted; a test that means to time out sets its own.
	if c.ocrPageTimeout == 0 {
		c.ocrPageTimeout = 15 * time.Minute
	}
	ctx, cancel := context.WithCancel(context.Background())
	st, err := openStack(ctx, testLogger(t), c)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	srv := httptest.NewServer(st.server.Handler())
	done := make(chan struct{})
	go func() {
		defer close(done)
		st.runner.Run(ctx)
	}()
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
		st.Close()
	})
	return &testStack{stack: st, url: srv.URL, srv: srv}
}

func (ts *testStack) token(t testing.TB, role dossier.Role, name string) string {
	return storagetest.Token(t, ts.records, role, name)
}

// page writes a small synthetic scan (a white page with dark bars) as JPEG.
func page(t testing.TB, dir, name string, seed int) string {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 240, 320))
	for i := range img.Pix {
		img.Pix[i] = 250
	}
	for y := 40; y < 300; y += 24 {
		for x := 20; x < 120+((y*seed)%100); x++ {
			for dy := 0; dy < 8; dy++ {
				img.SetGray(x, y+dy, color.Gray{Y: 20})
			}
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const testDossier = "000.00.31.H33-220804-0001"

func manifest(pages ...string) *ingest.Manifest {
	return &ingest.Manifest{BatchInfo: dossier.BatchInfo{DossierCode: testDossier, Title: "Đơn đề nghị cấp giấy phép",
		DocumentType: "don", Operator: "Nguyễn Thị Thủy Tiên"}, Pages: pages}
}

type apiErr struct {
	Error   string `json:"error"`
	ErrorVI string `json:"error_vi"`
	Field   string `json:"field"`
	File    string `json:"file"`
}

// multipartBody builds an upload by hand (for malformed requests).
func multipartBody(t testing.TB, manifestJSON string, files map[string][]byte) (io.Reader, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if manifestJSON != "" {
		w, _ := mw.CreateFormField("manifest")
		w.Write([]byte(manifestJSON))
	}
	for name, data := range files {
		w, _ := mw.CreateFormFile("page", name)
		w.Write(data)
	}
	mw.Close()
	return &b, mw.FormDataContentType()
}

func TestAPIEmbedded(t *testing.T) {
	ts := startStack(t, stackConfig{})
	testAPI(t, ts)
}

func TestAPIDistributed(t *testing.T) {
	ts := startStack(t, distributedConfig(t))
	testAPI(t, ts)

	// A presigned link sends the client straight to MinIO.
	admin := ts.token(t, dossier.RoleAdmin, "admin")
	code := addResult(t, ts)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", ts.url+"/v1/results/"+code+"/pdf?redirect=1", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusTemporaryRedirect || !strings.Contains(loc, "X-Amz-Signature") {
		t.Fatalf("redirect=1: %d Location %q", resp.StatusCode, loc)
	}
	resp, err = http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, fakePDF) {
		t.Errorf("presigned URL gave %d %q", resp.StatusCode, got)
	}
}

// fakePDF stands for a signed result in tests that run no workers.
var fakePDF = []byte("%PDF-1.7\n% a result stored by the test, only its bytes matter here\n%%EOF\n")

// addResult links a stored file to a new batch of the test dossier as
// its result, the way the document worker does, and returns its code.
func addResult(t testing.TB, ts *testStack) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	b, _, err := ts.intake.Submit(ctx, &dossier.Token{ID: "test", Role: dossier.RoleAdmin, Name: "test"},
		&ingest.Manifest{BatchInfo: dossier.BatchInfo{DossierCode: testDossier, AgencyCode: "000.00.31.H33",
			Title: "Kết quả"}, Pages: []string{"r.jpg"}, AllowDuplicate: true},
		map[string]ingest.File{"r.jpg": fileOf(t, page(t, dir, "r.jpg", 99))})
	if err != nil {
		t.Fatal(err)
	}
	code, err := ts.records.ReserveResultCode(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	key := storage.ResultKey(testDossier, code, fmt.Sprintf("%x", sha256.Sum256(fakePDF)))
	info, err := ts.blobs.Put(ctx, key, bytes.NewReader(fakePDF), int64(len(fakePDF)), "application/pdf", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.records.AddResult(ctx, dossier.Result{Code: code, DossierCode: testDossier, BatchID: b.ID, Title: "Kết quả",
		Key: key, Size: info.Size, SHA256: info.SHA256, Signer: "Test Signer", Pages: 1}); err != nil {
		t.Fatal(err)
	}
	return code
}

func fileOf(t testing.TB, p string) ingest.File {
	t.Helper()
	f, err := ingest.Spool(t.TempDir(), filepath.Base(p), mustOpen(t, p), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mustOpen(t testing.TB, p string) io.Reader {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(data)
}

// testAPI runs what a station, a case system and an archivist do, and what
// each of them must not be able to do.
func testAPI(t *testing.T, ts *testStack) {
	ctx := context.Background()
	dir := t.TempDir()
	p1, p2 := page(t, dir, "p1.jpg", 1), page(t, dir, "p2.jpg", 2)
	st1 := ts.token(t, dossier.RoleStation, "quay-1")
	st2 := ts.token(t, dossier.RoleStation, "quay-2")
	caseTok := ts.token(t, dossier.RoleCase, "motcua")
	arch := ts.token(t, dossier.RoleArchivist, "luutru")
	admin := ts.token(t, dossier.RoleAdmin, "admin")

	up := &ingest.Client{Server: ts.url, Token: st1}
	m := manifest("p1.jpg", "p2.jpg")
	m.IdempotencyKey = "key-1"
	res, err := up.Upload(ctx, m, []string{p1, p2})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || res.Pages != 2 || res.BatchID == "" {
		t.Fatalf("upload: %+v", res)
	}

	// Same key again: 202 with the first batch, nothing created.
	again, err := up.Upload(ctx, m, []string{p1, p2})
	if err != nil || again.BatchID != res.BatchID || again.Created {
		t.Fatalf("replay with the same key: %+v, %v; want batch %s, created=false", again, err, res.BatchID)
	}
	// Same pages without the key: a duplicate.
	m2 := manifest("p1.jpg", "p2.jpg")
	_, err = up.Upload(ctx, m2, []string{p1, p2})
	var ae *ingest.APIError
	if !asAPIError(err, &ae) || ae.Status != http.StatusConflict || !strings.Contains(ae.EN, "allow_duplicate") || ae.VI == "" {
		t.Fatalf("duplicate upload: %v, want 409 naming allow_duplicate", err)
	}
	m2.AllowDuplicate = true
	dup, err := up.Upload(ctx, m2, []string{p1, p2})
	if err != nil || dup.BatchID == res.BatchID || !dup.Created {
		t.Fatalf("allowed duplicate: %+v, %v", dup, err)
	}

	// The station reads its own batch, page by page.
	var b dossier.Batch
	if code := webtest.Call(t, "GET", ts.url+"/v1/batches/"+res.BatchID, st1, nil, "", &b); code != 200 {
		t.Fatalf("own batch: %d", code)
	}
	if b.ID != res.BatchID || len(b.Pages) != 2 || b.Pages[0].SourceName != "p1.jpg" || b.Pages[1].Index != 2 || b.DossierCode != testDossier {
		t.Errorf("batch: %+v", b)
	}
	if b.Status != dossier.BatchReceived && b.Status != dossier.BatchProcessing {
		t.Errorf("status %q", b.Status)
	}
	// ...but not another station's, and it cannot search or read dossiers.
	var e apiErr
	for _, c := range []struct {
		what, method, path, token string
		want                      int
	}{
		{"other station's batch", "GET", "/v1/batches/" + res.BatchID, st2, 403},
		{"station searches", "GET", "/v1/search?q=don", st1, 403},
		{"station reads dossier", "GET", "/v1/dossiers/" + testDossier, st1, 403},
		{"case reads a batch", "GET", "/v1/batches/" + res.BatchID, caseTok, 403},
		{"case uploads", "POST", "/v1/batches", caseTok, 403},
		{"archivist lists exceptions", "GET", "/v1/exceptions", arch, 403},
		{"no token", "GET", "/v1/dossiers/" + testDossier, "", 401},
		{"bad token", "GET", "/v1/dossiers/" + testDossier, "nope", 401},
		{"unknown batch", "GET", "/v1/batches/nope", admin, 404},
		{"unknown dossier", "GET", "/v1/dossiers/000.00.31.H33-220804-0009", caseTok, 404},
		{"unknown result", "GET", "/v1/results/" + testDossier + "-KQ99", caseTok, 404},
		{"unknown route", "GET", "/v1/nothing", admin, 404},
	} {
		e = apiErr{}
		if code := webtest.Call(t, c.method, ts.url+c.path, c.token, nil, "", &e); code != c.want || e.Error == "" || e.ErrorVI == "" {
			t.Errorf("%s: %d %+v, want %d with error and error_vi", c.what, code, e, c.want)
		}
	}
	if code := webtest.Call(t, "GET", ts.url+"/v1/batches/"+res.BatchID, admin, nil, "", nil); code != 200 {
		t.Errorf("admin reads any batch: %d", code)
	}

	// Case systems and archivists read the dossier with its documents.
	var d struct {
		Code      string           `json:"dossier_code"`
		Documents []dossier.Batch  `json:"documents"`
		Results   []dossier.Result `json:"results"`
	}
	for _, tok := range []string{caseTok, arch} {
		if code := webtest.Call(t, "GET", ts.url+"/v1/dossiers/"+testDossier, tok, nil, "", &d); code != 200 {
			t.Fatalf("dossier: %d", code)
		}
		if d.Code != testDossier || len(d.Documents) != 2 || d.Results == nil {
			t.Errorf("dossier: %+v", d)
		}
	}
	var sr map[string]any
	if code := webtest.Call(t, "GET", ts.url+"/v1/search?q=nguyen", arch, nil, "", &sr); code != 200 {
		t.Errorf("archivist search: %d %v", code, sr)
	}

	// A result: metadata, then the PDF whole and by range.
	code := addResult(t, ts)
	var r struct {
		Code, SHA256, Signer, PDF string
	}
	if c := webtest.Call(t, "GET", ts.url+"/v1/results/"+code, caseTok, nil, "", &r); c != 200 || r.Signer != "Test Signer" || len(r.SHA256) != 64 {
		t.Errorf("result: %d %+v", c, r)
	}
	if c := webtest.Call(t, "GET", ts.url+"/v1/dossiers/"+testDossier, caseTok, nil, "", &d); c != 200 || len(d.Results) != 1 || d.Results[0].Code != code {
		t.Errorf("dossier results: %+v", d.Results)
	}
	req, _ := http.NewRequest("GET", ts.url+"/v1/results/"+code+"/pdf", nil)
	req.Header.Set("Range", "bytes=0-7")
	resp, part := webtest.Do(t, req, caseTok)
	if resp.StatusCode != http.StatusPartialContent || string(part) != "%PDF-1.7" || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("range: %d %q %s", resp.StatusCode, part, resp.Header.Get("Content-Type"))
	}

	// Operators see exceptions (none here).
	var ex struct {
		Exceptions []any `json:"exceptions"`
	}
	if c := webtest.Call(t, "GET", ts.url+"/v1/exceptions", admin, nil, "", &ex); c != 200 || ex.Exceptions == nil {
		t.Errorf("exceptions: %d %+v", c, ex)
	}
	if c := webtest.Call(t, "POST", ts.url+"/v1/batches/"+res.BatchID+"/pages/1/retry", admin, nil, "", nil); c != http.StatusConflict && c != http.StatusAccepted {
		t.Errorf("retry of a page not in exception: %d", c)
	}

	// Probes and descriptions need no token.
	for _, p := range []string{"/healthz", "/readyz", "/openapi.yaml", "/metrics", "/"} {
		resp, err := http.Get(ts.url + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d %s", p, resp.StatusCode, body)
		}
		if p == "/metrics" && !bytes.Contains(body, []byte(`sohoa_uploads_total{outcome="accepted"} 2`)) {
			t.Errorf("metrics lack the accepted uploads:\n%.2000s", body)
		}
		if p == "/openapi.yaml" && !bytes.Contains(body, []byte("/v1/batches/{id}")) {
			t.Errorf("openapi.yaml: %.200s", body)
		}
	}
}

func asAPIError(err error, ae **ingest.APIError) bool {
	if err == nil {
		return false
	}
	e, ok := err.(*ingest.APIError)
	if !ok {
		return false
	}
	*ae = e
	return true
}

// TestUploadRefusals checks that every bad upload gets a precise 4xx that
// names the problem, and that nothing is created.
func TestUploadRefusals(t *testing.T) {
	ts := startStack(t, stackConfig{limits: intakeLimits{maxFileMB: 1}})
	ts.intake.Limits.Image.MaxPixels = 500 * 500
	st := ts.token(t, dossier.RoleStation, "quay-1")
	dir := t.TempDir()
	good, _ := os.ReadFile(page(t, dir, "p.jpg", 3))
	big := image.NewGray(image.Rect(0, 0, 600, 600))
	var bigJPEG bytes.Buffer
	jpeg.Encode(&bigJPEG, big, nil)
	okManifest := `{"dossier_code":"` + testDossier + `","title":"Tờ khai","pages":["p.jpg"]}`

	tests := []struct {
		name     string
		manifest string
		files    map[string][]byte
		ctype    string // overrides the multipart type
		want     int
		field    string
		file     string
		says     string
	}{
		{"not multipart", "", nil, "application/json", 415, "", "", "multipart"},
		{"no manifest", "", map[string][]byte{"p.jpg": good}, "", 400, "manifest", "p.jpg", "manifest"},
		{"manifest not JSON", `{"dossier_code":`, map[string][]byte{"p.jpg": good}, "", 422, "", "", "invalid JSON"},
		{"bad dossier code", `{"dossier_code":"000.00.31.H33-221304-0001","title":"t","pages":["p.jpg"]}`, map[string][]byte{"p.jpg": good}, "", 422, "dossier_code", "", "not a real date"},
		{"no title", `{"dossier_code":"` + testDossier + `","pages":["p.jpg"]}`, map[string][]byte{"p.jpg": good}, "", 422, "title", "", "title is missing"},
		{"page not sent", `{"dossier_code":"` + testDossier + `","title":"t","pages":["p.jpg","q.jpg"]}`, map[string][]byte{"p.jpg": good}, "", 422, "pages", "", `"q.jpg"`},
		{"file not listed", okManifest, map[string][]byte{"p.jpg": good, "x.jpg": good}, "", 422, "pages", "x.jpg", `"x.jpg"`},
		{"not an image", okManifest, map[string][]byte{"p.jpg": []byte("hello, this is a text file")}, "", 422, "", "p.jpg", "not an image"},
		{"truncated", okManifest, map[string][]byte{"p.jpg": good[:len(good)/2]}, "", 422, "", "p.jpg", "truncated"},
		{"over pixel limit", okManifest, map[string][]byte{"p.jpg": bigJPEG.Bytes()}, "", 413, "", "p.jpg", "too large"},
		{"over file size", okManifest, map[string][]byte{"p.jpg": append(append([]byte{}, good...), make([]byte, 1<<20)...)}, "", 413, "", "p.jpg", "too large"},
		{"station of another", `{"dossier_code":"` + testDossier + `","title":"t","station":"quay-9","pages":["p.jpg"]}`, map[string][]byte{"p.jpg": good}, "", 403, "station", "", "quay-9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ctype := multipartBody(t, tt.manifest, tt.files)
			if tt.ctype != "" {
				ctype = tt.ctype
			}
			var e apiErr
			code := webtest.Call(t, "POST", ts.url+"/v1/batches", st, body, ctype, &e)
			if code != tt.want || e.Field != tt.field || e.File != tt.file || !strings.Contains(e.Error, tt.says) || e.ErrorVI == "" {
				t.Errorf("got %d %+v; want %d field %q file %q saying %q", code, e, tt.want, tt.field, tt.file, tt.says)
			}
		})
	}
	if d, err := ts.records.Dossier(context.Background(), testDossier); err == nil && len(d.Batches) > 0 {
		t.Errorf("refused uploads created batches: %+v", d.Batches)
	}
}

func TestSessionAndRateLimit(t *testing.T) {
	ts := startStack(t, stackConfig{rate: 1, burst: 3})
	arch := ts.token(t, dossier.RoleArchivist, "luutru")

	// The browser exchanges its token for a cookie...
	resp, err := http.Post(ts.url+"/v1/session", "application/json", strings.NewReader(`{"token":"`+arch+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "sohoa_session" {
			cookie = c
		}
	}
	if resp.StatusCode != 200 || cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session: %d %+v", resp.StatusCode, cookie)
	}
	// ...which works for reading, never for changing anything.
	get := func(method, path string) int {
		req, _ := http.NewRequest(method, ts.url+path, nil)
		req.AddCookie(cookie)
		resp, _ := webtest.Do(t, req, "")
		return resp.StatusCode
	}
	if c := get("GET", "/v1/search?q=a"); c != 200 {
		t.Errorf("search with the cookie: %d", c)
	}
	if c := get("POST", "/v1/batches"); c != 401 {
		t.Errorf("POST with only the cookie: %d, want 401", c)
	}
	var e apiErr
	if c := webtest.Call(t, "POST", ts.url+"/v1/session", "", strings.NewReader(`{"token":"wrong"}`), "application/json", &e); c != 401 {
		t.Errorf("session with a bad token: %d", c)
	}

	// Burst of 3 per second: the fourth and fifth request at once are refused.
	codes := []int{}
	for range 5 {
		codes = append(codes, webtest.Call(t, "GET", ts.url+"/v1/whoami", arch, nil, "", nil))
	}
	if codes[len(codes)-1] != http.StatusTooManyRequests {
		t.Errorf("codes %v: want 429 at the end", codes)
	}
}

// TestUploadResume drops the connection of the first attempt after the
// server has committed the batch: the client retries with the same
// idempotency key and gets the first batch back; only one batch exists.
func TestUploadResume(t *testing.T) {
	ts := startStack(t, stackConfig{})
	tok := ts.token(t, dossier.RoleStation, "quay-1")
	dropped := 0
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" && dropped == 0 {
			dropped++
			rec := httptest.NewRecorder()
			ts.server.Handler().ServeHTTP(rec, r) // the server does the work...
			if rec.Code != http.StatusAccepted {
				t.Errorf("first attempt: %d %s", rec.Code, rec.Body)
			}
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close() // ...and the answer is lost on the way.
			}
			return
		}
		ts.server.Handler().ServeHTTP(w, r)
	}))
	defer proxy.Close()

	dir := t.TempDir()
	p := page(t, dir, "p.jpg", 5)
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, log: testLogger(t), ui: ui{english: true}}
	err := runUpload(context.Background(), e, []string{"--server", proxy.URL, "--token", tok, "--dossier", testDossier,
		"--title", "Giấy tiếp nhận", "--state-dir", t.TempDir(), p})
	if err != nil {
		t.Fatalf("upload: %v\n%s", err, stderr.String())
	}
	if dropped != 1 {
		t.Fatalf("the proxy dropped %d attempts", dropped)
	}
	id := strings.TrimSpace(stdout.String())
	d, err := ts.records.Dossier(context.Background(), testDossier)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Batches) != 1 || d.Batches[0].ID != id {
		t.Fatalf("after a resumed upload: %d batches (%+v), printed %q", len(d.Batches), d.Batches, id)
	}
}

// TestWatch: a settled batch folder is uploaded and moved to done/; a bad
// one moves to error/ with a reason in both languages; a half-written
// folder is left alone.
func TestWatch(t *testing.T) {
	ts := startStack(t, stackConfig{})
	tok := ts.token(t, dossier.RoleStation, "quay-1")
	hot := t.TempDir()

	mk := func(name, manifest string, pages ...string) {
		d := filepath.Join(hot, name)
		os.MkdirAll(d, 0o755)
		for i, p := range pages {
			page(t, d, p, i+7)
		}
		if manifest != "" {
			os.WriteFile(filepath.Join(d, "manifest.json"), []byte(manifest), 0o644)
		}
	}
	mk("ok-batch", `{"dossier_code":"`+testDossier+`","title":"Đơn","pages":["a.jpg","b.jpg"]}`, "a.jpg", "b.jpg")
	mk("bad-code", `{"dossier_code":"000.00.31.H33-220804-1","title":"Đơn","pages":["a.jpg"]}`, "a.jpg")
	mk("unfinished", "", "a.jpg") // no manifest yet: still being scanned

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	type outcome struct {
		res *ingest.UploadResult
		err error
	}
	got := make(chan outcome, 4)
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, log: testLogger(t), ui: ui{english: true}}
	done := make(chan error, 1)
	go func() {
		done <- watchWith(ctx, e, watchOptions{dir: hot, server: ts.url, token: tok, settle: 300 * time.Millisecond},
			func(name string, res *ingest.UploadResult, err error) { got <- outcome{res, err} })
	}()
	var batchID string
	for range 2 {
		select {
		case o := <-got:
			if o.res != nil {
				batchID = o.res.BatchID
			}
		case <-ctx.Done():
			t.Fatal("watch handled fewer than 2 batches")
		}
	}
	cancel()
	<-done

	if _, err := os.Stat(filepath.Join(hot, "done", "ok-batch", "a.jpg")); err != nil {
		t.Errorf("accepted batch not in done/: %v", err)
	}
	reason, err := os.ReadFile(filepath.Join(hot, "error", "bad-code", "REASON.txt"))
	if err != nil || !strings.Contains(string(reason), "exactly 4 digits") || !strings.Contains(string(reason), "đúng 4 chữ số") {
		t.Errorf("REASON.txt: %q, %v", reason, err)
	}
	if _, err := os.Stat(filepath.Join(hot, "unfinished", "a.jpg")); err != nil {
		t.Errorf("the unfinished folder was touched: %v", err)
	}
	b, err := ts.records.Batch(context.Background(), batchID)
	if err != nil || len(b.Pages) != 2 || b.Station != "quay-1" {
		t.Errorf("watched batch: %+v, %v", b, err)
	}
	if !strings.Contains(stdout.String(), batchID) {
		t.Errorf("watch did not print the batch id: %q", stdout.String())
	}
}

// TestWatchEmbedded: `sohoa watch DIR --data DATA` ingests into the local
// store without a server; restarting it on the same folder after a crash
// (the batch still in place) does not make a second batch.
func TestWatchEmbedded(t *testing.T) {
	data, hot := t.TempDir(), t.TempDir()
	d := filepath.Join(hot, "lo-1")
	os.MkdirAll(d, 0o755)
	page(t, d, "a.jpg", 4)
	os.WriteFile(filepath.Join(d, "manifest.json"), []byte(`{"dossier_code":"`+testDossier+`","title":"Đơn","pages":["a.jpg"]}`), 0o644)
	keep := t.TempDir()
	os.CopyFS(keep, os.DirFS(d)) // to play the crash: the folder comes back

	run := func() string {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var stdout bytes.Buffer
		e := &env{stdout: &stdout, stderr: &bytes.Buffer{}, log: testLogger(t), ui: ui{english: true}}
		c := stackConfig{data: data, workers: 0, limits: intakeLimits{maxFileMB: 100, maxBatchMB: 500}}
		var id string
		err := watchWith(ctx, e, watchOptions{dir: hot, embedded: &c, settle: 200 * time.Millisecond},
			func(name string, res *ingest.UploadResult, err error) {
				if err != nil {
					t.Errorf("%s refused: %v", name, err)
				} else {
					id = res.BatchID
				}
				cancel()
			})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	first := run()
	os.RemoveAll(filepath.Join(hot, "done"))
	os.CopyFS(d, os.DirFS(keep))
	second := run()
	if first == "" || first != second {
		t.Fatalf("first run made batch %q, the second %q: want the same", first, second)
	}
	recs, err := storage.OpenRecordsURL(context.Background(), storage.DataDBPath(data))
	if err != nil {
		t.Fatal(err)
	}
	defer recs.Close()
	dd, err := recs.Dossier(context.Background(), testDossier)
	if err != nil || len(dd.Batches) != 1 {
		t.Fatalf("dossier after two runs: %+v, %v", dd, err)
	}
}

// multiPageTIFF writes pages (8-bit grey, uncompressed, 300 dpi) as one
// baseline TIFF, one IFD per page.
func multiPageTIFF(pages []*image.Gray) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.Write([]byte("II*\x00\x00\x00\x00\x00")) // header; first IFD offset patched below
	prevNext := 4                              // where the previous "next IFD" offset lives
	for _, img := range pages {
		w, h := img.Rect.Dx(), img.Rect.Dy()
		dataOff := b.Len()
		for y := range h {
			b.Write(img.Pix[y*img.Stride : y*img.Stride+w])
		}
		resOff := b.Len()
		binary.Write(&b, le, [4]uint32{300, 1, 300, 1}) // XResolution, YResolution
		if b.Len()%2 == 1 {
			b.WriteByte(0)
		}
		ifd := b.Len()
		data := b.Bytes()
		le.PutUint32(data[prevNext:], uint32(ifd))
		type entry struct {
			tag, typ uint16
			n, val   uint32
		}
		es := []entry{
			{256, 4, 1, uint32(w)}, {257, 4, 1, uint32(h)}, {258, 3, 1, 8}, {259, 3, 1, 1},
			{262, 3, 1, 1}, {273, 4, 1, uint32(dataOff)}, {277, 3, 1, 1}, {278, 4, 1, uint32(h)},
			{279, 4, 1, uint32(w * h)}, {282, 5, 1, uint32(resOff)}, {283, 5, 1, uint32(resOff + 8)}, {296, 3, 1, 2},
		}
		binary.Write(&b, le, uint16(len(es)))
		for _, e := range es {
			binary.Write(&b, le, e.tag)
			binary.Write(&b, le, e.typ)
			binary.Write(&b, le, e.n)
			binary.Write(&b, le, e.val) // SHORT values sit in the low bytes (little endian)
		}
		prevNext = b.Len()
		binary.Write(&b, le, uint32(0))
	}
	return b.Bytes()
}

// TestMultiPageFile: a 2-page TIFF and a JPEG give a batch of 3 pages, in
// order, each knowing its source file and page.
func TestMultiPageFile(t *testing.T) {
	ts := startStack(t, stackConfig{})
	tok := ts.token(t, dossier.RoleStation, "quay-1")
	dir := t.TempDir()
	var pages []*image.Gray
	for i := range 2 {
		g := image.NewGray(image.Rect(0, 0, 200+i*10, 300))
		for j := range g.Pix {
			g.Pix[j] = uint8(200 + i)
		}
		pages = append(pages, g)
	}
	tif := filepath.Join(dir, "scan.tif")
	os.WriteFile(tif, multiPageTIFF(pages), 0o644)
	jpg := page(t, dir, "last.jpg", 1)
	res, err := (&ingest.Client{Server: ts.url, Token: tok}).Upload(context.Background(),
		manifest("scan.tif", "last.jpg"), []string{tif, jpg})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ts.records.Batch(context.Background(), res.BatchID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range b.Pages {
		got = append(got, fmt.Sprintf("%d:%s#%d", p.Index, p.SourceName, p.SourcePage))
	}
	if want := "1:scan.tif#1 2:scan.tif#2 3:last.jpg#1"; strings.Join(got, " ") != want {
		t.Errorf("pages %q, want %q", strings.Join(got, " "), want)
	}
}
