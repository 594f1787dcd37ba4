//go:build linux

package admin

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/frame"
)

// adminState is what a request to the admin socket may change: the probe
// levels, the emulated http2debug, GODEBUG, the key log and the
// overrides in force.
type adminState struct {
	Levels    map[string]int
	HTTP2     int
	Godebug   string
	KeyLog    string
	Overrides int
}

func stateOf(s *Server) adminState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return adminState{Levels: levels(), HTTP2: frame.HTTP2Debug(), Godebug: os.Getenv("GODEBUG"),
		KeyLog: s.keyLogPath, Overrides: len(s.overrides)}
}

// mayChange reports whether a request may change the state when it is
// answered 2xx: only PUT and DELETE on the endpoints that make changes.
func mayChange(method, path string) bool {
	switch path {
	case "/v1/probes", "/v1/godebug":
		return method == http.MethodPut
	case "/v1/keylog":
		return method == http.MethodPut || method == http.MethodDelete
	}
	return false
}

// FuzzAdmin sends the admin socket's handler requests made of a method, a
// request target (path and query), header lines and a body. Whatever they
// hold: no panic, no 5xx; an error answer (4xx) leaves the state as it
// was; and only a 2xx to PUT/DELETE on /v1/probes, /v1/godebug or
// /v1/keylog may change it (the change is then reverted, so every input
// starts from the same state). A request net/http itself cannot parse
// never reaches the handler (the server answers it 400): those inputs are
// skipped here and sent over the socket by TestAdminMalformedFlood.
//
// The seed corpus is testdata/fuzz/FuzzAdmin; .ci/run fuzzes for a
// bounded time.
func FuzzAdmin(f *testing.F) {
	for _, seed := range []struct {
		method, target, headers string
		body                    []byte
	}{
		{"GET", "/v1/status", "", nil},
		{"PUT", "/v1/probes", "Content-Type: application/json\r\n", []byte(`{"frame":2,"ttl":"1m"}`)},
		{"PUT", "/v1/probes", "", []byte(`{"frame":7}`)},
		{"PUT", "/v1/godebug", "", []byte(`{"set":{"http2debug":"2"},"ttl":"5m"}`)},
		{"PUT", "/v1/godebug", "", []byte(`{"set":{"netdns":"go"}}`)},
		{"DELETE", "/v1/keylog", "", nil},
		{"GET", "/v1/events?probe=frame&recent=3", "", nil},
		{"GET", "/v1/events?follow=1&event=frame.*", "", nil},
		{"POST", "/v1/probes", "", []byte(`{}`)},
		{"PUT", "/v1/probes", "Content-Length: 3\r\n", []byte(`{"a`)},
	} {
		f.Add(seed.method, seed.target, seed.headers, seed.body)
	}
	s := startFuzz(f)
	keyDir := f.TempDir()
	h := s.hs.Handler
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte) {
		raw := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: admin\r\n%s", method, target, headers)
		if !strings.HasSuffix(raw, "\n") {
			raw += "\r\n"
		}
		raw += fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body))
		req, err := http.ReadRequest(bufio.NewReader(io.MultiReader(strings.NewReader(raw), bytes.NewReader(body))))
		if err != nil {
			t.Skip("net/http answers it 400 before any handler")
		}
		if req.URL.Path == "/v1/keylog" && !keyFileUnder(body, keyDir) {
			t.Skip("a key log file outside the test's directory")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond) // ends a follow stream
		defer cancel()
		before := stateOf(s)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req.WithContext(ctx))
		after := stateOf(s)
		code := w.Code
		if code >= 500 {
			t.Fatalf("%s %s: %d %s", method, target, code, w.Body.String())
		}
		changed := !reflect.DeepEqual(before, after)
		if changed && (code >= 300 || !mayChange(req.Method, req.URL.Path)) {
			t.Fatalf("%s %s answered %d changed the state:\nbefore %+v\nafter  %+v", method, target, code, before, after)
		}
		if code >= 300 && code < 400 {
			t.Fatalf("%s %s: redirected (%d)", method, target, code)
		}
		if changed {
			s.mu.Lock()
			s.revertAllLocked()
			s.mu.Unlock()
			if got := stateOf(s); !reflect.DeepEqual(got, before) {
				t.Fatalf("revert left %+v, want %+v", got, before)
			}
		}
	})
}

// keyFileUnder says whether a key log request's file, as the handler will
// decode it, is under dir (or absent), so that fuzzing creates no file
// elsewhere.
func keyFileUnder(body []byte, dir string) bool {
	var req struct{ File string }
	if json.Unmarshal(body, &req) != nil {
		dec := json.NewDecoder(bytes.NewReader(body))
		if dec.Decode(&req) != nil {
			return true // malformed: refused before any file is opened
		}
	}
	return req.File == "" || !filepath.IsAbs(req.File) ||
		strings.HasPrefix(filepath.Clean(req.File), dir+string(filepath.Separator))
}

// startFuzz serves an admin socket for the fuzz target (the handler is
// called directly; the socket is there because Start makes it).
func startFuzz(f *testing.F) *Server {
	saved := probes.CurrentConfig()
	savedH2 := frame.HTTP2Debug()
	s, err := Start(Options{Path: filepath.Join(f.TempDir(), "admin.sock"), Budget: -1})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		s.Close()
		probes.Configure(saved)
		frame.SetHTTP2Debug(savedH2)
	})
	return s
}

// malformedRequests are raw requests net/http or the admin handler must
// refuse with a 4xx: bad request lines, bad headers, oversized heads and
// bodies, bad JSON and values, unknown endpoints and methods.
var malformedRequests = []string{
	"GARBAGE\r\n\r\n",
	"GET\r\n\r\n",
	"GET /v1/status HTTP/9.9\r\nHost: a\r\n\r\n",
	"GET /v1/status HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n",
	"GET /v1/status HTTP/1.1\r\nHost: a\r\n: empty-name\r\n\r\n",
	"GET /v1/status HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n",
	"GET /v1/status HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
	"GET /v1/status HTTP/1.1\r\n\r\n",
	"GET /v1/st\x00atus HTTP/1.1\r\nHost: a\r\n\r\n",
	"G\xffT /v1/status HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /v1/status HTTP/1.1\r\nHost: a\r\nX-Big: " + strings.Repeat("x", 16<<10) + "\r\n\r\n",
	"PUT /v1/probes HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n{\"fr",
	"PUT /v1/probes HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n{\"frame\":9}\n",
	"PUT /v1/probes HTTP/1.1\r\nHost: a\r\nContent-Length: 13\r\n\r\n{\"nosuch\":2}\n",
	"PUT /v1/probes HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}",
	"PUT /v1/probes HTTP/1.1\r\nHost: a\r\nContent-Length: 24\r\n\r\n{\"frame\":2,\"ttl\":\"99h\"}\n",
	"PUT /v1/probes HTTP/1.1\r\nHost: a\r\nContent-Length: 17\r\n\r\n{\"frame\":2}{\"x\":1}",
	"PUT /v1/probes HTTP/1.1\r\nHost: a\r\nContent-Length: 999999\r\n\r\n{",
	"PUT /v1/probes HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
	"PUT /v1/probes HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
	"PUT /v1/godebug HTTP/1.1\r\nHost: a\r\nContent-Length: 31\r\n\r\n{\"set\":{\"http2debug\":\"7\"}}\n    ",
	"PUT /v1/godebug HTTP/1.1\r\nHost: a\r\nContent-Length: 29\r\n\r\n{\"set\":{\"netdns\":\"go\"}}\n     ",
	"PUT /v1/godebug HTTP/1.1\r\nHost: a\r\nContent-Length: 30\r\n\r\n{\"set\":{\"x\":\"a,b=c\"}}\n        ",
	"PUT /v1/keylog HTTP/1.1\r\nHost: a\r\nContent-Length: 19\r\n\r\n{\"file\":\"relative\"}",
	"POST /v1/probes HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
	"DELETE /v1/status HTTP/1.1\r\nHost: a\r\n\r\n",
	"PATCH /v1/keylog HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /v1/events?probe=nosuch HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /v1/events?recent=-4 HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /nosuch HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /v1/%zz HTTP/1.1\r\nHost: a\r\n\r\n",
	"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", // a TLS ClientHello
	"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
}

// TestAdminMalformedFlood sends 1,500 malformed requests over the real
// socket, one connection each, as fast as it can. The server keeps at most
// MaxConns connections, and holds one it could not parse for a moment
// (net/http's close delay), so part of a flood is refused at accept
// (closed unanswered): that is the defence, not a failure. What must hold:
// each kind of request, sent when a connection is free, gets a 4xx (505
// for an unknown HTTP version: net/http's own answer, before any
// handler); nothing is ever answered 2xx, 3xx or another 5xx; the server
// answers a status request after each round; and the probe levels,
// http2debug, GODEBUG, the key log and the overrides are what they were.
func TestAdminMalformedFlood(t *testing.T) {
	s := start(t, Options{Budget: -1})
	before := stateOf(s)
	const total = 1500
	answered, refused := 0, 0
	for i := 0; i < total; i++ {
		raw := malformedRequests[i%len(malformedRequests)]
		code := sendRaw(t, s.Path(), raw)
		// The first round waits for a free connection, so that every
		// kind is seen by the server at least once.
		for try := 0; code == 0 && i < len(malformedRequests) && try < 300; try++ {
			time.Sleep(10 * time.Millisecond)
			code = sendRaw(t, s.Path(), raw)
		}
		switch {
		case code == 0 && i < len(malformedRequests):
			t.Fatalf("request %d %q: never answered", i, trim(raw))
		case code == 0:
			refused++
		case code >= 400 && code < 500 || code == http.StatusHTTPVersionNotSupported:
			answered++
		default:
			t.Fatalf("request %d %q: answered %d", i, trim(raw), code)
		}
		if i%len(malformedRequests) == len(malformedRequests)-1 {
			statusEventually(t, s, i+1)
		}
	}
	statusEventually(t, s, total)
	if got := stateOf(s); !reflect.DeepEqual(got, before) {
		t.Fatalf("after %d malformed requests the state is %+v, was %+v", total, got, before)
	}
	t.Logf("%d malformed requests: %d answered 4xx, %d refused at the connection limit", total, answered, refused)
}

// statusEventually checks that the server answers GET /v1/status within a
// bounded wait (connections held by the flood free up in under a second).
func statusEventually(t *testing.T, s *Server, after int) {
	t.Helper()
	for try := 0; try < 300; try++ {
		req, _ := http.NewRequest("GET", "http://admin/v1/status", nil)
		resp, err := client(s).Do(req)
		if err == nil {
			var m map[string]any
			err = json.NewDecoder(resp.Body).Decode(&m)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || m["probes"] == nil {
				t.Fatalf("after %d malformed requests: status %d %v %v", after, resp.StatusCode, m, err)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("after %d malformed requests the server does not answer", after)
}

func trim(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// sendRaw writes raw on a new connection, closes its write side and
// returns the status of the answer, 0 if the server closed the
// connection without one.
func sendRaw(t *testing.T, path, raw string) int {
	t.Helper()
	c, err := net.DialTimeout("unix", path, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		return 0 // the server refused and closed before reading it all
	}
	_ = c.(*net.UnixConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
