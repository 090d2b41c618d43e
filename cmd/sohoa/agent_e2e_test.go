package main

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/pdf"
	"github.com/sohoa/sohoa/pdf/pdftest"
	"github.com/sohoa/sohoa/web/webtest"
)

// deskAgent is `sohoa sign --agent` as a desk PC runs it: the real
// command, its terminal a pipe through which the test answers its
// questions as the official would.
type deskAgent struct {
	addr   string // 127.0.0.1:PORT
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *sohoatest.Output
	done   chan error
}

var agentListening = regexp.MustCompile(`at http://(127\.0\.0\.1:\d+)`)

// startDeskAgent runs the agent for the pages of ts with the official's
// API token and the SoftHSM2 token label, on addr (127.0.0.1:0 for a
// free port), closing the token after idle.
func startDeskAgent(t *testing.T, ts *testStack, apiToken, label, addr string, idle time.Duration) *deskAgent {
	t.Helper()
	a := &deskAgent{stderr: &sohoatest.Output{}, done: make(chan error, 1)}
	a.cmd = exec.Command(sohoatest.Binary(t), "sign", "--agent", "--server", ts.url, "--token", apiToken,
		"--pkcs11", pdftest.SoftHSM, "--pkcs11-token", label, "--agent-addr", addr, "--agent-idle", idle.String())
	a.cmd.Env = append(os.Environ(), "SOHOA_LANG=en")
	// No controlling terminal: the PIN is read from stdin, the one reader
	// of every answer, as when a script feeds the agent.
	a.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	a.cmd.Stderr = a.stderr
	var err error
	if a.stdin, err = a.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { a.done <- a.cmd.Wait() }()
	t.Cleanup(func() { a.stop(t) })
	a.await(t, "Signing agent waiting", 1)
	a.addr = agentListening.FindStringSubmatch(a.stderr.String())[1]
	return a
}

// await waits until the agent has written what n times.
func (a *deskAgent) await(t *testing.T, what string, n int) {
	t.Helper()
	for end := time.Now().Add(90 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if strings.Count(a.stderr.String(), what) >= n {
			return
		}
		select {
		case err := <-a.done:
			a.done <- err
			t.Fatalf("the agent ended (%v) before writing %q:\n%s", err, what, a.stderr.String())
		default:
		}
	}
	t.Fatalf("the agent did not write %q %d times:\n%s", what, n, a.stderr.String())
}

// answer waits for the n-th question ending in prompt and types line.
func (a *deskAgent) answer(t *testing.T, prompt string, n int, line string) {
	t.Helper()
	a.await(t, prompt, n)
	if _, err := io.WriteString(a.stdin, line+"\n"); err != nil {
		t.Fatal(err)
	}
}

// tokenOpen asks the agent, as the server's page would, whether the token
// is logged in.
func (a *deskAgent) tokenOpen(t *testing.T, origin string) bool {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+a.addr+"/status", nil)
	req.Header.Set("Origin", origin)
	var st struct {
		TokenOpen bool `json:"token_open"`
	}
	resp, body := webtest.Do(t, req, "")
	if resp.StatusCode != 200 || json.Unmarshal(body, &st) != nil {
		t.Fatalf("agent status: %d %s", resp.StatusCode, body)
	}
	return st.TokenOpen
}

// stop interrupts the agent as Ctrl-C does and waits for it.
func (a *deskAgent) stop(t *testing.T) {
	a.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-a.done:
		a.done <- err
	case <-time.After(15 * time.Second):
		a.cmd.Process.Kill()
		t.Errorf("the agent did not stop on Ctrl-C:\n%s", a.stderr.String())
	}
}

// stainedPage renders a short application whose place name "Nẵng" (end
// of line 3) lies under a dark stain, as on a scan of a soiled paper: OCR
// misreads it with low confidence and the official, who has the paper,
// corrects it.
func stainedPage(t *testing.T, path string) {
	t.Helper()
	vietPage(t, path, "ĐƠN ĐỀ NGHỊ CẤP BẢN SAO", "Họ và tên: Trần Thị Khuê", "Nơi cư trú: phường Hải Châu, Đà Nẵng",
		"Đề nghị cấp bản sao giấy khai sinh.", "Người làm đơn: Lê Văn Phúc")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Bounds(), img, image.Point{}, draw.Src)
	for y := 335; y < 405; y++ {
		for x := 1140; x < 1225; x++ {
			if (x*7+y*13)%5 != 0 && g.GrayAt(x, y).Y > 80 {
				g.SetGray(x, y, color.Gray{80})
			}
		}
	}
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := png.Encode(out, g); err != nil {
		t.Fatal(err)
	}
}

// reviewedWord is a word of a page as the review API shows it.
type reviewedWord struct {
	Line, Word  int
	Text, Doubt string
}

// stainedWord finds, through the review API, the last word of the line
// that starts "Nơi" on the first page of batch: the word under the stain.
func stainedWord(t *testing.T, ts *testStack, token, batch string) (page int, w reviewedWord) {
	t.Helper()
	var doc struct {
		Pages []struct {
			Page int `json:"page"`
		} `json:"pages"`
	}
	if s := webtest.Call(t, "GET", ts.url+"/v1/review/"+batch, token, nil, "", &doc); s != 200 || len(doc.Pages) != 1 {
		t.Fatalf("review: %d %+v", s, doc)
	}
	page = doc.Pages[0].Page
	var view webtest.ReviewPage
	webtest.Call(t, "GET", fmt.Sprintf("%s/v1/review/%s/pages/%d", ts.url, batch, page), token, nil, "", &view)
	for li, ln := range view.Lines {
		if n := len(ln.Words); n > 0 && ln.Words[0].Text == "Nơi" {
			return page, reviewedWord{Line: li, Word: n - 1, Text: ln.Words[n-1].Text, Doubt: ln.Words[n-1].Doubt}
		}
	}
	t.Fatalf("no line starts with «Nơi»: %+v", view)
	return 0, reviewedWord{}
}

// searchHits returns the result codes GET /v1/search finds for q.
func searchHits(t *testing.T, ts *testStack, token, q string) []string {
	t.Helper()
	var sr struct {
		Hits []struct {
			ResultCode string `json:"result_code"`
		} `json:"hits"`
	}
	if s := webtest.Call(t, "GET", ts.url+"/v1/search?q="+url.QueryEscape(q), token, nil, "", &sr); s != 200 {
		t.Fatalf("search %q: %d", q, s)
	}
	var codes []string
	for _, h := range sr.Hits {
		codes = append(codes, h.ResultCode)
	}
	return codes
}

// TestDeskSigningThroughAgent (issue 13, the browser-to-token proof): on
// the real services, a scanned application is OCR'd and waits for the
// desk official's signature. On the review page in Chromium the official
// signs in, corrects the word OCR doubts under a stain, and presses "Ký
// số": the page calls the local agent (`sohoa sign --agent`, the real
// command), which shows on its terminal what it is asked to sign, takes
// a yes and the PIN there, signs with the token (SoftHSM2) and uploads.
//
// First the agent holds another official's token: the server refuses,
// the page shows why (in Vietnamese, then in English), nothing is linked
// and the audit says "refused"; after the agent's idle time the token is
// closed and the next signing asks the PIN again. Then the agent holds
// the official's own token: the result is linked, PDF/A-1b (Preflight),
// validly signed, trusted and over the whole file (pdfsig, Verify), the
// page shows it signed, and search finds the corrected word, not the one
// OCR read.
func TestDeskSigningThroughAgent(t *testing.T) {
	const official = deskOfficial
	d, ts, admin, desk := deskSetUp(t)
	scan := filepath.Join(t.TempDir(), "p1.png")
	stainedPage(t, scan)
	r := awaitSigning(t, ts, desk, "quay-ky", official, scan)
	page, stained := stainedWord(t, ts, desk, r.BatchID)
	if stained.Doubt == "" || pdf.SameName(stained.Text, "Nẵng") {
		t.Fatalf("OCR read the stained word as %+v: want a doubted misreading (the stain is the premise of this test)", stained)
	}
	origin, _ := serverOrigin(ts.url)

	// The agent on this desk PC holds, by mistake, another official's token.
	wrong := startDeskAgent(t, ts, desk, "cuong", "127.0.0.1:0", time.Second)

	ctx := webtest.Browser(t, 4*time.Minute)
	do := func(steps ...chromedp.Action[chromedp.Void]) { t.Helper(); webtest.Steps(t, ctx, steps...) }
	eval := func(js string) string { t.Helper(); return webtest.Eval[string](t, ctx, js) }
	waitFor := func(js string) { t.Helper(); webtest.WaitTrue(t, ctx, js, 90*time.Second) }
	port := wrong.addr[strings.LastIndex(wrong.addr, ":")+1:]
	do(chromedp.Navigate(ts.url+"/review?batch="+r.BatchID+"&agent="+port),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), desk),
		chromedp.Click(chromedp.CSS("#login button")),
		chromedp.WaitVisible(chromedp.CSS("#boxes span.doubt")))

	// Correct the stained word, once the scan under the boxes is shown.
	waitFor(`String(document.getElementById("scan").naturalWidth > 300 && document.querySelector("#boxes span").getBoundingClientRect().height > 0)`)
	box := fmt.Sprintf(`#boxes span[data-line="%d"][data-word="%d"]`, stained.Line, stained.Word)
	if cls := eval(`document.querySelector('` + box + `').className`); cls != "doubt" {
		t.Fatalf("the stained word is boxed %q, want doubt", cls)
	}
	do(chromedp.Click(chromedp.CSS(box)), chromedp.WaitVisible(chromedp.ID("wordin")),
		chromedp.SetValue(chromedp.ID("wordin"), "Nẵng"), chromedp.Click(chromedp.ID("saveword")))
	waitFor(`String(document.getElementById("status").textContent.startsWith("Đã lưu") && document.querySelector('` + box + `').className === "fixed")`)
	var current dossier.SigningRequest
	if s := webtest.Call(t, "GET", ts.url+"/v1/signing/"+r.ID, desk, nil, "", &current); s != 200 || current.BaseSHA256 == r.BaseSHA256 {
		t.Fatalf("after the correction the document to sign is %d %s, want rebuilt (was %s)", s, current.BaseSHA256, r.BaseSHA256)
	}

	// "Ký số" with the wrong token: the official confirms on the agent's
	// terminal, which shows the corrected document, types the PIN, and
	// the server refuses the certificate.
	do(chromedp.Click(chromedp.ID("sign")))
	wrong.answer(t, "Sign this document? (y/n)", 1, "y")
	for _, want := range []string{r.DossierCode, r.ResultCode, "Title: " + r.Title, "Pages: 1", "Official: " + official, "SHA-256: " + current.BaseSHA256} {
		if !strings.Contains(wrong.stderr.String(), want) {
			t.Errorf("the agent's terminal does not show %q:\n%s", want, wrong.stderr.String())
		}
	}
	wrong.answer(t, "PIN of token cuong", 1, "1234")
	waitFor(`String(document.getElementById("signst").textContent.includes("không phải của"))`)
	if st := eval(`document.getElementById("signst").textContent`); !strings.Contains(st, "Lê Văn Cường") || !strings.Contains(st, official) {
		t.Errorf("the page shows the refusal as %q", st)
	}
	if eval(`String(document.getElementById("sign").disabled)`) != "false" {
		t.Error("after a refusal the page does not let the official sign again")
	}
	webtest.SaveScreenshot(t, ctx, "review-agent-refused.png", 1280, 700)
	notLinked(t, ts, admin, r)

	// Past the agent's idle time the token is closed; the next signing
	// asks the PIN again. In English, the refusal reads in English.
	for end := time.Now().Add(30 * time.Second); wrong.tokenOpen(t, origin); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the token is still open 30 s after the agent's idle time of 1 s")
		}
	}
	do(chromedp.Click(chromedp.ID("lang")), chromedp.Click(chromedp.ID("sign")))
	wrong.answer(t, "Sign this document? (y/n)", 2, "y")
	wrong.answer(t, "PIN of token cuong", 2, "1234")
	waitFor(`String(document.getElementById("signst").textContent.includes("not to"))`)
	notLinked(t, ts, admin, r)
	wrong.stop(t)

	// The official's own token, on the same port of the same PC.
	own := startDeskAgent(t, ts, desk, "tien", wrong.addr, 5*time.Minute)
	do(chromedp.Click(chromedp.ID("lang")), chromedp.Click(chromedp.ID("sign")))
	own.answer(t, "Sign this document? (y/n)", 1, "y")
	own.answer(t, "PIN of token tien", 1, "1234")
	waitFor(`String(document.getElementById("signst").textContent === "Đã ký: ` + r.ResultCode + `")`)
	if got := eval(`document.getElementById("sign").disabled + "|" + document.getElementById("dmeta").textContent`); !strings.HasPrefix(got, "true|") || !strings.Contains(got, "không sửa được nữa") {
		t.Errorf("the signed document shows %q, want the sign button off and no more edits", got)
	}
	webtest.CheckVisible(t, ctx, "#signst")
	webtest.SaveScreenshot(t, ctx, "review-agent-signed.png", 1280, 700)
	// Opened again later, the document still shows whose signature it bears.
	do(chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("dtitle")))
	waitFor(`String(document.getElementById("signst").textContent === "Đã ký: ` + r.ResultCode + `")`)
	do(chromedp.Click(chromedp.ID("lang")))
	if got := eval(`document.getElementById("signst").textContent + "|" + document.getElementById("sign").disabled`); got != "Signed: "+r.ResultCode+"|true" {
		t.Errorf("the signed document, reopened, in English: %q", got)
	}
	if !own.tokenOpen(t, origin) {
		t.Error("the token was closed right after signing, within the idle time")
	}

	// Linked, PDF/A-1b, signed by the official, valid, trusted, whole
	// file; the text layer carries the correction.
	f := checkSigned(t, ts, d, admin, r.ResultCode, 1, d.NSSDB(t, t.TempDir()))
	var res dossier.Result
	if s := webtest.Call(t, "GET", ts.url+"/v1/results/"+r.ResultCode, admin, nil, "", &res); s != 200 || !pdf.SameName(res.Signer, official) {
		t.Fatalf("result: %d %+v", s, res)
	}
	if text := pdftest.Text(t, f); !strings.Contains(text, "Đà Nẵng") || strings.Contains(text, stained.Text) {
		t.Errorf("text layer: want the corrected «Đà Nẵng», not «%s»:\n%s", stained.Text, text)
	}

	// Search finds the corrected word, and the OCR's reading no longer.
	arch := ts.token(t, dossier.RoleArchivist, "luutru")
	for end := time.Now().Add(time.Minute); !strings.Contains(strings.Join(searchHits(t, ts, arch, "Nẵng"), " "), r.ResultCode); time.Sleep(500 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("search «Nẵng» does not find %s", r.ResultCode)
		}
	}
	if hits := searchHits(t, ts, arch, stained.Text); strings.Contains(strings.Join(hits, " "), r.ResultCode) {
		t.Errorf("search «%s» (the OCR's reading) still finds %s", stained.Text, r.ResultCode)
	}

	// The audit: rebuilt after the review, refused twice, then signed; the
	// review log names the desk and the correction.
	if got := auditActions(t, ts, desk, r.ID); got != "assembled reassembled refused refused prepared signed" {
		t.Errorf("audit: %s", got)
	}
	var doc struct {
		Changes []dossier.ReviewChange `json:"changes"`
	}
	webtest.Call(t, "GET", ts.url+"/v1/review/"+r.BatchID, desk, nil, "", &doc)
	if len(doc.Changes) != 1 || doc.Changes[0].Page != page || doc.Changes[0].OldText != stained.Text || doc.Changes[0].Text != "Nẵng" || doc.Changes[0].Reviewer != "quay-ky" {
		t.Errorf("review log: %+v", doc.Changes)
	}
}
