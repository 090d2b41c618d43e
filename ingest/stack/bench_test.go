package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ingest/stack"
	"github.com/sohoa/sohoa/ingest/stack/stacktest"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
	"github.com/sohoa/sohoa/workers"
)

// benchStack is a generated stack: its page files in scan order and the
// split it must give.
type benchStack struct {
	names []string
	files map[string]ingest.File
	want  map[string][]string // dossier code -> its pages, in order
	seps  map[string]bool     // the separator sheets
}

// scanMix is a dossier's scan: 200 or 300 dpi, bitonal or colour, skewed
// up to ±15°, one in four turned over.
func scanMix(r *rand.Rand) (stacktest.Scan, bool) {
	sc := stacktest.Scan{DPI: []int{200, 300}[r.IntN(2)], Bitonal: r.IntN(2) == 0, Angle: float64(r.IntN(3001)-1500) / 100}
	if r.IntN(4) == 0 {
		sc.Angle += 180
	}
	return sc, !sc.Bitonal
}

// genStack writes dossiers dossiers of pagesEach pages each: a separator
// sheet, the receipt with its QR, and pagesEach-2 more pages (drawn once
// per scan mode and reused: the reading, not the drawing, is measured).
func genStack(b *testing.B, dir string, dossiers, pagesEach int, seed uint64) *benchStack {
	r := rand.New(rand.NewPCG(seed, 7))
	st := &benchStack{want: map[string][]string{}, seps: map[string]bool{}}
	var wantPos = map[string][]int{}
	type job struct {
		name string
		draw func() image.Image
		col  bool
	}
	var jobs []job
	body := map[string]string{} // scan mode -> a drawn body page file
	pos := 0
	for d := range dossiers {
		code := fmt.Sprintf("000.00.31.H33-2611%02d-%04d", 1+d%28, d+1)
		sc, col := scanMix(r)
		pos++
		name := fmt.Sprintf("p%04d", pos)
		jobs = append(jobs, job{name, func() image.Image { img, _ := stacktest.Separator(code, sc); return img }, col})
		st.names = append(st.names, name)
		rsc, rcol := scanMix(r)
		pos++
		name = fmt.Sprintf("p%04d", pos)
		jobs = append(jobs, job{name, func() image.Image { img, _ := stacktest.Receipt(code, rsc, uint64(d)); return img }, rcol})
		st.names = append(st.names, name)
		wantPos[code] = append(wantPos[code], pos)
		for range pagesEach - 2 {
			pos++
			st.names = append(st.names, fmt.Sprintf("p%04d", pos))
			wantPos[code] = append(wantPos[code], pos)
			psc := stacktest.Scan{DPI: sc.DPI, Bitonal: sc.Bitonal}
			key := fmt.Sprint(psc)
			if _, ok := body[key]; !ok {
				body[key] = fmt.Sprintf("body-%d", len(body))
				jobs = append(jobs, job{body[key], func() image.Image { return stacktest.Page(psc, 11) }, col})
			}
			body[st.names[len(st.names)-1]] = body[key]
		}
	}
	ext := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	ch := make(chan job)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for j := range ch {
				img := j.draw()
				var data []byte
				e := ".png"
				if j.col {
					data, e = colourJPEG(img), ".jpg"
				} else {
					data = stacktest.PNG(img)
				}
				if err := os.WriteFile(filepath.Join(dir, j.name+e), data, 0o600); err != nil {
					b.Error(err)
				}
				mu.Lock()
				ext[j.name] = e
				mu.Unlock()
			}
		})
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	for i, n := range st.names {
		src := n
		if bn, ok := body[n]; ok {
			src = bn
		}
		name := n + ext[src]
		data, err := os.ReadFile(filepath.Join(dir, src+ext[src]))
		if err != nil {
			b.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if src != n {
			os.WriteFile(path, data, 0o600)
		}
		st.names[i] = name
		if i%pagesEach == 0 {
			st.seps[name] = true
		}
	}
	for code, ps := range wantPos {
		for _, p := range ps {
			st.want[code] = append(st.want[code], st.names[p-1])
		}
	}
	st.describe(b, dir)
	return st
}

// describe gives st its files: the pages named st.names in dir, with
// their sizes and hashes as an upload describes them (ingest.LocalFiles).
func (st *benchStack) describe(b *testing.B, dir string) {
	paths := make([]string, len(st.names))
	for i, n := range st.names {
		paths[i] = filepath.Join(dir, n)
	}
	files, err := ingest.LocalFiles(paths)
	if err != nil {
		b.Fatal(err)
	}
	st.files = files
}

// colourJPEG puts a grey scan on cream paper in colour, as a colour scanner
// writes it (JPEG quality 85).
func colourJPEG(img image.Image) []byte {
	b := img.Bounds()
	c := image.NewRGBA(b)
	draw.Draw(c, b, img, b.Min, draw.Src)
	for i := 0; i < len(c.Pix); i += 4 {
		v := c.Pix[i]
		c.Pix[i], c.Pix[i+1], c.Pix[i+2] = v, uint8(int(v)*97/100), uint8(int(v)*88/100)
		if v < 100 {
			c.Pix[i+2] = 120 // blue ink
		}
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, c, &jpeg.Options{Quality: 85})
	return buf.Bytes()
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// BenchmarkSplitStack splits a drawn stack of 50 dossiers (10 pages
// each: separator, receipt with QR, 8 pages; 200/300 dpi, bitonal PNG or
// colour JPEG, skewed ±15°, a quarter turned over) and submits every
// dossier as a batch to SQLite records, local blobs and the SQLite queue
// (splitBench says what it checks and reports).
//
//	go test ./ingest/stack -run '^$' -bench SplitStack -benchtime 1x
func BenchmarkSplitStack(b *testing.B) {
	storagetest.Env(b, "SOHOA_TEST_PG") // only to honour SOHOA_TEST_REQUIRE like the other service benchmarks
	dossiers := 50
	if n, err := strconv.Atoi(os.Getenv("SOHOA_STACK_DOSSIERS")); err == nil && n > 0 {
		dossiers = n // a quicker run for profiling
	}
	splitBench(b, genStack(b, b.TempDir(), dossiers, 10, 1))
}

// BenchmarkSplitGeneratedStack is BenchmarkSplitStack on the generator's
// stack preset (testdata/gen -preset stack: 50 dossiers of separator,
// receipt with the code in a QR and as text, and 1-4 pages of rendered
// Vietnamese text, 200/300 dpi, bitonal or colour, skewed ±15°, a quarter
// turned over), each dossier's pages after the receipt repeated to 10
// pages a dossier (500 pages). The generator renders every page (about a
// CPU-second each): SOHOA_STACK_CORPUS names a folder it already wrote.
//
//	go test ./ingest/stack -run '^$' -bench SplitGeneratedStack -benchtime 1x
func BenchmarkSplitGeneratedStack(b *testing.B) {
	storagetest.Env(b, "SOHOA_TEST_PG")
	src := os.Getenv("SOHOA_STACK_CORPUS")
	if src == "" {
		src = b.TempDir()
		args := []string{"-preset", "stack"}
		if n := os.Getenv("SOHOA_STACK_DOSSIERS"); n != "" {
			args = append(args, "-n", n)
		}
		sohoatest.Generate(b, src, args...)
	}
	data, err := os.ReadFile(filepath.Join(src, "stack.json"))
	if err != nil {
		b.Fatal(err)
	}
	var truth struct {
		Dossiers []struct {
			Code      string   `json:"code"`
			Separator string   `json:"separator"`
			Pages     []string `json:"pages"`
		} `json:"dossiers"`
	}
	if err := json.Unmarshal(data, &truth); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	st := &benchStack{want: map[string][]string{}, seps: map[string]bool{}}
	add := func(name, from string) {
		data, err := os.ReadFile(filepath.Join(src, from))
		if err != nil {
			b.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			b.Fatal(err)
		}
		st.names = append(st.names, name)
	}
	for _, d := range truth.Dossiers {
		if len(d.Pages) < 2 {
			b.Fatalf("dossier %s: %d pages", d.Code, len(d.Pages))
		}
		name := fmt.Sprintf("s%04d%s", len(st.names)+1, filepath.Ext(d.Separator))
		add(name, d.Separator)
		st.seps[name] = true
		for i := range 9 {
			from := d.Pages[0] // the receipt, then the other pages over and over
			if i > 0 {
				from = d.Pages[1+(i-1)%(len(d.Pages)-1)]
			}
			name := fmt.Sprintf("s%04d%s", len(st.names)+1, filepath.Ext(from))
			add(name, from)
			st.want[d.Code] = append(st.want[d.Code], name)
		}
	}
	st.describe(b, dir)
	splitBench(b, st)
}

// splitBench splits st and fails unless every dossier is found with
// exactly its pages, and the same stack without its separator sheets
// splits the same by the receipts' codes alone (every receipt read).
// Reported: CPU seconds of the whole process per stack (cpu-s/op), and
// the same stack submitted as plain batches (no reading) as the peer.
func splitBench(b *testing.B, st *benchStack) {
	ctx := context.Background()
	tok := &dossier.Token{ID: "bench", Role: dossier.RoleAdmin, Name: "bench"}
	open := func() (*ingest.Intake, *stack.Splitter) {
		db := storagetest.OpenDB(b, storage.SQLite)
		rec := storagetest.Records(b, db)
		blobs := storagetest.LocalBlobs(b)
		q, err := workers.NewSQLQueue(ctx, db, workers.SQLQueueConfig{})
		if err != nil {
			b.Fatal(err)
		}
		run, err := workers.New(workers.Config{Queue: q, Records: rec, Blobs: blobs, NoWorkers: true})
		if err != nil {
			b.Fatal(err)
		}
		sr := storagetest.Open(b, db, storage.OpenStackRecords)
		in := &ingest.Intake{Records: rec, Blobs: blobs, Queue: run}
		return in, &stack.Splitter{Intake: in, Records: sr}
	}
	var splitCPU, plainCPU float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		in, sp := open()
		b.StartTimer()
		c0 := cpuSeconds()
		out, err := sp.Split(ctx, tok, &stack.Manifest{Pages: st.names, IdempotencyKey: fmt.Sprint("bench-", i)}, st.files)
		splitCPU += cpuSeconds() - c0
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		right := 0
		for _, d := range out.Dossiers {
			if fmt.Sprint(namesAt(st.names, d.Pages)) == fmt.Sprint(st.want[d.DossierCode]) {
				right++
			}
		}
		if right != len(st.want) || len(out.Exceptions) != 0 {
			for _, e := range out.Exceptions {
				b.Logf("exception: %s", e.Reason)
			}
			b.Fatalf("%d of %d dossiers split right, %d exceptions", right, len(st.want), len(out.Exceptions))
		}
		// Every receipt's code read too: the same stack without its
		// separator sheets (a desk that scans only the receipts) must
		// split the same.
		in3, sp3 := open()
		_ = in3
		var rnames []string
		rfiles := map[string]ingest.File{}
		for _, n := range st.names {
			if !st.seps[n] {
				rnames = append(rnames, n)
				rfiles[n] = st.files[n]
			}
		}
		rout, err := sp3.Split(ctx, tok, &stack.Manifest{Pages: rnames, IdempotencyKey: fmt.Sprint("receipts-", i)}, rfiles)
		if err != nil {
			b.Fatal(err)
		}
		rright := 0
		for _, d := range rout.Dossiers {
			if d.FoundBy == "receipt" && fmt.Sprint(namesAt(rnames, d.Pages)) == fmt.Sprint(st.want[d.DossierCode]) {
				rright++
			}
		}
		if rright != len(st.want) || len(rout.Exceptions) != 0 {
			b.Fatalf("receipts only: %d of %d dossiers split right, %d exceptions", rright, len(st.want), len(rout.Exceptions))
		}
		// The peer: the same dossiers as plain batches, codes known.
		in2, _ := open()
		_ = in
		c0 = cpuSeconds()
		for _, d := range out.Dossiers {
			m := &ingest.Manifest{BatchInfo: dossier.BatchInfo{DossierCode: d.DossierCode,
				Title: "Hồ sơ " + d.DossierCode}, IdempotencyKey: "plain-" + d.DossierCode}
			files := map[string]ingest.File{}
			for _, p := range d.Pages {
				m.Pages = append(m.Pages, st.names[p-1])
				files[st.names[p-1]] = st.files[st.names[p-1]]
			}
			if _, _, err := in2.Submit(ctx, tok, m, files); err != nil {
				b.Fatal(err)
			}
		}
		plainCPU += cpuSeconds() - c0
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(float64(len(st.names)), "pages")
	b.ReportMetric(splitCPU/n, "cpu-s/op")
	b.ReportMetric(plainCPU/n, "plain-cpu-s/op")
	b.ReportMetric(splitCPU/plainCPU, "ratio")
	b.ReportMetric(100, "%right")
}

// namesAt gives the names at 1-based positions of names.
func namesAt(names []string, pos []int) []string {
	out := make([]string, len(pos))
	for i, p := range pos {
		out[i] = names[p-1]
	}
	return out
}
