//go:build linux

package admin

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// BenchmarkBreakerFlood measures an application's own request latency
// (HTTP/1.1 loopback, keep-alive) while goroutines flood the frame probe,
// as a peer sending tiny frames would (about 400 000 frames/s in bursts).
// Each frame emits frame.read only when the probe is at level 2, like the
// frame probe. Cases:
//
//	level1:          frame probe at 1: the flood costs its work only;
//	level2-breaker:  frame probe raised to 2 through the socket with the
//	                 default budget: the breaker drops it to 1 within a window;
//	level2-nobreaker: the same without breaker, for comparison.
//
// Events go to a text sink writing to io.Discard. Reported: ns/op (mean
// request latency), p50-ns and p99-ns, and whether the breaker tripped.
func BenchmarkBreakerFlood(b *testing.B) {
	for _, tc := range []struct {
		name   string
		level  int
		budget int
	}{
		{"level1", 1, 0},
		{"level2-breaker", 2, 0},
		{"level2-nobreaker", 2, -1},
	} {
		b.Run(tc.name, func(b *testing.B) {
			saved := probes.CurrentConfig()
			defer probes.Configure(saved)
			old := probes.SetSink(probes.NewTextSink(io.Discard))
			defer probes.SetSink(old)
			probes.SetLevel(probes.Frame, 1)

			app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "hello")
			}))
			defer app.Close()
			c := app.Client()
			get := func() {
				resp, err := c.Get(app.URL)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			get()

			s, err := Start(Options{Path: b.TempDir() + "/a.sock", Budget: tc.budget})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if tc.level == 2 {
				s.mu.Lock()
				s.setOverridesLocked([]change{{kindProbe, "frame", "2"}}, time.Hour, Peer{})
				s.mu.Unlock()
			}

			// The flood: bursts of 100 frames every 500µs from each of two
			// goroutines, about 400 000 frames/s, 8x the default budget,
			// without monopolising the CPUs (the frames arrive from a
			// network, they are not computed).
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for g := 0; g < 2; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					t := time.NewTicker(500 * time.Microsecond)
					defer t.Stop()
					for i := 0; ; {
						select {
						case <-stop:
							return
						case <-t.C:
						}
						for j := 0; j < 100; j++ {
							i++
							if probes.Level(probes.Frame) >= 2 {
								e := probes.Event{Probe: probes.Frame, Sev: probes.Debug, Name: "frame.read",
									Conn: 1, Stream: uint32(i), HasStream: true, Msg: "DATA len=9"}
								e.Add(probes.String(probes.KeyType, "DATA"), probes.Int(probes.KeyLen, 9))
								probes.Emit(&e)
							}
						}
					}
				}()
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				get()
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			close(stop)
			wg.Wait()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2]), "p50-ns")
			b.ReportMetric(float64(lat[len(lat)*99/100]), "p99-ns")
			tripped := 0.0
			for _, e := range s.audit.list() {
				if e.Action == "breaker" {
					tripped = 1
				}
			}
			b.ReportMetric(tripped, "tripped")
		})
	}
}
