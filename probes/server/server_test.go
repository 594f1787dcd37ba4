package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/probetest"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/table"
)

// A request that passes two wrappers (a wrapped handler registered on a
// wrapped server) is followed once, by the outer one, and its exchange
// names the inner registration, which says better which handler served
// it. Once served, it is followed no more.
func TestNestedWrappersFollowOnce(t *testing.T) {
	rec := probetest.Record(t)
	probetest.Configure(t, "all=2")
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	outer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ServeHTTP(inner, "reg.go:2", w, r) })
	r := httptest.NewRequest("GET", "/nested-once", nil)
	ServeHTTP(outer, "srv.go:1", httptest.NewRecorder(), r)

	var mine []probes.Event // the test's own: no other request has either site
	for _, e := range rec.Named("header.request") {
		if e.Site == "srv.go:1" || e.Site == "reg.go:2" {
			mine = append(mine, e)
		}
	}
	if len(mine) != 1 || mine[0].Site != "srv.go:1" {
		t.Fatalf("header.request events of the request: %+v; want one, from the outer wrapper", mine)
	}
	xs, _ := probes.Exchanges(probes.ExchangeFilter{ID: mine[0].Req})
	if len(xs) != 1 || xs[0].Site != "reg.go:2" {
		t.Errorf("exchange: %+v; want one at the registration's site", xs)
	}
	if following.Has(table.HeaderKey(r.Header)) {
		t.Error("the request is still followed after its handler returned")
	}
}

// Instrument composes its hooks with the server's own, once however often
// it runs: the program's ConnState still runs, once a change, and the
// connection gets its id in the request context.
func TestInstrumentComposesOnce(t *testing.T) {
	probetest.Configure(t, "all=1")
	calls := 0
	s := &http.Server{ConnState: func(net.Conn, http.ConnState) { calls++ }}
	Instrument(s, "srv.go:5")
	Instrument(s, "srv.go:5") // again before Serve: idempotent
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	s.ConnState(c1, http.StateNew)
	if calls != 1 {
		t.Fatalf("the program's ConnState ran %d times for one change", calls)
	}
	if id := ConnIDFromContext(s.ConnContext(context.Background(), c1)); id == 0 || id != probes.ConnID(c1) {
		t.Errorf("context conn id %d, connection %d", id, probes.ConnID(c1))
	}
	found := false
	for _, ci := range probes.Conns() {
		found = found || ci.ID == probes.ConnID(c1) && ci.Side == "server" && ci.State == "new"
	}
	if !found {
		t.Errorf("the connection is not in the inventory as a new server connection: %+v", probes.Conns())
	}
}

// benchConn is a new connection c1 of an instrumented server s, kept
// alive for the benchmarks' requests without the network, and the
// context its requests carry; done closes it.
func benchConn() (s *http.Server, c1 net.Conn, ctx context.Context, done func()) {
	s = &http.Server{}
	Instrument(s, "bench.go:2")
	c1, c2 := net.Pipe()
	ctx = context.WithValue(context.Background(), http.ServerContextKey, s)
	ctx = s.ConnContext(ctx, c1)
	s.ConnState(c1, http.StateNew)
	return s, c1, ctx, func() {
		c2.Close()
		c1.Close()
	}
}

// BenchmarkServerPath is the probes' own work around one request served
// on a kept-alive HTTP/1 connection, without the network: the connection
// turning active and idle, and the handler wrapper.
func BenchmarkServerPath(b *testing.B) {
	for _, spec := range []string{"all=0", "all=1", "all=2"} {
		b.Run(spec, func(b *testing.B) {
			probetest.Configure(b, spec)
			s, c1, ctx, done := benchConn()
			defer done()
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				io.WriteString(w, "hello, world\n")
			})
			w := httptest.NewRecorder()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r := httptest.NewRequest("GET", "/x", nil).WithContext(ctx)
				s.ConnState(c1, http.StateActive)
				ServeHTTP(h, "bench.go:3", w, r)
				s.ConnState(c1, http.StateIdle)
				w.Body.Reset()
			}
		})
	}
}

// A handler may keep r.Body and read it after it returned, from another
// goroutine, while the server serves the next request: the late read
// counts for its own request, never for the one being served (the body's
// state is not reused), and the race detector sees no shared memory.
func TestKeptBodyReadLate(t *testing.T) {
	rec := probetest.Record(t)
	probetest.Configure(t, "all=1")
	var kept io.ReadCloser
	keep := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { kept = r.Body })
	r1 := httptest.NewRequest("POST", "/kept", strings.NewReader("hello"))
	ServeHTTP(keep, "kept.go:1", httptest.NewRecorder(), r1)

	readTwo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		done := make(chan error)
		go func() { // the first handler's late reader
			_, err := io.Copy(io.Discard, kept)
			done <- err
		}()
		if err := <-done; err != nil {
			t.Error(err)
		}
		io.ReadFull(r.Body, make([]byte, 2))
		io.WriteString(w, "ok")
	})
	r2 := httptest.NewRequest("POST", "/next", strings.NewReader("abc"))
	ServeHTTP(readTwo, "next.go:2", httptest.NewRecorder(), r2)

	var unread []probes.Event
	for _, e := range rec.Named("body.unread") {
		if e.Site == "kept.go:1" || e.Site == "next.go:2" {
			unread = append(unread, e)
		}
	}
	if len(unread) != 2 {
		t.Fatalf("body.unread events: %+v; want one for each request", unread)
	}
	for _, e := range unread {
		xs, _ := probes.Exchanges(probes.ExchangeFilter{ID: e.Req})
		want := map[string]int64{"kept.go:1": 0, "next.go:2": 2}[e.Site]
		if len(xs) != 1 || xs[0].RequestBodySize != want {
			t.Errorf("exchange of the request at %s: %+v; want its body size %d", e.Site, xs, want)
		}
	}
}

// TimeoutHandler runs the handler it wraps on a goroutine of its own,
// which may still run after the timeout answered and the outer wrapper
// ended: the inner wrapper's naming of the registration must not race
// with the outer's end, which recycles its state (go test -race). A
// handler that answers in time has its exchange named by the
// registration.
func TestTimeoutHandlerInnerWrapper(t *testing.T) {
	probetest.Configure(t, "all=1")
	inTime := http.TimeoutHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ServeHTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }), "reg.go:7", w, r)
	}), time.Hour, "late")
	r := httptest.NewRequest("GET", "/in-time", nil)
	ServeHTTP(inTime, "srv.go:6", httptest.NewRecorder(), r)
	xs, _ := probes.Exchanges(probes.ExchangeFilter{})
	named := false
	for _, x := range xs {
		named = named || x.Site == "reg.go:7"
	}
	if !named {
		t.Errorf("no exchange named by the registration (reg.go:7): %+v", xs)
	}

	// Handlers still running after the timeout: each iteration's inner
	// wrapper runs concurrently with the outer's end.
	for i := 0; i < 30; i++ {
		release, done := make(chan struct{}), make(chan struct{})
		slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release })
		reg := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer close(done)
			ServeHTTP(slow, "reg.go:8", w, r)
		})
		rec := httptest.NewRecorder()
		ServeHTTP(http.TimeoutHandler(reg, time.Millisecond, "late"), "srv.go:9", rec, httptest.NewRequest("GET", "/late", nil))
		if rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503 from TimeoutHandler", rec.Code)
		}
		close(release)
		<-done
	}
}

// A served request's header.request takes its fields from the journal's
// record of the request (one walk of the map for both) and shows them as
// a walk of the map would: sorted by name, a name's values in their
// order, redacted.
func TestServedRequestHeaderFromJournal(t *testing.T) {
	if !probes.JournalOn() {
		t.Fatal("the journal is off")
	}
	rec := probetest.Record(t)
	probetest.Configure(t, "all=2")
	r := httptest.NewRequest("GET", "/hdr-journal", nil)
	r.Header["X-B"] = []string{"2", "1"}
	r.Header.Set("Authorization", "Bearer s3cret")
	r.Header.Set("A", "x")
	ServeHTTP(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), "hj.go:1", httptest.NewRecorder(), r)
	var got []string
	for _, e := range rec.Named("header.request") {
		if e.Site == "hj.go:1" {
			a, _ := e.Attr("headers")
			got = append(got, a.Str)
		}
	}
	want := "A: x; Authorization: [REDACTED]; X-B: 2; X-B: 1"
	if len(got) != 1 || got[0] != want {
		t.Errorf("header.request headers: %q; want one, %q", got, want)
	}
	if got, want := probes.FormatHeader(r.Header), want; got != want {
		t.Errorf("FormatHeader: %q; want %q (as the event)", got, want)
	}
}
