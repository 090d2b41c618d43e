package web

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/sohoa/sohoa/ingest"
)

// While PostgreSQL, the queue or the blob store is down, an upload cannot be
// committed. Waiting it out held the station 16–34 s (or reset its
// connection) before an error; the upload is answered instead, before its
// body is read, with 503 and Retry-After, and the station's client sends it
// again with the same idempotency key.
const (
	// RetryAfter is what a 503 asks the client to wait.
	RetryAfter = 5 * time.Second
	// engineCheckTimeout bounds one round of checks: an engine that does
	// not answer within it is down for this purpose.
	engineCheckTimeout = 2 * time.Second
	// engineCheckTTL is how long a round's verdict stands, so that a busy
	// desk's uploads cost one round a second, not one each.
	engineCheckTTL = time.Second
)

// engineGate caches the verdict of the readiness checks for uploads.
type engineGate struct {
	mu      sync.Mutex
	checked time.Time
	down    string // the first check that failed; "" when all answered
	err     error
}

// enginesDown runs the readiness checks (at most once per engineCheckTTL)
// and names the first that failed, or returns "".
func (s *Server) enginesDown(ctx context.Context) (string, error) {
	g := &s.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	if time.Since(g.checked) < engineCheckTTL {
		return g.down, g.err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), engineCheckTimeout)
	defer cancel()
	g.down, g.err = "", nil
	for _, c := range s.cfg.Ready {
		if err := c.Func(ctx); err != nil {
			g.down, g.err = c.Name, err
			break
		}
	}
	g.checked = time.Now()
	return g.down, g.err
}

// unavailable is the refusal of an upload while engine is down: 503 (fail
// adds Retry-After), naming the engine.
func unavailable(engine string) *ingest.Error {
	return &ingest.Error{Status: http.StatusServiceUnavailable, RetryAfter: RetryAfter,
		VI: fmt.Sprintf("hệ thống lưu trữ tạm thời không trả lời (%s); lô chưa được nhận, gửi lại sau %d giây với cùng khóa idempotency", engine, int(RetryAfter/time.Second)),
		EN: fmt.Sprintf("storage is not answering for now (%s); the batch was not taken, send it again in %d seconds with the same idempotency key", engine, int(RetryAfter/time.Second))}
}
