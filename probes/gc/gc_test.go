package gc

import (
	"testing"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// The gc poller is a timer chain: switched on it is armed, switched off it
// is stopped, and a tick of a chain that was switched off (or off and on
// again) does not re-arm the timer: one chain at a time.
func TestGCPollerTimerChain(t *testing.T) {
	prev := probes.SetLevel(probes.GC, 0)
	t.Cleanup(func() { probes.SetLevel(probes.GC, prev) })
	armed := func() (bool, uint64) {
		gcMu.Lock()
		defer gcMu.Unlock()
		return gcTimer != nil, gcGen
	}
	if on, _ := armed(); on {
		t.Fatal("gc level 0: the poll timer is armed")
	}
	probes.SetLevel(probes.GC, 1)
	on, gen := armed()
	if !on {
		t.Fatal("gc level 1: no poll timer")
	}
	probes.SetLevel(probes.GC, 2) // a change above 0 keeps the same chain
	if on2, gen2 := armed(); !on2 || gen2 != gen {
		t.Fatalf("level 1 → 2: armed %v, generation %d → %d", on2, gen, gen2)
	}
	probes.SetLevel(probes.GC, 0)
	if on, _ := armed(); on {
		t.Fatal("switched off: the poll timer is still armed")
	}
	gcTick(gen) // the old chain's last tick
	if on, _ := armed(); on {
		t.Fatal("a tick of a stopped chain re-armed the timer")
	}
	probes.SetLevel(probes.GC, 1)
	_, gen3 := armed()
	if gen3 == gen {
		t.Fatal("switched on again with the old generation")
	}
	gcMu.Lock()
	timer := gcTimer
	gcMu.Unlock()
	timer.Stop() // so that a re-arm shows: Stop then reports an armed timer
	gcTick(gen)  // a stale tick must not touch the new chain's timer
	if timer.Stop() {
		t.Fatal("a stale tick re-armed the running chain's timer")
	}
	gcMu.Lock()
	same := gcTimer == timer && gcGen == gen3
	gcMu.Unlock()
	if !same {
		t.Fatal("a stale tick replaced the running chain")
	}
}
