package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
	"github.com/sohoa/sohoa/ocr"
)

// truthPage is one page of the generated corpus with its ground truth
// (written by testdata/gen beside the image as NAME.json).
type truthPage struct {
	Image        string   `json:"image"`
	Text         string   `json:"text"`
	Skew         float64  `json:"skew"`
	Orientation  int      `json:"orientation"`
	DPI          float64  `json:"dpi"`
	Blank        bool     `json:"blank"`
	Mode         string   `json:"mode"`
	Format       string   `json:"format"`
	Kind         string   `json:"kind"`
	Degradations []string `json:"degradations"`

	dir string
}

func (tp truthPage) path() string { return filepath.Join(tp.dir, tp.Image) }

// input reads the page's image as the pool's input (page 1 of its file).
func (tp truthPage) input(t testing.TB) ocr.Input {
	t.Helper()
	data, err := os.ReadFile(tp.path())
	if err != nil {
		t.Fatal(err)
	}
	return ocr.Input{Name: tp.Image, Data: data, Page: 1}
}

// class is the accuracy class of the issue: clean 300 dpi, or degraded.
func (tp truthPage) class() string {
	if tp.Blank {
		return "blank"
	}
	if len(tp.Degradations) == 0 && tp.DPI >= 300 {
		return "clean"
	}
	return "degraded"
}

func loadTruth(t testing.TB, dir string) []truthPage {
	t.Helper()
	return loadPages[truthPage](t, dir)
}

func (tp *truthPage) truth() *truthPage { return tp }

// readPage reads the page truth NAME.json of dir and the image it names.
func readPage(t testing.TB, dir, name string) (truthPage, []byte) {
	t.Helper()
	var tp truthPage
	b, err := os.ReadFile(filepath.Join(dir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &tp); err != nil {
		t.Fatal(err)
	}
	tp.dir = dir
	data, err := os.ReadFile(filepath.Join(dir, tp.Image))
	if err != nil {
		t.Fatal(err)
	}
	return tp, data
}

// loadPages reads the page truths of dir (NAME.json beside each image)
// as P, a truthPage or a type embedding one, sorted by image.
func loadPages[P any, PT interface {
	*P
	truth() *truthPage
}](t testing.TB, dir string) []P {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pages []P
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var p P
		tp := PT(&p).truth()
		if err := json.Unmarshal(b, &p); err != nil || tp.Image == "" {
			continue // not a page truth (e.g. a batch manifest)
		}
		tp.dir = dir
		pages = append(pages, p)
	}
	sort.Slice(pages, func(i, j int) bool { return PT(&pages[i]).truth().Image < PT(&pages[j]).truth().Image })
	return pages
}

// corpusDir returns the committed generated corpus, or generates a small one
// when it is not there yet.
func corpusDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("SOHOA_OCR_CORPUS"); d != "" {
		return d
	}
	if fi, err := os.Stat("../../testdata/corpus"); err == nil && fi.IsDir() {
		if m, _ := filepath.Glob("../../testdata/corpus/*.json"); len(m) > 0 {
			return "../../testdata/corpus"
		}
	}
	dir := t.TempDir()
	sohoatest.Generate(t, dir, "-seed", "7", "-preset", "small")
	return dir
}

type pageScore struct {
	tp       truthPage
	res      ocr.Result
	img      ocr.Image
	err      error
	cer      float64
	skewErr  float64
	orientOK bool
}

// recognizeAll runs every page through the pool, engines in parallel.
func recognizeAll(t testing.TB, p *ocr.Pool, pages []truthPage) []pageScore {
	t.Helper()
	out := make([]pageScore, len(pages))
	inParallel(len(pages), p.Engines(), func(i int) {
		tp := pages[i]
		res, img, err := recognizeFile(p, tp.Image, tp.path())
		s := pageScore{tp: tp, res: res, img: img, err: err}
		s.cer = ocr.CER(res.Text, tp.Text)
		s.skewErr = math.Abs(res.Skew - tp.Skew)
		s.orientOK = res.Orientation == tp.Orientation
		out[i] = s
	})
	return out
}

// inParallel calls f(i) for every i below n, at most limit at a time (as
// many as the pool has engines), and returns once all calls have.
func inParallel(n, limit int, f func(i int)) {
	var g errgroup.Group
	g.SetLimit(limit)
	for i := range n {
		g.Go(func() error { f(i); return nil })
	}
	g.Wait()
}

// recognizeFile reads the page image at path and recognizes it on p.
func recognizeFile(p *ocr.Pool, name, path string) (ocr.Result, ocr.Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return ocr.Result{}, ocr.Image{}, err
	}
	return p.Recognize(context.Background(), ocr.Input{Name: name, Data: data, Page: 1})
}

// recognizeLastGenerated generates pages with testdata/gen's args into a
// folder of the test's own and recognizes the last of them, the page the
// test is about, failing the test unless its image is want (a change of
// the generator that moved it).
func recognizeLastGenerated(t *testing.T, want string, genArgs ...string) (truthPage, ocr.Result) {
	t.Helper()
	dir := t.TempDir()
	sohoatest.Generate(t, dir, genArgs...)
	pages := loadTruth(t, dir)
	pg := pages[len(pages)-1]
	if pg.Image != want {
		t.Fatalf("last page %s, want %s", pg.Image, want)
	}
	res, _, err := recognizeFile(sharedPool(), pg.Image, pg.path())
	if err != nil {
		t.Fatal(err)
	}
	return pg, res
}

func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// summary is the figures the issue asks for, over one run.
type summary struct {
	cer         map[string][]float64 // per class
	skewErrs    []float64            // skewed pages
	orientRight int
	orientTotal int
	blankWrong  []string
	failed      []string
}

func summarize(scores []pageScore) summary {
	s := summary{cer: map[string][]float64{}}
	for _, sc := range scores {
		tp := sc.tp
		if sc.err != nil {
			s.failed = append(s.failed, fmt.Sprintf("%s: %v", tp.Image, sc.err))
			continue
		}
		if sc.res.Blank != tp.Blank {
			s.blankWrong = append(s.blankWrong, fmt.Sprintf("%s: blank=%v want %v", tp.Image, sc.res.Blank, tp.Blank))
		}
		if tp.Blank {
			continue
		}
		s.cer[tp.class()] = append(s.cer[tp.class()], sc.cer)
		s.orientTotal++
		if sc.orientOK {
			s.orientRight++
		}
		if tp.Skew != 0 && sc.orientOK {
			s.skewErrs = append(s.skewErrs, sc.skewErr)
		}
	}
	return s
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var t float64
	for _, x := range xs {
		t += x
	}
	return t / float64(len(xs))
}

func (s summary) String() string {
	var b strings.Builder
	for _, c := range []string{"clean", "degraded"} {
		x := s.cer[c]
		fmt.Fprintf(&b, "CER %-8s pages %3d mean %.2f%% max %.2f%%\n", c, len(x), 100*mean(x), 100*percentile(x, 1))
	}
	fmt.Fprintf(&b, "orientation right %d/%d\n", s.orientRight, s.orientTotal)
	fmt.Fprintf(&b, "residual skew over %d skewed pages: p50 %.3f° p95 %.3f° max %.3f°\n", len(s.skewErrs),
		percentile(s.skewErrs, 0.5), percentile(s.skewErrs, 0.95), percentile(s.skewErrs, 1))
	return b.String()
}

// TestGeneratedCorpus checks the accuracy targets on the generated
// Vietnamese corpus: orientation of every turned page, residual skew,
// blank pages, and CER per class.
func TestGeneratedCorpus(t *testing.T) {
	dir := corpusDir(t)
	pages := loadTruth(t, dir)
	if len(pages) == 0 {
		t.Fatalf("no pages in %s", dir)
	}
	p := ocr.NewPool(ocr.Options{Engines: 2})
	defer p.Close()
	scores := recognizeAll(t, p, pages)
	for _, sc := range scores {
		t.Logf("%-12s %-9s %-8s dpi %3.0f orient %3d/%3d skew %7.3f/%7.3f blank %-5v conf %5.1f CER %6.2f%% cpu %4.1fs %v",
			sc.tp.Image, sc.tp.Kind, sc.tp.class(), sc.tp.DPI, sc.res.Orientation, sc.tp.Orientation, sc.res.Skew, sc.tp.Skew,
			sc.res.Blank, sc.res.Confidence, 100*sc.cer, sc.res.CPU.Seconds(), sc.tp.Degradations)
	}
	s := summarize(scores)
	t.Logf("\n%s", s)
	for _, f := range s.failed {
		t.Errorf("failed: %s", f)
	}
	for _, f := range s.blankWrong {
		t.Errorf("blank: %s", f)
	}
	for _, sc := range scores {
		if sc.err == nil && !sc.tp.Blank && !sc.orientOK {
			t.Errorf("%s: orientation %d, want %d", sc.tp.Image, sc.res.Orientation, sc.tp.Orientation)
		}
	}
	if p95 := percentile(s.skewErrs, 0.95); p95 > 0.1 {
		t.Errorf("residual skew p95 %.3f°, want <= 0.1°", p95)
	}
	if m := mean(s.cer["clean"]); m > 0.01 {
		t.Errorf("clean pages: mean CER %.2f%%, want <= 1%%", 100*m)
	}
	if m := mean(s.cer["degraded"]); m > 0.03 {
		t.Errorf("degraded pages: mean CER %.2f%%, want <= 3%%", 100*m)
	}
}
