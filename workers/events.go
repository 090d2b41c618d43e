package workers

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
)

// EventPublisher publishes an event to a topic exchange and returns once the
// broker confirmed it. *AMQPQueue implements it (exchange "<prefix>.events").
type EventPublisher interface {
	PublishEvent(ctx context.Context, routingKey, eventID string, body []byte) error
}

// SignatureHeader carries the webhook body's HMAC: "sha256=<hex>".
const SignatureHeader = "X-Sohoa-Signature"

// Sign returns the X-Sohoa-Signature value of body under secret. A
// receiver recomputes it over the raw body and compares with hmac.Equal.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// EventBody is the JSON of an event as published and POSTed.
type EventBody struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`
	DossierCode string          `json:"dossier_code"`
	AgencyCode  string          `json:"agency_code"`
	Payload     json.RawMessage `json:"payload"`
	CreatedAt   time.Time       `json:"created_at"`
}

// RoutingKey is the event's topic: "<kind>.<agency code>", e.g.
// "result.ready.000.00.31.H33" (bind "result.ready.#" for all agencies).
func (e EventBody) RoutingKey() string {
	if e.AgencyCode == "" {
		return e.Kind
	}
	return e.Kind + "." + e.AgencyCode
}

// agencyOf takes the agency code from the payload, else from the dossier
// code (both formats put it before the first '-').
func agencyOf(ev dossier.Event) string {
	var p struct {
		AgencyCode string `json:"agency_code"`
	}
	if json.Unmarshal(ev.Payload, &p) == nil && p.AgencyCode != "" {
		return p.AgencyCode
	}
	code, _, _ := strings.Cut(ev.DossierCode, "-")
	return code
}

// dispatcher delivers the records' outbox, in order, at least once to each
// sink, and marks each event delivered once every sink has it.
type dispatcher struct {
	records storage.Records
	cfg     EventsConfig
	log     *slog.Logger
	m       *metrics
	http    *http.Client
	wake    chan struct{}
	// published remembers events already confirmed by the exchange while
	// the webhook still fails, so that they are not published again.
	published map[int64]bool
	lock      *sql.Conn // PostgreSQL: the connection holding the dispatcher lock
}

func newDispatcher(records storage.Records, cfg EventsConfig, log *slog.Logger, m *metrics) *dispatcher {
	return &dispatcher{
		records:   records,
		cfg:       cfg,
		log:       log,
		m:         m,
		http:      &http.Client{Timeout: 30 * time.Second},
		wake:      make(chan struct{}, 1),
		published: map[int64]bool{},
	}
}

// nudge makes the dispatcher look at the outbox now.
func (d *dispatcher) nudge() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *dispatcher) run(ctx context.Context) {
	if d.cfg.Publisher == nil && d.cfg.WebhookURL == "" {
		return // events stay in the outbox for a dispatcher that has sinks
	}
	defer d.resign()
	const poll = 2 * time.Second
	backoff := time.Duration(0)
	for {
		wait := poll
		if d.lead(ctx) {
			if err := d.drain(ctx); err != nil {
				backoff = min(max(2*backoff, time.Second), time.Minute)
				wait = backoff
				if ctx.Err() == nil {
					d.log.Warn("event delivery failed; will retry", "err", err, "in", wait)
				}
			} else {
				backoff = 0
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-d.wake:
			if backoff > 0 {
				select { // keep backing off
				case <-ctx.Done():
				case <-t.C:
				}
			}
		case <-t.C:
		}
		t.Stop()
		if ctx.Err() != nil {
			return
		}
	}
}

// dispatcherLock is the PostgreSQL advisory lock key that elects one
// dispatcher among all serve and worker processes, so that events are not
// delivered once per process.
const dispatcherLock = 0x736f686f61657674 // "sohoaevt"

// lead reports whether this process may dispatch: always on SQLite (one
// process), on PostgreSQL while it holds the advisory lock on a
// connection of its own (released when the process or connection dies).
func (d *dispatcher) lead(ctx context.Context) bool {
	dbr, ok := d.records.(interface{ DB() *storage.DB })
	if !ok || dbr.DB() == nil || dbr.DB().Dialect != storage.Postgres {
		return true
	}
	if d.lock != nil {
		if err := d.lock.PingContext(ctx); err == nil {
			return true
		}
		d.resign() // connection lost: so is the lock
	}
	conn, err := dbr.DB().Conn(ctx)
	if err != nil {
		return false
	}
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, int64(dispatcherLock)).Scan(&got); err != nil || !got {
		conn.Close()
		return false
	}
	d.lock = conn
	d.log.Info("delivering events for all processes (holding the dispatcher lock)")
	return true
}

// resign releases the lock by closing its connection.
func (d *dispatcher) resign() {
	if d.lock != nil {
		d.lock.Close()
		d.lock = nil
	}
}

// drain delivers pending events in order until none is left or one fails.
func (d *dispatcher) drain(ctx context.Context) error {
	for {
		evs, err := d.records.PendingEvents(ctx, 0, 100)
		if err != nil {
			return fmt.Errorf("read outbox: %w", err)
		}
		if len(evs) == 0 {
			return nil
		}
		for _, ev := range evs {
			if err := d.deliver(ctx, ev); err != nil {
				return fmt.Errorf("event %d: %w", ev.ID, err)
			}
			if err := d.records.MarkDelivered(ctx, ev.ID); err != nil {
				return fmt.Errorf("event %d: mark delivered: %w", ev.ID, err)
			}
			delete(d.published, ev.ID)
		}
	}
}

func (d *dispatcher) deliver(ctx context.Context, ev dossier.Event) error {
	payload := json.RawMessage(ev.Payload)
	if !json.Valid(payload) {
		payload = json.RawMessage("null")
	}
	eb := EventBody{ID: ev.ID, Kind: ev.Kind, DossierCode: ev.DossierCode, AgencyCode: agencyOf(ev), Payload: payload, CreatedAt: ev.CreatedAt}
	body, err := json.Marshal(eb)
	if err != nil {
		return err
	}
	id := strconv.FormatInt(ev.ID, 10)
	if d.cfg.Publisher != nil && !d.published[ev.ID] {
		pctx, cancel := context.WithTimeout(ctx, time.Minute)
		err := d.cfg.Publisher.PublishEvent(pctx, eb.RoutingKey(), id, body)
		cancel()
		d.m.event("amqp", err)
		if err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		d.published[ev.ID] = true
	}
	if d.cfg.WebhookURL != "" {
		err := d.post(ctx, eb, id, body)
		d.m.event("webhook", err)
		if err != nil {
			return fmt.Errorf("webhook: %w", err)
		}
	}
	return nil
}

func (d *dispatcher) post(ctx context.Context, eb EventBody, id string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.cfg.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "sohoa-webhook/1")
	req.Header.Set("X-Sohoa-Event", eb.Kind)
	req.Header.Set("X-Sohoa-Event-Id", id) // receivers deduplicate on it: delivery is at least once
	req.Header.Set(SignatureHeader, Sign([]byte(d.cfg.WebhookSecret), body))
	resp, err := d.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s answered %s: %s", d.cfg.WebhookURL, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}
