package client

import (
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/probetest"
)

// BenchmarkClientPath is the probes' own work around one client request,
// without the network: start, the trace hooks a kept-alive request fires,
// the response, its body read to EOF and closed.
//
// "std" variants stand for a build with the std patch: the request
// started by the patched roundTrip (StdStart), no trace, the connection
// reported by StdGotConn.
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
			probetest.Configure(b, spec)
			c := &http.Client{Transport: &http.Transport{}}
			var entry unsafe.Pointer // persistConn's word
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				req, _ := http.NewRequest("GET", "http://127.0.0.1:8080/x", nil)
				var cr *Request
				if std {
					// A rewritten call site marks it; the patched roundTrip
					// starts it and getConn hands its state to StdGotConn.
					var st unsafe.Pointer
					req, st = StdStart(c.Transport.(*http.Transport), req, unsafe.Pointer(probes.InternSite("bench.go:1", "")))
					cr = (*Request)(st)
					StdGotConn(st, nil, true, time.Now(), &entry)
				} else if cr = Start(c, req, "bench.go:1"); cr != nil {
					req = cr.Request()
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
