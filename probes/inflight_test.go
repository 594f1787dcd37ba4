package probes

import (
	"sort"
	"testing"
	"time"
)

// A pause delays the requests the program waits on: one without its
// response yet, one whose body is being read; not one whose body nobody
// reads (a leak would otherwise count until the collector finds it).
func TestFlightsDuringCountsOnlyWaitedRequests(t *testing.T) {
	old := SetLevel(GC, 1)
	defer SetLevel(GC, old)
	now := mono()
	waiting := flightStart(new(flight), 9001, "waiting.go:1", now, false)
	unread := flightStart(new(flight), 9002, "unread.go:2", now, false)
	reading := flightStart(new(flight), 9003, "reading.go:3", now, false)
	unread.responded(mono())
	reading.responded(mono())
	reading.readStart()

	from := mono() + 1 // a pause after every event above
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

	reading.readEnd(mono())
	for _, f := range []*flight{waiting, unread, reading} {
		flightEnd(f)
	}
	// Finished: the unread one still does not count.
	for _, f := range flightsDuring(from, mono()) {
		if f.id == 9002 {
			t.Errorf("finished unread request counted as delayed")
		}
	}
}
