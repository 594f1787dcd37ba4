package otlp

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func testExporter(t *testing.T, url string) *Exporter {
	t.Helper()
	cfg := Config{TracesURL: url + "/v1/traces", LogsURL: url + "/v1/logs", Timeout: 5 * time.Second,
		Headers: [][2]string{{"Authorization", "Bearer t0k"}}, Resource: testRes}
	x := NewExporter(cfg, &http.Client{Transport: &http.Transport{}}, testScope)
	x.BatchDelay = time.Millisecond
	return x
}

// waitFor polls cond for up to 30 s (bounded: a broken exporter fails the
// test instead of hanging it).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 3000; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestExportSends(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		paths = append(paths, r.URL.Path+" "+r.Header.Get("Content-Type")+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		if _, _, items := decodeEnvelope(t, b); len(items) != 1 {
			t.Errorf("%s: %d items", r.URL.Path, len(items))
		}
	}))
	defer srv.Close()
	x := testExporter(t, srv.URL)
	x.Log(LogRecord{Body: "hello", SevNumber: SevInfo})
	x.Span(Span{Name: "GET", TraceID: [16]byte{1}, SpanID: [8]byte{1}})
	waitFor(t, "two records sent", func() bool { return x.Stats().Sent == 2 })
	mu.Lock()
	defer mu.Unlock()
	want := []string{"/v1/traces application/x-protobuf Bearer t0k", "/v1/logs application/x-protobuf Bearer t0k"}
	if strings.Join(paths, "|") != strings.Join(want, "|") {
		t.Fatalf("requests %q, want %q", paths, want)
	}
}

func TestExportRetryAfter(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
	}))
	defer srv.Close()
	x := testExporter(t, srv.URL)
	var waits []time.Duration
	x.sleep = func(d time.Duration) { waits = append(waits, d) } // the send goroutine's only
	x.Log(LogRecord{Body: "x"})
	waitFor(t, "the record sent", func() bool { return x.Stats().Sent == 1 })
	if len(waits) != 1 || waits[0] != 7*time.Second {
		t.Fatalf("waits %v, want [7s] (the Retry-After)", waits)
	}
	if st := x.Stats(); st.Retries != 1 || st.Dropped != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestExportRejectedIsDropped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad", http.StatusBadRequest)
	}))
	defer srv.Close()
	x := testExporter(t, srv.URL)
	var dropReports atomic.Uint64
	x.OnDrop = func(total uint64) { dropReports.Store(total) }
	x.Log(LogRecord{Body: "x"})
	x.Log(LogRecord{Body: "y"})
	waitFor(t, "the records dropped", func() bool { return x.Stats().Dropped == 2 && dropReports.Load() == 2 })
	if st := x.Stats(); st.Retries != 0 || !strings.Contains(st.LastErr, "400") {
		t.Fatalf("stats %+v", st)
	}
}

// An endpoint that accepts connections and never answers: the queue
// stays bounded, what does not fit is counted as dropped, and the callers
// never wait.
func TestExportNeverAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never read
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	x := testExporter(t, "http://"+ln.Addr().String())
	x.QueueSize, x.BatchSize = 100, 10
	const n = 1000
	for i := 0; i < n; i++ {
		x.Log(LogRecord{Body: "x"})
	}
	st := x.Stats()
	if st.Queued > x.QueueSize || st.Dropped < n-uint64(x.QueueSize)-uint64(x.BatchSize) {
		t.Fatalf("stats %+v: want at most %d queued and the rest dropped", st, x.QueueSize)
	}
	if st.Sent != 0 {
		t.Fatalf("stats %+v: nothing can have been sent", st)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT":      "http://collector:4318/",
		"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "https://logs.example/ingest",
		"OTEL_EXPORTER_OTLP_HEADERS":       "api-key=s%3Dcret, x-team = web",
		"OTEL_SERVICE_NAME":                "checkout",
		"OTEL_RESOURCE_ATTRIBUTES":         "service.name=ignored,deployment.environment.name=staging",
	}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.TracesURL != "http://collector:4318/v1/traces" || c.LogsURL != "https://logs.example/ingest" {
		t.Errorf("urls %q %q", c.TracesURL, c.LogsURL)
	}
	if len(c.Headers) != 2 || c.Headers[0] != [2]string{"api-key", "s=cret"} || c.Headers[1] != [2]string{"x-team", "web"} {
		t.Errorf("headers %q", c.Headers)
	}
	if c.Resource.Attrs[0] != Str("service.name", "checkout") || c.Resource.Attrs[1] != Str("deployment.environment.name", "staging") {
		t.Errorf("resource %+v", c.Resource.Attrs)
	}
	for _, bad := range []map[string]string{
		{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"},
		{"OTEL_EXPORTER_OTLP_HEADERS": "Authorization"},
		{"OTEL_EXPORTER_OTLP_CERTIFICATE": "/nonexistent.pem"},
		{"OTEL_EXPORTER_OTLP_TIMEOUT": "soon"},
	} {
		if _, err := ConfigFromEnv(func(k string) string { return bad[k] }); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
	// A header's value never appears in the error.
	_, err = ConfigFromEnv(func(k string) string {
		if k == "OTEL_EXPORTER_OTLP_HEADERS" {
			return "api-key=%zzsecret"
		}
		return ""
	})
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("error %v", err)
	}
}
