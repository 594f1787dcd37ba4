package gohttpdbgrt_test

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/body"
	"github.com/gohttpdbg/gohttpdbg/probes/client"
	"github.com/gohttpdbg/gohttpdbg/probes/gc"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt/httptestrt"
)

// recorder is a sink that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []probes.Event
}

func (r *recorder) WriteEvent(e *probes.Event) error {
	r.mu.Lock()
	r.events = append(r.events, *e)
	r.mu.Unlock()
	return nil
}

func (r *recorder) Flush() error { return nil }

func (r *recorder) all() []probes.Event {
	probes.Flush()
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]probes.Event(nil), r.events...)
}

// find returns the events called name that match ok.
func (r *recorder) find(name string, ok func(*probes.Event) bool) []probes.Event {
	var out []probes.Event
	for _, e := range r.all() {
		if e.Name == name && (ok == nil || ok(&e)) {
			out = append(out, e)
		}
	}
	return out
}

// wait polls (bounded) until an event called name matching ok arrives;
// server-side events may come after the client already has its response.
func (r *recorder) wait(t *testing.T, name string, ok func(*probes.Event) bool) probes.Event {
	t.Helper()
	for i := 0; i < 500; i++ {
		if es := r.find(name, ok); len(es) > 0 {
			return es[0]
		}
		time.Sleep(10 * time.Millisecond)
	}
	var names []string
	for _, e := range r.all() {
		names = append(names, e.Name+"@"+e.Site)
	}
	t.Fatalf("no %s event; got %v", name, names)
	return probes.Event{}
}

func attr(e probes.Event, key string) probes.Attr {
	a, _ := e.Attr(key)
	return a
}

func site(s string) func(*probes.Event) bool {
	return func(e *probes.Event) bool { return e.Site == s }
}

// setup records events with every probe at spec (GOHTTPDBG syntax) and
// restores the configuration afterwards.
func setup(t *testing.T, spec string) *recorder {
	t.Helper()
	old := probes.CurrentConfig()
	cfg := probes.DefaultConfig()
	if err := probes.ParseSpec(spec, &cfg); err != nil {
		t.Fatal(err)
	}
	probes.Flush()
	probes.Configure(cfg)
	r := &recorder{}
	oldSink := probes.SetSink(r)
	t.Cleanup(func() {
		probes.Flush()
		probes.SetSink(oldSink)
		probes.Configure(old)
	})
	return r
}

func hello(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	http.SetCookie(w, &http.Cookie{Name: "sid", Value: "cookie-secret-42"})
	io.WriteString(w, "hello")
}

func TestHTTP1Events(t *testing.T) {
	rec := setup(t, "all=2")
	srv := httptestrt.NewServer(http.HandlerFunc(hello), "srv.go:10")
	defer srv.Close()
	c := gohttpdbgrt.Client(&http.Client{Transport: gohttpdbgrt.Transport(&http.Transport{}, "cli.go:2")}, "cli.go:3")

	for i := 0; i < 2; i++ {
		resp, err := gohttpdbgrt.ClientPost(c, srv.URL+"/p", "text/plain", strings.NewReader("abc"), "cli.go:5")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "hello" {
			t.Fatalf("body %q", b)
		}
	}

	// Client side.
	connect := rec.wait(t, "dial.connect", site("cli.go:5"))
	if attr(connect, "network").Str != "tcp" || attr(connect, "addr").Str != srv.Listener.Addr().String() {
		t.Errorf("dial.connect attrs: %+v", connect.Attrs)
	}
	conns := rec.find("dial.conn", site("cli.go:5"))
	if len(conns) != 2 || attr(conns[0], "reused").Num != 0 || attr(conns[1], "reused").Num != 1 || conns[0].Conn == 0 || conns[0].Conn != conns[1].Conn {
		t.Errorf("dial.conn: %+v", conns)
	}
	rec.wait(t, "dial.first_byte", site("cli.go:5"))
	hreq := rec.wait(t, "header.request", site("cli.go:5"))
	if !strings.Contains(attr(hreq, "headers").Str, "Content-Type: text/plain") || hreq.Req == 0 || hreq.Conn == 0 {
		t.Errorf("client header.request: %+v", hreq)
	}
	hresp := rec.wait(t, "header.response", site("cli.go:5"))
	if attr(hresp, "status").Num != 200 || !strings.Contains(attr(hresp, "headers").Str, "Set-Cookie: [REDACTED]") {
		t.Errorf("client header.response: %+v", hresp.Attrs)
	}
	rec.wait(t, "body.open", site("cli.go:5"))
	bc := rec.wait(t, "body.close", site("cli.go:5"))
	if attr(bc, "bytes").Num != 5 || attr(bc, "eof").Num != 1 {
		t.Errorf("client body.close: %+v", bc.Attrs)
	}

	// Server side.
	sreq := rec.wait(t, "header.request", site("srv.go:10"))
	if attr(sreq, "method").Str != "POST" || sreq.Conn == 0 {
		t.Errorf("server header.request: %+v", sreq)
	}
	sresp := rec.wait(t, "header.response", site("srv.go:10"))
	if attr(sresp, "status").Num != 200 {
		t.Errorf("server header.response: %+v", sresp.Attrs)
	}
	sbc := rec.wait(t, "body.close", func(e *probes.Event) bool { return e.Site == "srv.go:10" && attr(*e, "bytes").Num == 3 })
	if attr(sbc, "eof").Num != 1 {
		t.Errorf("server body.close: %+v", sbc.Attrs)
	}
	for _, st := range []string{"new", "active", "idle"} {
		e := rec.wait(t, "dial.conn_state", func(e *probes.Event) bool { return e.Site == "srv.go:10" && attr(*e, "state").Str == st })
		if e.Msg != "server connection "+st {
			t.Errorf("dial.conn_state %s: message %q", st, e.Msg)
		}
	}
	srv.Close()
	closed := rec.wait(t, "dial.conn_state", func(e *probes.Event) bool { return attr(*e, "state").Str == "closed" })
	if attr(closed, "requests").Num != 2 {
		t.Errorf("closed connection served %d requests, want 2", attr(closed, "requests").Num)
	}
	if len(rec.find("body.unread", nil)) != 0 || len(rec.find("body.early_close", nil)) != 0 {
		t.Error("diagnostics for a well-behaved exchange")
	}
}

func TestHTTP2TLSEvents(t *testing.T) {
	rec := setup(t, "all=2")
	srv := httptestrt.NewUnstartedServer(http.HandlerFunc(hello), "srv2.go:1")
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	c := srv.Client()
	for i := 0; i < 2; i++ {
		resp, err := gohttpdbgrt.ClientGet(c, srv.URL, "cli2.go:1")
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.ProtoMajor != 2 {
			t.Fatalf("proto %s", resp.Proto)
		}
	}
	tl := rec.wait(t, "dial.tls", site("cli2.go:1"))
	if attr(tl, "alpn").Str != "h2" || attr(tl, "version").Str != "TLS 1.3" || attr(tl, "cipher").Str == "" {
		t.Errorf("dial.tls: %+v", tl.Attrs)
	}
	hreq := rec.wait(t, "header.request", site("cli2.go:1"))
	if !strings.Contains(attr(hreq, "headers").Str, ":method: GET") && !strings.Contains(attr(hreq, "headers").Str, "user-agent") {
		t.Errorf("h2 header.request: %q", attr(hreq, "headers").Str)
	}
	rec.wait(t, "header.request", site("srv2.go:1"))
	sresp := rec.wait(t, "header.response", site("srv2.go:1"))
	if attr(sresp, "status").Num != 200 {
		t.Errorf("server header.response: %+v", sresp.Attrs)
	}
	conns := rec.find("dial.conn", site("cli2.go:1"))
	if len(conns) != 2 || attr(conns[1], "reused").Num != 1 {
		t.Errorf("h2 conn not reused: %+v", conns)
	}
	if len(rec.find("dial.alpn_fallback", nil)) != 0 {
		t.Error("alpn_fallback on an h2 connection")
	}

	// HTTP/2 gives every request a Body, a GET's too; only one that can
	// carry bytes is watched: the POST's, not the two GETs'.
	resp, err := gohttpdbgrt.ClientPost(c, srv.URL, "text/plain", strings.NewReader("hello"), "cli2.go:9")
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	rec.wait(t, "body.close", site("srv2.go:1"))
	if opened := rec.find("body.open", site("srv2.go:1")); len(opened) != 1 || opened[0].Req != rec.wait(t, "header.request", func(e *probes.Event) bool {
		return e.Site == "srv2.go:1" && attr(*e, "method").Str == "POST"
	}).Req {
		t.Errorf("server request bodies watched: %+v, want the POST's alone", opened)
	}
}

func TestBodyLeak(t *testing.T) {
	rec := setup(t, "all=1")
	srv := httptestrt.NewServer(http.HandlerFunc(hello), "srv.go:1")
	defer srv.Close()
	c := srv.Client()
	func() {
		resp, err := gohttpdbgrt.ClientGet(c, srv.URL, "leak.go:7")
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.StatusCode // Body never closed
	}()
	if bs := body.Open(); len(bs) == 0 {
		t.Error("open body not in the inventory")
	}
	var leak []probes.Event
	for i := 0; i < 200 && len(leak) == 0; i++ {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
		leak = rec.find("body.leak", site("leak.go:7"))
	}
	if len(leak) != 1 {
		t.Fatalf("body.leak events: %v", leak)
	}
	if leak[0].Sev != probes.Warn || leak[0].Req == 0 || !strings.Contains(attr(leak[0], "url").Str, srv.URL) {
		t.Errorf("body.leak: %+v", leak[0])
	}
	for _, b := range body.Open() {
		if b.Site == "leak.go:7" {
			t.Error("leaked body still in the inventory after its leak was reported")
		}
	}
}

func bigHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "262144")
	w.Write(bytes.Repeat([]byte("x"), 256<<10))
}

func TestEarlyCloseAndNotReused(t *testing.T) {
	rec := setup(t, "all=1")
	srv := httptestrt.NewServer(http.HandlerFunc(bigHandler), "srv.go:1")
	defer srv.Close()
	c := &http.Client{Transport: &http.Transport{}}
	for i := 0; i < 2; i++ {
		resp, err := gohttpdbgrt.ClientGet(c, srv.URL, "early.go:3")
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 10)
		io.ReadFull(resp.Body, buf)
		resp.Body.Close()
	}
	ec := rec.wait(t, "body.early_close", site("early.go:3"))
	if attr(ec, "bytes").Num != 10 || attr(ec, "length").Num != 256<<10 {
		t.Errorf("body.early_close: %+v", ec.Attrs)
	}
	nr := rec.wait(t, "dial.not_reused", site("early.go:3"))
	if !strings.Contains(attr(nr, "reason").Str, "closed before EOF at early.go:3") {
		t.Errorf("dial.not_reused reason %q", attr(nr, "reason").Str)
	}
}

func TestNotReusedPoolFull(t *testing.T) {
	rec := setup(t, "all=1")
	release := make(chan struct{})
	var started sync.WaitGroup
	srv := httptestrt.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started.Done()
		<-release
		io.WriteString(w, "ok")
	}), "srv.go:1")
	defer srv.Close()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	get := func() {
		resp, err := gohttpdbgrt.ClientGet(c, srv.URL, "pool.go:9")
		if err != nil {
			t.Error(err)
			return
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	started.Add(1)
	go func() { release <- struct{}{} }()
	get() // the host is known
	var wg sync.WaitGroup
	for round := 0; round < 2; round++ {
		started.Add(3)
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func() { defer wg.Done(); get() }()
		}
		started.Wait()
		for i := 0; i < 3; i++ {
			release <- struct{}{}
		}
		wg.Wait()
	}
	nr := rec.wait(t, "dial.not_reused", site("pool.go:9"))
	if !strings.Contains(attr(nr, "reason").Str, "MaxIdleConnsPerHost=1") {
		t.Errorf("reason %q", attr(nr, "reason").Str)
	}
	host := srv.Listener.Addr().String()
	for _, h := range client.Hosts() {
		if h.Host == host && h.MaxIdle == 1 {
			if h.NewConns < 3 || h.Reused < 1 || h.NewConns+h.Reused != 7 {
				t.Errorf("host stats %+v, want 7 requests, at least 3 new connections", h)
			}
			return
		}
	}
	t.Errorf("host %s not in Hosts()", host)
}

func TestBodyUnreadAndReadAfterClose(t *testing.T) {
	rec := setup(t, "all=1")
	mux := http.NewServeMux()
	gohttpdbgrt.MuxHandleFunc(mux, "/ignore", func(w http.ResponseWriter, r *http.Request) {}, "unread.go:12")
	gohttpdbgrt.MuxHandleFunc(mux, "/rac", func(w http.ResponseWriter, r *http.Request) {
		r.Body.Close()
		r.Body.Read(make([]byte, 1))
	}, "rac.go:4")
	mux.HandleFunc("/hello", hello)
	srv := httptest.NewServer(mux) // plain server: handler probes need no server hooks
	defer srv.Close()
	c := srv.Client()
	resp, err := gohttpdbgrt.ClientPost(c, srv.URL+"/ignore", "text/plain", strings.NewReader(strings.Repeat("a", 1000)), "cli.go:1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	un := rec.wait(t, "body.unread", site("unread.go:12"))
	if attr(un, "read").Num != 0 || attr(un, "length").Num != 1000 || un.Req == 0 {
		t.Errorf("body.unread: %+v", un)
	}
	resp, err = gohttpdbgrt.ClientPost(c, srv.URL+"/rac", "text/plain", strings.NewReader("x"), "cli.go:2")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	rec.wait(t, "body.read_after_close", site("rac.go:4"))

	// Client side read after close.
	resp, err = gohttpdbgrt.ClientGet(c, srv.URL+"/hello", "cli.go:3")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp.Body.Read(make([]byte, 1))
	rec.wait(t, "body.read_after_close", site("cli.go:3"))
}

func TestALPNFallback(t *testing.T) {
	rec := setup(t, "all=1")
	srv := httptestrt.NewUnstartedServer(http.HandlerFunc(hello), "srv.go:1")
	srv.EnableHTTP2 = false // offers http/1.1 only
	srv.StartTLS()
	defer srv.Close()
	base := srv.Client().Transport.(*http.Transport)

	// h2 offered, server picks http/1.1.
	t1 := gohttpdbgrt.Transport(&http.Transport{TLSClientConfig: base.TLSClientConfig.Clone(), ForceAttemptHTTP2: true}, "tr.go:5")
	resp, err := gohttpdbgrt.ClientGet(&http.Client{Transport: t1}, srv.URL, "alpn.go:8")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	fb := rec.wait(t, "dial.alpn_fallback", site("alpn.go:8"))
	if attr(fb, "alpn").Str != "http/1.1" || !strings.Contains(attr(fb, "reason").Str, "server selected http/1.1") || attr(fb, "transport").Str != "tr.go:5" {
		t.Errorf("dial.alpn_fallback: %+v", fb.Attrs)
	}

	// h2 never offered: custom TLS config without ForceAttemptHTTP2.
	t2 := &http.Transport{TLSClientConfig: base.TLSClientConfig.Clone()}
	resp, err = gohttpdbgrt.ClientGet(&http.Client{Transport: t2}, srv.URL, "alpn.go:9")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	fb = rec.wait(t, "dial.alpn_fallback", site("alpn.go:9"))
	if !strings.Contains(attr(fb, "reason").Str, "ForceAttemptHTTP2 is false") {
		t.Errorf("reason %q", attr(fb, "reason").Str)
	}

	// Deliberately off: no diagnostic.
	t3 := &http.Transport{TLSClientConfig: base.TLSClientConfig.Clone(), TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}
	resp, err = gohttpdbgrt.ClientGet(&http.Client{Transport: t3}, srv.URL, "alpn.go:10")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if es := rec.find("dial.alpn_fallback", site("alpn.go:10")); len(es) != 0 {
		t.Errorf("fallback reported for a transport with HTTP/2 turned off: %+v", es)
	}
}

func TestDNSAndSlow(t *testing.T) {
	rec := setup(t, "all=2,slow=1ns")
	srv := httptestrt.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond)
		io.WriteString(w, "late")
	}), "srv.go:1")
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	resp, err := gohttpdbgrt.ClientGet(&http.Client{}, "http://localhost:"+port+"/", "dns.go:4")
	if err != nil {
		t.Skipf("localhost does not reach 127.0.0.1 here: %v", err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	dns := rec.wait(t, "dial.dns", site("dns.go:4"))
	if attr(dns, "host").Str != "localhost" || attr(dns, "resolver").Str == "" {
		t.Errorf("dial.dns: %+v", dns.Attrs)
	}
	for _, phase := range []string{"dns", "connect", "ttfb"} {
		sl := rec.wait(t, "dial.slow", func(e *probes.Event) bool { return e.Site == "dns.go:4" && attr(*e, "phase").Str == phase })
		if sl.Sev != probes.Warn || attr(sl, "threshold").Num != 1 {
			t.Errorf("dial.slow %s: %+v", phase, sl)
		}
	}
}

func TestHeaderLimits(t *testing.T) {
	rec := setup(t, "all=1")
	srv := httptestrt.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Big", strings.Repeat("b", 1800))
		if r.URL.Path == "/over" {
			w.Header().Set("X-Bigger", strings.Repeat("c", 4000))
		}
	}), "lim.go:1")
	srv.Config.MaxHeaderBytes = 1024
	srv.Start()
	defer srv.Close()
	c := &http.Client{Transport: &http.Transport{MaxResponseHeaderBytes: 2000}}
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("X-Fill", strings.Repeat("a", 900))
	resp, err := gohttpdbgrt.ClientDo(c, req, "lim.go:9")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sl := rec.wait(t, "header.limit", site("lim.go:1"))
	if attr(sl, "limit").Num != 1024 || attr(sl, "limit_name").Str != "MaxHeaderBytes" || attr(sl, "size").Num < 922 {
		t.Errorf("server header.limit: %+v", sl.Attrs)
	}
	cl := rec.wait(t, "header.limit", site("lim.go:9"))
	if attr(cl, "limit").Num != 2000 || attr(cl, "limit_name").Str != "MaxResponseHeaderBytes" {
		t.Errorf("client header.limit: %+v", cl.Attrs)
	}
	_, err = gohttpdbgrt.ClientGet(c, srv.URL+"/over", "lim.go:12")
	if err == nil {
		t.Fatal("no error for headers over MaxResponseHeaderBytes")
	}
	over := rec.wait(t, "header.limit", site("lim.go:12"))
	if over.Sev != probes.Error || attr(over, "limit").Num != 2000 {
		t.Errorf("over-limit header.limit: %+v", over)
	}
}

func TestGCDelay(t *testing.T) {
	rec := setup(t, "all=2,gc.delay=1ns")
	gc.Poll()
	entered, release := make(chan struct{}), make(chan struct{})
	srv := httptestrt.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
	}), "gc.go:3")
	defer srv.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := gohttpdbgrt.ClientGet(srv.Client(), srv.URL, "gcc.go:5")
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	runtime.GC()
	gc.Poll()
	close(release)
	<-done
	rec.wait(t, "gc.pause", nil)
	d := rec.wait(t, "gc.delay", func(e *probes.Event) bool { return strings.Contains(attr(*e, "reqs").Str, "@gc.go:3") })
	reqs := attr(d, "reqs").Str
	if !strings.Contains(reqs, "@gc.go:3") || !strings.Contains(reqs, "@gcc.go:5") || attr(d, "count").Num < 2 {
		t.Errorf("gc.delay reqs %q", reqs)
	}
}

func TestDialError(t *testing.T) {
	rec := setup(t, "all=1")
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	if _, err := gohttpdbgrt.ClientGet(&http.Client{}, "http://"+addr+"/", "err.go:2"); err == nil {
		t.Fatal("no error from a closed port")
	}
	e := rec.wait(t, "dial.error", site("err.go:2"))
	if !strings.Contains(attr(e, "err").Str, "refused") {
		t.Errorf("dial.error: %+v", e.Attrs)
	}
}

// The probes add to the user's hooks; they never replace them.
func TestUserHooksComposed(t *testing.T) {
	setup(t, "all=2")
	var mu sync.Mutex
	var states []http.ConnState
	s := gohttpdbgrt.Server(&http.Server{ConnState: func(c net.Conn, st http.ConnState) {
		mu.Lock()
		states = append(states, st)
		mu.Unlock()
	}, Handler: http.HandlerFunc(hello)}, "srv.go:1")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go gohttpdbgrt.ServerServe(s, l, "srv.go:2")
	defer s.Close()

	gotConn := false
	req, _ := http.NewRequest("GET", "http://"+l.Addr().String(), nil)
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { gotConn = true },
	}))
	resp, err := gohttpdbgrt.ClientDo(&http.Client{}, req, "cli.go:1")
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	if !gotConn {
		t.Error("the user's httptrace hook was not called")
	}
	if resp.Request != req {
		t.Error("resp.Request is not the caller's request (the probes' copy leaked out)")
	}
	mu.Lock()
	n := len(states)
	mu.Unlock()
	if n == 0 {
		t.Error("the user's ConnState was not called")
	}
}

// A secret in Authorization, Cookie, Set-Cookie or X-Api-Key never reaches
// a sink at the default redaction, even with every probe at level 2.
func TestRedactionInEverySink(t *testing.T) {
	const secret = "tok-SECRET-5f2a9c"
	setup(t, "all=2")
	var text, js bytes.Buffer
	for _, s := range []probes.Sink{probes.NewTextSink(&text), probes.NewJSONSink(&js)} {
		probes.SetSink(s)
		srv := httptestrt.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Set-Cookie", "sid="+secret)
			w.Header().Set("X-Api-Key", secret)
			io.WriteString(w, "ok")
		}), "srv.go:1")
		req, _ := http.NewRequest("GET", srv.URL+"/?access_token="+secret, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Cookie", "sid="+secret)
		req.Header.Set("X-Api-Key", secret)
		resp, err := gohttpdbgrt.ClientDo(srv.Client(), req, "cli.go:1")
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		time.Sleep(20 * time.Millisecond) // let the server's events in; the assertion below is on content only
		probes.Flush()
	}
	for name, out := range map[string]string{"text": text.String(), "json": js.String()} {
		if !strings.Contains(out, "header.request") || !strings.Contains(out, "Authorization") {
			t.Errorf("%s sink: no header events:\n%s", name, out)
		}
		if strings.Contains(out, secret) {
			t.Errorf("%s sink leaks the secret:\n%s", name, out)
		}
	}
}

// A server literal wrapped, then served through a wrapper, reports each
// connection state once, and a handler given directly in the literal is
// followed with the literal's site; a wrapped mux inside a middleware does
// not report the request twice.
func TestServerLiteralOnce(t *testing.T) {
	rec := setup(t, "all=2")
	mux := http.NewServeMux()
	gohttpdbgrt.MuxHandleFunc(mux, "/r", hello, "route.go:3")
	middleware := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { mux.ServeHTTP(w, r) })
	s := gohttpdbgrt.Server(&http.Server{Handler: middleware}, "lit.go:1")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { gohttpdbgrt.ServerServe(s, l, "serve.go:2"); close(done) }()
	resp, err := gohttpdbgrt.ClientGet(&http.Client{}, "http://"+l.Addr().String()+"/r", "cli.go:1")
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	rec.wait(t, "header.response", site("lit.go:1"))
	s.Close()
	<-done
	rec.wait(t, "dial.conn_state", func(e *probes.Event) bool { return attr(*e, "state").Str == "closed" })
	if n := len(rec.find("header.request", site("lit.go:1"))); n != 1 {
		t.Errorf("%d server header.request events at the literal's site, want 1", n)
	}
	if n := len(rec.find("header.request", site("route.go:3"))); n != 0 {
		t.Errorf("the inner route reported the request again (%d events)", n)
	}
	if n := len(rec.find("dial.conn_state", func(e *probes.Event) bool { return attr(*e, "state").Str == "new" })); n != 1 {
		t.Errorf("%d dial.conn_state new events, want 1", n)
	}
	if n := len(rec.find("dial.conn_state", site("serve.go:2"))); n != 0 {
		t.Errorf("ConnState composed twice (%d events at the Serve site)", n)
	}
}

// At level 1 a request expected to reuse a kept-alive connection is traced
// lightly (GotConn only). When it has to dial anyway, because the server
// closed the idle connection, it still reports dial.not_reused, and the
// following requests are traced fully again: their dial phases are timed.
func TestLightTraceUnexpectedDial(t *testing.T) {
	rec := setup(t, "all=1,slow.connect=1ns")
	srv := httptestrt.NewServer(http.HandlerFunc(hello), "srv.go:1")
	defer srv.Close()
	c := &http.Client{Transport: &http.Transport{}}
	get := func(site string) {
		t.Helper()
		resp, err := gohttpdbgrt.ClientGet(c, srv.URL, site)
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	connects := func(site string) int {
		return len(rec.find("dial.slow", func(e *probes.Event) bool {
			return e.Site == site && attr(*e, "phase").Str == "connect"
		}))
	}
	// closeIdle closes the client's idle connection from the server side.
	// The client's read loop sees EOF at once and drops the connection
	// from its pool; the pause lets it, so that the next request dials
	// instead of trying the dead connection first (net/http would then
	// retry on a new one, a different case).
	closeIdle := func() {
		srv.CloseClientConnections()
		time.Sleep(100 * time.Millisecond)
	}

	get("first.go:1") // a new host: traced fully
	if connects("first.go:1") != 1 {
		t.Fatalf("first request: %d dial.slow connect events, want 1", connects("first.go:1"))
	}
	closeIdle()
	get("light.go:2") // expected to reuse: light trace, yet it dials
	if n := connects("light.go:2"); n != 0 {
		t.Errorf("light trace timed the connect (%d events)", n)
	}
	nr := rec.wait(t, "dial.not_reused", site("light.go:2"))
	if !strings.Contains(attr(nr, "reason").Str, "idle connections were closed") {
		t.Errorf("dial.not_reused reason %q", attr(nr, "reason").Str)
	}
	closeIdle()
	get("after.go:3") // after an unexpected dial: traced fully again
	if n := connects("after.go:3"); n != 1 {
		t.Errorf("request after an unexpected dial: %d dial.slow connect events, want 1", n)
	}
}
