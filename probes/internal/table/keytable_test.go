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
	if tab.Has(k) || tab.Get(k) != nil {
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
	if tab.Put(0, first) || tab.Has(0) {
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
	got, i, found := tab.Claim(k)
	if got != v || !found {
		t.Fatal("claim does not return the value")
	}
	if tab.Get(k) != nil {
		t.Fatal("get returns a claimed value")
	}
	if again, _, found := tab.Claim(k); again != nil || !found {
		t.Fatalf("a claimed value claimed twice (%v), or its key not found (%v)", again != nil, found)
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
	if c, _, found := tab.Claim(k); c != nil || found || tab.Has(k) {
		t.Fatal("claimed after take")
	}
}

// Add marks a request without looking for it first and returns the
// slot TakeAt unmarks without a scan; keys whose slots collide each get
// one, and TakeAt waits for a claim as Take does.
func TestKeyTableAddTakeAt(t *testing.T) {
	var tab KeyTable[int]
	hs := make([]http.Header, 3*keyTableProbe)
	slots := make([]int, len(hs))
	vals := make([]*int, len(hs))
	stored := 0
	for j := range hs {
		hs[j] = http.Header{}
		vals[j] = new(int)
		if slots[j] = tab.Add(HeaderKey(hs[j]), vals[j]); slots[j] >= 0 {
			stored++
		}
	}
	if stored != len(hs) {
		t.Fatalf("%d of %d requests marked", stored, len(hs))
	}
	for j := range hs {
		if tab.Get(HeaderKey(hs[j])) != vals[j] {
			t.Fatalf("request %d: Get does not return its value", j)
		}
	}
	if tab.Add(0, vals[0]) != -1 {
		t.Fatal("a request without a Header marked")
	}
	k := HeaderKey(hs[0])
	got, i, found := tab.Claim(k)
	if got != vals[0] || !found || i != slots[0] {
		t.Fatalf("claim: %v %d %v; want the value from slot %d", got != nil, i, found, slots[0])
	}
	taken := make(chan struct{})
	go func() {
		tab.TakeAt(slots[0], k, vals[0])
		close(taken)
	}()
	*got = 9
	tab.Release(i, got)
	<-taken
	if *vals[0] != 9 || tab.Has(k) {
		t.Fatal("TakeAt did not wait for the claim, or left the key")
	}
	tab.TakeAt(slots[1], HeaderKey(hs[2]), vals[2]) // another key's slot: nothing
	if !tab.Has(HeaderKey(hs[1])) || !tab.Has(HeaderKey(hs[2])) {
		t.Fatal("TakeAt with a slot that is not the key's removed something")
	}
	for j := 1; j < len(hs); j++ {
		tab.TakeAt(slots[j], HeaderKey(hs[j]), vals[j])
	}
	for i := range tab.slots {
		if tab.slots[i].key.Load() != 0 || tab.slots[i].val.Load() != nil {
			t.Fatalf("slot %d still marked after every TakeAt", i)
		}
	}
}
