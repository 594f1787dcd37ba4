package frame

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"golang.org/x/net/http2"
)

// capture sets the frame and header probes to level and collects the
// events that reach the sink until the returned stop is called.
func capture(t *testing.T, level int) (events func() []probes.Event) {
	t.Helper()
	old := probes.SetSink(probes.NewTextSink(io.Discard))
	oldF := probes.SetLevel(probes.Frame, level)
	oldH := probes.SetLevel(probes.Header, level)
	sub := probes.Subscribe(1024)
	var mu sync.Mutex
	var got []probes.Event
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range sub.C() {
			mu.Lock()
			got = append(got, e)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		sub.Close()
		<-done
		probes.SetLevel(probes.Frame, oldF)
		probes.SetLevel(probes.Header, oldH)
		probes.SetSink(old)
	})
	return func() []probes.Event {
		probes.Flush()
		time.Sleep(10 * time.Millisecond) // let the subscriber goroutine take what Flush dispatched
		mu.Lock()
		defer mu.Unlock()
		return append([]probes.Event(nil), got...)
	}
}

func find(evs []probes.Event, name string) []probes.Event {
	var out []probes.Event
	for _, e := range evs {
		if e.Name == name {
			out = append(out, e)
		}
	}
	return out
}

func attr(e probes.Event, k string) string {
	a, ok := e.Attr(k)
	if !ok {
		return ""
	}
	if a.Kind == probes.KindString {
		return a.Str
	}
	return time.Duration(a.Num).String()
}

// feed passes frames written by x/net's Framer to the hooks.
func feed(t *testing.T, c any, written bool, w func(fr *http2.Framer) error) {
	t.Helper()
	for _, fs := range wire(t, w) {
		if written {
			Write(c, append(append([]byte(nil), fs[0]...), fs[1]...), nil)
		} else {
			read(c, fs[0], fs[1])
		}
	}
}

// read passes a frame to the read hook as the patched Framer does: its
// header's fields, decoded.
func read(c any, hdr, payload []byte) {
	h := ParseHeader([HeaderLen]byte(hdr))
	Read(c, h.Length, uint8(h.Type), uint8(h.Flags), h.StreamID, payload)
}

func TestEventsLevel2(t *testing.T) {
	events := capture(t, 2)
	c := NewFramer(nil)
	Bind(c, nil, true)
	feed(t, c, true, func(fr *http2.Framer) error {
		return fr.WriteSettings(http2.Setting{ID: http2.SettingEnablePush, Val: 0}, http2.Setting{ID: http2.SettingMaxHeaderListSize, Val: 4096})
	})
	feed(t, c, false, func(fr *http2.Framer) error { return fr.WriteGoAway(3, http2.ErrCodeNo, []byte("shutting down")) })
	feed(t, c, false, func(fr *http2.Framer) error { return fr.WriteRSTStream(3, http2.ErrCodeRefusedStream) })
	feed(t, c, false, func(fr *http2.Framer) error { return fr.WritePriority(5, http2.PriorityParam{StreamDep: 5}) })
	Headers(c, 1, hfields(":status", "200", "set-cookie", "session=abc123", "content-type", "text/plain"), false, nil)
	Headers(c, 3, nil, true, nil)

	evs := events()
	if w := find(evs, "frame.write"); len(w) != 1 || !strings.HasPrefix(w[0].Msg, "SETTINGS len=12, settings: ENABLE_PUSH=0") || attr(w[0], "side") != "client" {
		t.Errorf("frame.write: %+v", w)
	}
	if r := find(evs, "frame.read"); len(r) != 3 {
		t.Errorf("frame.read: %d events, want 3", len(r))
	}
	if g := find(evs, "frame.goaway"); len(g) != 1 || attr(g[0], "code") != "NO_ERROR" || !strings.Contains(g[0].Msg, `"shutting down"`) {
		t.Errorf("frame.goaway: %+v", g)
	}
	if r := find(evs, "frame.rst"); len(r) != 1 || r[0].Stream != 3 || attr(r[0], "code") != "REFUSED_STREAM" {
		t.Errorf("frame.rst: %+v", r)
	}
	if e := find(evs, "frame.error"); len(e) != 1 || e[0].Stream != 5 || !strings.Contains(e[0].Msg, "depends on itself") {
		t.Errorf("frame.error: %+v", e)
	} else if a, _ := e[0].Attr("self_dependency"); a.Num != 1 {
		t.Errorf("self_dependency attr missing: %+v", e[0])
	}
	h := find(evs, "frame.headers")
	if len(h) != 2 || h[0].Stream != 1 || strings.Contains(h[0].Msg, "abc123") || !strings.Contains(h[0].Msg, `:status="200"`) {
		t.Errorf("frame.headers: %+v", h)
	}
	if l := find(evs, "header.limit"); len(l) != 1 || l[0].Stream != 3 {
		t.Errorf("header.limit: %+v", l)
	} else if a, _ := l[0].Attr("limit"); a.Num != 4096 || attr(l[0], "limit_name") != "SETTINGS_MAX_HEADER_LIST_SIZE" {
		t.Errorf("header.limit names the limit this side advertised: %+v", l[0])
	}
}

func TestPingRTT(t *testing.T) {
	events := capture(t, 2)
	c := NewFramer(nil)
	feed(t, c, true, func(fr *http2.Framer) error { return fr.WritePing(false, [8]byte{7}) })
	feed(t, c, false, func(fr *http2.Framer) error { return fr.WritePing(true, [8]byte{7}) })
	r := find(events(), "frame.read")
	if len(r) != 1 {
		t.Fatalf("frame.read: %+v", r)
	}
	if a, ok := r[0].Attr("rtt"); !ok || a.Kind != probes.KindDuration {
		t.Fatalf("no rtt on the PING ACK: %+v", r[0])
	}
}

func TestLevel1OnlyDiagnostics(t *testing.T) {
	events := capture(t, 1)
	c := NewFramer(nil)
	feed(t, c, true, func(fr *http2.Framer) error { return fr.WriteSettings() })
	feed(t, c, true, func(fr *http2.Framer) error { return fr.WriteGoAway(0, http2.ErrCodeProtocol, nil) })
	evs := events()
	if len(find(evs, "frame.write")) != 0 {
		t.Error("frame.write at level 1")
	}
	if g := find(evs, "frame.goaway"); len(g) != 1 || attr(g[0], "dir") != "write" {
		t.Errorf("frame.goaway: %+v", g)
	}
}

func TestReadError(t *testing.T) {
	events := capture(t, 1)
	c := NewFramer(nil)
	ReadError(c, io.EOF, nil)
	proto := errors.New("connection error: PROTOCOL_ERROR")
	ReadError(c, proto, errors.New("invalid header field value for \"x\""))
	ReadError(c, proto, errors.New("invalid header field value for \"x\"")) // the outer ReadFrame, same error
	Write(c, []byte{0, 0, 0, byte(TypeHeaders), 0, 0, 0, 0, 1, 'x'}, errors.New("http2: frame too large"))
	Write(c, []byte{0, 0, 1, byte(TypeData), 0, 0, 0, 0, 1, 'x'}, io.ErrClosedPipe)
	e := find(events(), "frame.error")
	if len(e) != 2 || !strings.Contains(e[0].Msg, "PROTOCOL_ERROR") || !strings.Contains(e[0].Msg, "invalid header field value") {
		t.Fatalf("frame.error: %+v", e)
	}
	if !strings.Contains(e[1].Msg, "writing a HEADERS frame failed: http2: frame too large") || e[1].Stream != 1 {
		t.Fatalf("write error: %+v", e[1])
	}
}

// TestFlowWindows checks the bookkeeping in both directions, including an
// INITIAL_WINDOW_SIZE change applied to open streams.
func TestFlowWindows(t *testing.T) {
	var fl flow
	fl.init()
	apply := func(written bool, w func(fr *http2.Framer) error) {
		for _, fs := range wire(t, w) {
			var hdr [HeaderLen]byte
			copy(hdr[:], fs[0])
			f, err := Decode(hdr, fs[1])
			if err != nil {
				t.Fatal(err)
			}
			fl.apply(&f, written)
		}
	}
	apply(true, func(fr *http2.Framer) error {
		return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0x82}, EndHeaders: true})
	})
	apply(true, func(fr *http2.Framer) error { return fr.WriteData(1, false, make([]byte, 1000)) })
	apply(false, func(fr *http2.Framer) error {
		return fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1000})
	})
	s := fl.streams.get(1)
	if s == nil || s.w[dirSend].n != 0 || fl.conn[dirSend].n != 65535-1000 {
		t.Fatalf("send windows: stream %+v conn %d", s, fl.conn[dirSend].n)
	}
	// The peer sends a response body; this side's receive windows shrink.
	apply(false, func(fr *http2.Framer) error { return fr.WriteData(1, false, make([]byte, 300)) })
	if s.w[dirRecv].n != 65535-300 || fl.conn[dirRecv].n != 65535-300 {
		t.Fatalf("recv windows: stream %d conn %d", s.w[dirRecv].n, fl.conn[dirRecv].n)
	}
	apply(true, func(fr *http2.Framer) error { return fr.WriteWindowUpdate(1, 300) })
	apply(false, func(fr *http2.Framer) error { return fr.WriteWindowUpdate(1, 50) })
	if s.w[dirRecv].n != 65535 || s.w[dirSend].n != 50 {
		t.Fatalf("after WINDOW_UPDATE: %+v", s.w)
	}

	// A zero window is a stall once it has lasted the threshold.
	t0 := time.Unix(1000, 0)
	apply(true, func(fr *http2.Framer) error { return fr.WriteData(1, false, make([]byte, 50)) })
	due, next := fl.check(t0, time.Second)
	if len(due) != 0 || !next.Equal(t0.Add(time.Second)) {
		t.Fatalf("check at t0: due %v next %v", due, next)
	}
	due, _ = fl.check(t0.Add(2*time.Second), time.Second)
	if len(due) != 1 || due[0].stream != 1 || due[0].d != dirSend || due[0].n != 0 {
		t.Fatalf("check later: %+v", due)
	}
	if due, _ = fl.check(t0.Add(3*time.Second), time.Second); len(due) != 0 {
		t.Fatalf("stall reported twice: %+v", due)
	}
	// END_STREAM from both sides forgets the stream.
	apply(true, func(fr *http2.Framer) error { return fr.WriteData(1, true, nil) })
	apply(false, func(fr *http2.Framer) error { return fr.WriteData(1, true, nil) })
	if fl.streams.len() != 0 {
		t.Fatalf("stream kept after END_STREAM both ways: %+v", fl.streams)
	}
}

// TestStallTimer: a stream whose send window stays at zero produces a
// frame.stall naming the stream, the direction and the window, without a
// further frame (the timer fires).
func TestStallTimer(t *testing.T) {
	events := capture(t, 1)
	SetStallThreshold(10 * time.Millisecond)
	defer SetStallThreshold(time.Second)
	c := NewFramer(nil)
	Bind(c, nil, false)
	feed(t, c, false, func(fr *http2.Framer) error {
		return fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 10})
	})
	feed(t, c, true, func(fr *http2.Framer) error {
		return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0x88}, EndHeaders: true})
	})
	feed(t, c, true, func(fr *http2.Framer) error { return fr.WriteData(1, false, make([]byte, 10)) })
	var st []probes.Event
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if st = find(events(), "frame.stall"); len(st) > 0 {
			break
		}
	}
	Done(c)
	if len(st) != 1 || st[0].Stream != 1 || attr(st[0], "dir") != "send" || !strings.Contains(st[0].Msg, "stream 1 cannot send") {
		t.Fatalf("frame.stall: %+v", st)
	}
	if a, _ := st[0].Attr("window"); a.Num != 0 {
		t.Fatalf("window attr %+v", a)
	}
}

func TestHTTP2DebugEmulation(t *testing.T) {
	capture(t, 0)
	var mu sync.Mutex
	var lines []string
	SetHTTP2DebugOutput(func(l string) {
		mu.Lock()
		lines = append(lines, l)
		mu.Unlock()
	})
	defer SetHTTP2DebugOutput(nil)
	SetHTTP2Debug(2)
	defer SetHTTP2Debug(0)
	c := NewFramer(nil)
	feed(t, c, true, func(fr *http2.Framer) error { return fr.WriteWindowUpdate(0, 1<<20) })
	feed(t, c, false, func(fr *http2.Framer) error { return fr.WriteData(1, false, []byte("secret body")) })
	Headers(c, 1, hfields("authorization", "Bearer hunter2", ":method", "GET"), false, nil)
	mu.Lock()
	defer mu.Unlock()
	all := strings.Join(lines, "\n")
	for _, want := range []string{
		": wrote WINDOW_UPDATE len=4 (conn) incr=1048576",
		": read DATA stream=1 len=11 data=<11 bytes>",
		`http2: decoded hpack field header field "authorization" = "[REDACTED]"`,
		`http2: decoded hpack field header field ":method" = "GET"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in:\n%s", want, all)
		}
	}
	if strings.Contains(all, "hunter2") || strings.Contains(all, "secret body") {
		t.Errorf("secret in debug output:\n%s", all)
	}
	if !strings.HasPrefix(lines[0], "http2: Framer 0x") {
		t.Errorf("line shape: %q", lines[0])
	}
}

func TestLevel0Unsynced(t *testing.T) {
	capture(t, 0)
	c := NewFramer(nil).(*Conn)
	feed(t, c, true, func(fr *http2.Framer) error { return fr.WriteData(1, false, make([]byte, 10)) })
	if !c.unsynced() {
		t.Fatal("state still synced after skipping a frame")
	}
}

// BenchmarkHookData measures the per-frame cost of the hooks for a DATA
// frame read at each level (level 2 includes queueing the event).
func BenchmarkHookData(b *testing.B) {
	old := probes.SetSink(nil)
	defer probes.SetSink(old)
	fs := wire(b, func(fr *http2.Framer) error { return fr.WriteData(1, false, make([]byte, 1024)) })
	h := ParseHeader([HeaderLen]byte(fs[0][0]))
	for _, lvl := range []int{0, 1, 2} {
		b.Run("level"+string(rune('0'+lvl)), func(b *testing.B) {
			defer probes.SetLevel(probes.Frame, probes.SetLevel(probes.Frame, lvl))
			c := NewFramer(nil)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				Read(c, h.Length, uint8(h.Type), uint8(h.Flags), h.StreamID, fs[0][1])
				if i%32 == 0 { // keep the window open
					feedWU(c)
				}
			}
		})
	}
}

var wuFrame = func() [][2][]byte {
	var buf bytes.Buffer
	fr := http2.NewFramer(&buf, nil)
	fr.WriteWindowUpdate(0, 1<<20)
	fr.WriteWindowUpdate(1, 1<<20)
	b := buf.Bytes()
	return [][2][]byte{{b[:9], b[9:13]}, {b[13:22], b[22:26]}}
}()

func feedWU(c any) {
	for _, f := range wuFrame {
		Write(c, append(append([]byte(nil), f[0]...), f[1]...), nil)
	}
}

// TestBasicPathMatchesDecode: at level 1 the common frames take the fast
// path (the hooks' usual path, header fields only); at level 2 every frame is decoded.
// The same frames must leave the same flow windows either way.
func TestBasicPathMatchesDecode(t *testing.T) {
	frames := []struct {
		written bool
		w       func(fr *http2.Framer) error
	}{
		{false, func(fr *http2.Framer) error {
			return fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 4000})
		}},
		{true, func(fr *http2.Framer) error {
			return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0x82}, EndHeaders: false})
		}},
		{true, func(fr *http2.Framer) error { return fr.WriteContinuation(1, true, []byte{0x84}) }},
		{true, func(fr *http2.Framer) error { return fr.WriteDataPadded(1, false, make([]byte, 700), make([]byte, 20)) }},
		{true, func(fr *http2.Framer) error {
			return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: []byte{0x82}, EndHeaders: true,
				Priority: http2.PriorityParam{StreamDep: 1, Weight: 15}})
		}},
		{true, func(fr *http2.Framer) error { return fr.WriteData(3, false, make([]byte, 900)) }},
		{false, func(fr *http2.Framer) error {
			return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0x88}, EndHeaders: true})
		}},
		{false, func(fr *http2.Framer) error { return fr.WriteData(1, false, make([]byte, 1200)) }},
		{false, func(fr *http2.Framer) error { return fr.WriteWindowUpdate(0, 5000) }},
		{false, func(fr *http2.Framer) error { return fr.WriteWindowUpdate(1, 300) }},
		{true, func(fr *http2.Framer) error { return fr.WriteWindowUpdate(1, 1200) }},
		{true, func(fr *http2.Framer) error { return fr.WriteRSTStream(3, http2.ErrCodeCancel) }},
		{false, func(fr *http2.Framer) error { return fr.WriteData(1, true, make([]byte, 10)) }},
		{true, func(fr *http2.Framer) error { return fr.WriteData(1, true, nil) }},
		{true, func(fr *http2.Framer) error {
			return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 5, BlockFragment: []byte{0x82}, EndHeaders: true})
		}},
	}
	run := func(level, debug int) (*Conn, []probes.Event) {
		events := capture(t, level)
		defer SetHTTP2Debug(SetHTTP2Debug(debug))
		SetHTTP2DebugOutput(func(string) {})
		defer SetHTTP2DebugOutput(nil)
		c := NewFramer(nil).(*Conn)
		Bind(c, nil, true)
		for _, f := range frames {
			feed(t, c, f.written, f.w)
		}
		t.Cleanup(func() { Done(c) }) // Done forgets the windows
		return c, events()
	}
	// Level 1: the basic path, no events. Level 2: the basic path too, its
	// frame events emitted raw and rendered by the writer. http2debug=2
	// forces the decoded path for every frame: the reference.
	basic, _ := run(1, 0)
	raw, rawEvents := run(2, 0)
	full, fullEvents := run(2, 2)
	for _, c := range []*Conn{basic, raw} {
		if c.fl.conn != full.fl.conn || c.fl.initial != full.fl.initial {
			t.Errorf("connection windows: basic %+v %+v, decoded %+v %+v", c.fl.conn, c.fl.initial, full.fl.conn, full.fl.initial)
		}
		if c.fl.streams.len() != full.fl.streams.len() {
			t.Fatalf("streams: basic %d, decoded %d", c.fl.streams.len(), full.fl.streams.len())
		}
		full.fl.streams.each(func(s *streamFlow) {
			if b := c.fl.streams.get(s.id); b == nil || *b != *s {
				t.Errorf("stream %d: basic %+v, decoded %+v", s.id, b, s)
			}
		})
	}
	if full.fl.streams.get(5) == nil || full.fl.streams.len() != 1 {
		t.Errorf("want only stream 5 open (1 ended both ways, 3 reset): %+v", full.fl.streams)
	}
	// The raw events say what the decoded ones say, in the same order.
	frameEvents := func(evs []probes.Event) []probes.Event {
		out := append(find(evs, "frame.read"), find(evs, "frame.write")...)
		sort.SliceStable(out, func(i, j int) bool { return out[i].Time < out[j].Time })
		return out
	}
	re, fe := frameEvents(rawEvents), frameEvents(fullEvents)
	if len(re) != len(frames) || len(fe) != len(frames) {
		t.Fatalf("frame events: raw %d, decoded %d, want %d", len(re), len(fe), len(frames))
	}
	for i := range fe {
		r, f := re[i], fe[i]
		r.Time, f.Time, r.Conn, f.Conn = 0, 0, 0, 0
		if r.Probe != f.Probe || r.Sev != f.Sev || r.Name != f.Name || r.Stream != f.Stream || !r.HasStream ||
			r.Msg != f.Msg || r.NAttrs != f.NAttrs || r.Attrs != f.Attrs {
			t.Errorf("frame %d:\n raw     %+v\n decoded %+v", i, r, f)
		}
	}
	if e := re[3]; e.Msg != "DATA flags=PADDED stream=1 len=721 data=<700 bytes>" {
		t.Errorf("padded DATA rendered %q", e.Msg)
	}
}

// streamSet keeps the first streams in its array and the rest in a map;
// both halves answer get, del, len and each alike, and a stream's windows
// start at the initial values given.
func TestStreamSet(t *testing.T) {
	var ss streamSet
	initial := [2]int64{100, 200}
	for id := uint32(1); id <= 39; id += 2 {
		if s := ss.find(id, &initial); s == nil || s.id != id || s.w[dirSend].n != 100 || s.w[dirRecv].n != 200 {
			t.Fatalf("find(%d, open) = %+v", id, s)
		}
	}
	for id := uint32(1); id <= 39; id += 4 {
		if ss.get(id) == nil {
			t.Fatalf("get(%d): not found", id)
		}
		ss.del(id)
	}
	ss.del(1) // again: nothing
	if ss.len() != 10 || ss.get(5) != nil || ss.get(39) == nil || ss.get(3) == nil || ss.get(0) != nil {
		t.Fatalf("after deleting every other stream: len %d, get(3)=%v get(39)=%v", ss.len(), ss.get(3), ss.get(39))
	}
	if len(ss.free) == 0 {
		t.Errorf("no stream of the map kept for reuse")
	}
	ss.get(3).w[dirSend].n = 7
	if s := ss.find(41, &initial); s.w[dirSend].n != 100 || s.ended != [2]bool{} { // into a slot the deletions freed
		t.Fatalf("reused slot not reset: %+v", *s)
	}
	seen := 0
	ss.each(func(s *streamFlow) {
		if s.id%4 != 3 && s.id != 41 {
			t.Errorf("each visited deleted stream %d", s.id)
		}
		seen++
	})
	if seen != 11 || ss.len() != 11 || ss.get(3).w[dirSend].n != 7 {
		t.Fatalf("each visited %d streams, len %d, want 11", seen, ss.len())
	}
}

// At level 1 the emulation prints what Go's VerboseLogs does for a
// connection and the frames it reads; above Go's own level only.
func TestHTTP2DebugEmulationLevel1(t *testing.T) {
	capture(t, 1) // the default: the usual path must leave frames to the emulation
	var mu sync.Mutex
	var lines []string
	SetHTTP2DebugOutput(func(l string) {
		mu.Lock()
		lines = append(lines, l)
		mu.Unlock()
	})
	defer SetHTTP2DebugOutput(nil)
	defer SetGoHTTP2Debug(0)
	defer SetHTTP2Debug(0)
	if prev := SetHTTP2Debug(1); prev != 0 {
		t.Fatalf("SetHTTP2Debug returned %d, want 0", prev)
	}
	cl, sv := net.Pipe()
	defer cl.Close()
	defer sv.Close()
	c := NewFramer(nil)
	Bind(c, cl, true)
	feed(t, c, false, func(fr *http2.Framer) error { return fr.WriteWindowUpdate(0, 1<<20) })
	feed(t, c, true, func(fr *http2.Framer) error { return fr.WriteWindowUpdate(0, 7) })
	s := NewFramer(nil)
	Bind(s, sv, false)
	feed(t, s, false, func(fr *http2.Framer) error { return fr.WriteSettingsAck() })

	// Go's own logging at 1 already prints these: the emulation adds nothing.
	SetGoHTTP2Debug(1)
	if HTTP2Debug() != 1 {
		t.Errorf("HTTP2Debug() = %d, want 1", HTTP2Debug())
	}
	feed(t, c, false, func(fr *http2.Framer) error { return fr.WritePing(false, [8]byte{}) })

	mu.Lock()
	defer mu.Unlock()
	want := []string{
		"http2: Transport creating client conn 0x",
		"http2: Transport received WINDOW_UPDATE len=4 (conn) incr=1048576",
		"http2: server connection from pipe on 0x",
		"http2: server read frame SETTINGS flags=ACK len=0",
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), strings.Join(lines, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], w)
		}
	}
}

// eagerFieldsMsg is frame.headers' message as emitHeaders rendered it on
// the hook's goroutine before the message was left to the reader: the
// lazy rendering must say exactly this.
func eagerFieldsMsg(fields []string) string {
	var b []byte
	for i := 0; i+1 < len(fields); i += 2 {
		v := probes.RedactHeader(fields[i], fields[i+1])
		if len(b) < probes.MaxFieldsMsg {
			if len(b) > 0 {
				b = append(b, ' ')
			}
			b = strconv.AppendQuote(append(append(b, fields[i]...), '='), v)
		}
	}
	msg := string(b)
	if len(msg) > probes.MaxFieldsMsg {
		msg = msg[:probes.MaxFieldsMsg] + "…"
	}
	return msg
}

// frame.headers' message is rendered by its reader, from a copy of the
// fields taken in the hook (the framer reuses its slice): it is the
// eager rendering, secrets redacted, for the sink and a subscriber and
// for Recent when nobody reads, even after the framer's slice changed.
func TestHeadersMsgRenderedByReaderAsEager(t *testing.T) {
	long := strings.Repeat("v", 900)
	blocks := [][]string{
		{":method", "GET", ":path", "/login?token=s3cr3t&x=1", "authorization", "Bearer hunter2", "cookie", "a=b; sid=xyz", "user-agent", "Go-http-client/2.0", "x-quote", "a\"b\n"},
		{":status", "200", "set-cookie", "session=abc123", "content-type", "text/plain"},
		{"a", long, "b", long, "c", long, "d", "after the cut"}, // cut at MaxFieldsMsg
		{":status", "204"},
	}
	check := func(where string, e probes.Event, want string) {
		t.Helper()
		if e.Msg != want {
			t.Errorf("%s: frame.headers msg\n got %q\nwant %q", where, e.Msg, want)
		}
		for _, secret := range []string{"hunter2", "s3cr3t", "xyz", "abc123"} {
			if strings.Contains(e.Msg, secret) {
				t.Errorf("%s: secret %q in %q", where, secret, e.Msg)
			}
		}
	}

	events := capture(t, 2) // a sink and a subscriber
	c := NewFramer(nil)
	for i, f := range blocks {
		reused := hfields(f...)
		Headers(c, uint32(2*i+1), reused, false, nil)
		for j := range reused {
			reused[j].Value = "overwritten" // the event keeps its own copy
		}
	}
	h := find(events(), "frame.headers")
	if len(h) != len(blocks) {
		t.Fatalf("frame.headers: %d events, want %d", len(h), len(blocks))
	}
	for i, e := range h {
		check("subscriber", e, eagerFieldsMsg(blocks[i]))
		if a, _ := e.Attr("fields"); a.Num != int64(len(blocks[i])/2) {
			t.Errorf("fields = %d, want %d", a.Num, len(blocks[i])/2)
		}
	}
	if !strings.HasSuffix(h[2].Msg, "…") || strings.Contains(h[2].Msg, "after the cut") {
		t.Errorf("long block not cut: %q", h[2].Msg[len(h[2].Msg)-20:])
	}

	old := probes.SetSink(nil) // nobody reads: Recent renders its copy
	defer probes.SetSink(old)
	probes.Flush()
	Headers(c, 99, hfields(blocks[0]...), false, nil)
	probes.Flush()
	var last probes.Event
	for _, e := range probes.Recent(nil) {
		if e.Name == "frame.headers" {
			last = e
		}
	}
	if last.Stream != 99 {
		t.Fatalf("Recent has no frame.headers of stream 99: %+v", last)
	}
	check("Recent", last, eagerFieldsMsg(blocks[0]))
}

// TestHeaderFields: the std patch copies a whole header block's fields
// for Headers only when something shows them (frame.headers at level 2,
// the http2debug=2 dump); at level 1 a block that decoded whole costs no
// copy, and what level 1 reports (header.limit, frame.error) comes from
// blocks the patch always hands over.
func TestHeaderFields(t *testing.T) {
	c := NewFramer(nil)
	for _, tc := range []struct {
		level, debug int
		want         bool
	}{{0, 0, false}, {1, 0, false}, {2, 0, true}, {0, 2, true}, {1, 1, false}} {
		capture(t, tc.level)
		SetHTTP2Debug(tc.debug)
		if got := HeaderFields(c); got != tc.want {
			t.Errorf("level %d, http2debug %d: HeaderFields = %v, want %v", tc.level, tc.debug, got, tc.want)
		}
		SetHTTP2Debug(0)
	}
}

// TestStreamSetLastHint: find's hint (the slot it returned last) never
// returns a stream that was closed, nor another stream that took its slot.
func TestStreamSetLastHint(t *testing.T) {
	var ss streamSet
	initial := [2]int64{100, 200}
	a := ss.find(1, &initial)
	ss.find(3, &initial)
	if ss.find(1, nil) != a {
		t.Fatal("find(1) after opening 3: another stream")
	}
	ss.remove(a) // the hinted slot
	if s := ss.find(1, nil); s != nil {
		t.Fatalf("find(1) after closing it = %+v", *s)
	}
	b := ss.find(5, &initial) // into 1's slot
	if b != a || ss.find(1, nil) != nil || ss.find(5, nil) != b || ss.find(3, nil) == nil || ss.find(3, nil).id != 3 {
		t.Fatalf("after reusing the hinted slot: find(1)=%v find(5)=%v find(3)=%v", ss.find(1, nil), ss.find(5, nil), ss.find(3, nil))
	}
}

// TestStreamSetBelowMax: a stream id below the highest seen (a pushed
// stream's even id after odd ones, a frame announcing a stream before it
// opens) is still opened and found.
func TestStreamSetBelowMax(t *testing.T) {
	var ss streamSet
	initial := [2]int64{100, 200}
	if ss.find(9, nil) != nil {
		t.Fatal("find(9) before it opened: found")
	}
	for _, id := range []uint32{7, 2, 9, 4} {
		if s := ss.find(id, &initial); s == nil || s.id != id {
			t.Fatalf("find(%d, open) = %v", id, s)
		}
	}
	for _, id := range []uint32{2, 4, 7, 9} {
		if s := ss.find(id, nil); s == nil || s.id != id {
			t.Fatalf("find(%d) = %v", id, s)
		}
	}
	if ss.len() != 4 {
		t.Fatalf("len %d, want 4", ss.len())
	}
}

// BenchmarkRequestFrames passes the frames of a small GET through the
// hooks of both ends, as net/http's do: the client writes HEADERS
// (END_STREAM), the server reads it and writes HEADERS and DATA
// (END_STREAM), the client reads them; a WINDOW_UPDATE each way keeps
// the connection windows open. One op is one request.
func BenchmarkRequestFrames(b *testing.B) {
	old := probes.SetSink(nil)
	defer probes.SetSink(old)
	frame := func(w func(fr *http2.Framer) error) []byte {
		fs := wire(b, w)
		return append(append([]byte(nil), fs[0][0]...), fs[0][1]...)
	}
	for _, lvl := range []int{0, 1} {
		b.Run("level"+string(rune('0'+lvl)), func(b *testing.B) {
			defer probes.SetLevel(probes.Frame, probes.SetLevel(probes.Frame, lvl))
			cl, sv := NewFramer(nil), NewFramer(nil)
			Bind(cl, nil, true)
			Bind(sv, nil, false)
			const n = 64 // distinct stream ids, reused: ids only grow within the frames of one run
			var req, resp, data [n][]byte
			for i := 0; i < n; i++ {
				id := uint32(2*i + 1)
				req[i] = frame(func(fr *http2.Framer) error {
					return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: []byte{0x82, 0x86, 0x84}, EndHeaders: true, EndStream: true})
				})
				resp[i] = frame(func(fr *http2.Framer) error {
					return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: []byte{0x88}, EndHeaders: true})
				})
				data[i] = frame(func(fr *http2.Framer) error { return fr.WriteData(id, true, []byte("ok")) })
			}
			wu := frame(func(fr *http2.Framer) error { return fr.WriteWindowUpdate(0, 2*n) })
			hook := func(c any, f []byte, written bool) {
				if written {
					Write(c, f, nil)
					return
				}
				h := ParseHeader([HeaderLen]byte(f))
				Read(c, h.Length, uint8(h.Type), uint8(h.Flags), h.StreamID, f[HeaderLen:])
			}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				k := i % n
				if k == 0 {
					// A new pair of connections' worth of stream ids: the
					// state starts over as for a new connection.
					cl.(*Conn).fl.init()
					sv.(*Conn).fl.init()
				}
				hook(cl, req[k], true)
				hook(sv, req[k], false)
				hook(sv, resp[k], true)
				hook(sv, data[k], true)
				hook(cl, resp[k], false)
				hook(cl, data[k], false)
				if k == n-1 {
					hook(cl, wu, true)
					hook(sv, wu, false)
				}
			}
		})
	}
}

// A client may read a response before its own write hook has seen the
// request's HEADERS (the hooks run after the frame went on the wire). The
// response's HEADERS takes no lock and opens nothing (the usual path); the stream
// is still followed exactly from its first DATA, and its request HEADERS
// (END_STREAM) ends the send side.
func TestResponseBeforeRequestHook(t *testing.T) {
	capture(t, 1)
	c := NewFramer(nil).(*Conn)
	Bind(c, nil, true)
	defer Done(c)
	feed(t, c, false, func(fr *http2.Framer) error {
		return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 7, BlockFragment: []byte{0x88}, EndHeaders: true})
	})
	if s := c.fl.streams.get(7); s != nil {
		t.Fatalf("response HEADERS opened the stream: %+v", s)
	}
	feed(t, c, false, func(fr *http2.Framer) error { return fr.WriteData(7, false, make([]byte, 100)) })
	feed(t, c, true, func(fr *http2.Framer) error {
		return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 7, BlockFragment: []byte{0x82}, EndHeaders: true, EndStream: true})
	})
	s := c.fl.streams.get(7)
	if s == nil || s.w[dirRecv].n != defaultWindow-100 || s.w[dirSend].n != defaultWindow || !s.ended[dirSend] || s.ended[dirRecv] {
		t.Fatalf("stream 7: %+v", s)
	}
	if c.fl.conn[dirRecv].n != defaultWindow-100 {
		t.Fatalf("connection recv window %d", c.fl.conn[dirRecv].n)
	}
}

// At level 1 a WINDOW_UPDATE (basicRest) that reopens a window in a
// zero-window episode ends the episode: no frame.stall falls due after it.
func TestWindowUpdateEndsEpisode(t *testing.T) {
	events := capture(t, 1)
	SetStallThreshold(30 * time.Millisecond)
	defer SetStallThreshold(time.Second)
	c := NewFramer(nil).(*Conn)
	Bind(c, nil, false)
	defer Done(c)
	feed(t, c, false, func(fr *http2.Framer) error {
		return fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 10})
	})
	feed(t, c, false, func(fr *http2.Framer) error {
		return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0x82}, EndHeaders: true})
	})
	feed(t, c, true, func(fr *http2.Framer) error { return fr.WriteData(1, false, make([]byte, 10)) })
	c.mu.Lock()
	s := c.fl.streams.get(1)
	started := s != nil && s.w[dirSend].n == 0 && s.w[dirSend].zeroSince != 0
	c.mu.Unlock()
	if !started {
		t.Fatalf("DATA closing the send window started no episode: %+v", s)
	}
	feed(t, c, false, func(fr *http2.Framer) error { return fr.WriteWindowUpdate(1, 100) })
	c.mu.Lock()
	w := c.fl.streams.get(1).w[dirSend]
	c.mu.Unlock()
	if w.n != 100 || w.zeroSince != 0 {
		t.Fatalf("after WINDOW_UPDATE: %+v", w)
	}
	time.Sleep(100 * time.Millisecond)
	if st := find(events(), "frame.stall"); len(st) != 0 {
		t.Fatalf("stall reported after the window reopened: %+v", st)
	}
}

// hfields returns name, value pairs as the decoded fields Headers takes.
func hfields(kv ...string) []probes.HPACKField {
	f := make([]probes.HPACKField, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		f = append(f, probes.HPACKField{Name: kv[i], Value: kv[i+1]})
	}
	return f
}
