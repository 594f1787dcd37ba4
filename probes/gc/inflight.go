package gc

import (
	"sort"
	"sync"
	"sync/atomic"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// How the gc probe names the requests a pause delayed, without an
// in-flight registry. A stop-the-world pause longer than the gc.delay
// threshold can only delay a request that lasted longer than the
// threshold: no request code runs during the pause, so a request it
// overlapped began before it and ended after it. A request therefore
// costs nothing here but a few stores at its start and one comparison at
// its end; only a request that lasted longer than the threshold (slow,
// and so rare next to its own duration) takes the lock below, at its end:
//
//   - it names itself for every long pause already seen (Poll) that it
//     overlapped while the program waited on it;
//   - it is kept in a ring of slow finished requests, from which a long
//     pause seen later (the poll runs after each GC cycle) names those it
//     overlapped.
//
// Each pair of a request and a pause is found once, by whichever of the
// two is seen second (both under delayMu). The requests named are
// reported by the next poll (a request that names itself for a pause
// already polled schedules one, gcReport later): a request still running
// when its pause is seen is reported when it ends, in a later gc.delay
// for the same pause.

// A response body nobody reads is not delayed by a pause: the program is
// not waiting for it (a leaked body would otherwise count until the
// collector finds it). So once the response headers are in, a client
// request counts only if a Read of its body returned during or after the
// pause.
//
// lastRead is when the response headers came or a Read of the body last
// returned, 0 before the response: a Read's time is kept only when it is
// later than start plus the threshold (ReadEnd), as an earlier one cannot
// follow a long pause that the request overlapped, and an atomic store
// is an exchange on every Read.
type Flight struct {
	id       uint64
	site     string
	start    int64 // mono
	lastRead atomic.Int64
}

// finishedFlight is what is kept of a slow request after it ended.
type finishedFlight struct {
	id         uint64
	site       string
	start, end int64
	bodyPhase  bool
	lastRead   int64
}

// delayedDuring reports whether the program was waiting on f at some
// time in [from, to]: it overlapped it, before its response or in a Read
// of its body.
func (f *finishedFlight) delayedDuring(from, to int64) bool {
	return f.start <= to && f.end >= from && (!f.bodyPhase || f.lastRead >= from)
}

// longPause is a pause longer than the threshold, seen by Poll, with the
// requests found delayed by it and not yet reported.
type longPause struct {
	num      int64
	d        int64            // duration, ns
	from, to int64            // mono
	pending  []finishedFlight // the first pendingKeep named
	count    int64            // named in all
}

const (
	slowKeep  = 1024 // slow finished requests kept for pauses seen later
	pauseKeep = 64   // long pauses kept for requests ending later
	// pendingKeep bounds what a pause keeps of the requests it delayed
	// until the poll reports them (the event lists 8 and counts all).
	pendingKeep = 64
)

var (
	delayMu sync.Mutex // guards what follows
	slow    [slowKeep]finishedFlight
	slowN   uint64
	pauses  [pauseKeep]longPause
	pausesN uint64
)

// Responded marks the response headers received.
func (f *Flight) Responded(now int64) { f.lastRead.Store(now) }

// ReadEnd marks a Read of the response body returned. A Read less than
// the threshold after the request's start is not kept: no code runs
// during a pause, so a pause the request overlapped began after its
// start, and a Read that returned after a long one did so more than the
// threshold after the start; an earlier Read cannot count.
func (f *Flight) ReadEnd(now int64) {
	if now-f.start > int64(probes.GCDelay()) {
		f.lastRead.Store(now)
	}
}

// Start fills f, which the caller owns (it is part of the request's own
// state, so following a request allocates nothing), for request id. It
// returns nil when the gc probe is off, and f, to pass to End, otherwise.
func Start(f *Flight, id uint64, site string, start int64) *Flight {
	if probes.Level(probes.GC) < 1 {
		return nil
	}
	f.id, f.site, f.start = id, site, start
	return f
}

// End ends f's request.
func End(f *Flight) { EndAt(f, probes.Mono()) }

// EndAt is End with the time already read.
func EndAt(f *Flight, now int64) {
	if now-f.start <= int64(probes.GCDelay()) {
		return // too short for a long pause to have delayed it
	}
	endSlow(f, now)
}

//go:noinline
func endSlow(f *Flight, now int64) {
	last := f.lastRead.Load()
	done := finishedFlight{id: f.id, site: f.site, start: f.start, end: now,
		bodyPhase: last != 0, lastRead: last}
	named := false
	delayMu.Lock()
	for i := uint64(0); i < pauseKeep && i < pausesN; i++ {
		p := &pauses[i]
		if done.delayedDuring(p.from, p.to) {
			p.name(done)
			named = true
		}
	}
	slow[slowN%slowKeep] = done
	slowN++
	delayMu.Unlock()
	if named {
		reportLater() // the pause was polled: no poll may come soon
	}
}

// longPauseSeen records a long pause seen by Poll and names the slow
// requests that ended before it was seen and that it delayed.
func longPauseSeen(num int64, d, from, to int64) {
	delayMu.Lock()
	defer delayMu.Unlock()
	p := &pauses[pausesN%pauseKeep]
	pausesN++
	*p = longPause{num: num, d: d, from: from, to: to, pending: p.pending[:0]}
	for i := uint64(0); i < slowKeep && i < slowN; i++ {
		if slow[i].delayedDuring(from, to) {
			p.name(slow[i])
		}
	}
}

// name adds f to the requests p delayed.
func (p *longPause) name(f finishedFlight) {
	p.count++
	if len(p.pending) < pendingKeep {
		p.pending = append(p.pending, f)
	}
}

// takeDelayed returns the pauses with requests named and not yet
// reported, and forgets those requests.
func takeDelayed() []longPause {
	delayMu.Lock()
	defer delayMu.Unlock()
	var out []longPause
	for i := uint64(0); i < pauseKeep && i < pausesN; i++ {
		p := &pauses[i]
		if p.count > 0 {
			q := *p
			q.pending = append([]finishedFlight(nil), p.pending...)
			p.pending, p.count = p.pending[:0], 0
			out = append(out, q)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].num < out[j].num })
	return out
}
