package probes

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ClientRequest follows one request made at a client call site: it
// installs an httptrace.ClientTrace composed with any trace already in the
// request's context, and on Finish wraps the response body. The call-site
// wrappers use it as
//
//	cr := probes.StartClientRequest(c, req, site)
//	if cr == nil { return c.Do(req) }
//	resp, err := c.Do(cr.Request())
//	cr.Finish(resp, err)
//
// It is the one allocation the probes make per request at level 1, apart
// from the trace and the body wrapper: the body state and the gc in-flight
// entry live in it.
//
// Level 1 traces a request fully (DNS, connect, TLS, first byte) only
// when it will probably dial: the first request to a host, no connection
// believed idle, or a recent unexpected dial. A request expected to reuse
// a kept-alive connection gets a light trace, GotConn alone, which still
// sees every new connection (dial.not_reused, dial.alpn_fallback) and
// times the response (dial.slow phase=ttfb, from the connection to the
// response headers). The full trace costs about fifteen allocations;
// most requests on a healthy keep-alive pool never need it.
type ClientRequest struct {
	site  string
	via   string // the library frame that sent a request made in a library
	id    uint64
	start int64         // mono
	req   *http.Request // the request sent: orig, or a copy carrying the trace
	// line is the request line (method and redacted URL), rendered once
	// at the start when level-2 events will want it: they all carry it.
	line   string
	orig   *http.Request // the caller's
	t      *http.Transport
	host   *hostState
	flight *flight // &fl while in the gc in-flight set, else nil
	fl     flight
	body   bodyState // the response body's, once wrapResponseBody ran
	// hostHandedOff: the response body ends the request for the host
	// state (it calls host.end), not Finish.
	hostHandedOff bool
	light         bool    // GotConn is the only hook installed
	stdKey        uintptr // registered for the std patch's hooks (stdRegister)

	mu       sync.Mutex // the trace hooks may run on the dial goroutine
	conn     uint64
	gotConn  int64 // mono; 0 until GotConn
	reused   bool
	wasIdle  bool
	idleTime time.Duration
	full     *fullTrace // the full trace's state; nil with a light trace
}

// fullTrace is the state of a fully traced request (guarded by cr.mu).
type fullTrace struct {
	getConn, dnsStart, tlsStart, wrote int64 // mono
	connStart                          map[string]int64
	hdr                                []byte // header.request being collected (level 2)
	hdrSize                            int
}

// StartClientRequest starts following req (sent with client c, nil
// meaning http.DefaultClient) at site. It returns nil when every probe
// concerned is off, or when req is nil (net/http reports that error).
func StartClientRequest(c *http.Client, req *http.Request, site string) *ClientRequest {
	var rt http.RoundTripper = http.DefaultTransport
	if c != nil && c.Transport != nil {
		rt = c.Transport
	}
	t, _ := rt.(*http.Transport)
	return startClientRequest(t, req, site)
}

// startClientRequest starts following req, sent by t (nil when the
// client's RoundTripper is not an *http.Transport).
func startClientRequest(t *http.Transport, req *http.Request, site string) *ClientRequest {
	dl, hl, bl, gl := Level(Dial), Level(Header), Level(Body), Level(GC)
	if req == nil || req.URL == nil || dl|hl|bl|gl == 0 {
		return nil
	}
	cr := &ClientRequest{site: site, id: NextReqID(), start: mono(), req: req, orig: req, t: t}
	if hl >= 2 || bl >= 2 || dl >= 2 {
		cr.line = requestLine(req.Method, req.URL)
	}
	dialLikely := true
	if dl >= 1 || bl >= 1 {
		cr.host = hostFor(cr.t, req.URL.Host)
		dialLikely = cr.host.begin(cr)
	}
	cr.flight = flightStart(&cr.fl, cr.id, site, cr.start, false)
	everyEvent := dl >= 2 || hl >= 2 // level-2 events need the full trace
	std := !everyEvent && dl >= 1 && cr.t != nil && stdClient.Load()
	switch {
	case std && !dialLikely && cr.host.h2.Load():
		// The host answers over HTTP/2 on a connection net/http keeps:
		// the request does not pass getConn, so there is nothing for the
		// std GotConn hook to find; a new connection still goes through
		// the std Dial hook.
	case std && stdRegister(cr):
		// The std patch reports the connection and traces dials itself.
		// Only for a plain *http.Transport: a RoundTripper in between
		// (oauth2, tracing middleware) may Clone the request, and the
		// clone's Header map would not be found; a trace in the context
		// survives that.
	case everyEvent || dl >= 1 && dialLikely:
		cr.full = &fullTrace{}
		ctx, dialPhases := req.Context(), true
		if dl >= 1 && cr.t != nil && stdClient.Load() {
			// The std Dial hook traces the phases of a dial this request
			// starts (StdDial finds cr in the dial's context, which net/http
			// derives from the request's): a request on a kept-alive
			// connection, the common case, carries six hooks fewer.
			ctx, dialPhases = context.WithValue(ctx, dialOwnerKey{}, cr), false
		}
		cr.req = req.WithContext(httptrace.WithClientTrace(ctx, cr.trace(dialPhases)))
	case dl >= 1:
		cr.light = true
		cr.req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{GotConn: cr.traceGotConn}))
	}
	return cr
}

// url is the request line for events, method and redacted URL: the one
// rendered at the start (level 2), or rendered now for an event that
// needs it.
func (cr *ClientRequest) url() string { return renderedLine(cr.line, cr.req.Method, cr.req.URL) }

func requestLine(method string, u *url.URL) string { return method + " " + RedactURL(u) }

// renderedLine returns line, a request line rendered up front, or renders
// it now when there is none.
func renderedLine(line, method string, u *url.URL) string {
	if line != "" {
		return line
	}
	return requestLine(method, u)
}

// Request returns the request to send: req, or a shallow copy of it whose
// context carries the composed trace.
func (cr *ClientRequest) Request() *http.Request { return cr.req }

// ID returns the request id.
func (cr *ClientRequest) ID() uint64 { return cr.id }

func (cr *ClientRequest) connID() uint64 {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	return cr.conn
}

// fill sets the fields of e, a zero Event, that every event of cr shares.
// Events are filled in place, not returned: see AddString.
func (cr *ClientRequest) fill(e *Event, p Probe, sev Sev, name, msg string) {
	e.Probe, e.Sev, e.Name, e.Site, e.Req, e.Conn, e.Msg = p, sev, name, cr.site, cr.id, cr.connID(), msg
	if cr.via != "" {
		e.AddString("via", cr.via)
	}
}

// Finish records the outcome of the request and wraps resp.Body.
func (cr *ClientRequest) Finish(resp *http.Response, err error) {
	stdUnregister(cr)
	if err != nil {
		cr.failed(err)
	}
	if resp != nil {
		if resp.Request == cr.req && cr.req != cr.orig {
			// net/http answers with the request it was given; the caller
			// must see its own, as without the probes.
			resp.Request = cr.orig
		}
		cr.response(resp)
		now := mono() // the response headers' time, for every use below
		if cr.light || cr.stdKey != 0 {
			cr.lightTTFB(now)
		}
		if cr.host != nil && resp.ProtoMajor == 2 {
			cr.host.sawH2()
		}
		if Level(Body) >= 1 {
			wrapResponseBody(resp, cr, now)
		}
	}
	if cr.flight != nil {
		flightEnd(cr.flight)
	}
	if cr.host != nil {
		// The request no longer needs a dial attributed to it; do not keep
		// it (and the caller's request) alive until the next one.
		cr.host.last.CompareAndSwap(cr, nil)
		if !cr.hostHandedOff {
			cr.host.end()
		}
	}
}

// lightTTFB is dial.slow phase=ttfb without the full trace: the time from
// the connection (or the start, when GotConn was not seen: HTTP/2 with
// the std patch) to the response headers, the request's write included.
func (cr *ClientRequest) lightTTFB(now int64) {
	if Level(Dial) < 1 {
		return
	}
	cr.mu.Lock()
	got := cr.gotConn
	cr.mu.Unlock()
	if got == 0 {
		got = cr.start
	}
	if d, th := time.Duration(now-got), time.Duration(slowTTFB.Load()); d > th {
		cr.slow("ttfb", d, th, cr.url())
	}
}

func (cr *ClientRequest) failed(err error) {
	msg := err.Error()
	if strings.Contains(msg, "server response headers exceeded") && Level(Header) >= 1 {
		var e Event
		cr.fill(&e, Header, Error, "header.limit", "response headers over the client's limit: the request failed")
		e.AddInt("limit", cr.maxResponseHeaderBytes())
		e.AddString("limit_name", "MaxResponseHeaderBytes")
		e.AddString("url", cr.url())
		e.AddString("err", msg)
		Emit(&e)
		return
	}
	if Level(Dial) < 1 {
		return
	}
	cr.mu.Lock()
	reused, wasIdle, idle := cr.reused, cr.wasIdle, cr.idleTime
	cr.mu.Unlock()
	text := "request failed"
	if reused && wasIdle {
		text = fmt.Sprintf("request failed on a reused connection that had been idle for %v (the server may have closed it)", idle)
	}
	var e Event
	cr.fill(&e, Dial, Error, "dial.error", text)
	e.AddString("err", msg)
	e.AddBool("reused", reused)
	e.AddBool("was_idle", wasIdle)
	e.AddDuration("idle_time", idle)
	e.AddString("url", cr.url())
	Emit(&e)
}

func (cr *ClientRequest) maxResponseHeaderBytes() int64 {
	if cr.t != nil && cr.t.MaxResponseHeaderBytes > 0 {
		return cr.t.MaxResponseHeaderBytes
	}
	return 10 << 20 // net/http's default
}

func (cr *ClientRequest) response(resp *http.Response) {
	hl := Level(Header)
	if hl < 1 {
		return
	}
	size := HeaderSize(resp.Header) + len(resp.Status) + len(resp.Proto) + 3
	if hl >= 2 {
		cr.emitResponseHeaders(resp, size)
	}
	if limit := cr.maxResponseHeaderBytes(); int64(size)*10 >= limit*9 {
		cr.emitResponseLimit(size, limit)
	}
}

// The events of the per-request paths are built out of line, as the body
// probe's are (see emitReadAfterClose): an Event is hundreds of bytes of
// stack.

//go:noinline
func (cr *ClientRequest) emitResponseHeaders(resp *http.Response, size int) {
	var e Event
	cr.fill(&e, Header, Info, "header.response", "client received response headers")
	e.AddInt("status", int64(resp.StatusCode))
	e.AddString("proto", resp.Proto)
	e.AddInt("size", int64(size))
	e.AddHeader("headers", resp.Header)
	e.AddString("url", cr.url())
	Emit(&e)
}

//go:noinline
func (cr *ClientRequest) emitResponseLimit(size int, limit int64) {
	var e Event
	cr.fill(&e, Header, Warn, "header.limit",
		fmt.Sprintf("response headers of %d bytes are %d%% of the client's MaxResponseHeaderBytes", size, int64(size)*100/limit))
	e.AddInt("size", int64(size))
	e.AddInt("limit", limit)
	e.AddString("limit_name", "MaxResponseHeaderBytes")
	e.AddString("url", cr.url())
	Emit(&e)
}

// HeaderSize returns the wire size of h in HTTP/1 form ("Key: value\r\n"
// per value).
func HeaderSize(h http.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// FormatHeader renders h, redacted, as "Key: value; Key: value" in sorted
// key order.
func FormatHeader(h http.Header) string { return formatFields(headerFields(h)) }

// headerFields returns h's fields as name, value, name, value…, the
// values of a name in their order.
func headerFields(h http.Header) []string {
	n := 0
	for _, vs := range h {
		n += 2 * len(vs)
	}
	f := make([]string, 0, n)
	for k, vs := range h {
		for _, v := range vs {
			f = append(f, k, v)
		}
	}
	return f
}

// formatFields renders fields (see headerFields) sorted by name, values
// redacted. The buffer is sized up front, with slack for what redaction
// adds ("[REDACTED]", "sha256:…"), not grown per field.
func formatFields(f []string) string {
	pairs := make([]int, len(f)/2)
	n := 0
	for i := range pairs {
		pairs[i] = 2 * i
		n += len(f[2*i]) + len(f[2*i+1]) + 4 + redactSlack
	}
	sort.SliceStable(pairs, func(a, b int) bool { return f[pairs[a]] < f[pairs[b]] })
	b := make([]byte, 0, n)
	for _, i := range pairs {
		b = appendHeaderField(b, f[i], f[i+1])
	}
	return string(b)
}

// redactSlack is what a redacted value may need beyond the original's
// length, per field, when a buffer is sized for a header.
const redactSlack = 20

func appendHeaderField(b []byte, k, v string) []byte {
	if len(b) > 0 {
		b = append(b, "; "...)
	}
	b = append(b, k...)
	b = append(b, ": "...)
	return append(b, RedactHeader(k, v)...)
}

func (cr *ClientRequest) slow(phase string, d, threshold time.Duration, what string) {
	var e Event
	cr.fill(&e, Dial, Warn, "dial.slow", fmt.Sprintf("%s took %v, over the %v threshold", phase, d, threshold))
	e.AddString("phase", phase)
	e.AddDuration("dur", d)
	e.AddDuration("threshold", threshold)
	e.AddString("target", what)
	Emit(&e)
}

// trace returns the request's trace; dialPhases says whether it traces
// the phases of a dial too (else StdDial does).
func (cr *ClientRequest) trace(dialPhases bool) *httptrace.ClientTrace {
	t := &httptrace.ClientTrace{}
	if Level(Dial) >= 2 {
		t.GetConn = cr.traceGetConn // only for dial.conn's wait
	}
	if Level(Dial) >= 1 {
		t.GotConn = cr.traceGotConn
		if dialPhases {
			cr.traceDialPhases(t)
		}
		t.WroteRequest = cr.traceWroteRequest
		t.GotFirstResponseByte = cr.traceFirstByte
	}
	if Level(Header) >= 2 {
		t.WroteHeaderField = cr.traceWroteHeaderField
		t.WroteHeaders = cr.traceWroteHeaders
	}
	return t
}

// traceDialPhases sets t's hooks for a dial's phases: DNS, connect, TLS.
func (cr *ClientRequest) traceDialPhases(t *httptrace.ClientTrace) {
	t.DNSStart, t.DNSDone = cr.traceDNSStart, cr.traceDNSDone
	t.ConnectStart, t.ConnectDone = cr.traceConnectStart, cr.traceConnectDone
	t.TLSHandshakeStart, t.TLSHandshakeDone = cr.traceTLSStart, cr.traceTLSDone
}

// dialOwnerKey is the context key of the request whose dials StdDial
// traces (the request itself does not).
type dialOwnerKey struct{}

func (cr *ClientRequest) traceGetConn(string) {
	cr.mu.Lock()
	cr.full.getConn = mono()
	cr.mu.Unlock()
}

func (cr *ClientRequest) traceGotConn(info httptrace.GotConnInfo) {
	ce := connFor(info.Conn, "client")
	cr.mu.Lock()
	if ce != nil {
		cr.conn = ce.info.ID
	}
	cr.reused, cr.wasIdle, cr.idleTime = info.Reused, info.WasIdle, info.IdleTime
	cr.gotConn = mono()
	var getConn int64
	if cr.full != nil {
		getConn = cr.full.getConn
	}
	cr.mu.Unlock()
	if ce != nil {
		if !info.Reused {
			noteTLS(ce, info.Conn) // a new connection is handed over dialed and shaken
		}
		setConnState(ce, "active", true)
	}
	lvl := Level(Dial)
	if lvl >= 2 {
		cr.emitConn(&info, ce, getConn)
	}
	if cr.host == nil {
		return
	}
	if info.Reused {
		cr.host.reused()
		return
	}
	cr.newConn(info.Conn, lvl)
}

//go:noinline
func (cr *ClientRequest) emitConn(info *httptrace.GotConnInfo, ce *connEntry, getConn int64) {
	var e Event
	cr.fill(&e, Dial, Info, "dial.conn", "client got a connection")
	e.AddBool("reused", info.Reused)
	e.AddBool("was_idle", info.WasIdle)
	e.AddDuration("idle_time", info.IdleTime)
	if getConn != 0 {
		e.AddDuration("wait", sinceMono(getConn))
	}
	if ce != nil { // the addresses were rendered once, for the registry
		e.AddString("local", ce.info.Local)
		e.AddString("remote", ce.info.Remote)
	} else if info.Conn != nil {
		local, remote := connAddrs(info.Conn)
		e.AddString("local", local)
		e.AddString("remote", remote)
	}
	Emit(&e)
}

// newConn: the request got a new connection, c (dial.not_reused,
// dial.alpn_fallback).
//
//go:noinline
func (cr *ClientRequest) newConn(c net.Conn, lvl int32) {
	if reason := cr.host.fresh(cr.light); reason != "" && lvl >= 1 {
		var e Event
		cr.fill(&e, Dial, Warn, "dial.not_reused", "new connection instead of an idle one: "+reason)
		e.AddString("reason", reason)
		e.AddString("host", cr.req.URL.Host)
		Emit(&e)
	}
	if cr.full == nil && lvl >= 1 {
		// The handshake was not traced: ALPN is read off the connection.
		if st, ok := tlsState(c); ok {
			cr.checkALPN(st)
		}
	}
}

func (cr *ClientRequest) traceDNSStart(httptrace.DNSStartInfo) {
	cr.mu.Lock()
	cr.full.dnsStart = mono()
	cr.mu.Unlock()
}

func (cr *ClientRequest) traceDNSDone(info httptrace.DNSDoneInfo) {
	cr.mu.Lock()
	d := sinceMono(cr.full.dnsStart)
	cr.mu.Unlock()
	host := cr.req.URL.Hostname()
	lvl := Level(Dial)
	if lvl >= 2 {
		addrs := make([]string, 0, len(info.Addrs))
		for _, a := range info.Addrs {
			addrs = append(addrs, a.String())
		}
		var e Event
		cr.fill(&e, Dial, Info, "dial.dns", "DNS lookup done")
		e.AddString("host", host)
		e.AddDuration("dur", d)
		e.AddString("addrs", strings.Join(addrs, ","))
		e.AddString("resolver", resolverName())
		e.AddBool("coalesced", info.Coalesced)
		if info.Err != nil {
			e.AddString("err", info.Err.Error())
		}
		Emit(&e)
	}
	if th := time.Duration(slowDNS.Load()); lvl >= 1 && d > th {
		cr.slow("dns", d, th, host)
	}
}

// resolverName says which resolver net uses as far as the configuration
// tells: "go" or "cgo" when GODEBUG=netdns or net.DefaultResolver forces
// it, else "auto" (net picks per lookup and does not say which).
func resolverName() string {
	for _, kv := range strings.Split(os.Getenv("GODEBUG"), ",") {
		if v, ok := strings.CutPrefix(kv, "netdns="); ok {
			v, _, _ = strings.Cut(v, "+")
			if v == "go" || v == "cgo" {
				return v
			}
		}
	}
	if net.DefaultResolver != nil && net.DefaultResolver.PreferGo {
		return "go"
	}
	return "auto"
}

func (cr *ClientRequest) traceConnectStart(network, addr string) {
	cr.mu.Lock()
	if cr.full.connStart == nil {
		cr.full.connStart = make(map[string]int64, 1)
	}
	cr.full.connStart[network+" "+addr] = mono()
	cr.mu.Unlock()
}

func (cr *ClientRequest) traceConnectDone(network, addr string, err error) {
	cr.mu.Lock()
	d := sinceMono(cr.full.connStart[network+" "+addr])
	cr.mu.Unlock()
	lvl := Level(Dial)
	if lvl >= 2 {
		var e Event
		cr.fill(&e, Dial, Info, "dial.connect", "TCP connect done")
		e.AddString("network", network)
		e.AddString("addr", addr)
		e.AddDuration("dur", d)
		if err != nil {
			e.AddString("err", err.Error())
		}
		Emit(&e)
	}
	if th := time.Duration(slowConnect.Load()); lvl >= 1 && d > th {
		cr.slow("connect", d, th, addr)
	}
}

func (cr *ClientRequest) traceTLSStart() {
	cr.mu.Lock()
	cr.full.tlsStart = mono()
	cr.mu.Unlock()
}

func (cr *ClientRequest) traceTLSDone(st tls.ConnectionState, err error) {
	cr.mu.Lock()
	d := sinceMono(cr.full.tlsStart)
	cr.mu.Unlock()
	lvl := Level(Dial)
	if lvl >= 2 {
		var e Event
		cr.fill(&e, Dial, Info, "dial.tls", "TLS handshake done")
		e.AddString("version", tls.VersionName(st.Version))
		e.AddString("cipher", tls.CipherSuiteName(st.CipherSuite))
		e.AddString("alpn", st.NegotiatedProtocol)
		e.AddString("sni", st.ServerName)
		e.AddBool("resumed", st.DidResume)
		e.AddDuration("dur", d)
		if err != nil {
			e.AddString("err", err.Error())
		}
		Emit(&e)
	}
	if lvl < 1 {
		return
	}
	if th := time.Duration(slowTLS.Load()); d > th {
		cr.slow("tls", d, th, st.ServerName)
	}
	if err == nil {
		cr.checkALPN(st)
	}
}

// checkALPN reports dial.alpn_fallback, once per host, for a TLS
// connection that did not negotiate h2 although HTTP/2 was wanted.
func (cr *ClientRequest) checkALPN(st tls.ConnectionState) {
	if st.NegotiatedProtocol == "h2" || cr.t == nil || cr.host == nil {
		return
	}
	reason := alpnFallbackReason(cr.t, st.NegotiatedProtocol)
	if reason != "" && cr.host.firstFallback() {
		var e Event
		cr.fill(&e, Dial, Warn, "dial.alpn_fallback", "HTTP/2 not used on this TLS connection: "+reason)
		e.AddString("alpn", st.NegotiatedProtocol)
		e.AddString("reason", reason)
		e.AddString("host", cr.req.URL.Host)
		if s := transportSite(cr.t); s != "" {
			e.AddString("transport", s)
		}
		Emit(&e)
	}
}

// alpnFallbackReason explains why a TLS connection of t did not negotiate
// h2, or returns "" when HTTP/2 was deliberately turned off.
func alpnFallbackReason(t *http.Transport, negotiated string) string {
	if negotiated == "" {
		negotiated = "none"
	}
	if t.Protocols != nil {
		if t.Protocols.HTTP2() {
			return "h2 offered, the server selected " + negotiated
		}
		return ""
	}
	if t.TLSNextProto != nil {
		if t.TLSNextProto["h2"] != nil {
			return "h2 offered, the server selected " + negotiated
		}
		return "" // an empty TLSNextProto is the documented way to turn h2 off
	}
	if strings.Contains(os.Getenv("GODEBUG"), "http2client=0") {
		return ""
	}
	//lint:ignore SA1019 the deprecated dial hooks still turn HTTP/2 off
	customDial := t.Dial != nil || t.DialTLS != nil
	if !t.ForceAttemptHTTP2 && (t.TLSClientConfig != nil || customDial || t.DialContext != nil || t.DialTLSContext != nil) {
		return "h2 not offered: the Transport has a custom TLSClientConfig or dialer and ForceAttemptHTTP2 is false"
	}
	return "h2 offered, the server selected " + negotiated
}

func (cr *ClientRequest) traceWroteHeaderField(k string, vs []string) {
	if Level(Header) < 2 {
		return
	}
	cr.mu.Lock()
	if cr.full.hdr == nil {
		cr.full.hdr = make([]byte, 0, 256) // a request's usual headers, in one allocation
	}
	for _, v := range vs {
		cr.full.hdr = appendHeaderField(cr.full.hdr, k, v)
		cr.full.hdrSize += len(k) + len(v) + 4
	}
	cr.mu.Unlock()
}

func (cr *ClientRequest) traceWroteHeaders() {
	if Level(Header) < 2 {
		return
	}
	cr.mu.Lock()
	hdr, size := string(cr.full.hdr), cr.full.hdrSize
	cr.full.hdr, cr.full.hdrSize = cr.full.hdr[:0], 0
	cr.mu.Unlock()
	var e Event
	cr.fill(&e, Header, Info, "header.request", "client sent request headers")
	e.AddString("method", cr.req.Method)
	e.AddString("url", cr.url())
	e.AddInt("size", int64(size))
	e.AddString("headers", hdr)
	Emit(&e)
}

func (cr *ClientRequest) traceWroteRequest(httptrace.WroteRequestInfo) {
	cr.mu.Lock()
	cr.full.wrote = mono()
	cr.mu.Unlock()
}

func (cr *ClientRequest) traceFirstByte() {
	cr.mu.Lock()
	from := cr.full.wrote
	if from == 0 {
		from = cr.start
	}
	d := sinceMono(from)
	cr.mu.Unlock()
	lvl := Level(Dial)
	if lvl >= 2 {
		var e Event
		cr.fill(&e, Dial, Info, "dial.first_byte", "first response byte")
		e.AddDuration("ttfb", d)
		e.AddDuration("since_start", sinceMono(cr.start))
		Emit(&e)
	}
	if th := time.Duration(slowTTFB.Load()); lvl >= 1 && d > th {
		cr.slow("ttfb", d, th, cr.url())
	}
}

// hostState keeps, per transport and host, what the probes know about its
// idle pool, to say why a request had to dial a new connection
// (dial.not_reused). net/http does not expose its pool; the counts are
// inferred from the bodies the probes watch, and are estimates.
//
// Every request touches it several times (begin, reused, release, end),
// from every goroutine that talks to the host: those paths use atomics.
// mu guards what only dials and anomalies touch.
type hostState struct {
	maxIdle     int32
	idleTimeout time.Duration
	keepAlive   bool
	host        string
	poolFull    string // the reason given when the idle pool overflowed

	seen        atomic.Bool                   // a connection was got (the host is known)
	h2          atomic.Bool                   // responses come over HTTP/2 (one shared connection)
	active      atomic.Int32                  // requests in flight to the host
	idle        atomic.Int32                  // connections believed idle in the pool
	traceNext   atomic.Int32                  // requests still to trace fully after an unexpected dial
	lastRelease atomic.Int64                  // mono: last time one went back to the pool
	conns       atomic.Int64                  // new connections dialed
	reuses      atomic.Int64                  // requests that got a reused connection
	last        atomic.Pointer[ClientRequest] // the latest request: StdDial attributes a dial to it

	mu       sync.Mutex
	pending  []string // why connections were lost, oldest first
	fallback bool     // dial.alpn_fallback already reported
}

// HostInfo is what the dial probe knows about one host of one Transport
// (/v1/conns): how often its requests reused a connection. A low reuse
// under concurrency with MaxIdle at net/http's default of 2 is the churn of
// golang/go#13801.
type HostInfo struct {
	Host      string
	Transport string // where the Transport was made: a site, "http.DefaultTransport", or "" (unknown)
	NewConns  int64
	Reused    int64
	MaxIdle   int // MaxIdleConnsPerHost in force
}

// Hosts returns the hosts the dial probe has seen, by host name, then
// Transport.
func Hosts() []HostInfo {
	type entry struct {
		t *http.Transport
		h *hostState
	}
	hostsMu.Lock()
	list := make([]entry, 0, len(hosts))
	for k, h := range hosts {
		list = append(list, entry{k.t, h})
	}
	hostsMu.Unlock()
	out := make([]HostInfo, 0, len(list))
	for _, e := range list {
		tr := ""
		switch {
		case e.t == nil:
		case e.t == http.DefaultTransport:
			tr = "http.DefaultTransport"
		default:
			tr = transportSite(e.t)
		}
		out = append(out, HostInfo{Host: e.h.host, Transport: tr, NewConns: e.h.conns.Load(), Reused: e.h.reuses.Load(), MaxIdle: int(e.h.maxIdle)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Host != out[j].Host {
			return out[i].Host < out[j].Host
		}
		return out[i].Transport < out[j].Transport
	})
	return out
}

type hostKey struct {
	t    *http.Transport
	host string
}

const maxHosts = 1024

// hosts is read on every request and written once per host: lookups
// take no lock (hostsFast); hostsMu orders insertions and evictions.
var (
	hostsMu   sync.Mutex
	hosts     = map[hostKey]*hostState{}
	hostsFast sync.Map // hostKey → *hostState, the same entries as hosts
)

// lastHosts keeps, per Transport, the host state of its latest request:
// a client mostly talks to the same host, and comparing the host name is
// cheaper than hashing it into hostsFast. It holds its Transports, so it
// is emptied when it has seen maxHosts of them (a program that makes a
// Transport per request must not pile them up).
var (
	lastHosts  sync.Map // *http.Transport → *atomic.Pointer[hostState]
	lastHostsN atomic.Int32
)

func hostFor(t *http.Transport, host string) *hostState {
	v, ok := lastHosts.Load(t)
	if !ok {
		if lastHostsN.Add(1) > maxHosts {
			lastHosts.Clear()
			lastHostsN.Store(1)
		}
		v, _ = lastHosts.LoadOrStore(t, new(atomic.Pointer[hostState]))
	}
	last := v.(*atomic.Pointer[hostState])
	if h := last.Load(); h != nil && h.host == host {
		return h
	}
	h := hostLookup(t, host)
	last.Store(h)
	return h
}

func hostLookup(t *http.Transport, host string) *hostState {
	k := hostKey{t, host}
	if h, ok := hostsFast.Load(k); ok {
		return h.(*hostState)
	}
	hostsMu.Lock()
	defer hostsMu.Unlock()
	if h := hosts[k]; h != nil {
		return h
	}
	if len(hosts) >= maxHosts {
		for k := range hosts { // forget an arbitrary host
			delete(hosts, k)
			hostsFast.Delete(k)
			break
		}
	}
	h := &hostState{maxIdle: http.DefaultMaxIdleConnsPerHost, keepAlive: true, host: host}
	if t != nil {
		if t.MaxIdleConnsPerHost > 0 {
			h.maxIdle = int32(min(t.MaxIdleConnsPerHost, 1<<30))
		}
		h.idleTimeout = t.IdleConnTimeout
		h.keepAlive = !t.DisableKeepAlives
	}
	h.poolFull = fmt.Sprintf("the idle pool was full (MaxIdleConnsPerHost=%d), so a connection was closed", h.maxIdle)
	hosts[k] = h
	hostsFast.Store(k, h)
	return h
}

// unexpectedDialTraces is how many requests are traced fully after a
// request expected to reuse a connection had to dial: the pool is
// churning, and the next dials should have their phases timed.
const unexpectedDialTraces = 8

// begin counts cr in flight, and says whether it will probably dial a
// new connection (so its dial phases are worth tracing).
func (h *hostState) begin(cr *ClientRequest) (dialLikely bool) {
	active := h.active.Add(1)
	h.last.Store(cr)
	switch {
	case !h.seen.Load() || !h.keepAlive:
		return true
	case h.traceNext.Load() > 0 && h.traceNext.Add(-1) >= 0:
		return true
	case h.h2.Load():
		return false // one connection, multiplexed
	}
	return h.idle.Load() < active
}

// sawH2 notes that the host answers over HTTP/2.
func (h *hostState) sawH2() {
	if !h.h2.Load() {
		h.h2.Store(true)
	}
}

func (h *hostState) end() { decPositive(&h.active) }

// decPositive decrements n unless it is 0.
func decPositive(n *atomic.Int32) {
	for v := n.Load(); v > 0; v = n.Load() {
		if n.CompareAndSwap(v, v-1) {
			return
		}
	}
}

// release: a connection went back to the idle pool.
func (h *hostState) release(now int64) {
	if !h.keepAlive {
		return
	}
	h.lastRelease.Store(now)
	for v := h.idle.Load(); v < h.maxIdle; v = h.idle.Load() {
		if h.idle.CompareAndSwap(v, v+1) {
			return
		}
	}
	h.mu.Lock()
	h.addPending(h.poolFull)
	h.mu.Unlock()
}

// lost: a connection was closed (or stuck) for reason.
func (h *hostState) lost(reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.keepAlive {
		h.addPending(reason)
	}
}

func (h *hostState) addPending(reason string) {
	if len(h.pending) >= 8 {
		copy(h.pending, h.pending[1:])
		h.pending = h.pending[:7]
	}
	h.pending = append(h.pending, reason)
}

func (h *hostState) reused() {
	if !h.seen.Load() {
		h.seen.Store(true)
	}
	h.reuses.Add(1)
	decPositive(&h.idle)
}

// fresh is called when a request got a new connection; it returns why an
// existing one could not be reused, or "" when there is no known reason
// (first connection to the host, or every connection was busy).
// unexpected: the request had been expected to reuse a connection.
func (h *hostState) fresh(unexpected bool) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.conns.Add(1)
	if unexpected {
		h.traceNext.Store(unexpectedDialTraces)
	}
	if !h.seen.Load() || !h.keepAlive {
		h.seen.Store(true)
		return ""
	}
	if len(h.pending) > 0 {
		r := h.pending[0]
		h.pending = h.pending[1:]
		return r
	}
	if h.idle.Load() > 0 && h.active.Load() <= 1 {
		// Alone in flight, yet the pool had idle connections: they are gone.
		// (With others in flight, one of them may have taken the idle one.)
		h.idle.Store(0)
		if h.idleTimeout > 0 && sinceMono(h.lastRelease.Load()) > h.idleTimeout {
			return fmt.Sprintf("the idle connections expired (IdleConnTimeout=%v)", h.idleTimeout)
		}
		return "the idle connections were closed (by the server, or broken)"
	}
	return ""
}

func (h *hostState) firstFallback() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	first := !h.fallback
	h.fallback = true
	return first
}

// Transport sites: where a *http.Transport literal was written, to name it
// in diagnostics. Keyed by address and forgotten when the transport is
// collected, so transports created per request do not pile up.
var transportSites sync.Map // uintptr → string

// NoteTransport records that t was created at site.
func NoteTransport(t *http.Transport, site string) {
	if t == nil {
		return
	}
	k := reflect.ValueOf(t).Pointer()
	if _, loaded := transportSites.LoadOrStore(k, site); !loaded {
		runtime.AddCleanup(t, func(k uintptr) { transportSites.Delete(k) }, k)
	}
}

func transportSite(t *http.Transport) string {
	v, _ := transportSites.Load(reflect.ValueOf(t).Pointer())
	s, _ := v.(string)
	return s
}
