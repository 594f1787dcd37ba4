package probes

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"strings"
	"time"
)

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
	got := cr.gotConn
	var getConn int64
	if cr.full != nil {
		getConn = cr.full.getConn
	}
	cr.mu.Unlock()
	if ce != nil {
		journalConn(cr.id, ce.info.ID, info.Reused, ce.info.Local, ce.info.Remote, got)
	} else {
		journalConn(cr.id, 0, info.Reused, "", "", got)
	}
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
	if cr.host != nil && Level(Body) >= 1 {
		reportHeldBodies(cr.host)
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
	journalPhase(cr.id, phaseDNS, int64(d))
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
	if err == nil {
		journalPhase(cr.id, phaseConnect, int64(d))
	}
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
	journalPhase(cr.id, phaseTLS, int64(d))
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
	wrote := cr.full.wrote
	cr.mu.Unlock()
	journalPhase(cr.id, phaseWrote, wrote)
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
