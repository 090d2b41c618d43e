package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/web/webtest"
)

// TestReopenExpiredSigning: on the real services, a document left
// unsigned past its deadline is an exception (its batch failed, listed
// with a reopen URL); an admin reopens it with `sohoa reopen` (a desk may
// not), with a new deadline, logged in the audit; it leaves the
// exceptions, awaits signature again, and the official's token signs it.
func TestReopenExpiredSigning(t *testing.T) {
	d := newDeskPKI(t)
	now := time.Now()
	const official = "Nguyễn Thị Thủy Tiên"
	d.token(t, "tien", official, now.Add(-time.Hour), now.Add(365*24*time.Hour))
	ts := deskStackDeadline(t, d, 2*time.Second)
	ctx := context.Background()
	admin := ts.token(t, dossier.RoleAdmin, "Trần Quản Trị")
	desk := ts.token(t, dossier.RoleStation, "quay-ky")
	r := awaitSigning(t, ts, desk, "quay-ky", official)
	time.Sleep(time.Until(r.Deadline))
	// What the minute's check does (it may have done it already).
	if _, err := ts.runner.Desk().ExpireOverdue(ctx); err != nil {
		t.Fatal(err)
	}

	type exceptions struct {
		Signing []struct {
			ID        string `json:"id"`
			State     string `json:"state"`
			ReopenURL string `json:"reopen_url"`
		} `json:"signing"`
	}
	var ex exceptions
	if s := webtest.Call(t, "GET", ts.url+"/v1/exceptions", admin, nil, "", &ex); s != 200 || len(ex.Signing) != 1 ||
		ex.Signing[0].ID != r.ID || ex.Signing[0].State != dossier.SigningExpired || ex.Signing[0].ReopenURL != "/v1/signing/"+r.ID+"/reopen" {
		t.Fatalf("exceptions: %d %+v", s, ex)
	}
	if b, _ := ts.records.Batch(ctx, r.BatchID); b.Status != dossier.BatchFailed {
		t.Fatalf("batch of the expired request: %+v", b)
	}
	// Expired: nothing to sign.
	if _, _, err := sohoaSign(t, ts, desk, "tien", "1234", r.ID); err == nil {
		t.Fatal("an expired request was signed")
	}
	// Only an operator reopens; a deadline must be sane.
	if s := webtest.Call(t, "POST", ts.url+"/v1/signing/"+r.ID+"/reopen", desk, strings.NewReader(`{}`), "application/json", nil); s != http.StatusForbidden {
		t.Fatalf("a desk reopening: %d, want 403", s)
	}
	var refusal apiErr
	if s := webtest.Call(t, "POST", ts.url+"/v1/signing/"+r.ID+"/reopen", admin, strings.NewReader(`{"deadline":"9000h"}`), "application/json", &refusal); s != 422 || refusal.ErrorVI == "" {
		t.Fatalf("a deadline a year away: %d %+v", s, refusal)
	}

	if c, out, errs := runCmd(t, "reopen", "--server", ts.url, "--token", admin, "--list"); c != 0 || !strings.Contains(out, r.ID+"  "+r.ResultCode) {
		t.Fatalf("reopen --list: exit %d\n%s\n%s", c, out, errs)
	}
	c, out, errs := runCmd(t, "reopen", "--server", ts.url, "--token", admin, "--deadline", "2h", r.ID)
	if c != 0 || !strings.Contains(out, "Reopened "+r.ID+" ("+r.ResultCode+"): awaits "+official) {
		t.Fatalf("reopen: exit %d\n%s\n%s", c, out, errs)
	}
	if c, out, errs := runIn(false, "reopen", "--server", ts.url, "--token", admin, r.ID); c != 1 || !strings.Contains(errs, "chỉ mở lại được yêu cầu ký đã quá hạn") {
		t.Fatalf("reopening an awaiting request (Vietnamese): exit %d\n%s\n%s", c, out, errs)
	}

	got := waitRequest(t, ts, desk, r.BatchID)
	if got.State != dossier.SigningAwaiting || got.Deadline.Before(time.Now().Add(119*time.Minute)) || got.Deadline.After(time.Now().Add(2*time.Hour)) {
		t.Fatalf("reopened request: %+v", got)
	}
	ex = exceptions{}
	if webtest.Call(t, "GET", ts.url+"/v1/exceptions", admin, nil, "", &ex); len(ex.Signing) != 0 {
		t.Errorf("exceptions after the reopening: %+v", ex)
	}
	if b, _ := ts.records.Batch(ctx, r.BatchID); b.Status != dossier.BatchProcessing || b.Error != "" {
		t.Errorf("batch of the reopened request: %+v", b)
	}
	if _, stderr, err := sohoaSign(t, ts, desk, "tien", "1234", r.ID); err != nil {
		t.Fatalf("signing the reopened request: %v\n%s", err, stderr)
	}
	var audit struct {
		Audit []dossier.SigningAudit `json:"audit"`
	}
	webtest.Call(t, "GET", ts.url+"/v1/signing/"+r.ID+"/audit", admin, nil, "", &audit)
	var actions []string
	for _, a := range audit.Audit {
		actions = append(actions, a.Action+"/"+a.Actor)
	}
	if got := strings.Join(actions, " "); got != "assembled/sohoa expired/sohoa reopened/Trần Quản Trị prepared/quay-ky signed/quay-ky" {
		t.Errorf("audit: %s", got)
	}
}
