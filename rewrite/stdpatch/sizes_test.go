package stdpatch

import (
	"encoding/json"
	"os/exec"
	"testing"
)

// The fields the patch appends to net/http's structs are paid by every
// request of an instrumented program, probes on or off (level 0); the
// allocator rounds each object up to its size class (runtime's
// sizeclasses.go: …, 64, 80, 96, 112, 128, 144, …, 384, 416, 448, 480,
// 512, 576, …), so a few bytes can cost a whole class more per request.
// sizeChecks are the structs allocated per request or stream with the
// bytes the patch adds to each: exact, so that a field added or widened
// (an interface in place of a pointer) fails here and is weighed, not
// found later in a benchmark's B/op.
var sizeChecks = []struct {
	name string
	grow uintptr // bytes the patch adds on amd64
	// sameClass: the patched struct must stay in the plain one's size
	// class (the fields fit in what the class rounds up anyway).
	sameClass bool
	why       string
}{
	// 64 bytes without the patch, exactly a class: any field costs a class.
	// Three pointers, two ids and the use word (48) take it to 112, where
	// interfaces took it to 144.
	{"bodyEOFSignal", 48, false, "one per HTTP/1 client response"},
	// 72 bytes in the 80 class: room for one pointer, not an interface.
	{"transportRequest", 8, true, "one per client request attempt"},
	// 304 bytes in the 320 class on Go 1.26 and Go 1.27: the call site's
	// mark and the server request's follower (capture.go) are two
	// pointers of the padding.
	{"Request", 16, true, "one per request the program makes, and per server request"},
	// The use word fills the 4 bytes of padding after ID; the level-2
	// events' state (h2events.go) is a pointer; the connection's id is on
	// ClientConn, not here: 376 + 40 is 416, in the 416 class on Go 1.26
	// (448 with the id, 8 more); Go 1.27's 456 + 40 is 496, in the 512
	// class (was 576 with interfaces).
	{"clientStream", 40, false, "one per HTTP/2 client stream"},
	// The server writers' header time (answer.go): free on Go 1.26 (232 in
	// the 240 class, 120 in the 128); on Go 1.27, whose writers have no
	// aligned 8 bytes of padding, it costs a class (240 -> 256, 288 -> 320).
	{"response", 8, false, "one per HTTP/1 server request"},
	{"responseWriterState", 8, false, "one per HTTP/2 server stream"},
	// 64 bytes on Go 1.26, 80 on Go 1.27, exactly a class: the server body
	// hooks' state and use word (srvbody.go) cost one (80, 96). Only requests with a body have one (a
	// GET gets NoBody), and each client response.
	{"body", 16, false, "one per HTTP/1 server request with a body and per HTTP/1 client response"},
	// The HTTP/2 server body hooks' state (srvbody.go), the use word in the
	// padding after id: Go 1.27's 168 stays in the 176 class, Go 1.26's
	// 160 moves to it.
	{"stream", 8, false, "one per HTTP/2 server stream"},
	// The probes' slot (capture.go's ConnState) and the last request's
	// header bytes (hdrsize.go): one per server connection, not per
	// request; 144 -> 160 bytes on both releases, whose conn ends with a
	// bool after a Mutex, no room for either.
	{"conn", 16, false, "one per HTTP/1 server connection"},
}

// sizeClasses are the runtime's small size classes up to 1024 bytes.
var sizeClasses = []uintptr{8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024}

func sizeClass(n uintptr) uintptr {
	for _, c := range sizeClasses {
		if n <= c {
			return c
		}
	}
	return n
}

// TestPatchedSizes compiles net/http, plain and patched, with a file that
// reports unsafe.Sizeof of the structs the patch adds fields to, and checks
// what the patch adds (sizeChecks), with each toolchain (Go 1.26 and 1.27).
func TestPatchedSizes(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles net/http twice per toolchain")
	}
	for _, e := range toolchains(t) {
		plain := structSizes(t, e, false)
		patched := structSizes(t, e, true)
		for _, c := range sizeChecks {
			p, ok := plain[c.name]
			q := patched[c.name]
			if !ok || q == 0 {
				t.Errorf("%s: no size of %s (plain %d, patched %d)", e.name, c.name, p, q)
				continue
			}
			t.Logf("%s: %s %d (class %d) -> %d (class %d)", e.name, c.name, p, sizeClass(p), q, sizeClass(q))
			if q-p != c.grow {
				t.Errorf("%s: the patch adds %d bytes to %s (%d -> %d, size class %d -> %d), want %d: %s, at level 0 too",
					e.name, q-p, c.name, p, q, sizeClass(p), sizeClass(q), c.grow, c.why)
			}
			if c.sameClass && sizeClass(q) != sizeClass(p) {
				t.Errorf("%s: %s moves from size class %d to %d (%d -> %d bytes): %s, at level 0 too",
					e.name, c.name, sizeClass(p), sizeClass(q), p, q, c.why)
			}
		}
	}
}

// structSizes builds and runs testdata/sizes, which prints the sizes,
// with net/http (and Go 1.27's net/http/internal/http2) patched or not:
// the test's toolexec adds the file that reports them (sizesSource).
func structSizes(t *testing.T, e goEnv, patch bool) map[string]uintptr {
	t.Helper()
	t.Setenv(envSizes, map[bool]string{true: "patched", false: "plain"}[patch])
	out, err := exec.Command(buildPatched(t, e, "./rewrite/stdpatch/testdata/sizes")).Output()
	if err != nil {
		t.Fatalf("%s: sizes (patched %v): %v", e.name, patch, err)
	}
	var m map[string]uintptr
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("%s: sizes: %v\n%s", e.name, err, out)
	}
	return m
}

// sizesSource is the file the test's toolexec adds to pkg, one of
// targets, for structSizes: "" for a package that has none of the structs.
func sizesSource(pkg string, targets []string) string {
	h2Internal := false
	for _, t := range targets {
		h2Internal = h2Internal || t == pkgInternalH2
	}
	switch {
	case pkg == pkgInternalH2:
		return `package http2

import "unsafe"

func GohttpdbgTestSizes() map[string]uintptr {
	return map[string]uintptr{
		"clientStream":        unsafe.Sizeof(*(*clientStream)(nil)),
		"responseWriterState": unsafe.Sizeof(*(*responseWriterState)(nil)),
		"stream":              unsafe.Sizeof(*(*stream)(nil)),
	}
}
`
	case pkg != "net/http":
		return ""
	case h2Internal:
		return `package http

import (
	"unsafe"
	gohttpdbgh2 "net/http/internal/http2"
)

func GohttpdbgTestSizes() map[string]uintptr {
	m := map[string]uintptr{
		"bodyEOFSignal":    unsafe.Sizeof(*(*bodyEOFSignal)(nil)),
		"transportRequest": unsafe.Sizeof(*(*transportRequest)(nil)),
		"Request":          unsafe.Sizeof(*(*Request)(nil)),
		"response":         unsafe.Sizeof(*(*response)(nil)),
		"body":             unsafe.Sizeof(*(*body)(nil)),
		"conn":             unsafe.Sizeof(*(*conn)(nil)),
	}
	for k, v := range gohttpdbgh2.GohttpdbgTestSizes() {
		m[k] = v
	}
	return m
}
`
	default:
		return `package http

import "unsafe"

func GohttpdbgTestSizes() map[string]uintptr {
	return map[string]uintptr{
		"bodyEOFSignal":       unsafe.Sizeof(*(*bodyEOFSignal)(nil)),
		"transportRequest":    unsafe.Sizeof(*(*transportRequest)(nil)),
		"Request":             unsafe.Sizeof(*(*Request)(nil)),
		"response":            unsafe.Sizeof(*(*response)(nil)),
		"body":                unsafe.Sizeof(*(*body)(nil)),
		"conn":                unsafe.Sizeof(*(*conn)(nil)),
		"clientStream":        unsafe.Sizeof(*(*http2clientStream)(nil)),
		"responseWriterState": unsafe.Sizeof(*(*http2responseWriterState)(nil)),
		"stream":              unsafe.Sizeof(*(*http2stream)(nil)),
	}
}
`
	}
}
