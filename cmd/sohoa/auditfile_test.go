package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/pdf"
	"github.com/sohoa/sohoa/pdf/pdftest"
	"github.com/sohoa/sohoa/pdf/revocation"
	"github.com/sohoa/sohoa/web/webtest"
)

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
			hr, _ := http.NewRequest("GET", ts.url+"/v1/results/"+res.Code+"/pdf", nil)
			resp, body := webtest.Do(t, hr, admin)
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s: %d", res.Code, resp.StatusCode)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "signed.pdf")
			os.WriteFile(path, body, 0o644)
			pdftest.QPDFCheck(t, path)
			out := pdftest.Pdfsig(t, path, "-nssdir", nss)
			if !strings.Contains(out, "Signature is Valid") || !strings.Contains(out, "Certificate is Trusted") || !strings.Contains(out, "Total document signed") {
				t.Errorf("pdfsig:\n%s", out)
			}
			rep, err := pdf.Verify(ctx, bytes.NewReader(body), int64(len(body)), pdf.VerifyOptions{TrustPEM: r.CAPEM(), RequirePDFA: true})
			if err != nil || !rep.OK() {
				t.Fatalf("Verify: %v %+v", err, rep)
			}
			list, err := exec.Command("pdfdetach", "-list", path).CombinedOutput()
			if err != nil {
				t.Fatalf("pdfdetach: %v\n%s", err, list)
			}
			if !attached {
				if rep.PDFAPart != 1 || strings.Contains(string(list), "sohoa-audit.json") {
					t.Fatalf("without the option: PDF/A part %d, attachments:\n%s", rep.PDFAPart, list)
				}
				pdftest.Preflight(t, path)
				return
			}
			if rep.PDFAPart != 3 {
				t.Fatalf("PDF/A part %d, want 3", rep.PDFAPart)
			}
			saved := filepath.Join(dir, "audit.json")
			if out, err := exec.Command("pdfdetach", "-savefile", "sohoa-audit.json", "-o", saved, path).CombinedOutput(); err != nil {
				t.Fatalf("pdfdetach -savefile: %v\n%s\n%s", err, out, list)
			}
			raw, _ := os.ReadFile(saved)
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
			if n == 0 || n > len(audit.Audit) || audit.Audit[n].Action != "prepared" {
				t.Fatalf("embedded audit %+v, records %+v", file.Audit, audit.Audit)
			}
			if !sameJSON(t, file.Review, changes) || !sameJSON(t, file.Audit, audit.Audit[:n]) || file.Audit[n-1].Action != "refused" ||
				file.Review[0].Text != "Thủy" || file.Signer.Name != cert.Subject.CommonName || file.Signer.Serial != cert.SerialNumber.Text(16) ||
				file.ResultCode != req.ResultCode || file.Official != official {
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
