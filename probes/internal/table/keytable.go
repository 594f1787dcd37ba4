package table

import (
	"net/http"
	"runtime"
	"sync/atomic"
	"unsafe"
)

// KeyTable maps request identities (HeaderKey) to values while requests
// are in flight: an open-addressed table of atomic words, without a lock
// or a runtime map, cheap enough for every request. A key that finds no
// free slot is not stored (Put returns false).
//
// A key and its value share a slot: a request touches its slot three
// times (Put, Get, Remove) at a place its Header's address picks, which
// the caches rarely hold; apart, the key and the value were two misses.
type KeyTable[T any] struct {
	slots [1 << keyTableBits]keySlot[T]
}

type keySlot[T any] struct {
	key atomic.Uintptr
	val atomic.Pointer[T]
}

const (
	keyTableBits  = 12
	keyTableProbe = 8 // slots looked at per key: a cache line or two (Put reads 8 in line)
)

// keyTableHome is the first slot k is looked for in; the next ones
// follow it (keyTableMask wraps them).
func keyTableHome(k uintptr) int {
	return int(uint64(k>>4) * 0x9E3779B97F4A7C15 >> (64 - keyTableBits))
}

const keyTableMask = 1<<keyTableBits - 1

// Put's window in a row reads 8 slots: keyTableProbe must stay 8 (this
// fails to compile otherwise).
var _ [keyTableProbe - 8][8 - keyTableProbe]struct{}

// HeaderKey returns the identity of h, 0 for a nil map: the identity of a
// request, whose Header map net/http makes once and the copies of the
// request (WithContext, Clone aside, Client.send, middleware) share. A map
// value is a pointer to the runtime's map header; reading it directly is
// what reflect.Value.Pointer does, without its stack frame (this runs at
// the top of every handler).
func HeaderKey(h http.Header) uintptr { return uintptr(*(*unsafe.Pointer)(unsafe.Pointer(&h))) }

// Put stores v under k; false if k is 0, already present, or no slot is
// free.
func (t *KeyTable[T]) Put(k uintptr, v *T) bool {
	if k == 0 {
		return false
	}
	h := keyTableHome(k)
	if h <= len(t.slots)-keyTableProbe {
		// The window in a row (all but the last few homes): looked at
		// slot by slot with no wrapping, each key read and compared in
		// line (a loop's index, mask and bound took twice that).
		w := (*[keyTableProbe]keySlot[T])(t.slots[h : h+keyTableProbe])
		if w[0].key.Load() == k || w[1].key.Load() == k || w[2].key.Load() == k || w[3].key.Load() == k ||
			w[4].key.Load() == k || w[5].key.Load() == k || w[6].key.Load() == k || w[7].key.Load() == k {
			return false
		}
	} else {
		for j := 0; j < keyTableProbe; j++ {
			if t.slots[(h+j)&keyTableMask].key.Load() == k {
				return false
			}
		}
	}
	for j := 0; j < keyTableProbe; j++ {
		i := (h + j) & keyTableMask
		if t.slots[i].key.CompareAndSwap(0, k) {
			t.slots[i].val.Store(v)
			return true
		}
	}
	return false
}

// Get returns k's value, nil when absent (or not stored yet).
func (t *KeyTable[T]) Get(k uintptr) *T {
	if k == 0 {
		return nil
	}
	h := keyTableHome(k)
	for j := 0; j < keyTableProbe; j++ {
		i := (h + j) & keyTableMask
		if t.slots[i].key.Load() == k {
			return t.slots[i].val.Load()
		}
	}
	return nil
}

// Remove forgets k.
func (t *KeyTable[T]) Remove(k uintptr) {
	if k == 0 {
		return
	}
	h := keyTableHome(k)
	for j := 0; j < keyTableProbe; j++ {
		i := (h + j) & keyTableMask
		if t.slots[i].key.Load() == k {
			t.slots[i].val.Store(nil)
			t.slots[i].key.CompareAndSwap(k, 0)
			return
		}
	}
}

// Claim takes k's value out of its slot for the caller alone, who must
// hand it back with Release(i, v): meanwhile Get returns nil, Claim fails
// and Take waits. It lets a goroutine other than the value's owner write
// to the value without racing with the owner's Take and what the owner
// does after it (reuse the value for another key). nil when k is absent
// or claimed.
func (t *KeyTable[T]) Claim(k uintptr) (v *T, i int) {
	if k == 0 {
		return nil, 0
	}
	h := keyTableHome(k)
	for j := 0; j < keyTableProbe; j++ {
		i = (h + j) & keyTableMask
		if t.slots[i].key.Load() != k {
			continue
		}
		v = t.slots[i].val.Swap(nil)
		if v != nil && t.slots[i].key.Load() != k {
			// The slot went to another key between the two loads: its
			// value is not k's.
			t.slots[i].val.Store(v)
			return nil, 0
		}
		return v, i
	}
	return nil, 0
}

// Release hands back the value Claim took from slot i.
func (t *KeyTable[T]) Release(i int, v *T) { t.slots[i].val.Store(v) }

// Take removes k, whose value is v, as Remove does, but waits while the
// value is claimed (Claim): once Take returns, no other goroutine can
// reach v through the table, and what a claim wrote happened before.
func (t *KeyTable[T]) Take(k uintptr, v *T) {
	if k == 0 || v == nil {
		return
	}
	h := keyTableHome(k)
	for j := 0; j < keyTableProbe; j++ {
		i := (h + j) & keyTableMask
		if t.slots[i].key.Load() != k {
			continue
		}
		// A claim lasts a few instructions, but its goroutine may be
		// descheduled in it: yield rather than spin.
		// The claim may end between the swap and the load: v is back
		// then, and the swap is tried again.
		for !t.slots[i].val.CompareAndSwap(v, nil) {
			if cur := t.slots[i].val.Load(); cur == nil {
				runtime.Gosched()
			} else if cur != v {
				return // another value: v is not in the table
			}
		}
		t.slots[i].key.CompareAndSwap(k, 0)
		return
	}
}
