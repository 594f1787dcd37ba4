package frame

import (
	"net"
	"testing"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"golang.org/x/net/http2"
)

// settled returns c's windows as a flow section sees them (what the
// lock-free path left applied), for tests that read c.fl.
func settled(c *Conn) *flow {
	c.lockFlow()
	c.unlockFlow()
	return &c.fl
}

func getHeaders(id uint32) func(fr *http2.Framer) error {
	return func(fr *http2.Framer) error {
		return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: []byte{0x82}, EndHeaders: true, EndStream: true})
	}
}

func respHeaders(id uint32) func(fr *http2.Framer) error {
	return func(fr *http2.Framer) error {
		return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: []byte{0x88}, EndHeaders: true})
	}
}

func lastData(id uint32, n int) func(fr *http2.Framer) error {
	return func(fr *http2.Framer) error { return fr.WriteData(id, true, make([]byte, n)) }
}

// A client's GETs, one after another, take the lock-free path (nothing
// deferred is left, no stream opened); the windows a flow section sees
// are those of every frame applied.
func TestGetsTakeTheLockFreePath(t *testing.T) {
	capture(t, 1)
	c := NewFramer(nil).(*Conn)
	Bind(c, nil, true)
	defer Done(c)
	gen := c.gen.Load()
	for id := uint32(1); id <= 9; id += 2 {
		feed(t, c, true, getHeaders(id))
		if p := c.pend.Load(); p == 0 || uint32(p)>>1 != id {
			t.Fatalf("stream %d: its HEADERS was not deferred (pend %#x)", id, p)
		}
		feed(t, c, false, respHeaders(id))
		feed(t, c, false, lastData(id, 100))
		if c.pend.Load() != 0 {
			t.Fatalf("stream %d: still deferred after its last DATA", id)
		}
	}
	if g := c.gen.Load(); g != gen {
		t.Fatalf("%d flow sections ran for five GETs", g-gen)
	}
	fl := settled(c)
	if fl.conn[dirRecv].n != defaultWindow-500 || fl.conn[dirSend].n != defaultWindow || fl.streams.len() != 0 {
		t.Fatalf("after five GETs: conn %+v, streams %+v", fl.conn, fl.streams)
	}
	// The next frame under the lock starts from the windows as they are.
	feed(t, c, true, func(fr *http2.Framer) error { return fr.WriteWindowUpdate(0, 500) })
	if fl := settled(c); fl.conn[dirRecv].n != defaultWindow {
		t.Fatalf("after WINDOW_UPDATE: conn %+v", fl.conn)
	}
}

// A response without a body (HEADERS with END_STREAM) ends its GET's
// stream on the lock-free path too, on either side; the windows do not
// move.
func TestBodilessResponsesTakeTheLockFreePath(t *testing.T) {
	capture(t, 1)
	for _, client := range []bool{true, false} {
		c := NewFramer(nil).(*Conn)
		Bind(c, nil, client)
		gen := c.gen.Load()
		for id := uint32(1); id <= 5; id += 2 {
			feed(t, c, client, getHeaders(id))  // the request: written by a client, read by a server
			feed(t, c, !client, getHeaders(id)) // the response, with END_STREAM
			if c.pend.Load() != 0 {
				t.Fatalf("client %v, stream %d: still deferred after its response", client, id)
			}
		}
		if g := c.gen.Load(); g != gen {
			t.Fatalf("client %v: %d flow sections ran for three GETs", client, g-gen)
		}
		if fl := settled(c); fl.conn != [2]window{{n: defaultWindow}, {n: defaultWindow}} || fl.streams.len() != 0 {
			t.Fatalf("client %v: conn %+v, streams %+v", client, fl.conn, fl.streams)
		}
		Done(c)
	}
}

// A flow section between a deferred HEADERS and its stream's last DATA
// (here the response read before the request's write hook ran, which
// opens the stream) makes the DATA go under the lock: the stream is
// applied whole, and closed.
func TestDeferredHeadersAfterAFlowSection(t *testing.T) {
	capture(t, 1)
	c := NewFramer(nil).(*Conn)
	Bind(c, nil, false) // a server
	defer Done(c)
	feed(t, c, false, getHeaders(1)) // deferred
	feed(t, c, true, func(fr *http2.Framer) error { return fr.WriteWindowUpdate(0, 10) })
	if c.pend.Load() != 0 {
		t.Fatal("the flow section left the HEADERS deferred")
	}
	if s := c.fl.streams.get(1); s == nil || !s.ended[dirRecv] || s.ended[dirSend] {
		t.Fatalf("stream 1 after the flow section: %+v", s)
	}
	feed(t, c, true, respHeaders(1))
	feed(t, c, true, lastData(1, 30))
	fl := settled(c)
	if fl.streams.len() != 0 || fl.conn[dirSend].n != defaultWindow-30 || fl.conn[dirRecv].n != defaultWindow+10 {
		t.Fatalf("after the response: conn %+v, streams %+v", fl.conn, fl.streams)
	}

	// A HEADERS deferred while a flow section opens its stream from
	// another of its frames (a client's request HEADERS, whose write hook
	// read c.gen and c.top before the section that applied the response's
	// first DATA ended) is not taken back by the stream's last DATA: the
	// section that applies it ends the stream.
	g := c.gen.Load()
	feed(t, c, false, func(fr *http2.Framer) error { return fr.WriteData(3, false, make([]byte, 5)) })
	if !c.pend.CompareAndSwap(0, packPend(3, dirSend, g)) {
		t.Fatal("a HEADERS is deferred already")
	}
	feed(t, c, false, lastData(3, 0))
	if fl := settled(c); fl.streams.len() != 0 {
		t.Fatalf("stream 3 kept: %+v", fl.streams)
	}
}

// A GET whose response body closes the connection's receive window is
// reported as the connection's stall: the lock-free path takes the
// stream's single DATA frame back, but leaves its length, which the
// budget does not cover, to a flow section, which starts the episode.
func TestStallOfTheConnectionByAGetsResponse(t *testing.T) {
	events := capture(t, 1)
	c, _ := stallingClientConn(t)
	defer Done(c)
	feed(t, c, true, getHeaders(1))
	feed(t, c, false, respHeaders(1))
	feed(t, c, false, lastData(1, defaultWindow))
	if c.(*Conn).pend.Load() != 0 {
		t.Fatal("the DATA did not take its HEADERS back")
	}
	var st []probes.Event
	for deadline := time.Now().Add(10 * time.Second); len(st) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no frame.stall after 10s")
		}
		st = find(events(), "frame.stall")
	}
	if st[0].Stream != 0 || attr(st[0], "dir") != "recv" {
		t.Fatalf("frame.stall: %+v", st)
	}
	if a, _ := st[0].Attr("window"); a.Num != 0 {
		t.Fatalf("window attr %+v", a)
	}
}

// Frames that went unseen (the probe at 0) before a GET's HEADERS: the
// HEADERS is not deferred but applied after the resynchronisation, so its
// stream is followed, from the initial windows, and the streams opened
// before are not. Frames that went unseen after a deferred HEADERS: its
// stream, which they may be of, is not followed.
func TestDeferredHeadersAndFramesUnseen(t *testing.T) {
	capture(t, 0)
	c := NewFramer(nil).(*Conn)
	Bind(c, nil, true)
	defer Done(c)
	feed(t, c, true, func(fr *http2.Framer) error {
		return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0x83}, EndHeaders: true})
	})
	feed(t, c, true, func(fr *http2.Framer) error { return fr.WriteData(1, false, make([]byte, 40)) })
	probes.SetLevel(probes.Frame, 1)
	feed(t, c, true, getHeaders(3))
	if c.pend.Load() != 0 {
		t.Fatal("stream 3's HEADERS was deferred after frames went unseen")
	}
	fl := settled(c)
	if !fl.connLost || fl.streams.len() != 1 {
		t.Fatalf("after the switch: connLost %v, streams %+v", fl.connLost, fl.streams)
	}
	if s := fl.streams.get(3); s == nil || !s.ended[dirSend] || s.w != [2]window{{n: defaultWindow}, {n: defaultWindow}} {
		t.Fatalf("stream 3: %+v", s)
	}

	feed(t, c, true, getHeaders(5))
	if c.pend.Load() == 0 {
		t.Fatal("stream 5's HEADERS was not deferred")
	}
	probes.SetLevel(probes.Frame, 0)
	feed(t, c, false, func(fr *http2.Framer) error { return fr.WriteData(5, false, make([]byte, 40)) })
	probes.SetLevel(probes.Frame, 1)
	feed(t, c, true, func(fr *http2.Framer) error { return fr.WriteWindowUpdate(0, 1) }) // resynchronises
	if fl := settled(c); fl.streams.get(5) != nil || fl.streams.get(3) != nil {
		t.Fatalf("streams followed across frames unseen: %+v", fl.streams)
	}
}

// GETs on one connection while flow sections run alongside (Flows, as
// `/v1/streams` reads it): whatever the interleaving, the windows end as
// every frame left them, and no stream stays open. The responses are read
// on the requests' goroutine, or on their own, as net/http reads them
// (then sometimes before the request's write hook ran).
func TestGetsWithFlowSectionsAlongside(t *testing.T) {
	for _, ownReader := range []bool{false, true} {
		capture(t, 1)
		nc, peer := net.Pipe()
		t.Cleanup(func() { nc.Close(); peer.Close() })
		c := NewFramer(nil).(*Conn)
		Bind(c, nc, true)
		// The frames as the hooks get them.
		type frame struct{ hdr, payload []byte }
		enc := func(w func(fr *http2.Framer) error) frame {
			fs := wire(t, w)
			return frame{fs[0][0], fs[0][1]}
		}
		const n, size = 2000, 10
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
					Flows()
				}
			}
		}()
		response := func(id uint32) {
			resp, body := enc(respHeaders(id)), enc(lastData(id, size))
			read(c, resp.hdr, resp.payload)
			read(c, body.hdr, body.payload)
		}
		ids := make(chan uint32, 8)
		readerDone := make(chan struct{})
		go func() {
			defer close(readerDone)
			for id := range ids {
				response(id)
			}
		}()
		for i := uint32(0); i < n; i++ {
			id := 2*i + 1
			req := enc(getHeaders(id))
			if ownReader {
				ids <- id
			}
			Write(c, append(append([]byte(nil), req.hdr...), req.payload...), nil)
			if !ownReader {
				response(id)
			}
		}
		close(ids)
		<-readerDone
		close(stop)
		<-done
		fl := settled(c)
		if fl.conn[dirRecv].n != defaultWindow-n*size || fl.conn[dirSend].n != defaultWindow || fl.streams.len() != 0 {
			t.Fatalf("after %d GETs (own reader %v): conn %+v, %d streams open", n, ownReader, fl.conn, fl.streams.len())
		}
		Done(c)
	}
}

// A DATA that the lock-free path takes while a flow section runs, after
// the section took the budget: it overdraws the budget, and the section's
// new grant must not hide that.
func TestDataOverdrawingDuringAFlowSection(t *testing.T) {
	capture(t, 1)
	c := NewFramer(nil).(*Conn)
	Bind(c, nil, true)
	defer Done(c)
	c.lockFlow() // a section starts: the budget is taken (0)
	paid := make(chan struct{})
	go func() {
		defer close(paid)
		c.pay(dirRecv, 25) // what quick does once it took a DATA: overdraws, waits for the lock
	}()
	overdrawn := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if overdrawn = c.budget[dirRecv].Load() < 0; overdrawn {
			break
		}
	}
	c.unlockFlow() // the section ends, granting a new budget
	<-paid
	if !overdrawn {
		t.Fatal("the DATA did not overdraw the budget")
	}
	if fl := settled(c); fl.conn[dirRecv].n != defaultWindow-25 {
		t.Fatalf("conn %+v", fl.conn)
	}
}
