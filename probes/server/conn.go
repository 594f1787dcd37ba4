package server

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/body"
)

// srvConn is what the probes keep on an HTTP/1 server connection, in the
// slot the std patch adds to net/http's conn: StdConnState sets it when
// the connection first changes state, StdServe gets it back with each
// request. Neither looks the connection up by its net.Conn then, and its
// requests reuse one state: HTTP/1 serves one request at a time on a
// connection. Only the connection's goroutines touch it, one after the
// other (net/http's accept loop, then the connection's own).
type srvConn struct {
	ss *serverSite       // the server, nil when the probes do not know it
	ce *probes.ConnEntry // the registry's entry, nil for a conn without identity
	// ignored: the connection is the runtime's own (probes.Ignored).
	ignored bool
	// tlsNoted: the entry has the connection's TLS details (NoteTLS);
	// set only for a connection with an entry, not the runtime's own.
	tlsNoted bool
	// busy: req is in use by a request (taken with a flag, not a pointer
	// store: no write barrier on a request's path).
	busy bool
	// bodyBusy: body is in use by a request (as busy for req).
	bodyBusy bool
	// req is the request state the connection's requests reuse (busy
	// while one does), nil until the first request, and after one that
	// could not recycle it (drop). body is its request body's state
	// (bodyBusy while a request uses it), nil until a request takes one,
	// and after one that could not recycle it (dropBody).
	req  *serverRequest
	body *body.State
	// endAt is when the handler of its latest request returned (Mono),
	// 0 if unknown: the clock reading the request's end took, which the
	// connection's turn to idle that follows takes as its own below level
	// 2. The idle state then starts before net/http flushed the response,
	// a few microseconds early; a level-2 conn_state, which reports how
	// long the connection was active, reads the clock.
	endAt int64
	// startAt is when the connection turned active for the request being
	// served (Mono), 0 if unknown: the clock reading of StdConnState's
	// turn, which the request then takes as its start (startServe) with
	// no atomic operation on the entry (RequestStart's). Each turn resets
	// it, so that a request whose turn read no clock cannot take an older
	// one's.
	startAt int64
	// h2req is the request state the HTTP/2 connection's next stream
	// reuses (startUsual), nil while every one made is in use: its
	// streams are served at once, on goroutines of their own, so it is
	// taken and given back atomically; a state the slot cannot take goes
	// to requests.
	h2req atomic.Pointer[serverRequest]
	// h2StartAt and h2EndAt are startAt and endAt for an HTTP/2
	// connection, whose streams run on goroutines of their own: the turn
	// to active's reading, which the stream that turned it takes as its
	// start (h2Start), and the latest stream's end, which the turn to
	// idle takes as its own. Each is taken once (swapped to 0), and each
	// turn clears the other, so that a stream whose turn read no clock
	// cannot take an older one's.
	h2StartAt, h2EndAt atomic.Int64
	// line is the request line of the connection's latest level-2
	// request (startAside): a client mostly asks the same again.
	line probes.LineMemo
}

// takeH2 returns a zero request state for a stream of sc, an HTTP/2
// connection: the one its latest request left, else one from requests.
func (sc *srvConn) takeH2() *serverRequest {
	sr := sc.h2req.Swap(nil)
	if sr == nil {
		sr = newH2Request()
		sr.h2home = sc // the slot's have it (end puts only sc's there)
	}
	return sr
}

// takeH1 returns a zero request state for a request of sc, an HTTP/1
// connection: the connection's, made on its first request; one from
// requests should it be in use (HTTP/1 serves one request at a time).
func (sc *srvConn) takeH1() *serverRequest {
	if sc.req == nil {
		sc.req = fromPool(sc)
	} else if sc.busy {
		return fromPool(sc)
	}
	sc.busy = true
	return sc.req
}

// h1Start is startUsual's start of an HTTP/1 request of sc when the
// connection has no request state to lend (its first request) or no
// turn to active for it (start 0: the hook did not see it). Out of line,
// so that startUsual's common path stays short.
//
//go:noinline
func (sc *srvConn) h1Start(start int64) (*serverRequest, int64) {
	sr := sc.takeH1()
	if start == 0 {
		start = sc.ce.RequestStart(true)
	}
	return sr, start
}

// h2Start is startUsual's start of a request of sc, an HTTP/2
// connection: the state takeH2 would return, the request counted on the
// connection (see serverConnState), and its start. Out of line: HTTP/1's
// requests, most, then skip fewer bytes of startUsual.
//
//go:noinline
func (sc *srvConn) h2Start() (*serverRequest, int64) {
	sr := sc.h2req.Swap(nil) // takeH2, written out
	if sr == nil {
		sr = newH2Request()
		sr.h2home = sc // the slot's have it
	}
	if sc.ce != nil {
		sc.ce.CountRequest()
	}
	// The turn to active's reading, when this stream turned it (a
	// stream that comes while others run reads the clock).
	// Loaded first: a swap is a locked instruction.
	if sc.h2StartAt.Load() != 0 {
		if start := sc.h2StartAt.Swap(0); start != 0 {
			return sr, start
		}
	}
	return sr, probes.Mono()
}

// newH2Request is takeH2's request state when its connection has none to
// spare. Out of line, so that takeH2 is inlined.
//
//go:noinline
func newH2Request() *serverRequest { return fromPool(nil) }

// StdConnState is the std patch's ConnState hook: an HTTP/1 connection
// of srv changes state, and net/http calls hook, srv's ConnState. When
// hook is the probes' latest composition, the hook calls the user's
// ConnState it composes, as the composition would, then notes the turn
// with the entry it keeps in slot, without the composition's lookup of
// the connection. Any other hook is called as it is: a composition of the
// probes inside it reports by itself.
func StdConnState(srv *http.Server, slot *unsafe.Pointer, hook func(net.Conn, http.ConnState), nc net.Conn, st http.ConnState) {
	// A request's two turns (connTurn's, written out: they come twice a
	// request; below level 2 they have no event to emit, and at level 2
	// are turnLevel2's), on a connection whose TLS state is noted (which
	// implies an entry, not the runtime's own: turnRare), hook the probes'
	// latest composition of the server. One straight run, its tests
	// chained to one rare call: each line of code is a cold miss on both
	// turns (the handler runs between them).
	var comp *connComp
	var now int64
	var lvl int32
	sc := (*srvConn)(*slot)
	// Each test on its own: a condition of ||s is computed into a bool.
	if sc == nil {
		goto rare
	}
	if !sc.tlsNoted {
		goto rare
	}
	if lvl = probes.Level(probes.Dial); lvl < 1 {
		goto rare
	}
	if uint(st-http.StateActive) > uint(http.StateIdle-http.StateActive) {
		goto rare
	}
	if sc.ss == nil {
		goto rare
	}
	if comp = sc.ss.connState.Load(); comp == nil {
		goto rare
	}
	if comp.fn != funcPtr(hook) {
		goto rare
	}
	if lvl >= 2 {
		sc.stdTurnLevel2(comp, nc, st)
		return
	}
	if comp.user != nil { // the program's hook the composition composes (httptest's)
		comp.user(nc, st)
	}
	now = sc.endAt // the request's end, for this turn alone
	sc.endAt = 0
	if st == http.StateActive {
		now = probes.Mono()
		sc.startAt = now // the request's start (startUsual)
		sc.ce.TurnActiveAt(now)
		return
	}
	sc.startAt = 0
	if now == 0 {
		now = probes.Mono()
	}
	sc.ce.TurnAt(st, false, now)
	return
rare:
	stdConnStateRare(srv, slot, hook, nc, st)
}

// stdTurnLevel2 is StdConnState's usual turn at level 2 (comp is the
// composition hook is): the program's hook, then turnLevel2. Out of line:
// level 1's turns skip it.
//
//go:noinline
func (sc *srvConn) stdTurnLevel2(comp *connComp, nc net.Conn, st http.ConnState) {
	if comp.user != nil {
		comp.user(nc, st)
	}
	sc.endAt, sc.startAt = 0, 0
	sc.turnLevel2(st, comp.site, false)
}

// stdConnStateRare is StdConnState for any other turn: the connection's
// first (which makes its state) or one whose TLS state is not noted yet,
// one with the dial probe off or to a state other than active or idle,
// one through a hook that is not the
// probes' latest composition (called as it is: a composition of the
// probes inside it reports by itself).
//
//go:noinline
func stdConnStateRare(srv *http.Server, slot *unsafe.Pointer, hook func(net.Conn, http.ConnState), nc net.Conn, st http.ConnState) {
	sc := (*srvConn)(*slot)
	if sc == nil {
		if !probes.ExchangeProbesOn() {
			hook(nc, st) // the probes keep nothing while off
			return
		}
		sc = firstConnState(srv, slot, nc)
	}
	now := sc.endAt // the request's end, for this turn alone
	sc.endAt, sc.startAt = 0, 0
	var comp *connComp
	if sc.ss != nil {
		comp = sc.ss.connState.Load()
	}
	if comp == nil || comp.fn != funcPtr(hook) {
		hook(nc, st)
		return
	}
	if comp.user != nil {
		comp.user(nc, st)
	}
	if sc.tlsNoted && (st == http.StateActive || st == http.StateIdle) && probes.Level(probes.Dial) >= 2 {
		sc.turnLevel2(st, comp.site, false)
		return
	}
	sc.turnRare(nc, st, comp.site, now)
}

// turnLevel2 is a request's turn of sc, an HTTP/1 connection whose TLS
// state is noted (tlsNoted), at level 2 (or, h2, StdH2ConnState's usual
// turn of an HTTP/2 one): the level-1 turn with its dial.conn_state,
// without turnRare's and connTurn's general steps. The turn to active
// hands its reading to the request (startAt; on HTTP/2, h2StartAt, which
// the stream that turned it takes in startServe), as level 1's; the turn
// to idle reads the clock, as the event reports how long the connection
// was active (see endAt).
//
// The event is emitConnState's in its raw form (probes.RawConnState), built
// here, not in a function of its own: a call, its arguments and their
// spills twice a request. Raw[0] is st, Attrs[1] holds remote where the
// event shows it, and Attrs[3] the state word the turn replaced, which
// renderConnState decodes into prev and its duration (probes.PrevState,
// to the turn's reading, the event's time). As emitConnState, it
// publishes with a plain call.
//
//go:noinline
func (sc *srvConn) turnLevel2(st http.ConnState, site string, h2 bool) {
	now := probes.Mono()
	var w uint64 // the state word the turn replaces
	ce := sc.ce
	switch {
	case h2:
		if sc.h2EndAt.Load() != 0 {
			sc.h2EndAt.Store(0)
		}
		if st == http.StateActive {
			sc.h2StartAt.Store(now)
		} else if sc.h2StartAt.Load() != 0 {
			sc.h2StartAt.Store(0)
		}
		w = ce.SwapStateAt(st, st == http.StateActive, now)
	case st == http.StateActive:
		sc.startAt = now
		w = ce.SwapActiveAt(now)
	default:
		w = ce.SwapStateAt(st, false, now)
	}
	id, remote := ce.ID(), ce.Remote() // before Reserve, as all that may panic
	e, t := probes.Reserve()
	if e == nil {
		return
	}
	e.Time = probes.TimeAt(now) // the turn's reading: no second one
	e.Probe, e.Sev, e.RawKind, e.Site, e.Conn = probes.Dial, probes.Info, probes.RawConnState, site, id
	e.Raw[0] = byte(st)
	e.Attrs[1].Str, e.Attrs[3].Num = remote, int64(w)
	probes.Publish(t)
}

// turnRare is StdConnState's turn for the cases its common path does not
// take: the dial probe off or at level 2, a connection without an entry
// or the runtime's own, a connection's first turn to active (which notes
// its TLS state), its turns to new, closed or hijacked. now is the end of
// the request before an idle turn (Mono), 0 if unknown.
//
//go:noinline
func (sc *srvConn) turnRare(nc net.Conn, st http.ConnState, site string, now int64) {
	lvl := probes.Level(probes.Dial)
	if lvl < 1 || sc.ce == nil || sc.ignored {
		return
	}
	switch {
	case lvl >= 2 || st != http.StateActive && st != http.StateIdle || st == http.StateActive && !sc.tlsNoted:
		if st == http.StateActive && !sc.tlsNoted {
			sc.ce.NoteTLS(nc) // after the handshake: see connTurn
			sc.tlsNoted = true
		}
		connTurn(sc.ce, nc, st, site, lvl, 0)
	case st == http.StateActive:
		sc.startAt = probes.Mono()
		sc.ce.TurnActiveAt(sc.startAt)
	default:
		if now == 0 {
			now = probes.Mono()
		}
		sc.ce.TurnAt(st, false, now)
	}
}

// firstConnState makes the state of srv's connection nc and keeps it in
// slot. Out of line: once per connection.
//
//go:noinline
func firstConnState(srv *http.Server, slot *unsafe.Pointer, nc net.Conn) *srvConn {
	sc := newSrvConn(srv, nc)
	*slot = unsafe.Pointer(sc)
	return sc
}

// StdH2ConnState is the std patch's ServerConnState hook: an HTTP/2
// connection of srv changes state (StateActive, StateIdle), where its
// server would call srv's ConnState. As StdConnState, it calls the user's
// hook the probes' latest composition composes and notes the turn with
// the entry it keeps in slot, the serverConn's word; for any other
// ConnState it returns false, and the server calls it. srv is the
// *http.Server, or on Go 1.27 what net/http hands its HTTP/2 server,
// which names it (GohttpdbgServer).
//
// The serve loop of the connection makes every call, one after the
// other; the slot is written atomically all the same, as a word of the
// serverConn that other code of the patch may read. While the slot is
// nil the patch calls it only while the probes are on
// (UseStdH2ConnStateWord).
func StdH2ConnState(srv any, slot *unsafe.Pointer, nc net.Conn, state int) bool {
	// The turn, in this function: a connection whose requests come one
	// after another turns twice a request. What is not the usual turn
	// below level 2 (a connection's first, level 2, the other states) is
	// out of line, so that the usual one runs through a few cache lines of
	// code.
	sc := (*srvConn)(atomic.LoadPointer(slot))
	if sc == nil || sc.ss == nil {
		return h2FirstTurn(srv, slot, nc, state)
	}
	st := http.ConnState(state)
	// The composition, as StdConnState finds it: written out, twice a
	// request.
	comp := sc.ss.connState.Load()
	if comp == nil || comp.fn != funcPtr(sc.ss.srv.ConnState) {
		return false
	}
	if comp.user != nil {
		comp.user(nc, st)
	}
	// tlsNoted implies an entry, not the runtime's own (h2TurnRare).
	if probes.Level(probes.Dial) != 1 || !sc.tlsNoted || uint(st-http.StateActive) > uint(http.StateIdle-http.StateActive) {
		if sc.tlsNoted && uint(st-http.StateActive) <= uint(http.StateIdle-http.StateActive) && probes.Level(probes.Dial) >= 2 {
			sc.turnLevel2(st, comp.site, true)
			return true
		}
		sc.h2TurnRare(nc, st, comp)
		return true
	}
	// Below level 2 the two turns are connTurn's, written out, as
	// StdConnState's: no event to emit, and the TLS state noted once per
	// connection. Each shares its clock reading with a stream, as
	// StdConnState's with the request (srvConn.h2StartAt).
	// Each clears what the other turn left only when it is set: a store
	// is a locked instruction.
	if st == http.StateActive {
		now := probes.Mono()
		if sc.h2EndAt.Load() != 0 { // a stream that ended after the idle turn
			sc.h2EndAt.Store(0)
		}
		sc.h2StartAt.Store(now)
		sc.ce.TurnAt(st, true, now)
		return true
	}
	now := sc.h2EndAt.Swap(0)
	if now == 0 {
		now = probes.Mono()
	}
	if sc.h2StartAt.Load() != 0 { // the active turn's stream did not take it
		sc.h2StartAt.Store(0)
	}
	sc.ce.TurnAt(st, false, now)
	return true
}

// h2FirstTurn is StdH2ConnState for a connection the probes keep no
// state for yet (slot is nil), or whose server they do not know.
//
//go:noinline
func h2FirstTurn(srv any, slot *unsafe.Pointer, nc net.Conn, state int) bool {
	sc := (*srvConn)(atomic.LoadPointer(slot))
	if sc == nil {
		if !probes.ExchangeProbesOn() {
			return false // the server calls its hook, as without the patch
		}
		sc = newH2SrvConn(srv, slot, nc)
	}
	if sc == nil || sc.ss == nil {
		return false
	}
	return StdH2ConnState(srv, slot, nc, state)
}

// h2TurnRare notes a turn of an HTTP/2 connection other than
// StdH2ConnState's usual one: the dial probe off or at level 2, a
// connection without an entry or the runtime's own, its first turn to
// active (the TLS state is noted then), a state other than active and
// idle.
//
//go:noinline
func (sc *srvConn) h2TurnRare(nc net.Conn, st http.ConnState, comp *connComp) {
	lvl := probes.Level(probes.Dial)
	if lvl < 1 || sc.ce == nil || sc.ignored {
		return
	}
	if lvl >= 2 || st != http.StateActive && st != http.StateIdle {
		connTurn(sc.ce, nc, st, comp.site, lvl, 0)
		if st == http.StateActive {
			sc.tlsNoted = true // connTurn noted it: the next turns are turnLevel2's
		}
		return
	}
	if st == http.StateActive && !sc.tlsNoted {
		sc.ce.NoteTLS(nc) // after the handshake: see connTurn
		sc.tlsNoted = true
	}
	sc.ce.TurnAt(st, st == http.StateActive, probes.Mono())
}

// UseStdH2ConnStateWord is called by the build's wiring with the patched
// net/http's ServerConnStateOn: an HTTP/2 server connection the probes
// keep no state for calls StdH2ConnState only while it is set, which the
// probes keep so while a probe that follows a connection is on
// (probes.ExchangeProbesOn). At level 0 a turn then costs one load, no
// call; a switch on at run time sets it before the next turn.
func UseStdH2ConnStateWord(on *atomic.Bool) {
	set := func() {
		// Under a lock: of two settings at once, the last to set the word
		// reads the levels after both changed.
		h2WordMu.Lock()
		on.Store(probes.ExchangeProbesOn())
		h2WordMu.Unlock()
	}
	for _, p := range []probes.Probe{probes.Dial, probes.Header, probes.Body, probes.GC} {
		probes.OnLevel(p, set)
	}
}

var h2WordMu sync.Mutex

// newH2SrvConn makes the state of an HTTP/2 connection of srv, nc, and
// keeps it in slot: nil when srv names no server. Out of line: once per
// connection.
//
//go:noinline
func newH2SrvConn(srv any, slot *unsafe.Pointer, nc net.Conn) *srvConn {
	s, _ := srv.(*http.Server)
	if g, ok := srv.(interface{ GohttpdbgServer() *http.Server }); ok {
		s = g.GohttpdbgServer()
	}
	if s == nil {
		return nil
	}
	sc := newSrvConn(s, nc)
	atomic.StorePointer(slot, unsafe.Pointer(sc))
	return sc
}

// newSrvConn makes the state of a connection of srv, nc: its entry is the
// one the probes' ConnContext made when net/http accepted it.
func newSrvConn(srv *http.Server, nc net.Conn) *srvConn {
	return &srvConn{ss: lookupServer(srv), ce: probes.ConnFor(nc, "server"), ignored: probes.Ignored(nc)}
}

// funcPtr returns the closure f is, which tells two compositions of the
// same function apart (their code pointers are the same).
func funcPtr(f func(net.Conn, http.ConnState)) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&f))
}

// connComp is one composition of the probes' ConnState on a server
// (composeConnState): the closure, the user's hook it calls first, and
// the site its events name.
type connComp struct {
	fn   unsafe.Pointer
	user func(net.Conn, http.ConnState)
	site string
}
