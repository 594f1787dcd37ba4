package gc

import (
	"sort"
	"testing"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// A pause delays the requests the program waits on: one without its
// response yet, one whose body is being read; not one whose body nobody
// reads (a leak would otherwise count until the collector finds it).
func TestFlightsDuringCountsOnlyWaitedRequests(t *testing.T) {
	old := probes.SetLevel(probes.GC, 1)
	defer probes.SetLevel(probes.GC, old)
	now := probes.Mono()
	waiting := Start(new(Flight), 9001, "waiting.go:1", now, false)
	unread := Start(new(Flight), 9002, "unread.go:2", now, false)
	reading := Start(new(Flight), 9003, "reading.go:3", now, false)
	unread.Responded(probes.Mono())
	reading.Responded(probes.Mono())
	reading.ReadStart()

	from := probes.Mono() + 1 // a pause after every event above
	var got []uint64
	for _, f := range flightsDuring(from, from+int64(time.Millisecond)) {
		if f.id >= 9001 && f.id <= 9003 {
			got = append(got, f.id)
		}
	}
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	if len(got) != 2 || got[0] != 9001 || got[1] != 9003 {
		t.Errorf("flights during the pause = %v, want [9001 9003]", got)
	}

	reading.ReadEnd(probes.Mono())
	for _, f := range []*Flight{waiting, unread, reading} {
		End(f)
	}
	// Finished: the unread one still does not count.
	for _, f := range flightsDuring(from, probes.Mono()) {
		if f.id == 9002 {
			t.Errorf("finished unread request counted as delayed")
		}
	}
}
