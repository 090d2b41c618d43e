package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/sohoa/sohoa/ingest/dossier"
)

// Uploader sends one batch. *Client does it over HTTP; LocalUploader
// straight into an in-process Intake.
type Uploader interface {
	Upload(ctx context.Context, m *Manifest, paths []string) (*UploadResult, error)
}

// StackUploader sends one stack: manifest is the stack manifest's JSON
// (package ingest/stack), key its idempotency key, pages its page names in
// scan order and paths the files. *Client does it over HTTP.
type StackUploader interface {
	UploadStack(ctx context.Context, manifest []byte, key string, pages, paths []string) (*StackResult, error)
}

// Hot-folder layout: DIR/<batch>/manifest.json + pages; accepted batches
// move to DIR/done/<batch>, refused ones to DIR/error/<batch> with REASON.txt.
// A folder with StackFile instead of a manifest is a stack of many
// dossiers (scanned in one run), split by the server.
const (
	ManifestFile = "manifest.json"
	StackFile    = "stack.json"
	DoneDir      = "done"
	ErrorDir     = "error"
	ReasonFile   = "REASON.txt"
)

// Watcher ingests batches dropped into a hot folder. A batch is taken only
// once its files have stopped changing (same names, sizes and mtimes for
// Settle), so a scanner still writing is never read half-way. Its
// idempotency key (when the manifest has none) derives from the folder name
// and the content, so a crash between upload and move never makes two
// batches: the next attempt gets the first batch back. Set the exported
// fields (Dir and Up at least) and call Run once; a Watcher remembers what
// it has seen between scans.
type Watcher struct {
	Dir string
	Up  Uploader
	// Stacks sends the folders marked as stacks (StackFile); nil leaves
	// them in place with a warning.
	Stacks     StackUploader
	Settle     time.Duration // 5 s when 0
	DeleteDone bool          // delete accepted batches instead of moving them to done/
	Log        *slog.Logger
	// OnDone is called after each batch is handled (tests, the demo):
	// res is nil when the batch was refused (err says why).
	OnDone func(name string, res *UploadResult, err error)

	seen map[string]*pending
}

type pending struct {
	snap     string
	since    time.Time
	nextTry  time.Time
	failures int
}

func (w *Watcher) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Run watches until ctx is done.
func (w *Watcher) Run(ctx context.Context) error {
	settle := w.Settle
	if settle <= 0 {
		settle = 5 * time.Second
	}
	for _, d := range []string{w.Dir, filepath.Join(w.Dir, DoneDir), filepath.Join(w.Dir, ErrorDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("watch: %w", err)
		}
	}
	w.seen = map[string]*pending{}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	defer fw.Close()
	if err := fw.Add(w.Dir); err != nil {
		return fmt.Errorf("watch %s: %w", w.Dir, err)
	}
	// The periodic scan is the ground truth (fsnotify misses events on
	// network shares); events only make it come sooner.
	tick := time.NewTicker(max(settle/2, 50*time.Millisecond))
	defer tick.Stop()
	for {
		w.scan(ctx, settle, fw)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case ev, ok := <-fw.Events:
			if !ok {
				return errors.New("watch: fsnotify closed")
			}
			_ = ev
		case err := <-fw.Errors:
			w.log().Warn("watch: fsnotify", "err", err)
		}
	}
}

// scan looks at every batch folder once.
func (w *Watcher) scan(ctx context.Context, settle time.Duration, fw *fsnotify.Watcher) {
	ents, err := os.ReadDir(w.Dir)
	if err != nil {
		w.log().Warn("watch: read folder", "dir", w.Dir, "err", err)
		return
	}
	now := time.Now()
	present := map[string]bool{}
	for _, e := range ents {
		name := e.Name()
		if !e.IsDir() || name == DoneDir || name == ErrorDir || strings.HasPrefix(name, ".") {
			continue
		}
		present[name] = true
		dir := filepath.Join(w.Dir, name)
		snap, err := snapshot(dir)
		if err != nil {
			continue // vanished or unreadable for now
		}
		p := w.seen[name]
		if p == nil {
			p = &pending{}
			w.seen[name] = p
			fw.Add(dir) // writes inside the folder wake the loop too
		}
		if p.snap != snap {
			p.snap, p.since = snap, now
			continue
		}
		if now.Sub(p.since) < settle || now.Before(p.nextTry) {
			continue
		}
		if !strings.Contains(snap, "\x00"+ManifestFile+"\x00") && !strings.Contains(snap, "\x00"+StackFile+"\x00") {
			continue // no manifest yet: the scanner has not finished
		}
		if ctx.Err() != nil {
			return
		}
		w.take(ctx, name, p)
	}
	for name := range w.seen {
		if !present[name] {
			delete(w.seen, name)
		}
	}
}

// snapshot lists a folder's files with sizes and mtimes.
func snapshot(dir string) (string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, e := range ents {
		info, err := e.Info()
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "\x00%s\x00%d %d %v\n", e.Name(), info.Size(), info.ModTime().UnixNano(), e.IsDir())
	}
	return b.String(), nil
}

// take uploads one settled batch folder and moves it.
func (w *Watcher) take(ctx context.Context, name string, p *pending) {
	dir := filepath.Join(w.Dir, name)
	if _, serr := os.Stat(filepath.Join(dir, ManifestFile)); serr != nil {
		w.takeStack(ctx, name, dir, p)
		return
	}
	m, paths, err := readBatchFolder(name, dir)
	if err == nil {
		var res *UploadResult
		res, err = w.Up.Upload(ctx, m, paths)
		if err == nil {
			w.log().Info("watch: batch accepted", "folder", name, "batch", res.BatchID, "created", res.Created)
			w.finish(name, dir, res, nil)
			return
		}
	}
	w.failed(ctx, name, dir, p, err)
}

// failed keeps a folder to retry when the server is down or busy, and
// moves it to error/ when it was refused.
func (w *Watcher) failed(ctx context.Context, name, dir string, p *pending, err error) {
	if ctx.Err() != nil {
		return
	}
	var ae *APIError
	var ie *Error
	refused := (errors.As(err, &ae) && !ae.Temporary()) || errors.As(err, &ie)
	if !refused {
		// The server is down or busy: keep the folder, try again later.
		p.failures++
		p.nextTry = time.Now().Add(min(time.Duration(1<<min(p.failures, 6))*time.Second, time.Minute))
		w.log().Warn("watch: upload failed, will retry", "folder", name, "err", err)
		return
	}
	w.log().Warn("watch: batch refused", "folder", name, "err", err)
	w.finish(name, dir, nil, err)
}

func (w *Watcher) finish(name, dir string, res *UploadResult, refusal error) {
	delete(w.seen, name)
	if refusal == nil && w.DeleteDone {
		if err := os.RemoveAll(dir); err != nil {
			w.log().Error("watch: delete accepted batch", "folder", name, "err", err)
		}
	} else {
		dest := DoneDir
		if refusal != nil {
			dest = ErrorDir
			vi, en := reasonText(refusal)
			reason := fmt.Sprintf("Lô %q bị từ chối / Batch %q was refused (%s)\n\n%s\n\n%s\n",
				name, name, time.Now().UTC().Format(time.RFC3339), vi, en)
			if err := os.WriteFile(filepath.Join(dir, ReasonFile), []byte(reason), 0o644); err != nil {
				w.log().Error("watch: write reason", "folder", name, "err", err)
			}
		}
		target := uniquePath(filepath.Join(w.Dir, dest, name))
		if err := os.Rename(dir, target); err != nil {
			w.log().Error("watch: move batch", "folder", name, "to", target, "err", err)
		}
	}
	if w.OnDone != nil {
		w.OnDone(name, res, refusal)
	}
}

func reasonText(err error) (vi, en string) {
	var ae *APIError
	var ie *Error
	switch {
	case errors.As(err, &ae):
		return fmt.Sprintf("Máy chủ trả lời %d: %s", ae.Status, ae.VI), fmt.Sprintf("The server answered %d: %s", ae.Status, ae.EN)
	case errors.As(err, &ie):
		return ie.VI, ie.EN
	}
	return err.Error(), err.Error()
}

// uniquePath appends -2, -3... when p exists (a folder name reused later).
func uniquePath(p string) string {
	if _, err := os.Lstat(p); os.IsNotExist(err) {
		return p
	}
	for i := 2; ; i++ {
		q := fmt.Sprintf("%s-%d", p, i)
		if _, err := os.Lstat(q); os.IsNotExist(err) {
			return q
		}
	}
}

// takeStack uploads one settled stack folder and moves it. Its pages are
// the stack manifest's "pages", or else every other file of the folder in
// name order (a scanner numbers its files); its idempotency key, when the
// manifest has none, derives from the folder name and content as a batch's.
func (w *Watcher) takeStack(ctx context.Context, name, dir string, p *pending) {
	if w.Stacks == nil {
		w.log().Warn("watch: a stack folder, but this watcher sends no stacks", "folder", name)
		p.nextTry = time.Now().Add(time.Minute)
		return
	}
	manifest, key, pages, paths, err := readStackFolder(name, dir)
	if err == nil {
		var res *StackResult
		res, err = w.Stacks.UploadStack(ctx, manifest, key, pages, paths)
		if err == nil && res.Status == dossier.StackFailed {
			// Accepted, but its split gave up (a page that cannot be
			// decoded): the folder goes to error/ with the reason.
			w.log().Warn("watch: stack could not be split", "folder", name, "stack", res.StackID, "err", res.Error)
			w.finish(name, dir, nil, &Error{Status: http.StatusUnprocessableEntity, VI: res.ErrorVI, EN: res.Error})
			return
		}
		if err == nil {
			w.log().Info("watch: stack accepted", "folder", name, "stack", res.StackID, "dossiers", len(res.Dossiers), "exceptions", len(res.Exceptions))
			w.finish(name, dir, &UploadResult{Stack: res, Pages: len(pages), Attempts: 1}, nil)
			return
		}
	}
	w.failed(ctx, name, dir, p, err)
}

// readStackFolder reads a stack folder's manifest, fills its pages and
// idempotency key, and returns it re-encoded with the files in order.
func readStackFolder(name, dir string) (manifest []byte, key string, pages, paths []string, err error) {
	raw, err := os.ReadFile(filepath.Join(dir, StackFile))
	if err != nil {
		return nil, "", nil, nil, &Error{Status: 400, Field: "manifest", VI: "không đọc được stack.json: " + err.Error(), EN: "cannot read stack.json: " + err.Error()}
	}
	var m map[string]any
	if len(strings.TrimSpace(string(raw))) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, "", nil, nil, &Error{Status: 400, Field: "manifest", VI: "stack.json không phải JSON hợp lệ: " + err.Error(), EN: "stack.json is not valid JSON: " + err.Error()}
		}
	}
	if m == nil {
		m = map[string]any{}
	}
	if list, ok := m["pages"].([]any); ok && len(list) > 0 {
		for _, v := range list {
			s, _ := v.(string)
			pages = append(pages, s)
		}
	} else {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return nil, "", nil, nil, fmt.Errorf("watch: %w", err)
		}
		for _, e := range ents {
			n := e.Name()
			if e.IsDir() || n == StackFile || n == ReasonFile || strings.HasPrefix(n, ".") {
				continue
			}
			pages = append(pages, n) // ReadDir sorts by name
		}
		m["pages"] = pages
	}
	sum, paths, err := folderHash(append(fmt.Appendf(nil, "stack\x00%s\x00", name), raw...), dir, pages,
		"stack.json liệt kê tệp này nhưng không có trong thư mục", "listed in stack.json but missing from the folder")
	if err != nil {
		return nil, "", nil, nil, err
	}
	key, _ = m["idempotency_key"].(string)
	if key == "" {
		key = "watch-" + sum[:40]
		m["idempotency_key"] = key
	}
	manifest, err = json.Marshal(m)
	return manifest, key, pages, paths, err
}

// readBatchFolder reads and checks a batch folder's manifest and pages and
// derives its idempotency key.
func readBatchFolder(name, dir string) (*Manifest, []string, error) {
	f, err := os.Open(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, nil, &Error{Status: 400, Field: "manifest", VI: "không đọc được manifest.json: " + err.Error(), EN: "cannot read manifest.json: " + err.Error()}
	}
	m, err := ParseManifest(f)
	f.Close()
	if err != nil {
		return nil, nil, err
	}
	mb, _ := os.ReadFile(filepath.Join(dir, ManifestFile))
	sum, paths, err := folderHash(append(fmt.Appendf(nil, "%s\x00", name), mb...), dir, m.Pages,
		"manifest liệt kê tệp này nhưng không có trong thư mục", "listed in the manifest but missing from the folder")
	if err != nil {
		return nil, nil, err
	}
	m.DefaultKey("watch-" + sum[:40])
	return m, paths, nil
}

// folderHash is the ContentHash of head and a folder's listed files, and
// their paths; a listed file missing from the folder is the operator's
// error (*Error), naming it, with the words vi and en.
func folderHash(head []byte, dir string, names []string, vi, en string) (sum string, paths []string, err error) {
	for _, n := range names {
		paths = append(paths, filepath.Join(dir, n))
	}
	sum, err = ContentHash(head, paths)
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) && pe.Op == "open" {
		return "", nil, badFile(400, names[slices.Index(paths, pe.Path)], vi, en, err)
	}
	if err != nil {
		return "", nil, fmt.Errorf("watch: %w", err)
	}
	return sum, paths, nil
}
