package probes

import (
	"crypto/tls"
	"io"
	"sync"
)

// The TLS key log (NSS key log format, for Wireshark) is switched on and
// off at run time by the admin socket (PUT|DELETE /v1/keylog). A TLS
// configuration whose KeyLogWriter is KeyLog() writes through it: key
// lines go to the file in force when the handshake runs, and nowhere
// while none is. The call-site wrappers set it on the *tls.Config of a
// Transport or Server they instrument when the user left KeyLogWriter nil,
// so only connections made after the switch are logged. With the std
// patch, net/http also hands over the copy of the config it makes for each
// client connection (StdTLSConfig): a Transport without a TLSClientConfig,
// such as http.DefaultTransport, is covered too.

var (
	keyLogMu sync.Mutex
	keyLogW  io.Writer
)

type keyLogWriter struct{}

func (keyLogWriter) Write(p []byte) (int, error) {
	keyLogMu.Lock()
	defer keyLogMu.Unlock()
	if keyLogW == nil {
		return len(p), nil
	}
	return keyLogW.Write(p)
}

// KeyLog returns the writer to put in tls.Config.KeyLogWriter.
func KeyLog() io.Writer { return keyLogWriter{} }

// SetKeyLog directs the key log to w (nil: off) and returns the previous
// writer.
func SetKeyLog(w io.Writer) io.Writer {
	keyLogMu.Lock()
	defer keyLogMu.Unlock()
	old := keyLogW
	keyLogW = w
	return old
}

// KeyLogActive reports whether a key log is in force.
func KeyLogActive() bool {
	keyLogMu.Lock()
	defer keyLogMu.Unlock()
	return keyLogW != nil
}

// StdTLSConfig is the std patch's hook on the tls.Config net/http makes
// for a connection (a copy of the program's, or a new one when it set
// none): a KeyLogWriter left nil becomes the switchable key log. The
// program's own config is not touched, and a writer it set is kept.
func StdTLSConfig(c *tls.Config) {
	if c.KeyLogWriter == nil {
		c.KeyLogWriter = KeyLog()
	}
}
