package probes

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"sync"
	"time"
)

// InstrumentServer composes the probes' ConnState and ConnContext hooks
// with the ones s already has: the user's hook runs first, then the
// probes'; a user hook is never replaced. It is idempotent: the call-site wrappers call it at the
// &http.Server{} literal and again before Serve, which also catches a hook
// the user set in between.
func InstrumentServer(s *http.Server, site string) {
	if s == nil {
		return
	}
	if s.ConnState == nil || reflect.ValueOf(s.ConnState).Pointer() != ourConnStatePC {
		s.ConnState = composeConnState(s.ConnState, site)
	}
	if s.ConnContext == nil || reflect.ValueOf(s.ConnContext).Pointer() != ourConnContextPC {
		s.ConnContext = composeConnContext(s.ConnContext)
	}
}

var (
	ourConnStatePC   = reflect.ValueOf(composeConnState(nil, "")).Pointer()
	ourConnContextPC = reflect.ValueOf(composeConnContext(nil)).Pointer()
)

type connCtxKey struct{}

// The compose functions must not be inlined: an inlined copy would give
// the closure another code pointer, and InstrumentServer would no longer
// recognise its own hooks.
//
//go:noinline
func composeConnContext(user func(context.Context, net.Conn) context.Context) func(context.Context, net.Conn) context.Context {
	return func(ctx context.Context, c net.Conn) context.Context {
		if user != nil {
			ctx = user(ctx, c)
		}
		if id := ConnID(c); id != 0 {
			ctx = context.WithValue(ctx, connCtxKey{}, id)
		}
		return ctx
	}
}

//go:noinline
func composeConnState(user func(net.Conn, http.ConnState), site string) func(net.Conn, http.ConnState) {
	return func(c net.Conn, st http.ConnState) {
		if user != nil {
			user(c, st)
		}
		serverConnState(c, st, site)
	}
}

func serverConnState(c net.Conn, st http.ConnState, site string) {
	lvl := Level(Dial)
	if lvl < 1 || Ignored(c) {
		return
	}
	ce := connFor(c, "server")
	if ce == nil {
		return
	}
	prev, in := setConnState(ce, st.String(), st == http.StateActive)
	if lvl >= 2 {
		emitConnState(ce, st, site, prev, in)
	}
	if st == http.StateClosed || st == http.StateHijacked {
		forgetConn(connKey{ce.key, ce.info.ID})
	}
}

// emitConnState is out of line: see the comment above emitReadAfterClose.
//
//go:noinline
func emitConnState(ce *connEntry, st http.ConnState, site, prev string, in time.Duration) {
	e := Event{Probe: Dial, Sev: Info, Name: "dial.conn_state", Site: site, Conn: ce.info.ID,
		Msg: "server connection " + st.String()}
	e.Add(String("state", st.String()), String("remote", ce.info.Remote))
	if prev != "" {
		e.Add(String("prev", prev), Duration("prev_dur", in))
	}
	if st == http.StateClosed || st == http.StateHijacked {
		connsMu.Lock()
		n := ce.info.Requests
		connsMu.Unlock()
		e.Add(Int("requests", n))
	}
	Emit(&e)
}

// ConnIDFromContext returns the id of the server connection a request
// arrived on, when the server was instrumented.
func ConnIDFromContext(ctx context.Context) uint64 {
	id, _ := ctx.Value(connCtxKey{}).(uint64)
	return id
}

// serverRequest follows one request in an instrumented handler.
type serverRequest struct {
	site  string
	id    uint64
	conn  uint64
	start int64 // mono
	r     *http.Request
	// flight is the request's entry in the gc in-flight set (used when
	// the gc probe is on), body its request body's state: part of the
	// one allocation a served request costs.
	flight flight
	body   bodyState
}

// ServeHTTP runs h for a handler registered at site, with the probes
// around it. The call-site wrapper's handler calls it. A request already
// followed by an outer wrapper (a wrapped mux behind a wrapped server
// handler, or a mux inside a mux) is passed through, so that it is
// reported once, by the outermost wrapper.
func ServeHTTP(h http.Handler, site string, w http.ResponseWriter, r *http.Request) {
	hl, bl, gl := Level(Header), Level(Body), Level(GC)
	if hl|bl|gl == 0 {
		h.ServeHTTP(w, r)
		return
	}
	k := headerKey(r.Header)
	if !follow(k) {
		h.ServeHTTP(w, r)
		return
	}
	defer unfollow(k)
	serve(h, site, w, r)
}

// ServeHTTPOuter is ServeHTTP for a server's own Handler.
func ServeHTTPOuter(h http.Handler, site string, w http.ResponseWriter, r *http.Request) {
	ServeHTTP(h, site, w, r)
}

// The requests being followed are keyed by their Header map: net/http
// makes one per request, and the copies middleware makes (WithContext,
// StripPrefix, TimeoutHandler) share it. Marking the request's context
// instead would copy the request, on every request.
const followShards = 16

type followShard struct {
	mu sync.Mutex
	m  map[uintptr]struct{}
}

var following [followShards]followShard

func init() {
	for i := range following {
		following[i].m = make(map[uintptr]struct{})
	}
}

// headerKey returns the identity of h, 0 for a nil map.
func headerKey(h http.Header) uintptr { return reflect.ValueOf(h).Pointer() }

// follow marks k followed; it returns false when it already was. A
// request without a Header (k 0) cannot be marked and is always followed.
func follow(k uintptr) bool {
	if k == 0 {
		return true
	}
	s := &following[(k>>4)%followShards]
	s.mu.Lock()
	_, dup := s.m[k]
	if !dup {
		s.m[k] = struct{}{}
	}
	s.mu.Unlock()
	return !dup
}

func unfollow(k uintptr) {
	if k == 0 {
		return
	}
	s := &following[(k>>4)%followShards]
	s.mu.Lock()
	delete(s.m, k)
	s.mu.Unlock()
}

func serve(h http.Handler, site string, w http.ResponseWriter, r *http.Request) {
	hl, bl := Level(Header), Level(Body)
	sr := &serverRequest{site: site, id: NextReqID(), conn: ConnIDFromContext(r.Context()), start: mono(), r: r}
	if hl >= 1 {
		sr.requestHeaders()
	}
	var bs *bodyState
	if bl >= 1 {
		bs = wrapRequestBody(r, sr)
	}
	if f := flightStart(&sr.flight, sr.id, site, sr.start); f != nil {
		defer flightEnd(f)
	}
	if hl >= 2 {
		// Reported when the handler writes its header, or when it returns
		// (net/http then sends 200, or the status is unknown: 0).
		if ww, rw := wrapWriter(w, sr); ww != nil {
			w = ww
			defer rw.implicit()
		} else {
			defer func() { sr.responseHeaders(0, w.Header()) }()
		}
	}
	h.ServeHTTP(w, r)
	if bs != nil {
		finishRequestBody(bs)
	}
}

func (sr *serverRequest) event(p Probe, sev Sev, name, msg string) Event {
	return Event{Probe: p, Sev: sev, Name: name, Site: sr.site, Conn: sr.conn, Req: sr.id, Msg: msg}
}

func (sr *serverRequest) requestHeaders() {
	r := sr.r
	size := HeaderSize(r.Header) + len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4 + len("Host: \r\n") + len(r.Host)
	if Level(Header) >= 2 {
		sr.emitRequestHeaders(size)
	}
	limit := int64(http.DefaultMaxHeaderBytes)
	if s, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok && s.MaxHeaderBytes > 0 {
		limit = int64(s.MaxHeaderBytes)
	}
	if int64(size)*10 >= limit*9 {
		sr.emitHeaderLimit(size, limit)
	}
}

// The events are out of line: see the comment above emitReadAfterClose.
//
//go:noinline
func (sr *serverRequest) emitRequestHeaders(size int) {
	r := sr.r
	e := sr.event(Header, Info, "header.request", "server received request headers")
	e.Add(String("method", r.Method), String("url", requestLine(r.Method, r.URL)), String("host", r.Host), String("proto", r.Proto),
		Int("size", int64(size)), String("headers", FormatHeader(r.Header)), String("remote", r.RemoteAddr))
	Emit(&e)
}

//go:noinline
func (sr *serverRequest) emitHeaderLimit(size int, limit int64) {
	r := sr.r
	e := sr.event(Header, Warn, "header.limit",
		fmt.Sprintf("request headers of %d bytes are %d%% of the server's MaxHeaderBytes", size, int64(size)*100/limit))
	e.Add(Int("size", int64(size)), Int("limit", limit), String("limit_name", "MaxHeaderBytes"),
		String("url", requestLine(r.Method, r.URL)), String("remote", r.RemoteAddr))
	Emit(&e)
}

func (sr *serverRequest) responseHeaders(status int, h http.Header) {
	e := sr.event(Header, Info, "header.response", "server sent response headers")
	e.Add(Int("status", int64(status)), Int("size", int64(HeaderSize(h))), String("headers", FormatHeader(h)),
		Duration("dur", sinceMono(sr.start)))
	Emit(&e)
}

// respWriter sees the status and headers a handler sends. It is only used
// at header level 2, and only around the two ResponseWriter
// implementations of net/http, whose optional interfaces it reproduces
// exactly (rwH1, rwH2), so a handler's type assertions behave the same.
type respWriter struct {
	http.ResponseWriter
	sr    *serverRequest
	wrote bool
}

func (w *respWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *respWriter) WriteHeader(code int) {
	if !w.wrote && (code >= 200 || code < 100) {
		w.wrote = true
		w.sr.responseHeaders(code, w.Header())
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *respWriter) implicit() {
	if !w.wrote {
		w.wrote = true
		w.sr.responseHeaders(http.StatusOK, w.Header())
	}
}

func (w *respWriter) Write(p []byte) (int, error) {
	w.implicit()
	return w.ResponseWriter.Write(p)
}

func (w *respWriter) WriteString(s string) (int, error) {
	w.implicit()
	return w.ResponseWriter.(io.StringWriter).WriteString(s)
}

func (w *respWriter) Flush() {
	w.implicit()
	w.ResponseWriter.(http.Flusher).Flush()
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
	w.implicit()
	return w.ResponseWriter.(io.ReaderFrom).ReadFrom(r)
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

// wrapWriter returns w wrapped, or nil when w's set of optional interfaces
// is not one the wrappers reproduce.
func wrapWriter(w http.ResponseWriter, sr *serverRequest) (http.ResponseWriter, *respWriter) {
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
	rw := &respWriter{ResponseWriter: w, sr: sr}
	switch set {
	case setH1:
		return rwH1{rw}, rw
	case setH2:
		return rwH2{rw}, rw
	}
	return nil, nil
}
