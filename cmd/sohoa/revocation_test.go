package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/pdf"
	"github.com/sohoa/sohoa/pdf/pdftest"
	"github.com/sohoa/sohoa/pdf/revocation"
	"github.com/sohoa/sohoa/storage/storagetest"
	"github.com/sohoa/sohoa/web/webtest"
)

// revocationPKI is a CA with an OCSP responder and a CRL over real HTTP,
// and officials' certificates that name them (or an address where nothing
// answers), with their keys.
type revocationPKI struct {
	*pdftest.PKI
	rv        *pdftest.Revocation
	tsa, dead string
	trustDir  string
	keys      map[*x509.Certificate]crypto.Signer
}

func newRevocationPKI(t *testing.T) *revocationPKI {
	t.Helper()
	p, err := pdftest.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + storagetest.FreeAddr(t) + "/"
	r := &revocationPKI{PKI: p, rv: p.Revocation(t), tsa: p.TSA(t), dead: dead, trustDir: t.TempDir(), keys: map[*x509.Certificate]crypto.Signer{}}
	os.WriteFile(filepath.Join(r.trustDir, "root.pem"), p.CAPEM(), 0o644)
	return r
}

// official issues name's certificate naming the test responder, or the
// dead address when reachable is false.
func (r *revocationPKI) official(t *testing.T, name string, reachable bool) *x509.Certificate {
	t.Helper()
	r.OCSPServer, r.CRLDistributionPoints = []string{r.rv.OCSPURL}, []string{r.rv.CRLURL}
	if !reachable {
		r.OCSPServer, r.CRLDistributionPoints = []string{r.dead + "ocsp"}, []string{r.dead + "ca.crl"}
	}
	c, key, err := r.Official(name, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	r.keys[c] = key
	return c
}

// stack serves a distributed stack where station quay-ky signs at the
// desk under a revocation policy; more changes the configuration.
func (r *revocationPKI) stack(t *testing.T, policy revocation.Policy, more ...string) *testStack {
	t.Helper()
	c := distributedConfig(t)
	c.pdfa = "1b"
	c.sign.TSAURL = r.tsa
	fs := flag.NewFlagSet("test", flag.PanicOnError)
	c.desk.addFlags(fs, ui{english: true}) // before the fields below: it sets the defaults
	fs.Parse(more)
	c.desk.modes.Add("station:quay-ky=desk")
	c.desk.trustDir, c.desk.deadline, c.desk.revocation = r.trustDir, time.Hour, string(policy)
	return startStack(t, c)
}

// sign prepares request id for cert and posts the key's signature: the
// refusal (an *ingest.APIError) at either step, or the linked result.
func (r *revocationPKI) sign(ctx context.Context, cl *ingest.Client, id string, cert *x509.Certificate, between func()) (*dossier.Result, error) {
	chain := []*x509.Certificate{cert, r.CA}
	dg, err := cl.PrepareSigning(ctx, id, chain)
	if err != nil {
		return nil, err
	}
	if between != nil {
		between()
	}
	sig, err := r.keys[cert].(*rsa.PrivateKey).Sign(rand.Reader, dg.Digest, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	return cl.PostSignature(ctx, id, sig, chain)
}

// fetchSigned downloads a linked result into a file and checks it with
// qpdf, pdfsig (valid, the whole file) and Verify (OK, PDF/A required). It
// returns what pdfsig says of the certificate: pdfsig asks the OCSP
// responder itself.
func (r *revocationPKI) fetchSigned(t *testing.T, ts *testStack, admin, code, nss string) (string, *pdf.Report, string) {
	t.Helper()
	hr, _ := http.NewRequest("GET", ts.url+"/v1/results/"+code+"/pdf", nil)
	resp, body := webtest.Do(t, hr, admin)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", code, resp.StatusCode)
	}
	path := filepath.Join(t.TempDir(), code+".pdf")
	os.WriteFile(path, body, 0o644)
	pdftest.QPDFCheck(t, path)
	out := pdftest.Pdfsig(t, path, "-nssdir", nss)
	if !strings.Contains(out, "Signature is Valid") || !strings.Contains(out, "Total document signed") {
		t.Errorf("pdfsig:\n%s", out)
	}
	rep, err := pdf.Verify(context.Background(), bytes.NewReader(body), int64(len(body)), pdf.VerifyOptions{TrustPEM: r.CAPEM(), RequirePDFA: true})
	if err != nil || !rep.OK() {
		t.Fatalf("Verify: %v %+v", err, rep)
	}
	_, cert, _ := strings.Cut(out, "Certificate Validation: ")
	cert, _, _ = strings.Cut(cert, "\n")
	return path, rep, cert
}

// TestDeskRevocation: on the real services, an official's certificate is
// checked by OCSP (then CRL) when the document is prepared and again when
// the signature is posted. A revoked certificate is refused (422, both
// languages, nothing linked, "refused" in the audit) unless checking is
// off; an unanswered check is noted in the audit and signed under prefer,
// refused under require. The answer that let a signature through is kept in the
// signed file's document security store, and Preflight and pdfsig still finds the file valid, trusted and whole.
func TestDeskRevocation(t *testing.T) {
	r := newRevocationPKI(t)
	ctx := context.Background()
	type outcome int
	const (
		signed outcome = iota
		refusedPrepare
		refusedSignature
	)
	good := r.official(t, "Nguyễn Văn Tốt", true)
	revoked := r.official(t, "Trần Thị Thu", true)
	r.rv.Revoke(revoked)
	unreachable := r.official(t, "Lê Văn Vắng", false)
	later := r.official(t, "Phạm Văn Sau", true)
	nss := r.NSSDB(t, t.TempDir())
	// One stack per policy, shared by its cases (a stack costs seconds).
	type policyStack struct {
		*testStack
		admin, desk string
	}
	stacks := map[revocation.Policy]policyStack{}
	for _, tc := range []struct {
		policy revocation.Policy
		cert   *x509.Certificate
		// between runs after prepare, before the signature is posted.
		between  func()
		want     outcome
		embedded bool   // the OCSP answer in the signed file's DSS
		note     string // in the audit
	}{
		{revocation.Prefer, good, nil, signed, true, "revocation: not revoked (ocsp"},
		{revocation.Prefer, revoked, nil, refusedPrepare, false, "revoked on"},
		{revocation.Prefer, unreachable, nil, signed, false, "revocation status unknown"},
		// Down at prepare (noted, not cached), then back with the
		// certificate revoked: the posted signature is refused.
		{revocation.Prefer, later, func() { r.rv.Down(false); r.rv.Revoke(later) }, refusedSignature, false, "revoked on"},
		{revocation.Require, good, nil, signed, true, "revocation: not revoked (ocsp"},
		{revocation.Require, revoked, nil, refusedPrepare, false, "revoked on"},
		{revocation.Require, unreachable, nil, refusedPrepare, false, "revocation status unknown"},
		{revocation.Off, revoked, nil, signed, false, ""},
		{revocation.Off, unreachable, nil, signed, false, ""},
	} {
		name := string(tc.policy) + "/" + tc.cert.Subject.CommonName
		if stacks[tc.policy].testStack == nil {
			ts := r.stack(t, tc.policy)
			stacks[tc.policy] = policyStack{ts, ts.token(t, dossier.RoleAdmin, "admin"), ts.token(t, dossier.RoleStation, "quay-ky")}
		}
		ts, admin, desk := stacks[tc.policy].testStack, stacks[tc.policy].admin, stacks[tc.policy].desk
		t.Run(name, func(t *testing.T) {
			ids, _ := deskDocuments(t, ts, "quay-ky", tc.cert.Subject.CommonName, 1)
			req, err := ts.runner.Desk().Request(ctx, ids[0])
			if err != nil {
				t.Fatal(err)
			}
			if tc.between != nil {
				r.rv.Down(true)
				defer r.rv.Down(false)
			}
			cl := &ingest.Client{Server: ts.url, Token: desk}
			res, err := r.sign(ctx, cl, ids[0], tc.cert, tc.between)
			var ae *ingest.APIError
			switch {
			case tc.want == signed && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != signed && (!errors.As(err, &ae) || ae.Status != 422 || ae.VI == ""):
				t.Fatalf("got %v, %+v; want a bilingual 422", err, res)
			}
			var audit []dossier.SigningAudit
			if audit, err = ts.runner.Desk().Audit(ctx, ids[0]); err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, a := range audit {
				actions = append(actions, a.Action)
			}
			last := audit[len(audit)-1]
			wantActions := map[outcome]string{signed: "assembled prepared signed", refusedPrepare: "assembled refused", refusedSignature: "assembled prepared refused"}[tc.want]
			if got := strings.Join(actions, " "); strings.TrimPrefix(got, "assembled ") != strings.TrimPrefix(wantActions, "assembled ") ||
				!strings.Contains(last.Detail, tc.note) || tc.note == "" && strings.Contains(last.Detail, "revo") {
				t.Fatalf("audit %q, last %+v; want %q with %q", got, last, wantActions, tc.note)
			}
			if tc.want != signed {
				notLinked(t, ts, admin, *req)
				return
			}
			path, rep, pdfsigCert := r.fetchSigned(t, ts, admin, res.Code, nss)
			if (rep.ValidationData["ocsp"] > 0) != tc.embedded {
				t.Fatalf("validation data %v, want the OCSP answer: %v", rep.ValidationData, tc.embedded)
			}
			// pdfsig asks the responder too: it agrees with what was let through.
			if want := map[*x509.Certificate]string{good: "Trusted", revoked: "Revoked", unreachable: "Unknown issue"}[tc.cert]; !strings.Contains(pdfsigCert, want) {
				t.Errorf("pdfsig: the certificate %q, want %q", pdfsigCert, want)
			}
			if tc.embedded {
				pdftest.Preflight(t, path)
				// sohoa verify says so too.
				ca := filepath.Join(t.TempDir(), "ca.pem")
				os.WriteFile(ca, r.CAPEM(), 0o644)
				var out bytes.Buffer
				err := runVerify(ctx, &env{stdout: &out, stderr: &out, log: testLogger(t), ui: ui{english: true}}, []string{"--trust", ca, path})
				if err != nil || !strings.Contains(out.String(), "Revocation data in the file: OCSP 1, CRL 0") {
					t.Errorf("sohoa verify: %v\n%s", err, out.String())
				}
			}
		})
	}
}

// TestSealRevokedAtStartup: a server whose own signing certificate is
// revoked refuses to start (unless checking is off), and so does a
// distributed worker (openSeal is the one way both open the key).
func TestSealRevokedAtStartup(t *testing.T) {
	r := newRevocationPKI(t)
	seal := r.official(t, "UBND phường Bến Nghé", true)
	r.rv.Revoke(seal)
	p12, pass, err := r.WriteP12Of(t.TempDir(), "seal", r.keys[seal], seal)
	if err != nil {
		t.Fatal(err)
	}
	for _, policy := range []revocation.Policy{revocation.Prefer, revocation.Off} {
		c := stackConfig{data: t.TempDir(), rate: -1}
		c.sign.P12File, c.sign.PassFile = p12, pass
		c.desk.revocation = string(policy)
		st, err := openStack(context.Background(), testLogger(t), c)
		if st != nil {
			st.Close()
		}
		var ue *userError
		if policy == revocation.Off && err != nil || policy != revocation.Off && (!errors.As(err, &ue) || !strings.Contains(ue.en, "revoked") || !strings.Contains(ue.vi, "thu hồi")) {
			t.Fatalf("--revocation %s: %v", policy, err)
		}
	}

	// Without the check the worker would run until the deadline, which
	// only bounds a failing test.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := distributedConfig(t)
	e := &env{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, log: testLogger(t), ui: ui{english: true}}
	err = runWorker(ctx, e, []string{"--amqp", c.amqpURL, "--amqp-prefix", c.prefix, "--s3", c.s3URL, "--db", c.dbURL,
		"--sign-p12", p12, "--sign-pass-file", pass, "--revocation", string(revocation.Prefer)})
	var ue *userError
	if !errors.As(err, &ue) || !strings.Contains(ue.en, "revoked") || !strings.Contains(ue.vi, "thu hồi") {
		t.Fatalf("sohoa worker with a revoked key: %v; want it to refuse to start", err)
	}
}

// TestDeskAuditAttachment: on the real services, a station whose
// documents carry their audit (--audit-attachment station:quay-ky) gets a
// signed PDF/A-3b holding sohoa-audit.json: the review log and the
// request's history as the records have them, and the certificate that
// signed. qpdf and pdfsig (valid, trusted, whole file) accept it, and
// pdfdetach extracts it. Another station's document has no attachment
// and stays PDF/A-1b for Preflight.
func TestDeskAuditAttachment(t *testing.T) {
	r := newRevocationPKI(t)
	ctx := context.Background()
	const official = "Nguyễn Thị Thủy Tiên"
	cert := r.official(t, official, true)
	stranger := r.official(t, "Lê Văn Cường", true)
	ts := r.stack(t, revocation.Prefer, "--signing-mode-for", "station:quay-khac=desk", "--audit-attachment", "station:quay-ky")
	admin := ts.token(t, dossier.RoleAdmin, "admin")
	nss := r.NSSDB(t, t.TempDir())
	for _, station := range []string{"quay-ky", "quay-khac"} {
		t.Run(station, func(t *testing.T) {
			attached := station == "quay-ky"
			cl := &ingest.Client{Server: ts.url, Token: ts.token(t, dossier.RoleStation, station)}
			ids, _ := deskDocuments(t, ts, station, official, 1)
			req, err := ts.runner.Desk().Request(ctx, ids[0])
			if err != nil {
				t.Fatal(err)
			}
			// A correction in the review log, and another official's
			// certificate refused: both belong in the audit.
			if err := ts.review.AddChange(ctx, &dossier.ReviewChange{BatchID: req.BatchID, Kind: dossier.ReviewWord, Page: 1, Word: 2,
				OldText: "Thuy", Text: "Thủy", Reviewer: station}, 0); err != nil {
				t.Fatal(err)
			}
			if _, err := r.sign(ctx, cl, ids[0], stranger, nil); err == nil {
				t.Fatal("another official's certificate was accepted")
			}
			res, err := r.sign(ctx, cl, ids[0], cert, nil)
			if err != nil {
				t.Fatal(err)
			}
			path, rep, pdfsigCert := r.fetchSigned(t, ts, admin, res.Code, nss)
			if !strings.Contains(pdfsigCert, "Trusted") {
				t.Errorf("pdfsig: the certificate %q", pdfsigCert)
			}
			files := pdftest.Attachments(t, path)
			if !attached {
				if rep.PDFAPart != 1 || len(files) > 0 {
					t.Fatalf("without the option: PDF/A part %d, attachments %q", rep.PDFAPart, files)
				}
				pdftest.Preflight(t, path)
				return
			}
			if rep.PDFAPart != 3 {
				t.Fatalf("PDF/A part %d, want 3", rep.PDFAPart)
			}
			raw := pdftest.Detach(t, path, "sohoa-audit.json")
			var file dossier.AuditFile
			if err := json.Unmarshal(raw, &file); err != nil {
				t.Fatalf("%v\n%s", err, raw)
			}
			// The records as the API shows them: the review log, and the
			// request's history up to this preparation.
			changes, err := ts.review.Changes(ctx, req.BatchID)
			if err != nil {
				t.Fatal(err)
			}
			var audit struct {
				Audit []dossier.SigningAudit `json:"audit"`
			}
			webtest.Call(t, "GET", ts.url+"/v1/signing/"+ids[0]+"/audit", cl.Token, nil, "", &audit)
			n := len(file.Audit)
			if n == 0 || n >= len(audit.Audit) || audit.Audit[n].Action != "prepared" {
				t.Fatalf("embedded audit %+v, records %+v", file.Audit, audit.Audit)
			}
			if !sameJSON(t, file.Review, changes) || !sameJSON(t, file.Audit, audit.Audit[:n]) || file.Audit[n-1].Action != "refused" ||
				file.Review[0].Text != "Thủy" || file.Signer.Name != cert.Subject.CommonName || file.Signer.Serial != cert.SerialNumber.Text(16) ||
				file.Request.ResultCode != req.ResultCode || file.Request.Official != official || file.Request.BaseSHA256 != req.BaseSHA256 {
				t.Fatalf("embedded audit:\n%s\nrecords: %+v\n%+v", raw, changes, audit.Audit)
			}
		})
	}
}

// sameJSON compares two values by their JSON.
func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return bytes.Equal(ja, jb)
}
