package probes

import "sync/atomic"

// emitted counts the events each probe has emitted, for the admin
// breaker, which samples the counters to measure each probe's event rate.
// Each counter has its own cache line so that busy probes do not slow
// each other down.
var emitted [NumProbes]struct {
	n atomic.Uint64
	_ [56]byte
}

func countEmit(p Probe) {
	if p < NumProbes {
		emitted[p].n.Add(1)
	}
}

// Emitted returns how many events probe p has emitted since the start.
func Emitted(p Probe) uint64 {
	if p < NumProbes {
		return emitted[p].n.Load()
	}
	return 0
}
