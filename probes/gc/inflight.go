package gc

import (
	"sync"
	"sync/atomic"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/table"
)

// The in-flight registry lets the gc probe name the requests a pause
// delayed. It is kept while the gc probe is on (level ≥ 1): a request is
// registered when its wrapper starts and removed when it finishes; the
// last finished requests are kept for a while so that a pause observed
// after they finished is still correlated.

// A response body nobody reads is not delayed by a pause: the program is
// not waiting for it (a leaked body would otherwise count until the
// collector finds it). So once the response headers are in, a client
// request counts only while a Read of its body is under way or returned
// during the pause window.
type Flight struct {
	slot      int  // in flights
	server    bool // a served request (its finished record goes to finished[1])
	id        uint64
	site      string
	start     int64        // mono
	bodyPhase atomic.Bool  // response headers received
	reading   atomic.Int32 // Reads of the body under way
	lastRead  atomic.Int64 // mono: headers received, then each Read's return
}

// finishedFlight is what is kept of a flight after it ended.
type finishedFlight struct {
	id         uint64
	site       string
	start, end int64
	bodyPhase  bool
	lastRead   int64
}

// Responded marks the response headers received.
func (f *Flight) Responded(now int64) {
	f.lastRead.Store(now)
	f.bodyPhase.Store(true)
}

// ReadStart and ReadEnd bracket a Read of the response body.
func (f *Flight) ReadStart() { f.reading.Add(1) }

func (f *Flight) ReadEnd(now int64) {
	f.lastRead.Store(now)
	f.reading.Add(-1)
}

// waitedDuring reports whether the program was waiting on the request at
// some time in [from, to]: before its response, or in its body.
func (f *Flight) waitedDuring(from int64) bool {
	return !f.bodyPhase.Load() || f.reading.Load() > 0 || f.lastRead.Load() >= from
}

const finishedKeep = 512

// finishedRing keeps the last finished flights of one side. Client and
// server requests have a ring each: in a process that calls itself, one
// shared ring's lock and counter would move between the client's and the
// server's cores on every request.
type finishedRing struct {
	mu   sync.Mutex
	n    uint64
	ring [finishedKeep]finishedFlight
}

var (
	flights  table.Registry[Flight]
	finished [2]finishedRing // client, server
)

// Start registers request id in f, which the caller owns (it is
// part of the request's own state, so following a request allocates
// nothing more). It returns nil when the gc probe is off, and f, to pass
// to End, otherwise.
func Start(f *Flight, id uint64, site string, start int64, server bool) *Flight {
	if probes.Level(probes.GC) < 1 {
		return nil
	}
	f.id, f.site, f.start, f.server = id, site, start, server
	f.slot = flights.Add(f, id)
	return f
}

// End takes f out of the in-flight set: its request is over.
func End(f *Flight) { EndAt(f, probes.Mono()) }

// EndAt is End with the time already read.
func EndAt(f *Flight, now int64) {
	if !flights.Remove(f, f.slot) {
		return
	}
	done := finishedFlight{id: f.id, site: f.site, start: f.start, end: now,
		bodyPhase: f.bodyPhase.Load(), lastRead: f.lastRead.Load()}
	r := &finished[0]
	if f.server {
		r = &finished[1]
	}
	r.mu.Lock()
	r.ring[r.n%finishedKeep] = done
	r.n++
	r.mu.Unlock()
}

// flightsDuring returns the requests the program was waiting on at some
// time in [from, to] (monotonic readings).
func flightsDuring(from, to int64) []finishedFlight {
	var out []finishedFlight
	flights.Each(func(f *Flight) {
		if f.start <= to && f.waitedDuring(from) {
			out = append(out, finishedFlight{id: f.id, site: f.site, start: f.start})
		}
	})
	for i := range finished {
		r := &finished[i]
		r.mu.Lock()
		for i := 0; i < finishedKeep && uint64(i) < r.n; i++ {
			f := r.ring[i]
			if f.start <= to && f.end >= from && (!f.bodyPhase || f.lastRead >= from) {
				out = append(out, f)
			}
		}
		r.mu.Unlock()
	}
	return out
}
