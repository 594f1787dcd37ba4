package table

import (
	"runtime"
	"sync/atomic"
	"unsafe"
)

// OwnedTable is a KeyTable for values that their owners keep alive while
// they are in it, from Add to TakeAt, as a request's follower does with
// its state. It holds them as addresses: its atomic operations are plain
// ones, where a pointer's take a call and a write barrier check each (a
// request's mark, look-up and removal took five). A value is reached
// through the table only between Claim and Release, while its owner's
// TakeAt waits and the owner still holds it.
type OwnedTable[T any] struct {
	owned
}

// owned is OwnedTable's storage and code, not generic: the generic
// methods, inlined, call it directly, where a generic method's body takes
// a dictionary argument and reads the type through it. The common cases
// of add and takeAt (k's first slot free; v not claimed) are a straight
// run of code, the others out of line: each line of code a request runs
// is about one instruction-cache miss (see server.startServe).
type owned struct {
	slots [1 << keyTableBits]ownedSlot
}

type ownedSlot struct {
	key atomic.Uintptr
	val atomic.Uintptr // the value's address, 0 when claimed or not stored yet
}

func addrOf[T any](v *T) uintptr { return uintptr(unsafe.Pointer(v)) }

// at is the value at address a, which its owner keeps alive (see
// OwnedTable).
func at[T any](a uintptr) *T { return (*T)(*(*unsafe.Pointer)(unsafe.Pointer(&a))) }

// Add stores v under k, which the caller knows is absent (a request met
// for the first time), and returns its slot for TakeAt; -1 when k is 0,
// v nil or no slot is free. The caller keeps v alive until TakeAt.
func (t *OwnedTable[T]) Add(k uintptr, v *T) int { return t.owned.add(k, addrOf(v)) }

func (t *owned) add(k, a uintptr) int {
	if i := keyTableHome(k); k != 0 && a != 0 && t.slots[i].key.CompareAndSwap(0, k) {
		t.slots[i].val.Store(a)
		return i
	}
	return t.addFar(k, a)
}

// addFar is add past k's first slot.
//
//go:noinline
func (t *owned) addFar(k, a uintptr) int {
	if k == 0 || a == 0 {
		return -1
	}
	h := keyTableHome(k)
	for j := 1; j < keyTableProbe; j++ {
		i := (h + j) & keyTableMask
		if t.slots[i].key.Load() == 0 && t.slots[i].key.CompareAndSwap(0, k) {
			t.slots[i].val.Store(a)
			return i
		}
	}
	return -1
}

// Has reports whether k is present.
func (t *OwnedTable[T]) Has(k uintptr) bool {
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

// Claim is KeyTable.Claim: it takes k's value out of its slot for the
// caller alone, who hands it back with Release(i, v), and meanwhile
// TakeAt waits; found reports that k was present, claimed or not.
func (t *OwnedTable[T]) Claim(k uintptr) (v *T, i int, found bool) {
	if k == 0 {
		return nil, 0, false
	}
	h := keyTableHome(k)
	for j := 0; j < keyTableProbe; j++ {
		i = (h + j) & keyTableMask
		if t.slots[i].key.Load() != k {
			continue
		}
		a := t.slots[i].val.Swap(0)
		if a == 0 {
			return nil, 0, true
		}
		if t.slots[i].key.Load() != k {
			// The slot went to another key between the two loads: its
			// value is not k's.
			t.slots[i].val.Store(a)
			return nil, 0, true
		}
		return at[T](a), i, true
	}
	return nil, 0, false
}

// Release hands back the value Claim took from slot i.
func (t *OwnedTable[T]) Release(i int, v *T) { t.slots[i].val.Store(addrOf(v)) }

// TakeAt removes k, whose value v Add stored in slot i. It waits while
// the value is claimed: once it returns, no other goroutine can reach v
// through the table, and what a claim wrote happened before.
func (t *OwnedTable[T]) TakeAt(i int, k uintptr, v *T) { t.owned.takeAt(i, k, addrOf(v)) }

func (t *owned) takeAt(i int, k, a uintptr) {
	if s := &t.slots[i&keyTableMask]; i >= 0 && k != 0 && a != 0 && s.key.Load() == k && s.val.CompareAndSwap(a, 0) {
		s.key.CompareAndSwap(k, 0)
		return
	}
	t.takeClaimed(i, k, a)
}

// takeClaimed is takeAt for a value that is claimed, or not in the table.
//
//go:noinline
func (t *owned) takeClaimed(i int, k, a uintptr) {
	if i < 0 || k == 0 || a == 0 {
		return
	}
	s := &t.slots[i&keyTableMask]
	if s.key.Load() != k {
		return
	}
	// A claim lasts a few instructions, but its goroutine may be
	// descheduled in it: yield rather than spin.
	// The claim may end between the swap and the load: v is back then,
	// and the swap is tried again.
	for !s.val.CompareAndSwap(a, 0) {
		if cur := s.val.Load(); cur == 0 {
			runtime.Gosched()
		} else if cur != a {
			return // another value: v is not in the table
		}
	}
	s.key.CompareAndSwap(k, 0)
}
