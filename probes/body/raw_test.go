package body

import (
	"testing"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/probetest"
)

// directOpen and directClose build body.open and body.close as emitOpen
// and emitClose did before their events were raw: the reference their
// rendering must match.
func directOpen(st *State, msg uint8, proto string) {
	var e probes.Event
	e.Time = probes.TimeAt(st.opened)
	st.fill(&e, probes.Info, "body.open", bodyMsgs[msg])
	e.AddInt(probes.KeyLength, st.length)
	e.AddString(probes.KeyProto, proto)
	e.AddString(probes.KeyURL, st.url())
	probes.Emit(&e)
}

func directClose(st *State, msg uint8, eof bool, now int64) {
	var e probes.Event
	e.Time = probes.TimeAt(now)
	st.fill(&e, probes.Info, "body.close", bodyMsgs[msg])
	e.AddInt(probes.KeyBytes, st.bytes.Load())
	e.AddBool(probes.KeyEOF, eof)
	e.AddDuration(probes.KeyDur, time.Duration(now-st.opened))
	probes.Emit(&e)
}

// TestRawBodyEventsRenderAsDirect: emitOpen's and emitClose's raw events
// reach a reader as the direct build's, with and without via, for each
// message. emitClose reads the clock: its time and dur are compared
// apart (ordered), then cleared.
func TestRawBodyEventsRenderAsDirect(t *testing.T) {
	rec := probetest.Record(t)
	probetest.Configure(t, "all=2")
	var cases []*State
	for _, via := range []string{"", "wrap.go:3"} {
		st := &State{opened: probes.Mono(), length: 42}
		st.Site, st.Via, st.Conn, st.Req, st.Line = "main.go:9", via, 7, 11, "GET http://h/x"
		st.bytes.Store(42)
		cases = append(cases, st)
	}
	for _, st := range cases {
		for _, msg := range []uint8{respOpened, reqOpened} {
			st.emitOpen(msg, "HTTP/1.1")
			directOpen(st, msg, "HTTP/1.1")
		}
		for _, msg := range []uint8{respClosed, reqDone} {
			for _, eof := range []bool{false, true} {
				before := probes.Mono()
				st.emitClose(msg, eof)
				directClose(st, msg, eof, before)
			}
		}
	}
	probetest.SameRenderedPairs(t, rec.Named("body.open"), 8, nil)
	probetest.SameRenderedPairs(t, rec.Named("body.close"), 16, clockedPair(t))
}

// clockedPair lets the raw event of a pair, built first, read the clock
// later than its direct build, which takes its reading from before it:
// their times and durs (the last attribute) are checked in that order,
// then cleared.
func clockedPair(t *testing.T) func(r, d *probes.Event) {
	return func(r, d *probes.Event) {
		if r.Time < d.Time {
			t.Errorf("raw event at %d, before the direct one's %d", r.Time, d.Time)
		}
		n := int(r.NAttrs) - 1 // dur, last
		if r.Attrs[n].Num < d.Attrs[n].Num {
			t.Errorf("raw dur %d < direct %d", r.Attrs[n].Num, d.Attrs[n].Num)
		}
		r.Time, d.Time, r.Attrs[n].Num, d.Attrs[n].Num = 0, 0, 0, 0
	}
}
