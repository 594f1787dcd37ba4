package table

import (
	"net/http"
	"testing"
)

// BenchmarkKeyTableRequest is what a request costs a key table: marked,
// looked up, unmarked, under a Header met for the first time (the slot
// its address picks is rarely in the caches).
func BenchmarkKeyTableRequest(b *testing.B) {
	var tab KeyTable[int]
	hs := make([]http.Header, 1<<16)
	for i := range hs {
		hs[i] = http.Header{}
	}
	v := new(int)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := HeaderKey(hs[i&(len(hs)-1)])
		tab.Put(k, v)
		if tab.Get(k) != v {
			b.Fatal("lost")
		}
		tab.Remove(k)
	}
}
