package probes

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes/otlp"
)

// The otlp sink (GOHTTPDBG_OUT=otlp): events become OTLP log records, and
// the requests the probes follow become spans (client and server kind),
// sent to an OpenTelemetry Collector by probes/otlp's exporter. docs/OTLP.md
// is the user's reference.
//
// The request paths call into it through otlpOn, nil unless the sink is
// installed: one atomic load per request otherwise. A span's state lives
// in its request (see Span).

var otlpOn atomic.Pointer[otlpSink]

type otlpSink struct {
	x *otlp.Exporter
	// spans: the spans of recent requests by request id (id modulo the
	// size), so that an event names the span of its request (a body.leak
	// comes after its request's span ended). Only read by the sink, and
	// overwritten as ids advance.
	spans    [4096]atomic.Pointer[Span]
	reported atomic.Uint64 // drops reported as admin.dropped
}

// OpenOTLPSink returns the otlp sink, configured by the standard
// OpenTelemetry variables read through getenv (otlp.ConfigFromEnv), and
// makes the probes create spans. A bad configuration is an error, and
// nothing is installed.
func OpenOTLPSink(getenv func(string) string) (Sink, error) {
	cfg, err := otlp.ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	s := &otlpSink{}
	s.x = otlp.NewExporter(cfg, exporterClient(cfg), otlp.Scope{Name: "gohttpdbg"})
	s.x.OnDrop = s.reportDrops
	otlpOn.Store(s)
	return s, nil
}

// exporterClient returns the exporter's HTTP client: a Transport of its
// own, which the probes ignore (IgnoreTransport), over connections they
// ignore too (RuntimeConn, for the hooks of the std patch that see
// connections: frame, header.reject). HTTP/1.1 only: the frame probe has
// nothing to see.
func exporterClient(cfg otlp.Config) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     90 * time.Second,
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return exporterConn{c}, nil
		},
		DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			tc := &tls.Config{}
			if cfg.TLS != nil {
				tc = cfg.TLS.Clone()
			}
			if tc.ServerName == "" {
				tc.ServerName, _, _ = net.SplitHostPort(addr)
			}
			tc.NextProtos = []string{"http/1.1"}
			conn := tls.Client(c, tc)
			if err := conn.HandshakeContext(ctx); err != nil {
				c.Close()
				return nil, err
			}
			return exporterConn{conn}, nil
		},
	}
	IgnoreTransport(t)
	return &http.Client{Transport: t}
}

// exporterConn marks the exporter's connections as the runtime's own.
type exporterConn struct{ net.Conn }

func (exporterConn) GohttpdbgRuntimeConn() {}

var ignoredTransport atomic.Pointer[http.Transport]

// IgnoreTransport excludes the requests t sends from the probes (the
// OTLP exporter's: observing them would feed the exporter its own
// traffic). One transport at a time.
func IgnoreTransport(t *http.Transport) { ignoredTransport.Store(t) }

// IgnoredTransport reports whether t is the transport IgnoreTransport
// named.
func IgnoredTransport(t *http.Transport) bool { return t != nil && t == ignoredTransport.Load() }

// OTLPStats returns the exporter's counters, nil when the otlp sink is
// not installed (admin status).
func OTLPStats() *otlp.Stats {
	s := otlpOn.Load()
	if s == nil {
		return nil
	}
	st := s.x.Stats()
	return &st
}

// FlushOTLP sends what the otlp sink holds, waiting at most d; the
// process is exiting.
func FlushOTLP(d time.Duration) {
	if s := otlpOn.Load(); s != nil {
		Flush()
		s.x.Flush(d)
	}
}

// reportDrops runs on the exporter's send goroutine, which holds no lock
// of the probes: admin.dropped for the records lost since the last report.
func (s *otlpSink) reportDrops(total uint64) {
	prev := s.reported.Swap(total)
	if total <= prev || Level(Admin) < 1 {
		return
	}
	e := Event{Probe: Admin, Sev: Warn, Name: "admin.dropped",
		Msg: "OTLP records lost: the Collector is down, slow or refusing them"}
	e.AddInt(KeyCount, int64(total-prev))
	e.AddInt(KeyTotal, int64(total))
	e.AddString(KeySink, "otlp")
	Emit(&e)
}

var sevNumbers = [...]int32{otlp.SevDebug, otlp.SevInfo, otlp.SevWarn, otlp.SevError}

// WriteEvent turns e into a log record. The sink runs after renderLazy,
// so e's attributes are the redacted text the other sinks write.
func (s *otlpSink) WriteEvent(e *Event) error {
	r := otlp.LogRecord{Time: e.Time, Observed: Now(), SevText: e.Sev.String(), Body: e.Msg, EventName: e.Name}
	if int(e.Sev) < len(sevNumbers) {
		r.SevNumber = sevNumbers[e.Sev]
	}
	attrs := make([]otlp.KeyValue, 0, e.NumAttrs()+7)
	attrs = append(attrs, otlp.Str("event.name", e.Name))
	if e.Site != "" {
		file, line := splitSite(e.Site)
		attrs = append(attrs, otlp.Str("code.filepath", file))
		if line > 0 {
			attrs = append(attrs, otlp.Int("code.lineno", line))
		}
	}
	if e.Conn != 0 {
		attrs = append(attrs, otlp.Int("gohttpdbg.conn", int64(e.Conn)))
	}
	if e.HasStream {
		attrs = append(attrs, otlp.Int("gohttpdbg.stream", int64(e.Stream)))
	}
	if e.Req != 0 {
		attrs = append(attrs, otlp.Int("gohttpdbg.req", int64(e.Req)))
		if sp := s.spans[e.Req%uint64(len(s.spans))].Load(); sp != nil && sp.req == e.Req {
			r.TraceID, r.SpanID, r.Flags = sp.trace, sp.id, uint32(sp.flags)
			sp.addEvent(e)
		}
	}
	for i := 0; i < e.NumAttrs(); i++ {
		attrs = append(attrs, otlpAttr("gohttpdbg.", e.AttrAt(i)))
	}
	r.Attrs = attrs
	s.x.Log(r)
	return nil
}

// Flush does not send: the sink is flushed after every diagnostic, on
// the program's goroutine. The exporter sends on its own.
func (s *otlpSink) Flush() error { return nil }

// otlpAttr converts an event attribute, its key under prefix (the
// event's fields are gohttpdbg's, not semantic conventions).
func otlpAttr(prefix string, a *Attr) otlp.KeyValue {
	k := prefix + a.Key.String()
	switch a.Kind {
	case KindInt:
		return otlp.Int(k, a.Num)
	case KindBool:
		return otlp.Bool(k, a.Num != 0)
	case KindDuration:
		return otlp.Str(k, time.Duration(a.Num).String())
	}
	return otlp.Str(k, a.Str)
}

// splitSite splits "path/file.go:LINE".
func splitSite(site string) (string, int64) {
	i := strings.LastIndexByte(site, ':')
	if i < 0 {
		return site, 0
	}
	n, err := strconv.ParseInt(site[i+1:], 10, 64)
	if err != nil {
		return site, 0
	}
	return site[:i], n
}

// MultiSink writes every event to each of sinks (GOHTTPDBG_OUT=stderr,otlp).
// A sink that fails is skipped from then on; the others go on.
func MultiSink(sinks ...Sink) Sink {
	m := &multiSink{sinks: sinks, failed: make([]bool, len(sinks))}
	return m
}

type multiSink struct {
	sinks  []Sink
	failed []bool
}

func (m *multiSink) WriteEvent(e *Event) error {
	return m.each(func(s Sink) error { return s.WriteEvent(e) })
}

func (m *multiSink) Flush() error { return m.each(Sink.Flush) }

// each runs f on every sink that has not failed; a sink that fails is
// left out from then on. It fails only when no sink is left working.
func (m *multiSink) each(f func(Sink) error) error {
	ok := false
	for i, s := range m.sinks {
		if !m.failed[i] {
			if err := f(s); err != nil {
				m.failed[i] = true
				continue
			}
			ok = true
		}
	}
	if !ok {
		return errAllFailed
	}
	return nil
}

var errAllFailed = errors.New("probes: every sink failed")

// Span is an exchange's span while it is open: in its request's state
// (the client and server probes' requests keep theirs), made only with the
// otlp sink.
type Span struct {
	trace  [16]byte
	id     [8]byte
	parent [8]byte
	flags  byte // W3C trace flags: 1 = sampled
	state  string
	req    uint64
	start  int64 // Unix ns
	// The client request's outcome (ClientOutcome).
	status  int
	proto   string
	errType string

	// What FillSpan needs, copied in when the span ends: strings and
	// values only, nothing the program may change afterwards.
	kind      int32
	endNs     int64 // Unix ns
	method    string
	u         url.URL // client: the request's URL; server: path and query
	host      string  // server: the Host header
	remote    string
	tls       bool
	site, via string
	conn      uint64
	reused    bool
	// handlerReq is the request the handler gets (server): the server's,
	// with the span in its context.
	handlerReq *http.Request

	mu     sync.Mutex
	events []otlp.SpanEvent // diagnostics of the request, while open
	ended  bool
}

type spanKey struct{}

// spanFromContext returns the server span ctx carries (the handler's
// request context, passed on to the requests it makes).
func spanFromContext(ctx context.Context) *Span {
	sp, _ := ctx.Value(spanKey{}).(*Span)
	return sp
}

func (sp *Span) addEvent(e *Event) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.ended || len(sp.events) >= 16 {
		return
	}
	ev := otlp.SpanEvent{Time: e.Time, Name: e.Name}
	ev.Attrs = append(ev.Attrs, otlp.Str("message", e.Msg))
	if e.Site != "" {
		ev.Attrs = append(ev.Attrs, otlp.Str("gohttpdbg.site", e.Site))
	}
	for i := 0; i < e.NumAttrs(); i++ {
		ev.Attrs = append(ev.Attrs, otlpAttr("gohttpdbg.", e.AttrAt(i)))
	}
	sp.events = append(sp.events, ev)
}

// end marks the span ended, after which its events do not change; false
// when it had ended already.
func (sp *Span) end() bool {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.ended {
		return false
	}
	sp.ended = true
	return true
}

func newID(b []byte) {
	for {
		for i := 0; i < len(b); i += 8 {
			v := rand.Uint64()
			for j := 0; j < 8 && i+j < len(b); j++ {
				b[i+j] = byte(v >> (8 * j))
			}
		}
		if !allZero(b) {
			return
		}
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// parseTraceparent reads a W3C traceparent header:
// version-traceid-parentid-flags, lower-case hex. A version other than
// 00 is read by its first four fields, as the specification asks.
func parseTraceparent(v string) (trace [16]byte, parent [8]byte, flags byte, ok bool) {
	if len(v) < 55 || (len(v) > 55 && v[55] != '-') || v[2] != '-' || v[35] != '-' || v[52] != '-' {
		return trace, parent, 0, false
	}
	if v[:2] == "ff" || (v[:2] == "00" && len(v) != 55) {
		return trace, parent, 0, false
	}
	var ver [1]byte
	var fl [1]byte
	if !unhex(ver[:], v[0:2]) || !unhex(trace[:], v[3:35]) || !unhex(parent[:], v[36:52]) || !unhex(fl[:], v[53:55]) {
		return trace, parent, 0, false
	}
	if allZero(trace[:]) || allZero(parent[:]) {
		return trace, parent, 0, false
	}
	return trace, parent, fl[0], true
}

func unhex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := hexVal(s[2*i])
		lo, ok2 := hexVal(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func hexVal(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

const tpHex = "0123456789abcdef"

func formatTraceparent(trace [16]byte, id [8]byte, flags byte) string {
	b := make([]byte, 0, 55)
	b = append(b, "00-"...)
	for _, c := range trace {
		b = append(b, tpHex[c>>4], tpHex[c&15])
	}
	b = append(b, '-')
	for _, c := range id {
		b = append(b, tpHex[c>>4], tpHex[c&15])
	}
	b = append(b, '-', tpHex[flags>>4], tpHex[flags&15])
	return string(b)
}

// newSpan starts a span for request id: the child of parent when there
// is one (an incoming or the program's own traceparent, the server span
// of the handler that makes the request), else the root of a new trace.
func (s *otlpSink) newSpan(req uint64, parent *Span, tp string) *Span {
	sp := &Span{req: req, start: Now(), flags: 1}
	if trace, pid, flags, ok := parseTraceparent(tp); ok {
		sp.trace, sp.parent, sp.flags = trace, pid, flags
	} else if parent != nil {
		sp.trace, sp.parent, sp.flags = parent.trace, parent.id, parent.flags
	} else {
		newID(sp.trace[:])
	}
	newID(sp.id[:])
	s.spans[req%uint64(len(s.spans))].Store(sp)
	return sp
}

// SpansOn reports whether the otlp sink is in use: only then do requests
// get a Span.
func SpansOn() bool { return otlpOn.Load() != nil }

// StartClientSpan starts the span of client request id and returns it
// (nil when the otlp sink is off) with the request to send: req, or,
// when the request is made while handling a request the probes follow
// and the program sets no traceparent of its own, a copy of req whose
// header (a copy too: the caller's is never changed) carries the client
// span's traceparent.
func StartClientSpan(id uint64, req *http.Request) (*Span, *http.Request) {
	s := otlpOn.Load()
	if s == nil {
		return nil, req
	}
	tp := headerValue(req.Header, "Traceparent")
	parent := spanFromContext(req.Context())
	sp := s.newSpan(id, parent, tp)
	if tp != "" || parent == nil {
		// The program propagates already (its own OpenTelemetry
		// instrumentation, another tracer), or there is no trace to
		// continue: the request goes out as the program made it.
		return sp, req
	}
	r2 := new(http.Request)
	*r2 = *req
	r2.Header = req.Header.Clone()
	if r2.Header == nil {
		r2.Header = http.Header{}
	}
	r2.Header["Traceparent"] = []string{formatTraceparent(sp.trace, sp.id, sp.flags)}
	return sp, r2
}

// ClientOutcome records a client request's outcome (at its Finish); the
// span ends at EndClientSpan.
func (sp *Span) ClientOutcome(resp *http.Response, err error) {
	if err != nil {
		sp.errType = errorType(err)
	}
	if resp != nil {
		sp.status, sp.proto = resp.StatusCode, protoOf(resp.Proto)
	}
}

// ClientSpanEnd is what ends a client request's span: the request sent,
// its site and library frame (via), and its connection.
type ClientSpanEnd struct {
	Req       *http.Request
	Site, Via string
	Conn      uint64
	Reused    bool
}

// EndClientSpan ends a client request's span: at Finish for a failed
// request or one without a body to watch, else when its body ends (EOF,
// Close, or collected without Close). It only copies what the span needs
// into it and queues it: the exporter builds the attributes (FillSpan) on
// its own goroutine, off the request's path.
func EndClientSpan(sp *Span, c *ClientSpanEnd) {
	s := otlpOn.Load()
	if s == nil || sp == nil {
		return
	}
	ok := sp.end()
	if !ok || sp.flags&1 == 0 {
		return
	}
	sp.endNs, sp.kind = Now(), otlp.SpanKindClient
	sp.method, sp.u = c.Req.Method, *c.Req.URL // a copy: the caller may reuse its URL
	sp.site, sp.via = c.Site, c.Via
	sp.conn, sp.reused = c.Conn, c.Reused
	s.x.SpanFrom(sp)
}

// StartServerSpan starts the span of served request id (continuing its
// traceparent), nil when the otlp sink is off. Its HandlerRequest is the
// request the handler gets.
func StartServerSpan(id uint64, r *http.Request) *Span {
	s := otlpOn.Load()
	if s == nil {
		return nil
	}
	sp := s.newSpan(id, nil, headerValue(r.Header, "Traceparent"))
	sp.state = headerValue(r.Header, "Tracestate")
	sp.handlerReq = r.WithContext(context.WithValue(r.Context(), spanKey{}, sp))
	return sp
}

// HandlerRequest is the request a server span's handler gets: the
// server's, whose context carries the span (the handler passes it on to
// the requests it makes).
func (sp *Span) HandlerRequest() *http.Request { return sp.handlerReq }

// EndServerSpan ends the span of request r, served at site on connection
// conn, when its handler is done; status is what it answered, 0 when
// unknown. As EndClientSpan, it copies and queues.
func EndServerSpan(sp *Span, r *http.Request, status int, site string, conn uint64) {
	s := otlpOn.Load()
	if s == nil || sp == nil {
		return
	}
	// The span stays in s.spans for the events that come later: it must
	// not keep the request (and its connection's context) alive.
	sp.handlerReq = nil
	ok := sp.end()
	if !ok || sp.flags&1 == 0 {
		return
	}
	sp.endNs, sp.kind, sp.status = Now(), otlp.SpanKindServer, status
	sp.method, sp.host, sp.remote, sp.tls = r.Method, r.Host, r.RemoteAddr, r.TLS != nil
	sp.u = url.URL{Path: r.URL.Path, RawQuery: r.URL.RawQuery}
	sp.proto = protoVersion(r.ProtoMajor, r.ProtoMinor)
	sp.site, sp.conn = site, conn
	s.x.SpanFrom(sp)
}

// FillSpan builds the span, on the exporter's goroutine, from what its
// end copied into it.
func (sp *Span) FillSpan(o *otlp.Span) {
	*o = otlp.Span{TraceID: sp.trace, SpanID: sp.id, Parent: sp.parent, TraceState: sp.state, Flags: uint32(sp.flags) | 0x100,
		Name: sp.method, Kind: sp.kind, Start: sp.start, End: sp.endNs, Events: sp.events}
	a := make([]otlp.KeyValue, 0, 14)
	a = append(a, otlp.Str("http.request.method", sp.method))
	var host string
	var port int64
	if sp.kind == otlp.SpanKindClient {
		a = append(a, otlp.Str("url.full", RedactURL(&sp.u)))
		host, port = hostPort(sp.u.Host, sp.u.Scheme)
	} else {
		if !allZero(sp.parent[:]) {
			o.Flags |= 0x200 // the parent is remote
		}
		scheme := "http"
		if sp.tls {
			scheme = "https"
		}
		a = append(a, otlp.Str("url.scheme", scheme), otlp.Str("url.path", RedactURL(&url.URL{Path: sp.u.Path, RawPath: sp.u.RawPath})))
		if sp.u.RawQuery != "" {
			// The query redacted as an event's URL is (sensitive-looking
			// parameters' values).
			if q := RedactURL(&url.URL{RawQuery: sp.u.RawQuery}); strings.HasPrefix(q, "?") {
				a = append(a, otlp.Str("url.query", q[1:]))
			}
		}
		host, port = hostPort(sp.host, scheme)
		if h, _, err := net.SplitHostPort(sp.remote); err == nil {
			a = append(a, otlp.Str("client.address", h))
		}
	}
	a = append(a, otlp.Str("server.address", host))
	if port > 0 {
		a = append(a, otlp.Int("server.port", port))
	}
	if sp.status != 0 {
		a = append(a, otlp.Int("http.response.status_code", int64(sp.status)))
	}
	if sp.proto != "" {
		a = append(a, otlp.Str("network.protocol.version", sp.proto))
	}
	errFrom := 400 // a client's error is any 4xx or 5xx; a server's, its 5xx
	if sp.kind == otlp.SpanKindServer {
		errFrom = 500
	}
	switch {
	case sp.errType != "":
		a = append(a, otlp.Str("error.type", sp.errType))
		o.StatusCode, o.StatusMsg = otlp.StatusError, sp.errType
	case sp.status >= errFrom:
		a = append(a, otlp.Str("error.type", strconv.Itoa(sp.status)))
		o.StatusCode = otlp.StatusError
	}
	a = append(a, otlp.Int("gohttpdbg.req", int64(sp.req)))
	if sp.site != "" {
		a = append(a, otlp.Str("gohttpdbg.site", sp.site))
	}
	if sp.via != "" {
		a = append(a, otlp.Str("gohttpdbg.via", sp.via))
	}
	if sp.conn != 0 {
		a = append(a, otlp.Int("gohttpdbg.conn", int64(sp.conn)))
		if sp.kind == otlp.SpanKindClient {
			a = append(a, otlp.Bool("gohttpdbg.reused", sp.reused))
		}
	}
	o.Attrs = a
}

// headerValue is h.Get(key) for a key already in canonical form, without
// Get's canonicalisation (which allocates for a key such as
// "traceparent", on every request).
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func protoVersion(major, minor int) string {
	switch {
	case major == 1 && minor == 1:
		return "1.1"
	case major == 2:
		return "2"
	case major == 1 && minor == 0:
		return "1.0"
	case major == 3:
		return "3"
	}
	return strconv.Itoa(major) + "." + strconv.Itoa(minor)
}

// protoOf turns "HTTP/1.1" into "1.1", "HTTP/2.0" into "2".
func protoOf(proto string) string {
	v := strings.TrimPrefix(proto, "HTTP/")
	if v == "2.0" || v == "3.0" {
		return v[:1]
	}
	return v
}

// hostPort splits a URL's host into address and port, the scheme's
// default port when none is written.
func hostPort(hostport, scheme string) (string, int64) {
	host, p, err := net.SplitHostPort(hostport)
	if err != nil {
		host = strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]")
		switch scheme {
		case "http":
			return host, 80
		case "https":
			return host, 443
		}
		return host, 0
	}
	n, _ := strconv.ParseInt(p, 10, 64)
	return host, n
}

// errorType names a client error for error.type: "timeout" for a
// deadline, else the error's Go type (semantic conventions: a
// low-cardinality name, never the message, which may carry a URL).
func errorType(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return "net.OpError:" + oe.Op
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", err), "*")
}
