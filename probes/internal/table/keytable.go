package table

import (
	"net/http"
	"sync/atomic"
	"unsafe"
)

// KeyTable maps request identities (HeaderKey) to values while requests
// are in flight: an open-addressed table of atomic words, without a lock
// or a runtime map, cheap enough for every request. A key that finds no
// free slot is not stored (Put returns false).
type KeyTable[T any] struct {
	keys [1 << keyTableBits]atomic.Uintptr
	vals [1 << keyTableBits]atomic.Pointer[T]
}

const (
	keyTableBits  = 12
	keyTableProbe = 8 // slots looked at per key: a cache line or two
)

func keyTableSlot(k uintptr, j int) int {
	h := uint64(k>>4) * 0x9E3779B97F4A7C15 >> (64 - keyTableBits)
	return (int(h) + j) & (1<<keyTableBits - 1)
}

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
	for j := 0; j < keyTableProbe; j++ {
		if t.keys[keyTableSlot(k, j)].Load() == k {
			return false
		}
	}
	for j := 0; j < keyTableProbe; j++ {
		i := keyTableSlot(k, j)
		if t.keys[i].CompareAndSwap(0, k) {
			t.vals[i].Store(v)
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
	for j := 0; j < keyTableProbe; j++ {
		if t.keys[keyTableSlot(k, j)].Load() == k {
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
	for j := 0; j < keyTableProbe; j++ {
		i := keyTableSlot(k, j)
		if t.keys[i].Load() == k {
			return t.vals[i].Load()
		}
	}
	return nil
}

// Remove forgets k.
func (t *KeyTable[T]) Remove(k uintptr) {
	if k == 0 {
		return
	}
	for j := 0; j < keyTableProbe; j++ {
		i := keyTableSlot(k, j)
		if t.keys[i].Load() == k {
			t.vals[i].Store(nil)
			t.keys[i].CompareAndSwap(k, 0)
			return
		}
	}
}
