package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress is the one status line of a long command on a terminal: pages
// done, rate and time left, redrawn in place. When stderr is not a
// terminal (a pipe, a log file) it writes nothing, so scripts and logs get
// only the results. Safe for concurrent use.
type progress struct {
	w    io.Writer
	u    ui
	on   bool
	what string // what is counted, e.g. "OCR"

	mu       sync.Mutex
	now      func() time.Time
	start    time.Time
	drawn    time.Time // last redraw
	done     int
	total    int
	note     string // a transient status (a retry), shown after the counts
	width    int    // runes of the last line drawn, to blank it
	finished bool
}

// progress returns the status line of this command; what names the work,
// total the pages to do (0: not known yet; -1: no pages are counted).
func (e *env) progress(what string, total int) *progress {
	return &progress{w: e.stderr, u: e.ui, on: e.term, what: what, total: total, now: time.Now, start: time.Now()}
}

// set records how many pages are done out of total (total 0: unknown yet).
func (p *progress) set(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.total = done, total
	p.drawLocked(false)
}

// add counts n more pages done.
func (p *progress) add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	p.drawLocked(false)
}

// status shows a transient note (a retry, a lost connection) until the
// next one; "" removes it.
func (p *progress) status(note string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.note = note
	p.drawLocked(true)
}

// hide blanks the line before other output; the next update redraws it.
func (p *progress) hide() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hideLocked()
}

func (p *progress) hideLocked() {
	if p.on && p.width > 0 {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
		p.width = 0
	}
	p.drawn = time.Time{} // redraw at the next update
}

// clear blanks the line for good: the command's outcome follows.
func (p *progress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hideLocked()
	p.finished = true
}

// drawLocked redraws at most five times a second, unless forced.
func (p *progress) drawLocked(force bool) {
	if !p.on || p.finished {
		return
	}
	now := p.now()
	if !force && now.Sub(p.drawn) < 200*time.Millisecond && p.done != p.total {
		return
	}
	p.drawn = now
	line := p.lineLocked(now)
	n := len([]rune(line))
	pad := ""
	if n < p.width {
		pad = strings.Repeat(" ", p.width-n)
	}
	fmt.Fprintf(p.w, "\r%s%s", line, pad)
	p.width = n
}

// lineLocked is the text of the status line: "OCR 12/20 trang · 0,8
// trang/giây · còn khoảng 10 giây".
func (p *progress) lineLocked(now time.Time) string {
	u := p.u
	var b strings.Builder
	b.WriteString(p.what)
	if p.total < 0 { // no pages to count: the note alone (watch)
		if p.note != "" {
			b.WriteString(" · " + p.note)
		}
		return b.String()
	}
	if p.total > 0 {
		fmt.Fprintf(&b, " %d/%s", p.done, u.pages(p.total))
	} else if p.done > 0 || p.note == "" {
		fmt.Fprintf(&b, " %s", u.pages(p.done))
	}
	el := now.Sub(p.start)
	if p.done > 0 && el > 0 {
		rate := float64(p.done) / el.Seconds()
		shown, unit := rate, u.t("trang/giây", "pages/s")
		if rate < 0.1 { // slow pages (a loaded machine): per minute reads better than 0.0
			shown, unit = rate*60, u.t("trang/phút", "pages/min")
		}
		r := fmt.Sprintf("%.1f", shown)
		if !u.english {
			r = strings.Replace(r, ".", ",", 1)
		}
		fmt.Fprintf(&b, " · %s %s", r, unit)
		if p.total > p.done {
			left := time.Duration(float64(p.total-p.done) / rate * float64(time.Second))
			fmt.Fprintf(&b, u.t(" · còn khoảng %s", " · about %s left"), u.duration(left))
		}
	} else {
		fmt.Fprintf(&b, u.t(" · đã %s", " · %s so far"), u.duration(el))
	}
	if p.note != "" {
		b.WriteString(" · " + p.note)
	}
	return b.String()
}
