package gc

import (
	"runtime"
	"testing"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// The gc poller is a chain of sentinels the collector finalizes: switched
// on it runs, and each GC cycle polls (a pause of the cycle is seen
// without a call of Poll); switched off it stops, and a sentinel of a
// chain that was switched off (or off and on again) neither polls nor
// drops another: one chain at a time.
func TestGCPollerSentinelChain(t *testing.T) {
	prev := probes.SetLevel(probes.GC, 0)
	t.Cleanup(func() { probes.SetLevel(probes.GC, prev) })
	state := func() (bool, uint64, int64) {
		gcMu.Lock()
		defer gcMu.Unlock()
		return gcOn, gcGen, gcLastNum
	}
	if on, _, _ := state(); on {
		t.Fatal("gc level 0: the poll chain runs")
	}
	probes.SetLevel(probes.GC, 1)
	on, gen, base := state()
	if !on {
		t.Fatal("gc level 1: no poll chain")
	}
	probes.SetLevel(probes.GC, 2) // a change above 0 keeps the same chain
	if on2, gen2, _ := state(); !on2 || gen2 != gen {
		t.Fatalf("level 1 → 2: running %v, generation %d → %d", on2, gen, gen2)
	}
	// Cycles poll by themselves: the runtime's NumGC reaches the poll.
	// (A finalizer runs on its own goroutine after the cycle: bounded
	// wait.)
	polled := false
	for i := 0; i < 200 && !polled; i++ {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
		_, _, last := state()
		polled = last > base
	}
	if !polled {
		t.Fatal("GC cycles ran, and no poll saw them")
	}
	probes.SetLevel(probes.GC, 0)
	if on, _, _ := state(); on {
		t.Fatal("switched off: the poll chain still runs")
	}
	_, _, last := state()
	cycleSeen(&sentinel{gen: gen}) // the old chain's last sentinel
	if on, _, last2 := state(); on || last2 != last {
		t.Fatal("a sentinel of a stopped chain polled or restarted it")
	}
	probes.SetLevel(probes.GC, 1)
	if _, gen3, _ := state(); gen3 == gen {
		t.Fatal("switched on again with the old generation")
	}
}
