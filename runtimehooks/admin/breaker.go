//go:build linux

package admin

import (
	"strconv"
	"sync"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// The breaker samples each probe's event counter (probes.Emitted) and
// drops a probe at level 2 whose rate over the last window exceeds the
// budget to level 1, with an admin.breaker diagnostic and an audit
// record. A change in force on that probe keeps its expiry: when it
// expires the probe returns to its baseline.
//
// It samples after the ring writer's drains (probes.OnDrain), which run
// while events flow and only then, not on a timer of its own: an armed
// timer made the scheduler read the clock each time it looked for work,
// on every request of a program at level 2. A window closes at the first
// drain breakerWindow after it opened; a drain within it trips the
// probe as soon as the window's events exceed its budget, so that a
// burst shorter than the window, after which no drain comes, is caught.
const breakerWindow = 250 * time.Millisecond

type breakerState struct {
	s      *Server
	budget int
	mu     sync.Mutex
	prev   time.Time                // the window's start
	last   [probes.NumProbes]uint64 // the counters then
	off    [probes.NumProbes]bool   // tripped in this window already
}

func (s *Server) breaker(budget int) {
	b := &breakerState{s: s, budget: budget}
	b.open(time.Now())
	defer probes.OnDrain(b.sample)()
	for {
		select {
		case <-s.done:
			return
		case <-s.kick:
			// A probe was just raised: measure it from now on.
			b.open(time.Now())
		}
	}
}

// open starts a window at now.
func (b *breakerState) open(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.openLocked(now)
}

func (b *breakerState) openLocked(now time.Time) {
	b.prev = now
	for p := probes.Probe(0); p < probes.NumProbes; p++ {
		b.last[p] = probes.Emitted(p)
		b.off[p] = false
	}
}

// sample measures each probe at level 2 over the window so far (at
// least breakerWindow long) and trips those over the budget; it opens
// the next window once this one has lasted breakerWindow.
func (b *breakerState) sample() {
	now := time.Now()
	var trip [probes.NumProbes]int64
	b.mu.Lock()
	el := now.Sub(b.prev)
	span := el
	if span < breakerWindow {
		span = breakerWindow
	}
	for p := probes.Probe(0); p < probes.NumProbes; p++ {
		if p == probes.Admin || b.off[p] || probes.Level(p) < 2 {
			continue
		}
		rate := float64(probes.Emitted(p)-b.last[p]) / span.Seconds()
		if rate > float64(b.budget) {
			trip[p], b.off[p] = int64(rate), true
		}
	}
	if el >= breakerWindow {
		b.openLocked(now)
	}
	b.mu.Unlock()
	for p, rate := range trip {
		if rate != 0 {
			b.s.trip(probes.Probe(p), rate, b.budget)
		}
	}
}

func (s *Server) trip(p probes.Probe, rate int64, budget int) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	probes.SetLevel(p, 1)
	if o := s.overrides[okey(kindProbe, p.String())]; o != nil {
		o.Value = "1"
	}
	s.mu.Unlock()
	k := okey(kindProbe, p.String())
	s.audit.append(Entry{Action: "breaker", Peer: Peer{PID: -1, UID: -1}, Before: map[string]string{k: "2"},
		After: map[string]string{k: "1"}, Result: "tripped at " + strconv.FormatInt(rate, 10) + " events/s"})
	e := probes.Event{Probe: probes.Admin, Sev: probes.Warn, Name: "admin.breaker",
		Msg: "probe " + p.String() + " emitted " + strconv.FormatInt(rate, 10) + " events/s, over its budget of " +
			strconv.Itoa(budget) + ": dropped to level 1"}
	e.Add(probes.String(probes.KeyProbe, p.String()), probes.Int(probes.KeyRate, rate), probes.Int(probes.KeyBudget, int64(budget)))
	probes.Emit(&e)
}
