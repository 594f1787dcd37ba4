package otelcol

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// The end-to-end tests build, once: gohttpdbg (from this repository), the
// Collector (./collector: cached by the Go build cache like any build),
// and the programs under apps/ with gohttpdbg build. They run on
// loopback only.

var (
	buildOnce sync.Once
	buildErr  error
	binDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func build(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a Collector and instrumented programs")
	}
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "otelcol-e2e-")
		if buildErr != nil {
			return
		}
		wd, _ := os.Getwd()
		repo := filepath.Join(wd, "..", "..")
		steps := []struct {
			dir  string
			args []string
		}{
			{repo, []string{"go", "build", "-o", filepath.Join(binDir, "gohttpdbg"), "./cmd/gohttpdbg"}},
			{wd, []string{"go", "build", "-o", filepath.Join(binDir, "collector"), "./collector"}},
			{filepath.Join(wd, "apps"), []string{filepath.Join(binDir, "gohttpdbg"), "build", "-o", filepath.Join(binDir, "chain"), "./chain"}},
			{filepath.Join(wd, "apps"), []string{filepath.Join(binDir, "gohttpdbg"), "build", "-o", filepath.Join(binDir, "otelapp"), "./otelapp"}},
		}
		for _, s := range steps {
			cmd := exec.Command(s.args[0], s.args[1:]...)
			cmd.Dir = s.dir
			cmd.Env = append(os.Environ(), "GOHTTPDBG_CACHE="+filepath.Join(binDir, "cache"))
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("%v: %v\n%s", s.args, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// collector runs the Collector, receiving OTLP/HTTP on addr and writing
// what it receives to out.
type collector struct {
	t    *testing.T
	addr string
	out  string
	cmd  *exec.Cmd
}

func startCollector(t *testing.T, addr, out string) *collector {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	yaml := fmt.Sprintf(`receivers:
  otlp:
    protocols:
      http:
        endpoint: %s
exporters:
  jsonfile:
    path: %s
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jsonfile]
    logs:
      receivers: [otlp]
      exporters: [jsonfile]
`, addr, out)
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &collector{t: t, addr: addr, out: out}
	c.cmd = exec.Command(filepath.Join(binDir, "collector"), "--config", "file:"+cfg)
	log, _ := os.Create(filepath.Join(t.TempDir(), "collector.log"))
	c.cmd.Stdout, c.cmd.Stderr = log, log
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.stop)
	waitFor(t, "the Collector to listen on "+addr, func() bool {
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			conn.Close()
		}
		return err == nil
	})
	return c
}

func (c *collector) stop() {
	if c.cmd.ProcessState == nil {
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait()
	}
}

// program runs an instrumented program with the otlp sink beside stderr.
type program struct {
	pid    int
	front  string
	stderr *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startProgram(t *testing.T, name, collectorAddr string, env ...string) *program {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, name))
	cmd.Env = append(os.Environ(), "GOHTTPDBG_OUT=stderr,otlp", "GOHTTPDBG_ADMIN=off",
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://"+collectorAddr, "OTEL_SERVICE_NAME="+name,
		"OTEL_RESOURCE_ATTRIBUTES=deployment.environment.name=e2e")
	cmd.Env = append(cmd.Env, env...) // later values win
	p := &program{stderr: &syncBuffer{}}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	p.pid = cmd.Process.Pid
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "FRONT ") {
		t.Fatalf("%s printed %q (%v); stderr:\n%s", name, line, err, p.stderr)
	}
	p.front = strings.TrimSpace(strings.TrimPrefix(line, "FRONT "))
	return p
}

// get sends a request to the program's front server with a traceparent
// (when tp is not "") and returns the answer's body; the request must
// succeed with 200.
func (p *program) get(t *testing.T, path, tp string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", p.front+path, nil)
	if tp != "" {
		req.Header.Set("traceparent", tp)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %s", path, resp.Status, b)
	}
	return string(b)
}

// waitFor polls cond for up to 60 s: a bound, not a timing under test.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 600; i++ {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// received is what the Collector wrote: every span and log record.
type received struct {
	raw   []byte
	spans []ptrace.Span
	res   []pcommon.Resource // each span's resource
	logs  []plog.LogRecord
}

func readReceived(t *testing.T, path string) received {
	t.Helper()
	var r received
	b, err := os.ReadFile(path)
	if err != nil {
		return r
	}
	r.raw = b
	for _, line := range strings.Split(string(b), "\n") {
		kind, js, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		switch kind {
		case "traces":
			td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces([]byte(js))
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < td.ResourceSpans().Len(); i++ {
				rs := td.ResourceSpans().At(i)
				for j := 0; j < rs.ScopeSpans().Len(); j++ {
					ss := rs.ScopeSpans().At(j).Spans()
					for k := 0; k < ss.Len(); k++ {
						r.spans = append(r.spans, ss.At(k))
						r.res = append(r.res, rs.Resource())
					}
				}
			}
		case "logs":
			ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs([]byte(js))
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < ld.ResourceLogs().Len(); i++ {
				rl := ld.ResourceLogs().At(i)
				for j := 0; j < rl.ScopeLogs().Len(); j++ {
					lr := rl.ScopeLogs().At(j).LogRecords()
					for k := 0; k < lr.Len(); k++ {
						r.logs = append(r.logs, lr.At(k))
					}
				}
			}
		}
	}
	return r
}

func (r received) inTrace(trace string) []ptrace.Span {
	var out []ptrace.Span
	for _, s := range r.spans {
		if s.TraceID().String() == trace {
			out = append(out, s)
		}
	}
	return out
}

func attr(m pcommon.Map, k string) string {
	v, ok := m.Get(k)
	if !ok {
		return "<none>"
	}
	return v.AsString()
}

func newTraceparent(trace, parent string) string { return "00-" + trace + "-" + parent + "-01" }

// leakLine is the line of chain's leaky request.
func leakLine(t *testing.T) int {
	b, err := os.ReadFile(filepath.Join("apps", "chain", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, "// the leak's line") {
			return i + 1
		}
	}
	t.Fatal("no leak line in chain")
	return 0
}

// A request that enters with a traceparent makes one trace: the front
// server's span continues it, the request its handler makes is that
// span's child and carries the trace to the back server, whose span is
// the client span's child; semantic-convention attributes are set; the
// body.leak is a log record naming the user's line and its request's
// span; no secret reaches the Collector.
func TestE2ESpansAndLogs(t *testing.T) {
	build(t)
	addr, out := freePort(t), filepath.Join(t.TempDir(), "received.jsonl")
	startCollector(t, addr, out)
	p := startProgram(t, "chain", addr)

	const trace, parent = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	body := p.get(t, "/work", newTraceparent(trace, parent))
	if strings.Count(body, "00-"+trace+"-") != 1 {
		t.Fatalf("the back server received traceparents %s; want one, in trace %s", body, trace)
	}
	p.get(t, "/leak", "")
	p.get(t, "/gc", "")

	var r received
	waitFor(t, "three spans of the trace and the body.leak record", func() bool {
		r = readReceived(t, out)
		if len(r.inTrace(trace)) < 3 {
			return false
		}
		for _, l := range r.logs {
			if l.EventName() == "body.leak" {
				return true
			}
		}
		return false
	})

	var frontSrv, client, backSrv *ptrace.Span
	spans := r.inTrace(trace)
	for i := range spans {
		s := &spans[i]
		switch {
		case s.Kind() == ptrace.SpanKindServer && attr(s.Attributes(), "url.path") == "/work":
			frontSrv = s
		case s.Kind() == ptrace.SpanKindClient:
			client = s
		case s.Kind() == ptrace.SpanKindServer && attr(s.Attributes(), "url.path") == "/data":
			backSrv = s
		}
	}
	if frontSrv == nil || client == nil || backSrv == nil {
		t.Fatalf("spans of trace %s: %d, want the front server's, the client's and the back server's", trace, len(spans))
	}
	if frontSrv.ParentSpanID().String() != parent {
		t.Errorf("front server span's parent %s, want the incoming %s", frontSrv.ParentSpanID(), parent)
	}
	if client.ParentSpanID() != frontSrv.SpanID() {
		t.Errorf("client span's parent %s, want the front server span %s", client.ParentSpanID(), frontSrv.SpanID())
	}
	if backSrv.ParentSpanID() != client.SpanID() {
		t.Errorf("back server span's parent %s, want the client span %s", backSrv.ParentSpanID(), client.SpanID())
	}
	for _, c := range []struct {
		s    *ptrace.Span
		k, v string
	}{
		{frontSrv, "http.request.method", "GET"},
		{frontSrv, "http.response.status_code", "200"},
		{frontSrv, "network.protocol.version", "1.1"},
		{frontSrv, "server.address", "127.0.0.1"},
		{client, "http.request.method", "GET"},
		{client, "http.response.status_code", "200"},
		{client, "server.address", "127.0.0.1"},
		{client, "network.protocol.version", "1.1"},
		{client, "gohttpdbg.reused", "false"},
	} {
		if got := attr(c.s.Attributes(), c.k); got != c.v {
			t.Errorf("%s span %s = %s, want %s", c.s.Kind(), c.k, got, c.v)
		}
	}
	if u := attr(client.Attributes(), "url.full"); !strings.Contains(u, "/data?token=") || strings.Contains(u, "s3cret") {
		t.Errorf("client url.full %q: want the URL, its token redacted", u)
	}
	if port := attr(client.Attributes(), "server.port"); port == "<none>" || port == "0" {
		t.Errorf("client server.port %s", port)
	}
	if site := attr(client.Attributes(), "gohttpdbg.site"); !strings.HasPrefix(site, "chain/main.go:") {
		t.Errorf("client gohttpdbg.site %q", site)
	}
	if sn := attr(r.res[0].Attributes(), "service.name"); sn != "chain" {
		t.Errorf("service.name %q", sn)
	}
	if env := attr(r.res[0].Attributes(), "deployment.environment.name"); env != "e2e" {
		t.Errorf("deployment.environment.name %q", env)
	}

	var leak *plog.LogRecord
	for i := range r.logs {
		if r.logs[i].EventName() == "body.leak" {
			leak = &r.logs[i]
		}
	}
	want := fmt.Sprint(leakLine(t))
	if fp, ln := attr(leak.Attributes(), "code.filepath"), attr(leak.Attributes(), "code.lineno"); fp != "chain/main.go" || ln != want {
		t.Errorf("body.leak at %s:%s, want chain/main.go:%s", fp, ln, want)
	}
	if leak.SeverityText() != "warn" || leak.SeverityNumber() != plog.SeverityNumberWarn || !strings.Contains(leak.Body().Str(), "without Close") {
		t.Errorf("body.leak: %s %s %q", leak.SeverityText(), leak.SeverityNumber(), leak.Body().Str())
	}
	var leakSpan *ptrace.Span
	for i := range r.spans {
		if r.spans[i].SpanID() == leak.SpanID() && r.spans[i].TraceID() == leak.TraceID() {
			leakSpan = &r.spans[i]
		}
	}
	if leak.SpanID().IsEmpty() || leakSpan == nil || leakSpan.Kind() != ptrace.SpanKindClient {
		t.Errorf("body.leak's span %s: want the leaked request's client span", leak.SpanID())
	}
	if bytes.Contains(r.raw, []byte("s3cret")) {
		t.Errorf("a secret reached the Collector")
	}
}

// The Collector killed mid-run: the program keeps answering, the records
// it cannot send are dropped and counted (admin.dropped), and once a
// Collector listens again export resumes.
func TestE2ECollectorRestart(t *testing.T) {
	build(t)
	addr, out := freePort(t), filepath.Join(t.TempDir(), "received.jsonl")
	c := startCollector(t, addr, out)
	p := startProgram(t, "chain", addr)
	const trace1 = "11111111111111111111111111111111"
	p.get(t, "/work", newTraceparent(trace1, "1111111111111111"))
	waitFor(t, "the first trace", func() bool { return len(readReceived(t, out).inTrace(trace1)) >= 3 })

	t.Log("first trace received; stopping the Collector")
	c.stop()
	// Three spans a request: more than the exporter's queue holds.
	for i := 0; i < 1000; i++ {
		p.get(t, "/work", "")
	}
	waitFor(t, "admin.dropped for the otlp sink", func() bool {
		return strings.Contains(p.stderr.String(), "admin.dropped") && strings.Contains(p.stderr.String(), "sink=otlp")
	})

	t.Log("drops reported; restarting the Collector")
	startCollector(t, addr, out)
	const trace2 = "22222222222222222222222222222222"
	p.get(t, "/work", newTraceparent(trace2, "2222222222222222"))
	waitFor(t, "export to resume", func() bool { return len(readReceived(t, out).inTrace(trace2)) >= 3 })
}

// A program instrumented with the OpenTelemetry SDK (otelhttp on its
// server and client) keeps one trace: the back server receives one
// traceparent, the program's own, and gohttpdbg's spans join the
// program's trace under the program's spans instead of starting another.
func TestE2EDefersToOtelHTTP(t *testing.T) {
	build(t)
	addr, out := freePort(t), filepath.Join(t.TempDir(), "received.jsonl")
	startCollector(t, addr, out)
	p := startProgram(t, "otelapp", addr)
	const trace, parent = "5bf92f3577b34da6a3ce929d0e0e4736", "10f067aa0ba902b7"
	body := p.get(t, "/", newTraceparent(trace, parent))
	fields := strings.Fields(strings.Trim(body, "[]"))
	if len(fields) != 1 || !strings.HasPrefix(fields[0], "00-"+trace+"-") {
		t.Fatalf("the back server received %s; want one traceparent, in trace %s", body, trace)
	}
	programSpan := strings.Split(fields[0], "-")[2] // otelhttp's client span

	var r received
	waitFor(t, "gohttpdbg's three spans", func() bool {
		r = readReceived(t, out)
		return len(r.inTrace(trace)) >= 3
	})
	if len(r.inTrace(trace)) != len(r.spans) {
		t.Errorf("%d spans, %d in the program's trace: want every span in it", len(r.spans), len(r.inTrace(trace)))
	}
	for _, s := range r.spans {
		if s.Kind() == ptrace.SpanKindClient && s.ParentSpanID().String() != programSpan {
			t.Errorf("gohttpdbg's client span has parent %s, want the program's client span %s", s.ParentSpanID(), programSpan)
		}
		if s.Kind() == ptrace.SpanKindServer && attr(s.Attributes(), "url.path") == "/data" && s.ParentSpanID().String() != programSpan {
			t.Errorf("the back server span has parent %s, want the program's client span %s", s.ParentSpanID(), programSpan)
		}
	}
}

// An endpoint that accepts connections and never answers: the program
// keeps answering, and its exporter's queue stays bounded, the rest
// counted as dropped (read from /v1/status through gohttpdbg ctl).
func TestE2EEndpointNeverAnswers(t *testing.T) {
	build(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var conns []net.Conn
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
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}()
	run := t.TempDir()
	p := startProgram(t, "chain", ln.Addr().String(), "GOHTTPDBG_ADMIN=on", "XDG_RUNTIME_DIR="+run)
	for i := 0; i < 2000; i++ {
		p.get(t, "/work", "")
	}
	cmd := exec.Command(filepath.Join(binDir, "gohttpdbg"), "ctl", fmt.Sprint(p.pid), "status", "--json")
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+run)
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ctl status: %v\n%s", err, b)
	}
	var st struct {
		OTLP *struct {
			Queued  int    `json:"queued"`
			Sent    uint64 `json:"sent"`
			Dropped uint64 `json:"dropped"`
		} `json:"otlp"`
	}
	if err := json.Unmarshal(b, &st); err != nil || st.OTLP == nil {
		t.Fatalf("status %s: %v", b, err)
	}
	// 6000 spans were made; the queues hold 2048 spans and 2048 records.
	if o := st.OTLP; o.Queued > 4096 || o.Dropped == 0 || o.Sent != 0 {
		t.Fatalf("otlp status %+v: want a bounded queue, drops counted, nothing sent", *o)
	}
}

// A Collector that answers 503 with Retry-After: the exporter waits at
// least that long before it sends the batch again (a lower bound, which
// no slowness of the machine can break).
func TestE2ERetryAfter(t *testing.T) {
	build(t)
	var mu sync.Mutex
	var times []time.Time
	fake := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.URL.Path != "/v1/traces" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		times = append(times, time.Now())
		if len(times) == 1 {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go fake.Serve(ln)
	defer fake.Close()
	p := startProgram(t, "chain", ln.Addr().String())
	p.get(t, "/work", "")
	waitFor(t, "the traces sent again", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(times) >= 2
	})
	mu.Lock()
	defer mu.Unlock()
	if gap := times[1].Sub(times[0]); gap < 2*time.Second {
		t.Fatalf("sent again after %v, before the Retry-After of 2s", gap)
	}
}
