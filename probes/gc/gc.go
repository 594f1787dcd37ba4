package gc

import (
	"fmt"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// The gc probe polls debug.ReadGCStats (which does not stop the world)
// every gcPoll while the gc level is above 0. Each new stop-the-world
// pause is a gc.pause (level 2); a pause longer than the gc.delay
// threshold is a gc.delay (level 1) naming the requests it delayed
// (inflight.go says how they are found).
//
// The poll runs from a timer (time.AfterFunc, re-armed after each poll),
// not from a goroutine of its own: a goroutine parked between polls is
// counted, with its shallow stack, in the average from which the runtime
// sizes every new goroutine's stack (adaptivestackstart), and in a program
// with few goroutines it tips that start from 4 KiB to 2 KiB, where the
// goroutines net/http starts per HTTP/2 request grow their stacks once
// more (docs/PROBES.md, "Cost").

const gcPoll = 100 * time.Millisecond

var (
	gcMu    sync.Mutex // guards gcTimer, gcGen and the poll state
	gcTimer *time.Timer
	gcGen   uint64 // bumped at each start and stop: an older chain's tick ends it
	gcStats debug.GCStats
	// gcLastNum is the NumGC last seen, taken as the baseline when the
	// probe is switched on: pauses from before that are not reported.
	gcLastNum int64 = -1
	// pollMu makes polls one at a time, the timer's and those of the
	// admin socket or a test: when Poll returns, every pause a poll read
	// before it has been recorded and its gc.delay emitted.
	pollMu sync.Mutex
)

func init() { probes.OnLevel(probes.GC, levelChanged) }

// levelChanged starts the poll when the gc level rises above 0, and
// stops it at 0.
func levelChanged() {
	gcMu.Lock()
	defer gcMu.Unlock()
	on := probes.Level(probes.GC) > 0
	switch {
	case on && gcTimer == nil:
		gcGen++
		gen := gcGen
		debug.ReadGCStats(&gcStats)
		gcLastNum = gcStats.NumGC
		gcTimer = time.AfterFunc(gcPoll, func() { gcTick(gen) })
	case !on && gcTimer != nil:
		gcGen++
		gcTimer.Stop()
		gcTimer = nil
	}
}

// gcTick polls and re-arms the timer, unless the probe was switched off
// (or off and on again: a newer chain polls) since gen's chain started:
// once a switch off took pollMu, no older tick polls.
func gcTick(gen uint64) {
	pollMu.Lock()
	gcMu.Lock()
	live := gcGen == gen && gcTimer != nil
	gcMu.Unlock()
	if !live {
		pollMu.Unlock()
		return
	}
	poll()
	pollMu.Unlock()
	gcMu.Lock()
	defer gcMu.Unlock()
	if gcGen == gen && gcTimer != nil {
		gcTimer.Reset(gcPoll)
	}
}

// Poll reads the GC pauses that happened since the last poll and emits
// their events now. The poller calls it every 100ms; tests and the admin
// socket may call it to get the events at once.
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
		e.AddDuration("pause", d)
		e.AddInt("num", num)
		e.AddString("end", end.UTC().Format(time.RFC3339Nano))
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
		e.AddDuration("pause", d)
		e.AddInt("num", p.num)
		e.AddInt("count", p.count)
		e.AddString("reqs", b.String())
		e.AddDuration("threshold", probes.GCDelay())
		probes.Emit(&e)
	}
}
