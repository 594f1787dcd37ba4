package frame

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// Conn is the frame probe's state for one HTTP/2 connection (one Framer).
// The std patch keeps it in the Framer and hands it back to every hook.
type Conn struct {
	mu       sync.Mutex
	id       atomic.Uint64 // probes.ConnID of the conn; assigned lazily for an unbound framer
	side     string        // "client", "server", or "" (a Framer used directly, as gRPC does)
	sideCode atomic.Uint32 // side for raw events: sideNone, sideClient, sideServer
	remote   string
	// off: offUnsynced, a frame went by unseen (the probe off, a write
	// that failed) since the windows were last resynchronised, and the
	// next frame followed resynchronises them (resyncLocked); offDone, the
	// connection ended (set under c.mu). One word, so that the frame
	// paths test both with one load.
	off atomic.Uint32
	// hmax: the highest stream id of a HEADERS frame that went by unseen,
	// read (0) and written (1). Each is stored only by its direction's
	// goroutine (net/http serialises a Framer's reads, and its writes).
	hmax     [2]atomic.Uint32
	fl       flow
	timer    *time.Timer
	timerAt  time.Time
	lastRErr string // last ReadError reported, to report a nested error once

	// The last PING sent by each side, to time its ACK (index: written).
	pingData [2][8]byte
	pingAt   [2]time.Time
}

const (
	offUnsynced = 1 << iota
	offDone
)

// unsynced reports whether the windows need resynchronising (off).
func (c *Conn) unsynced() bool { return c.off.Load()&offUnsynced != 0 }

// doneLocked reports whether the connection ended; c.mu is held.
func (c *Conn) doneLocked() bool { return c.off.Load()&offDone != 0 }

var stallThreshold atomic.Int64

func init() { stallThreshold.Store(int64(time.Second)) }

// SetStallThreshold sets how long a flow-control window must stay closed
// before frame.stall is emitted (default 1s).
func SetStallThreshold(d time.Duration) {
	if d > 0 {
		stallThreshold.Store(int64(d))
	}
}

// NewFramer is the hook for a new Framer reading from r. It returns the
// connection's state.
func NewFramer(r io.Reader) any {
	c := &Conn{}
	c.fl.init()
	if nc, ok := r.(net.Conn); ok {
		c.bindLocked(nc, "")
	}
	track(c)
	return c
}

// Bind is the hook that ties a framer to its connection.
func Bind(state any, conn net.Conn, client bool) {
	c, ok := state.(*Conn)
	if !ok {
		return
	}
	side := "server"
	if client {
		side = "client"
	}
	c.mu.Lock()
	c.bindLocked(conn, side)
	c.mu.Unlock()
	if debugLevel.Load() >= 1 && conn != nil {
		if client {
			debugf("http2: Transport creating client conn %p to %v", c, conn.RemoteAddr())
		} else {
			debugf("http2: server connection from %v on %p", conn.RemoteAddr(), c)
		}
	}
}

func (c *Conn) bindLocked(conn net.Conn, side string) {
	if side != "" {
		c.side = side
		code := sideServer
		if side == "client" {
			code = sideClient
		}
		c.sideCode.Store(uint32(code))
	}
	if conn == nil {
		return
	}
	// The registry learns the connection's side, and for a TLS one what
	// ALPN negotiated: Bind comes after the handshake. net/http's HTTP/2
	// client reports no GotConn for the std hooks to note it by.
	ce := probes.ConnFor(conn, side)
	if side != "" {
		ce.NoteTLS(conn)
	}
	c.id.Store(ce.ID())
	c.remote = probes.RemoteAddr(conn) // a test double's may panic
}

// Done is the hook for the end of the connection.
func Done(state any) {
	c, ok := state.(*Conn)
	if !ok {
		return
	}
	c.mu.Lock()
	c.off.Or(offDone)
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	c.fl.streams = streamSet{}
	c.mu.Unlock()
}

// The hooks (Read, Write) first load the frame probe's level and the
// http2debug emulation's: while neither wants frames, frames are skipped
// (skip). The hooks run on net/http's goroutines, some short-lived with
// small stacks (the server writes DATA from a goroutine per write): they
// keep their own frames small, and the work is in functions that are not
// inlined into them. With the probe off a frame then costs two atomic
// loads and a branch, not a stack growth.

// skip notes a frame the probe does not follow: the probe is off, or a
// write failed. The windows it moved are not known any more; what a later
// resynchronisation needs is kept (resyncLocked): which streams were
// opened, and the initial stream windows (SETTINGS are rare, and absolute).
// With the probe off this is a compare or two per frame, an atomic store
// per stream opened (its id), and one to mark the connection.
//
// The order matters: hmax is stored before unsynced is loaded, and
// resyncLocked clears unsynced before it loads hmax. A frame skipped while
// the other direction resynchronises is then either counted in that
// resynchronisation or marks the connection unsynced again.
//
// hmax is the direction's c.hmax. The hooks call it only for the frames
// it has something to do for: HEADERS, SETTINGS, or any while unsynced is
// not set yet.
//
//go:nosplit
func (c *Conn) skip(t Type, flags Flags, id uint32, payload []byte, hmax *atomic.Uint32) {
	if t == TypeHeaders && id > hmax.Load() {
		hmax.Store(id)
	}
	if t == TypeSettings && !flags.Has(FlagAck) {
		c.skippedSettings(id, payload, hmax == &c.hmax[1])
	}
	if !c.unsynced() {
		c.off.Or(offUnsynced)
	}
}

// skippedSettings applies a SETTINGS frame the probe skipped: the initial
// stream windows it sets are what a stream opened after a
// resynchronisation starts from.
//
//go:noinline
func (c *Conn) skippedSettings(id uint32, payload []byte, written bool) {
	if id != 0 || len(payload)%6 != 0 {
		return // malformed: the peer ends the connection
	}
	c.mu.Lock()
	for p := payload; len(p) >= 6; p = p[6:] {
		c.fl.setting(Setting{ID: SettingID(binary.BigEndian.Uint16(p)), Val: binary.BigEndian.Uint32(p[2:])}, written)
	}
	c.mu.Unlock()
}

// resyncLocked follows the windows again after frames went unseen; c.mu
// is held. The connection's windows are lost for good (no frame carries a
// window whole, only changes to it). A stream's windows are exact again
// for the streams opened from now on: they start at the initial windows,
// kept through the gap, and none of their frames was skipped. The streams
// opened until now (up to the highest stream id seen, followed or
// skipped) are dropped and not followed.
//
//go:noinline
func (c *Conn) resyncLocked() {
	c.off.And(^uint32(offUnsynced))
	floor := c.fl.streams.maxID
	for i := range c.hmax {
		if m := c.hmax[i].Load(); m > floor {
			floor = m
		}
	}
	c.fl.lose(floor)
}

// Read is the hook for each frame read: its header's fields as the Framer
// decoded them (the stream id without its reserved bit) and its payload.
//
// The levels are loaded once, for every path: off (skip), level 1 without
// the http2debug emulation, or the rest (out of line). At level 1 the frames
// every request exchanges on the stream of the last slot (or a new one
// opened in it) are followed here: see the usual path; at level 2 the same
// frames take followRaw.
func Read(state any, length uint32, typ, flags uint8, streamID uint32, payload []byte) {
	c, ok := state.(*Conn)
	if !ok {
		return
	}
	t, fl, id := Type(typ), Flags(flags), streamID
	lvl := probes.Level(probes.Frame) | debugLevel.Load()<<8
	if lvl == 0 {
		if t == TypeHeaders || t == TypeSettings || !c.unsynced() {
			c.skip(t, fl, id, payload, &c.hmax[0])
		}
		return
	}
	if lvl != 1 || !usual(t, fl, id) || int(length) != len(payload) {
		// Other frames and levels, out of line: with the http2debug
		// emulation the full path; at level 2 the usual frames followRaw
		// (which emits the frame events raw); else basicRest.
		h := Header{Length: length, Type: t, Flags: fl, StreamID: id}
		switch {
		case lvl>>8 != 0:
			c.frameFull(h, payload, false)
		case lvl == 2 && usual(t, fl, id) && int(length) == len(payload):
			c.followRaw(h, dirRecv)
		default:
			c.basicRest(lvl, h, payload, dirRecv)
		}
		return
	}
	if t == TypeHeaders && fl&FlagEndStream == 0 && id&1 == 1 && uint8(c.sideCode.Load()) == sideClient {
		return // a response's HEADERS, read by the client: see basicAll
	}
	c.mu.Lock()
	ss := &c.fl.streams
	s := ss.lastSlot()
	if !ss.takes(s, id) || c.off.Load() != 0 {
		c.applyLocked(Header{Length: length, Type: t, Flags: fl, StreamID: id}, 0, false)
		return
	}
	closed := s.id == 0 && c.fl.open(s, id)
	if t == TypeData && c.fl.consume(s, dirRecv, length) {
		closed = true
	}
	if fl&FlagEndStream != 0 {
		s.end(dirRecv)
	}
	c.mu.Unlock()
	if closed {
		c.checkWindows(id)
	}
}

// usual reports whether a frame may take the hooks' usual level-1 path:
// HEADERS (without PRIORITY) or DATA, unpadded, on a stream. The usual
// path does what basicAll does for them, in the hook itself, as a short
// run of code: the hooks run cold on every frame (net/http evicts the
// probe's code between frames), so each line of code a frame runs costs
// about one instruction-cache miss, and a call costs a line more. There,
// of the windows, only those the frame moves are checked: a DATA frame's,
// and a new stream's, which SETTINGS may have opened closed
// (INITIAL_WINDOW_SIZE 0). A window in a zero-window episode that the
// frame does not move is the stall timer's: a check now could only report
// what falls due by then, when the timer fires. A frame on another
// stream's slot, or while the windows need resynchronising, goes to
// applyLocked; other frames to basicRest: where the same frame went before.
func usual(t Type, fl Flags, id uint32) bool {
	return t <= TypeHeaders && id != 0 && fl&(FlagPadded|FlagPriority) == 0
}

// Write is the hook for each frame written (header and payload together).
// Its paths are Read's, its usual path Read's written out again for the
// other direction: as a function of its own (not inlined) it cost 10
// instructions and an instruction-cache miss more a frame.
//
// It runs on the goroutine that wrote the frame, and net/http writes the
// frames of a request from goroutines it starts per write (the server's
// response HEADERS, the client's request) whose 2 KiB stacks have about a
// hundred bytes left at this point. The level-1 path is therefore
// //go:nosplit: it runs in the stack guard area instead of growing (and
// copying) the stack once per request. What it does must stay small; the
// linker checks that it fits (it reports "nosplit stack overflow" if not).
//
//go:nosplit
func Write(state any, b []byte, err error) {
	c, ok := state.(*Conn)
	if !ok || len(b) < HeaderLen {
		return
	}
	t, fl, id := Type(b[3]), Flags(b[4]), binary.BigEndian.Uint32(b[5:HeaderLen])&(1<<31-1)
	lvl := probes.Level(probes.Frame) | debugLevel.Load()<<8
	if err == nil && lvl == 0 {
		if t == TypeHeaders || t == TypeSettings || !c.unsynced() {
			c.skip(t, fl, id, b[HeaderLen:], &c.hmax[1])
		}
		return
	}
	if err != nil || lvl != 1 || !usual(t, fl, id) {
		// As Read's. The length is the payload's: the Framer wrote the
		// header from it (endWrite; a frame too long is an error).
		h := Header{Length: uint32(len(b) - HeaderLen), Type: t, Flags: fl, StreamID: id}
		switch {
		case err != nil || lvl>>8 != 0:
			c.writeSlow(b, err)
		case lvl == 2 && usual(t, fl, id):
			c.followRaw(h, dirSend)
		default:
			c.basicRest(lvl, h, b[HeaderLen:], dirSend)
		}
		return
	}
	if t == TypeHeaders && fl&FlagEndStream == 0 && id&1 == 1 && uint8(c.sideCode.Load()) == sideServer {
		return // a response's HEADERS, written by the server: see basicAll
	}
	length := uint32(len(b) - HeaderLen) // see above
	c.mu.Lock()
	ss := &c.fl.streams
	s := ss.lastSlot()
	if !ss.takes(s, id) || c.off.Load() != 0 {
		c.applyLocked(Header{Length: length, Type: t, Flags: fl, StreamID: id}, 0, true)
		return
	}
	closed := s.id == 0 && c.fl.open(s, id)
	if t == TypeData && c.fl.consume(s, dirSend, length) {
		closed = true
	}
	if fl&FlagEndStream != 0 {
		s.end(dirSend)
	}
	c.mu.Unlock()
	if closed {
		c.checkWindows(id)
	}
}

//go:noinline
func (c *Conn) writeSlow(b []byte, err error) {
	c.written(b, err)
}

func (c *Conn) written(b []byte, err error) {
	if err != nil {
		c.writeFailed(b, err)
		return
	}
	c.frame(ParseHeader([HeaderLen]byte(b[:HeaderLen])), b[HeaderLen:], true)
}

// writeFailed handles a frame that did not reach the wire (or not all of
// it): the windows do not move, and the tracking is no longer exact.
//
//go:noinline
func (c *Conn) writeFailed(b []byte, err error) {
	if probes.Level(probes.Frame) >= 1 && !probes.IsNetError(err) {
		var e probes.Event
		c.fill(&e, probes.Error, "frame.error", ParseHeader([HeaderLen]byte(b[:HeaderLen])).StreamID,
			"writing a "+Type(b[3]).String()+" frame failed: "+err.Error())
		e.AddString(probes.KeyDir, "write")
		e.AddString(probes.KeyType, Type(b[3]).String())
		probes.Emit(&e)
	}
	h := ParseHeader([HeaderLen]byte(b[:HeaderLen]))
	c.skip(h.Type, h.Flags, h.StreamID, b[HeaderLen:], &c.hmax[1])
}

//go:noinline
func (c *Conn) frame(h Header, payload []byte, written bool) {
	if debugLevel.Load() == 0 && c.basicAll(probes.Level(probes.Frame), h, payload, written) {
		return
	}
	c.frameFull(h, payload, written)
}

// followRaw is the hooks' usual path at level 2: it emits the frame's
// event raw, then follows the frame as the usual path does at level 1
// (on the last slot's stream, else applyLocked): basicAll's checks,
// lookup and calls cost about 60 instructions more a frame. It is a
// function of its own so that the level-1 path keeps its registers: with
// the emitting in line, Read and Write cost about 9 instructions more a
// frame at level 1. d is the frame's direction as for basicRest.
//
//go:nosplit
//go:noinline
func (c *Conn) followRaw(h Header, d dir) {
	// Each way out emits the event, before any stall report the frame
	// causes: at the end, fewer values live across the call.
	side := sideClient
	if d == dirSend {
		side = sideServer
	}
	if h.Type == TypeHeaders && h.Flags&FlagEndStream == 0 && h.StreamID&1 == 1 && uint8(c.sideCode.Load()) == side {
		c.emitRaw(h, 0, 0, d == dirSend) // a response's HEADERS: see basicAll
		return
	}
	c.mu.Lock()
	ss := &c.fl.streams
	s := ss.lastSlot()
	if !ss.takes(s, h.StreamID) || c.off.Load() != 0 {
		c.emitRaw(h, 0, 0, d == dirSend)
		c.applyLocked(h, 0, d == dirSend)
		return
	}
	closed := s.id == 0 && c.fl.open(s, h.StreamID)
	if h.Type == TypeData && c.fl.consume(s, d, h.Length) {
		closed = true
	}
	if h.Flags&FlagEndStream != 0 {
		s.end(d)
	}
	c.mu.Unlock()
	c.emitRaw(h, 0, 0, d == dirSend)
	if closed {
		c.checkWindows(h.StreamID)
	}
}

// basicRest is level 1 for the frames the hooks' usual path does not
// take: a WINDOW_UPDATE of the connection or of the last slot's stream is
// applied here, the rest goes to basicAll or the full path. d is the
// direction of a DATA frame the hook would see: dirSend for frames
// written, dirRecv for frames read.
//
//go:nosplit
//go:noinline
func (c *Conn) basicRest(lvl int32, h Header, payload []byte, d dir) {
	if h.Type != TypeWindowUpdate || h.Length != 4 || len(payload) != 4 || binary.BigEndian.Uint32(payload)&(1<<31-1) == 0 {
		c.restAll(lvl, h, payload, d == dirSend)
		return
	}
	inc := binary.BigEndian.Uint32(payload) & (1<<31 - 1)
	if lvl >= 2 {
		c.emitRaw(h, inc, 0, d == dirSend)
	}
	// A WINDOW_UPDATE read replenishes the send window, one written the
	// recv window: the other direction than its DATA's.
	u := (d ^ 1) & 1
	c.mu.Lock()
	w := &c.fl.conn[u]
	if h.StreamID != 0 {
		s := c.fl.streams.lastSlot()
		w = &s.w[u]
		if s.id != h.StreamID {
			w = nil
		}
	}
	if w == nil || c.off.Load() != 0 {
		c.applyLocked(h, inc, d == dirSend) // another stream's slot, or a state to handle first
		return
	}
	w.n += int64(inc)
	// A window in a zero-window episode may reopen: the check ends it.
	episode := w.zeroSince != 0 || w.n <= 0
	c.mu.Unlock()
	if episode {
		c.checkWindows(h.StreamID)
	}
}

// restAll is basicRest's path for the frames other than its
// WINDOW_UPDATE: basicAll, else the full path. It is not nosplit: a
// chain of nosplit frames from Write through basicRest and basicAll to
// the ring must fit the stack guard area, which it does not in builds
// with larger frames (coverage for fuzzing, -N); these frames are rare
// enough that growing the stack here costs nothing a request sees.
//
//go:noinline
func (c *Conn) restAll(lvl int32, h Header, payload []byte, written bool) {
	if !c.basicAll(lvl, h, payload, written) {
		c.frameFull(h, payload, written)
	}
}

// basicAll handles, without decoding a Frame, the frames every request
// exchanges (HEADERS, DATA, CONTINUATION, WINDOW_UPDATE) when nothing but
// the flow windows needs them: frame probe at level 1 or 2 (which emits
// them raw), no http2debug dump, no protocol error. It returns false to
// leave the frame to the full path (frameFull), which also handles a
// probe that is off. lvl is the frame probe's level.
//
// It is nosplit, for Write (see there): everything it calls on its usual
// path is inlined or nosplit too, and what may grow the stack (a new
// stream's allocation, a stall's clock and timer) is rare.
//
//go:nosplit
func (c *Conn) basicAll(lvl int32, h Header, payload []byte, written bool) bool {
	if lvl == 0 {
		return false
	}
	// The frame's header against its payload, and for WINDOW_UPDATE its
	// increment. Left to the full path: malformed frames, connection-level
	// ones other than WINDOW_UPDATE, and all types but HEADERS (without
	// PRIORITY), DATA, CONTINUATION, WINDOW_UPDATE.
	if int(h.Length) != len(payload) || h.StreamID == 0 && h.Type != TypeWindowUpdate {
		return false
	}
	var increment uint32
	var pad uint8
	switch h.Type {
	case TypeData, TypeHeaders:
		if h.Flags.Has(FlagPadded) {
			if len(payload) == 0 || int(payload[0]) >= len(payload) {
				return false
			}
			pad = payload[0]
		}
		// HEADERS with PRIORITY may depend on itself: decoded and checked.
		if h.Type == TypeHeaders && h.Flags.Has(FlagPriority) {
			return false
		}
	case TypeContinuation:
	case TypeWindowUpdate:
		if len(payload) != 4 {
			return false
		}
		if increment = binary.BigEndian.Uint32(payload) & (1<<31 - 1); increment == 0 {
			return false
		}
	default:
		return false
	}
	if lvl >= 2 {
		c.emitRaw(h, increment, pad, written)
	}
	if h.Type == TypeContinuation {
		return true // moves no window
	}
	if h.Type == TypeHeaders && !h.Flags.Has(FlagEndStream) && h.StreamID&1 == 1 {
		// A response's HEADERS (the server writes it, the client reads
		// it) moves no window and ends nothing. The stream is the one the
		// request's HEADERS opened; should the client read the response
		// before its own write hook has run, that HEADERS, or the first
		// DATA read, opens it. No lock, no lookup.
		if side := uint8(c.sideCode.Load()); written && side == sideServer || !written && side == sideClient {
			return true
		}
	}
	c.mu.Lock()
	return c.applyLocked(h, increment, written)
}

// applyLocked applies a frame of basicAll (h, and its WINDOW_UPDATE
// increment) to the windows, releases c.mu, which the caller holds, and
// checks the windows the frame moved. It returns true.
//
//go:nosplit
func (c *Conn) applyLocked(h Header, increment uint32, written bool) bool {
	if c.unsynced() {
		c.resyncLocked()
	}
	if c.doneLocked() {
		c.mu.Unlock()
		return true
	}
	s := c.fl.applyBasic(h.Type, h.Flags, h.StreamID, h.Length, increment, written)
	if c.fl.quietStream(s) {
		c.mu.Unlock()
		return true
	}
	c.mu.Unlock()
	c.checkWindows(h.StreamID)
	return true
}

// frame.read and frame.write are raw events (followRaw, emitRaw), rendered
// by their reader.
func init() { probes.RegisterRaw(probes.RawFrame, renderRawFrame) }

// The layout of a raw frame event's data (big-endian): the frame's
// length, type, flags, WINDOW_UPDATE increment, pad length, direction and
// side; the stream id is the event's.
const (
	rawLength    = 0 // 4 bytes
	rawType      = 4
	rawFlags     = 5
	rawIncrement = 6 // 4 bytes
	rawPad       = 10
	rawDir       = 11 // 1: written
	rawSide      = 12 // sideNone, sideClient, sideServer
)

const (
	sideNone uint8 = iota
	sideClient
	sideServer
)

// emitRaw emits frame.read or frame.write for a frame of basicAll in its raw
// form, built in its ring slot (probes.Reserve): the writer renders it
// (renderRawFrame), so this side stores a few integers and takes little
// stack. It indexes nothing but a fixed array at constant offsets: no
// bounds-check panic call (see streamSet.find).
//
//go:nosplit
func (c *Conn) emitRaw(h Header, increment uint32, pad uint8, written bool) {
	id := c.id.Load()
	if id == 0 {
		id = c.connID() // an unbound framer: its first frame only
	}
	e, tk := probes.Reserve()
	if e == nil {
		return
	}
	e.Probe, e.Sev, e.HasStream, e.RawKind, e.Conn, e.Stream = probes.Frame, probes.Debug, true, probes.RawFrame, id, h.StreamID
	d := &e.Raw // zero: see probes.Reserve
	d[rawLength], d[rawLength+1], d[rawLength+2], d[rawLength+3] = byte(h.Length>>24), byte(h.Length>>16), byte(h.Length>>8), byte(h.Length)
	d[rawType], d[rawFlags], d[rawPad] = byte(h.Type), byte(h.Flags), pad
	if increment != 0 {
		d[rawIncrement], d[rawIncrement+1], d[rawIncrement+2], d[rawIncrement+3] = byte(increment>>24), byte(increment>>16), byte(increment>>8), byte(increment)
	}
	if written {
		d[rawDir] = 1
	}
	d[rawSide] = uint8(c.sideCode.Load())
	probes.Publish(tk)
}

// renderRawFrame renders a raw frame event as emitFrame renders a decoded
// frame.
func renderRawFrame(e *probes.Event) {
	d := &e.Raw
	f := Frame{Header: Header{Length: binary.BigEndian.Uint32(d[rawLength:]), Type: Type(d[rawType]),
		Flags: Flags(d[rawFlags]), StreamID: e.Stream}}
	switch f.Type {
	case TypeData:
		f.DataLen = int(f.Length)
		if f.Flags.Has(FlagPadded) {
			f.DataLen -= 1 + int(d[rawPad])
		}
	case TypeWindowUpdate:
		f.Increment = binary.BigEndian.Uint32(d[rawIncrement:])
	}
	e.Name = "frame.read"
	if d[rawDir] == 1 {
		e.Name = "frame.write"
	}
	e.Msg = Summary(&f)
	switch d[rawSide] {
	case sideClient:
		e.AddString(probes.KeySide, "client")
	case sideServer:
		e.AddString(probes.KeySide, "server")
	}
	addFrameAttrs(e, &f)
}

// addFrameAttrs adds the attributes every frame event carries, decoded
// (emitFrame) or rendered from its raw form (renderRawFrame).
func addFrameAttrs(e *probes.Event, f *Frame) {
	e.AddString(probes.KeyType, f.Type.String())
	e.AddInt(probes.KeyLen, int64(f.Length))
	if f.Flags != 0 {
		e.AddInt(probes.KeyFlags, int64(f.Flags))
	}
	if f.Type == TypeWindowUpdate {
		e.AddInt(probes.KeyIncr, int64(f.Increment))
	}
}

// checkWindows schedules or emits the stall reports for stream id after
// a frame left one of its windows (or the connection's) closed or
// reopened it.
//
//go:noinline
func (c *Conn) checkWindows(id uint32) {
	c.mu.Lock()
	var due []stall
	if c.off.Load() == 0 {
		due = c.scheduleLocked(time.Now(), false, id)
	}
	c.mu.Unlock()
	if len(due) > 0 {
		c.emitStalls(due)
	}
}

//go:noinline
func (c *Conn) frameFull(h Header, payload []byte, written bool) {
	lvl := probes.Level(probes.Frame)
	f, derr := decode(h, payload)
	c.mu.Lock()
	var due []stall
	var rtt time.Duration
	hasRTT := false
	if f.Type == TypePing && derr == nil {
		rtt, hasRTT = c.pingLocked(&f, written)
	}
	if c.unsynced() {
		c.resyncLocked()
	}
	if !c.doneLocked() {
		c.fl.apply(&f, written)
		// SETTINGS may move every stream's window; other frames one stream's.
		if all := f.Type == TypeSettings; !c.fl.quiet(all, f.StreamID) {
			due = c.scheduleLocked(time.Now(), all, f.StreamID)
		}
	}
	c.mu.Unlock()

	dirWord, verb := "frame.read", "read"
	if written {
		dirWord, verb = "frame.write", "wrote"
	}
	switch dbg := debugLevel.Load(); {
	case dbg >= 2:
		debugf("http2: Framer %p: %s %s", c, verb, Summary(&f))
	case dbg == 1 && !written && c.side == "client":
		debugf("http2: Transport received %s", Summary(&f))
	case dbg == 1 && !written && c.side == "server":
		debugf("http2: server read frame %s", Summary(&f))
	}
	if lvl >= 2 {
		c.emitFrame(&f, dirWord, rtt, hasRTT)
	}
	if lvl >= 1 && (derr != nil || f.Type == TypeGoAway || f.Type == TypeRSTStream) {
		c.diagnose(&f, derr, written)
	}
	if len(due) > 0 {
		c.emitStalls(due)
	}
}

// emitFrame emits frame.read or frame.write. It is apart from frame, and
// not inlined, so that the event's stack space is taken only at level 2.
//
//go:noinline
func (c *Conn) emitFrame(f *Frame, name string, rtt time.Duration, hasRTT bool) {
	var e probes.Event
	c.fill(&e, probes.Debug, name, f.StreamID, Summary(f))
	addFrameAttrs(&e, f)
	if hasRTT {
		e.AddDuration(probes.KeyRTT, rtt)
	}
	probes.Emit(&e)
}

// pingLocked records a PING and, for the ACK of the last PING this side
// sent, returns the round-trip time (a dead connection shows as a PING
// without ACK; a slow one as a long rtt).
func (c *Conn) pingLocked(f *Frame, written bool) (time.Duration, bool) {
	if !f.Flags.Has(FlagAck) {
		i := 0
		if written {
			i = 1
		}
		c.pingData[i], c.pingAt[i] = f.PingData, time.Now()
		return 0, false
	}
	// An ACK read answers a PING written, and the other way round.
	i := 1
	if written {
		i = 0
	}
	if c.pingAt[i].IsZero() || c.pingData[i] != f.PingData {
		return 0, false
	}
	rtt := time.Since(c.pingAt[i])
	c.pingAt[i] = time.Time{}
	return rtt, true
}

// connID returns the connection's id, giving an unbound framer its own.
func (c *Conn) connID() uint64 {
	if id := c.id.Load(); id != 0 {
		return id
	}
	c.id.CompareAndSwap(0, probes.NextConnID())
	return c.id.Load()
}

// fill sets the fields of e, a zero Event, that every event of c shares.
// Events are filled in place, not returned: see probes.Event.AddString.
func (c *Conn) fill(e *probes.Event, sev probes.Sev, name string, stream uint32, msg string) {
	e.Probe, e.Sev, e.Name, e.Conn, e.Stream, e.HasStream, e.Msg = probes.Frame, sev, name, c.connID(), stream, true, msg
	if c.side != "" {
		e.AddString(probes.KeySide, c.side)
	}
	if sev >= probes.Warn && c.remote != "" {
		e.AddString(probes.KeyRemote, c.remote)
	}
}

// diagnose emits the level-1 events a frame calls for: GOAWAY, RST_STREAM
// and protocol errors. Its events need several KiB of stack, so frame calls
// it only for those frames.
//
//go:noinline
func (c *Conn) diagnose(f *Frame, derr error, written bool) {
	by := "by the peer"
	if written {
		by = "by this side"
	}
	dirAttr := probes.String(probes.KeyDir, "read")
	if written {
		dirAttr = probes.String(probes.KeyDir, "write")
	}
	switch f.Type {
	case TypeGoAway:
		if derr != nil {
			break
		}
		msg := "GOAWAY sent " + by + ": code " + f.ErrCode.String() + ", last stream " + strconv.FormatUint(uint64(f.LastStreamID), 10)
		if len(f.DebugData) > 0 {
			msg += ", debug " + quoteCapped(f.DebugData, maxDebugData)
		}
		msg += "; requests on later streams are not processed and the connection will not take new ones"
		var e probes.Event
		c.fill(&e, probes.Warn, "frame.goaway", 0, msg)
		e.Add(dirAttr, probes.String(probes.KeyCode, f.ErrCode.String()), probes.Int(probes.KeyLastStream, int64(f.LastStreamID)))
		if len(f.DebugData) > 0 {
			e.AddString(probes.KeyDebug, quoteCapped(f.DebugData, maxDebugData))
		}
		probes.Emit(&e)
		if debugLevel.Load() == 1 && written { // a GOAWAY read is printed as every frame read
			debugf("http2: Framer %p: wrote %s", c, Summary(f))
		}
	case TypeRSTStream:
		if derr != nil {
			break
		}
		var e probes.Event
		c.fill(&e, probes.Warn, "frame.rst", f.StreamID,
			"stream "+strconv.FormatUint(uint64(f.StreamID), 10)+" reset "+by+": "+f.ErrCode.String())
		e.Add(dirAttr, probes.String(probes.KeyCode, f.ErrCode.String()))
		probes.Emit(&e)
	}
	if derr != nil {
		var fe *Error
		msg := derr.Error()
		if errors.As(derr, &fe) {
			msg = f.Type.String() + " " + by + " breaks the protocol: " + fe.Reason + " (" + fe.Code.String() + ")"
		}
		var e probes.Event
		c.fill(&e, probes.Error, "frame.error", f.StreamID, msg)
		e.Add(dirAttr, probes.String(probes.KeyType, f.Type.String()))
		if f.SelfDependency {
			e.AddBool(probes.KeySelfDependency, true)
		}
		probes.Emit(&e)
		if debugLevel.Load() >= 1 {
			debugf("http2: Framer %p: %s", c, msg)
		}
	}
}

// ReadError is the hook for a ReadFrame error; detail is the Framer's
// ErrorDetail. Network errors and EOF (the connection closing) are not
// protocol errors and are not reported.
func ReadError(state any, err, detail error) {
	c, ok := state.(*Conn)
	if !ok || err == nil || probes.Level(probes.Frame) < 1 || probes.IsNetError(err) {
		return
	}
	msg := "reading a frame failed: " + err.Error()
	if detail != nil {
		msg += " (" + detail.Error() + ")"
	}
	c.mu.Lock()
	dup := msg == c.lastRErr
	c.lastRErr = msg
	c.mu.Unlock()
	if dup {
		return // readMetaFrame's nested ReadFrame returned the same error
	}
	var e probes.Event
	c.fill(&e, probes.Error, "frame.error", 0, msg)
	e.AddString(probes.KeyDir, "read")
	probes.Emit(&e)
	if debugLevel.Load() >= 1 {
		debugf("http2: Framer %p: %s", c, msg)
	}
}

// HeaderFields is the hook that tells the std patch whether Headers wants
// a header block that decoded whole: only frame.headers (level 2) and the
// http2debug=2 dump show its fields, so at level 1 the framer copies none.
func HeaderFields(state any) bool {
	return probes.Level(probes.Frame) >= 2 || debugLevel.Load() >= 2
}

// Headers is the hook for a decoded HEADERS block: fields are hpack's, as
// decoded. Values are redacted with the probes' rules before they are shown.
func Headers(state any, streamID uint32, fields []probes.HPACKField, truncated bool, err error) {
	c, ok := state.(*Conn)
	if !ok || probes.Level(probes.Frame) == 0 && debugLevel.Load() < 2 {
		return
	}
	c.headers(streamID, fields, truncated, err)
}

//go:noinline
func (c *Conn) headers(streamID uint32, fields []probes.HPACKField, truncated bool, err error) {
	lvl := probes.Level(probes.Frame)
	dbg := debugLevel.Load()
	if lvl >= 2 || dbg >= 2 {
		c.emitHeaders(streamID, fields, lvl, dbg)
	}
	if lvl >= 1 && (truncated || err != nil) {
		c.headersFailed(streamID, truncated, err)
	}
}

// emitHeaders reports a decoded header block (frame.headers, http2debug).
// It and headersFailed are out of line so that headers' frame holds no
// Event: it runs on HTTP/2's per-request write goroutines too, whose
// small stacks a larger frame would grow.
//
// frame.headers keeps a copy of the fields, in its ring slot's buffer
// (the slice is the framer's; the strings are net/http's, never written
// again) and leaves redacting and quoting them to the event's reader
// (probes.Event.SetHeaderFieldsMsg): with GOHTTPDBG_OUT=off and nobody
// following, none is rendered. The event is published with a plain call
// (a deferred one costs a wrapper's call): packing a slice of fields
// cannot panic and leave the slot unpublished.
//
//go:noinline
func (c *Conn) emitHeaders(streamID uint32, fields []probes.HPACKField, lvl, dbg int32) {
	if dbg >= 2 {
		for _, f := range fields {
			debugf("http2: decoded hpack field header field %q = %q", f.Name, probes.RedactHeader(f.Name, f.Value))
		}
	}
	if lvl >= 2 {
		e, t := probes.Reserve() // built in the ring: no copy
		if e == nil {
			return
		}
		c.fill(e, probes.Debug, "frame.headers", streamID, "")
		e.SetHeaderFieldsMsg(fields) // copied: see Reserve
		e.AddInt(probes.KeyFields, int64(len(fields)))
		probes.Publish(t)
	}
}

// headersFailed reports a truncated or undecodable header block.
//
//go:noinline
func (c *Conn) headersFailed(streamID uint32, truncated bool, err error) {
	if truncated && probes.Level(probes.Header) >= 1 {
		c.mu.Lock()
		limit := c.fl.maxHeaderList
		c.mu.Unlock()
		e := probes.Event{Probe: probes.Header, Sev: probes.Warn, Name: "header.limit", Conn: c.connID(), Stream: streamID, HasStream: true,
			Msg: "HEADERS on stream " + strconv.FormatUint(uint64(streamID), 10) +
				" exceed this side's SETTINGS_MAX_HEADER_LIST_SIZE; the fields beyond it were dropped"}
		// As header.limit's other sources: the limit as a number, when
		// this side's SETTINGS were seen, and what sets it.
		if limit > 0 {
			e.AddInt(probes.KeyLimit, int64(limit))
		}
		e.AddString(probes.KeyLimitName, "SETTINGS_MAX_HEADER_LIST_SIZE")
		probes.Emit(&e)
	}
	if err != nil && !probes.IsNetError(err) {
		var e probes.Event
		c.fill(&e, probes.Error, "frame.error", streamID, "invalid header block on stream "+
			strconv.FormatUint(uint64(streamID), 10)+": "+err.Error())
		e.AddString(probes.KeyDir, "read")
		e.AddString(probes.KeyType, "HEADERS")
		probes.Emit(&e)
	}
}

// scheduleLocked checks the windows (all, or the connection's and stream
// id's) and arms the stall timer; c.mu is held.
func (c *Conn) scheduleLocked(now time.Time, all bool, id uint32) []stall {
	due, next := c.fl.checkStreams(now, time.Duration(stallThreshold.Load()), all, id)
	if next.IsZero() {
		return due
	}
	if c.timer != nil && !c.timerAt.After(next) && c.timerAt.After(now) {
		return due // an earlier or equal check is already pending
	}
	if c.timer != nil {
		c.timer.Stop()
	}
	c.timerAt = next
	c.timer = time.AfterFunc(next.Sub(now), c.onTimer)
	return due
}

func (c *Conn) onTimer() {
	c.mu.Lock()
	c.timer = nil
	if c.off.Load() != 0 {
		// Unsynced, the windows are stale: the frame that resynchronises
		// them checks them again.
		c.mu.Unlock()
		return
	}
	due := c.scheduleLocked(time.Now(), true, 0)
	c.mu.Unlock()
	c.emitStalls(due)
}

func (c *Conn) emitStalls(due []stall) {
	if len(due) == 0 || probes.Level(probes.Frame) < 1 {
		return
	}
	for _, s := range due {
		what := "the connection"
		if s.stream != 0 {
			what = "stream " + strconv.FormatUint(uint64(s.stream), 10)
		}
		var msg string
		if s.d == dirSend {
			msg = what + " cannot send: its flow-control send window is " + strconv.FormatInt(s.n, 10) +
				" since " + s.since.Round(time.Millisecond).String() + "; the peer is not reading (no WINDOW_UPDATE received)"
		} else {
			msg = what + ": the peer cannot send, this side's receive window is " + strconv.FormatInt(s.n, 10) +
				" since " + s.since.Round(time.Millisecond).String() + "; this side is not reading the body (no WINDOW_UPDATE sent)"
		}
		if s.connLost {
			msg += " (the connection's window is not followed: frames went unseen while the frame probe was off)"
		}
		var e probes.Event
		c.fill(&e, probes.Warn, "frame.stall", s.stream, msg)
		e.AddString(probes.KeyDir, s.d.String())
		e.AddInt(probes.KeyWindow, s.n)
		if s.connLost {
			e.AddBool(probes.KeyConnWindowUnknown, true)
		} else {
			e.AddInt(probes.KeyConnWindow, s.conn)
		}
		e.AddDuration(probes.KeyStalled, s.since)
		probes.Emit(&e)
		if debugLevel.Load() >= 1 {
			debugf("http2: Framer %p: %s", c, msg)
		}
	}
}
