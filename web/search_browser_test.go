package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/pdf/pdftest"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/index"
	"github.com/sohoa/sohoa/web/webtest"
)

// samplePDF is a small valid PDF with one line of text per page.
func samplePDF(pages int) []byte {
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>", "", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
	var kids []string
	for i := range pages {
		kids = append(kids, fmt.Sprintf("%d 0 R", 4+2*i))
		content := fmt.Sprintf("BT /F1 24 Tf 72 750 Td (Trang %d) Tj ET", i+1)
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i),
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), pages)
	return pdftest.ClassicPDF(objs...)
}

// searchServer runs the real API server over SQLite records, local blobs
// and an index holding one linked two-page result; it returns the server
// and an archivist token.
func searchServer(t *testing.T) (*apiHarness, string, string) {
	t.Helper()
	ctx := context.Background()
	h := newAPIHarness(t, nil)
	recs, blobs, idx := h.Records, h.Blobs, h.Index
	first := searchPages[0]
	b, _, err := recs.CreateBatch(ctx, &dossier.Batch{BatchInfo: dossier.BatchInfo{DossierCode: first.DossierCode,
		AgencyCode: first.AgencyCode, Title: first.Title, DocumentType: first.DocumentType, Station: "Một cửa Quận 1",
		Operator: "Trần Văn Quét"}, Pages: []dossier.Page{
		{Index: 1, SourceName: "p1.jpg", SourceSHA: strings.Repeat("1", 64)},
		{Index: 2, SourceName: "p2.jpg", SourceSHA: strings.Repeat("2", 64)}}}, true)
	if err != nil {
		t.Fatal(err)
	}
	texts := make([]string, len(b.Pages))
	for i := range texts {
		texts[i] = searchPages[i].Text
	}
	h.storeScans(t, b, texts)
	code, err := recs.ReserveResultCode(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	pdf := samplePDF(2)
	sum := sha256.Sum256(pdf)
	key := storage.ResultKey(first.DossierCode, code, hex.EncodeToString(sum[:]))
	if _, err := blobs.Put(ctx, key, bytes.NewReader(pdf), int64(len(pdf)), "application/pdf", hex.EncodeToString(sum[:])); err != nil {
		t.Fatal(err)
	}
	if _, err := recs.AddResult(ctx, dossier.Result{Code: code, DossierCode: first.DossierCode, BatchID: b.ID, Title: first.Title,
		Key: key, Size: int64(len(pdf)), SHA256: hex.EncodeToString(sum[:]), Signer: "Lê Thị Ký", Pages: 2,
		CreatedAt: first.Date}); err != nil {
		t.Fatal(err)
	}
	pages := append([]index.PageText(nil), searchPages...)
	for i := range pages {
		pages[i].ResultCode = code
	}
	if err := idx.Add(ctx, pages); err != nil {
		t.Fatal(err)
	}
	return h, h.token(t, dossier.RoleArchivist, "lưu trữ"), code
}

// storeScans finishes the pages of b as the page worker does: each page's
// corrected scan and OCR record stored (a white page, one dark block per
// word of texts[i]) and the page done.
func (h *apiHarness) storeScans(t *testing.T, b *dossier.Batch, texts []string) {
	t.Helper()
	ctx := context.Background()
	for i, pg := range b.Pages {
		rec, img := scanPage(texts[i])
		var jb bytes.Buffer
		if err := jpeg.Encode(&jb, img, nil); err != nil {
			t.Fatal(err)
		}
		imgKey, recKey := fmt.Sprintf("test/%s/%d.jpg", b.ID, i+1), fmt.Sprintf("test/%s/%d.json", b.ID, i+1)
		js, _ := json.Marshal(rec)
		for k, body := range map[string][]byte{imgKey: jb.Bytes(), recKey: js} {
			if _, err := h.Blobs.Put(ctx, k, bytes.NewReader(body), int64(len(body)), "application/octet-stream", ""); err != nil {
				t.Fatal(err)
			}
		}
		pg.Status, pg.ImageKey, pg.ResultKey = dossier.PageDone, imgKey, recKey
		if _, err := h.Records.FinishPage(ctx, pg); err != nil {
			t.Fatal(err)
		}
	}
}

// scanPage draws text as a page scan would hold it: 1000 x 1400 white,
// words as dark blocks on lines, and the OCR record with their boxes.
func scanPage(text string) (map[string]any, *image.Gray) {
	img := image.NewGray(image.Rect(0, 0, 1000, 1400))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	var lines []map[string]any
	x, y := 60, 80
	var words []map[string]any
	for _, w := range strings.Fields(text) {
		wd := 14 * len([]rune(w))
		if x+wd > 940 {
			lines = append(lines, map[string]any{"words": words})
			words, x, y = nil, 60, y+60
		}
		for yy := y; yy < y+30; yy++ {
			for xx := x; xx < x+wd; xx++ {
				img.Pix[yy*img.Stride+xx] = 0x30
			}
		}
		words = append(words, map[string]any{"text": w, "box": map[string]int{"x0": x, "y0": y, "x1": x + wd, "y1": y + 30}})
		x += wd + 16
	}
	lines = append(lines, map[string]any{"words": words})
	return map[string]any{"width": 1000, "height": 1400, "lines": lines,
		"image": map[string]any{"encoding": "jpeg", "mode": "gray", "width": 1000, "height": 1400, "bits_per_component": 8}}, img
}

// browser starts Debian's headless Chromium for one minute of the test.
func browser(t *testing.T) context.Context { return webtest.Browser(t, 60*time.Second) }

func checkVisible(t *testing.T, ctx context.Context, sels ...string) {
	t.Helper()
	webtest.CheckVisible(t, ctx, sels...)
}

// evalIn evaluates js in the browser page, failing the test on an error.
func evalIn[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	return webtest.Eval[T](t, ctx, js)
}

// switchLang presses the page's language button: Vietnamese to English and
// back.
func switchLang(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("lang"))); err != nil {
		t.Fatal(err)
	}
}

// onPhone turns the viewport to a phone's (390×844) and, once the page had
// settle to redraw, checks that nothing of it overflows sideways.
func onPhone(t *testing.T, ctx context.Context, page string, settle time.Duration) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(settle)
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if overflow {
		t.Errorf("%s is wider than a phone screen", page)
	}
}

// textOf returns the text of the element sel selects in the browser
// page, failing the test when there is none.
func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return v
}

// screenshot saves a PNG of the viewport and checks it: non-empty, the
// expected size, and showing the <mark> yellow of a highlighted match.
func screenshot(t *testing.T, ctx context.Context, name string, w, h int) {
	t.Helper()
	img := saveScreenshot(t, ctx, name, w, h)
	if n := countColor(img, 0xff, 0xe0, 0x66); n < 200 {
		t.Errorf("%s shows %d pixels of the highlight colour, want a visible <mark>", name, n)
	}
}

func saveScreenshot(t *testing.T, ctx context.Context, name string, w, h int) image.Image {
	t.Helper()
	return webtest.SaveScreenshot(t, ctx, name, w, h)
}

func countColor(img image.Image, r, g, b uint8) int {
	n := 0
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if near(cr>>8, r) && near(cg>>8, g) && near(cb>>8, b) {
				n++
			}
		}
	}
	return n
}

func near(a uint32, b uint8) bool { d := int(a) - int(b); return d > -8 && d < 8 }

func TestSearchPageInChromium(t *testing.T) {
	ts, secret, code := searchServer(t)
	ctx := browser(t)
	text := func(sel string) string { t.Helper(); return textOf(t, ctx, sel) }

	// waitText waits until the element shows want (the page updates
	// after its fetch answers).
	waitText := func(sel, want string) {
		t.Helper()
		got := ""
		for ctx.Err() == nil {
			if got = text(sel); got == want {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("%s shows %q, want %q", sel, got, want)
	}

	// A first search meets 401: the page asks for a token, which turns
	// into a session cookie, and searches again.
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("q")),
		chromedp.SendKeys(chromedp.ID("q"), "NGUYEN THI THUY TIEN"),
		chromedp.Click(chromedp.ID("go")),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), secret),
		chromedp.Click(chromedp.CSS("#login button")),
		chromedp.WaitVisible(chromedp.CSS("li.hit mark")),
	)
	if err != nil {
		t.Fatal(err)
	}
	snippet, err := chromedp.Run(ctx, chromedp.InnerHTML(chromedp.CSS("li.hit .s")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(snippet, "<mark>Nguyễn Thị Thủy Tiên</mark>") || !strings.Contains(snippet, "&lt;quận 1&gt;") {
		t.Errorf("snippet: %s", snippet)
	}
	meta := text("li.hit .m")
	for _, want := range []string{"Hồ sơ 000.00.31.H33-220804-0001", "Kết quả " + code, "Trang 2", "2022-08-04"} {
		if !strings.Contains(meta, want) {
			t.Errorf("hit line %q lacks %q", meta, want)
		}
	}
	if st := text("#status"); st != "Tìm thấy 1 trang" {
		t.Errorf("status %q", st)
	}
	// The hit shows its page scan, loaded, the matched words boxed (see
	// TestPageImage for the boxes themselves).
	for range 50 {
		if w, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`(document.querySelector("li.hit img.thumb")||{}).naturalWidth||0`)); w == 160 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(document.querySelector("li.hit img.thumb")||{}).naturalWidth||0`)); err != nil || w != 160 {
		t.Errorf("thumbnail not loaded: natural width %d, %v", w, err)
	}
	checkVisible(t, ctx, "#q", "#go", "#lang", "li.hit", "li.hit mark", "li.hit .m", "li.hit img.thumb")
	screenshot(t, ctx, "search-desktop.png", 1280, 700)

	// English, then back.
	switchLang(t, ctx)
	if h1, st := text("h1"), text("#status"); h1 != "Digitized dossier search" || st != "1 page found" {
		t.Errorf("English: h1 %q, status %q", h1, st)
	}
	switchLang(t, ctx)

	// On a phone: nothing overflows sideways.
	onPhone(t, ctx, "the page", 0)
	checkVisible(t, ctx, "#q", "#go", "li.hit", "li.hit mark", "li.hit img.thumb")
	screenshot(t, ctx, "search-phone.png", 390, 800)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}

	// Filters alone (a dossier code), two hits shown one per page.
	err = chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/?dossier=000.00.31.H33-220804-0001&per_page=1"),
		chromedp.WaitVisible(chromedp.CSS("li.hit")),
		chromedp.WaitVisible(chromedp.ID("pager")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if pg, st, m := text("#pageno"), text("#status"), text("li.hit .m"); pg != "Trang 1 / 2" || st != "Tìm thấy 2 trang" || !strings.Contains(m, "Trang 1") {
		t.Errorf("dossier filter, page 1: pager %q, status %q, hit %q", pg, st, m)
	}
	if v, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("dossier"))); err != nil || v != "000.00.31.H33-220804-0001" {
		t.Errorf("dossier filter field: %q, %v", v, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("next"))); err != nil {
		t.Fatal(err)
	}
	waitText("#pageno", "Trang 2 / 2")
	if m := text("li.hit .m"); !strings.Contains(m, "Trang 2") {
		t.Errorf("page 2: hit %q", m)
	}
	// A filter that excludes the page: the document type.
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/?q=thuy+tien&type=quyet-dinh")); err != nil {
		t.Fatal(err)
	}
	waitText("#status", "Không tìm thấy trang nào.")
	// Typed with a mark the page does not hold (the page says Lợi): still
	// found, labelled approximate, in Vietnamese and in English.
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/?q="+url.QueryEscape("Lê Lới")),
		chromedp.WaitVisible(chromedp.CSS("li.hit .approx"))); err != nil {
		t.Fatal(err)
	}
	if a := text("li.hit .approx"); a != "gần đúng" {
		t.Errorf("approximate hit labelled %q, want gần đúng", a)
	}
	switchLang(t, ctx)
	waitText("li.hit .approx", "approximate")
	switchLang(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/?q=thuy+tien"), chromedp.WaitVisible(chromedp.CSS("li.hit mark"))); err != nil {
		t.Fatal(err)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("li.hit .approx").length`)); err != nil || n != 0 {
		t.Errorf("exact hit labelled approximate (%d labels, %v)", n, err)
	}

	// A click opens the signed PDF at the matching page.
	responses := chromedp.Events(ctx, network.ResponseReceived)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("li.hit a:not(.scan)"))); err != nil {
		t.Fatal(err)
	}
	wantURL := ts.URL + "/v1/results/" + code + "/pdf"
	for ev, err := range responses {
		if err != nil {
			t.Fatalf("no PDF response after the click: %v", err)
		}
		if r := ev.Response; strings.HasPrefix(r.URL, wantURL) {
			if r.Status != 200 || r.MimeType != "application/pdf" {
				t.Errorf("PDF response: %s %d %s, want 200 application/pdf", r.URL, r.Status, r.MimeType)
			}
			break
		}
	}
	var loc string
	for range 50 {
		if loc, err = chromedp.Run(ctx, chromedp.Location()); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(loc, wantURL) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if loc != wantURL+"#page=2" {
		t.Errorf("location after the click: %s, want %s#page=2", loc, wantURL)
	}
}

// TestPageImage asks for a hit's page scan: scaled to the width asked,
// the words matching the query boxed in the highlight yellow, the others
// not; bad widths and pages are refused.
func TestPageImage(t *testing.T) {
	ts, secret, code := searchServer(t)
	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		return webtest.Do(t, req, secret)
	}
	resp, body := get("/v1/results/" + code + "/pages/2/image?w=500&q=" + url.QueryEscape("thuy tien"))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("status %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	img, err := jpeg.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 500 || b.Dy() != 700 {
		t.Fatalf("image %v, want 500x700", b)
	}
	// Page 2 reads "Cấp cho bà Nguyễn Thị Thủy Tiên, ...": the boxes of
	// "Thủy" and "Tiên," hold yellow, "Cấp" (the first word) does not.
	rec, _ := scanPage(searchPages[1].Text)
	words := rec["lines"].([]map[string]any)[0]["words"].([]map[string]any)
	yellow := func(i int) int {
		b := words[i]["box"].(map[string]int)
		n := 0
		for y := b["y0"] / 2; y < b["y1"]/2; y++ {
			for x := b["x0"] / 2; x < b["x1"]/2; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				if r>>8 > 0x90 && g>>8 > 0x70 && bl>>8 < 0x60 {
					n++
				}
			}
		}
		return n
	}
	for i, w := range words[:8] {
		hit := strings.HasPrefix(w["text"].(string), "Thủy") || strings.HasPrefix(w["text"].(string), "Tiên")
		if n := yellow(i); hit != (n > 20) {
			t.Errorf("word %q: %d yellow pixels, boxed = %v", w["text"], n, hit)
		}
	}
	for _, bad := range []struct {
		path string
		code int
	}{
		{"/v1/results/" + code + "/pages/2/image?w=99999", 400},
		{"/v1/results/" + code + "/pages/2/image?w=x", 400},
		{"/v1/results/" + code + "/pages/3/image", 404},
		{"/v1/results/" + code + "/pages/0/image", 404},
		{"/v1/results/nope/pages/1/image", 404},
		{"/v1/results/" + code + "/pages/1/image?q=" + strings.Repeat("a", 2000), 400},
	} {
		if resp, body := get(bad.path); resp.StatusCode != bad.code {
			t.Errorf("%s: %d %s, want %d", bad.path, resp.StatusCode, body, bad.code)
		}
	}
}
