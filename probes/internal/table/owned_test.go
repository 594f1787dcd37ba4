package table

import (
	"net/http"
	"testing"
)

// An owned table's Add marks a request without looking for it first and
// returns the slot TakeAt unmarks without a scan; keys whose slots
// collide each get one, Claim hands out the value Add stored, and TakeAt
// waits for a claim as KeyTable.Take does.
func TestOwnedTableAddTakeAt(t *testing.T) {
	var tab OwnedTable[int]
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
		if v, i, found := tab.Claim(HeaderKey(hs[j])); v != vals[j] || !found || i != slots[j] {
			t.Fatalf("request %d: Claim does not return its value from its slot", j)
		} else {
			tab.Release(i, v)
		}
	}
	if tab.Add(0, vals[0]) != -1 || tab.Has(0) {
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
	if v, _, found := tab.Claim(k); v != nil || found {
		t.Fatal("claimed after TakeAt")
	}
	tab.TakeAt(slots[1], HeaderKey(hs[2]), vals[2]) // another key's slot: nothing
	if !tab.Has(HeaderKey(hs[1])) || !tab.Has(HeaderKey(hs[2])) {
		t.Fatal("TakeAt with a slot that is not the key's removed something")
	}
	for j := 1; j < len(hs); j++ {
		tab.TakeAt(slots[j], HeaderKey(hs[j]), vals[j])
	}
	for i := range tab.slots {
		if tab.slots[i].key.Load() != 0 || tab.slots[i].val.Load() != 0 {
			t.Fatalf("slot %d still marked after every TakeAt", i)
		}
	}
}
