package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/probetest"
)

// useStdHooks configures the probes with spec and the std patch's client
// hooks for the test.
func useStdHooks(t *testing.T, spec string) {
	t.Helper()
	probetest.Configure(t, spec)
	oldStd := stdClient.Load()
	UseStdHooks()
	t.Cleanup(func() { stdClient.Store(oldStd) })
}

// stdStart is the patched roundTrip's call of StdStart for a request
// marked with site by a rewritten call site.
func stdStart(t *testing.T, tr *http.Transport, req *http.Request, site string) (*Request, unsafe.Pointer) {
	t.Helper()
	sent, st := StdStart(tr, req, unsafe.Pointer(probes.InternSite(site, "")))
	cr := (*Request)(st)
	if cr == nil || sent != cr.Request() {
		t.Fatalf("%s: StdStart returned %v, %v", site, sent, st)
	}
	return cr, st
}

// With the std patch's client hooks, a level-1 request is sent as the
// caller made it (no trace, no copy), the patched getConn reports its
// connection through StdGotConn with the state StdStart returned, and a
// dial gets a trace of its own through StdDial whose events name the
// latest request's site.
func TestStdClientHooks(t *testing.T) {
	sink := probetest.Record(t)
	useStdHooks(t, "all=1,slow.dns=1ns")
	if Hooks() != "std patch" {
		t.Fatalf("Hooks() = %q", Hooks())
	}

	tr := &http.Transport{}
	req, _ := http.NewRequest("GET", "http://std.example.test/x", nil)
	cr, st := stdStart(t, tr, req, "std.go:7")
	if cr.Request() != req || httptrace.ContextClientTrace(req.Context()) != nil {
		t.Fatal("a level-1 request was copied or traced despite the std hooks")
	}

	// net/http dials: the trace StdDial returns times the DNS phase.
	ctx := StdDial(context.Background(), tr, "http", "std.example.test:80")
	trace := httptrace.ContextClientTrace(ctx)
	if trace == nil || trace.DNSStart == nil || trace.TLSHandshakeDone == nil {
		t.Fatalf("StdDial installed no dial trace: %+v", trace)
	}
	trace.DNSStart(httptrace.DNSStartInfo{Host: "std.example.test"})
	time.Sleep(time.Millisecond)
	trace.DNSDone(httptrace.DNSDoneInfo{})

	// getConn hands over the new connection.
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	var entry unsafe.Pointer // persistConn's word
	StdGotConn(st, c1, false, time.Time{}, &entry)
	if cr.connID() != probes.ConnID(c1) || cr.connID() == 0 {
		t.Errorf("request conn id %d, connection %d", cr.connID(), probes.ConnID(c1))
	}
	if e := (*probes.ConnEntry)(entry); e.ID() != cr.connID() {
		t.Errorf("the connection keeps entry %d, the request got %d", e.ID(), cr.connID())
	}
	resp := &http.Response{StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, Header: http.Header{},
		ContentLength: 2, Body: io.NopCloser(strings.NewReader("ok")), Request: req}
	cr.Finish(resp, nil)
	io.ReadAll(resp.Body)
	resp.Body.Close()

	probes.Flush()
	slow := sink.Named("dial.slow")
	if len(slow) != 1 || slow[0].Site != "std.go:7" || slow[0].Req != cr.ID() {
		t.Fatalf("dial.slow: %+v", slow)
	}
	if a, _ := slow[0].Attr("phase"); a.Str != "dns" {
		t.Errorf("dial.slow phase %q", a.Str)
	}
	// StdGotConn for a request the probes do not follow does nothing.
	StdGotConn(nil, c1, true, time.Now(), &entry)
}

// h2Body stands for the std patch's HTTP/2 response body, which names its
// connection and stream.
type h2Body struct {
	io.Reader
	c      net.Conn
	stream uint32
	entry  *unsafe.Pointer // the ClientConn's word
}

func (b *h2Body) Close() error { return nil }
func (b *h2Body) GohttpdbgStream() (net.Conn, uint32, *unsafe.Pointer) {
	return b.c, b.stream, b.entry
}

// h2SizedBody is h2Body with the decoded size of the response's header,
// as the std patch's body has it: StdEnd's common path takes such a body;
// one without the size takes finishRare's.
type h2SizedBody struct {
	*h2Body
	hdr    int
	reqHdr int // the request's block as encoded (0: unknown)
}

func (b h2SizedBody) GohttpdbgHeaderSizes() (req, resp int) { return b.reqHdr, b.hdr }

// The journal's HTTP/2 request header size is the block as the stream
// encoded it on StdEnd's usual path (level 1) and on finishRare's (level
// 2) alike.
func TestStdClientH2RequestHeaderSize(t *testing.T) {
	for _, spec := range []string{"all=1", "all=2"} {
		t.Run(spec, func(t *testing.T) {
			useStdHooks(t, spec)
			c1, c2 := net.Pipe()
			defer c1.Close()
			defer c2.Close()
			var entry unsafe.Pointer
			req, _ := http.NewRequest("GET", "https://h2size.example.test/", nil)
			cr, _ := stdStart(t, &http.Transport{}, req, "h2.go:9")
			b := &h2Body{Reader: strings.NewReader(""), c: c1, stream: 1, entry: &entry}
			resp := &http.Response{StatusCode: 200, ProtoMajor: 2, Header: http.Header{}, Body: h2SizedBody{b, 40, 123}, Request: req}
			cr.Finish(resp, nil)
			if cr.jc.HeaderSize != 123 {
				t.Errorf("request header size %d, want 123 (the encoder's)", cr.jc.HeaderSize)
			}
			io.ReadAll(resp.Body)
			resp.Body.Close()
		})
	}
}

// A request to a host that answers over HTTP/2 is not left to the std
// GotConn hook (net/http's HTTP/2 path does not call getConn), and is
// still sent as the caller made it. Its response's stream counts it on
// its connection and host: stream 1 had the connection dialed (new),
// later streams reuse it; an HTTP/1 request counts once, by GotConn.
func TestStdClientHooksHTTP2Host(t *testing.T) {
	for _, sized := range []bool{true, false} {
		name := "common" // StdEnd's common path
		if !sized {
			name = "rare" // finishRare's
		}
		t.Run(name, func(t *testing.T) { testStdClientHooksHTTP2Host(t, sized) })
	}
}

func testStdClientHooksHTTP2Host(t *testing.T, sized bool) {
	sink := probetest.Record(t)
	useStdHooks(t, "all=1")

	// A header block of 95 bytes is over 90 % of this limit: header.limit.
	tr := &http.Transport{MaxResponseHeaderBytes: 100}
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	var entry unsafe.Pointer // the ClientConn's word for its entry
	do := func(proto int, stream uint32) (registered bool) {
		req, _ := http.NewRequest("GET", "https://h2.example.test/", nil)
		cr, st := stdStart(t, tr, req, "h2.go:5")
		if cr.Request() != req || httptrace.ContextClientTrace(cr.Request().Context()) != nil {
			t.Fatal("a level-1 request was copied or traced despite the std hooks")
		}
		registered = cr.std
		var body io.ReadCloser = http.NoBody
		if proto == 2 {
			b := &h2Body{Reader: strings.NewReader(""), c: c1, stream: stream, entry: &entry}
			body = b
			if sized {
				body = h2SizedBody{b, 95, 0}
			}
		} else if registered {
			StdGotConn(st, c1, stream != 1, time.Time{}, new(unsafe.Pointer))
		}
		resp := &http.Response{StatusCode: 200, ProtoMajor: proto, Header: http.Header{}, Body: body, Request: req}
		cr.Finish(resp, nil)
		if proto == 2 && (cr.jc.Stream != stream || cr.jc.StreamConn != probes.ConnID(c1) || cr.jc.StreamConn == 0) {
			t.Errorf("stream %d: the request names stream %d on connection %d, want connection %d", stream, cr.jc.Stream, cr.jc.StreamConn, probes.ConnID(c1))
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
		return registered
	}
	if !do(2, 1) {
		t.Error("the first request to the host was not registered")
	}
	if do(2, 3) {
		t.Error("a request to a host known to answer over HTTP/2 was registered")
	}
	do(2, 5)
	// Hosts lists both Transports' h2.example.test (no site names them
	// apart): their states are read directly.
	counts := func() (newConns, reused int64) {
		h := hostLookup(tr, "h2.example.test")
		return h.conns.Load(), h.reuses.Load()
	}
	if n, r := counts(); n != 1 || r != 2 {
		t.Errorf("after three HTTP/2 requests on one connection: new %d, reused %d; want 1, 2", n, r)
	}
	if n := probes.ConnFor(c1, "client").Requests(); n != 3 {
		t.Errorf("the HTTP/2 connection counts %d requests, want 3", n)
	}
	if (*probes.ConnEntry)(entry) != probes.ConnFor(c1, "client") {
		t.Error("the HTTP/2 connection does not keep its entry")
	}
	probes.Flush()
	// The size the body names is the one checked against the limit; the
	// size of an empty header map is not near it.
	if got, want := len(sink.Named("header.limit")), map[bool]int{true: 3, false: 0}[sized]; got != want {
		t.Errorf("header.limit events: %d, want %d", got, want)
	}

	// Over HTTP/1 (a Transport whose host is not known to speak HTTP/2),
	// GotConn alone counts the request.
	tr = &http.Transport{}
	do(1, 1)
	do(1, 3)
	if n, r := counts(); n != 1 || r != 1 {
		t.Errorf("after two HTTP/1 requests on one connection: new %d, reused %d; want 1, 1", n, r)
	}
}

// cloningRT stands for a RoundTripper in front of a Transport that clones
// each request (oauth2's does), which gives it a Header map of its own.
type cloningRT struct{ next http.RoundTripper }

func (c cloningRT) RoundTrip(r *http.Request) (*http.Response, error) {
	return c.next.RoundTrip(r.Clone(r.Context()))
}

// A request the probes start outside the patched roundTrip (Start, for a
// net/http without the capture hooks) never reaches the std hooks with
// its state, so it is traced as without them, even behind a RoundTripper
// that clones it.
func TestStdClientHooksOnlyFromRoundTrip(t *testing.T) {
	useStdHooks(t, "all=1")

	req, _ := http.NewRequest("GET", "http://rt.example.test/", nil)
	cr := Start(&http.Client{Transport: cloningRT{http.DefaultTransport}}, req, "rt.go:3")
	if cr.std || cr.Request() == req || httptrace.ContextClientTrace(cr.Request().Context()) == nil {
		t.Fatal("a request started outside roundTrip was left to the std hooks")
	}
	cr.Finish(nil, io.EOF)
}

// At level 2 with the std hooks, a request's trace leaves a dial's phases
// to StdDial, which finds the request in the dial's context (net/http
// derives it from the request's): the dial's events name that request,
// exactly as a trace of its own would.
func TestStdDialOwner(t *testing.T) {
	sink := probetest.Record(t)
	useStdHooks(t, "all=2")

	tr := &http.Transport{}
	req, _ := http.NewRequest("GET", "http://owner.example.test/", nil)
	cr := Start(&http.Client{Transport: tr}, req, "owner.go:9")
	own := httptrace.ContextClientTrace(cr.Request().Context())
	if own == nil || own.GotConn == nil || own.WroteHeaders == nil {
		t.Fatalf("level-2 request without its trace: %+v", own)
	}
	if own.DNSStart != nil || own.ConnectDone != nil || own.TLSHandshakeDone != nil {
		t.Fatal("the request's trace has dial-phase hooks, which StdDial provides")
	}

	// net/http dials with a context derived from the request's.
	dialCtx := context.WithoutCancel(cr.Request().Context())
	trace := httptrace.ContextClientTrace(StdDial(dialCtx, tr, "http", "owner.example.test:80"))
	if trace == nil || trace.ConnectDone == nil {
		t.Fatal("StdDial traced no phase of the owner's dial")
	}
	trace.ConnectStart("tcp", "127.0.0.1:80")
	trace.ConnectDone("tcp", "127.0.0.1:80", nil)
	cr.Finish(nil, io.EOF)
	probes.Flush()

	wantOneEventOf(t, sink, "dial.connect", "owner.go:9", cr.ID())

	// Without the std hooks the request traces its dials itself.
	stdClient.Store(false)
	req2, _ := http.NewRequest("GET", "http://owner.example.test/", nil)
	cr2 := Start(&http.Client{Transport: tr}, req2, "owner.go:12")
	if tr2 := httptrace.ContextClientTrace(cr2.Request().Context()); tr2 == nil || tr2.DNSStart == nil {
		t.Fatal("without the std hooks a level-2 request must trace its dials")
	}
	cr2.Finish(nil, io.EOF)
}

// At level 1 a request followed by the std hooks has no trace of its
// own: the patched getConn hands its dial's context to StdDialFor, and the
// dial's events name that request, not the latest one to the host.
func TestStdDialForOwnerAtLevel1(t *testing.T) {
	sink := probetest.Record(t)
	useStdHooks(t, "all=1,slow.connect=1ns")

	tr := &http.Transport{}
	newReq := func(site string) (*Request, unsafe.Pointer) {
		req, _ := http.NewRequest("GET", "http://dialfor.example.test/", nil)
		cr, st := stdStart(t, tr, req, site)
		if cr.Request() != req {
			t.Fatalf("%s: a level-1 request with the std hooks was copied", site)
		}
		return cr, st
	}
	dialer, dialerState := newReq("dialer.go:7")
	later, _ := newReq("later.go:9") // the latest request to the host

	dialCtx := StdDialFor(context.WithoutCancel(context.Background()), dialerState)
	trace := httptrace.ContextClientTrace(StdDial(dialCtx, tr, "http", "dialfor.example.test:80"))
	if trace == nil || trace.ConnectDone == nil {
		t.Fatal("StdDial traced no phase of the dial")
	}
	trace.ConnectStart("tcp", "127.0.0.1:80")
	time.Sleep(time.Millisecond)
	trace.ConnectDone("tcp", "127.0.0.1:80", nil)
	dialer.Finish(nil, io.EOF)
	later.Finish(nil, io.EOF)
	probes.Flush()

	wantOneEventOf(t, sink, "dial.slow", "dialer.go:7", dialer.ID())

	// A request the probes do not follow leaves the dial's context alone.
	if ctx := context.Background(); StdDialFor(ctx, nil) != ctx {
		t.Error("StdDialFor marked the dial of a request nobody follows")
	}
}

// wantOneEventOf checks that sink got one event called name, and that it
// names the request req made at site.
func wantOneEventOf(t *testing.T, sink *probetest.Recorder, name, site string, req uint64) {
	t.Helper()
	got := sink.Named(name)
	if len(got) != 1 {
		t.Fatalf("%d %s events, want 1", len(got), name)
	}
	if e := got[0]; e.Site != site || e.Req != req {
		t.Errorf("%s names site %q req %d, want the request of %s, req %d", name, e.Site, e.Req, site, req)
	}
}

// A rewritten call names its request's site through the patched
// net/http (UseSiteMarks), interned, and only while a probe is on;
// StdStart attributes the request to it, and keeps it for the response
// body's origin.
func TestMarkSite(t *testing.T) {
	marks := map[*http.Request]unsafe.Pointer{}
	old := siteMarks
	t.Cleanup(func() { siteMarks = old })
	UseSiteMarks(func(r *http.Request, p unsafe.Pointer) bool {
		if marks[r] != nil {
			return false
		}
		marks[r] = p
		return true
	}, func(r *http.Request) { delete(marks, r) })

	useStdHooks(t, "all=0")
	req, _ := http.NewRequest("GET", "http://mark.example.test/", nil)
	if MarkSite(req, "mark.go:1") || len(marks) != 0 {
		t.Fatal("marked with every probe off")
	}
	useStdHooks(t, "all=1")
	if !MarkSite(req, "mark.go:1") {
		t.Fatal("not marked")
	}
	if p := (*probes.CallSite)(marks[req]); p != probes.InternSite("mark.go:1", "") {
		t.Fatalf("mark %v: not the interned site", p)
	}
	if MarkSite(req, "other.go:2") {
		t.Error("a marked request was marked again")
	}
	_, st := StdStart(&http.Transport{}, req, marks[req])
	cr := (*Request)(st)
	if cr == nil || cr.body.Site != "mark.go:1" || cr.site != probes.InternSite("mark.go:1", "") {
		t.Fatalf("StdStart: %+v", cr)
	}
	StdEnd(st, nil, errors.New("done"))
	UnmarkSite(req)
	if len(marks) != 0 {
		t.Error("UnmarkSite left the mark")
	}
}

// A request handed a kept idle connection at once (getConn never called
// StdDialFor for it) is timed from its start: no clock reading, blocked
// 0; its idle time is worked out when an event reports it. One that
// getConn queued for a dial (StdDialFor) may have waited: the time it got
// its connection is read then. Until net/http has called StdDialFor once,
// it may not have the hook, and every request reads the clock.
func TestStdGotConnIdleOrWaited(t *testing.T) {
	useStdHooks(t, "all=1")
	old := dialForSeen.Load()
	t.Cleanup(func() { dialForSeen.Store(old) })
	tr := &http.Transport{}
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	var entry unsafe.Pointer
	idleAt := time.Now().Add(-time.Second)

	got := func(site string, waited bool) (*Request, int64) {
		req, _ := http.NewRequest("GET", "http://idle.example.test/", nil)
		cr, st := stdStart(t, tr, req, site)
		if waited {
			StdDialFor(context.Background(), st)
		}
		time.Sleep(2 * time.Millisecond) // the wait, or a slow getConn
		StdGotConn(st, c1, true, idleAt, &entry)
		return cr, cr.jc.At - cr.start
	}

	dialForSeen.Store(false)
	if _, d := got("idle.go:1", false); d < int64(2*time.Millisecond) {
		t.Errorf("without the DialFor hook seen, the connection's time is %v after the start, want the clock's", time.Duration(d))
	}
	dialForSeen.Store(true)
	cr, d := got("idle.go:2", false)
	if d != 0 {
		t.Errorf("a request handed an idle connection at once got it %v after its start, want 0", time.Duration(d))
	}
	if !cr.reused || !cr.wasIdle || cr.connID() != probes.ConnID(c1) {
		t.Errorf("reused %v, was idle %v, conn %d (want %d)", cr.reused, cr.wasIdle, cr.connID(), probes.ConnID(c1))
	}
	var jc probes.ClientConn
	cr.journalConn(&jc)
	if !jc.Seen || !jc.Reused || jc.At != cr.start || jc.Entry.ID() != probes.ConnID(c1) {
		t.Errorf("the journal gets %+v, want the connection got at the start (%d)", jc, cr.start)
	}
	// dial.error's idle time, from the idle time to the start.
	sink := probetest.Record(t)
	cr.failed(io.EOF)
	probes.Flush()
	if e := sink.Named("dial.error"); len(e) != 1 {
		t.Fatalf("dial.error: %+v", e)
	} else if a, _ := e[0].Attr("idle_time"); time.Duration(a.Num) < time.Second || time.Duration(a.Num) > time.Minute {
		t.Errorf("idle_time %v, want the second it had been idle", time.Duration(a.Num))
	}
	if _, d := got("idle.go:3", true); d < int64(2*time.Millisecond) {
		t.Errorf("a request that waited for its connection got it %v after its start, want the clock's", time.Duration(d))
	}
}

// StdStart keeps the latest request's site on its host, compared by its
// interned mark, for a dial no request owns (StdDial): the dial is
// attributed to the request that came last, whichever site it came from,
// and a request's host is told apart by name even when the latest
// request's host name has the same length.
func TestStdStartLatestSite(t *testing.T) {
	sink := probetest.Record(t)
	useStdHooks(t, "all=1,slow.dns=1ns")
	tr := &http.Transport{}
	dialFor := func(addr string) string {
		t.Helper()
		ctx := StdDial(context.Background(), tr, "http", addr)
		trace := httptrace.ContextClientTrace(ctx)
		if trace == nil || trace.DNSStart == nil {
			t.Fatal("StdDial installed no dial trace")
		}
		trace.DNSStart(httptrace.DNSStartInfo{Host: addr})
		time.Sleep(time.Millisecond)
		trace.DNSDone(httptrace.DNSDoneInfo{})
		probes.Flush()
		slow := sink.Named("dial.slow")
		if len(slow) == 0 {
			t.Fatal("no dial.slow")
		}
		return slow[len(slow)-1].Site
	}
	send := func(url, site string) {
		req, _ := http.NewRequest("GET", url, nil)
		cr, _ := stdStart(t, tr, req, site)
		cr.Finish(nil, errors.New("not sent"))
	}
	for _, site := range []string{"latest.go:1", "latest.go:2", "latest.go:1"} {
		send("http://aa.example.test/", site)
		if got := dialFor("aa.example.test:80"); got != site {
			t.Errorf("a dial after a request at %s is attributed to %s", site, got)
		}
	}
	// A host of the same length is another host: its latest site is its
	// own.
	send("http://bb.example.test/", "latest.go:3")
	if got := dialFor("aa.example.test:80"); got != "latest.go:1" {
		t.Errorf("a dial to aa after a request to bb at latest.go:3 is attributed to %s", got)
	}
	if got := dialFor("bb.example.test:80"); got != "latest.go:3" {
		t.Errorf("a dial to bb is attributed to %s", got)
	}
}

// An HTTP/2 stream collects its header fields in its own state: the
// request's first stream in the level-2 state's buffer, a retry's stream
// or one after an HTTP/1 attempt that collected fields in a new one.
func TestNewH2StreamFields(t *testing.T) {
	h := &stdTimesHdr{}
	h.t.headers, h.t.hdr = true, h.buf[:0]
	cr := &Request{lvl2h: h, lvl2: &h.t}
	s := cr.newH2Stream()
	if s != &h.h2 || s.cr != cr || cap(s.hdr) == 0 || &s.hdr[:1][0] != &h.buf[0] || h.t.hdr != nil {
		t.Fatalf("first stream: %p (want %p), fields %d, request's %v", s, &h.h2, cap(s.hdr), h.t.hdr)
	}
	retry := cr.newH2Stream()
	if retry == s || retry.cr != cr || cap(retry.hdr) == 0 || &retry.hdr[:1][0] == &h.buf[0] {
		t.Fatalf("retry's stream: %p, fields %d", retry, cap(retry.hdr))
	}

	h = &stdTimesHdr{}
	h.t.headers, h.t.hdr = true, append(h.buf[:0], "host", "example.com")
	cr = &Request{lvl2h: h, lvl2: &h.t}
	s = cr.newH2Stream()
	if cap(s.hdr) == 0 || &s.hdr[:1][0] == &h.buf[0] || len(h.t.hdr) != 2 {
		t.Fatalf("after an HTTP/1 attempt: fields %d, request's %v", cap(s.hdr), h.t.hdr)
	}

	h = &stdTimesHdr{} // header level 1
	cr = &Request{lvl2h: h, lvl2: &h.t}
	if s = cr.newH2Stream(); s.hdr != nil {
		t.Fatalf("header level 1: fields %v", s.hdr)
	}
}

// At level 2, a request handed a kept idle connection at once
// (gotReusedLevel2) reports dial.conn as one that read the clock in
// gotConnAt: the same attributes, in order, its idle time from the
// connection's turn to idle and its wait from the ask.
func TestStdGotConnLevel2Reused(t *testing.T) {
	useStdHooks(t, "all=2")
	oldEvents, oldSeen := stdEvents.Load(), dialForSeen.Load()
	UseStdEvents()
	t.Cleanup(func() { stdEvents.Store(oldEvents); dialForSeen.Store(oldSeen) })
	sink := probetest.Record(t)
	tr := &http.Transport{}
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	var entry unsafe.Pointer
	idleAt := time.Now().Add(-time.Second)
	var got [2]string
	for i, seen := range []bool{false, true} {
		dialForSeen.Store(seen)
		req, _ := http.NewRequest("GET", "http://idle.example.test/", nil)
		cr, st := stdStart(t, tr, req, "idle.go:1")
		if cr.lvl2 == nil {
			t.Fatal("no level-2 state")
		}
		StdGetConn(st)
		StdGotConn(st, c1, true, idleAt, &entry)
		probes.Flush()
		ev := sink.Named("dial.conn")
		if len(ev) != i+1 {
			t.Fatalf("%d dial.conn events, want %d", len(ev), i+1)
		}
		e := ev[i]
		var keys []string
		for j := 0; j < e.NumAttrs(); j++ {
			keys = append(keys, e.AttrAt(j).Key.String())
		}
		got[i] = fmt.Sprint(e.Name, e.Msg, e.Conn, keys)
		if a, _ := e.Attr("idle_time"); time.Duration(a.Num) < time.Second {
			t.Errorf("dialForSeen %v: idle_time %v, want the second it had been idle", seen, time.Duration(a.Num))
		}
		if a, _ := e.Attr("reused"); a.Num != 1 {
			t.Errorf("dialForSeen %v: reused %+v", seen, a)
		}
		if !cr.reused || !cr.wasIdle || cr.idleTime < time.Second || cr.jc.At == 0 || cr.connID() != probes.ConnID(c1) {
			t.Errorf("dialForSeen %v: reused %v, was idle %v for %v, at %d, conn %d", seen, cr.reused, cr.wasIdle, cr.idleTime, cr.jc.At, cr.connID())
		}
	}
	if got[0] != got[1] {
		t.Errorf("dial.conn at once: %s; want as gotConnAt's: %s", got[1], got[0])
	}
}

// TestTakeHdrAt: the write of a request without a body takes
// header.request's reading as its own, once; one with a body reads its
// own (0).
func TestTakeHdrAt(t *testing.T) {
	get, _ := http.NewRequest("GET", "http://example.com/", nil)
	noBody, _ := http.NewRequest("GET", "http://example.com/", http.NoBody)
	post, _ := http.NewRequest("POST", "http://example.com/", strings.NewReader("x"))
	unknown, _ := http.NewRequest("POST", "http://example.com/", io.NopCloser(strings.NewReader("")))
	for _, c := range []struct {
		req  *http.Request
		want int64
	}{{get, 7}, {noBody, 7}, {post, 0}, {unknown, 0}} {
		st := stdTimes{hdrAt: 7}
		if got := st.takeHdrAt(c.req); got != c.want || st.hdrAt != 0 {
			t.Errorf("%s %v: takeHdrAt = %d (hdrAt left %d), want %d", c.req.Method, c.req.Body, got, st.hdrAt, c.want)
		}
		if got := st.takeHdrAt(c.req); got != 0 {
			t.Errorf("%s: second takeHdrAt = %d, want 0", c.req.Method, got)
		}
	}
}
