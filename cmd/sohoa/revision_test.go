package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/web"
	"github.com/sohoa/sohoa/web/webtest"
)

// reviewDoc is what GET /v1/review/{batch} and a change answer.
type reviewDoc struct {
	BatchID    string `json:"batch_id"`
	Status     string `json:"status"`
	ResultCode string `json:"result_code"`
	RevisionOf string `json:"revision_of"`
	RevisedBy  string `json:"revised_by"`
	Editable   bool   `json:"editable"`
	Revisable  bool   `json:"revisable"`
	Seq        int    `json:"seq"`
	Pages      []struct {
		Page int `json:"page"`
	} `json:"pages"`
}

// firstWord returns the line and word index and the text of the first
// word of at least three letters on a page of the review.
func firstWord(t *testing.T, ts *testStack, token, batchID string, page int) (line, word int, text string) {
	t.Helper()
	var v struct {
		Lines []struct {
			Words []struct {
				Text string `json:"text"`
			} `json:"words"`
		} `json:"lines"`
	}
	if s := webtest.Call(t, "GET", fmt.Sprintf("%s/v1/review/%s/pages/%d", ts.url, batchID, page), token, nil, "", &v); s != 200 {
		t.Fatalf("review page: %d", s)
	}
	for i, ln := range v.Lines {
		for j, w := range ln.Words {
			if len([]rune(w.Text)) >= 3 {
				return i, j, w.Text
			}
		}
	}
	t.Fatalf("OCR read no word on page %d: %+v", page, v)
	return 0, 0, ""
}

// fetchPDF returns a linked result's file.
func fetchPDF(t *testing.T, ts *testStack, token, code string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", ts.url+"/v1/results/"+code+"/pdf", nil)
	resp, body := webtest.Do(t, req, token)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", code, resp.StatusCode, body)
	}
	return body
}

// TestSignedDocumentRevised (issue 13: a signed file is never altered):
// on the real services, a document signed at the desk as KQ1 is
// corrected; the change opens one revision however many officials send
// it at once, which waits for the official's signature as KQ2, is signed
// and linked superseding KQ1, with its event; KQ1 stays byte for byte as
// signed and still verifies; the search finds the corrected word in KQ2.
func TestSignedDocumentRevised(t *testing.T) {
	d := newDeskPKI(t)
	now := time.Now()
	const official = "Nguyễn Thị Thủy Tiên"
	d.token(t, "tien", official, now.Add(-time.Hour), now.Add(365*24*time.Hour))
	ts := deskStack(t, d)
	ctx := context.Background()
	admin := ts.token(t, dossier.RoleAdmin, "admin")
	desk := ts.token(t, dossier.RoleStation, "quay-ky")
	scan, err := filepath.Abs("../../testdata/sample-batch/01.jpg")
	if err != nil {
		t.Fatal(err)
	}
	r1 := awaitSigning(t, ts, desk, "quay-ky", official, scan)
	if _, stderr, err := sohoaSign(t, ts, desk, "tien", "1234", r1.ID); err != nil {
		t.Fatalf("sohoa sign KQ1: %v\n%s", err, stderr)
	}
	kq1 := fetchPDF(t, ts, admin, r1.ResultCode)
	kq1Sum := sha256.Sum256(kq1)

	var signed reviewDoc
	if s := webtest.Call(t, "GET", ts.url+"/v1/review/"+r1.BatchID, desk, nil, "", &signed); s != 200 || signed.Editable || !signed.Revisable ||
		signed.ResultCode != r1.ResultCode {
		t.Fatalf("review of the signed document: %d %+v", s, signed)
	}
	line, word, old := firstWord(t, ts, desk, r1.BatchID, 1)
	const corrected = "Xuânphương"

	// Four officials (or retries) send the correction at once: one
	// revision, one change; the others are told the document moved on.
	change := fmt.Sprintf(`{"after":%d,"kind":"word","page":1,"line":%d,"word":%d,"old_text":%q,"text":%q}`, signed.Seq, line, word, old, corrected)
	codes := make([]int, 4)
	docs := make([]reviewDoc, len(codes))
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			codes[i] = webtest.Call(t, "POST", ts.url+"/v1/review/"+r1.BatchID+"/changes", desk, strings.NewReader(change), "application/json", &docs[i])
		})
	}
	wg.Wait()
	var rev reviewDoc
	ok := 0
	for i, c := range codes {
		switch c {
		case 200:
			ok++
			rev = docs[i]
		case 409:
		default:
			t.Fatalf("concurrent changes to a signed document: %v", codes)
		}
	}
	if ok != 1 || rev.BatchID == r1.BatchID || rev.RevisionOf != r1.BatchID || rev.Seq != signed.Seq+1 || !rev.Editable {
		t.Fatalf("concurrent changes: %v, the change's answer %+v", codes, rev)
	}
	var again reviewDoc
	if s := webtest.Call(t, "GET", ts.url+"/v1/review/"+r1.BatchID, desk, nil, "", &again); s != 200 || again.RevisedBy != rev.BatchID {
		t.Fatalf("the signed document's review after the change: %d %+v", s, again)
	}

	// The revision waits for the official as the next result, is signed and linked.
	r2 := waitRequest(t, ts, desk, rev.BatchID)
	wantCode := strings.TrimSuffix(r1.ResultCode, "KQ1") + "KQ2"
	if r2.ResultCode != wantCode || r2.Official != official || r2.Mode != dossier.SignDesk {
		t.Fatalf("the revision's signing request: %+v, want %s", r2, wantCode)
	}
	if _, stderr, err := sohoaSign(t, ts, desk, "tien", "1234", r2.ID); err != nil {
		t.Fatalf("sohoa sign KQ2: %v\n%s", err, stderr)
	}
	nss := d.NSSDB(t, t.TempDir())
	checkSigned(t, ts, d, admin, r2.ResultCode, 1, nss)
	checkSigned(t, ts, d, admin, r1.ResultCode, 1, nss)
	if now := sha256.Sum256(fetchPDF(t, ts, admin, r1.ResultCode)); now != kq1Sum {
		t.Errorf("KQ1 changed after its revision was signed: %x, was %x", now, kq1Sum)
	}

	var res1, res2 dossier.Result
	webtest.Call(t, "GET", ts.url+"/v1/results/"+r1.ResultCode, admin, nil, "", &res1)
	webtest.Call(t, "GET", ts.url+"/v1/results/"+r2.ResultCode, admin, nil, "", &res2)
	if res1.SupersededBy != r2.ResultCode || res1.SHA256 != hex.EncodeToString(kq1Sum[:]) || res2.Supersedes != r1.ResultCode {
		t.Errorf("results: KQ1 %+v, KQ2 %+v", res1, res2)
	}
	var dos dossier.Dossier
	if s := webtest.Call(t, "GET", ts.url+"/v1/dossiers/"+testDossier, admin, nil, "", &dos); s != 200 || len(dos.Results) != 2 ||
		dos.Results[0].SupersededBy != r2.ResultCode || dos.Results[1].Supersedes != r1.ResultCode {
		t.Errorf("dossier view: %d %+v", s, dos.Results)
	}
	var payloads []string
	rows, err := ts.records.DB().QueryContext(ctx, `SELECT payload FROM events WHERE kind = 'result.ready' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p string
		rows.Scan(&p)
		payloads = append(payloads, p)
	}
	rows.Close()
	if len(payloads) != 2 || !strings.Contains(payloads[1], `"result_code":"`+r2.ResultCode+`"`) || !strings.Contains(payloads[1], `"supersedes":"`+r1.ResultCode+`"`) {
		t.Errorf("result.ready events: %v", payloads)
	}

	// The signed revision is revised in turn; a change on a stale view is refused.
	if s := webtest.Call(t, "POST", ts.url+"/v1/review/"+r1.BatchID+"/changes", desk, strings.NewReader(change), "application/json", nil); s != 409 {
		t.Errorf("a change on the stale view of KQ1: %d, want 409", s)
	}

	// The index holds KQ2 with the corrected word (indexed after signing).
	arch := ts.token(t, dossier.RoleArchivist, "lưu trữ")
	deadline := time.Now().Add(time.Minute)
	for {
		var sr web.SearchResponse
		webtest.Call(t, "GET", ts.url+"/v1/search?q="+url.QueryEscape(corrected), arch, nil, "", &sr)
		if sr.Total == 1 && sr.Hits[0].ResultCode == r2.ResultCode {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("search %q: %+v, want KQ2 page 1", corrected, sr)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
