package storagetest_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/storage/storagetest"
)

const missingChildEnv = "SOHOA_STORAGETEST_MISSING_CHILD"

// TestMissingChild is run by TestMissing in a child process: it lacks
// something and says so through Missing.
func TestMissingChild(t *testing.T) {
	if os.Getenv(missingChildEnv) == "" {
		t.Skip("run by TestMissing")
	}
	storagetest.Missing(t, "the thing is missing", "get the thing")
	t.Error("Missing returned")
}

// TestMissing: a test that lacks a service or a tool is skipped with one
// line saying what and how to get it, unless SOHOA_TEST_REQUIRE is 1 (CI),
// which fails it; any other value of the variable skips too.
func TestMissing(t *testing.T) {
	for _, tc := range []struct {
		require  string
		want     string // the child's verdict line
		wantLine string
	}{
		{"", "--- SKIP: TestMissingChild", "skipped: the thing is missing (get the thing)"},
		{"0", "--- SKIP: TestMissingChild", "skipped: the thing is missing (get the thing)"},
		{"1", "--- FAIL: TestMissingChild", "the thing is missing (SOHOA_TEST_REQUIRE=1 forbids skipping): get the thing"},
	} {
		t.Run("require="+tc.require, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestMissingChild$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), missingChildEnv+"=1", storagetest.RequireEnv+"="+tc.require)
			out, _ := cmd.CombinedOutput()
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("child says:\n%s\nwant %q", out, tc.want)
			}
			if n := strings.Count(string(out), tc.wantLine); n != 1 {
				t.Errorf("child says:\n%s\nwant the line %q once, got it %d times", out, tc.wantLine, n)
			}
		})
	}
}
