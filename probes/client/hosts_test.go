package client

import (
	"net/http"
	"testing"
)

// BenchmarkHostRequest is what a request on a kept-alive HTTP/1
// connection costs its host's state: found, begun, handed a reused
// connection, ended, its connection released.
func BenchmarkHostRequest(b *testing.B) {
	t := &http.Transport{}
	cr := &Request{}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		h := hostFor(t, "127.0.0.1:8080")
		h.begin(cr)
		h.reused()
		h.last.CompareAndSwap(cr, nil)
		h.end()
		h.release(1)
	}
}
