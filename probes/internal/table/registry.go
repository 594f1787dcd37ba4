package table

import (
	"sync"
	"sync/atomic"
)

// Registry is a set of live *T that many goroutines add to and remove from
// once per request, and that the admin socket or the gc probe walks now
// and then (the open bodies, the requests in flight). Adding and removing
// take a slot of a fixed table with one compare-and-swap, without a lock
// or a runtime map; a member that finds no free slot near its id (more
// than regSlots members at once, or a crowded neighbourhood) goes to a
// map under a mutex.
type Registry[T any] struct {
	slots    [regSlots]atomic.Pointer[T]
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
//
// Add and Remove are small enough to be inlined, their usual case (the
// first slot tried is free) written out: they run on every request, where
// a call costs a cold cache line.
func (r *Registry[T]) Add(p *T, id uint64) int {
	i := int(id * 0x9E3779B97F4A7C15 >> (64 - regBits))
	if r.slots[i].CompareAndSwap(nil, p) {
		return i
	}
	return r.addSlow(p, i)
}

// addSlow is Add past the first slot: the next ones of its cache line,
// then the map.
func (r *Registry[T]) addSlow(p *T, base int) int {
	for j := 1; j < regProbe; j++ {
		i := (base + j) % regSlots
		if r.slots[i].CompareAndSwap(nil, p) {
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
		return r.slots[slot].CompareAndSwap(p, nil)
	}
	return r.removeOverflow(p)
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
		if p := r.slots[i].Load(); p != nil {
			f(p)
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
