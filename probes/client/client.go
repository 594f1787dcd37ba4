package client

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/body"
	"github.com/gohttpdbg/gohttpdbg/probes/gc"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/table"
)

// Request follows one request made at a client call site: it
// installs an httptrace.ClientTrace composed with any trace already in the
// request's context, and on Finish wraps the response body. The call-site
// wrappers use it as
//
//	cr := probes.Start(c, req, site)
//	if cr == nil { return c.Do(req) }
//	resp, err := c.Do(cr.Request())
//	cr.Finish(resp, err)
//
// The body state and the gc probe's record of it live in it. A request
// followed by the std patch's hooks takes it from a pool and gives it
// back once over (reusable): a level-1 request then allocates nothing.
//
// Level 1 traces a request fully (DNS, connect, TLS, first byte) only
// when it will probably dial: the first request to a host, no connection
// believed idle, or a recent unexpected dial. A request expected to reuse
// a kept-alive connection gets a light trace, GotConn alone, which still
// sees every new connection (dial.not_reused, dial.alpn_fallback) and
// times the response (dial.slow phase=ttfb, from the connection to the
// response headers). The full trace costs about fifteen allocations;
// most requests on a healthy keep-alive pool never need it.
type Request struct {
	// reqHS and respHS are an HTTP/1 response's header sizes, which the
	// std patch hands StdHeaderSizes on the request's goroutine before
	// StdEnd: reqHS is the request's line and header bytes as net/http
	// wrote them, respHS the response header's bytes on the wire plus
	// one, as net/http read them; 0: unknown.
	reqHS, respHS int32
	start         int64         // mono
	req           *http.Request // the request sent: orig, or a copy carrying the trace
	orig          *http.Request // the caller's
	t             *http.Transport
	host          *hostState
	flight        *gc.Flight // &fl while the gc probe follows the request, else nil
	fl            gc.Flight
	// body is the response body's state, once body.WrapResponse ran. Its
	// Origin holds, from the start, the request's site, Via (the library
	// frame that sent a request made in a library), id (Req) and Line (the
	// request line, method and redacted URL, rendered once at the start
	// when level-2 events will want it: they all carry it); the body adds
	// Conn, Method and URL. Site and Req are never written after the
	// start: the hooks of a dial the request owns read them from another
	// goroutine.
	body body.State
	// site is body's Site and Via interned (a call site's mark), nil
	// when the request was attributed from its stack.
	site *probes.CallSite
	// hostHandedOff: the response body ends the request for the host
	// state (it calls host.end), not Finish.
	hostHandedOff bool
	light         bool // GotConn is the only hook installed
	std           bool // followed by the std patch's hooks (StdGotConn), no trace
	// h2Kept: sent on the kept HTTP/2 connection of its host, which no
	// std hook names: its response's stream does (StdEnd). No trace.
	h2Kept bool
	// lvl2: std, and the level-2 events come from the std hooks too
	// (StdGetConn, StdWrote, StdFirstByte): their state (stdclient.go),
	// else nil.
	lvl2 *stdTimes
	// lvl2h is the level-2 state with header room (stdTimesHdr) this
	// Request allocated once; reuse keeps it, zeroed, for the next level-2
	// request, which then allocates none.
	lvl2h *stdTimesHdr

	mu sync.Mutex // the trace hooks may run on the dial goroutine
	// jc is the connection as the journal's record gets it with the
	// response (StdEnd, journalConn), written in place by the hooks that
	// name it: one write of the record, not one per hook, and no copy on
	// the common path. Its StreamConn is the request's connection id, its
	// At when the request got it (mono; 0 until GotConn), its HeaderSize
	// the request's header bytes as net/http wrote them (HTTP/1: reqHS;
	// HTTP/2: the decoded size the stream encoded; 0: unknown). Seen: GotConn or the HTTP/2
	// stream named it; its Reused may differ from reused (a kept HTTP/2
	// connection, known before it is named). Stream is the response's
	// HTTP/2 stream, 0 if none.
	jc       probes.ClientConn
	reused   bool
	wasIdle  bool
	idleTime time.Duration
	// idleAt is when the connection StdGotConn named at once went idle: its idle
	// time (from the request's start) is worked out only for the event
	// that reports it (failed), not on every request.
	idleAt time.Time
	full   *fullTrace // the full trace's state; nil with a light trace

	span *probes.Span // its OTLP span (GOHTTPDBG_OUT=otlp), else nil
	// spanOnBody: the response body's end ends the span (BodyEnded).
	spanOnBody bool

	// pooled: the state came from requests (StdStart) and goes back to
	// it at StdEnd, if nothing that outlives the request points at it
	// (reusable).
	pooled bool
	// dialOwner: a dial's context names the request (StdDialFor); the
	// dial may outlive it, and StdDial reads its site and id then.
	dialOwner bool
	// waited: net/http's getConn found no idle connection at once and
	// queued the request for a dial (StdDialFor): it may wait, and the
	// time it got its connection is worth a clock reading (gotConnAt).
	waited bool
	// h2Ev: HTTP/2 streams report their events to the request
	// (StdH2Stream); a stream may report its write once the request is
	// over. h2Streams (guarded by mu) counts those whose write was not
	// reported yet: the state is reused once none is left.
	h2Ev      bool
	h2Streams int32
	// ends counts what must end before a pooled state whose body the
	// probes follow is reused: StdEnd, and net/http's body handing the
	// state back (BodyReleased).
	ends atomic.Int32
}

// requests are the states of requests followed by the std patch's
// hooks, reused once a request is over and provably unreferenced
// (reusable): a level-1 request then allocates no state of its own.
var requests = sync.Pool{New: func() any { return new(Request) }}

// reusable reports whether nothing that outlives the request refers to
// cr once StdEnd has run. Dial owners (a dial goes on without its
// request), HTTP/2 streams that have yet to report their write to it
// (h2Ev: a stream may report it after the response), traces (closures in the request's context, which net/http
// keeps), spans, and a response body the probes follow (net/http's
// body keeps cr.body for a Read after Close, body.read_after_close, and
// the open-body inventory points at it) keep their state to the
// collector. What remains pointing at a reused state is net/http's
// transportRequest.gohttpdbgState, which only getConn reads (GotConn,
// DialFor), before roundTrip returns; a capture's tee names the request
// by id alone.
//
// A body net/http follows for the probes and that can report a Read
// after Close without them (body.State.Released) hands the state back
// once closed and no Read holds it (BodyReleased): the state is reused
// when both StdEnd and that have run. A body never closed (read to EOF
// or not) keeps it: net/http's body may still be read.
func (cr *Request) reusable() bool {
	return cr.pooled && (!cr.hostHandedOff || cr.body.Released()) && !cr.dialOwner && cr.full == nil && !cr.light && cr.span == nil
}

// h2Done: no HTTP/2 stream has yet to report its write to cr (see
// reusable). Unlike reusable's other conditions, it may change after
// StdEnd.
func (cr *Request) h2Done() bool { return !cr.h2Ev || cr.h2Written() }

// reuse puts cr back in requests, zeroed (see StdEnd, BodyReleased).
func (cr *Request) reuse() {
	spare := cr.body.Spare() // the body's sentinel, kept for the next one
	h, l2 := cr.host, cr.lvl2h
	*cr = Request{}
	cr.body.KeepSpare(spare)
	if l2 != nil {
		cr.keepLevel2(l2)
	}
	if h == nil || !h.spare.put(cr) {
		requests.Put(cr)
	}
}

// keepLevel2 gives the zeroed cr its level-2 state l2 back for its next
// level-2 request, which then allocates none. Its times and streams are
// zeroed; its header buffers (buf, respBuf: 512 of its 616 bytes, most
// of what zeroing it all cost) are not: a request writes them before it
// reads them (stdLevel2 hands them out empty), and until then they keep
// the last request's few header strings alive, no more. Out of line:
// level 2's alone.
//
//go:noinline
func (cr *Request) keepLevel2(l2 *stdTimesHdr) {
	l2.t, l2.h2 = stdTimes{}, h2Stream{}
	cr.lvl2h = l2
}

// BodyReleased is body.Owner's: the closed body will not read cr.body
// again. ends reaches 0 only when StdEnd found cr reusable. It is the
// last use of a request whose body the probes followed, the common case.
func (cr *Request) BodyReleased() {
	if cr.ends.Add(-1) != 0 || !cr.h2Done() {
		return
	}
	// reuse, written out: a call of its own costs a cold cache line on
	// every request.
	spare := cr.body.Spare()
	h, l2 := cr.host, cr.lvl2h
	*cr = Request{}
	cr.body.KeepSpare(spare)
	if l2 != nil {
		cr.keepLevel2(l2)
	}
	if h == nil || !h.spare.put(cr) {
		requests.Put(cr)
	}
}

// fullTrace is the state of a fully traced request (guarded by cr.mu).
type fullTrace struct {
	getConn, dnsStart, tlsStart, wrote int64 // mono
	connStart                          map[string]int64
	hdr                                []string // header.request's fields being collected (level 2), in hdrBuf while they fit
	// The trace and a request's usual headers live here, in the one
	// allocation a fully traced request takes for its trace state.
	trace  httptrace.ClientTrace
	hdrBuf [16]string
}

// Start starts following req (sent with client c, nil
// meaning http.DefaultClient) at site. It returns nil when every probe
// concerned is off, or when req is nil (net/http reports that error).
func Start(c *http.Client, req *http.Request, site string) *Request {
	var rt http.RoundTripper = http.DefaultTransport
	if c != nil && c.Transport != nil {
		rt = c.Transport
	}
	t, _ := rt.(*http.Transport)
	return startRequest(t, req, site, loadLevels())
}

// levels are the levels of the probes that follow a client request, read
// once at its start.
type levels struct{ dial, header, body, gc int32 }

func loadLevels() levels {
	return levels{probes.Level(probes.Dial), probes.Level(probes.Header), probes.Level(probes.Body), probes.Level(probes.GC)}
}

// off: every probe that follows a request is off (probes.ExchangeProbesOn
// false).
func (l levels) off() bool { return l.dial|l.header|l.body|l.gc == 0 }

// startRequest starts following req, sent by t (nil when the client's
// RoundTripper is not an *http.Transport) outside net/http's roundTrip
// (Start: a net/http without the capture hooks), at the levels lv. A
// request the capture hooks follow starts in StdStart, which holds the
// same steps written out for the std hooks.
func startRequest(t *http.Transport, req *http.Request, site string, lv levels) *Request {
	dl, hl, bl := lv.dial, lv.header, lv.body
	if req == nil || req.URL == nil || lv.off() {
		return nil
	}
	var host *hostState
	if dl >= 1 || bl >= 1 {
		host = hostFor(t, req.URL.Host)
	}
	cr := new(Request) // the call site's wrapper may keep it
	cr.start, cr.req, cr.orig, cr.t = probes.Mono(), req, req, t
	cr.body.Site, cr.body.Req = site, probes.NextReqID()
	if probes.SpansOn() {
		cr.span, req = probes.StartClientSpan(cr.body.Req, req) // may add a traceparent, to a copy
		cr.req = req
	}
	dialLikely := true
	if h := host; h != nil {
		// The request is in flight on its host (see hosts.go).
		cr.host = h
		active := h.Active.Add(1)
		if p := h.lastSite.Load(); p == nil || p.Site != site {
			h.noteSite(site)
		}
		h.lastReq.Store(cr.body.Req)
		if !h.seen.Load() || !h.KeepAlive || h.traceNext.Load() > 0 {
			dialLikely = h.beginRare(active)
		} else {
			dialLikely = !h.h2.Load() && h.Idle.Load() < active // h2: one connection, multiplexed
		}
	}
	if hl >= 2 || bl >= 2 || dl >= 2 {
		cr.body.Line = cr.requestLine(req)
	}
	capture := probes.JournalClientStart(cr.body.Req, cr.start, site, req)
	cr.flight = gc.Start(&cr.fl, cr.body.Req, site, cr.start)
	// Not in roundTrip: the std hooks never see the request's state.
	cr.traced(req, dl >= 2 || hl >= 2, dialLikely, dl)
	if capture {
		cr.captureBody(req)
	}
	return cr
}

// traced is startRequest's rest for a request the std hooks do not see
// whole: level-2 events, a request outside net/http's Transport, a dial
// traced through httptrace. Out of line, as captureBody: startRequest's
// common path stays a few cache lines of code.
//
//go:noinline
func (cr *Request) traced(req *http.Request, everyEvent, dialLikely bool, dl int32) {
	switch {
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
}

// captureBody: a capture rule keeps this request's body; the caller's
// request is not changed, the one sent reads through a tee.
//
//go:noinline
func (cr *Request) captureBody(req *http.Request) {
	if cr.req == cr.orig {
		c := *req
		cr.req = &c
	}
	cr.req.Body = probes.CaptureReader(req.Body, cr.body.Req)
}

// url is the request line for events, method and redacted URL: the one
// rendered at the start (level 2), or rendered now for an event that
// needs it.
func (cr *Request) url() string { return probes.RenderedLine(cr.body.Line, cr.req.Method, cr.req.URL) }

// Request returns the request to send: req, or a shallow copy of it whose
// context carries the composed trace.
func (cr *Request) Request() *http.Request { return cr.req }

// ID returns the request id.
func (cr *Request) ID() uint64 { return cr.body.Req }

func (cr *Request) connID() uint64 {
	cr.mu.Lock()
	id := cr.jc.StreamConn // no defer: each event of the request reads it
	cr.mu.Unlock()
	return id
}

// fill sets the fields of e, a zero Event, that every event of cr shares.
// Events are filled in place, not returned: see AddString.
func (cr *Request) fill(e *probes.Event, p probes.Probe, sev probes.Sev, name, msg string) {
	cr.fillConn(e, p, sev, name, msg, cr.connID())
}

// fillConn is fill for an event whose caller knows the request's
// connection id, conn: without connID's lock.
func (cr *Request) fillConn(e *probes.Event, p probes.Probe, sev probes.Sev, name, msg string, conn uint64) {
	e.Probe, e.Sev, e.Name, e.Site, e.Req, e.Conn, e.Msg = p, sev, name, cr.body.Site, cr.body.Req, conn, msg
	if cr.body.Via != "" {
		e.AddString(probes.KeyVia, cr.body.Via)
	}
}

// Finish records the outcome of the request and wraps resp.Body (see
// StdEnd).
func (cr *Request) Finish(resp *http.Response, err error) { StdEnd(unsafe.Pointer(cr), resp, err) }

// h2RespBody is the std patch's HTTP/2 response body (net/http's, x/net's):
// it names its connection and stream and the decoded sizes of the
// request's header as encoded and of the response's. One type assertion
// serves both.
type h2RespBody interface {
	GohttpdbgStream() (net.Conn, uint32, *unsafe.Pointer)
	GohttpdbgHeaderSizes() (req, resp int)
}

// h2Tabs tells an h2RespBody by its type word (StdEnd, on every HTTP/2
// response).
var h2Tabs table.Itabs

// StdHeaderSizes is the std patch's ClientHeaderSizes hook: the header
// sizes of an HTTP/1 response to the request whose state StdStart
// returned, before StdEnd.
func StdHeaderSizes(state unsafe.Pointer, req, resp int32) {
	cr := (*Request)(state)
	cr.reqHS, cr.respHS = req, resp
}

// StdEnd is the std patch's ClientEnd hook, and Finish's: it records the
// outcome of the request, wraps resp.Body, and puts a pooled state back
// when that is safe.
//
// Its common path (a response to a request the std hooks follow, no
// level-2 state, no span: HTTP/1 and HTTP/2 at level 1) is written out in
// one function, the header check, the response's timing, the HTTP/2
// stream, the journal's connection and the body's wrapping included: each
// call to a small function of its own costs a cold instruction-cache line
// on every request. What is rare is out of line (finishRare, failed, the
// events).
func StdEnd(state unsafe.Pointer, resp *http.Response, err error) {
	cr := (*Request)(state)
	// h2Kept: the request went to HTTP/2's kept connection, which no std
	// hook named: only its response does (as h2Stream, here).
	rare := err != nil || resp == nil || cr.span != nil ||
		!cr.std && !(cr.h2Kept && resp.ProtoMajor == 2)
	var h2b h2RespBody
	if !rare && resp.ProtoMajor != 1 {
		// The assertion, by h2Tabs' type words where it can.
		if tab := h2Tabs.Find(unsafe.Pointer(&resp.Body)); tab != nil {
			table.Iface(unsafe.Pointer(&h2b), tab, unsafe.Pointer(&resp.Body))
		} else {
			h2b, _ = table.Assert[h2RespBody](&h2Tabs, &resp.Body)
		}
		rare = h2b == nil || resp.ProtoMajor != 2
	}
	if rare {
		cr.finishRare(resp, err)
		cr.endRest()
		return
	}
	if resp.Request == cr.req && cr.req != cr.orig {
		resp.Request = cr.orig // see finishRare
	}
	hl := probes.Level(probes.Header)
	hdrSize := int(cr.respHS) - 1 // HTTP/1, from the std patch (response)
	cr.jc.HeaderSize = cr.reqHS   // HTTP/1's; HTTP/2's below
	if h2b != nil {
		// h2Stream, written out: a request the std hooks follow (or
		// one on HTTP/2's kept connection) names its connection on
		// this goroutine alone, and takes no lock.
		c, stream, entry := h2b.GohttpdbgStream()
		var ce *probes.ConnEntry
		if entry != nil {
			// The connection keeps it: no lookup, and usually no call.
			if ce = probes.KeptConnEntry(entry); ce == nil {
				ce = probes.ClientConnEntry(c, entry)
			}
		} else {
			ce = probes.ConnFor(c, "client")
		}
		if ce != nil {
			ce.CountRequest()
		}
		reused := stream != 1 // stream 1 is the request its connection was dialed for
		gotConn := cr.jc.At != 0
		if !gotConn || cr.jc.StreamConn == 0 {
			cr.jc.StreamConn = ce.ID()
		}
		cr.jc.Stream = stream
		if h := cr.host; h != nil {
			if !h.h2.Load() {
				h.h2.Store(true) // sawH2
			}
		}
		if !gotConn {
			cr.reused = reused
			cr.jc.Seen, cr.jc.Entry, cr.jc.Reused = true, ce, reused
			if h := cr.host; h != nil {
				if reused { // h.reused(), written out
					if !h.seen.Load() {
						h.seen.Store(true)
					}
					h.reuses.Add(1)
					h.TakeIdle()
				} else {
					cr.newConn(c, probes.Level(probes.Dial))
				}
			}
		}
		if hl >= 1 {
			var req int
			req, hdrSize = h2b.GohttpdbgHeaderSizes()
			if hdrSize <= 0 {
				hdrSize = -1
			}
			cr.jc.HeaderSize = int32(req) // 0: unknown, the journal sums it
		}
	}
	var now int64 // the response headers' time, for every use below
	if hl >= 1 && (hdrSize < 0 || hl >= 2 || int64(hdrSize)*10 >= cr.maxResponseHeaderBytes()*9) {
		// Rare below level 2. The call reads the clock, for
		// header.response too (level 2): read here, the reading would be
		// spilled across it.
		now = cr.checkResponse(resp, &hdrSize, 0)
	} else {
		now = probes.Mono()
	}
	if cr.std {
		// lightTTFB, written out: StdGotConn set gotConn on this
		// goroutine, no lock.
		got := cr.jc.At
		if got == 0 {
			got = cr.start
		}
		// At level 2 StdFirstByte timed it, unless the level rose while
		// the request was under way (see stdTimes.firstByte): slowTTFB asks.
		if d := time.Duration(now - got); d > probes.SlowTTFB() && probes.Level(probes.Dial) >= 1 {
			cr.slowTTFB(d)
		}
	}
	if probes.Level(probes.Body) >= 1 { // wrapBody, written out
		o := &cr.body.Origin
		o.Conn, o.Method, o.URL = cr.jc.StreamConn, cr.req.Method, cr.req.URL
		var pool *body.Pool
		if cr.host != nil {
			pool = &cr.host.Pool
		}
		cr.ends.Store(2)
		if body.WrapResponse(resp, &cr.body, o, cr, pool, cr.flight, now, cr.site) {
			// The body now ends the request. Its flight is not nil'ed (as
			// wrapBody does): nothing reads it after this (endHere is for
			// a request not handed off), and the store would cost a
			// write barrier's check.
			cr.hostHandedOff = true
		}
	}
	// The body ends the request (and its flight): what comes
	// after the journal's call, from cold cache lines, is decided
	// before it.
	handedOff := cr.hostHandedOff
	reusable := handedOff && cr.reusable()
	// The connection as the journal gets it, named on this goroutine
	// (journalConn): the journal reads it in place.
	probes.JournalClientResponse(cr.body.Req, cr.body.Via, cr.req, &cr.jc, resp, hdrSize, nil, now, !handedOff)
	if reusable {
		// endRest's, for a body that ends the request.
		if cr.ends.Add(-1) == 0 && cr.h2Done() {
			cr.reuse()
		}
		return
	}
	if !handedOff {
		cr.endHere(now)
	}
}

// endHere ends a request whose response has no body the probes follow.
//
//go:noinline
func (cr *Request) endHere(now int64) {
	if cr.flight != nil {
		gc.EndAt(cr.flight, now)
	}
	if cr.host != nil {
		cr.host.end()
	}
	cr.endRest()
}

// endRest is StdEnd's last step: cr goes back to requests, zeroed, when
// that is safe (reusable), and, with a body, once the body handed it
// back too (BodyReleased). reusable's conditions are final by then: a
// state that is not reusable keeps ends above 0, and BodyReleased
// leaves it alone without asking again.
//
//go:noinline
func (cr *Request) endRest() {
	if !cr.reusable() {
		return
	}
	if cr.hostHandedOff && cr.ends.Add(-1) != 0 {
		return // the body's release reuses it
	}
	if cr.h2Done() {
		cr.reuse()
	}
}

// finishRare is Finish for a request that failed, is traced, has
// level-2 state, came over HTTP/2 or has a span.
//
//go:noinline
func (cr *Request) finishRare(resp *http.Response, err error) {
	if err != nil {
		cr.failed(err)
	}
	var now int64
	hdrSize := -1 // the response's header block, once measured
	if resp != nil {
		if resp.Request == cr.req && cr.req != cr.orig {
			// net/http answers with the request it was given; the caller
			// must see its own, as without the probes.
			resp.Request = cr.orig
		}
		now = probes.Mono() // the response headers' time, for every use below (header.response's too)
		hdrSize = cr.response(resp, now)
		if cr.light || cr.std && (cr.lvl2 == nil || !cr.timedFirstByte()) {
			cr.lightTTFB(now)
		}
		if resp.ProtoMajor == 2 {
			cr.h2Stream(resp)
			if cr.host != nil {
				cr.host.sawH2()
			}
		}
	}
	// The connection as the journal gets it, read under one lock with
	// the body's (the hooks above have named it).
	var jc probes.ClientConn
	cr.journalConn(&jc)
	if resp != nil && probes.Level(probes.Body) >= 1 {
		cr.wrapBody(resp, now, jc.StreamConn)
	}
	if now == 0 {
		now = probes.Mono()
	}
	// The exchange ends here unless its body, now wrapped, ends it.
	if cr.lvl2 != nil {
		jc.RespFields = cr.lvl2.resp // header.response's walk of the map
	}
	probes.JournalClientResponse(cr.body.Req, cr.body.Via, cr.req, &jc, resp, hdrSize, err, now, resp == nil || !cr.hostHandedOff)
	if cr.span != nil {
		cr.span.ClientOutcome(resp, err)
		if cr.hostHandedOff {
			cr.spanOnBody = true // the body's end ends the span
		} else {
			cr.endSpan()
		}
	}
	if cr.flight != nil {
		gc.EndAt(cr.flight, now)
	}
	if cr.host != nil && !cr.hostHandedOff {
		cr.host.end()
	}
}

// journalConn is the connection as the journal's record gets it. A
// request the std hooks follow takes no lock: its connection was named
// on this goroutine (StdGotConn in roundTrip's getConn, h2Stream in
// Finish), and only there.
// It is written into c, which the journal takes by pointer: no copy.
func (cr *Request) journalConn(c *probes.ClientConn) {
	if cr.std {
		cr.journalConnLocked(c)
		return
	}
	cr.mu.Lock()
	cr.journalConnLocked(c)
	cr.mu.Unlock()
}

func (cr *Request) journalConnLocked(c *probes.ClientConn) {
	*c = cr.jc
	if cr.reqHS > 0 { // HTTP/1's, from the std patch
		c.HeaderSize = cr.reqHS
	}
}

// wrapBody wraps resp.Body (the body probe), whose end then ends the
// request: see BodyEnded. conn is the request's connection id.
func (cr *Request) wrapBody(resp *http.Response, now int64, conn uint64) {
	o := &cr.body.Origin // the body's state's own: see Request.body
	o.Conn, o.Method, o.URL = conn, cr.req.Method, cr.req.URL
	var pool *body.Pool
	if cr.host != nil {
		pool = &cr.host.Pool
	}
	if cr.span != nil {
		cr.body.SetOwnerEnds() // BodyEnded ends the span
	}
	cr.ends.Store(2) // StdEnd, and the body's release (BodyReleased)
	if body.WrapResponse(resp, &cr.body, o, cr, pool, cr.flight, now, cr.site) {
		cr.flight = nil // the body now ends the request
		cr.hostHandedOff = true
	}
}

// BodyEnded is body.Owner's: the response body's end ends the request
// for the host's reuse accounting, the journal and the OTLP span;
// released, the connection went back to the pool (ConnReleased).
// The usual body's EOF does the first two in body.StdRead itself (the
// host's body.Pool): BodyEnded runs for the others (a Close before EOF, a
// body collected, one whose span it ends).
func (cr *Request) BodyEnded(now, n int64, released bool) {
	h := cr.host
	if h != nil {
		h.end()
	}
	probes.JournalClientEnd(cr.body.Req, now, n)
	if released && h != nil {
		h.release(now)
	}
	if cr.spanOnBody {
		cr.endSpan()
	}
}

// ConnReleased is body.Owner's: the connection went back to the pool.
func (cr *Request) ConnReleased(now int64) {
	if cr.host != nil {
		cr.host.release(now)
	}
}

// ConnLost is body.Owner's: the connection will not be reused.
func (cr *Request) ConnLost(reason string) {
	if cr.host != nil {
		cr.host.lost(reason)
	}
}

// endSpan ends cr's OTLP span.
func (cr *Request) endSpan() {
	c := probes.ClientSpanEnd{Req: cr.req, Site: cr.body.Site, Via: cr.body.Via}
	cr.mu.Lock()
	c.Conn, c.Reused = cr.jc.StreamConn, cr.reused
	cr.mu.Unlock()
	probes.EndClientSpan(cr.span, &c)
}

// lightTTFB is dial.slow phase=ttfb without the full trace: the time from
// the connection (or the start, when GotConn was not seen: HTTP/2 with
// the std patch) to the response headers, the request's write included.
func (cr *Request) lightTTFB(now int64) {
	var got int64
	if cr.std {
		// StdGotConn set it on this goroutine (net/http's getConn, in
		// roundTrip): no other writes it.
		got = cr.jc.At
	} else {
		got = cr.lockedGotConn()
	}
	if got == 0 {
		got = cr.start
	}
	if d := time.Duration(now - got); d > probes.SlowTTFB() && probes.Level(probes.Dial) >= 1 {
		cr.slowTTFB(d)
	}
}

func (cr *Request) lockedGotConn() int64 {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	return cr.jc.At
}

// slowTTFB is dial.slow phase=ttfb, unless StdFirstByte reported it (a
// request with level-2 state whose first byte it timed).
//
//go:noinline
func (cr *Request) slowTTFB(d time.Duration) {
	if cr.lvl2 != nil && cr.timedFirstByte() {
		return
	}
	cr.slow("ttfb", d, probes.SlowTTFB(), cr.url())
}

func (cr *Request) failed(err error) {
	msg := err.Error()
	if strings.Contains(msg, "server response headers exceeded") && probes.Level(probes.Header) >= 1 {
		var e probes.Event
		cr.fill(&e, probes.Header, probes.Error, "header.limit", "response headers over the client's limit: the request failed")
		e.AddInt(probes.KeyLimit, cr.maxResponseHeaderBytes())
		e.AddString(probes.KeyLimitName, "MaxResponseHeaderBytes")
		e.AddString(probes.KeyURL, cr.url())
		e.AddString(probes.KeyErr, msg)
		probes.Emit(&e)
		return
	}
	if probes.Level(probes.Dial) < 1 {
		return
	}
	cr.mu.Lock()
	reused, wasIdle, idle := cr.reused, cr.wasIdle, cr.idleTime
	if wasIdle && idle == 0 && !cr.idleAt.IsZero() {
		if d := cr.jc.At - probes.MonoAt(cr.idleAt); d > 0 { // it may have gone idle after the start
			idle = time.Duration(d)
		}
	}
	cr.mu.Unlock()
	text := "request failed"
	if reused && wasIdle {
		text = fmt.Sprintf("request failed on a reused connection that had been idle for %v (the server may have closed it)", idle)
	}
	var e probes.Event
	cr.fill(&e, probes.Dial, probes.Error, "dial.error", text)
	e.AddString(probes.KeyErr, msg)
	e.AddBool(probes.KeyReused, reused)
	e.AddBool(probes.KeyWasIdle, wasIdle)
	e.AddDuration(probes.KeyIdleTime, idle)
	e.AddString(probes.KeyURL, cr.url())
	probes.Emit(&e)
}

func (cr *Request) maxResponseHeaderBytes() int64 {
	if cr.t != nil && cr.t.MaxResponseHeaderBytes > 0 {
		return cr.t.MaxResponseHeaderBytes
	}
	return 10 << 20 // net/http's default
}

// response checks the response's header block against the client's
// limit and returns its size (-1 when the header probe is off and the
// std patch did not count it): the journal records it too, and need not
// measure it again. now (Mono) is when the response's header arrived (0:
// not read yet).
func (cr *Request) response(resp *http.Response, now int64) int {
	if probes.Level(probes.Header) < 1 {
		return int(cr.respHS) - 1 // HTTP/1, from the std patch
	}
	size := int(cr.respHS) - 1 // HTTP/1's, from the std patch
	cr.checkResponse(resp, &size, now)
	return size
}

// checkResponse is response with the header probe on; *hdrSize is the
// header block's size, -1 when not known yet (set here). now (Mono) is when the
// response's header arrived, the clock read here when 0: header.response
// takes it (level 2), and checkResponse returns it, for the step's other
// uses (StdEnd).
//
//go:noinline
func (cr *Request) checkResponse(resp *http.Response, hdrSize *int, now int64) int64 {
	if now == 0 {
		now = probes.Mono()
	}
	size := *hdrSize
	if size < 0 {
		size = stdHeaderSize(resp)
		*hdrSize = size
	}
	if probes.Level(probes.Header) >= 2 {
		cr.emitResponseHeaders(resp, size, now)
		if l := cr.lvl2; l != nil {
			cr.jc.RespFields = l.resp // the journal's, as the event took them (StdEnd)
		}
	}
	if limit := cr.maxResponseHeaderBytes(); int64(size)*10 >= limit*9 {
		cr.emitResponseLimit(size, limit)
	}
	return now
}

// stdHeaderSize returns the size of an HTTP/2 response's header block as
// net/http decoded it (the std patch's GohttpdbgHeaderSizes on its body),
// else the size summed from its header map.
func stdHeaderSize(resp *http.Response) int {
	if resp.ProtoMajor == 2 {
		if b, ok := resp.Body.(interface{ GohttpdbgHeaderSizes() (int, int) }); ok {
			if _, n := b.GohttpdbgHeaderSizes(); n > 0 {
				return n
			}
		}
	}
	return probes.ResponseHeaderSize(resp)
}

// The events of the per-request paths are built out of line, as the body
// probe's are (see emitReadAfterClose): an Event is hundreds of bytes of
// stack.

// header.response is built in the ring, as header.request: its header's
// fields go into the slot's buffer, not a slice of their own.
//
// now (Mono) is the reading the response's timing takes, the event's too.
//
//go:noinline
func (cr *Request) emitResponseHeaders(resp *http.Response, size int, now int64) {
	url := cr.url()
	var conn uint64
	if cr.std && resp.ProtoMajor == 1 {
		// Named by StdGotConn in roundTrip's getConn, on this goroutine
		// alone (see journalConn): no lock.
		conn = cr.jc.StreamConn
	} else {
		conn = cr.connID()
	}
	e, t := probes.Reserve()
	if e == nil {
		return
	}
	cr.fillConn(e, probes.Header, probes.Info, "header.response", "client received response headers", conn)
	e.Time = probes.TimeAt(now)
	e.AddInt(probes.KeyStatus, int64(resp.StatusCode))
	e.AddString(probes.KeyProto, resp.Proto)
	e.AddInt(probes.KeySize, int64(size))
	if l := cr.lvl2; l != nil && l.resp != nil {
		l.resp = e.AddHeaderKeep(probes.KeyHeaders, resp.Header, l.resp[:0]) // the journal's too
	} else {
		e.AddHeader(probes.KeyHeaders, resp.Header)
	}
	e.AddString(probes.KeyURL, url)
	probes.Publish(t) // a plain call: see firstByteSlot
}

//go:noinline
func (cr *Request) emitResponseLimit(size int, limit int64) {
	var e probes.Event
	cr.fill(&e, probes.Header, probes.Warn, "header.limit",
		fmt.Sprintf("response headers of %d bytes are %d%% of the client's MaxResponseHeaderBytes", size, int64(size)*100/limit))
	e.AddInt(probes.KeySize, int64(size))
	e.AddInt(probes.KeyLimit, limit)
	e.AddString(probes.KeyLimitName, "MaxResponseHeaderBytes")
	e.AddString(probes.KeyURL, cr.url())
	probes.Emit(&e)
}
