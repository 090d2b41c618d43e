package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/pdf"
	"github.com/sohoa/sohoa/pdf/pdftest"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/web/webtest"
)

// deskPKI is a test CA issuing officials' certificates, each on a
// SoftHSM2 token of its own, the organisation's seal key, and a TSA.
type deskPKI struct {
	*pdftest.PKI
	tsa      string
	trustDir string
}

func newDeskPKI(t *testing.T) *deskPKI {
	t.Helper()
	p, err := pdftest.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &deskPKI{PKI: p, tsa: p.TSA(t), trustDir: t.TempDir()}
	os.WriteFile(filepath.Join(d.trustDir, "root.pem"), p.CAPEM(), 0o644)
	pdftest.NewSoftHSM(t)
	return d
}

// token puts a certificate for name, valid from nb to na, on a new token.
func (d *deskPKI) token(t *testing.T, label, name string, nb, na time.Time) {
	t.Helper()
	cert, key, err := d.Official(name, nb, na)
	if err != nil {
		t.Fatal(err)
	}
	pdftest.SoftHSMToken(t, label, "1234", key, cert)
}

// deskStack serves a distributed stack where station quay-ky signs at the
// desk and quay-dau signs then gets the organisation's seal.
func deskStack(t *testing.T, d *deskPKI) *testStack {
	t.Helper()
	return deskStackDeadline(t, d, time.Hour)
}

// deskStackDeadline is deskStack with documents waiting at most deadline.
func deskStackDeadline(t *testing.T, d *deskPKI, deadline time.Duration) *testStack {
	t.Helper()
	c := distributedConfig(t)
	c.workers = 1
	c.pdfa = "1b" // what PDFBox Preflight validates
	p12, pass, err := d.WriteP12(t.TempDir(), "seal")
	if err != nil {
		t.Fatal(err)
	}
	c.sign.P12File, c.sign.PassFile, c.sign.TSAURL = p12, pass, d.tsa
	c.desk.modes.Add("station:quay-ky=desk")
	c.desk.modes.Add("station:quay-dau=desk+seal")
	c.desk.trustDir, c.desk.deadline = d.trustDir, deadline
	return startStack(t, c)
}

// deskOfficial is the official on record who must sign at desk quay-ky.
const deskOfficial = "Nguyễn Thị Thủy Tiên"

// deskSetUp makes the test CA with the official's token "tien" (her name
// in capitals, as CAs write it) and another official's token "cuong", the
// desk stack, and API tokens of an admin and of desk quay-ky.
func deskSetUp(t *testing.T) (d *deskPKI, ts *testStack, admin, desk string) {
	t.Helper()
	d = newDeskPKI(t)
	now := time.Now()
	d.token(t, "tien", "NGUYỄN THỊ THỦY TIÊN", now.Add(-time.Hour), now.Add(365*24*time.Hour))
	d.token(t, "cuong", "Lê Văn Cường", now.Add(-time.Hour), now.Add(365*24*time.Hour))
	ts = deskStack(t, d)
	return d, ts, ts.token(t, dossier.RoleAdmin, "admin"), ts.token(t, dossier.RoleStation, "quay-ky")
}

// awaitSigning uploads scans (one generated page when none) as official
// at station and waits for its signing request.
func awaitSigning(t *testing.T, ts *testStack, token, station, official string, scans ...string) dossier.SigningRequest {
	t.Helper()
	cl := &ingest.Client{Server: ts.url, Token: token}
	if len(scans) == 0 {
		scans = []string{page(t, t.TempDir(), "p1.jpg", len(station))}
	}
	var names []string
	for _, s := range scans {
		names = append(names, filepath.Base(s))
	}
	m := &ingest.Manifest{BatchInfo: dossier.BatchInfo{DossierCode: testDossier, AgencyCode: "000.00.31.H33",
		Title: "Đơn đề nghị " + station, DocumentType: "don", Station: station, Operator: official}, Pages: names, AllowDuplicate: true}
	up, err := cl.Upload(context.Background(), m, scans)
	if err != nil {
		t.Fatal(err)
	}
	return waitRequest(t, ts, token, up.BatchID)
}

// waitRequest waits for the signing request of a batch to await signature.
func waitRequest(t *testing.T, ts *testStack, token, batchID string) dossier.SigningRequest {
	t.Helper()
	ctx := context.Background()
	cl := &ingest.Client{Server: ts.url, Token: token}
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		q, err := cl.SigningQueue(ctx, dossier.SigningAwaiting)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range q {
			if r.BatchID == batchID {
				return r
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	b, _ := ts.records.Batch(ctx, batchID)
	t.Fatalf("no signing request for batch %s: %+v", batchID, b)
	return dossier.SigningRequest{}
}

// sohoaSign runs `sohoa sign` with the PIN on stdin.
func sohoaSign(t *testing.T, ts *testStack, token, label, pin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(sohoatest.Binary(t), append([]string{"sign", "--server", ts.url, "--token", token,
		"--pkcs11", pdftest.SoftHSM, "--pkcs11-token", label}, args...)...)
	cmd.Env = append(os.Environ(), "SOHOA_LANG=en")
	cmd.Stdin = strings.NewReader(pin + "\n")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// auditActions lists the actions of a signing request's audit, in order.
func auditActions(t *testing.T, ts *testStack, token, id string) string {
	t.Helper()
	var audit struct {
		Audit []dossier.SigningAudit `json:"audit"`
	}
	webtest.Call(t, "GET", ts.url+"/v1/signing/"+id+"/audit", token, nil, "", &audit)
	var actions []string
	for _, a := range audit.Audit {
		actions = append(actions, a.Action)
	}
	return strings.Join(actions, " ")
}

// notLinked fails the test when the request's result exists.
func notLinked(t *testing.T, ts *testStack, admin string, r dossier.SigningRequest) {
	t.Helper()
	if s := webtest.Call(t, "GET", ts.url+"/v1/results/"+r.ResultCode, admin, nil, "", nil); s != http.StatusNotFound {
		t.Fatalf("result %s after a refused signature: %d, want 404", r.ResultCode, s)
	}
}

// checkSigned fetches a linked result and checks it with Preflight, pdfsig
// (trusting the test CA) and Verify: want signatures, all valid. It
// returns where it saved the PDF.
func checkSigned(t *testing.T, ts *testStack, d *deskPKI, admin, code string, want int, nss string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", ts.url+"/v1/results/"+code+"/pdf", nil)
	resp, body := webtest.Do(t, req, admin)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", code, resp.StatusCode, body)
	}
	f := filepath.Join(t.TempDir(), code+".pdf")
	os.WriteFile(f, body, 0o644)
	pdftest.Preflight(t, f)
	out := pdftest.Pdfsig(t, f, "-nssdir", nss)
	if n := strings.Count(out, "Signature is Valid"); n != want || strings.Count(out, "Certificate is Trusted") != want || !strings.Contains(out, "Total document signed") {
		t.Errorf("pdfsig: %d valid signatures, want %d, all trusted, the last over the whole file:\n%s", n, want, out)
	}
	rep, err := pdf.Verify(context.Background(), bytes.NewReader(body), int64(len(body)), pdf.VerifyOptions{TrustPEM: d.CAPEM(), RequirePDFA: true})
	if err != nil || !rep.OK() || len(rep.Signatures) != want {
		t.Fatalf("Verify: %v %+v", err, rep)
	}
	if rep.Signatures[0].Timestamp == nil || !rep.Signatures[0].Timestamp.Valid {
		t.Errorf("the desk signature has no valid timestamp: %+v", rep.Signatures[0])
	}
	return f
}

// TestDeskSigning: on the real services, a batch of a desk-signing station
// is OCR'd and assembled, then waits; the official's own token (SoftHSM2)
// signs it through `sohoa sign`, and the result is linked, PDF/A-1b and
// validly signed. Another official's token, an expired certificate and a
// signature over another digest are each refused with nothing linked. At
// a desk+seal station the organisation's signature follows the official's
// and both verify.
func TestDeskSigning(t *testing.T) {
	const official = deskOfficial
	d, ts, admin, desk := deskSetUp(t)
	d.token(t, "tien-cu", official, time.Now().Add(-400*24*time.Hour), time.Now().Add(-24*time.Hour))
	r := awaitSigning(t, ts, desk, "quay-ky", official)
	if r.Official != official || r.Mode != dossier.SignDesk || r.Pages != 1 {
		t.Fatalf("signing request: %+v", r)
	}
	notLinked(t, ts, admin, r)

	// Another desk does not see it; a chain longer than any real one is refused unread.
	other := ts.token(t, dossier.RoleStation, "quay-khac")
	if s := webtest.Call(t, "GET", ts.url+"/v1/signing/"+r.ID, other, nil, "", nil); s != 404 {
		t.Fatalf("another desk's GET: %d, want 404", s)
	}
	long := `{"chain":[` + strings.Repeat(`"MA==",`, 8) + `"MA=="]}`
	if s := webtest.Call(t, "POST", ts.url+"/v1/signing/"+r.ID+"/prepare", desk, strings.NewReader(long), "application/json", nil); s != 400 {
		t.Fatalf("a 9-certificate chain: %d, want 400", s)
	}

	// Another official's token and an expired certificate: refused at prepare.
	for _, tc := range []struct{ label, want string }{{"cuong", "not to"}, {"tien-cu", "expired"}} {
		_, stderr, err := sohoaSign(t, ts, desk, tc.label, "1234", "--all")
		if err == nil || !strings.Contains(stderr, "REFUSED") || !strings.Contains(stderr, tc.want) {
			t.Fatalf("sohoa sign with token %s: %v\n%s", tc.label, err, stderr)
		}
		notLinked(t, ts, admin, r)
	}

	// A signature over another digest: refused at upload.
	key, err := pdf.OpenTokenKey(pdf.TokenConfig{Module: pdftest.SoftHSM, Token: "tien"}, "1234")
	if err != nil {
		t.Fatal(err)
	}
	cl := &ingest.Client{Server: ts.url, Token: desk}
	if _, err := cl.PrepareSigning(context.Background(), r.ID, key.Chain()); err != nil {
		t.Fatal(err)
	}
	otherDoc := sha256.Sum256([]byte("another document"))
	attrs, _ := pdf.SignedAttributes(otherDoc[:], key.Chain()[0])
	sig, _ := key.SignAttributes(attrs)
	key.Close()
	var refusal apiErr
	body := `{"signature":"` + base64.StdEncoding.EncodeToString(sig) + `"}`
	if s := webtest.Call(t, "POST", ts.url+"/v1/signing/"+r.ID+"/signature", desk, strings.NewReader(body), "application/json", &refusal); s != 422 || refusal.ErrorVI == "" || !strings.Contains(refusal.Error, "digest") {
		t.Fatalf("a signature over another digest: %d %+v", s, refusal)
	}
	notLinked(t, ts, admin, r)

	// The official's own token, through sohoa sign.
	stdout, stderr, err := sohoaSign(t, ts, desk, "tien", "1234", r.ID)
	if err != nil || !strings.Contains(stdout, "signed "+r.ResultCode) {
		t.Fatalf("sohoa sign: %v\n%s\n%s", err, stdout, stderr)
	}
	nss := d.NSSDB(t, t.TempDir())
	checkSigned(t, ts, d, admin, r.ResultCode, 1, nss)
	var res dossier.Result
	if s := webtest.Call(t, "GET", ts.url+"/v1/results/"+r.ResultCode, admin, nil, "", &res); s != 200 || !pdf.SameName(res.Signer, official) {
		t.Fatalf("result: %d %+v", s, res)
	}
	// Signing it again is a conflict: a signed file is never altered.
	if _, stderr, err := sohoaSign(t, ts, desk, "tien", "1234", r.ID); err == nil {
		t.Fatalf("signing a signed document again succeeded:\n%s", stderr)
	}
	if got := auditActions(t, ts, desk, r.ID); got != "assembled refused refused prepared refused prepared signed" {
		t.Errorf("audit: %s", got)
	}

	// desk+seal: the official, then the organisation.
	seal := ts.token(t, dossier.RoleStation, "quay-dau")
	r2 := awaitSigning(t, ts, seal, "quay-dau", official)
	if _, stderr, err := sohoaSign(t, ts, seal, "tien", "1234", "--all"); err != nil {
		t.Fatalf("sohoa sign (desk+seal): %v\n%s", err, stderr)
	}
	checkSigned(t, ts, d, admin, r2.ResultCode, 2, nss)
}

// onePage is a pdf.PageSource of one small JPEG page.
type onePage struct{ img ocr.Image }

func (p onePage) Len() int { return 1 }
func (p onePage) Page(context.Context, int) (pdf.Page, error) {
	return pdf.Page{Image: p.img, Result: ocr.Result{Page: 1, DPI: 150, DPIKnown: true}}, nil
}

// deskDocuments puts n assembled, unsigned PDF/A documents in the desk's
// queue for official at station, as the document job leaves them.
func deskDocuments(b testing.TB, ts *testStack, station, official string, n int) (ids []string, doc []byte) {
	b.Helper()
	ctx := context.Background()
	gray := image.NewGray(image.Rect(0, 0, 1240, 1754))
	for i := range gray.Pix {
		gray.Pix[i] = byte(200 + i%50)
	}
	var jb bytes.Buffer
	jpeg.Encode(&jb, gray, &jpeg.Options{Quality: 60})
	var buf bytes.Buffer
	if err := pdf.Assemble(ctx, &buf, onePage{ocr.Image{Encoding: ocr.JPEG, Mode: ocr.Gray, Width: 1240, Height: 1754, BitsPerComponent: 8, Data: jb.Bytes()}},
		pdf.AssembleOptions{Conformance: pdf.PDFA1B, KeepJPEGCoding: true}); err != nil {
		b.Fatal(err)
	}
	doc = buf.Bytes()
	sum := sha256.Sum256(doc)
	hexSum := hex.EncodeToString(sum[:])
	recs, err := storage.OpenSigningRecords(ctx, ts.db)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	var paths []string
	for i := range n {
		paths = append(paths, page(b, dir, fmt.Sprintf("p%d.jpg", i), i+1))
	}
	for i := range n {
		bt, _, err := ts.intake.Submit(ctx, &dossier.Token{ID: "bench", Role: dossier.RoleAdmin, Name: station},
			&ingest.Manifest{BatchInfo: dossier.BatchInfo{DossierCode: testDossier, Title: "Hồ sơ", Station: station,
				Operator: official}, Pages: []string{"p.jpg"}, AllowDuplicate: true},
			map[string]ingest.File{"p.jpg": fileOf(b, paths[i])})
		if err != nil {
			b.Fatal(err)
		}
		code, err := ts.records.ReserveResultCode(ctx, bt.ID)
		if err != nil {
			b.Fatal(err)
		}
		key := "bench/" + code + ".pdf"
		if _, err := ts.blobs.Put(ctx, key, bytes.NewReader(doc), int64(len(doc)), "application/pdf", hexSum); err != nil {
			b.Fatal(err)
		}
		r, _, err := recs.CreateRequest(ctx, &dossier.SigningRequest{BatchID: bt.ID, DossierCode: testDossier, ResultCode: code, Pages: 1,
			Station: station, Official: official, Mode: dossier.SignDesk, BaseKey: key, BaseSHA256: hexSum, Deadline: time.Now().Add(time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	return ids, doc
}

// BenchmarkDeskSession50: one desk session signs 50 waiting documents with
// the official's token (SoftHSM2) through the API: prepare, sign on the
// token, upload; the server builds the CMS, timestamps, verifies, stores
// and links each (embedded stack). The peer in the same run is the
// server signing the same 50 documents itself with a PKCS#12 key
// (server mode). Reported: seconds for the 50 (the target is under 60)
// and the ratio to the peer.
func BenchmarkDeskSession50(b *testing.B) {
	const n, official = 50, "Nguyễn Thị Thủy Tiên"
	p, err := pdftest.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	tsa := p.TSA(b)
	trust := b.TempDir()
	os.WriteFile(filepath.Join(trust, "root.pem"), p.CAPEM(), 0o644)
	pdftest.NewSoftHSM(b)
	cert, key, err := p.Official(official, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	pdftest.SoftHSMToken(b, "tien", "1234", key, cert)
	c := stackConfig{pdfa: "1b"}
	c.sign.TSAURL = tsa
	c.desk.modes.Add("station:quay-ky=desk")
	c.desk.trustDir, c.desk.deadline = trust, time.Hour
	ts := startStack(b, c)
	token := ts.token(b, dossier.RoleStation, "quay-ky")
	p12, pass, err := p.WriteP12(b.TempDir(), "x")
	if err != nil {
		b.Fatal(err)
	}
	server, err := pdf.SignerConfig{P12File: p12, PassFile: pass, TSAURL: tsa}.Open(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer server.Close()
	ctx := context.Background()
	var desk, peer time.Duration
	for range b.N {
		b.StopTimer()
		ids, doc := deskDocuments(b, ts, "quay-ky", official, n)
		tk, err := pdf.OpenTokenKey(pdf.TokenConfig{Module: pdftest.SoftHSM, Token: "tien"}, "1234") // the PIN prompt, not timed
		if err != nil {
			b.Fatal(err)
		}
		cl := &ingest.Client{Server: ts.url, Token: token}
		b.StartTimer()
		start := time.Now()
		for _, id := range ids {
			if _, err := signOne(ctx, cl, tk, tk.Chain(), dossier.SigningRequest{ID: id}); err != nil {
				b.Fatal(err)
			}
		}
		desk += time.Since(start)
		b.StopTimer()
		tk.Close()

		// The peer: the server's own key over the same unsigned file, 50 times.
		start = time.Now()
		for range n {
			f, _ := os.CreateTemp(b.TempDir(), "peer-*.pdf")
			f.Write(doc)
			if err := server.Sign(ctx, f); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
		peer += time.Since(start)
	}
	b.ReportMetric(desk.Seconds()/float64(b.N), "s/50docs")
	b.ReportMetric(peer.Seconds()/float64(b.N), "peer_s/50docs")
	b.ReportMetric(desk.Seconds()/peer.Seconds(), "ratio")
}

// TestSignRefusesForeignData: a server (hostile, or broken) that asks the
// desk client to sign anything but the PAdES signed attributes of a
// document digest for the official's own certificate gets no signature.
func TestSignRefusesForeignData(t *testing.T) {
	p, err := pdftest.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	cert, key, _ := p.Official("Nguyễn Thị Thủy Tiên", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	pdftest.NewSoftHSM(t)
	pdftest.SoftHSMToken(t, "tien", "1234", key, cert)
	tk, err := pdf.OpenTokenKey(pdf.TokenConfig{Module: pdftest.SoftHSM, Token: "tien"}, "1234")
	if err != nil {
		t.Fatal(err)
	}
	defer tk.Close()
	md := sha256.Sum256([]byte("document"))
	attrs, _ := pdf.SignedAttributes(md[:], cert)
	foreign := []byte("\x16\x03\x03 a TLS handshake to sign")
	for _, tc := range []struct {
		name          string
		attrs, digest []byte
		signed        bool
	}{
		{"the real attributes", attrs, sum256(attrs), true},
		{"other bytes", foreign, sum256(foreign), false},
		{"a digest that is not of the attributes", attrs, sum256(foreign), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			posted := false
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/prepare") {
					json.NewEncoder(w).Encode(dossier.SigningDigest{MessageDigest: md[:], SignedAttributes: tc.attrs, Digest: tc.digest})
					return
				}
				posted = true
				json.NewEncoder(w).Encode(dossier.Result{Code: "x"})
			}))
			defer srv.Close()
			_, err := signOne(context.Background(), &ingest.Client{Server: srv.URL, Token: "t"}, tk, tk.Chain(), dossier.SigningRequest{ID: "r"})
			if tc.signed != (err == nil) || posted != tc.signed {
				t.Fatalf("signOne: %v (signature posted: %v), want signed=%v", err, posted, tc.signed)
			}
		})
	}
}

func sum256(b []byte) []byte { s := sha256.Sum256(b); return s[:] }
