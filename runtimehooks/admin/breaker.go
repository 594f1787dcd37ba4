//go:build linux

package admin

import (
	"strconv"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// The breaker samples each probe's event counter (probes.Emitted) and
// drops a probe at level 2 whose rate over the last window exceeds the
// budget to level 1, with an admin.breaker diagnostic and an audit
// record. A change in force on that probe keeps its expiry: when it
// expires the probe returns to its baseline.
const (
	breakerWindow = 250 * time.Millisecond
	breakerIdle   = time.Second // sampling period while no probe is at level 2
)

func (s *Server) breaker(budget int) {
	var last [probes.NumProbes]uint64
	for p := probes.Probe(0); p < probes.NumProbes; p++ {
		last[p] = probes.Emitted(p)
	}
	prev := time.Now()
	period := breakerIdle
	t := time.NewTimer(period)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		case <-s.kick:
			// A probe was just raised: measure it from now on, in windows.
			if !t.Stop() {
				select {
				case <-t.C:
				default:
				}
			}
			for p := probes.Probe(0); p < probes.NumProbes; p++ {
				last[p] = probes.Emitted(p)
			}
			prev = time.Now()
			t.Reset(breakerWindow)
			continue
		}
		now := time.Now()
		el := now.Sub(prev)
		prev = now
		any2 := false
		for p := probes.Probe(0); p < probes.NumProbes; p++ {
			n := probes.Emitted(p)
			d := n - last[p]
			last[p] = n
			if p == probes.Admin || probes.Level(p) < 2 {
				continue
			}
			any2 = true
			rate := float64(d) / el.Seconds()
			if rate > float64(budget) {
				s.trip(p, int64(rate), budget)
			}
		}
		period = breakerIdle
		if any2 {
			period = breakerWindow
		}
		t.Reset(period)
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
	e.Add(probes.String("probe", p.String()), probes.Int("rate", rate), probes.Int("budget", int64(budget)))
	probes.Emit(&e)
}
