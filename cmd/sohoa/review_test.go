package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/ocrtest"
	"github.com/sohoa/sohoa/pdf/pdftest"
	"github.com/sohoa/sohoa/web/webtest"
)

// pdfReview and serverReview: the seal page listed with its orientation;
// page 1, if at all, for letters lost (ocr.LostInk: the e-signature stamp
// in its corner, small print in a frame, reads garbled, "qua Ủy ban nhâ n
// dân ... ng Ngãt") or, through a server, for the archival metadata of the
// decision. Never for its orientation: that is page 2's alone.
var (
	pdfReview    = regexp.MustCompile(`CẦN XEM LẠI (1 trang:|2 trang:\n  trang 1 \([^)]*\): chữ nhận dạng kém[^\n]*)\n  trang 2 \(`)
	serverReview = regexp.MustCompile(`CẦN XEM LẠI (1 trang:|2 trang:\n  trang 1 \([^)]*\): (thông tin văn bản đọc chưa chắc chắn|chữ nhận dạng kém)[^\n]*)\n  trang 2 \(`)
)

// TestUnsureOrientation (issue 16, point 1): page 2 of a real provincial
// decision is a near-blank back page with only a seal. No turn makes text
// of it, so it keeps the orientation the scanner gave it (portrait, not
// turned 90°), and it is listed wherever the operator looks: the output of
// sohoa pdf, ocr --json, upload --wait, GET /v1/exceptions (as a review
// item, apart from failed pages) and sohoa status.
func TestUnsureOrientation(t *testing.T) {
	scan, err := filepath.Abs("../../../shared/corpus/vn-admin/266b230eeca98483fbf4a5f13132bd43ac16a998.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(scan); err != nil {
		t.Fatalf("real scans missing (run `bash .ci/test` from the project root): %v", err)
	}
	dir := t.TempDir()

	out := filepath.Join(dir, "quyet-dinh.pdf")
	_, stderr, code := runBin(t, nil, "pdf", "-o", out, "--engines", "2", scan)
	if code != 0 || !pdfReview.MatchString(stderr) || !strings.Contains(stderr, "không chắc hướng trang, đã giữ như khi quét") {
		t.Errorf("sohoa pdf: exit %d, the seal page is not listed:\n%s", code, stderr)
	}
	info := pdftest.Info(t, out, "-f", "1", "-l", "2")
	sizes := regexp.MustCompile(`Page +(\d) size: +([\d.]+) x ([\d.]+)`).FindAllStringSubmatch(info, -1)
	if len(sizes) != 2 {
		t.Fatalf("pdfinfo:\n%s", info)
	}
	for _, s := range sizes {
		w, _ := strconv.ParseFloat(s[2], 64)
		h, _ := strconv.ParseFloat(s[3], 64)
		if w >= h {
			t.Errorf("page %s is %s x %s pt: turned sideways, the scan is portrait", s[1], s[2], s[3])
		}
	}

	stdout, _, code := runBin(t, nil, "ocr", "--json", "--engines", "2", scan)
	if lines := strings.Split(strings.TrimSpace(stdout), "\n"); code != 0 || len(lines) != 2 ||
		!strings.Contains(lines[1], `"orientation":0,`) || !strings.Contains(lines[1], `"needs_review":true`) || !strings.Contains(lines[1], `"orientation_unsure":true`) {
		t.Errorf("ocr --json: exit %d:\n%s", code, stdout)
	}

	// Through a server: upload --wait, the exceptions, status.
	ts, tok, admin, code, stdout, stderr := uploadWaited(t, 2, dir, "Quyết định bổ nhiệm", scan)
	// Through the server the document job also reads the decision's
	// header: page 1 may be flagged too, for its archival metadata
	// (issue 14) or its stamp's lost letters, never for its orientation.
	if code != 0 || !serverReview.MatchString(stderr) {
		t.Fatalf("upload --wait: exit %d, stdout %q:\n%s", code, stdout, stderr)
	}
	batchID, _, _ := strings.Cut(stdout, "\n")

	var ex struct {
		Exceptions []any `json:"exceptions"`
		Review     []struct {
			BatchID           string `json:"batch_id"`
			Index             int    `json:"index"`
			NeedsReview       bool   `json:"needs_review"`
			OrientationUnsure bool   `json:"orientation_unsure"`
			ReasonVI          string `json:"reason_vi"`
		} `json:"review"`
	}
	if c := webtest.Call(t, "GET", ts.url+"/v1/exceptions", admin, nil, "", &ex); c != 200 || len(ex.Exceptions) != 0 || len(ex.Review) == 0 {
		t.Fatalf("exceptions: %d %+v", c, ex)
	}
	seal := false
	for _, r := range ex.Review {
		switch {
		case r.BatchID == batchID && r.Index == 2 && r.NeedsReview && r.OrientationUnsure && strings.Contains(r.ReasonVI, "không chắc hướng trang"):
			seal = true
		case r.BatchID == batchID && r.Index == 1 && !r.OrientationUnsure &&
			(strings.Contains(r.ReasonVI, "thông tin văn bản") || strings.Contains(r.ReasonVI, "chữ nhận dạng kém")):
		default:
			t.Errorf("review item: %+v", r)
		}
	}
	if !seal {
		t.Errorf("the seal page is not among the pages to review: %+v", ex.Review)
	}

	code, stdout, _ = runIn(false, "status", "--server", ts.url, "--token", tok, batchID)
	if code != 0 || !strings.Contains(stdout, "Trạng thái: xong") || !serverReview.MatchString(stdout) ||
		!strings.Contains(stdout, "không chắc hướng trang") {
		t.Errorf("status: exit %d:\n%s", code, stdout)
	}
}

// TestTextReviewReasons (issue 11, item 5): a page read poorly says why
// wherever the operator looks, not only with its confidence. A
// typewritten English letter read with the Vietnamese model has few
// Vietnamese syllables: sohoa pdf and ocr list it with what the engine
// saw, ocr --json gives the reason codes, and through a server the page keeps
// them, so GET /v1/exceptions (both languages), upload --wait and sohoa
// status (Vietnamese, and English) say them too.
func TestTextReviewReasons(t *testing.T) {
	ocrtest.ReadCorpus(t, "ocrmypdf/typewriter.png") // there, or the test says how to get it
	scan := filepath.Join(ocrtest.Corpus(t), "ocrmypdf", "typewriter.png")
	const whyVI, whyEN = "ít từ là âm tiết tiếng Việt", "few words are Vietnamese syllables"
	dir := t.TempDir()

	_, stderr, code := runBin(t, nil, "pdf", "-o", filepath.Join(dir, "thu.pdf"), "--engines", "1", scan)
	if code != 0 || !strings.Contains(stderr, "CẦN XEM LẠI 1 trang:\n  trang 1: chữ nhận dạng kém (độ tin cậy ") || !strings.Contains(stderr, whyVI) {
		t.Errorf("sohoa pdf: exit %d, the page is not listed with its reason:\n%s", code, stderr)
	}
	stdout, _, code := runBin(t, nil, "ocr", "--json", "--engines", "1", scan)
	if code != 0 || !strings.Contains(stdout, `"needs_review":true,"review_reasons":["`) || !strings.Contains(stdout, `"few_syllables"`) {
		t.Errorf("ocr --json: exit %d:\n%s", code, stdout)
	}
	_, stderr, code = runBin(t, []string{"SOHOA_LANG=en"}, "ocr", "--engines", "1", scan)
	if code != 0 || !strings.Contains(stderr, "1 page TO REVIEW:\n  page 1: text read poorly (confidence ") || !strings.Contains(stderr, whyEN) {
		t.Errorf("ocr (English): exit %d, the page is not listed with its reason:\n%s", code, stderr)
	}

	ts, tok, admin, code, stdout, stderr := uploadWaited(t, 1, dir, "Thư đánh máy", scan)
	if code != 0 || !strings.Contains(stderr, "CẦN XEM LẠI 1 trang:\n  trang 1 (") || !strings.Contains(stderr, whyVI) {
		t.Fatalf("upload --wait: exit %d, stdout %q:\n%s", code, stdout, stderr)
	}
	batchID, _, _ := strings.Cut(stdout, "\n")

	var ex struct {
		Review []struct {
			BatchID       string   `json:"batch_id"`
			Index         int      `json:"index"`
			ReviewReasons []string `json:"review_reasons"`
			Reason        string   `json:"reason"`
			ReasonVI      string   `json:"reason_vi"`
		} `json:"review"`
	}
	if c := webtest.Call(t, "GET", ts.url+"/v1/exceptions", admin, nil, "", &ex); c != 200 || len(ex.Review) != 1 {
		t.Fatalf("exceptions: %d %+v", c, ex)
	}
	if r := ex.Review[0]; r.BatchID != batchID || r.Index != 1 || !slices.Contains(r.ReviewReasons, ocr.ReasonFewSyllables) ||
		!strings.Contains(r.ReasonVI, whyVI) || !strings.Contains(r.Reason, whyEN) {
		t.Errorf("review item %+v, want page 1 of %s saying %q / %q", r, batchID, whyVI, whyEN)
	}

	for _, english := range []bool{false, true} {
		code, stdout, _ = runIn(english, "status", "--server", ts.url, "--token", tok, batchID)
		want := whyVI
		if english {
			want = whyEN
		}
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("status (English %v): exit %d, no %q:\n%s", english, code, want, stdout)
		}
	}
}

// uploadWaited starts a server with the given number of OCR workers and
// sends scan to it as one batch with upload --wait (Vietnamese), as a
// station; it returns the server, the station's and an admin's tokens,
// and upload's exit code, stdout and stderr.
func uploadWaited(t *testing.T, workers int, dir, title, scan string) (ts *testStack, station, admin string, code int, stdout, stderr string) {
	t.Helper()
	ts = startStack(t, stackConfig{workers: workers, unsigned: true})
	station = ts.token(t, dossier.RoleStation, "quay-1")
	admin = ts.token(t, dossier.RoleAdmin, "quản trị")
	code, stdout, stderr = runIn(false, "upload", "--server", ts.url, "--token", station, "--dossier", testDossier,
		"--title", title, "--state-dir", dir, "--wait", scan)
	return ts, station, admin, code, stdout, stderr
}
