package bench

import (
	"testing"

	"github.com/gohttpdbg/gohttpdbg/bench/loopback"
	"github.com/gohttpdbg/gohttpdbg/internal/cputime"
)

// setBytes reports throughput for the large body only: MB/s of a
// two-byte body says nothing.
func setBytes(b *testing.B, n int64) {
	if n >= 1<<20 {
		b.SetBytes(n)
	}
}

func BenchmarkHTTP1(b *testing.B) { benchHTTP(b, false) }
func BenchmarkHTTP2(b *testing.B) { benchHTTP(b, true) }

// benchHTTP measures whole requests, client and server side in one
// process, over kept-alive connections: per-request cost, not handshakes.
func benchHTTP(b *testing.B, h2 bool) {
	p := loopback.NewPair(b, h2)
	small, api, large := p.Server.URL+"/small", p.Server.URL+"/api", p.Server.URL+"/1MiB" // not built per request
	cases := []struct {
		name string
		size int64 // response bytes
		do   func() error
	}{
		{"small", 2, func() error { return p.Get(small, 2) }},
		{"api", loopback.APIResponseSize, func() error { return p.API(api) }},
		{"1MiB", int64(len(loopback.LargeBody)), func() error { return p.Get(large, int64(len(loopback.LargeBody))) }},
	}
	for _, c := range cases {
		b.Run("serial/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			setBytes(b, c.size)
			defer cputime.Measure(b)()
			for i := 0; i < b.N; i++ {
				if err := c.do(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("parallel/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			setBytes(b, c.size)
			defer cputime.Measure(b)()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					// Not b.Fatal: this is not the benchmark's goroutine.
					if err := c.do(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// TestPair checks the fixture itself: both protocols, both bodies.
func TestPair(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		p := loopback.NewPair(t, h2)
		if err := p.Get(p.Server.URL+"/small", 2); err != nil {
			t.Error(err)
		}
		if err := p.Get(p.Server.URL+"/1MiB", int64(len(loopback.LargeBody))); err != nil {
			t.Error(err)
		}
		if err := p.API(p.Server.URL + "/api"); err != nil {
			t.Error(err)
		}
	}
}
