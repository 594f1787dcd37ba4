package probes

import "sync/atomic"

// emitted counts the events of each probe, for the admin breaker, which
// samples the counters to measure each probe's event rate. The count is
// taken in dispatch, where every event that reaches the sink passes (the
// ring's drainer, one goroutine, or a diagnostic's writer), not in Emit:
// a counter shared by every emitting goroutine would double the cost of a
// contended Emit. Events the ring drops under a flood are not counted;
// the drainer's throughput is far above any budget, so a flood still
// shows. Each counter has its own cache line.
var emitted [NumProbes]struct {
	n atomic.Uint64
	_ [56]byte
}

func countEmit(p Probe) {
	if p < NumProbes {
		emitted[p].n.Add(1)
	}
}

// Emitted returns how many events of probe p reached the sink and the
// subscribers since the start.
func Emitted(p Probe) uint64 {
	if p < NumProbes {
		return emitted[p].n.Load()
	}
	return 0
}
