package frame

import "time"

// Flow-control bookkeeping (RFC 9113 §6.9), seen from this side of one
// connection:
//   - send: what this side may still send; DATA written consumes it,
//     WINDOW_UPDATE read replenishes it, the peer's SETTINGS (read) set the
//     initial stream window;
//   - recv: what the peer may still send; DATA read consumes it,
//     WINDOW_UPDATE written replenishes it, this side's SETTINGS (written)
//     set the initial stream window.
//
// A window at zero or below for longer than the stall threshold is a
// frame.stall: on send the peer is not reading; on recv this side is not
// reading (a handler that does not read its request body, a client that
// does not read its response body).

// defaultWindow is the initial window of the connection and of every
// stream until SETTINGS change it (RFC 9113 §6.9.2).
const defaultWindow = 65535

// maxStreams bounds the streams tracked per connection.
const maxStreams = 4096

type dir uint8

const (
	dirSend dir = iota
	dirRecv
)

func (d dir) String() string {
	if d == dirSend {
		return "send"
	}
	return "recv"
}

type window struct {
	n         int64
	zeroSince time.Time // when n reached <= 0; zero if n > 0
	reported  bool      // a frame.stall was emitted for this episode
}

type streamFlow struct {
	id    uint32
	w     [2]window // by dir
	ended [2]bool   // this side (send) / the peer (recv) sent END_STREAM
}

// streamSet holds the open streams: the first few in an array, the rest
// in a map. A connection mostly has a handful of streams open, and the
// frame hooks run on net/http's short-lived write goroutines, whose small
// stacks a runtime map call per frame would grow.
type streamSet struct {
	few  [8]*streamFlow
	more map[uint32]*streamFlow // allocated when few is full
}

func (ss *streamSet) get(id uint32) *streamFlow {
	for _, s := range ss.few {
		if s != nil && s.id == id {
			return s
		}
	}
	if ss.more == nil {
		return nil
	}
	return ss.more[id]
}

func (ss *streamSet) put(s *streamFlow) {
	for i, f := range ss.few {
		if f == nil {
			ss.few[i] = s
			return
		}
	}
	if ss.more == nil {
		ss.more = map[uint32]*streamFlow{}
	}
	ss.more[s.id] = s
}

// del removes stream id and returns its state, nil if it was not open.
func (ss *streamSet) del(id uint32) *streamFlow {
	for i, s := range ss.few {
		if s != nil && s.id == id {
			ss.few[i] = nil
			return s
		}
	}
	s := ss.more[id]
	if s != nil {
		delete(ss.more, id)
	}
	return s
}

func (ss *streamSet) len() int {
	n := len(ss.more)
	for _, s := range ss.few {
		if s != nil {
			n++
		}
	}
	return n
}

// each calls f for every open stream.
func (ss *streamSet) each(f func(s *streamFlow)) {
	for _, s := range ss.few {
		if s != nil {
			f(s)
		}
	}
	for _, s := range ss.more {
		f(s)
	}
}

type flow struct {
	conn    [2]window
	initial [2]int64 // initial stream window by dir
	streams streamSet
	free    []*streamFlow // ended streams' state, reused: a stream costs no allocation
}

func (fl *flow) init() {
	fl.conn[dirSend].n, fl.conn[dirRecv].n = defaultWindow, defaultWindow
	fl.initial[dirSend], fl.initial[dirRecv] = defaultWindow, defaultWindow
	fl.streams = streamSet{}
}

func (fl *flow) stream(id uint32, create bool) *streamFlow {
	s := fl.streams.get(id)
	if s == nil && create && fl.streams.len() < maxStreams {
		if n := len(fl.free); n > 0 {
			s, fl.free = fl.free[n-1], fl.free[:n-1]
			*s = streamFlow{}
		} else {
			s = &streamFlow{}
		}
		s.id = id
		s.w[dirSend].n, s.w[dirRecv].n = fl.initial[dirSend], fl.initial[dirRecv]
		fl.streams.put(s)
	}
	return s
}

// apply updates the windows for frame f; written says this side wrote it.
func (fl *flow) apply(f *Frame, written bool) {
	switch f.Type {
	case TypeSettings:
		if f.Flags.Has(FlagAck) {
			return
		}
		// Settings read govern what this side may send; settings written,
		// what the peer may send us (recv).
		d := dirSend
		if written {
			d = dirRecv
		}
		for _, s := range f.Settings {
			if s.ID != SettingInitialWindowSize || s.Val > 1<<31-1 {
				continue
			}
			delta := int64(s.Val) - fl.initial[d]
			fl.initial[d] = int64(s.Val)
			fl.streams.each(func(st *streamFlow) { st.w[d].n += delta })
		}
	case TypeHeaders, TypeData, TypeWindowUpdate:
		fl.applyBasic(f.Type, f.Flags, f.StreamID, f.Length, f.Increment, written)
	case TypeRSTStream:
		if s := fl.streams.del(f.StreamID); s != nil && len(fl.free) < maxFree {
			fl.free = append(fl.free, s)
		}
	}
}

// applyBasic is apply for the frames of every request (HEADERS, DATA,
// WINDOW_UPDATE), from their header fields alone, so that the frame
// hook's fast path needs no decoded Frame.
func (fl *flow) applyBasic(t Type, flags Flags, id, length, increment uint32, written bool) {
	data, update := dirRecv, dirSend // DATA read consumes recv; WINDOW_UPDATE read replenishes send
	if written {
		data, update = dirSend, dirRecv
	}
	switch t {
	case TypeHeaders:
		if s := fl.stream(id, true); s != nil && flags.Has(FlagEndStream) {
			fl.end(id, s, data)
		}
	case TypeData:
		n := int64(length)
		fl.conn[data].n -= n
		if s := fl.stream(id, true); s != nil {
			s.w[data].n -= n
			if flags.Has(FlagEndStream) {
				fl.end(id, s, data)
			}
		}
	case TypeWindowUpdate:
		n := int64(increment)
		if id == 0 {
			fl.conn[update].n += n
		} else if s := fl.stream(id, false); s != nil {
			s.w[update].n += n
		}
	}
}

// end records END_STREAM sent in direction d (dirSend: by this side).
func (fl *flow) end(id uint32, s *streamFlow, d dir) {
	s.ended[d] = true
	if s.ended[dirSend] && s.ended[dirRecv] {
		fl.streams.del(id)
		if len(fl.free) < maxFree {
			fl.free = append(fl.free, s)
		}
	}
}

// maxFree bounds the reusable stream states kept per connection.
const maxFree = 64

// quiet reports whether the windows a frame on stream id can move (all:
// every stream's, for SETTINGS) are open and none is in a zero-window
// episode: then there is nothing to check, and no clock to read.
func (fl *flow) quiet(all bool, id uint32) bool {
	open := func(w *window) bool { return w.n > 0 && w.zeroSince.IsZero() }
	if all || !open(&fl.conn[dirSend]) || !open(&fl.conn[dirRecv]) {
		return false
	}
	if s := fl.streams.get(id); s != nil && id != 0 {
		return open(&s.w[dirSend]) && open(&s.w[dirRecv])
	}
	return true
}

// stall describes one window that has been closed for longer than the
// threshold.
type stall struct {
	stream uint32
	d      dir
	n      int64
	since  time.Duration
	conn   int64 // the connection window in the same direction
}

// check updates the zero-window episodes at time now and returns the newly
// due stalls and when the next pending episode falls due (zero if none).
func (fl *flow) check(now time.Time, threshold time.Duration) (due []stall, next time.Time) {
	return fl.checkStreams(now, threshold, true, 0)
}

// checkStreams is check limited, unless all, to the connection windows and
// those of stream id: a frame moves no other window, so the per-frame cost
// does not grow with the number of open streams.
func (fl *flow) checkStreams(now time.Time, threshold time.Duration, all bool, id uint32) (due []stall, next time.Time) {
	visit := func(w *window, stream uint32, d dir, active bool) {
		if !active || w.n > 0 {
			w.zeroSince, w.reported = time.Time{}, false
			return
		}
		if w.zeroSince.IsZero() {
			w.zeroSince = now
		}
		if w.reported {
			return
		}
		at := w.zeroSince.Add(threshold)
		if !now.Before(at) {
			w.reported = true
			due = append(due, stall{stream: stream, d: d, n: w.n, since: now.Sub(w.zeroSince), conn: fl.conn[d].n})
			return
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	for d := dirSend; d <= dirRecv; d++ {
		visit(&fl.conn[d], 0, d, true)
	}
	if !all {
		if s := fl.streams.get(id); s != nil && id != 0 {
			for d := dirSend; d <= dirRecv; d++ {
				visit(&s.w[d], id, d, !s.ended[d])
			}
		}
		return due, next
	}
	fl.streams.each(func(s *streamFlow) {
		for d := dirSend; d <= dirRecv; d++ {
			visit(&s.w[d], s.id, d, !s.ended[d])
		}
	})
	return due, next
}
