package frame

import (
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// The http2debug emulation. GODEBUG=http2debug=1|2 is read once when a Go
// program starts; in an instrumented build Go's own logging then stays on
// and the std patch redacts the values it would print in clear
// (DebugRedact), so the program prints every line the plain build prints.
// The switch at run time (the admin socket's GODEBUG endpoint calls
// SetHTTP2Debug; GOHTTPDBG_HTTP2DEBUG=1|2 sets it at start) cannot turn
// Go's logging on: the frame probe prints lines of the same shape instead,
// redacted, also for connections already open:
//
//	level 1: per connection "http2: Transport creating client conn …" or
//	"http2: server connection from …", each frame read ("http2: Transport
//	received …", "http2: server read frame …"), GOAWAY written, protocol
//	errors and stalls;
//	level 2: every frame read and written ("http2: Framer 0x…: wrote
//	SETTINGS len=18, settings: …") and every decoded header field.
//
// It prints only above the level Go's own logging is at (SetGoHTTP2Debug),
// so no line comes twice. Lines go through the standard logger, as Go's
// own do.

var (
	debugLevel atomic.Int32 // what the emulation prints: requested if above goLevel, else 0
	requested  atomic.Int32 // SetHTTP2Debug's level
	goLevel    atomic.Int32 // Go's own logging, from GODEBUG at start
	debugMu    sync.Mutex   // serialises the updates of the three
	debugOut   atomic.Pointer[func(string)]
)

func init() {
	if v := strings.TrimSpace(os.Getenv("GOHTTPDBG_HTTP2DEBUG")); v == "1" || v == "2" {
		SetHTTP2Debug(int(v[0] - '0'))
	}
}

func clampLevel(level int) int32 {
	if level < 0 {
		return 0
	}
	if level > 2 {
		return 2
	}
	return int32(level)
}

// SetHTTP2Debug sets the http2debug level asked for at run time (0 off,
// 1, 2) and returns the previous level (HTTP2Debug). Go's own logging,
// switched on by GODEBUG at start, stays on whatever is set here.
func SetHTTP2Debug(level int) int {
	debugMu.Lock()
	defer debugMu.Unlock()
	prev := levelLocked()
	requested.Store(clampLevel(level))
	updateLocked()
	return prev
}

// SetGoHTTP2Debug records the level Go's own http2debug logging prints at
// (the std patch reads it from GODEBUG at start).
func SetGoHTTP2Debug(level int) {
	debugMu.Lock()
	defer debugMu.Unlock()
	goLevel.Store(clampLevel(level))
	updateLocked()
}

func updateLocked() {
	l := requested.Load()
	if l <= goLevel.Load() {
		l = 0
	}
	debugLevel.Store(l)
}

func levelLocked() int {
	l := requested.Load()
	if g := goLevel.Load(); g > l {
		l = g
	}
	return int(l)
}

// HTTP2Debug returns the http2debug level in force: the higher of Go's own
// (GODEBUG at start) and the one set at run time.
func HTTP2Debug() int {
	debugMu.Lock()
	defer debugMu.Unlock()
	return levelLocked()
}

// DebugRedact is the std patch's hook for the values Go's own http2debug
// lines show: a header field's value redacted as in events, and for name
// "DATA" a DATA frame's payload, never shown (bodies are not captured).
func DebugRedact(name, value string) string {
	if name == "DATA" {
		return "<" + strconv.Itoa(len(value)) + " bytes>"
	}
	return probes.RedactHeader(name, value)
}

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
