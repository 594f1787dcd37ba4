package itab

import (
	"io"
	"strings"
	"testing"
	"unsafe"
)

type named interface{ Name() string }

type a struct{ io.ReadCloser }

func (a) Name() string { return "a" }

type b struct{ io.ReadCloser }

func (*b) Name() string { return "b" }

type c struct{ io.ReadCloser }

func (c) Name() string { return "c" }

// assert is how the probes use a Cache: the cached itab, else the
// runtime's assertion, kept.
func assert(cache *Cache, rc io.ReadCloser) (named, bool) {
	var n named
	if tab := cache.Tab(unsafe.Pointer(&rc)); tab != nil {
		Value(unsafe.Pointer(&n), unsafe.Pointer(&rc), tab)
		return n, true
	}
	n, ok := rc.(named)
	if ok {
		cache.Keep(unsafe.Pointer(&rc), unsafe.Pointer(&n))
	}
	return n, ok
}

func TestCache(t *testing.T) {
	var cache Cache
	body := io.NopCloser(strings.NewReader("x"))
	for i := 0; i < 3; i++ {
		for _, tc := range []struct {
			rc   io.ReadCloser
			want string
		}{{a{body}, "a"}, {&b{body}, "b"}, {c{body}, "c"}, {body, ""}, {nil, ""}} {
			n, ok := assert(&cache, tc.rc)
			if ok != (tc.want != "") || ok && n.Name() != tc.want {
				t.Fatalf("round %d: %T asserted to %v, %v; want %q", i, tc.rc, n, ok, tc.want)
			}
		}
	}
	// Two slots: the third type is asserted by the runtime, never cached.
	if cache.Tab(unsafe.Pointer(&[]io.ReadCloser{c{body}}[0])) != nil {
		t.Fatal("a third type was cached")
	}
	var rc io.ReadCloser = a{body}
	if got := testing.AllocsPerRun(100, func() { assert(&cache, rc) }); got != 0 {
		t.Fatalf("a cached assertion allocates %v times", got)
	}
}
