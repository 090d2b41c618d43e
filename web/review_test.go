package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/web"
	"github.com/sohoa/sohoa/web/webtest"
)

// recordingReassembler remembers which batches it rebuilt; err, when set,
// is its answer (a signed document: storage.ErrConflict).
type recordingReassembler struct {
	mu      sync.Mutex
	batches []string
	err     error
}

func (r *recordingReassembler) Reassemble(ctx context.Context, batchID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.batches = append(r.batches, batchID)
	return nil
}

func (r *recordingReassembler) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.batches)
}

// reviewServer runs the API with the review log over one read batch of
// station quay-01 whose pages hold texts.
func reviewServer(t *testing.T, texts ...string) (*apiHarness, *recordingReassembler, *dossier.Batch) {
	t.Helper()
	ctx := context.Background()
	re := &recordingReassembler{}
	h := newAPIHarness(t, func(c *web.Config) {
		c.Reassembler = re
		// The harness's records are built before edit runs; the review
		// log shares their database.
		rr, err := storage.OpenReviewRecords(ctx, c.Records.(*storage.SQLRecords).DB())
		if err != nil {
			t.Fatal(err)
		}
		c.Review = rr
	})
	in := &dossier.Batch{BatchInfo: dossier.BatchInfo{DossierCode: "000.00.31.H33-261127-0001",
		AgencyCode: "000.00.31.H33", Title: "Đơn đề nghị", Station: "quay-01", Operator: "Nguyễn Văn A"}}
	for i := range texts {
		in.Pages = append(in.Pages, dossier.Page{Index: i + 1, SourceName: fmt.Sprintf("p%d.jpg", i+1), SourceSHA: strings.Repeat(fmt.Sprint(i+1), 64)})
	}
	b, _, err := h.Records.CreateBatch(ctx, in, true)
	if err != nil {
		t.Fatal(err)
	}
	h.storeScans(t, b, texts)
	if b, err = h.Records.Batch(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	return h, re, b
}

type reviewDoc struct {
	Seq      int  `json:"seq"`
	Editable bool `json:"editable"`
	Pages    []struct {
		Page   int  `json:"page"`
		Rotate int  `json:"rotate"`
		Blank  bool `json:"blank"`
		Edits  int  `json:"edits"`
	} `json:"pages"`
	Deleted []struct {
		Page int `json:"page"`
	} `json:"deleted"`
	Changes []dossier.ReviewChange `json:"changes"`
}

type reviewPageDoc = webtest.ReviewPage

// call sends a request with the bearer token (none when tok is "") and
// decodes a JSON answer into out when given.
func call(t *testing.T, method, url, tok string, body any, out any) (int, string) {
	t.Helper()
	var rd io.Reader
	if s, ok := body.(string); ok {
		rd = strings.NewReader(s)
	} else if body != nil {
		js, _ := json.Marshal(body)
		rd = bytes.NewReader(js)
	}
	req, _ := http.NewRequest(method, url, rd)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, url, err, raw)
		}
	}
	return resp.StatusCode, string(raw)
}

func TestReviewAPI(t *testing.T) {
	h, re, b := reviewServer(t, "Họ và tên: Nguyẻn Văn A", "Nơi cư trú: Hà Nội", "trang thừa")
	tok := h.token(t, dossier.RoleStation, "quay-01")
	base := h.URL + "/v1/review/" + b.ID

	var doc reviewDoc
	if code, body := call(t, "GET", base, tok, nil, &doc); code != 200 || !doc.Editable || doc.Seq != 0 || len(doc.Pages) != 3 {
		t.Fatalf("GET review: %d %s", code, body)
	}
	var pg reviewPageDoc
	if code, body := call(t, "GET", base+"/pages/1", tok, nil, &pg); code != 200 || pg.Lines[0].Words[3].Text != "Nguyẻn" {
		t.Fatalf("GET page 1: %d %s", code, body)
	} else if pg.Lines[0].Words[3].Doubt == "" {
		t.Errorf("a word read with confidence 0 is not doubted: %s", body)
	}

	other := h.token(t, dossier.RoleStation, "quay-02")
	if code, _ := call(t, "GET", base, other, nil, nil); code != http.StatusForbidden {
		t.Errorf("another station's review: %d, want 403", code)
	}
	if code, _ := call(t, "POST", base+"/changes", other, map[string]any{"after": 0, "kind": "delete", "page": 3}, nil); code != http.StatusForbidden {
		t.Errorf("another station's change: %d, want 403", code)
	}

	fix := map[string]any{"after": 0, "kind": "word", "page": 1, "line": 0, "word": 3, "old_text": "Nguyẻn", "text": "Nguyễn"}
	if code, body := call(t, "POST", base+"/changes", tok, fix, &doc); code != 200 || doc.Seq != 1 || doc.Pages[0].Edits != 1 {
		t.Fatalf("word correction: %d %s", code, body)
	}
	if re.count() != 1 || re.batches[0] != b.ID {
		t.Errorf("rebuilt %v after one change, want [%s]", re.batches, b.ID)
	}
	pg = reviewPageDoc{}
	call(t, "GET", base+"/pages/1", tok, nil, &pg)
	if w := pg.Lines[0].Words[3]; w.Text != "Nguyễn" || w.Doubt != "" {
		t.Errorf("corrected word reads %+v", w)
	}
	c := doc.Changes[0]
	if c.Reviewer != "quay-01" || c.OldText != "Nguyẻn" || c.Text != "Nguyễn" || c.CreatedAt.IsZero() {
		t.Errorf("audit of the correction: %+v", c)
	}

	// Refusals leave the log and the document alone.
	for _, tc := range []struct {
		name string
		tok  string
		body any
		want int
	}{
		{"stale view", tok, map[string]any{"after": 0, "kind": "delete", "page": 3}, http.StatusConflict},
		{"stale text", tok, map[string]any{"after": 1, "kind": "word", "page": 1, "line": 0, "word": 3, "old_text": "Nguyẻn", "text": "Nguyen"}, http.StatusUnprocessableEntity},
		{"no such word", tok, map[string]any{"after": 1, "kind": "word", "page": 1, "line": 0, "word": 40, "text": "x"}, http.StatusUnprocessableEntity},
		{"odd turn", tok, map[string]any{"after": 1, "kind": "rotate", "page": 2, "degrees": 45}, http.StatusUnprocessableEntity},
		{"re-scan without a file", tok, map[string]any{"after": 1, "kind": "replace", "page": 2}, http.StatusUnprocessableEntity},
		{"unknown field", tok, map[string]any{"after": 1, "kind": "delete", "page": 3, "image_key": "x"}, http.StatusBadRequest},
		{"too large", tok, `{"after": 1, "kind": "line", "page": 1, "text": "` + strings.Repeat("a", 20000) + `"}`, http.StatusRequestEntityTooLarge},
		{"no bearer", "", map[string]any{"after": 1, "kind": "delete", "page": 3}, http.StatusUnauthorized},
	} {
		if code, body := call(t, "POST", base+"/changes", tc.tok, tc.body, nil); code != tc.want || !strings.Contains(body, "error_vi") {
			t.Errorf("%s: %d %s, want %d with a bilingual error", tc.name, code, body, tc.want)
		}
	}
	if call(t, "GET", base, tok, nil, &doc); doc.Seq != 1 || re.count() != 1 {
		t.Fatalf("refused changes were stored (seq %d) or rebuilt (%d)", doc.Seq, re.count())
	}

	for i, ch := range []map[string]any{
		{"kind": "rotate", "page": 2, "degrees": 90},
		{"kind": "move", "page": 2, "position": 1},
		{"kind": "delete", "page": 3},
		{"kind": "blank", "page": 1, "blank": true},
	} {
		ch["after"] = 1 + i
		if code, body := call(t, "POST", base+"/changes", tok, ch, &doc); code != 200 {
			t.Fatalf("%v: %d %s", ch, code, body)
		}
	}
	if len(doc.Pages) != 2 || doc.Pages[0].Page != 2 || doc.Pages[0].Rotate != 90 || !doc.Pages[1].Blank ||
		len(doc.Deleted) != 1 || doc.Deleted[0].Page != 3 || doc.Seq != 5 || re.count() != 5 {
		t.Errorf("after turn, move, delete, blank: %+v (rebuilt %d times)", doc, re.count())
	}
	if code, body := call(t, "POST", base+"/changes", tok, map[string]any{"after": 5, "kind": "word", "page": 1, "line": 0, "word": 0, "text": "x"}, nil); code != http.StatusUnprocessableEntity {
		t.Errorf("correcting a page marked blank: %d %s", code, body)
	}

	// The image of a page, for the page view.
	resp, err := http.Get(base + "/pages/2/image?w=300")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("image without a token: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", base+"/pages/2/image?w=300", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(resp.Body)
	resp.Body.Close()
	if err != nil || img.Bounds().Dx() != 300 {
		t.Errorf("page image: %v %v", err, img)
	}

	// Once the document no longer awaits signature, nothing changes it.
	re.err = fmt.Errorf("signed: %w", storage.ErrConflict)
	if code, body := call(t, "POST", base+"/changes", tok, map[string]any{"after": 5, "kind": "rotate", "page": 2, "degrees": 90}, nil); code != http.StatusConflict {
		t.Errorf("change to a signed document: %d %s", code, body)
	}
}
