//go:build linux

package admin

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/gohttpdbg/gohttpdbg/probes"
	probeclient "github.com/gohttpdbg/gohttpdbg/probes/client"
	"github.com/gohttpdbg/gohttpdbg/probes/frame"
	"github.com/gohttpdbg/gohttpdbg/probes/server"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/admin/api"
)

// Every answer of the admin socket decodes into its api type with no
// field left over, and encodes back to the very bytes the handler sent:
// the api types are the wire format. A field the server adds outside the
// type fails here, as does a type that renames, drops or reorders one.
func TestAnswersRoundTrip(t *testing.T) {
	cfg := probes.DefaultConfig()
	status := api.StatusConfig{Build: &api.BuildStamp{Tool: "v1.2", Go: "go1.26.8", Probes: "all=1", StdPatch: []string{"net/http"}, Note: "x"},
		BuildProbes: "all=1", Start: api.NewStartConfig(cfg), Out: "stderr", Admin: "on", Started: "2026-11-27T10:00:00Z", Errors: []string{"GOHTTPDBG: bogus"}}
	s := start(t, Options{Status: func() api.StatusConfig { return status }})
	for p := probes.Probe(0); p < probes.NumProbes; p++ {
		probes.SetLevel(p, 1) // start's cleanup restores the levels
	}
	flow := traffic(t)
	defer runtime.KeepAlive(flow)

	type answer struct {
		method, path, body string
		code               int
		v                  any
		full               func() bool // the lists whose element types the answer must exercise
	}
	var (
		change  api.Change
		st      api.Status
		pr      api.Probes
		gd      api.Godebug
		bodies  api.Bodies
		conns   api.Conns
		streams api.Streams
		kl      api.KeyLog
	)
	for _, a := range []answer{
		{"PUT", "/v1/probes", `{"frame":2,"ttl":"1h"}`, 200, &change, func() bool { return len(change.Overrides) > 0 && len(change.After) > 0 }},
		{"PUT", "/v1/godebug", `{"set":{"urlmaxqueryparams":"3"},"ttl":"1h"}`, 200, &api.Change{}, nil},
		{"DELETE", "/v1/keylog", "", 200, &api.Change{}, nil},
		{"GET", "/v1/status", "", 200, &st, func() bool { return st.Config != nil && len(st.Overrides) > 0 }},
		{"GET", "/v1/probes", "", 200, &pr, func() bool { return len(pr.Overrides) > 0 }},
		{"GET", "/v1/godebug", "", 200, &gd, func() bool { return len(gd.Keys) > 0 && len(gd.Overrides) > 0 }},
		{"GET", "/v1/bodies", "", 200, &bodies, func() bool { return len(bodies.Bodies) > 0 }},
		{"GET", "/v1/conns", "", 200, &conns, func() bool { return len(conns.Conns) > 0 && len(conns.Hosts) > 0 }},
		{"GET", "/v1/streams", "", 200, &streams, func() bool { return len(streams.Conns) > 0 && len(streams.Conns[0].Streams) > 0 }},
		{"GET", "/v1/keylog", "", 200, &kl, nil},
		{"GET", "/v1/audit", "", 200, &api.Audit{}, nil},
		{"GET", "/v1/requests", "", 200, &api.Requests{}, nil},
		{"GET", "/v1/capture", "", 200, &api.Capture{}, nil},
		{"GET", "/v1/nope", "", 404, &api.Error{}, nil},
		{"PUT", "/v1/probes", `{"nosuch":1}`, 400, &api.Error{}, nil},
		{"GET", "/v1/events?probe=nosuch", "", 400, &api.Error{}, nil},
		{"PUT", "/v1/godebug", `{"set":{"nosuchkey":"1"}}`, 400, &api.Error{}, nil},
		{"PUT", "/v1/godebug", `{"set":{"netdns":"go"}}`, 409, &api.Error{}, nil},
	} {
		req, _ := http.NewRequest(a.method, "http://admin"+a.path, strings.NewReader(a.body))
		resp, err := client(s).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != a.code {
			t.Errorf("%s %s: %d, want %d: %s", a.method, a.path, resp.StatusCode, a.code, raw)
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(a.v); err != nil {
			t.Errorf("%s %s: %v in\n%s", a.method, a.path, err, raw)
			continue
		}
		again, _ := json.MarshalIndent(a.v, "", "  ")
		if again = append(again, '\n'); !bytes.Equal(again, raw) {
			t.Errorf("%s %s: %T encodes\n%s\nnot as the server sent\n%s", a.method, a.path, a.v, again, raw)
		}
		if a.full != nil && !a.full() {
			t.Errorf("%s %s: a list is empty, so its elements went unchecked:\n%s", a.method, a.path, raw)
		}
	}
	var e api.Error
	for _, a := range []struct {
		path, body string
		ok         func() bool
	}{
		{"/v1/probes", `{"nosuch":1}`, func() bool { return len(e.Probes) > 0 }},
		{"/v1/godebug", `{"set":{"nosuchkey":"1"}}`, func() bool { return len(e.Known) > 0 }},
		{"/v1/godebug", `{"set":{"netdns":"go"}}`, func() bool { return e.Restart == "GODEBUG=netdns=go" }},
	} {
		e = api.Error{}
		_, m := do(t, s, "PUT", a.path, a.body)
		b, _ := json.Marshal(m)
		if json.Unmarshal(b, &e) != nil || !a.ok() {
			t.Errorf("PUT %s %s: %s lacks its extra field", a.path, a.body, b)
		}
	}
}

// traffic leaves what /v1/conns, /v1/bodies and /v1/streams list: a
// client and a server connection, a host, an open response body, and an
// HTTP/2 connection with an open stream (its frames fed to the frame
// probe's hooks, as the patched net/http would). The caller keeps the
// returned flow alive.
func traffic(t *testing.T) any {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	}))
	server.Instrument(srv.Config, "api_test.go:1")
	srv.Start()
	t.Cleanup(srv.Close)
	c := srv.Client()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	cr := probeclient.Start(c, req, "api_test.go:2")
	resp, err := c.Do(cr.Request())
	cr.Finish(resp, err)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() }) // open until then: /v1/bodies lists it

	flow := frame.NewFramer(strings.NewReader(""))
	// HEADERS on stream 1, END_HEADERS, no END_STREAM: the stream stays open.
	frame.Write(flow, []byte{0, 0, 1, 0x1, 0x4, 0, 0, 0, 1, 0x82}, nil)
	t.Cleanup(func() { frame.Done(flow) })
	return flow
}
