package frame

import (
	"fmt"
	"log"
	"os"
	"strings"
	"sync/atomic"
)

// The http2debug emulation. GODEBUG=http2debug=1|2 is read once when a Go
// program starts, and prints header values (Authorization, cookies) in
// clear. The frame probe prints lines of the same shape, redacted, and can
// be switched on and off while the program runs (the admin socket's
// GODEBUG endpoint calls SetHTTP2Debug; GOHTTPDBG_HTTP2DEBUG=1|2 sets it at
// start):
//
//	level 1: GOAWAY, protocol errors and stalls;
//	level 2: also every frame read and written ("http2: Framer 0x…: wrote
//	SETTINGS len=18, settings: …") and every decoded header field.
//
// Lines go through the standard logger, as Go's own do.

var (
	debugLevel atomic.Int32
	debugOut   atomic.Pointer[func(string)]
)

func init() {
	if v := strings.TrimSpace(os.Getenv("GOHTTPDBG_HTTP2DEBUG")); v == "1" || v == "2" {
		SetHTTP2Debug(int(v[0] - '0'))
	}
}

// SetHTTP2Debug sets the emulated http2debug level (0 off, 1, 2) and
// returns the previous one.
func SetHTTP2Debug(level int) int {
	if level < 0 {
		level = 0
	}
	if level > 2 {
		level = 2
	}
	return int(debugLevel.Swap(int32(level)))
}

// HTTP2Debug returns the emulated http2debug level.
func HTTP2Debug() int { return int(debugLevel.Load()) }

// SetHTTP2DebugOutput sends the emulated lines to out instead of the
// standard logger (nil restores it).
func SetHTTP2DebugOutput(out func(line string)) {
	if out == nil {
		debugOut.Store(nil)
		return
	}
	debugOut.Store(&out)
}

func debugf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	if p := debugOut.Load(); p != nil {
		(*p)(line)
		return
	}
	log.Print(line)
}
