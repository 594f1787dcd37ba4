package gohttpdbgrt

import (
	"os"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks"
)

// Flush writes the events still waiting in the probes' ring to the sink.
// The rewriter defers it first thing in func main, so a program that
// returns from main loses none of its level-2 events (diagnostics are
// written synchronously anyway). It also removes the admin socket's name.
func Flush() { probes.Flush(); runtimehooks.Exiting() }

// Exit wraps os.Exit: it flushes the probes' events and removes the admin
// socket's name, then exits. Deferred
// functions do not run, exactly as with os.Exit.
func Exit(code int, site string) {
	probes.Flush()
	runtimehooks.Exiting()
	os.Exit(code)
}
