package probes

import (
	"net/http"
	"testing"
)

func TestTraceparentParse(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", true},
		{"01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra", true},
		{"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra", false},
		{"ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", false},
		{"00-00000000000000000000000000000000-b7ad6b7169203331-01", false},
		{"00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", false},
		{"00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01", false},
		{"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331", false},
		{"", false},
	} {
		trace, parent, flags, ok := parseTraceparent(c.in)
		if ok != c.ok {
			t.Errorf("%q: ok=%v", c.in, ok)
			continue
		}
		if ok {
			if got := formatTraceparent(trace, parent, flags); got != c.in[:55] && c.in[:2] == "00" {
				t.Errorf("%q formatted back as %q", c.in, got)
			}
		}
	}
}

// BenchmarkOTLPSpanPath is what the otlp sink adds on a request's path:
// a server span and, inside its handler, a client span with its
// traceparent, built and queued (the exporter's queue full: what the
// export itself costs runs on its own goroutine).
func BenchmarkOTLPSpanPath(b *testing.B) {
	env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}
	if _, err := OpenOTLPSink(func(k string) string { return env[k] }); err != nil {
		b.Fatal(err)
	}
	defer StopOTLP()
	in, _ := http.NewRequest("GET", "http://127.0.0.1:8080/a?x=1", nil)
	in.Header.Set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	in.RemoteAddr = "127.0.0.1:5555"
	resp := &http.Response{StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sp := StartServerSpan(uint64(2*i), in)
		out, _ := http.NewRequestWithContext(sp.HandlerRequest().Context(), "GET", "http://127.0.0.1:9090/b?token=x", nil)
		csp, sent := StartClientSpan(uint64(2*i+1), out)
		csp.ClientOutcome(resp, nil)
		EndClientSpan(csp, &ClientSpanEnd{Req: sent, Site: "main.go:2"})
		EndServerSpan(sp, in, 200, "main.go:1", 0)
	}
}
