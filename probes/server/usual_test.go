package server

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/body"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/probetest"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/table"
)

// stdH2Writer stands for an HTTP/2 server's writer as the std patch leaves
// it: net/http's answer hooks (stdWriter's), and the connection's slot and
// the stream it names.
type stdH2Writer struct {
	*stdWriter
	slot   *unsafe.Pointer
	stream uint32
}

func (w *stdH2Writer) GohttpdbgConn() unsafe.Pointer { return *w.slot }
func (w *stdH2Writer) GohttpdbgStreamID() uint32     { return w.stream }
func (w *stdH2Writer) GohttpdbgRequest() (unsafe.Pointer, uint32, int) {
	return *w.slot, w.stream, 0
}

// exchangeByID returns the journal's record of request id.
func exchangeByID(t *testing.T, id uint64) probes.Exchange {
	t.Helper()
	xs, _ := probes.Exchanges(probes.ExchangeFilter{ID: id})
	if len(xs) != 1 {
		t.Fatalf("exchanges of request %d: %+v; want one", id, xs)
	}
	return xs[0]
}

// A usual HTTP/1 request StdServe hands over (startUsual's): the handler
// gets net/http's writer itself; the exchange names the server's site,
// the connection, the status and the body bytes, and starts at the
// connection's turn to active; an inner registration names it through
// the writer; the connection's state is reused by its next request, and
// nothing is allocated.
func TestStdServeUsualHTTP1(t *testing.T) {
	s, c1 := pipeServer(t, "all=1", "srv.go:50")
	var slot unsafe.Pointer
	StdConnState(s, &slot, s.ConnState, c1, http.StateNew)
	StdConnState(s, &slot, s.ConnState, c1, http.StateActive) // the TLS state, once
	StdConnState(s, &slot, s.ConnState, c1, http.StateIdle)
	sc := (*srvConn)(slot)
	var got http.ResponseWriter
	hello := []byte("hello") // the fake writer's WriteString would allocate
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = w
		w.WriteHeader(http.StatusCreated)
		w.Write(hello)
	})
	w := newStdWriter()
	r := httptest.NewRequest("GET", "/usual", nil)
	StdConnState(s, &slot, s.ConnState, c1, http.StateActive)
	turn := sc.startAt
	id := probes.NextReqID() + 1
	StdServe(s, h, w, r, w, slot) // as the patched server calls it
	StdConnState(s, &slot, s.ConnState, c1, http.StateIdle)
	if got != w {
		t.Errorf("the handler got %T, want net/http's writer itself", got)
	}
	x := exchangeByID(t, id)
	if x.Side != "server" || x.Site != "srv.go:50" || x.Conn != sc.ce.ID() || x.Conn == 0 || x.Status != 201 || x.ResponseBodySize != 5 {
		t.Errorf("exchange %+v; want the server's, srv.go:50, on connection %d, 201 with 5 bytes", x, sc.ce.ID())
	}
	if turn == 0 || !x.Start.Equal(probes.WallAt(turn)) {
		t.Errorf("the request started %v; want its turn to active, %v", x.Start, probes.WallAt(turn))
	}
	if w.state != nil || following.Has(table.HeaderKey(r.Header)) {
		t.Error("the request is still followed after it was served")
	}
	kept := sc.req
	if kept == nil {
		t.Fatal("the request's state did not go back to its connection")
	}

	// The next request takes the connection's state, and an inner
	// registration names it.
	var inner *serverRequest
	named := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner = stateOf(w.(follower).GohttpdbgFollower())
		ServeHTTP(h, "reg.go:51", w, r)
	})
	w = newStdWriter()
	id = probes.NextReqID() + 1
	StdConnState(s, &slot, s.ConnState, c1, http.StateActive)
	StdServe(s, named, w, httptest.NewRequest("GET", "/usual", nil), w, slot)
	StdConnState(s, &slot, s.ConnState, c1, http.StateIdle)
	if inner != kept {
		t.Errorf("the second request followed with %p; want the connection's state %p", inner, kept)
	}
	if x := exchangeByID(t, id); x.Site != "reg.go:51" {
		t.Errorf("exchange named %q; want the inner registration's, reg.go:51", x.Site)
	}

	// The path these requests took.
	if sr := startUsual(s, newStdWriter(), httptest.NewRequest("GET", "/usual", nil), nil, sc); sr == nil {
		t.Error("startUsual declined a usual HTTP/1 request")
	} else {
		sr.end()
	}

	serve := func() {
		*w = stdWriter{ResponseRecorder: w.ResponseRecorder}
		w.Body.Reset()
		StdConnState(s, &slot, s.ConnState, c1, http.StateActive)
		StdServe(s, h, w, r, w, slot)
		StdConnState(s, &slot, s.ConnState, c1, http.StateIdle)
	}
	for i := 0; i < 2*probes.DefaultJournalSize; i++ {
		serve()
	}
	if n := testing.AllocsPerRun(200, serve); n != 0 {
		t.Errorf("%v allocations per request, want 0", n)
	}
	StdConnState(s, &slot, s.ConnState, c1, http.StateClosed) // see TestStdServeInnerWrappers
}

// A usual HTTP/2 request (startUsual's): the exchange names the
// connection from the slot StdH2ConnState keeps and the stream the writer
// names, the connection counts it, and its state goes to the connection's
// reuse slot, which the next stream takes, not to the HTTP/1 state; no
// allocation.
func TestStdServeUsualHTTP2(t *testing.T) {
	s, c1 := pipeServer(t, "all=1", "srv.go:60")
	var slot unsafe.Pointer
	StdH2ConnState(s, &slot, c1, int(http.StateActive))
	sc := (*srvConn)(slot)
	if sc == nil {
		t.Fatal("no connection state in the slot")
	}
	var got http.ResponseWriter
	var followed unsafe.Pointer
	ok := []byte("ok")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = w
		followed = unsafe.Pointer(stateOf(w.(follower).GohttpdbgFollower()))
		w.Write(ok)
	})
	newReq := func() *http.Request {
		r := httptest.NewRequest("GET", "/h2", nil)
		r.ProtoMajor, r.ProtoMinor, r.Proto = 2, 0, "HTTP/2.0"
		return r
	}
	w := &stdH2Writer{newStdWriter(), &slot, 7}
	StdServe(s, h, w, newReq(), nil, nil) // the first: the connection counts its requests from here
	*w.stdWriter = stdWriter{ResponseRecorder: w.ResponseRecorder}
	before := sc.ce.Requests()
	id := probes.NextReqID() + 1
	StdServe(s, h, w, newReq(), nil, nil)
	if got != w {
		t.Errorf("the handler got %T, want the server's writer itself", got)
	}
	x := exchangeByID(t, id)
	if x.Site != "srv.go:60" || x.Conn != sc.ce.ID() || x.Conn == 0 || x.Stream != 7 || x.Status != 200 || x.ResponseBodySize != 2 {
		t.Errorf("exchange %+v; want srv.go:60 on connection %d, stream 7, 200 with 2 bytes", x, sc.ce.ID())
	}
	if n := sc.ce.Requests(); n != before+1 {
		t.Errorf("the connection counts %d requests after one more; want %d", n, before+1)
	}
	if sc.req != nil {
		t.Error("an HTTP/2 request left its state to the connection's HTTP/1 slot")
	}
	kept := sc.h2req.Load()
	if kept == nil || unsafe.Pointer(kept) != followed {
		t.Fatalf("the connection's reuse slot holds %p; want the request's state %p", kept, followed)
	}
	w = &stdH2Writer{newStdWriter(), &slot, 9}
	StdServe(s, h, w, newReq(), nil, nil)
	if followed != unsafe.Pointer(kept) {
		t.Errorf("the next stream followed with %p; want the connection's kept state %p", followed, kept)
	}

	if sr := startUsual(s, &stdH2Writer{newStdWriter(), &slot, 11}, newReq(), nil, nil); sr == nil {
		t.Error("startUsual declined a usual HTTP/2 request")
	} else {
		sr.end()
	}

	r := newReq()
	serve := func() {
		*w.stdWriter = stdWriter{ResponseRecorder: w.ResponseRecorder}
		w.Body.Reset()
		StdServe(s, h, w, r, nil, nil)
	}
	for i := 0; i < 2*probes.DefaultJournalSize; i++ {
		serve()
	}
	if n := testing.AllocsPerRun(200, serve); n != 0 {
		t.Errorf("%v allocations per request, want 0", n)
	}
}

// startUsual takes only the requests it is written for, and leaves any
// other untouched for stdServe: a writer without the patch's hooks, a
// request body to watch (at body level 2, any), a server the connection
// does not name, an HTTP/1 request without the connection's state.
func TestStartUsualDeclines(t *testing.T) {
	s, c1 := pipeServer(t, "all=1", "srv.go:70")
	var slot unsafe.Pointer
	StdConnState(s, &slot, s.ConnState, c1, http.StateNew)
	sc := (*srvConn)(slot)
	get := httptest.NewRequest("GET", "/x", nil)
	for _, tc := range []struct {
		name string
		spec string
		s    *http.Server
		w    http.ResponseWriter
		r    *http.Request
		sc   *srvConn
	}{
		{"recorder", "all=1", s, httptest.NewRecorder(), get, sc},
		{"request body", "all=1", s, newStdWriter(), httptest.NewRequest("POST", "/x", strings.NewReader("body")), sc},
		{"request body at body level 2", "all=1,body=2", s, newStdWriter(), httptest.NewRequest("POST", "/x", strings.NewReader("body")), sc},
		{"another server", "all=1", &http.Server{}, newStdWriter(), get, sc},
		{"no connection state", "all=1", s, newStdWriter(), get, nil},
	} {
		probetest.Configure(t, tc.spec)
		kept := sc.req
		if sr := startUsual(tc.s, tc.w, tc.r, nil, tc.sc); sr != nil {
			t.Errorf("%s: startUsual took the request", tc.name)
			sr.end()
		}
		if sc.req != kept || following.Has(table.HeaderKey(tc.r.Header)) {
			t.Errorf("%s: startUsual changed the state it declined", tc.name)
		}
	}
	// The request body is still followed, by stdServe.
	probetest.Configure(t, "all=1")
	var got http.ResponseWriter
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = w; io.Copy(io.Discard, r.Body) })
	w := newStdWriter()
	id := probes.NextReqID() + 1
	StdServe(s, h, w, httptest.NewRequest("POST", "/x", strings.NewReader("body")), nil, slot)
	if x := exchangeByID(t, id); x.RequestBodySize != 4 {
		t.Errorf("request body of %d bytes in the exchange; want 4", x.RequestBodySize)
	}
	if got == http.ResponseWriter(w) {
		t.Error("a request body net/http does not report left the handler net/http's writer: not watched")
	}
	StdConnState(s, &slot, s.ConnState, c1, http.StateClosed)
}

// Under a capture rule a usual request takes the probes' wrapper, which
// keeps the response's bytes (wrapCaptured).
func TestStartUsualCapture(t *testing.T) {
	probetest.Configure(t, "all=1")
	if err := probes.SetCaptureRule(&probes.CaptureRule{Method: "GET", Path: "/kept", MaxBody: 64}); err != nil {
		t.Fatal(err)
	}
	defer probes.SetCaptureRule(nil)
	s := &http.Server{}
	Instrument(s, "srv.go:80")
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	var slot unsafe.Pointer
	StdConnState(s, &slot, s.ConnState, c1, http.StateNew)
	var got http.ResponseWriter
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = w; io.WriteString(w, "kept body") })
	w := newStdWriter()
	id := probes.NextReqID() + 1
	StdServe(s, h, w, httptest.NewRequest("GET", "/kept", nil), nil, slot)
	if got == http.ResponseWriter(w) {
		t.Error("the handler got net/http's writer under a capture rule; want the probes' wrapper")
	}
	x := exchangeByID(t, id)
	if x.ResponseBody == nil || x.ResponseBody.Text != "kept body" || x.Status != 200 {
		t.Errorf("exchange %+v (body %+v); want 200 with the response body kept", x, x.ResponseBody)
	}
	if w.state != nil {
		t.Error("the writer is still watched after the request")
	}
	StdConnState(s, &slot, s.ConnState, c1, http.StateClosed)
}

// startUsual watches net/http's writer quietly: the writer reports no
// answer (StdAnswered), and the exchange still has the status the handler
// wrote first, an implicit 200, and when a flushed header left for the
// client (StdSent, handed the quiet state).
func TestStdServeUsualQuietWatch(t *testing.T) {
	s, c1 := pipeServer(t, "all=1", "srv.go:90")
	var slot unsafe.Pointer
	StdConnState(s, &slot, s.ConnState, c1, http.StateNew)
	const pause = 20 * time.Millisecond
	quiet := true
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		quiet = quiet && uintptr(w.(*stdWriter).state)&1 == 1
		switch r.URL.Path {
		case "/twice":
			w.WriteHeader(http.StatusAccepted)
			w.WriteHeader(http.StatusTeapot) // superfluous: the first is sent
		case "/flushed":
			w.WriteHeader(http.StatusCreated)
			w.(http.Flusher).Flush()
			time.Sleep(pause)
		}
	})
	for _, tc := range []struct {
		path   string
		status int
	}{{"/twice", 202}, {"/implicit", 200}, {"/flushed", 201}} {
		w := newStdWriter()
		id := probes.NextReqID() + 1
		StdServe(s, h, w, httptest.NewRequest("GET", tc.path, nil), w, slot)
		x := exchangeByID(t, id)
		if x.Status != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, x.Status, tc.status)
		}
		// The header left when flushed, before the pause: the response
		// was received over the pause.
		if tc.path == "/flushed" && x.Timings.Receive < 15 {
			t.Errorf("%s: receive %vms; the header was flushed %v before the end", tc.path, x.Timings.Receive, pause)
		}
	}
	if !quiet {
		t.Error("a usual request's writer was not watched quietly")
	}
	StdConnState(s, &slot, s.ConnState, c1, http.StateClosed)
}

// stdReqBody stands for net/http's own server request body as the std
// patch leaves it (body.StdRequestBody): its reads report to the state it
// is watched with (body.StdRead).
type stdReqBody struct {
	r     io.Reader
	state unsafe.Pointer
}

func (b *stdReqBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	body.StdRead(b.state, p[:n], err)
	return n, err
}
func (b *stdReqBody) Close() error                                 { return nil }
func (b *stdReqBody) GohttpdbgWatchBody(state unsafe.Pointer) bool { b.state = state; return true }
func (b *stdReqBody) GohttpdbgUnwatchBody() (held bool)            { b.state = nil; return false }

// bodyWriter is net/http's writer as the patch leaves it for a request
// with such a body: writing the header reports the answer to the body's
// state (body.StdAnswered).
type bodyWriter struct {
	*stdWriter
	b *stdReqBody
}

func (w *bodyWriter) WriteHeader(code int) {
	body.StdAnswered(w.b.state)
	w.stdWriter.WriteHeader(code)
}

// A POST whose body net/http follows itself takes the usual path too
// (startUsual): the handler gets net/http's writer and body, the exchange
// has the request body's size, a handler that answers with the body unread
// has its answer's stack kept and a body.unread at its site, and a
// request allocates nothing. Each case the usual path leaves to the
// general one still declines: a body the program replaced (or HTTP/1's
// Expect: 100-continue reader, which the patch does not follow) and body
// level 2 decline; under a capture rule both bodies take the wrappers
// (wrapCaptured), which keep their bytes. (A span declines before any
// body is looked at.)
func TestStdServeUsualBody(t *testing.T) {
	rec := probetest.Record(t)
	s, c1 := pipeServer(t, "all=1", "srv.go:100")
	var slot unsafe.Pointer
	StdConnState(s, &slot, s.ConnState, c1, http.StateNew)
	sc := (*srvConn)(slot)
	const payload = `{"name":"gopher","n":42}`
	newReq := func(path string) (*http.Request, *stdReqBody) {
		b := &stdReqBody{r: strings.NewReader(payload)}
		r := httptest.NewRequest("POST", path, nil)
		r.Body, r.ContentLength = b, int64(len(payload))
		return r, b
	}
	var gotW http.ResponseWriter
	var gotBody io.ReadCloser
	var answerKept bool
	buf := make([]byte, 64)
	hello := []byte("hello")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotW, gotBody = w, r.Body
		if r.URL.Path == "/read" {
			for {
				if _, err := r.Body.Read(buf); err != nil {
					break
				}
			}
		}
		w.WriteHeader(http.StatusAccepted)
		if st := (*body.State)(r.Body.(*stdReqBody).state); st != nil {
			answerKept = st.AnswerPCs() != nil
		}
	})

	// Read to its end: the exchange's request body size is exact.
	r, b := newReq("/read")
	w := &bodyWriter{newStdWriter(), b}
	id := probes.NextReqID() + 1
	StdServe(s, h, w, r, w, slot)
	if gotW != http.ResponseWriter(w) || gotBody != io.ReadCloser(b) {
		t.Errorf("the handler got %T and %T; want net/http's writer and body themselves", gotW, gotBody)
	}
	if x := exchangeByID(t, id); x.RequestBodySize != int64(len(payload)) || x.Status != 202 {
		t.Errorf("exchange %+v; want 202 with a request body of %d bytes", x, len(payload))
	}
	if b.state != nil || w.state != nil {
		t.Error("the body or the writer is still watched after the request")
	}
	if sc.req == nil || sc.body == nil {
		t.Error("the request's state or its body's did not go back to the connection")
	}

	// Unread: the answer's stack is kept, and body.unread names the site.
	r, b = newReq("/unread")
	w = &bodyWriter{newStdWriter(), b}
	id = probes.NextReqID() + 1
	StdServe(s, h, w, r, w, slot)
	if !answerKept {
		t.Error("the handler answered with its body unread and its stack was not kept")
	}
	var unread []probes.Event
	for _, e := range rec.Named("body.unread") {
		if e.Req == id {
			unread = append(unread, e)
		}
	}
	if len(unread) != 1 || unread[0].Site != "srv.go:100" {
		t.Errorf("body.unread events of the request: %+v; want one at srv.go:100", unread)
	}
	if x := exchangeByID(t, id); x.RequestBodySize != 0 {
		t.Errorf("request body of %d bytes in the exchange; want 0", x.RequestBodySize)
	}

	// The path these requests took.
	r, b = newReq("/read")
	if sr := startUsual(s, &bodyWriter{newStdWriter(), b}, r, nil, sc); sr == nil {
		t.Error("startUsual declined a POST with net/http's own body")
	} else {
		sr.end()
	}

	r, b = newReq("/read")
	w = &bodyWriter{newStdWriter(), b}
	serve := func() {
		*w.stdWriter = stdWriter{ResponseRecorder: w.ResponseRecorder}
		w.Body.Reset()
		b.r.(*strings.Reader).Reset(payload)
		StdServe(s, h, w, r, w, slot)
	}
	for i := 0; i < 2*probes.DefaultJournalSize; i++ {
		serve()
	}
	if n := testing.AllocsPerRun(200, serve); n != 0 {
		t.Errorf("%v allocations per request, want 0", n)
	}

	// The cases the general path keeps.
	replaced := httptest.NewRequest("POST", "/x", strings.NewReader(payload))
	for _, tc := range []struct {
		name string
		spec string
		r    *http.Request
	}{
		{"a body net/http does not follow", "all=1", replaced},
		{"body level 2", "all=1,body=2", nil},
	} {
		probetest.Configure(t, tc.spec)
		if tc.r == nil {
			tc.r, b = newReq("/x")
		}
		kept := sc.req
		if sr := startUsual(s, newStdWriter(), tc.r, nil, sc); sr != nil {
			t.Errorf("%s: startUsual took the request", tc.name)
			sr.end()
		}
		if sc.req != kept || following.Has(table.HeaderKey(tc.r.Header)) {
			t.Errorf("%s: startUsual changed the state it declined", tc.name)
		}
	}

	probetest.Configure(t, "all=1")
	if err := probes.SetCaptureRule(&probes.CaptureRule{Method: "POST", Path: "/kept", MaxBody: 64}); err != nil {
		t.Fatal(err)
	}
	defer probes.SetCaptureRule(nil)
	kept := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotW, gotBody = w, r.Body
		io.Copy(io.Discard, r.Body)
		w.Write(hello)
	})
	r, b = newReq("/kept")
	w = &bodyWriter{newStdWriter(), b}
	id = probes.NextReqID() + 1
	StdServe(s, kept, w, r, w, slot)
	if gotW == http.ResponseWriter(w) || gotBody == io.ReadCloser(b) {
		t.Errorf("under a capture rule the handler got %T and %T; want the probes' wrappers", gotW, gotBody)
	}
	x := exchangeByID(t, id)
	if x.RequestBody == nil || int(x.RequestBody.Size) != len(payload) || !strings.Contains(x.RequestBody.Text, "gopher") || x.ResponseBody == nil || x.ResponseBody.Text != "hello" {
		t.Errorf("exchange %+v (bodies %+v, %+v); want both bodies kept", x, x.RequestBody, x.ResponseBody)
	}
	if b.state != nil || w.state != nil {
		t.Error("the body or the writer is still watched after a captured request")
	}
	StdConnState(s, &slot, s.ConnState, c1, http.StateClosed)
}

// An HTTP/2 connection's turns share their clock readings with its
// streams, as HTTP/1's with its requests: the stream that turned it
// active starts at the turn, and the turn to idle takes the latest
// stream's end. A stream that comes while another runs reads the clock,
// and a turn's reading no stream took is not left to a later one.
func TestStdH2TurnsShareClock(t *testing.T) {
	s, c1 := pipeServer(t, "all=1", "srv.go:61")
	var slot unsafe.Pointer
	StdH2ConnState(s, &slot, c1, int(http.StateActive)) // the TLS state, once
	StdH2ConnState(s, &slot, c1, int(http.StateIdle))
	sc := (*srvConn)(slot)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	req := func(stream uint32) uint64 {
		r := httptest.NewRequest("GET", "/h2", nil)
		r.ProtoMajor, r.ProtoMinor, r.Proto = 2, 0, "HTTP/2.0"
		id := probes.NextReqID() + 1
		StdServe(s, h, &stdH2Writer{newStdWriter(), &slot, stream}, r, nil, nil)
		return id
	}

	StdH2ConnState(s, &slot, c1, int(http.StateActive))
	turn := sc.h2StartAt.Load()
	id := req(3)
	end := sc.h2EndAt.Load()
	if turn == 0 || end == 0 || sc.h2StartAt.Load() != 0 {
		t.Fatalf("turn %d, end %d, left %d; want the turn's reading taken and the end's kept", turn, end, sc.h2StartAt.Load())
	}
	if x := exchangeByID(t, id); !x.Start.Equal(probes.WallAt(turn)) {
		t.Errorf("the stream started %v; want its connection's turn to active, %v", x.Start, probes.WallAt(turn))
	}
	StdH2ConnState(s, &slot, c1, int(http.StateIdle))
	if sc.h2EndAt.Load() != 0 {
		t.Error("the turn to idle left the stream's end for a later turn")
	}
	for _, c := range probes.Conns() {
		if c.ID == sc.ce.ID() && (c.State != "idle" || !c.Since.Equal(probes.WallAt(end))) {
			t.Errorf("the connection is %s since %v; want idle since its stream's end, %v", c.State, c.Since, probes.WallAt(end))
		}
	}

	// A turn whose stream another path served: its reading is dropped at
	// the turn to idle, not lent to the next stream.
	StdH2ConnState(s, &slot, c1, int(http.StateActive))
	StdH2ConnState(s, &slot, c1, int(http.StateIdle))
	if sc.h2StartAt.Load() != 0 {
		t.Error("the turn to idle left the turn to active's reading")
	}
}

// At level 2 startUsual takes a request without a body too, with what
// startServe sets for level 2: header level 2, the request line, and a
// watch that reports the answer.
func TestStartUsualLevel2(t *testing.T) {
	s, c1 := pipeServer(t, "all=2", "srv.go:80")
	var slot unsafe.Pointer
	StdConnState(s, &slot, s.ConnState, c1, http.StateNew)
	sc := (*srvConn)(slot)
	sr := startUsual(s, newStdWriter(), httptest.NewRequest("GET", "/x", nil), nil, sc)
	if sr == nil {
		t.Fatal("startUsual declined a level-2 GET")
	}
	if !sr.hdr2 || sr.line == "" || !sr.answerStd || sr.quiet || sr.site != "srv.go:80" {
		t.Errorf("hdr2 %v, line %q, answerStd %v, quiet %v, site %q; want header level 2, a line, a reported answer, srv.go:80",
			sr.hdr2, sr.line, sr.answerStd, sr.quiet, sr.site)
	}
	sr.end()
}
