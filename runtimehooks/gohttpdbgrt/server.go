package gohttpdbgrt

import (
	"net"
	"net/http"

	"github.com/gohttpdbg/gohttpdbg/probes/server"
)

// Server-side wrappers.

// Server wraps an &http.Server{…} literal; it returns the same pointer,
// with the probes' ConnState and ConnContext hooks composed with the
// user's. The Serve wrappers call it again, which is harmless.
//
// A server Handler other than a *http.ServeMux (whose registrations are
// wrapped where they are made) is wrapped too, so that a handler given
// directly in the literal is followed, with the literal's site.
func Server(s *http.Server, site string) *http.Server {
	if s == nil {
		return s
	}
	server.Instrument(s, site)
	keyLogTLS(s.TLSConfig)
	switch s.Handler.(type) {
	case nil, *http.ServeMux, handler, outerHandler:
	default:
		s.Handler = outerHandler{h: s.Handler, site: site}
	}
	return s
}

// ListenAndServe wraps http.ListenAndServe.
func ListenAndServe(addr string, h http.Handler, site string) error {
	return ServerListenAndServe(&http.Server{Addr: addr, Handler: h}, site)
}

// ListenAndServeTLS wraps http.ListenAndServeTLS.
func ListenAndServeTLS(addr, certFile, keyFile string, h http.Handler, site string) error {
	return ServerListenAndServeTLS(&http.Server{Addr: addr, Handler: h}, certFile, keyFile, site)
}

// Serve wraps http.Serve.
func Serve(l net.Listener, h http.Handler, site string) error {
	return ServerServe(&http.Server{Handler: h}, l, site)
}

// ServeTLS wraps http.ServeTLS.
func ServeTLS(l net.Listener, h http.Handler, certFile, keyFile string, site string) error {
	return ServerServeTLS(&http.Server{Handler: h}, l, certFile, keyFile, site)
}

// ServerListenAndServe wraps (*http.Server).ListenAndServe.
func ServerListenAndServe(s *http.Server, site string) error {
	return Server(s, site).ListenAndServe()
}

// ServerListenAndServeTLS wraps (*http.Server).ListenAndServeTLS.
func ServerListenAndServeTLS(s *http.Server, certFile, keyFile string, site string) error {
	keyLogServeTLS(s)
	return Server(s, site).ListenAndServeTLS(certFile, keyFile)
}

// ServerServe wraps (*http.Server).Serve.
func ServerServe(s *http.Server, l net.Listener, site string) error {
	return Server(s, site).Serve(l)
}

// ServerServeTLS wraps (*http.Server).ServeTLS.
func ServerServeTLS(s *http.Server, l net.Listener, certFile, keyFile string, site string) error {
	keyLogServeTLS(s)
	return Server(s, site).ServeTLS(l, certFile, keyFile)
}

// Handle wraps http.Handle.
func Handle(pattern string, h http.Handler, site string) {
	http.DefaultServeMux.Handle(pattern, Handler(h, site))
}

// HandleFunc wraps http.HandleFunc.
func HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request), site string) {
	if f == nil {
		http.HandleFunc(pattern, f) // net/http's own panic
		return
	}
	http.DefaultServeMux.Handle(pattern, Handler(http.HandlerFunc(f), site))
}

// MuxHandle wraps (*http.ServeMux).Handle.
func MuxHandle(m *http.ServeMux, pattern string, h http.Handler, site string) {
	m.Handle(pattern, Handler(h, site))
}

// MuxHandleFunc wraps (*http.ServeMux).HandleFunc.
func MuxHandleFunc(m *http.ServeMux, pattern string, f func(http.ResponseWriter, *http.Request), site string) {
	if f == nil {
		m.HandleFunc(pattern, f) // net/http's own panic
		return
	}
	m.Handle(pattern, Handler(http.HandlerFunc(f), site))
}

// DefaultServeMuxUse wraps a use of http.DefaultServeMux as a value.
func DefaultServeMuxUse(m *http.ServeMux, site string) *http.ServeMux { return m }

// Handler instruments a handler registered at site. A nil handler stays nil
// so that net/http's own nil checks and panics are unchanged.
func Handler(h http.Handler, site string) http.Handler {
	if h == nil {
		return nil
	}
	switch h.(type) {
	case handler, outerHandler:
		return h // already instrumented (httptestrt wraps, then Handle may too)
	}
	return handler{h: h, site: site}
}

// handler runs the probes around a registered handler.
type handler struct {
	h    http.Handler
	site string
}

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	server.ServeHTTP(h.h, h.site, w, r)
}

// GohttpdbgSite is the handler's registration site (server.SitedHandler).
func (h handler) GohttpdbgSite() string { return h.site }

// outerHandler runs the probes around a server's own Handler; handlers
// wrapped inside it pass the request through.
type outerHandler struct {
	h    http.Handler
	site string
}

func (h outerHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	server.ServeHTTP(h.h, h.site, w, r)
}

// GohttpdbgSite is the server literal's site (server.SitedHandler).
func (h outerHandler) GohttpdbgSite() string { return h.site }
