package client

import (
	"context"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/table"
)

// With the std patch, net/http calls the probes when an HTTP/1 request
// gets its connection (StdGotConn) and before it dials a new one
// (StdDial). A level-1 request then needs no httptrace at all: no trace,
// no context value, no copy of the request. The request is found from
// net/http's internals by its Header map, which the copies net/http makes
// (Client.send, the Transport's retries) share with the caller's request.

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

const stdReqShards = 16

type stdReqShard struct {
	mu sync.Mutex
	m  map[uintptr]*Request
}

var stdReqs [stdReqShards]stdReqShard

func init() {
	for i := range stdReqs {
		stdReqs[i].m = make(map[uintptr]*Request)
	}
}

// stdRegister makes cr findable by StdGotConn until stdUnregister. It
// returns false when another request in flight shares the Header map
// (then cr is traced instead).
func stdRegister(cr *Request) bool {
	k := table.HeaderKey(cr.req.Header)
	if k == 0 {
		return false
	}
	s := &stdReqs[(k>>4)%stdReqShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.m[k]; dup {
		return false
	}
	s.m[k] = cr
	cr.stdKey = k
	return true
}

func stdUnregister(cr *Request) {
	k := cr.stdKey
	if k == 0 {
		return
	}
	s := &stdReqs[(k>>4)%stdReqShards]
	s.mu.Lock()
	if s.m[k] == cr {
		delete(s.m, k)
	}
	s.mu.Unlock()
}

func stdLookup(req *http.Request) *Request {
	k := table.HeaderKey(req.Header)
	if k == 0 {
		return nil
	}
	s := &stdReqs[(k>>4)%stdReqShards]
	s.mu.Lock()
	cr := s.m[k]
	s.mu.Unlock()
	return cr
}

// StdGotConn is the std patch's GotConn hook: as httptrace's GotConn for
// a request followed at a call site.
func StdGotConn(req *http.Request, conn net.Conn, reused bool, idleAt time.Time) {
	if probes.Level(probes.Dial) < 1 {
		return // no request is registered (Start)
	}
	cr := stdLookup(req)
	if cr == nil {
		return
	}
	info := httptrace.GotConnInfo{Conn: conn, Reused: reused}
	if reused && !idleAt.IsZero() {
		info.WasIdle, info.IdleTime = true, time.Since(idleAt)
	}
	cr.traceGotConn(info)
}

// StdDialFor is the std patch's DialFor hook: a request followed with
// the std hooks (no trace of its own) is about to start a dial, and the
// dial's context gets the request as its owner, for StdDial. It runs only
// on that path, so the allocation is a dial's, not every request's.
func StdDialFor(ctx context.Context, req *http.Request) context.Context {
	if probes.Level(probes.Dial) < 1 {
		return ctx
	}
	cr := stdLookup(req)
	if cr == nil || cr.full != nil {
		return ctx // not followed, or its trace's context already names it
	}
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
	if owner == nil {
		owner = h.last.Load()
	}
	d := &Request{start: probes.Mono(), t: t, host: h, full: &fullTrace{},
		req: &http.Request{Method: "CONNECT", URL: &url.URL{Scheme: scheme, Host: addr}}}
	if owner != nil {
		// Its own state is the request's goroutine's: d times the dial
		// under its name.
		d.site, d.id = owner.site, owner.id
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
