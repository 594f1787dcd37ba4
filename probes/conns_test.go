package probes

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
)

// /v1/conns says what each TLS connection negotiated, on both sides: the
// protocol ALPN chose and the TLS version, over real loopback TLS.
func TestConnsProtocol(t *testing.T) {
	for _, tc := range []struct {
		h2    bool
		proto string
	}{{false, "http/1.1 (no ALPN)"}, {true, "h2"}} {
		t.Run(tc.proto, func(t *testing.T) {
			useSink(t, &memSink{})
			useStdHooks(t, "all=1")
			stdClient.Store(false) // the std patch is not in this test binary: trace
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, r.Proto)
			}))
			InstrumentServer(srv.Config, "conns_test.go:1")
			srv.EnableHTTP2 = tc.h2
			srv.StartTLS()
			defer srv.Close()
			c := srv.Client()
			req, _ := http.NewRequest("GET", srv.URL, nil)
			cr := StartClientRequest(c, req, "conns_test.go:2")
			resp, err := c.Do(cr.Request())
			cr.Finish(resp, err)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			local := srv.Listener.Addr().String()
			var client, server *ConnInfo
			for _, ci := range Conns() {
				ci := ci
				switch {
				case ci.Side == "server" && ci.Local == local:
					server = &ci
				case ci.Side == "client" && ci.Remote == local:
					client = &ci
				}
			}
			for side, ci := range map[string]*ConnInfo{"client": client, "server": server} {
				if ci == nil {
					t.Errorf("no %s connection to %s in %+v", side, local, Conns())
					continue
				}
				if ci.Proto != tc.proto || ci.TLS != "TLS 1.3" {
					t.Errorf("%s: proto %q tls %q, want %q and TLS 1.3", side, ci.Proto, ci.TLS, tc.proto)
				}
			}
		})
	}
}

// A forgotten connection is forgotten by the lock-free lookup too: a
// later connection at the same address (here the same object) gets an id
// of its own.
func TestConnForgottenGetsNewID(t *testing.T) {
	c := &net.TCPConn{}
	id := ConnID(c)
	if again := ConnID(c); again != id || id == 0 {
		t.Fatalf("ids %d then %d", id, again)
	}
	e := connFor(c, "")
	forgetConn(connKey{e.key, id})
	if next := ConnID(c); next == id {
		t.Fatalf("a forgotten connection's id %d was found again", id)
	}
}

// A connection this side closed leaves the inventory at once, not when the
// collector gets to its net.Conn (which a pool or a leaked reference may
// keep for minutes): over plain TCP and over TLS, with and without a side.
func TestConnsClosedLeave(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close() // the peer going away does not close this side's socket
		}
	}()
	listed := func(id uint64) bool {
		for _, ci := range Conns() {
			if ci.ID == id {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct {
		name string
		side string
		wrap func(net.Conn) net.Conn
	}{
		{"tcp", "client", func(c net.Conn) net.Conn { return c }},
		{"tcp no side", "", func(c net.Conn) net.Conn { return c }},
		{"tls", "client", func(c net.Conn) net.Conn { return tls.Client(c, &tls.Config{InsecureSkipVerify: true}) }},
	} {
		raw, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c := tc.wrap(raw)
		e := connFor(c, tc.side)
		if !listed(e.info.ID) {
			t.Fatalf("%s: open connection %d not listed", tc.name, e.info.ID)
		}
		c.Close()
		if listed(e.info.ID) {
			t.Errorf("%s: closed connection %d still listed", tc.name, e.info.ID)
		}
		if ConnID(c) != e.info.ID {
			t.Errorf("%s: a closed connection changed id", tc.name)
		}
		runtime.KeepAlive(c)
	}
}
