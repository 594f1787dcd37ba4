package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/body"
	"github.com/gohttpdbg/gohttpdbg/probes/gc"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/table"
)

// Instrument composes the probes' ConnState and ConnContext hooks
// with the ones s already has: the user's hook runs first, then the
// probes'; a user hook is never replaced. It is idempotent: the call-site wrappers call it at the
// &http.Server{} literal and again before Serve, which also catches a hook
// the user set in between.
func Instrument(s *http.Server, site string) {
	if s == nil {
		return
	}
	ss := noteServer(s, site)
	if s.ConnState == nil || reflect.ValueOf(s.ConnState).Pointer() != ourConnStatePC {
		// Ours may be inside the hook now (httptest.Server wraps the
		// ConnState it finds): the new composition takes over, the older
		// one passes the calls through, so each change is seen once.
		s.ConnState = composeConnState(s.ConnState, site, ss)
	}
	if s.ConnContext == nil || reflect.ValueOf(s.ConnContext).Pointer() != ourConnContextPC {
		s.ConnContext = composeConnContext(s.ConnContext)
	}
}

var (
	ourConnStatePC   = reflect.ValueOf(composeConnState(nil, "", nil)).Pointer()
	ourConnContextPC = reflect.ValueOf(composeConnContext(nil)).Pointer()
)

type connCtxKey struct{}

// The compose functions must not be inlined: an inlined copy would give
// the closure another code pointer, and Instrument would no longer
// recognise its own hooks.
//
//go:noinline
func composeConnContext(user func(context.Context, net.Conn) context.Context) func(context.Context, net.Conn) context.Context {
	return func(ctx context.Context, c net.Conn) context.Context {
		if user != nil {
			ctx = user(ctx, c)
		}
		if ce := probes.ConnFor(c, "server"); ce != nil {
			ctx = context.WithValue(ctx, connCtxKey{}, ce)
		}
		return ctx
	}
}

//go:noinline
func composeConnState(user func(net.Conn, http.ConnState), site string, ss *serverSite) func(net.Conn, http.ConnState) {
	comp := &connComp{user: user, site: site}
	if ss != nil && ss.site != "" {
		comp.site = ss.site // the literal's beats a stack's
	}
	f := func(c net.Conn, st http.ConnState) {
		if user != nil {
			user(c, st)
		}
		if ss == nil || ss.connState.Load() == comp {
			serverConnState(c, st, comp.site)
		}
	}
	comp.fn = funcPtr(f)
	if ss != nil {
		ss.connState.Store(comp)
	}
	return f
}

func serverConnState(c net.Conn, st http.ConnState, site string) {
	lvl := probes.Level(probes.Dial)
	if lvl < 1 || probes.Ignored(c) {
		return
	}
	if ce := probes.ConnFor(c, "server"); ce != nil {
		connTurn(ce, c, st, site, lvl, 0)
	}
}

// connTurn notes that the server connection c, whose entry is ce, turned
// to st, with the dial probe at lvl (at least 1), at now (Mono; 0: read
// the clock).
func connTurn(ce *probes.ConnEntry, c net.Conn, st http.ConnState, site string, lvl int32, now int64) {
	if st == http.StateActive {
		ce.NoteTLS(c) // net/http reports StateActive after the handshake
	}
	if now == 0 {
		now = probes.Mono()
	}
	// An HTTP/1 connection turns active once per request. An HTTP/2 one
	// turns active after the preface and whenever its first stream opens:
	// its requests are counted as they are served (startServe), which
	// then replaces this count.
	if lvl >= 2 {
		prev, in := ce.SetStateAt(st, st == http.StateActive, now)
		emitConnState(ce, st, site, prev, in, now)
	} else {
		ce.TurnAt(st, st == http.StateActive, now)
	}
	if st == http.StateClosed || st == http.StateHijacked {
		ce.Forget()
	}
}

// emitConnState is out of line: see the comment above emitReadAfterClose.
// It is dial.conn_state for the turns turnLevel2 does not take (a new,
// closed or hijacked connection; a turn reported by the ConnState hook
// alone), built in the ring (probes.Reserve) as header.request's. It
// publishes it with a plain call, not a deferred one: between Reserve
// and Publish it only stores values read before, so nothing there can
// panic and leave the slot unpublished, which would hold the drain back.
//
//go:noinline
func emitConnState(ce *probes.ConnEntry, st http.ConnState, site, prev string, in time.Duration, now int64) {
	id, remote := ce.ID(), ce.Remote() // before Reserve, as all that may panic
	var requests int64
	ending := st == http.StateClosed || st == http.StateHijacked
	if ending {
		requests = ce.Requests()
	}
	e, t := probes.Reserve()
	if e == nil {
		return
	}
	e.Time = probes.TimeAt(now) // the turn's reading: no second one
	e.Probe, e.Sev, e.Name, e.Site, e.Conn, e.Msg = probes.Dial, probes.Info, "dial.conn_state", site, id, connStateMsg(st)
	e.AddString(probes.KeyState, connStateName(st))
	e.AddString(probes.KeyRemote, remote)
	if prev != "" {
		e.AddString(probes.KeyPrev, prev)
		e.AddDuration(probes.KeyPrevDur, in)
	}
	if ending {
		e.AddInt(probes.KeyRequests, requests)
	}
	probes.Publish(t)
}

// The dial.conn_state a connection's turn to active or idle emits at
// level 2 (turnLevel2), twice a request, is raw: its name, message, state
// and attribute keys are left to its reader (renderConnState), and the
// writer discarding unread events never builds them.
func init() { probes.RegisterRaw(probes.RawConnState, renderConnState) }

// renderConnState renders turnLevel2's event as emitConnState builds it.
func renderConnState(e *probes.Event) {
	st := http.ConnState(e.Raw[0])
	remote := e.Attrs[1].Str
	prev, in := probes.PrevState(uint64(e.Attrs[3].Num), e.Time-probes.TimeAt(0))
	e.RenderAs("dial.conn_state", connStateMsg(st), "")
	e.AddString(probes.KeyState, connStateName(st))
	e.AddString(probes.KeyRemote, remote)
	if prev != "" {
		e.AddString(probes.KeyPrev, prev)
		e.AddDuration(probes.KeyPrevDur, in)
	}
}

// connStateMsgs and connStateNames are dial.conn_state's messages and
// states, built once: a connection changes state twice per request, and
// ConnState.String looks its name up in a map.
var connStateMsgs, connStateNames = func() (m, n [http.StateClosed + 1]string) {
	for st := range m {
		n[st] = http.ConnState(st).String()
		m[st] = "server connection " + n[st]
	}
	return m, n
}()

func connStateName(st http.ConnState) string {
	if st >= 0 && int(st) < len(connStateNames) {
		return connStateNames[st]
	}
	return st.String()
}

func connStateMsg(st http.ConnState) string {
	if st >= 0 && int(st) < len(connStateMsgs) {
		return connStateMsgs[st]
	}
	return "server connection " + st.String()
}

// ConnIDFromContext returns the id of the server connection a request
// arrived on, when the server was instrumented.
func ConnIDFromContext(ctx context.Context) uint64 {
	if ce, _ := ctx.Value(connCtxKey{}).(*probes.ConnEntry); ce != nil {
		return ce.ID()
	}
	return 0
}

// serverRequest follows one request in an instrumented handler.
type serverRequest struct {
	// follow is the request's Header key (HeaderKey) while sr follows
	// it, 0 otherwise, with its low bits (claimed, inTable). It is read by inner wrappers that may hold a copy of
	// a request that sr followed before: atomic, and not zeroed with the
	// rest of the state (reqState), which end clears with plain stores.
	follow atomic.Uintptr
	// home is the HTTP/1 connection whose requests reuse this state
	// (srvConn.req), nil for one from requests (HTTP/2, or a request
	// StdServe did not see). h2home is the HTTP/2 connection whose
	// streams reuse it (srvConn.h2req), nil for any other. Both are set
	// when the state is taken from requests (fromPool), and kept while
	// it is the connection's: not zeroed with reqState, nor stored again
	// on each request.
	home, h2home *srvConn
	reqState
}

// reqState is a serverRequest's state but follow and its homes: what
// end zeroes.
type reqState struct {
	site  string
	id    uint64
	conn  uint64
	start int64 // mono
	r     *http.Request
	// flight is the gc probe's record of the request (used when the gc
	// probe is on): part of the request's state, which is recycled.
	flight gc.Flight
	// x is the part of the state most requests do not use (a request body
	// watched, the writer's wrapper, a span), nil until one does (aside):
	// end zeroes the rest on every request.
	x *serverAside
	// body is the state of a request body net/http's own follows, watched
	// by startUsual (the body: its StdBody), nil otherwise: one of the
	// connection's (takeBody), in the request's state rather than aside.
	body *body.State

	// slot is its slot in following plus one (until unfollow), under the
	// key in follow; 0: it is not in following.
	slot int
	// regSite is the handler's registration, set by an inner wrapper, which
	// may run on another goroutine (TimeoutHandler's): it writes under a
	// claim on following, and the request reads it after unfollow.
	regSite string
	line    string              // the request line, at header or body level 2
	w       http.ResponseWriter // the handler's writer (header.response at level 2)
	// For the journal: the status the handler answered with and when
	// its header left for the client (mono: 0 until then; see sent), the
	// response bytes it wrote (capture: whether a capture rule keeps its
	// bodies, below).
	status     int
	answeredAt int64
	written    int64
	respHeader http.Header // the response header as answered, kept at header level 2 or under a capture (answer)
	// std is net/http's own writer, when the probes watch it (stdAnswer):
	// to carry sr for the inner wrappers, and to report the answer instead
	// of a wrapper (answerStd) for the journal and header.response.
	std stdAnswer
	// stdAnswered: std reported the answer (status, answeredAt).
	stdAnswered bool
	// answerStd: std reports the answer (the journal, header level 2); std
	// is watched otherwise only for the inner wrappers, which find their
	// follower on it (ServeHTTP).
	answerStd bool
	inFlight  bool // flight is filled (the gc probe is on)
	hdr2      bool // header level 2: report the response header
	// quiet: std is watched quietly (quietState): it does not report
	// its answer to StdAnswered, end reads it off GohttpdbgUnwatch.
	quiet   bool
	capture bool // a capture rule keeps its bodies
	journal bool // the journal follows it: the writer is watched
	// bodyEnd: body's watch ended when the handler returned (returned),
	// bodyReusable or bodyHeld (Unwatch's report); 0 until then.
	bodyEnd uint8
}

const (
	bodyReusable = 1 + iota
	bodyHeld
)

// bodyUnwatch reports whether body, whose watch ends now unless returned
// ended it, may be reused: out of line, as the handler panicked.
func (sr *serverRequest) bodyUnwatch() bool {
	if sr.bodyEnd == 0 {
		return sr.bodyUnwatchLate()
	}
	return sr.bodyEnd == bodyReusable
}

//go:noinline
func (sr *serverRequest) bodyUnwatchLate() bool { return sr.body.Unwatch(sr.body.StdBody()) }

// quietState is the state a writer is watched with quietly: sr's pointer
// plus one, inside sr, which keeps it alive. The std patch's writers
// report no answer for a state whose lowest bit is set (StdAnswered would
// only note the status, which GohttpdbgUnwatch returns at the end: one
// call fewer a request), and hand it on as it is to StdSent and
// GohttpdbgFollower, whose callers clear the bit (stateOf).
func quietState(sr *serverRequest) unsafe.Pointer { return unsafe.Add(unsafe.Pointer(sr), 1) }

// stateOf returns the request state a writer was watched with, quietly
// or not.
func stateOf(p unsafe.Pointer) *serverRequest {
	return (*serverRequest)(unsafe.Pointer(uintptr(p) &^ 1))
}

// serverAside is the part of a request's state that most requests leave
// zero. It comes from asides, and goes back with its request's state.
type serverAside struct {
	// body is the request body's state, nil when the body is not watched:
	// one from stdBodies when net/http's own body reports to it (stdBody,
	// level 1), else an allocation of its own, made with the body's
	// wrapper, which the handler may keep after the request ended.
	body    *body.State
	stdBody body.StdRequestBody
	// handlerPCs is the handler's stack when it answered with its body
	// unread (captureHandler), nil otherwise.
	handlerPCs []uintptr
	rw         *respWriter  // the wrapper around the handler's writer, when one was put
	rwv        respWriter   // the writer wrapper's storage: no allocation of its own
	span       *probes.Span // its OTLP span (GOHTTPDBG_OUT=otlp), else nil
}

// asides recycles serverAsides with their requests' states.
var asides = sync.Pool{New: func() any { return new(serverAside) }}

// aside returns sr's serverAside, taken from asides on first use.
//
//go:noinline
func (sr *serverRequest) aside() *serverAside {
	if sr.x == nil {
		sr.x = asides.Get().(*serverAside)
	}
	return sr.x
}

// stdAnswer is net/http's own ResponseWriter as the std patch leaves it
// (HTTP/1's, and the HTTP/2 servers' of Go 1.26, Go 1.27 and x/net):
// watched, it reports its answer to StdAnswered with the state it was
// given when its header is written, and to StdSent when the header
// leaves for the client, until GohttpdbgUnwatch, which returns the
// status and the body bytes of the answer. The status is 0 before an
// answer (net/http sends 200 when the handler returns without one), -1
// for a hijacked connection unanswered. GohttpdbgHeader is the header it
// sends, nil if the handler never asked for one (Header would make one).
//
// The state it is watched with is also the request's follower, for the
// rewritten handlers inside the server's handler chain: StdServe's outer
// wrapper watches it at every level (the answer is kept only when
// sr.answerStd is set), and an inner wrapper handed it asks for the
// follower (ServeHTTP).
//
// It is asked for with GohttpdbgHeaderSize, which the patch gives the same
// writers (the size of the request's header as net/http read it): one type
// assertion a request for both, each costing a probe of the assertion's
// cache. A writer with the answer hooks but not the header size (a patch
// that applied in part) takes the probes' wrapper.
//
// A type literal (the alias is identical to it): the std patch's Serve
// hook hands HTTP/1's writer over as one (StdServe), with no type of the
// probes' in its signature.
//
// GohttpdbgRequest returns in one call what the probes ask of each
// request: an HTTP/2 writer's connection (StdH2ConnState's slot) and
// stream, and the header size; HTTP/1's answers nil and 0 for the first
// two (its connection's slot comes with the Serve hook).
type stdAnswer = interface {
	GohttpdbgWatch(state unsafe.Pointer)
	GohttpdbgUnwatch() (status int, written int64)
	GohttpdbgHeader() map[string][]string
	GohttpdbgHeaderSize() int
	GohttpdbgFollower() unsafe.Pointer
	GohttpdbgRequest() (conn unsafe.Pointer, stream uint32, headerSize int)
}

// follower is a writer that knows its request's follower: net/http's own
// (stdAnswer), and the probes' wrapper (respWriter). GohttpdbgFollower
// returns nil when no serverRequest follows through it.
type follower interface {
	GohttpdbgFollower() unsafe.Pointer
}

// StdAnswered is the std patch's Answered hook: the handler of the
// request whose state is sr answered with status, its header map h as
// written, on the goroutine that wrote it. The header is not sent yet:
// net/http buffers it with the body (see sent).
func StdAnswered(state unsafe.Pointer, status int, h map[string][]string) {
	sr := (*serverRequest)(state)
	if !sr.answerStd || sr.stdAnswered {
		// Watched only as the follower, or a header written again
		// (superfluous): the first answer is the one sent.
		return
	}
	sr.stdAnswered = true
	sr.answer(status, h)
}

// StdSent is the std patch's Sent hook: the header of the response of
// the request whose state is sr left for the client while its handler
// runs (it wrote more than net/http buffers, or flushed).
func StdSent(state unsafe.Pointer) {
	sr := stateOf(state)
	if sr.answeredAt != 0 || !sr.journal && !sr.hdr2 {
		return
	}
	if sr.hdr2 || sr.capture {
		sr.sent(probes.Mono())
		return
	}
	sr.answeredAt = probes.Mono() // sent's, written out: nothing else to do
}

// answer: the handler answered with status and header h, or returned
// unanswered (net/http sends 200). The handler's header map is kept only
// when it is reported (h is nil otherwise: asking net/http's HTTP/1
// writer for its header makes it copy the map when the header is
// written, an allocation the handler did not ask for). net/http's own
// writer hands the map over; the wrapper asks for it before net/http
// writes it (asked for later, the writer hands out a copy).
func (sr *serverRequest) answer(status int, h http.Header) {
	sr.status = status
	if sr.hdr2 || sr.capture {
		sr.respHeader = h
	}
}

// sent: the response's header left for the client at now (mono), what
// the client waits for: the journal's answer time (HAR's wait ends
// there) and header.response. net/http buffers a written header with the
// body until the handler writes more than its buffer holds, flushes, or
// returns: a handler that writes its header then works has not answered
// the client yet. Most responses leave when the handler returns, timed
// by end's own clock reading; StdSent times the others.
//
// The header is the one sent: net/http's writer knows it (the handler
// may have changed its map after WriteHeader); the wrapper's is the one
// it saw written.
//
//go:noinline
func (sr *serverRequest) sent(now int64) {
	sr.answeredAt = now
	if sr.std != nil && (sr.hdr2 || sr.capture) {
		sr.respHeader = sr.std.GohttpdbgHeader()
	}
	if sr.hdr2 {
		sr.responseHeaders(sr.status, sr.respHeader, now, sr.journal)
	}
}

// requests recycles the serverRequests that nothing kept: without a
// writer wrapper, request body state or span, only the probes point to a
// request's state, and none of them after end. A served request then
// allocates nothing here.
var requests = sync.Pool{New: func() any { return new(serverRequest) }}

// stdBodies recycles the states of request bodies net/http reports to
// with their requests. They are not part of serverRequest: a request
// whose writer is wrapped (a span, a capture rule, no std patch) is not
// recycled, and would allocate a body state with each request, body or
// not.
var stdBodies = sync.Pool{New: func() any { return new(body.State) }}

// ServeHTTP runs h for a handler registered at site, with the probes
// around it. The call-site wrapper's handler calls it. A request already
// followed by an outer wrapper (a wrapped mux behind a wrapped server
// handler, or a mux inside a mux) is passed through, so that it is
// reported once, by the outermost wrapper.
//
// While the handler runs, only ServeHTTP's own small frame is on its
// stack: the probes' work is done before (startServe) and after (returned,
// end), in functions that have returned by then. HTTP/2 runs every handler
// on a fresh goroutine with a small stack, which a deeper wrapper would
// make grow on every request.
func ServeHTTP(h http.Handler, site string, w http.ResponseWriter, r *http.Request) {
	if probes.Level(probes.Header)|probes.Level(probes.Body)|probes.Level(probes.GC) == 0 {
		h.ServeHTTP(w, r)
		return
	}
	// StdServe's requests are marked with their follower (startUsual):
	// an inner wrapper finds it on the request, whatever writer it was
	// handed.
	// findFollower, written out: most requests pass one or two
	// wrappers.
	if followOff != 0 {
		if p := atomic.LoadPointer(followerOf(r)); p != nil {
			sr := (*serverRequest)(p)
			if k := sr.follow.Load() &^ claimed; k != 0 && k == table.HeaderKey(r.Header) {
				if site != "" && sr.follow.CompareAndSwap(k, k|claimed) {
					sr.regSite = site
					sr.follow.Store(k)
				}
				h.ServeHTTP(w, r)
				return
			}
		}
	}
	// An inner wrapper handed net/http's own writer finds the follower
	// StdServe watches it with (or the probes' wrapper, its own), with no
	// claim: it runs within the outer's handler call, on its goroutine (a
	// writer is the handler's alone until it returns), before unfollow.
	// The registration's site names the handler better than the server's
	// (the outer follower's) does. Most requests pass one (a rewritten mux
	// registration): this is written out here, not called.
	if f, ok := w.(follower); ok {
		if p := f.GohttpdbgFollower(); p != nil {
			if site != "" {
				stateOf(p).regSite = site
			}
			h.ServeHTTP(w, r)
			return
		}
	}
	if passOn(site, r) {
		h.ServeHTTP(w, r)
		return
	}
	serve(h, site, nil, nil, w, r)
}

// passOn reports whether an outer wrapper already follows r, which the
// inner wrapper at site then passes through, when the writer it was
// handed does not name the follower (see ServeHTTP): a writer the program
// wrapped, TimeoutHandler's among them, or a request StdServe did not
// hand over. The inner handler may run on a goroutine of its own and
// outlive the outer one (TimeoutHandler's): hence the claim, which the
// outer's unfollow waits for, and after which it recycles its state. It
// runs before serve, whose frame and deferred end an inner wrapper does
// not need.
//
//go:noinline
func passOn(site string, r *http.Request) bool {
	k := table.HeaderKey(r.Header)
	if site == "" {
		return following.Has(k)
	}
	outer, i, found := following.Claim(k)
	if outer != nil {
		outer.regSite = site
		following.Release(i, outer)
	}
	return found
}

// serve is ServeHTTP with the probes on, for the outermost wrapper of r;
// srv is the server serving r when the caller knows it (StdServe), else
// nil; sc the state of its HTTP/1 connection when StdServe has it.
func serve(h http.Handler, site string, srv *http.Server, sc *srvConn, w http.ResponseWriter, r *http.Request) {
	sr := startServe(site, srv, sc, w, r)
	defer sr.end()
	if sr.x != nil && sr.x.span != nil {
		r = sr.x.span.HandlerRequest() // its context carries the span
	}
	h.ServeHTTP(sr.w, r)
	if sr.x != nil {
		sr.returned()
	}
}

// The requests being followed are keyed by their Header map: net/http
// makes one per request, and the copies middleware makes (WithContext,
// StripPrefix, TimeoutHandler) share it. Marking the request's context
// instead would copy the request, on every request. The table has no
// lock and no runtime map: net/http's HTTP/2 server starts each handler
// on a fresh goroutine whose small stack a map insertion would grow, on
// every request. A request's state is in it from startServe to unfollow,
// while its follower holds it (OwnedTable's condition).
var following table.OwnedTable[serverRequest]

// watchBody follows the request body of sr's request r, which may hold
// bytes. Out of line: startServe's common path, a GET, stays a few cache
// lines of code.
//
//go:noinline
func (sr *serverRequest) watchBody(r *http.Request, site string, spans bool) {
	o := body.Origin{Site: site, Req: sr.id, Conn: sr.conn, Line: sr.line}
	x := sr.aside()
	if !sr.capture && !spans {
		// net/http's own body reports to the request's state: nothing
		// to allocate, and the state is recycled with the request. A
		// capture rule (the body's bytes) and a span (its wrapper of
		// the writer) take the wrapper. (Without a body, WatchRequest
		// has nothing to watch.)
		st := sr.home.takeBody()
		if x.stdBody = body.WatchRequest(r, st, &o, sr.start); x.stdBody != nil {
			x.body = st
		} else {
			sr.home.putBody(st)
		}
	}
	if x.body == nil {
		x.body = body.WrapRequest(r, &o, sr.capture, sr.start)
	}
}

// startServe starts following r, which no outer wrapper does (ServeHTTP):
// a request StdServe hands over (srv set) has none, net/http calls the
// server's handler chain with each request it reads.
//
// Its common path, an HTTP/1 request of a known connection at level 1
// with net/http's writer and no body to watch, is one straight run of
// code: each 64-byte line of code a request runs is about one
// instruction-cache miss (the server's own code evicts the probes' between
// requests), so the rare cases (HTTP/2, level 2, a body, a span, a
// wrapper) are out of line.
//
//go:noinline
func startServe(site string, srv *http.Server, sc *srvConn, w http.ResponseWriter, r *http.Request) *serverRequest {
	http1 := r.ProtoMajor == 1
	var sr *serverRequest // zero (see end)
	var start int64       // the connection's turn to active for r, else 0
	if sc != nil && http1 {
		sr = sc.takeH1() // the connection's
		start, sc.startAt = sc.startAt, 0
	} else {
		sr = newRequest(sc, http1)
		if sc != nil && !http1 && sc.h2StartAt.Load() != 0 {
			start = sc.h2StartAt.Swap(0) // its turn to active's reading, as h2Start
		}
	}
	ce := sr.ce(sc, r)
	if start == 0 {
		start = ce.RequestStart(http1)
	}
	k := table.HeaderKey(r.Header)
	sr.site, sr.id, sr.conn, sr.start, sr.r, sr.w = site, probes.NextReqID(), ce.ID(), start, r, w
	// The request is new to following: ServeHTTP found it absent (passOn)
	// just before, and StdServe's requests are net/http's, each with a
	// Header of its own.
	sr.followInTable(k)
	hl, bl := probes.Level(probes.Header), probes.Level(probes.Body)
	sr.hdr2 = hl >= 2
	if hl >= 2 || bl >= 2 || !http1 {
		sr.startAside(ce, bl)
	}
	sr.journal = probes.JournalOn()
	std, isStd := w.(stdAnswer)
	hs := -1 // the request header's size, taken once for the journal and the header probe
	if hl >= 1 || sr.journal {
		// The size of r's header as net/http read it, from the std patch's
		// GohttpdbgHeaderSize on its writer (HTTP/1: the request line and
		// header's bytes on the wire; HTTP/2: the decoded block, as
		// SETTINGS_MAX_HEADER_LIST_SIZE counts it), else the size summed
		// from r's header map (a build without the patch, a writer the
		// program wrapped, an HTTP/2 request upgraded from HTTP/1).
		if isStd {
			hs = std.GohttpdbgHeaderSize()
		}
		if hs <= 0 {
			hs = headerSize(w, r)
		}
	}
	if sr.journal {
		var stream uint32
		if r.ProtoMajor == 2 {
			stream = streamID(w)
		}
		_, sr.capture = probes.JournalServerStart(sr.id, ce, stream, sr.start, site, r, hs)
	}
	if hl >= 1 && (hl >= 2 || srv == nil || int64(hs)*10 >= maxHeaderBytes(srv)*9) {
		sr.requestHeaders(hs, srv)
	}
	// ContentLength 0: a body that cannot hold a byte, which neither
	// WatchRequest nor WrapRequest watches (most requests: a GET's).
	spans := probes.SpansOn()
	if spans || bl >= 1 && r.ContentLength != 0 {
		sr.watchAside(r, site, bl, spans)
	}
	sr.inFlight = gc.Start(&sr.flight, sr.id, site, sr.start) != nil
	// header.response is reported when the handler writes its header, or
	// when it returns (net/http then sends 200, or the status is unknown:
	// 0). A handler with a body to read is watched as it writes, so that a
	// body.unread names the handler's line (captureHandler), unless
	// net/http's own body reports the answer (body.StdAnswered). A capture
	// rule (the response's bytes) and a span (its status, on the writer)
	// take the wrapper too. Otherwise net/http's own writer reports the
	// answer when it can (StdAnswered), to header.response and the journal.
	if x := sr.x; x != nil && (x.body != nil && x.stdBody == nil || x.span != nil) || sr.capture {
		sr.wrap()
		if isStd && sr.x.rw != nil && (sr.journal || sr.hdr2) {
			// Its header's sending, which the wrapper does not see
			// (StdSent); its answer is the wrapper's.
			std.GohttpdbgWatch(unsafe.Pointer(sr))
			sr.std = std
		}
	} else if srv != nil || sr.hdr2 || sr.journal {
		if isStd {
			// Watched for its answer, or only for the inner wrappers it
			// reaches unwrapped, which find their follower on it (ServeHTTP).
			std.GohttpdbgWatch(unsafe.Pointer(sr))
			sr.std, sr.answerStd = std, sr.hdr2 || sr.journal
		} else if sr.hdr2 || sr.journal {
			sr.wrap()
		}
	}
	return sr
}

// headerSize is the size of r's header when w, its writer, is not
// net/http's as the std patch leaves it (stdAnswer), or does not know it:
// the patch's GohttpdbgHeaderSize, else summed from r's header map.
//
//go:noinline
func headerSize(w http.ResponseWriter, r *http.Request) int {
	if s, ok := w.(interface{ GohttpdbgHeaderSize() int }); ok {
		if n := s.GohttpdbgHeaderSize(); n > 0 {
			return n
		}
	}
	return probes.ServedHeaderSize(r)
}

// newRequest returns a zero request state for a request on sc (nil: a
// connection StdServe does not know): the connection's next one is made
// here once (HTTP/1), HTTP/2's streams, served at once, take one each from
// requests.
//
//go:noinline
func newRequest(sc *srvConn, http1 bool) *serverRequest {
	if sc != nil && !http1 {
		return sc.takeH2()
	}
	if sc != nil {
		return sc.takeH1()
	}
	return fromPool(nil)
}

// fromPool returns a zero request state from requests, of the HTTP/1
// connection home (nil: none).
func fromPool(home *srvConn) *serverRequest {
	sr := requests.Get().(*serverRequest)
	sr.home, sr.h2home = home, nil
	return sr
}

// ce returns the entry of the connection r arrived on: sc's, else the one
// the probes' ConnContext put in r's context.
func (sr *serverRequest) ce(sc *srvConn, r *http.Request) *probes.ConnEntry {
	if sc != nil {
		return sc.ce
	}
	return connOf(r)
}

//go:noinline
func connOf(r *http.Request) *probes.ConnEntry {
	ce, _ := r.Context().Value(connCtxKey{}).(*probes.ConnEntry)
	return ce
}

// startAside is startServe's part for HTTP/2 and level 2, out of line.
//
//go:noinline
func (sr *serverRequest) startAside(ce *probes.ConnEntry, bl int32) {
	r := sr.r
	if r.ProtoMajor == 2 && ce != nil {
		ce.CountRequest() // see serverConnState
	}
	if sr.hdr2 || bl >= 2 {
		sc := sr.home
		if sc == nil {
			sc = sr.h2home
		}
		if sc != nil {
			sr.line = sc.line.Line(r.Method, r.URL)
		} else {
			sr.line = probes.RequestLine(r.Method, r.URL)
		}
	}
}

// watchAside is startServe's part for a request body that may hold bytes
// (at body level bl) and for a span, out of line.
//
//go:noinline
func (sr *serverRequest) watchAside(r *http.Request, site string, bl int32, spans bool) {
	if bl >= 1 && r.ContentLength != 0 {
		sr.watchBody(r, site, spans)
	}
	if spans {
		sr.aside().span = probes.StartServerSpan(sr.id, r)
	}
}

// maxHeaderBytes is the header limit of srv (http.Server.MaxHeaderBytes).
func maxHeaderBytes(srv *http.Server) int64 {
	if srv.MaxHeaderBytes > 0 {
		return int64(srv.MaxHeaderBytes)
	}
	return http.DefaultMaxHeaderBytes
}

// wrap puts the writer wrapper around the handler's writer, when it is
// one of net/http's.
//
//go:noinline
func (sr *serverRequest) wrap() {
	x := sr.aside()
	if ww, rw := wrapWriter(sr.w, sr, &x.rwv); ww != nil {
		sr.w, x.rw = ww, rw
	}
}

// wrapCaptured is startUsual's end for a request a capture rule keeps
// the bodies of, or whose body (withBody: one that may hold bytes)
// net/http's own does not follow: the wrappers see the request body's
// and the response's bytes, and net/http's writer, std, reports when its
// header leaves (StdSent), as startServe does. Out of line: rare.
//
//go:noinline
func (sr *serverRequest) wrapCaptured(std stdAnswer, withBody bool) {
	if withBody {
		sr.watchBody(sr.r, sr.site, false)
	}
	sr.wrap()
	if sr.x.rw != nil {
		std.GohttpdbgWatch(unsafe.Pointer(sr))
	} else {
		sr.std = nil // startUsual's: not watched
	}
}

// captureHandler records the handler's stack when it starts its response
// with its request body not read to the end: if it returns so, body.unread
// names the main-module line that answered instead of the server's or the
// registration's. Healthy handlers, which read first, never pay for it.
func (sr *serverRequest) captureHandler() {
	x := sr.x
	if x == nil || x.body == nil || x.handlerPCs != nil || x.body.EOF() || !x.body.Unread(x.body.Bytes()) {
		return
	}
	var pcs [probes.StackDepth]uintptr
	n := runtime.Callers(3, pcs[:])
	x.handlerPCs = append([]uintptr(nil), pcs[:n]...)
}

// unreadSite is the site of a body.unread: the handler's line, else the
// handler's registration, else the server's.
func (sr *serverRequest) unreadSite() string {
	var pcs []uintptr
	if sr.x != nil {
		pcs = sr.x.handlerPCs
	}
	if pcs == nil {
		b := sr.body
		if b == nil {
			b = sr.x.body
		}
		pcs = b.AnswerPCs()
	}
	if pcs != nil {
		if si := probes.StackSite(pcs); si.Site != "" {
			return si.Site
		}
	}
	if sr.regSite != "" {
		return sr.regSite
	}
	return sr.site
}

// returned runs when the handler returned normally (not when it
// panicked), with its serverAside or its request body's state in use:
// its request body watched, if it is.
//
//go:noinline
func (sr *serverRequest) returned() {
	if b := sr.body; b != nil {
		// net/http's own body, startUsual's: its watch ends here too.
		n, unread, reusable := b.FinishStd()
		sr.bodyEnd = bodyHeld
		if reusable {
			sr.bodyEnd = bodyReusable
		}
		if unread {
			sr.unfollow() // regSite is final
			// The body left the registry: nobody else reads its site now.
			b.Site = sr.unreadSite()
			b.EmitUnread(n)
		}
		return
	}
	if b := sr.x.body; b != nil {
		if n, unread := b.Finish(); unread {
			sr.unfollow() // regSite is final
			// The body left the registry: nobody else reads its site now.
			b.Site = sr.unreadSite()
			b.EmitUnread(n)
		}
	}
}

// end runs when the handler is done, whichever way. Its common path, a
// handler with net/http's writer, whose answer it reports, and no request
// body watched, no span, is written out in one run (see startServe); any
// other request takes endAside.
//
//go:noinline
func (sr *serverRequest) end() {
	if !sr.answerStd || !sr.journal || sr.x != nil {
		sr.endAside()
		return
	}
	// One clock reading for the handler's end, shared by the answer (its
	// header leaves now unless it left before: net/http sends it after
	// the handler, in most responses), the connection's turn to idle, the
	// gc probe and the journal.
	now := probes.Mono()
	if sr.home != nil {
		sr.home.endAt = now
	} else if sr.h2home != nil {
		sr.h2home.h2EndAt.Store(now) // for its turn to idle, if it is the last stream
	}
	// readAnswer, written out.
	status, written := sr.std.GohttpdbgUnwatch()
	sr.written = written
	if status > 0 && !sr.hdr2 {
		// Answered: with the first status written, which net/http keeps
		// (StdAnswered noted the same, unless the watch was quiet).
		sr.status = status
		if sr.answeredAt == 0 {
			sr.answeredAt = now // the header leaves now (net/http's finishRequest)
		}
	} else {
		sr.noAnswer(status, now) // (a quiet watch is never at header level 2)
	}
	if sr.inFlight {
		gc.EndAt(&sr.flight, now)
	}
	// A request body net/http's own reports (startUsual): its reports
	// stop here. A read still under way (a goroutine the handler
	// started) keeps the state, and so sr, from reuse.
	reqBytes, reusable := int64(-1), true
	if b := sr.body; b != nil {
		reusable = sr.bodyUnwatch()
		reqBytes = b.Bytes()
	}
	// unfollow, written out: regSite is final.
	if k := sr.follow.Load(); k&(claimed|inTable) != 0 || !sr.follow.CompareAndSwap(k, 0) {
		sr.unfollowRare()
	}
	// journalEnd, written out, its outcome filled in place.
	var o probes.ServerOutcome
	o.Site = sr.site
	if sr.regSite != "" {
		o.Site = sr.regSite
	}
	o.Status, o.AnsweredAt, o.ReqBytes, o.Written, o.RespHeader = sr.status, sr.answeredAt, reqBytes, sr.written, sr.respHeader
	probes.JournalServerEnd(sr.id, &o, now)
	if b := sr.body; b != nil {
		if !reusable {
			sr.home.dropBody(b)
			sr.drop() // left to the collector, with sr
			return
		}
		*b = body.State{}
		sr.home.putBody(b)
	}
	// Nothing outside the probes points to sr: it is recycled.
	sr.reqState = reqState{}
	if home := sr.home; home != nil && home.req == sr {
		home.busy = false // its next request's
	} else if h2home := sr.h2home; h2home == nil || !h2home.h2req.CompareAndSwap(nil, sr) {
		requests.Put(sr)
	}
}

// drop: something outside the probes may still point to sr, which is
// left to the collector: its connection makes another state.
func (sr *serverRequest) drop() {
	if home := sr.home; home != nil && home.req == sr {
		home.req, home.busy = nil, false
	}
}

// noAnswer completes the answer of a request whose handler returned at
// now unanswered (status 0: net/http sends 200), hijacked its connection
// (status < 0), or answered at header level 2 (status > 0): the header
// leaves now, unless it left before.
//
//go:noinline
func (sr *serverRequest) noAnswer(status int, now int64) {
	if status < 0 {
		sr.status, sr.answeredAt = 0, 0 // hijacked: no answer
		return
	}
	if !sr.stdAnswered {
		sr.answer(http.StatusOK, sr.std.GohttpdbgHeader())
	}
	if sr.answeredAt == 0 {
		sr.sent(now)
	}
}

// endAside is end for the requests its common path does not take.
//
//go:noinline
func (sr *serverRequest) endAside() {
	// One clock reading for the handler's end, shared by the implicit
	// answer, the gc probe and the journal: a reading costs tens of
	// nanoseconds on every request.
	var now int64
	if sr.inFlight || sr.journal || sr.hdr2 {
		now = probes.Mono()
	}
	if sr.home != nil {
		sr.home.endAt = now // for the connection's turn to idle
	} else if sr.h2home != nil {
		sr.h2home.h2EndAt.Store(now)
	}
	x := sr.x
	if x == nil {
		x = &serverAside{} // zero: nothing aside (on the stack)
	}
	bst, sb := x.body, x.stdBody
	if sr.body != nil { // startUsual's (x has no body then)
		bst, sb = sr.body, sr.body.StdBody()
	}
	if x.rw != nil {
		if sr.std != nil {
			sr.std.GohttpdbgUnwatch() // its Sent reports end
		}
		x.rw.implicit(now)
	} else if sr.answerStd {
		sr.readAnswer(now)
	} else if sr.std != nil {
		sr.std.GohttpdbgUnwatch() // the follower's watch ends
	} else if sr.hdr2 {
		sr.responseHeaders(0, sr.w.Header(), now, false)
	}
	if sr.inFlight {
		gc.EndAt(&sr.flight, now)
	}
	// A body net/http reports: its reports stop here. A read still under
	// way (a goroutine the handler started) keeps the state from reuse.
	reusable := sb == nil || sr.body != nil && sr.bodyUnwatch() || sr.body == nil && bst.Unwatch(sb)
	sr.unfollow() // regSite is final
	if sr.journal {
		sr.journalEnd(now)
	}
	if x.span != nil {
		// The status the handler answered with, 0 when the writer could
		// not be wrapped.
		probes.EndServerSpan(x.span, sr.r, sr.status, sr.handlerSite(), sr.conn)
	}
	if x.rw == nil && (bst == nil || sb != nil && reusable) && x.span == nil {
		// The handler had net/http's writer and body, not ones pointing
		// here.
		if sb != nil {
			*bst = body.State{}
			sr.home.putBody(bst)
		}
		if sr.x != nil {
			*sr.x = serverAside{}
			asides.Put(sr.x) // not x, which would make the stand-in escape
		}
		sr.reqState = reqState{}
		if home := sr.home; home != nil && home.req == sr {
			home.busy = false // its next request's
		} else if h2home := sr.h2home; h2home == nil || !h2home.h2req.CompareAndSwap(nil, sr) {
			requests.Put(sr)
		}
		return
	}
	if sb != nil {
		sr.home.dropBody(bst)
	}
	sr.drop()
}

// takeBody returns a zero body state for a request of sc (nil: of no
// connection StdServe knows), the connection's if it has one.
func (sc *srvConn) takeBody() *body.State {
	if sc != nil && sc.body != nil && !sc.bodyBusy {
		sc.bodyBusy = true // a flag, not a pointer store: no write barrier
		return sc.body
	}
	st := stdBodies.Get().(*body.State)
	if sc != nil && sc.body == nil {
		sc.body, sc.bodyBusy = st, true // then the connection's
	}
	return st
}

// putBody gives back st, zero, for sc's next request (the connection's),
// or to the pool.
func (sc *srvConn) putBody(st *body.State) {
	if sc != nil && sc.body == st {
		sc.bodyBusy = false
		return
	}
	stdBodies.Put(st)
}

// dropBody: st, taken from sc, is left to the collector (a read may still
// hold it, or a request state that something outside the probes keeps):
// the connection takes another.
func (sc *srvConn) dropBody(st *body.State) {
	if sc != nil && sc.body == st {
		sc.body, sc.bodyBusy = nil, false
	}
}

// readAnswer ends the watch of net/http's writer (std) when the handler
// is done, at now, and takes the body bytes from it: an implicit 200 is
// sent then, after the watch.
func (sr *serverRequest) readAnswer(now int64) {
	status, written := sr.std.GohttpdbgUnwatch()
	sr.written = written
	if sr.quiet && status > 0 && !sr.stdAnswered {
		sr.stdAnswered = true
		sr.answer(status, sr.std.GohttpdbgHeader())
	}
	sr.noAnswer(status, now)
}

// handlerSite is the site of the request's exchange: the handler's
// registration, else the server's.
func (sr *serverRequest) handlerSite() string {
	if sr.regSite != "" {
		return sr.regSite
	}
	return sr.site
}

// journalEnd completes the request's record in the journal.
func (sr *serverRequest) journalEnd(now int64) {
	o := probes.ServerOutcome{Site: sr.handlerSite(), Status: sr.status, AnsweredAt: sr.answeredAt,
		ReqBytes: -1, Written: sr.written, RespHeader: sr.respHeader}
	if sr.body != nil {
		o.ReqBytes = sr.body.Bytes()
	} else if sr.x != nil && sr.x.body != nil {
		o.ReqBytes = sr.x.body.Bytes()
	}
	probes.JournalServerEnd(sr.id, &o, now)
}

// fill sets the fields of e, a zero Event, that every event of sr shares.
// Events are filled in place, not returned: see AddString.
func (sr *serverRequest) fill(e *probes.Event, p probes.Probe, sev probes.Sev, name, msg string) {
	e.Probe, e.Sev, e.Name, e.Site, e.Conn, e.Req, e.Msg = p, sev, name, sr.site, sr.conn, sr.id, msg
}

// requestHeaders runs the header probe on the request, whose header's
// size (ServedHeaderSize) is size, served by srv (nil: the request's
// context names the server).
func (sr *serverRequest) requestHeaders(size int, srv *http.Server) {
	r := sr.r
	if probes.Level(probes.Header) >= 2 {
		sr.emitRequestHeaders(size)
	}
	limit := int64(http.DefaultMaxHeaderBytes)
	s := srv
	if s == nil {
		// A walk of the request's context chain, which StdServe's
		// requests skip.
		s, _ = r.Context().Value(http.ServerContextKey).(*http.Server)
	}
	if s != nil && s.MaxHeaderBytes > 0 {
		limit = int64(s.MaxHeaderBytes)
	}
	if int64(size)*10 >= limit*9 {
		sr.emitHeaderLimit(size, limit)
	}
}

// The events are out of line: see the comment above emitReadAfterClose.
// This one is built in the ring, as responseHeaders'.
//
//go:noinline
func (sr *serverRequest) emitRequestHeaders(size int) {
	r := sr.r
	e, t := probes.Reserve()
	if e == nil {
		return
	}
	sr.fill(e, probes.Header, probes.Info, "header.request", "server received request headers")
	if sr.start != 0 {
		e.Time = probes.TimeAt(sr.start) // the request's start, read with its header: no second reading
	}
	e.AddString(probes.KeyMethod, r.Method)
	e.AddString(probes.KeyURL, sr.line)
	e.AddString(probes.KeyHost, r.Host)
	e.AddString(probes.KeyProto, r.Proto)
	e.AddInt(probes.KeySize, int64(size))
	if !sr.journal || !probes.AddJournalRequestHeader(e, probes.KeyHeaders, sr.id) {
		e.AddHeader(probes.KeyHeaders, r.Header)
	}
	e.AddString(probes.KeyRemote, r.RemoteAddr)
	// A plain call (a deferred one costs a wrapper's call): nothing above
	// can panic and leave the slot unpublished (see the client's
	// firstByteSlot).
	probes.Publish(t)
}

//go:noinline
func (sr *serverRequest) emitHeaderLimit(size int, limit int64) {
	r := sr.r
	var e probes.Event
	sr.fill(&e, probes.Header, probes.Warn, "header.limit",
		fmt.Sprintf("request headers of %d bytes are %d%% of the server's MaxHeaderBytes", size, int64(size)*100/limit))
	e.AddInt(probes.KeySize, int64(size))
	e.AddInt(probes.KeyLimit, limit)
	e.AddString(probes.KeyLimitName, "MaxHeaderBytes")
	e.AddString(probes.KeyURL, probes.RequestLine(r.Method, r.URL))
	e.AddString(probes.KeyRemote, r.RemoteAddr)
	probes.Emit(&e)
}

// responseHeaders builds its event in the ring (probes.Reserve): it runs
// deep in the handler's goroutine, whose stack an Event on the frame
// grew on most HTTP/2 requests. now is when the header was written
// (mono). journal: h is the header the journal's record gets as
// answered (sr.respHeader), whose fields it keeps from the event's walk
// of the map.
func (sr *serverRequest) responseHeaders(status int, h http.Header, now int64, journal bool) {
	e, t := probes.Reserve()
	if e == nil {
		return
	}
	sr.fill(e, probes.Header, probes.Info, "header.response", "server sent response headers")
	e.Time = probes.TimeAt(now)
	e.AddInt(probes.KeyStatus, int64(status))
	if journal && len(h) > 0 { // an empty one is not worth the record's lock
		probes.AddJournalResponseHeader(e, probes.KeySize, probes.KeyHeaders, sr.id, h) // one walk of the map for all
	} else {
		e.AddSizedHeader(probes.KeySize, probes.KeyHeaders, h, nil) // one walk of the map for both
	}
	e.AddDuration(probes.KeyDur, time.Duration(now-sr.start))
	probes.Publish(t) // a plain call: see emitRequestHeaders
}

// respWriter sees the status and headers a handler sends. It is only used
// under a capture rule, with a span, for a request with a body to watch,
// or at header level 2 and for the journal around a writer without the
// std patch's hooks (stdAnswer); and only around the two ResponseWriter
// implementations of net/http, whose optional interfaces it reproduces
// exactly (rwH1, rwH2), so a handler's type assertions behave the same.
type respWriter struct {
	http.ResponseWriter
	sr    *serverRequest
	wrote bool
}

func (w *respWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// GohttpdbgFollower returns the request's follower to an inner wrapper
// (ServeHTTP): the wrapper lives as long as its serverRequest, which is not
// recycled once wrapped.
func (w *respWriter) GohttpdbgFollower() unsafe.Pointer { return unsafe.Pointer(w.sr) }

func (w *respWriter) WriteHeader(code int) {
	if !w.wrote && (code >= 200 || code < 100) {
		w.sr.captureHandler()
		w.answered(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

// answered: the handler answered with code. Its header leaves later
// (sent): reported by net/http's writer when the std patch watches it
// for the wrapper (StdSent), at a Flush, else when the handler returns.
func (w *respWriter) answered(code int) {
	w.wrote = true
	var h http.Header
	if w.sr.hdr2 || w.sr.journal && w.sr.capture {
		h = w.Header()
	}
	w.sr.answer(code, h)
}

// implicit: the handler returned, at now; net/http sends 200 if it did
// not write, and the header leaves now unless it left before.
func (w *respWriter) implicit(now int64) {
	if !w.wrote {
		w.answered(http.StatusOK)
	}
	if w.sr.answeredAt == 0 && w.sr.status != 0 && (w.sr.journal || w.sr.hdr2) {
		w.sr.sent(now)
	}
}

// writing: the handler writes its response (an implicit 200 first).
func (w *respWriter) writing() {
	if !w.wrote {
		w.sr.captureHandler()
		w.answered(http.StatusOK)
	}
}

func (w *respWriter) Write(p []byte) (int, error) {
	w.writing()
	n, err := w.ResponseWriter.Write(p)
	w.sent(p[:n])
	return n, err
}

// sent counts (and, under a capture rule, keeps) response bytes.
func (w *respWriter) sent(p []byte) {
	w.sr.written += int64(len(p))
	if w.sr.capture {
		probes.JournalBody(w.sr.id, true, p)
	}
}

func (w *respWriter) WriteString(s string) (int, error) {
	w.writing()
	n, err := w.ResponseWriter.(io.StringWriter).WriteString(s)
	w.sr.written += int64(n)
	if w.sr.capture {
		probes.JournalBody(w.sr.id, true, []byte(s[:n]))
	}
	return n, err
}

func (w *respWriter) Flush() {
	w.writing()
	w.ResponseWriter.(http.Flusher).Flush()
	if w.sr.answeredAt == 0 && (w.sr.journal || w.sr.hdr2) {
		w.sr.sent(probes.Mono()) // net/http's writer did not report it (StdSent)
	}
}

func (w *respWriter) CloseNotify() <-chan bool {
	//lint:ignore SA1019 net/http's writers still implement CloseNotifier; so must we
	return w.ResponseWriter.(http.CloseNotifier).CloseNotify()
}

// rwH1 mirrors net/http's HTTP/1 response writer.
type rwH1 struct{ *respWriter }

func (w rwH1) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.wrote = true // the handler owns the connection: no response header
	return w.ResponseWriter.(http.Hijacker).Hijack()
}

func (w rwH1) ReadFrom(r io.Reader) (int64, error) {
	w.writing()
	if w.sr.capture {
		r = io.TeeReader(r, probes.CaptureWriter(w.sr.id))
	}
	n, err := w.ResponseWriter.(io.ReaderFrom).ReadFrom(r)
	w.sr.written += n
	return n, err
}

// rwH2 mirrors net/http's HTTP/2 response writer.
type rwH2 struct{ *respWriter }

func (w rwH2) Push(target string, opts *http.PushOptions) error {
	return w.ResponseWriter.(http.Pusher).Push(target, opts)
}

const (
	ifFlusher = 1 << iota
	ifHijacker
	ifReaderFrom
	ifStringWriter
	ifCloseNotifier
	ifPusher

	setH1 = ifFlusher | ifHijacker | ifReaderFrom | ifStringWriter | ifCloseNotifier
	setH2 = ifFlusher | ifStringWriter | ifCloseNotifier | ifPusher
)

// wrapWriter returns w wrapped in rw (sr's storage for it), or nil when
// w's set of optional interfaces is not one the wrappers reproduce.
func wrapWriter(w http.ResponseWriter, sr *serverRequest, rw *respWriter) (http.ResponseWriter, *respWriter) {
	set := 0
	if _, ok := w.(http.Flusher); ok {
		set |= ifFlusher
	}
	if _, ok := w.(http.Hijacker); ok {
		set |= ifHijacker
	}
	if _, ok := w.(io.ReaderFrom); ok {
		set |= ifReaderFrom
	}
	if _, ok := w.(io.StringWriter); ok {
		set |= ifStringWriter
	}
	//lint:ignore SA1019 see respWriter.CloseNotify
	if _, ok := w.(http.CloseNotifier); ok {
		set |= ifCloseNotifier
	}
	if _, ok := w.(http.Pusher); ok {
		set |= ifPusher
	}
	*rw = respWriter{ResponseWriter: w, sr: sr}
	switch set {
	case setH1:
		return rwH1{rw}, rw
	case setH2:
		return rwH2{rw}, rw
	}
	return nil, nil
}

// streamID returns the HTTP/2 stream of an HTTP/2 request whose writer
// is w: the std patch gives the HTTP/2 servers' response writer (Go
// 1.26's, Go 1.27's, x/net's) a GohttpdbgStreamID method. 0 when w is a
// wrapper of the program's (a rewritten handler behind middleware).
//
//go:noinline
func streamID(w http.ResponseWriter) uint32 {
	if s, ok := w.(interface{ GohttpdbgStreamID() uint32 }); ok {
		return s.GohttpdbgStreamID()
	}
	return 0
}
