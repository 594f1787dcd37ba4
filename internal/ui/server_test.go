package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAdmin is an admin socket that records the changes it gets and
// streams n exchanges on /v1/requests?follow=1.
type fakeAdmin struct {
	sock string
	hs   *http.Server
	mu   sync.Mutex
	puts []string
	n    int // exchanges followed
}

func newFakeAdmin(t *testing.T, n int) *fakeAdmin {
	dir, err := os.MkdirTemp("", "ui") // short: a unix socket path is at most 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	f := &fakeAdmin{sock: filepath.Join(dir, "1.sock"), n: n}
	ln, err := net.Listen("unix", f.sock)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"pid":1,"program":"fake","mode":"on","probes":{"frame":1}}`)
	})
	mux.HandleFunc("GET /v1/probes", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"probes":{"frame":1},"overrides":[]}`)
	})
	mux.HandleFunc("PUT /v1/probes", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.puts = append(f.puts, string(b))
		f.mu.Unlock()
		io.WriteString(w, `{"audit":1}`)
	})
	mux.HandleFunc("GET /v1/requests", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("follow") == "" {
			io.WriteString(w, `{"requests":[]}`)
			return
		}
		bw := bufio.NewWriter(w)
		for i := 1; i <= f.n; i++ {
			fmt.Fprintf(bw, `{"id":%d,"side":"client","site":"main.go:1"}`+"\n", i)
		}
		bw.Flush()
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("GET /v1/events", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("follow") != "" {
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}
	})
	mux.HandleFunc("GET /v1/conns", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"conns":[],"hosts":[]}`) })
	mux.HandleFunc("GET /v1/streams", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"conns":[]}`) })
	f.hs = &http.Server{Handler: mux}
	go f.hs.Serve(ln)
	t.Cleanup(func() { f.hs.Close() })
	return f
}

func (f *fakeAdmin) changes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.puts...)
}

// newTestServer serves the page for the fake admin socket on loopback.
func newTestServer(t *testing.T, f *fakeAdmin) (*Server, *httptest.Server) {
	ts := httptest.NewUnstartedServer(nil)
	s, err := New(Config{Procs: func() []Proc { return []Proc{{PID: 1, Program: "fake", Socket: f.sock, Mode: "on"}} }, Target: "fake"},
		ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = s.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	return s, ts
}

type call struct {
	method, path string
	host, origin string
	cookie       string // the token cookie's value, "" for none
	csrf         string
	body         string
}

func do(t *testing.T, ts *httptest.Server, c call) (int, string) {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, ts.URL+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if c.host != "" {
		req.Host = c.host
	}
	if c.origin != "" {
		req.Header.Set("Origin", c.origin)
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: cookieName, Value: c.cookie})
	}
	if c.csrf != "" {
		req.Header.Set(csrfHeader, c.csrf)
	}
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRefused: every request must come with the token, to this server's
// own address, from its own page; a change also with the CSRF token. The
// accepted calls next to each refusal show the refusal is the check's.
func TestRefused(t *testing.T) {
	f := newFakeAdmin(t, 0)
	s, ts := newTestServer(t, f)
	tok := s.Token()
	own := ts.Listener.Addr().String()
	put := `{"frame":2,"ttl":"1m"}`
	for _, tc := range []struct {
		name string
		c    call
		want int
	}{
		{"token", call{method: "GET", path: "/api/procs", cookie: tok}, 200},
		{"no token", call{method: "GET", path: "/api/procs"}, 401},
		{"no token, page", call{method: "GET", path: "/"}, 401},
		{"wrong token", call{method: "GET", path: "/api/procs", cookie: tok + "0"}, 403},
		{"wrong token in the URL", call{method: "GET", path: "/?token=" + strings.Repeat("0", 32)}, 403},
		{"own Host by name", call{method: "GET", path: "/api/procs", cookie: tok, host: strings.Replace(own, "127.0.0.1", "localhost", 1)}, 200},
		{"foreign Host", call{method: "GET", path: "/api/procs", cookie: tok, host: "evil.example:" + strings.Split(own, ":")[1]}, 421},
		{"foreign Host, same address another port", call{method: "GET", path: "/api/procs", cookie: tok, host: "127.0.0.1:1"}, 421},
		{"own Origin", call{method: "GET", path: "/api/procs", cookie: tok, origin: "http://" + own}, 200},
		{"foreign Origin", call{method: "GET", path: "/api/procs", cookie: tok, origin: "http://evil.example"}, 403},
		{"foreign Origin, change", call{method: "PUT", path: "/api/admin/v1/probes", cookie: tok, csrf: s.cfg.CSRF, origin: "https://evil.example", body: put}, 403},
		{"change without CSRF", call{method: "PUT", path: "/api/admin/v1/probes", cookie: tok, body: put}, 403},
		{"change with a wrong CSRF", call{method: "PUT", path: "/api/admin/v1/probes", cookie: tok, csrf: tok, body: put}, 403},
		{"change as a GET", call{method: "GET", path: "/api/admin/v1/probes?frame=2", cookie: tok}, 200}, // a read: the admin's GET changes nothing
		{"a path the page does not use", call{method: "PUT", path: "/api/admin/v1/keylog", cookie: tok, csrf: s.cfg.CSRF, body: `{"file":"/tmp/k"}`}, 403},
	} {
		got, body := do(t, ts, tc.c)
		if got != tc.want {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, got, tc.want, strings.TrimSpace(body))
		}
	}
	if ch := f.changes(); len(ch) != 0 {
		t.Fatalf("refused changes reached the admin socket: %q", ch)
	}
	// The same change with the CSRF token goes through, once.
	if got, body := do(t, ts, call{method: "PUT", path: "/api/admin/v1/probes", cookie: tok, csrf: s.cfg.CSRF, origin: "http://" + own, body: put}); got != 200 {
		t.Fatalf("change with the CSRF token: %d %s", got, body)
	}
	if ch := f.changes(); len(ch) != 1 || ch[0] != put {
		t.Fatalf("admin socket got %q, want one %s", ch, put)
	}
}

// TestTokenInURL: the URL's token becomes an HttpOnly, SameSite=Strict
// cookie and leaves the address; the page carries the CSRF token in a meta
// tag and no inline script, under a CSP that allows only its own script.
func TestTokenInURL(t *testing.T) {
	s, ts := newTestServer(t, newFakeAdmin(t, 0))
	req, _ := http.NewRequest("GET", ts.URL+"/?token="+s.Token()+"&t=1", nil)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/?t=1" {
		t.Fatalf("got %d Location %q, want 303 to /?t=1", resp.StatusCode, resp.Header.Get("Location"))
	}
	sc := resp.Header.Get("Set-Cookie")
	for _, want := range []string{cookieName + "=" + s.Token(), "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %s", sc, want)
		}
	}
	code, page := do(t, ts, call{method: "GET", path: "/", cookie: s.Token()})
	if code != 200 || !strings.Contains(page, `<meta name="csrf" content="`+s.cfg.CSRF+`">`) {
		t.Fatalf("page (%d) lacks the CSRF meta tag:\n%s", code, page)
	}
	if regexp.MustCompile(`<script(?:\s[^>]*)?>[^<\s]`).MatchString(page) || !strings.Contains(page, `<script src="/static/app.js"`) {
		t.Error("the page has inline script")
	}
	for _, p := range []string{"/", "/static/app.js", "/api/procs"} {
		r2, _ := http.NewRequest("GET", ts.URL+p, nil)
		r2.AddCookie(&http.Cookie{Name: cookieName, Value: s.Token()})
		resp, err := http.DefaultClient.Do(r2)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP %q", p, csp)
		}
	}
}

// TestLiveSamples: a process completing exchanges faster than the page
// can draw is relayed in bounded batches, the rest counted as skipped.
func TestLiveSamples(t *testing.T) {
	const n = 5000
	s, ts := newTestServer(t, newFakeAdmin(t, n))
	sc, stop := openLive(t, s, ts.URL, 20*time.Second)
	defer stop()
	var got, skipped int
	event := ""
	for sc.Scan() && got+skipped < n {
		line := sc.Text()
		if e, ok := strings.CutPrefix(line, "event: "); ok {
			event = e
			continue
		}
		d, ok := strings.CutPrefix(line, "data: ")
		if !ok || event != "exchanges" {
			continue
		}
		var m struct {
			Records []json.RawMessage `json:"records"`
			Skipped int               `json:"skipped"`
		}
		if err := json.Unmarshal([]byte(d), &m); err != nil {
			t.Fatal(err)
		}
		if len(m.Records) > maxPerFlush {
			t.Fatalf("a batch of %d exchanges, more than %d", len(m.Records), maxPerFlush)
		}
		got += len(m.Records)
		skipped += m.Skipped
	}
	if got+skipped != n || skipped == 0 || got == 0 {
		t.Fatalf("relayed %d and skipped %d of %d exchanges; want all accounted for, some skipped", got, skipped, n)
	}
}

// TestLiveFollowsRestart: the page's stream says when the process is
// lost and attaches to the program again when it comes back with another
// pid.
func TestLiveFollowsRestart(t *testing.T) {
	var mu sync.Mutex
	var procs []Proc
	setProcs := func(p ...Proc) { mu.Lock(); procs = p; mu.Unlock() }
	first := newFakeAdmin(t, 1)
	setProcs(Proc{PID: 1, Program: "fake", Socket: first.sock})
	ts := httptest.NewUnstartedServer(nil)
	s, err := New(Config{Procs: func() []Proc { mu.Lock(); defer mu.Unlock(); return procs }, Target: "fake"}, ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = s.Handler()
	ts.Start()
	defer ts.Close()
	sc, stop := openLive(t, s, ts.URL, 30*time.Second)
	defer stop()
	next := func(want string) stateMsg {
		t.Helper()
		event := ""
		for sc.Scan() {
			line := sc.Text()
			if e, ok := strings.CutPrefix(line, "event: "); ok {
				event = e
			} else if d, ok := strings.CutPrefix(line, "data: "); ok && event == "state" {
				var m stateMsg
				json.Unmarshal([]byte(d), &m)
				if m.State == want {
					return m
				}
			}
		}
		t.Fatalf("the stream ended before state %s: %v", want, sc.Err())
		return stateMsg{}
	}
	if m := next("attached"); m.PID != 1 {
		t.Fatalf("attached to %+v, want pid 1", m)
	}
	first.hs.Close() // the process exits
	setProcs()
	if m := next("lost"); m.PID != 1 {
		t.Fatalf("lost %+v, want pid 1", m)
	}
	next("waiting")
	second := newFakeAdmin(t, 1)
	setProcs(Proc{PID: 2, Program: "fake", Socket: second.sock})
	if m := next("attached"); m.PID != 2 {
		t.Fatalf("attached to %+v, want pid 2 (the restarted program)", m)
	}
}

// TestResolve: a page without a target shows the one process, or asks
// for a pick among several; a program name finds its process.
func TestResolve(t *testing.T) {
	procs := []Proc{{PID: 10, Program: "a", Socket: "/s/10.sock"}, {PID: 11, Program: "b", Socket: "/s/11.sock"}}
	s, err := New(Config{Procs: func() []Proc { return procs }}, "127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.resolve(""); err == nil || !strings.Contains(err.Error(), "2 instrumented processes run: pick one") {
		t.Errorf("no target among two: %v", err)
	}
	for target, want := range map[string]int{"a": 10, "11": 11, "/s/10.sock": 10} {
		if p, err := s.resolve(target); err != nil || p.PID != want {
			t.Errorf("resolve(%q) = %d, %v; want %d", target, p.PID, err, want)
		}
	}
	if _, err := s.resolve("c"); err == nil {
		t.Error("resolve(c) found a process")
	}
	if _, err := New(Config{Procs: func() []Proc { return nil }}, "0.0.0.0:1"); err == nil {
		t.Error("New took a non-loopback address")
	}
}

// openLive opens the page's event stream as the page does (the session
// cookie) and returns a scanner over it and the function that closes it
// (deferred before the test server's Close, which waits for the stream).
func openLive(t *testing.T, s *Server, base string, d time.Duration) (*bufio.Scanner, func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/live", nil)
	req.AddCookie(&http.Cookie{Name: cookieName, Value: s.Token()})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 16<<20)
	return sc, func() { resp.Body.Close(); cancel() }
}
