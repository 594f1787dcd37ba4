package probes

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// With the std patch's capture hooks, every request is followed where
// net/http handles it, whoever made it: a client request in
// (*Transport).roundTrip (StdClientStart, StdClientEnd), a server request
// around the server's handler chain (StdServe). A rewritten call site only
// hands its site to the request (MarkSite); any other request is
// attributed from its stack (callerSite).

var stdCapture atomic.Bool

// UseStdCapture is called by the build's wiring when the patched net/http
// calls the capture hooks.
func UseStdCapture() { stdCapture.Store(true) }

// StdCapture reports whether the patched net/http follows every request
// (the call-site wrappers then only name their site).
func StdCapture() bool { return stdCapture.Load() }

// clientSites holds the site a rewritten call site gave a client request
// while it is being sent, keyed by the request's Header map: the copies
// http.Client makes share it. A request sent with another Header (a
// redirect, a RoundTripper that clones) is attributed from its stack,
// which names the same line: rewritten files keep their lines.
var clientSites keyTable[siteInfo]

// interned call-site strings: one *siteInfo per site, made once.
var siteInfos sync.Map // string → *siteInfo

func internSite(site string) *siteInfo {
	if v, ok := siteInfos.Load(site); ok {
		return v.(*siteInfo)
	}
	v, _ := siteInfos.LoadOrStore(site, &siteInfo{site: site})
	return v.(*siteInfo)
}

// MarkSite names the call site of req until the returned mark is passed
// to UnmarkSite (after the request was sent).
func MarkSite(req *http.Request, site string) uintptr {
	if req == nil {
		return 0
	}
	k := headerKey(req.Header)
	if !clientSites.put(k, internSite(site)) {
		return 0
	}
	return k
}

// UnmarkSite ends a MarkSite.
func UnmarkSite(k uintptr) { clientSites.remove(k) }

// StdClientStart is the std patch's ClientStart hook.
func StdClientStart(t *http.Transport, req *http.Request) (*http.Request, any) {
	if req == nil || req.URL == nil || Level(Dial)|Level(Header)|Level(Body)|Level(GC) == 0 || ignoredRT(t) {
		return req, nil
	}
	var si siteInfo
	if p := clientSites.get(headerKey(req.Header)); p != nil {
		si = *p
	} else {
		si = callerSite(2)
	}
	cr := startClientRequest(t, req, si.site)
	if cr == nil {
		return req, nil
	}
	cr.via = si.via
	return cr.Request(), cr
}

// StdClientEnd is the std patch's ClientEnd hook.
func StdClientEnd(state any, resp *http.Response, err error) {
	state.(*ClientRequest).Finish(resp, err)
}

// serverSite is what the probes know of a server: the site that started
// it, or that it is the runtime's own.
type serverSite struct {
	site    string
	runtime bool
}

var servers sync.Map // *http.Server → *serverSite

// IgnoreServer excludes s (the admin socket's server) from the probes.
func IgnoreServer(s *http.Server) { servers.Store(s, &serverSite{runtime: true}) }

// noteServer records the site of s, unless it has one already (a
// rewritten &http.Server{} literal's beats a stack's).
func noteServer(s *http.Server, site string) {
	if s != nil {
		servers.LoadOrStore(s, &serverSite{site: site})
	}
}

// StdServeStart is the std patch's ServeStart hook: a server starts
// serving, maybe inside a framework (gin's Run). Its requests are
// attributed to the main-module line that started it, and its
// connections get the probes' ConnState and ConnContext hooks.
func StdServeStart(s *http.Server, l net.Listener) {
	if v, ok := servers.Load(s); ok && v.(*serverSite).runtime {
		return
	}
	si := callerSite(2)
	noteServer(s, si.site)
	InstrumentServer(s, si.site)
}

// StdServe is the std patch's Serve hook: it runs h, the server's handler
// chain, with the probes around it.
func StdServe(s *http.Server, h http.Handler, w http.ResponseWriter, r *http.Request) {
	if Level(Header)|Level(Body)|Level(GC) == 0 {
		h.ServeHTTP(w, r) // probes off: not even the server lookup
		return
	}
	site := ""
	if v, ok := servers.Load(s); ok {
		ss := v.(*serverSite)
		if ss.runtime {
			h.ServeHTTP(w, r)
			return
		}
		site = ss.site
	}
	if Level(Header) >= 2 || Level(Body) >= 2 {
		// Level-2 events are emitted as the request starts, before a
		// rewritten registration inside the chain could name the handler:
		// look it up now. (At level 1 the registration names itself when
		// it runs, before any diagnostic: see startServe.)
		if hs := registeredSite(s.Handler, r); hs != "" {
			site = hs
		}
	}
	ServeHTTP(h, site, w, r)
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

// keyTable maps request identities (headerKey) to values while requests
// are in flight: an open-addressed table of atomic words, without a lock
// or a runtime map, cheap enough for every request. A key that finds no
// free slot is not stored (put returns false).
type keyTable[T any] struct {
	keys [1 << keyTableBits]atomic.Uintptr
	vals [1 << keyTableBits]atomic.Pointer[T]
}

const (
	keyTableBits  = 12
	keyTableProbe = 8 // slots looked at per key: a cache line or two
)

func keyTableSlot(k uintptr, j int) int {
	h := uint64(k>>4) * 0x9E3779B97F4A7C15 >> (64 - keyTableBits)
	return (int(h) + j) & (1<<keyTableBits - 1)
}

// put stores v under k; false if k is 0, already present, or no slot is
// free.
func (t *keyTable[T]) put(k uintptr, v *T) bool {
	if k == 0 {
		return false
	}
	for j := 0; j < keyTableProbe; j++ {
		if t.keys[keyTableSlot(k, j)].Load() == k {
			return false
		}
	}
	for j := 0; j < keyTableProbe; j++ {
		i := keyTableSlot(k, j)
		if t.keys[i].CompareAndSwap(0, k) {
			t.vals[i].Store(v)
			return true
		}
	}
	return false
}

// has reports whether k is present.
func (t *keyTable[T]) has(k uintptr) bool {
	if k == 0 {
		return false
	}
	for j := 0; j < keyTableProbe; j++ {
		if t.keys[keyTableSlot(k, j)].Load() == k {
			return true
		}
	}
	return false
}

// get returns k's value, nil when absent (or not stored yet).
func (t *keyTable[T]) get(k uintptr) *T {
	if k == 0 {
		return nil
	}
	for j := 0; j < keyTableProbe; j++ {
		i := keyTableSlot(k, j)
		if t.keys[i].Load() == k {
			return t.vals[i].Load()
		}
	}
	return nil
}

func (t *keyTable[T]) remove(k uintptr) {
	if k == 0 {
		return
	}
	for j := 0; j < keyTableProbe; j++ {
		i := keyTableSlot(k, j)
		if t.keys[i].Load() == k {
			t.vals[i].Store(nil)
			t.keys[i].CompareAndSwap(k, 0)
			return
		}
	}
}
