package frame

import (
	"time"
	"unsafe"
)

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
	zeroSince int64 // since(t) of when n reached <= 0; 0 while n > 0
	reported  bool  // a frame.stall was emitted for this episode
}

// epoch anchors the windows' times: they are kept as nanoseconds since it
// (monotonic), so that a window holds no pointer (see streamSet).
var epoch = time.Now()

// since returns t as nanoseconds since epoch, never 0 (0 means unset).
func since(t time.Time) int64 {
	if d := int64(t.Sub(epoch)); d != 0 {
		return d
	}
	return 1
}

type streamFlow struct {
	id    uint32    // 0: a free slot of streamSet.few
	w     [2]window // by dir
	ended [2]bool   // this side (send) / the peer (recv) sent END_STREAM
}

// fewStreams is how many streams a connection tracks without a map.
const fewStreams = 8

// streamSet holds the open streams: the first few by value in an array,
// the rest in a map. A connection mostly has a handful of streams open,
// and the frame hooks run on net/http's short-lived write goroutines, on
// the nosplit path of Write: with the array, opening, updating and ending
// a stream is a loop and plain stores, with no runtime call (a map
// operation, an allocation, a write barrier) that would need stack.
type streamSet struct {
	few  [fewStreams]streamFlow
	more map[uint32]*streamFlow // allocated when few is full
	free []*streamFlow          // ended streams of more, reused
	// last is the slot of few that find returned last: the frames of a
	// request come one after another on its stream, so find mostly
	// checks one slot. An index, not a pointer: storing it needs no
	// write barrier on the nosplit path.
	last uint8
	// maxID is the highest stream id find was asked about: stream ids
	// only grow (RFC 9113 §5.1.1), so a higher one is a new stream, opened
	// in the first free slot without a walk over the open ones.
	maxID uint32
	// floor: the streams up to it are not followed (opened before the
	// windows were resynchronised, see flow.lose); find opens none of them.
	floor uint32
}

// get returns stream id, nil if it is not open.
func (ss *streamSet) get(id uint32) *streamFlow { return ss.find(id, nil) }

// find returns stream id and, if it is not open and initial is not nil,
// opens it with those windows (nil if maxStreams are open). One function
// does both so that the nosplit path of Write is one call deep here. It
// walks the array by pointer, so that it has no bounds-check panic call
// (runtime nosplit frames the linker would add to the chain) even where
// the compiler could not prove the index in range.
//
//go:nosplit
func (ss *streamSet) find(id uint32, initial *[2]int64) *streamFlow {
	if id == 0 {
		return nil
	}
	p := unsafe.Pointer(&ss.few)
	if id > ss.maxID {
		ss.maxID = id
		if initial == nil {
			return nil
		}
		if ss.more == nil {
			for i := 0; i < fewStreams; i++ {
				s := (*streamFlow)(unsafe.Add(p, uintptr(i)*unsafe.Sizeof(streamFlow{})))
				if s.id == 0 {
					ss.last = uint8(i)
					s.id, s.ended = id, [2]bool{}
					s.w[dirSend] = window{n: initial[dirSend]}
					s.w[dirRecv] = window{n: initial[dirRecv]}
					return s
				}
			}
		}
		return ss.findMore(id, initial)
	}
	if s := (*streamFlow)(unsafe.Add(p, uintptr(ss.last%fewStreams)*unsafe.Sizeof(streamFlow{}))); s.id == id {
		return s
	}
	var free *streamFlow
	freeAt := uint8(0)
	for i := 0; i < fewStreams; i++ {
		s := (*streamFlow)(unsafe.Add(p, uintptr(i)*unsafe.Sizeof(streamFlow{})))
		if s.id == id {
			ss.last = uint8(i)
			return s
		}
		if s.id == 0 && free == nil {
			free, freeAt = s, uint8(i)
		}
	}
	if ss.more != nil || free == nil {
		return ss.findMore(id, initial)
	}
	if initial == nil || id <= ss.floor {
		return nil
	}
	ss.last = freeAt
	free.id, free.ended = id, [2]bool{}
	free.w[dirSend] = window{n: initial[dirSend]}
	free.w[dirRecv] = window{n: initial[dirRecv]}
	return free
}

// findMore is find for the streams beyond the array, in the map. It is
// not inlined, so that its runtime calls stay off the nosplit path.
//
//go:noinline
func (ss *streamSet) findMore(id uint32, initial *[2]int64) *streamFlow {
	if s := ss.more[id]; s != nil || initial == nil || id <= ss.floor {
		return s
	}
	if ss.len() >= maxStreams {
		return nil
	}
	for i := range ss.few {
		if s := &ss.few[i]; s.id == 0 {
			*s = streamFlow{id: id, w: [2]window{{n: initial[dirSend]}, {n: initial[dirRecv]}}}
			return s
		}
	}
	var s *streamFlow
	if n := len(ss.free); n > 0 {
		s, ss.free = ss.free[n-1], ss.free[:n-1]
	} else {
		s = &streamFlow{}
	}
	*s = streamFlow{id: id, w: [2]window{{n: initial[dirSend]}, {n: initial[dirRecv]}}}
	if ss.more == nil {
		ss.more = map[uint32]*streamFlow{}
	}
	ss.more[id] = s
	return s
}

// del closes stream id, if open.
func (ss *streamSet) del(id uint32) {
	if s := ss.find(id, nil); s != nil {
		ss.remove(s)
	}
}

// remove closes stream s, which find returned. Like find it needs no
// bounds check or runtime call for a stream of the array.
//
//go:nosplit
func (ss *streamSet) remove(s *streamFlow) {
	if uintptr(unsafe.Pointer(s))-uintptr(unsafe.Pointer(&ss.few)) < unsafe.Sizeof(ss.few) {
		*s = streamFlow{}
		return
	}
	ss.delMore(s.id)
}

// delMore is del for the streams in the map; not inlined, so that its
// runtime calls stay off the nosplit path.
//
//go:noinline
func (ss *streamSet) delMore(id uint32) {
	if s := ss.more[id]; s != nil {
		delete(ss.more, id)
		if len(ss.free) < maxFree {
			ss.free = append(ss.free, s)
		}
	}
}

func (ss *streamSet) len() int {
	n := len(ss.more)
	for i := range ss.few {
		if ss.few[i].id != 0 {
			n++
		}
	}
	return n
}

// each calls f for every open stream.
func (ss *streamSet) each(f func(s *streamFlow)) {
	for i := range ss.few {
		if ss.few[i].id != 0 {
			f(&ss.few[i])
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
	// maxHeaderList is the SETTINGS_MAX_HEADER_LIST_SIZE this side
	// advertised (the limit it applies to what it reads), 0 until seen.
	maxHeaderList uint32
	// connLost: the connection's windows are not followed (frames went
	// unseen, see lose); conn holds lostWindow plus what moved them since.
	connLost bool
}

// lostWindow is what a connection window not followed holds: far above
// what frames can move it by (a window is at most 2^31-1 either way), so
// that it never reads as closed and the frame paths need no test for it.
const lostWindow = 1 << 62

// lose drops what frames that went unseen made unknown: the connection's
// windows, and the streams up to floor (the highest stream id opened by
// then). The initial stream windows are kept: SETTINGS are never skipped
// unseen (Conn.skip). Streams opened later are followed exactly.
func (fl *flow) lose(floor uint32) {
	fl.connLost = true
	fl.conn[dirSend], fl.conn[dirRecv] = window{n: lostWindow}, window{n: lostWindow}
	fl.streams = streamSet{free: fl.streams.free, maxID: floor, floor: floor}
}

func (fl *flow) init() {
	fl.conn[dirSend].n, fl.conn[dirRecv].n = defaultWindow, defaultWindow
	fl.initial[dirSend], fl.initial[dirRecv] = defaultWindow, defaultWindow
	fl.streams = streamSet{}
}

// apply updates the windows for frame f; written says this side wrote it.
func (fl *flow) apply(f *Frame, written bool) {
	switch f.Type {
	case TypeSettings:
		if f.Flags.Has(FlagAck) {
			return
		}
		for _, s := range f.Settings {
			fl.setting(s, written)
		}
	case TypeHeaders, TypeData, TypeWindowUpdate:
		fl.applyBasic(f.Type, f.Flags, f.StreamID, f.Length, f.Increment, written)
	case TypeRSTStream:
		fl.streams.del(f.StreamID)
	}
}

// setting applies one setting of a SETTINGS frame (not an ACK).
func (fl *flow) setting(s Setting, written bool) {
	// Settings read govern what this side may send; settings written,
	// what the peer may send us (recv).
	d := dirSend
	if written {
		d = dirRecv
	}
	if s.ID == SettingMaxHeaderListSize && written {
		fl.maxHeaderList = s.Val
	}
	if s.ID != SettingInitialWindowSize || s.Val > 1<<31-1 {
		return
	}
	delta := int64(s.Val) - fl.initial[d]
	fl.initial[d] = int64(s.Val)
	fl.streams.each(func(st *streamFlow) { st.w[d].n += delta })
}

// applyBasic is apply for the frames of every request (HEADERS, DATA,
// WINDOW_UPDATE), from their header fields alone, so that the frame
// hook's fast path needs no decoded Frame. It returns the stream if it
// is still open (for quietStream: one lookup per frame).
//
//go:nosplit
func (fl *flow) applyBasic(t Type, flags Flags, id, length, increment uint32, written bool) *streamFlow {
	data, update := dirRecv, dirSend // DATA read consumes recv; WINDOW_UPDATE read replenishes send
	if written {
		data, update = dirSend, dirRecv
	}
	var s *streamFlow
	if id != 0 {
		// The stream find returned last, without a call: the frames of a
		// request mostly come one after another on its stream.
		ss := &fl.streams
		s = ss.lastSlot()
		switch {
		case s.id == id:
		case s.id == 0 && id > ss.maxID && t != TypeWindowUpdate:
			// A new stream, and the last one's slot is free (it ended):
			// opened there, as find would open it in a free slot.
			ss.maxID = id
			*s = streamFlow{id: id, w: [2]window{{n: fl.initial[dirSend]}, {n: fl.initial[dirRecv]}}}
		case t == TypeWindowUpdate:
			s = ss.find(id, nil)
		default:
			s = ss.find(id, &fl.initial)
		}
	}
	switch t {
	case TypeHeaders:
		if s != nil && flags.Has(FlagEndStream) {
			// END_STREAM: the stream is closed once both sides sent it.
			// As end, written out so that this path makes no call.
			s.ended[data] = true
			if s.ended[dirSend] && s.ended[dirRecv] {
				fl.streams.remove(s)
				return nil
			}
		}
	case TypeData:
		n := int64(length)
		fl.conn[data].n -= n
		if s != nil {
			s.w[data].n -= n
			if flags.Has(FlagEndStream) {
				s.ended[data] = true
				if s.ended[dirSend] && s.ended[dirRecv] {
					fl.streams.remove(s)
					return nil
				}
			}
		}
	case TypeWindowUpdate:
		n := int64(increment)
		if id == 0 {
			fl.conn[update].n += n
		} else if s != nil {
			s.w[update].n += n
		}
	}
	return s
}

// maxFree bounds the reusable stream states kept per connection.
const maxFree = 64

// quiet reports whether the windows a frame on stream id can move (all:
// every stream's, for SETTINGS) are open and none is in a zero-window
// episode: then there is nothing to check, and no clock to read.
//
//go:nosplit
func (fl *flow) quiet(all bool, id uint32) bool {
	open := func(w *window) bool { return w.n > 0 && w.zeroSince == 0 }
	if all || !open(&fl.conn[dirSend]) || !open(&fl.conn[dirRecv]) {
		return false
	}
	if s := fl.streams.find(id, nil); s != nil {
		return open(&s.w[dirSend]) && open(&s.w[dirRecv])
	}
	return true
}

// quietStream is quiet for a frame of one stream, s as applyBasic
// returned it (nil: not open).
//
//go:nosplit
func (fl *flow) quietStream(s *streamFlow) bool {
	if fl.conn[dirSend].n <= 0 || fl.conn[dirSend].zeroSince != 0 ||
		fl.conn[dirRecv].n <= 0 || fl.conn[dirRecv].zeroSince != 0 {
		return false
	}
	return s == nil || s.w[dirSend].n > 0 && s.w[dirSend].zeroSince == 0 &&
		s.w[dirRecv].n > 0 && s.w[dirRecv].zeroSince == 0
}

// stall describes one window that has been closed for longer than the
// threshold.
type stall struct {
	stream uint32
	d      dir
	n      int64
	since  time.Duration
	conn   int64 // the connection window in the same direction
	// connLost: conn is not known (flow.connLost)
	connLost bool
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
	nowAt, nextAt := since(now), int64(0)
	visit := func(w *window, stream uint32, d dir, active bool) {
		if !active || w.n > 0 {
			w.zeroSince, w.reported = 0, false
			return
		}
		if w.zeroSince == 0 {
			w.zeroSince = nowAt
		}
		if w.reported {
			return
		}
		at := w.zeroSince + int64(threshold)
		if nowAt >= at {
			w.reported = true
			due = append(due, stall{stream: stream, d: d, n: w.n, since: time.Duration(nowAt - w.zeroSince), conn: fl.conn[d].n, connLost: fl.connLost})
			return
		}
		if nextAt == 0 || at < nextAt {
			nextAt = at
		}
	}
	for d := dirSend; d <= dirRecv; d++ {
		visit(&fl.conn[d], 0, d, true)
	}
	if !all {
		if s := fl.streams.get(id); s != nil {
			for d := dirSend; d <= dirRecv; d++ {
				visit(&s.w[d], id, d, !s.ended[d])
			}
		}
	} else {
		fl.streams.each(func(s *streamFlow) {
			for d := dirSend; d <= dirRecv; d++ {
				visit(&s.w[d], s.id, d, !s.ended[d])
			}
		})
	}
	if nextAt != 0 {
		next = now.Add(time.Duration(nextAt - nowAt))
	}
	return due, next
}

// The hooks' usual path (see usual) works on one slot of the array with
// these, inlined: the frames of a request come one after another on its
// stream, so it is mostly the slot the last frame used.

// lastSlot returns the slot of few that find or the usual path used last.
func (ss *streamSet) lastSlot() *streamFlow {
	return (*streamFlow)(unsafe.Add(unsafe.Pointer(&ss.few), uintptr(ss.last%fewStreams)*unsafe.Sizeof(streamFlow{})))
}

// takes reports whether a frame on stream id can use slot s: it holds the
// stream, or it is free and id a new stream (as find would open it there).
func (ss *streamSet) takes(s *streamFlow, id uint32) bool {
	return s.id == id || s.id == 0 && id > ss.maxID
}

// open opens stream id in s, a free slot, and reports whether one of its
// windows starts closed.
func (fl *flow) open(s *streamFlow, id uint32) bool {
	fl.streams.maxID = id
	*s = streamFlow{id: id, w: [2]window{{n: fl.initial[dirSend]}, {n: fl.initial[dirRecv]}}}
	return fl.initial[dirSend] <= 0 || fl.initial[dirRecv] <= 0
}

// consume applies DATA of n bytes in direction d on stream s and reports
// whether it left its window or the connection's closed.
func (fl *flow) consume(s *streamFlow, d dir, n uint32) bool {
	fl.conn[d].n -= int64(n)
	s.w[d].n -= int64(n)
	return fl.conn[d].n <= 0 || s.w[d].n <= 0
}

// end notes END_STREAM in direction d on s; once both sides sent it the
// stream is closed and its slot free (remove; opening sets every field).
func (s *streamFlow) end(d dir) {
	s.ended[d] = true
	if s.ended[dirSend] && s.ended[dirRecv] {
		s.id = 0
	}
}
