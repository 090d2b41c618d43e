package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cenkalti/backoff/v5"
	amqp "github.com/rabbitmq/amqp091-go"
)

// AMQPConfig configures the RabbitMQ queue.
type AMQPConfig struct {
	URL string // amqp://user:pass@host:5672/vhost
	// Prefix names the topology: queues "<prefix>.<kind>",
	// "<prefix>.<kind>.retry.<ms>", "<prefix>.<kind>.dead" and the topic
	// exchange "<prefix>.events". "sohoa" when empty.
	Prefix string
	// DeliveryLimit is the quorum queues' x-delivery-limit: a message
	// returned that often without an answer (its consumers keep dying on
	// it) is dead-lettered by the broker itself. 20 when 0; the workers'
	// own MaxAttempts normally buries a job long before.
	DeliveryLimit int
	Logger        *slog.Logger
}

// AMQPQueue is a Queue on RabbitMQ: durable quorum queues, persistent
// messages, publisher confirms, manual acks, per-consumer prefetch.
// Retries go through per-delay queues ("<prefix>.<kind>.retry.<ms>", a
// message TTL and a dead-letter route back to the work queue), dead jobs to
// "<prefix>.<kind>.dead" with their reason in the header x-sohoa-reason.
// It reconnects after broker restarts: topology is declared again,
// consumers resume, publishes are retried until confirmed. Open it with
// DialAMQP and Close it when done.
type AMQPQueue struct {
	cfg    AMQPConfig
	log    *slog.Logger
	pub    *amqpConn // publishing and consuming use separate connections, as RabbitMQ advises (flow control)
	con    *amqpConn
	mu     sync.Mutex // guards pubCh, declared
	pubCh  *amqpChan
	kinds  map[string]bool // declared on pubCh
	closed chan struct{}
	once   sync.Once
}

const (
	headerAttempt = "x-sohoa-attempt"
	headerReason  = "x-sohoa-reason"
)

// DialAMQP connects to RabbitMQ. It fails when the broker cannot be
// reached now; later outages are ridden out.
func DialAMQP(ctx context.Context, cfg AMQPConfig) (*AMQPQueue, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = "sohoa"
	}
	if cfg.DeliveryLimit <= 0 {
		cfg.DeliveryLimit = 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	q := &AMQPQueue{
		cfg:    cfg,
		log:    cfg.Logger,
		pub:    &amqpConn{url: cfg.URL, name: "sohoa-publish"},
		con:    &amqpConn{url: cfg.URL, name: "sohoa-consume"},
		kinds:  map[string]bool{},
		closed: make(chan struct{}),
	}
	ch, err := q.pub.channel(ctx, 1)
	if err != nil {
		return nil, fmt.Errorf("workers: rabbitmq: %w", err)
	}
	defer ch.close()
	if err := q.declareEvents(ch); err != nil {
		return nil, fmt.Errorf("workers: rabbitmq: %w", err)
	}
	return q, nil
}

func (q *AMQPQueue) workQueue(kind string) string { return q.cfg.Prefix + "." + kind }
func (q *AMQPQueue) deadQueue(kind string) string { return q.cfg.Prefix + "." + kind + ".dead" }
func (q *AMQPQueue) retryQueue(kind string, d time.Duration) string {
	return q.cfg.Prefix + "." + kind + ".retry." + strconv.FormatInt(d.Milliseconds(), 10)
}

// EventsExchange is the topic exchange that result events go to.
func (q *AMQPQueue) EventsExchange() string { return q.cfg.Prefix + ".events" }

func (q *AMQPQueue) declareEvents(ch *amqpChan) error {
	return ch.do("declare exchange", func() error {
		return ch.ExchangeDeclare(q.EventsExchange(), amqp.ExchangeTopic, true, false, false, false, nil)
	})
}

// declareKind declares the work and dead queues of kind. Arguments never
// change: a redeclaration with other arguments is refused by the broker.
func (q *AMQPQueue) declareKind(ch *amqpChan, kind string) error {
	return ch.do("declare queues", func() error { return q.declareKind1(ch.Channel, kind) })
}

func (q *AMQPQueue) declareKind1(ch *amqp.Channel, kind string) error {
	if _, err := ch.QueueDeclare(q.deadQueue(kind), true, false, false, false, amqp.Table{
		"x-queue-type": "quorum",
	}); err != nil {
		return fmt.Errorf("declare %s: %w", q.deadQueue(kind), err)
	}
	if _, err := ch.QueueDeclare(q.workQueue(kind), true, false, false, false, amqp.Table{
		"x-queue-type":              "quorum",
		"x-delivery-limit":          int64(q.cfg.DeliveryLimit),
		"x-dead-letter-exchange":    "",
		"x-dead-letter-routing-key": q.deadQueue(kind),
	}); err != nil {
		return fmt.Errorf("declare %s: %w", q.workQueue(kind), err)
	}
	return nil
}

// declareRetry declares the delay queue of kind for d: messages wait there
// d, then the broker dead-letters them back to the work queue. At-least-once
// dead-lettering keeps them through a broker crash.
func (q *AMQPQueue) declareRetry(ch *amqpChan, kind string, d time.Duration) error {
	name := q.retryQueue(kind, d)
	return ch.do("declare "+name, func() error { return q.declareRetry1(ch.Channel, name, kind, d) })
}

func (q *AMQPQueue) declareRetry1(ch *amqp.Channel, name, kind string, d time.Duration) error {
	if _, err := ch.QueueDeclare(name, true, false, false, false, amqp.Table{
		"x-queue-type":              "quorum",
		"x-message-ttl":             d.Milliseconds(),
		"x-dead-letter-exchange":    "",
		"x-dead-letter-routing-key": q.workQueue(kind),
		"x-dead-letter-strategy":    "at-least-once",
		"x-overflow":                "reject-publish",
	}); err != nil {
		return fmt.Errorf("declare %s: %w", name, err)
	}
	return nil
}

// Publish implements Queue.
func (q *AMQPQueue) Publish(ctx context.Context, m Message) error {
	return q.publish(ctx, m.Kind, true, func(ch *amqpChan) (string, string, error) {
		return "", q.workQueue(m.Kind), nil
	}, message(m, nil))
}

// PublishEvent implements EventPublisher: the topic exchange "<prefix>.events".
func (q *AMQPQueue) PublishEvent(ctx context.Context, routingKey, eventID string, body []byte) error {
	// Not mandatory: an event nobody has bound a queue for is not an error.
	return q.publish(ctx, "", false, func(ch *amqpChan) (string, string, error) {
		return q.EventsExchange(), routingKey, q.declareEvents(ch)
	}, amqp.Publishing{
		ContentType:  "application/json",
		DeliveryMode: amqp.Persistent,
		MessageId:    eventID,
		Timestamp:    time.Now(),
		Body:         body,
	})
}

func message(m Message, extra amqp.Table) amqp.Publishing {
	h := amqp.Table{headerAttempt: int64(max(1, m.Attempt))}
	for k, v := range extra {
		h[k] = v
	}
	return amqp.Publishing{
		ContentType:  "application/json",
		DeliveryMode: amqp.Persistent,
		Timestamp:    time.Now(),
		Type:         m.Kind,
		Headers:      h,
		Body:         m.Args,
	}
}

// publish sends msg and waits for the broker's confirm, on a fresh channel
// after any failure, until confirmed or ctx is done. route declares what
// it needs on ch and names the exchange and routing key. kind, when not
// empty, has its queues declared first.
func (q *AMQPQueue) publish(ctx context.Context, kind string, mandatory bool, route func(*amqpChan) (exchange, key string, err error), msg amqp.Publishing) error {
	var last error
	try := func() (struct{}, error) {
		select {
		case <-q.closed:
			return struct{}{}, backoff.Permanent(ErrQueueClosed)
		default:
		}
		ch, err := q.publishChannel(ctx, kind)
		if err != nil {
			return struct{}{}, err
		}
		exchange, key, err := route(ch)
		if err != nil {
			q.dropPublishChannel(ch)
			return struct{}{}, err
		}
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, exchange, key, mandatory, false, msg)
		if err != nil {
			q.dropPublishChannel(ch)
			return struct{}{}, err
		}
		wctx, cancel := context.WithTimeout(ctx, brokerTimeout)
		ok, err := dc.WaitContext(wctx)
		cancel()
		switch {
		case err != nil && ctx.Err() != nil:
			return struct{}{}, backoff.Permanent(err)
		case err != nil:
			// No confirm in time: the broker is wedged (it happens while
			// quorum queues recover). Start over on a new connection.
			ch.kill()
			q.dropPublishChannel(ch)
			return struct{}{}, fmt.Errorf("no publisher confirm within %s", brokerTimeout)
		case ok:
			return struct{}{}, nil
		}
		q.dropPublishChannel(ch)
		return struct{}{}, errors.New("broker refused the message (nack or channel closed)")
	}
	_, err := backoff.Retry(ctx, try, backoff.WithBackOff(brokerBackoff()), backoff.WithMaxElapsedTime(0),
		backoff.WithNotify(func(err error, d time.Duration) {
			last = err
			q.log.Debug("rabbitmq publish retry", "in", d, "err", err)
		}))
	if err != nil && ctx.Err() != nil && last != nil && errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%w (last error: %v)", err, last)
	}
	return err
}

// publishChannel returns the confirm-mode publishing channel, opening it
// (and declaring kind's queues on it) as needed.
func (q *AMQPQueue) publishChannel(ctx context.Context, kind string) (*amqpChan, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.pubCh != nil && q.pubCh.IsClosed() {
		q.pubCh = nil
	}
	if q.pubCh == nil {
		ch, err := q.pub.channel(ctx, 1)
		if err != nil {
			return nil, err
		}
		if err := ch.do("confirm mode", func() error { return ch.Confirm(false) }); err != nil {
			go ch.close()
			return nil, err
		}
		// Unroutable messages come back (mandatory); a confirm still
		// follows, so they are logged rather than lost silently.
		returns := ch.NotifyReturn(make(chan amqp.Return, 16))
		go func() {
			for r := range returns {
				q.log.Error("rabbitmq returned an unroutable message", "exchange", r.Exchange, "key", r.RoutingKey, "reply", r.ReplyText)
			}
		}()
		q.pubCh = ch
		q.kinds = map[string]bool{}
	}
	if kind != "" && !q.kinds[kind] {
		if err := q.declareKind(q.pubCh, kind); err != nil {
			go q.pubCh.close()
			q.pubCh = nil
			return nil, err
		}
		q.kinds[kind] = true
	}
	return q.pubCh, nil
}

// dropPublishChannel forgets ch and closes it in the background: closing
// waits for the broker, which must never stall publishing.
func (q *AMQPQueue) dropPublishChannel(ch *amqpChan) {
	q.mu.Lock()
	if q.pubCh == ch {
		q.pubCh = nil
	}
	q.mu.Unlock()
	go ch.close()
}

// Consume implements Queue. The returned channel stays open across broker
// restarts; it closes when ctx is done or the queue is closed.
func (q *AMQPQueue) Consume(ctx context.Context, kind string, prefetch int) (<-chan Delivery, error) {
	out := make(chan Delivery)
	go func() {
		defer close(out)
		wait := brokerBackoff()
		for {
			err := q.consumeOnce(ctx, kind, prefetch, out)
			select {
			case <-ctx.Done():
				return
			case <-q.closed:
				return
			default:
			}
			if err != nil {
				q.log.Warn("rabbitmq unreachable; retrying", "kind", kind, "err", err)
			} else {
				q.log.Warn("rabbitmq channel closed; reconnecting", "kind", kind)
			}
			if err == nil {
				wait.Reset() // the channel worked: reconnect quickly
			}
			if sleep(ctx, wait.NextBackOff()) != nil {
				return
			}
		}
	}()
	return out, nil
}

// consumeOnce consumes on one channel until it closes. It returns nil when
// the channel worked before closing (the reconnection starts quickly). When
// ctx is done it stops the consumer but keeps the channel open until the
// deliveries handed out are answered, so that a graceful shutdown's acks
// reach the broker.
func (q *AMQPQueue) consumeOnce(ctx context.Context, kind string, prefetch int, out chan<- Delivery) error {
	ch, err := q.con.channel(ctx, 1)
	if err != nil {
		return err
	}
	var outstanding sync.WaitGroup
	defer func() {
		waited := make(chan struct{})
		go func() { outstanding.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-q.closed:
		case <-ch.NotifyClose(make(chan *amqp.Error, 1)):
		}
		go ch.close()
	}()
	if err := q.declareKind(ch, kind); err != nil {
		return err
	}
	if err := ch.do("qos", func() error { return ch.Qos(prefetch, 0, false) }); err != nil {
		return err
	}
	tag := "sohoa-" + newToken()
	var ds <-chan amqp.Delivery
	if err := ch.do("consume "+q.workQueue(kind), func() (err error) {
		ds, err = ch.Consume(q.workQueue(kind), tag, false, false, false, false, nil)
		return err
	}); err != nil {
		return err
	}
	q.log.Debug("rabbitmq consuming", "queue", q.workQueue(kind), "prefetch", prefetch)
	stop := func() {
		// Deliveries prefetched but not handed out go back to the queue.
		_ = ch.do("cancel consumer", func() error { return ch.Cancel(tag, false) })
		for d := range ds {
			_ = d.Nack(false, true)
		}
	}
	for {
		select {
		case <-ctx.Done():
			stop()
			return nil
		case <-q.closed:
			return nil
		case d, ok := <-ds:
			if !ok {
				return nil
			}
			outstanding.Add(1)
			del := &amqpDelivery{q: q, ch: ch, d: d, kind: kind, done: outstanding.Done}
			select {
			case out <- del:
			case <-ctx.Done():
				del.finish()
				_ = d.Nack(false, true)
				stop()
				return nil
			}
		}
	}
}

// Depth implements Queue: the ready messages of kind's work queue.
func (q *AMQPQueue) Depth(ctx context.Context, kind string) (int, error) {
	return q.queueMessages(ctx, kind, q.workQueue(kind))
}

// DeadJobs counts the dead jobs of kind (for tests and operators).
func (q *AMQPQueue) DeadJobs(ctx context.Context, kind string) (int, error) {
	return q.queueMessages(ctx, kind, q.deadQueue(kind))
}

// queueMessages counts the ready messages of name, one of kind's queues
// (declared first, so a kind never used yet counts 0).
func (q *AMQPQueue) queueMessages(ctx context.Context, kind, name string) (int, error) {
	ch, err := q.pub.channel(ctx, 1)
	if err != nil {
		return 0, err
	}
	defer ch.close()
	if err := q.declareKind(ch, kind); err != nil {
		return 0, err
	}
	var st amqp.Queue
	err = ch.do("inspect queue", func() (err error) {
		st, err = ch.QueueDeclarePassive(name, true, false, false, false, nil)
		return err
	})
	return st.Messages, err
}

// retryDelays are the delays a retry can wait, one delay queue each: a
// backoff is rounded up to the next of them, so a kind never has more
// than these few queues.
var retryDelays = []time.Duration{
	time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute,
}

func retryDelay(d time.Duration) time.Duration {
	for _, r := range retryDelays {
		if d <= r {
			return r
		}
	}
	return retryDelays[len(retryDelays)-1]
}

// DeleteTopology removes the queues (work, dead and every delay queue) of
// every kind in JobKinds and of extra, and the events exchange. Tests clean
// up after themselves with it: a quorum queue left behind holds broker file
// handles for good.
func (q *AMQPQueue) DeleteTopology(ctx context.Context, extra ...string) error {
	ch, err := q.pub.channel(ctx, 1)
	if err != nil {
		return err
	}
	defer ch.close()
	for _, k := range append(JobKinds(), extra...) {
		names := []string{q.workQueue(k), q.deadQueue(k)}
		for _, d := range retryDelays {
			names = append(names, q.retryQueue(k, d))
		}
		for _, n := range names {
			if _, err := ch.QueueDelete(n, false, false, false); err != nil {
				return err
			}
		}
	}
	return ch.ExchangeDelete(q.EventsExchange(), false, false)
}

// Close implements Queue.
func (q *AMQPQueue) Close() error {
	q.once.Do(func() { close(q.closed) })
	q.mu.Lock()
	if q.pubCh != nil {
		go q.pubCh.close()
		q.pubCh = nil
	}
	q.mu.Unlock()
	return errors.Join(q.pub.close(), q.con.close())
}

// amqpDelivery answers one RabbitMQ delivery.
type amqpDelivery struct {
	q    *AMQPQueue
	ch   *amqpChan
	d    amqp.Delivery
	kind string
	done func() // tells the consumer this delivery is answered
	once sync.Once
}

func (d *amqpDelivery) finish() { d.once.Do(d.done) }

func (d *amqpDelivery) Message() Message {
	attempt := int64(1)
	if v, ok := toInt(d.d.Headers[headerAttempt]); ok && v > 0 {
		attempt = v
	}
	// Quorum queues count returns of a message (nack, consumer died).
	if v, ok := toInt(d.d.Headers["x-delivery-count"]); ok && v > 0 {
		attempt += v
	}
	return Message{Kind: d.kind, Args: d.d.Body, Attempt: int(attempt)}
}

func (d *amqpDelivery) Ack(ctx context.Context) error {
	defer d.finish()
	return d.d.Ack(false)
}

// Release hands the job back at once (a shutdown that ran out of grace).
// The broker counts it as a delivery.
func (d *amqpDelivery) Release(ctx context.Context) error {
	defer d.finish()
	return d.d.Nack(false, true)
}

// Retry publishes the next attempt to the delay queue, confirmed, then acks
// this one. A crash between the two leaves two copies: the work is
// idempotent.
func (d *amqpDelivery) Retry(ctx context.Context, delay time.Duration, reason string) error {
	defer d.finish()
	delay = retryDelay(delay)
	m := d.Message()
	m.Attempt++
	q := d.q
	err := q.publish(ctx, d.kind, true, func(ch *amqpChan) (string, string, error) {
		return "", q.retryQueue(d.kind, delay), q.declareRetry(ch, d.kind, delay)
	}, message(m, amqp.Table{headerReason: truncate(reason, 1000)}))
	if err != nil {
		return err
	}
	return d.d.Ack(false)
}

// Dead publishes the job to the dead queue with its reason, then acks it.
func (d *amqpDelivery) Dead(ctx context.Context, reason string) error {
	defer d.finish()
	q := d.q
	err := q.publish(ctx, d.kind, true, func(ch *amqpChan) (string, string, error) {
		return "", q.deadQueue(d.kind), nil
	}, message(d.Message(), amqp.Table{headerReason: truncate(reason, 1000)}))
	if err != nil {
		return err
	}
	return d.d.Ack(false)
}

// amqpConn is one connection, dialed again when lost.
type amqpConn struct {
	url  string
	name string
	mu   sync.Mutex
	c    *amqp.Connection
}

// channel opens a channel, reconnecting first if needed, retrying until
// ctx is done when the broker is away. tries bounds the attempts (0 = until ctx).
func (a *amqpConn) channel(ctx context.Context, tries int) (*amqpChan, error) {
	var last error
	ac, err := backoff.Retry(ctx, func() (*amqpChan, error) {
		c, err := a.conn()
		if err != nil {
			return nil, err
		}
		ac := &amqpChan{conn: c, a: a}
		if err := ac.do("open channel", func() (err error) {
			ac.Channel, err = c.Channel()
			return err
		}); err != nil {
			return nil, err
		}
		return ac, nil
	}, backoff.WithBackOff(brokerBackoff()), backoff.WithMaxTries(uint(max(tries, 0))), backoff.WithMaxElapsedTime(0),
		backoff.WithNotify(func(err error, _ time.Duration) { last = err }))
	if err != nil && ctx.Err() != nil && last != nil && errors.Is(err, ctx.Err()) {
		return nil, fmt.Errorf("%w (last error: %v)", err, last)
	}
	return ac, err
}

func (a *amqpConn) conn() (*amqp.Connection, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.c != nil && !a.c.IsClosed() {
		return a.c, nil
	}
	cfg := amqp.Config{
		Heartbeat:  10 * time.Second,
		Locale:     "en_US",
		Properties: amqp.Table{"connection_name": a.name},
		Dial:       amqp.DefaultDial(10 * time.Second),
	}
	c, err := amqp.DialConfig(a.url, cfg)
	if err != nil {
		return nil, err
	}
	a.c = c
	return c, nil
}

// brokerTimeout bounds each wait for an answer from RabbitMQ. amqp091 calls
// have no deadline, and a broker recovering its quorum queues after a crash
// was seen to leave basic.consume and channel.close unanswered for minutes.
const brokerTimeout = 20 * time.Second

// amqpChan is a channel with the connection it lives on, so that a call the
// broker leaves unanswered can be cut short by dropping the connection.
type amqpChan struct {
	*amqp.Channel
	conn *amqp.Connection
	a    *amqpConn
}

// do runs fn, a call that waits for the broker. Without an answer within
// brokerTimeout the connection is torn down, which ends fn with an error,
// and the next channel is opened on a new connection.
func (c *amqpChan) do(what string, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	t := time.NewTimer(brokerTimeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
	}
	c.kill()
	select {
	case <-done:
	case <-time.After(brokerTimeout):
	}
	return fmt.Errorf("rabbitmq: %s: no answer within %s", what, brokerTimeout)
}

// kill drops the channel's connection without waiting for the broker.
func (c *amqpChan) kill() {
	c.a.mu.Lock()
	if c.a.c == c.conn {
		c.a.c = nil
	}
	c.a.mu.Unlock()
	go c.conn.CloseDeadline(time.Now().Add(time.Second))
}

// close closes the channel, waiting brokerTimeout at most.
func (c *amqpChan) close() {
	if c.Channel != nil && !c.IsClosed() {
		c.do("close channel", c.Channel.Close)
	}
}

func (a *amqpConn) close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.c == nil || a.c.IsClosed() {
		return nil
	}
	err := a.c.Close()
	a.c = nil
	return err
}

// toInt reads a count from an AMQP header table (x-delivery-count, the
// attempt): a peer may write it as any signed or small unsigned integer
// type; a uint or uint64 may not fit in an int64 and is not taken.
func toInt(v any) (int64, bool) {
	switch r := reflect.ValueOf(v); r.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return r.Int(), true
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return int64(r.Uint()), true
	}
	return 0, false
}

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// brokerBackoff is the wait between attempts to reach the broker: from
// 200 ms doubling to 5 s, with jitter so that reconnecting processes
// spread out.
func brokerBackoff() *backoff.ExponentialBackOff {
	return &backoff.ExponentialBackOff{
		InitialInterval:     200 * time.Millisecond,
		RandomizationFactor: 0.5,
		Multiplier:          2,
		MaxInterval:         5 * time.Second,
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
