package probes

import (
	"crypto/tls"
	"net"
	"net/http"
	"reflect"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
	"weak"

	"github.com/gohttpdbg/gohttpdbg/probes/internal/table"
)

var connIDs atomic.Uint64

// reqIDs has a cache line of its own: the client's and the server's
// goroutines each take an id a request, on two cores the line moves
// between them every time, and a variable the linker put next to it (a
// clock base, a lock) would move with it.
var reqIDs struct {
	_ [56]byte
	n atomic.Uint64
	_ [56]byte
}

// NextReqID returns a new request id; ids are monotonic from 1 and shared
// by client and server requests.
func NextReqID() uint64 { return reqIDs.n.Add(1) }

// NextConnID returns a new connection id, for a connection that has no
// net.Conn to key ConnID with.
func NextConnID() uint64 { return connIDs.Add(1) }

// ConnInfo describes a connection the probes have seen (/v1/conns).
type ConnInfo struct {
	ID       uint64
	Side     string // "client" or "server"
	Local    string
	Remote   string
	State    string    // client: "active", "idle"; server: http.ConnState names
	Since    time.Time // when State was entered
	Opened   time.Time // when the probes first saw the connection
	Requests int64     // requests served on it
	// Proto is the protocol ALPN negotiated ("h2", "http/1.1", or
	// "http/1.1 (no ALPN)"; "" on a plain connection) and TLS the TLS
	// version ("" on a plain connection), once
	// the handshake is known to be over: the server's first StateActive,
	// the client's GotConn on a new connection.
	Proto, TLS string
}

// ConnEntry is a connection's entry in the registry (ConnFor): what the
// inventory (Conns) lists of it. A connection's entry changes state twice
// a request: its state is one atomic word of its own (no lock, and one
// lock for every connection would serialize the state changes of all of
// them); its TLS details, set once, are guarded by its own mutex.
type ConnEntry struct {
	key    uintptr
	opened int64 // mono
	// info: ID is immutable once set; Side, Local and Remote are guarded by
	// connsMu; Proto and TLS by mu. State, Since and Requests are in state
	// and requests, Opened is set by Conns.
	info ConnInfo
	mu   sync.Mutex
	// state is the connection's state and when it was entered, in one
	// word (the monotonic reading << 4 | stateTaken | the state's index
	// in connStates): a server's HTTP/1.1 connection changes state twice
	// a request, one atomic swap each, no lock.
	state atomic.Uint64
	// requests counts the turns to active (SetState): one a request on an
	// HTTP/1 connection. served counts requests as they are served
	// (CountRequest), for HTTP/2, where active means "a stream is open" and
	// comes after the preface too; once non-zero it is the count.
	requests atomic.Int64
	served   atomic.Int64
	sideSet  atomic.Bool // info.Side is known: the lock-free lookup may return the entry
	evicted  atomic.Bool // no longer in the registry (evictOldestLocked): ClientConnEntry looks c up again
	tlsSeen  atomic.Bool // info.Proto and info.TLS are set (NoteTLS)
	// servedRemote is the address of the bytes of a served request's
	// RemoteAddr that JournalServerStart found to be info.Remote's text:
	// net/http hands every request on the connection the same string,
	// whose record then refers to the entry's (tConn) without comparing
	// them again. It keeps those bytes alive, so that no other string
	// takes their address.
	servedRemote atomic.Pointer[byte]
	// closed reports that the program closed the connection; nil for a
	// connection type whose closing the runtime cannot see. Immutable.
	closed func() bool
}

// connStates are the states an entry records: net/http's server
// connection states (http.ConnState's names) and the client's active and
// idle; index 0 is no state yet.
var connStates = [...]string{"", "new", "active", "idle", "hijacked", "closed"}

// stateWord packs st (a net/http server connection state, which the
// client's active and idle reuse) and the time since which it holds: its
// code is its index in connStates, 0 for none (noState).
func stateWord(st http.ConnState, since int64) uint64 {
	var code uint64
	if st >= http.StateNew && st <= http.StateClosed {
		code = uint64(st) + 1
	}
	return uint64(since)<<4 | code
}

// noState is a state word's state before the first change.
const noState http.ConnState = -1

func fromStateWord(w uint64) (state string, since int64) {
	return connStates[(w&7)%uint64(len(connStates))], int64(w >> 4)
}

const (
	stateActive = 2 // "active"'s index in connStates
	// stateTaken marks a turn to active whose reading a request took as
	// its start (RequestStart).
	stateTaken = 8
)

// maxConns bounds the registry for connection types whose collection the
// runtime cannot observe (custom net.Conn implementations).
const maxConns = 8192

// conns is looked up several times a request (every ConnState change,
// every GotConn): lookups go to connsFast, without a lock or a runtime
// map; connsMu orders insertions, evictions and the inventory. An entry
// that finds no free slot in connsFast (more connections than it holds)
// is looked up in conns, under the lock.
var (
	connsMu   sync.Mutex
	conns     = map[uintptr]*ConnEntry{}
	connsFast table.KeyTable[ConnEntry] // the same entries as conns, as many as fit
)

// ConnID returns the id of c, assigning one the first time c is seen, so
// that every probe (dial, header, body, frame) names a connection the same
// way. It returns 0 for a nil or non-pointer conn.
func ConnID(c net.Conn) uint64 {
	e := ConnFor(c, "")
	if e == nil {
		return 0
	}
	return e.info.ID // immutable once set
}

// ConnFor returns c's registry entry, creating it; side ("client",
// "server") is recorded when known. It returns nil for a nil or
// non-pointer conn.
func ConnFor(c net.Conn, side string) *ConnEntry {
	if c == nil {
		return nil
	}
	key := connKeyOf(c)
	if key == 0 {
		return nil
	}
	if e := connsFast.Get(key); e != nil && (side == "" || e.sideSet.Load()) {
		return e
	}
	connsMu.Lock()
	defer connsMu.Unlock()
	if e := conns[key]; e != nil {
		if e.info.Side == "" && side != "" {
			e.info.Side = side
			e.sideSet.Store(true)
		}
		return e
	}
	if len(conns) >= maxConns {
		evictOldestLocked()
	}
	now := Mono()
	e := &ConnEntry{key: key, info: ConnInfo{ID: NextConnID(), Side: side}, opened: now}
	e.state.Store(stateWord(noState, now))
	e.info.Local, e.info.Remote = ConnAddrs(c)
	e.sideSet.Store(side != "")
	switch p := c.(type) {
	case *tls.Conn:
		watchConn(e, p)
	case *net.TCPConn:
		watchConn(e, p)
	case *net.UnixConn:
		watchConn(e, p)
	default: // a pointer: connKeyOf returned its address
		forgetCollected(e, reflect.ValueOf(c).UnsafePointer())
	}
	conns[key] = e
	connsFast.Put(key, e)
	return e
}

// connKeyOf returns the address c points to, 0 when c is not a non-nil
// pointer. The connections net/http hands over are looked up on every
// request (GotConn, ConnState twice): their types are told apart without
// reflect.
func connKeyOf(c net.Conn) uintptr {
	switch p := c.(type) {
	case *net.TCPConn:
		return uintptr(unsafe.Pointer(p))
	case *tls.Conn:
		return uintptr(unsafe.Pointer(p))
	}
	v := reflect.ValueOf(c)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return 0
	}
	return v.Pointer()
}

// watchConn forgets e when p is collected (keys are addresses, so a later
// connection at the same address gets a new id), and lets the inventory
// see that p was closed before that: a closed connection may stay
// uncollected for minutes, held by a pool or a leaked reference. The weak
// pointer keeps nothing alive.
func watchConn[T any](e *ConnEntry, p *T) {
	runtime.AddCleanup(p, forgetConn, connKey{e.key, e.info.ID})
	wp := weak.Make(p)
	e.closed = func() bool {
		p := wp.Value()
		if p == nil {
			return true
		}
		c, _ := any(p).(net.Conn)
		return connClosed(c)
	}
}

// forgetCollected forgets e when the object at its key is collected: a
// connection type of the program's own (net.Pipe's, a wrapper) would
// otherwise stay listed until evicted, and a later connection allocated
// at its address would inherit its id and addresses. Its closing is not
// watched (nothing says how to ask it). A key outside the heap (a
// package-level connection) is never collected, and AddCleanup does
// nothing for it; one outside Go's memory makes it panic, and is then
// left to eviction.
func forgetCollected(e *ConnEntry, p unsafe.Pointer) {
	defer func() { _ = recover() }()
	runtime.AddCleanup((*byte)(p), forgetConn, connKey{e.key, e.info.ID})
}

// connClosed reports whether c (a *tls.Conn over a socket, or a socket)
// was closed. It takes the socket's reference for an instant, as any read
// or write does; it never waits for one.
func connClosed(c net.Conn) bool {
	if t, ok := c.(*tls.Conn); ok {
		c = t.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	return rc.Control(func(uintptr) {}) != nil
}

// ConnAddrs returns c's addresses as strings. A net.Conn of the
// program's own (a test double, a wrapper around nothing) may return nil
// or panic there; the probes must not be the ones to crash.
func ConnAddrs(c net.Conn) (local, remote string) {
	defer func() { _ = recover() }()
	if a := c.LocalAddr(); a != nil {
		local = a.String()
	}
	if a := c.RemoteAddr(); a != nil {
		remote = a.String()
	}
	return local, remote
}

// RemoteAddr returns c's remote address as a string, "" when it has none
// or its RemoteAddr panics (see ConnAddrs).
func RemoteAddr(c net.Conn) string {
	_, remote := ConnAddrs(c)
	return remote
}

type connKey struct {
	addr uintptr
	id   uint64
}

// forgetConn removes an entry, unless its address now belongs to a newer
// connection.
func forgetConn(k connKey) {
	connsMu.Lock()
	if e := conns[k.addr]; e != nil && e.info.ID == k.id {
		delete(conns, k.addr)
		connsFast.Remove(k.addr)
	}
	connsMu.Unlock()
}

func evictOldestLocked() {
	var oldest *ConnEntry
	for _, e := range conns {
		if oldest == nil || e.info.ID < oldest.info.ID {
			oldest = e
		}
	}
	delete(conns, oldest.key)
	connsFast.Remove(oldest.key)
	oldest.evicted.Store(true)
}

// ClientConnEntry is ConnFor(c, "client") for a client connection that
// keeps its entry in *slot (net/http's persistConn, with the std patch):
// the registry is looked up on the connection's first request, not on
// every request it serves, and again only if the entry was evicted.
func ClientConnEntry(c net.Conn, slot *unsafe.Pointer) *ConnEntry {
	if e := KeptConnEntry(slot); e != nil {
		return e
	}
	e := ConnFor(c, "client")
	if e != nil {
		atomic.StorePointer(slot, unsafe.Pointer(e))
	}
	return e
}

// KeptConnEntry is ClientConnEntry's usual case, which inlines: the
// entry *slot keeps, nil when it keeps none or an evicted one (then
// ClientConnEntry).
func KeptConnEntry(slot *unsafe.Pointer) *ConnEntry {
	if e := (*ConnEntry)(atomic.LoadPointer(slot)); e != nil && !e.evicted.Load() {
		return e
	}
	return nil
}

// ID returns the connection's id; 0 for a nil e.
func (e *ConnEntry) ID() uint64 {
	if e == nil {
		return 0
	}
	return e.info.ID // immutable once set
}

// CountRequest counts a request served on an HTTP/2 connection, whose
// state changes do not tell its requests (see ConnEntry.served).
func (e *ConnEntry) CountRequest() { e.served.Add(1) }

// Local and Remote return the connection's addresses, as the registry
// first saw them.
func (e *ConnEntry) Local() string { return e.info.Local }

func (e *ConnEntry) Remote() string { return e.info.Remote }

// Requests returns how many requests the connection served.
func (e *ConnEntry) Requests() int64 {
	if n := e.served.Load(); n > 0 {
		return n
	}
	return e.requests.Load()
}

// Forget removes the entry: the connection is closed or hijacked, the
// probes no longer follow it.
func (e *ConnEntry) Forget() { forgetConn(connKey{e.key, e.info.ID}) }

// NoteTLS records, once per connection, what c's TLS handshake
// negotiated. The caller knows the handshake is over: reading the state of
// a tls.Conn waits for a handshake in progress. A nil e does nothing.
func (e *ConnEntry) NoteTLS(c net.Conn) {
	if e == nil || e.tlsSeen.Load() {
		return
	}
	st, ok := TLSState(c)
	e.mu.Lock()
	if ok && st.HandshakeComplete {
		e.info.Proto, e.info.TLS = st.NegotiatedProtocol, tls.VersionName(st.Version)
		if e.info.Proto == "" { // net/http speaks HTTP/2 over TLS only by ALPN
			e.info.Proto = "http/1.1 (no ALPN)"
		}
	}
	e.mu.Unlock()
	e.tlsSeen.Store(true)
}

// SetState records a state change and returns the previous state and
// how long the connection was in it; countRequest counts a request
// served on it.
func (e *ConnEntry) SetState(st http.ConnState, countRequest bool) (prev string, in time.Duration) {
	return e.SetStateAt(st, countRequest, Mono())
}

// SetStateAt is SetState at now (Mono), for a caller that has just read
// the clock: a reading costs tens of nanoseconds, and a connection
// changes state twice a request.
func (e *ConnEntry) SetStateAt(st http.ConnState, countRequest bool, now int64) (prev string, in time.Duration) {
	return PrevState(e.SwapStateAt(st, countRequest, now), now)
}

// TurnAt is SetStateAt for a caller that does not report the previous
// state (the server's ConnState hook below level 2): it records the turn
// without decoding the state it replaces.
func (e *ConnEntry) TurnAt(st http.ConnState, countRequest bool, now int64) {
	if countRequest {
		e.requests.Add(1)
	}
	e.state.Store(stateWord(st, now))
}

// TurnActiveAt is TurnAt(http.StateActive, true, now) for a caller that
// keeps the turn's reading as its request's start itself (the server's
// ConnState hook, which hands it over on the connection's state): the
// turn is marked taken, as RequestStart would, so that no later request
// takes it.
func (e *ConnEntry) TurnActiveAt(now int64) {
	e.requests.Add(1)
	e.state.Store(stateWord(http.StateActive, now) | stateTaken)
}

// SwapStateAt is SetStateAt for a caller that leaves the previous
// state's decoding to its event's reader (the server's raw
// dial.conn_state): it returns the state word it replaces, which
// PrevState decodes.
func (e *ConnEntry) SwapStateAt(st http.ConnState, countRequest bool, now int64) uint64 {
	if countRequest {
		e.requests.Add(1)
	}
	return e.state.Swap(stateWord(st, now))
}

// SwapActiveAt is SwapStateAt(http.StateActive, true, now) marked taken,
// as TurnActiveAt: for the server's level-2 turn, which hands its reading
// to the request itself.
func (e *ConnEntry) SwapActiveAt(now int64) uint64 {
	e.requests.Add(1)
	return e.state.Swap(stateWord(http.StateActive, now) | stateTaken)
}

// PrevState decodes the state word w that SwapStateAt or SwapActiveAt
// replaced at now (Mono): as SetStateAt returns it.
func PrevState(w uint64, now int64) (prev string, in time.Duration) {
	prev, since := fromStateWord(w)
	return prev, time.Duration(now - since)
}

// RequestStart returns the start (Mono) of a request served on e. On an
// HTTP/1 connection (http1) that is the reading taken when the
// connection turned active for it (SetState): net/http turns it active
// when it has read the request, just before serving it, and the request
// need not read the clock again. A turn is taken once, so a turn the
// ConnState hook did not see (the dial probe off, then on again) cannot
// lend an older request's start; without one, and on HTTP/2 (whose turns
// are the connection's, not a request's), it reads the clock. A nil e
// reads the clock.
func (e *ConnEntry) RequestStart(http1 bool) int64 {
	if e != nil && http1 {
		if w := e.state.Load(); w&(7|stateTaken) == stateActive && e.state.CompareAndSwap(w, w|stateTaken) {
			return int64(w >> 4)
		}
	}
	return Mono()
}

// Conns returns the open connections the probes know, by id. A closed
// connection keeps its entry, and its id, until it is collected, but is
// not listed.
func Conns() []ConnInfo {
	connsMu.Lock()
	out := make([]ConnInfo, 0, len(conns))
	for _, e := range conns {
		if e.closed != nil && e.closed() {
			continue
		}
		e.mu.Lock()
		info := e.info
		e.mu.Unlock()
		var since int64
		info.State, since = fromStateWord(e.state.Load())
		info.Requests = e.Requests()
		info.Opened, info.Since = WallAt(e.opened), WallAt(since)
		out = append(out, info)
	}
	connsMu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// TLSState returns c's TLS state, if it is a TLS connection.
func TLSState(c net.Conn) (tls.ConnectionState, bool) {
	if tc, ok := c.(*tls.Conn); ok {
		return tc.ConnectionState(), true
	}
	return tls.ConnectionState{}, false
}
