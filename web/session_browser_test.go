package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/web"
	"github.com/sohoa/sohoa/web/webtest"
)

// TestSignInOutInChromium: the page refuses a station token at sign-in
// and says why (the user stays on the sign-in form, not locked out), signs
// an archivist in, and logs out: the session then ends at the server too.
func TestSignInOutInChromium(t *testing.T) {
	h := newAPIHarness(t, nil)
	station := h.token(t, dossier.RoleStation, "quay-1")
	archivist := h.token(t, dossier.RoleArchivist, "Nguyễn Thị Lưu")

	bctx := browser(t)
	text := func(sel string) string { t.Helper(); return textOf(t, bctx, sel) }
	signIn := func(token string) {
		t.Helper()
		if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`(document.getElementById("token").value = "", true)`)); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(bctx,
			chromedp.WaitVisible(chromedp.ID("token")),
			chromedp.SendKeys(chromedp.ID("token"), token),
			chromedp.Click(chromedp.CSS("#login button")),
		); err != nil {
			t.Fatal(err)
		}
	}

	// Not signed in: the page asks for a token at once.
	if err := chromedp.Do(bctx, chromedp.Navigate(h.URL+"/"), chromedp.WaitVisible(chromedp.ID("token"))); err != nil {
		t.Fatal(err)
	}
	// A station token: refused with the reason; the form stays.
	signIn(station)
	if err := chromedp.Do(bctx, chromedp.WaitVisible(chromedp.ID("loginerr"))); err != nil {
		t.Fatal(err)
	}
	if msg := text("#loginerr"); !strings.Contains(msg, "trạm quét") || !strings.Contains(msg, "archivist") {
		t.Errorf("refusal of a station token: %q", msg)
	}
	checkVisible(t, bctx, "#token", "#loginerr")
	if res, _ := chromedp.Call(bctx, network.GetCookies, network.GetCookiesParams{}); len(res.Cookies) != 0 {
		t.Errorf("a refused sign-in left cookies: %v", res.Cookies)
	}

	// An archivist: signed in, name and log-out shown; still so after a reload.
	signIn(archivist)
	if err := chromedp.Do(bctx, chromedp.WaitVisible(chromedp.ID("logout"))); err != nil {
		t.Fatal(err)
	}
	if who := text("#who"); !strings.Contains(who, "Nguyễn Thị Lưu") {
		t.Errorf("signed in as %q", who)
	}
	if err := chromedp.Do(bctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("logout"))); err != nil {
		t.Fatal(err)
	}
	checkVisible(t, bctx, "#logout", "#q")
	res, err := chromedp.Call(bctx, network.GetCookies, network.GetCookiesParams{})
	cookies := res.Cookies
	if err != nil || len(cookies) != 1 || cookies[0].Value == archivist || !cookies[0].HTTPOnly {
		t.Fatalf("session cookie: %+v, %v", cookies, err)
	}
	session := cookies[0].Value

	// Log out: the sign-in form is back and the old cookie is dead at the server.
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("token"))); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for text("#status") != "Đã đăng xuất." && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if st := text("#status"); st != "Đã đăng xuất." {
		t.Errorf("status after log out: %q", st)
	}
	req, _ := http.NewRequest("GET", h.URL+"/v1/whoami", nil)
	req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: session})
	resp, _ := webtest.Do(t, req, "")
	if resp.StatusCode != 401 {
		t.Errorf("the logged-out session still works: %d", resp.StatusCode)
	}
}
