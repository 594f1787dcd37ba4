// Package probetest holds what the tests of the probe packages
// (probes/client, probes/server, probes/body, probes/gc, and package
// probes' external tests) share: setting the levels for a test,
// recording the events it emits, and comparing a raw event with its
// direct build.
//
// It imports package testing: only tests import it.
package probetest

import (
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// Configure sets the probes to spec (GOHTTPDBG syntax, over the default
// configuration) and sends events to a discarding NDJSON sink, until the
// end of the test.
func Configure(tb testing.TB, spec string) {
	tb.Helper()
	cfg := probes.DefaultConfig()
	if err := probes.ParseSpec(spec, &cfg); err != nil {
		tb.Fatal(err)
	}
	old := probes.CurrentConfig()
	probes.Flush()
	oldSink := probes.SetSink(probes.NewJSONSink(io.Discard))
	probes.Configure(cfg)
	tb.Cleanup(func() { probes.Flush(); probes.SetSink(oldSink); probes.Configure(old) })
}

// Recorder keeps the events emitted from its start (Record) to the end of
// the test, as the admin socket's /v1/events gets them: through a
// subscription (probes.Subscribe).
type Recorder struct {
	sub *probes.Subscription
	mu  sync.Mutex
	got []probes.Event
}

// Record starts recording; events still in the ring from before (a
// previous test's) are flushed first, and are not recorded.
func Record(tb testing.TB) *Recorder {
	probes.Flush()
	r := &Recorder{sub: probes.Subscribe(1 << 14)}
	tb.Cleanup(r.sub.Close)
	return r
}

// Named returns the events called name recorded so far; the ring's
// level-2 events are flushed first.
func (r *Recorder) Named(name string) []probes.Event {
	probes.Flush()
	r.mu.Lock()
	defer r.mu.Unlock()
	for more := true; more; {
		select {
		case e := <-r.sub.C():
			r.got = append(r.got, e)
		default:
			more = false
		}
	}
	var out []probes.Event
	for _, e := range r.got {
		if e.Name == name {
			out = append(out, e)
		}
	}
	return out
}

// SameRendered fails tb unless raw, a raw event as a reader received it
// (probes.RegisterRaw), is direct, the same event built by Add…: all but
// Raw, the producer's data, which the rendered event keeps. It reports
// whether they are.
func SameRendered(tb testing.TB, raw, direct probes.Event) bool {
	tb.Helper()
	raw.Raw = [probes.RawLen]byte{}
	got, want := fmt.Sprintf("%+v", raw), fmt.Sprintf("%+v", direct)
	if got != want {
		tb.Errorf("raw event:\n%s\nwant the direct build's:\n%s", got, want)
	}
	return got == want
}

// SameRenderedPairs fails tb unless got holds want events, in pairs of a
// raw event then the direct build of the same event, each pair alike
// (SameRendered). fix, when not nil, edits each pair first (what the two
// builds may read differently, such as their own clock readings).
func SameRenderedPairs(tb testing.TB, got []probes.Event, want int, fix func(raw, direct *probes.Event)) {
	tb.Helper()
	if len(got) != want {
		tb.Fatalf("%d events, want %d", len(got), want)
	}
	for i := 0; i+1 < len(got); i += 2 {
		raw, direct := got[i], got[i+1]
		if fix != nil {
			fix(&raw, &direct)
		}
		SameRendered(tb, raw, direct)
	}
}
