package probes

import (
	"io"
	"net/http"
	"net/url"
	"runtime"
	"sort"
	"sync/atomic"
	"time"
)

// The body probe wraps Response.Body at client call sites and
// Request.Body in server handlers. A wrapped body counts bytes, notices
// EOF and Close, and keeps an entry in the open-body inventory until it is
// closed (client) or its handler returns (server). A client body that is
// garbage-collected without Close is reported by a finalizer on the
// wrapper.

// BodyInfo describes an open body (/v1/bodies).
type BodyInfo struct {
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

type bodyState struct {
	id         uint64
	server     bool
	site       string
	via        string // the library frame, for a request made in a library
	req, conn  uint64
	method     string
	u          *url.URL // rendered (redacted) only when an event needs it
	line       string   // the request line, when it was rendered up front
	opened     int64    // mono
	length     int64    // Content-Length, -1 unknown
	http1      bool
	connClose  bool // the response said Connection: close
	host       *hostState
	flight     *flight // in the gc in-flight set; nil when the gc probe is off
	bytes      atomic.Int64
	eof        atomic.Bool
	closed     atomic.Bool // Close called (client) or handler returned (server)
	userClosed atomic.Bool // Close called
	racWarned  atomic.Bool
	heldWarned atomic.Bool // body.held reported
	flightDone atomic.Bool
	slot       int  // in bodies
	capture    bool // a capture rule keeps the body (journalBody)
	// spanOf is the client request whose OTLP span ends with the body
	// (GOHTTPDBG_OUT=otlp), else nil.
	spanOf *ClientRequest
}

// done ends the request for the gc in-flight set and for the host's
// reuse accounting; it runs once, at EOF, Close or collection.
func (st *bodyState) done(now int64) {
	if !st.flightDone.CompareAndSwap(false, true) {
		return
	}
	if st.flight != nil {
		flightEndAt(st.flight, now)
	}
	if st.host != nil {
		st.host.end()
	}
	if !st.server {
		journalClientEnd(st.req, now, st.bytes.Load())
	}
	if st.spanOf != nil {
		clientSpanEnd(st.spanOf)
	}
}

type trackedBody struct {
	rc io.ReadCloser
	st *bodyState
	// sentinel carries the leak finalizer when b itself cannot (see
	// wrapResponseBody); nil when the finalizer is on b.
	sentinel *leakSentinel
}

// leakSentinel is referenced by its body wrapper alone, and references
// only the body's state: it becomes unreachable with the wrapper, and is
// never part of a cycle, so its finalizer runs where the wrapper's could
// not.
type leakSentinel struct{ st *bodyState }

func sentinelFinalized(s *leakSentinel) { bodyCollected(s.st) }

var (
	bodies  registry[bodyState] // the open bodies (/v1/bodies)
	bodyIDs atomic.Uint64
)

func (st *bodyState) register() { st.slot = bodies.add(st, st.id) }

func (st *bodyState) unregister() { bodies.remove(st, st.slot) }

// OpenBodies returns the bodies currently open, oldest first.
func OpenBodies() []BodyInfo {
	now := mono()
	var out []BodyInfo
	bodies.each(func(st *bodyState) {
		side := "client"
		if st.server {
			side = "server"
		}
		out = append(out, BodyInfo{ID: st.id, Side: side, Site: st.site, Req: st.req, Conn: st.conn,
			URL: st.url(), Opened: wallAt(st.opened), Age: time.Duration(now - st.opened), Bytes: st.bytes.Load(), EOF: st.eof.Load()})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (st *bodyState) url() string { return renderedLine(st.line, st.method, st.u) }

// fill sets the fields of e, a zero Event, that every event of st shares.
// Events are filled in place, not returned: see AddString.
func (st *bodyState) fill(e *Event, sev Sev, name, msg string) {
	e.Probe, e.Sev, e.Name, e.Site, e.Conn, e.Req, e.Msg = Body, sev, name, st.site, st.conn, st.req, msg
	if st.via != "" {
		e.AddString("via", st.via)
	}
}

func (b *trackedBody) Read(p []byte) (int, error) {
	st := b.st
	if st.userClosed.Load() && st.racWarned.CompareAndSwap(false, true) && Level(Body) >= 1 {
		st.emitReadAfterClose()
	}
	if st.flight != nil {
		st.flight.readStart()
	}
	n, err := b.rc.Read(p)
	var now int64 // one clock read serves the in-flight entry and the pool
	if st.flight != nil || err == io.EOF {
		now = mono()
	}
	if st.flight != nil {
		st.flight.readEnd(now)
	}
	if n > 0 {
		st.bytes.Add(int64(n))
		if st.capture {
			journalBody(st.req, !st.server, p[:n])
		}
	}
	if err == io.EOF && st.eof.CompareAndSwap(false, true) {
		st.done(now)
		if st.host != nil && st.http1 {
			// net/http returns the connection to the idle pool at EOF.
			if st.connClose {
				st.host.lost("the server sent Connection: close")
			} else {
				st.host.release(now)
			}
		}
	}
	return n, err
}

func (b *trackedBody) Close() error {
	st := b.st
	st.userClosed.Store(true)
	if st.server || !st.closed.CompareAndSwap(false, true) {
		return b.rc.Close()
	}
	// A closed body costs the collector nothing more.
	if b.sentinel != nil {
		runtime.SetFinalizer(b.sentinel, nil)
	} else {
		runtime.SetFinalizer(b, nil)
	}
	st.unregister()
	st.done(mono())
	eof := st.eof.Load()
	lvl := Level(Body)
	if lvl >= 2 {
		st.emitClose("response body closed", eof)
	}
	if !eof && st.http1 {
		st.earlyClose(lvl)
	}
	return b.rc.Close()
}

// heldAfter is how long a response body may stay open, neither read to
// EOF nor closed, before a new connection to its host reports it
// (body.held).
const heldAfter = time.Second

// reportHeldBodies runs when a client request to host had to dial a new
// connection: every HTTP/1 response body of that host open for longer
// than heldAfter, unread to EOF and not closed, pins a connection the
// pool could have reused. It is reported once (body.held), before the
// collector finds it (body.leak) — which may be long: a leaked body is
// small, and the heap may not grow enough to trigger a collection.
func reportHeldBodies(host *hostState) {
	now := mono()
	var held []*bodyState
	bodies.each(func(st *bodyState) {
		if !st.server && st.http1 && st.host == host && now-st.opened > int64(heldAfter) &&
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
func (st *bodyState) emitHeld(now int64) {
	var e Event
	st.fill(&e, Warn, "body.held", "response body open without Close or EOF while its host needed a new connection: it pins one (a leak, unless it is still being read)")
	e.AddDuration("age", time.Duration(now-st.opened))
	e.AddInt("bytes", st.bytes.Load())
	e.AddString("url", st.url())
	Emit(&e)
}

// bodyFinalized is the finalizer of a client body wrapper: it reports a
// body.leak unless Close was called.
//
// A finalizer, not runtime.AddCleanup: AddCleanup allocates twice (a
// closure and its argument) on every response, SetFinalizer not at all,
// and is cheaper to set and to clear. What a finalizer costs in exchange
// is harmless here: b (and the body it wraps) lives one collection longer;
// b must be in no cycle, which holds for an HTTP/1 body of known length
// (others take a leakSentinel: see wrapResponseBody).
func bodyFinalized(b *trackedBody) { bodyCollected(b.st) }

// bodyCollected reports a client body garbage-collected without Close.
func bodyCollected(st *bodyState) {
	if st.closed.Load() {
		return
	}
	st.unregister()
	st.done(mono())
	eof := st.eof.Load()
	if !eof && st.http1 && st.host != nil {
		st.host.lost("a response body was never closed at " + st.site)
	}
	lvl := Level(Body)
	if lvl < 1 || eof && lvl < 2 {
		// Read to EOF, the body had released its connection: not closing
		// it then costs nothing, and is not a diagnostic.
		return
	}
	msg, sev := "response body garbage-collected without Close: its connection was never released", Warn
	if !st.http1 {
		// HTTP/2 multiplexes: the connection serves others, the stream and
		// its flow-control window stayed taken.
		msg = "response body garbage-collected without Close: its HTTP/2 stream was never released"
	}
	if eof {
		msg, sev = "response body read to EOF and garbage-collected without Close: harmless, its connection was released at EOF", Info
	}
	var e Event
	st.fill(&e, sev, "body.leak", msg)
	e.AddInt("bytes", st.bytes.Load())
	e.AddBool("eof", eof)
	e.AddDuration("age", sinceMono(st.opened))
	e.AddString("url", st.url())
	Emit(&e)
}

// wrapResponseBody wraps resp.Body; cr is the client request it belongs to,
// now the time its response headers came.
func wrapResponseBody(resp *http.Response, cr *ClientRequest, now int64) {
	rc := resp.Body
	if rc == nil || rc == http.NoBody {
		return
	}
	if _, ok := rc.(io.Writer); ok {
		return // 101 Switching Protocols: the caller type-asserts io.ReadWriteCloser
	}
	if cr.flight != nil {
		cr.flight.responded(now)
	}
	// The state lives in cr (one allocation a request); the registries
	// point there, never to b, so b can be collected.
	st := &cr.body
	st.id, st.site, st.via, st.req, st.conn = bodyIDs.Add(1), cr.site, cr.via, cr.id, cr.connID()
	st.method, st.u, st.line, st.opened = cr.req.Method, cr.req.URL, cr.line, now
	st.length, st.http1, st.connClose = resp.ContentLength, resp.ProtoMajor == 1, resp.Close
	st.host, st.flight = cr.host, cr.flight
	st.capture = journalCaptures(cr.id)
	b := &trackedBody{rc: rc, st: st}
	st.register()
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
	cr.flight = nil // the body now ends the request
	cr.hostHandedOff = true
	if Level(Body) >= 2 {
		st.emitOpen("response body opened", resp.Proto)
	}
}

// wrapRequestBody wraps a server request's body and returns its state,
// or nil when there is no body to watch.
func wrapRequestBody(r *http.Request, sr *serverRequest) *bodyState {
	rc := r.Body
	// ContentLength 0: a body that cannot hold a byte. HTTP/1 gives such
	// a request NoBody; HTTP/2 gives every request a body, also a GET
	// whose HEADERS ended the stream, and watching it would cost every
	// such request an allocation and a registration for nothing.
	if rc == nil || rc == http.NoBody || r.ContentLength == 0 {
		return nil
	}
	st := &sr.body
	st.id, st.server, st.site, st.req, st.conn = bodyIDs.Add(1), true, sr.site, sr.id, sr.conn
	st.method, st.u, st.line, st.opened, st.length, st.http1 = r.Method, r.URL, sr.line, mono(), r.ContentLength, r.ProtoMajor == 1
	st.capture = sr.capture
	st.register()
	r.Body = &trackedBody{rc: rc, st: st}
	if Level(Body) >= 2 {
		st.emitOpen("request body opened", r.Proto)
	}
	return st
}

// finishRequestBody runs when the handler returned. It reports whether
// the handler left the body unread (a body.unread is due) and how much
// it read.
func finishRequestBody(st *bodyState) (n int64, unread bool) {
	st.closed.Store(true)
	st.unregister()
	n, eof := st.bytes.Load(), st.eof.Load()
	lvl := Level(Body)
	if lvl >= 2 {
		st.emitClose("request body done: handler returned", eof)
	}
	return n, lvl >= 1 && !eof && st.unread(n)
}

// unread: a server request body of which n bytes were read is not done
// (body.unread): short of its Content-Length, or of unknown length with
// nothing read. One read to its length without seeing EOF (a JSON
// decoder's) is done.
func (st *bodyState) unread(n int64) bool {
	return st.length > n || (st.length < 0 && n == 0)
}

// The events are built in functions of their own, kept out of line: an
// Event takes hundreds of bytes of stack, and the functions above run on
// every request, some on goroutines net/http starts per request (HTTP/2
// handlers) whose stacks would otherwise have to grow each time.

//go:noinline
func (st *bodyState) emitReadAfterClose() {
	var e Event
	st.fill(&e, Warn, "body.read_after_close", "body read after Close")
	e.AddInt("bytes", st.bytes.Load())
	Emit(&e)
}

//go:noinline
func (st *bodyState) emitOpen(msg, proto string) {
	var e Event
	st.fill(&e, Info, "body.open", msg)
	e.AddInt("length", st.length)
	e.AddString("proto", proto)
	e.AddString("url", st.url())
	Emit(&e)
}

//go:noinline
func (st *bodyState) emitClose(msg string, eof bool) {
	var e Event
	st.fill(&e, Info, "body.close", msg)
	e.AddInt("bytes", st.bytes.Load())
	e.AddBool("eof", eof)
	e.AddDuration("dur", sinceMono(st.opened))
	Emit(&e)
}

// earlyClose: a client body closed before EOF, so net/http closes its
// connection.
//
//go:noinline
func (st *bodyState) earlyClose(lvl int32) {
	if lvl >= 1 {
		var e Event
		st.fill(&e, Warn, "body.early_close",
			"response body closed before EOF: net/http closes the connection instead of reusing it")
		e.AddInt("bytes", st.bytes.Load())
		e.AddInt("length", st.length)
		e.AddString("url", st.url())
		Emit(&e)
	}
	if st.host != nil {
		st.host.lost("a response body was closed before EOF at " + st.site)
	}
}

//go:noinline
func (st *bodyState) emitUnread(n int64) {
	msg := "handler returned without reading its request body"
	if n > 0 {
		msg = "handler returned with its request body partly read"
	}
	var e Event
	st.fill(&e, Warn, "body.unread", msg)
	e.AddInt("read", n)
	e.AddInt("length", st.length)
	e.AddString("url", st.url())
	Emit(&e)
}
