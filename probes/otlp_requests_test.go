package probes_test

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

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/client"
	"github.com/gohttpdbg/gohttpdbg/probes/server"
)

// These tests follow real requests through the client and server probes
// (packages probes/client and probes/server) into what package probes
// keeps of them: the OTLP spans.

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
	cfg := probes.DefaultConfig()
	probes.Configure(cfg)
	env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": coll.URL, "OTEL_SERVICE_NAME": "otlp-test"}
	s, err := probes.OpenOTLPSink(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	old := probes.SetSink(s)
	t.Cleanup(func() { probes.Flush(); probes.SetSink(old); probes.StopOTLP() })
	return func() [][]byte {
		probes.FlushOTLP(5 * time.Second)
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
			cr := client.Start(nil, req, "front.go:2")
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
		server.ServeHTTP(front, "front.go:1", w, r)
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
