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
	w     [2]window // by dir
	ended [2]bool   // this side (send) / the peer (recv) sent END_STREAM
}

type flow struct {
	conn    [2]window
	initial [2]int64 // initial stream window by dir
	streams map[uint32]*streamFlow
	free    []*streamFlow // ended streams' state, reused: a stream costs no allocation
}

func (fl *flow) init() {
	fl.conn[dirSend].n, fl.conn[dirRecv].n = defaultWindow, defaultWindow
	fl.initial[dirSend], fl.initial[dirRecv] = defaultWindow, defaultWindow
	fl.streams = map[uint32]*streamFlow{}
}

func (fl *flow) stream(id uint32, create bool) *streamFlow {
	s := fl.streams[id]
	if s == nil && create && len(fl.streams) < maxStreams {
		if n := len(fl.free); n > 0 {
			s, fl.free = fl.free[n-1], fl.free[:n-1]
			*s = streamFlow{}
		} else {
			s = &streamFlow{}
		}
		s.w[dirSend].n, s.w[dirRecv].n = fl.initial[dirSend], fl.initial[dirRecv]
		fl.streams[id] = s
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
			for _, st := range fl.streams {
				st.w[d].n += delta
			}
		}
	case TypeHeaders, TypeData, TypeWindowUpdate:
		fl.applyBasic(f.Type, f.Flags, f.StreamID, f.Length, f.Increment, written)
	case TypeRSTStream:
		delete(fl.streams, f.StreamID)
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
		delete(fl.streams, id)
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
	if s := fl.streams[id]; s != nil && id != 0 {
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
		if s := fl.streams[id]; s != nil && id != 0 {
			for d := dirSend; d <= dirRecv; d++ {
				visit(&s.w[d], id, d, !s.ended[d])
			}
		}
		return due, next
	}
	for id, s := range fl.streams {
		for d := dirSend; d <= dirRecv; d++ {
			visit(&s.w[d], id, d, !s.ended[d])
		}
	}
	return due, next
}
