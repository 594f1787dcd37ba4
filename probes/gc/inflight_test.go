package gc

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/probetest"
)

func attr(e probes.Event, key string) string {
	for _, a := range e.Attrs {
		if a.Key.String() == key {
			return a.Str
		}
	}
	return ""
}

func attrNum(e probes.Event, key string) int64 {
	for _, a := range e.Attrs {
		if a.Key.String() == key {
			return a.Num
		}
	}
	return -1
}

// A forced collection while requests run: the ones that span its pause
// are named; one that ended before it and one that started after it are
// not. One spanning request ends before the poll sees the pause (the pause
// names it), one after (it names itself at its end): both are reported.
// The requests' times are set around the pause the runtime reports, and
// the timer's poll is stopped: the test does not depend on how long
// anything takes, nor on when the timer fires.
func TestGCDelayNamesTheRequestsThatSpannedThePause(t *testing.T) {
	probetest.Configure(t, "all=0,gc=1,gc.delay=1ns")
	stopPoller()
	Poll() // the baseline: pauses before this are not ours
	rec := probetest.Record(t)

	runtime.GC()
	var st debug.GCStats
	debug.ReadGCStats(&st)
	num := st.NumGC // the pause below: the latest
	from, to := probes.MonoAt(st.PauseEnd[0].Add(-st.Pause[0])), probes.MonoAt(st.PauseEnd[0])
	ms := int64(time.Millisecond)

	before := Start(new(Flight), 9101, "before.go:1", from-3*ms)
	spanEarly := Start(new(Flight), 9102, "early.go:2", from-2*ms)
	spanLate := Start(new(Flight), 9103, "late.go:3", from-2*ms)
	after := Start(new(Flight), 9104, "after.go:4", to+1)
	EndAt(before, from-1)
	EndAt(spanEarly, to+ms) // before the poll sees the pause
	EndAt(after, to+2*ms)
	Poll()
	EndAt(spanLate, to+ms) // after it
	Poll()

	named := map[string]bool{}
	for _, e := range rec.Named("gc.delay") {
		if attrNum(e, "num") != num {
			continue
		}
		for _, r := range strings.Split(attr(e, "reqs"), ",") {
			named[r] = true
		}
	}
	for _, want := range []string{"9102@early.go:2", "9103@late.go:3"} {
		if !named[want] {
			t.Errorf("%s spanned the pause and is not named (named: %v)", want, named)
		}
	}
	for _, not := range []string{"9101@before.go:1", "9104@after.go:4"} {
		if named[not] {
			t.Errorf("%s did not span the pause and is named", not)
		}
	}
}

// Without a call of Poll: the collector's own poll sees the pause, and a
// request that spanned it and ends afterwards names itself, and schedules
// the report (reportLater) that emits its gc.delay. Waits are bounded.
func TestGCDelayReportedAfterTheCyclesPoll(t *testing.T) {
	probetest.Configure(t, "all=0,gc=1,gc.delay=1ns")
	probes.SetLevel(probes.GC, 0) // a chain of its own, whatever an
	probes.SetLevel(probes.GC, 1) // earlier test stopped
	rec := probetest.Record(t)

	runtime.GC()
	var st debug.GCStats
	debug.ReadGCStats(&st)
	num := st.NumGC
	from, to := probes.MonoAt(st.PauseEnd[0].Add(-st.Pause[0])), probes.MonoAt(st.PauseEnd[0])
	f := Start(new(Flight), 9201, "self.go:1", from-int64(time.Millisecond))
	polled := func() bool {
		gcMu.Lock()
		defer gcMu.Unlock()
		return gcLastNum >= num
	}
	for i := 0; i < 400 && !polled(); i++ {
		time.Sleep(5 * time.Millisecond)
	}
	if !polled() {
		t.Fatal("the collector's poll did not see the cycle")
	}
	EndAt(f, to+int64(time.Millisecond))
	for i := 0; i < 400; i++ {
		for _, e := range rec.Named("gc.delay") {
			if attrNum(e, "num") == num && strings.Contains(attr(e, "reqs"), "9201@self.go:1") {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no gc.delay named the request that ended after its pause was polled")
}

// stopPoller stops the collector's polls for the rest of the test (the
// level's next switch on starts them again) and waits for a poll in
// progress.
func stopPoller() {
	pollMu.Lock() // after a poll in progress
	defer pollMu.Unlock()
	gcMu.Lock()
	defer gcMu.Unlock()
	gcGen++
	gcOn = false
}

// A request shorter than the threshold cannot have been delayed by a
// pause longer than it: its end does nothing more.
func TestShortRequestIsNotKept(t *testing.T) {
	probetest.Configure(t, "all=0,gc=1,gc.delay=1h")
	delayMu.Lock()
	n := slowN
	delayMu.Unlock()
	End(Start(new(Flight), 9201, "short.go:1", probes.Mono()))
	delayMu.Lock()
	defer delayMu.Unlock()
	if slowN != n {
		t.Error("a request shorter than the threshold was kept")
	}
}

// A pause delays the requests the program waits on: one without its
// response yet, one whose body is being read; not one whose body nobody
// read during it (a leak would otherwise count until the collector finds
// it).
func TestOnlyWaitedRequestsAreDelayed(t *testing.T) {
	probetest.Configure(t, "all=0,gc=1,gc.delay=1ns")
	now := probes.Mono()
	waiting := Start(new(Flight), 9001, "waiting.go:1", now)
	unread := Start(new(Flight), 9002, "unread.go:2", now)
	reading := Start(new(Flight), 9003, "reading.go:3", now)
	unread.Responded(probes.Mono())
	reading.Responded(probes.Mono())

	from := probes.Mono() + 1 // a pause after every event above
	to := from + int64(time.Millisecond)
	for probes.Mono() <= to {
		time.Sleep(time.Millisecond)
	}
	reading.ReadEnd(probes.Mono()) // a Read that returned after the pause
	delayMu.Lock()
	n := slowN
	delayMu.Unlock()
	for _, f := range []*Flight{waiting, unread, reading} {
		End(f)
	}
	delayMu.Lock()
	defer delayMu.Unlock()
	got := map[uint64]bool{}
	for i := n; i < slowN; i++ {
		f := slow[i%slowKeep]
		got[f.id] = f.delayedDuring(from, to)
	}
	if !got[9001] || got[9002] || !got[9003] {
		t.Errorf("delayed during the pause: %v, want 9001 and 9003", got)
	}
}

// A Read less than the threshold after the request's start is not kept
// (it cannot have followed a long pause the request overlapped), a later
// one is: the request whose body was read after a long pause is delayed
// by it, the one whose body was read only before it is not.
func TestEarlyReadsNotKept(t *testing.T) {
	probetest.Configure(t, "all=0,gc=1,gc.delay=50ms")
	ms := int64(time.Millisecond)
	start := probes.Mono()
	early := Start(new(Flight), 9201, "early.go:1", start)
	late := Start(new(Flight), 9202, "late.go:2", start)
	for _, f := range []*Flight{early, late} {
		f.Responded(start + 1*ms)
		f.ReadEnd(start + 10*ms)
		if got := f.lastRead.Load(); got != start+1*ms {
			t.Errorf("a Read 10ms after the start was kept: lastRead %d, want the response's %d", got-start, 1*ms)
		}
	}
	late.ReadEnd(start + 90*ms)
	if got := late.lastRead.Load(); got != start+90*ms {
		t.Errorf("a Read 90ms after the start was not kept: lastRead %d", got-start)
	}
	from, to := start+20*ms, start+80*ms // a 60ms pause
	delayMu.Lock()
	n := slowN
	delayMu.Unlock()
	EndAt(early, start+100*ms)
	EndAt(late, start+100*ms)
	delayMu.Lock()
	defer delayMu.Unlock()
	got := map[uint64]bool{}
	for i := n; i < slowN; i++ {
		f := slow[i%slowKeep]
		got[f.id] = f.delayedDuring(from, to)
	}
	if len(got) != 2 || got[9201] || !got[9202] {
		t.Errorf("delayed by the pause: %v, want 9202 only", got)
	}
}
