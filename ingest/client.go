package ingest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage/catalog"
)

// Client talks to a sohoa server's API as a station does.
type Client struct {
	Server string // base URL, e.g. https://sohoa.example:8443
	Token  string
	HTTP   *http.Client // http.DefaultClient when nil
	Log    *slog.Logger

	// Retry bounds Upload's retries after a dropped connection, a 5xx or a
	// 429: MaxAttempts tries (8 when 0), waiting from MinBackoff (500 ms
	// when 0) doubling up to MaxBackoff (30 s when 0).
	MaxAttempts            int
	MinBackoff, MaxBackoff time.Duration

	// OnRetry, when set, hears of every failed attempt that Upload or Wait
	// will repeat, instead of a log line: the attempt (1-based), the
	// attempts allowed (0 for Wait, which has no limit), the pause before
	// the next and why. A command shows it as one status line.
	OnRetry func(attempt, attempts int, wait time.Duration, err error)
}

// permanent reports errors that repeating the same request cannot fix:
// a refusal (4xx), a server address that is not a URL, a TLS certificate
// this machine does not trust, a page file that cannot be read.
func permanent(err error) bool {
	var (
		ae  *APIError
		ue  *url.Error
		ce  *tls.CertificateVerificationError
		uae x509.UnknownAuthorityError
		he  x509.HostnameError
		pe  *fs.PathError
	)
	switch {
	case errors.As(err, &ae):
		return !ae.Temporary()
	case errors.As(err, &ce), errors.As(err, &uae), errors.As(err, &he), errors.As(err, &pe):
		return true
	case errors.As(err, &ue):
		return ue.Op == "parse" || strings.Contains(ue.Err.Error(), "unsupported protocol scheme")
	}
	return false
}

func (c *Client) retrying(attempt, attempts int, wait time.Duration, err error, msg string, args ...any) {
	if c.OnRetry != nil {
		c.OnRetry(attempt, attempts, wait, err)
		return
	}
	c.log().Warn(msg, append(args, "attempt", attempt, "wait", wait, "err", err)...)
}

// APIError is an error answer of the server.
type APIError struct {
	Status int
	EN, VI string
	Field  string
	File   string
	// RetryAfter is the server's Retry-After (503 while an engine is
	// down, 429), 0 when it sent none.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("server answered %d: %s", e.Status, e.EN)
}

// Temporary reports whether repeating the same request may succeed.
func (e *APIError) Temporary() bool {
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests || e.Status == http.StatusRequestTimeout
}

// UploadResult is the server's answer to an accepted upload.
type UploadResult struct {
	BatchID  string `json:"batch_id"`
	Status   string `json:"status"`
	Pages    int    `json:"pages"`
	Created  bool   `json:"created"`
	Attempts int    `json:"-"`
	// Stack is set instead of BatchID for a stack folder.
	Stack *StackResult `json:"-"`
}

// StackResult is a stack as the server shows it (GET /v1/stacks/{id}):
// its state and, once split, the dossiers found (each a batch) and the
// exceptions waiting for an operator.
type StackResult struct {
	StackID string `json:"stack_id"`
	// Status: queued, splitting, split, exception (split, with pages
	// waiting for an operator) or failed (Error says why).
	Status   string `json:"status"`
	Error    string `json:"error"`
	ErrorVI  string `json:"error_vi"`
	Station  string `json:"station"`
	Operator string `json:"operator"`
	Pages    int    `json:"pages"`
	Dossiers []struct {
		DossierCode string `json:"dossier_code"`
		BatchID     string `json:"batch_id"`
		Created     bool   `json:"created"`
		FoundBy     string `json:"found_by"` // separator or receipt
		Pages       []int  `json:"pages"`
	} `json:"dossiers"`
	// Exceptions as they stand now: open, or resolved into BatchID.
	Exceptions []dossier.StackException `json:"exceptions"`
	Dropped    []int                    `json:"dropped"`
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

func (c *Client) log() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Upload sends a batch: the manifest and the files (local paths; the
// manifest's pages must be their base names, in order). The whole POST is
// retried with the same idempotency key after a dropped connection, a 5xx
// or a 429, with exponential backoff, so a retry after a lost answer
// returns the first batch's id. m.IdempotencyKey must be set for that
// guarantee. 4xx answers are returned at once as *APIError.
func (c *Client) Upload(ctx context.Context, m *Manifest, paths []string) (*UploadResult, error) {
	mj, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var res UploadResult
	n, err := c.send(ctx, "/v1/batches", m.IdempotencyKey, mj, m.Pages, paths, &res)
	if err != nil {
		return nil, err
	}
	res.Attempts = n
	return &res, nil
}

// UploadStack sends a stack (POST /v1/stacks): manifest is the stack
// manifest's JSON, pages its page names in order; retried as Upload is.
// The server splits it in a job: UploadStack waits for it (WaitStack) and
// returns the stack split (or failed).
func (c *Client) UploadStack(ctx context.Context, manifest []byte, key string, pages, paths []string) (*StackResult, error) {
	var res StackResult
	if _, err := c.send(ctx, "/v1/stacks", key, manifest, pages, paths, &res); err != nil {
		return nil, err
	}
	if res.Done() {
		return &res, nil
	}
	return c.WaitStack(ctx, res.StackID, time.Second)
}

// Done reports whether the stack's split is over (split, exception or
// failed).
func (r *StackResult) Done() bool {
	return r.Status == dossier.StackSplit || r.Status == dossier.StackExcepted || r.Status == dossier.StackFailed
}

// Stack returns a stack's state (GET /v1/stacks/{id}).
func (c *Client) Stack(ctx context.Context, id string) (*StackResult, error) {
	return getJSON[StackResult](ctx, c, "/v1/stacks/"+url.PathEscape(id))
}

// WaitStack polls a stack every interval until its split is over; a server
// that does not answer for a while is waited for, as Wait does.
func (c *Client) WaitStack(ctx context.Context, id string, every time.Duration) (*StackResult, error) {
	return poll(ctx, c, every, "stack", id, c.Stack, func(r *StackResult) bool { return r.Done() })
}

// poll reads what (named id) with get every interval until done says so;
// a server that does not answer is waited for (told through OnRetry), an
// answer no retry can change is returned.
func poll[T any](ctx context.Context, c *Client, every time.Duration, what, id string, get func(context.Context, string) (T, error), done func(T) bool) (T, error) {
	var zero T
	failures := 0
	for {
		v, err := get(ctx, id)
		if err == nil && done(v) {
			return v, nil
		}
		if err != nil && permanent(err) {
			return zero, err
		}
		if err != nil {
			failures++
			c.retrying(failures, 0, every, err, "wait: cannot read "+what+", retrying", what, id)
		} else {
			failures = 0
		}
		select {
		case <-time.After(every):
		case <-ctx.Done():
			return zero, ctx.Err()
		}
	}
}

// send POSTs a manifest and its files to path, retrying as Upload says,
// decodes the 202 answer into out and returns the attempts made.
func (c *Client) send(ctx context.Context, path, key string, manifest []byte, pages, paths []string, out any) (int, error) {
	byName := map[string]string{}
	for _, p := range paths {
		n := filepath.Base(p)
		if _, dup := byName[n]; dup {
			return 0, fmt.Errorf("upload: two files named %s", n)
		}
		byName[n] = p
	}
	attempts := c.MaxAttempts
	if attempts <= 0 {
		attempts = 8
	}
	wait := &floorBackOff{ExponentialBackOff: backoff.ExponentialBackOff{
		InitialInterval:     c.MinBackoff,
		RandomizationFactor: 0.2, // stations that lost the server together come back apart
		Multiplier:          2,
		MaxInterval:         c.MaxBackoff,
	}}
	if wait.InitialInterval <= 0 {
		wait.InitialInterval = 500 * time.Millisecond
	}
	if wait.MaxInterval <= 0 {
		wait.MaxInterval = 30 * time.Second
	}
	n, refused := 0, false
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		n++
		err := c.sendOnce(ctx, path, key, manifest, pages, byName, out)
		var ae *APIError
		switch {
		case err == nil:
			return struct{}{}, nil
		case permanent(err):
			refused = true
			return struct{}{}, backoff.Permanent(err)
		case errors.As(err, &ae):
			if ae.Status == http.StatusTooManyRequests {
				wait.floor = time.Second // the server asks us to slow down
			}
			if ae.RetryAfter > 0 {
				// The server says when it expects to take the batch.
				wait.floor = min(max(wait.floor, ae.RetryAfter), wait.MaxInterval)
			}
		}
		return struct{}{}, err
	}, backoff.WithBackOff(wait), backoff.WithMaxTries(uint(attempts)), backoff.WithMaxElapsedTime(0),
		backoff.WithNotify(func(err error, d time.Duration) {
			c.retrying(n, attempts, d, err, "upload: attempt failed, retrying with the same idempotency key")
		}))
	switch {
	case err == nil:
		return n, nil
	case refused:
		if pe, ok := err.(*backoff.PermanentError); ok {
			err = pe.Err // the last try's refusal comes back marked
		}
		return n, err
	case ctx.Err() != nil:
		return n, ctx.Err()
	}
	return n, fmt.Errorf("upload: giving up after %d attempts: %w", n, err)
}

// floorBackOff is an exponential backoff whose next wait is at least floor
// once, when set (a 429 asks for at least a second, a Retry-After for its
// time).
type floorBackOff struct {
	backoff.ExponentialBackOff
	floor time.Duration
}

func (b *floorBackOff) NextBackOff() time.Duration {
	d := max(b.ExponentialBackOff.NextBackOff(), b.floor)
	b.floor = 0
	return d
}

func (c *Client) sendOnce(ctx context.Context, path, key string, manifest []byte, pages []string, byName map[string]string, out any) error {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		pw.CloseWithError(writeMultipart(mw, manifest, pages, byName))
	}()
	defer pr.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.Server, "/")+path, pr)
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return readAPIError(resp)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("upload: read answer: %w", err)
	}
	return nil
}

func writeMultipart(mw *multipart.Writer, manifest []byte, pages []string, byName map[string]string) error {
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", `form-data; name="manifest"; filename="manifest.json"`)
	h.Set("Content-Type", "application/json")
	// A part named "manifest" is read as the manifest even with a filename.
	w, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := w.Write(manifest); err != nil {
		return err
	}
	for _, name := range pages {
		p, ok := byName[name]
		if !ok {
			return fmt.Errorf("upload: the manifest lists %s but no such file was given", name)
		}
		fw, err := mw.CreateFormFile("page", name)
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("upload: %w", err)
		}
		_, err = io.Copy(fw, f)
		f.Close()
		if err != nil {
			return fmt.Errorf("upload: read %s: %w", p, err)
		}
	}
	return mw.Close()
}

func readAPIError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var b struct {
		Error   string `json:"error"`
		ErrorVI string `json:"error_vi"`
		Field   string `json:"field"`
		File    string `json:"file"`
	}
	e := &APIError{Status: resp.StatusCode}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		e.RetryAfter = time.Duration(min(s, 3600)) * time.Second
	}
	if json.Unmarshal(body, &b) == nil && b.Error != "" {
		e.EN, e.VI, e.Field, e.File = b.Error, b.ErrorVI, b.Field, b.File
	} else {
		e.EN = strings.TrimSpace(string(body))
		if e.EN == "" {
			e.EN = resp.Status
		}
	}
	if e.VI == "" {
		e.VI = e.EN
	}
	return e
}

// Batch reads a batch's progress.
func (c *Client) Batch(ctx context.Context, id string) (*dossier.Batch, error) {
	return getJSON[dossier.Batch](ctx, c, "/v1/batches/"+id)
}

// Stats fetches the volume report (GET /v1/stats): days from and to
// (YYYY-MM-DD, "" for open), group, for an admin one station ("" for
// all), and with group day one agency's daily series ("" for all).
func (c *Client) Stats(ctx context.Context, from, to string, group dossier.StatsGroup, station, agency string) (*dossier.Stats, error) {
	q := url.Values{}
	for k, v := range map[string]string{"from": from, "to": to, "group": string(group), "station": station, "agency": agency} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return getJSON[dossier.Stats](ctx, c, "/v1/stats?"+q.Encode())
}

// ArchivalExport returns the archival metadata of a dossier's results
// (GET /v1/dossiers/{code}/archival.json, a case or archivist token).
func (c *Client) ArchivalExport(ctx context.Context, dossierCode string) (*catalog.Export, error) {
	return getJSON[catalog.Export](ctx, c, "/v1/dossiers/"+url.PathEscape(dossierCode)+"/archival.json")
}

// StackExceptions returns the open stack exceptions (GET /v1/exceptions,
// an admin token).
func (c *Client) StackExceptions(ctx context.Context) ([]dossier.StackException, error) {
	out, err := getJSON[struct {
		Stacks []dossier.StackException `json:"stacks"`
	}](ctx, c, "/v1/exceptions")
	if err != nil {
		return nil, err
	}
	return out.Stacks, nil
}

// StackException returns one stack exception, open or resolved (GET
// /v1/stack-exceptions/{id}; the stack's station or an admin).
func (c *Client) StackException(ctx context.Context, id string) (*dossier.StackException, error) {
	return getJSON[dossier.StackException](ctx, c, "/v1/stack-exceptions/"+url.PathEscape(id))
}

// StackResolution is the answer to resolving a stack exception: the batch
// its pages became (the same one when resolved again with the same code).
type StackResolution struct {
	BatchID     string `json:"batch_id"`
	DossierCode string `json:"dossier_code"`
	Status      string `json:"status"`
	Pages       int    `json:"pages"`
	Created     bool   `json:"created"`
}

// ResolveStackException gives the pages of stack exception id the dossier
// code (POST /v1/stack-exceptions/{id}/resolve): they become a batch like
// any upload. The server checks the code (both formats, its date); an
// exception already resolved under another code is a 409 *APIError.
func (c *Client) ResolveStackException(ctx context.Context, id, code string) (*StackResolution, error) {
	return postJSON[StackResolution](ctx, c, "/v1/stack-exceptions/"+url.PathEscape(id)+"/resolve", map[string]string{"dossier_code": code})
}

// Search runs a full-text search (GET /v1/search with query, an archivist
// token) and decodes the answer into out, a *web.SearchResponse (package
// web builds on this one, so the caller names the type). A refused query
// is an *APIError with Status 400.
func (c *Client) Search(ctx context.Context, query url.Values, out any) error {
	return c.doJSON(ctx, http.MethodGet, "/v1/search?"+query.Encode(), nil, out)
}

// Wait polls a batch every interval until it is done or failed.
// Transient errors (a server restart) are ridden out.
func (c *Client) Wait(ctx context.Context, id string, every time.Duration) (*dossier.Batch, error) {
	return c.WaitProgress(ctx, id, every, nil)
}

// WaitProgress is Wait that also hands every reading of the batch (pages
// with their states) to seen, for a progress display.
func (c *Client) WaitProgress(ctx context.Context, id string, every time.Duration, seen func(*dossier.Batch)) (*dossier.Batch, error) {
	return poll(ctx, c, every, "batch", id, c.Batch, func(b *dossier.Batch) bool {
		if seen != nil {
			seen(b)
		}
		return b.Status == dossier.BatchDone || b.Status == dossier.BatchFailed
	})
}

// getJSON GETs path and decodes a 200 answer into a new T; any other
// answer is an *APIError.
func getJSON[T any](ctx context.Context, c *Client, path string) (*T, error) {
	var v T
	if err := c.doJSON(ctx, http.MethodGet, path, nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// doJSON sends a request (a JSON body when body is not nil) and decodes a
// 200 or 202 answer into v; any other answer is an *APIError.
func (c *Client) doJSON(ctx context.Context, method, path string, body io.Reader, v any) error {
	resp, err := c.do(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

// do sends a request with the token (a JSON body when body is not nil) and
// returns a 200 or 202 answer, whose body the caller closes; any other
// answer is an *APIError.
func (c *Client) do(ctx context.Context, method, path string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.Server, "/")+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
		defer resp.Body.Close()
		return nil, readAPIError(resp)
	}
	return resp, nil
}

// StackExceptionPage copies to w the scanned file of the page at position
// (in the stack) of stack exception id, as the station sent it (GET
// /v1/stack-exceptions/{id}/pages/{position}).
func (c *Client) StackExceptionPage(ctx context.Context, id string, position int, w io.Writer) error {
	resp, err := c.do(ctx, http.MethodGet, fmt.Sprintf("/v1/stack-exceptions/%s/pages/%d", url.PathEscape(id), position), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(w, resp.Body)
	return err
}
