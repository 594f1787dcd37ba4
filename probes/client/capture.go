package client

import (
	"net/http"
	"sync/atomic"
	"unsafe"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/gc"
)

// With the std patch's capture hooks (probes.StdCapture), every client
// request is followed in (*Transport).roundTrip, whoever made it
// (StdStart, StdEnd). A rewritten call site only hands its
// site to the request (MarkSite); any other request is attributed from
// its stack (probes.CallerSite).

// siteMarks are the patched net/http's MarkSite and UnmarkSite
// (UseSiteMarks): a rewritten call names its request's site on the
// request itself, where roundTrip reads it for StdStart, and the copies
// of the request made on the way (the Client's, WithContext, Clone) keep
// it. A request sent with another *Request that is not such a copy (a
// redirect) is attributed from its stack, which names the same line:
// rewritten files keep their lines.
var siteMarks struct {
	mark   func(*http.Request, unsafe.Pointer) bool
	unmark func(*http.Request)
}

// UseSiteMarks is called by the build's wiring with the patched
// net/http's MarkSite and UnmarkSite, before any request.
func UseSiteMarks(mark func(*http.Request, unsafe.Pointer) bool, unmark func(*http.Request)) {
	siteMarks.mark, siteMarks.unmark = mark, unmark
}

// MarkSite names the call site of req until UnmarkSite (after the
// request was sent), when it returns true.
func MarkSite(req *http.Request, site string) bool {
	if req == nil || siteMarks.mark == nil || !probes.ExchangeProbesOn() {
		// Off: StdStart follows nothing. A probe switched on before
		// StdStart runs attributes the request from its stack, which names
		// the same line.
		return false
	}
	// markOf's usual case, written out: a call costs a cold cache line
	// on every request.
	p := lastMark.Load()
	if p == nil || !probes.SameString(p.Site, site) || p.Via != "" {
		p = markOf(site)
	}
	return siteMarks.mark(req, unsafe.Pointer(p))
}

// lastMark is the latest site MarkSite interned. probes.InternSite keeps
// its own latest answer, but the server's requests share it: a program
// that serves and sends (a proxy, a service calling another) would look
// its call site up in the interned sites' map on every request.
var lastMark atomic.Pointer[probes.CallSite]

//go:noinline
func markOf(site string) *probes.CallSite {
	if p := lastMark.Load(); p != nil && p.Site == site && p.Via == "" {
		return p
	}
	p := probes.InternSite(site, "")
	lastMark.Store(p)
	return p
}

// UnmarkSite ends a MarkSite that returned true.
func UnmarkSite(req *http.Request) { siteMarks.unmark(req) }

// StdStart is the std patch's ClientStart hook.
// Its state, which net/http hands back to the hooks below, is the
// *Request, as an unsafe.Pointer: net/http keeps it in a field every
// request pays for, probes on or off, where an interface takes twice the
// bytes.
// site is the request's mark (MarkSite's *probes.CallSite), nil when no
// rewritten call named it: it is then attributed from its stack.
// The probes' levels are read once, here.
//
// The start is written out here, not in functions it calls (startRequest
// holds the same steps for a request started outside roundTrip): each
// call costs a cold instruction-cache line on every request. What is rare
// is out of line (hostForNew, noteSite, beginRare, traced, captureBody).
func StdStart(t *http.Transport, req *http.Request, site unsafe.Pointer) (*http.Request, unsafe.Pointer) {
	lv := loadLevels()
	if req == nil || req.URL == nil || lv.off() || probes.IgnoredTransport(t) {
		return req, nil
	}
	marked := (*probes.CallSite)(site)
	if marked == nil {
		// Attributed from its stack, and marked so, interned (as its body
		// would have it interned anyway): then StdStart again. A rare case
		// that came back here would be laid out between the usual blocks.
		return StdStart(t, req, unsafe.Pointer(callerMark()))
	}
	siteName, via := marked.Site, marked.Via
	dl, hl, bl := lv.dial, lv.header, lv.body
	var host *hostState
	if dl >= 1 || bl >= 1 {
		// hostFor, written out: the latest request's host, else a lookup.
		if host = lastHost.Load(); host == nil || host.t != t || !probes.SameString(host.host, req.URL.Host) {
			host = hostForNew(t, req.URL.Host)
		}
	}
	// StdEnd is the state's last user: it can be reused (see StdEnd),
	// first from its host's spare (a few instructions where the pool costs
	// a hundred), else from the pool.
	var cr *Request
	if host != nil {
		cr = host.spare.take()
	}
	if cr == nil {
		cr = pooledRequest()
	}
	// The state's pointers in one run of stores: one write-barrier
	// check, and its slow path, for all of them.
	now, id := probes.Mono(), probes.NextReqID()
	cr.pooled, cr.site, cr.start, cr.req, cr.orig, cr.t, cr.host = true, marked, now, req, req, t, host
	cr.body.Site, cr.body.Via, cr.body.Req = siteName, via, id
	// Levels are 0 to 2: their bits or'ed are 2 or more when one is 2.
	lvl2 := dl|hl|bl >= 2
	if lvl2 || probes.SpansOn() {
		req = cr.startRare(req, lvl2)
	}
	dialLikely := true
	if h := host; h != nil {
		// The request is in flight on its host (see hosts.go).
		active := h.Active.Add(1)
		// The latest site: a marked request's is interned, as the host's
		// (a pointer's comparison), else compared by name.
		if p := h.lastSite.Load(); p != marked {
			h.noteSiteIf(p, siteName)
		}
		h.lastReq.Store(cr.body.Req)
		if !h.seen.Load() || !h.KeepAlive || h.traceNext.Load() > 0 {
			dialLikely = h.beginRare(active)
		} else {
			dialLikely = !h.h2.Load() && h.Idle.Load() < active // h2: one connection, multiplexed
		}
	}
	cr.flight = gc.Start(&cr.fl, cr.body.Req, siteName, cr.start)
	if !lvl2 && dl == 1 && stdClient.Load() {
		// followedBy's usual case, written out: level 1, the std hooks.
		if !dialLikely && host.h2.Load() {
			cr.h2KeptConn()
		} else {
			cr.std = true
		}
	} else {
		cr.followedBy(req, host, dialLikely, dl, hl)
	}
	// The journal's start last: the code after a call that long runs
	// from cold cache lines.
	if probes.JournalClientStart(cr.body.Req, cr.start, siteName, req) {
		cr.captureBody(req)
	}
	return cr.req, unsafe.Pointer(cr)
}

// followedBy chooses how cr is followed: by the std hooks, which see
// every event of a level-1 request and, at level 2, those of an HTTP/1
// one (stdEventsFor), or by a trace. Out of line: StdStart writes out
// its level-1 case.
//
//go:noinline
func (cr *Request) followedBy(req *http.Request, host *hostState, dialLikely bool, dl, hl int32) {
	// Level-2 events need the full trace, unless the std hooks see all
	// of them (an HTTP/1 request: see stdEventsFor).
	everyEvent := dl >= 2 || hl >= 2
	std := dl >= 1 && stdClient.Load() && (!everyEvent || cr.stdEventsFor(dialLikely))
	switch {
	case std && !everyEvent && !dialLikely && host.h2.Load():
		cr.h2KeptConn()
	case std && !everyEvent:
		// The std patch reports the connection and traces dials itself,
		// for the request net/http got from StdStart: copies made before
		// (a RoundTripper's Clone) or after (net/http's own) do not matter.
		cr.std = true
	case std: // and everyEvent: level 2's, which the std hooks trace whole
		cr.std = true
		cr.stdLevel2(hl)
	default:
		cr.traced(req, everyEvent, dialLikely, dl)
	}
}

// h2KeptConn: the host answers over HTTP/2 on a connection net/http
// keeps: the request does not pass getConn, so there is nothing for the
// std GotConn hook to find; a new connection still goes through the std
// Dial hook.
func (cr *Request) h2KeptConn() {
	cr.jc.Seen, cr.jc.Reused = true, true // the journal knows it reuses one
	cr.h2Kept = true
}

// callerMark attributes a request no rewritten call marked from its
// stack, roundTrip's caller, from StdStart: its site interned, as
// MarkSite's.
//
//go:noinline
func callerMark() *probes.CallSite {
	si := probes.CallerSite(3)
	return probes.InternSite(si.Site, si.Via)
}

// pooledRequest takes a request state from the pool: a host's spare
// serves a client that sends a request after another. Out of line, as
// startRare: StdStart's common path stays contiguous.
//
//go:noinline
func pooledRequest() *Request { return requests.Get().(*Request) }

// startRare is StdStart's for a request with an OTLP span, which may
// send a copy of req (returned), or level-2 events (line: they carry the
// request line, rendered now).
//
//go:noinline
func (cr *Request) startRare(req *http.Request, line bool) *http.Request {
	if probes.SpansOn() {
		cr.span, req = probes.StartClientSpan(cr.body.Req, req) // may add a traceparent, to a copy
		cr.req = req
	}
	if line {
		cr.body.Line = cr.requestLine(req)
	}
	return req
}

// requestLine renders req's request line for its level-2 events, through
// its host's memo when it has a host.
func (cr *Request) requestLine(req *http.Request) string {
	if h := cr.host; h != nil {
		return h.line.Line(req.Method, req.URL)
	}
	return probes.RequestLine(req.Method, req.URL)
}
