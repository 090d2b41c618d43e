package storage_test

import (
	"strings"
	"testing"

	"github.com/sohoa/sohoa/storage"
)

// TestKeys: the bucket layout, built in storage only. Files are named by
// their content with a scanner's extension (anything else left out), and
// only signed results are result keys (object-lock retention): a draft
// of a signing request is not.
func TestKeys(t *testing.T) {
	const code, kq = "000.00.31.H33-220804-0001", "000.00.31.H33-220804-0001-KQ1"
	sha := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		key, want string
		result    bool
	}{
		{storage.SourceKey(code, sha, "Trang 1.JPG"), "dossiers/" + code + "/sources/" + sha + ".jpg", false},
		{storage.SourceKey(code, sha, "scan.tiff/x"), "dossiers/" + code + "/sources/" + sha, false},
		{storage.SourceKey(code, sha, "page.a b"), "dossiers/" + code + "/sources/" + sha, false},
		{storage.StackPageKey(sha, "p0001.png"), "stacks/pages/" + sha + ".png", false},
		{storage.StackPageKey(sha, "p0001.longext"), "stacks/pages/" + sha, false},
		{storage.DraftKey(code, kq, "unsigned", sha), "dossiers/" + code + "/signing/" + kq + "-unsigned-abababababab.pdf", false},
		{storage.DraftKey(code, kq, "prepared", sha), "dossiers/" + code + "/signing/" + kq + "-prepared-abababababab.pdf", false},
		{storage.ResultKey(code, kq, sha), "dossiers/" + code + "/results/" + kq + "-abababababab.pdf", true},
	} {
		if tc.key != tc.want {
			t.Errorf("key %q, want %q", tc.key, tc.want)
		}
		if got := storage.IsResultKey(tc.key); got != tc.result {
			t.Errorf("IsResultKey(%q) = %v, want %v", tc.key, got, tc.result)
		}
	}
}
