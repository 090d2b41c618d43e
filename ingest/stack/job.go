package stack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
)

// Queue queues the split of a stored stack (*workers.Runner does, as a
// StackJob). EnqueueStack may be called again for a stack already queued
// or split: its job finds the work done (Run).
type Queue interface {
	EnqueueStack(ctx context.Context, stackID string) error
}

// Accept takes a stack for splitting by a job: it checks the manifest
// against the sender and every page file from its header (size, format,
// one page per file), stores the files and the stack (storage
// StackRecords.AddStack), then queues the split. When Accept returns, the
// stack is committed: a process that dies before its job runs loses
// nothing (the queue is durable, and Recover queues a stack whose enqueue
// failed). created is false for a stack sent again (same token and
// idempotency key, or the same content without one): the stored stack,
// split or not, is returned and nothing is stored twice.
func (s *Splitter) Accept(ctx context.Context, tok *dossier.Token, m *Manifest, files map[string]ingest.File) (st *dossier.Stack, created bool, err error) {
	if err := checkStack(tok, m, files); err != nil {
		return nil, false, err
	}
	lim := s.Intake.Limits.WithDefaults()
	if len(m.Pages) > lim.MaxBatchPages*2 {
		return nil, false, &ingest.Error{Status: http.StatusRequestEntityTooLarge, Field: "pages",
			VI: fmt.Sprintf("xấp quá %d trang", lim.MaxBatchPages*2), EN: fmt.Sprintf("the stack passes %d pages", lim.MaxBatchPages*2)}
	}
	for _, name := range m.Pages {
		if _, err := inspectPage(ctx, files[name], lim); err != nil {
			return nil, false, err
		}
	}
	m.IdempotencyKey = stackKey(m, files)
	id := StackID(tok, m.IdempotencyKey)
	if old, err := s.Records.Stack(ctx, id); err == nil {
		s.enqueue(ctx, old)
		return old, false, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return nil, false, unavailable(ctx, err)
	}
	mj, err := json.Marshal(m)
	if err != nil {
		return nil, false, fmt.Errorf("stack: manifest: %w", err)
	}
	st = &dossier.Stack{ID: id, TokenID: tok.ID, TokenRole: tok.Role, TokenName: tok.Name,
		Station: m.Station, Operator: m.Operator, Manifest: mj}
	for i, name := range m.Pages {
		f := files[name]
		key := storage.StackPageKey(f.SHA256, f.Name)
		if err := s.putPage(ctx, f, key); err != nil {
			return nil, false, err
		}
		st.Pages = append(st.Pages, dossier.StackPage{Position: i + 1, Name: f.Name, SourceKey: key, SHA256: f.SHA256, Size: f.Size})
	}
	st, created, err = s.Records.AddStack(ctx, st)
	if err != nil {
		return nil, false, unavailable(ctx, err)
	}
	s.enqueue(ctx, st)
	s.log().Info("stack accepted", "stack", st.ID, "pages", len(st.Pages), "station", st.Station, "created", created)
	return st, created, nil
}

// putPage stores one page file of a stack under key (content-addressed:
// a stack sent again rewrites the same object).
func (s *Splitter) putPage(ctx context.Context, f ingest.File, key string) error {
	r, err := os.Open(f.Path)
	if err != nil {
		return fmt.Errorf("stack: open %s: %w", f.Name, err)
	}
	defer r.Close()
	if _, err := s.Intake.Blobs.Put(ctx, key, r, f.Size, "application/octet-stream", f.SHA256); err != nil {
		return unavailable(ctx, fmt.Errorf("stack: store %s: %w", f.Name, err))
	}
	return nil
}

// enqueue queues the split of a stack not yet split, within a few
// seconds: a queue that does not answer only delays it (Recover).
func (s *Splitter) enqueue(ctx context.Context, st *dossier.Stack) {
	if s.Queue == nil || st.Done() {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.Queue.EnqueueStack(ctx, st.ID); err != nil {
		s.log().Warn("stack: enqueue failed; the stack waits for recovery", "stack", st.ID, "err", err)
	}
}

// Run is the job of one stored stack: it fetches the pages, splits them
// (Split) and records the outcome, the stack turning split, or exception
// when pages were left for an operator. A stack already split or failed is
// left alone, and a run cut short (a crash, a timeout) may run again: the
// dossiers and exceptions of the first run are found again, never made
// twice. A stack that no retry can split (a page that cannot be decoded)
// turns failed with the reason; other errors are returned to be retried.
func (s *Splitter) Run(ctx context.Context, id string) error {
	st, err := s.Records.Stack(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return backoff.Permanent(fmt.Errorf("stack %s: %w", id, err))
	}
	if err != nil {
		return err
	}
	if st.Done() {
		return nil
	}
	if err := s.Records.SetStackStatus(ctx, id, dossier.StackSplitting, nil, "", ""); errors.Is(err, storage.ErrConflict) {
		return nil // split meanwhile by another delivery
	} else if err != nil {
		return err
	}
	m, err := ParseManifest(bytes.NewReader(st.Manifest))
	if err != nil {
		return s.fail(ctx, st.ID, err)
	}
	dir, err := os.MkdirTemp(s.SpoolDir, "sohoa-stack-")
	if err != nil {
		return fmt.Errorf("stack %s: spool: %w", id, err)
	}
	defer os.RemoveAll(dir)
	files := make(map[string]ingest.File, len(st.Pages))
	for _, p := range st.Pages {
		f, err := s.fetchPage(ctx, dir, p)
		if err != nil {
			return fmt.Errorf("stack %s: %w", id, err)
		}
		files[p.Name] = f
	}
	tok := &dossier.Token{ID: st.TokenID, Role: st.TokenRole, Name: st.TokenName}
	out, err := s.Split(ctx, tok, m, files)
	if e := ingest.AsError(err); e != nil && e.Status < 500 && e.Status != http.StatusTooManyRequests {
		return s.fail(ctx, st.ID, err)
	}
	if err != nil {
		return fmt.Errorf("stack %s: %w", id, err)
	}
	oj, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("stack %s: outcome: %w", id, err)
	}
	status := dossier.StackSplit
	if len(out.Exceptions) > 0 {
		status = dossier.StackExcepted
	}
	if err := s.Records.SetStackStatus(ctx, id, status, oj, "", ""); err != nil {
		return fmt.Errorf("stack %s: record the outcome: %w", id, err)
	}
	return nil
}

// fetchPage spools one stored page of a stack into dir.
func (s *Splitter) fetchPage(ctx context.Context, dir string, p dossier.StackPage) (ingest.File, error) {
	rc, _, err := s.Intake.Blobs.Get(ctx, p.SourceKey)
	if err != nil {
		return ingest.File{}, fmt.Errorf("fetch page %s: %w", p.Name, err)
	}
	defer rc.Close()
	f, err := ingest.Spool(dir, p.Name, rc, p.Size)
	if err != nil {
		return ingest.File{}, err
	}
	if f.SHA256 != p.SHA256 {
		return ingest.File{}, backoff.Permanent(fmt.Errorf("page %s changed in the blob store", p.Name))
	}
	return f, nil
}

// fail records that a stack cannot be split, with why (an *ingest.Error's
// two languages), and ends its job.
func (s *Splitter) fail(ctx context.Context, id string, cause error) error {
	vi, en := "không tách được xấp: "+cause.Error(), "the stack cannot be split: "+cause.Error()
	if e := ingest.AsError(cause); e != nil {
		vi, en = "không tách được xấp: "+e.VI, "the stack cannot be split: "+e.EN
	}
	s.log().Warn("stack failed", "stack", id, "err", cause)
	if err := s.Records.SetStackStatus(ctx, id, dossier.StackFailed, nil, vi, en); err != nil {
		return fmt.Errorf("stack %s: record the failure: %w", id, err)
	}
	return nil
}

// Fail records that the job of a stack gave up (reason), unless the stack
// was split meanwhile: its pages stay stored, and sending the stack again
// with another idempotency key splits it anew.
func (s *Splitter) Fail(ctx context.Context, id, reason string) error {
	st, err := s.Records.Stack(ctx, id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && st.Done()) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.fail(ctx, id, errors.New(reason))
}

// Recover queues again the stacks whose job may be lost: queued for more
// than a few minutes (the enqueue after the commit failed, or the process
// died between them), or splitting for longer than staleAfter (a job that
// died with its process and whose queue lost it). A stack queued twice is
// split once (Run).
func (s *Splitter) Recover(ctx context.Context, staleAfter time.Duration) (int, error) {
	if s.Queue == nil {
		return 0, nil
	}
	n := 0
	for _, c := range []struct {
		status string
		age    time.Duration
	}{{dossier.StackQueued, 2 * time.Minute}, {dossier.StackSplitting, staleAfter}} {
		sts, err := s.Records.PendingStacks(ctx, c.status, time.Now().Add(-c.age), 500)
		if err != nil {
			return n, fmt.Errorf("stack: recover: %w", err)
		}
		for _, st := range sts {
			if err := s.Queue.EnqueueStack(ctx, st.ID); err != nil {
				return n, fmt.Errorf("stack: recover %s: %w", st.ID, err)
			}
			n++
		}
	}
	if n > 0 {
		s.log().Info("stack: re-enqueued stacks on recovery", "stacks", n)
	}
	return n, nil
}

// View is what GET /v1/stacks/{id} shows of a stack: its state and, once
// split, the dossiers found (each a batch), the exceptions as they stand
// now (open or resolved) and the pages dropped.
type View struct {
	*dossier.Stack
	Pages      int                       `json:"pages"`
	Dossiers   []DossierOutcome          `json:"dossiers"`
	Exceptions []*dossier.StackException `json:"exceptions"`
	Dropped    []int                     `json:"dropped"`
}

// View returns the view of stack id as tok may see it: a station sees its
// own stacks only (storage.ErrNotFound for others').
func (s *Splitter) View(ctx context.Context, tok *dossier.Token, id string) (*View, error) {
	st, err := s.Records.Stack(ctx, id)
	if err != nil {
		return nil, err
	}
	if tok.Role == dossier.RoleStation && tok.Name != st.Station && tok.ID != st.TokenID {
		return nil, storage.ErrNotFound
	}
	return s.view(ctx, st)
}

func (s *Splitter) view(ctx context.Context, st *dossier.Stack) (*View, error) {
	v := &View{Stack: st, Pages: len(st.Pages), Dossiers: []DossierOutcome{}, Exceptions: []*dossier.StackException{}, Dropped: []int{}}
	if st.Outcome == nil {
		return v, nil
	}
	var out Outcome
	if err := json.Unmarshal(st.Outcome, &out); err != nil {
		return nil, fmt.Errorf("stack %s: outcome: %w", st.ID, err)
	}
	v.Dossiers, v.Dropped = out.Dossiers, out.Dropped
	for _, e := range out.Exceptions {
		if now, err := s.Records.StackException(ctx, e.ID); err == nil {
			e = now // resolved since the split
		}
		v.Exceptions = append(v.Exceptions, e)
	}
	return v, nil
}

// Result is the view as a client reads it from GET /v1/stacks/{id}: the
// same answer a server gives, for the commands that read the local store.
func (v *View) Result() (*ingest.StackResult, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var res ingest.StackResult
	return &res, json.Unmarshal(data, &res)
}

// Wait polls stack id every interval until its job is done.
func (s *Splitter) Wait(ctx context.Context, id string, every time.Duration) (*View, error) {
	for {
		st, err := s.Records.Stack(ctx, id)
		if err != nil {
			return nil, err
		}
		if st.Done() {
			return s.view(ctx, st)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(every):
		}
	}
}

// LocalUploader sends stacks in process (the embedded `sohoa watch --data
// DIR`), as Token, through the same job as POST /v1/stacks: accepted, then
// split by the process's workers; it implements ingest.StackUploader.
type LocalUploader struct {
	Splitter *Splitter
	Token    *dossier.Token
}

// UploadStack accepts the files in place and waits for their split.
func (l LocalUploader) UploadStack(ctx context.Context, manifest []byte, key string, pages, paths []string) (*ingest.StackResult, error) {
	m, err := ParseManifest(bytes.NewReader(manifest))
	if err != nil {
		return nil, err
	}
	m.DefaultKey(key)
	files, err := ingest.LocalFiles(paths)
	if err != nil {
		return nil, fmt.Errorf("stack: %w", err)
	}
	st, _, err := l.Splitter.Accept(ctx, l.Token, m, files)
	if err != nil {
		return nil, err
	}
	v, err := l.Splitter.Wait(ctx, st.ID, 200*time.Millisecond)
	if err != nil {
		return nil, err
	}
	return v.Result()
}
