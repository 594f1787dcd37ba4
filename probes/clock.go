package probes

import (
	"time"
	_ "unsafe" // go:linkname
)

// The probes take several timestamps per request, and only measure
// intervals: they read the monotonic clock alone (time.Since on a time
// that carries a monotonic reading does not read the wall clock), which
// costs half of time.Now. Event timestamps are derived from the same
// reading (Now).

// clockBase pairs a wall-clock reading with the monotonic clock.
var (
	clockBase     = time.Now()
	clockBaseNano = nanotime() - 1 // Mono() > 0 from the start
	clockBaseUnix = clockBase.UnixNano()
)

// nanotime is the runtime's monotonic clock, the one time.Now and
// time.Since read. time.Since is an ordinary function, and Publish (which
// reads the clock) must run without stack checks: runtime.nanotime is
// nosplit, and the runtime keeps it available to linkname for good
// (go.dev/issue/67401).
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

// Mono returns the monotonic clock in nanoseconds since clockBase
// (always > 0 once the process runs, so 0 can mean "not yet").
//
// It and Now are nosplit, for Publish.
//
//go:nosplit
func Mono() int64 { return nanotime() - clockBaseNano }

// SinceMono returns the time elapsed since the monotonic reading m.
func SinceMono(m int64) time.Duration { return time.Duration(Mono() - m) }

// WallAt converts a monotonic reading to wall-clock time, for display.
func WallAt(m int64) time.Time { return clockBase.Add(time.Duration(m)) }

// MonoAt converts a wall-clock time (one the runtime reports, such as a
// GC pause's end) to a monotonic reading.
func MonoAt(t time.Time) int64 { return int64(t.Sub(clockBase)) }

// Now returns the current time in Unix nanoseconds as events carry it:
// wall clock at process start plus monotonic time since.
//
//go:nosplit
func Now() int64 { return clockBaseUnix + Mono() }
