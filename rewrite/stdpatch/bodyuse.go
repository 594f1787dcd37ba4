package stdpatch

import "strings"

// bodyUse returns the helpers that guard the probes' state of a client
// response body whose origin they set (GohttpdbgSetOrigin), as methods of
// recv whose fields are at u (the HTTP/1 body itself, or an HTTP/2 body's
// stream); conn is the expression, of u, of the connection's id that a
// Read after Close reports (an HTTP/2 stream's is its connection's: one
// field per connection, not per stream); hooks is the hook set. HTTP/1 and
// HTTP/2 bodies share this one state machine.
//
// gohttpdbgUse is 1 once the body was closed, 2 once a Read after Close
// was reported, and counts in 4s the calls that hold the state (Reads, the
// first Close). The state goes back to the probes when the body is closed
// and no call holds it, so that they may reuse it; a Read after Close is
// reported from the origin, which the probes never reuse. Without an
// origin, every call gets the state.
func bodyUse(recv, u, conn, hooks string) string {
	r, _, _ := strings.Cut(recv, " ") // the receiver's name
	return strings.NewReplacer("$RECV", recv, "$R", r, "$U", u, "$CONN", conn, "$HOOKS", hooks).Replace(bodyUseText)
}

const bodyUseText = `
func ($RECV) gohttpdbgEnter() (s unsafe.Pointer, readAfterClose bool) {
	u := $U
	s = u.gohttpdbgState
	if s == nil || u.gohttpdbgOrigin == nil {
		return s, false
	}
	for {
		v := atomic.LoadInt32(&u.gohttpdbgUse)
		switch {
		case v&1 == 0:
			if atomic.CompareAndSwapInt32(&u.gohttpdbgUse, v, v+4) {
				return s, false
			}
		case v&2 != 0:
			return nil, false
		default:
			if atomic.CompareAndSwapInt32(&u.gohttpdbgUse, v, v|2) {
				return nil, true
			}
		}
	}
}

// gohttpdbgFirstClose reports whether a Close is the body's first, which
// then holds the state (every Close is, without an origin).
func ($RECV) gohttpdbgFirstClose() bool {
	u := $U
	if u.gohttpdbgOrigin == nil {
		return true
	}
	for {
		v := atomic.LoadInt32(&u.gohttpdbgUse)
		if v&1 != 0 {
			return false
		}
		if atomic.CompareAndSwapInt32(&u.gohttpdbgUse, v, v|1+4) {
			return true
		}
	}
}

// gohttpdbgLeft ends a call that held the state, and reports whether the
// state goes back to the probes now (gohttpdbgRelease): the body is
// closed and no other call holds it. Small enough to be inlined in every
// Read, which calls gohttpdbgRelease itself: with that call inside,
// gohttpdbgLeave is over the inliner's budget, and a call of its own costs
// a cold cache line on every response.
func ($RECV) gohttpdbgLeft() bool {
	u := $U
	return u.gohttpdbgOrigin != nil && atomic.AddInt32(&u.gohttpdbgUse, -4)&^2 == 1
}

// gohttpdbgLeave ends a call that held the state (gohttpdbgLeft), and
// hands the state back when that was the last.
func ($RECV) gohttpdbgLeave(s unsafe.Pointer) {
	if $R.gohttpdbgLeft() {
		$R.gohttpdbgRelease(s)
	}
}

// gohttpdbgRelease hands the state back to the probes: the body is closed
// and no call holds it.
//
//go:noinline
func ($RECV) gohttpdbgRelease(s unsafe.Pointer) {
	if h := $HOOKS.BodyReleased; h != nil {
		h(s)
	}
}

func ($RECV) gohttpdbgReadAfterClose() {
	u := $U
	if h := $HOOKS.BodyReadAfterClose; h != nil {
		h(u.gohttpdbgOrigin, u.gohttpdbgReq, $CONN)
	}
}
`

// srvBodyUse returns the helpers that guard the probes' state of a server
// request body, as methods of recv (receiver u), which holds the state and
// its use word: HTTP/1's body itself, an HTTP/2 body's stream. HTTP/1 and
// HTTP/2 server bodies share this one state machine.
//
// gohttpdbgUse has bit 0 once the handler returned (no call may take the
// state), bit 1 while net/http itself reads the body (HTTP/1's discard of
// an unread body when the response header is written: not the handler's
// bytes), and counts in 4s the calls that hold the state, so that no Read
// ever reports to a state the probes reused.
func srvBodyUse(recv string) string {
	return strings.NewReplacer("$RECV", recv).Replace(srvBodyUseText)
}

const srvBodyUseText = `
// gohttpdbgUnwatch: the handler returned; no call passes the state to the
// probes from now on. It reports whether a call (a Read of a goroutine the
// handler started) still holds it.
func ($RECV) gohttpdbgUnwatch() (held bool) {
	for {
		v := atomic.LoadInt32(&u.gohttpdbgUse)
		if atomic.CompareAndSwapInt32(&u.gohttpdbgUse, v, v|1) {
			return v>>2 != 0
		}
	}
}

// gohttpdbgEnter returns the probes' state, held until gohttpdbgLeave, or
// nil: not followed, the handler returned, or net/http reads the body.
// u may be nil (Go 1.27 closes a nil *body, a request without one).
func ($RECV) gohttpdbgEnter() unsafe.Pointer {
	if u == nil || u.gohttpdbgState == nil {
		return nil
	}
	s := u.gohttpdbgState
	for {
		v := atomic.LoadInt32(&u.gohttpdbgUse)
		if v&3 != 0 {
			return nil
		}
		if atomic.CompareAndSwapInt32(&u.gohttpdbgUse, v, v+4) {
			return s
		}
	}
}

func ($RECV) gohttpdbgLeave() { atomic.AddInt32(&u.gohttpdbgUse, -4) }
`
