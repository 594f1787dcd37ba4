package probes_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/client"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/probetest"
	"github.com/gohttpdbg/gohttpdbg/probes/server"
)

// These tests follow real requests through the client and server probes
// (packages probes/client and probes/server) into what package probes
// keeps of them: the exchange journal, the connection inventory.

// journalServer serves h through the probes' handler wrapper on
// loopback.
func journalServer(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { server.ServeHTTP(h, "srv.go:1", w, r) })}
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return "http://" + ln.Addr().String()
}

// get sends a request through the probes' client path and reads (or,
// with early, closes unread) its body.
func send(t *testing.T, c *http.Client, method, url, body string, hdr map[string]string, early bool) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, rd)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	cr := client.Start(c, req, "cli.go:9")
	resp, err := c.Do(cr.Request())
	cr.Finish(resp, err)
	if err != nil {
		t.Fatal(err)
	}
	if !early {
		io.Copy(io.Discard, resp.Body)
	}
	resp.Body.Close()
}

func exchangesBy(side string) []probes.Exchange {
	xs, _ := probes.Exchanges(probes.ExchangeFilter{Side: side})
	return xs
}

// Each request leaves one record per side: status, proto, reuse, sizes,
// phases that add up, -1 for the dial phases of a reused connection, and
// the diagnostics emitted for it.
func TestJournalRecords(t *testing.T) {
	probetest.Configure(t, "all=1") // the httptrace path: this test's net/http is not patched
	probes.UseJournal(t, 64)
	url := journalServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(201)
		io.WriteString(w, strings.Repeat("x", 100000))
	})
	c := &http.Client{Transport: &http.Transport{}}
	send(t, c, "POST", url+"/a?token=s3cret", "hello", nil, false)
	send(t, c, "GET", url+"/b", "", nil, false)
	send(t, c, "GET", url+"/c", "", nil, true) // closed before EOF: body.early_close

	cl := exchangesBy("client")
	if len(cl) != 3 {
		t.Fatalf("client records: %d, want 3: %+v", len(cl), cl)
	}
	a, b, e := cl[0], cl[1], cl[2]
	if a.Method != "POST" || a.Status != 201 || a.Proto != "HTTP/1.1" || a.Path != "/a" || a.Reused || a.Site != "cli.go:9" {
		t.Errorf("first: %+v", a)
	}
	if strings.Contains(a.URL, "s3cret") {
		t.Errorf("URL not redacted: %s", a.URL)
	}
	if a.ResponseBodySize != 100000 || a.RequestBodySize != 5 || a.RequestHeaderSize == 0 || a.ResponseHeaderSize == 0 {
		t.Errorf("sizes: %+v", a)
	}
	if a.Timings.Connect < 0 || a.Conn == 0 || a.Remote == "" {
		t.Errorf("a new connection's connect phase or address missing: %+v", a)
	}
	if !b.Reused || b.Timings.Connect != -1 || b.Timings.SSL != -1 || b.Timings.DNS != -1 || b.Conn != a.Conn {
		t.Errorf("a reused connection: %+v", b)
	}
	for _, x := range cl {
		tm := x.Timings
		sum := tm.Blocked + max(tm.DNS, 0) + max(tm.Connect, 0) + tm.Send + tm.Wait + tm.Receive
		if d := sum - x.Time; d > 0.0015 || d < -0.0015 {
			t.Errorf("exchange %d: time %v, phases add up to %v: %+v", x.ID, x.Time, sum, tm)
		}
	}
	if len(e.Diagnostics) != 1 || e.Diagnostics[0] != "body.early_close" {
		t.Errorf("early close not named: %v", e.Diagnostics)
	}
	sv := exchangesBy("server")
	for i := 0; i < 200 && len(sv) < 3; i++ { // the last handler may still be writing
		time.Sleep(10 * time.Millisecond)
		sv = exchangesBy("server")
	}
	if len(sv) != 3 || sv[0].Status != 201 || sv[0].RequestBodySize != 5 || sv[0].ResponseBodySize != 100000 || sv[0].Timings.Connect != -1 {
		t.Fatalf("server records: %+v", sv)
	}
	if want := strings.TrimPrefix(url, "http://"); sv[0].Local != want || sv[0].Remote == "" {
		t.Errorf("server record's addresses: local %q remote %q, want local %s", sv[0].Local, sv[0].Remote, want)
	}
	if xs, _ := probes.Exchanges(probes.ExchangeFilter{Path: "/[ab]", Method: "get"}); len(xs) != 2 {
		t.Errorf("filter path+method: %d records, want 2", len(xs))
	}
}

// The journal is bounded: the oldest records are dropped, and counted.
func TestJournalBounded(t *testing.T) {
	probetest.Configure(t, "all=1")
	probes.UseJournal(t, 4)
	url := journalServer(t, func(w http.ResponseWriter, r *http.Request) {})
	c := &http.Client{Transport: &http.Transport{}}
	for i := 0; i < 10; i++ {
		send(t, c, "GET", url+"/", "", nil, false)
	}
	xs, dropped := probes.Exchanges(probes.ExchangeFilter{})
	if len(xs) > 4 || dropped < 16 {
		t.Fatalf("%d records, %d dropped; want at most 4 kept and 16 dropped (20 exchanges)", len(xs), dropped)
	}
}

// A capture rule keeps the bodies of its route only, fields redacted.
func TestJournalCapture(t *testing.T) {
	probetest.Configure(t, "all=1")
	probes.UseJournal(t, 64)
	url := journalServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true,"email":"a@b.c"}`)
	})
	rule := &probes.CaptureRule{Method: "POST", Path: "/orders/*", MaxBody: 4096, Fields: []probes.FieldRule{
		{"card.number", "mask:3-4"}, {"email", "hash"}}}
	if err := probes.SetCaptureRule(rule); err != nil {
		t.Fatal(err)
	}
	body := `{"card":{"number":"4111111111111111"},"email":"jo@example.com","password":"hunter2","qty":2}`
	ct := map[string]string{"Content-Type": "application/json"}
	send(t, &http.Client{}, "POST", url+"/orders/17", body, ct, false)
	send(t, &http.Client{}, "POST", url+"/other", body, ct, false)

	for _, side := range []string{"client", "server"} {
		xs := exchangesBy(side)
		if len(xs) != 2 {
			t.Fatalf("%s: %d records", side, len(xs))
		}
		if xs[1].RequestBody != nil || xs[1].ResponseBody != nil {
			t.Errorf("%s: a body kept off the route: %+v", side, xs[1])
		}
		rb := xs[0].RequestBody
		if rb == nil || xs[0].ResponseBody == nil {
			t.Fatalf("%s: no body kept on the route: %+v", side, xs[0])
		}
		for _, secret := range []string{"4111111111111111", "jo@example.com", "hunter2", "a@b.c"} {
			if strings.Contains(rb.Text+xs[0].ResponseBody.Text, secret) {
				t.Errorf("%s: %q in the captured bodies: %s / %s", side, secret, rb.Text, xs[0].ResponseBody.Text)
			}
		}
		if !strings.Contains(rb.Text, `"number":"411*********1111"`) || !strings.Contains(rb.Text, `"email":"sha256:`) ||
			!strings.Contains(rb.Text, `"password":"[REDACTED]"`) || !strings.Contains(rb.Text, `"qty":2`) {
			t.Errorf("%s: request body %s", side, rb.Text)
		}
	}
}

// /v1/conns says what each TLS connection negotiated, on both sides: the
// protocol ALPN chose and the TLS version, over real loopback TLS.
func TestConnsProtocol(t *testing.T) {
	for _, tc := range []struct {
		h2    bool
		proto string
	}{{false, "http/1.1 (no ALPN)"}, {true, "h2"}} {
		t.Run(tc.proto, func(t *testing.T) {
			probetest.Configure(t, "all=1") // the std patch is not in this test binary: trace
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, r.Proto)
			}))
			server.Instrument(srv.Config, "conns_test.go:1")
			srv.EnableHTTP2 = tc.h2
			srv.StartTLS()
			defer srv.Close()
			send(t, srv.Client(), "GET", srv.URL, "", nil, false)
			local := srv.Listener.Addr().String()
			var cl, sv *probes.ConnInfo
			for _, ci := range probes.Conns() {
				ci := ci
				switch {
				case ci.Side == "server" && ci.Local == local:
					sv = &ci
				case ci.Side == "client" && ci.Remote == local:
					cl = &ci
				}
			}
			for side, ci := range map[string]*probes.ConnInfo{"client": cl, "server": sv} {
				if ci == nil {
					t.Errorf("no %s connection to %s in %+v", side, local, probes.Conns())
					continue
				}
				if ci.Proto != tc.proto || ci.TLS != "TLS 1.3" {
					t.Errorf("%s: proto %q tls %q, want %q and TLS 1.3", side, ci.Proto, ci.TLS, tc.proto)
				}
			}
		})
	}
}

// A server whose connections the registry follows (Instrument) gives its
// records the connection's id and local address from the registry; one
// that is not instrumented (TestJournalRecords) from the request's
// context.
func TestJournalServerConn(t *testing.T) {
	probetest.Configure(t, "all=1")
	probes.UseJournal(t, 64)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	s := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { server.ServeHTTP(h, "srv.go:2", w, r) })}
	server.Instrument(s, "srv.go:1")
	go s.Serve(ln)
	defer s.Close()
	local := ln.Addr().String()
	send(t, &http.Client{Transport: &http.Transport{}}, "GET", "http://"+local+"/x", "", nil, false)
	var sv []probes.Exchange
	for i := 0; i < 200 && len(sv) < 1; i++ { // the handler may still be returning
		time.Sleep(5 * time.Millisecond)
		sv = exchangesBy("server")
	}
	var conn uint64
	for _, ci := range probes.Conns() {
		if ci.Side == "server" && ci.Local == local {
			conn = ci.ID
		}
	}
	if len(sv) != 1 || conn == 0 || sv[0].Conn != conn || sv[0].Local != local {
		t.Fatalf("server record %+v; want conn %d (the registry's) and local %s", sv, conn, local)
	}
}
