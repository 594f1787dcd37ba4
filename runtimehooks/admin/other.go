//go:build !linux

package admin

import (
	"errors"
	"runtime"

	"github.com/gohttpdbg/gohttpdbg/runtimehooks/admin/api"
)

// Options configure the server (see the Linux implementation).
type Options struct {
	Path      string
	ReadOnly  bool
	AuditFile string
	Budget    int
	Status    func() api.StatusConfig
}

// Server is not available on this system.
type Server struct{}

// Start reports that the admin socket needs Linux: its safety rests on
// SO_PEERCRED, which the standard library offers only there.
func Start(Options) (*Server, error) {
	return nil, errors.New("the admin socket is implemented on linux only (it needs SO_PEERCRED), not on " + runtime.GOOS)
}

// Path returns "".
func (*Server) Path() string { return "" }

// Unlink does nothing.
func (*Server) Unlink() {}

// Close does nothing.
func (*Server) Close() error { return nil }
