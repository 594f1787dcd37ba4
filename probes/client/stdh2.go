package client

import (
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/table"
)

// With the std patch's HTTP/2 event hooks, an HTTP/2 request at level 2
// needs no trace either: net/http registers the request's state while its
// HTTP/2 RoundTripper has it (StdAltEnter, StdAltLeave), and the HTTP/2
// client finds it by the *http.Request it got (StdH2State) when the
// request asks for a connection, gets one and makes its stream, which
// then reports its header fields, write and first response byte to it.
// The events are those of the trace (docs/PROBES.md): what net/http's
// HTTP/2 client would hand httptrace, handed to the same code.

var stdH2 atomic.Bool

// UseStdH2 is called by the build's wiring when the patched net/http
// hands requests' states to HTTP/2 (AltEnter) and its HTTP/2 client calls
// the event hooks.
func UseStdH2() { stdH2.Store(true) }

// h2Reqs holds the states of requests an HTTP/2 RoundTripper is sending,
// by *http.Request; h2Live counts them, so that the HTTP/2 hooks of a
// request not registered (level 1) cost one load.
var (
	h2Reqs table.KeyTable[Request]
	h2Live atomic.Int32
)

func reqKey(r *http.Request) uintptr { return uintptr(unsafe.Pointer(r)) }

// StdAltEnter is the std patch's AltEnter hook: net/http hands req, whose
// state is state, to its HTTP/2 RoundTripper (only while the dial or
// header probe is at level 2: UseStdEventsWord). A request at level 2 is
// registered, whether the std hooks or its trace report its events: the
// HTTP/2 hooks that find a traced one learn that its host's streams
// report to them (stdH2).
func StdAltEnter(req *http.Request, state unsafe.Pointer) bool {
	cr := (*Request)(state)
	if cr == nil || cr.lvl2 == nil && cr.full == nil || !stdH2.Load() {
		return false
	}
	if !h2Reqs.Put(reqKey(req), cr) {
		return false // the same *http.Request sent twice at once: its trace, if any, reports
	}
	h2Live.Add(1)
	return true
}

// StdAltLeave is the std patch's AltLeave hook.
func StdAltLeave(req *http.Request) {
	h2Reqs.Remove(reqKey(req))
	h2Live.Add(-1)
}

// StdH2State is the std patch's HTTP/2 ClientState hook: the state the
// HTTP/2 event hooks report to for req (an *http.Request net/http handed
// to HTTP/2), nil for a request without one or one its trace reports.
// It runs in the goroutine that sends the request, before RoundTrip
// returns.
func StdH2State(req any) unsafe.Pointer {
	if h2Live.Load() == 0 {
		return nil
	}
	r, _ := req.(*http.Request)
	if r == nil {
		return nil
	}
	cr := h2Reqs.Get(reqKey(r))
	if cr == nil {
		return nil
	}
	if cr.host != nil && !cr.host.h2Std.Load() {
		cr.host.h2Std.Store(true)
	}
	if cr.lvl2 == nil {
		return nil // traced
	}
	return unsafe.Pointer(cr)
}

// h2Stream is the state an HTTP/2 stream made for a request at level 2
// reports its events to (StdH2Stream): the header fields the stream's
// write appends (the std patch, in line: see its ClientStream hook, for
// which hdr comes first), which that write alone touches, without cr.mu
// (an HTTP/1 attempt of the same request, whose write loop may still be
// writing its own fields, collects them in stdTimes.hdr), and the
// request. hdr is not nil only for a request at level 2 that wants its
// header (newH2Stream), and its request outlives its write (h2Written).
// A request's first stream is the one in its level-2 state.
type h2Stream struct {
	hdr []string
	cr  *Request
}

// The std patch appends to a stream state's first word, a []string
// (this fails to compile otherwise).
var _ [0 - unsafe.Offsetof(h2Stream{}.hdr)]struct{}

// StdH2Stream is the std patch's HTTP/2 ClientStream hook: the state (an
// *h2Stream) a stream made for req reports its events to until its write
// (StdH2Wrote). It runs in the goroutine that sends the request.
func StdH2Stream(req any) unsafe.Pointer {
	cr := (*Request)(StdH2State(req))
	if cr == nil {
		return nil
	}
	cr.h2Ev = true
	cr.mu.Lock()
	cr.h2Streams++
	s := cr.newH2Stream()
	cr.mu.Unlock()
	return unsafe.Pointer(s)
}

// newH2Stream returns a stream's state (cr.mu held; cr.lvl2 not nil).
// The stream takes the level-2 state's empty fields buffer; a retry's
// stream, or one after an HTTP/1 attempt that collected fields (its
// write may still be under way), collects in a new one.
func (cr *Request) newH2Stream() *h2Stream {
	h := cr.lvl2h
	s := &h.h2
	if s.cr != nil {
		s = &h2Stream{} // a retry's
	}
	s.cr = cr
	if t := cr.lvl2; t.headers {
		if t.hdr != nil && len(t.hdr) == 0 {
			s.hdr, t.hdr = t.hdr, nil
		} else {
			s.hdr = make([]string, 0, 16)
		}
	}
	return s
}

// h2StreamOf returns the request stream state s reports to when the std
// event hooks follow it, else nil.
func h2StreamOf(state unsafe.Pointer) (*h2Stream, *Request) {
	s := (*h2Stream)(state)
	if s == nil {
		return nil, nil
	}
	cr := stdEventsOf(unsafe.Pointer(s.cr))
	if cr == nil {
		return nil, nil
	}
	return s, cr
}

// StdH2Wrote is the std patch's HTTP/2 ClientWrote hook: as StdWrote,
// and the stream's last use of the state, which may run after the
// request is over; nothing of the state is read once mu is released.
func StdH2Wrote(state unsafe.Pointer) {
	_, cr := h2StreamOf(state)
	if cr == nil {
		return
	}
	cr.mu.Lock()
	now := cr.lvl2.takeHdrAt(cr.req)
	if now == 0 {
		now = probes.Mono()
	}
	cr.lvl2.wrote = now
	req := cr.body.Req
	cr.h2Streams--
	cr.mu.Unlock()
	probes.JournalPhase(req, probes.PhaseWrote, now)
}

// StdH2FirstByte is the std patch's HTTP/2 ClientFirstByte hook: as
// StdFirstByte.
func StdH2FirstByte(state unsafe.Pointer) {
	if _, cr := h2StreamOf(state); cr != nil {
		cr.firstByte(&cr.lvl2.wrote, &cr.lvl2.firstByte)
	}
}

// h2Written says whether every HTTP/2 stream made for cr reported its
// write: none uses cr any more.
func (cr *Request) h2Written() bool {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	return cr.h2Streams == 0
}

// StdH2GotConn is the std patch's HTTP/2 ClientGotConn hook: as the
// trace's GotConn.
func StdH2GotConn(state unsafe.Pointer, info httptrace.GotConnInfo) {
	if cr := stdEventsOf(state); cr != nil {
		cr.gotConnAt(info, time.Time{}, nil)
	}
}

// StdH2WroteHeaders is the std patch's HTTP/2 ClientWroteHeaders hook:
// header.request, with the fields the stream appended to s.hdr.
func StdH2WroteHeaders(state unsafe.Pointer) {
	s, cr := h2StreamOf(state)
	if cr == nil || s.hdr == nil || probes.Level(probes.Header) < 2 {
		return
	}
	fields := s.hdr
	s.hdr = nil // the event keeps fields
	cr.mu.Lock()
	conn := cr.jc.StreamConn // connID's, under cr.mu
	now := probes.Mono()
	cr.lvl2.hdrAt = now
	cr.mu.Unlock()
	cr.emitHeaderRequest(fields, conn, now)
}
