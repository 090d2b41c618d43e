package pdf

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ocr/jpegopt"
)

const rssChildEnv = "SOHOA_PDF_RSS_CHILD"

// freshPages hands out the same page n times, each time as a new copy, the
// way pages arrive from OCR.
type freshPages struct {
	n    int
	page Page
}

func (f freshPages) Len() int { return f.n }
func (f freshPages) Page(ctx context.Context, i int) (Page, error) {
	p := f.page
	p.Image.Data = append([]byte(nil), f.page.Image.Data...)
	p.Result.Page = i + 1
	return p, nil
}

// vmHWM returns the peak resident set size of this process in bytes.
func vmHWM() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/self/status")
}

// A 500-page document (A4, 300 dpi colour JPEG, full of text: ~220 MB) is
// assembled, signed and verified within 300 MB of peak RSS, measured in a child process so that this
// test's own allocations do not count.
func TestAssemble500PagesRSS(t *testing.T) {
	if os.Getenv(rssChildEnv) != "" {
		rssChild(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAssemble500PagesRSS$", "-test.v")
	cmd.Env = append(os.Environ(), rssChildEnv+"="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var assembled, signed, verified int64
	for _, l := range strings.Split(string(out), "\n") {
		if _, err := fmt.Sscanf(strings.TrimSpace(l), "RSS assembled=%d signed=%d verified=%d", &assembled, &signed, &verified); err == nil {
			break
		}
	}
	if assembled == 0 {
		t.Fatalf("child printed no RSS:\n%s", out)
	}
	t.Logf("%s", strings.SplitN(string(out), "\nRSS", 2)[0])
	t.Logf("500 pages: peak RSS %d MB after assembly, %d MB after signing, %d MB after verifying", assembled>>20, signed>>20, verified>>20)
	if assembled > 300<<20 || signed > 300<<20 || verified > 300<<20 {
		t.Errorf("peak RSS %d / %d / %d MB exceeds 300 MB", assembled>>20, signed>>20, verified>>20)
	}
}

func rssChild(t *testing.T) {
	dir := os.Getenv(rssChildEnv)
	_, page := densePage(t, 300)
	page.Image.Data = jpegopt.Optimize(page.Image.Data) // as it would come from OCR
	path := filepath.Join(dir, "500.pdf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Assemble(context.Background(), f, freshPages{500, page}, AssembleOptions{Conformance: PDFA3B, Metadata: testMeta}); err != nil {
		t.Fatal(err)
	}
	assembled, err := vmHWM()
	if err != nil {
		t.Fatal(err)
	}
	pki := newTestPKI(t, nil)
	s := pki.signer(t)
	if err := s.Sign(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	signed, _ := vmHWM()
	st, _ := f.Stat()
	r, err := Verify(context.Background(), f, st.Size(), VerifyOptions{TrustPEM: pki.caPEM})
	if err != nil || !r.OK() {
		t.Fatalf("Verify: %v", err)
	}
	f.Close()
	verified, _ := vmHWM()
	fmt.Printf("file %d MB\nRSS assembled=%d signed=%d verified=%d\n", st.Size()>>20, assembled, signed, verified)
}
