package probes

import (
	"sync"
	"sync/atomic"
)

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
// subscribers since the start (it drains the ring first: a parked writer,
// see startRing, leaves events waiting).
func Emitted(p Probe) uint64 {
	drainNow()
	if p < NumProbes {
		return emitted[p].n.Load()
	}
	return 0
}

// drainHooks run after each of the writer's drains, on its goroutine,
// outside its lock: the admin breaker samples the counters there, while
// events flow, rather than on a timer of its own, whose being armed made
// the scheduler read the clock each time it looked for work.
var drainHooks struct {
	mu   sync.Mutex
	list atomic.Pointer[[]*func()]
}

// OnDrain registers f to run after each drain of the ring's writer (at
// least every few milliseconds while events flow and someone reads them,
// every quarter of the ring while nobody does, never while none flows);
// f must not block. It returns the function that unregisters it.
func OnDrain(f func()) (remove func()) {
	p := &f
	edit := func(add bool) {
		drainHooks.mu.Lock()
		defer drainHooks.mu.Unlock()
		var list []*func()
		if old := drainHooks.list.Load(); old != nil {
			for _, h := range *old {
				if h != p {
					list = append(list, h)
				}
			}
		}
		if add {
			list = append(list, p)
		}
		drainHooks.list.Store(&list)
	}
	edit(true)
	return func() { edit(false) }
}

func runDrainHooks() {
	if p := drainHooks.list.Load(); p != nil {
		for _, f := range *p {
			(*f)()
		}
	}
}
