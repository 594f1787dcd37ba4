// Package cputime adds a "cpu-ns/op" metric to benchmarks: the process's
// user+system CPU time per operation. On a small shared machine the wall
// time of a loopback request swings with scheduling (which of two cores a
// goroutine wakes on, a neighbour's load); the CPU it costs is what an
// instrumentation adds, and it varies far less, so overhead is compared
// on both numbers.
package cputime

import (
	"testing"
	"time"
)

// Measure starts measuring and returns the function that reports the
// metric; call it when the timed loop ends:
//
//	b.ResetTimer()
//	defer cputime.Measure(b)()
func Measure(b *testing.B) func() {
	start, ok := used()
	return func() {
		end, ok2 := used()
		if ok && ok2 && b.N > 0 {
			b.ReportMetric(float64((end-start)/time.Nanosecond)/float64(b.N), "cpu-ns/op")
		}
	}
}

// Used returns the CPU time (user+system, every thread) the process has
// used so far; ok is false where the platform does not say.
func Used() (d time.Duration, ok bool) { return used() }
