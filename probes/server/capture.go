package server

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/gohttpdbg/gohttpdbg/probes"
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
// chain, with the probes around it. conn is what StdConnState keeps on
// the request's HTTP/1 connection (a *srvConn), nil for HTTP/2: an
// HTTP/2 writer hands over what StdH2ConnState keeps on its connection
// (GohttpdbgConn), asked once the probes are known to be on.
func StdServe(s *http.Server, h http.Handler, w http.ResponseWriter, r *http.Request, conn unsafe.Pointer) {
	if probes.Level(probes.Header)|probes.Level(probes.Body)|probes.Level(probes.GC) == 0 {
		h.ServeHTTP(w, r) // probes off: not even the server lookup
		return
	}
	// Most requests: an HTTP/1 connection of a server the probes know,
	// below level 2.
	sc := (*srvConn)(conn)
	if sc == nil || sc.ss == nil || sc.ss.srv != s || sc.ss.runtime.Load() ||
		probes.Level(probes.Header) >= 2 || probes.Level(probes.Body) >= 2 {
		stdServe(s, h, w, r, sc)
		return
	}
	// serve, written out: one frame fewer on the handler's stack, one
	// call fewer a request. s is the server the request's context names
	// (net/http's ServerContextKey): its header limit is read from it
	// directly.
	sr := startServe(sc.ss.site, s, sc, w, r)
	defer sr.end()
	if sr.x != nil && sr.x.span != nil {
		r = sr.x.span.HandlerRequest() // its context carries the span
	}
	h.ServeHTTP(sr.w, r)
	if sr.x != nil {
		sr.returned()
	}
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
