package probes

import (
	"crypto/tls"
	"net"
	"net/http"
	"runtime"
	"testing"
	"time"
)

type stateConn struct{ net.Conn }

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

// The inventory lists what the state changes recorded: the state, since
// when, the requests counted; each change returns the state before it and
// how long the connection was in it.
func TestConnStateChanges(t *testing.T) {
	c := &stateConn{} // no socket: the inventory cannot see it closed
	e := ConnFor(c, "server")
	defer e.Forget()
	info := func() ConnInfo {
		for _, ci := range Conns() {
			if ci.ID == e.ID() {
				return ci
			}
		}
		t.Fatal("connection not listed")
		return ConnInfo{}
	}
	if ci := info(); ci.State != "" || ci.Requests != 0 || !ci.Since.Equal(ci.Opened) {
		t.Errorf("new entry: %+v", ci)
	}
	if prev, _ := e.SetState(http.StateNew, false); prev != "" {
		t.Errorf("first change: prev %q", prev)
	}
	before := Mono()
	e.SetState(http.StateActive, true)
	e.SetState(http.StateIdle, false)
	time.Sleep(time.Millisecond)
	prev, in := e.SetState(http.StateActive, true)
	if prev != "idle" || in <= 0 {
		t.Errorf("idle → active: prev %q in %v", prev, in)
	}
	ci := info()
	if ci.State != "active" || ci.Requests != 2 || ci.Since.Before(WallAt(before)) || ci.Since.After(WallAt(Mono())) {
		t.Errorf("after two requests: %+v", ci)
	}
	for _, st := range []http.ConnState{http.StateHijacked, http.StateClosed, http.StateNew, http.StateIdle} {
		e.SetState(st, false)
		if got := info().State; got != st.String() {
			t.Errorf("state %q listed as %q", st, got)
		}
	}
}

// An HTTP/1 request served on a connection starts when the connection
// turned active for it, a reading taken once: a second request (or one
// whose turn the hook did not see) reads the clock, and so does an
// HTTP/2 request, whose connection's turns are not its own.
func TestRequestStartFromActiveTurn(t *testing.T) {
	c := &stateConn{}
	e := ConnFor(c, "server")
	defer e.Forget()
	e.SetStateAt(http.StateActive, true, 1000)
	if got := e.RequestStart(false); got == 1000 {
		t.Errorf("an HTTP/2 request took the connection's turn to active")
	}
	if got := e.RequestStart(true); got != 1000 {
		t.Errorf("HTTP/1 request start %d, want the turn to active's 1000", got)
	}
	if got := e.RequestStart(true); got == 1000 || got <= 0 {
		t.Errorf("the turn to active was taken twice (start %d)", got)
	}
	if st, since := fromStateWord(e.state.Load()); st != "active" || since != 1000 {
		t.Errorf("taking the turn changed the state to %q since %d", st, since)
	}
	e.SetStateAt(http.StateIdle, false, 2000)
	if got := e.RequestStart(true); got == 2000 {
		t.Errorf("an idle connection lent its turn")
	}
	// A turn its caller keeps as the request's start (TurnActiveAt) is
	// recorded as taken.
	n := e.Requests()
	e.TurnActiveAt(3000)
	if got := e.RequestStart(true); got == 3000 {
		t.Errorf("a turn to active its caller took was lent")
	}
	if st, since := fromStateWord(e.state.Load()); st != "active" || since != 3000 || e.Requests() != n+1 {
		t.Errorf("TurnActiveAt: state %q since %d, %d requests; want active since 3000, %d", st, since, e.Requests(), n+1)
	}
	var none *ConnEntry
	if got := none.RequestStart(true); got <= 0 {
		t.Errorf("no entry: start %d", got)
	}
}

// A connection of a type the registry does not know (net.Pipe's) leaves
// it when collected, as a socket does: otherwise it stayed until evicted,
// and a later connection allocated at its address took its id.
func TestConnOfOtherTypeForgottenWhenCollected(t *testing.T) {
	listed := func(id uint64) bool {
		for _, ci := range Conns() {
			if ci.ID == id {
				return true
			}
		}
		return false
	}
	ids := make([]uint64, 0, 8)
	pipes := make([]net.Conn, 0, 8)
	for i := 0; i < 8; i++ {
		a, b := net.Pipe()
		ids, pipes = append(ids, ConnID(a)), append(pipes, a)
		a.Close()
		b.Close()
	}
	runtime.GC()
	for _, id := range ids {
		if !listed(id) {
			t.Fatalf("pipe connection %d not listed while referenced", id)
		}
	}
	runtime.KeepAlive(pipes)
	left := len(ids)
	for try := 0; try < 50 && left > 0; try++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // cleanups run on their own goroutine
		left = 0
		for _, id := range ids {
			if listed(id) {
				left++
			}
		}
	}
	if left > 0 {
		t.Fatalf("%d of %d collected pipe connections still listed", left, len(ids))
	}
}
