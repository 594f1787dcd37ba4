package table

import (
	"sync"
	"testing"
)

// Members come and go from many goroutines; each sees exactly the ones
// that stayed, those in the table and those that overflowed to the
// map alike.
func TestRegistry(t *testing.T) {
	var r Registry[int]
	const n = regSlots + 300 // more than the table: some overflow
	items := make([]int, n)
	slots := make([]int, n)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += 4 {
				slots[i] = r.Add(&items[i], uint64(i%7)) // crowded ids: long probes
			}
		}(w)
	}
	wg.Wait()
	overflowed := 0
	for i := range slots {
		if slots[i] == Overflow {
			overflowed++
		}
	}
	count := 0
	r.Each(func(*int) { count++ })
	if overflowed == 0 || count != n {
		t.Fatalf("after adding %d: each saw %d, %d overflowed", n, count, overflowed)
	}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += 4 {
				if i%3 != 0 && !r.Remove(&items[i], slots[i]) {
					t.Errorf("remove %d: not there", i)
				}
			}
		}(w)
	}
	wg.Wait()
	if r.Remove(&items[1], slots[1]) {
		t.Error("a second remove of the same member succeeded")
	}
	seen := map[*int]bool{}
	r.Each(func(p *int) { seen[p] = true })
	for i := range items {
		if want := i%3 == 0; seen[&items[i]] != want {
			t.Fatalf("member %d: seen %v, want %v", i, seen[&items[i]], want)
		}
	}
	if want := (n + 2) / 3; len(seen) != want {
		t.Fatalf("each saw %d, want %d", len(seen), want)
	}
}

// TryAdd and RemoveSlot, Add's and Remove's usual cases as the hooks
// write them out: a member takes its id's slot if free, else Add places
// it; RemoveSlot removes only the member in the slot.
func TestRegistryUsualCases(t *testing.T) {
	var r Registry[int]
	a, b := new(int), new(int)
	i := SlotOf(42)
	if !r.TryAdd(a, i) {
		t.Fatal("TryAdd did not take a free slot")
	}
	if r.TryAdd(b, i) {
		t.Fatal("TryAdd took a slot in use")
	}
	j := r.Add(b, 42)
	if j == i || j < 0 {
		t.Errorf("Add placed the second member at %d; want another slot than %d", j, i)
	}
	if r.RemoveSlot(b, i) || !r.RemoveSlot(a, i) || r.RemoveSlot(a, i) {
		t.Error("RemoveSlot removed another member, or not its own, or its own twice")
	}
	if !r.Remove(b, j) {
		t.Error("Remove did not find the member Add placed")
	}
}
