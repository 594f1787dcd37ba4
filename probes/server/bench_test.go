package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gohttpdbg/gohttpdbg/probes/internal/probetest"
)

// BenchmarkServerPath is the probes' own work around one request served
// on a kept-alive HTTP/1 connection, without the network: the connection
// turning active and idle, and the handler wrapper.
func BenchmarkServerPath(b *testing.B) {
	for _, spec := range []string{"all=0", "all=1", "all=2"} {
		b.Run(spec, func(b *testing.B) {
			probetest.Configure(b, spec)
			s := &http.Server{}
			Instrument(s, "bench.go:2")
			c1, c2 := net.Pipe()
			defer c1.Close()
			defer c2.Close()
			ctx := context.WithValue(context.Background(), http.ServerContextKey, s)
			ctx = s.ConnContext(ctx, c1)
			s.ConnState(c1, http.StateNew)
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				io.WriteString(w, "hello, world\n")
			})
			w := httptest.NewRecorder()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r := httptest.NewRequest("GET", "/x", nil).WithContext(ctx)
				s.ConnState(c1, http.StateActive)
				ServeHTTP(h, "bench.go:3", w, r)
				s.ConnState(c1, http.StateIdle)
				w.Body.Reset()
			}
		})
	}
}
