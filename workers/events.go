package workers

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
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

// Outbox is what the event dispatcher needs of the records: claim a few
// undelivered events for a while, and mark each delivered.
//
// ClaimEvents returns up to limit undelivered events, oldest first, that no
// other caller holds, and holds them for lease; an event not marked
// delivered within its lease is handed out again. MarkDelivered acks one
// event; marking it twice is harmless. *storage.SQLRecords implements it.
type Outbox interface {
	ClaimEvents(ctx context.Context, lease time.Duration, limit int) ([]dossier.Event, error)
	MarkDelivered(ctx context.Context, id int64) error
}

// The dispatcher claims eventClaim events at a time for eventLease. One
// delivery takes at most eventDeliveryMax (a minute to publish, 30 s for
// the webhook); with less than that left on the lease it lets the lease
// lapse rather than deliver an event another process may claim meanwhile.
const (
	eventClaim       = 20
	eventLease       = 5 * time.Minute
	eventDeliveryMax = 2 * time.Minute
)

// dispatcher delivers the records' outbox at least once to each sink and
// marks each event delivered once every sink has it. Serve and worker
// processes all run one; leases on the events (Outbox.ClaimEvents) keep
// them from delivering the same event, so there is no leader to elect.
// Events claimed together are delivered in order.
type dispatcher struct {
	records Outbox
	cfg     EventsConfig
	log     *slog.Logger
	m       *metrics
	http    *http.Client
	wake    chan struct{}
	// published remembers events already confirmed by the exchange while
	// the webhook still fails, so that they are not published again.
	published map[int64]bool
	// held are the events this process claimed and has not delivered
	// yet, oldest first; the claim lasts until heldUntil.
	held      []dossier.Event
	heldUntil time.Time
}

func newDispatcher(records Outbox, cfg EventsConfig, log *slog.Logger, m *metrics) *dispatcher {
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
	const poll = 2 * time.Second
	// After a failed delivery, wait from 1 s doubling to a minute.
	retry := &backoff.ExponentialBackOff{InitialInterval: time.Second, RandomizationFactor: 0.2, Multiplier: 2, MaxInterval: time.Minute}
	failing := false
	for {
		wait := poll
		if err := d.drain(ctx); err != nil {
			failing = true
			wait = retry.NextBackOff()
			if ctx.Err() == nil {
				d.log.Warn("event delivery failed; will retry", "err", err, "in", wait)
			}
		} else {
			failing = false
			retry.Reset()
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-d.wake:
			if failing {
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

// drain delivers claimed events in order until none is left or one fails.
// A failed event stays held, and is retried first, while its lease lasts.
func (d *dispatcher) drain(ctx context.Context) error {
	for {
		if len(d.held) == 0 || time.Until(d.heldUntil) < eventDeliveryMax {
			until := time.Now().Add(eventLease)
			evs, err := d.records.ClaimEvents(ctx, eventLease, eventClaim)
			if err != nil {
				return fmt.Errorf("read outbox: %w", err)
			}
			// Events still held and not claimed again stay claimed by
			// this process until their lease lapses; then anyone,
			// this process included, claims them again.
			d.held, d.heldUntil = evs, until
			for id := range d.published {
				if !slices.ContainsFunc(evs, func(e dossier.Event) bool { return e.ID == id }) {
					delete(d.published, id) // its claim lapsed: whoever claims it next publishes it
				}
			}
			if len(evs) == 0 {
				return nil
			}
		}
		for len(d.held) > 0 && time.Until(d.heldUntil) >= eventDeliveryMax {
			ev := d.held[0]
			if err := d.deliver(ctx, ev); err != nil {
				return fmt.Errorf("event %d: %w", ev.ID, err)
			}
			if err := d.records.MarkDelivered(ctx, ev.ID); err != nil {
				return fmt.Errorf("event %d: mark delivered: %w", ev.ID, err)
			}
			delete(d.published, ev.ID)
			d.held = d.held[1:]
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
	req.Header.Set(SignatureHeader, Sign([]byte(d.cfg.WebhookSecret), time.Now(), body))
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
