package probes

import (
	"net"
	"testing"
	"unsafe"
)

// A client connection keeps its entry (net/http's persistConn, with the
// std patch): its first request looks it up and stores it, the next ones
// get what is stored, and an entry evicted from the registry is looked
// up again, so that the connection is listed under the id its events
// carry.
func TestClientConnEntry(t *testing.T) {
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	var slot unsafe.Pointer
	e := ClientConnEntry(c1, &slot)
	if e == nil || e != ConnFor(c1, "client") || (*ConnEntry)(slot) != e {
		t.Fatalf("first request: entry %p, registry %p, slot %p", e, ConnFor(c1, "client"), slot)
	}
	if e.info.Side != "client" {
		t.Errorf("side %q", e.info.Side)
	}
	// The slot is read, not the registry: an entry stored there is
	// returned as it is.
	kept := &ConnEntry{info: ConnInfo{ID: 1 << 40}}
	slot = unsafe.Pointer(kept)
	if got := ClientConnEntry(c1, &slot); got != kept {
		t.Fatalf("a kept entry was looked up again: %p, want %p", got, kept)
	}
	kept.evicted.Store(true)
	if got := ClientConnEntry(c1, &slot); got != e || (*ConnEntry)(slot) != e {
		t.Fatalf("an evicted entry was kept: %p (slot %p), want %p", got, slot, e)
	}
	if got := ClientConnEntry(nil, new(unsafe.Pointer)); got != nil {
		t.Errorf("nil conn: %p", got)
	}
}
