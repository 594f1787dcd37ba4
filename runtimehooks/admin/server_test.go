//go:build linux

package admin

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/frame"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/admin/api"
)

// start serves an admin socket in a fresh directory for one test and
// restores the probes' levels afterwards.
func start(t *testing.T, opt Options) *Server {
	t.Helper()
	if opt.Path == "" {
		opt.Path = filepath.Join(t.TempDir(), "admin.sock")
	}
	saved := probes.CurrentConfig()
	s, err := Start(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		probes.Configure(saved)
	})
	return s
}

func client(s *Server) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{DisableKeepAlives: true, DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", s.Path())
		}},
	}
}

// do sends a request and decodes the JSON answer.
func do(t *testing.T, s *Server, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, "http://admin"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client(s).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var m map[string]any
	data, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %q", method, path, resp.StatusCode, data)
	}
	return resp.StatusCode, m
}

func TestStatus(t *testing.T) {
	s := start(t, Options{Status: func() api.StatusConfig { return api.StatusConfig{Env: "cfg"} }})
	code, m := do(t, s, "GET", "/v1/status", "")
	cfg, _ := m["config"].(map[string]any)
	if code != 200 || int(m["pid"].(float64)) != os.Getpid() || cfg["env"] != "cfg" || m["mode"] != "on" {
		t.Fatalf("status: %d %v", code, m)
	}
	fi, err := os.Stat(s.Path())
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket mode: %v %v", fi.Mode(), err)
	}
	code, _ = do(t, s, "GET", "/v1/nope", "")
	if code != 404 {
		t.Fatalf("unknown endpoint: %d", code)
	}
	code, _ = do(t, s, "POST", "/v1/status", "")
	if code != 405 {
		t.Fatalf("POST status: %d", code)
	}
}

func TestDefaultPathAndRemoval(t *testing.T) {
	rt := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", rt)
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(rt, "gohttpdbg", fmt.Sprintf("%d.sock", os.Getpid()))
	if s.Path() != want {
		t.Fatalf("path %s, want %s", s.Path(), want)
	}
	fi, err := os.Lstat(filepath.Dir(want))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("dir: %v %v", fi.Mode(), err)
	}
	// A stale socket of a dead process is cleaned up by the next start.
	s.Close()
	if _, err := os.Lstat(want); !os.IsNotExist(err) {
		t.Fatalf("socket not removed on Close: %v", err)
	}
}

func TestUnsafeDirRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to chown a directory to another uid")
	}
	for _, tc := range []struct {
		name string
		prep func(dir string) error
		want string
	}{
		{"other owner", func(dir string) error { return os.Chown(dir, 65534, 65534) }, "owned by uid 65534"},
		{"group readable", func(dir string) error { return os.Chmod(dir, 0o750) }, "want 0700"},
		{"symlink", func(dir string) error {
			os.Remove(dir)
			return os.Symlink(t.TempDir(), dir)
		}, "is a symlink"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := t.TempDir()
			dir := filepath.Join(rt, "gohttpdbg")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := tc.prep(dir); err != nil {
				t.Fatal(err)
			}
			t.Setenv("XDG_RUNTIME_DIR", rt)
			s, err := Start(Options{})
			if err == nil {
				s.Close()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want %q", err, tc.want)
			}
			if _, err := os.Lstat(DefaultPath(os.Getpid())); err == nil {
				t.Fatal("a socket was created")
			}
		})
	}
}

// TestPeerRefused connects as uid 65534 (setpriv + curl): the server
// refuses the connection before any HTTP and audits the refusal.
func TestPeerRefused(t *testing.T) {
	setpriv, err1 := exec.LookPath("setpriv")
	curl, err2 := exec.LookPath("curl")
	if os.Getuid() != 0 || err1 != nil || err2 != nil {
		t.Skip("needs root, setpriv and curl")
	}
	dir, err := os.MkdirTemp("", "admintest")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	s := start(t, Options{Path: filepath.Join(dir, "a.sock")})
	// Open the directory and the socket to everyone, so that only the
	// peer-credential check stands between uid 65534 and the server.
	os.Chmod(dir, 0o711)
	os.Chmod(s.Path(), 0o666)
	out, err := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
		curl, "-sS", "--max-time", "20", "--unix-socket", s.Path(), "http://x/v1/status").CombinedOutput()
	if err == nil || strings.Contains(string(out), `"pid"`) {
		t.Fatalf("uid 65534 got an answer: %v %s", err, out)
	}
	code, m := do(t, s, "GET", "/v1/audit", "")
	if code != 200 {
		t.Fatal(code)
	}
	found := false
	for _, e := range m["entries"].([]any) {
		e := e.(map[string]any)
		if e["action"] == "refused" && e["peer"].(map[string]any)["uid"].(float64) == 65534 {
			found = true
		}
	}
	if !found {
		t.Fatalf("refusal not audited: %v", m["entries"])
	}
}

func TestReadOnly(t *testing.T) {
	s := start(t, Options{ReadOnly: true})
	code, m := do(t, s, "PUT", "/v1/probes", `{"frame":2}`)
	if code != 403 || !strings.Contains(m["error"].(string), "read-only") {
		t.Fatalf("PUT in ro: %d %v", code, m)
	}
	if code, _ := do(t, s, "GET", "/v1/probes", ""); code != 200 {
		t.Fatalf("GET in ro: %d", code)
	}
	_, a := do(t, s, "GET", "/v1/audit", "")
	if n := len(a["entries"].([]any)); n != 1 {
		t.Fatalf("audit entries %d, want the refusal", n)
	}
}

func TestBadInput(t *testing.T) {
	s := start(t, Options{ReadHeaderTimeout: time.Second, ReadTimeout: 2 * time.Second})
	for _, tc := range []struct {
		path, body string
		code       int
		want       string
	}{
		{"/v1/probes", `{"frame":`, 400, "malformed JSON"},
		{"/v1/probes", `{"frame":2}{}`, 400, "more than one value"},
		{"/v1/probes", `{"framez":2}`, 400, "unknown probe"},
		{"/v1/probes", `{"frame":3}`, 400, "level must be"},
		{"/v1/probes", `{"frame":2,"ttl":"25h"}`, 400, "over the maximum"},
		{"/v1/probes", `{"frame":2,"ttl":"-1s"}`, 400, "must be positive"},
		{"/v1/probes", `{"frame":2,"ttl":5}`, 400, "want a Go duration"},
		{"/v1/godebug", `{"set":{"nosuchkey":"1"}}`, 400, "unknown GODEBUG key"},
		{"/v1/godebug", `{"set":{"urlmaxqueryparams":"1,2"}}`, 400, "bad value"},
		{"/v1/godebug", `{"set":{"http2debug":"3"}}`, 400, "want 0, 1 or 2"},
		{"/v1/keylog", `{"file":"rel.log"}`, 400, "absolute path"},
		{"/v1/events?probe=nope", ``, 400, "unknown probe"},
	} {
		method := "PUT"
		if strings.HasPrefix(tc.path, "/v1/events") {
			method = "GET"
		}
		code, m := do(t, s, method, tc.path, tc.body)
		if code != tc.code || !strings.Contains(fmt.Sprint(m["error"]), tc.want) {
			t.Errorf("%s %s: %d %v, want %d %q", tc.path, tc.body, code, m["error"], tc.code, tc.want)
		}
	}
	if _, m := do(t, s, "PUT", "/v1/godebug", `{"set":{"nosuchkey":"1"}}`); len(m["known"].([]any)) < 10 {
		t.Errorf("unknown key: no list of known keys: %v", m)
	}

	// A 10 MiB body: 413, or the connection is cut before it was all sent.
	big := `{"frame":2,"x":"` + strings.Repeat("a", 10<<20) + `"}`
	req, _ := http.NewRequest("PUT", "http://admin/v1/probes", strings.NewReader(big))
	resp, err := client(s).Do(req)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != 413 {
			t.Errorf("10 MiB body: %d", resp.StatusCode)
		}
	}
	// Streamed without Content-Length: the limit applies while reading.
	req, _ = http.NewRequest("PUT", "http://admin/v1/probes", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	resp, err = client(s).Do(req)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != 413 {
			t.Errorf("10 MiB chunked body: %d", resp.StatusCode)
		}
	}

	// A client sending one byte a second is cut off by the header
	// timeout; the server keeps serving others meanwhile.
	c, err := net.Dial("unix", s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cut := make(chan error, 1)
	go func() {
		for _, b := range []byte("GET /v1/status HTTP/1.1\r\nHost: x\r\n") {
			if _, err := c.Write([]byte{b}); err != nil {
				cut <- err
				return
			}
			time.Sleep(time.Second)
		}
		cut <- nil
	}()
	if code, _ := do(t, s, "GET", "/v1/status", ""); code != 200 {
		t.Errorf("status during a slow client: %d", code)
	}
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	n, err := c.Read(make([]byte, 512))
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("slow client was not cut off (read %d bytes)", n)
	}
	if code, _ := do(t, s, "GET", "/v1/status", ""); code != 200 {
		t.Errorf("status after a slow client: %d", code)
	}
	for lvl := probes.Level(probes.Frame); lvl == 2; {
		t.Fatal("a refused request changed the frame level")
	}
}

func waitEvent(t *testing.T, sub *probes.Subscription, name string) probes.Event {
	t.Helper()
	timeout := time.After(30 * time.Second) // created once: other events do not reset it
	for {
		select {
		case e := <-sub.C():
			if e.Name == name {
				return e
			}
		case <-timeout:
			t.Fatalf("no %s event", name)
		}
	}
}

func TestChangeAndExpiry(t *testing.T) {
	s := start(t, Options{})
	probes.SetLevel(probes.Frame, 0)
	sub := probes.Subscribe(256)
	defer sub.Close()
	code, m := do(t, s, "PUT", "/v1/probes", `{"frame":2,"ttl":"300ms"}`)
	if code != 200 || probes.Level(probes.Frame) != 2 {
		t.Fatalf("PUT probes: %d %v level %d", code, m, probes.Level(probes.Frame))
	}
	if m["before"].(map[string]any)["probe/frame"] != "0" {
		t.Fatalf("before: %v", m["before"])
	}
	waitEvent(t, sub, "admin.change")
	e := waitEvent(t, sub, "admin.expired")
	if a, _ := e.Attr("key"); a.Str != "probe/frame" {
		t.Fatalf("expired %v", e)
	}
	if l := probes.Level(probes.Frame); l != 0 {
		t.Fatalf("frame level %d after expiry, want 0", l)
	}
	_, st := do(t, s, "GET", "/v1/status", "")
	if len(st["overrides"].([]any)) != 0 {
		t.Fatalf("overrides left: %v", st["overrides"])
	}
	_, a := do(t, s, "GET", "/v1/audit", "")
	if a["verified"] != true || len(a["entries"].([]any)) != 2 {
		t.Fatalf("audit: %v", a)
	}
}

// TestOverlappingChanges: a second change keeps the first's baseline.
func TestOverlappingChanges(t *testing.T) {
	s := start(t, Options{})
	probes.SetLevel(probes.Body, 0)
	do(t, s, "PUT", "/v1/probes", `{"body":2,"ttl":"1h"}`)
	do(t, s, "PUT", "/v1/probes", `{"body":1,"ttl":"1h"}`)
	s.mu.Lock()
	o := *s.overrides["probe/body"]
	s.mu.Unlock()
	if o.Before != "0" || o.Value != "1" {
		t.Fatalf("override %+v", o)
	}
	// Setting the baseline again drops the override.
	do(t, s, "PUT", "/v1/probes", `{"body":0}`)
	s.mu.Lock()
	n := len(s.overrides)
	s.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d overrides left", n)
	}
}

func TestGodebugDynamic(t *testing.T) {
	s := start(t, Options{})
	os.Setenv("GODEBUG", "")
	q := "a=1&b=2&c=3"
	if _, err := url.ParseQuery(q); err != nil {
		t.Fatal(err)
	}
	code, m := do(t, s, "PUT", "/v1/godebug", `{"set":{"urlmaxqueryparams":"3"},"ttl":"300ms"}`)
	if code != 200 {
		t.Fatalf("%d %v", code, m)
	}
	if _, err := url.ParseQuery(q); err == nil {
		t.Fatal("urlmaxqueryparams=3 did not take effect")
	}
	if os.Getenv("GODEBUG") != "urlmaxqueryparams=3" {
		t.Fatalf("GODEBUG=%q", os.Getenv("GODEBUG"))
	}
	sub := probes.Subscribe(64)
	defer sub.Close()
	waitEvent(t, sub, "admin.expired")
	if _, err := url.ParseQuery(q); err != nil {
		t.Fatalf("after expiry: %v (GODEBUG=%q)", err, os.Getenv("GODEBUG"))
	}
	if os.Getenv("GODEBUG") != "" {
		t.Fatalf("GODEBUG=%q after expiry", os.Getenv("GODEBUG"))
	}
}

func TestGodebugStartOnly(t *testing.T) {
	s := start(t, Options{})
	code, m := do(t, s, "PUT", "/v1/godebug", `{"set":{"netdns":"go"}}`)
	if code != 409 || m["restart"] != "GODEBUG=netdns=go" || !strings.Contains(m["error"].(string), "restart with GODEBUG=netdns=go") {
		t.Fatalf("netdns: %d %v", code, m)
	}
	if v, _ := godebugGet("netdns"); v != "" {
		t.Fatal("netdns was set")
	}
	for _, k := range []string{"httpmuxgo121", "gctrace"} {
		if c := godebugKeys()[k].Class; c != classStartOnly {
			t.Errorf("%s: class %q", k, c)
		}
	}
	for _, k := range []string{"urlmaxqueryparams", "httplaxcontentlength", "panicnil", "http2client"} {
		if c := godebugKeys()[k].Class; c != classDynamic {
			t.Errorf("%s: class %q", k, c)
		}
	}
}

func TestGodebugOwnKeys(t *testing.T) {
	s := start(t, Options{})
	defer frame.SetHTTP2Debug(frame.SetHTTP2Debug(0))
	code, m := do(t, s, "PUT", "/v1/godebug", `{"set":{"http2debug":"2","httpdebug":"2","httptrace":"1"},"ttl":"1h"}`)
	if code != 200 {
		t.Fatalf("%d %v", code, m)
	}
	if frame.HTTP2Debug() != 2 || probes.Level(probes.Header) != 2 || probes.Level(probes.Body) != 2 ||
		probes.Level(probes.Dial) != 1 || probes.Level(probes.GC) != 1 {
		t.Fatalf("levels %v http2debug %d", levels(), frame.HTTP2Debug())
	}
	_, g := do(t, s, "GET", "/v1/godebug", "")
	found := false
	for _, k := range g["keys"].([]any) {
		k := k.(map[string]any)
		if k["name"] == "http2debug" && k["class"] == classOwn && k["value"] == "2" {
			found = true
		}
	}
	if !found {
		t.Fatalf("http2debug not listed: %v", g["keys"])
	}
	s.Close() // reverts
	if frame.HTTP2Debug() != 0 {
		t.Fatalf("http2debug %d after Close", frame.HTTP2Debug())
	}
}

func TestEvents(t *testing.T) {
	s := start(t, Options{})
	emit := func(name string) {
		e := probes.Event{Probe: probes.Body, Sev: probes.Warn, Name: name, Msg: "test"}
		probes.Emit(&e)
	}
	emit("body.leak")
	emit("body.unread")
	resp, err := client(s).Get("http://admin/v1/events?event=body.leak")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(data), `"event":"body.leak"`) || strings.Contains(string(data), "body.unread") {
		t.Fatalf("events: %s", data)
	}

	resp, err = client(s).Get("http://admin/v1/events?follow=1&probe=body&event=body.*")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// The stream may start after this Emit; keep emitting until a line
	// arrives.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l := <-lines:
			if !strings.Contains(l, `"event":"body.early_close"`) {
				t.Fatalf("streamed %s", l)
			}
			return
		case <-tick.C:
			emit("body.early_close")
		case <-timeout:
			t.Fatal("no streamed event")
		}
	}
}

func TestAuditChain(t *testing.T) {
	mirror := filepath.Join(t.TempDir(), "audit.jsonl")
	s := start(t, Options{AuditFile: mirror})
	do(t, s, "PUT", "/v1/probes", `{"dial":2,"ttl":"1h"}`)
	do(t, s, "PUT", "/v1/probes", `{"dial":1,"ttl":"1h"}`)
	entries := s.audit.list()
	if len(entries) != 2 || VerifyChain(entries) != nil {
		t.Fatalf("chain: %v", VerifyChain(entries))
	}
	// The canonical form survives a client's generic decoding.
	var generic []map[string]any
	b, _ := json.Marshal(entries)
	json.Unmarshal(b, &generic)
	for i, g := range generic {
		prev, hash := g["prev"].(string), g["hash"].(string)
		g["hash"] = ""
		c, _ := json.Marshal(g)
		if hashEntry(prev, c) != hash {
			t.Fatalf("entry %d: generic hash differs", i)
		}
	}
	tampered := append([]Entry(nil), entries...)
	tampered[0].After = map[string]string{"probe/dial": "0"}
	if VerifyChain(tampered) == nil {
		t.Fatal("tampering not detected")
	}
	data, err := os.ReadFile(mirror)
	if err != nil || strings.Count(string(data), "\n") != 2 {
		t.Fatalf("mirror: %v %q", err, data)
	}
}

// A burst shorter than the breaker's window, which no event follows,
// trips it too: it samples after the ring writer's drains, and the
// window's events over the budget trip the probe before the window ends.
func TestBreakerShortBurst(t *testing.T) {
	s := start(t, Options{Budget: 1000})
	do(t, s, "PUT", "/v1/probes", `{"frame":2,"ttl":"1h"}`)
	time.Sleep(100 * time.Millisecond) // the breaker's fresh window (s.kick) opens before the burst
	// 2000 events: 8000/s over 250 ms.
	for i := 0; i < 2000; i++ {
		e := probes.Event{Probe: probes.Frame, Sev: probes.Debug, Name: "frame.read"}
		probes.Emit(&e)
	}
	deadline := time.Now().Add(30 * time.Second)
	for probes.Level(probes.Frame) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("breaker did not trip on a burst")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestBreaker(t *testing.T) {
	s := start(t, Options{Budget: 1000})
	do(t, s, "PUT", "/v1/probes", `{"frame":2,"ttl":"1h"}`)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			for i := 0; i < 1000; i++ {
				e := probes.Event{Probe: probes.Frame, Sev: probes.Debug, Name: "frame.read"}
				probes.Emit(&e)
			}
			time.Sleep(time.Millisecond)
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for probes.Level(probes.Frame) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("breaker did not trip")
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.mu.Lock()
	v := s.overrides["probe/frame"].Value
	s.mu.Unlock()
	if v != "1" {
		t.Fatalf("override value %q", v)
	}
	found := false
	for _, e := range s.audit.list() {
		found = found || e.Action == "breaker"
	}
	if !found {
		t.Fatal("breaker not audited")
	}
}

func TestKeyLog(t *testing.T) {
	s := start(t, Options{})
	file := filepath.Join(t.TempDir(), "keys.log")
	code, m := do(t, s, "PUT", "/v1/keylog", `{"file":"`+file+`","ttl":"1h"}`)
	if code != 200 || !probes.KeyLogActive() {
		t.Fatalf("%d %v", code, m)
	}
	fmt.Fprintf(probes.KeyLog(), "CLIENT_RANDOM 00 11\n")
	code, _ = do(t, s, "DELETE", "/v1/keylog", "")
	if code != 200 || probes.KeyLogActive() {
		t.Fatalf("DELETE: %d active=%v", code, probes.KeyLogActive())
	}
	fmt.Fprintf(probes.KeyLog(), "CLIENT_RANDOM 22 33\n")
	data, _ := os.ReadFile(file)
	if string(data) != "CLIENT_RANDOM 00 11\n" {
		t.Fatalf("key log %q", data)
	}
}

func TestBodiesConns(t *testing.T) {
	s := start(t, Options{})
	code, m := do(t, s, "GET", "/v1/bodies", "")
	if code != 200 || m["bodies"] == nil {
		t.Fatalf("%d %v", code, m)
	}
	code, m = do(t, s, "GET", "/v1/conns", "")
	if code != 200 || m["conns"] == nil {
		t.Fatalf("%d %v", code, m)
	}
	// The admin socket's own connections are runtime connections.
	c, err := net.Dial("unix", s.Path())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	for _, ci := range probes.Conns() {
		if strings.Contains(ci.Local, s.Path()) {
			t.Fatalf("admin conn in the registry: %+v", ci)
		}
	}
}

func TestTooManyConns(t *testing.T) {
	s := start(t, Options{MaxConns: 1})
	hold, err := net.Dial("unix", s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	c, err := net.Dial("unix", s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("second connection: %v, want EOF", err)
	}
	hold.Close()
	found := false
	for _, e := range s.audit.list() {
		found = found || strings.Contains(e.Result, "too many admin connections")
	}
	if !found {
		t.Fatal("refusal not audited")
	}
}

func TestNoopChange(t *testing.T) {
	s := start(t, Options{})
	probes.SetLevel(probes.Dial, 1)
	do(t, s, "PUT", "/v1/probes", `{"dial":1}`)
	do(t, s, "DELETE", "/v1/keylog", "")
	s.mu.Lock()
	n := len(s.overrides)
	s.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d overrides for no-op changes", n)
	}
}
