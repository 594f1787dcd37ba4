// Package itab asserts a non-empty interface value to another interface
// type through a cache of the two dynamic types last seen: a response's
// body asserted to the std patch's interfaces on every response costs a
// comparison, not the runtime's lookup (whose code and tables are cold on
// every request).
package itab

import (
	"sync/atomic"
	"unsafe"
)

// Cache is the cache of one target interface type. Its zero value is
// empty. A slot, once set, is never changed: a program with more dynamic
// types than slots asserts the others as usual, with no allocation.
type Cache struct{ e [2]atomic.Pointer[pair] }

// pair is a dynamic type and its itab for the cache's interface: both
// live as long as the program (the runtime never frees them).
type pair struct{ typ, tab unsafe.Pointer }

// iface is a non-empty interface value's layout: its itab (whose second
// word is the dynamic type) and its data word.
type iface struct{ tab, data unsafe.Pointer }

// Tab returns the itab of the cache's interface for the dynamic type of
// *x, a non-empty interface value, when the cache knows it, else nil:
// the value of the cache's interface type is then {Tab(x), x's data word}
// (Value).
func (c *Cache) Tab(x unsafe.Pointer) unsafe.Pointer {
	t := (*iface)(x).tab
	if t == nil {
		return nil
	}
	typ := *(*unsafe.Pointer)(unsafe.Add(t, unsafe.Sizeof(uintptr(0))))
	if p := c.e[0].Load(); p != nil && p.typ == typ {
		return p.tab
	}
	if p := c.e[1].Load(); p != nil && p.typ == typ {
		return p.tab
	}
	return nil
}

// Value sets *out, a non-empty interface value, to the itab tab and the
// data word of *x (see Tab).
func Value(out, x, tab unsafe.Pointer) {
	o := (*iface)(out)
	o.tab, o.data = tab, (*iface)(x).data
}

// Keep records the itab of *y, which the runtime's assertion of *x to
// the cache's interface returned, for x's dynamic type.
//
//go:noinline
func (c *Cache) Keep(x, y unsafe.Pointer) {
	v, w := (*iface)(x), (*iface)(y)
	if v.tab == nil || w.tab == nil {
		return
	}
	p := &pair{typ: *(*unsafe.Pointer)(unsafe.Add(v.tab, unsafe.Sizeof(uintptr(0)))), tab: w.tab}
	for i := range c.e {
		if c.e[i].CompareAndSwap(nil, p) {
			return
		}
		if c.e[i].Load().typ == p.typ {
			return
		}
	}
}
