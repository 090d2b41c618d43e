package webtest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser starts Debian's headless Chromium for t (closed at its end) and
// returns the context of its first tab, which ends after limit: a page
// that hangs fails the test instead of holding it.
func Browser(t testing.TB, limit time.Duration) context.Context {
	t.Helper()
	const exe = "/usr/bin/chromium"
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("%s is missing: install Debian's chromium (the CI setup does; run `bash .ci/test`)", exe)
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "vi-VN"), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, limit)
	t.Cleanup(cancel3)
	// Start it now, under ctx: a browser started by a step's shorter
	// context would end with that step.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Eval evaluates js in the browser page, failing t on an error.
func Eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// Steps runs steps in the page, each within 15 s; one that fails fails t
// with what the page shows, which is what tells why.
func Steps(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	for i, step := range steps {
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err := chromedp.Do(sctx, step)
		cancel()
		if err != nil {
			t.Fatalf("step %d of %d: %v; the page shows: %s", i+1, len(steps), err, Eval[string](t, ctx, `document.body.innerText`))
		}
	}
}

// WaitTrue polls js in the page until it gives the string "true", for at
// most limit; then fails t with what the page shows.
func WaitTrue(t testing.TB, ctx context.Context, js string, limit time.Duration) {
	t.Helper()
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if Eval[string](t, ctx, js) == "true" {
			return
		}
	}
	t.Fatalf("never true: %s; the page shows: %s", js, Eval[string](t, ctx, `document.body.innerText`))
}

// visibleJS reports, in the page, which selectors have no box of their
// own inside the viewport.
const visibleJS = `(sels => sels.filter(s => {
  const e = document.querySelector(s); if (!e) return true;
  const r = e.getBoundingClientRect(), st = getComputedStyle(e);
  return !(r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.right <= innerWidth + 1 && r.top < innerHeight && st.visibility !== 'hidden');
}))(%s)`

// CheckVisible fails t unless every selector shows an element inside the
// viewport.
func CheckVisible(t testing.TB, ctx context.Context, sels ...string) {
	t.Helper()
	list := `["` + strings.Join(sels, `","`) + `"]`
	bad, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(visibleJS, list)))
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("not visible: %v", bad)
	}
}

// SaveScreenshot saves a PNG of the viewport under the test's artifacts
// (or $SOHOA_SCREENSHOTS), checks its size and returns it.
func SaveScreenshot(t testing.TB, ctx context.Context, name string, w, h int) image.Image {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("SOHOA_SCREENSHOTS")
	if dir == "" {
		dir = t.ArtifactDir()
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d bytes)", path, len(buf))
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if b := img.Bounds(); b.Dx() < w || b.Dy() < h {
		t.Errorf("%s is %v, want at least %dx%d", name, b, w, h)
	}
	return img
}
