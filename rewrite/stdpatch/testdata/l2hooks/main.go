// Command l2hooks is built by stdpatch's tests with the std patch applied
// and the generated wiring file (in package rh, added by overlay). It
// counts the calls of the HTTP/1 client hooks of level-2 events (GetConn,
// WroteRequest, FirstByte, WriteTrace) over real requests: none at level
// 1, each once per request from the request after a switch to level 2
// (as `gohttpdbg ctl PID probes header=2` makes), none again after the
// switch back; and the same of AltEnter, which hands an HTTP/2 request's
// state to the HTTP/2 hooks. It prints what it found and exits 1 on a
// mismatch.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gohttpdbg/gohttpdbg/probes"

	_ "github.com/gohttpdbg/gohttpdbg/rewrite/stdpatch/testdata/l2hooks/rh"
)

// The hooks' calls, counted in wrappers of the probes' hooks.
var getConn, wrote, firstByte, writeTrace, gotConn, altEnter atomic.Int64

func main() {
	h := http.GohttpdbgHTTP1
	if h.GetConn == nil || h.WroteRequest == nil || h.FirstByte == nil || h.WriteTrace == nil || h.GotConn == nil {
		fail("the wiring installed no level-2 client hooks")
	}
	if h.AltEnter == nil {
		fail("the wiring installed no AltEnter hook")
	}
	g, w, f, tr, gc, ae := h.GetConn, h.WroteRequest, h.FirstByte, h.WriteTrace, h.GotConn, h.AltEnter
	h.AltEnter = func(req *http.Request, s unsafe.Pointer) bool { altEnter.Add(1); return ae(req, s) }
	h.GetConn = func(s unsafe.Pointer) { getConn.Add(1); g(s) }
	h.WroteRequest = func(s unsafe.Pointer) { wrote.Add(1); w(s) }
	h.FirstByte = func(s unsafe.Pointer) { firstByte.Add(1); f(s) }
	h.WriteTrace = func(s unsafe.Pointer, own *httptrace.ClientTrace) *httptrace.ClientTrace {
		writeTrace.Add(1)
		return tr(s, own)
	}
	h.GotConn = func(s unsafe.Pointer, c net.Conn, reused bool, idleAt time.Time, entry *unsafe.Pointer) {
		gotConn.Add(1)
		gc(s, c, reused, idleAt, entry)
	}

	probes.SetSink(probes.NewJSONSink(io.Discard))
	sub := probes.Subscribe(1 << 10)
	for p := range probes.Names() {
		probes.SetLevel(probes.Probe(p), 1)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	srv2 := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	srv2.EnableHTTP2 = true
	srv2.StartTLS()
	defer srv2.Close()
	get2 := func() { getH2(srv2, "/y") }
	// The program's own trace, which the probes' write trace must still
	// call at level 2.
	var ownFields atomic.Int64
	get := func() {
		req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			WroteHeaderField: func(string, []string) { ownFields.Add(1) },
		}))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fail("GET: %v", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	level2 := func() [4]int64 { return [4]int64{getConn.Load(), wrote.Load(), firstByte.Load(), writeTrace.Load()} }

	// Level 1: the requests are followed (GotConn) and no level-2 hook runs.
	for i := 0; i < 5; i++ {
		get()
	}
	if gotConn.Load() != 5 {
		fail("level 1: GotConn ran %d times over 5 requests, want 5 (the requests are not followed)", gotConn.Load())
	}
	if c := level2(); c != [4]int64{} {
		fail("level 1: GetConn, WroteRequest, FirstByte, WriteTrace ran %v times over 5 requests, want none", c)
	}
	own := ownFields.Load()
	if own == 0 {
		fail("level 1: the program's own trace saw no header field")
	}
	for i := 0; i < 3; i++ {
		get2()
	}
	if n := altEnter.Load(); n != 0 {
		fail("level 1: AltEnter ran %d times over 3 HTTP/2 requests, want none", n)
	}

	// Switched to 2 at run time: the next request runs each hook once and
	// reports its header fields (header.request), the program's trace
	// still called.
	probes.SetLevel(probes.Header, 2)
	get()
	if c := level2(); c != [4]int64{1, 1, 1, 1} {
		fail("after header=2: GetConn, WroteRequest, FirstByte, WriteTrace ran %v times over 1 request, want once each", c)
	}
	if ownFields.Load() <= own {
		fail("after header=2: the program's own trace saw no header field")
	}
	deadline := time.After(10 * time.Second)
	for seen := false; !seen; {
		select {
		case e := <-sub.C():
			seen = e.Name == "header.request"
		case <-deadline:
			fail("after header=2: no header.request event")
		}
	}

	get2()
	if n := altEnter.Load(); n != 1 {
		fail("after header=2: AltEnter ran %d times over 1 HTTP/2 request, want once", n)
	}

	// Back to 1: none again.
	probes.SetLevel(probes.Header, 1)
	get()
	get2()
	if c := level2(); c != [4]int64{1, 1, 1, 1} {
		fail("back at level 1: GetConn, WroteRequest, FirstByte, WriteTrace ran %v times in all, want once each (at level 2)", c)
	}
	if n := altEnter.Load(); n != 1 {
		fail("back at level 1: AltEnter ran %d times in all, want once (at level 2)", n)
	}
	headerSizesAtEnd(get)
	h2ConnStateGated()
	fmt.Println("ok")
}

// headerSizesAtEnd checks that roundTrip wrote each HTTP/1 response's
// header sizes in the request's state (the probes', which begins with
// them: see ClientStart) before ClientEnd: the response's known, the
// request's too (net/http wrote the header before the answer came).
func headerSizesAtEnd(get func()) {
	h := http.GohttpdbgHTTP1
	var sized, calls atomic.Int64
	end := h.ClientEnd
	h.ClientEnd = func(s unsafe.Pointer, resp *http.Response, err error) {
		calls.Add(1)
		if hs := (*struct{ req, resp int32 })(s); hs.req > 0 && hs.resp > 1 {
			sized.Add(1)
		}
		end(s, resp, err)
	}
	for i := 0; i < 3; i++ {
		get()
	}
	h.ClientEnd = end
	if calls.Load() != 3 || sized.Load() != 3 {
		fail("header sizes: %d of %d requests (want 3 of 3) had their sizes in the state at ClientEnd", sized.Load(), calls.Load())
	}
}

// h2ConnStateGated checks that at level 0 an HTTP/2 server connection's
// turns make no ServerConnState call (the server's own ConnState is still
// called), and that after a switch to level 1 the next turn does.
func h2ConnStateGated() {
	h2 := http.GohttpdbgH2
	var hookCalls, userCalls atomic.Int64
	orig := h2.ServerConnState
	h2.ServerConnState = func(srv any, slot *unsafe.Pointer, nc net.Conn, state int) bool {
		hookCalls.Add(1)
		return orig(srv, slot, nc, state)
	}
	defer func() { h2.ServerConnState = orig }()
	for p := range probes.Names() {
		probes.SetLevel(probes.Probe(p), 0)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	srv.Config.ConnState = func(net.Conn, http.ConnState) { userCalls.Add(1) }
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	get := func() { getH2(srv, "/z") }
	for i := 0; i < 3; i++ {
		get()
	}
	if n := hookCalls.Load(); n != 0 {
		fail("level 0: ServerConnState ran %d times over 3 HTTP/2 requests, want none", n)
	}
	// New and active, idle, active… : the server's own hook is called.
	if n := userCalls.Load(); n < 4 {
		fail("level 0: the server's ConnState ran %d times over 3 HTTP/2 requests, want at least 4", n)
	}
	probes.SetLevel(probes.Dial, 1)
	get()
	if n := hookCalls.Load(); n == 0 {
		fail("after dial=1: ServerConnState did not run for the next HTTP/2 request")
	}
}

// getH2 GETs path from srv, which must answer over HTTP/2.
func getH2(srv *httptest.Server, path string) {
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		fail("GET over HTTP/2: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.ProtoMajor != 2 {
		fail("GET over HTTP/2: answered over %s", resp.Proto)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "l2hooks: "+format+"\n", args...)
	os.Exit(1)
}
