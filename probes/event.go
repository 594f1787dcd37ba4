package probes

import (
	"net/http"
	"time"
	"unsafe"
)

// Probe names one of the probes; it indexes the level table.
type Probe uint8

// The probes of docs/DESIGN.md §4. Admin carries the runtime's own events
// (admin.dropped, admin.change, …).
const (
	Frame Probe = iota
	Header
	Body
	Dial
	GC
	Admin
	NumProbes // number of probes; not a probe
)

var probeNames = [NumProbes]string{"frame", "header", "body", "dial", "gc", "admin"}

// String returns the probe's name as it appears in events and in GOHTTPDBG.
func (p Probe) String() string {
	if p < NumProbes {
		return probeNames[p]
	}
	return "unknown"
}

// ProbeByName returns the probe called name, and false if there is none.
func ProbeByName(name string) (Probe, bool) {
	for i, n := range probeNames {
		if n == name {
			return Probe(i), true
		}
	}
	return 0, false
}

// Sev is an event's severity. Warn and Error are diagnostics (level 1):
// they are written to the sink synchronously by Emit. Debug and Info are
// level-2 events: they go through the ring.
type Sev uint8

// Severities, in increasing order.
const (
	Debug Sev = iota
	Info
	Warn
	Error
)

var sevNames = [...]string{"debug", "info", "warn", "error"}

func (s Sev) String() string {
	if int(s) < len(sevNames) {
		return sevNames[s]
	}
	return "unknown"
}

// Kind says which field of an Attr holds its value.
type Kind uint8

// Attribute kinds.
const (
	KindString Kind = iota
	KindInt
	KindBool
	KindDuration
)

// Attr is one key/value attribute of an event. It is a plain value (no
// interface, no map) so that events can be copied into the ring without
// allocating; its key is an index (Key), its one pointer word Str.
type Attr struct {
	Str  string
	Num  int64
	Key  Key
	Kind Kind
}

// String returns a string attribute.
func String(key Key, value string) Attr { return Attr{Key: key, Str: value, Kind: KindString} }

// Int returns an integer attribute.
func Int(key Key, value int64) Attr { return Attr{Key: key, Num: value, Kind: KindInt} }

// Bool returns a boolean attribute.
func Bool(key Key, value bool) Attr {
	var n int64
	if value {
		n = 1
	}
	return Attr{Key: key, Num: n, Kind: KindBool}
}

// Duration returns a duration attribute; sinks render it in Go syntax
// ("1.5ms"), in NDJSON as a string.
func Duration(key Key, d time.Duration) Attr {
	return Attr{Key: key, Num: int64(d), Kind: KindDuration}
}

// MaxAttrs is the number of attributes an event holds inline; those
// beyond it go to the event's overflow slice (Event.More), as log/slog's
// Record keeps its attributes: none is dropped, and only an event with
// more than MaxAttrs allocates for them. 7 is the most any event has
// (a client's header.request): each attribute is a word (Str) in every
// ring slot that the collector scans in each cycle.
const MaxAttrs = 7

// Event is one probe event, docs/DESIGN.md §4. It is flat and fixed-size: Emit
// copies it into the ring, and sinks render it lazily.
type Event struct {
	// The fields a raw event's producer writes (see Reserve) come first,
	// with the ring slot's sequence number before them: a raw event
	// touches its slot's first cache line (a frame event) or its first
	// three or four, where they spanned five; Name, Msg, More and packed,
	// which only events built with Add… use, come last (Ring.free clears
	// them for those alone).
	Time      int64  // wall clock, Unix nanoseconds; Emit sets it when zero
	Probe     Probe  // the probe that produced the event
	Sev       Sev    // Warn and Error are level-1 diagnostics
	HasStream bool   // Stream is meaningful (HTTP/2 stream 0 included)
	NAttrs    uint8  // attributes used in Attrs
	Stream    uint32 // HTTP/2 stream id, when HasStream
	Conn      uint64 // connection id (ConnID), 0 when unknown
	Req       uint64 // request id (NextReqID), 0 when unknown

	// RawKind and Raw: a raw event (see Reserve), whose Name, Msg and
	// Attrs the writer fills in (with the renderer registered for
	// RawKind) before any sink or subscriber sees it. 0 for the others.
	RawKind uint8

	// packed holds the header fields (name, value, name, value…) that
	// AddHeader or AddFields recorded for attribute headersAt, or
	// SetFieldsMsg for the message (headersForm says which, and how),
	// rendered by the first reader (see renderLazy); empty once rendered,
	// or when there is none.
	headersAt   uint8
	headersForm fieldsForm
	// textDone: the message and err attribute went through
	// redactEventText (see renderLazy), which must not run twice: a
	// hash of a hash is another hash.
	textDone bool
	// slot is 1 + the index of the ring slot an event from Reserve is
	// built in, whose buffer (its share of fieldBytes, or one grown: see slotBuf) holds packed;
	// 0 for any other event, and once it left the ring. An index, not a
	// pointer: every slot's event is a word the collector scans in each
	// cycle.
	slot uint32
	Raw  [RawLen]byte
	Site string // call site "path/rel/to/module.go:LINE", "" when unknown

	// Attrs: a ring slot's event is cleared as it leaves the ring up to
	// its last used attribute only (Ring.free), the rest being zero
	// already.
	Attrs [MaxAttrs]Attr

	Name string // "probe.name", e.g. "body.leak"
	Msg  string // one human sentence
	More []Attr // attributes beyond MaxAttrs; read them all with NumAttrs and AttrAt
	// packed: the fields, packed (packFields), for an event built in a
	// ring slot (Reserve) in the slot's buffer, bytes the collector does
	// not scan, where a []string per event was an allocation, and a
	// buffer of strings per slot a scan of every slot; for any other
	// event in a buffer of its own (one field, not a []string beside it:
	// every ring slot's event is words the collector scans in each cycle).
	// Taking the event out of the ring copies them into the buffer that
	// goes with where it is kept (Ring.take); the reader unpacks them.
	packed []byte
}

// AddHeader appends the attribute key for header h: its fields sorted by
// name, values redacted ("Name: value; Name: value"), as FormatHeader
// renders them. Here it only copies the fields (into the ring slot's
// buffer for an event from Reserve, else one allocation; the strings
// shared): sorting, redacting and joining them wait for a reader
// (the sink, a subscriber, Recent), so an event that nobody reads — the
// sink off, nobody following — costs none of that. The reader redacts
// with the rules in force then, which are those of the start
// (GOHTTPDBG_REDACT is read once). One per event.
func (e *Event) AddHeader(key Key, h http.Header) {
	if int(e.NAttrs) >= MaxAttrs {
		// Overflow (rare): rendered now rather than lazily, which only an
		// inline attribute can be.
		e.More = append(e.More, Attr{Key: key, Kind: KindString, Str: formatFields(headerFields(h))})
		return
	}
	a := e.nextIn()
	a.Key, a.Kind = key, KindString
	if e.slot != 0 {
		// The map is walked here, not in a function of its own: header
		// events are built on small goroutine stacks (see AddString), which
		// one more frame under the map iterator's grew on most HTTP/2
		// requests.
		b := e.slotBuf()
		for k, vs := range h {
			for _, v := range vs {
				b = packField(b, k, v)
			}
		}
		e.packed = b
	} else {
		e.packed = packFields(nil, headerFields(h))
	}
	e.headersAt, e.headersForm = e.NAttrs-1, fieldsSorted
}

// AddSizedHeader is AddInt(sizeKey, HeaderSize(h)) then AddHeader(key,
// h); in an event from Reserve it walks the map once for both, and, if
// keep is not nil, appends h's fields to it as AddHeaderKeep does, for
// the journal's record of the same header (ServerOutcome.RespFields).
// keep comes back empty from any other event.
func (e *Event) AddSizedHeader(sizeKey, key Key, h http.Header, keep []HeaderField) []HeaderField {
	if e.slot == 0 || int(e.NAttrs)+2 > MaxAttrs {
		e.AddInt(sizeKey, int64(HeaderSize(h)))
		e.AddHeader(key, h)
		return keep[:0]
	}
	sa := e.nextIn()
	sa.Key, sa.Kind = sizeKey, KindInt
	a := e.nextIn()
	a.Key, a.Kind = key, KindString
	n := 0
	b := e.slotBuf()
	if keep != nil {
		// The fields kept first, then packed from keep in one block
		// (packPairs): the map's loop then holds no call of its own.
		i := len(keep)
		for k, vs := range h { // in line: see AddHeader
			for _, v := range vs {
				keep = append(keep, HeaderField{Name: k, Value: v})
			}
		}
		b, n = packHeaderFields(b, keep[i:])
	} else if len(h) != 0 { // an empty one (a handler that set none): no iterator to start
		for k, vs := range h { // in line: see AddHeader
			for _, v := range vs {
				b = packField(b, k, v)
				n += len(k) + len(v) + 4
			}
		}
	}
	e.packed = b
	sa.Num = int64(n)
	e.headersAt, e.headersForm = e.NAttrs-1, fieldsSorted
	return keep
}

// AddHeaderKeep is AddHeader that also appends h's fields, as they are
// (unredacted, the strings shared), to keep and returns it, from the one
// walk of the map, for the journal's record of the same header
// (ClientConn.RespFields), which then walks it no more. An event not from
// Reserve walks it in AddHeader: keep comes back empty then.
func (e *Event) AddHeaderKeep(key Key, h http.Header, keep []HeaderField) []HeaderField {
	if e.slot == 0 || int(e.NAttrs) >= MaxAttrs {
		e.AddHeader(key, h)
		return keep[:0]
	}
	a := e.nextIn()
	a.Key, a.Kind = key, KindString
	b := e.slotBuf()
	i := len(keep)
	for k, vs := range h { // in line: see AddHeader; packed from keep as in AddSizedHeader
		for _, v := range vs {
			keep = append(keep, HeaderField{Name: k, Value: v})
		}
	}
	b, _ = packHeaderFields(b, keep[i:])
	e.packed = b
	e.headersAt, e.headersForm = e.NAttrs-1, fieldsSorted
	return keep
}

// addHeaderFields is AddHeader for the fields f already taken from a
// header map (the journal's, in the map's order), for an event from
// Reserve: packed into the slot's buffer as AddHeader packs the map's,
// with no walk of the map. It reports false, e unchanged, for any other
// event.
func (e *Event) addHeaderFields(key Key, f []HeaderField) bool {
	if e.slot == 0 || int(e.NAttrs) >= MaxAttrs {
		return false
	}
	a := e.nextIn()
	a.Key, a.Kind = key, KindString
	b := e.slotBuf()
	b, _ = packHeaderFields(b, f)
	e.packed = b
	e.headersAt, e.headersForm = e.NAttrs-1, fieldsSorted
	return true
}

// keepFields keeps f for the reader, packed: into the slot's buffer for
// an event from Reserve, else a new one. The caller may reuse f.
func (e *Event) keepFields(f []string) {
	e.packed = packFields(e.fieldsBuf(), f)
}

// AddFields appends the attribute key for the header fields f (name,
// value, name, value…) in their order, values redacted ("Name: value;
// Name: value"). As AddHeader, it leaves the text to the first reader:
// the event keeps a copy of f. One per event, with AddHeader and
// SetFieldsMsg.
func (e *Event) AddFields(key Key, f []string) {
	if int(e.NAttrs) >= MaxAttrs {
		e.More = append(e.More, Attr{Key: key, Kind: KindString, Str: formatFieldsInOrder(f)})
		return
	}
	a := e.nextIn()
	a.Key, a.Kind = key, KindString
	e.keepFields(f)
	e.headersAt, e.headersForm = e.NAttrs-1, fieldsInOrder
}

// AddSizedFields is AddInt(sizeKey, wire size of f) then AddFields(key,
// f), f being names and values in pairs: in an event from Reserve the
// size comes from packing f, with no loop of its own.
func (e *Event) AddSizedFields(sizeKey, key Key, f []string) {
	if e.slot == 0 || int(e.NAttrs)+2 > MaxAttrs || len(f)%2 != 0 {
		n := 0
		for i := 0; i+1 < len(f); i += 2 {
			n += len(f[i]) + len(f[i+1]) + 4
		}
		e.AddInt(sizeKey, int64(n))
		e.AddFields(key, f)
		return
	}
	sa := e.nextIn()
	sa.Key, sa.Kind = sizeKey, KindInt
	a := e.nextIn()
	a.Key, a.Kind = key, KindString
	b := e.slotBuf()
	b, n := packPairs(b, unsafe.Pointer(unsafe.SliceData(f)), len(f)/2, 2*unsafe.Sizeof(""))
	e.packed = b
	sa.Num = int64(n)
	e.headersAt, e.headersForm = e.NAttrs-1, fieldsInOrder
}

// SetFieldsMsg makes the message the header fields f (name, value,
// name, value…) in their order, values redacted and quoted
// (name="value" name="value", cut after MaxFieldsMsg bytes with "…"),
// as a decoded HTTP/2 header block is shown. As AddFields, it keeps a
// copy of f and leaves the text to the first reader. One per event, with
// AddHeader and AddFields.
func (e *Event) SetFieldsMsg(f []string) {
	e.keepFields(f)
	e.Msg, e.headersForm = "", fieldsMsg
}

// Add appends attributes (beyond MaxAttrs, to More). Its
// arguments are an array on the caller's frame: events of the request
// path use AddString, AddInt… instead, Add suits the rare ones (admin).
func (e *Event) Add(attrs ...Attr) {
	for _, a := range attrs {
		*e.next() = a
	}
}

// AddString, AddInt and AddDuration append one attribute each, written in
// place: unlike Add, they put no array of Attrs on the caller's frame.
// The events of every request are built with them, often on goroutines
// with a small stack (HTTP/2 runs each handler and each request write on
// a fresh one), where a larger frame means a stack copy.
func (e *Event) AddString(key Key, value string) {
	a := e.next()
	a.Key, a.Str, a.Kind = key, value, KindString
}

// AddInt: see AddString.
func (e *Event) AddInt(key Key, value int64) {
	a := e.next()
	a.Key, a.Num, a.Kind = key, value, KindInt
}

// AddDuration: see AddString.
func (e *Event) AddDuration(key Key, d time.Duration) {
	a := e.next()
	a.Key, a.Num, a.Kind = key, int64(d), KindDuration
}

// AddBool: see AddString.
func (e *Event) AddBool(key Key, value bool) {
	a := e.next()
	a.Key, a.Kind = key, KindBool
	if value {
		a.Num = 1
	}
}

// next returns the next free attribute, counted as used: inline, else a
// new one in More. Inlined into every Add*, its usual case comes first,
// so that the compiler lays it out straight and the rare one after: the
// code of a request's events is cold (evicted from the instruction cache
// between them), and each 64-byte line it spans is a miss.
func (e *Event) next() *Attr {
	if n := e.NAttrs; n < MaxAttrs {
		e.NAttrs = n + 1
		return &e.Attrs[n]
	}
	e.More = append(e.More, Attr{})
	return &e.More[len(e.More)-1]
}

// nextIn is next for a caller that checked there is a free inline
// attribute: it has no rare case to lay out among the caller's usual
// ones.
func (e *Event) nextIn() *Attr {
	n := e.NAttrs
	e.NAttrs = n + 1
	return &e.Attrs[n]
}

// NumAttrs is the number of attributes, inline and in More.
func (e *Event) NumAttrs() int { return int(e.NAttrs) + len(e.More) }

// AttrAt returns attribute i (0 ≤ i < NumAttrs), in the order they were
// added.
func (e *Event) AttrAt(i int) *Attr {
	if i < int(e.NAttrs) {
		return &e.Attrs[i]
	}
	return &e.More[i-int(e.NAttrs)]
}

// Attr returns the attribute called name, and false if there is none.
func (e *Event) Attr(name string) (Attr, bool) {
	for i := 0; i < e.NumAttrs(); i++ {
		if a := e.AttrAt(i); a.Key.String() == name {
			return *a, true
		}
	}
	return Attr{}, false
}
