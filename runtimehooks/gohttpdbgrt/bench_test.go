package gohttpdbgrt_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/gohttpdbg/gohttpdbg/internal/cputime"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
)

// Loopback request benchmarks: the same client and server, called plainly
// and through the wrappers at levels 0, 1 and 2 (call-site probes only; the
// std patch's frame probe is measured by the end-to-end benchmarks). Events
// go to a discarding NDJSON sink.
//
// GOHTTPDBG_BENCH_SPEC=all=0,body=1 adds a variant "spec" with those
// levels, to attribute an overhead to one probe.
func benchRequests(b *testing.B, h2 bool) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "hello, world\n")
	})
	old := probes.CurrentConfig()
	oldSink := probes.SetSink(probes.NewJSONSink(io.Discard))
	defer func() { probes.Flush(); probes.SetSink(oldSink); probes.Configure(old) }()
	specs := map[string]string{"plain": "all=0", "level0": "all=0", "level1": "all=1", "level2": "all=2"}
	modes := []string{"plain", "level0", "level1", "level2"}
	if s := os.Getenv("GOHTTPDBG_BENCH_SPEC"); s != "" {
		specs["spec"] = s
		modes = append(modes, "spec")
	}
	for _, mode := range modes {
		b.Run(mode, func(b *testing.B) {
			cfg := probes.DefaultConfig()
			lvl := specs[mode]
			if err := probes.ParseSpec(lvl, &cfg); err != nil {
				b.Fatal(err)
			}
			probes.Configure(cfg)
			var h http.Handler = handler
			if mode != "plain" {
				h = gohttpdbgrt.Handler(handler, "bench.go:1")
			}
			srv := httptest.NewUnstartedServer(h)
			if mode != "plain" {
				gohttpdbgrt.Server(srv.Config, "bench.go:2")
			}
			if h2 {
				srv.EnableHTTP2 = true
				srv.StartTLS()
			} else {
				srv.Start()
			}
			defer srv.Close()
			c := srv.Client()
			b.ReportAllocs()
			b.ResetTimer()
			defer cputime.Measure(b)()
			for i := 0; i < b.N; i++ {
				req, _ := http.NewRequest("GET", srv.URL, nil)
				var resp *http.Response
				var err error
				if mode == "plain" {
					resp, err = c.Do(req)
				} else {
					resp, err = gohttpdbgrt.ClientDo(c, req, "bench.go:3")
				}
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}

func BenchmarkHTTP1(b *testing.B)    { benchRequests(b, false) }
func BenchmarkHTTP2TLS(b *testing.B) { benchRequests(b, true) }
