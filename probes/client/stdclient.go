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
	"unsafe"

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

// With the std patch's event hooks (GetConn, WroteRequest, FirstByte:
// HTTP/1 alone), an HTTP/1 request at level 2 needs no trace either: its
// wait for a connection, its write and its response's first byte come
// from net/http's own transportRequest as its connection does, and so do
// header.request's fields (StdWriteFields, StdWroteFields); only a
// request carrying the program's own trace takes a trace for them
// (StdWriteTrace).
var stdEvents atomic.Bool

// UseStdEvents is called by the build's wiring when the patched net/http
// calls StdGetConn, StdWrote and StdFirstByte.
func UseStdEvents() { stdEvents.Store(true) }

// UseStdEventsWord is called by the build's wiring with the patched
// net/http's EventsOn: its HTTP/1 client calls StdGetConn, StdWrote,
// StdFirstByte and StdWriteTrace only while it is set, which the probes
// keep so while the dial or header probe is at level 2 (a request can
// then have level-2 state, lvl2). A level-1 request then makes no call
// for them; a switch to level 2 at run time sets it before the next
// request starts.
func UseStdEventsWord(on *atomic.Bool) {
	set := func() {
		// Under a lock: of two settings at once, the last to set the word
		// reads both levels after both changed.
		eventsWordMu.Lock()
		on.Store(probes.Level(probes.Dial) >= 2 || probes.Level(probes.Header) >= 2)
		eventsWordMu.Unlock()
	}
	probes.OnLevel(probes.Dial, set)
	probes.OnLevel(probes.Header, set)
}

var eventsWordMu sync.Mutex

// stdTimes is what the std event hooks keep for a request's level-2
// events (guarded by the request's mu). It is allocated at level 2
// alone: the level-1 request state stays as small.
type stdTimes struct {
	getConn, wrote int64 // mono
	// hdrAt is header.request's reading (mono), 0 once taken: the write
	// of a request without a body ends with its header, in the same
	// step, and takes it as wrote's (wroteAt).
	hdrAt int64
	// asked: the request asked for a connection (StdGetConn) before.
	asked bool
	// firstByte: StdFirstByte ran, and timed the response (dial.slow
	// phase=ttfb). It may not have, for a request under way while the
	// level went from 2 to 1 (EventsOn): Finish then times it.
	firstByte bool
	// headers: header.request's fields come from the write
	// (StdWriteFields, or StdWriteTrace's trace), collected in hdr (the
	// event packing them measures their wire size).
	headers bool
	hdr     []string
	// resp: header.response's fields, as its event took them from the
	// map (in respBuf, at header level 2), for the journal's record
	// (ClientConn.RespFields). Only the request's goroutine (Finish)
	// touches it.
	resp []probes.HeaderField
}

// takeHdrAt returns header.request's reading for the write of req that
// just ended, when req has no body (its write ended with the header, in
// the step the reading was taken in), else 0; under cr.mu.
func (t *stdTimes) takeHdrAt(req *http.Request) int64 {
	at := t.hdrAt
	if at == 0 {
		return 0
	}
	t.hdrAt = 0
	if b := req.Body; req.ContentLength != 0 || b != nil && b != http.NoBody {
		return 0
	}
	return at
}

// stdTimesHdr is stdTimes with room for a request's usual header fields,
// at header level 2.
type stdTimesHdr struct {
	t       stdTimes
	buf     [16]string
	respBuf [8]probes.HeaderField
	h2      h2Stream // the first HTTP/2 stream's state (StdH2Stream)
}

// stdEventsFor says whether the std hooks see every level-2 event of cr,
// which will probably not dial unless dialLikely: an HTTP/1 request, or
// an HTTP/2 one to a host whose streams report to the std hooks (stdH2).
// The plain http scheme is HTTP/1 unless the Transport speaks HTTP/2
// without TLS (Protocols, which only the program sets). Over TLS the
// protocol is negotiated per connection: a request to a host that has
// answered over HTTP/1 alone and that will probably reuse one of its
// connections is HTTP/1. The Transport's other HTTP/2 settings are not read here: net/http
// sets them on its first request, which may run concurrently.
func (cr *Request) stdEventsFor(dialLikely bool) bool {
	if !stdEvents.Load() {
		return false
	}
	switch cr.req.URL.Scheme {
	case "http":
		if cr.t == nil || cr.t.Protocols == nil || !cr.t.Protocols.UnencryptedHTTP2() {
			return true
		}
		return !dialLikely && cr.stdH2()
	case "https":
		return !dialLikely && cr.host != nil && (!cr.host.h2.Load() || cr.stdH2())
	}
	return false
}

// stdH2 says whether the std hooks see every level-2 event of cr, sent
// over HTTP/2: its host's streams have reported to the std patch's HTTP/2
// event hooks (StdH2State), which the HTTP/2 implementation its
// Transport uses (net/http's, or an x/net one the program configured)
// may not call.
func (cr *Request) stdH2() bool {
	return stdH2.Load() && stdWrite.Load() && cr.host != nil && cr.host.h2Std.Load()
}

// stdLevel2 sets up cr, followed by the std hooks, for its level-2
// events: a trace with the header hooks alone at header level 2.
func (cr *Request) stdLevel2(hl int32) {
	// A reused state's level-2 state, zeroed (reuse), else a new one the
	// state keeps for its next level-2 request: no allocation then.
	h := cr.lvl2h
	if h == nil {
		h = &stdTimesHdr{}
		cr.lvl2h = h
	}
	cr.lvl2 = &h.t
	if hl < 2 {
		return
	}
	h.t.resp = h.respBuf[:0]
	if stdWrite.Load() {
		h.t.headers, h.t.hdr = true, h.buf[:0]
		return
	}
	cr.full = &fullTrace{}
	t := &cr.full.trace
	t.WroteHeaderField, t.WroteHeaders = cr.traceWroteHeaderField, cr.traceWroteHeaders
	cr.req = cr.req.WithContext(httptrace.WithClientTrace(cr.req.Context(), t))
}

// stdEventsOf returns the request of state when the std event hooks
// follow it, else nil.
func stdEventsOf(state unsafe.Pointer) *Request {
	cr := (*Request)(state)
	if cr == nil || cr.lvl2 == nil {
		return nil
	}
	return cr
}

// StdGetConn is the std patch's GetConn hook: the request asks for a
// connection (dial.conn's wait). Its first ask comes in the same step as
// its start (roundTrip's, StdStart's reading), with nothing between that
// waits: the wait is timed from the start then, with no clock reading of
// its own. A retry's ask reads the clock.
func StdGetConn(state unsafe.Pointer) {
	if cr := stdEventsOf(state); cr != nil && probes.Level(probes.Dial) >= 2 {
		cr.mu.Lock()
		if !cr.lvl2.asked {
			cr.lvl2.getConn, cr.lvl2.asked = cr.start, true
		} else {
			cr.lvl2.getConn = probes.Mono()
		}
		cr.mu.Unlock()
	}
}

// StdWrote is the std patch's WroteRequest hook.
func StdWrote(state unsafe.Pointer) {
	if cr := stdEventsOf(state); cr != nil {
		cr.wroteAt(&cr.lvl2.wrote, cr.lvl2)
	}
}

// StdFirstByte is the std patch's FirstByte hook.
func StdFirstByte(state unsafe.Pointer) {
	if cr := stdEventsOf(state); cr != nil {
		cr.firstByte(&cr.lvl2.wrote, &cr.lvl2.firstByte)
	}
}

// timedFirstByte: StdFirstByte timed cr's response (cr.lvl2 not nil).
func (cr *Request) timedFirstByte() bool {
	cr.mu.Lock()
	timed := cr.lvl2.firstByte
	cr.mu.Unlock()
	return timed
}

var stdWrite atomic.Bool

// UseStdWrite is called by the build's wiring when the patched net/http
// calls StdWriteTrace.
func UseStdWrite() { stdWrite.Store(true) }

// hdrTrace is the trace net/http reports one request's header fields to
// while it writes them (StdWriteTrace). It is pooled: its hooks are bound
// to it once, and it goes back to the pool when the fields are written.
type hdrTrace struct {
	cr    *Request
	trace httptrace.ClientTrace
}

var hdrTraces sync.Pool // of *hdrTrace

func init() {
	hdrTraces.New = func() any { // set here: done puts it back
		h := &hdrTrace{}
		h.trace.WroteHeaderField, h.trace.WroteHeaders = h.field, h.done
		return h
	}
}

func (h *hdrTrace) field(k string, vs []string) {
	cr := h.cr
	if cr == nil || probes.Level(probes.Header) < 2 {
		return
	}
	cr.mu.Lock()
	t := cr.lvl2
	if t.hdr == nil {
		t.hdr = make([]string, 0, 16) // a retry's: the event keeps the first ones
	}
	t.hdr = appendFields(t.hdr, k, vs)
	cr.mu.Unlock()
}

func (h *hdrTrace) done() {
	cr := h.cr
	h.cr = nil
	hdrTraces.Put(h) // net/http reports no more fields to it
	if cr == nil || probes.Level(probes.Header) < 2 {
		return
	}
	cr.emitCollectedHeaders()
}

// emitCollectedHeaders reports header.request with the fields its write
// reported (HTTP/1's trace; HTTP/2's stream appends them itself).
func (cr *Request) emitCollectedHeaders() {
	cr.mu.Lock()
	fields := cr.lvl2.hdr
	// The event keeps fields: a retry's are collected in a new slice.
	cr.lvl2.hdr = nil
	conn := cr.jc.StreamConn // connID's, under the same lock
	now := probes.Mono()
	cr.lvl2.hdrAt = now
	cr.mu.Unlock()
	cr.emitHeaderRequest(fields, conn, now)
}

// StdWriteTrace is the std patch's WriteTrace hook: the trace an HTTP/1
// request's write reports its header fields to, for header.request, when
// the std hooks follow it at header level 2; nil otherwise (the write
// then reports to the program's own trace, own, as without the probes).
// The program's trace, if any, is called too: the returned trace is then
// a composition of the two, made for this write.
func StdWriteTrace(state unsafe.Pointer, own *httptrace.ClientTrace) *httptrace.ClientTrace {
	cr := stdEventsOf(state)
	if cr == nil || !cr.lvl2.headers || probes.Level(probes.Header) < 2 {
		return nil
	}
	h := hdrTraces.Get().(*hdrTrace)
	h.cr = cr
	if own == nil {
		return &h.trace
	}
	t := *own
	ownField, ownDone := own.WroteHeaderField, own.WroteHeaders
	t.WroteHeaderField = func(k string, vs []string) {
		h.field(k, vs)
		if ownField != nil {
			ownField(k, vs)
		}
	}
	t.WroteHeaders = func() {
		h.done()
		if ownDone != nil {
			ownDone()
		}
	}
	return &t
}

// StdWriteFields is the std patch's WriteFields hook: the slice an HTTP/1
// request's write with no trace of the program's own appends its header
// fields to, for header.request (StdWroteFields), when the std hooks
// follow it at header level 2; nil otherwise. No trace then: net/http
// would build a []string a field for its WroteHeaderField.
func StdWriteFields(state unsafe.Pointer) []string {
	cr := stdEventsOf(state)
	if cr == nil || !cr.lvl2.headers || probes.Level(probes.Header) < 2 {
		return nil
	}
	cr.mu.Lock()
	f := cr.lvl2.hdr
	if f == nil {
		f = make([]string, 0, 16) // a retry's: the event keeps the first ones
	}
	cr.mu.Unlock()
	return f[:0]
}

// StdWroteFields is the std patch's WroteFields hook: the fields
// StdWriteFields's slice received, written; header.request keeps them.
func StdWroteFields(state unsafe.Pointer, fields []string) {
	cr := stdEventsOf(state)
	if cr == nil || probes.Level(probes.Header) < 2 {
		return
	}
	cr.mu.Lock()
	cr.lvl2.hdr = nil        // the event keeps fields
	conn := cr.jc.StreamConn // connID's, under the same lock
	now := probes.Mono()
	cr.lvl2.hdrAt = now
	cr.mu.Unlock()
	cr.emitHeaderRequest(fields, conn, now)
}

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
// a request StdStart followed without a trace. state is StdStart's;
// entry, the connection's word for its registry entry.
//
// Its common case, a level-1 request the std hooks follow that net/http
// handed a kept idle connection at once (getConn would have called
// StdDialFor before waiting), is written out here, not in a function of
// its own: a call costs a cold cache line on every request. It got the
// connection within a few hundred nanoseconds of its start, which then
// times it (the journal's blocked phase is 0) with no clock reading; a
// request that waited for the pool, or dialed, reads the clock
// (gotConnAt), and so does level 2, for dial.conn's wait. Nothing to
// dial, no events: the request's connection is named, on its own
// goroutine, where the others that read it under mu come later (the
// write, the response, the body) or are the request's own (Finish): no
// lock.
func StdGotConn(state unsafe.Pointer, conn net.Conn, reused bool, idleAt time.Time, entry *unsafe.Pointer) {
	cr := (*Request)(state)
	if cr == nil || !cr.std {
		return // traced: its trace's GotConn reports the connection
	}
	if !reused || cr.waited || entry == nil || !dialForSeen.Load() {
		cr.gotConnAt(httptrace.GotConnInfo{Conn: conn, Reused: reused}, idleAt, entry)
		return
	}
	if probes.Level(probes.Dial) >= 2 {
		cr.gotReusedLevel2(conn, idleAt, entry)
		return
	}
	got := cr.start
	ce := probes.KeptConnEntry(entry) // ClientConnEntry's usual case: no call
	if ce == nil {
		ce = probes.ClientConnEntry(conn, entry)
	}
	// Its pointers (idleAt's location, the entry) in one run of stores:
	// one write-barrier check.
	cr.reused, cr.wasIdle, cr.idleTime, cr.idleAt, cr.jc.At, cr.jc.Entry = true, !idleAt.IsZero(), 0, idleAt, got, ce
	cr.jc.Seen, cr.jc.Reused = true, true
	if ce != nil {
		cr.jc.StreamConn = ce.ID()
		ce.TurnAt(http.StateActive, true, got)
	}
	if h := cr.host; h != nil { // h.reused(), written out
		if !h.seen.Load() {
			h.seen.Store(true)
		}
		h.reuses.Add(1)
		h.TakeIdle()
	}
}

// gotReusedLevel2 is StdGotConn's common case at level 2: as level 1's
// (no lock, for the same reason), with the clock read for dial.conn (its
// time, wait and idle time), as gotConnAt would, without its general
// steps (a trace's entry look-up, a new connection's). Its dial.conn is
// built here, as emitConn's (connSlot), not in a call to it: its
// arguments and their spills, once a request.
//
//go:noinline
func (cr *Request) gotReusedLevel2(conn net.Conn, idleAt time.Time, entry *unsafe.Pointer) {
	got := probes.Mono()
	var idle time.Duration
	flags := byte(connReused | connAddrs)
	wasIdle := !idleAt.IsZero()
	if wasIdle {
		idle, flags = time.Duration(got-probes.MonoAt(idleAt)), flags|connWasIdle
	}
	ce := probes.KeptConnEntry(entry)
	if ce == nil {
		ce = probes.ClientConnEntry(conn, entry)
	}
	cr.reused, cr.wasIdle, cr.idleTime, cr.jc.At, cr.jc.Entry = true, wasIdle, idle, got, ce
	cr.jc.Seen, cr.jc.Reused = true, true
	var getConn int64
	if cr.lvl2 != nil {
		getConn = cr.lvl2.getConn
	}
	if ce == nil {
		info := httptrace.GotConnInfo{Conn: conn, Reused: true, WasIdle: wasIdle, IdleTime: idle}
		cr.emitConn(&info, nil, getConn, got)
	} else {
		id := ce.ID()
		cr.jc.StreamConn = id
		ce.TurnAt(http.StateActive, true, got)
		if getConn != 0 {
			flags |= connWaited
		}
		if e, t := probes.Reserve(); e != nil {
			cr.connSlot(e, id, flags, got, idle, got-getConn, ce.Local(), ce.Remote())
			probes.Publish(t) // a plain call: see firstByteSlot
		}
	}
	if cr.host != nil {
		cr.host.reused()
	}
}

// dialForSeen: net/http called StdDialFor once, so it has the DialFor
// hook, and calls it whenever getConn queues a request for a dial, which
// a request handed an idle connection at once never is (gotConnAt).
var dialForSeen atomic.Bool

// StdDialFor is the std patch's DialFor hook: a request followed with
// the std hooks (no trace of its own; state is StdStart's) is about to
// start a dial, and the
// dial's context gets the request as its owner, for StdDial. It runs only
// on that path, so the allocation is a dial's, not every request's.
func StdDialFor(ctx context.Context, state unsafe.Pointer) context.Context {
	cr := (*Request)(state)
	if cr == nil {
		return ctx // not followed
	}
	if !dialForSeen.Load() {
		dialForSeen.Store(true)
	}
	cr.waited = true
	if !cr.std || probes.Level(probes.Dial) < 1 {
		return ctx // its trace's context already names it
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
	d := owner // a traced owner times its dial itself
	if owner == nil || owner.full == nil {
		if lvl != 1 && (owner == nil || !owner.std) {
			return ctx
		}
		h := stdHost(t, scheme, addr)
		d = &Request{start: probes.Mono(), t: t, host: h, full: &fullTrace{},
			req: &http.Request{Method: "CONNECT", URL: &url.URL{Scheme: scheme, Host: addr}}}
		// Its own state is the request's goroutine's: d times the dial under
		// its name. An owner is kept from reuse (dialOwner); the latest
		// request's is not, hence its copies in the host state.
		if owner != nil {
			d.body.Site, d.body.Req, d.body.Via = owner.body.Site, owner.body.Req, owner.body.Via
		} else if p := h.lastSite.Load(); p != nil {
			d.body.Site, d.body.Req = p.Site, h.lastReq.Load()
		}
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
// method, which also hands over the connection's word for its registry
// entry. Nothing else names the stream; and net/http reports an HTTP/2
// connection to neither the std hooks nor, on a connection it dialed
// itself, a trace's GotConn: the request is then counted on its
// connection and host here. The first stream of a connection (1: a
// client's streams are odd, from 1) is the request that had it dialed,
// so "new"; later streams reuse it, as the journal records. The size
// of the request's header block as the stream encoded it comes with the
// body too (GohttpdbgHeaderSizes), as on StdEnd's usual path.
func (cr *Request) h2Stream(resp *http.Response) {
	b, ok := resp.Body.(interface {
		GohttpdbgStream() (net.Conn, uint32, *unsafe.Pointer)
	})
	if !ok {
		return
	}
	c, stream, entry := b.GohttpdbgStream()
	var ce *probes.ConnEntry
	if entry != nil {
		ce = probes.ClientConnEntry(c, entry) // the connection keeps it: no lookup
	} else {
		ce = probes.ConnFor(c, "client")
	}
	if ce != nil {
		// Its turns to active tell nothing of an HTTP/2 connection's
		// requests: its responses do (and override those turns).
		ce.CountRequest()
	}
	reused := stream != 1 // stream 1 is the request its connection was dialed for
	// The request's header block as its stream encoded it, as StdEnd's
	// usual path takes it (0: unknown, the journal sums it).
	reqHS := int32(0)
	if s, ok := resp.Body.(interface{ GohttpdbgHeaderSizes() (int, int) }); ok && probes.Level(probes.Header) >= 1 {
		n, _ := s.GohttpdbgHeaderSizes()
		reqHS = int32(n)
	}
	cr.mu.Lock()
	cr.jc.HeaderSize = reqHS
	gotConn := cr.jc.At != 0
	if !gotConn || cr.jc.StreamConn == 0 {
		cr.jc.StreamConn = ce.ID()
	}
	if !gotConn {
		cr.reused = reused
		cr.jc.Seen, cr.jc.Entry, cr.jc.Reused = true, ce, reused
	}
	cr.jc.Stream = stream
	cr.mu.Unlock()
	if !gotConn && cr.host != nil {
		if reused {
			cr.host.reused()
		} else {
			cr.newConn(c, probes.Level(probes.Dial))
		}
	}
}
