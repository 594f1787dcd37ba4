package gc

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// The gc probe polls debug.ReadGCStats (which does not stop the world)
// once per GC cycle while the gc level is above 0. Each new
// stop-the-world pause is a gc.pause (level 2); a pause longer than the
// gc.delay threshold is a gc.delay (level 1) naming the requests it
// delayed (inflight.go says how they are found).
//
// The collector itself runs the poll: a sentinel object with a finalizer
// is dropped as soon as it is made, the cycle that finds it unreachable
// queues its finalizer, which polls and drops the next sentinel. No timer
// and no goroutine of the probes' own: a timer pending on a P makes the
// scheduler read the clock on every scheduling round (each request's
// several), and a parked goroutine pulls down the average stack depth
// from which the runtime sizes every new goroutine's stack
// (adaptivestackstart, docs/PROBES.md "Cost"). Finalizers run on the
// runtime's finalizer goroutine, which every program that uses the
// network has already (net's file descriptors have finalizers).
//
// A request that ends after its long pause was polled names itself then
// (inflight.go); a timer of gcReport, armed only for that, reports it
// without waiting for the next cycle.

const gcReport = 100 * time.Millisecond

var (
	gcMu  sync.Mutex // guards gcOn, gcGen and the poll state
	gcOn  bool       // the sentinel chain runs
	gcGen uint64     // bumped at each start and stop: an older chain's sentinel ends it
	// gcStats is the poll's buffer for debug.ReadGCStats.
	gcStats debug.GCStats
	// gcLastNum is the NumGC last seen, taken as the baseline when the
	// probe is switched on: pauses from before that are not reported.
	gcLastNum int64 = -1
	// pollMu makes polls one at a time, the collector's and those of the
	// admin socket, the report timer or a test: when Poll returns, every
	// pause a poll read before it has been recorded and its gc.delay
	// emitted.
	pollMu sync.Mutex
	// reportArmed: a report of requests named after their pause was
	// polled is scheduled (reportLater).
	reportArmed atomic.Bool
)

func init() { probes.OnLevel(probes.GC, levelChanged) }

// levelChanged starts the sentinel chain when the gc level rises above
// 0, and stops it at 0.
func levelChanged() {
	gcMu.Lock()
	defer gcMu.Unlock()
	on := probes.Level(probes.GC) > 0
	switch {
	case on && !gcOn:
		gcGen++
		debug.ReadGCStats(&gcStats)
		gcLastNum = gcStats.NumGC
		gcOn = true
		dropSentinel(gcGen)
	case !on && gcOn:
		gcGen++
		gcOn = false
	}
}

// sentinel is the object whose collection runs a poll. It has a pointer
// field: a pointer-free object under 16 bytes would come from the tiny
// allocator, whose blocks are freed (and finalized) only when every
// object in them is.
type sentinel struct {
	gen uint64
	_   *byte
}

// dropSentinel makes chain gen's next sentinel, unreachable at once.
func dropSentinel(gen uint64) {
	runtime.SetFinalizer(&sentinel{gen: gen}, cycleSeen)
}

// cycleSeen runs after the GC cycle that found s unreachable: it polls
// and drops the next sentinel, unless the probe was switched off (or off
// and on again: a newer chain polls) since s's chain started: once a
// switch off took pollMu, no older sentinel polls.
func cycleSeen(s *sentinel) {
	pollMu.Lock()
	gcMu.Lock()
	live := gcGen == s.gen && gcOn
	gcMu.Unlock()
	if !live {
		pollMu.Unlock()
		return
	}
	poll()
	pollMu.Unlock()
	gcMu.Lock()
	defer gcMu.Unlock()
	if gcGen == s.gen && gcOn {
		dropSentinel(s.gen)
	}
}

// reportLater schedules a poll gcReport from now, unless one is: for the
// requests that named themselves for a pause already polled, so that
// their gc.delay does not wait for the next GC cycle.
func reportLater() {
	if reportArmed.CompareAndSwap(false, true) {
		time.AfterFunc(gcReport, func() {
			reportArmed.Store(false)
			gcMu.Lock()
			on := gcOn
			gcMu.Unlock()
			if on {
				Poll()
			}
		})
	}
}

// Poll reads the GC pauses that happened since the last poll and emits
// their events now. The collector's sentinels call it once per cycle;
// tests and the admin socket may call it to get the events at once.
func Poll() {
	pollMu.Lock()
	defer pollMu.Unlock()
	poll()
}

func poll() {
	gcMu.Lock()
	debug.ReadGCStats(&gcStats)
	num := gcStats.NumGC
	last := gcLastNum
	gcLastNum = num
	if last < 0 || num <= last {
		gcMu.Unlock()
		emitDelays() // requests that ended since and that a pause seen before delayed
		return
	}
	n := int(num - last)
	if n > len(gcStats.Pause) {
		n = len(gcStats.Pause)
	}
	if n > len(gcStats.PauseEnd) {
		n = len(gcStats.PauseEnd)
	}
	type pause struct {
		d   time.Duration
		end time.Time
		num int64
	}
	ps := make([]pause, n)
	for i := 0; i < n; i++ { // Pause and PauseEnd are most recent first
		ps[n-1-i] = pause{gcStats.Pause[i], gcStats.PauseEnd[i], num - int64(i)}
	}
	gcMu.Unlock()
	for _, p := range ps {
		gcPause(p.d, p.end, p.num)
	}
	emitDelays()
}

// gcPause emits the events of one pause of duration d that ended at end,
// and records it when it is long enough to be a gc.delay.
func gcPause(d time.Duration, end time.Time, num int64) {
	lvl := probes.Level(probes.GC)
	if lvl >= 2 {
		e := probes.Event{Probe: probes.GC, Sev: probes.Info, Name: "gc.pause", Msg: "GC stop-the-world pause"}
		e.AddDuration(probes.KeyPause, d)
		e.AddInt(probes.KeyNum, num)
		e.AddString(probes.KeyEnd, end.UTC().Format(time.RFC3339Nano))
		probes.Emit(&e)
	}
	if lvl >= 1 && d > probes.GCDelay() {
		longPauseSeen(num, int64(d), probes.MonoAt(end.Add(-d)), probes.MonoAt(end))
	}
}

// emitDelays emits a gc.delay for each long pause with requests named
// since the last poll.
func emitDelays() {
	if probes.Level(probes.GC) < 1 {
		return
	}
	for _, p := range takeDelayed() {
		fs := p.pending
		sort.Slice(fs, func(i, j int) bool { return fs[i].id < fs[j].id })
		var b strings.Builder
		for i, f := range fs {
			if i == 8 {
				break
			}
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatUint(f.id, 10))
			b.WriteByte('@')
			b.WriteString(f.site)
		}
		if p.count > 8 {
			fmt.Fprintf(&b, ",+%d more", p.count-8)
		}
		d := time.Duration(p.d)
		e := probes.Event{Probe: probes.GC, Sev: probes.Warn, Name: "gc.delay", Req: fs[0].id, Site: fs[0].site,
			Msg: fmt.Sprintf("GC pause of %v delayed %d request(s)", d, p.count)}
		e.AddDuration(probes.KeyPause, d)
		e.AddInt(probes.KeyNum, p.num)
		e.AddInt(probes.KeyCount, p.count)
		e.AddString(probes.KeyReqs, b.String())
		e.AddDuration(probes.KeyThreshold, probes.GCDelay())
		probes.Emit(&e)
	}
}
