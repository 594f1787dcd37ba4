package body

import (
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/probetest"
)

// owner records what a body tells its client request, from whichever
// goroutine (a leaked body's, the finalizers').
type owner struct {
	ended, released atomic.Int32
	handedBack      atomic.Int32 // BodyReleased calls
	n               atomic.Int64
	lost            atomic.Pointer[[]string]
}

func (o *owner) BodyEnded(now, n int64, released bool) {
	o.ended.Add(1)
	o.n.Store(n)
	if released {
		o.released.Add(1)
	}
}

func (o *owner) ConnReleased(int64) { o.released.Add(1) }

func (o *owner) BodyReleased() { o.handedBack.Add(1) }

func (o *owner) ConnLost(reason string) {
	for {
		old := o.lost.Load()
		var l []string
		if old != nil {
			l = append(l, *old...)
		}
		l = append(l, reason)
		if o.lost.CompareAndSwap(old, &l) {
			return
		}
	}
}

func (o *owner) snapshot() (ended int, n int64, released int, lost []string) {
	if l := o.lost.Load(); l != nil {
		lost = *l
	}
	return int(o.ended.Load()), o.n.Load(), int(o.released.Load()), lost
}

func response(body string, length int64) *http.Response {
	return &http.Response{StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ContentLength: length,
		Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
}

func origin(site string, req uint64) *Origin {
	u, _ := url.Parse("http://body.test/x?token=s3cret")
	return &Origin{Site: site, Req: req, Method: "GET", URL: u}
}

// A response body read to EOF and closed ends its request once, gives
// its HTTP/1 connection back to the pool, and leaves the inventory.
func TestResponseBodyReadAndClosed(t *testing.T) {
	probetest.Configure(t, "all=1")
	resp := response("hello", 5)
	o, st := &owner{}, &State{}
	if !WrapResponse(resp, st, origin("read.go:1", 9101), o, nil, nil, probes.Mono(), nil) {
		t.Fatal("a body was not wrapped")
	}
	if !inventory(9101) {
		t.Fatal("an open body is not in the inventory")
	}
	if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "hello" {
		t.Fatalf("read %q, %v", b, err)
	}
	resp.Body.Close()
	ended, n, released, lost := o.snapshot()
	if ended != 1 || n != 5 || released != 1 || len(lost) != 0 {
		t.Errorf("owner told: ended %d (n %d), released %d, lost %q; want 1 (5), 1, none", ended, n, released, lost)
	}
	if inventory(9101) {
		t.Error("a closed body is still in the inventory")
	}
}

// At body level 2 a response body's open and close are events (built in
// their ring slot, probes.Reserve): the request's site, via, ids and
// redacted URL, the length and protocol it opened with, the bytes read,
// EOF and how long it was open when it closed, stamped with the time of
// each.
func TestResponseBodyOpenCloseEvents(t *testing.T) {
	rec := probetest.Record(t)
	probetest.Configure(t, "all=2")
	o := origin("events.go:7", 9106)
	o.Via, o.Conn = "lib.Get", 77
	resp := response("hello", 5)
	// The probes' clock (probes.Now), which stamps events: the wall
	// clock's time.Now can read a few nanoseconds ahead of it, and the
	// open is stamped with the reading WrapResponse is given.
	before := probes.Now()
	if !WrapResponse(resp, &State{}, o, &owner{}, nil, nil, probes.Mono(), nil) {
		t.Fatal("a body was not wrapped")
	}
	if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "hello" {
		t.Fatalf("read %q, %v", b, err)
	}
	resp.Body.Close()
	after := probes.Now()
	attrs := func(e probes.Event) string {
		var b strings.Builder
		for i := 0; i < e.NumAttrs(); i++ {
			a := e.AttrAt(i)
			switch a.Kind {
			case probes.KindString:
				b.WriteString(a.Key.String() + "=" + a.Str + " ")
			case probes.KindDuration:
				b.WriteString(a.Key.String() + "=dur ")
			default:
				b.WriteString(a.Key.String() + "=" + strconv.FormatInt(a.Num, 10) + " ")
			}
		}
		return b.String()
	}
	for _, want := range []struct{ name, msg, attrs string }{
		{"body.open", "response body opened", "via=lib.Get length=5 proto=HTTP/1.1 url=GET http://body.test/x?token=[REDACTED] "},
		{"body.close", "response body closed", "via=lib.Get bytes=5 eof=1 dur=dur "},
	} {
		got := rec.Named(want.name)
		if len(got) != 1 {
			t.Fatalf("%s: %d events, want 1", want.name, len(got))
		}
		e := got[0]
		if e.Probe != probes.Body || e.Sev != probes.Info || e.Msg != want.msg || e.Site != "events.go:7" ||
			e.Req != 9106 || e.Conn != 77 || e.Time < before || e.Time > after {
			t.Errorf("%s: %+v", want.name, e)
		}
		if a := attrs(e); a != want.attrs {
			t.Errorf("%s attributes:\n got %s\nwant %s", want.name, a, want.attrs)
		}
	}
	if d, _ := rec.Named("body.close")[0].Attr("dur"); d.Num < 0 || d.Num > after-before {
		t.Errorf("body.close dur %d, want within the %d ns the body was open", d.Num, after-before)
	}
}

// A body without one to watch (NoBody) is not wrapped: the request ends
// where its caller ends it.
func TestResponseWithoutBodyNotWrapped(t *testing.T) {
	probetest.Configure(t, "all=1")
	resp := response("", 0)
	resp.Body = http.NoBody
	if WrapResponse(resp, &State{}, origin("none.go:1", 9102), &owner{}, nil, nil, probes.Mono(), nil) || resp.Body != http.NoBody {
		t.Fatal("NoBody was wrapped")
	}
}

// A response body dropped without Close is reported when the collector
// finds it (body.leak, at its request's site, its URL redacted), for
// both wrapper shapes (the finalizer on the wrapper, or on a sentinel for
// a body of unknown length); its request ends and its connection is
// counted lost.
func TestResponseBodyLeak(t *testing.T) {
	for _, tc := range bodyLengths {
		t.Run(tc.name, func(t *testing.T) {
			rec := probetest.Record(t)
			probetest.Configure(t, "all=1")
			site := "leak.go:" + tc.name
			o := &owner{}
			func() {
				resp := response("hello", tc.length)
				WrapResponse(resp, &State{}, origin(site, 9103), o, nil, nil, probes.Mono(), nil)
			}()
			leak := awaitLeaks(rec, site)
			if len(leak) != 1 || leak[0].Sev != probes.Warn {
				t.Fatalf("body.leak events at %s: %+v", site, leak)
			}
			if u, _ := leak[0].Attr("url"); strings.Contains(u.Str, "s3cret") || !strings.Contains(u.Str, "body.test/x") {
				t.Errorf("body.leak url %q: want the request's, redacted", u.Str)
			}
			ended, _, released, lost := o.snapshot()
			if ended != 1 || released != 0 || len(lost) != 1 || !strings.Contains(lost[0], site) {
				t.Errorf("owner told: ended %d, released %d, lost %q; want 1, 0, one naming %s", ended, released, lost, site)
			}
		})
	}
}

// bodyLengths are the two kinds of body the tests wrap: of a known length
// and of an unknown one (-1), which the wrapper follows differently.
var bodyLengths = []struct {
	name   string
	length int64
}{{"known length", 5}, {"unknown length", -1}}

// awaitLeaks collects garbage until a body.leak at site is reported (a
// finalizer runs some time after the collection that finds its object),
// for a second at the most, and returns those reported.
func awaitLeaks(rec *probetest.Recorder, site string) []probes.Event {
	var leak []probes.Event
	for i := 0; i < 100 && len(leak) == 0; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
		leak = leaks(rec, site)
	}
	return leak
}

func leaks(rec *probetest.Recorder, site string) []probes.Event {
	var out []probes.Event
	for _, e := range rec.Named("body.leak") {
		if e.Site == site {
			out = append(out, e)
		}
	}
	return out
}

// A server request body is watched until its handler returns: Finish
// says whether the handler left it unread (short of its length, or of
// unknown length with nothing read), and EmitUnread reports it.
func TestRequestBodyUnread(t *testing.T) {
	for _, tc := range []struct {
		name   string
		length int64
		read   int
		unread bool
	}{
		{"read to its length", 5, 5, false},
		{"partly read", 5, 2, true},
		{"not read", 5, 0, true},
		{"unknown length, not read", -1, 0, true},
		{"unknown length, partly read", -1, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := probetest.Record(t)
			probetest.Configure(t, "all=1")
			r, _ := http.NewRequest("POST", "http://body.test/in", strings.NewReader("hello"))
			r.ContentLength = tc.length
			st := WrapRequest(r, &Origin{Site: "handler.go:3", Req: 9104}, false, probes.Mono())
			if st == nil {
				t.Fatal("a request body was not wrapped")
			}
			if tc.read > 0 {
				if _, err := io.ReadFull(r.Body, make([]byte, tc.read)); err != nil {
					t.Fatal(err)
				}
			}
			n, unread := st.Finish()
			if n != int64(tc.read) || unread != tc.unread {
				t.Fatalf("Finish = %d, %v; want %d, %v", n, unread, tc.read, tc.unread)
			}
			if inventory(9104) {
				t.Error("a finished request body is still in the inventory")
			}
			if unread {
				st.EmitUnread(n)
				if got := rec.Named("body.unread"); len(got) != 1 || got[0].Site != "handler.go:3" || got[0].Req != 9104 {
					t.Errorf("body.unread events: %+v", got)
				}
			}
		})
	}
}

// TestRequestBodyReadToEOF: a server request body read to its end, in
// several Reads as a JSON decoder makes them, is counted and marked at
// EOF without an owner or a gc flight to tell; it is listed from its
// request's start, and done once its handler returns.
func TestRequestBodyReadToEOF(t *testing.T) {
	probetest.Configure(t, "all=1")
	const body = `{"user":"u-4711","items":["alpha","beta"]}`
	r, _ := http.NewRequest("POST", "http://body.test/api", strings.NewReader(body))
	start := probes.Mono() - int64(time.Second)
	st := WrapRequest(r, &Origin{Site: "handler.go:7", Req: 9105}, false, start)
	if st == nil {
		t.Fatal("a request body was not wrapped")
	}
	var listed Info
	for _, b := range Open() {
		if b.Req == 9105 {
			listed = b
		}
	}
	if listed.Req == 0 {
		t.Fatal("an open request body is not in the inventory")
	}
	if want := probes.WallAt(start); !listed.Opened.Equal(want) || listed.Age < time.Second {
		t.Errorf("listed opened %v, age %v; want %v (its request's start), at least 1s", listed.Opened, listed.Age, want)
	}
	p := make([]byte, 8)
	var n int64
	for i := 0; i < 100; i++ {
		k, err := r.Body.Read(p)
		n += int64(k)
		if st.EOF() != (err == io.EOF) {
			t.Fatalf("after a Read returning %v, EOF() = %v", err, st.EOF())
		}
		if err != nil {
			break
		}
	}
	if n != int64(len(body)) || st.Bytes() != n {
		t.Fatalf("read %d bytes, state counts %d; want %d", n, st.Bytes(), len(body))
	}
	if _, err := r.Body.Read(p); err != io.EOF || !st.EOF() {
		t.Fatalf("a Read after EOF returned %v, EOF() = %v", err, st.EOF())
	}
	if got, unread := st.Finish(); got != n || unread {
		t.Errorf("Finish = %d, %v; want %d, false", got, unread, n)
	}
	if inventory(9105) {
		t.Error("a finished request body is still in the inventory")
	}
}

// inventory reports whether request req has a body in the inventory.
func inventory(req uint64) bool {
	for _, b := range Open() {
		if b.Req == req {
			return true
		}
	}
	return false
}

// stdFake stands for a net/http body the std patch lets the probes follow
// (GohttpdbgSetState): it reports its reads and Close, and keeps what it
// is given until its first Close, as the patched bodies do.
type stdFake struct {
	r           io.Reader
	state, keep unsafe.Pointer
}

func (b *stdFake) GohttpdbgSetState(state, keep unsafe.Pointer) { b.state, b.keep = state, keep }

func (b *stdFake) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if b.state != nil {
		StdRead(b.state, p[:n], err)
	}
	return n, err
}

func (b *stdFake) Close() error {
	if b.state != nil {
		keep := b.keep
		b.keep = nil
		StdClose(b.state, keep, false)
	}
	return nil
}

// A body the std patch follows is not wrapped: it is handed the body's
// state and a sentinel that carries the leak finalizer, to keep until its
// first Close, which hands it back for reuse; its reports count as a
// wrapper's reads and Close do: bytes, EOF, one end, a read after Close.
func TestStdBodyFollowed(t *testing.T) {
	for _, tc := range bodyLengths {
		t.Run(tc.name, func(t *testing.T) {
			rec := probetest.Record(t)
			probetest.Configure(t, "all=1")
			resp := response("", tc.length)
			fake := &stdFake{r: strings.NewReader("hello")}
			resp.Body = fake
			o, st := &owner{}, &State{}
			if !WrapResponse(resp, st, origin("std.go:1", 9105), o, nil, nil, probes.Mono(), nil) || resp.Body != fake {
				t.Fatalf("body %T: want the std body itself, followed", resp.Body)
			}
			sentinel := (*leakSentinel)(fake.keep)
			if (*State)(fake.state) != st || sentinel == nil || sentinel.st != st {
				t.Fatalf("state %p, keep %p; want the body's state %p and a sentinel pointing at it", fake.state, fake.keep, st)
			}
			if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "hello" {
				t.Fatalf("read %q, %v", b, err)
			}
			resp.Body.Close()
			resp.Body.Close()
			resp.Body.Read(make([]byte, 1))
			if sentinel.st != nil {
				t.Error("a closed body's sentinel still points at its state: it is not reused")
			}
			ended, n, released, lost := o.snapshot()
			if ended != 1 || n != 5 || released != 1 || len(lost) != 0 {
				t.Errorf("owner told: ended %d (n %d), released %d, lost %q; want 1 (5), 1, none", ended, n, released, lost)
			}
			if inventory(9105) {
				t.Error("a closed body is still in the inventory")
			}
			if got := rec.Named("body.read_after_close"); len(got) != 1 || got[0].Site != "std.go:1" {
				t.Errorf("body.read_after_close events: %+v", got)
			}
		})
	}
}

// A body the std patch follows, dropped without Close, is reported when the
// collector finds it, by its sentinel's finalizer; a pooled sentinel the
// pool drops reports nothing.
func TestStdBodyLeak(t *testing.T) {
	for _, tc := range bodyLengths {
		t.Run(tc.name, func(t *testing.T) {
			rec := probetest.Record(t)
			probetest.Configure(t, "all=1")
			site := "stdleak.go:" + tc.name
			o := &owner{}
			func() {
				resp := response("", tc.length)
				resp.Body = &stdFake{r: strings.NewReader("hello")}
				WrapResponse(resp, &State{}, origin(site, 9106), o, nil, nil, probes.Mono(), nil)
			}()
			leak := awaitLeaks(rec, site)
			if len(leak) != 1 {
				t.Fatalf("body.leak events at %s: %+v", site, leak)
			}
			if ended, _, _, lost := o.snapshot(); ended != 1 || len(lost) != 1 {
				t.Errorf("owner told: ended %d, lost %q; want 1, one", ended, lost)
			}
		})
	}
	// Closed bodies' sentinels, back in the pool, are dropped by it after
	// two collections: their finalizers report nothing.
	rec := probetest.Record(t)
	probetest.Configure(t, "all=1")
	for i := 0; i < 4; i++ {
		resp := response("", -1)
		resp.Body = &stdFake{r: strings.NewReader("hello")}
		o := &owner{}
		WrapResponse(resp, &State{}, origin("pooled.go:1", 9107), o, nil, nil, probes.Mono(), nil)
		resp.Body.Close()
	}
	for i := 0; i < 5; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if got := rec.Named("body.leak"); len(got) != 0 {
		t.Errorf("body.leak from pooled sentinels: %+v", got)
	}
}

// originFake stands for a net/http body the std patch follows with an
// origin (GohttpdbgSetOrigin): the probes get their state back once the
// body is closed and no call holds it, from its Close (last) when no Read
// overlaps it, else from the last Read's end (StdReleased).
type originFake struct{ stdFake }

func (b *originFake) GohttpdbgFollow(state, keep, origin unsafe.Pointer, req, conn uint64) {
	b.state, b.keep = state, keep
}

// The state of a body followed with an origin goes back to its owner
// exactly once: with the Close that held it last, or after it.
func TestStdBodyHandedBack(t *testing.T) {
	for _, last := range []bool{true, false} {
		t.Run(strconv.FormatBool(last), func(t *testing.T) {
			probetest.Configure(t, "all=1")
			resp := response("", 5)
			fake := &originFake{stdFake{r: strings.NewReader("hello")}}
			resp.Body = fake
			o, st := &owner{}, &State{}
			if !WrapResponse(resp, st, &st.Origin, o, nil, nil, probes.Mono(), probes.InternSite("back.go:1", "")) || !st.Released() {
				t.Fatal("the body was not followed with an origin")
			}
			io.ReadAll(resp.Body)
			StdClose(fake.state, fake.keep, last)
			if got, want := o.handedBack.Load(), map[bool]int32{true: 1, false: 0}[last]; got != want {
				t.Fatalf("after Close (last %v): handed back %d times, want %d", last, got, want)
			}
			if !last {
				StdReleased(fake.state) // the Read that held it ends
			}
			if got := o.handedBack.Load(); got != 1 {
				t.Errorf("handed back %d times, want 1", got)
			}
			if st.Spare() == nil {
				t.Error("the closed body's sentinel was not kept for the state's next body")
			}
			if ended, n, _, _ := o.snapshot(); ended != 1 || n != 5 {
				t.Errorf("owner told: ended %d (n %d); want 1 (5)", ended, n)
			}
		})
	}
}

// A body whose owner has a Pool (the client's host) ends its request at
// EOF itself: the request leaves the pool's count in flight and its
// connection joins the idle ones, without the owner's BodyEnded; a full
// pool tells the owner the connection was lost; an owner with more to do
// at the end (SetOwnerEnds) gets BodyEnded, and the pool is its to
// update.
func TestStdBodyPoolEnd(t *testing.T) {
	for _, tc := range []struct {
		name              string
		maxIdle, idle     int32
		ownerEnds         bool
		wantIdle, wantAct int32
		wantEnded         int
		wantLost          int
	}{
		{"released", 2, 0, false, 1, 0, 0, 0},
		{"full", 1, 1, false, 1, 0, 0, 1},
		{"owner ends", 2, 0, true, 0, 1, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			probetest.Configure(t, "all=1")
			p := &Pool{MaxIdle: tc.maxIdle, KeepAlive: true, PoolFull: "full"}
			p.Active.Store(1)
			p.Idle.Store(tc.idle)
			resp := response("", 5)
			fake := &originFake{stdFake{r: strings.NewReader("hello")}}
			resp.Body = fake
			o, st := &owner{}, &State{}
			if tc.ownerEnds {
				st.SetOwnerEnds()
			}
			if !WrapResponse(resp, st, &st.Origin, o, p, nil, probes.Mono(), probes.InternSite("pool.go:1", "")) {
				t.Fatal("the body was not followed")
			}
			io.ReadAll(resp.Body)
			if got := p.Idle.Load(); got != tc.wantIdle {
				t.Errorf("idle %d, want %d", got, tc.wantIdle)
			}
			if got := p.Active.Load(); got != tc.wantAct {
				t.Errorf("in flight %d, want %d", got, tc.wantAct)
			}
			ended, _, released, lost := o.snapshot()
			if ended != tc.wantEnded || len(lost) != tc.wantLost {
				t.Errorf("owner told: ended %d (released %d), lost %q; want %d, %d lost", ended, released, lost, tc.wantEnded, tc.wantLost)
			}
			StdClose(fake.state, fake.keep, true)
			if ended2, _, _, _ := o.snapshot(); ended2 != ended {
				t.Errorf("Close after EOF ended the request again (%d)", ended2)
			}
		})
	}
}
