package body

import (
	"io"
	"net/http"
	"net/url"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/gc"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/table"
)

// The body probe follows a client's Response.Body and a server handler's
// Request.Body: it counts bytes, notices EOF and Close, and keeps an entry
// in the open-body inventory until the body is closed (client) or its
// handler returns (server). A client body that is garbage-collected
// without Close is reported by a finalizer. net/http's own client bodies,
// with the std patch, report to the probes themselves (StdRead, StdClose,
// StdGone); other bodies are wrapped (trackedBody).

// Info describes an open body (/v1/bodies).
type Info struct {
	ID     uint64
	Side   string // "client" (a response body) or "server" (a request body)
	Site   string
	Req    uint64
	Conn   uint64
	URL    string // redacted
	Opened time.Time
	Age    time.Duration
	Bytes  int64
	EOF    bool
}

// Origin is what a body's events say of the request it belongs to.
type Origin struct {
	Site      string
	Via       string // the library frame, for a request made in a library
	Req, Conn uint64
	Method    string
	URL       *url.URL // rendered (redacted) only when an event needs it
	Line      string   // the request line, when it was rendered up front
}

// Owner is the client request a response body belongs to: the body tells
// it when the request is over and what became of its connection.
type Owner interface {
	// BodyEnded: the body reached EOF, was closed or was collected, n
	// bytes read; it runs once. released: the body's end is its EOF, at
	// which net/http put its HTTP/1 connection back in its idle pool (as
	// ConnReleased: one call where EOF would make two).
	BodyEnded(now, n int64, released bool)
	// ConnReleased: net/http put the body's HTTP/1 connection back in its
	// idle pool (EOF), after the body's end (a Read after Close).
	ConnReleased(now int64)
	// ConnLost: the body's HTTP/1 connection will not be reused, for
	// reason.
	ConnLost(reason string)
	// BodyReleased: net/http's body, closed, hands the state back and
	// will not pass it to the probes again (StdReleased): the owner may
	// reuse it. Part of Owner, not an interface of its own, so that every
	// response does not pay a type assertion for it.
	BodyReleased()
}

// Pool is what a client's host keeps of its connection pool that the
// ends of its response bodies update (the client probe's host state
// embeds it). The usual body's EOF updates it in StdRead, written out:
// a call to its owner for it would cost cold cache lines on every
// response. Its counts are estimates (see the client probe's hosts).
type Pool struct {
	Active      atomic.Int32 // requests in flight to the host
	Idle        atomic.Int32 // connections believed idle in the pool
	LastRelease atomic.Int64 // mono: last time one went back to the pool
	MaxIdle     int32
	KeepAlive   bool
	IdleTimeout time.Duration
	// PoolFull is the reason given when the idle pool overflowed
	// (Owner.ConnLost).
	PoolFull string
}

// End: a request to the pool's host is over.
func (p *Pool) End() { decPositive(&p.Active) }

// TakeIdle: a request got one of the pool's idle connections.
func (p *Pool) TakeIdle() { decPositive(&p.Idle) }

// decPositive decrements n unless it is 0.
func decPositive(n *atomic.Int32) {
	for !decOnce(n) {
	}
}

// decOnce is decPositive's one try, without a loop (StdRead's End):
// false when n changed under it.
func decOnce(n *atomic.Int32) bool {
	v := n.Load()
	return v <= 0 || n.CompareAndSwap(v, v-1)
}

// endRetry is End after decOnce's try failed, out of line.
//
//go:noinline
func (p *Pool) endRetry() { p.End() }

// Release: a connection went back to the idle pool. It reports false
// when the pool was full, so that net/http closed one.
func (p *Pool) Release(now int64) bool { return p.releaseFirst(now) || p.releaseRetry() }

// releaseFirst is Release's first try, without a loop (StdRead): false
// when the pool was full or its count changed under it, and the caller
// calls releaseRetry to tell which.
func (p *Pool) releaseFirst(now int64) bool {
	if !p.KeepAlive {
		return true
	}
	if p.IdleTimeout > 0 { // only an expiry reads it
		p.LastRelease.Store(now)
	}
	v := p.Idle.Load()
	return v < p.MaxIdle && p.Idle.CompareAndSwap(v, v+1)
}

// releaseRetry is Release after releaseFirst: false when the pool is
// full.
func (p *Pool) releaseRetry() bool {
	for v := p.Idle.Load(); v < p.MaxIdle; v = p.Idle.Load() {
		if p.Idle.CompareAndSwap(v, v+1) {
			return true
		}
	}
	return false
}

// State is a body's state. It lives in the request that owns the body
// (the client or server probe's), so following a body allocates only its
// wrapper; the registry points there, never at the wrapper, so the
// wrapper can be collected.
type State struct {
	// Origin is set when the body is wrapped and not changed while the
	// body is in the registry (Open reads it).
	Origin
	id        uint64
	server    bool
	opened    int64 // mono
	length    int64 // Content-Length, -1 unknown
	http1     bool
	connClose bool  // the response said Connection: close
	owner     Owner // the client request; nil for a server's request body
	// pool is the owner's connection pool (ReportHeld), nil for a
	// server's. With a pool, EOF ends the request in StdRead itself
	// (Pool.End, probes.JournalClientEnd, Pool.Release), unless ownerEnds:
	// the owner's BodyEnded has more to do (SetOwnerEnds).
	pool       *Pool
	ownerEnds  bool
	flight     *gc.Flight // the gc probe's record of the request; nil when it is off
	bytes      atomic.Int64
	eof        atomic.Bool
	closed     atomic.Bool // Close called (client) or handler returned (server)
	userClosed atomic.Bool // Close called
	racWarned  atomic.Bool
	heldWarned atomic.Bool // body.held reported
	flightDone atomic.Bool
	slot       int  // in bodies
	capture    bool // a capture rule keeps the body (probes.JournalBody)
	// released: net/http's body hands the state back (StdReleased) once
	// closed and no call holds it; it reports a later Read itself.
	released bool
	// answerPCs: a server request body followed by net/http itself
	// (WatchRequest) whose handler answered with it unread: the handler's
	// stack then (StdAnswered).
	answerPCs []uintptr
	// spare is the leak sentinel a std body gave back at its Close
	// (StdClose), with a nil st, kept for the state's next body: the state
	// is reused by its owner (a pooled client request) with it, and the
	// sentinel is not taken from and put back in a pool that the closing
	// goroutine (net/http's read loop, often) and the next request's do
	// not share. It references nothing, so it forms no cycle with the state.
	spare *leakSentinel
	// std is the body WatchRequest follows, nil for any other.
	std StdRequestBody
}

// SetOwnerEnds makes the owner's BodyEnded end the request at EOF too,
// for an owner that has more to do then than a Pool's accounting and the
// journal's end (a span to end). Called before WrapResponse.
func (st *State) SetOwnerEnds() { st.ownerEnds = true }

// Spare returns st's spare leak sentinel, for a state being reset
// (KeepSpare): an owner that zeroes a state it reuses keeps it.
func (st *State) Spare() *leakSentinel { return st.spare }

// KeepSpare gives st, a reset state, the spare sentinel s (Spare).
func (st *State) KeepSpare(s *leakSentinel) { st.spare = s }

// done ends the request for the gc probe and for its owner; it
// runs once, at EOF, Close or collection.
func (st *State) done(now int64) {
	if !st.flightDone.CompareAndSwap(false, true) {
		return
	}
	if st.flight != nil {
		gc.EndAt(st.flight, now)
	}
	if st.owner != nil {
		st.owner.BodyEnded(now, st.bytes.Load(), false)
	}
}

type trackedBody struct {
	rc io.ReadCloser
	st *State
	// sentinel carries the leak finalizer when b itself cannot (see
	// WrapResponse); nil when the finalizer is on b.
	sentinel *leakSentinel
}

// leakSentinel is referenced by its body wrapper alone, and references
// only the body's state: it becomes unreachable with the wrapper, and is
// never part of a cycle, so its finalizer runs where the wrapper's could
// not.
type leakSentinel struct{ st *State }

func sentinelFinalized(s *leakSentinel) {
	if s.st != nil { // nil: a pooled sentinel the pool dropped
		bodyCollected(s.st)
	}
}

var (
	bodies  table.Registry[State] // the open bodies (/v1/bodies)
	bodyIDs atomic.Uint64
	// inspecting counts the walks of bodies under way (Open, ReportHeld):
	// a walk may hold a state that left the registry, which is then not
	// reused (StdReleased). Counted before a walk loads a slot, read after
	// a state left it: a walk not counted yet cannot find that state.
	inspecting atomic.Int32
)

// register and unregister are not inlined (the registry's
// compare-and-swap is a call, and its rare case another): the hooks that
// run on every request write out their usual cases (table.Registry's
// TryAdd and RemoveSlot), and call these only for the others.
func (st *State) register() { st.slot = bodies.Add(st, st.id) }

func (st *State) unregister() { bodies.Remove(st, st.slot) }

// Open returns the bodies currently open, oldest first.
func Open() []Info {
	now := probes.Mono()
	var out []Info
	inspecting.Add(1)
	defer inspecting.Add(-1)
	bodies.Each(func(st *State) {
		side := "client"
		if st.server {
			side = "server"
		}
		out = append(out, Info{ID: st.id, Side: side, Site: st.Site, Req: st.Req, Conn: st.Conn,
			URL: st.url(), Opened: probes.WallAt(st.opened), Age: time.Duration(now - st.opened), Bytes: st.bytes.Load(), EOF: st.eof.Load()})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (st *State) url() string { return probes.RenderedLine(st.Line, st.Method, st.URL) }

// fill sets the fields of e, a zero Event, that every event of st shares.
// Events are filled in place, not returned: see AddString.
func (st *State) fill(e *probes.Event, sev probes.Sev, name, msg string) {
	e.Probe, e.Sev, e.Name, e.Site, e.Conn, e.Req, e.Msg = probes.Body, sev, name, st.Site, st.Conn, st.Req, msg
	if st.Via != "" {
		e.AddString(probes.KeyVia, st.Via)
	}
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	StdRead(unsafe.Pointer(b.st), p[:n], err)
	return n, err
}

// eofWords are io.EOF's two words. io.EOF holds a pointer: an error is
// io.EOF exactly when its words are these, which compares without the
// runtime call (ifaceeq) that err == io.EOF makes.
var eofWords = *(*[2]unsafe.Pointer)(unsafe.Pointer(&io.EOF))

func isEOF(err error) bool {
	w := (*[2]unsafe.Pointer)(unsafe.Pointer(&err))
	return w[0] == eofWords[0] && w[1] == eofWords[1] // not w == eofWords: a memequal call
}

// StdRead is the std patch's BodyRead hook, and a wrapped body's Read's
// (state is a *State, nil when not followed): it accounts for a read of
// the body that returned p and err. It runs on every Read of every body
// followed, and a JSON decoder or io.Copy reads a body in several: a
// server's request body (no owner, no gc flight) reads no clock. The hook
// itself, not a function it calls: every call of its own costs a cold
// cache line on every request.
func StdRead(state unsafe.Pointer, p []byte, err error) {
	st := (*State)(state)
	if st == nil {
		return
	}
	if st.userClosed.Load() && !st.racWarned.Load() || st.capture && len(p) > 0 {
		// Out of line, and no way back here but a return: the compiler
		// places a rare block that rejoins the usual path between its
		// blocks.
		st.readRare(p, err)
		return
	}
	if len(p) > 0 {
		st.bytes.Add(int64(len(p)))
	}
	eof := isEOF(err)
	if st.owner == nil && st.flight == nil {
		// Nobody to tell of the end, nor of the time (a server's request
		// body): EOF is all there is to note.
		if eof && !st.eof.Load() {
			st.eof.Store(true)
		}
		return
	}
	var now int64 // one clock read serves the gc probe and the pool
	if st.flight != nil || eof {
		now = probes.Mono()
	}
	if st.flight != nil {
		st.flight.ReadEnd(now)
	}
	if !eof || !st.eof.CompareAndSwap(false, true) {
		return
	}
	// done, written out, for a body with a pool (a client's) whose owner
	// has nothing more to do at its end: the host's accounting and the
	// journal's end. net/http returns an HTTP/1 connection to the idle
	// pool at EOF, which the pool learns with the end. The rest is out of
	// line (eofOther).
	pl := st.pool
	if pl == nil || st.ownerEnds || !st.flightDone.CompareAndSwap(false, true) {
		st.eofOther(now)
		return
	}
	if st.flight != nil {
		gc.EndAt(st.flight, now)
	}
	// End and Release, their first tries alone (decOnce, releaseFirst): a loop
	// here would take the rare blocks pending so far before its head,
	// between usual blocks.
	if !decOnce(&pl.Active) {
		pl.endRetry()
	}
	// The connection back in the pool before the journal's call, and
	// only a branch after it: the code after a call that long runs from
	// cold cache lines.
	lost := st.http1 && (st.connClose || !pl.releaseFirst(now))
	probes.JournalClientEnd(st.Req, now, st.bytes.Load())
	if lost {
		st.eofLost(pl, now)
	}
}

// readRare is StdRead for the first Read after Close and for a read of
// a body a capture rule keeps: their steps, then StdRead's for the rest,
// with p counted (readAfterClose sets racWarned: StdRead does not come
// back).
//
//go:noinline
func (st *State) readRare(p []byte, err error) {
	if st.userClosed.Load() {
		st.readAfterClose()
	}
	if len(p) > 0 {
		st.bytes.Add(int64(len(p)))
		if st.capture {
			probes.JournalBody(st.Req, !st.server, p)
		}
	}
	StdRead(unsafe.Pointer(st), nil, err)
}

// eofLost: the HTTP/1 connection of a pool's body at EOF will not be
// reused: the server asked to close it, or it overflowed the pool. A
// pool's body has an owner.
//
//go:noinline
func (st *State) eofLost(p *Pool, now int64) {
	if st.connClose {
		st.eofConn(now)
	} else if !p.releaseRetry() {
		st.owner.ConnLost(p.PoolFull)
	}
}

// eofOther is StdRead's EOF for a body StdRead does not end itself: no
// pool, an owner that ends it (BodyEnded), or a body that ended before
// (closed, then read to EOF).
//
//go:noinline
func (st *State) eofOther(now int64) {
	released := st.owner != nil && st.http1 && !st.connClose
	if st.flightDone.CompareAndSwap(false, true) {
		// No pool, or an owner that ends the body: a pool's body its
		// owner leaves to it ended in StdRead, or before.
		if st.flight != nil {
			gc.EndAt(st.flight, now)
		}
		if st.owner != nil {
			st.owner.BodyEnded(now, st.bytes.Load(), released)
			released = false
		}
	}
	if released || st.owner != nil && st.http1 && st.connClose {
		st.eofConn(now)
	}
}

// readAfterClose reports the first Read after Close.
//
//go:noinline
func (st *State) readAfterClose() {
	if st.racWarned.CompareAndSwap(false, true) && probes.Level(probes.Body) >= 1 {
		st.emitReadAfterClose()
	}
}

// eofConn tells the owner what became of the connection at EOF when its
// end did not (the body had ended at Close: a Read after Close), or when
// the server asked to close it.
//
//go:noinline
func (st *State) eofConn(now int64) {
	if st.connClose {
		st.owner.ConnLost("the server sent Connection: close")
	} else {
		st.owner.ConnReleased(now)
	}
}

func (b *trackedBody) Close() error {
	if b.st.close() {
		// A closed body costs the collector nothing more.
		if b.sentinel != nil {
			runtime.SetFinalizer(b.sentinel, nil)
		} else {
			runtime.SetFinalizer(b, nil)
		}
	}
	return b.rc.Close()
}

// close accounts for a Close of the body, before the body's own; it
// reports whether it was a client body's first.
func (st *State) close() bool {
	st.userClosed.Store(true)
	if st.server || !st.closed.CompareAndSwap(false, true) {
		return false
	}
	st.unregister()
	if !st.flightDone.Load() { // read to EOF, the request already ended
		st.done(probes.Mono())
	}
	eof := st.eof.Load()
	lvl := probes.Level(probes.Body)
	if lvl >= 2 {
		st.emitClose(respClosed, eof)
	}
	if !eof && st.http1 {
		st.earlyClose(lvl)
	}
	return true
}

// With the std patch, net/http's own HTTP/1 response bodies (and HTTP/2's)
// carry the body's state and call the hooks below on Read and Close:
// resp.Body stays net/http's. The leak finalizer is on a sentinel the body
// keeps until its first Close, which hands it back for the next body, so
// following such a body allocates nothing and sets no finalizer once the
// pool is warm.

// stdBody is a net/http response body the std patch lets the probes follow
// (see GohttpdbgSetState in rewrite/stdpatch): keep is held by the body
// alone until its first Close hands it back.
type stdBody interface {
	GohttpdbgSetState(state, keep unsafe.Pointer)
}

// sentinels are the leak sentinels of std bodies, each made with its
// finalizer, which is never cleared: a sentinel back in the pool has a
// nil st, and its finalizer does nothing if the pool drops it. A leaked
// body's sentinel is not reused.
var sentinels = sync.Pool{New: func() any {
	s := new(leakSentinel)
	runtime.SetFinalizer(s, sentinelFinalized)
	return s
}}

// The std patch's body hooks get back the pointers WrapResponse gave the
// body, as unsafe.Pointer: net/http stores them in fields every response
// pays for, probes on or off, where an interface would take twice the
// bytes. state is a *State, keep a *leakSentinel, origin a
// *probes.CallSite, or nil.

// StdClose is the std patch's BodyClose hook; keep is the body's sentinel
// on its first Close, which nothing else references then. last: no call
// of the body holds state after this one, which hands it back (as
// StdReleased: the usual Close, no Read under way, ends with it).
func StdClose(state, keep unsafe.Pointer, last bool) {
	st := (*State)(state)
	if s := (*leakSentinel)(keep); s != nil {
		if st != nil && st.spare == nil {
			// For the state's next body: the owner reuses the state only
			// once it is handed back (below, or StdReleased). Both
			// pointers in one run of stores: one write-barrier check.
			s.st, st.spare = nil, s
		} else {
			s.st = nil
			sentinels.Put(s)
		}
	}
	if st == nil {
		return
	}
	// close, written out: a call of its own costs a cold cache line on
	// every request.
	st.userClosed.Store(true)
	if !st.server && st.closed.CompareAndSwap(false, true) {
		if st.slot >= 0 { // unregister's usual case
			bodies.RemoveSlot(st, st.slot)
		} else {
			st.unregister()
		}
		if !st.flightDone.Load() { // read to EOF, the request already ended
			st.doneNow()
		}
		if eof := st.eof.Load(); !eof && st.http1 || probes.Level(probes.Body) >= 2 {
			st.closeEvents(eof)
		}
	}
	// StdReleased, written out.
	if last && st.released && inspecting.Load() == 0 && st.owner != nil {
		st.owner.BodyReleased()
	}
}

// doneNow is done at the clock's time.
//
//go:noinline
func (st *State) doneNow() { st.done(probes.Mono()) }

// closeEvents reports a client body's first Close: body.close at level
// 2, body.early_close (and the connection's loss) before EOF.
//
//go:noinline
func (st *State) closeEvents(eof bool) {
	lvl := probes.Level(probes.Body)
	if lvl >= 2 {
		st.emitClose(respClosed, eof)
	}
	if !eof && st.http1 {
		st.earlyClose(lvl)
	}
}

// stdOriginBody is a net/http response body the std patch lets the probes
// follow (as stdBody) that can also report a Read after Close without the
// probes' state (see GohttpdbgSetOrigin in rewrite/stdpatch), and hands
// the state back once closed (StdReleased). Its origin is the request's
// site and library frame, interned (probes.InternSite): never reused, and
// nothing of it per request. GohttpdbgFollow sets the origin, then the
// state, in one call.
type stdOriginBody interface {
	GohttpdbgFollow(state, keep, origin unsafe.Pointer, req, conn uint64)
}

// originTabs tells a response body that is a stdOriginBody by its type
// word (WrapResponse, on every response).
var originTabs table.Itabs

// StdReleased is the std patch's BodyReleased hook: the closed body
// will not pass state to the probes again. Its owner may reuse it, unless
// a walk of the open bodies may still hold it.
func StdReleased(state unsafe.Pointer) {
	st := (*State)(state)
	if st == nil || !st.released || inspecting.Load() != 0 {
		return
	}
	if st.owner != nil {
		st.owner.BodyReleased()
	}
}

// StdReadAfterClose is the std patch's BodyReadAfterClose hook: the first
// Read after Close of a body whose state went back (StdReleased) or may.
func StdReadAfterClose(origin unsafe.Pointer, req, conn uint64) {
	o := (*probes.CallSite)(origin)
	if o == nil || probes.Level(probes.Body) < 1 {
		return
	}
	emitReadAfterCloseOf(o, req, conn)
}

//go:noinline
func emitReadAfterCloseOf(o *probes.CallSite, req, conn uint64) {
	var e probes.Event
	e.Probe, e.Sev, e.Name, e.Site, e.Conn, e.Req, e.Msg = probes.Body, probes.Warn, "body.read_after_close", o.Site, conn, req, "body read after Close"
	if o.Via != "" {
		e.AddString(probes.KeyVia, o.Via)
	}
	probes.Emit(&e)
}

// Released reports whether net/http's body hands st back once closed
// (StdReleased): its owner may then reuse it.
func (st *State) Released() bool { return st.released }

// heldAfter is how long a response body may stay open, neither read to
// EOF nor closed, before a new connection to its host reports it
// (body.held).
const heldAfter = time.Second

// ReportHeld runs when a client request to pool (the owner's host) had
// to dial a new connection: every HTTP/1 response body of that pool open for longer
// than heldAfter, unread to EOF and not closed, pins a connection the
// pool could have reused. It is reported once (body.held), before the
// collector finds it (body.leak) — which may be long: a leaked body is
// small, and the heap may not grow enough to trigger a collection.
func ReportHeld(pool *Pool) {
	now := probes.Mono()
	var held []*State
	inspecting.Add(1)
	defer inspecting.Add(-1)
	bodies.Each(func(st *State) {
		if !st.server && st.http1 && st.pool == pool && now-st.opened > int64(heldAfter) &&
			!st.eof.Load() && !st.closed.Load() && !st.heldWarned.Load() {
			held = append(held, st)
		}
	})
	for _, st := range held {
		if st.heldWarned.CompareAndSwap(false, true) {
			st.emitHeld(now)
		}
	}
}

//go:noinline
func (st *State) emitHeld(now int64) {
	var e probes.Event
	st.fill(&e, probes.Warn, "body.held", "response body open without Close or EOF while its host needed a new connection: it pins one (a leak, unless it is still being read)")
	e.AddDuration(probes.KeyAge, time.Duration(now-st.opened))
	e.AddInt(probes.KeyBytes, st.bytes.Load())
	e.AddString(probes.KeyURL, st.url())
	probes.Emit(&e)
}

// bodyFinalized is the finalizer of a client body wrapper: it reports a
// body.leak unless Close was called.
//
// A finalizer, not runtime.AddCleanup: AddCleanup allocates twice (a
// closure and its argument) on every response, SetFinalizer not at all,
// and is cheaper to set and to clear. What a finalizer costs in exchange
// is harmless here: b (and the body it wraps) lives one collection longer;
// b must be in no cycle, which holds for an HTTP/1 body of known length
// (others take a leakSentinel: see WrapResponse).
func bodyFinalized(b *trackedBody) { bodyCollected(b.st) }

// bodyCollected reports a client body garbage-collected without Close.
func bodyCollected(st *State) {
	if st.closed.Load() {
		return
	}
	st.unregister()
	eof := st.eof.Load()
	if !eof { // at EOF, Read has ended the request (done): no clock to read
		st.done(probes.Mono())
	}
	if !eof && st.http1 && st.owner != nil {
		st.owner.ConnLost("a response body was never closed at " + st.Site)
	}
	lvl := probes.Level(probes.Body)
	if lvl < 1 || eof && lvl < 2 {
		// Read to EOF, the body had released its connection: not closing
		// it then costs nothing, and is not a diagnostic.
		return
	}
	msg, sev := "response body garbage-collected without Close: its connection was never released", probes.Warn
	if !st.http1 {
		// HTTP/2 multiplexes: the connection serves others, the stream and
		// its flow-control window stayed taken.
		msg = "response body garbage-collected without Close: its HTTP/2 stream was never released"
	}
	if eof {
		msg, sev = "response body read to EOF and garbage-collected without Close: harmless, its connection was released at EOF", probes.Info
	}
	var e probes.Event
	st.fill(&e, sev, "body.leak", msg)
	e.AddInt(probes.KeyBytes, st.bytes.Load())
	e.AddBool(probes.KeyEOF, eof)
	e.AddDuration(probes.KeyAge, probes.SinceMono(st.opened))
	e.AddString(probes.KeyURL, st.url())
	probes.Emit(&e)
}

// WrapResponse wraps resp.Body, a client response's, in st, the state its
// request keeps for it; o names the request (it may be st's own Origin,
// filled by the request), owner is told of the body's
// end, pool is the owner's connection pool (ReportHeld), flight the gc
// probe's record of the request (nil when the gc probe is off), now the time
// its response headers came, site o's Site and Via interned when the
// caller has them (nil: they are looked up). It reports whether the body
// was wrapped: its end then ends the request (Owner.BodyEnded).
func WrapResponse(resp *http.Response, st *State, o *Origin, owner Owner, pool *Pool, flight *gc.Flight, now int64, site *probes.CallSite) bool {
	// net/http's own bodies (HTTP/1's and HTTP/2's, with the std patch)
	// are told by one type assertion: the common case takes no other, nor
	// the comparison with NoBody. Its path is written out here, the rest
	// is out of line (wrapOther): the code a response runs stays a few
	// cache lines.
	// The assertion, by originTabs' type words where it can.
	var ob stdOriginBody
	own := true
	if tab := originTabs.Find(unsafe.Pointer(&resp.Body)); tab != nil {
		table.Iface(unsafe.Pointer(&ob), tab, unsafe.Pointer(&resp.Body))
	} else {
		ob, own = table.Assert[stdOriginBody](&originTabs, &resp.Body)
	}
	if !own || o != &st.Origin {
		return wrapOther(resp, st, o, owner, pool, flight, now, site)
	}
	if flight != nil {
		flight.Responded(now)
	}
	s := st.spare // takeSentinel, written out: it is not inlined
	if s == nil {
		s = pooledSentinel()
	}
	st.id, st.opened = bodyIDs.Add(1), now
	st.length, st.http1, st.connClose, st.released = resp.ContentLength, resp.ProtoMajor == 1, resp.Close, true
	// The pointers in one run of stores: one write-barrier check.
	s.st, st.owner, st.pool, st.flight, st.spare = st, owner, pool, flight, nil
	st.capture = probes.JournalCaptures(o.Req)
	if i := table.SlotOf(st.id); bodies.TryAdd(st, i) { // register's usual case
		st.slot = i
	} else {
		st.register()
	}
	// net/http's own body follows itself: no wrapper. One call hands it
	// the origin and the state.
	if site == nil {
		site = probes.InternSite(o.Site, o.Via)
	}
	ob.GohttpdbgFollow(unsafe.Pointer(st), unsafe.Pointer(s), unsafe.Pointer(site), o.Req, o.Conn)
	if probes.Level(probes.Body) >= 2 {
		st.emitOpen(respOpened, resp.Proto)
	}
	return true
}

// wrapOther is WrapResponse for a body the std patch does not follow with
// an origin, or an Origin of the caller's own.
//
//go:noinline
func wrapOther(resp *http.Response, st *State, o *Origin, owner Owner, pool *Pool, flight *gc.Flight, now int64, site *probes.CallSite) bool {
	rc := resp.Body
	ob, own := rc.(stdOriginBody)
	if !own {
		if rc == nil || rc == http.NoBody {
			return false
		}
		if _, ok := rc.(io.Writer); ok {
			return false // 101 Switching Protocols: the caller type-asserts io.ReadWriteCloser
		}
	}
	if flight != nil {
		flight.Responded(now)
	}
	if o != &st.Origin {
		st.Origin = *o
	}
	st.id, st.opened = bodyIDs.Add(1), now
	st.length, st.http1, st.connClose = resp.ContentLength, resp.ProtoMajor == 1, resp.Close
	st.owner, st.pool, st.flight = owner, pool, flight
	st.capture = probes.JournalCaptures(o.Req)
	st.register()
	if own {
		if site == nil {
			site = probes.InternSite(o.Site, o.Via)
		}
		st.released = true
		ob.GohttpdbgFollow(unsafe.Pointer(st), unsafe.Pointer(st.takeSentinel()), unsafe.Pointer(site), o.Req, o.Conn)
	} else if sb, ok := rc.(stdBody); ok {
		sb.GohttpdbgSetState(unsafe.Pointer(st), unsafe.Pointer(st.takeSentinel()))
	} else {
		wrap(resp, st)
	}
	if probes.Level(probes.Body) >= 2 {
		st.emitOpen(respOpened, resp.Proto)
	}
	return true
}

// takeSentinel returns the leak sentinel for st's next std body: st's
// spare, else a pooled one, pointing at st.
func (st *State) takeSentinel() *leakSentinel {
	s := st.spare
	if s == nil {
		s = pooledSentinel()
	}
	st.spare = nil // the body holds it alone, as a pooled one
	s.st = st
	return s
}

func pooledSentinel() *leakSentinel { return sentinels.Get().(*leakSentinel) }

// wrap puts resp.Body, a body the std patch does not follow, in a
// trackedBody.
func wrap(resp *http.Response, st *State) {
	b := &trackedBody{rc: resp.Body, st: st}
	if resp.ContentLength < 0 || resp.ProtoMajor != 1 {
		// net/http's body points back at the response for its trailers
		// (HTTP/1 chunked, and so gzip-decoded; HTTP/2's stream), and so
		// at b: a finalizer on an object in a cycle never runs. The
		// sentinel is in none.
		b.sentinel = &leakSentinel{st: st}
		runtime.SetFinalizer(b.sentinel, sentinelFinalized)
	} else {
		runtime.SetFinalizer(b, bodyFinalized)
	}
	resp.Body = b
}

// WrapRequest wraps r.Body, a server request's, and returns the body's
// state, nil when there was no body to watch; o names the request, capture
// says that a capture rule keeps the body, start is the request's start
// (mono), the body's opening: the request read the clock already. The state and the wrapper are
// one allocation, made only for a request with a body: the handler may
// keep r.Body, and read it, after it returned, so neither is ever reused.
func WrapRequest(r *http.Request, o *Origin, capture bool, start int64) *State {
	rc := r.Body
	// ContentLength 0: a body that cannot hold a byte. HTTP/1 gives such
	// a request NoBody; HTTP/2 gives every request a body, also a GET
	// whose HEADERS ended the stream, and watching it would cost every
	// such request an allocation and a registration for nothing.
	if rc == nil || rc == http.NoBody || r.ContentLength == 0 {
		return nil
	}
	wb := new(wrappedRequestBody)
	st := &wb.st
	st.Origin, st.id, st.server = *o, bodyIDs.Add(1), true
	st.Method, st.URL, st.opened, st.length, st.http1 = r.Method, r.URL, start, r.ContentLength, r.ProtoMajor == 1
	st.capture = capture
	st.register()
	wb.tb = trackedBody{rc: rc, st: st}
	r.Body = &wb.tb
	if probes.Level(probes.Body) >= 2 {
		st.emitOpen(reqOpened, r.Proto)
	}
	return st
}

// StdRequestBody is net/http's own server request body (HTTP/1's, and
// the HTTP/2 servers' of Go 1.26, Go 1.27 and x/net) as the std patch
// leaves it: it reports its reads and Close to the probes (StdRead,
// StdClose) and its handler's answer (StdAnswered) with the state it
// was given, until UnwatchBody.
type StdRequestBody interface {
	GohttpdbgWatchBody(state unsafe.Pointer) bool
	// GohttpdbgUnwatchBody stops the reports; held: a call (a Read on a
	// goroutine the handler started) still holds the state.
	GohttpdbgUnwatchBody() (held bool)
}

// WatchRequest follows r.Body, a server request's, through net/http's own
// body, with st, the state the request keeps for it: no wrapper, no
// allocation. It returns the body, for Unwatch when the handler returned,
// or nil when r.Body is not one the std patch follows or there is no body
// to watch (see WrapRequest); o names the request, start is its start
// (WrapRequest).
func WatchRequest(r *http.Request, st *State, o *Origin, start int64) StdRequestBody {
	if r.Body == nil || r.ContentLength == 0 {
		return nil
	}
	sb, ok := r.Body.(StdRequestBody)
	if !ok {
		return nil
	}
	st.Via, st.Line = o.Via, o.Line // the rest of o: WatchStdRequest
	if !WatchStdRequest(r, sb, st, o.Site, o.Req, o.Conn, start) {
		return nil
	}
	return sb
}

// WatchStdRequest is WatchRequest for a body the caller asserted is
// net/http's own (sb, r.Body, whose ContentLength is not 0), followed
// with st, a zero state, of the request req on connection conn served at
// site: no second type assertion, no Origin copied in. false: net/http
// declines to watch it (st is zero again).
func WatchStdRequest(r *http.Request, sb StdRequestBody, st *State, site string, req, conn uint64, start int64) bool {
	// The pointers in one statement: one write barrier check. std is set
	// before the watch, which does not read it, and zeroed with the rest
	// if it fails.
	st.Req, st.Conn, st.id, st.server = req, conn, bodyIDs.Add(1), true
	st.opened, st.length, st.http1 = start, r.ContentLength, r.ProtoMajor == 1
	st.Site, st.Method, st.URL, st.std = site, r.Method, r.URL, sb
	if !sb.GohttpdbgWatchBody(unsafe.Pointer(st)) {
		*st = State{}
		return false
	}
	if i := table.SlotOf(st.id); bodies.TryAdd(st, i) { // register's usual case
		st.slot = i
	} else {
		st.register()
	}
	if probes.Level(probes.Body) >= 2 {
		st.emitOpen(reqOpened, r.Proto)
	}
	return true
}

// StdBody returns the body WatchRequest follows with st, nil if none.
func (st *State) StdBody() StdRequestBody { return st.std }

// Unwatch ends the watch of a body WatchRequest followed: its handler
// is done. It reports whether st may be reused: no call of the body
// holds it, nor a walk of the open bodies.
func (st *State) Unwatch(sb StdRequestBody) (reusable bool) {
	held := sb.GohttpdbgUnwatchBody()
	if !st.closed.Load() {
		// The handler panicked: Finish did not run.
		st.closed.Store(true)
		st.unregister()
	}
	return !held && inspecting.Load() == 0
}

// StdAnswered is the std patch's BodyAnswered hook: the handler of a
// server request body WatchRequest follows answered. With the body not
// read to its end, its stack is kept: a body.unread then names the
// handler's line that answered. Healthy handlers, which read first, never
// pay for it.
func StdAnswered(state unsafe.Pointer) {
	st := (*State)(state)
	if st == nil || !st.server || st.answerPCs != nil || st.eof.Load() || !st.Unread(st.bytes.Load()) {
		return
	}
	var pcs [probes.StackDepth]uintptr
	n := runtime.Callers(2, pcs[:])
	st.answerPCs = append([]uintptr(nil), pcs[:n]...)
}

// AnswerPCs returns the stack StdAnswered kept, nil if none.
func (st *State) AnswerPCs() []uintptr { return st.answerPCs }

// wrappedRequestBody is a server request body's wrapper and state together.
type wrappedRequestBody struct {
	tb trackedBody
	st State
}

// Finish ends a server request's body: its handler returned. It reports
// how much the handler read and whether it left the body unread (a
// body.unread is due: EmitUnread).
func (st *State) Finish() (n int64, unread bool) {
	st.closed.Store(true)
	if st.slot >= 0 { // unregister's usual case
		bodies.RemoveSlot(st, st.slot)
	} else {
		st.unregister()
	}
	n, eof := st.bytes.Load(), st.eof.Load()
	lvl := probes.Level(probes.Body)
	if lvl >= 2 {
		st.emitClose(reqDone, eof)
	}
	return n, lvl >= 1 && !eof && st.Unread(n)
}

// FinishStd is Finish then Unwatch in one call, for a body WatchRequest
// or WatchStdRequest follows whose handler returned: reusable is
// Unwatch's.
func (st *State) FinishStd() (n int64, unread, reusable bool) {
	n, unread = st.Finish()
	held := st.std.GohttpdbgUnwatchBody()
	return n, unread, !held && inspecting.Load() == 0
}

// Unread: a server request body of which n bytes were read is not done
// (body.unread): short of its Content-Length, or of unknown length with
// nothing read. One read to its length without seeing EOF (a JSON
// decoder's) is done.
func (st *State) Unread(n int64) bool {
	return st.length > n || (st.length < 0 && n == 0)
}

// The events are built in functions of their own, kept out of line: an
// Event takes hundreds of bytes of stack, and the functions above run on
// every request, some on goroutines net/http starts per request (HTTP/2
// handlers) whose stacks would otherwise have to grow each time.

//go:noinline
func (st *State) emitReadAfterClose() {
	var e probes.Event
	st.fill(&e, probes.Warn, "body.read_after_close", "body read after Close")
	e.AddInt(probes.KeyBytes, st.bytes.Load())
	probes.Emit(&e)
}

// emitOpen and emitClose, level 2's, build their event in the ring
// (probes.Reserve): on the frame and copied in by Emit, it cost a copy,
// and a server's emitClose runs on the handler's goroutine, whose stack
// (HTTP/2 starts one per request) the Event grew.
//
// They publish it with a plain call, not a deferred one (a deferred
// Publish costs a wrapper's call, twice a request): between Reserve and
// Publish they only store values read before, or from st, which is not
// nil, so nothing there can panic and leave the slot unpublished, which
// would hold the drain back.
//
// Their events are raw (probes.RegisterRaw), kinds RawBodyOpen and RawBodyClose:
// the producer stores the site, ids, the message's index (Raw[0], in
// bodyMsgs) and the attributes' values (in Attrs 0 to 2, which the ring
// clears when it does not render the event), and leaves the name,
// message and keys to the reader (renderOpen, renderClose), whom the
// writer discarding unread events never calls.
//
//go:noinline
func (st *State) emitOpen(msg uint8, proto string) {
	url := st.url() // before Reserve: nothing that may wait while a slot is held
	e, t := probes.Reserve()
	if e == nil {
		return
	}
	if st.opened != 0 {
		e.Time = probes.TimeAt(st.opened) // the opening's reading: no second one
	}
	e.Probe, e.Sev, e.RawKind, e.Site, e.Conn, e.Req = probes.Body, probes.Info, probes.RawBodyOpen, st.Site, st.Conn, st.Req
	e.Raw[0] = msg
	e.Attrs[0].Str, e.Attrs[0].Num, e.Attrs[1].Str, e.Attrs[2].Str = st.Via, st.length, proto, url
	probes.Publish(t)
}

//go:noinline
func (st *State) emitClose(msg uint8, eof bool) {
	now := probes.Mono()
	e, t := probes.Reserve()
	if e == nil {
		return
	}
	e.Time = probes.TimeAt(now) // the reading dur ends at: no second one
	e.Probe, e.Sev, e.RawKind, e.Site, e.Conn, e.Req = probes.Body, probes.Info, probes.RawBodyClose, st.Site, st.Conn, st.Req
	e.Raw[0] = msg
	if eof {
		e.Raw[1] = 1
	}
	e.Attrs[0].Str, e.Attrs[0].Num, e.Attrs[1].Num = st.Via, st.bytes.Load(), now-st.opened
	probes.Publish(t) // see emitOpen
}

// body.open and body.close are raw events (emitOpen, emitClose).
func init() {
	probes.RegisterRaw(probes.RawBodyOpen, renderOpen)
	probes.RegisterRaw(probes.RawBodyClose, renderClose)
}

// The messages of body.open and body.close (Raw[0]).
const (
	respOpened = iota
	reqOpened
	respClosed
	reqDone
)

var bodyMsgs = [...]string{
	respOpened: "response body opened",
	reqOpened:  "request body opened",
	respClosed: "response body closed",
	reqDone:    "request body done: handler returned",
}

// renderOpen renders emitOpen's event as fill and its attributes would.
func renderOpen(e *probes.Event) {
	via, length, proto, url := e.Attrs[0].Str, e.Attrs[0].Num, e.Attrs[1].Str, e.Attrs[2].Str
	e.RenderAs("body.open", bodyMsgs[e.Raw[0]%uint8(len(bodyMsgs))], via)
	e.AddInt(probes.KeyLength, length)
	e.AddString(probes.KeyProto, proto)
	e.AddString(probes.KeyURL, url)
}

// renderClose renders emitClose's event as fill and its attributes would.
func renderClose(e *probes.Event) {
	via, bytes, dur := e.Attrs[0].Str, e.Attrs[0].Num, time.Duration(e.Attrs[1].Num)
	e.RenderAs("body.close", bodyMsgs[e.Raw[0]%uint8(len(bodyMsgs))], via)
	e.AddInt(probes.KeyBytes, bytes)
	e.AddBool(probes.KeyEOF, e.Raw[1] != 0)
	e.AddDuration(probes.KeyDur, dur)
}

// earlyClose: a client body closed before EOF, so net/http closes its
// connection.
//
//go:noinline
func (st *State) earlyClose(lvl int32) {
	if lvl >= 1 {
		var e probes.Event
		st.fill(&e, probes.Warn, "body.early_close",
			"response body closed before EOF: net/http closes the connection instead of reusing it")
		e.AddInt(probes.KeyBytes, st.bytes.Load())
		e.AddInt(probes.KeyLength, st.length)
		e.AddString(probes.KeyURL, st.url())
		probes.Emit(&e)
	}
	if st.owner != nil {
		st.owner.ConnLost("a response body was closed before EOF at " + st.Site)
	}
}

// EmitUnread reports body.unread: the handler returned with n bytes of
// its request body read, short of its end.
//
//go:noinline
func (st *State) EmitUnread(n int64) {
	msg := "handler returned without reading its request body"
	if n > 0 {
		msg = "handler returned with its request body partly read"
	}
	var e probes.Event
	st.fill(&e, probes.Warn, "body.unread", msg)
	e.AddInt(probes.KeyRead, n)
	e.AddInt(probes.KeyLength, st.length)
	e.AddString(probes.KeyURL, st.url())
	probes.Emit(&e)
}

// EOF reports whether the body was read to its end.
func (st *State) EOF() bool { return st.eof.Load() }

// Bytes returns the bytes read so far.
func (st *State) Bytes() int64 { return st.bytes.Load() }
