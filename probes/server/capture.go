package server

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/body"
	"github.com/gohttpdbg/gohttpdbg/probes/gc"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/table"
)

// With the std patch's capture hooks (probes.StdCapture), every server
// request is followed around the server's handler chain (StdServe),
// whoever started the server (StdServeStart): gin's Run as well as the
// program's own http.Server. A rewritten registration only names its
// handler (SitedHandler); a server started elsewhere is attributed from
// its stack (probes.CallerSite).

// serverSite is what the probes know of a server: the site that started
// it, or that it is the runtime's own.
type serverSite struct {
	srv  *http.Server
	site string
	// runtime: the server is the runtime's own (Ignore), not followed.
	runtime atomic.Bool
	// connState: the latest ConnState composition of the probes on the
	// server, the one that reports (composeConnState, StdConnState).
	connState atomic.Pointer[connComp]
}

var (
	servers sync.Map // *http.Server → *serverSite
	// lastServer is the latest server StdServe looked up: a program
	// serves most of its requests from one server, and the map's lookup
	// (a hash of the key's interface) costs every request about a
	// hundred nanoseconds. An entry is never replaced in servers, so a
	// cached one stays right.
	lastServer atomic.Pointer[serverSite]
)

// Ignore excludes s (the admin socket's server) from the probes.
func Ignore(s *http.Server) {
	v, _ := servers.LoadOrStore(s, &serverSite{srv: s})
	v.(*serverSite).runtime.Store(true)
}

// lookupServer returns what the probes know of s, nil if nothing.
func lookupServer(s *http.Server) *serverSite {
	if p := lastServer.Load(); p != nil && p.srv == s {
		return p
	}
	v, ok := servers.Load(s)
	if !ok {
		return nil
	}
	p := v.(*serverSite)
	lastServer.Store(p)
	return p
}

// noteServer records the site of s, unless it has one already (a
// rewritten &http.Server{} literal's beats a stack's).
func noteServer(s *http.Server, site string) *serverSite {
	if s == nil {
		return nil
	}
	v, _ := servers.LoadOrStore(s, &serverSite{srv: s, site: site})
	return v.(*serverSite)
}

// StdServeStart is the std patch's ServeStart hook: a server starts
// serving, maybe inside a framework (gin's Run). Its requests are
// attributed to the main-module line that started it, and its
// connections get the probes' ConnState and ConnContext hooks.
func StdServeStart(s *http.Server, l net.Listener) {
	if ss := lookupServer(s); ss != nil && ss.runtime.Load() {
		return
	}
	si := probes.CallerSite(2)
	noteServer(s, si.Site)
	Instrument(s, si.Site)
}

// StdServe is the std patch's Serve hook: it runs h, the server's handler
// chain, with the probes around it. std is w, net/http's HTTP/1 writer,
// as the probes ask it (nil for the HTTP/2 servers' writers, which the
// probes ask with a type assertion). conn is what StdConnState keeps on
// the request's HTTP/1 connection (a *srvConn), nil for HTTP/2: an
// HTTP/2 writer hands over what StdH2ConnState keeps on its connection
// (GohttpdbgConn), asked once the probes are known to be on.
func StdServe(s *http.Server, h http.Handler, w http.ResponseWriter, r *http.Request, std stdAnswer, conn unsafe.Pointer) {
	if probes.Level(probes.Header)|probes.Level(probes.Body)|probes.Level(probes.GC) == 0 {
		h.ServeHTTP(w, r) // probes off: not even the server lookup
		return
	}
	// Most requests (startUsual's), with serve written out: one frame
	// fewer on the handler's stack, one call fewer a request.
	sr := startUsual(s, w, r, std, (*srvConn)(conn))
	if sr == nil {
		stdServe(s, h, w, r, (*srvConn)(conn))
		return
	}
	defer sr.end()
	h.ServeHTTP(sr.w, r)
	if sr.x != nil || sr.body != nil {
		sr.returned()
	}
}

// answerTabs tells an HTTP/2 writer that is a stdAnswer by its type word
// (startUsual, on every HTTP/2 request): the runtime's assertion probes
// its cache on every call, and updates it only now and then, the misses
// costing thousands of instructions each until it does.
var answerTabs table.Itabs

// startUsual is startServe for most requests StdServe hands over: a
// connection whose state the probes keep (HTTP/1's from StdConnState,
// HTTP/2's from StdH2ConnState) of the server s it names, net/http's own
// writer with the std patch's hooks (stdAnswer), a request body net/http
// follows itself or none (a GET's: ContentLength 0; at body or header
// level 2, none: startLevel2), no span. It returns nil, having changed nothing, for any other
// request, which stdServe then follows.
//
// It is one straight run of code, for both protocols: each 64-byte line
// of code a request runs is about one instruction-cache miss (the
// server's own code evicts the probes' between requests), and what a
// usual request does not need (a capture rule's wrapper, a header near
// its limit) is out of line. s is the server the request's context names
// (net/http's ServerContextKey): its header limit is read from it
// directly.
//
//go:noinline
func startUsual(s *http.Server, w http.ResponseWriter, r *http.Request, std stdAnswer, sc *srvConn) *serverRequest {
	if std == nil { // HTTP/2's, or a test's
		// w.(stdAnswer), by answerTabs' type words where it can.
		if tab := answerTabs.Find(unsafe.Pointer(&w)); tab != nil {
			table.Iface(unsafe.Pointer(&std), tab, unsafe.Pointer(&w))
		} else {
			std, _ = table.Assert[stdAnswer](&answerTabs, &w)
		}
	}
	hl, bl := probes.Level(probes.Header), probes.Level(probes.Body)
	if std == nil || probes.SpansOn() {
		return nil
	}
	// A request body that may hold bytes (ContentLength 0 cannot: a
	// GET's) is watched through net/http's own (HTTP/1's *body, the
	// HTTP/2 servers' requestBody): any other (HTTP/1's Expect:
	// 100-continue reader, a body the program replaced) takes the wrapper.
	var sb body.StdRequestBody
	if bl >= 1 && r.ContentLength != 0 {
		if hl|bl >= 2 {
			return nil // level 2's body events are the wrapper's
		}
		var ok bool
		if sb, ok = r.Body.(body.StdRequestBody); !ok {
			return nil
		}
	}
	http1 := sc != nil // the patch names HTTP/1's connection alone
	conn, stream, hs := std.GohttpdbgRequest()
	if !http1 {
		if r.ProtoMajor != 2 || conn == nil {
			return nil
		}
		sc = (*srvConn)(conn)
	}
	ss := sc.ss
	if ss == nil || ss.srv != s || ss.runtime.Load() {
		return nil
	}
	ce := sc.ce
	var sr *serverRequest // zero (see end)
	var start int64
	if http1 {
		// The connection's state, and its turn to active for r; either
		// missing or in use (the connection's first request, a turn the
		// hook did not see) is h1Start's. Flags and integers only: no
		// write barrier.
		sr, start = sc.req, sc.startAt
		sc.startAt = 0
		if sr == nil || sc.busy || start == 0 {
			sr, start = sc.h1Start(start)
		}
		sc.busy = true
	} else {
		sr, start = sc.h2Start()
	}
	site := ss.site
	if hl|bl >= 2 { // either at level 2 (levels are 0 to 2): no bool kept live
		site = sr.startLevel2(s, sc, r, hl, site)
	}
	sr.id, sr.conn, sr.start = probes.NextReqID(), ce.ID(), start
	// net/http's requests each have a Header of their own: new to
	// following, marked as followed on the request (see follow.go), its
	// pointer stored with the state's: one write barrier check.
	if k := table.HeaderKey(r.Header); followOff != 0 && k != 0 {
		sr.follow.Store(k)
		sr.site, sr.r, sr.w, sr.std, *followerOf(r) = site, r, w, std, unsafe.Pointer(sr)
	} else {
		sr.startInTable(k, site, r, w, std)
	}
	// hs <= 0 (unknown): JournalServerStart reads it.
	sr.journal, sr.capture = probes.JournalServerStart(sr.id, ce, stream, start, site, r, hs)
	sr.inFlight = gc.Start(&sr.flight, sr.id, site, start) != nil
	if sr.capture || hl >= 1 && (hs <= 0 || hl == 1 && int64(hs)*10 >= maxHeaderBytes(s)*9) {
		sr.startWatch(r, sb, std, hs, s, hl)
		return sr
	}
	// (At header level 2 a request has no sb: see above.)
	if sb != nil && !sr.watchStdBody(r, sb) {
		sr.wrapCaptured(std, true) // net/http declined to watch it
		return sr
	}
	if sr.hdr2 {
		sr.watchLevel2(std, hs, s)
		return sr
	}
	// Watched for its answer (the journal), read when the handler
	// returns (quietly: see quietState), and for the inner wrappers,
	// which find their follower on it (ServeHTTP).
	std.GohttpdbgWatch(quietState(sr))
	sr.answerStd, sr.quiet = sr.journal, true
	return sr
}

// startWatch is startUsual's end for a request whose bodies a capture
// rule keeps, or whose header (hs bytes, 0 or less if the writer did not
// count it; the header level hl) may be near its limit; sb is its body as
// startUsual's (net/http's own), if any. Out of line, and
// not joining startUsual's usual path again: Go places a rare block that
// rejoins between the usual ones.
//
//go:noinline
func (sr *serverRequest) startWatch(r *http.Request, sb body.StdRequestBody, std stdAnswer, hs int, s *http.Server, hl int32) {
	if hs <= 0 {
		hs = headerSize(sr.w, r) // see startServe
	}
	if hl == 1 && int64(hs)*10 >= maxHeaderBytes(s)*9 { // level 2's below
		sr.requestHeaders(hs, s)
	}
	wrapped := sr.capture
	if sb != nil && !wrapped {
		wrapped = !sr.watchStdBody(r, sb)
	}
	if wrapped {
		if sr.hdr2 {
			sr.requestHeaders(hs, s)
		}
		sr.wrapCaptured(std, sb != nil)
	} else if sr.hdr2 {
		sr.watchLevel2(std, hs, s)
	} else {
		std.GohttpdbgWatch(quietState(sr))
		sr.answerStd, sr.quiet = sr.journal, true
	}
}

// startLevel2 is startUsual's part for a request at header or body level
// 2 (hl the header level), as stdServe and startAside do it for
// startServe: its events are emitted as it starts, before a rewritten
// registration inside the handler chain could name itself, so the
// registration is looked up now (site, the server's, is returned
// otherwise); its request line is rendered once. Out of line: level 2's.
//
//go:noinline
func (sr *serverRequest) startLevel2(s *http.Server, sc *srvConn, r *http.Request, hl int32, site string) string {
	if hs := registeredSite(s.Handler, r); hs != "" {
		site = hs
	}
	sr.hdr2 = hl >= 2
	sr.line = sc.line.Line(r.Method, r.URL)
	return site
}

// watchLevel2 is startUsual's end for a request at header level 2:
// header.request, and the writer watched for the answer, which
// header.response reports (StdAnswered). Out of line, with the event:
// a request below level 2 skips one branch.
//
//go:noinline
func (sr *serverRequest) watchLevel2(std stdAnswer, hs int, s *http.Server) {
	sr.requestHeaders(hs, s)
	std.GohttpdbgWatch(unsafe.Pointer(sr))
	sr.answerStd = true
}

// startInTable is startUsual's marking of its request r (Header key k)
// without the patch's field on Request: in following.
//
//go:noinline
func (sr *serverRequest) startInTable(k uintptr, site string, r *http.Request, w http.ResponseWriter, std stdAnswer) {
	sr.site, sr.r, sr.w, sr.std = site, r, w, std
	sr.followInTable(k)
}

// watchStdBody is startUsual's watch of its request body, sb, net/http's
// own: the body reports to a state the connection keeps (HTTP/2's
// streams share a pool), nothing allocated, nothing aside. false: net/http
// declines to watch it, the wrapper's then. Out of line: a GET has none.
//
//go:noinline
func (sr *serverRequest) watchStdBody(r *http.Request, sb body.StdRequestBody) bool {
	st := sr.home.takeBody()
	if !body.WatchStdRequest(r, sb, st, sr.site, sr.id, sr.conn, sr.start) {
		sr.home.putBody(st)
		return false
	}
	sr.body = st
	return true
}

// stdServe is StdServe for the other requests: HTTP/2's, a server's the
// connection does not name, the runtime's own server's, and level 2's.
//
//go:noinline
func stdServe(s *http.Server, h http.Handler, w http.ResponseWriter, r *http.Request, sc *srvConn) {
	if sc == nil && r.ProtoMajor == 2 {
		if c, ok := w.(interface{ GohttpdbgConn() unsafe.Pointer }); ok {
			sc = (*srvConn)(c.GohttpdbgConn())
		}
	}
	site := ""
	var ss *serverSite
	if sc != nil && sc.ss != nil && sc.ss.srv == s {
		ss = sc.ss // the connection's: no lookup
	} else {
		ss = lookupServer(s)
	}
	if ss != nil {
		if ss.runtime.Load() {
			if sc != nil && r.ProtoMajor == 2 {
				sc.h2StartAt.Store(0) // its turn's reading is not for a later stream
			}
			h.ServeHTTP(w, r)
			return
		}
		site = ss.site
	}
	if probes.Level(probes.Header) >= 2 || probes.Level(probes.Body) >= 2 {
		// Level-2 events are emitted as the request starts, before a
		// rewritten registration inside the chain could name the handler:
		// look it up now. (At level 1 the registration names itself when
		// it runs, before any diagnostic: see ServeHTTP.)
		if hs := registeredSite(s.Handler, r); hs != "" {
			site = hs
		}
	}
	serve(h, site, s, sc, w, r)
}

// SitedHandler is implemented by the call-site wrappers' handlers: the
// site where the handler was registered.
type SitedHandler interface {
	http.Handler
	GohttpdbgSite() string
}

// registeredSite returns the site of the rewritten handler that will
// serve r: the server's own Handler, or the handler a ServeMux routes r
// to; "" when none was rewritten.
func registeredSite(h http.Handler, r *http.Request) string {
	if h == nil {
		h = http.DefaultServeMux
	}
	if mux, ok := h.(*http.ServeMux); ok {
		h, _ = mux.Handler(r)
	}
	if sh, ok := h.(SitedHandler); ok {
		return sh.GohttpdbgSite()
	}
	return ""
}
