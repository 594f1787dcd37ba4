package probes

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// levels holds the level of each probe: 0 off, 1 diagnostics, 2 every
// event. Until runtimehooks applies the configuration every probe is at
// level 1, the documented default.
var levels [NumProbes]atomic.Int32

// Level returns the current level of probe p. It is one atomic load, the
// whole cost of a disabled probe:
//
//	if probes.Level(probes.Frame) >= 2 { … build and Emit a frame.read … }
func Level(p Probe) int32 { return levels[p].Load() }

// ExchangeProbesOn reports whether a probe that follows a request or its
// connection is on (dial, header, body or gc): the client's and the
// server connection's hooks do nothing otherwise.
func ExchangeProbesOn() bool {
	return Level(Dial)|Level(Header)|Level(Body)|Level(GC) != 0
}

// SetLevel sets probe p to level l (clamped to 0..2) and returns the
// previous level. It calls p's watchers (OnLevel): the gc probe starts or
// stops its poller there.
func SetLevel(p Probe, l int) int {
	if l < 0 {
		l = 0
	}
	if l > 2 {
		l = 2
	}
	old := int(levels[p].Swap(int32(l)))
	if ws := levelWatchers[p].Load(); ws != nil {
		for _, f := range *ws {
			f()
		}
	}
	return old
}

// levelWatchers are the functions SetLevel calls, per probe: a
// copy-on-write list, read without a lock.
var (
	levelWatchersMu sync.Mutex
	levelWatchers   [NumProbes]atomic.Pointer[[]func()]
)

// OnLevel makes SetLevel call f after each setting of p's level (changed
// or not), and calls f once now, so that f sees the level in force
// whenever it was registered. A probe package that runs work of its own
// while its probe is on (the gc poller, package probes/gc) registers from
// its init function.
func OnLevel(p Probe, f func()) {
	levelWatchersMu.Lock()
	var ws []func()
	if old := levelWatchers[p].Load(); old != nil {
		ws = append(ws, *old...)
	}
	ws = append(ws, f)
	levelWatchers[p].Store(&ws)
	levelWatchersMu.Unlock()
	f()
}

// Names returns the probes' names in Probe order: the one list GOHTTPDBG,
// gohttpdbg's --probes and the admin socket's tables are checked against
// and shown in.
func Names() []string { return append([]string(nil), probeNames[:]...) }

// Config is the probes' configuration: levels and diagnostic thresholds.
// runtimehooks builds it from the build-time default and GOHTTPDBG.
type Config struct {
	Levels      [NumProbes]int
	SlowDNS     time.Duration // dial.slow threshold for DNS
	SlowConnect time.Duration // … for TCP connect
	SlowTLS     time.Duration // … for the TLS handshake
	SlowTTFB    time.Duration // … for the first response byte after the request was written
	GCDelay     time.Duration // gc.delay for pauses longer than this
	RingSize    int           // events in the ring; read once, at the first level-2 event
	JournalSize int           // exchanges in the request journal (0: none); read once, at the first request
}

// DefaultConfig returns the defaults: every probe at level 1 (all=1),
// slow.dns=100ms, slow.connect=200ms, slow.tls=300ms, slow.ttfb=1s,
// gc.delay=1ms, ring=4096.
func DefaultConfig() Config {
	var c Config
	for i := range c.Levels {
		c.Levels[i] = 1
	}
	c.SlowDNS = 100 * time.Millisecond
	c.SlowConnect = 200 * time.Millisecond
	c.SlowTLS = 300 * time.Millisecond
	c.SlowTTFB = time.Second
	c.GCDelay = time.Millisecond
	c.RingSize = 4096
	c.JournalSize = DefaultJournalSize
	return c
}

// ParseSpec applies a GOHTTPDBG string (GODEBUG syntax, comma-separated
// key=value) to c. Keys: a probe name or "all" with a level 0, 1 or 2;
// "slow" (every phase), "slow.dns", "slow.connect", "slow.tls",
// "slow.ttfb" and "gc.delay" with a Go duration; "ring" with an event
// count. Items are applied left to right; bad items are reported in the
// error and skipped.
func ParseSpec(spec string, c *Config) error {
	var errs []error
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			errs = append(errs, fmt.Errorf("%q: want key=value", item))
			continue
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if err := c.set(k, v); err != nil {
			errs = append(errs, fmt.Errorf("%q: %v", item, err))
		}
	}
	return errors.Join(errs...)
}

func (c *Config) set(k, v string) error {
	if p, ok := ProbeByName(k); ok || k == "all" {
		l, err := strconv.Atoi(v)
		if err != nil || l < 0 || l > 2 {
			return errors.New("level must be 0, 1 or 2")
		}
		if k == "all" {
			for i := range c.Levels {
				c.Levels[i] = l
			}
		} else {
			c.Levels[p] = l
		}
		return nil
	}
	if k == "ring" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 || n > 1<<20 {
			return errors.New("ring must be an event count between 2 and 1048576")
		}
		c.RingSize = n
		return nil
	}
	if k == "journal" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1<<16 {
			return errors.New("journal must be an exchange count between 0 (no journal) and 65536")
		}
		c.JournalSize = n
		return nil
	}
	var dst []*time.Duration
	switch k {
	case "slow":
		dst = []*time.Duration{&c.SlowDNS, &c.SlowConnect, &c.SlowTLS, &c.SlowTTFB}
	case "slow.dns":
		dst = []*time.Duration{&c.SlowDNS}
	case "slow.connect":
		dst = []*time.Duration{&c.SlowConnect}
	case "slow.tls":
		dst = []*time.Duration{&c.SlowTLS}
	case "slow.ttfb":
		dst = []*time.Duration{&c.SlowTTFB}
	case "gc.delay":
		dst = []*time.Duration{&c.GCDelay}
	default:
		return errors.New("unknown key; want a probe (" + strings.Join(probeNames[:], ", ") +
			") or all, with a level, or slow, slow.dns, slow.connect, slow.tls, slow.ttfb, gc.delay with a duration, or ring or journal with a count")
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return errors.New("want a non-negative duration such as 250ms")
	}
	for _, p := range dst {
		*p = d
	}
	return nil
}

// String renders c in GOHTTPDBG syntax.
func (c Config) String() string {
	var b strings.Builder
	for i, l := range c.Levels {
		fmt.Fprintf(&b, "%s=%d,", Probe(i), l)
	}
	fmt.Fprintf(&b, "slow.dns=%v,slow.connect=%v,slow.tls=%v,slow.ttfb=%v,gc.delay=%v,ring=%d,journal=%d",
		c.SlowDNS, c.SlowConnect, c.SlowTLS, c.SlowTTFB, c.GCDelay, c.RingSize, c.JournalSize)
	return b.String()
}

var (
	slowDNS, slowConnect, slowTLS, slowTTFB, gcDelay atomic.Int64
	ringSize                                         atomic.Int64
)

func init() { Configure(DefaultConfig()) }

// Configure applies c: levels, thresholds, and the ring size (effective
// only before the first level-2 event).
func Configure(c Config) {
	slowDNS.Store(int64(c.SlowDNS))
	slowConnect.Store(int64(c.SlowConnect))
	slowTLS.Store(int64(c.SlowTLS))
	slowTTFB.Store(int64(c.SlowTTFB))
	gcDelay.Store(int64(c.GCDelay))
	ringSize.Store(int64(c.RingSize))
	SetJournalSize(c.JournalSize)
	for i, l := range c.Levels {
		SetLevel(Probe(i), l)
	}
}

// SlowDNS, SlowConnect, SlowTLS, SlowTTFB and GCDelay return the
// thresholds in force (Config's fields of the same names).
func SlowDNS() time.Duration { return time.Duration(slowDNS.Load()) }

func SlowConnect() time.Duration { return time.Duration(slowConnect.Load()) }

func SlowTLS() time.Duration { return time.Duration(slowTLS.Load()) }

func SlowTTFB() time.Duration { return time.Duration(slowTTFB.Load()) }

func GCDelay() time.Duration { return time.Duration(gcDelay.Load()) }

// CurrentConfig returns the configuration in force.
func CurrentConfig() Config {
	var c Config
	for i := range c.Levels {
		c.Levels[i] = int(Level(Probe(i)))
	}
	c.SlowDNS = time.Duration(slowDNS.Load())
	c.SlowConnect = time.Duration(slowConnect.Load())
	c.SlowTLS = time.Duration(slowTLS.Load())
	c.SlowTTFB = time.Duration(slowTTFB.Load())
	c.GCDelay = time.Duration(gcDelay.Load())
	c.RingSize = int(ringSize.Load())
	c.JournalSize = JournalSize()
	return c
}
