package frame

import (
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"golang.org/x/net/http2"
)

// flowOf returns the live view of connection id, if Flows lists it.
func flowOf(id uint64) (FlowInfo, bool) {
	for _, f := range Flows() {
		if f.Conn == id {
			return f, true
		}
	}
	return FlowInfo{}, false
}

// A client stream whose send window the peer let run dry is listed with
// its windows and for how long the window has been closed, until the
// connection ends.
func TestFlowsShowsAStalledStream(t *testing.T) {
	events := capture(t, 1)
	c, id := stallingClientConn(t)
	feed(t, c, false, func(fr *http2.Framer) error {
		return fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 10})
	})
	feed(t, c, true, func(fr *http2.Framer) error {
		return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0x83}, EndHeaders: true})
	})
	feed(t, c, true, func(fr *http2.Framer) error {
		return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: []byte{0x82}, EndHeaders: true, EndStream: true})
	})
	feed(t, c, true, func(fr *http2.Framer) error { return fr.WriteData(1, false, make([]byte, 10)) })
	for deadline := time.Now().Add(10 * time.Second); len(find(events(), "frame.stall")) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no frame.stall after 10s")
		}
	}

	f, ok := flowOf(id)
	if !ok {
		t.Fatalf("connection %d not in Flows: %+v", id, Flows())
	}
	if f.Side != "client" || f.Remote != "pipe" || !f.Exact || f.Send != 65535-10 || f.Recv != 65535 ||
		f.InitialSend != 10 || f.InitialRecv != 65535 {
		t.Fatalf("connection: %+v", f)
	}
	if len(f.Streams) != 2 {
		t.Fatalf("streams: %+v", f.Streams)
	}
	s1, s3 := f.Streams[0], f.Streams[1]
	if s1.ID != 1 || s1.Send != 0 || s1.Recv != 65535 || s1.SendClosed <= 0 || s1.RecvClosed != 0 || s1.SentEnd || s1.PeerEnded {
		t.Fatalf("stream 1: %+v", s1)
	}
	if s3.ID != 3 || !s3.SentEnd || s3.PeerEnded || s3.Send != 10 || s3.SendClosed != 0 {
		t.Fatalf("stream 3: %+v", s3)
	}

	Done(c)
	if f, ok := flowOf(id); ok {
		t.Fatalf("connection still listed after Done: %+v", f)
	}
}

// A Framer whose connection never reports Done is not kept alive by the
// list: once it is collected it is no longer listed.
func TestFlowsForgetsCollectedFramers(t *testing.T) {
	capture(t, 1)
	nc, peer := net.Pipe()
	defer nc.Close()
	defer peer.Close()
	id := func() uint64 {
		c := NewFramer(nil)
		Bind(c, nc, false)
		return c.(*Conn).id.Load()
	}()
	if _, ok := flowOf(id); !ok {
		t.Fatalf("connection %d not listed while its framer lives", id)
	}
	for i := 0; i < 10; i++ {
		runtime.GC()
		if _, ok := flowOf(id); !ok {
			return
		}
	}
	t.Fatal("a collected framer's connection is still listed after 10 collections")
}

// A connection that ran while the frame probe was at 0 and is switched to
// 1 at run time: its connection windows cannot be known again (frames
// went unseen, and no frame carries a window whole), but a stream opened
// after the switch starts at the initial window (SETTINGS are noted even
// at level 0), so a stall on it is reported, and shown with its
// connection window marked as not followed. A stream opened before the
// switch is not followed, even when a HEADERS of it (the response) comes
// after.
func TestStallAfterSwitchFromLevel0(t *testing.T) {
	events := capture(t, 0)
	c, id := stallingClientConn(t)
	defer Done(c)

	// At level 0: the peer's SETTINGS, a request on stream 1 whose body
	// uses up part of the windows, another on stream 3 left open.
	feed(t, c, false, func(fr *http2.Framer) error {
		return fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 100})
	})
	feed(t, c, true, func(fr *http2.Framer) error {
		return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0x83}, EndHeaders: true})
	})
	feed(t, c, true, func(fr *http2.Framer) error { return fr.WriteData(1, false, make([]byte, 60)) })
	feed(t, c, true, func(fr *http2.Framer) error {
		return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: []byte{0x83}, EndHeaders: true})
	})

	probes.SetLevel(probes.Frame, 1)
	// Stream 1's response HEADERS, then more of its body: it is not
	// followed (its send window is really 0 now, but 40 had it started
	// here), so it is neither reported nor listed.
	feed(t, c, false, func(fr *http2.Framer) error {
		return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0x88}, EndHeaders: true})
	})
	feed(t, c, true, func(fr *http2.Framer) error { return fr.WriteData(1, false, make([]byte, 40)) })
	feed(t, c, true, func(fr *http2.Framer) error { return fr.WriteData(3, false, make([]byte, 30)) })
	// Stream 5, opened after the switch, runs its send window (100, from
	// the SETTINGS read at level 0) down to 0.
	feed(t, c, true, func(fr *http2.Framer) error {
		return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 5, BlockFragment: []byte{0x83}, EndHeaders: true})
	})
	feed(t, c, true, func(fr *http2.Framer) error { return fr.WriteData(5, false, make([]byte, 100)) })

	var st []probes.Event
	for deadline := time.Now().Add(10 * time.Second); len(st) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no frame.stall after 10s")
		}
		st = find(events(), "frame.stall")
	}
	time.Sleep(50 * time.Millisecond) // several thresholds: a stall of stream 1 would be due too
	st = find(events(), "frame.stall")
	if len(st) != 1 || st[0].Stream != 5 || attr(st[0], "dir") != "send" || !strings.Contains(st[0].Msg, "not followed") {
		t.Fatalf("frame.stall: %+v", st)
	}
	if a, _ := st[0].Attr("window"); a.Num != 0 {
		t.Fatalf("window attr %+v", a)
	}
	if _, ok := st[0].Attr("conn_window"); ok {
		t.Fatalf("conn_window reported for a connection whose window is not followed: %+v", st[0])
	}
	if a, ok := st[0].Attr("conn_window_unknown"); !ok || a.Num == 0 {
		t.Fatalf("conn_window_unknown missing: %+v", st[0])
	}

	f, ok := flowOf(id)
	if !ok {
		t.Fatalf("connection %d not in Flows: %+v", id, Flows())
	}
	if f.Exact || f.Send != 0 || f.Recv != 0 || f.InitialSend != 100 || len(f.Streams) != 1 || f.Streams[0].ID != 5 ||
		f.Streams[0].Send != 0 || f.Streams[0].SendClosed <= 0 {
		t.Fatalf("connection: %+v", f)
	}
}

// stallingClientConn binds a new client Framer's state to one end of a
// pipe, with a stall threshold of 10ms for the test, and returns the state
// and the connection's id.
func stallingClientConn(t *testing.T) (any, uint64) {
	t.Helper()
	SetStallThreshold(10 * time.Millisecond)
	t.Cleanup(func() { SetStallThreshold(time.Second) })
	nc, peer := net.Pipe()
	t.Cleanup(func() { nc.Close(); peer.Close() })
	c := NewFramer(nil)
	Bind(c, nc, true)
	return c, probes.ConnID(nc)
}

// A GET's HEADERS (END_STREAM), the last frame of its connection, which
// the frame hook leaves for the next holder of the lock, is listed: the
// stream is open, ended by the peer, with the initial windows.
func TestFlowsListsAStreamOfOneHeadersFrame(t *testing.T) {
	capture(t, 1)
	nc, peer := net.Pipe()
	t.Cleanup(func() { nc.Close(); peer.Close() })
	c := NewFramer(nil)
	Bind(c, nc, false)
	defer Done(c)
	feed(t, c, false, func(fr *http2.Framer) error {
		return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0x82}, EndHeaders: true, EndStream: true})
	})
	f, ok := flowOf(probes.ConnID(nc))
	if !ok || len(f.Streams) != 1 {
		t.Fatalf("connection: %+v (listed %v)", f, ok)
	}
	if s := f.Streams[0]; s.ID != 1 || !s.PeerEnded || s.SentEnd || s.Send != 65535 || s.Recv != 65535 {
		t.Fatalf("stream 1: %+v", s)
	}
}

// A stream opened by a HEADERS frame with END_STREAM alone, while this
// side's SETTINGS set the initial stream window to 0, is stalled from its
// start: the peer cannot send its response body. frame.stall says so
// without a further frame (the hook applies such a HEADERS at once).
func TestStallOfAStreamOpenedClosed(t *testing.T) {
	events := capture(t, 1)
	c, _ := stallingClientConn(t)
	defer Done(c)
	feed(t, c, true, func(fr *http2.Framer) error {
		return fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0})
	})
	feed(t, c, true, func(fr *http2.Framer) error {
		return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0x82}, EndHeaders: true, EndStream: true})
	})
	var st []probes.Event
	for deadline := time.Now().Add(10 * time.Second); len(st) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no frame.stall after 10s")
		}
		st = find(events(), "frame.stall")
	}
	if st[0].Stream != 1 || attr(st[0], "dir") != "recv" {
		t.Fatalf("frame.stall: %+v", st)
	}
}
