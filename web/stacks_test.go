package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ingest/stack"
	"github.com/sohoa/sohoa/ingest/stack/stacktest"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
	"github.com/sohoa/sohoa/web"
	"github.com/sohoa/sohoa/web/webtest"
	"github.com/sohoa/sohoa/workers"
)

type stackServer struct {
	url, token, admin string
	records           *storage.SQLRecords
	stacks            *storage.StackRecords
}

func newStackServer(t *testing.T, d storage.Dialect) *stackServer {
	t.Helper()
	db := storagetest.OpenDB(t, d)
	rec := storagetest.Records(t, db)
	sr := storagetest.Open(t, db, storage.OpenStackRecords)
	blobs := storagetest.LocalBlobs(t)
	in := &ingest.Intake{Records: rec, Blobs: blobs}
	// Stacks are split by a job on the embedded queue, in the test's
	// database, as `sohoa serve` does.
	sp := &stack.Splitter{Intake: in, Records: sr, SpoolDir: t.TempDir()}
	q, err := workers.NewSQLQueue(context.Background(), db, workers.SQLQueueConfig{Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	jobs := workers.NewClient(q, nil, nil)
	workers.AddWorker(jobs, &workers.StackWorker{Stacks: sp}, workers.StackPolicy())
	sp.Queue = stackJobs{jobs}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- jobs.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-ran
		q.Close()
	})
	srv, err := web.New(web.Config{Records: rec, Blobs: blobs, Intake: in, SpoolDir: t.TempDir(), Rate: -1, Stacks: sp})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	tok := storagetest.Token(t, rec, dossier.RoleStation, "quay-1")
	adm := storagetest.Token(t, rec, dossier.RoleAdmin, "lead")
	return &stackServer{url: hs.URL, token: tok, admin: adm, records: rec, stacks: sr}
}

// stackJobs queues stack jobs on a bare job client (stack.Queue).
type stackJobs struct{ c *workers.Client }

func (q stackJobs) EnqueueStack(ctx context.Context, id string) error {
	return q.c.Enqueue(ctx, workers.StackJob{StackID: id})
}

// stackView is the answer of POST /v1/stacks and GET /v1/stacks/{id}.
type stackView struct {
	stack.View
	StatusURL string `json:"status_url"`
	Created   bool   `json:"created"`
}

// split waits for the job of the stack accepted as acc and returns the
// stack split.
func (s *stackServer) split(t *testing.T, token string, acc stackView) stackView {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	v := acc
	for !v.Done() {
		if time.Now().After(deadline) {
			t.Fatalf("stack %s still %s after 5 minutes", acc.ID, v.Status)
		}
		time.Sleep(100 * time.Millisecond)
		v = stackView{}
		if c := s.do(t, http.MethodGet, acc.StatusURL, token, nil, "", &v); c != http.StatusOK {
			t.Fatalf("GET %s: %d", acc.StatusURL, c)
		}
	}
	return v
}

func (s *stackServer) do(t *testing.T, method, path, token string, body io.Reader, ctype string, out any) int {
	t.Helper()
	return webtest.Call(t, method, s.url+path, token, body, ctype, out)
}

// qrPage is an ordinary page carrying a QR code with any text.
func qrPage(t *testing.T, text string) image.Image {
	img := stacktest.Text(9)
	m, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	for y := range m.GetHeight() {
		for x := range m.GetWidth() {
			c := uint8(255)
			if m.Get(x, y) {
				c = 0
			}
			for dy := range 12 {
				for dx := range 12 {
					img.Pix[(200+y*12+dy)*img.Stride+1600+x*12+dx] = c
				}
			}
		}
	}
	return stacktest.Scan{DPI: 200}.Page(img)
}

func TestStackSplit(t *testing.T) {
	const (
		codeA = "000.00.31.H33-261127-0001"
		codeB = "H33.031.00-261127-AB0002"
		codeD = "000.00.31.H33-261128-0009"
	)
	sc := stacktest.Scan{DPI: 200, Bitonal: true}
	turned := stacktest.Scan{DPI: 200, Bitonal: true, Angle: 180}
	must := func(img image.Image, err error) image.Image {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	pages := []image.Image{
		stacktest.Page(sc, 1),                    // 1: no separator before it: an exception
		must(stacktest.Separator(codeA, turned)), // 2: dropped
		stacktest.Page(sc, 3),
		stacktest.Page(turned, 4),
		must(stacktest.Receipt(codeB, stacktest.Scan{DPI: 300, Angle: -12}, 5)), // 5: starts B, kept
		stacktest.Page(sc, 6),
		qrPage(t, "SOHOA-SEP:1:000.00.31.H33-261327-0001"), // 7: a separator for no real date: exception
		stacktest.Page(sc, 8),
	}
	names := make([]string, len(pages))
	var ps [][3]string
	for i, p := range pages {
		names[i] = fmt.Sprintf("scan-%03d.png", i+1)
		ps = append(ps, [3]string{"page", names[i], string(stacktest.PNG(p))})
	}
	manifest, _ := json.Marshal(map[string]any{"operator": "Nguyễn Văn A", "pages": names,
		"defaults": map[string]string{"title": "Hồ sơ quét theo xấp", "document_type": "ho-so"}})
	body := func() (io.Reader, string) {
		return parts(append([][3]string{{"manifest", "", string(manifest)}}, ps...)...)
	}

	for _, d := range []storage.Dialect{storage.SQLite, storage.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			s := newStackServer(t, d)
			var acc stackView
			b, ct := body()
			if code := s.do(t, http.MethodPost, "/v1/stacks", s.token, b, ct, &acc); code != http.StatusAccepted {
				t.Fatalf("POST /v1/stacks: %d", code)
			}
			if !acc.Created || acc.StatusURL != "/v1/stacks/"+acc.ID || acc.Pages != len(pages) {
				t.Fatalf("POST /v1/stacks answered %+v; want a new stack of %d pages and its status URL", acc, len(pages))
			}
			// Another station does not see it.
			other := storagetest.Token(t, s.records, dossier.RoleStation, "quay-2")
			if c := s.do(t, http.MethodGet, acc.StatusURL, other, nil, "", &map[string]any{}); c != http.StatusNotFound {
				t.Errorf("another station's GET %s: %d, want 404", acc.StatusURL, c)
			}
			out := s.split(t, s.token, acc)
			if out.Status != dossier.StackExcepted {
				t.Fatalf("stack %s: %s (%s), want exception", out.ID, out.Status, out.Error)
			}
			type got struct {
				code  string
				pages []int
			}
			var dossiers []got
			for _, d := range out.Dossiers {
				dossiers = append(dossiers, got{d.DossierCode, d.Pages})
			}
			want := []got{{codeA, []int{3, 4}}, {codeB, []int{5, 6}}}
			if fmt.Sprint(dossiers) != fmt.Sprint(want) || !slices.Equal(out.Dropped, []int{2}) {
				t.Fatalf("dossiers %v dropped %v; want %v dropped [2]", dossiers, out.Dropped, want)
			}
			if len(out.Exceptions) != 2 || out.Exceptions[0].Pages[0].Position != 1 || len(out.Exceptions[1].Pages) != 2 ||
				out.Exceptions[1].Pages[0].Position != 7 || !strings.Contains(out.Exceptions[1].Reason, "cannot be read") {
				t.Fatalf("exceptions %+v; want page 1 alone, then pages 7-8 for the unreadable separator", out.Exceptions)
			}
			// Each dossier is a batch of its own pages, in order, owned by the station.
			for i, d := range out.Dossiers {
				bt, err := s.records.Batch(context.Background(), d.BatchID)
				if err != nil {
					t.Fatal(err)
				}
				var src []string
				for _, p := range bt.Pages {
					src = append(src, p.SourceName)
				}
				wantSrc := []string{names[want[i].pages[0]-1], names[want[i].pages[1]-1]}
				if bt.DossierCode != want[i].code || !slices.Equal(src, wantSrc) || bt.Station != "quay-1" || bt.Title != "Hồ sơ quét theo xấp" {
					t.Errorf("batch %s: %s %v station %q title %q; want %s %v", bt.ID, bt.DossierCode, src, bt.Station, bt.Title, want[i].code, wantSrc)
				}
			}

			// The exceptions are where the operator looks.
			var ex struct {
				Stacks []struct {
					ID         string `json:"id"`
					ResolveURL string `json:"resolve_url"`
					Reason     string `json:"reason_vi"`
				} `json:"stacks"`
			}
			s.do(t, http.MethodGet, "/v1/exceptions", s.admin, nil, "", &ex)
			if len(ex.Stacks) != 2 || ex.Stacks[0].Reason == "" {
				t.Fatalf("GET /v1/exceptions stacks = %+v; want the 2 exceptions with a reason", ex.Stacks)
			}

			// Sent again: the same batches and exceptions, nothing new.
			var again stackView
			b, ct = body()
			s.do(t, http.MethodPost, "/v1/stacks", s.token, b, ct, &again)
			if again.Created || again.ID != out.ID || len(again.Dossiers) != 2 || again.Dossiers[0].BatchID != out.Dossiers[0].BatchID ||
				len(again.Exceptions) != 2 || again.Exceptions[0].ID != out.Exceptions[0].ID {
				t.Fatalf("replay: %+v; want the first answer's batches and exceptions", again)
			}

			// The operator gives the first exception its code.
			var res struct {
				BatchID     string `json:"batch_id"`
				DossierCode string `json:"dossier_code"`
				Pages       int    `json:"pages"`
			}
			resolve := func(id, code string, out any) int {
				return s.do(t, http.MethodPost, "/v1/stack-exceptions/"+id+"/resolve", s.token,
					strings.NewReader(`{"dossier_code": "`+code+`"}`), "application/json", out)
			}
			if c := resolve(ex.Stacks[0].ID, codeD, &res); c != http.StatusAccepted || res.DossierCode != codeD || res.Pages != 1 {
				t.Fatalf("resolve: %d %+v", c, res)
			}
			bt, err := s.records.Batch(context.Background(), res.BatchID)
			if err != nil || bt.Pages[0].SourceName != names[0] || bt.Station != "quay-1" {
				t.Fatalf("resolved batch %+v, %v", bt, err)
			}
			var res2 struct {
				BatchID string `json:"batch_id"`
			}
			if c := resolve(ex.Stacks[0].ID, codeD, &res2); c != http.StatusAccepted || res2.BatchID != res.BatchID {
				t.Errorf("resolving again: %d batch %s, want the same batch %s", c, res2.BatchID, res.BatchID)
			}
			if c := resolve(ex.Stacks[0].ID, codeA, &map[string]any{}); c != http.StatusConflict {
				t.Errorf("resolving again with another code: %d, want 409", c)
			}
			// One exception as the station sees it: resolved, with its batch;
			// another station does not see it.
			var one dossier.StackException
			if c := s.do(t, http.MethodGet, "/v1/stack-exceptions/"+ex.Stacks[0].ID, s.token, nil, "", &one); c != http.StatusOK ||
				one.Status != dossier.StackResolved || one.BatchID != res.BatchID || len(one.Pages) != 1 || one.Pages[0].Position != 1 {
				t.Errorf("GET /v1/stack-exceptions/%s: %d %+v; want it resolved into batch %s", ex.Stacks[0].ID, c, one, res.BatchID)
			}
			if c := s.do(t, http.MethodGet, "/v1/stack-exceptions/"+ex.Stacks[0].ID, other, nil, "", &map[string]any{}); c != http.StatusNotFound {
				t.Errorf("another station's GET of the exception: %d, want 404", c)
			}
			// Its page, as the station sent it, for the operator to read; a
			// page of the stack that is not the exception's, another
			// station, or no number: refused.
			req, _ := http.NewRequest(http.MethodGet, s.url+"/v1/stack-exceptions/"+ex.Stacks[0].ID+"/pages/1", nil)
			if resp, data := webtest.Do(t, req, s.token); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || string(data) != ps[0][2] {
				t.Errorf("GET the exception's page 1: %d %s, %d bytes; want the PNG sent (%d bytes)", resp.StatusCode, resp.Header.Get("Content-Type"), len(data), len(ps[0][2]))
			}
			for _, c := range []struct {
				page, who, token string
				want             int
			}{{"3", "quay-1", s.token, http.StatusNotFound}, {"1", "quay-2", other, http.StatusNotFound}, {"x", "quay-1", s.token, http.StatusBadRequest}} {
				if code := s.do(t, http.MethodGet, "/v1/stack-exceptions/"+ex.Stacks[0].ID+"/pages/"+c.page, c.token, nil, "", &map[string]any{}); code != c.want {
					t.Errorf("GET the exception's page %s as %s: %d, want %d", c.page, c.who, code, c.want)
				}
			}
			if c := resolve(ex.Stacks[1].ID, "000.00.31.H33-261327-0001", &map[string]any{}); c != http.StatusUnprocessableEntity {
				t.Errorf("resolving with a bad code: %d, want 422", c)
			}
			s.do(t, http.MethodGet, "/v1/exceptions", s.admin, nil, "", &ex)
			if len(ex.Stacks) != 1 {
				t.Errorf("after resolving one: %d stack exceptions open, want 1", len(ex.Stacks))
			}
		})
	}
}

func TestStackRefusals(t *testing.T) {
	s := newStackServer(t, storage.SQLite)
	page := string(stacktest.PNG(stacktest.Page(stacktest.Scan{DPI: 200}, 1)))
	for _, tc := range []struct {
		name     string
		manifest string
		files    [][3]string
		status   int
		want     string
	}{
		{"another station", `{"station": "quay-2", "pages": ["a.png"]}`, [][3]string{{"page", "a.png", page}}, http.StatusForbidden, "may not upload for station"},
		{"multi-page file", `{"pages": ["a.tif"]}`, [][3]string{{"page", "a.tif", string(tinyTIFF(2, 100, 100))}}, http.StatusUnprocessableEntity, "one image file per page"},
		{"unknown field", `{"pages": ["a.png"], "dossier_code": "x"}`, [][3]string{{"page", "a.png", page}}, http.StatusUnprocessableEntity, "unknown field"},
		{"control in title", `{"pages": ["a.png"], "defaults": {"title": "a\u202eb"}}`, [][3]string{{"page", "a.png", page}}, http.StatusUnprocessableEntity, "title"},
		{"file missing", `{"pages": ["a.png", "b.png"]}`, [][3]string{{"page", "a.png", page}}, http.StatusUnprocessableEntity, "b.png"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, ct := parts(append([][3]string{{"manifest", "", tc.manifest}}, tc.files...)...)
			var e map[string]string
			if c := s.do(t, http.MethodPost, "/v1/stacks", s.token, b, ct, &e); c != tc.status || !strings.Contains(e["error"], tc.want) || e["error_vi"] == "" {
				t.Errorf("%d %v; want %d with %q", c, e, tc.status, tc.want)
			}
		})
	}
}
