//go:build linux

package admin

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/frame"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/admin/api"
)

// Every change made through the socket is an override of one key (a
// probe's level, a GODEBUG key, the http2debug emulation, the key log)
// with an expiry. The override remembers the key's value from before the
// first change (its baseline); a later change of the same key replaces
// the value and the expiry but keeps the baseline, and expiry restores
// the baseline. So overlapping changes never leave a key in an
// intermediate state.

const (
	kindProbe      = "probe"
	kindGodebug    = "godebug"
	kindHTTP2Debug = "http2debug"
	kindKeyLog     = "keylog"
)

const (
	defaultTTL = 15 * time.Minute
	maxTTL     = 24 * time.Hour
)

// override is one change in force: what /v1/status, /v1/probes and
// /v1/godebug show of it, and the timer that reverts it.
type override struct {
	api.Override
	gen   uint64
	timer *time.Timer
}

func okey(kind, key string) string { return kind + "/" + key }

// current returns the live value of a key, and whether it is set at all.
func (s *Server) current(kind, key string) (string, bool) {
	switch kind {
	case kindProbe:
		p, _ := probes.ProbeByName(key)
		return strconv.Itoa(int(probes.Level(p))), true
	case kindGodebug:
		return godebugGet(key)
	case kindHTTP2Debug:
		return strconv.Itoa(frame.HTTP2Debug()), true
	case kindKeyLog:
		return s.keyLogPath, s.keyLogPath != ""
	case kindCapture:
		return currentCapture()
	}
	return "", false
}

// apply makes value (or absence) live. s.mu is held.
func (s *Server) apply(kind, key, value string, unset bool) {
	switch kind {
	case kindProbe:
		p, _ := probes.ProbeByName(key)
		n, _ := strconv.Atoi(value)
		probes.SetLevel(p, n)
	case kindGodebug:
		godebugSet(key, value, unset)
	case kindHTTP2Debug:
		n, _ := strconv.Atoi(value)
		frame.SetHTTP2Debug(n)
	case kindKeyLog:
		s.setKeyLogLocked(value)
	case kindCapture:
		applyCapture(value, unset)
	}
}

type change struct{ kind, key, value string }

// setOverrides applies changes, all with the same ttl, and returns the
// values before and after, keyed "kind/key". s.mu is held.
func (s *Server) setOverridesLocked(cs []change, ttl time.Duration, by Peer) (before, after map[string]string) {
	before, after = map[string]string{}, map[string]string{}
	now := time.Now()
	for _, c := range cs {
		k := okey(c.kind, c.key)
		cur, set := s.current(c.kind, c.key)
		if !set {
			cur = "(unset)"
		}
		before[k] = cur
		after[k] = c.value
		o := s.overrides[k]
		if o == nil && ((set && c.value == cur) || (!set && c.value == "")) {
			continue // no change: nothing to apply or revert
		}
		if o == nil {
			o = &override{Override: api.Override{Kind: c.kind, Key: c.key, Before: cur, Unset: !set}}
			if !set {
				o.Before = ""
			}
			s.overrides[k] = o
		} else if o.timer != nil {
			o.timer.Stop()
		}
		s.apply(c.kind, c.key, c.value, false)
		if c.kind == kindProbe && c.value == "2" {
			select {
			case s.kick <- struct{}{}:
			default:
			}
		}
		if c.value == o.Before && !o.Unset {
			delete(s.overrides, k) // back to the baseline: nothing to revert
			continue
		}
		s.gen++
		o.Value, o.Expires, o.By, o.gen = c.value, now.Add(ttl), by, s.gen
		gen := o.gen
		o.timer = time.AfterFunc(ttl, func() { s.expire(k, gen) })
	}
	return before, after
}

// expire reverts the override k if it is still the one armed as gen.
func (s *Server) expire(k string, gen uint64) {
	s.mu.Lock()
	o := s.overrides[k]
	if o == nil || o.gen != gen || s.closed {
		s.mu.Unlock()
		return
	}
	delete(s.overrides, k)
	s.apply(o.Kind, o.Key, o.Before, o.Unset)
	s.mu.Unlock()
	before := o.Before
	if o.Unset {
		before = "(unset)"
	}
	s.audit.append(Entry{Action: "expired", Peer: o.By, Before: map[string]string{k: o.Value},
		After: map[string]string{k: before}, Result: "reverted"})
	e := probes.Event{Probe: probes.Admin, Sev: probes.Info, Name: "admin.expired",
		Msg: "change expired and reverted: " + k + " " + o.Value + " → " + before}
	e.Add(probes.String(probes.KeyKey, k), probes.String(probes.KeyFrom, o.Value), probes.String(probes.KeyTo, before))
	probes.Emit(&e)
}

// overridesLocked lists the overrides in force, by key.
func (s *Server) overridesLocked() []api.Override {
	out := make([]api.Override, 0, len(s.overrides))
	for _, o := range s.overrides {
		out = append(out, o.Override)
	}
	sortOverrides(out)
	return out
}

func sortOverrides(os []api.Override) {
	for i := 1; i < len(os); i++ {
		for j := i; j > 0 && okey(os[j].Kind, os[j].Key) < okey(os[j-1].Kind, os[j-1].Key); j-- {
			os[j], os[j-1] = os[j-1], os[j]
		}
	}
}

// revertAllLocked restores every baseline (Close).
func (s *Server) revertAllLocked() {
	for k, o := range s.overrides {
		if o.timer != nil {
			o.timer.Stop()
		}
		s.apply(o.Kind, o.Key, o.Before, o.Unset)
		delete(s.overrides, k)
	}
}

// parseTTL parses a change's ttl: default 15m, at most 24h.
// readChange reads a change's JSON body into v and parses its ttl, a
// field of v (read after the body was decoded), or answers the error: the
// start every PUT of a change shares.
func readChange(w http.ResponseWriter, r *http.Request, v any, ttl *string) (time.Duration, bool) {
	if !readBody(w, r, v) {
		return 0, false
	}
	d, err := parseTTL(*ttl)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return 0, false
	}
	return d, true
}

func parseTTL(v string) (time.Duration, error) {
	if v == "" {
		return defaultTTL, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, errf("ttl %q: want a Go duration such as 10m", v)
	}
	if d <= 0 {
		return 0, errf("ttl %q: must be positive", v)
	}
	if d > maxTTL {
		return 0, errf("ttl %q: over the maximum of 24h", v)
	}
	return d, nil
}
