package server

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/probetest"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/table"
)

// With the std patch, net/http hands each ConnState call of an HTTP/1
// connection to StdConnState, with the connection's slot: the program's
// ConnState runs once a change, and the probes note each turn once, with
// the entry they keep in the slot. A hook the program wrapped around the
// probes' composition after it was made is called as it is, and the
// composition inside it notes the turn, once too.
func TestStdConnStateOnce(t *testing.T) {
	rec := probetest.Record(t)
	probetest.Configure(t, "all=2")
	calls := 0
	s := &http.Server{ConnState: func(net.Conn, http.ConnState) { calls++ }}
	Instrument(s, "srv.go:10")
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	var slot unsafe.Pointer
	turn := func(st http.ConnState) { StdConnState(s, &slot, s.ConnState, c1, st) }
	turn(http.StateNew)
	turn(http.StateActive)
	turn(http.StateIdle)
	sc := (*srvConn)(slot)
	if sc == nil || sc.ce.ID() == 0 || sc.ce.ID() != probes.ConnID(c1) {
		t.Fatalf("the slot holds %+v; want the state of connection %d", sc, probes.ConnID(c1))
	}
	wrapped := wrapConnState(s)
	turn(http.StateActive)
	turn(http.StateClosed)
	if calls != 5 || *wrapped != 2 {
		t.Errorf("the program's ConnState ran %d times, its wrapper %d, for 5 changes, 2 wrapped", calls, *wrapped)
	}
	if got := connStates(rec, sc.ce.ID()); got != "[new active idle active closed]" {
		t.Errorf("dial.conn_state of the connection: %s; want each change once", got)
	}
	if n := sc.ce.Requests(); n != 2 {
		t.Errorf("the connection served %d requests, want 2", n)
	}
}

// HTTP/2's server reports its connections' StateActive and StateIdle
// itself: with the std patch each goes to StdH2ConnState with the
// serverConn's slot. It calls the program's ConnState the probes' composition
// composes, once, and notes the turn with the entry it keeps in the slot;
// a hook the program wrapped around the composition is left to the
// server (false), and the composition inside it notes the turn, once
// too. Go 1.27 hands over the server as a value that names it.
func TestStdH2ConnStateOnce(t *testing.T) {
	rec := probetest.Record(t)
	probetest.Configure(t, "all=2")
	calls := 0
	s := &http.Server{ConnState: func(net.Conn, http.ConnState) { calls++ }}
	Instrument(s, "srv.go:12")
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	var slot unsafe.Pointer
	turn := func(srv any, st http.ConnState) {
		if !StdH2ConnState(srv, &slot, c1, int(st)) {
			s.ConnState(c1, st) // what the patched server does then
		}
	}
	turn(h2Config{s}, http.StateActive)
	turn(s, http.StateIdle)
	sc := (*srvConn)(slot)
	if sc == nil || sc.ce.ID() == 0 || sc.ce.ID() != probes.ConnID(c1) {
		t.Fatalf("the slot holds %+v; want the state of connection %d", sc, probes.ConnID(c1))
	}
	wrapped := wrapConnState(s)
	turn(s, http.StateActive)
	turn(s, http.StateIdle)
	if calls != 4 || *wrapped != 2 {
		t.Errorf("the program's ConnState ran %d times, its wrapper %d, for 4 changes, 2 wrapped", calls, *wrapped)
	}
	if got := connStates(rec, sc.ce.ID()); got != "[active idle active idle]" {
		t.Errorf("dial.conn_state of the connection: %s; want each change once", got)
	}

	// A server the probes do not know (no composition): nothing noted, the
	// server calls its hook.
	var other unsafe.Pointer
	if StdH2ConnState(&http.Server{}, &other, c2, int(http.StateActive)) {
		t.Error("StdH2ConnState called the ConnState of a server the probes did not instrument")
	}
}

// h2Writer stands for an HTTP/2 server's writer, which the patch gives a
// method returning its connection's slot.
type h2Writer struct {
	*httptest.ResponseRecorder
	slot *unsafe.Pointer
}

func (w h2Writer) GohttpdbgConn() unsafe.Pointer { return *w.slot }

// h2Config stands for Go 1.27's http2ServerConfig, which the patch gives
// a method naming its server.
type h2Config struct{ s *http.Server }

func (c h2Config) GohttpdbgServer() *http.Server { return c.s }

// The requests of an HTTP/1 connection StdServe hands over reuse one
// state, the connection's, and start when the connection turned active
// for them; the probes' work adds no allocation.
func TestStdServeConnState(t *testing.T) {
	s, c1 := pipeServer(t, "all=1", "srv.go:11")
	var slot unsafe.Pointer
	StdConnState(s, &slot, s.ConnState, c1, http.StateNew)
	sc := (*srvConn)(slot)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/x", nil)
	serveOne := func() {
		StdConnState(s, &slot, s.ConnState, c1, http.StateActive)
		StdServe(s, h, w, r, nil, slot)
		StdConnState(s, &slot, s.ConnState, c1, http.StateIdle)
		w.Body.Reset()
	}
	serveOne()
	first := sc.req
	if first == nil {
		t.Fatal("the connection keeps no request state after its first request")
	}
	if n := testing.AllocsPerRun(50, serveOne); n != 0 {
		t.Errorf("%v allocations a request", n)
	}
	if sc.req != first {
		t.Error("the connection's next request did not reuse its state")
	}
	xs, _ := probes.Exchanges(probes.ExchangeFilter{})
	found := false
	for _, x := range xs {
		found = found || x.Site == "srv.go:11" && x.Conn == sc.ce.ID()
	}
	if !found {
		t.Errorf("no exchange on connection %d: %+v", sc.ce.ID(), xs)
	}
	StdConnState(s, &slot, s.ConnState, c1, http.StateClosed) // see TestStdServeInnerWrappers
}

// The requests of an HTTP/2 connection StdServe hands over name the
// connection from the slot StdH2ConnState keeps (no context lookup), but
// do not share its state: its streams are served at once.
func TestStdServeH2Conn(t *testing.T) {
	s, c1 := pipeServer(t, "all=1", "srv.go:13")
	var slot unsafe.Pointer
	StdH2ConnState(s, &slot, c1, int(http.StateActive))
	sc := (*srvConn)(slot)
	if sc == nil {
		t.Fatal("no connection state in the slot")
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	r := httptest.NewRequest("GET", "/h2", nil) // its context names no connection
	r.ProtoMajor, r.ProtoMinor, r.Proto = 2, 0, "HTTP/2.0"
	StdServe(s, h, h2Writer{httptest.NewRecorder(), &slot}, r, nil, nil) // as the patched server calls it
	if sc.req != nil {
		t.Error("an HTTP/2 request left its state to the connection")
	}
	xs, _ := probes.Exchanges(probes.ExchangeFilter{})
	found := false
	for _, x := range xs {
		found = found || x.Site == "srv.go:13" && x.Conn == sc.ce.ID() && x.Conn != 0
	}
	if !found {
		t.Errorf("no exchange on connection %d: %+v", sc.ce.ID(), xs)
	}
}

// BenchmarkStdServerPath is BenchmarkServerPath through the std patch's
// hooks: the connection's turns reach StdConnState with its slot, and
// its requests StdServe, as net/http's conn and serverHandler call them.
func BenchmarkStdServerPath(b *testing.B) {
	for _, spec := range []string{"all=0", "all=1", "all=2"} {
		b.Run(spec, func(b *testing.B) {
			probetest.Configure(b, spec)
			s, c1, ctx, done := benchConn()
			defer done()
			var slot unsafe.Pointer
			StdConnState(s, &slot, s.ConnState, c1, http.StateNew)
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				io.WriteString(w, "hello, world\n")
			})
			w := httptest.NewRecorder()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r := httptest.NewRequest("GET", "/x", nil).WithContext(ctx)
				StdConnState(s, &slot, s.ConnState, c1, http.StateActive)
				StdServe(s, h, w, r, nil, slot)
				StdConnState(s, &slot, s.ConnState, c1, http.StateIdle)
				w.Body.Reset()
			}
		})
	}
}

// A request StdServe hands over is followed once through any number of
// rewritten registrations inside the server's handler chain (a wrapped
// server Handler, then a wrapped mux handler), with or without a
// TimeoutHandler between them: its one exchange names the innermost
// registration, and it is followed no more once served.
func TestStdServeInnerWrappers(t *testing.T) {
	rec := probetest.Record(t)
	s, c1 := pipeServer(t, "all=2", "srv.go:20")
	var slot unsafe.Pointer
	StdConnState(s, &slot, s.ConnState, c1, http.StateNew)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{
		{"two wrappers", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ServeHTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ServeHTTP(ok, "reg.go:21", w, r)
			}), "lit.go:1", w, r)
		})},
		{"timeout handler", http.TimeoutHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ServeHTTP(ok, "reg.go:21", w, r)
		}), time.Hour, "late")},
	} {
		r := httptest.NewRequest("GET", "/inner", nil)
		before := probes.NextReqID()
		StdConnState(s, &slot, s.ConnState, c1, http.StateActive)
		StdServe(s, tc.h, httptest.NewRecorder(), r, nil, slot)
		StdConnState(s, &slot, s.ConnState, c1, http.StateIdle)
		xs, _ := probes.Exchanges(probes.ExchangeFilter{})
		var mine []probes.Exchange
		for _, x := range xs {
			if x.ID > before {
				mine = append(mine, x)
			}
		}
		if len(mine) != 1 || mine[0].Site != "reg.go:21" {
			t.Errorf("%s: exchanges %+v; want one, named by the innermost registration", tc.name, mine)
		}
		n := 0
		for _, e := range rec.Named("header.request") {
			if e.Req > before {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d header.request events; want one", tc.name, n)
		}
		if following.Has(table.HeaderKey(r.Header)) {
			t.Errorf("%s: the request is still followed after it was served", tc.name)
		}
	}
	// Closed, the entry leaves the registry: a pipe's is not forgotten
	// when it is collected, and a later pipe at its address would inherit
	// it.
	StdConnState(s, &slot, s.ConnState, c1, http.StateClosed)
}

// An HTTP/1 request starts when its connection turned active for it: the
// turn's reading, handed over on the connection's state, which each turn
// resets. A request whose turn the hook did not see (the dial probe off
// for it) reads the clock: it takes neither an older request's turn from
// the connection's state nor from its entry.
func TestStdServeStartsAtActiveTurn(t *testing.T) {
	s, c1 := pipeServer(t, "all=1", "srv.go:40")
	var slot unsafe.Pointer
	StdConnState(s, &slot, s.ConnState, c1, http.StateNew)
	sc := (*srvConn)(slot)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	start := func(path string) time.Time {
		StdServe(s, h, httptest.NewRecorder(), httptest.NewRequest("GET", path, nil), nil, slot)
		xs, _ := probes.Exchanges(probes.ExchangeFilter{})
		for _, x := range xs {
			if x.Conn == sc.ce.ID() && strings.HasSuffix(x.URL, path) {
				return x.Start
			}
		}
		t.Fatalf("no exchange for %s: %+v", path, xs)
		return time.Time{}
	}
	// The connection's first turn to active notes its TLS state, and
	// leaves the reading on the entry (RequestStart).
	StdConnState(s, &slot, s.ConnState, c1, http.StateActive)
	start("/tls")
	StdConnState(s, &slot, s.ConnState, c1, http.StateIdle)
	StdConnState(s, &slot, s.ConnState, c1, http.StateActive)
	turn := sc.startAt
	if turn == 0 {
		t.Fatal("the turn to active left no reading for its request")
	}
	time.Sleep(time.Millisecond) // a fresh reading differs
	if got, want := start("/first"), probes.WallAt(turn); !got.Equal(want) {
		t.Errorf("first request started %v; want its turn to active, %v", got, want)
	}
	if sc.startAt != 0 {
		t.Error("the turn's reading is kept after its request took it")
	}
	StdConnState(s, &slot, s.ConnState, c1, http.StateIdle)
	StdConnState(s, &slot, s.ConnState, c1, http.StateActive)
	second := sc.startAt
	probetest.Configure(t, "all=1,dial=0")
	StdConnState(s, &slot, s.ConnState, c1, http.StateIdle)
	StdConnState(s, &slot, s.ConnState, c1, http.StateActive) // not seen
	time.Sleep(time.Millisecond)
	if got, old := start("/unseen"), probes.WallAt(second); !got.After(old.Add(500 * time.Microsecond)) {
		t.Errorf("a request whose turn was not seen started %v; want a reading of its own, after the older turn %v", got, old)
	}
	StdConnState(s, &slot, s.ConnState, c1, http.StateClosed) // see TestStdServeInnerWrappers
}

// Below level 2 a connection's turn to idle takes the clock reading of
// its request's end: the inventory's idle state starts when the handler
// returned. At level 2 the turn reads the clock (conn_state's prev_dur).
func TestStdIdleTurnTakesRequestEnd(t *testing.T) {
	for _, spec := range []string{"all=1", "all=1,dial=2"} {
		probetest.Configure(t, spec)
		s := &http.Server{}
		Instrument(s, "srv.go:30")
		c1, c2 := net.Pipe()
		var slot unsafe.Pointer
		StdConnState(s, &slot, s.ConnState, c1, http.StateNew)
		sc := (*srvConn)(slot)
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
		StdConnState(s, &slot, s.ConnState, c1, http.StateActive)
		StdServe(s, h, httptest.NewRecorder(), httptest.NewRequest("GET", "/idle", nil), nil, slot)
		end := sc.endAt
		if end == 0 {
			t.Fatalf("%s: the request's end left no reading for the idle turn", spec)
		}
		time.Sleep(time.Millisecond) // a fresh reading differs
		StdConnState(s, &slot, s.ConnState, c1, http.StateIdle)
		if sc.endAt != 0 {
			t.Errorf("%s: the request's end is kept after the idle turn", spec)
		}
		var since time.Time
		for _, ci := range probes.Conns() {
			if ci.ID == sc.ce.ID() && ci.State == "idle" {
				since = ci.Since
			}
		}
		want := probes.WallAt(end)
		if spec == "all=1" && !since.Equal(want) {
			t.Errorf("%s: idle since %v; want the request's end, %v", spec, since, want)
		}
		if spec != "all=1" && !since.After(want.Add(500*time.Microsecond)) {
			t.Errorf("%s: idle since %v; want a reading of its own, after the request's end %v", spec, since, want)
		}
		StdConnState(s, &slot, s.ConnState, c1, http.StateClosed) // see TestStdServeInnerWrappers
		c1.Close()
		c2.Close()
	}
}

// An inner wrapper handed net/http's own writer finds its follower on
// the writer, not in the following table: a middleware that clones the
// request (a Header map of its own, which the table cannot match) between
// them leaves one exchange, named by the innermost registration, at level
// 1 and 2, the header written before the inner wrapper runs or not; the
// same through the probes' own wrapper of the writer (put for a request
// body net/http does not report). A writer the program wrapped (a struct
// around it, TimeoutHandler's) is matched through the table.
func TestStdServeInnerFollowerFromWriter(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	inner := func(w http.ResponseWriter, r *http.Request) { ServeHTTP(ok, "reg.go:21", w, r) }
	cases := []struct {
		name   string
		h      http.Handler
		status int
		body   string
	}{
		{"cloned request", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ServeHTTP(http.HandlerFunc(inner), "lit.go:1", w, r.Clone(r.Context()))
		}), 200, ""},
		{"cloned request, the probes' wrapper", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := w.(*stdWriter); ok {
				t.Error("the request body did not take the probes' wrapper")
			}
			inner(w, r.Clone(r.Context()))
		}), 200, "body"},
		{"cloned request, header written", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusCreated)
			inner(w, r.Clone(r.Context()))
		}), 201, ""},
		{"wrapped writer", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inner(struct{ http.ResponseWriter }{w}, r)
		}), 200, ""},
		{"timeout handler", http.TimeoutHandler(http.HandlerFunc(inner), time.Hour, "late"), 200, ""},
	}
	for _, spec := range []string{"all=1", "all=2"} {
		probetest.Record(t)
		probetest.Configure(t, spec)
		s := &http.Server{}
		Instrument(s, "srv.go:20")
		c1, c2 := net.Pipe()
		var slot unsafe.Pointer
		StdConnState(s, &slot, s.ConnState, c1, http.StateNew)
		for _, tc := range cases {
			r := httptest.NewRequest("GET", "/inner", nil)
			if tc.body != "" {
				r = httptest.NewRequest("POST", "/inner", strings.NewReader(tc.body))
			}
			w := newStdWriter()
			before := probes.NextReqID()
			StdConnState(s, &slot, s.ConnState, c1, http.StateActive)
			StdServe(s, tc.h, w, r, nil, slot)
			StdConnState(s, &slot, s.ConnState, c1, http.StateIdle)
			xs, _ := probes.Exchanges(probes.ExchangeFilter{})
			var mine []probes.Exchange
			for _, x := range xs {
				if x.ID > before {
					mine = append(mine, x)
				}
			}
			if len(mine) != 1 || mine[0].Site != "reg.go:21" || mine[0].Status != tc.status {
				t.Errorf("%s, %s: exchanges %+v; want one, %d, named by the innermost registration", spec, tc.name, mine, tc.status)
			}
			if w.state != nil {
				t.Errorf("%s, %s: the writer still carries the follower after the request was served", spec, tc.name)
			}
			if following.Has(table.HeaderKey(r.Header)) {
				t.Errorf("%s, %s: the request is still followed after it was served", spec, tc.name)
			}
		}
		StdConnState(s, &slot, s.ConnState, c1, http.StateClosed)
		c1.Close()
		c2.Close()
	}
}

// wrapConnState wraps s's ConnState, as a program may after the probes
// composed it, and counts the wrapper's calls.
func wrapConnState(s *http.Server) *int {
	inner, wrapped := s.ConnState, new(int)
	s.ConnState = func(c net.Conn, st http.ConnState) { *wrapped++; inner(c, st) }
	return wrapped
}

// connStates is the states dial.conn_state reported for connection id.
func connStates(rec *probetest.Recorder, id uint64) string {
	var states []string
	for _, e := range rec.Named("dial.conn_state") {
		if e.Conn == id {
			a, _ := e.Attr("state")
			states = append(states, a.Str)
		}
	}
	return fmt.Sprint(states)
}

// pipeServer configures the probes with spec, instruments a server at
// site and returns it with one end of a pipe standing for a connection
// to it (both ends closed when the test ends).
func pipeServer(t *testing.T, spec, site string) (*http.Server, net.Conn) {
	t.Helper()
	probetest.Configure(t, spec)
	s := &http.Server{}
	Instrument(s, site)
	c1, c2 := net.Pipe()
	t.Cleanup(func() { c1.Close(); c2.Close() })
	return s, c1
}

// turnLevel2's raw dial.conn_state reaches a reader as emitConnState's
// event for the same turn: name, message, site, attributes in their
// order, time (Raw aside, which keeps the raw form's data), on HTTP/1
// and HTTP/2. Each turn's reading is its event's time: the previous
// state's duration follows from it.
func TestTurnLevel2RendersAsConnState(t *testing.T) {
	rec := probetest.Record(t)
	probetest.Configure(t, "all=2")
	turns := []http.ConnState{http.StateActive, http.StateIdle, http.StateActive}
	for _, h2 := range []bool{false, true} {
		c1, c2 := net.Pipe()
		defer c1.Close()
		defer c2.Close()
		ce := probes.ConnFor(c1, "server")
		if ce == nil {
			t.Fatal("no entry for the connection")
		}
		sc := &srvConn{ce: ce}
		from := probes.Mono()
		ce.SetStateAt(http.StateNew, false, from)
		for _, st := range turns {
			sc.turnLevel2(st, "srv.go:7", h2)
		}
		raw := rec.Named("dial.conn_state")
		raw = raw[len(raw)-len(turns):]
		prev := "new"
		for i, st := range turns {
			now := raw[i].Time - probes.TimeAt(0)
			emitConnState(ce, st, "srv.go:7", prev, time.Duration(now-from), now)
			prev, from = connStateName(st), now
		}
		if h2 && (sc.h2StartAt.Load() == 0 || sc.h2EndAt.Load() != 0) || !h2 && sc.startAt == 0 {
			t.Errorf("h2=%v: the active turn's reading not handed over", h2)
		}
		want := rec.Named("dial.conn_state")
		want = want[len(want)-len(turns):]
		for i := range turns {
			if !probetest.SameRendered(t, raw[i], want[i]) {
				t.Errorf("h2=%v: turnLevel2's event differs from emitConnState's", h2)
			}
		}
	}
}
