// Package httptestrt holds the call-site wrappers for net/http/httptest,
// apart from package gohttpdbgrt so that httptest (and the flag its init
// registers) is linked only into programs that already use it.
package httptestrt

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
)

// NewServer wraps httptest.NewServer.
func NewServer(h http.Handler, site string) *httptest.Server {
	s := httptest.NewUnstartedServer(gohttpdbgrt.Handler(h, site))
	gohttpdbgrt.Server(s.Config, site)
	s.Start()
	return s
}

// NewUnstartedServer wraps httptest.NewUnstartedServer.
func NewUnstartedServer(h http.Handler, site string) *httptest.Server {
	s := httptest.NewUnstartedServer(gohttpdbgrt.Handler(h, site))
	gohttpdbgrt.Server(s.Config, site)
	return s
}

// NewTLSServer wraps httptest.NewTLSServer. The server's TLS config gets
// the key log writer (inert until the admin socket turns the key log on):
// StartTLS starts from s.TLS, which the caller of NewTLSServer cannot set.
func NewTLSServer(h http.Handler, site string) *httptest.Server {
	s := httptest.NewUnstartedServer(gohttpdbgrt.Handler(h, site))
	gohttpdbgrt.Server(s.Config, site)
	s.TLS = &tls.Config{KeyLogWriter: probes.KeyLog()}
	s.StartTLS()
	return s
}
