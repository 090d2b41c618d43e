package pdf

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/pdf/pdftest"
)

// TestVerifyStartxrefOffByFew: a startxref a few bytes off is read the way
// qpdf and pdfsig read it (the cross-reference is found again), not refused
// as unreadable. In a signed file the number is inside the signed bytes, so
// the file was changed after signing: not good, "digest mismatch", as
// pdfsig says in the same run; an unsigned file so damaged still reads.
func TestVerifyStartxrefOffByFew(t *testing.T) {
	dir := t.TempDir()
	s := newTestPKI(t, nil).signer(t)
	unsigned, err := os.ReadFile(assembleFile(t, dir, testPages(t, 1), PDFA2B))
	if err != nil {
		t.Fatal(err)
	}
	signed := signBytes(t, s, unsigned)
	last := regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
	shift := func(b []byte, d int) []byte {
		m := last.FindSubmatchIndex(b)
		if m == nil {
			t.Fatal("no startxref at the end")
		}
		n, _ := strconv.Atoi(string(b[m[2]:m[3]]))
		return append(append(append([]byte{}, b[:m[2]]...), strconv.Itoa(n+d)...), b[m[3]:]...)
	}
	for _, d := range []int{-3, 3} {
		t.Run(fmt.Sprintf("signed %+d", d), func(t *testing.T) {
			b := shift(signed, d)
			r, err := Verify(context.Background(), bytes.NewReader(b), int64(len(b)), VerifyOptions{})
			if err != nil {
				t.Fatalf("verify could not read it (%v); pdfsig and qpdf do", err)
			}
			if r.OK() || len(r.Signatures) != 1 || r.Signatures[0].Intact || !strings.Contains(r.Signatures[0].IntactError, "digest mismatch") {
				t.Errorf("ok=%v signatures %+v; want not good: digest mismatch", r.OK(), r.Signatures)
			}
			p := filepath.Join(dir, "shifted.pdf")
			os.WriteFile(p, b, 0o600)
			if out := pdftest.Pdfsig(t, p); !strings.Contains(out, "Digest Mismatch") {
				t.Errorf("pdfsig, the peer, says otherwise:\n%s", out)
			}
		})
		t.Run(fmt.Sprintf("unsigned %+d", d), func(t *testing.T) {
			b := shift(unsigned, d)
			r, err := Verify(context.Background(), bytes.NewReader(b), int64(len(b)), VerifyOptions{AllowUnsigned: true})
			if err != nil || r.Pages != 1 {
				t.Fatalf("unsigned file with startxref %+d: %v, %+v; want it read (1 page)", d, err, r)
			}
		})
	}
}
