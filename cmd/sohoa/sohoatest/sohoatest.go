// Package sohoatest gives tests the project's programs as real processes:
// the sohoa binary, built once per test process (recognizing pages and
// running distributed workers need it, since its main serves the OCR engine
// children), and scan corpora made by testdata/gen. Only tests import it, so
// it is never linked into sohoa.
//
// A test package that calls Binary removes the build in its TestMain, which
// Main does:
//
//	func TestMain(m *testing.M) { sohoatest.Main(m, engine.MaybeServe) }
package sohoatest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// binary is the one build of a test process; building takes seconds, and
// every test that runs sohoa shares it.
var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// Binary builds ./cmd/sohoa once per test process and returns its path; a
// failed build fails every test that asks, with the compiler's output.
func Binary(t testing.TB) string {
	t.Helper()
	binary.once.Do(func() {
		binary.dir, binary.err = os.MkdirTemp("", "sohoa-bin-")
		if binary.err != nil {
			return
		}
		path := filepath.Join(binary.dir, "sohoa")
		if out, err := exec.Command("go", "build", "-o", path, "github.com/sohoa/sohoa/cmd/sohoa").CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("go build ./cmd/sohoa: %v\n%s", err, out)
			return
		}
		binary.path = path
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// RemoveBinary deletes the build, if there was one; TestMain calls it after
// the tests have run.
func RemoveBinary() {
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
}

// Main runs a package's tests and removes the build Binary made. serve,
// when not nil, runs first: engine.MaybeServe, with which the test binary
// doubles as the OCR engine child that an ocr.Pool starts by re-running its
// own executable (it returns at once in the test process itself).
func Main(m *testing.M, serve func()) {
	if serve != nil {
		serve()
	}
	code := m.Run()
	RemoveBinary()
	os.Exit(code)
}

// Generate writes a generated scan corpus into dir: `go run ./testdata/gen`
// with args (-seed, -preset, -n...) and -out dir.
func Generate(t testing.TB, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", append(append([]string{"run", "github.com/sohoa/sohoa/testdata/gen"}, args...), "-out", dir)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generate corpus (go run ./testdata/gen %v): %v\n%s", args, err, out)
	}
}
