package client

import (
	"context"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// With the std patch, net/http calls the probes when an HTTP/1 request
// gets its connection (StdGotConn) and before it dials a new one
// (StdDial). A level-1 request then needs no httptrace at all: no trace,
// no context value, no copy of the request. net/http keeps the request's
// state (StdStart's *Request) in its own transportRequest, which getConn
// hands to the hooks: no table, and no search by anything a RoundTripper
// or net/http may copy.

var stdClient atomic.Bool

// UseStdHooks is called by the build's wiring when the patched
// net/http calls StdGotConn and StdDial.
func UseStdHooks() { stdClient.Store(true) }

// Hooks says how client requests are followed: "std patch" (the
// patched net/http reports connections and dials) or "httptrace" (a
// trace per request, composed with the program's).
func Hooks() string {
	if stdClient.Load() {
		return "std patch"
	}
	return "httptrace"
}

// StdGotConn is the std patch's GotConn hook: as httptrace's GotConn, for
// a request StdStart followed without a trace. state is StdStart's.
func StdGotConn(state any, conn net.Conn, reused bool, idleAt time.Time) {
	cr, _ := state.(*Request)
	if cr == nil || !cr.std {
		return // traced: its trace's GotConn reports the connection
	}
	cr.gotConnAt(httptrace.GotConnInfo{Conn: conn, Reused: reused}, idleAt)
}

// StdDialFor is the std patch's DialFor hook: a request followed with
// the std hooks (no trace of its own; state is StdStart's) is about to
// start a dial, and the
// dial's context gets the request as its owner, for StdDial. It runs only
// on that path, so the allocation is a dial's, not every request's.
func StdDialFor(ctx context.Context, state any) context.Context {
	cr, _ := state.(*Request)
	if cr == nil || !cr.std || probes.Level(probes.Dial) < 1 {
		return ctx // not followed, or its trace's context already names it
	}
	cr.dialOwner = true // the dial may outlive the request: not reused
	return context.WithValue(ctx, dialOwnerKey{}, cr)
}

// StdDial is the std patch's Dial hook. It returns a context whose trace
// times this dial's DNS, connect and TLS phases (dial.slow, and their
// events at level 2) and checks ALPN (dial.alpn_fallback), for the request
// that started the dial: its context names it (Start for a
// traced request, StdDialFor for one followed by the std hooks). A dial
// without an owner (a request not followed, or a net/http without the
// DialFor hook) is attributed, at dial level 1, to the latest request to
// the host.
func StdDial(ctx context.Context, t *http.Transport, scheme, addr string) context.Context {
	lvl := probes.Level(probes.Dial)
	if lvl == 0 || probes.IgnoredTransport(t) {
		return ctx
	}
	owner, _ := ctx.Value(dialOwnerKey{}).(*Request)
	if owner != nil && owner.full != nil {
		dt := &httptrace.ClientTrace{}
		owner.traceDialPhases(dt)
		return httptrace.WithClientTrace(ctx, dt)
	}
	if lvl != 1 {
		return ctx
	}
	h := stdHost(t, scheme, addr)
	d := &Request{start: probes.Mono(), t: t, host: h, full: &fullTrace{},
		req: &http.Request{Method: "CONNECT", URL: &url.URL{Scheme: scheme, Host: addr}}}
	// Its own state is the request's goroutine's: d times the dial under
	// its name. An owner is kept from reuse (dialOwner); the latest
	// request's is not, hence its copies in the host state.
	if owner != nil {
		d.body.Site, d.body.Req = owner.body.Site, owner.body.Req
	} else if p := h.lastSite.Load(); p != nil {
		d.body.Site, d.body.Req = p.Site, h.lastReq.Load()
	}
	dt := &httptrace.ClientTrace{}
	d.traceDialPhases(dt)
	return httptrace.WithClientTrace(ctx, dt)
}

// stdHost finds the host state the call-site requests use (keyed by the
// URL's host, with or without its default port), or makes one.
func stdHost(t *http.Transport, scheme, addr string) *hostState {
	if h, ok := hostsFast.Load(hostKey{t, addr}); ok {
		return h.(*hostState)
	}
	if host, port, err := net.SplitHostPort(addr); err == nil &&
		(scheme == "http" && port == "80" || scheme == "https" && port == "443") {
		if h, ok := hostsFast.Load(hostKey{t, host}); ok {
			return h.(*hostState)
		}
	}
	return hostFor(t, addr)
}

// h2Stream records the connection and HTTP/2 stream a response came on,
// read from its Body before the body probe wraps it: the std patch gives
// net/http's HTTP/2 response bodies (and x/net's) a GohttpdbgStream
// method. Nothing else names the stream; and net/http reports an HTTP/2
// connection to neither the std hooks nor, on a connection it dialed
// itself, a trace's GotConn: the request is then counted on its
// connection and host here. The first stream of a connection (1: a
// client's streams are odd, from 1) is the request that had it dialed,
// so "new"; later streams reuse it, as the journal records.
func (cr *Request) h2Stream(resp *http.Response) {
	b, ok := resp.Body.(interface{ GohttpdbgStream() (net.Conn, uint32) })
	if !ok {
		return
	}
	c, stream := b.GohttpdbgStream()
	ce := probes.ConnFor(c, "client")
	var local, remote string
	if ce != nil {
		// Its turns to active tell nothing of an HTTP/2 connection's
		// requests: its responses do (and override those turns).
		ce.CountRequest()
		local, remote = ce.Local(), ce.Remote()
	}
	reused := stream != 1 // stream 1 is the request its connection was dialed for
	cr.mu.Lock()
	gotConn := cr.gotConn != 0
	if !gotConn || cr.conn == 0 {
		cr.conn = ce.ID()
	}
	if !gotConn {
		cr.reused = reused
	}
	conn := cr.conn
	cr.mu.Unlock()
	if !gotConn {
		probes.JournalConn(cr.body.Req, conn, reused, local, remote, 0)
		if cr.host != nil {
			if reused {
				cr.host.reused()
			} else {
				cr.newConn(c, probes.Level(probes.Dial))
			}
		}
	}
	probes.JournalStream(cr.body.Req, conn, stream)
}
