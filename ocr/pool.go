package ocr

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	defaultRecycle   = 200
	defaultMaxRSS    = 400 << 20
	defaultTimeout   = 2 * time.Minute
	engineStartLimit = 2 * time.Minute
)

// engineMalloc tunes glibc's allocator in an engine child (other C
// libraries ignore the variable). A page makes and frees a dozen
// page-sized images (an A4 page at 300 dpi is 8.7 MB in grey, 35 MB in
// colour). By default each thread that calls into C gets an arena of its
// own, large blocks are mapped afresh and unmapped when freed, and so
// every image, on every page, is faulted in page by page again: more
// system time than all the page's image processing. One arena, every
// block from the heap (no mmap: glibc maps anything over 32 MiB, a colour
// A4 page among them, whatever the threshold), and up to 256 MiB of freed
// heap kept: later images and pages reuse memory already mapped. An
// engine then stays at the peak of the largest page it read, which
// MaxEngineRSS bounds as before; the peak itself does not grow (one arena
// fragments less).
const engineMalloc = "GLIBC_TUNABLES=glibc.malloc.arena_max=1:glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=268435456"

// Pool recognizes pages with Tesseract engines running in child processes
// (see package ocr/engine), so that leaks, crashes and hangs stay bounded
// to one page. Make one with NewPool (Options sets the engines, timeouts
// and recycling; zero values take the defaults) and Close it when done; a
// Pool is safe for concurrent use.
//
// The contract: Recognize checks the input in this process from headers
// only (Inspect's checks, without decoding pixels) and refuses bad files
// with an *InputError; the page then goes to an idle engine, started on
// demand (one at a time: Tesseract's start-up juggles the process-wide
// stderr), at most Options.Engines at once. An engine that passes
// Options.PageTimeout on a page, or whose caller gives up, is killed and
// the page fails with ErrEngine; one that crashes fails only its page. An
// engine is restarted after Options.RecycleAfter pages or when its
// resident memory passes Options.MaxEngineRSS. Close stops the engines.
type Pool struct {
	opts    Options
	log     *slog.Logger
	slots   chan *slot // idle slots; a slot holds a running engine or none
	startMu sync.Mutex // engines start one at a time

	running   sync.Map // pid -> struct{} of live engines
	seed      maphash.Seed
	pdfMu     sync.Mutex
	pdfs      []pdfInfo // recently inspected PDFs, newest last
	closeOnce sync.Once
	closed    atomic.Bool
	stats     poolStats
}

// NewPool starts no process until the first page arrives.
func NewPool(opts Options) *Pool {
	p := &Pool{}
	p.init(opts)
	return p
}

// Recognize orients, deskews, cleans and OCRs one page. The returned Image is
// the corrected page, encoded for embedding in a PDF.
func (p *Pool) Recognize(ctx context.Context, in Input) (Result, Image, error) {
	return p.recognize(ctx, in)
}

// Close stops the engines; later calls to Recognize fail.
func (p *Pool) Close() error { return p.close() }

// Engines is how many pages the Pool recognizes at once.
func (p *Pool) Engines() int { return cap(p.slots) }

type poolStats struct {
	started, recycled, killed, pages, peakRSS atomic.Int64
}

// PoolStats counts engine life events, for tests and metrics.
type PoolStats struct {
	Started  int64 // engine processes started
	Recycled int64 // stopped after RecycleAfter pages or above MaxEngineRSS
	Killed   int64 // killed on a page timeout, a cancelled context or a crash
	Pages    int64 // pages answered by an engine (errors included)
	PeakRSS  int64 // largest resident memory of an engine after a page, in bytes
}

// Stats returns counters of engine life events.
func (p *Pool) Stats() PoolStats {
	return PoolStats{Started: p.stats.started.Load(), Recycled: p.stats.recycled.Load(),
		Killed: p.stats.killed.Load(), Pages: p.stats.pages.Load(), PeakRSS: p.stats.peakRSS.Load()}
}

// EnginePIDs lists the process ids of the engines now running, idle or busy.
func (p *Pool) EnginePIDs() []int {
	var pids []int
	p.running.Range(func(k, _ any) bool {
		pids = append(pids, k.(int))
		return true
	})
	sort.Ints(pids)
	return pids
}

type slot struct{ e *engine }

type engine struct {
	cmd    *exec.Cmd
	in     *os.File
	out    *bufio.Reader
	outF   *os.File
	stderr *tailBuffer
	exited chan struct{}
	pages  int
	last   uint64 // hash of the file this engine received last
}

func (p *Pool) init(opts Options) {
	if opts.Engines <= 0 {
		opts.Engines = runtime.NumCPU()
	}
	if opts.DefaultDPI <= 0 {
		opts.DefaultDPI = 300
	}
	if opts.ReviewBelow == 0 {
		opts.ReviewBelow = 60
	}
	if opts.PageTimeout <= 0 {
		opts.PageTimeout = defaultTimeout
	}
	if opts.DigitsTimeout <= 0 {
		opts.DigitsTimeout = defaultDigitsTimeout
	}
	if opts.JPEGQuality <= 0 {
		opts.JPEGQuality = 75
	}
	if opts.RecycleAfter <= 0 {
		opts.RecycleAfter = defaultRecycle
	}
	if opts.MaxEngineRSS <= 0 {
		opts.MaxEngineRSS = defaultMaxRSS
	}
	if opts.Languages == "" {
		opts.Languages = "vie"
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	p.opts, p.log, p.slots = opts, log, make(chan *slot, opts.Engines)
	p.seed = maphash.MakeSeed()
	for i := 0; i < opts.Engines; i++ {
		p.slots <- &slot{}
	}
}

var errClosed = errors.New("ocr: pool closed")

func (p *Pool) recognize(ctx context.Context, in Input) (Result, Image, error) {
	if in.Page <= 0 {
		in.Page = 1
	}
	j, err := p.prepare(ctx, in)
	if err != nil {
		return Result{File: in.Name, Page: in.Page}, Image{}, fmt.Errorf("ocr: %s page %d: %w", in.Name, in.Page, err)
	}
	reply, data, err := p.run(ctx, j, p.opts.PageTimeout)
	if err != nil {
		return Result{File: in.Name, Page: in.Page}, Image{}, fmt.Errorf("ocr: %s page %d: %w", in.Name, in.Page, err)
	}
	if reply.Err != "" {
		if reply.Input != nil {
			return reply.Result, Image{}, fmt.Errorf("ocr: %s page %d: %w", in.Name, in.Page, reply.Input)
		}
		return reply.Result, Image{}, fmt.Errorf("ocr: %s page %d: %w", in.Name, in.Page, errors.New(reply.Err))
	}
	img := reply.Image
	img.Data = data
	return reply.Result, img, nil
}

// run hands one job to an idle engine (started on demand) and returns its
// reply, within timeout.
func (p *Pool) run(ctx context.Context, j *Job, timeout time.Duration) (engineReply, []byte, error) {
	var s *slot
	select {
	case s = <-p.slots:
	case <-ctx.Done():
		return engineReply{}, nil, ctx.Err()
	}
	defer func() { p.slots <- s }()
	if p.closed.Load() {
		return engineReply{}, nil, errClosed
	}
	if s.e == nil {
		var err error
		if s.e, err = p.start(ctx); err != nil {
			return engineReply{}, nil, fmt.Errorf("%w: %w", ErrEngine, err)
		}
	}
	return p.exchange(ctx, s, j, timeout)
}

// prepare checks the input in the parent, from headers only, and builds the job.
func (p *Pool) prepare(ctx context.Context, in Input) (*Job, error) {
	j := &Job{Name: in.Name, Page: in.Page, DefaultDPI: p.opts.DefaultDPI, JPEGQuality: p.opts.JPEGQuality,
		ReviewBelow: p.opts.ReviewBelow, Data: in.Data}
	j.Format = Sniff(in.Data)
	if j.Format == "pdf" {
		n, err := p.pdfPages(ctx, in.Data)
		if err != nil {
			return nil, err
		}
		if in.Page > n {
			return nil, ErrNoSuchPage.With(fmt.Sprintf("page %d of %d", in.Page, n))
		}
		if in.DPI > 0 {
			j.DPI, j.DPIKnown = in.DPI, true
		}
		return j, nil
	}
	info, err := inspectImage(in.Data, p.opts.Limits)
	if err != nil {
		return nil, err
	}
	if in.Page > len(info.pages) {
		return nil, ErrNoSuchPage.With(fmt.Sprintf("page %d of %d", in.Page, len(info.pages)))
	}
	pi := info.pages[in.Page-1]
	switch {
	case in.DPI > 0:
		j.DPI, j.DPIKnown = in.DPI, true
	case pi.DPI > 0:
		j.DPI, j.DPIKnown = pi.DPI, true
	default:
		j.DPI = p.opts.DefaultDPI
	}
	j.KeepJPEG = j.Format == "jpeg" && (pi.Comps == 1 || pi.Comps == 3)
	return j, nil
}

// pdfInfo is the outcome of inspecting one PDF.
type pdfInfo struct {
	sum   uint64
	pages int
	err   error
}

// pdfPages inspects a PDF once for all its pages (poppler reads the whole
// file each time) and remembers the answer for the next pages.
func (p *Pool) pdfPages(ctx context.Context, data []byte) (int, error) {
	sum := maphash.Bytes(p.seed, data)
	p.pdfMu.Lock()
	for _, c := range p.pdfs {
		if c.sum == sum {
			p.pdfMu.Unlock()
			return c.pages, c.err
		}
	}
	p.pdfMu.Unlock()
	n, _, err := inspectPDF(ctx, data, p.opts.Limits, 1, 0)
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	p.pdfMu.Lock()
	p.pdfs = append(p.pdfs, pdfInfo{sum: sum, pages: n, err: err})
	if len(p.pdfs) > 8 {
		p.pdfs = p.pdfs[1:]
	}
	p.pdfMu.Unlock()
	return n, err
}

// start launches one engine child and waits until its models are loaded.
func (p *Pool) start(ctx context.Context) (*engine, error) {
	if os.Getenv(EngineEnv) == "1" {
		// We are a child that was not served: starting more would recurse.
		return nil, errors.New("this process was started as an OCR engine but main (or TestMain) does not call engine.MaybeServe (package ocr/engine)")
	}
	p.startMu.Lock()
	defer p.startMu.Unlock()
	argv := p.opts.Command
	if len(argv) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		argv = []string{exe}
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	extra := []string{EngineEnv + "=1", "OMP_THREAD_LIMIT=1", engineMalloc, EngineLangsEnv + "=" + p.opts.Languages}
	if os.Getenv("TESSDATA_PREFIX") == "" {
		extra = append(extra, "TESSDATA_PREFIX="+DefaultTessdata)
	}
	// The engine parses untrusted images with C libraries: it gets the
	// child environment, none of this process's secrets.
	cmd.Env = ChildEnv(extra...)
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	e := &engine{cmd: cmd, in: inW, outF: outR, out: bufio.NewReaderSize(outR, 1<<16), stderr: &tailBuffer{max: 4096}, exited: make(chan struct{})}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, e.stderr
	if os.Getenv("SOHOA_OCR_TRACE") != "" {
		cmd.Stderr = io.MultiWriter(e.stderr, os.Stderr)
	}
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("start ocr engine %s: %w", argv[0], err)
	}
	pid := cmd.Process.Pid
	p.running.Store(pid, struct{}{})
	go func() {
		cmd.Wait()
		p.running.Delete(pid)
		close(e.exited)
	}()
	p.stats.started.Add(1)

	hello := make(chan error, 1)
	go func() {
		b, err := readFrame(e.out)
		if err != nil {
			hello <- err
			return
		}
		var h engineHello
		if err := json.Unmarshal(b, &h); err != nil {
			hello <- fmt.Errorf("bad hello: %w", err)
			return
		}
		if h.Err != "" {
			hello <- errors.New(h.Err)
			return
		}
		hello <- nil
	}()
	t := time.NewTimer(engineStartLimit)
	defer t.Stop()
	select {
	case err = <-hello:
	case <-t.C:
		err = errors.New("no answer")
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		e.kill()
		return nil, fmt.Errorf("ocr engine did not start (does main or TestMain call engine.MaybeServe of package ocr/engine?): %w; stderr: %s", err, e.stderr.String())
	}
	p.log.Debug("ocr engine started", "pid", cmd.Process.Pid, "languages", p.opts.Languages)
	return e, nil
}

// kill stops the child at once and reaps it.
func (e *engine) kill() {
	e.cmd.Process.Kill()
	<-e.exited
	e.in.Close()
	e.outF.Close()
}

// stop ends the child gracefully: closing stdin ends its serve loop.
func (e *engine) stop() {
	e.in.Close()
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case <-e.exited:
	case <-t.C:
		e.cmd.Process.Kill()
		<-e.exited
	}
	e.outF.Close()
}

// rss is the child's resident memory in bytes, 0 when unknown.
func (e *engine) rss() int64 { return rssOf(e.cmd.Process.Pid) }

// rssOf reads a process's resident memory in bytes, 0 when unknown.
func rssOf(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.ParseInt(f[1], 10, 64)
	return n * int64(os.Getpagesize())
}

type exchangeResult struct {
	reply engineReply
	data  []byte
	err   error
}

// exchange sends one job to the slot's engine and waits for its answer,
// killing the engine if the job runs past the timeout.
func (p *Pool) exchange(ctx context.Context, s *slot, j *Job, timeout time.Duration) (engineReply, []byte, error) {
	e := s.e
	// Pages of one file usually follow each other: send the file only when
	// this engine does not hold it already.
	sum := maphash.Bytes(p.seed, j.Data)
	send := j.Data
	jj := *j
	if sum == e.last {
		jj.Cached, send = true, nil
	}
	e.last = 0
	done := make(chan exchangeResult, 1)
	go func() {
		var r exchangeResult
		hdr, err := json.Marshal(&jj)
		if err == nil {
			w := bufio.NewWriterSize(e.in, 1<<16)
			if err = writeFrame(w, hdr); err == nil {
				if err = writeFrame(w, send); err == nil {
					err = w.Flush()
				}
			}
		}
		if err == nil {
			var b []byte
			if b, err = readFrame(e.out); err == nil {
				if err = json.Unmarshal(b, &r.reply); err == nil {
					r.data, err = readFrame(e.out)
				}
			}
		}
		r.err = err
		done <- r
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	var r exchangeResult
	select {
	case r = <-done:
	case <-t.C:
		p.discard(s, "timeout")
		return engineReply{}, nil, fmt.Errorf("%w: no result within %s (engine stopped)", ErrEngine, timeout)
	case <-ctx.Done():
		p.discard(s, "cancelled")
		return engineReply{}, nil, ctx.Err()
	}
	p.stats.pages.Add(1)
	if r.err != nil {
		// The child died mid-page (crash, out of memory, killed).
		msg := s.e.stderr.String()
		p.discard(s, "crashed")
		return engineReply{}, nil, fmt.Errorf("%w: engine crashed (%v): %s", ErrEngine, r.err, msg)
	}
	e.pages++
	e.last = sum
	rss := e.rss()
	for peak := p.stats.peakRSS.Load(); rss > peak && !p.stats.peakRSS.CompareAndSwap(peak, rss); {
		peak = p.stats.peakRSS.Load()
	}
	if e.pages >= p.opts.RecycleAfter {
		p.recycle(s, "pages", e.pages)
	} else if rss > p.opts.MaxEngineRSS {
		p.recycle(s, "rss", rss)
	}
	return r.reply, r.data, nil
}

func (p *Pool) discard(s *slot, why string) {
	p.stats.killed.Add(1)
	p.log.Warn("ocr engine killed", "pid", s.e.cmd.Process.Pid, "reason", why)
	s.e.kill()
	s.e = nil
}

func (p *Pool) recycle(s *slot, why string, v any) {
	p.stats.recycled.Add(1)
	p.log.Debug("ocr engine recycled", "pid", s.e.cmd.Process.Pid, "reason", why, "value", v)
	s.e.stop()
	s.e = nil
}

func (p *Pool) close() error {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		for i := 0; i < cap(p.slots); i++ {
			s := <-p.slots
			if s.e != nil {
				s.e.stop()
				s.e = nil
			}
			defer func() { p.slots <- s }()
		}
	})
	return nil
}

// tailBuffer keeps the last max bytes written (an engine's stderr).
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.b))
}
