package client

import (
	"net"
	"net/http"
	"net/http/httptrace"
	"testing"
	"time"
	"unsafe"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/probetest"
)

// directConn and directFirstByte build dial.conn and dial.first_byte as
// emitConn and emitFirstByte (now firstByte's) did before their events were raw: the
// reference their rendering must match.
func directConn(cr *Request, info *httptrace.GotConnInfo, ce *probes.ConnEntry, getConn, got int64) {
	var local, remote string
	conn := cr.connID()
	if ce != nil {
		local, remote, conn = ce.Local(), ce.Remote(), ce.ID()
	} else if info.Conn != nil {
		local, remote = probes.ConnAddrs(info.Conn)
	}
	var e probes.Event
	cr.fillConn(&e, probes.Dial, probes.Info, "dial.conn", "client got a connection", conn)
	e.Time = probes.TimeAt(got)
	e.AddBool(probes.KeyReused, info.Reused)
	e.AddBool(probes.KeyWasIdle, info.WasIdle)
	e.AddDuration(probes.KeyIdleTime, info.IdleTime)
	if getConn != 0 {
		e.AddDuration(probes.KeyWait, time.Duration(got-getConn))
	}
	if ce != nil || info.Conn != nil {
		e.AddString(probes.KeyLocal, local)
		e.AddString(probes.KeyRemote, remote)
	}
	probes.Emit(&e)
}

func directFirstByte(cr *Request, ttfb time.Duration, now int64, conn uint64) {
	var e probes.Event
	cr.fillConn(&e, probes.Dial, probes.Info, "dial.first_byte", "first response byte", conn)
	e.Time = probes.TimeAt(now)
	e.AddDuration(probes.KeyTtfb, ttfb)
	e.AddDuration(probes.KeySinceStart, time.Duration(now-cr.start))
	probes.Emit(&e)
}

// TestRawDialEventsRenderAsDirect: emitConn's and firstByte's raw
// events reach a reader as the direct build's: with and without via, a
// registry entry, a connection, a wait, reuse and idle time.
func TestRawDialEventsRenderAsDirect(t *testing.T) {
	rec := probetest.Record(t)
	probetest.Configure(t, "all=2")
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	ce := probes.ConnFor(c1, "client")
	if ce == nil {
		t.Fatal("no entry for the connection")
	}
	now := probes.Mono()
	n := 0
	for _, via := range []string{"", "lib.go:4"} {
		cr := &Request{start: now - 5000}
		cr.body.Site, cr.body.Via, cr.body.Req, cr.jc.StreamConn = "main.go:9", via, 11, 3
		for _, tc := range []struct {
			info    httptrace.GotConnInfo
			ce      *probes.ConnEntry
			getConn int64
		}{
			{httptrace.GotConnInfo{Conn: c1, Reused: true, WasIdle: true, IdleTime: time.Second}, ce, 0},
			{httptrace.GotConnInfo{Conn: c1}, ce, now - 700},
			{httptrace.GotConnInfo{Conn: c2, Reused: true}, nil, now - 70},
			{httptrace.GotConnInfo{}, nil, 0},
		} {
			cr.emitConn(&tc.info, tc.ce, tc.getConn, now)
			directConn(cr, &tc.info, tc.ce, tc.getConn, now)
			n += 2
		}
		// firstByte's clock reading is its event's time.
		wrote := probes.Mono()
		timed := false
		cr.firstByte(&wrote, &timed)
		fb := rec.Named("dial.first_byte")
		at := fb[len(fb)-1].Time - probes.TimeAt(0)
		if !timed {
			t.Error("first byte not timed")
		}
		directFirstByte(cr, time.Duration(at-wrote), at, 3)
	}
	probetest.SameRenderedPairs(t, rec.Named("dial.conn"), n, nil)
	probetest.SameRenderedPairs(t, rec.Named("dial.first_byte"), 4, nil)
}

// TestKeepLevel2 checks what a kept level-2 state holds for its next
// request: zero times and streams, and header buffers handed out empty
// (their old strings, which keepLevel2 leaves, never read).
func TestKeepLevel2(t *testing.T) {
	l2 := &stdTimesHdr{}
	l2.t = stdTimes{getConn: 1, wrote: 2, asked: true, firstByte: true, headers: true, hdr: l2.buf[:2], resp: l2.respBuf[:1]}
	l2.buf[0], l2.buf[1] = "Host", "old"
	l2.respBuf[0] = probes.HeaderField{Name: "Date", Value: "old"}
	l2.h2 = h2Stream{cr: &Request{}, hdr: []string{"x"}}
	cr := Request{req: &http.Request{}}
	cr.keepLevel2(l2)
	if cr.lvl2h != l2 || l2.t.getConn != 0 || l2.t.wrote != 0 || l2.t.asked || l2.t.firstByte || l2.t.headers ||
		l2.t.hdr != nil || l2.t.resp != nil || l2.h2.cr != nil || l2.h2.hdr != nil {
		t.Fatalf("kept state not zeroed: %+v %+v", l2.t, l2.h2)
	}
	cr.stdLevel2(2)
	if cr.lvl2 != &l2.t || len(l2.t.resp) != 0 || cap(l2.t.resp) != len(l2.respBuf) {
		t.Fatalf("response fields not handed out empty in respBuf: %d/%d", len(l2.t.resp), cap(l2.t.resp))
	}
	if l2.t.headers && (len(l2.t.hdr) != 0 || cap(l2.t.hdr) != len(l2.buf)) {
		t.Fatalf("request fields not handed out empty in buf: %d/%d", len(l2.t.hdr), cap(l2.t.hdr))
	}
}

// TestGotReusedLevel2Event: the dial.conn gotReusedLevel2 builds itself
// reaches a reader as the direct build's, idle or not, waited or not,
// with and without via. Its clock reading is its event's time.
func TestGotReusedLevel2Event(t *testing.T) {
	rec := probetest.Record(t)
	probetest.Configure(t, "all=2")
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	var word unsafe.Pointer
	ce := probes.ClientConnEntry(c1, &word)
	if ce == nil {
		t.Fatal("no entry for the connection")
	}
	start := probes.Mono()
	for _, via := range []string{"", "lib.go:4"} {
		for _, idleAt := range []time.Time{{}, time.Now()} {
			for _, getConn := range []int64{0, start} {
				cr := &Request{start: start, lvl2: &stdTimes{getConn: getConn}}
				cr.body.Site, cr.body.Via, cr.body.Req = "main.go:9", via, 11
				cr.gotReusedLevel2(c1, idleAt, &word)
				raw := rec.Named("dial.conn")
				got := raw[len(raw)-1].Time - probes.TimeAt(0)
				info := httptrace.GotConnInfo{Conn: c1, Reused: true}
				if !idleAt.IsZero() {
					info.WasIdle, info.IdleTime = true, time.Duration(got-probes.MonoAt(idleAt))
				}
				if cr.jc.At != got || cr.jc.StreamConn != ce.ID() || cr.jc.Entry != ce || cr.idleTime != info.IdleTime {
					t.Fatalf("request state: %+v, idle %v", cr.jc, cr.idleTime)
				}
				directConn(cr, &info, ce, getConn, got)
			}
		}
	}
	probetest.SameRenderedPairs(t, rec.Named("dial.conn"), 16, nil)
}
