package probes

import (
	"errors"
	"io"
	"net"
	"os"
)

// IsNetError reports whether err is a connection going away or timing out
// (EOF, a closed connection, a deadline, any net.Error): the normal end of
// a connection, which the probes do not report as a protocol problem.
func IsNetError(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrClosedPipe) ||
		errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}
