//go:build linux

package admin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/server"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/admin/api"
)

// Every endpoint of the table is served and documented, and the 404
// message names them all.
func TestEndpointsTable(t *testing.T) {
	doc, err := os.ReadFile("../../docs/ADMIN.md")
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, Options{})
	hs := s.handlers()
	for _, ep := range api.Endpoints {
		if hs[ep.Pattern] == nil {
			t.Errorf("%s: no handler for pattern %s", ep.Path, ep.Pattern)
		}
		for _, m := range strings.Split(ep.Methods, ", ") {
			if !strings.Contains(string(doc), "`"+m+" "+ep.Path) {
				t.Errorf("%s %s is not documented in docs/ADMIN.md", m, ep.Path)
			}
		}
	}
	if len(hs) != countPatterns() {
		t.Errorf("%d handlers for %d patterns: a handler no endpoint names", len(hs), countPatterns())
	}
	code, m := do(t, s, "GET", "/v1/nope", "")
	if code != 404 || !strings.Contains(m["error"].(string), "/v1/requests/ID/curl") {
		t.Errorf("404: %d %v", code, m)
	}
}

func countPatterns() int {
	seen := map[string]bool{}
	for _, ep := range api.Endpoints {
		seen[ep.Pattern] = true
	}
	return len(seen)
}

// A capture rule is set for a TTL, audited, and reverts by itself; bad
// rules and a read-only socket change nothing.
func TestCapture(t *testing.T) {
	probes.SetCaptureRule(nil)
	s := start(t, Options{})
	sub := probes.Subscribe(256)
	defer sub.Close()
	for _, bad := range []string{
		`{"rule":{"method":"POST","path":"/x/*","max_body":2000000}}`,
		`{"rule":{"method":"POST","path":"x/*","max_body":100}}`,
		`{"rule":{"method":"POST","path":"/[x","max_body":100}}`,
		`{"rule":{"path":"/x","max_body":100,"fields":[{"field":"a","mode":"mask:3"}]}}`,
		`{"rule":{"max_body":100}}`,
		`{"rule":"POST /x"}`,
		`{"rule":{"path":"/x","max_body":100},"ttl":"-1s"}`,
	} {
		if code, m := do(t, s, "PUT", "/v1/capture", bad); code != http.StatusBadRequest || m["error"] == "" {
			t.Errorf("%s: %d %v", bad, code, m)
		}
	}
	if probes.CurrentCaptureRule() != nil {
		t.Fatal("a bad rule changed the capture")
	}
	code, m := do(t, s, "PUT", "/v1/capture", `{"rule":{"method":"POST","path":"/orders/*","max_body":4096,"fields":[{"field":"card.number","mode":"mask:3-4"}]},"ttl":"300ms"}`)
	if code != 200 || probes.CurrentCaptureRule() == nil || probes.CurrentCaptureRule().Path != "/orders/*" {
		t.Fatalf("PUT capture: %d %v", code, m)
	}
	waitEvent(t, sub, "admin.change")
	if e := waitEvent(t, sub, "admin.expired"); !strings.Contains(e.Msg, "capture/rule") {
		t.Fatalf("expired: %v", e)
	}
	if probes.CurrentCaptureRule() != nil {
		t.Fatal("the capture outlived its TTL")
	}
	_, a := do(t, s, "GET", "/v1/audit", "")
	if a["verified"] != true || len(a["entries"].([]any)) != 2 {
		t.Fatalf("audit: %v", a)
	}

	ro := start(t, Options{ReadOnly: true})
	if code, _ := do(t, ro, "PUT", "/v1/capture", `{"rule":{"path":"/x","max_body":100}}`); code != http.StatusForbidden || probes.CurrentCaptureRule() != nil {
		t.Fatalf("ro PUT capture: %d", code)
	}
	if code, _ := do(t, ro, "GET", "/v1/capture", ""); code != 200 {
		t.Fatalf("ro GET capture: %d", code)
	}
}

// /v1/requests?follow=1 streams each exchange completed afterwards that
// passes the filter, and /v1/requests/ID and /curl find it.
func TestRequestsFollow(t *testing.T) {
	s := start(t, Options{})
	resp, err := client(s).Get("http://admin/v1/requests?follow=1&side=server&path=/follow/*")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("follow: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		server.ServeHTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(418) }), "srv.go:3", w, r)
	}))
	defer srv.Close()
	for _, p := range []string{"/other", "/follow/x"} {
		r, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
	}
	var x api.Exchange
	if err := json.NewDecoder(resp.Body).Decode(&x); err != nil {
		t.Fatal(err)
	}
	if x.Path != "/follow/x" || x.Status != 418 || x.Side != "server" || x.Site != "srv.go:3" {
		t.Fatalf("followed: %+v", x)
	}
	code, m := do(t, s, "GET", "/v1/requests/"+strconv.FormatUint(x.ID, 10), "")
	if code != 200 || m["path"] != "/follow/x" {
		t.Fatalf("GET one: %d %v", code, m)
	}
	if code, _ := do(t, s, "GET", "/v1/requests/999999999", ""); code != 404 {
		t.Fatalf("GET a missing one: %d", code)
	}
	if code, _ := do(t, s, "GET", "/v1/requests?status=abc", ""); code != 400 {
		t.Fatalf("bad filter: %d", code)
	}
}
