package otlp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Exporter sends log records and spans to an OTLP/HTTP endpoint without
// ever making its caller wait: Log and Span append to a bounded queue (a
// full queue drops the record and counts it), and batches are sent from a
// timer's goroutine, which exists only while there is something to send
// (no goroutine of the exporter stays parked in the program).
//
// A request that fails with 429, 502, 503 or 504, or without an answer (a
// connection refused, reset, or the timeout), is retried with exponential
// backoff and jitter, honouring Retry-After; a batch still not accepted
// after MaxElapsed is dropped and counted. Any other answer (400, 404, …)
// drops the batch at once: retrying it would fail the same way.
type Exporter struct {
	cfg    Config
	client *http.Client
	scope  Scope

	// Tunables, set before the first record; tests shorten them.
	QueueSize  int           // records per signal waiting to be sent
	BatchSize  int           // records per request
	BatchDelay time.Duration // how long the first record of a batch waits for others
	MinBackoff time.Duration
	MaxBackoff time.Duration
	MaxElapsed time.Duration // per batch, across its retries

	// OnDrop, when set, is called from the send goroutine with the
	// total of records dropped, after a batch in which that total grew.
	OnDrop func(total uint64)

	// sleep waits d between attempts; a test replaces it to see the waits
	// without waiting.
	sleep func(d time.Duration)

	mu      sync.Mutex
	logs    []LogRecord
	spans   []SpanSource
	running bool // a send loop is scheduled or running

	dropped   atomic.Uint64
	seenDrops atomic.Uint64 // the total OnDrop last saw
	sent      atomic.Uint64
	retries   atomic.Uint64
	lastErr   atomic.Pointer[string]
}

// Stats are the exporter's counters (admin status).
type Stats struct {
	Queued   int    `json:"queued"`  // records waiting
	Sent     uint64 `json:"sent"`    // records the endpoint accepted
	Dropped  uint64 `json:"dropped"` // records lost: queue full, rejected, or retried too long
	Retries  uint64 `json:"retries"`
	LastErr  string `json:"last_error,omitempty"` // the last failure
	Endpoint string `json:"endpoint"`             // the traces URL
}

// NewExporter returns an exporter for cfg that sends with client, whose
// Transport must be one the probes ignore (the exporter's requests must
// not become telemetry themselves).
func NewExporter(cfg Config, client *http.Client, scope Scope) *Exporter {
	x := &Exporter{cfg: cfg, client: client, scope: scope,
		QueueSize: 2048, BatchSize: 512, BatchDelay: time.Second,
		MinBackoff: 500 * time.Millisecond, MaxBackoff: 5 * time.Second, MaxElapsed: time.Minute,
		sleep: time.Sleep}
	return x
}

// Log queues r; false when the queue was full (r is counted as dropped).
func (x *Exporter) Log(r LogRecord) bool { return push(x, &x.logs, r) }

// Span queues s; false when the queue was full (s is counted as dropped).
func (x *Exporter) Span(s Span) bool { return x.SpanFrom(spanValue(s)) }

// SpanSource is a span queued before it is built: FillSpan, called on the
// exporter's goroutine when the span is sent (never for one dropped),
// writes it into dst. It lets a caller on a request's path queue what it
// knows (a pointer, no allocation) and leave building the attributes to
// the exporter.
type SpanSource interface {
	FillSpan(dst *Span)
}

type spanValue Span

func (v spanValue) FillSpan(dst *Span) { *dst = Span(v) }

// SpanFrom queues src; false when the queue was full (counted as
// dropped).
func (x *Exporter) SpanFrom(src SpanSource) bool { return push(x, &x.spans, src) }

// push appends v to x's queue q (the logs' or the spans') and schedules a
// send; false when q is full (v is counted as dropped).
func push[T any](x *Exporter, q *[]T, v T) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(*q) >= x.QueueSize {
		x.dropped.Add(1)
		return false
	}
	*q = append(*q, v)
	x.scheduleLocked()
	return true
}

func (x *Exporter) scheduleLocked() {
	if x.running {
		return
	}
	x.running = true
	time.AfterFunc(x.BatchDelay, x.run)
}

// run sends batches until the queues are empty.
func (x *Exporter) run() {
	for x.sendOne(true) {
		x.reportDrops()
	}
}

// reportDrops calls OnDrop when records were dropped since it last did.
// It runs on the send goroutine only, which holds no lock, between
// batches and before each wait: while the endpoint is down, the queue
// fills and the drops are reported before the batch gives up.
func (x *Exporter) reportDrops() {
	if d := x.dropped.Load(); x.OnDrop != nil && x.seenDrops.Swap(d) < d {
		x.OnDrop(d)
	}
}

// sendOne sends one batch of each signal; false when there was none. The
// send loop (loop) marks itself stopped when it finds the queues empty,
// under the lock that Log and Span schedule it with.
func (x *Exporter) sendOne(loop bool) bool {
	x.mu.Lock()
	logs := take(&x.logs, x.BatchSize)
	spans := take(&x.spans, x.BatchSize)
	if len(logs) == 0 && len(spans) == 0 {
		if loop {
			x.running = false
		}
		x.mu.Unlock()
		return false
	}
	x.mu.Unlock()
	// Spans first: a log record's trace is then already there when a
	// backend links the two.
	if len(spans) > 0 {
		built := make([]Span, len(spans))
		for i, src := range spans {
			src.FillSpan(&built[i])
		}
		x.send(x.cfg.TracesURL, AppendTracesRequest(nil, &x.cfg.Resource, &x.scope, built), len(spans))
	}
	if len(logs) > 0 {
		x.send(x.cfg.LogsURL, AppendLogsRequest(nil, &x.cfg.Resource, &x.scope, logs), len(logs))
	}
	return true
}

// take removes up to n items from the front of *q; the queue keeps no
// reference to them (its array is not reused while a batch is out).
func take[T any](q *[]T, n int) []T {
	if len(*q) <= n {
		b := *q
		*q = nil
		return b
	}
	b := (*q)[:n:n]
	rest := make([]T, len((*q)[n:]), cap(*q))
	copy(rest, (*q)[n:])
	*q = rest
	return b
}

// errRetry is a failure worth retrying, after wait (0: the backoff's).
type errRetry struct {
	err  error
	wait time.Duration
}

func (e *errRetry) Error() string { return e.err.Error() }

func (x *Exporter) send(url string, body []byte, n int) {
	start := time.Now()
	backoff := x.MinBackoff
	for attempt := 0; ; attempt++ {
		err := x.post(url, body)
		if err == nil {
			x.sent.Add(uint64(n))
			return
		}
		msg := err.Error()
		x.lastErr.Store(&msg)
		var re *errRetry
		if !errors.As(err, &re) {
			x.dropped.Add(uint64(n))
			return
		}
		wait := re.wait
		if wait == 0 {
			// Full jitter over [backoff/2, backoff): a fleet of processes
			// that lost the same Collector does not come back in step.
			wait = backoff/2 + time.Duration(rand.Int63n(int64(backoff/2)+1))
			if backoff *= 2; backoff > x.MaxBackoff {
				backoff = x.MaxBackoff
			}
		}
		if time.Since(start)+wait > x.MaxElapsed {
			x.dropped.Add(uint64(n))
			return
		}
		x.retries.Add(1)
		x.reportDrops()
		x.sleep(wait)
	}
}

// maxRetryAfter bounds a Retry-After: an endpoint asking for an hour
// would hold the queue (and drop everything behind it) for that long.
const maxRetryAfter = time.Minute

func (x *Exporter) post(url string, body []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), x.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("User-Agent", "gohttpdbg-otlp")
	for _, h := range x.cfg.Headers {
		req.Header.Set(h[0], h[1])
	}
	resp, err := x.client.Do(req)
	if err != nil {
		return &errRetry{err: fmt.Errorf("POST %s: %v", url, err)}
	}
	// Read a little of the answer so that the connection can be reused,
	// never more: a broken endpoint may send anything.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusAccepted, http.StatusNoContent:
		return nil
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return &errRetry{err: fmt.Errorf("POST %s: %s", url, resp.Status), wait: retryAfter(resp.Header.Get("Retry-After"))}
	}
	return fmt.Errorf("POST %s: %s", url, resp.Status)
}

// retryAfter reads a Retry-After header, seconds or an HTTP date; 0 when
// absent or unreadable.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	}
	if d <= 0 {
		return 0
	}
	if d > maxRetryAfter {
		d = maxRetryAfter
	}
	return d
}

// Stats returns the exporter's counters.
func (x *Exporter) Stats() Stats {
	x.mu.Lock()
	q := len(x.logs) + len(x.spans)
	x.mu.Unlock()
	s := Stats{Queued: q, Sent: x.sent.Load(), Dropped: x.dropped.Load(), Retries: x.retries.Load(), Endpoint: x.cfg.TracesURL}
	if p := x.lastErr.Load(); p != nil {
		s.LastErr = *p
	}
	return s
}

// Flush sends what is queued now, waiting at most d (the process is
// exiting: it must not hang on a Collector that does not answer). What
// is still unsent when d runs out is lost with the process.
func (x *Exporter) Flush(d time.Duration) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 64 && x.sendOne(false); i++ {
		}
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}
