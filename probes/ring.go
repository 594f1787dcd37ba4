package probes

import (
	"sync/atomic"
	"unsafe"
)

// Ring is a bounded multi-producer multi-consumer queue of events (Vyukov's
// bounded queue, one sequence number per slot). Put never blocks: when the
// ring is full the producer discards the oldest event and counts it, and
// if it still finds no free slot after a few attempts it discards its own
// event. Producers and consumers synchronise through the slot sequence
// numbers only, so Put is lock-free and allocation-free.
type Ring struct {
	slots []ringSlot
	mask  uint64
	_     [48]byte // keep the hot counters on their own cache lines
	enq   atomic.Uint64
	_     [56]byte
	deq   atomic.Uint64
	// kept: the events before it were delivered to the recent view
	// (Recent) while nobody read them, and stay in their slots until a
	// reader of the view or a newer event needs them (see drainUnread),
	// where copying each out of the ring cost more than the event. The
	// writer advances it, next to deq, which it writes too.
	kept  atomic.Uint64
	_     [48]byte
	drops atomic.Uint64
	// fieldBytes holds each slot's first header fields buffer
	// (Event.slotBuf), bytes the collector does not scan.
	fieldBytes []byte
}

// A slot is zeroed when its event leaves the ring (Ring.free), not when
// the next one is put there: the ring is a few MB that the collector
// scans in every cycle, and a free slot that still held its last event's
// strings would keep them alive and cost the scan a lookup each, where a
// nil pointer costs almost nothing. Reserve then finds the slot zeroed,
// but for a header fields buffer that its last event grew (Event.packed,
// emptied: see free).
type ringSlot struct {
	// seq is the slot's sequence number: its position while free, 1 +
	// its position once published, with the event's probe in the top
	// byte (published), so that the writer counts a kept event (Ring.keep)
	// by the load that tells it is published, without reading an event
	// that a full ring's producer may be discarding.
	seq atomic.Uint64
	ev  Event
	// 384 bytes, 6 cache lines, a slot starts on a line (the slots are a
	// large allocation, page-aligned): a raw event then writes its first
	// one to four lines only (see Event's order), where a slot of 392
	// (an index multiplied in one instruction instead of two) straddled
	// one more.
}

// A ringSlot is 6 cache lines exactly (this fails to compile otherwise).
var _ [unsafe.Sizeof(ringSlot{}) - 384]struct{}
var _ [384 - unsafe.Sizeof(ringSlot{})]struct{}

// free zeroes the events of positions from to to-1 as they leave the
// ring (see ringSlot) and hands their slots to the producers of the next
// lap, storing only the fields each event's producer wrote, to touch no
// cache line it did not: a raw event's producer writes the fields before
// Attrs and at most Attrs 0 to 3, with NAttrs 0 (a frame event neither
// Site nor Attrs), and leaves Name, Msg, More and packed as it found
// them; an event built with Add… counts its attributes in NAttrs. A
// header fields buffer that an event grew beyond its slot's share of
// fieldBytes stays, emptied, in Event.packed for the slot's next header
// (slotBuf): a pointer in every slot (the slot's buffer, kept beside its
// event) was one more word for the collector to scan in each cycle. One
// loop, no call per event: dropKept frees a quarter of the ring at a
// time; its base and mask in locals, as in keep.
func (r *Ring) free(from, to uint64) {
	base, mask := unsafe.Pointer(unsafe.SliceData(r.slots)), r.mask
	// s, the slot, is computed for the next step at the end of each: a
	// pointer in a register that each store addresses (computed where it
	// is used, base plus index took two more instructions a store, and
	// stepping it by size with a wrap a few register moves).
	s := slotAt(base, from&mask)
	for p := from; p < to; p++ {
		e := &s.ev
		switch {
		case e.slot == 0 && e.RawKind == 0:
			// Put's copy of an event built elsewhere, which may hold anything
			// beyond NAttrs: rare (admin and gc events).
			*e = Event{}
		case e.RawKind != 0:
			if e.RawKind != RawFrame {
				e.Site = ""
				*(*[4]Attr)(e.Attrs[:4]) = [4]Attr{}
			}
		default:
			// Straight stores, no loop and no call: most events have at most 4.
			if e.NAttrs <= 4 {
				*(*[4]Attr)(e.Attrs[:4]) = [4]Attr{}
			} else {
				e.Attrs = [MaxAttrs]Attr{}
			}
			e.Name, e.Site, e.Msg, e.More = "", "", "", nil
			if cap(e.packed) > slotBytes {
				e.packed = e.packed[:0] // its length only: no pointer stored
			} else {
				e.packed = nil
			}
		}
		e.Time, e.Probe, e.Sev, e.HasStream, e.NAttrs, e.Stream = 0, 0, 0, false, 0, 0
		e.Conn, e.Req = 0, 0
		e.RawKind, e.headersAt, e.headersForm, e.textDone, e.slot = 0, 0, 0, false, 0
		e.Raw = [RawLen]byte{}
		s.seq.Store(p + mask + 1)
		s = slotAt(base, (p+1)&mask)
	}
}

// NewRing returns a ring holding at least size events (rounded up to a
// power of two, at least 2).
func NewRing(size int) *Ring {
	n := 2
	for n < size {
		n <<= 1
	}
	// Each slot's header fields buffer is carved from one array made with
	// the ring (bytes: the collector does not scan it): a slot's first
	// header event then allocates nothing either (a longer header grows
	// its own).
	r := &Ring{slots: make([]ringSlot, n), mask: uint64(n - 1), fieldBytes: make([]byte, n*slotBytes)}
	for i := range r.slots {
		r.slots[i].seq.Store(uint64(i))
	}
	return r
}

// slotBuf returns the buffer for the packed header fields of e, an
// event from Reserve, emptied: the one its slot's last header event grew
// (kept in e.packed, see Ring.free), else its slot's share of the ring's
// fieldBytes, which the slot does not hold (one pointer word less in
// every slot for the collector). Reserve leaves that to the few events
// with a header; the caller stores the buffer, filled, in e.packed.
func (e *Event) slotBuf() []byte {
	if cap(e.packed) != 0 {
		return e.packed[:0]
	}
	r := theRing.Load()
	i := int(e.slot - 1)
	return r.fieldBytes[i*slotBytes : i*slotBytes : (i+1)*slotBytes]
}

// fieldsBuf is slotBuf for any event: nil (a buffer of its own, which
// packing makes) for one not from Reserve.
func (e *Event) fieldsBuf() []byte {
	if e.slot == 0 {
		return nil
	}
	return e.slotBuf()
}

// seqPos masks a slot's sequence number to the position, without the
// probe of a published event (ringSlot.seq): positions stay below 2^56,
// which at a million events a second takes two thousand years.
const seqPos = 1<<56 - 1

// published returns the sequence number that publishes an event of
// probe p at position pos.
//
//go:nosplit
func published(pos uint64, p Probe) uint64 { return pos + 1 | uint64(p)<<56 }

// Ring.keep counts a published event by its probe's low 3 bits: every
// probe must fit (this fails to compile otherwise).
var _ [8 - NumProbes]struct{}

// slotBytes is the room for packed header fields that each ring slot
// starts with.
const slotBytes = 256

// Cap returns the number of events the ring holds.
func (r *Ring) Cap() int { return len(r.slots) }

// Len returns the number of events waiting (approximate under
// concurrency): not delivered yet, kept ones excluded.
func (r *Ring) Len() int {
	from := r.deq.Load()
	if k := r.kept.Load(); k > from {
		from = k
	}
	n := int64(r.enq.Load()) - int64(from)
	if n < 0 {
		return 0
	}
	return int(n)
}

// keptLen returns the number of delivered events still in their slots.
func (r *Ring) keptLen() int {
	n := int64(r.kept.Load()) - int64(r.deq.Load())
	if n < 0 {
		return 0
	}
	return int(n)
}

// keep marks as delivered the published events that follow those
// delivered already, up to the first slot not published yet, and counts
// them as emitted, without touching them (a slot's sequence number says
// it is published, and its probe); it returns how many it
// marked. The caller is the one consumer that delivers (drainMu and
// recentMu held).
func (r *Ring) keep() int {
	k := r.kept.Load()
	if d := r.deq.Load(); d > k {
		k = d
	}
	start, end := k, r.enq.Load()
	if end-k > uint64(len(r.slots)) {
		end = k + uint64(len(r.slots))
	}
	// The slots' base and mask in locals: the atomic loads would make
	// the compiler reload them for every slot (see Ring.slot).
	base, mask := unsafe.Pointer(unsafe.SliceData(r.slots)), r.mask
	var count [8]uint64 // added up once: an atomic add each was most of the cost
	for ; k < end; k++ {
		s := slotAt(base, k&mask)
		q := s.seq.Load()
		if q&seqPos != k+1 {
			break
		}
		count[q>>56&7]++ // a probe beyond NumProbes is counted nowhere
	}
	r.kept.Store(k)
	for p := range emitted {
		if c := count[p]; c != 0 {
			emitted[p].n.Add(c)
		}
	}
	return int(k - start)
}

// Dropped returns the number of events discarded so far.
func (r *Ring) Dropped() uint64 { return r.drops.Load() }

// putAttempts bounds the work of one Put; a Put that loses every race
// drops its event rather than spin.
const putAttempts = 16

// Put copies *e into the ring. It never blocks. It returns the event's
// position, for kickWriter (0 when it dropped the event).
func (r *Ring) Put(e *Event) uint64 {
	s, pos := r.claim()
	if s != nil {
		s.ev = *e
		s.seq.Store(published(pos, e.Probe))
	}
	return pos
}

// claim reserves the next slot for a producer, who fills it and then
// publishes it by storing published(pos, probe) in its sequence number. It returns nil
// (and counts a drop) if the producer lost every race. Reserve tests its
// usual case, a free slot and no other producer, before calling it.
//
//go:nosplit
func (r *Ring) claim() (*ringSlot, uint64) {
	for i := 0; i < putAttempts; i++ {
		pos := r.enq.Load()
		s := r.slot(pos)
		d := int64(s.seq.Load()&seqPos) - int64(pos)
		switch {
		case d == 0:
			if r.enq.CompareAndSwap(pos, pos+1) {
				return s, pos
			}
		case d < 0:
			// Full: the slot still holds the event of the previous lap.
			r.discardOldest()
		}
		// d > 0: another producer took pos; retry with a fresh one.
	}
	r.drops.Add(1)
	return nil, 0
}

// slot returns the slot of position pos. It indexes by pointer, for the
// nosplit path of Reserve: a bounds check's panic call would add its
// runtime frames to the chain the linker checks (pos&mask is always in
// range).
//
//go:nosplit
func (r *Ring) slot(pos uint64) *ringSlot {
	return slotAt(unsafe.Pointer(unsafe.SliceData(r.slots)), pos&r.mask)
}

// slotAt returns the slot of index i (in range) of the slots at base:
// for the loops that keep base and the mask in locals (the atomic loads
// around them would make the compiler reload r's).
//
//go:nosplit
func slotAt(base unsafe.Pointer, i uint64) *ringSlot {
	return (*ringSlot)(unsafe.Add(base, uintptr(i)*unsafe.Sizeof(ringSlot{})))
}

// discardOldest drops the oldest published event, if any. A kept one
// was delivered (to the recent view) and counted then: it is not a drop.
func (r *Ring) discardOldest() {
	pos := r.deq.Load()
	s := r.slot(pos)
	if s.seq.Load()&seqPos == pos+1 && r.deq.CompareAndSwap(pos, pos+1) {
		r.free(pos, pos+1)
		if pos >= r.kept.Load() {
			r.drops.Add(1)
		}
	}
}

// Skip discards the oldest event without copying it, and returns its
// probe; ok is false when there was none (as Get).
func (r *Ring) Skip() (p Probe, ok bool) { return r.take(nil, nil, noLimit) }

// dropKept discards the oldest kept events, at most n, uncopied, and
// returns how many. One compare-and-swap takes them all: the kept ones
// are published, and a producer that discards one takes it by the same
// counter (deq).
func (r *Ring) dropKept(n int) int {
	for i := 0; i < putAttempts; i++ {
		pos, limit := r.deq.Load(), r.kept.Load()
		if pos >= limit || n <= 0 {
			return 0
		}
		m := limit - pos
		if m > uint64(n) {
			m = uint64(n)
		}
		if r.deq.CompareAndSwap(pos, pos+m) {
			r.free(pos, pos+m)
			return int(m)
		}
	}
	return 0
}

// getKept is getInto for a kept event: false when the oldest is not one.
func (r *Ring) getKept(e *Event, fields *[]byte) bool {
	_, ok := r.take(e, fields, r.kept.Load())
	return ok
}

// noLimit is take's limit for any event.
const noLimit = ^uint64(0)

// Get moves the oldest event into *e and reports whether there was one.
// Header fields the event keeps for its reader are copied into a new
// slice: the slot's buffer is the next event's.
func (r *Ring) Get(e *Event) bool {
	_, ok := r.take(e, nil, noLimit)
	return ok
}

// getInto is Get with the header fields copied into *fields (grown as
// needed), the buffer that goes with *e where it is kept.
func (r *Ring) getInto(e *Event, fields *[]byte) bool {
	_, ok := r.take(e, fields, noLimit)
	return ok
}

// take dequeues the oldest event, moving it into *e unless e is nil
// (its header fields into *fields, or a new slice when fields is nil),
// and returns its probe; ok is false when the ring is empty, or the
// producer of the oldest slot has not finished, or its position is not
// below limit.
func (r *Ring) take(e *Event, fields *[]byte, limit uint64) (p Probe, ok bool) {
	for i := 0; i < putAttempts; i++ {
		pos := r.deq.Load()
		if pos >= limit {
			return 0, false
		}
		s := r.slot(pos)
		d := int64(s.seq.Load()&seqPos) - int64(pos+1)
		switch {
		case d == 0:
			if r.deq.CompareAndSwap(pos, pos+1) {
				p = s.ev.Probe
				if e != nil {
					*e = s.ev
					e.slot = 0
					if len(e.packed) != 0 {
						e.packed = copyPacked(fields, e.packed)
					} else {
						e.packed = nil // the slot's emptied buffer (free)
					}
				}
				r.free(pos, pos+1)
				return p, true
			}
		case d < 0:
			return 0, false
		}
	}
	return 0, false
}

// copyPacked copies b into *dst, grown as needed, and returns the copy;
// with dst nil, into a new slice.
func copyPacked(dst *[]byte, b []byte) []byte {
	if dst == nil {
		return append([]byte(nil), b...)
	}
	*dst = append((*dst)[:0], b...)
	return *dst
}
