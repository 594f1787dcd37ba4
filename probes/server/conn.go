package server

import (
	"net"
	"net/http"
	"unsafe"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/body"
)

// srvConn is what the probes keep on an HTTP/1 server connection, in the
// slot the std patch adds to net/http's conn: StdConnState sets it when
// the connection first changes state, StdServe gets it back with each
// request. Neither looks the connection up by its net.Conn then, and its
// requests reuse one state: HTTP/1 serves one request at a time on a
// connection. Only the connection's goroutines touch it, one after the
// other (net/http's accept loop, then the connection's own).
type srvConn struct {
	ss *serverSite       // the server, nil when the probes do not know it
	ce *probes.ConnEntry // the registry's entry, nil for a conn without identity
	// ignored: the connection is the runtime's own (probes.Ignored).
	ignored bool
	// tlsNoted: the entry has the connection's TLS details (NoteTLS).
	tlsNoted bool
	// req and body are the request's state and its request body's state
	// that the connection's requests reuse: nil while a request uses
	// them, and until one is recycled (end).
	req  *serverRequest
	body *body.State
	// endAt is when the handler of its latest request returned (Mono),
	// 0 if unknown: the clock reading the request's end took, which the
	// connection's turn to idle that follows takes as its own below level
	// 2. The idle state then starts before net/http flushed the response,
	// a few microseconds early; a level-2 conn_state, which reports how
	// long the connection was active, reads the clock.
	endAt int64
}

// StdConnState is the std patch's ConnState hook: an HTTP/1 connection
// of srv changes state, and net/http calls hook, srv's ConnState. When
// hook is the probes' latest composition, the hook calls the user's
// ConnState it composes, as the composition would, then notes the turn
// with the entry it keeps in slot, without the composition's lookup of
// the connection. Any other hook is called as it is: a composition of the
// probes inside it reports by itself.
func StdConnState(srv *http.Server, slot *unsafe.Pointer, hook func(net.Conn, http.ConnState), nc net.Conn, st http.ConnState) {
	sc := (*srvConn)(*slot)
	if sc == nil {
		if !probes.ExchangeProbesOn() {
			hook(nc, st)
			return
		}
		sc = newSrvConn(srv, nc)
		*slot = unsafe.Pointer(sc)
	}
	now := sc.endAt // the request's end, for this turn alone
	sc.endAt = 0
	var comp *connComp
	if sc.ss != nil {
		comp = sc.ss.connState.Load()
	}
	if comp == nil || comp.fn != funcPtr(hook) {
		hook(nc, st)
		return
	}
	if comp.user != nil {
		comp.user(nc, st)
	}
	if lvl := probes.Level(probes.Dial); lvl >= 1 && sc.ce != nil && !sc.ignored {
		// A request's two turns below level 2 are connTurn's, written out:
		// they come twice a request, and have no event to emit.
		switch {
		case lvl >= 2 || st != http.StateActive && st != http.StateIdle:
			connTurn(sc.ce, nc, st, comp.site, lvl, 0)
		case st == http.StateActive:
			if !sc.tlsNoted {
				sc.ce.NoteTLS(nc) // after the handshake: see connTurn
				sc.tlsNoted = true
			}
			sc.ce.TurnAt(st, true, probes.Mono())
		default:
			if now == 0 {
				now = probes.Mono()
			}
			sc.ce.TurnAt(st, false, now)
		}
	}
}

// newSrvConn makes the state of a connection of srv, nc: its entry is the
// one the probes' ConnContext made when net/http accepted it.
func newSrvConn(srv *http.Server, nc net.Conn) *srvConn {
	return &srvConn{ss: lookupServer(srv), ce: probes.ConnFor(nc, "server"), ignored: probes.Ignored(nc)}
}

// funcPtr returns the closure f is, which tells two compositions of the
// same function apart (their code pointers are the same).
func funcPtr(f func(net.Conn, http.ConnState)) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&f))
}

// connComp is one composition of the probes' ConnState on a server
// (composeConnState): the closure, the user's hook it calls first, and
// the site its events name.
type connComp struct {
	fn   unsafe.Pointer
	user func(net.Conn, http.ConnState)
	site string
}
