package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOCRCommand runs `sohoa ocr --json` on a turned real scan, a
// two-page TIFF and a file that is not an image: one NDJSON line per page,
// the bad file reported on stderr, the others done, exit code 1.
func TestOCRCommand(t *testing.T) {
	corpus := "../../../shared/corpus"
	bad := filepath.Join(t.TempDir(), "ghi-chu.txt")
	if err := os.WriteFile(bad, []byte("không phải ảnh"), 0o644); err != nil {
		t.Fatal(err)
	}
	rot := filepath.Join(corpus, "tesseract/phototestrot.tif")
	two := filepath.Join(corpus, "vietocr/vietsample1.tif")
	for _, f := range []string{rot, two} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("real scans missing (run `bash .ci/test` from the project root): %v", err)
		}
	}
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, log: slog.New(slog.DiscardHandler), ui: ui{english: true}}
	code := run(context.Background(), []string{"ocr", "--json", "--engines", "2", rot, bad, two}, e)
	if code != 1 {
		t.Errorf("exit code %d, want 1; stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "ghi-chu.txt: not an image") {
		t.Errorf("stderr does not name the bad file:\n%s", stderr.String())
	}
	var pages []ocrPage
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var p ocrPage
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatalf("not NDJSON: %q: %v", sc.Text(), err)
		}
		pages = append(pages, p)
	}
	if len(pages) != 3 {
		t.Fatalf("%d pages, want 3: %+v", len(pages), pages)
	}
	if p := pages[0]; p.File != rot || p.Page != 1 || p.Orientation != 90 || p.Blank || !strings.Contains(p.Text, "quick brown dog") {
		t.Errorf("turned page: %+v", p)
	}
	if p := pages[1]; p.File != two || p.Page != 1 || !strings.Contains(p.Text, "Sơn Tây") || p.Confidence < 80 {
		t.Errorf("tiff page 1: %+v", p)
	}
	if p := pages[2]; p.File != two || p.Page != 2 {
		t.Errorf("tiff page 2: %+v", p)
	}
}
