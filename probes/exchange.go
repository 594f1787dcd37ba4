package probes

import (
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// The request journal keeps one record per request and side (an
// exchange): what the probes saw of it, from the first hook to the end
// of its body, joined in one place instead of scattered over events
// that share a req id. It is a ring of preallocated slots indexed by the
// request id, so following a request costs no allocation of its own: a
// request claims slot id%N when it starts (evicting what was there, which
// is counted as dropped) and fills it as its hooks run; a diagnostic
// emitted with its id is tagged onto it (Emit). A record is complete when
// the exchange ends: a client request at its response body's EOF, Close
// or collection (or at its error), a server request when its handler
// returned. Only complete records are listed.

// Exchange is one request as the journal keeps it. Times are
// milliseconds, as in HAR; a phase that does not apply is -1.
type Exchange struct {
	ID     uint64    `json:"id"`
	Side   string    `json:"side"` // "client" or "server"
	Site   string    `json:"site,omitempty"`
	Via    string    `json:"via,omitempty"`
	Start  time.Time `json:"start"`
	Method string    `json:"method"`
	URL    string    `json:"url"` // redacted
	Host   string    `json:"host"`
	Path   string    `json:"path"`
	Proto  string    `json:"proto,omitempty"` // "HTTP/1.1", "h2" or "h2c"
	Status int       `json:"status"`          // 0 when there was no response
	Error  string    `json:"error,omitempty"`
	Conn   uint64    `json:"conn,omitempty"`
	// Stream is the exchange's HTTP/2 stream id (0: HTTP/1, or not
	// known).
	Stream uint32 `json:"stream,omitempty"`
	Reused bool   `json:"reused"`
	Remote string `json:"remote,omitempty"`
	Local  string `json:"local,omitempty"`

	RequestHeaderSize  int           `json:"request_header_size"`
	ResponseHeaderSize int           `json:"response_header_size"`
	RequestHeaders     []HeaderField `json:"request_headers,omitempty"`  // redacted; header level 2 or a capture
	ResponseHeaders    []HeaderField `json:"response_headers,omitempty"` // redacted; header level 2 or a capture
	RequestBodySize    int64         `json:"request_body_size"`          // -1 unknown
	ResponseBodySize   int64         `json:"response_body_size"`         // -1 unknown
	RequestBody        *CapturedBody `json:"request_body,omitempty"`     // under a capture rule
	ResponseBody       *CapturedBody `json:"response_body,omitempty"`    // under a capture rule

	Time        float64  `json:"time"` // the sum of the phases, ms
	Timings     Timings  `json:"timings"`
	Diagnostics []string `json:"diagnostics,omitempty"` // names of the warnings and errors emitted for it
}

// HeaderField is one header line, its value redacted.
type HeaderField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// CapturedBody is a body kept under a capture rule, its fields redacted.
type CapturedBody struct {
	MimeType  string `json:"mime_type,omitempty"`
	Text      string `json:"text"`
	Size      int64  `json:"size"`      // bytes seen
	Truncated bool   `json:"truncated"` // Size is over the rule's cap: Text has the cap's worth
}

// Timings are an exchange's phases in the HAR sense, in milliseconds;
// -1 for a phase that does not apply (DNS, connect and TLS on a reused
// connection, on the server side). Connect includes SSL, as in HAR.
type Timings struct {
	Blocked float64 `json:"blocked"`
	DNS     float64 `json:"dns"`
	Connect float64 `json:"connect"`
	SSL     float64 `json:"ssl"`
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// DefaultJournalSize is the journal's size unless GOHTTPDBG says
// journal=N.
const DefaultJournalSize = 1024

const maxDiags = 8 // diagnostic names kept per exchange

type jstate uint8

const (
	jEmpty jstate = iota
	jOpen
	jDone
)

// jslot is one exchange in the ring. It holds no Go pointer, so that the
// slots are one noscan allocation: the collector never scans them, and a
// record is written without write barriers. What a request says in text
// (its URL's parts, the error) is copied into the slot's arena, and a
// string is made from it only when the record is read (export); the
// usual methods, schemes and protocol names are codes (staticNames),
// sites ids (SiteID), the addresses of a connection the registry knows
// its entry's (journal.conns, one pointer beside the slot, written when
// it changes), a client's URL sent before the shared table's (jtexts).
// What does not fit, and what few
// exchanges have and needs pointers (level-2 headers, diagnostics, a
// capture, a server's unrendered local address), is in the slot's jside,
// made on its first use.
//
// A request writes its slot, which a full journal has long evicted from
// the caches: claim zeroes only the exchange's own fields (jrec), not the
// arena, whose bytes are read only through a field's offset and length.
// The fields a request writes come first, its text after them.
type jslot struct {
	mu slotLock
	jrec
	// dropped counts the records this slot evicted: one counter for the
	// journal would be a line both sides write on every request.
	dropped uint64
	text    [jArena]byte
}

// slotLock is a slot's lock: a spin lock, taken with one swap and
// released with one store, where a sync.Mutex's
// TryLock loads and tests its state before its compare-and-swap and its
// Unlock adds and tests for waiters to wake. A slot is held for a few
// stores by its writers, and by a reader for the time it renders one
// record: a writer that finds it taken (rare: a record's writers follow
// each other, and another request takes the slot only when the journal
// has gone round) yields until it is free (waitSlot).
type slotLock struct{ v atomic.Uint32 }

// TryLock takes l if it is free and reports whether it did: a swap
// (one XCHG, where a compare-and-swap wants its operand in AX), which
// leaves a taken lock taken.
func (l *slotLock) TryLock() bool { return l.v.Swap(1) == 0 }

// Unlock releases l.
func (l *slotLock) Unlock() { l.v.Store(0) }

// Lock takes l, yielding until it is free.
//
//go:noinline
func (l *slotLock) Lock() {
	for !l.TryLock() {
		runtime.Gosched()
	}
}

// jArena is the bytes of text a slot holds; a longer record's other text
// is in its jside. A usual request's (a host, a short path, two
// addresses) is under 64 bytes: the slot is six cache lines (384 bytes,
// of which 184 come before the text; TestJournalSlotHasNoPointers checks
// the sum), of which a usual request writes four.
const jArena = 384 - 184

// The text fields of a record.
const (
	tHost = iota
	tPath
	tRawPath
	tRawQuery
	tOpaque
	tFragment
	tRawFragment
	tUser
	tPassword
	tMethod
	tScheme
	tProto
	tErr
	tRemote
	tLocal
	tSite // when the site has no id (SiteID's table is full)
	tVia
	nText
)

// A text field's length tn is its bytes in the arena at to, or one of
// these.
const (
	tConn   = 0xfd // tLocal, tRemote: the record's connection's (journal.conns)
	tStatic = 0xfe // staticNames[to]
	tOver   = 0xff // jside.over
)

// URL flags.
const (
	fOmitHost = 1 << iota
	fForceQuery
	fUser
	fPasswordSet
	// fRequestURI: tPath holds a server request's target as received
	// (RequestURI, origin form), parsed when read; the other URL fields
	// are empty.
	fRequestURI
)

// jside is what a slot keeps of its exchanges that holds pointers; the
// journal's sides are a slice of pointers, nil until a slot needs one,
// and kept for the slot's next exchanges.
type jside struct {
	over [nText]string // the text that did not fit in the arena
	// The headers kept (header level 2 or a capture), unsorted and
	// unredacted: export redacts what it hands out (exportFields).
	reqHdr  []HeaderField
	respHdr []HeaderField
	// respStale is how many of respHdr's elements, past its length, may
	// still hold a past exchange's fields: header level 2's usual path
	// overwrites them rather than clear them first (startHeaders), and the
	// slot's next reset, or respHeaders, clears what is left.
	respStale int
	diags     jdiags
	cap       *captureState // nil unless a capture rule matched
	laddr     net.Addr      // server: rendered when read
}

// jdiags are the names of the diagnostics emitted for an exchange.
type jdiags struct {
	names [maxDiags]string
	n     int
}

// jrec is what claim resets for each exchange.
//
// Its fields are in the order of how often a request writes or tests
// them: those in the slot's first 128 bytes are addressed with a byte's
// offset, the others with four, and the writers' code, which the
// instruction cache has evicted by the next request, is that much
// longer.
type jrec struct {
	id        uint64
	state     jstate
	server    bool
	reused    bool
	connNew   bool // a connection was dialed for it (reused known false)
	urlFlags  uint8
	reqHSWire bool  // reqHS is net/http's count, path included
	sided     uint8 // what the record has in its jside: sideHdrs, sideMore
	used      uint8 // the arena's bytes in use
	to, tn    [nText]uint8
	// shared are the client's host, path and query when they are in the
	// shared table (jtexts) rather than the arena: their offset there
	// plus one, 0 when they are not; their lengths are in tn.
	shared        [3]uint16
	sites         [2]uint32 // site and via, SiteID; 0: the text field, if any
	stream        uint32
	status        int32
	reqHS, respHS int32
	// mono times; 0 when not seen.
	start, end, respAt, gotConn int64
	conn                        uint64
	// The bodies' sizes and the dial's phases' durations (ns), plus one:
	// 0 is unknown, unseen, as claim's zeroing leaves them.
	reqBS1, respBS1      int64
	wrote                int64
	dns1, connect1, tls1 int64
}

type journal struct {
	slots []jslot
	sides []*jside // parallel to slots
	// conns are the records' connections, parallel to slots: a record
	// whose local or remote address is its connection's (tConn) reads it
	// from the entry, whose addresses never change once it is found, and
	// which the record keeps. A request on a kept-alive connection copies
	// no address, and the slot stays free of pointers. An entry is only
	// replaced, never cleared: it is read when the record's fields say so.
	conns []*ConnEntry
	// mask is len(slots)-1 when that is a power of two (the default
	// size): a record's slot is then found without a division.
	mask uint64
	pow2 bool
}

// index returns exchange id's slot's index. The division first: the
// register allocator then leaves the usual path's registers as they are
// and shuffles the division's.
func (j *journal) index(id uint64) uint64 {
	if !j.pow2 {
		return id % uint64(len(j.slots))
	}
	return id & j.mask
}

// slot returns slot i, an index (index) in the slots: its address
// without the slice's bounds check, which the writers of every request
// would pay for an index that is in bounds by construction.
func (j *journal) slot(i uint64) *jslot {
	return (*jslot)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(j.slots)), uintptr(i)*unsafe.Sizeof(jslot{})))
}

// conn returns the element i of conns, an index (index), as slot does.
func (j *journal) conn(i uint64) **ConnEntry {
	return (**ConnEntry)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(j.conns)), uintptr(i)*unsafe.Sizeof((*ConnEntry)(nil))))
}

// What a record has in its jside (jrec.sided), the only bits in it, in
// this order: sided > sideHdrs is sideMore's test in one compare. A record at header level
// 2 has its headers there, which its slot's next exchange overwrites
// (jside.reset); the rest (text over the arena, diagnostics, a capture,
// an unrendered address) few records have, and a record that has any of
// it is emptied of it, and finished, on the rare paths (finishRare).
const (
	sideHdrs = rSided     // reqHdr, respHdr
	sideMore = rSidedMore // over, diags, cap, laddr
)

// side returns s's jside for what is not its headers (sideMore), made on
// first use; s.mu is held. Out of line, as the other rare paths of a
// record's writers: inlined, they made JournalServerStart 6 KB of code
// for its 250 instructions, and every request paid an instruction-cache
// miss per 64 bytes it ran through.
//
//go:noinline
func (j *journal) side(s *jslot) *jside {
	return j.sideFor(s, sideMore)
}

// hdrSide returns s's jside for its headers (sideHdrs); s.mu is held.
// The jside is made once per slot: its usual path, at level 2 every
// request's, is a load.
func (j *journal) hdrSide(s *jslot) *jside {
	if d := j.sides[j.index(s.id)]; d != nil {
		s.sided |= sideHdrs
		return d
	}
	return j.sideFor(s, sideHdrs)
}

// sideFor returns s's jside, made on first use, and marks the record as
// having what has says in it; s.mu is held.
//
//go:noinline
func (j *journal) sideFor(s *jslot, has uint8) *jside {
	i := j.index(s.id)
	d := j.sides[i]
	if d == nil {
		d = new(jside)
		j.sides[i] = d
	}
	s.sided |= has
	return d
}

// sideIf returns s's jside if the record has something in it, else nil;
// s.mu is held.
func (j *journal) sideIf(s *jslot) *jside {
	if s.sided == 0 {
		return nil
	}
	return j.sides[j.index(s.id)]
}

// capOf returns the record's capture state, nil if none; s.mu is held.
func (j *journal) capOf(s *jslot) *captureState {
	if s.sided&sideMore != 0 {
		d := j.sides[j.index(s.id)]
		return d.cap
	}
	return nil
}

// reset empties d for the slot's next exchange, keeping its buffers but
// not what they point to; had is what the evicted exchange had in it
// (jrec.sided): the fields it did not use are empty.
func (d *jside) reset(had uint8) {
	if had&sideMore != 0 {
		d.over = [nText]string{}
		d.diags = jdiags{}
		d.cap, d.laddr = nil, nil
	}
	clear(d.reqHdr)
	clear(d.respHdr[:max(len(d.respHdr), min(d.respStale, cap(d.respHdr)))])
	d.reqHdr, d.respHdr, d.respStale = d.reqHdr[:0], d.respHdr[:0], 0
}

// setText sets text field f to v: copied into the arena if it fits
// (put), else kept in the jside (v itself: nothing is allocated). Out of
// line: the request path calls put itself, and this on its rare paths.
//
//go:noinline
func (j *journal) setText(s *jslot, f int, v string) {
	if !s.put(f, v) {
		j.setTextRare(s, f, v)
	}
}

// put copies v into the arena as text field f, if it fits.
func (s *jslot) put(f int, v string) bool {
	u := s.used
	if uint(len(v)) > uint(jArena-int(u)) {
		return false
	}
	s.to[f], s.tn[f], s.used = u, uint8(len(v)), u+uint8(copy(s.text[u:], v))
	return true
}

// putTexts copies a request's usual texts into the arena: its host, its
// path, and v3 as text field f3 (a client's query, a server's remote
// address; nothing when it is empty). It reports those that do not fit
// in bits 0 to 2. A writer calls it once, at its end. The texts are a
// few to a few tens of bytes, for which memmove is a call, and a writer
// saves and restores every register it uses around each call, as much
// code as the copy: this copies them itself, 8 bytes at a time, a text's
// last 8 overlapping the ones before (4 and 4 from 4 to 7 bytes, a byte
// at a time under 4), and calls nothing.
//
//go:noinline
func (s *jslot) putTexts(host, path string, f3 int, v3 string) (over uint32) {
	vs := [3]string{host, path, v3}
	fs := [3]uint8{tHost, tPath, uint8(f3)}
	m := len(vs)
	if v3 == "" {
		m-- // claim left its field empty
	}
	u := int(s.used)
	for k := 0; k < m; k++ {
		v := vs[k]
		n := len(v)
		if n > jArena-u {
			over |= 1 << k
			continue
		}
		if n > 0 {
			// In bounds: n <= jArena-u. The [N]byte types have
			// alignment 1: a machine that needs aligned words gets
			// bytes.
			d, p := unsafe.Add(unsafe.Pointer(&s.text), u), unsafe.Pointer(unsafe.StringData(v))
			switch {
			case n >= 8:
				for i := 0; i < n-8; i += 8 {
					*(*[8]byte)(unsafe.Add(d, i)) = *(*[8]byte)(unsafe.Add(p, i))
				}
				*(*[8]byte)(unsafe.Add(d, n-8)) = *(*[8]byte)(unsafe.Add(p, n-8))
			case n >= 4:
				*(*[4]byte)(d) = *(*[4]byte)(p)
				*(*[4]byte)(unsafe.Add(d, n-4)) = *(*[4]byte)(unsafe.Add(p, n-4))
			default:
				for i := 0; i < n; i++ {
					*(*byte)(unsafe.Add(d, i)) = v[i]
				}
			}
		}
		f := fs[k]
		s.to[f], s.tn[f] = uint8(u), uint8(n)
		u += n
	}
	s.used = uint8(u)
	return over
}

// copyShort copies n bytes, 4 to 32, from p to d (see moveWide): no
// loop and no call, so that a writer copies a usual text inline (putTexts
// copies the others). It takes a pointer, not a string, to stay within
// the compiler's inlining budget.
func copyShort(d, p unsafe.Pointer, n int) {
	if n >= 8 {
		moveWide(d, p, n)
	} else {
		move4(d, p, n)
	}
}

// setTextRare keeps v, which does not fit in the arena, in the jside.
//
//go:noinline
func (j *journal) setTextRare(s *jslot, f int, v string) {
	j.side(s).over[f] = v
	s.tn[f] = tOver
}

// setNamed sets text field f to v, as its code (staticCode) when it has
// one. Out of line: the writers test the usual name (GET, HTTP/1.1)
// themselves.
//
//go:noinline
func (j *journal) setNamed(s *jslot, f int, v string) {
	if c := staticCode(v); c != 0 {
		s.to[f], s.tn[f] = c, tStatic
		return
	}
	j.setText(s, f, v)
}

// text returns text field f, made a string; s.mu is held.
func (j *journal) text(s *jslot, f int) string {
	switch n := s.tn[f]; n {
	case 0:
		return ""
	case tStatic:
		return staticNames[s.to[f]]
	case tOver:
		return j.sides[j.index(s.id)].over[f]
	case tConn:
		e := j.conns[j.index(s.id)]
		if f == tLocal {
			return e.info.Local
		}
		return e.info.Remote
	default:
		if k := sharedIndex(f); k >= 0 && s.shared[k] != 0 {
			at := int(s.shared[k]) - 1
			return string(jtexts.b[at : at+int(n)])
		}
		return string(s.text[s.to[f] : int(s.to[f])+int(n)])
	}
}

// sharedIndex returns text field f's index in jrec.shared, -1 if it has
// none.
func sharedIndex(f int) int {
	switch f {
	case tHost:
		return 0
	case tPath:
		return 1
	case tRawQuery:
		return 2
	}
	return -1
}

// jtexts is the journal's shared table of texts: the hosts, paths and
// queries a client sends over and over (most programs send the same ones
// from the same line, as the same strings: the parts of one URL string
// that http.NewRequest parsed), each written once, which the records of their requests refer to
// (jrec.shared) instead of copying them into their arenas. Its bytes are
// never written again, so that a record reads its texts for as long as
// it lives, whatever has been sent since; once it is full nothing more
// is added and the records copy their texts, as those of texts sent once
// do. No pointer: the collector never scans it.
var jtexts struct {
	mu   sync.Mutex
	n    int // bytes in use, under mu
	full atomic.Bool
	b    [jTextsSize]byte
}

const jTextsSize = 16 << 10

// sharedURL is a URL's host, path and query whose bytes jtexts has at
// at-1 (in that order). A request's are its if they are the same strings:
// the same address and length. The entry keeps the strings alive, so
// that no other takes their bytes' address, and a Go string's bytes do
// not change.
type sharedURL struct {
	host, path, query string
	at                [3]uint16
}

// sharedURLs are the URLs' texts in jtexts, by the address of their
// host's bytes (sharedSlot), each replaced by the next that is sent
// twice; seenURLs those seen once (noteURL): their addresses and lengths,
// and a hash of their path's and query's bytes.
var (
	sharedURLs [256]atomic.Pointer[sharedURL]
	seenURLs   [256][2]atomic.Uint64
)

// sharedSlot is the entry of the URL whose host's bytes are at p.
func sharedSlot(p *byte) uint8 {
	a := uintptr(unsafe.Pointer(p))
	return uint8(a ^ a>>8)
}

// textHash hashes v's bytes, a word at a time.
func textHash(v string) uint64 {
	h := uint64(len(v))
	for len(v) >= 8 {
		b := *(*[8]byte)(unsafe.Pointer(unsafe.StringData(v))) // alignment 1
		h = (h ^ binary.LittleEndian.Uint64(b[:])) * 0x9e3779b97f4a7c15
		v = v[8:]
	}
	for i := 0; i < len(v); i++ {
		h = (h ^ uint64(v[i])) * 0x9e3779b97f4a7c15
	}
	return h
}

// sameAddr reports whether a and b are the same string: the same
// bytes, at the same address (an empty string is any empty string).
func sameAddr(a, b string) bool {
	return len(a) == len(b) && (len(a) == 0 || unsafe.StringData(a) == unsafe.StringData(b))
}

// noteURL notes the host, path and query of a request, which jtexts
// does not have: the second time they are seen (the same addresses and
// lengths, most likely the same strings sent again) they are added to
// it. A hash of their bytes is compared too: a URL made for each request
// (an id in its path) may be at the address, of the same length, that
// the last one had, which the collector freed; such texts would fill the
// table for nothing. Out of line: a request whose texts
// are shared does not call it.
//
//go:noinline
func noteURL(host, path, query string) {
	if len(host) > jArena || len(path) > jArena || len(query) > jArena {
		return
	}
	k := sharedSlot(unsafe.StringData(host))
	key := uint64(uintptr(unsafe.Pointer(unsafe.StringData(host)))) ^ uint64(uintptr(unsafe.Pointer(unsafe.StringData(path))))<<1 ^
		uint64(uintptr(unsafe.Pointer(unsafe.StringData(query))))<<2 ^ uint64(len(host))<<40 ^ uint64(len(path))<<48 ^ uint64(len(query))<<56
	tail := textHash(path) ^ textHash(query)<<1
	if seenURLs[k][0].Load() != key || seenURLs[k][1].Load() != tail {
		seenURLs[k][0].Store(key)
		seenURLs[k][1].Store(tail)
		return
	}
	jtexts.mu.Lock()
	at := jtexts.n
	if at+len(host)+len(path)+len(query) > len(jtexts.b) {
		jtexts.full.Store(true)
		jtexts.mu.Unlock()
		return
	}
	e := &sharedURL{host: host, path: path, query: query}
	for i, v := range [3]string{host, path, query} {
		e.at[i] = uint16(at + 1)
		at += copy(jtexts.b[at:], v)
	}
	jtexts.n = at
	jtexts.mu.Unlock()
	sharedURLs[k].Store(e)
}

// setSite sets the record's site (f tSite) or via (tVia) to v, which
// the site ids' cache does not have (cachedSiteID, which the writers try
// first): an id when the site table has it, else its text; nothing for "".
//
//go:noinline
func (j *journal) setSite(s *jslot, f int, v string) {
	s.sites[f-tSite], s.tn[f] = 0, 0
	if v == "" {
		return
	}
	if s.sites[f-tSite] = SiteID(v); s.sites[f-tSite] == 0 {
		j.setText(s, f, v)
	}
}

// siteText returns the record's site (f tSite) or via (tVia).
func (j *journal) siteText(s *jslot, f int) string {
	if id := s.sites[f-tSite]; id != 0 {
		return SiteName(id)
	}
	return j.text(s, f)
}

// setURL writes u's parts into the record, but for its scheme and host,
// which the callers set: a server request's whose target is not a path
// (JournalClientStart writes a client's).
//
//go:noinline
func (j *journal) setURL(s *jslot, u *url.URL) {
	j.setText(s, tPath, u.Path)
	j.setText(s, tRawQuery, u.RawQuery)
	j.setURLRare(s, u)
}

// setURLRare writes u's parts that few requests have.
//
//go:noinline
func (j *journal) setURLRare(s *jslot, u *url.URL) {
	j.setText(s, tRawPath, u.RawPath)
	j.setText(s, tOpaque, u.Opaque)
	j.setText(s, tFragment, u.Fragment)
	j.setText(s, tRawFragment, u.RawFragment)
	var fl uint8
	if u.OmitHost {
		fl |= fOmitHost
	}
	if u.ForceQuery {
		fl |= fForceQuery
	}
	if u.User != nil {
		fl |= fUser
		j.setText(s, tUser, u.User.Username())
		if pw, ok := u.User.Password(); ok {
			fl |= fPasswordSet
			j.setText(s, tPassword, pw)
		}
	}
	s.urlFlags = fl
}

// url returns the record's URL; s.mu is held.
func (j *journal) url(s *jslot) url.URL {
	if s.urlFlags&fRequestURI != 0 {
		// net/http parsed the same text into the request's URL, without
		// error: a handler may since have rewritten that URL.
		u, err := url.ParseRequestURI(j.text(s, tPath))
		if err != nil {
			u = &url.URL{Path: j.text(s, tPath)}
		}
		u.Scheme, u.Host = j.text(s, tScheme), j.text(s, tHost)
		return *u
	}
	u := url.URL{Scheme: j.text(s, tScheme), Opaque: j.text(s, tOpaque), Host: j.text(s, tHost),
		Path: j.text(s, tPath), RawPath: j.text(s, tRawPath), OmitHost: s.urlFlags&fOmitHost != 0,
		ForceQuery: s.urlFlags&fForceQuery != 0, RawQuery: j.text(s, tRawQuery),
		Fragment: j.text(s, tFragment), RawFragment: j.text(s, tRawFragment)}
	if s.urlFlags&fUser != 0 {
		if s.urlFlags&fPasswordSet != 0 {
			u.User = url.UserPassword(j.text(s, tUser), j.text(s, tPassword))
		} else {
			u.User = url.User(j.text(s, tUser))
		}
	}
	return u
}

// droppedCount returns how many records the journal has dropped.
func (j *journal) droppedCount() uint64 {
	var n uint64
	for i := range j.slots {
		s := &j.slots[i]
		s.mu.Lock()
		n += s.dropped
		s.mu.Unlock()
	}
	return n
}

var (
	journalSize atomic.Int64
	theJournal  atomic.Pointer[journal]
	journalOnce sync.Once
)

func init() { journalSize.Store(DefaultJournalSize) }

// SetJournalSize sets the journal's size (0: no journal); it takes effect
// only before the first request is followed.
func SetJournalSize(n int) { journalSize.Store(int64(n)) }

// currentJournal returns the journal, made on first use; nil when its
// size is 0.
func currentJournal() *journal {
	if j := theJournal.Load(); j != nil { // inlined: one load
		return j
	}
	return makeJournal()
}

// makeJournal makes the journal, once; nil when its size is 0.
func makeJournal() *journal {
	journalOnce.Do(func() {
		if n := journalSize.Load(); n > 0 {
			theJournal.Store(newJournal(int(n)))
		}
	})
	return theJournal.Load()
}

func newJournal(n int) *journal {
	return &journal{slots: make([]jslot, n), sides: make([]*jside, n), conns: make([]*ConnEntry, n),
		mask: uint64(n - 1), pow2: n&(n-1) == 0}
}

// staticNames are the method, scheme and protocol names a record keeps
// as a code (staticCode).
var staticNames = [...]string{"", "GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS",
	"http", "https", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "h2", "h2c"}

// Codes of staticNames.
const (
	cHTTP   = 8
	cHTTPS  = 9
	cHTTP11 = 10
	cH2     = 13
	cH2C    = 14
)

// methodCode returns the code of GET or POST, the methods of most
// requests (an API's calls are POSTs), 0 for another: the writers test
// them inline, and setNamed the others.
func methodCode(m string) uint8 {
	switch {
	case len(m) == 3 && m == "GET":
		return 1
	case len(m) == 4 && m == "POST":
		return 2
	}
	return 0
}

// schemeCode returns scheme's code, 0 if it has none.
func schemeCode(scheme string) uint8 {
	switch scheme {
	case "http":
		return cHTTP
	case "https":
		return cHTTPS
	}
	return 0
}

// staticCode returns s's index in staticNames, 0 if it is not there.
// Out of line: its switch, inlined, is a kilobyte of code in each writer.
//
//go:noinline
func staticCode(s string) uint8 {
	switch s {
	case "GET":
		return 1
	case "POST":
		return 2
	case "PUT":
		return 3
	case "DELETE":
		return 4
	case "HEAD":
		return 5
	case "PATCH":
		return 6
	case "OPTIONS":
		return 7
	case "http":
		return 8
	case "https":
		return 9
	case "HTTP/1.1":
		return 10
	case "HTTP/1.0":
		return 11
	case "HTTP/2.0":
		return 12
	case "h2":
		return 13
	case "h2c":
		return 14
	}
	return 0
}

// lockedSlot returns exchange id's slot, locked, and its journal, or nil
// when there is no journal or the slot has moved on to another exchange.
// The request path's writers write it out (see the r flags, rSided...);
// the rare ones (a phase of a dial, a diagnostic, a capture) call it.
func lockedSlot(id uint64) (*journal, *jslot) {
	j := theJournal.Load()
	if j == nil {
		return nil, nil
	}
	s := j.slot(j.index(id))
	if !s.mu.TryLock() { // Lock's call only when taken: see waitSlot
		s.mu.Lock()
	}
	if s.id != id || s.state == jEmpty {
		s.mu.Unlock()
		return j, nil
	}
	return j, s
}

// claim starts exchange id in its slot, s, locked by the caller,
// evicting (and counting) the one there; it returns what the slot's
// jside holds of the evicted exchange (its sided: sideHdrs, sideMore,
// which are rSided, rSidedMore), which the caller must then empty
// (resetSide, startHeaders) before it writes any of its own. Inlined in
// the two writers that start a record.
func (j *journal) claim(s *jslot, id uint64, server bool, start int64) (sided uint8) {
	if s.state != jEmpty {
		s.dropped++
	}
	sided = s.sided
	// Zeroed, then set: a composite literal would be built aside and
	// copied, twice the stores.
	s.jrec = jrec{}
	s.id, s.state, s.server, s.start = id, jOpen, server, start
	return sided
}

// resetSide empties the jside of s's previous exchange, which had in it
// what rare's rSided and rSidedMore say; s.mu is held.
func (j *journal) resetSide(s *jslot, rare uint32) {
	j.sides[j.index(s.id)].reset(uint8(rare & (sideHdrs | sideMore)))
}

// The request path's writers (JournalClientStart, JournalClientResponse,
// JournalServerStart, JournalServerEnd, JournalClientEnd) write a usual
// request's record themselves, in one function each that calls nothing
// (but for unlocking): each call to a small function is a cold line of
// code to fetch, and the request path runs with its code evicted from
// the cache by net/http's; a call after which the writer needs its
// registers again makes it save them first, on every request. What a
// request has that is not usual (a method or protocol that is not the
// common one, texts to copy, a URL's rare parts, a site new to the
// cache, level 2, a capture rule, an HTTP/2 response, an error) is
// flagged in a bit set as they go, and written after the usual fields by
// the writer's rare function, once, which then ends the record if it is
// to and unlocks it: the writer returns after it.
const (
	rSided     = 1 << iota // the slot's jside has the evicted exchange's headers (resetSide)
	rSidedMore             // the slot's jside has the evicted exchange's other things (resetSide)
	rSite                  // the site is not in cachedSiteID's cache
	rVia                   // the via is not in cachedSiteID's cache
	rMethod                // neither GET nor POST
	rScheme                // neither http nor https
	rProto                 // not HTTP/1.1
	rHost                  // over the arena (putTexts: rHost, rPath and rText3 follow each other)
	rPath                  // over the arena
	rText3                 // over the arena: a client's query, a server's remote address
	rURL                   // a URL's rare parts; a server's target that is not a path
	rLocal                 // a server request's connection the registry does not know
	rHeaders               // header level 2, or a capture rule; header level 2's alone (or with rSided) has its usual path: startHeaders, respHeaders, endHeaders
	rReqHS                 // the request header's size is to be summed (a server's; a client's header map's, which net/http did not count: HTTP/2)
	rRespHS                // the response header's size is to be summed or kept
	rErr                   // an error
	rTexts                 // the texts are to be copied by putTexts (a client's that are not shared, a server's that copyShort does not take)
	rRemote                // a served request's remote address is not known to be its connection's (ConnEntry.servedRemote)
)

// emptyBody reports whether *b is nil or http.NoBody: whether its
// interface's type word is nil or NoBody's, which only NoBody's type has
// (a type has one itab per interface). Comparing the interfaces calls
// runtime.ifaceeq, and the writers save and restore their registers
// around it.
func emptyBody(b *io.ReadCloser) bool {
	tab := (*[2]unsafe.Pointer)(unsafe.Pointer(b))[0]
	return tab == nil || tab == noBodyTab
}

var noBodyTab = func() unsafe.Pointer {
	var b io.ReadCloser = http.NoBody
	return (*[2]unsafe.Pointer)(unsafe.Pointer(&b))[0]
}()

// JournalOn reports whether the journal keeps exchanges (its size is
// not 0); it makes the journal on first use.
func JournalOn() bool { return theJournal.Load() != nil || makeJournal() != nil }

// JournalClientStart opens the record of client request id, sent at
// site and started at start (Mono); it reports whether a capture rule
// wants the request's body.
func JournalClientStart(id uint64, start int64, site string, req *http.Request) (capture bool) {
	j := theJournal.Load()
	if j == nil {
		return journalClientStartFirst(id, start, site, req)
	}
	s := j.slot(j.index(id))
	if !s.mu.TryLock() {
		waitSlot(s)
		return JournalClientStart(id, start, site, req)
	}
	rare := uint32(j.claim(s, id, false, start)) // rSided, rSidedMore
	if s.sites[0] = cachedSiteID(site); s.sites[0] == 0 {
		rare |= rSite
	}
	if c := methodCode(req.Method); c != 0 {
		s.to[tMethod], s.tn[tMethod] = c, tStatic
	} else {
		rare |= rMethod
	}
	u := req.URL
	if c := schemeCode(u.Scheme); c != 0 {
		s.to[tScheme], s.tn[tScheme] = c, tStatic
	} else {
		rare |= rScheme
	}
	// What few URLs have, tested at once; claim left their fields empty.
	if len(u.RawPath)|len(u.Opaque)|len(u.Fragment)|len(u.RawFragment) != 0 || u.User != nil || u.OmitHost || u.ForceQuery {
		rare |= rURL
	}
	s.reqBS1 = req.ContentLength + 1
	if emptyBody(&req.Body) {
		s.reqBS1 = 1
	}
	// The request's header size comes with its response
	// (JournalClientResponse).
	if Level(Header) >= 2 || captureRule.Load() != nil {
		rare |= rHeaders
	}
	// A URL's texts sent before are in the shared table: the record
	// refers to them (jtexts).
	host, path, query := u.Host, u.Path, u.RawQuery
	if e := sharedURLs[sharedSlot(unsafe.StringData(host))].Load(); e != nil &&
		sameAddr(e.host, host) && sameAddr(e.path, path) && sameAddr(e.query, query) {
		s.tn[tHost], s.tn[tPath], s.tn[tRawQuery] = uint8(len(host)), uint8(len(path)), uint8(len(query))
		s.shared = e.at
	} else {
		rare |= rTexts
	}
	if rare == 0 { // the usual case first: see JournalClientResponse
		s.mu.Unlock()
		return false
	}
	if rare|rSided == rSided|rHeaders && captureRule.Load() == nil { // header level 2's usual request
		j.startHeaders(s, req.Header, rare)
		return false
	}
	return j.clientStartRare(s, site, req, rare)
}

// journalClientStartFirst is JournalClientStart before the journal is
// made.
//
//go:noinline
func journalClientStartFirst(id uint64, start int64, site string, req *http.Request) bool {
	if makeJournal() == nil {
		return false
	}
	return JournalClientStart(id, start, site, req)
}

// clientStartRare writes what JournalClientStart flagged in rare, and
// unlocks s, whose s.mu is held: the writer's common path then makes no
// call after which it needs its registers again (each such call makes it
// save them first, on every request). It reports whether a capture rule
// wants the request's body.
//
//go:noinline
func (j *journal) clientStartRare(s *jslot, site string, req *http.Request, rare uint32) (capture bool) {
	capture = j.clientStartRareLocked(s, site, req, rare)
	s.mu.Unlock()
	return capture
}

func (j *journal) clientStartRareLocked(s *jslot, site string, req *http.Request, rare uint32) (capture bool) {
	if rare&(rSided|rSidedMore) != 0 {
		j.resetSide(s, rare)
	}
	if rare&rTexts != 0 {
		u := req.URL
		rare |= s.putTexts(u.Host, u.Path, tRawQuery, u.RawQuery) * rHost
		if !jtexts.full.Load() {
			noteURL(u.Host, u.Path, u.RawQuery)
		}
	}
	if rare&rSite != 0 {
		j.setSite(s, tSite, site)
	}
	if rare&rMethod != 0 {
		j.setNamed(s, tMethod, req.Method)
	}
	u := req.URL
	if rare&rScheme != 0 {
		j.setText(s, tScheme, u.Scheme)
	}
	if rare&rHost != 0 {
		j.setTextRare(s, tHost, u.Host)
	}
	if rare&rPath != 0 {
		j.setTextRare(s, tPath, u.Path)
	}
	if rare&rText3 != 0 {
		j.setTextRare(s, tRawQuery, u.RawQuery)
	}
	if rare&rURL != 0 {
		j.setURLRare(s, u)
	}
	if rare&rHeaders == 0 {
		return false
	}
	if Level(Header) >= 2 {
		d := j.hdrSide(s)
		d.reqHdr = appendFields(d.reqHdr, req.Header)
	}
	if captureRule.Load() != nil {
		if c := captureFor(false, req.Method, u.Host, u.Path); c != nil {
			d := j.side(s)
			d.cap = c
			c.reqType = req.Header.Get("Content-Type")
			if len(d.reqHdr) == 0 {
				d.reqHdr = appendFields(d.reqHdr, req.Header)
			}
			capture = req.Body != nil && req.Body != http.NoBody
		}
	}
	return capture
}

// startHeaders is the rare path of a record's start at header level 2
// when it has nothing else rare (rare: rHeaders, with rSided if the slot's
// last exchange kept its headers too): it keeps the request's header h,
// and unlocks s, whose s.mu is held. One call where the general rare path
// (clientStartRare, serverStartRare) tests each of its flags.
//
//go:noinline
func (j *journal) startHeaders(s *jslot, h http.Header, rare uint32) {
	d := j.sides[j.index(s.id)]
	if d == nil { // the slot's first (rSided is not set)
		d = j.sideFor(s, sideHdrs)
	}
	s.sided = sideHdrs
	// The last exchange's fields are overwritten rather than cleared
	// first (two calls of the runtime's): its request's here, its
	// response's by respHeaders or the next reset (respStale).
	if rare&rSided != 0 {
		d.respStale = max(d.respStale, len(d.respHdr))
		d.respHdr = d.respHdr[:0]
	}
	n := len(d.reqHdr)
	d.reqHdr = appendFields(d.reqHdr[:0], h)
	if k := len(d.reqHdr); k < n {
		clear(d.reqHdr[k:n])
	}
	s.mu.Unlock()
}

// respHeaders is the rare path of JournalClientResponse at header level
// 2 when it has nothing else rare: it keeps the response's fields f, as
// the header.response event took them, ends the record if done says so,
// and unlocks s, whose s.mu is held.
//
//go:noinline
func (j *journal) respHeaders(s *jslot, f []HeaderField, now int64, done bool) {
	d := j.sides[j.index(s.id)]
	if d == nil { // header level 2 since the request started
		d = j.sideFor(s, sideHdrs)
	}
	s.sided |= sideHdrs
	d.respHdr = append(d.respHdr, f...)
	if n := min(d.respStale, cap(d.respHdr)); n > len(d.respHdr) {
		clear(d.respHdr[len(d.respHdr):n])
	}
	d.respStale = 0
	if done && j.finish(s, now) {
		j.finishRare(s)
	}
	s.mu.Unlock()
}

// ClientConn is what a client request learned of its connection before
// its response: the request carries it, and JournalClientResponse writes
// it with the response, one lock of the record instead of one per hook.
// Nothing reads a record before it is complete, so the record misses
// nothing while the request is in flight.
type ClientConn struct {
	// Seen: the connection was reported (GotConn, or the HTTP/2 response's
	// stream); the fields below are then the record's.
	Seen   bool
	Entry  *ConnEntry // the registry's, nil when it does not know the connection
	Reused bool
	At     int64 // Mono when the request got it; 0 when not seen
	// Stream is the HTTP/2 stream the response came on, 0 if none; its
	// connection is Entry's, or StreamConn when the record has none.
	Stream     uint32
	StreamConn uint64
	// HeaderSize is the size of the request's header as net/http wrote it
	// (the std patch's; HTTP/1: the bytes of its line and header, the blank
	// line included; HTTP/2: the decoded block its stream encoded); 0:
	// unknown, the journal sums them from the request.
	HeaderSize int32
	// RespFields are the response header's fields, unredacted, as the
	// header.response event took them from the map (Event.AddHeaderKeep),
	// which the record keeps rather than walk the map again; empty: the
	// record walks it (at header level 2, or for a capture).
	RespFields []HeaderField
}

// The phases JournalPhase records.
const (
	PhaseDNS = iota
	PhaseConnect
	PhaseTLS
	PhaseWrote
)

// JournalPhase records a dial phase's duration (or, for PhaseWrote, the
// time the request was written).
func JournalPhase(id uint64, phase int, v int64) {
	if id == 0 {
		return
	}
	if _, s := lockedSlot(id); s != nil {
		switch phase {
		case PhaseDNS:
			s.dns1 = v + 1
		case PhaseConnect:
			s.connect1 = v + 1
		case PhaseTLS:
			s.tls1 = v + 1
		case PhaseWrote:
			s.wrote = v
		}
		s.mu.Unlock()
	}
}

// ResponseHeaderSize is the size of a response's status line and
// header, as a client received it.
func ResponseHeaderSize(resp *http.Response) int {
	return HeaderSize(resp.Header) + len(resp.Status) + len(resp.Proto) + 3
}

// ServedHeaderSize is the size of a served request's line and header.
// Out of line: the fallback when net/http did not count the bytes.
//
//go:noinline
func ServedHeaderSize(r *http.Request) int {
	return HeaderSize(r.Header) + len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4 + len("Host: \r\n") + len(r.Host)
}

// JournalClientResponse records the outcome of client request id, sent
// as req (via names the library frame that sent it, if any) on the
// connection c says (nil: none reported); done says that it ends the
// exchange (no body to wait for). respHS is the response's
// ResponseHeaderSize when the caller has it, else -1: summing a header
// costs a walk of its map.
func JournalClientResponse(id uint64, via string, req *http.Request, c *ClientConn, resp *http.Response, respHS int, err error, now int64, done bool) {
	// lockedSlot, written out (see the r flags, rSided...).
	j := theJournal.Load()
	if j == nil {
		return
	}
	i := j.index(id)
	s := j.slot(i)
	if !s.mu.TryLock() {
		waitSlot(s)
		JournalClientResponse(id, via, req, c, resp, respHS, err, now, done)
		return
	}
	if s.id != id || s.state == jEmpty {
		s.mu.Unlock()
		return
	}
	var rare uint32
	if via != "" { // claim left it empty
		rare = rVia
	}
	if err != nil {
		rare |= rErr
	}
	if c == nil {
		s.reqHS = clientLineSize(req)
		if len(req.Header) != 0 {
			rare |= rReqHS
		}
	} else {
		if c.Seen {
			s.conn, s.reused, s.connNew, s.gotConn = 0, c.Reused, !c.Reused, c.At
			if e := c.Entry; e != nil {
				// Its addresses, by reference: see journal.conns.
				s.conn = e.info.ID
				if p := j.conn(i); *p != e { // most often the slot's last record's: no write barrier
					*p = e
				}
				s.tn[tLocal], s.tn[tRemote] = tConn, tConn
			}
		}
		// The request header's size as net/http wrote it (HTTP/1, the std
		// patch's), else summed (clientLineSize).
		if c.HeaderSize > 0 {
			s.reqHS, s.reqHSWire = c.HeaderSize, true
		} else {
			s.reqHS = clientLineSize(req)
			if len(req.Header) != 0 {
				rare |= rReqHS
			}
		}
		if c.Stream != 0 { // the stream's connection, when the record has none
			if s.conn == 0 {
				s.conn = c.StreamConn
			}
			s.stream = c.Stream
		}
	}
	if resp != nil {
		s.status, s.respAt, s.respHS = int32(resp.StatusCode), now, int32(respHS)
		if resp.ProtoMajor == 2 {
			p := uint8(cH2C)
			if s.to[tScheme] == cHTTPS && s.tn[tScheme] == tStatic {
				p = cH2
			}
			s.to[tProto], s.tn[tProto] = p, tStatic
			if s.gotConn == 0 && !s.connNew && s.dns1|s.connect1|s.tls1 == 0 {
				// No connection was handed over and nothing was dialed: with
				// the std hooks a request on a kept HTTP/2 connection never
				// passes getConn, and a new one is always seen dialing.
				s.reused = true
			}
		} else if resp.Proto == "HTTP/1.1" {
			s.to[tProto], s.tn[tProto] = cHTTP11, tStatic
		} else {
			rare |= rProto
		}
		if respHS < 0 {
			rare |= rRespHS
		}
		if s.sided > sideHdrs || Level(Header) >= 2 { // sideMore: one compare
			rare |= rHeaders
		}
		if emptyBody(&resp.Body) {
			s.respBS1 = 1
		}
	}
	// The usual case first: a branch with no call in either first block
	// has its then-block laid out next, and the rare case's tests, before
	// its calls, would come between the usual blocks.
	if rare == 0 {
		if done && j.finish(s, now) {
			j.finishRareUnlock(s)
			return
		}
		s.mu.Unlock()
		return
	}
	if rare == rHeaders && s.sided <= sideHdrs && c != nil && len(c.RespFields) > 0 { // header level 2's usual response
		j.respHeaders(s, c.RespFields, now, done)
		return
	}
	j.clientResponseRest(s, via, req, c, resp, err, rare, now, done)
}

// clientResponseRest writes what JournalClientResponse flagged in rare
// (clientResponseRare); it ends the record if done says so, and unlocks
// s, whose s.mu is held (see clientStartRare).
//
//go:noinline
func (j *journal) clientResponseRest(s *jslot, via string, req *http.Request, c *ClientConn, resp *http.Response, err error, rare uint32, now int64, done bool) {
	if rare&rReqHS != 0 { // net/http did not count it: here rather than one more call
		s.reqHS += int32(HeaderSize(req.Header))
	}
	if rare&^rReqHS != 0 {
		j.clientResponseRare(s, via, req, c, resp, err, rare)
	}
	if done && j.finish(s, now) {
		j.finishRare(s)
	}
	s.mu.Unlock()
}

// clientLineSize is the size of req's line and Host field in HTTP/1
// form, from its URL, without the escaped path's length, which export
// adds from the record's path (escaping it costs a walk of its bytes);
// nor the blank line and the fields net/http adds as it writes. With its
// header map's (HeaderSize, a walk of it: clientResponseRest adds it),
// the request header's size when net/http did not count it (see
// ClientConn.HeaderSize).
func clientLineSize(req *http.Request) int32 {
	return int32(len(req.Method) + 1 + len(req.URL.RawQuery) + len("HTTP/1.1") + 4 + len("Host: \r\n") + len(req.URL.Host))
}

// clientResponseRare writes what JournalClientResponse flagged in rare;
// s.mu is held.
//
//go:noinline
func (j *journal) clientResponseRare(s *jslot, via string, req *http.Request, c *ClientConn, resp *http.Response, err error, rare uint32) {
	if rare&rVia != 0 {
		if s.sites[1] = cachedSiteID(via); s.sites[1] == 0 {
			j.setSite(s, tVia, via)
		}
	}
	if rare&rErr != 0 {
		j.setText(s, tErr, err.Error())
	}
	if resp == nil {
		return
	}
	if rare&rProto != 0 {
		j.setNamed(s, tProto, resp.Proto)
	}
	sized := rare&rRespHS == 0
	if rare&rHeaders != 0 {
		if cp := j.capOf(s); Level(Header) >= 2 || cp != nil {
			d := j.hdrSide(s)
			if c != nil && len(c.RespFields) > 0 && sized {
				d.respHdr = append(d.respHdr, c.RespFields...)
			} else if sized {
				d.respHdr = appendFields(d.respHdr, resp.Header)
			} else { // one walk for the fields and the size
				n := 0
				d.respHdr, n = appendFieldsSized(d.respHdr, resp.Header)
				s.respHS, sized = int32(n+len(resp.Status)+len(resp.Proto)+3), true
			}
			if cp != nil {
				cp.respType = resp.Header.Get("Content-Type")
			}
		}
	}
	if !sized {
		s.respHS = int32(ResponseHeaderSize(resp))
	}
}

// JournalClientEnd ends a client exchange at its body's end: n bytes
// were read.
func JournalClientEnd(id uint64, now, n int64) {
	// lockedSlot, written out (see the r flags, rSided...).
	j := theJournal.Load()
	if j == nil {
		return
	}
	s := j.slot(j.index(id))
	if !s.mu.TryLock() {
		waitSlot(s)
		JournalClientEnd(id, now, n)
		return
	}
	if s.id == id && s.state == jOpen {
		s.respBS1 = n + 1
		if j.finish(s, now) {
			j.finishRareUnlock(s)
			return
		}
	}
	s.mu.Unlock()
}

// waitSlot waits for s's lock to be free, for a writer that found it
// taken (TryLock) and then tries again. The writers take it with
// TryLock, not Lock, whose call out of line for a taken lock makes them
// save their registers before it on every request.
//
//go:noinline
func waitSlot(s *jslot) {
	for s.mu.v.Load() != 0 {
		runtime.Gosched()
	}
}

// finishRareUnlock is finishRare, then s.mu's unlock (see
// clientStartRare).
//
//go:noinline
func (j *journal) finishRareUnlock(s *jslot) {
	j.finishRare(s)
	s.mu.Unlock()
}

// finish completes the record; s.mu is held. It reports whether the
// record may have a capture to finish (sideMore: a record at header
// level 2 has only its headers in its jside) or subscribers to go to
// (finishRare): it is inlined, and the usual record has neither.
func (j *journal) finish(s *jslot, now int64) (rare bool) {
	s.end, s.state = now, jDone
	// active, without its length's test: an empty list is nil.
	return s.sided > sideHdrs || exchangeSubs.list.Load() != nil // sideMore: one compare
}

// finishRare finishes the record's capture and hands the record to the
// subscribers; s.mu is held.
//
//go:noinline
func (j *journal) finishRare(s *jslot) {
	if cp := j.capOf(s); cp != nil {
		cp.finish()
	}
	if exchangeSubs.active() {
		x := j.export(s)
		exchangeSubs.publish(&x)
	}
}

// JournalServerStart opens the record of server request id, which came
// on connection ce (nil if the registry does not know it; HTTP/2: on
// stream, else 0) at start (Mono) and is served at site; it reports
// whether the journal keeps exchanges (on: it makes the journal on first
// use, as JournalOn) and whether a capture rule keeps the request's
// bodies. reqHS is the request's
// ServedHeaderSize when the caller has it, else 0 or -1.
func JournalServerStart(id uint64, ce *ConnEntry, stream uint32, start int64, site string, r *http.Request, reqHS int) (on, capture bool) {
	j := theJournal.Load()
	if j == nil {
		return journalServerStartFirst(id, ce, stream, start, site, r, reqHS)
	}
	i := j.index(id)
	s := j.slot(i)
	if !s.mu.TryLock() {
		waitSlot(s)
		return JournalServerStart(id, ce, stream, start, site, r, reqHS)
	}
	rare := uint32(j.claim(s, id, true, start)) // rSided, rSidedMore
	s.stream = stream
	// The site is the handler's, which JournalServerEnd sets: nothing
	// reads the record before.
	if c := methodCode(r.Method); c != 0 {
		s.to[tMethod], s.tn[tMethod] = c, tStatic
	} else {
		rare |= rMethod
	}
	s.to[tScheme], s.tn[tScheme] = cHTTP, tStatic
	if r.TLS != nil {
		s.to[tScheme] = cHTTPS
	}
	if r.ProtoMajor == 2 {
		s.to[tProto], s.tn[tProto] = cH2C, tStatic
		if r.TLS != nil {
			s.to[tProto] = cH2
		}
	} else if r.Proto == "HTTP/1.1" {
		s.to[tProto], s.tn[tProto] = cHTTP11, tStatic
	} else {
		rare |= rProto
	}
	target := r.RequestURI
	if len(target) > 0 && target[0] == '/' {
		// The target as received: the record keeps what came, whatever a
		// handler does to r.URL, and is parsed when read.
		s.urlFlags = fRequestURI
	} else { // "*", CONNECT's authority, a request served without a server
		target = ""
		rare |= rURL
	}
	remote := r.RemoteAddr
	if ce != nil {
		// Its addresses, by reference: see journal.conns. Its remote one
		// is the request's when net/http gave it the connection's string
		// (ConnEntry.servedRemote).
		s.conn = ce.info.ID
		if p := j.conn(i); *p != ce { // most often the slot's last record's: no write barrier
			*p = ce
		}
		s.tn[tLocal] = tConn
		if unsafe.StringData(remote) == ce.servedRemote.Load() && len(remote) == len(ce.info.Remote) {
			s.tn[tRemote], remote = tConn, ""
		} else {
			rare |= rRemote
		}
	} else {
		rare |= rLocal
	}
	s.reqHS = int32(reqHS)
	if reqHS <= 0 {
		rare |= rReqHS
	}
	s.reqBS1 = r.ContentLength + 1
	if Level(Header) >= 2 || captureRule.Load() != nil {
		rare |= rHeaders
	}
	// The host and the target, copied inline when copyShort can: claim
	// left the arena empty.
	if host := r.Host; uint(len(host)-4) <= 32-4 && uint(len(target)-4) <= 32-4 && remote == "" {
		copyShort(unsafe.Pointer(&s.text), unsafe.Pointer(unsafe.StringData(host)), len(host))
		copyShort(unsafe.Add(unsafe.Pointer(&s.text), len(host)), unsafe.Pointer(unsafe.StringData(target)), len(target))
		s.tn[tHost], s.to[tPath], s.tn[tPath], s.used = uint8(len(host)), uint8(len(host)), uint8(len(target)), uint8(len(host)+len(target))
	} else {
		rare |= rTexts
	}
	if rare != 0 {
		if rare|rSided == rSided|rHeaders && captureRule.Load() == nil { // header level 2's usual request
			j.startHeaders(s, r.Header, rare)
			return true, false
		}
		return true, j.serverStartRare(s, ce, r, target, remote, rare)
	}
	s.mu.Unlock()
	return true, false
}

// journalServerStartFirst is JournalServerStart before the journal is
// made.
//
//go:noinline
func journalServerStartFirst(id uint64, ce *ConnEntry, stream uint32, start int64, site string, r *http.Request, reqHS int) (on, capture bool) {
	if makeJournal() == nil {
		return false, false
	}
	return JournalServerStart(id, ce, stream, start, site, r, reqHS)
}

// serverStartRare writes what JournalServerStart flagged in rare, and
// unlocks s, whose s.mu is held (see clientStartRare). It reports
// whether a capture rule keeps the request's bodies.
//
//go:noinline
func (j *journal) serverStartRare(s *jslot, ce *ConnEntry, r *http.Request, target, remote string, rare uint32) (capture bool) {
	capture = j.serverStartRareLocked(s, ce, r, target, remote, rare)
	s.mu.Unlock()
	return capture
}

func (j *journal) serverStartRareLocked(s *jslot, ce *ConnEntry, r *http.Request, target, remote string, rare uint32) (capture bool) {
	if rare&(rSided|rSidedMore) != 0 {
		j.resetSide(s, rare)
	}
	if rare&rTexts != 0 {
		rare |= s.putTexts(r.Host, target, tRemote, remote) * rHost
	}
	if rare&rRemote != 0 && rare&rText3 == 0 && r.RemoteAddr == ce.info.Remote {
		// The connection's (putTexts copied it): the connection's next
		// requests refer to it without comparing.
		ce.servedRemote.Store(unsafe.StringData(r.RemoteAddr))
	}
	if rare&rMethod != 0 {
		j.setNamed(s, tMethod, r.Method)
	}
	if rare&rProto != 0 {
		j.setNamed(s, tProto, r.Proto)
	}
	if rare&rHost != 0 {
		j.setTextRare(s, tHost, r.Host)
	}
	if rare&rPath != 0 {
		j.setTextRare(s, tPath, r.RequestURI)
	}
	if rare&rURL != 0 {
		j.setURL(s, r.URL)
	}
	if rare&rText3 != 0 {
		j.setTextRare(s, tRemote, r.RemoteAddr)
	}
	if rare&rLocal != 0 { // the context's, rendered when read
		if a, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr); a != nil {
			j.side(s).laddr = a
		}
	}
	if rare&rReqHS != 0 {
		s.reqHS = int32(ServedHeaderSize(r))
	}
	if rare&rHeaders == 0 {
		return false
	}
	if Level(Header) >= 2 {
		d := j.hdrSide(s)
		d.reqHdr = appendFields(d.reqHdr, r.Header)
	}
	if captureRule.Load() != nil {
		if c := captureFor(true, r.Method, r.Host, r.URL.Path); c != nil {
			d := j.side(s)
			d.cap = c
			capture = true
			c.reqType = r.Header.Get("Content-Type")
			if len(d.reqHdr) == 0 {
				d.reqHdr = appendFields(d.reqHdr, r.Header)
			}
		}
	}
	return capture
}

// ServerOutcome is what a server request's record gets when its handler
// returned (JournalServerEnd).
type ServerOutcome struct {
	Site       string // the handler's site, as the request's events name it
	Status     int    // the status the handler answered with, 0 if unknown
	AnsweredAt int64  // Mono, when its response header left for the client
	ReqBytes   int64  // the request body's bytes read; -1: the body was not watched
	Written    int64  // the response body's bytes
	// RespHeader is the response header as answered, nil when it was
	// not kept (its size is then unknown).
	RespHeader http.Header
}

// JournalServerEnd completes server request id's record: its handler
// returned.
func JournalServerEnd(id uint64, o *ServerOutcome, now int64) {
	// lockedSlot, written out (see the r flags, rSided...).
	j := theJournal.Load()
	if j == nil {
		return
	}
	s := j.slot(j.index(id))
	if !s.mu.TryLock() {
		waitSlot(s)
		JournalServerEnd(id, o, now)
		return
	}
	if s.id != id || s.state == jEmpty {
		s.mu.Unlock()
		return
	}
	var rare uint32
	// JournalServerStart does not set the site.
	if s.sites[0] = cachedSiteID(o.Site); s.sites[0] == 0 {
		rare = rSite
	}
	s.status, s.respAt = int32(o.Status), o.AnsweredAt
	if o.ReqBytes >= 0 {
		s.reqBS1 = o.ReqBytes + 1
	}
	s.respBS1 = o.Written + 1
	s.respHS = -1 // unknown unless the header was kept
	if o.RespHeader != nil {
		rare |= rRespHS
	}
	if rare != 0 {
		if rare == rRespHS && s.sided <= sideHdrs && Level(Header) >= 2 { // header level 2's usual end
			j.endHeaders(s, o.RespHeader, now)
			return
		}
		j.serverEndRare(s, o, rare, now)
		return
	}
	if j.finish(s, now) {
		j.finishRareUnlock(s)
		return
	}
	s.mu.Unlock()
}

// serverEndRare writes what JournalServerEnd flagged in rare: the site,
// the size of the response header as answered, which it keeps (header
// level 2 or a capture); then it ends the record and unlocks s, whose
// s.mu is held (see clientStartRare).
//
//go:noinline
func (j *journal) serverEndRare(s *jslot, o *ServerOutcome, rare uint32, now int64) {
	j.serverEndRareLocked(s, o, rare)
	if j.finish(s, now) {
		j.finishRare(s)
	}
	s.mu.Unlock()
}

func (j *journal) serverEndRareLocked(s *jslot, o *ServerOutcome, rare uint32) {
	if rare&rSite != 0 {
		j.setSite(s, tSite, o.Site)
	}
	h := o.RespHeader
	if rare&rRespHS == 0 {
		return
	}
	n := 0
	if d := j.sideIf(s); d != nil && len(d.respHdr) > 0 {
		n = fieldsSize(d.respHdr) // recorded with header.response (AddJournalResponseHeader)
		if cp := j.capOf(s); cp != nil {
			cp.respType = h.Get("Content-Type")
		}
	} else if cp := j.capOf(s); Level(Header) >= 2 || cp != nil {
		d := j.hdrSide(s)
		d.respHdr, n = appendFieldsSized(d.respHdr, h) // one walk for both
		if cp != nil {
			cp.respType = h.Get("Content-Type")
		}
	} else {
		n = HeaderSize(h)
	}
	s.respHS = int32(n + len("HTTP/1.1 200 OK\r\n"))
}

// endHeaders is the rare path of JournalServerEnd at header level 2 when
// it has nothing else rare: it keeps the response header h as answered
// (unless header.response did: AddJournalResponseHeader) and its size,
// ends the record and unlocks s, whose s.mu is held (serverEndRareLocked's
// usual case, without its tests).
//
//go:noinline
func (j *journal) endHeaders(s *jslot, h http.Header, now int64) {
	d := j.sides[j.index(s.id)]
	if d == nil { // header level 2 since the request started
		d = j.sideFor(s, sideHdrs)
	}
	s.sided |= sideHdrs
	n := 0
	if len(d.respHdr) > 0 {
		n = fieldsSize(d.respHdr)
	} else {
		d.respHdr, n = appendFieldsSized(d.respHdr, h) // one walk for both
	}
	s.respHS = int32(n + len("HTTP/1.1 200 OK\r\n"))
	if j.finish(s, now) {
		j.finishRare(s)
	}
	s.mu.Unlock()
}

// journalTag appends a diagnostic's name to exchange id's record.
func journalTag(id uint64, name string) {
	if j, s := lockedSlot(id); s != nil {
		d := &j.side(s).diags
		dup := false
		for i := 0; i < d.n; i++ {
			dup = dup || d.names[i] == name
		}
		if !dup && d.n < maxDiags {
			d.names[d.n] = name
			d.n++
		}
		s.mu.Unlock()
	}
}

// appendFields appends h's fields to dst as they are, in the map's
// order and unredacted (the strings are shared, not copied): the record
// keeps them so, and export sorts and redacts the copy it hands out,
// which is the only way they leave the journal. A request that nobody
// reads then costs no sort and no redaction, and no allocation once the
// slot's buffer has grown.
// Out of line: level 2 and capture rules only.
//
//go:noinline
func appendFields(dst []HeaderField, h http.Header) []HeaderField {
	for k, vs := range h {
		for _, v := range vs {
			dst = append(dst, HeaderField{Name: k, Value: v})
		}
	}
	if dst == nil {
		dst = []HeaderField{}
	}
	return dst
}

// AddJournalRequestHeader is e.AddHeader(key, h) for the header h of
// served request id, which JournalServerStart recorded at header level 2:
// e takes the record's fields, under the record's lock, rather than walk
// the map again. It reports false, e unchanged, when the record has none
// to give (the journal off or reused since, the fields not recorded, an
// event not from Reserve): the caller then calls AddHeader.
func AddJournalRequestHeader(e *Event, key Key, id uint64) bool {
	j, s := lockedSlot(id)
	if s == nil {
		return false
	}
	ok := false
	if d := j.sideIf(s); d != nil && len(d.reqHdr) > 0 {
		ok = e.addHeaderFields(key, d.reqHdr)
	}
	s.mu.Unlock()
	return ok
}

// AddJournalResponseHeader is e.AddSizedHeader(sizeKey, key, h, nil) for
// the response header h of served request id as answered (the
// ServerOutcome.RespHeader JournalServerEnd will get), at header level
// 2: the record keeps h's fields from the event's walk of the map, and
// JournalServerEnd walks it no more.
func AddJournalResponseHeader(e *Event, sizeKey, key Key, id uint64, h http.Header) {
	j, s := lockedSlot(id)
	if s == nil {
		e.AddSizedHeader(sizeKey, key, h, nil)
		return
	}
	d := j.hdrSide(s)
	if d.respHdr == nil {
		d.respHdr = make([]HeaderField, 0, 8)
	}
	d.respHdr = e.AddSizedHeader(sizeKey, key, h, d.respHdr[:0])
	s.mu.Unlock()
}

// appendFieldsSized is appendFields that also returns h's wire size
// (HeaderSize), from the same walk of the map.
//
//go:noinline
func appendFieldsSized(dst []HeaderField, h http.Header) ([]HeaderField, int) {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			dst = append(dst, HeaderField{Name: k, Value: v})
			n += len(k) + len(v) + 4
		}
	}
	if dst == nil {
		dst = []HeaderField{}
	}
	return dst, n
}

// exportFields returns a copy of f, the fields as appendFields kept
// them, sorted by name (the values of a name in their order) and
// redacted.
func exportFields(f []HeaderField) []HeaderField {
	x := append([]HeaderField(nil), f...)
	sort.SliceStable(x, func(a, b int) bool { return x[a].Name < x[b].Name })
	for i := range x {
		x[i].Value = RedactHeader(x[i].Name, x[i].Value)
	}
	return x
}

// ms renders a duration in ns as milliseconds, to the microsecond.
func ms(ns int64) float64 {
	if ns < 0 {
		return -1
	}
	return float64((ns+500)/1000) / 1000
}

// export renders the slot as an Exchange; s.mu is held. The record's
// strings are made here, not when it was written.
func (j *journal) export(s *jslot) Exchange {
	x := Exchange{ID: s.id, Side: "client", Site: j.siteText(s, tSite), Via: j.siteText(s, tVia), Start: WallAt(s.start),
		Method: j.text(s, tMethod), Host: j.text(s, tHost), Proto: j.text(s, tProto), Status: int(s.status),
		Error: j.text(s, tErr), Conn: s.conn, Stream: s.stream, Reused: s.reused,
		Remote: j.text(s, tRemote), Local: j.text(s, tLocal), RequestHeaderSize: int(s.reqHS), ResponseHeaderSize: int(s.respHS),
		RequestBodySize: s.reqBS1 - 1, ResponseBodySize: s.respBS1 - 1}
	u := j.url(s)
	if !s.server && !s.reqHSWire {
		x.RequestHeaderSize += len(u.EscapedPath()) // see JournalClientResponse
	}
	x.URL = RedactURL(&u)
	// The path too may carry a secret (a webhook's token).
	pu := url.URL{Path: u.Path, RawPath: u.RawPath}
	x.Path = RedactURL(&pu)
	if x.Path == "" {
		x.Path = "/"
	}
	d := j.sideIf(s)
	if s.server {
		x.Side = "server"
		if d != nil && d.laddr != nil && x.Local == "" {
			x.Local = d.laddr.String()
		}
	}
	if d != nil {
		if len(d.reqHdr) > 0 {
			x.RequestHeaders = exportFields(d.reqHdr)
		}
		if len(d.respHdr) > 0 {
			x.ResponseHeaders = exportFields(d.respHdr)
		}
		for i := 0; i < d.diags.n; i++ {
			x.Diagnostics = append(x.Diagnostics, d.diags.names[i])
		}
		if d.cap != nil {
			x.RequestBody, x.ResponseBody = d.cap.bodies()
		}
	}
	x.Timings = s.timings()
	t := x.Timings
	for _, v := range []float64{t.Blocked, t.DNS, t.Connect, t.Send, t.Wait, t.Receive} {
		if v > 0 {
			x.Time += v
		}
	}
	x.Time = round3(x.Time)
	return x
}

// timings splits the exchange's time into HAR phases. Every phase is
// rounded on its own and the total is their sum, so that HAR's rule
// (time is the sum of the phases) holds exactly.
func (s *jslot) timings() Timings {
	end := s.end
	if end == 0 {
		end = s.start
	}
	respAt := s.respAt
	if respAt == 0 || respAt > end {
		respAt = end
	}
	if s.server {
		// The server's view: from the handler's start to its response
		// headers (wait), then to its return (receive, the response being
		// written). Nothing was dialed or blocked on.
		return Timings{Blocked: -1, DNS: -1, Connect: -1, SSL: -1, Send: 0,
			Wait: ms(respAt - s.start), Receive: ms(end - respAt)}
	}
	t := Timings{Blocked: 0, DNS: -1, Connect: -1, SSL: -1}
	got := s.gotConn
	if got == 0 || got > respAt {
		got = s.start
	}
	if !s.reused {
		var dial int64
		dns, connect, tls := s.dns1-1, s.connect1-1, s.tls1-1 // -1 unseen
		if dns >= 0 {
			t.DNS = ms(dns)
			dial += dns
		}
		if connect >= 0 || tls >= 0 {
			c := maxI64(connect, 0) + maxI64(tls, 0)
			t.Connect = ms(c)
			dial += c
			if tls >= 0 {
				t.SSL = ms(tls)
			}
		}
		blocked := got - s.start - dial
		if blocked < 0 {
			// The phases overlap the wait (a dial raced by another
			// request): give the dial what there is.
			blocked = 0
		}
		t.Blocked = ms(blocked)
	} else {
		t.Blocked = ms(got - s.start)
	}
	wrote := s.wrote
	if wrote == 0 || wrote < got || wrote > respAt {
		wrote = got
	}
	t.Send = ms(wrote - got)
	t.Wait = ms(respAt - wrote)
	t.Receive = ms(end - respAt)
	return t
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

func maxI64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// ExchangeFilter selects exchanges; the zero value selects all.
type ExchangeFilter struct {
	Side   string        // "client", "server" or ""
	Site   string        // a substring of the site
	Host   string        // the host, exactly (with or without its port)
	Status int           // the status, exactly; 0 any
	Method string        // exactly, case-insensitive
	Path   string        // a path.Match glob; "*" matches within a segment, a trailing "/*" any rest
	MinDur time.Duration // at least this long
	ID     uint64        // this exchange only
}

// Match reports whether x passes f.
func (f ExchangeFilter) Match(x *Exchange) bool {
	if f.ID != 0 && x.ID != f.ID {
		return false
	}
	if f.Side != "" && x.Side != f.Side {
		return false
	}
	if f.Site != "" && !strings.Contains(x.Site, f.Site) {
		return false
	}
	if f.Host != "" && x.Host != f.Host && hostOnly(x.Host) != f.Host {
		return false
	}
	if f.Status != 0 && x.Status != f.Status {
		return false
	}
	if f.Method != "" && !strings.EqualFold(f.Method, x.Method) {
		return false
	}
	if f.Path != "" && !GlobMatch(f.Path, x.Path) {
		return false
	}
	if f.MinDur > 0 && x.Time < float64(f.MinDur)/1e6 {
		return false
	}
	return true
}

func hostOnly(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		return host
	}
	return h
}

// GlobMatch matches a path against a glob, segment by segment with
// path.Match's syntax; a last segment "*" also matches any deeper path
// ("/api/*" matches "/api/v1/x").
func GlobMatch(glob, p string) bool {
	gs, ps := strings.Split(glob, "/"), strings.Split(p, "/")
	if len(ps) > len(gs) && gs[len(gs)-1] == "*" {
		ps = ps[:len(gs)]
	}
	if len(gs) != len(ps) {
		return false
	}
	for i := range gs {
		if ok, _ := path.Match(gs[i], ps[i]); !ok {
			return false
		}
	}
	return true
}

// Exchanges returns the complete exchanges in the journal that pass f,
// oldest first, and how many the journal has dropped.
func Exchanges(f ExchangeFilter) (out []Exchange, dropped uint64) {
	j := theJournal.Load()
	if j == nil {
		return nil, 0
	}
	from, to := 0, len(j.slots)
	if f.ID != 0 { // its slot only
		from = int(f.ID % uint64(len(j.slots)))
		to = from + 1
	}
	for i := from; i < to; i++ {
		s := &j.slots[i]
		s.mu.Lock()
		if s.state == jDone && (f.ID == 0 || s.id == f.ID) {
			x := j.export(s)
			if f.Match(&x) {
				out = append(out, x)
			}
		}
		s.mu.Unlock()
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out, j.droppedCount()
}

// JournalSize returns the journal's size: the number of slots it has, or
// will have when it is made.
func JournalSize() int {
	if j := theJournal.Load(); j != nil {
		return len(j.slots)
	}
	return int(journalSize.Load())
}

// ExchangeSub receives every exchange completed after it subscribed. A
// slow subscriber loses its oldest exchanges (counted), never blocks the
// requests.
type ExchangeSub = subscription[Exchange]

var exchangeSubs subscribers[Exchange]

// SubscribeExchanges returns a subscription buffering up to size
// completed exchanges (for /v1/requests?follow=1, and exporters).
func SubscribeExchanges(size int) *ExchangeSub {
	currentJournal()
	return exchangeSubs.add(size)
}
