package probes

import (
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Emit publishes e. It copies *e (the caller may reuse it) and never
// blocks on a slow consumer:
//   - a diagnostic (Sev Warn or Error, level 1) is written to the sink and
//     flushed before Emit returns, so it survives an os.Exit right after;
//   - any other event goes into the ring, which the writer drains into
//     the sink every few milliseconds (while nobody reads the events,
//     each quarter of the ring: see startRing).
//
// The caller checks the probe's level first (Level); Emit does not.
func Emit(e *Event) {
	if e.Time == 0 {
		e.Time = Now()
	}
	if e.Sev >= Warn {
		if e.Req != 0 {
			journalTag(e.Req, e.Name) // the request's record names its diagnostics
		}
		emitNow(e)
		return
	}
	kickWriter(currentRing().Put(e))
}

// Ticket publishes an event Reserve returned.
type Ticket struct {
	s   *ringSlot
	pos uint64
}

// Reserve returns the ring's next slot, zeroed, for a level-2 event
// (Debug or Info) built in place, or nil when the ring has no free slot
// (the event is dropped and counted, as Emit's would be). The caller
// fills it and publishes it with Publish(t), deferred right after the nil
// check (a panic while filling still publishes it), calling nothing in
// between that may wait on anything: the ring's reader waits for the
// slot (producers do not: they take the next ones). Built
// there rather than on the caller's frame, the event costs no copy, and
// no stack: an Event is about 600 bytes, which grew the stack of the
// short-lived goroutine (an HTTP/2 handler's) that built it.
//
// A raw event (the frame probe's, see RegisterRaw) is built in its slot
// the same way, with only the fields that hold no pointer (Probe, Sev,
// HasStream, Conn, Stream, Req, RawKind, Raw, and Time or Publish reads
// the clock): no write barrier, no runtime call. Reserve and Publish are
// nosplit for it: its hooks run on net/http's short-lived goroutines,
// whose small stacks a larger frame would grow.
//
//go:nosplit
func Reserve() (e *Event, t Ticket) {
	r := currentRing()
	// r.claim(), its usual case in line (too large for the compiler to),
	// the slot's index kept for Event.slot (the atomic loads would make
	// the compiler reload the mask).
	pos := r.enq.Load()
	i := pos & r.mask
	s := slotAt(unsafe.Pointer(unsafe.SliceData(r.slots)), i)
	if s.seq.Load() == pos && r.enq.CompareAndSwap(pos, pos+1) {
		s.ev.slot = uint32(i) + 1
		return &s.ev, Ticket{s, pos} // zeroed when it was freed (ringSlot)
	}
	return reserveSlow(r)
}

// reserveSlow is Reserve's claim when the usual case failed.
//
//go:nosplit
func reserveSlow(r *Ring) (*Event, Ticket) {
	s, pos := r.claim()
	if s == nil {
		return nil, Ticket{}
	}
	s.ev.slot = uint32(pos&r.mask) + 1
	return &s.ev, Ticket{s, pos}
}

// TimeAt returns an event's Time (Unix nanoseconds, as Now) for the
// monotonic reading m (Mono): a producer that has just read the clock
// stamps its event with that reading rather than read it again.
//
//go:nosplit
func TimeAt(m int64) int64 { return clockBaseUnix + m }

// Publish publishes the event Reserve returned with t; it sets its Time
// when zero.
//
//go:nosplit
func Publish(t Ticket) {
	if t.s.ev.Time == 0 {
		t.s.ev.Time = Now()
	}
	t.s.seq.Store(published(t.pos, t.s.ev.Probe))
	kickWriter(t.pos)
}

// currentRing returns the ring, started (with its writer) on first use.
//
//go:nosplit
func currentRing() *Ring {
	if r := theRing.Load(); r != nil {
		return r
	}
	return startRing()
}

// kickWriter wakes the writer if it sleeps and the event at pos, just
// published, is one that wakes it (see writerKick).
//
//go:nosplit
func kickWriter(pos uint64) {
	if pos&writerKick.Load() == 0 {
		wakeWriter()
	}
}

// writerBusy is writerKick while a drain is scheduled or running: no
// event wakes the writer (but the first, at 0, whose wakeWriter finds
// it busy).
const writerBusy = ^uint64(0)

var (
	theRing  atomic.Pointer[Ring]
	ringOnce sync.Once
	// writerKick holds the writer's state, as the mask of the positions
	// whose event wakes it: writerBusy; 0 when no drain is scheduled and
	// the next event schedules one; kickMask (a quarter of the ring) when
	// nobody reads the events, so that a backlog schedules one (parked).
	writerKick  atomic.Uint64
	kickMask    uint64      // set once, by startRing
	writerTimer *time.Timer // runs writerTick; set once, by startRing

	drainMu       sync.Mutex // one drainer at a time: the writer or Flush
	drainBuf      [64]Event  // guarded by drainMu
	drainFields   [64][]byte // drainBuf's packed header fields (Ring.getInto); guarded by drainMu
	dropsReported uint64     // guarded by drainMu
	writerEmpty   int        // drains in a row that found nothing; guarded by drainMu
)

// writerPoll is how often the writer drains the ring while events flow;
// it is also the longest a level-2 event waits before reaching the sink.
const writerPoll = 5 * time.Millisecond

// The writer is a timer, not a goroutine: each drain runs from
// time.AfterFunc and re-arms it while events flow; once the ring has
// stayed empty for a few polls nothing is scheduled until the next event
// (kickWriter). No goroutine of the probes sits parked in the program:
// one would be counted, with its shallow stack, in the average from which
// the runtime sizes each new goroutine's stack (see gc.go), and it would
// show in every goroutine dump of the program.
//
// While nobody reads the events (GOHTTPDBG_OUT=off, nobody following)
// the writer is not re-armed at all (writerKick holds kickMask): the producer whose
// event ends a quarter of the ring wakes it, and whatever reads what the
// drains deliver drains first (Recent, Emitted, Flush, Subscribe,
// SetSink; see drainNow). An armed timer made the scheduler check its
// timers, and read the clock, each time it looked for work, which cost
// the program more than the drains.
func startRing() *Ring {
	ringOnce.Do(func() {
		r := NewRing(int(ringSize.Load()))
		kickMask = r.mask >> 2
		// Armed only once writerTimer is set, which writerTick and
		// wakeWriter read; published last, so that a producer that finds
		// the ring finds the timer too.
		writerTimer = time.AfterFunc(time.Hour, func() { writerTick(r) })
		writerKick.Store(writerBusy)
		writerTimer.Reset(writerPoll)
		theRing.Store(r)
	})
	return theRing.Load()
}

// wakeWriter is not inlined, so that kickWriter is, on every event's path.
//
//go:noinline
func wakeWriter() {
	if w := writerKick.Load(); w != writerBusy && writerKick.CompareAndSwap(w, writerBusy) {
		writerTimer.Reset(0)
	}
}

// writerTick drains r, then schedules the next drain, or none once the
// ring has stayed empty for a few polls, or while nobody reads. An event
// put between the last drain and writerKick's store finds the writer
// busy and does not kick it: hence the second look at the ring. A parked
// writer is parked under drainMu, so that a reader arriving (readerArrived)
// finds it parked or the writer finds the reader.
func writerTick(r *Ring) {
	drainMu.Lock()
	n, unread := drainLocked(r)
	if unread {
		// Missed kicks are made up by the next quarter's.
		writerEmpty = 0
		writerKick.Store(kickMask)
		drainMu.Unlock()
		runDrainHooks()
		return
	}
	if n > 0 {
		writerEmpty = 0
	} else {
		writerEmpty++
	}
	busy := writerEmpty <= 3
	if !busy {
		writerEmpty = 0
	}
	drainMu.Unlock()
	runDrainHooks()
	if busy {
		writerTimer.Reset(writerPoll)
		return
	}
	writerKick.Store(0)
	if r.Len() > 0 {
		wakeWriter()
	}
}

// drainLocked delivers every event in r to the sink and the subscribers
// and reports new drops; drainMu is held. What events leave for a reader
// (raw events, header fields) is rendered only for one that reads
// them: the sink, a subscriber, or Recent (which renders its copies);
// with GOHTTPDBG_OUT=off and nobody following (unread), draining copies
// nothing: the events Recent can still return stay in their slots
// (drainUnread).
func drainLocked(r *Ring) (n int, unread bool) {
	sinkMu.Lock()
	unread = sink == nil || sinkErr
	sinkMu.Unlock()
	if unread = unread && !subs.active(); unread {
		n = drainUnread(r)
	} else {
		n = drainRead(r)
	}
	if d := r.Dropped(); d > dropsReported {
		if Level(Admin) >= 1 {
			e := Event{Time: Now(), Probe: Admin, Sev: Warn, Name: "admin.dropped",
				Msg: "events lost: the sink or a subscriber is slower than the probes"}
			e.AddInt(KeyCount, int64(d-dropsReported))
			e.AddInt(KeyTotal, int64(d))
			writeAndDispatch(&e)
		}
		dropsReported = d
	}
	if n > 0 && !unread {
		sinkMu.Lock()
		flushLocked()
		sinkMu.Unlock()
	}
	return n, unread
}

// drainNow delivers what waits in the ring, unless a drain is under way
// (which delivers it), for a reader of what drains deliver: a parked
// writer leaves up to half the ring waiting (see startRing).
func drainNow() {
	if r := theRing.Load(); r != nil && r.Len() > 0 && drainMu.TryLock() {
		drainLocked(r)
		drainMu.Unlock()
	}
}

// readerArrived drains what waits in the ring, to whom read it until
// now, then lets arrive, under drainMu, a reader of the events (a sink
// or a subscriber), and wakes a parked writer: it polls while anyone
// reads. A writer draining meanwhile sees the reader.
func readerArrived(arrive func()) {
	r := theRing.Load()
	if r == nil {
		arrive()
		return
	}
	drainMu.Lock()
	drainLocked(r)
	arrive()
	if writerKick.CompareAndSwap(kickMask, 0) && r.Len() > 0 {
		wakeWriter()
	}
	drainMu.Unlock()
}

// drainUnread is drainLocked's when no event leaving the ring has a
// reader (GOHTTPDBG_OUT=off, nobody following): of what waits, only the
// last recentCap events can still be seen (Recent). They are delivered
// where they are, in the ring, and counted as emitted (Ring.keep); they
// leave it uncopied once recentCap newer ones follow them. Only what
// reads the recent view (Recent, or dispatch, which appends after them)
// copies them out, see flushKeptLocked: copying each event out of the
// ring cost more than building it. A subscriber that arrives meanwhile
// sees the next drain.
func drainUnread(r *Ring) int {
	recentMu.Lock()
	defer recentMu.Unlock()
	n := r.keep()
	r.dropKept(r.keptLen() - recentCap)
	return n
}

// flushKeptLocked copies the events the ring keeps for the recent view
// into the recent buffer, in their order, before anything is appended
// after them; recentMu is held.
func flushKeptLocked(r *Ring) {
	for k := 0; k < r.Cap() && r.keptLen() > 0; k++ {
		i := recentN % recentCap
		if !r.getKept(&recentBuf[i], &recentFields[i]) {
			break
		}
		recentN++
	}
}

// flushKept is flushKeptLocked for a caller without recentMu.
func flushKept() {
	if r := theRing.Load(); r != nil && r.keptLen() > 0 {
		recentMu.Lock()
		flushKeptLocked(r)
		recentMu.Unlock()
	}
}

// drainRead is drainLocked's when the sink or a subscriber reads the
// events: each is rendered for them, written and dispatched.
func drainRead(r *Ring) int {
	flushKept() // delivered already, to the recent view only
	n := 0
	for {
		k := 0
		for k < len(drainBuf) && r.getInto(&drainBuf[k], &drainFields[k]) {
			k++
		}
		if k == 0 {
			break
		}
		sinkMu.Lock()
		for i := 0; i < k; i++ {
			if sink != nil && !sinkErr {
				renderLazy(&drainBuf[i])
			}
			writeLocked(&drainBuf[i])
		}
		sinkMu.Unlock()
		for i := 0; i < k; i++ {
			dispatch(&drainBuf[i])
		}
		n += k
		if k < len(drainBuf) {
			break
		}
	}
	return n
}

// emitNow writes a diagnostic synchronously. The ring is drained first
// (unless another goroutine is draining it) so that the level-2 events
// that led to the diagnostic come before it. It works on its own copy of
// *e, so that Emit's argument stays on its caller's stack (sinks and
// subscribers are called through interfaces), and it takes a pointer, so
// that Emit's frame holds no Event: events are built on small goroutine
// stacks, see AddString.
//
//go:noinline
func emitNow(e *Event) {
	c := *e
	renderLazy(&c)
	if r := theRing.Load(); r != nil && drainMu.TryLock() {
		drainLocked(r)
		drainMu.Unlock()
	}
	writeAndDispatch(&c)
}

func writeAndDispatch(e *Event) {
	sinkMu.Lock()
	writeLocked(e)
	flushLocked()
	sinkMu.Unlock()
	dispatch(e)
}

// Flush writes every event still in the ring to the sink, the text sink's
// summaries of the repeated diagnostics it held back, and flushes it.
// Programs that want every level-2 event can call it before exiting (the
// runtime cannot hook the return from main); diagnostics never wait for it.
func Flush() {
	if r := theRing.Load(); r != nil {
		drainMu.Lock()
		drainLocked(r)
		drainMu.Unlock()
	}
	sinkMu.Lock()
	if sink != nil && !sinkErr {
		summarize(sink)
	}
	flushLocked()
	sinkMu.Unlock()
}

// Dropped returns the number of events the ring has discarded.
func Dropped() uint64 {
	if r := theRing.Load(); r != nil {
		return r.Dropped()
	}
	return 0
}

// Subscription receives a copy of every event after it was written to the
// sink (the admin socket's /v1/events). A slow subscriber loses its oldest
// events, never blocks the probes, and can read how many it lost.
type Subscription = subscription[Event]

var subs subscribers[Event]

// Subscribe returns a subscription buffering up to size events.
// Events emitted before it are not its.
func Subscribe(size int) *Subscription {
	var s *Subscription
	readerArrived(func() { s = subs.add(size) })
	return s
}

const recentCap = 256

var (
	recentMu     sync.Mutex
	recentBuf    [recentCap]Event
	recentFields [recentCap][]byte // the packed header fields recentBuf's events keep for their reader
	recentN      uint64
)

// dispatch hands e to the subscribers and the recent-events buffer.
func dispatch(e *Event) {
	countEmit(e.Probe)
	recentMu.Lock()
	if r := theRing.Load(); r != nil && r.keptLen() > 0 {
		flushKeptLocked(r) // the events kept for the view come before e
	}
	i := recentN % recentCap
	recentBuf[i] = *e
	if len(e.packed) != 0 { // e's buffer is the drain's, reused next time
		recentBuf[i].packed = copyPacked(&recentFields[i], e.packed)
	}
	recentN++
	recentMu.Unlock()
	if subs.active() {
		renderLazy(e)
		subs.publish(e)
	}
}

// Recent appends to dst the last events (at most 256) that reached the
// sink, oldest first.
func Recent(dst []Event) []Event {
	drainNow()
	recentMu.Lock()
	defer recentMu.Unlock()
	if r := theRing.Load(); r != nil {
		flushKeptLocked(r) // the last, delivered where they were
	}
	start := uint64(0)
	if recentN > recentCap {
		start = recentN - recentCap
	}
	for i := start; i < recentN; i++ {
		dst = append(dst, recentBuf[i%recentCap])
		// Rendered here, under recentMu: its header fields are
		// recentFields', which a later event's overwrite.
		renderLazy(&dst[len(dst)-1])
	}
	return dst
}

// RawLen is the size of a raw event's data.
const RawLen = 16

var rawRenderers [8]atomic.Pointer[func(e *Event)]

// The raw event kinds, one per event its producer leaves to its
// reader's render (RegisterRaw), in one list so that two packages never
// take the same: at most 7.
const (
	RawFrame     = 1 + iota // frame.read, frame.write (probes/frame)
	RawConn                 // dial.conn (probes/client)
	RawFirstByte            // dial.first_byte (probes/client)
	RawBodyOpen             // body.open (probes/body)
	RawConnState            // a server connection's turn: dial.conn_state (probes/server)
	RawBodyClose            // body.close (probes/body)
)

// RegisterRaw registers render for raw events of kind (1 to 7): it fills
// in e's Name, Msg and Attrs from e.Raw and the other fields its producer
// set (Site, and values in Attrs that render names). A package registers
// its kinds at init.
func RegisterRaw(kind uint8, render func(e *Event)) {
	if kind == 0 || int(kind) >= len(rawRenderers) {
		panic("probes: raw event kind out of range")
	}
	if !rawRenderers[kind].CompareAndSwap(nil, &render) {
		panic("probes: raw event kind registered twice") // two packages' constants
	}
}

// RenderAs begins a raw event's render, once its renderer has read the
// values the producer left in Attrs: it clears them (Add… sets only the
// fields of its kind), sets the name and the message, and adds via first
// when there is one, as the direct build of an event of a call site
// reached through a wrapper does.
func (e *Event) RenderAs(name, msg, via string) {
	e.Attrs = [MaxAttrs]Attr{}
	e.Name, e.Msg = name, msg
	if via != "" {
		e.AddString(KeyVia, via)
	}
}

// renderLazy completes what an event left for its reader: a raw event's
// name, message and attributes, a header's text (AddHeader, AddFields,
// SetFieldsMsg), and the redaction of the URLs its free text quotes
// (redactEventText).
// Every reader (the sink, subscribers, Recent) calls it first.
func renderLazy(e *Event) {
	if e.RawKind != 0 {
		renderRaw(e)
	}
	if len(e.packed) != 0 {
		f := unpackFields(e.packed)
		e.packed = nil
		switch e.headersForm {
		case fieldsSorted:
			e.Attrs[e.headersAt].Str = formatFields(f)
		case fieldsInOrder:
			e.Attrs[e.headersAt].Str = formatFieldsInOrder(f)
		case fieldsMsg:
			e.Msg = FormatFieldsMsg(f)
		}
	}
	if !e.textDone {
		redactEventText(e)
	}
}

// renderRaw turns a raw event into a whole one; an event of a kind
// nobody registered keeps a name that says so.
func renderRaw(e *Event) {
	kind := e.RawKind
	e.RawKind = 0
	// Site and Attrs are the producer's: it may leave values there for
	// its renderer (all but the frame probe's do), which names them.
	e.Name, e.Msg, e.NAttrs = "", "", 0
	// A raw event has no header fields: what packed holds is a buffer
	// the slot kept from an earlier event (emptied: see Ring.free).
	e.packed = nil
	if f := rawRenderers[kind&7].Load(); f != nil {
		(*f)(e)
	}
	if e.Name == "" {
		e.Name = e.Probe.String() + ".raw"
	}
}
