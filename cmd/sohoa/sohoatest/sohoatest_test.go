package sohoatest_test

import (
	"path/filepath"
	"testing"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
)

// TestGenerate: the generator runs from any test's folder (not only the
// module root) and writes each page with its truth beside it.
func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	sohoatest.Generate(t, dir, "-seed", "3", "-preset", "small", "-n", "1")
	for _, pat := range []string{"*.png", "*.json"} {
		if m, _ := filepath.Glob(filepath.Join(dir, pat)); len(m) != 1 {
			t.Errorf("%s in the corpus: %v, want one", pat, m)
		}
	}
}
