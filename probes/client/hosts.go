package client

import (
	"fmt"
	"net/http"
	"reflect"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/body"
)

// hostState keeps, per transport and host, what the probes know about its
// idle pool, to say why a request had to dial a new connection
// (dial.not_reused). net/http does not expose its pool; the counts are
// inferred from the bodies the probes watch, and are estimates.
//
// Every request touches it several times (begin, reused, release, end),
// from every goroutine that talks to the host: those paths use atomics.
// mu guards what only dials and anomalies touch.
type hostState struct {
	// Pool: requests in flight (Active), connections believed idle
	// (Idle), and the Transport's settings that bound them; the response
	// bodies' ends update it themselves (body.StdRead).
	body.Pool
	t    *http.Transport // nil: not an *http.Transport
	host string

	seen      atomic.Bool  // a connection was got (the host is known)
	h2        atomic.Bool  // responses come over HTTP/2 (one shared connection)
	h2Std     atomic.Bool  // its HTTP/2 streams report to the std patch's event hooks (StdH2State)
	traceNext atomic.Int32 // requests still to trace fully after an unexpected dial
	conns     atomic.Int64 // new connections dialed
	reuses    atomic.Int64 // requests that got a reused connection
	// The latest request, to which StdDial attributes a dial without an
	// owner: its site (interned) and id, not the request's state, which is
	// reused once the request is over. Two words written apart: under
	// concurrency a dial may get one request's site and another's id, both
	// of requests to the host that were in flight together.
	lastSite atomic.Pointer[probes.CallSite]
	lastReq  atomic.Uint64
	// spare is a request state put back (Request.reuse) for the host's
	// next request, nil when taken: a client talks to a host a request
	// after another, and a swap here costs less than the pool's round
	// trip. Concurrent requests fall back on the pool.
	spare spareSlot
	// line is the request line of the host's latest level-2 request
	// (requestLine): the next one's is mostly the same.
	line probes.LineMemo

	mu       sync.Mutex
	pending  []string // why connections were lost, oldest first
	fallback bool     // dial.alpn_fallback already reported
}

// HostInfo is what the dial probe knows about one host of one Transport
// (/v1/conns): how often its requests reused a connection. A low reuse
// under concurrency with MaxIdle at net/http's default of 2 is the churn of
// golang/go#13801.
type HostInfo struct {
	Host      string
	Transport string // where the Transport was made: a site, "http.DefaultTransport", or "" (unknown)
	NewConns  int64
	Reused    int64
	MaxIdle   int // MaxIdleConnsPerHost in force
}

// Hosts returns the hosts the dial probe has seen, by host name, then
// Transport.
func Hosts() []HostInfo {
	type entry struct {
		t *http.Transport
		h *hostState
	}
	hostsMu.Lock()
	list := make([]entry, 0, len(hosts))
	for k, h := range hosts {
		list = append(list, entry{k.t, h})
	}
	hostsMu.Unlock()
	out := make([]HostInfo, 0, len(list))
	for _, e := range list {
		tr := ""
		switch {
		case e.t == nil:
		case e.t == http.DefaultTransport:
			tr = "http.DefaultTransport"
		default:
			tr = transportSite(e.t)
		}
		out = append(out, HostInfo{Host: e.h.host, Transport: tr, NewConns: e.h.conns.Load(), Reused: e.h.reuses.Load(), MaxIdle: int(e.h.MaxIdle)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Host != out[j].Host {
			return out[i].Host < out[j].Host
		}
		return out[i].Transport < out[j].Transport
	})
	return out
}

type hostKey struct {
	t    *http.Transport
	host string
}

const maxHosts = 1024

// hosts is read on every request and written once per host: lookups
// take no lock (hostsFast); hostsMu orders insertions and evictions.
var (
	hostsMu   sync.Mutex
	hosts     = map[hostKey]*hostState{}
	hostsFast sync.Map // hostKey → *hostState, the same entries as hosts
)

// lastHosts keeps, per Transport, the host state of its latest request:
// a client mostly talks to the same host, and comparing the host name is
// cheaper than hashing it into hostsFast. It holds its Transports, so it
// is emptied when it has seen maxHosts of them (a program that makes a
// Transport per request must not pile them up).
var (
	lastHosts  sync.Map // *http.Transport → *atomic.Pointer[hostState]
	lastHostsN atomic.Int32
)

// lastHost is the host state of the latest request of all: most
// programs talk to one host through one Transport, found with one atomic
// load and no hashing. It is written only when a request's host differs.
var lastHost atomic.Pointer[hostState]

func hostFor(t *http.Transport, host string) *hostState {
	if h := lastHost.Load(); h != nil && h.t == t && h.host == host {
		return h
	}
	return hostForNew(t, host)
}

//go:noinline
func hostForNew(t *http.Transport, host string) *hostState {
	h := hostForTransport(t, host)
	lastHost.Store(h)
	return h
}

func hostForTransport(t *http.Transport, host string) *hostState {
	v, ok := lastHosts.Load(t)
	if !ok {
		if lastHostsN.Add(1) > maxHosts {
			lastHosts.Clear()
			lastHostsN.Store(1)
		}
		v, _ = lastHosts.LoadOrStore(t, new(atomic.Pointer[hostState]))
	}
	last := v.(*atomic.Pointer[hostState])
	if h := last.Load(); h != nil && h.host == host {
		return h
	}
	h := hostLookup(t, host)
	last.Store(h)
	return h
}

func hostLookup(t *http.Transport, host string) *hostState {
	k := hostKey{t, host}
	if h, ok := hostsFast.Load(k); ok {
		return h.(*hostState)
	}
	hostsMu.Lock()
	defer hostsMu.Unlock()
	if h := hosts[k]; h != nil {
		return h
	}
	if len(hosts) >= maxHosts {
		for k := range hosts { // forget an arbitrary host
			delete(hosts, k)
			hostsFast.Delete(k)
			break
		}
	}
	h := &hostState{t: t, host: host}
	h.MaxIdle, h.KeepAlive = http.DefaultMaxIdleConnsPerHost, true
	if t != nil {
		if t.MaxIdleConnsPerHost > 0 {
			h.MaxIdle = int32(min(t.MaxIdleConnsPerHost, 1<<30))
		}
		h.IdleTimeout = t.IdleConnTimeout
		h.KeepAlive = !t.DisableKeepAlives
	}
	h.PoolFull = fmt.Sprintf("the idle pool was full (MaxIdleConnsPerHost=%d), so a connection was closed", h.MaxIdle)
	hosts[k] = h
	hostsFast.Store(k, h)
	return h
}

// unexpectedDialTraces is how many requests are traced fully after a
// request expected to reuse a connection had to dial: the pool is
// churning, and the next dials should have their phases timed.
const unexpectedDialTraces = 8

// startRequest counts a request in flight on its host and says whether
// it will probably dial a new connection (so its dial phases are worth
// tracing): written out there, as the host's lookup (hostFor's latest
// host), since a call costs a cold cache line on every request. What is
// rare is out of line: noteSite, beginRare.

//go:noinline
func (h *hostState) noteSite(site string) { h.lastSite.Store(probes.InternSite(site, "")) }

// noteSiteIf is noteSite unless p, the host's latest site, is named site:
// StdStart's test past the usual pointer comparison, out of line with
// the call (a branch whose first block makes no call is laid out in line).
//
//go:noinline
func (h *hostState) noteSiteIf(p *probes.CallSite, site string) {
	if p == nil || p.Site != site {
		h.noteSite(site)
	}
}

// beginRare is begin's answer for a host not known yet, without
// keep-alives, or tracing the requests after an unexpected dial.
//
//go:noinline
func (h *hostState) beginRare(active int32) bool {
	switch {
	case !h.seen.Load() || !h.KeepAlive:
		return true
	case h.traceNext.Load() > 0 && h.traceNext.Add(-1) >= 0:
		return true
	case h.h2.Load():
		return false // one connection, multiplexed
	}
	return h.Idle.Load() < active
}

// sawH2 notes that the host answers over HTTP/2.
func (h *hostState) sawH2() {
	if !h.h2.Load() {
		h.h2.Store(true)
	}
}

func (h *hostState) end() { h.End() }

// release: a connection went back to the idle pool.
func (h *hostState) release(now int64) {
	if !h.Release(now) {
		h.lost(h.PoolFull)
	}
}

// lost: a connection was closed (or stuck) for reason.
func (h *hostState) lost(reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.KeepAlive {
		h.addPending(reason)
	}
}

func (h *hostState) addPending(reason string) {
	if len(h.pending) >= 8 {
		copy(h.pending, h.pending[1:])
		h.pending = h.pending[:7]
	}
	h.pending = append(h.pending, reason)
}

// reused: a request got one of the host's connections again. StdGotConn
// and StdEnd write it out.
func (h *hostState) reused() {
	if !h.seen.Load() {
		h.seen.Store(true)
	}
	h.reuses.Add(1)
	h.TakeIdle()
}

// fresh is called when a request got a new connection; it returns why an
// existing one could not be reused, or "" when there is no known reason
// (first connection to the host, or every connection was busy).
// unexpected: the request had been expected to reuse a connection.
func (h *hostState) fresh(unexpected bool) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.conns.Add(1)
	if unexpected {
		h.traceNext.Store(unexpectedDialTraces)
	}
	if !h.seen.Load() || !h.KeepAlive {
		h.seen.Store(true)
		return ""
	}
	if len(h.pending) > 0 {
		r := h.pending[0]
		h.pending = h.pending[1:]
		return r
	}
	if h.Idle.Load() > 0 && h.Active.Load() <= 1 {
		// Alone in flight, yet the pool had idle connections: they are gone.
		// (With others in flight, one of them may have taken the idle one.)
		h.Idle.Store(0)
		if h.IdleTimeout > 0 && probes.SinceMono(h.LastRelease.Load()) > h.IdleTimeout {
			return fmt.Sprintf("the idle connections expired (IdleConnTimeout=%v)", h.IdleTimeout)
		}
		return "the idle connections were closed (by the server, or broken)"
	}
	return ""
}

func (h *hostState) firstFallback() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	first := !h.fallback
	h.fallback = true
	return first
}

// Transport sites: where a *http.Transport literal was written, to name it
// in diagnostics. Keyed by address and forgotten when the transport is
// collected, so transports created per request do not pile up.
var transportSites sync.Map // uintptr → string

// NoteTransport records that t was created at site.
func NoteTransport(t *http.Transport, site string) {
	if t == nil {
		return
	}
	k := reflect.ValueOf(t).Pointer()
	if _, loaded := transportSites.LoadOrStore(k, site); !loaded {
		runtime.AddCleanup(t, func(k uintptr) { transportSites.Delete(k) }, k)
	}
}

func transportSite(t *http.Transport) string {
	v, _ := transportSites.Load(reflect.ValueOf(t).Pointer())
	s, _ := v.(string)
	return s
}

// spareSlot holds a host's spare request state: a plain pointer guarded
// by a try-lock word. sync/atomic's pointer swap and compare-and-swap are
// calls (for their write barrier), two cold cache lines each on every
// request, where a uint32's compare-and-swap is one instruction. A taker
// or putter that finds the word held falls back on the pool.
type spareSlot struct {
	busy atomic.Uint32
	cr   *Request
}

// take returns the spare, nil when there is none or the slot is busy.
func (s *spareSlot) take() (cr *Request) {
	if s.busy.CompareAndSwap(0, 1) {
		if cr = s.cr; cr != nil {
			s.cr = nil
		}
		s.busy.Store(0)
	}
	return cr
}

// put makes cr the spare, when there is none and the slot is free.
func (s *spareSlot) put(cr *Request) (ok bool) {
	if s.busy.CompareAndSwap(0, 1) {
		if ok = s.cr == nil; ok {
			s.cr = cr
		}
		s.busy.Store(0)
	}
	return ok
}
