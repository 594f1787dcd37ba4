package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/probetest"
)

// stdWriter stands for net/http's own writer as the std patch leaves it
// (see rewrite/stdpatch/answer.go): it keeps the status and the body
// bytes, and notes when its header is written once watched.
type stdWriter struct {
	*httptest.ResponseRecorder
	at          int64 // 0 not watched, -1 watched, else answered at
	status      int
	written     int64
	wroteHeader bool
	hijacked    bool
}

func (w *stdWriter) GohttpdbgWatch() {
	if w.at == 0 {
		w.at = -1
	}
}

func (w *stdWriter) GohttpdbgAnswer() (int, int64, int64) {
	if !w.wroteHeader {
		if w.hijacked {
			return -1, 0, 0
		}
		return 0, 0, 0
	}
	at := w.at
	if at < 0 {
		at = 0
	}
	return w.status, w.written, at
}

func (w *stdWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.wroteHeader, w.status = true, code
		if w.at < 0 {
			w.at = probes.Mono()
		}
	}
	w.ResponseRecorder.WriteHeader(code)
}

func (w *stdWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	w.written += int64(len(p))
	return w.ResponseRecorder.Write(p)
}

func (w *stdWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// The rest of net/http's HTTP/1 writer's methods, so that the probes'
// wrapper takes it for one where they need it.
func (w *stdWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, http.ErrNotSupported
}
func (w *stdWriter) ReadFrom(r io.Reader) (int64, error) { return io.Copy(struct{ io.Writer }{w}, r) }

func (w *stdWriter) CloseNotify() <-chan bool { return nil }

func newStdWriter() *stdWriter { return &stdWriter{ResponseRecorder: httptest.NewRecorder()} }

// At level 1 the handler gets net/http's own writer, unwrapped, and the
// journal still has the status, the body bytes and when the header was
// written (the wait and receive phases); an implicit 200 is taken when
// the handler returns, a hijacked connection has no answer.
func TestJournalReadsStdWriter(t *testing.T) {
	probetest.Configure(t, "all=1")
	if !probes.JournalOn() {
		t.Fatal("the journal is off at all=1")
	}
	const pause = 20 * time.Millisecond
	var got http.ResponseWriter
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = w
		switch r.URL.Path {
		case "/slow":
			time.Sleep(pause)
			w.WriteHeader(http.StatusCreated)
			time.Sleep(pause)
			io.WriteString(w, "hello")
		case "/hijack":
			w.(*stdWriter).hijacked = true
		}
	})
	for _, tc := range []struct {
		path    string
		status  int
		written int64
	}{{"/slow", 201, 5}, {"/empty", 200, 0}, {"/hijack", 0, 0}} {
		w := newStdWriter()
		r := httptest.NewRequest("GET", tc.path, nil)
		before := probes.NextReqID()
		ServeHTTP(h, "std.go:1", w, r)
		if got != w {
			t.Errorf("%s: the handler got %T, want net/http's writer itself", tc.path, got)
		}
		xs, _ := probes.Exchanges(probes.ExchangeFilter{ID: before + 1})
		if len(xs) != 1 {
			t.Fatalf("%s: exchanges %+v, want one", tc.path, xs)
		}
		x := xs[0]
		if x.Side != "server" || x.Status != tc.status || x.ResponseBodySize != tc.written {
			t.Errorf("%s: status %d, %d bytes (side %s); want %d, %d", tc.path, x.Status, x.ResponseBodySize, x.Side, tc.status, tc.written)
		}
		if tc.path == "/slow" && (x.Timings.Wait < 15 || x.Timings.Receive < 15) {
			t.Errorf("%s: wait %vms, receive %vms; the header was written %v after the start and %v before the end",
				tc.path, x.Timings.Wait, x.Timings.Receive, pause, pause)
		}
	}
}

// Where the handler needs the wrapper (header level 2: header.response
// is reported as the header is written), it still gets it.
func TestStdWriterWrappedAtHeaderLevel2(t *testing.T) {
	rec := probetest.Record(t)
	probetest.Configure(t, "all=1,header=2")
	var got http.ResponseWriter
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = w
		w.WriteHeader(http.StatusAccepted)
	})
	w := newStdWriter()
	ServeHTTP(h, "std.go:2", w, httptest.NewRequest("GET", "/wrapped", nil))
	if got == w {
		t.Error("the handler got net/http's writer at header level 2, want the wrapper")
	}
	found := false
	for _, e := range rec.Named("header.response") {
		found = found || e.Site == "std.go:2"
	}
	if !found {
		t.Error("no header.response for the request")
	}
}

// A request served through net/http's own writer at level 1 allocates
// nothing in the server probe: its state is recycled.
func TestStdWriterServeAllocs(t *testing.T) {
	probetest.Configure(t, "all=1")
	ok := []byte("ok")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(ok) })
	w := newStdWriter()
	r := httptest.NewRequest("GET", "/allocs", nil)
	serve := func() {
		*w = stdWriter{ResponseRecorder: w.ResponseRecorder}
		w.Body.Reset()
		ServeHTTP(h, "std.go:3", w, r)
	}
	serve()
	if n := testing.AllocsPerRun(200, serve); n != 0 {
		t.Errorf("%v allocations per request served, want 0", n)
	}
}

// BenchmarkServeStd is the probes' own work around one request served
// through net/http's own writer on a kept-alive HTTP/1 connection, without
// the network or net/http's work: the connection turning active and idle,
// and the handler wrapper.
func BenchmarkServeStd(b *testing.B) {
	for _, spec := range []string{"all=0", "all=1"} {
		b.Run(spec, func(b *testing.B) {
			probetest.Configure(b, spec)
			s, c1, ctx, done := benchConn()
			defer done()
			ok := []byte("ok")
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(ok) })
			w := newStdWriter()
			r := httptest.NewRequest("GET", "/x", nil).WithContext(ctx)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				*w = stdWriter{ResponseRecorder: w.ResponseRecorder}
				w.Body.Reset()
				s.ConnState(c1, http.StateActive)
				ServeHTTP(h, "bench.go:3", w, r)
				s.ConnState(c1, http.StateIdle)
			}
		})
	}
}
