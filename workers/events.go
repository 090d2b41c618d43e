package workers

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/sohoa/sohoa/ingest/dossier"
)

// EventPublisher publishes an event to a topic exchange and returns once the
// broker confirmed it. *AMQPQueue implements it (exchange "<prefix>.events").
type EventPublisher interface {
	PublishEvent(ctx context.Context, routingKey, eventID string, body []byte) error
}

// SignatureHeader carries the webhook's signature:
//
//	X-Sohoa-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
//
// The timestamp is inside the HMAC, so a receiver can refuse a replay of an
// old delivery: check with VerifySignature (or by hand: recompute the HMAC
// over the header's t, a dot and the raw body with the shared secret,
// compare with hmac.Equal, and refuse t more than a few minutes from its
// clock), then deduplicate on X-Sohoa-Event-Id, since delivery is at least
// once.
const SignatureHeader = "X-Sohoa-Signature"

// DefaultSignatureTolerance is how far from the receiver's clock a
// signature's time may be.
const DefaultSignatureTolerance = 5 * time.Minute

// Errors of VerifySignature.
var (
	ErrBadSignature   = errors.New("webhook signature does not match")
	ErrStaleSignature = errors.New("webhook signature is too old or from the future: a replay?")
)

// Sign returns the X-Sohoa-Signature value of body sent at t under secret.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(signatureMAC(secret, ts, body))
}

func signatureMAC(secret []byte, ts string, body []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return mac.Sum(nil)
}

// VerifySignature is the receiver's check of a webhook: header is the
// X-Sohoa-Signature value, body the raw request body, now the receiver's
// clock; tolerance (DefaultSignatureTolerance when 0) bounds how far the
// signed time may be from now. It returns nil, ErrBadSignature (missing,
// malformed, or another secret or body) or ErrStaleSignature.
func VerifySignature(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultSignatureTolerance
	}
	if len(secret) == 0 {
		return ErrBadSignature // an empty key proves nothing
	}
	var ts string
	var sigs [][]byte
	for _, f := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrBadSignature
	}
	want := signatureMAC(secret, ts, body)
	ok := false
	for _, s := range sigs {
		ok = ok || hmac.Equal(s, want)
	}
	if !ok {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrStaleSignature
	}
	return nil
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

// Outbox is what the event dispatcher needs of the records: per sink
// ("amqp", "webhook"), a lease on the sink with the events it has not had
// yet, a record of each delivery, and a shared backoff after a failure.
// *storage.SQLRecords implements it.
//
// ClaimSinkEvents holds the sink for holder for lease (renewed by the
// same holder's next call) and returns up to limit events the sink has not
// had, oldest first; while another holder has the sink or its next try is
// still to come it returns none and how long to wait. MarkSinkDelivered
// records one event as had by the sink (twice is harmless) and clears the
// sink's failures. SinkFailed counts a failure and sets the next try,
// backoff(failures in a row) from now, for every process; it returns that
// delay. ReleaseSink ends holder's lease early. SeeSinks records sinks as
// live before any is delivered to, so that no event is settled before every
// sink configured beside it has had it; calling it again is harmless.
type Outbox interface {
	SeeSinks(ctx context.Context, sinks ...string) error
	ClaimSinkEvents(ctx context.Context, sink, holder string, lease time.Duration, limit int) ([]dossier.Event, time.Duration, error)
	MarkSinkDelivered(ctx context.Context, sink string, id int64) error
	SinkFailed(ctx context.Context, sink, why string, backoff func(attempts int) time.Duration) (time.Duration, error)
	ReleaseSink(ctx context.Context, sink, holder string) error
}

// The dispatcher claims eventClaim events at a time, holding the sink for
// eventLease. One delivery takes at most eventDeliveryMax (a minute to
// publish, 30 s for the webhook); with less than that left on the lease it
// claims again (renewing it) rather than deliver while another process may
// take the sink over. eventPoll is how often an idle sink looks at the
// outbox (a new result nudges it at once).
const (
	eventClaim       = 20
	eventLease       = 5 * time.Minute
	eventDeliveryMax = 2 * time.Minute
	eventPoll        = 2 * time.Second
)

// eventRetry is the wait after the n-th failed delivery in a row to one
// sink: 1 s doubling to a minute.
var eventRetry = ExpBackoff(time.Second, time.Minute)

// eventSink is one destination of events.
type eventSink struct {
	name    string // "amqp", "webhook": the records' and the metrics' name
	deliver func(ctx context.Context, eb EventBody, id string, body []byte) error
	wake    chan struct{}
}

// dispatcher delivers the records' outbox at least once to each sink, each
// sink on its own: a webhook that fails or hangs never holds up the
// broker, and the other way round. Serve and worker processes all run one;
// the lease on each sink (Outbox.ClaimSinkEvents) lets one process at a
// time deliver to a sink, in event order, so there is no leader to elect
// and no event goes to a sink once per process.
type dispatcher struct {
	records Outbox
	cfg     EventsConfig
	log     *slog.Logger
	m       *metrics
	http    *http.Client
	holder  string // this dispatcher's name on the sinks it holds
	sinks   []*eventSink
}

func newDispatcher(records Outbox, cfg EventsConfig, log *slog.Logger, m *metrics) *dispatcher {
	var id [8]byte
	rand.Read(id[:])
	d := &dispatcher{
		records: records,
		cfg:     cfg,
		log:     log,
		m:       m,
		http:    &http.Client{Timeout: 30 * time.Second},
		holder:  hex.EncodeToString(id[:]),
	}
	if cfg.Publisher != nil {
		d.sinks = append(d.sinks, &eventSink{name: "amqp", deliver: d.publish, wake: make(chan struct{}, 1)})
	}
	if cfg.WebhookURL != "" {
		d.sinks = append(d.sinks, &eventSink{name: "webhook", deliver: d.post, wake: make(chan struct{}, 1)})
	}
	return d
}

// nudge makes every sink look at the outbox now.
func (d *dispatcher) nudge() {
	for _, s := range d.sinks {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// run delivers to every sink until ctx ends. Without sinks, events stay in
// the outbox for a dispatcher that has them.
func (d *dispatcher) run(ctx context.Context) {
	if len(d.sinks) == 0 {
		return
	}
	names := make([]string, len(d.sinks))
	for i, s := range d.sinks {
		names[i] = s.name
	}
	// Every sink is live before the first delivery: a fast sink must not
	// settle events a slow one has not had.
	// The waits are eventRetry's, and it retries until ctx ends.
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		return struct{}{}, d.records.SeeSinks(ctx, names...)
	}, backoff.WithBackOff(&backoff.ExponentialBackOff{
		InitialInterval: time.Second,
		Multiplier:      2,
		MaxInterval:     time.Minute,
	}), backoff.WithMaxElapsedTime(0), backoff.WithNotify(func(err error, wait time.Duration) {
		d.log.Warn("event outbox unavailable; will retry", "sinks", names, "err", err, "in", wait)
	}))
	if err != nil {
		return // ctx ended
	}
	var wg sync.WaitGroup
	for _, s := range d.sinks {
		wg.Go(func() { d.runSink(ctx, s) })
	}
	wg.Wait()
}

func (d *dispatcher) runSink(ctx context.Context, s *eventSink) {
	defer func() {
		// Let another process take the sink over now, not in minutes.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := d.records.ReleaseSink(rctx, s.name, d.holder); err != nil {
			d.log.Warn("event sink not released", "sink", s.name, "err", err)
		}
	}()
	dbFailures := 0
	for {
		wait, err := d.drain(ctx, s)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			dbFailures++
			wait = eventRetry(dbFailures)
			d.log.Warn("event outbox unavailable; will retry", "sink", s.name, "err", err, "in", wait)
		default:
			dbFailures = 0
			// A sink held elsewhere or backing off is looked at again
			// after eventPoll at most: its holder may stop, and the
			// records keep the backoff, so looking early is harmless.
			if wait <= 0 || wait > eventPoll {
				wait = eventPoll
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-t.C:
		}
		t.Stop()
		if ctx.Err() != nil {
			return
		}
	}
}

// drain delivers to s, in order, the events it has not had, until none is
// left, another process holds s, or a delivery fails; it returns how long
// to wait before looking again. err is an outbox (records) error; a failed
// delivery is recorded with SinkFailed, which sets the wait.
func (d *dispatcher) drain(ctx context.Context, s *eventSink) (time.Duration, error) {
	for {
		until := time.Now().Add(eventLease)
		evs, wait, err := d.records.ClaimSinkEvents(ctx, s.name, d.holder, eventLease, eventClaim)
		if err != nil {
			return 0, fmt.Errorf("read outbox: %w", err)
		}
		if len(evs) == 0 {
			return wait, nil
		}
		for _, ev := range evs {
			if time.Until(until) < eventDeliveryMax {
				break // claim again: the claim renews the lease
			}
			if err := d.deliver(ctx, s, ev); err != nil {
				if ctx.Err() != nil {
					return 0, nil
				}
				wait, ferr := d.records.SinkFailed(ctx, s.name, err.Error(), eventRetry)
				if ferr != nil {
					return 0, fmt.Errorf("event %d: %w (recording it: %v)", ev.ID, err, ferr)
				}
				d.log.Warn("event delivery failed; will retry", "sink", s.name, "event", ev.ID, "err", err, "in", wait)
				return wait, nil
			}
			if err := d.records.MarkSinkDelivered(ctx, s.name, ev.ID); err != nil {
				return 0, fmt.Errorf("event %d: mark delivered: %w", ev.ID, err)
			}
		}
	}
}

// deliver sends one event to s.
func (d *dispatcher) deliver(ctx context.Context, s *eventSink, ev dossier.Event) error {
	payload := json.RawMessage(ev.Payload)
	if !json.Valid(payload) {
		payload = json.RawMessage("null")
	}
	eb := EventBody{ID: ev.ID, Kind: ev.Kind, DossierCode: ev.DossierCode, AgencyCode: agencyOf(ev), Payload: payload, CreatedAt: ev.CreatedAt}
	body, err := json.Marshal(eb)
	if err != nil {
		return err
	}
	err = s.deliver(ctx, eb, strconv.FormatInt(ev.ID, 10), body)
	d.m.event(s.name, err)
	return err
}

// publish sends an event to the broker's topic exchange.
func (d *dispatcher) publish(ctx context.Context, eb EventBody, id string, body []byte) error {
	pctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := d.cfg.Publisher.PublishEvent(pctx, eb.RoutingKey(), id, body); err != nil {
		return fmt.Errorf("publish: %w", err)
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
	req.Header.Set(SignatureHeader, Sign([]byte(d.cfg.WebhookSecret), time.Now(), body))
	resp, err := d.http.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook %s answered %s: %s", d.cfg.WebhookURL, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}
