package levels

import (
	"sort"
	"time"
)

// A variant may add spin=DURATION to its spec: before each of its
// requests the client then runs a fixed amount of arithmetic (no memory,
// no system call) that takes DURATION when timed alone. What that slice
// then costs against the base says how the request's path magnifies CPU
// work on this machine, so that the probes' percentages can be read as
// microseconds of work: on a machine where the path is contended (the
// other core spinning for work, a hypervisor's sibling thread) a
// microsecond of work reads as more than a microsecond of request.

// spinWork runs n rounds of xorshift, a chain of dependent register
// operations whose speed is the core's alone.
//
//go:noinline
func spinWork(n int) uint64 {
	x := uint64(88172645463325252)
	for i := 0; i < n; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// spinSink keeps spinWork's result alive.
var spinSink uint64

// spinRounds returns the rounds of spinWork that take d when run alone,
// and the time they take then (median of several timings).
func spinRounds(d time.Duration) (int, time.Duration) {
	if d <= 0 {
		return 0, 0
	}
	const probe = 1 << 16
	n := max(1, int(float64(probe)*float64(d)/float64(timeSpin(probe))))
	return n, timeSpin(n)
}

// timeSpin is the median time of n rounds over 21 runs.
func timeSpin(n int) time.Duration {
	ts := make([]time.Duration, 21)
	for i := range ts {
		t0 := time.Now()
		spinSink += spinWork(n)
		ts[i] = time.Since(t0)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	return ts[len(ts)/2]
}
