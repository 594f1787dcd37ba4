package server

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
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
	inner := s.ConnState
	wrapped := 0
	s.ConnState = func(c net.Conn, st http.ConnState) { wrapped++; inner(c, st) }
	turn(http.StateActive)
	turn(http.StateClosed)
	if calls != 5 || wrapped != 2 {
		t.Errorf("the program's ConnState ran %d times, its wrapper %d, for 5 changes, 2 wrapped", calls, wrapped)
	}
	var states []string
	for _, e := range rec.Named("dial.conn_state") {
		if e.Conn == sc.ce.ID() {
			a, _ := e.Attr("state")
			states = append(states, a.Str)
		}
	}
	if got := fmt.Sprint(states); got != "[new active idle active closed]" {
		t.Errorf("dial.conn_state of the connection: %s; want each change once", got)
	}
	if n := sc.ce.Requests(); n != 2 {
		t.Errorf("the connection served %d requests, want 2", n)
	}
}

// The requests of an HTTP/1 connection StdServe hands over reuse one
// state, the connection's, and start when the connection turned active
// for them; the probes' work adds no allocation.
func TestStdServeConnState(t *testing.T) {
	probetest.Configure(t, "all=1")
	s := &http.Server{}
	Instrument(s, "srv.go:11")
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	var slot unsafe.Pointer
	StdConnState(s, &slot, s.ConnState, c1, http.StateNew)
	sc := (*srvConn)(slot)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/x", nil)
	serveOne := func() {
		StdConnState(s, &slot, s.ConnState, c1, http.StateActive)
		StdServe(s, h, w, r, slot)
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
				StdServe(s, h, w, r, slot)
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
	probetest.Configure(t, "all=2")
	s := &http.Server{}
	Instrument(s, "srv.go:20")
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
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
		StdServe(s, tc.h, httptest.NewRecorder(), r, slot)
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
		StdServe(s, h, httptest.NewRecorder(), httptest.NewRequest("GET", "/idle", nil), slot)
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
