package server

import (
	"bufio"
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
)

// stdWriter stands for net/http's own writer as the std patch leaves it
// (see rewrite/stdpatch/answer.go): it keeps the status and the body
// bytes, reports its answer to StdAnswered once watched, and its header's
// sending (Flush) to StdSent.
type stdWriter struct {
	*httptest.ResponseRecorder
	state       unsafe.Pointer // the probes' state while watched
	header      http.Header    // the handler's (Header)
	snap        http.Header    // the header as written, as net/http's snapshot
	status      int
	written     int64
	wroteHeader bool
	sentHeader  bool
	hijacked    bool
}

func (w *stdWriter) GohttpdbgWatch(state unsafe.Pointer) { w.state = state }

func (w *stdWriter) GohttpdbgUnwatch() (int, int64) {
	w.state = nil
	if !w.wroteHeader {
		if w.hijacked {
			return -1, 0
		}
		return 0, 0
	}
	return w.status, w.written
}

func (w *stdWriter) GohttpdbgHeader() map[string][]string {
	if w.snap != nil {
		return w.snap
	}
	return w.header
}

func (w *stdWriter) GohttpdbgFollower() unsafe.Pointer { return w.state }

// GohttpdbgRequest is HTTP/1's: no slot, no stream, and the header size
// GohttpdbgHeaderSize returns.
func (w *stdWriter) GohttpdbgRequest() (unsafe.Pointer, uint32, int) {
	return nil, 0, w.GohttpdbgHeaderSize()
}

// GohttpdbgHeaderSize is 0, a size the writer does not know: the probes
// sum the header map.
func (w *stdWriter) GohttpdbgHeaderSize() int { return 0 }

func (w *stdWriter) Header() http.Header {
	if w.header == nil {
		w.header = http.Header{}
	}
	return w.header
}

func (w *stdWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.wroteHeader, w.status, w.snap = true, code, w.header.Clone()
	}
	// Each write of the header while watched, as the patch's: the
	// probes keep the first. A quiet watch (the state's lowest bit set)
	// reports nothing.
	if s := w.state; s != nil && uintptr(s)&1 == 0 {
		StdAnswered(s, w.status, w.header)
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

// Flush sends the header, as net/http's does: reported while watched.
func (w *stdWriter) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.sentHeader {
		w.sentHeader = true
		if s := w.state; s != nil {
			StdSent(s)
		}
	}
	w.ResponseRecorder.Flush()
}

// The rest of net/http's HTTP/1 writer's methods, so that the probes'
// wrapper takes it for one where they need it.
func (w *stdWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, http.ErrNotSupported
}
func (w *stdWriter) ReadFrom(r io.Reader) (int64, error) { return io.Copy(struct{ io.Writer }{w}, r) }

func (w *stdWriter) CloseNotify() <-chan bool { return nil }

func newStdWriter() *stdWriter { return &stdWriter{ResponseRecorder: httptest.NewRecorder()} }

// At level 1 the handler gets net/http's own writer, unwrapped, and the
// journal still has the status, the body bytes and when the header left
// for the client (the wait and receive phases): not when the handler
// wrote it (/late: buffered until the handler returns), when it flushed
// it (/flushed); an implicit 200 is taken when the handler returns, a
// hijacked connection has no answer.
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
		case "/late":
			time.Sleep(pause)
			w.WriteHeader(http.StatusCreated)
			time.Sleep(pause)
			io.WriteString(w, "hello")
		case "/flushed":
			time.Sleep(pause)
			w.WriteHeader(http.StatusCreated)
			time.Sleep(pause)
			w.(http.Flusher).Flush()
			io.WriteString(w, "hello")
			time.Sleep(pause)
		case "/hijack":
			w.(*stdWriter).hijacked = true
		}
	})
	for _, tc := range []struct {
		path    string
		status  int
		written int64
	}{{"/late", 201, 5}, {"/flushed", 201, 5}, {"/empty", 200, 0}, {"/hijack", 0, 0}} {
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
		// Lower bounds only: each pause is at least that long.
		if tc.path == "/late" && x.Timings.Wait < 2*15 {
			t.Errorf("%s: wait %vms; the header was written %v after the start and sent %v after that, at the end",
				tc.path, x.Timings.Wait, pause, pause)
		}
		if tc.path == "/flushed" && (x.Timings.Wait < 2*15 || x.Timings.Receive < 15) {
			t.Errorf("%s: wait %vms, receive %vms; the header was flushed %v after the start and %v before the end",
				tc.path, x.Timings.Wait, x.Timings.Receive, 2*pause, pause)
		}
	}
}

// At header level 2 too the handler keeps net/http's writer, which
// reports header.response as the header leaves: the status and the
// header as written, not as the handler changed it after.
func TestStdWriterReportsAtHeaderLevel2(t *testing.T) {
	rec := probetest.Record(t)
	probetest.Configure(t, "all=1,header=2")
	var got http.ResponseWriter
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = w
		w.Header().Set("X-Answer", "accepted")
		w.WriteHeader(http.StatusAccepted)
		w.Header().Set("X-Answer", "changed after")
	})
	w := newStdWriter()
	ServeHTTP(h, "std.go:2", w, httptest.NewRequest("GET", "/std", nil))
	if got != w {
		t.Errorf("the handler got %T at header level 2, want net/http's writer itself", got)
	}
	var found []string
	for _, e := range rec.Named("header.response") {
		if e.Site == "std.go:2" {
			st, _ := e.Attr("status")
			hs, _ := e.Attr("headers")
			found = append(found, fmt.Sprint(st.Num, " ", hs.Str))
		}
	}
	if want := "202 X-Answer: accepted"; len(found) != 1 || found[0] != want {
		t.Errorf("header.response: %q, want one %q", found, want)
	}
}

// A request served through net/http's own writer allocates nothing in
// the server probe at level 1: its state is recycled. At level 2 too the
// writer stays net/http's and the state is recycled, its request line
// comes from the cache of lines seen before, and its header events' fields
// are copied into their ring slots' buffers: it allocates nothing either.
func TestStdWriterServeAllocs(t *testing.T) {
	for _, c := range []struct {
		spec string
		want float64
	}{{"all=1", 0}, {"all=2", 0}} {
		t.Run(c.spec, func(t *testing.T) {
			probetest.Configure(t, c.spec)
			ok := []byte("ok")
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(ok) })
			w := newStdWriter()
			r := httptest.NewRequest("GET", "/allocs", nil)
			serve := func() {
				*w = stdWriter{ResponseRecorder: w.ResponseRecorder}
				w.Body.Reset()
				ServeHTTP(h, "std.go:3", w, r)
			}
			// Each journal slot makes its level-2 header buffers on first
			// use and keeps them: the journal's slots are all used once
			// first.
			for i := 0; i < 2*probes.DefaultJournalSize; i++ {
				serve()
			}
			if n := testing.AllocsPerRun(200, serve); n != c.want {
				t.Errorf("%v allocations per request served, want %v", n, c.want)
			}
		})
	}
}

// BenchmarkServeStd is the probes' own work around one request served
// through net/http's own writer on a kept-alive HTTP/1 connection, without
// the network or net/http's work: the connection turning active and idle,
// and the handler wrapper.
func BenchmarkServeStd(b *testing.B) {
	for _, spec := range []string{"all=0", "all=1", "all=2"} {
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

// The state every request zeroes when it ends (end) holds only what most
// requests use: a watched body, the writer's wrapper and a span are in
// its serverAside, taken only by a request that needs one. Zeroing is a
// loop of 64 bytes a turn on each request's path (328 bytes: about 36
// instructions; 232: 26).
func TestServerRequestCommonSize(t *testing.T) {
	if n := unsafe.Sizeof(serverRequest{}); n > 240 {
		t.Errorf("serverRequest is %d bytes, want at most 240: move what most requests leave zero to serverAside", n)
	}
}
