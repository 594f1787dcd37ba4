package probes

import (
	"bytes"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// otlpTest installs the otlp sink, sending to a fake collector that
// keeps the request bodies, with every probe at level 1.
func otlpTest(t *testing.T) (bodies func() [][]byte) {
	var mu sync.Mutex
	var got [][]byte
	coll := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, b)
		mu.Unlock()
	}))
	t.Cleanup(coll.Close)
	cfg := DefaultConfig()
	Configure(cfg)
	env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": coll.URL, "OTEL_SERVICE_NAME": "otlp-test"}
	s, err := OpenOTLPSink(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	old := SetSink(s)
	t.Cleanup(func() { Flush(); SetSink(old); otlpOn.Store(nil); IgnoreTransport(nil) })
	return func() [][]byte {
		FlushOTLP(5 * time.Second)
		mu.Lock()
		defer mu.Unlock()
		return append([][]byte(nil), got...)
	}
}

// A server span continues the incoming traceparent; a request the
// handler makes with its request's context is the server span's child
// and carries its traceparent, on a copy: the caller's header is left
// alone. A request that already carries a traceparent (the program's own
// instrumentation) goes out as it is.
func TestOTLPTraceContext(t *testing.T) {
	bodies := otlpTest(t)
	var mu sync.Mutex
	var seen [][]string
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Values("Traceparent"))
		mu.Unlock()
	}))
	defer backend.Close()
	const own = "00-11111111111111111111111111111111-2222222222222222-01"
	var callerHeaders []http.Header
	front := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, tp := range []string{"", own} {
			req, _ := http.NewRequestWithContext(r.Context(), "GET", backend.URL+"/b?token=s3cret", nil)
			if tp != "" {
				req.Header.Set("traceparent", tp)
			}
			cr := StartClientRequest(nil, req, "front.go:2")
			resp, err := http.DefaultClient.Do(cr.Request())
			cr.Finish(resp, err)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			callerHeaders = append(callerHeaders, req.Header)
		}
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ServeHTTP(front, "front.go:1", w, r)
	}))
	defer srv.Close()
	const trace = "0af7651916cd43dd8448eb211c80319c"
	in, _ := http.NewRequest("GET", srv.URL+"/a", nil)
	in.Header.Set("traceparent", "00-"+trace+"-b7ad6b7169203331-01")
	resp, err := http.DefaultClient.Do(in)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || len(seen[0]) != 1 || len(seen[1]) != 1 {
		t.Fatalf("traceparents seen by the backend: %q; want one per request", seen)
	}
	out := seen[0][0]
	if !strings.HasPrefix(out, "00-"+trace+"-") || strings.Contains(out, "b7ad6b7169203331") || !strings.HasSuffix(out, "-01") {
		t.Errorf("propagated %q: want the incoming trace, a span of ours", out)
	}
	if seen[1][0] != own {
		t.Errorf("the program's own traceparent became %q", seen[1][0])
	}
	if callerHeaders[0].Get("traceparent") != "" {
		t.Errorf("the caller's header was changed: %v", callerHeaders[0])
	}

	// The spans went out, in the incoming trace, and the secret did not.
	var all []byte
	for _, b := range bodies() {
		all = append(all, b...)
	}
	tid, _ := hex.DecodeString(trace)
	ownTid, _ := hex.DecodeString("11111111111111111111111111111111")
	if bytes.Count(all, tid) < 2 || !bytes.Contains(all, ownTid) {
		t.Errorf("exported %d bytes: want the server and client spans in trace %s, one in the program's trace", len(all), trace)
	}
	if bytes.Contains(all, []byte("s3cret")) {
		t.Error("a secret was exported")
	}
	if !bytes.Contains(all, []byte("token=[REDACTED]")) && !bytes.Contains(all, []byte("token=%5BREDACTED%5D")) {
		t.Errorf("no redacted url.full in the export")
	}
}

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
	s, err := OpenOTLPSink(func(k string) string { return env[k] })
	if err != nil {
		b.Fatal(err)
	}
	defer func() { otlpOn.Store(nil); IgnoreTransport(nil) }()
	sink := s.(*otlpSink)
	in, _ := http.NewRequest("GET", "http://127.0.0.1:8080/a?x=1", nil)
	in.Header.Set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	in.RemoteAddr = "127.0.0.1:5555"
	resp := &http.Response{StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sr := &serverRequest{id: uint64(2 * i), r: in, site: "main.go:1"}
		serverSpanStart(sink, sr, in)
		out, _ := http.NewRequestWithContext(sr.span.handlerReq.Context(), "GET", "http://127.0.0.1:9090/b?token=x", nil)
		cr := &ClientRequest{id: uint64(2*i + 1), req: out, orig: out, site: "main.go:2"}
		cr.req = clientSpanStart(sink, cr, out)
		clientSpanFinish(cr, resp, nil, false)
		serverSpanEnd(sr, 200)
	}
}
