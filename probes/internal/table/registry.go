package table

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// Registry is a set of live *T that many goroutines add to and remove from
// once per request, and that the admin socket or the gc probe walks now
// and then (the open bodies, the requests in flight). Adding and removing
// take a slot of a fixed table with one compare-and-swap, without a lock
// or a runtime map; a member that finds no free slot near its id (more
// than regSlots members at once, or a crowded neighbourhood) goes to a
// map under a mutex.
type Registry[T any] struct {
	// slots hold *T: untyped, so that Add and Remove, compiled once for
	// T's shape, stay under the inliner's budget (atomic.Pointer[T]'s
	// methods, called through the shape's dictionary, do not).
	slots    [regSlots]unsafe.Pointer
	mu       sync.Mutex
	overflow map[*T]struct{}
}

const (
	regBits  = 10
	regSlots = 1 << regBits
	regProbe = 8 // slots tried per add: one cache line
)

// Overflow is the slot an add returns when the member went to the map.
const Overflow = -1

// Add registers p, whose id spreads members over the table, and returns
// its slot for Remove.
//
// Consecutive ids start at scattered slots: a client request and the
// request it makes to its own server have consecutive ids, and slots of
// one cache line written from two cores would move between them.
func (r *Registry[T]) Add(p *T, id uint64) int {
	i := SlotOf(id)
	if r.TryAdd(p, i) {
		return i
	}
	return r.addSlow(p, i)
}

// TryAdd is Add's usual case, small enough to be inlined where Add is
// not (a compare-and-swap of a pointer is a call, and Add makes two): p
// takes slot i, SlotOf its id, if it is free, and reports whether it
// did; if not, the caller calls Add. A caller that runs on every
// request writes Add out so: a call costs a cold cache line there.
func (r *Registry[T]) TryAdd(p *T, i int) bool {
	return atomic.CompareAndSwapPointer(&r.slots[i], nil, unsafe.Pointer(p))
}

// SlotOf is the slot a member of id tries first.
func SlotOf(id uint64) int { return int(id * 0x9E3779B97F4A7C15 >> (64 - regBits)) }

// addSlow is Add past the first slot: the next ones of its cache line,
// then the map.
func (r *Registry[T]) addSlow(p *T, base int) int {
	for j := 1; j < regProbe; j++ {
		i := (base + j) % regSlots
		if atomic.CompareAndSwapPointer(&r.slots[i], nil, unsafe.Pointer(p)) {
			return i
		}
	}
	r.mu.Lock()
	if r.overflow == nil {
		r.overflow = make(map[*T]struct{})
	}
	r.overflow[p] = struct{}{}
	r.mu.Unlock()
	return Overflow
}

// Remove unregisters p, added at slot; it reports whether p was there (a
// second remove of the same member does nothing).
func (r *Registry[T]) Remove(p *T, slot int) bool {
	if slot >= 0 {
		return r.RemoveSlot(p, slot)
	}
	return r.removeOverflow(p)
}

// RemoveSlot is Remove for a member added at a slot (slot >= 0), small
// enough to be inlined (see TryAdd).
func (r *Registry[T]) RemoveSlot(p *T, slot int) bool {
	return atomic.CompareAndSwapPointer(&r.slots[slot], unsafe.Pointer(p), nil)
}

func (r *Registry[T]) removeOverflow(p *T) bool {
	r.mu.Lock()
	_, ok := r.overflow[p]
	delete(r.overflow, p)
	r.mu.Unlock()
	return ok
}

// Each calls f for every member (a snapshot: members added or removed
// meanwhile may or may not be seen).
func (r *Registry[T]) Each(f func(p *T)) {
	for i := range r.slots {
		if p := atomic.LoadPointer(&r.slots[i]); p != nil {
			f((*T)(p))
		}
	}
	r.mu.Lock()
	more := make([]*T, 0, len(r.overflow))
	for p := range r.overflow {
		more = append(more, p)
	}
	r.mu.Unlock()
	for _, p := range more {
		f(p)
	}
}
