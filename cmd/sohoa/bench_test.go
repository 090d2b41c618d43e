package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
)

// benchBatches copies the sample batch's pages n times into batches of one
// dossier each (so no upload is a duplicate) and returns the batch folders.
func benchBatches(b *testing.B, copies int) (dirs []string, pages int) {
	src := sampleBatch(b)
	_, paths, err := readDemoBatch(src)
	if err != nil {
		b.Fatal(err)
	}
	root := b.TempDir()
	for i := range copies {
		d := filepath.Join(root, fmt.Sprintf("b%03d", i))
		os.MkdirAll(d, 0o755)
		for _, p := range append(paths, filepath.Join(src, ingest.ManifestFile)) {
			data, _ := os.ReadFile(p)
			os.WriteFile(filepath.Join(d, filepath.Base(p)), data, 0o644)
		}
		pages += len(paths)
		dirs = append(dirs, d)
	}
	return dirs, pages
}

func uploadDir(ctx context.Context, cl *ingest.Client, dir string, n int) (string, error) {
	m, paths, err := readDemoBatch(dir)
	if err != nil {
		return "", err
	}
	m.DossierCode = fmt.Sprintf("000.00.31.H33-261127-%04d", n)
	m.IdempotencyKey, m.Station = "", "" // a station token uploads as itself
	res, err := cl.Upload(ctx, m, paths)
	if err != nil {
		return "", err
	}
	return res.BatchID, nil
}

// BenchmarkEndToEnd measures pages per minute from upload to signed PDF
// stored and linked, with 2 workers (embedded mode), and OCRmyPDF on the
// same pages (`ocrmypdf -l vie --deskew --output-type pdfa-2 --jobs 2`),
// reporting both and their ratio.
//
//	go test -run '^$' -bench EndToEnd -benchtime 1x ./cmd/sohoa/
func BenchmarkEndToEnd(b *testing.B) {
	copies := 4
	dirs, pages := benchBatches(b, copies)
	var sohoaSec, peerSec float64
	for i := 0; b.Loop(); i++ {
		// sohoa: all batches uploaded at once, then waited for.
		c := stackConfig{workers: 2, rate: -1}
		testKeys(b, &c)
		ts := startStack(b, c)
		tok := ts.token(b, dossier.RoleStation, "bench")
		cl := &ingest.Client{Server: ts.url, Token: tok}
		ctx := context.Background()
		start := time.Now()
		var ids []string
		for j, d := range dirs {
			id, err := uploadDir(ctx, cl, d, i*100+j)
			if err != nil {
				b.Fatal(err)
			}
			ids = append(ids, id)
		}
		for _, id := range ids {
			bt, err := waitBatch(ctx, ts, id)
			if err != nil || bt.Status != dossier.BatchDone {
				b.Fatalf("batch %s: %v %+v", id, err, bt)
			}
		}
		sohoaSec += time.Since(start).Seconds()

		// OCRmyPDF: one PDF per batch (made with img2pdf, as OCRmyPDF does
		// for images), processed one after the other with 2 jobs.
		start = time.Now()
		for j, d := range dirs {
			_, paths, _ := readDemoBatch(d)
			in := filepath.Join(b.TempDir(), fmt.Sprintf("in%d.pdf", j))
			py := "import img2pdf,sys; open(sys.argv[1],'wb').write(img2pdf.convert(sys.argv[2:]))"
			if out, err := exec.Command("/usr/bin/python3", append([]string{"-c", py, in}, paths...)...).CombinedOutput(); err != nil {
				b.Fatalf("img2pdf: %v\n%s", err, out)
			}
			if out, err := exec.Command("ocrmypdf", "-q", "-l", "vie", "--deskew", "--output-type", "pdfa-2", "--jobs", "2",
				in, in+".out.pdf").CombinedOutput(); err != nil {
				b.Fatalf("ocrmypdf: %v\n%s", err, out)
			}
		}
		peerSec += time.Since(start).Seconds()
	}
	n := float64(b.N)
	sohoaRate := float64(pages) / (sohoaSec / n) * 60
	peerRate := float64(pages) / (peerSec / n) * 60
	b.ReportMetric(sohoaRate, "sohoa_pages/min")
	b.ReportMetric(peerRate, "ocrmypdf_pages/min")
	b.ReportMetric(sohoaRate/peerRate, "ratio")
}

// BenchmarkUploadLatencyBusy measures the upload API's latency (one-page
// batches from four stations at once) while 2 workers OCR a backlog, in
// embedded mode and on RabbitMQ, MinIO and PostgreSQL.
//
//	go test -run '^$' -bench UploadLatencyBusy -benchtime 100x ./cmd/sohoa/
func BenchmarkUploadLatencyBusy(b *testing.B) {
	b.Run("embedded", func(b *testing.B) { benchUploadLatency(b, stackConfig{}) })
	b.Run("distributed", func(b *testing.B) { benchUploadLatency(b, distributedConfig(b)) })
}

func benchUploadLatency(b *testing.B, c stackConfig) {
	dirs, _ := benchBatches(b, 6)
	c.workers, c.rate = 2, -1
	testKeys(b, &c)
	ts := startStack(b, c)
	tok := ts.token(b, dossier.RoleStation, "bench")
	cl := &ingest.Client{Server: ts.url, Token: tok}
	ctx := context.Background()
	for j, d := range dirs { // the backlog that keeps the workers busy
		if _, err := uploadDir(ctx, cl, d, 9000+j); err != nil {
			b.Fatal(err)
		}
	}
	time.Sleep(2 * time.Second) // let the engines start and get to work
	page := filepath.Join(b.TempDir(), "p.jpg")
	os.WriteFile(page, tinyPage(b, "GIAY TIEP NHAN HO SO"), 0o644)
	var (
		mu  sync.Mutex
		lat []time.Duration
	)
	n := 0
	for b.Loop() {
		var wg sync.WaitGroup
		for s := range 4 { // four stations at once
			n++
			k := n
			wg.Go(func() {
				m := &ingest.Manifest{BatchInfo: dossier.BatchInfo{DossierCode: fmt.Sprintf("000.00.31.H33-261128-%04d", k),
					Title: "Giấy tiếp nhận"}, Pages: []string{"p.jpg"}}
				start := time.Now()
				if _, err := cl.Upload(ctx, m, []string{page}); err != nil {
					b.Error(s, err)
					return
				}
				mu.Lock()
				lat = append(lat, time.Since(start))
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	slices.Sort(lat)
	if len(lat) == 0 {
		return
	}
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.5), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	depth, _ := ts.queue.Depth(ctx, "page")
	b.ReportMetric(float64(depth), "pages_waiting")
}
