package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/web/webtest"
)

// The desk review page in Chromium: the official signs in with the desk's
// token, sees the pages with the doubtful words boxed in red, corrects one
// and turns a page; both land in the review log under the desk's name and
// the document is rebuilt each time. Desktop and phone, Vietnamese and
// English.
func TestReviewPageInChromium(t *testing.T) {
	h, re, b := reviewServer(t, "Họ và tên: Nguyẻn Văn A", "Nơi cư trú: Hà Nội")
	tok := h.token(t, dossier.RoleStation, "quay-01")
	ctx := browser(t)
	eval := func(js string) string { t.Helper(); return evalIn[string](t, ctx, js) }
	do := func(steps ...chromedp.Action[chromedp.Void]) { t.Helper(); webtest.Steps(t, ctx, steps...) }
	waitFor := func(js string) { t.Helper(); webtest.WaitTrue(t, ctx, js, 10*time.Second) }
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	do(chromedp.Navigate(h.URL+"/review?batch="+b.ID),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), tok),
		chromedp.Click(chromedp.CSS("#login button")),
		chromedp.WaitVisible(chromedp.CSS("#boxes span.doubt")))
	waitFor(`String([...document.querySelectorAll("#thumbs img")].every(i => i.naturalWidth === 160) && document.getElementById("scan").naturalWidth > 300)`)
	if got := eval(`document.getElementById("dtitle").textContent`); got != "Đơn đề nghị" {
		t.Errorf("title %q", got)
	}
	if n := eval(`String(document.querySelectorAll("#thumbs .scan").length)`); n != "2" {
		t.Errorf("%s thumbnails, want 2", n)
	}
	checkVisible(t, ctx, "#thumbs img", "#scan", "#ops button", "#sign")
	saveScreenshot(t, ctx, "review-desktop.png", 1280, 700)

	// Correct "Nguyẻn" (line 1, word 4 of page 1).
	word := `#boxes span[data-line="0"][data-word="3"]`
	if cls := eval(`document.querySelector('` + word + `').className`); cls != "doubt" {
		t.Errorf("the misread word is boxed %q, want doubt", cls)
	}
	do(chromedp.Click(chromedp.CSS(word)), chromedp.WaitVisible(chromedp.ID("wordin")))
	if v := eval(`document.getElementById("wordin").value + "|" + document.getElementById("linein").value`); v != "Nguyẻn|Họ và tên: Nguyẻn Văn A" {
		t.Errorf("editor holds %q", v)
	}
	do(chromedp.SetValue(chromedp.ID("wordin"), "Nguyễn"), chromedp.Click(chromedp.ID("saveword")))
	waitFor(`String(document.getElementById("status").textContent.startsWith("Đã lưu") && document.querySelector('` + word + `').className === "fixed")`)
	if got := eval(`document.querySelector('` + word + `').title`); got != "Nguyễn" {
		t.Errorf("corrected word shows %q", got)
	}
	// Turn page 1 right.
	do(chromedp.Click(chromedp.ID("rotr")))
	waitFor(`String(document.getElementById("turn").style.transform.startsWith("rotate(90deg)"))`)

	var doc reviewDoc
	if code, body := call(t, "GET", h.URL+"/v1/review/"+b.ID, tok, nil, &doc); code != 200 {
		t.Fatalf("review: %d %s", code, body)
	}
	if len(doc.Changes) != 2 || doc.Changes[0].Kind != "word" || doc.Changes[0].Text != "Nguyễn" || doc.Changes[0].OldText != "Nguyẻn" ||
		doc.Changes[0].Reviewer != "quay-01" || doc.Changes[1].Kind != "rotate" || doc.Changes[1].Degrees != 90 || re.count() != 2 {
		t.Errorf("review log after the page's edits: %+v (rebuilt %d times)", doc.Changes, re.count())
	}
	if a := eval(`document.getElementById("audit").textContent`); !strings.Contains(a, "«Nguyẻn» → «Nguyễn»") || !strings.Contains(a, "quay-01") {
		t.Errorf("review log on the page: %q", a)
	}

	// English.
	switchLang(t, ctx)
	if got := eval(`document.getElementById("sign").textContent + "|" + document.getElementById("rotr").textContent`); got != "Sign|⟳ Turn right" {
		t.Errorf("English buttons %q", got)
	}
	switchLang(t, ctx)

	// On a phone: nothing overflows sideways.
	onPhone(t, ctx, "the review page", 0)
	checkVisible(t, ctx, "#thumbs img", "#ops button")
	saveScreenshot(t, ctx, "review-phone.png", 390, 800)
}
