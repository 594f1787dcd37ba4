package table

import (
	"sync/atomic"
	"unsafe"
)

// Itabs answers a type assertion between two interface types with
// methods (a response body's, from io.ReadCloser) for the dynamic types
// that passed it before, by comparing one word: the runtime's assertion
// probes its cache (a hash and a loop, two dozen instructions) on every
// request, where the body's type is nearly always one it saw (net/http's
// HTTP/1 or HTTP/2 body).
//
// An interface value is two words, its itab and its data. The source
// itab names the dynamic type, so that equal first words mean the same
// dynamic type, whose itab for the target interface is the one kept with
// it. The first two types that pass are kept, for good; others take the
// runtime's assertion, with no allocation.
type Itabs struct {
	kept [itabsKept]atomic.Pointer[itabPair]
}

const itabsKept = 2 // Find's two tests

// itabPair is a source itab and its dynamic type's itab for the target.
type itabPair struct{ from, to unsafe.Pointer }

// Find returns the target itab of the value src points at (an interface
// value of the source type), nil when none is kept for its type.
func (a *Itabs) Find(src unsafe.Pointer) unsafe.Pointer {
	from := *(*unsafe.Pointer)(src)
	if p := a.kept[0].Load(); p != nil && p.from == from {
		return p.to
	}
	if p := a.kept[1].Load(); p != nil && p.from == from {
		return p.to
	}
	return nil
}

// Keep keeps the itabs of *src (source) and *dst (target, the same
// dynamic type), while there is room.
func (a *Itabs) Keep(src, dst unsafe.Pointer) {
	from, to := *(*unsafe.Pointer)(src), *(*unsafe.Pointer)(dst)
	if from == nil || to == nil {
		return
	}
	for i := range a.kept {
		p := a.kept[i].Load()
		if p != nil && p.from == from {
			return // kept by another goroutine meanwhile
		}
		if p == nil && a.kept[i].CompareAndSwap(nil, &itabPair{from, to}) {
			return
		}
	}
}

// Iface makes the interface value whose itab is tab and whose data word
// is *src's (an interface value): *src converted to tab's interface.
// dst points at a value of that interface type.
func Iface(dst unsafe.Pointer, tab unsafe.Pointer, src unsafe.Pointer) {
	d := (*[2]unsafe.Pointer)(dst)
	d[0], d[1] = tab, (*[2]unsafe.Pointer)(src)[1]
}

// Assert is (*src).(I), *src being an interface value, for a type a does
// not keep (yet): it keeps the type's itabs in a when it passes. Its
// callers test a.Find first, in line; this is their slow path, out of
// line.
//
//go:noinline
func Assert[I, S any](a *Itabs, src *S) (I, bool) {
	d, ok := any(*src).(I)
	if ok {
		a.Keep(unsafe.Pointer(src), unsafe.Pointer(&d))
	}
	return d, ok
}
