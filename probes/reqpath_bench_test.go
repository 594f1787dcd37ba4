package probes

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"
)

// BenchmarkClientPath is the probes' own work around one client request,
// without the network: start, the trace hooks a kept-alive request fires,
// the response, its body read to EOF and closed.
//
// "std" variants stand for a build with the std patch: no trace, the
// connection reported by StdGotConn.
func BenchmarkClientPath(b *testing.B) {
	for _, spec := range []string{"all=0", "all=1", "all=1/std", "all=2"} {
		spec, std := strings.CutSuffix(spec, "/std")
		name := spec
		if std {
			name += "/std"
		}
		b.Run(name, func(b *testing.B) {
			defer stdClient.Store(stdClient.Load())
			stdClient.Store(std)
			defer configureFor(b, spec)()
			c := &http.Client{Transport: &http.Transport{}}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				req, _ := http.NewRequest("GET", "http://127.0.0.1:8080/x", nil)
				cr := StartClientRequest(c, req, "bench.go:1")
				if cr != nil {
					req = cr.Request()
				}
				if std {
					StdGotConn(req, nil, true, time.Now())
				}
				if t := httptrace.ContextClientTrace(req.Context()); t != nil {
					if t.GetConn != nil {
						t.GetConn("127.0.0.1:8080")
					}
					if t.GotConn != nil {
						t.GotConn(httptrace.GotConnInfo{Reused: true, WasIdle: true})
					}
					if t.WroteHeaderField != nil {
						t.WroteHeaderField("Host", []string{"127.0.0.1:8080"})
						t.WroteHeaderField("User-Agent", []string{"Go-http-client/1.1"})
					}
					if t.WroteHeaders != nil {
						t.WroteHeaders()
					}
					if t.WroteRequest != nil {
						t.WroteRequest(httptrace.WroteRequestInfo{})
					}
					if t.GotFirstResponseByte != nil {
						t.GotFirstResponseByte()
					}
				}
				resp := &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1,
					Header:        http.Header{"Content-Type": {"text/plain"}, "Content-Length": {"13"}},
					ContentLength: 13, Body: io.NopCloser(strings.NewReader("hello, world\n"))}
				if cr != nil {
					cr.Finish(resp, nil)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}

// configureFor sets the probe levels to spec and events to a discarding
// NDJSON sink; the returned function restores both.
func configureFor(b *testing.B, spec string) (restore func()) {
	old := CurrentConfig()
	oldSink := SetSink(NewJSONSink(io.Discard))
	cfg := DefaultConfig()
	if err := ParseSpec(spec, &cfg); err != nil {
		b.Fatal(err)
	}
	Configure(cfg)
	return func() { Flush(); SetSink(oldSink); Configure(old) }
}

// BenchmarkServerPath is the probes' own work around one request served
// on a kept-alive HTTP/1 connection, without the network: the connection
// turning active and idle, and the handler wrapper.
func BenchmarkServerPath(b *testing.B) {
	for _, spec := range []string{"all=0", "all=1", "all=2"} {
		b.Run(spec, func(b *testing.B) {
			defer configureFor(b, spec)()
			s := &http.Server{}
			InstrumentServer(s, "bench.go:2")
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
