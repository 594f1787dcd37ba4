package probes

import (
	"net/url"
	"strconv"
	"testing"
)

// RequestLine renders every URL as the method and RedactURL do, in one
// allocation for a server's path and a client's scheme, host and path.
func TestRequestLine(t *testing.T) {
	for _, tc := range []struct {
		raw    string
		allocs float64 // -1: not checked
	}{
		{"/small", 1},
		{"/a%20b/c", 2}, // the escaped path is one,
		{"/caf%C3%A9", 2},
		{"http://127.0.0.1:8080/small", 1},
		{"https://example.com", 1},
		{"https://[::1]:443/x", -1},
		{"http://example.com/a b", 2},
		{"/small?q=1", -1},
		{"/small?token=secret", -1},
		{"http://user:pass@example.com/", -1},
		{"http://example.com/#frag", -1},
		{"http://example.com/x?", -1},
		{"*", -1},
		{"a:b/c", -1},
		{"relative/path", -1},
		{"/hooks/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", -1},
		{"https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", -1},
		{"//host/path", -1},
		{"mailto:someone@example.com", -1},
	} {
		u, err := url.Parse(tc.raw)
		if err != nil {
			t.Fatalf("%s: %v", tc.raw, err)
		}
		if got, want := RequestLine("GET", u), "GET "+RedactURL(u); got != want {
			t.Errorf("%s: RequestLine %q, want %q", tc.raw, got, want)
		}
		if tc.allocs >= 0 {
			cfg := redactCfg.Load()
			if n := testing.AllocsPerRun(100, func() { _ = renderPlainLine(cfg, "GET", u) }); n != tc.allocs {
				t.Errorf("%s: %v allocations, want %v", tc.raw, n, tc.allocs)
			}
			// Seen twice (above), the line comes from lineCache.
			if n := testing.AllocsPerRun(100, func() { _ = RequestLine("GET", u) }); n != 0 {
				t.Errorf("%s: %v allocations once cached, want 0", tc.raw, n)
			}
		}
	}
	// A path whose escaping differs from Path (RawPath kept).
	u := &url.URL{Path: "/a/b", RawPath: "/a%2Fb"}
	if got, want := RequestLine("GET", u), "GET "+RedactURL(u); got != want {
		t.Errorf("RawPath: %q, want %q", got, want)
	}
	if got := RequestLine("GET", nil); got != "GET " {
		t.Errorf("nil URL: %q", got)
	}
}

// A cached request line is the one the rules in force render: a rule
// added after the line was cached hides its segment, and lines whose
// hashes share a slot each get their own text.
func TestRequestLineCache(t *testing.T) {
	t.Cleanup(func() { _ = SetRedactRules("") })
	u := &url.URL{Path: "/hooks/abc123/run"}
	for i := 0; i < 3; i++ {
		if got := RequestLine("POST", u); got != "POST /hooks/abc123/run" {
			t.Fatalf("before the rule: %q", got)
		}
	}
	if err := SetRedactRules("path:/hooks/{token}/run"); err != nil {
		t.Fatal(err)
	}
	want := "POST " + RedactURL(u)
	if want == "POST /hooks/abc123/run" {
		t.Fatalf("the rule hides nothing: %q", want)
	}
	for i := 0; i < 3; i++ {
		if got := RequestLine("POST", u); got != want {
			t.Fatalf("after the rule: %q, want %q", got, want)
		}
	}
	// Every slot taken by one line, then each asked for by another of
	// the same hash slot: no line is ever another's.
	for i := 0; i < 4*lineCacheSize; i++ {
		for _, m := range []string{"GET", "PUT"} {
			p := &url.URL{Scheme: "http", Host: "h" + strconv.Itoa(i%3), Path: "/p/" + strconv.Itoa(i)}
			for k := 0; k < 2; k++ {
				if got, want := RequestLine(m, p), m+" "+RedactURL(p); got != want {
					t.Fatalf("%q, want %q", got, want)
				}
			}
		}
	}
}

// A program's client and server lines for one path (the client's with a
// scheme and host, the server's without) fall in different slots, else
// each would keep taking the other's and neither would be cached.
func TestRequestLineCacheSlots(t *testing.T) {
	for _, p := range []string{"/small", "/", "/api/v1/items", "/x"} {
		c := lineHash("GET", &url.URL{Scheme: "http", Host: "127.0.0.1:8080", Path: p}) % lineCacheSize
		s := lineHash("GET", &url.URL{Path: p}) % lineCacheSize
		if c == s {
			t.Errorf("%s: client and server lines share slot %d", p, c)
		}
	}
	u := &url.URL{Path: "/small"}
	c := &url.URL{Scheme: "http", Host: "127.0.0.1:8080", Path: "/small"}
	_, _, _, _ = RequestLine("GET", u), RequestLine("GET", c), RequestLine("GET", u), RequestLine("GET", c)
	if n := testing.AllocsPerRun(100, func() { _, _ = RequestLine("GET", u), RequestLine("GET", c) }); n != 0 {
		t.Errorf("a client's and a server's line, alternating: %v allocations, want 0", n)
	}
}

// A LineMemo renders what RequestLine does: for the line it keeps, for
// each of its parts changed (the same length, other bytes: a fresh
// string, not the kept one's), under a rule added after it kept one, and
// for URLs it does not keep.
func TestLineMemo(t *testing.T) {
	t.Cleanup(func() { _ = SetRedactRules("") })
	var m LineMemo
	check := func(what, method string, u *url.URL) {
		t.Helper()
		for i := 0; i < 3; i++ {
			if got, want := m.Line(method, u), method+" "+RedactURL(u); got != want {
				t.Fatalf("%s (%d): %q, want %q", what, i, got, want)
			}
		}
	}
	fresh := func(s string) string { return string([]byte(s)) }
	base := func() *url.URL {
		return &url.URL{Scheme: fresh("http"), Host: fresh("127.0.0.1:8080"), Path: fresh("/hooks/abc123/run")}
	}
	check("kept", "GET", base())
	if m.last.Load() == nil {
		t.Fatal("a line seen three times is not kept")
	}
	kept := base()
	if n := testing.AllocsPerRun(100, func() { _ = m.Line("GET", kept) }); n != 0 {
		t.Errorf("%v allocations with the line kept", n)
	}
	u := base()
	u.Path = fresh("/hooks/abc124/run")
	check("path", "GET", u)
	u = base()
	u.Host = fresh("127.0.0.1:8081")
	check("host", "GET", u)
	u = base()
	u.Scheme = fresh("htts")
	check("scheme", "GET", u)
	check("method", "PUT", base())
	u = base()
	u.RawPath = "/hooks/abc123%2Frun"
	check("raw path", "GET", u)
	check("server", "GET", &url.URL{Path: "/hooks/abc123/run"})
	check("query", "GET", &url.URL{Path: "/x", RawQuery: "token=secret"})
	check("kept again", "GET", base())
	if err := SetRedactRules("path:/hooks/{token}/run"); err != nil {
		t.Fatal(err)
	}
	check("after the rule", "GET", base())
	if got := m.Line("GET", base()); got == "GET http://127.0.0.1:8080/hooks/abc123/run" {
		t.Errorf("the rule hides nothing: %q", got)
	}
}
