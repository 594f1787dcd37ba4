package loopback

import (
	"fmt"
	"os"
	"sort"
	"sync/atomic"
	"time"
)

// The spin is the calibration the overhead goals are read against: a
// fixed amount of arithmetic (no memory, no system call) that takes a
// given time when run alone, added to each request, half on each side —
// the client before it sends, the server's handler before it answers —
// where the probes add their work. What a variant with spin=1700ns costs
// against the base in the same run is what 1.7 µs of pure work costs a
// request on this machine, so a probe level's percentage can be read as
// microseconds of work, and the level-1 goal ("≤ 3 %", about 1.7 µs of
// work for both sides together when it was set) checked against a
// variant that adds that much.

// SpinEnv names the environment variable that sets a pair's spin when it
// starts (a duration per request, half on each side): how `gohttpdbg
// bench --spin` adds a calibration variant to a plain build.
const SpinEnv = "GOHTTPDBG_BENCH_SPIN"

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
var spinSink atomic.Uint64

// spin runs the pair's spin, if it has one.
func (p *Pair) spin() {
	if n := p.spinRounds.Load(); n > 0 {
		spinSink.Add(spinWork(int(n)))
	}
}

// SetSpin sets the work each request then does on each side, as rounds
// from SpinRounds; 0 removes it.
func (p *Pair) SetSpin(rounds int) { p.spinRounds.Store(int64(rounds)) }

// SpinRounds returns the rounds of work per side that make d per request
// (both sides together) when run alone, and the time the two sides' work
// takes then (twice the median of several timings of one side's).
func SpinRounds(d time.Duration) (int, time.Duration) {
	if d <= 0 {
		return 0, 0
	}
	const probe = 1 << 16
	n := roundsFor(d, probe, timeSpin(probe))
	return n, 2 * timeSpin(n)
}

// roundsFor returns the rounds of one side's work that make d for both
// sides, when probe rounds took took: at least one.
func roundsFor(d time.Duration, probe int, took time.Duration) int {
	if took <= 0 {
		took = 1
	}
	n := int(float64(probe) * float64(d/2) / float64(took))
	if n < 1 {
		n = 1
	}
	return n
}

// timeSpin is the median time of n rounds over 21 runs.
func timeSpin(n int) time.Duration {
	ts := make([]time.Duration, 21)
	for i := range ts {
		t0 := time.Now()
		spinSink.Add(spinWork(n))
		ts[i] = time.Since(t0)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	return ts[len(ts)/2]
}

// spinFromEnv reads SpinEnv: unset or empty is no spin.
func spinFromEnv() (int, error) {
	v := os.Getenv(SpinEnv)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive duration such as 1700ns", SpinEnv, v)
	}
	n, _ := SpinRounds(d)
	return n, nil
}
