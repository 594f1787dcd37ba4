package client

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"strings"
	"time"
	"unsafe"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/body"
)

func (cr *Request) slow(phase string, d, threshold time.Duration, what string) {
	var e probes.Event
	cr.fill(&e, probes.Dial, probes.Warn, "dial.slow", fmt.Sprintf("%s took %v, over the %v threshold", phase, d, threshold))
	e.AddString(probes.KeyPhase, phase)
	e.AddDuration(probes.KeyDur, d)
	e.AddDuration(probes.KeyThreshold, threshold)
	e.AddString(probes.KeyTarget, what)
	probes.Emit(&e)
}

// trace returns the request's trace, in cr.full; dialPhases says whether
// it traces the phases of a dial too (else StdDial does).
func (cr *Request) trace(dialPhases bool) *httptrace.ClientTrace {
	t := &cr.full.trace
	if probes.Level(probes.Dial) >= 2 {
		t.GetConn = cr.traceGetConn // only for dial.conn's wait
	}
	if probes.Level(probes.Dial) >= 1 {
		t.GotConn = cr.traceGotConn
		if dialPhases {
			cr.traceDialPhases(t)
		}
		t.WroteRequest = cr.traceWroteRequest
		t.GotFirstResponseByte = cr.traceFirstByte
	}
	if probes.Level(probes.Header) >= 2 {
		t.WroteHeaderField = cr.traceWroteHeaderField
		t.WroteHeaders = cr.traceWroteHeaders
	}
	return t
}

// traceDialPhases sets t's hooks for a dial's phases: DNS, connect, TLS.
func (cr *Request) traceDialPhases(t *httptrace.ClientTrace) {
	t.DNSStart, t.DNSDone = cr.traceDNSStart, cr.traceDNSDone
	t.ConnectStart, t.ConnectDone = cr.traceConnectStart, cr.traceConnectDone
	t.TLSHandshakeStart, t.TLSHandshakeDone = cr.traceTLSStart, cr.traceTLSDone
}

// dialOwnerKey is the context key of the request whose dials StdDial
// traces (the request itself does not).
type dialOwnerKey struct{}

func (cr *Request) traceGetConn(string) {
	cr.mu.Lock()
	cr.full.getConn = probes.Mono()
	cr.mu.Unlock()
}

func (cr *Request) traceGotConn(info httptrace.GotConnInfo) { cr.gotConnAt(info, time.Time{}, nil) }

// gotConnAt is GotConn; idleAt, when not zero, is when the reused
// connection went idle (the std hook's): its idle time is taken from the
// one clock reading that also times the hand-over and the connection's
// turn to active. entry, when not nil, is the connection's word for its
// registry entry (the std hook's: net/http's persistConn keeps it).
func (cr *Request) gotConnAt(info httptrace.GotConnInfo, idleAt time.Time, entry *unsafe.Pointer) {
	got := probes.Mono()
	if info.Reused && !idleAt.IsZero() {
		info.WasIdle, info.IdleTime = true, time.Duration(got-probes.MonoAt(idleAt))
	}
	var ce *probes.ConnEntry
	if entry != nil {
		ce = probes.ClientConnEntry(info.Conn, entry)
	} else {
		ce = probes.ConnFor(info.Conn, "client")
	}
	cr.mu.Lock()
	if ce != nil {
		cr.jc.StreamConn = ce.ID()
	}
	cr.reused, cr.wasIdle, cr.idleTime, cr.idleAt = info.Reused, info.WasIdle, info.IdleTime, time.Time{}
	cr.jc.At = got
	cr.jc.Seen, cr.jc.Entry, cr.jc.Reused = true, ce, info.Reused
	var getConn int64
	if cr.lvl2 != nil {
		getConn = cr.lvl2.getConn
	} else if cr.full != nil {
		getConn = cr.full.getConn
	}
	cr.mu.Unlock()
	if ce != nil {
		if !info.Reused {
			ce.NoteTLS(info.Conn) // a new connection is handed over dialed and shaken
		}
		ce.SetStateAt(http.StateActive, true, got)
	}
	lvl := probes.Level(probes.Dial)
	if lvl >= 2 {
		cr.emitConn(&info, ce, getConn, got)
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

// dial.conn and dial.first_byte, once a request each at level 2, are raw
// events (probes.RawConn, RawFirstByte): the producer stores the site,
// ids and values (the attributes' values in Attrs, flags in Raw) and
// leaves the name, message and keys to the reader (renderConn,
// renderFirstByte), whom the writer discarding unread events never
// calls. A raw event uses Attrs 0 to 3 alone: the ring clears those of an
// event it did not render (Ring.free).
func init() {
	probes.RegisterRaw(probes.RawConn, renderConn)
	probes.RegisterRaw(probes.RawFirstByte, renderFirstByte)
}

// dial.conn's raw flags (Raw[0]).
const (
	connReused = 1 << iota
	connWasIdle
	connWaited // a wait attribute (getConn seen)
	connAddrs  // local and remote attributes
)

// emitConn is dial.conn, raw: Attrs[0] holds via and the idle time,
// Attrs[1] local and the wait, Attrs[2] remote (renderConn).
//
//go:noinline
func (cr *Request) emitConn(info *httptrace.GotConnInfo, ce *probes.ConnEntry, getConn, got int64) {
	var local, remote string
	var conn uint64
	var flags byte
	if ce != nil { // the addresses were rendered once, for the registry
		local, remote, conn, flags = ce.Local(), ce.Remote(), ce.ID(), connAddrs // gotConnAt's jc.StreamConn: no lock
	} else {
		conn = cr.connID()
		if info.Conn != nil {
			// Before Reserve: the connection's methods may be the program's.
			local, remote = probes.ConnAddrs(info.Conn)
			flags = connAddrs
		}
	}
	if info.Reused {
		flags |= connReused
	}
	if info.WasIdle {
		flags |= connWasIdle
	}
	if getConn != 0 {
		flags |= connWaited
	}
	// Built in the ring, as header.request: no Event on the frame, no copy.
	// Published with a plain call, not a deferred one (see firstByteSlot).
	e, t := probes.Reserve()
	if e == nil {
		return
	}
	cr.connSlot(e, conn, flags, got, info.IdleTime, got-getConn, local, remote)
	probes.Publish(t)
}

// connSlot fills e, from Reserve, with emitConn's raw dial.conn: the
// connection conn, got at got (Mono), flags, idle time, wait and
// addresses. In line: gotReusedLevel2 builds the event itself.
func (cr *Request) connSlot(e *probes.Event, conn uint64, flags byte, got int64, idle time.Duration, wait int64, local, remote string) {
	e.Time = probes.TimeAt(got) // when it got it: no second reading
	e.Probe, e.Sev, e.RawKind, e.Site, e.Req, e.Conn = probes.Dial, probes.Info, probes.RawConn, cr.body.Site, cr.body.Req, conn
	e.Raw[0] = flags
	e.Attrs[0].Str, e.Attrs[0].Num = cr.body.Via, int64(idle)
	e.Attrs[1].Str, e.Attrs[1].Num, e.Attrs[2].Str = local, wait, remote
}

// renderConn renders emitConn's event with dial.conn's attributes in
// their order: via, reused, was_idle, idle_time, wait, local, remote.
func renderConn(e *probes.Event) {
	flags := e.Raw[0]
	via, idle := e.Attrs[0].Str, time.Duration(e.Attrs[0].Num)
	local, wait, remote := e.Attrs[1].Str, time.Duration(e.Attrs[1].Num), e.Attrs[2].Str
	e.RenderAs("dial.conn", "client got a connection", via)
	e.AddBool(probes.KeyReused, flags&connReused != 0)
	e.AddBool(probes.KeyWasIdle, flags&connWasIdle != 0)
	e.AddDuration(probes.KeyIdleTime, idle)
	if flags&connWaited != 0 {
		e.AddDuration(probes.KeyWait, wait)
	}
	if flags&connAddrs != 0 {
		e.AddString(probes.KeyLocal, local)
		e.AddString(probes.KeyRemote, remote)
	}
}

// newConn: the request got a new connection, c (dial.not_reused,
// dial.alpn_fallback).
//
//go:noinline
func (cr *Request) newConn(c net.Conn, lvl int32) {
	if reason := cr.host.fresh(cr.light); reason != "" && lvl >= 1 {
		var e probes.Event
		cr.fill(&e, probes.Dial, probes.Warn, "dial.not_reused", "new connection instead of an idle one: "+reason)
		e.AddString(probes.KeyReason, reason)
		e.AddString(probes.KeyHost, cr.req.URL.Host)
		probes.Emit(&e)
	}
	if cr.host != nil && probes.Level(probes.Body) >= 1 {
		body.ReportHeld(&cr.host.Pool)
	}
	if cr.full == nil && lvl >= 1 {
		// The handshake was not traced: ALPN is read off the connection.
		if st, ok := probes.TLSState(c); ok {
			cr.checkALPN(st)
		}
	}
}

func (cr *Request) traceDNSStart(httptrace.DNSStartInfo) {
	cr.mu.Lock()
	cr.full.dnsStart = probes.Mono()
	cr.mu.Unlock()
}

func (cr *Request) traceDNSDone(info httptrace.DNSDoneInfo) {
	cr.mu.Lock()
	d := probes.SinceMono(cr.full.dnsStart)
	cr.mu.Unlock()
	probes.JournalPhase(cr.body.Req, probes.PhaseDNS, int64(d))
	host := cr.req.URL.Hostname()
	lvl := probes.Level(probes.Dial)
	if lvl >= 2 {
		addrs := make([]string, 0, len(info.Addrs))
		for _, a := range info.Addrs {
			addrs = append(addrs, a.String())
		}
		var e probes.Event
		cr.fill(&e, probes.Dial, probes.Info, "dial.dns", "DNS lookup done")
		e.AddString(probes.KeyHost, host)
		e.AddDuration(probes.KeyDur, d)
		e.AddString(probes.KeyAddrs, strings.Join(addrs, ","))
		e.AddString(probes.KeyResolver, resolverName())
		e.AddBool(probes.KeyCoalesced, info.Coalesced)
		if info.Err != nil {
			e.AddString(probes.KeyErr, info.Err.Error())
		}
		probes.Emit(&e)
	}
	if th := probes.SlowDNS(); lvl >= 1 && d > th {
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

func (cr *Request) traceConnectStart(network, addr string) {
	cr.mu.Lock()
	if cr.full.connStart == nil {
		cr.full.connStart = make(map[string]int64, 1)
	}
	cr.full.connStart[network+" "+addr] = probes.Mono()
	cr.mu.Unlock()
}

func (cr *Request) traceConnectDone(network, addr string, err error) {
	cr.mu.Lock()
	d := probes.SinceMono(cr.full.connStart[network+" "+addr])
	cr.mu.Unlock()
	if err == nil {
		probes.JournalPhase(cr.body.Req, probes.PhaseConnect, int64(d))
	}
	lvl := probes.Level(probes.Dial)
	if lvl >= 2 {
		var e probes.Event
		cr.fill(&e, probes.Dial, probes.Info, "dial.connect", "TCP connect done")
		e.AddString(probes.KeyNetwork, network)
		e.AddString(probes.KeyAddr, addr)
		e.AddDuration(probes.KeyDur, d)
		if err != nil {
			e.AddString(probes.KeyErr, err.Error())
		}
		probes.Emit(&e)
	}
	if th := probes.SlowConnect(); lvl >= 1 && d > th {
		cr.slow("connect", d, th, addr)
	}
}

func (cr *Request) traceTLSStart() {
	cr.mu.Lock()
	cr.full.tlsStart = probes.Mono()
	cr.mu.Unlock()
}

func (cr *Request) traceTLSDone(st tls.ConnectionState, err error) {
	cr.mu.Lock()
	d := probes.SinceMono(cr.full.tlsStart)
	cr.mu.Unlock()
	probes.JournalPhase(cr.body.Req, probes.PhaseTLS, int64(d))
	lvl := probes.Level(probes.Dial)
	if lvl >= 2 {
		var e probes.Event
		cr.fill(&e, probes.Dial, probes.Info, "dial.tls", "TLS handshake done")
		e.AddString(probes.KeyVersion, tls.VersionName(st.Version))
		e.AddString(probes.KeyCipher, tls.CipherSuiteName(st.CipherSuite))
		e.AddString(probes.KeyALPN, st.NegotiatedProtocol)
		e.AddString(probes.KeySNI, st.ServerName)
		e.AddBool(probes.KeyResumed, st.DidResume)
		e.AddDuration(probes.KeyDur, d)
		if err != nil {
			e.AddString(probes.KeyErr, err.Error())
		}
		probes.Emit(&e)
	}
	if lvl < 1 {
		return
	}
	if th := probes.SlowTLS(); d > th {
		cr.slow("tls", d, th, st.ServerName)
	}
	if err == nil {
		cr.checkALPN(st)
	}
}

// checkALPN reports dial.alpn_fallback, once per host, for a TLS
// connection that did not negotiate h2 although HTTP/2 was wanted.
func (cr *Request) checkALPN(st tls.ConnectionState) {
	if st.NegotiatedProtocol == "h2" || cr.t == nil || cr.host == nil {
		return
	}
	reason := alpnFallbackReason(cr.t, st.NegotiatedProtocol)
	if reason != "" && cr.host.firstFallback() {
		var e probes.Event
		cr.fill(&e, probes.Dial, probes.Warn, "dial.alpn_fallback", "HTTP/2 not used on this TLS connection: "+reason)
		e.AddString(probes.KeyALPN, st.NegotiatedProtocol)
		e.AddString(probes.KeyReason, reason)
		e.AddString(probes.KeyHost, cr.req.URL.Host)
		if s := transportSite(cr.t); s != "" {
			e.AddString(probes.KeyTransport, s)
		}
		probes.Emit(&e)
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

// traceWroteHeaderField collects the fields as written, unredacted: the
// strings are net/http's and never change, and header.request's reader
// redacts and joins them (probes.Event.AddFields).
func (cr *Request) traceWroteHeaderField(k string, vs []string) {
	if probes.Level(probes.Header) < 2 {
		return
	}
	cr.mu.Lock()
	if cr.full.hdr == nil {
		cr.full.hdr = cr.full.hdrBuf[:0] // a request's usual headers; append moves longer ones out
	}
	cr.full.hdr = appendFields(cr.full.hdr, k, vs)
	cr.mu.Unlock()
}

// appendFields appends k's values vs to fields, name and value each.
func appendFields(fields []string, k string, vs []string) []string {
	for _, v := range vs {
		fields = append(fields, k, v)
	}
	return fields
}

func (cr *Request) traceWroteHeaders() {
	if probes.Level(probes.Header) < 2 {
		return
	}
	cr.mu.Lock()
	fields := cr.full.hdr
	// The event keeps fields until it is read: the headers of a retry
	// are collected after them, never over them.
	cr.full.hdr = fields[len(fields):]
	conn := cr.jc.StreamConn // connID's, under the same lock
	cr.mu.Unlock()
	cr.emitHeaderRequest(fields, conn, probes.Mono())
}

// emitHeaderRequest is header.request with the fields as written, which
// the event keeps, and their wire size, on the connection conn (read
// under cr.mu), at now (mono), the reading its hook took.
//
// It publishes with a plain call, as firstByte (see firstByteSlot).
func (cr *Request) emitHeaderRequest(fields []string, conn uint64, now int64) {
	url := cr.url()
	e, t := probes.Reserve() // built in the ring: no copy
	if e == nil {
		return
	}
	cr.fillConn(e, probes.Header, probes.Info, "header.request", "client sent request headers", conn)
	e.Time = probes.TimeAt(now)
	e.AddString(probes.KeyMethod, cr.req.Method)
	e.AddString(probes.KeyURL, url)
	e.AddSizedFields(probes.KeySize, probes.KeyHeaders, fields)
	probes.Publish(t)
}

func (cr *Request) traceWroteRequest(httptrace.WroteRequestInfo) { cr.wroteAt(&cr.full.wrote, nil) }

// wroteAt: the request was written; *at (guarded by mu) keeps when. t,
// when not nil, holds header.request's reading (StdWrote's).
func (cr *Request) wroteAt(at *int64, t *stdTimes) {
	cr.mu.Lock()
	var wrote int64
	if t != nil {
		wrote = t.takeHdrAt(cr.req)
	}
	if wrote == 0 {
		wrote = probes.Mono()
	}
	*at = wrote
	cr.mu.Unlock()
	probes.JournalPhase(cr.body.Req, probes.PhaseWrote, wrote)
}

func (cr *Request) traceFirstByte() { cr.firstByte(&cr.full.wrote, nil) }

// firstByte: the response's first byte arrived; *wrote (guarded by mu)
// is when the request was written, 0 if that was not seen. timed, when
// not nil, is set (under mu) to say so.
func (cr *Request) firstByte(wrote *int64, timed *bool) {
	cr.mu.Lock()
	if timed != nil {
		*timed = true
	}
	from := *wrote
	if from == 0 {
		from = cr.start
	}
	now := probes.Mono()
	d := time.Duration(now - from)
	conn := cr.jc.StreamConn // connID's, under the same lock
	cr.mu.Unlock()
	lvl := probes.Level(probes.Dial)
	if lvl >= 2 {
		// dial.first_byte, built here: see firstByteSlot.
		if e, t := probes.Reserve(); e != nil {
			cr.firstByteSlot(e, d, now, conn)
			probes.Publish(t) // a plain call: see firstByteSlot
		}
	}
	if th := probes.SlowTTFB(); lvl >= 1 && d > th {
		cr.slow("ttfb", d, th, cr.url())
	}
}

// firstByteSlot fills e, from Reserve, with dial.first_byte, raw (see
// probes.RawFirstByte), built in the ring as dial.conn; now (Mono) is the
// reading ttfb ends at. In line: its caller (firstByte) builds the event
// itself, with no call of its own, its arguments and their spills.
//
// firstByte and emitConn publish their event with a plain call, not a
// deferred one (a deferred Publish costs a wrapper's call, on every
// request): between Reserve and Publish they only store values read
// before, so nothing there can panic and leave the slot unpublished,
// which would hold the drain back. So do the header events: packing
// fields cannot panic either, and a header map written while it is
// walked is a fatal error, which no deferred call would outlive.
func (cr *Request) firstByteSlot(e *probes.Event, ttfb time.Duration, now int64, conn uint64) {
	e.Time = probes.TimeAt(now)
	e.Probe, e.Sev, e.RawKind, e.Site, e.Req, e.Conn = probes.Dial, probes.Info, probes.RawFirstByte, cr.body.Site, cr.body.Req, conn
	e.Attrs[0].Str, e.Attrs[0].Num, e.Attrs[1].Num = cr.body.Via, int64(ttfb), now-cr.start
}

// renderFirstByte renders firstByteSlot's raw event (Attrs[0]: via and
// the time to first byte, Attrs[1]: the time since the start).
func renderFirstByte(e *probes.Event) {
	via, ttfb, since := e.Attrs[0].Str, time.Duration(e.Attrs[0].Num), time.Duration(e.Attrs[1].Num)
	e.RenderAs("dial.first_byte", "first response byte", via)
	e.AddDuration(probes.KeyTtfb, ttfb)
	e.AddDuration(probes.KeySinceStart, since)
}
