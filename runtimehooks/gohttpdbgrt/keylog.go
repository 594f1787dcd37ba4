package gohttpdbgrt

import (
	"crypto/tls"
	"net/http"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// The TLS key log (admin socket: PUT /v1/keylog) reaches a connection
// through its tls.Config's KeyLogWriter. The wrappers set it, to a writer
// that is inert until the admin socket switches a file on, only where
// doing so changes nothing else:
//   - a Transport's TLSClientConfig or a Server's TLSConfig the user set
//     (the field is filled in place, when the user left it nil);
//   - a server started by ServeTLS/ListenAndServeTLS without a TLSConfig,
//     which net/http would otherwise fill with an empty one.
// A Transport with a nil TLSClientConfig (http.DefaultTransport) is left
// alone: giving it one would turn HTTP/2 off (golang/go#20645). The std
// patch covers it instead, on the copy of the config net/http makes for
// each connection (probes.StdTLSConfig).

func keyLogTLS(c *tls.Config) {
	if c != nil && c.KeyLogWriter == nil {
		c.KeyLogWriter = probes.KeyLog()
	}
}

func keyLogTransport(t *http.Transport) {
	if t != nil {
		keyLogTLS(t.TLSClientConfig)
	}
}

// keyLogServeTLS prepares a server about to serve TLS from files.
func keyLogServeTLS(s *http.Server) {
	if s.TLSConfig == nil {
		s.TLSConfig = &tls.Config{}
	}
	keyLogTLS(s.TLSConfig)
}
