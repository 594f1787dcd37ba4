package probes

import (
	"net"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
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

// jslot is one exchange in the ring. Its strings are the request's own
// (method, site) or rendered when the request already renders them; the
// URL is copied by value and redacted when read.
//
// A request writes its slot, which a full journal has long evicted
// from the caches: claim zeroes only the exchange's own fields (jrec).
// The level-2 header buffers and the diagnostic names, which few
// exchanges need, sit beside the lock, out of jrec, and are reused by
// the slot's next exchanges.
//
// The collector scans every slot on every cycle, and follows each
// pointer into the heap it finds: in a small program the journal is a
// large part of what it marks. A slot therefore holds few such pointers: the
// lock is in it, the host is the URL's, and the usual methods, schemes
// and protocol names are constants (staticName), not a request's bytes.
type jslot struct {
	mu      sync.Mutex
	reqHdr  []HeaderField
	respHdr []HeaderField
	diags   *jdiags // nil until the slot's first diagnostic
	// dropped counts the records this slot evicted: one counter for the
	// journal would be a line both sides write on every request.
	dropped uint64
	jrec
}

// jdiags are the names of the diagnostics emitted for an exchange.
type jdiags struct {
	names [maxDiags]string
	n     int
}

// jrec is what claim resets for each exchange.
type jrec struct {
	id      uint64
	state   jstate
	server  bool
	reused  bool
	connNew bool // a connection was dialed for it (reused known false)
	stream  uint32
	status  int
	site    string
	via     string
	method  string
	u       url.URL // its Host is the exchange's host
	proto   string
	err     string
	conn    uint64
	remote  string
	local   string
	laddr   net.Addr // server: rendered when read
	reqHS   int
	respHS  int
	reqBS   int64
	respBS  int64
	// mono times; 0 when not seen.
	start, gotConn, wrote, respAt, end int64
	dns, connect, tls                  int64         // durations, ns; -1 unseen
	cap                                *captureState // nil unless a capture rule matched
}

type journal struct {
	slots []jslot
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
	if j := theJournal.Load(); j != nil {
		return j
	}
	journalOnce.Do(func() {
		if n := journalSize.Load(); n > 0 {
			theJournal.Store(newJournal(int(n)))
		}
	})
	return theJournal.Load()
}

func newJournal(n int) *journal { return &journal{slots: make([]jslot, n)} }

// staticName returns s, as a constant when it is a usual method, scheme
// or protocol name (see jslot).
func staticName(s string) string {
	switch s {
	case "GET":
		return "GET"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "DELETE":
		return "DELETE"
	case "HEAD":
		return "HEAD"
	case "PATCH":
		return "PATCH"
	case "OPTIONS":
		return "OPTIONS"
	case "http":
		return "http"
	case "https":
		return "https"
	case "HTTP/1.1":
		return "HTTP/1.1"
	case "HTTP/1.0":
		return "HTTP/1.0"
	case "HTTP/2.0":
		return "HTTP/2.0"
	}
	return s
}

// lockedSlot returns exchange id's slot, locked, or nil when there is no
// journal or the slot has moved on to another exchange: what every
// update of a record starts with.
func lockedSlot(id uint64) *jslot {
	j := theJournal.Load()
	if j == nil {
		return nil
	}
	return j.slotFor(id)
}

// slotFor returns the slot of exchange id, locked, if it still holds it.
func (j *journal) slotFor(id uint64) *jslot {
	s := &j.slots[id%uint64(len(j.slots))]
	s.mu.Lock()
	if s.id != id || s.state == jEmpty {
		s.mu.Unlock()
		return nil
	}
	return s
}

// claim starts exchange id in its slot, evicting (and counting) the one
// there. The slot is returned locked.
func (j *journal) claim(id uint64, server bool, start int64) *jslot {
	s := &j.slots[id%uint64(len(j.slots))]
	s.mu.Lock()
	if s.state != jEmpty {
		s.dropped++
	}
	// Zeroed, then set: a composite literal would be built aside and
	// copied, twice the stores.
	s.jrec = jrec{}
	s.id, s.state, s.server, s.start = id, jOpen, server, start
	s.dns, s.connect, s.tls, s.reqBS, s.respBS = -1, -1, -1, -1, -1
	if len(s.reqHdr) > 0 || len(s.respHdr) > 0 {
		s.reqHdr, s.respHdr = s.reqHdr[:0], s.respHdr[:0] // reuse the level-2 buffers
	}
	if s.diags != nil {
		s.diags.n = 0
	}
	return s
}

// JournalOn reports whether the journal keeps exchanges (its size is
// not 0); it makes the journal on first use.
func JournalOn() bool { return currentJournal() != nil }

// JournalClientStart opens the record of client request id, sent at
// site and started at start (Mono); it reports whether a capture rule
// wants the request's body.
func JournalClientStart(id uint64, start int64, site string, req *http.Request) (capture bool) {
	j := currentJournal()
	if j == nil {
		return false
	}
	s := j.claim(id, false, start)
	s.site, s.method, s.u = site, staticName(req.Method), *req.URL
	s.u.Scheme = staticName(s.u.Scheme)
	s.reqBS = req.ContentLength
	if req.Body == nil || req.Body == http.NoBody {
		s.reqBS = 0
	}
	s.reqHS = HeaderSize(req.Header) + len(req.Method) + len(req.URL.EscapedPath()) + 1 + len(req.URL.RawQuery) + len("HTTP/1.1") + 4 + len("Host: \r\n") + len(req.URL.Host)
	if Level(Header) >= 2 {
		s.reqHdr = appendFields(s.reqHdr, req.Header)
	}
	s.cap = captureFor(false, req.Method, req.URL.Host, req.URL.Path)
	if s.cap != nil {
		s.cap.reqType = req.Header.Get("Content-Type")
		if len(s.reqHdr) == 0 {
			s.reqHdr = appendFields(s.reqHdr, req.Header)
		}
	}
	capture = s.cap != nil && req.Body != nil && req.Body != http.NoBody
	s.mu.Unlock()
	return capture
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
}

// setConnLocked writes c into the record.
func (s *jslot) setConnLocked(c *ClientConn) {
	if c.Seen {
		s.conn, s.reused, s.connNew, s.gotConn = c.Entry.ID(), c.Reused, !c.Reused, c.At
		s.local, s.remote = "", ""
		if c.Entry != nil { // immutable once the entry is found
			s.local, s.remote = c.Entry.info.Local, c.Entry.info.Remote
		}
	}
	if c.Stream != 0 {
		if s.conn == 0 {
			s.conn = c.StreamConn
		}
		s.stream = c.Stream
	}
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
	if s := lockedSlot(id); s != nil {
		switch phase {
		case PhaseDNS:
			s.dns = v
		case PhaseConnect:
			s.connect = v
		case PhaseTLS:
			s.tls = v
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
	s := lockedSlot(id)
	if s == nil {
		return
	}
	s.via = via
	if c != nil {
		s.setConnLocked(c)
	}
	if err != nil {
		s.err = err.Error()
	}
	if resp != nil {
		s.status, s.respAt = resp.StatusCode, now
		s.proto = protoName(resp.ProtoMajor, resp.Proto, req.URL.Scheme != "https")
		if resp.ProtoMajor == 2 && s.gotConn == 0 && !s.connNew && s.dns < 0 && s.connect < 0 && s.tls < 0 {
			// No connection was handed over and nothing was dialed: with the
			// std hooks a request on a kept HTTP/2 connection never passes
			// getConn, and a new one is always seen dialing.
			s.reused = true
		}
		if respHS < 0 {
			respHS = ResponseHeaderSize(resp)
		}
		s.respHS = respHS
		if Level(Header) >= 2 || s.cap != nil {
			s.respHdr = appendFields(s.respHdr, resp.Header)
		}
		if s.cap != nil {
			s.cap.respType = resp.Header.Get("Content-Type")
		}
		if resp.Body == nil || resp.Body == http.NoBody {
			s.respBS = 0
		}
	}
	if done {
		s.finishLocked(now)
	}
	s.mu.Unlock()
}

// JournalClientEnd ends a client exchange at its body's end: n bytes
// were read.
func JournalClientEnd(id uint64, now, n int64) {
	if s := lockedSlot(id); s != nil {
		if s.state == jOpen {
			s.respBS = n
			s.finishLocked(now)
		}
		s.mu.Unlock()
	}
}

// finishLocked completes the record and hands it to the subscribers.
func (s *jslot) finishLocked(now int64) {
	s.end, s.state = now, jDone
	if s.cap != nil {
		s.cap.finish()
	}
	if exchangeSubs.active() {
		x := s.export()
		exchangeSubs.publish(&x)
	}
}

func protoName(major int, proto string, clear bool) string {
	if major == 2 {
		if clear {
			return "h2c"
		}
		return "h2"
	}
	return staticName(proto)
}

// JournalServerStart opens the record of server request id, which came
// on connection ce (nil if the registry does not know it; HTTP/2: on
// stream, else 0) at start (Mono) and is served at site; it reports
// whether a capture rule keeps its bodies. reqHS is the request's
// ServedHeaderSize when the caller has it, else -1.
func JournalServerStart(id uint64, ce *ConnEntry, stream uint32, start int64, site string, r *http.Request, reqHS int) (capture bool) {
	j := currentJournal()
	if j == nil {
		return false
	}
	s := j.claim(id, true, start)
	s.site, s.method, s.u, s.stream = site, staticName(r.Method), *r.URL, stream
	s.proto = protoName(r.ProtoMajor, r.Proto, r.TLS == nil)
	s.remote = r.RemoteAddr
	if ce != nil {
		s.conn, s.local = ce.info.ID, ce.info.Local // immutable once the entry is found
	}
	if s.local == "" { // the context's, rendered when read
		s.laddr, _ = r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	}
	if r.TLS != nil {
		s.u.Scheme = "https"
	} else {
		s.u.Scheme = "http"
	}
	s.u.Host = r.Host
	if reqHS < 0 {
		reqHS = ServedHeaderSize(r)
	}
	s.reqHS = reqHS
	s.reqBS = r.ContentLength
	if Level(Header) >= 2 {
		s.reqHdr = appendFields(s.reqHdr, r.Header)
	}
	s.cap = captureFor(true, r.Method, r.Host, r.URL.Path)
	if s.cap != nil {
		capture = true
		s.cap.reqType = r.Header.Get("Content-Type")
		if len(s.reqHdr) == 0 {
			s.reqHdr = appendFields(s.reqHdr, r.Header)
		}
	}
	s.mu.Unlock()
	return capture
}

// ServerOutcome is what a server request's record gets when its handler
// returned (JournalServerEnd).
type ServerOutcome struct {
	Site       string // the handler's site, as the request's events name it
	Status     int    // the status the handler answered with, 0 if unknown
	AnsweredAt int64  // Mono, when it answered
	ReqBytes   int64  // the request body's bytes read; -1: the body was not watched
	Written    int64  // the response body's bytes
	// RespHeader is the response header as answered, nil when it was
	// not kept (its size is then unknown).
	RespHeader http.Header
}

// JournalServerEnd completes server request id's record: its handler
// returned.
func JournalServerEnd(id uint64, o *ServerOutcome, now int64) {
	s := lockedSlot(id)
	if s == nil {
		return
	}
	s.site = o.Site
	s.status, s.respAt = o.Status, o.AnsweredAt
	if o.ReqBytes >= 0 {
		s.reqBS = o.ReqBytes
	}
	s.respBS = o.Written
	s.respHS = -1 // unknown unless the header was kept
	if h := o.RespHeader; h != nil {
		s.respHS = HeaderSize(h) + len("HTTP/1.1 200 OK\r\n")
		if Level(Header) >= 2 || s.cap != nil {
			s.respHdr = appendFields(s.respHdr, h)
		}
		if s.cap != nil {
			s.cap.respType = h.Get("Content-Type")
		}
	}
	s.finishLocked(now)
	s.mu.Unlock()
}

// journalTag appends a diagnostic's name to exchange id's record.
func journalTag(id uint64, name string) {
	if s := lockedSlot(id); s != nil {
		if s.diags == nil {
			s.diags = new(jdiags) // kept for the slot's next exchanges
		}
		d := s.diags
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

func appendFields(dst []HeaderField, h http.Header) []HeaderField {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			dst = append(dst, HeaderField{Name: k, Value: RedactHeader(k, v)})
		}
	}
	if dst == nil {
		dst = []HeaderField{}
	}
	return dst
}

// ms renders a duration in ns as milliseconds, to the microsecond.
func ms(ns int64) float64 {
	if ns < 0 {
		return -1
	}
	return float64((ns+500)/1000) / 1000
}

// export renders the slot as an Exchange; s.mu is held.
func (s *jslot) export() Exchange {
	x := Exchange{ID: s.id, Side: "client", Site: s.site, Via: s.via, Start: WallAt(s.start), Method: s.method,
		Host: s.u.Host, Proto: s.proto, Status: s.status, Error: s.err, Conn: s.conn, Stream: s.stream, Reused: s.reused,
		Remote: s.remote, Local: s.local, RequestHeaderSize: s.reqHS, ResponseHeaderSize: s.respHS,
		RequestBodySize: s.reqBS, ResponseBodySize: s.respBS}
	u := s.u
	x.URL = RedactURL(&u)
	// The path too may carry a secret (a webhook's token).
	pu := url.URL{Path: s.u.Path, RawPath: s.u.RawPath}
	x.Path = RedactURL(&pu)
	if x.Path == "" {
		x.Path = "/"
	}
	if s.server {
		x.Side = "server"
		if s.laddr != nil && x.Local == "" {
			x.Local = s.laddr.String()
		}
	}
	if len(s.reqHdr) > 0 {
		x.RequestHeaders = append([]HeaderField(nil), s.reqHdr...)
	}
	if len(s.respHdr) > 0 {
		x.ResponseHeaders = append([]HeaderField(nil), s.respHdr...)
	}
	if d := s.diags; d != nil {
		for i := 0; i < d.n; i++ {
			x.Diagnostics = append(x.Diagnostics, d.names[i])
		}
	}
	if s.cap != nil {
		x.RequestBody, x.ResponseBody = s.cap.bodies()
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
		if s.dns >= 0 {
			t.DNS = ms(s.dns)
			dial += s.dns
		}
		if s.connect >= 0 || s.tls >= 0 {
			c := maxI64(s.connect, 0) + maxI64(s.tls, 0)
			t.Connect = ms(c)
			dial += c
			if s.tls >= 0 {
				t.SSL = ms(s.tls)
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
			x := s.export()
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
