package engine

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
	"github.com/sohoa/sohoa/ocr"
)

// The desk benchmark: what one-stop desks receive (testdata/gen -preset
// desk: clean 300-dpi pages, low-resolution copies without or with a
// wrong dpi, phone photos, red seals and blue signatures over text,
// faxes, photocopies; and the low-resolution and photo variants of real
// vn-admin scans, gen -real), read by sohoa, by bare `tesseract FILE -
// -l vie` and by `ocrmypdf -l vie --deskew --rotate-pages`, one page at a
// time, in one run. Per category: mean CER of each, pages flagged, CPU
// per page; over all pages: how many pages with CER above 10% sohoa
// flags (needs_review) and how many under 2% it flags needlessly.
//
//	go test ./ocr/engine -run '^$' -bench Desk -benchtime 1x -v
//
// SOHOA_OCR_DESK=DIR[:DIR...] reads a corpus made beforehand (gen -preset
// desk -twins, gen -preset hard, gen -real for real pages); otherwise 12
// desk pages (2 per category), 6 hard pages (one of each kind, gen -preset
// hard: pages that read badly whatever the reader does, for the flag
// recall) and the variants of 2 real pages are made, a few minutes of
// work. SOHOA_OCR_DESK_FULL=1 makes 48 desk pages, 12 hard pages and the
// variants of all 6 real documents' first pages; SOHOA_OCR_DESK_SEED=N
// another seed than 5 (tune on one seed, report on another).
// SOHOA_OCR_DESK_OCRMYPDF=0 leaves OCRmyPDF out (it costs about 8
// CPU-seconds a page). SOHOA_OCR_DESK_OUT=FILE writes each page's scores
// and result (without its text) as JSON lines, to study the review rule.
//
// The targets are checked in the same run: no page more than 1
// point of CER worse than bare Tesseract on the same file; low-resolution
// and photo pages within 3 points of the same pages at 300 dpi (the
// generator's -twins, read too; for real scans the reference is the
// 300-dpi reading itself) and at most 0.6x bare Tesseract's mean CER.
//
// Real scans have no ground truth: their variants are scored against
// sohoa's reading of the 300-dpi original ("real" rows have no CER), so
// those rows measure what the degradation costs each reader relative to
// that reading, not absolute accuracy.

type deskPage struct {
	truthPage
	Category string `json:"category"`
	Source   string `json:"source"`
	FileDPI  *int   `json:"file_dpi"`
	// TableRows: the table pages' rows in reading order (tablerows_test.go).
	TableRows []string `json:"table_rows"`
}

type deskScore struct {
	page              deskPage
	ours, tess, their string
	res               ocr.Result
	ourCPU, tessCPU   time.Duration
	theirCPU          time.Duration
	theirOK           bool
	twin              string // sohoa's reading of the page at 300 dpi before degradation
	hasTwin           bool
}

// twinPath is the generator's page before any degradation, kept for
// low-resolution copies and photos (gen -twins), or "".
func (p deskPage) twinPath() string {
	if p.Category != "lowres" && p.Category != "photo" {
		return ""
	}
	t := strings.TrimSuffix(p.path(), filepath.Ext(p.Image)) + ".upright.png"
	if _, err := os.Stat(t); err != nil {
		return ""
	}
	return t
}

func deskCorpus(b *testing.B) []deskPage {
	b.Helper()
	if dirs := os.Getenv("SOHOA_OCR_DESK"); dirs != "" {
		var pages []deskPage
		for _, d := range filepath.SplitList(dirs) {
			pages = append(pages, loadDesk(b, d)...)
		}
		return pages
	}
	seed := cmp.Or(os.Getenv("SOHOA_OCR_DESK_SEED"), "5")
	dir := b.TempDir()
	n, hard, reals := "12", "6", 2
	if os.Getenv("SOHOA_OCR_DESK_FULL") == "1" {
		n, hard, reals = "48", "12", 6
	}
	sohoatest.Generate(b, dir, "-seed", seed, "-preset", "desk", "-n", n, "-twins")
	hardDir, tableDir := filepath.Join(dir, "hard"), filepath.Join(dir, "table")
	sohoatest.Generate(b, hardDir, "-seed", seed, "-preset", "hard", "-n", hard)
	sohoatest.Generate(b, tableDir, "-seed", seed, "-preset", "table", "-n", tablePages())
	pages := append(append(loadDesk(b, dir), loadDesk(b, hardDir)...), loadDesk(b, tableDir)...)
	pdfs, _ := filepath.Glob("../../../shared/corpus/vn-admin/*.pdf")
	sort.Strings(pdfs)
	var imgs []string
	for i, p := range pdfs {
		if i == reals {
			break
		}
		prefix := filepath.Join(dir, fmt.Sprintf("vn%d", i+1))
		if out, err := exec.Command("pdfimages", "-j", "-f", "1", "-l", "1", p, prefix).CombinedOutput(); err != nil {
			b.Fatalf("pdfimages %s: %v\n%s", p, err, out)
		}
		imgs = append(imgs, prefix+"-000.jpg")
	}
	if len(imgs) > 0 {
		real := filepath.Join(dir, "real")
		sohoatest.Generate(b, real, "-seed", seed, "-real", strings.Join(imgs, ","))
		pages = append(pages, loadDesk(b, real)...)
	}
	return pages
}

// loadDesk reads the desk pages of dir: the page truths with a category.
func loadDesk(b *testing.B, dir string) []deskPage {
	return slices.DeleteFunc(loadPages[deskPage](b, dir), func(p deskPage) bool { return p.Category == "" })
}

func BenchmarkDesk(b *testing.B) {
	pages := deskCorpus(b)
	if len(pages) == 0 {
		b.Fatal("no desk pages")
	}
	withOCRmyPDF := os.Getenv("SOHOA_OCR_DESK_OCRMYPDF") != "0"
	out := b.TempDir()
	b.ResetTimer()
	for range b.N {
		scores := make([]deskScore, len(pages))
		// CPU time is measured, not wall time: under load a hard page can
		// take minutes of wall time, which must not turn into a failure.
		p := ocr.NewPool(ocr.Options{Engines: 2, PageTimeout: 15 * time.Minute})
		inParallel(len(pages), 2, func(i int) {
			pg := pages[i]
			s := &scores[i]
			s.page = pg
			res, _, err := recognizeFile(p, pg.Image, pg.path())
			if err != nil {
				b.Errorf("%s: %v", pg.Image, err)
			}
			s.res, s.ours, s.ourCPU = res, res.Text, res.CPU
			if t := pg.twinPath(); t != "" {
				tw, _, err := recognizeFile(p, pg.Image+".upright", t)
				if err != nil {
					b.Errorf("%s: %v", t, err)
				}
				s.twin, s.hasTwin = tw.Text, err == nil
			}

			base := filepath.Join(out, strconv.Itoa(i))
			cmd := exec.Command("tesseract", pg.path(), base, "-l", "vie")
			cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
			if o, err := cmd.CombinedOutput(); err != nil {
				b.Errorf("tesseract %s: %v\n%s", pg.Image, err, o)
			}
			s.tessCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			t, _ := os.ReadFile(base + ".txt")
			s.tess = string(t)

			if !withOCRmyPDF {
				return
			}
			args := []string{"-l", "vie", "--deskew", "--rotate-pages", "--jobs", "1", "--output-type", "pdf",
				"--sidecar", base + ".side.txt"}
			if pg.FileDPI != nil && *pg.FileDPI < 100 {
				// It refuses an image without a dpi or with one under 100 ("not
				// credible"); 300 is what a user told so would give it.
				args = append(args, "--image-dpi", "300")
			}
			cmd = exec.Command("ocrmypdf", append(args, pg.path(), base+".pdf")...)
			cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
			if o, err := cmd.CombinedOutput(); err != nil {
				b.Logf("ocrmypdf %s: %v\n%s", pg.Image, err, lastLines(string(o), 3))
			} else {
				s.theirOK = true
			}
			s.theirCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			t, _ = os.ReadFile(base + ".side.txt")
			s.their = string(t)
		})
		p.Close()
		reportDesk(b, scores, withOCRmyPDF)
	}
}

// secondReadingCost is the issue's "a page that takes the second reading
// costs at most 3x a normal page", measured in the run: the mean CPU of
// the normal pages (300-dpi scans as they come, clean and real originals,
// read once, not photos) and of the pages read twice, and the page read
// twice that cost most.
func secondReadingCost(scores []deskScore) (normal, second float64, worst deskScore) {
	var norm, sec []float64
	for _, s := range scores {
		switch {
		case s.res.SecondReading:
			sec = append(sec, s.ourCPU.Seconds())
			if s.ourCPU > worst.ourCPU {
				worst = s
			}
		case (s.page.Category == "clean" || s.page.Category == "real") && !s.res.Photo:
			norm = append(norm, s.ourCPU.Seconds())
		}
	}
	if len(norm) == 0 || len(sec) == 0 {
		return 0, 0, worst
	}
	return mean(norm), mean(sec), worst
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(l[max(0, len(l)-n):], "\n")
}

type deskRow struct {
	n                       int
	ours, tess, their       float64
	twin                    float64 // sohoa on the same pages at 300 dpi
	nTwin                   int
	flagged                 int
	ourCPU, tessCPU, thrCPU time.Duration
}

// deskRecord is one page of SOHOA_OCR_DESK_OUT.
type deskRecord struct {
	Image     string     `json:"image"`
	Category  string     `json:"category"`
	CER       *float64   `json:"cer"` // nil: no reference
	TessCER   *float64   `json:"tess_cer"`
	TwinCER   *float64   `json:"twin_cer,omitempty"`
	CPU       float64    `json:"cpu_s"`
	TessCPU   float64    `json:"tess_cpu_s"`
	Result    ocr.Result `json:"result"`
	Reference bool       `json:"reference,omitempty"`
}

func reportDesk(b *testing.B, scores []deskScore, withOCRmyPDF bool) {
	// Real variants are scored against sohoa's reading of the original.
	orig := map[string]string{}
	for _, s := range scores {
		if s.page.Category == "real" {
			orig[s.page.Source] = s.ours
		}
	}
	var dump *json.Encoder
	if f := os.Getenv("SOHOA_OCR_DESK_OUT"); f != "" {
		fd, err := os.Create(f)
		if err != nil {
			b.Fatal(err)
		}
		defer fd.Close()
		dump = json.NewEncoder(fd)
	}
	rows := map[string]*deskRow{}
	var cats []string
	var bad, badFlagged, good, goodFlagged int
	var allOurs, allTess float64
	var nAll int
	var worse []string
	for _, s := range scores {
		ref := s.page.Text
		if s.page.Source != "" {
			if s.page.Category == "real" {
				ref = ""
			} else {
				ref = orig[s.page.Source]
			}
		}
		c := s.page.Category
		r := rows[c]
		if r == nil {
			r = &deskRow{}
			rows[c] = r
			cats = append(cats, c)
		}
		r.n++
		r.ourCPU += s.ourCPU
		r.tessCPU += s.tessCPU
		r.thrCPU += s.theirCPU
		if s.res.NeedsReview {
			r.flagged++
		}
		rec := deskRecord{Image: s.page.Image, Category: c, CPU: s.ourCPU.Seconds(), TessCPU: s.tessCPU.Seconds(), Result: s.res}
		rec.Result.Text, rec.Result.Lines = "", nil
		ev := ""
		if e := s.res.Evidence; e != nil {
			ev = fmt.Sprintf("syl %.2f/%d unsure %.2f letters %.2f glyph %.1f disagree %.2f %v",
				e.SyllableShare, e.Words, e.UnsureShare, e.LetterRatio, e.GlyphPx, e.Disagreement, s.res.ReviewReasons)
		}
		if ref == "" {
			rec.Reference = true
			if dump != nil {
				dump.Encode(rec)
			}
			b.Logf("%-26s %-12s dpi %4.0f %-9s conf %5.1f plaus %.2f review %-5v 2nd %-5v (reference) %s", s.page.Image, c,
				s.res.DPI, s.res.DPISource, s.res.Confidence, s.res.Plausibility, s.res.NeedsReview, s.res.SecondReading, ev)
			continue
		}
		oc, tc, hc := ocr.CER(s.ours, ref), ocr.CER(s.tess, ref), 1.0
		if s.theirOK {
			hc = ocr.CER(s.their, ref)
		}
		rec.CER, rec.TessCER = &oc, &tc
		twin := ""
		if s.hasTwin {
			wc := ocr.CER(s.twin, ref)
			rec.TwinCER = &wc
			r.twin += wc
			r.nTwin++
			twin = fmt.Sprintf(" (300 dpi %.2f%%)", 100*wc)
		}
		if dump != nil {
			dump.Encode(rec)
		}
		r.ours += oc
		r.tess += tc
		r.their += hc
		allOurs += oc
		allTess += tc
		nAll++
		if oc > tc+0.01 {
			worse = append(worse, fmt.Sprintf("%s %.2f%% vs %.2f%%", s.page.Image, 100*oc, 100*tc))
		}
		switch {
		case oc > 0.10:
			bad++
			if s.res.NeedsReview {
				badFlagged++
			}
		case oc < 0.02:
			good++
			if s.res.NeedsReview {
				goodFlagged++
			}
		}
		b.Logf("%-26s %-12s dpi %4.0f %-9s conf %5.1f plaus %.2f review %-5v 2nd %-5v CER sohoa %6.2f%%%s tesseract %6.2f%% ocrmypdf %6.2f%%  cpu %.1fs/%.1fs/%.1fs %s",
			s.page.Image, c, s.res.DPI, s.res.DPISource, s.res.Confidence, s.res.Plausibility, s.res.NeedsReview, s.res.SecondReading,
			100*oc, twin, 100*tc, 100*hc, s.ourCPU.Seconds(), s.tessCPU.Seconds(), s.theirCPU.Seconds(), ev)
	}
	sort.Strings(cats)
	var tb strings.Builder
	fmt.Fprintf(&tb, "\n%-12s %3s  %-28s %7s  %-26s %s\n", "category", "n", "mean CER sohoa/tess/ocrmypdf", "flagged", "CPU s/page sohoa/tess/ocrmypdf",
		"targets: 300 dpi, sohoa/tess")
	var ourCPU, tessCPU, thrCPU time.Duration
	for _, c := range cats {
		r := rows[c]
		n := float64(r.n)
		ourCPU += r.ourCPU
		tessCPU += r.tessCPU
		thrCPU += r.thrCPU
		cer := "(reference)"
		if c != "real" {
			cer = fmt.Sprintf("%6.2f%% %6.2f%% %6.2f%%", 100*r.ours/n, 100*r.tess/n, 100*r.their/n)
		}
		target := ""
		switch {
		case r.nTwin > 0:
			target = fmt.Sprintf("300 dpi %.2f%% (%d pages; target within 3 points), %.2fx (target <= 0.6)", 100*r.twin/float64(r.nTwin), r.nTwin, r.ours/r.tess)
		case c == "real-lowres" || c == "real-photo":
			// The reference is the 300-dpi reading: the CER is the distance to it.
			target = fmt.Sprintf("300 dpi = reference (target mean <= 3%%), %.2fx (target <= 0.6)", r.ours/r.tess)
		}
		fmt.Fprintf(&tb, "%-12s %3d  %-28s %3d/%-3d  %5.1f %5.1f %5.1f   %s\n", c, r.n, cer, r.flagged, r.n,
			r.ourCPU.Seconds()/n, r.tessCPU.Seconds()/n, r.thrCPU.Seconds()/n, target)
	}
	fmt.Fprintf(&tb, "pages with CER > 10%%: %d, flagged %d; pages with CER < 2%%: %d, flagged %d\n", bad, badFlagged, good, goodFlagged)
	normalCPU, secondCPU, worstSecond := secondReadingCost(scores)
	if normalCPU > 0 && secondCPU > 0 {
		fmt.Fprintf(&tb, "CPU of a second reading: %.2f s a page on average, at most %.2f s (%s), against %.2f s a normal page: %.2fx, at most %.2fx (target <= 3)\n",
			secondCPU, worstSecond.ourCPU.Seconds(), worstSecond.page.Image, normalCPU, secondCPU/normalCPU, worstSecond.ourCPU.Seconds()/normalCPU)
	}
	fmt.Fprintf(&tb, "pages more than 1 point worse than bare tesseract: %d of %d %v\n", len(worse), nAll, worse)
	reportTableRows(b, &tb, scores, withOCRmyPDF)
	b.Log(tb.String())
	if bad > 0 {
		b.ReportMetric(float64(badFlagged)/float64(bad), "flag-recall")
	}
	if good > 0 {
		b.ReportMetric(float64(goodFlagged)/float64(good), "false-flag-rate")
	}
	if normalCPU > 0 && secondCPU > 0 {
		b.ReportMetric(secondCPU/normalCPU, "second-reading-cpu-ratio")
		b.ReportMetric(worstSecond.ourCPU.Seconds()/normalCPU, "second-reading-max-cpu-ratio")
	}
	b.ReportMetric(float64(len(worse)), "pages-worse-than-tess")
	b.ReportMetric(100*allOurs/float64(max(1, nAll)), "sohoa-CER%")
	b.ReportMetric(100*allTess/float64(max(1, nAll)), "tess-CER%")
	b.ReportMetric(ourCPU.Seconds()/tessCPU.Seconds(), "cpu-ratio-vs-tess")
	if withOCRmyPDF && thrCPU > 0 {
		b.ReportMetric(ourCPU.Seconds()/thrCPU.Seconds(), "cpu-ratio-vs-ocrmypdf")
	}
}
