package table

import (
	"net/http"
	"testing"
)

// A key table marks a request once: the wrapper that comes second (a
// wrapped mux inside a wrapped server handler, a call site inside the
// patched Transport) finds the first one's value, and after remove the
// same Header can be marked again.
func TestKeyTableOnce(t *testing.T) {
	var tab KeyTable[int]
	h := http.Header{}
	k := HeaderKey(h)
	first := new(int)
	if !tab.Put(k, first) {
		t.Fatal("first put refused")
	}
	if tab.Put(k, new(int)) {
		t.Fatal("second put of the same request accepted")
	}
	if tab.Get(k) != first {
		t.Fatal("get does not return the first value")
	}
	others := make([]http.Header, 100)
	for i := range others {
		others[i] = http.Header{}
		if !tab.Put(HeaderKey(others[i]), new(int)) {
			t.Fatalf("request %d refused while another is marked", i)
		}
	}
	tab.Remove(k)
	if marked(&tab, k) || tab.Get(k) != nil {
		t.Fatal("still marked after remove")
	}
	if !tab.Put(k, first) {
		t.Fatal("put refused after remove")
	}
	tab.Remove(k)
	for i := range others {
		tab.Remove(HeaderKey(others[i]))
	}
	for i := range tab.slots {
		if tab.slots[i].key.Load() != 0 || tab.slots[i].val.Load() != nil {
			t.Fatalf("slot %d still marked after every remove", i)
		}
	}
	if tab.Put(0, first) || marked(&tab, 0) {
		t.Fatal("a request without a Header cannot be marked")
	}
}

// A claimed value is the claimer's alone: Get and a second Claim see
// nothing, Take waits for the Release, and once taken the value cannot
// be claimed.
func TestKeyTableClaim(t *testing.T) {
	var tab KeyTable[int]
	h := http.Header{}
	k := HeaderKey(h)
	v := new(int)
	tab.Put(k, v)
	got, i := tab.Claim(k)
	if got != v {
		t.Fatal("claim does not return the value")
	}
	if tab.Get(k) != nil {
		t.Fatal("get returns a claimed value")
	}
	if again, _ := tab.Claim(k); again != nil {
		t.Fatal("a claimed value claimed twice")
	}
	taken := make(chan struct{})
	go func() {
		tab.Take(k, v)
		close(taken)
	}()
	*got = 7 // the claimer's write, before Release: Take returns after it
	tab.Release(i, got)
	<-taken
	if *v != 7 {
		t.Fatal("the claimer's write is lost")
	}
	if c, _ := tab.Claim(k); c != nil || marked(&tab, k) {
		t.Fatal("claimed after take")
	}
}

// marked reports whether k holds a slot of tab (Remove and Take clear it).
func marked[T any](tab *KeyTable[T], k uintptr) bool {
	for i := range tab.slots {
		if k != 0 && tab.slots[i].key.Load() == k {
			return true
		}
	}
	return false
}
