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
	keyTableProbe = 8 // slots looked at per key: a cache line or two
)

// keyTableHome is the first slot k is looked for in; the next ones
// follow it (keyTableMask wraps them).
func keyTableHome(k uintptr) int {
	return int(uint64(k>>4) * 0x9E3779B97F4A7C15 >> (64 - keyTableBits))
}

const keyTableMask = 1<<keyTableBits - 1

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
	for j := 0; j < keyTableProbe; j++ {
		if t.slots[(h+j)&keyTableMask].key.Load() == k {
			return false
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

// Has reports whether k is present.
func (t *KeyTable[T]) Has(k uintptr) bool {
	if k == 0 {
		return false
	}
	h := keyTableHome(k)
	for j := 0; j < keyTableProbe; j++ {
		if t.slots[(h+j)&keyTableMask].key.Load() == k {
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
// hand it back with Release(i, v): meanwhile Get returns nil, Claim gets
// nil and Take waits. It lets a goroutine other than the value's owner
// write to the value without racing with the owner's Take and what the
// owner does after it (reuse the value for another key). v is nil when k
// is absent or claimed; found reports that k was present, claimed or not,
// which saves the caller a look-up (Has) before its claim.
func (t *KeyTable[T]) Claim(k uintptr) (v *T, i int, found bool) {
	if k == 0 {
		return nil, 0, false
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
			return nil, 0, true
		}
		return v, i, true
	}
	return nil, 0, false
}

// Release hands back the value Claim took from slot i.
func (t *KeyTable[T]) Release(i int, v *T) { t.slots[i].val.Store(v) }

// Add stores v under k, which the caller knows is absent (a request met
// for the first time), and returns its slot for TakeAt; -1 when k is 0
// or no slot is free. Unlike Put, it does not look for k first: a
// request's first mark costs one atomic swap where Put's cost a scan of
// the key's slots as well.
func (t *KeyTable[T]) Add(k uintptr, v *T) int {
	if k == 0 {
		return -1
	}
	h := keyTableHome(k)
	for j := 0; j < keyTableProbe; j++ {
		i := (h + j) & keyTableMask
		if t.slots[i].key.Load() == 0 && t.slots[i].key.CompareAndSwap(0, k) {
			t.slots[i].val.Store(v)
			return i
		}
	}
	return -1
}

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
		t.takeAt(i, k, v)
		return
	}
}

// TakeAt is Take for v stored under k in slot i (Add's): it finds the
// slot without a scan.
func (t *KeyTable[T]) TakeAt(i int, k uintptr, v *T) {
	if i < 0 || k == 0 || v == nil || t.slots[i&keyTableMask].key.Load() != k {
		return
	}
	t.takeAt(i&keyTableMask, k, v)
}

func (t *KeyTable[T]) takeAt(i int, k uintptr, v *T) {
	// A claim lasts a few instructions, but its goroutine may be
	// descheduled in it: yield rather than spin.
	for !t.slots[i].val.CompareAndSwap(v, nil) {
		if t.slots[i].val.Load() != nil {
			return // another value: v is not in the table
		}
		runtime.Gosched()
	}
	t.slots[i].key.CompareAndSwap(k, 0)
}
