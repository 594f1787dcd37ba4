//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gohttpdbg/gohttpdbg/buildplan"
	"github.com/gohttpdbg/gohttpdbg/probes"
	probeclient "github.com/gohttpdbg/gohttpdbg/probes/client"
	"github.com/gohttpdbg/gohttpdbg/probes/server"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/admin"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/admin/api"
)

// startAdmin starts an in-process admin server for the test, with the
// probes' configuration restored and no sink while it runs.
func startAdmin(t *testing.T) *admin.Server {
	saved := probes.CurrentConfig()
	t.Cleanup(func() { probes.Configure(saved) })
	old := probes.SetSink(nil)
	t.Cleanup(func() { probes.SetSink(old) })
	s, err := admin.Start(admin.Options{Path: filepath.Join(t.TempDir(), "a.sock")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestCtlAgainstServer drives an in-process admin server with the CLI's
// client: changes, tables, and the audit chain check, which must agree
// with the server's hashing and catch tampering.
func TestCtlAgainstServer(t *testing.T) {
	s := startAdmin(t)
	probes.SetLevel(probes.Body, 0)
	c := newAdminClient(s.Path(), 30*time.Second)
	var out bytes.Buffer
	o := &ctlOpts{out: &out, ttl: "1h"}
	if err := ctlProbes(c, []string{"body=2"}, o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "probe/body: 0 -> 2") {
		t.Fatalf("probes: %s", out.String())
	}
	if err := ctlGodebug(c, []string{"netdns=go"}, o); err == nil || !strings.Contains(err.Error(), "restart with GODEBUG=netdns=go (409)") {
		t.Fatalf("netdns: %v", err)
	}
	out.Reset()
	o.ttl = ""
	if err := ctlStatus(c, nil, o); err != nil || !strings.Contains(out.String(), "probe/body\t") && !strings.Contains(out.String(), "probe/body ") {
		t.Fatalf("status: %v\n%s", err, out.String())
	}

	data, err := c.call("GET", "/v1/audit", nil)
	if err != nil {
		t.Fatal(err)
	}
	var res api.Audit
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 2 {
		t.Fatalf("%d audit entries", len(res.Entries))
	}
	if err := api.VerifyChain(res.Entries); err != nil {
		t.Fatalf("verify: %v", err)
	}
	res.Entries[0].TTL = "24h"
	if err := api.VerifyChain(res.Entries); err == nil {
		t.Fatal("tampered entry verified")
	}
	out.Reset()
	o.verify = true
	if err := ctlAudit(c, nil, o); err != nil || !strings.Contains(out.String(), "audit log chain OK: 2 entries from seq 1") {
		t.Fatalf("audit --verify: %v %s", err, out.String())
	}
}

func TestEventText(t *testing.T) {
	line := `{"ts":"2026-11-27T10:00:00.123456789Z","probe":"body","event":"body.leak","sev":"warn","site":"c.go:42","conn":3,"msg":"leaked","attrs":{"url":"GET http://x/","bytes":0}}`
	got := eventText([]byte(line))
	clock := time.Date(2026, 11, 27, 10, 0, 0, 123456789, time.UTC).Local().Format("15:04:05.000000")
	if want := clock + ` warn body.leak site=c.go:42 conn=3 leaked url="GET http://x/" bytes=0`; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// tail prints an event exactly as the text sink does, without its
// "gohttpdbg: " prefix: same time, same attributes in the same order, the
// ones the message says left out.
func TestEventTextMatchesSink(t *testing.T) {
	e := probes.Event{Time: time.Now().UnixNano(), Probe: probes.Frame, Sev: probes.Debug, Name: "frame.read",
		Conn: 7, HasStream: true, Stream: 0, Msg: "DATA flags=END_STREAM stream=1 len=14"}
	e.AddString(probes.KeySide, "client")
	e.AddString(probes.KeyType, "DATA")
	e.AddInt(probes.KeyLen, 14)
	e.AddBool(probes.KeyEOF, true)
	e.AddDuration(probes.KeyRTT, 1500*time.Microsecond)
	e.AddString(probes.KeyOf("z"), "a b")
	e.AddInt(probes.KeyOf("a"), 1)
	sink := strings.TrimSuffix(strings.Replace(string(probes.AppendText(nil, &e)), "gohttpdbg: ", "", 1), "\n")
	if got := eventText(probes.AppendJSON(nil, &e)); got != sink {
		t.Errorf("tail: %q\nsink: %q", got, sink)
	}
}

// ctl conns shows what ALPN and TLS negotiated for a connection the probes
// saw, here an HTTP/2 request over loopback TLS made in this process.
func TestCtlConnsProto(t *testing.T) {
	s := startAdmin(t)
	probes.SetLevel(probes.Dial, 1)

	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	server.Instrument(srv.Config, "ctl_test.go:1")
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	getFollowed(t, srv.Client(), srv.URL, "ctl_test.go:2")
	out := ctlConnsOutput(t, s)
	addr := regexp.QuoteMeta(srv.Listener.Addr().String())
	if !regexp.MustCompile(`(?m)^ID\s+SIDE\s+LOCAL\s+REMOTE\s+PROTO\s+TLS\s+STATE`).MatchString(out.String()) ||
		!regexp.MustCompile(`(?m)^\d+\s+server\s+`+addr+`\s+\S+\s+h2\s+TLS 1.3\s`).MatchString(out.String()) {
		t.Fatalf("ctl conns:\n%s", out.String())
	}
}

// ctl conns ends with the client's hosts: new connections, reuses and the
// reuse ratio per host and Transport (the churn of golang/go#13801 shows
// as a low REUSE with MAX_IDLE_PER_HOST at 2).
func TestCtlConnsHosts(t *testing.T) {
	s := startAdmin(t)
	probes.SetLevel(probes.Dial, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	probeclient.NoteTransport(tr, "hosts_test.go:7")
	client := &http.Client{Transport: tr}
	for i := 0; i < 4; i++ {
		getFollowed(t, client, srv.URL, "hosts_test.go:9")
	}
	out := ctlConnsOutput(t, s)
	host := regexp.QuoteMeta(srv.Listener.Addr().String())
	if !regexp.MustCompile(`(?m)^HOST\s+TRANSPORT\s+NEW\s+REUSED\s+REUSE\s+MAX_IDLE_PER_HOST$`).MatchString(out.String()) ||
		!regexp.MustCompile(`(?m)^`+host+`\s+hosts_test\.go:7\s+1\s+3\s+75%\s+2$`).MatchString(out.String()) {
		t.Fatalf("ctl conns:\n%s", out.String())
	}
}

// getFollowed makes a GET of url with client, followed by the probes as a
// call site's wrapper would, and reads and closes the response.
func getFollowed(t *testing.T, client *http.Client, url, site string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	cr := probeclient.Start(client, req, site)
	resp, err := client.Do(cr.Request())
	cr.Finish(resp, err)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// ctlConnsOutput runs ctl conns against s and returns its table.
func ctlConnsOutput(t *testing.T, s *admin.Server) *bytes.Buffer {
	t.Helper()
	var out bytes.Buffer
	if err := ctlConns(newAdminClient(s.Path(), 30*time.Second), nil, &ctlOpts{out: &out}); err != nil {
		t.Fatal(err)
	}
	return &out
}

// deadPID returns the pid of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	pid := cmd.Process.Pid
	if syscall.Kill(pid, 0) != syscall.ESRCH {
		t.Skipf("pid %d was reused already", pid)
	}
	return pid
}

// TestCtlNoSuchProcess: ctl and tail on a pid that no process has say so,
// rather than blame instrumentation or another user, and remove a socket
// that process left behind.
func TestCtlNoSuchProcess(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	pid := deadPID(t)
	code, _, stderr := runCLI("ctl", strconv.Itoa(pid), "status")
	if code != 1 || !strings.Contains(stderr, "no such process") || strings.Contains(stderr, "another user") {
		t.Errorf("ctl %d status: exit %d:\n%s", pid, code, stderr)
	}

	// A socket left by the dead process (killed by a signal: nothing
	// removed it).
	dir := filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), "gohttpdbg")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, strconv.Itoa(pid)+".sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	code, _, stderr = runCLI("tail", strconv.Itoa(pid))
	if code != 1 || !strings.Contains(stderr, "no such process") {
		t.Errorf("tail %d: exit %d:\n%s", pid, code, stderr)
	}
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("the dead process's socket is still there (%v)", err)
	}
}

// TestCtlConnsTable: a host with no request yet has no reuse ratio ("-",
// not 0%); a connection whose side or state the probes do not know shows
// "-"; with no connection, the message says the level in force and what
// the level changes.
func TestCtlConnsTable(t *testing.T) {
	var out bytes.Buffer
	var m api.Conns
	if err := json.Unmarshal([]byte(`{"conns":[{"id":7,"local":"127.0.0.1:1","remote":"127.0.0.1:2","in_state":"1s","requests":0}],
		"hosts":[{"host":"a:80","new_conns":0,"reused":0,"reuse":0,"max_idle_per_host":2},
		         {"host":"b:80","new_conns":1,"reused":3,"reuse":0.75,"max_idle_per_host":2}]}`), &m); err != nil {
		t.Fatal(err)
	}
	renderConns(&out, m, 1)
	lines := strings.Split(out.String(), "\n")
	if !regexp.MustCompile(`^7\s+-\s+127.0.0.1:1\s+127.0.0.1:2\s+-\s+-\s+-\s+1s\s+0$`).MatchString(lines[1]) {
		t.Errorf("conn row: %q", lines[1])
	}
	if !regexp.MustCompile(`(?m)^a:80\s+-\s+0\s+0\s+-\s+2$`).MatchString(out.String()) ||
		!regexp.MustCompile(`(?m)^b:80\s+-\s+1\s+3\s+75%\s+2$`).MatchString(out.String()) {
		t.Errorf("hosts:\n%s", out.String())
	}
	for _, tc := range []struct {
		level int
		want  string
	}{
		{1, "no open connection known to the probes (dial probe at level 1)"},
		{0, "the dial probe is off (level 0)"},
	} {
		out.Reset()
		renderConns(&out, api.Conns{}, tc.level)
		if !strings.Contains(out.String(), tc.want) || strings.Contains(out.String(), "at level 1 and above") {
			t.Errorf("dial=%d: %q, want %q", tc.level, out.String(), tc.want)
		}
	}
}

// ctl status renders the build stamp and the thresholds from /v1/status's
// named fields (runtimehooks.Status.MarshalJSON), not the raw stamp.
func TestCtlStatusBuild(t *testing.T) {
	saved := probes.CurrentConfig()
	t.Cleanup(func() { probes.Configure(saved) })
	cfg := probes.DefaultConfig()
	status := json.RawMessage(`{"build":{"tool":"v1.2","go":"go1.26.8","probes":"all=1","std_patch":["net/http","golang.org/x/net/http2"],"note":"x"},` +
		`"build_probes":"all=1","env":"","start":` + string(must(cfg.MarshalJSON())) + `,"out":"stderr","admin":"on","redact":"","started":"2026-11-27T10:00:00Z","errors":["GOHTTPDBG: bogus"]}`)
	// The JSON runtimehooks.Status renders, read strictly into the type
	// the server encodes.
	var sc api.StatusConfig
	dec := json.NewDecoder(bytes.NewReader(status))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sc); err != nil {
		t.Fatal(err)
	}
	s, err := admin.Start(admin.Options{Path: filepath.Join(t.TempDir(), "a.sock"), Status: func() api.StatusConfig { return sc }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var out bytes.Buffer
	if err := ctlStatus(newAdminClient(s.Path(), 30*time.Second), nil, &ctlOpts{out: &out}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"build: gohttpdbg v1.2, go1.26.8, probes all=1, std patch net/http, golang.org/x/net/http2\n",
		"thresholds: slow dns 100ms, connect 200ms, tls 300ms, ttfb 1s; gc delay 1ms; ring 4096 events\n",
		"config problem: GOHTTPDBG: bogus\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status lacks %q:\n%s", want, out.String())
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// The build stamp the rewriter writes (buildplan.Stamp) is what /v1/status's
// config.build decodes into (api.BuildStamp), field for field.
func TestBuildStampType(t *testing.T) {
	b, err := json.Marshal(buildplan.Stamp{Tool: "v1.2", Go: "go1.26.8", Probes: "all=1", StdPatch: []string{"net/http"}, Generated: "x"})
	if err != nil {
		t.Fatal(err)
	}
	var s api.BuildStamp
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		t.Fatal(err)
	}
	if again, _ := json.Marshal(s); !bytes.Equal(again, b) {
		t.Errorf("api.BuildStamp encodes %s, the stamp is %s", again, b)
	}
}
