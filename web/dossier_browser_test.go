package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sohoa/sohoa/ocr/archival"
	"github.com/sohoa/sohoa/storage/catalog"
)

// TestDossierPageInChromium follows a search hit to its dossier: the
// dossier's agency, its result (code, title, state, signing time, PDF
// link) with its pages as thumbnails opening the scan at reading size, the
// matched words boxed, and the batch scanned for it; in Vietnamese and in
// English, on a desktop and a phone, and behind the same sign-in as the
// search.
func TestDossierPageInChromium(t *testing.T) {
	ts, secret, code := searchServer(t)
	ctx := browser(t)
	const dcode = "000.00.31.H33-220804-0001"
	// The document read from the result's header: its number handwritten
	// and unsure.
	res, err := ts.Records.ResultByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	field := func(v string, c float64) *archival.Field { return &archival.Field{Value: v, Confidence: c, Page: 1} }
	number := field("143/QĐ-UBND", 0.62)
	number.Handwritten = true
	if err := ts.Catalog.Set(context.Background(), catalog.Result{Code: code, DossierCode: dcode, BatchID: res.BatchID}, []archival.Document{{
		FirstPage: 1, LastPage: 2, NeedsReview: true, Metadata: archival.Metadata{DocType: field("QUYẾT ĐỊNH", 0.98), Number: number,
			Agency: field("ỦY BAN NHÂN DÂN QUẬN 1", 0.95), Date: field("2024-03-05", 0.97), Signer: field("Lê Văn Ký", 0.93),
			Summary: field("Về việc cấp giấy chứng nhận đăng ký hộ kinh doanh", 0.94)}}}); err != nil {
		t.Fatal(err)
	}
	text := func(sel string) string { t.Helper(); return textOf(t, ctx, sel) }
	eval := func(js string) string { t.Helper(); return evalIn[string](t, ctx, js) }
	hasAll := func(what, got string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s %q lacks %q", what, got, w)
			}
		}
	}

	// Signed out, the dossier view asks for the token as the search does.
	// (The browser starts first on ctx: a step's own timeout must not end it.)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	for _, step := range []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(ts.URL + "/dossiers/" + dcode + "?q=thuy+tien"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), secret),
		chromedp.Click(chromedp.CSS("#login button")),
		chromedp.WaitVisible(chromedp.CSS("#dresults li.res")),
	} {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := chromedp.Do(sctx, step)
		cancel()
		if err != nil {
			t.Fatalf("%v; the page shows: %s", err, eval(`document.body.innerText`))
		}
	}
	// Reached from a hit of the search page.
	err = chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/?q=thuy+tien"),
		chromedp.WaitVisible(chromedp.CSS("li.hit a.dlink")),
		chromedp.Click(chromedp.CSS("li.hit a.dlink")),
		chromedp.WaitVisible(chromedp.CSS("#dresults li.res .pages img")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if loc := eval(`location.pathname + location.search`); loc != "/dossiers/"+dcode+"?q=thuy%20tien" {
		t.Errorf("the hit's dossier link went to %s", loc)
	}
	if v := text("#dcode"); v != dcode {
		t.Errorf("dossier code %q", v)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("search").hidden && document.getElementById("results").hidden`)); !v {
		t.Error("the search form shows on the dossier view")
	}
	hasAll("dossier line", text("#dmeta"), "Cơ quan 000.00.31.H33", "Kết quả 1", "Lô 1")
	hasAll("result", text("#dresults li.res"), "Giấy chứng nhận đăng ký hộ kinh doanh", "Mã kết quả "+code,
		"Trạng thái đã ký số", "Người ký Lê Thị Ký", "Số trang 2")
	if !regexp.MustCompile(`Ký lúc \d{4}-\d\d-\d\d \d\d:\d\d`).MatchString(text("#dresults li.res .m")) {
		t.Errorf("no signing time in %q", text("#dresults li.res .m"))
	}
	if href := eval(`document.querySelector("#dresults li.res a.pdf").href`); href != ts.URL+"/v1/results/"+code+"/pdf" {
		t.Errorf("PDF link %s", href)
	}
	hasAll("batch", text("#dbatches li.batch"), "Giấy chứng nhận đăng ký hộ kinh doanh", "Loại giay-chung-nhan",
		"Trạm Một cửa Quận 1", "Người quét Trần Văn Quét", "Trạng thái ")
	// Both pages as loaded thumbnails, each opening its scan at reading
	// size with the searched words boxed.
	for range 50 {
		if eval(`[...document.querySelectorAll("#dresults .pages img")].map(i => i.naturalWidth).join(",")`) == "160,160" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if w := eval(`[...document.querySelectorAll("#dresults .pages img")].map(i => i.naturalWidth).join(",")`); w != "160,160" {
		t.Errorf("thumbnails' natural widths %q, want 160,160", w)
	}
	links := eval(`[...document.querySelectorAll("#dresults .pages a.scan")].map(a => a.getAttribute("href")).join(" ")`)
	want := "/v1/results/" + code + "/pages/1/image?q=thuy%20tien&w=1200 /v1/results/" + code + "/pages/2/image?q=thuy%20tien&w=1200"
	if links != want {
		t.Errorf("page links %q, want %q", links, want)
	}
	// The document read from its header, the unsure number marked, and the
	// exports of the dossier's archival metadata.
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#dresults .docs li.doc"))); err != nil {
		t.Fatal(err)
	}
	hasAll("document", text("#dresults .docs li.doc"), "Trang 1–2", "Loại QUYẾT ĐỊNH", "Số 143/QĐ-UBND ✍", "Ngày 2024-03-05",
		"Cơ quan ban hành ỦY BAN NHÂN DÂN QUẬN 1", "Người ký Lê Văn Ký", "Về việc cấp giấy chứng nhận", "cần kiểm tra")
	if v := eval(`[...document.querySelectorAll("#dresults .docs .unsure")].map(b => b.textContent).join("|")`); v != "143/QĐ-UBND ✍" {
		t.Errorf("unsure fields marked: %q, want the number alone", v)
	}
	if v := eval(`document.getElementById("dxml").getAttribute("href")`); v != "/v1/dossiers/"+dcode+"/archival.xml" {
		t.Errorf("XML export link %q", v)
	}
	checkVisible(t, ctx, "#back", "#dcode", "#dmeta", "#dresults li.res", "#dresults a.pdf", "#dresults .pages img", "#dbatches li.batch",
		"#dresults .docs li.doc", "#dxml")
	boxedScreenshot(t, ctx, "dossier-desktop.png", 1280, 700)

	// English.
	switchLang(t, ctx)
	if h2 := text("#dview h2"); h2 != "Dossier "+dcode {
		t.Errorf("English heading %q", h2)
	}
	hasAll("English result", text("#dresults li.res"), "Result code "+code, "State signed", "Signed at 2", "Open the PDF",
		"Issued by ỦY BAN NHÂN DÂN QUẬN 1", "to review")
	hasAll("English exports", text("#dexport"), "Document metadata (XML, TT 02/2019/TT-BNV)")
	switchLang(t, ctx)

	// On a phone: nothing overflows sideways.
	onPhone(t, ctx, "the dossier view", 0)
	checkVisible(t, ctx, "#dcode", "#dresults li.res", "#dresults a.pdf", "#dresults .pages img")
	boxedScreenshot(t, ctx, "dossier-phone.png", 390, 800)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}

	// Back to the search, the query kept.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("back")), chromedp.WaitVisible(chromedp.CSS("li.hit mark"))); err != nil {
		t.Fatal(err)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("q"))); v != "thuy tien" {
		t.Errorf("back to the search: q %q", v)
	}

	// An unknown dossier: the API's Vietnamese error where the user looks.
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/dossiers/000.00.31.H33-220804-9999")); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		if text("#status") != "Đang tải…" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st := text("#status"); st != "không có hồ sơ này" {
		t.Errorf("unknown dossier: status %q", st)
	}
}

// boxedScreenshot saves a PNG of the viewport and checks it shows the
// thumbnails' boxed words: the highlight yellow blended over dark ink.
func boxedScreenshot(t *testing.T, ctx context.Context, name string, w, h int) {
	t.Helper()
	img := saveScreenshot(t, ctx, name, w, h)
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 > 0x90 && g>>8 > 0x70 && bl>>8 < 0x60 {
				n++
			}
		}
	}
	if n < 5 {
		t.Errorf("%s shows %d pixels of boxed words, want the thumbnails' boxes visible", name, n)
	}
}
