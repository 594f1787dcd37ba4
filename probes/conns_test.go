package probes

import (
	"crypto/tls"
	"net"
	"runtime"
	"testing"
)

// A forgotten connection is forgotten by the lock-free lookup too: a
// later connection at the same address (here the same object) gets an id
// of its own.
func TestConnForgottenGetsNewID(t *testing.T) {
	c := &net.TCPConn{}
	id := ConnID(c)
	if again := ConnID(c); again != id || id == 0 {
		t.Fatalf("ids %d then %d", id, again)
	}
	e := ConnFor(c, "")
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
		e := ConnFor(c, tc.side)
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
