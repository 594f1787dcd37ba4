package frame

import (
	"sort"
	"sync"
	"time"
	"weak"
)

// The live HTTP/2 connections, for the admin socket's view of flow
// control (/v1/streams, `gohttpdbg ctl streams`): which streams are open
// on which connection, their windows, and for how long a window has been
// closed. A stream stuck on flow control shows there while it hangs, not
// only as the frame.stall event of the moment it stalled.
//
// They are held weakly: a Framer that never reports Done (one a program
// drives itself, as gRPC does) must not be kept alive by the probes. A
// connection leaves the list at Done, or when its Framer is collected.
var live struct {
	mu      sync.Mutex
	conns   []weak.Pointer[Conn]
	pruneAt int // prune when the list reaches this length
}

const livePruneMin = 64

// track adds c to the live connections.
func track(c *Conn) {
	live.mu.Lock()
	defer live.mu.Unlock()
	live.conns = append(live.conns, weak.Make(c))
	if len(live.conns) >= max(live.pruneAt, livePruneMin) {
		pruneLocked()
		live.pruneAt = 2 * len(live.conns) // amortised: each prune at least halves what is left to grow
	}
}

// pruneLocked drops the connections that ended or were collected; live.mu
// is held.
func pruneLocked() {
	kept := live.conns[:0]
	for _, p := range live.conns {
		if c := p.Value(); c != nil && !c.isDone() {
			kept = append(kept, p)
		}
	}
	clear(live.conns[len(kept):])
	live.conns = kept
}

func (c *Conn) isDone() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.doneLocked()
}

// FlowInfo is what the frame probe knows of one HTTP/2 connection's flow
// control, seen from this side: Send is what this side may still send,
// Recv what the peer may.
type FlowInfo struct {
	Conn   uint64 // the probes' connection id (0: a Framer not bound to a known connection)
	Side   string // "client", "server", or "" (a Framer used directly)
	Remote string
	// Exact: every frame of the connection was seen, so its windows are
	// exact. Once frames went unseen (the frame probe at 0) they are not
	// known again: no frame carries a window whole. Send and Recv are then
	// 0, and once the probe is back Streams lists the streams opened since,
	// whose windows are exact (they start at the initial windows).
	Exact                    bool
	Send, Recv               int64         // the connection's windows
	SendClosed, RecvClosed   time.Duration // as StreamInfo's, for the connection's windows
	InitialSend, InitialRecv int64         // a new stream's windows (SETTINGS_INITIAL_WINDOW_SIZE)
	Streams                  []StreamInfo
}

// StreamInfo is one open stream.
type StreamInfo struct {
	ID         uint32
	Send, Recv int64
	// SentEnd: this side sent END_STREAM; PeerEnded: the peer did.
	SentEnd, PeerEnded bool
	// SendClosed, RecvClosed: how long the window has been at or below
	// zero, as of the last frame or stall check (0: open, or closed so
	// recently that no check saw it yet).
	SendClosed, RecvClosed time.Duration
}

// Flows returns the live HTTP/2 connections, by connection id, each with
// its open streams by stream id.
func Flows() []FlowInfo {
	live.mu.Lock()
	pruneLocked()
	conns := make([]*Conn, 0, len(live.conns))
	for _, p := range live.conns {
		if c := p.Value(); c != nil {
			conns = append(conns, c)
		}
	}
	live.mu.Unlock()
	now := since(time.Now())
	closedFor := func(w *window) time.Duration {
		if w.n > 0 || w.zeroSince == 0 {
			return 0
		}
		return time.Duration(now - w.zeroSince)
	}
	out := make([]FlowInfo, 0, len(conns))
	for _, c := range conns {
		c.mu.Lock()
		if c.doneLocked() {
			c.mu.Unlock()
			continue
		}
		fi := FlowInfo{Conn: c.id.Load(), Side: c.side, Remote: c.remote,
			InitialSend: c.fl.initial[dirSend], InitialRecv: c.fl.initial[dirRecv]}
		if fi.Exact = !c.unsynced() && !c.fl.connLost; fi.Exact {
			fi.Send, fi.Recv = c.fl.conn[dirSend].n, c.fl.conn[dirRecv].n
			fi.SendClosed, fi.RecvClosed = closedFor(&c.fl.conn[dirSend]), closedFor(&c.fl.conn[dirRecv])
		}
		c.fl.streams.each(func(s *streamFlow) {
			fi.Streams = append(fi.Streams, StreamInfo{ID: s.id, Send: s.w[dirSend].n, Recv: s.w[dirRecv].n,
				SentEnd: s.ended[dirSend], PeerEnded: s.ended[dirRecv],
				SendClosed: closedFor(&s.w[dirSend]), RecvClosed: closedFor(&s.w[dirRecv])})
		})
		c.mu.Unlock()
		sort.Slice(fi.Streams, func(i, j int) bool { return fi.Streams[i].ID < fi.Streams[j].ID })
		out = append(out, fi)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Conn < out[j].Conn })
	return out
}
