package probes

import (
	"net/url"
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
			if n := testing.AllocsPerRun(100, func() { _ = RequestLine("GET", u) }); n != tc.allocs {
				t.Errorf("%s: %v allocations, want %v", tc.raw, n, tc.allocs)
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
