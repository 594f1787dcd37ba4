package server

import (
	"net/http"
	"runtime"
	"unsafe"
)

// A request StdServe follows (startUsual) is marked on net/http's own
// Request: the std patch gives Request a field for its follower
// (gohttpdbgFollower), which the copies middleware makes (WithContext,
// StripPrefix, TimeoutHandler) carry. An inner wrapper finds the follower
// there (ServeHTTP) with a load or two, where the table of requests
// (following) took an entry and a removal on every request. The follower
// holds the request's Header key (HeaderKey) in follow while it follows
// the request: a copy that outlives its request finds another key there,
// or none, once the state is recycled.

// followOff is the offset of the follower's field (an unsafe.Pointer) in
// http.Request, 0 when this net/http has none (a build without the
// patch's capture hooks): the table then marks every request.
var followOff uintptr

// UseStdFollowerAt is called by the std patch's wiring, before any
// request, with the offset net/http gives the follower's field
// (GohttpdbgHTTP1.FollowerAt, from unsafe.Offsetof in net/http itself).
func UseStdFollowerAt(off uintptr) {
	if off != 0 && off+unsafe.Sizeof(unsafe.Pointer(nil)) <= unsafe.Sizeof(http.Request{}) {
		followOff = off
	}
}

// followerOf is r's follower field (followOff must be set).
func followerOf(r *http.Request) *unsafe.Pointer {
	return (*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(r), followOff))
}

// followInTable enters sr, the follower of a request whose Header key is
// k, in following: the requests startServe follows, and startUsual's
// without the patch's field. Out of line: rare with the patch.
//
//go:noinline
func (sr *serverRequest) followInTable(k uintptr) {
	if sr.slot = following.Add(k, sr) + 1; sr.slot != 0 {
		sr.follow.Store(k | inTable)
	}
}

// The low bits of follow (a map's address, aligned): claimed while an
// inner wrapper claims the follower to name its handler (ServeHTTP):
// the inner handler may run on a goroutine of its own (TimeoutHandler's)
// and outlive the outer one, whose unfollow waits for the claim;
// inTable for a follower in following, which ServeHTTP finds there.
const (
	claimed = 1 << iota
	inTable
)

// unfollow stops following sr: an inner wrapper's write of regSite is
// done by then, and none comes after. The usual case, a follower on the
// request not claimed (or none), is a load and a compare-and-swap.
func (sr *serverRequest) unfollow() {
	if k := sr.follow.Load(); k&(claimed|inTable) != 0 || !sr.follow.CompareAndSwap(k, 0) {
		sr.unfollowRare()
	}
}

// unfollowRare is unfollow for a request in following or a claimed
// follower.
//
//go:noinline
func (sr *serverRequest) unfollowRare() {
	k := sr.follow.Load()
	for k&claimed != 0 || !sr.follow.CompareAndSwap(k, 0) {
		if k&claimed != 0 {
			// A claim lasts a few instructions, but its goroutine may be
			// descheduled in it: yield rather than spin.
			runtime.Gosched()
		}
		k = sr.follow.Load()
	}
	if sr.slot != 0 {
		following.TakeAt(sr.slot-1, k&^inTable, sr)
		sr.slot = 0
	}
}
