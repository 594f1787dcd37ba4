package table

import (
	"io"
	"strings"
	"testing"
	"unsafe"
)

type readCloser struct{ io.Reader }

func (readCloser) Close() error { return nil }

type otherCloser struct{ readCloser }

// TestItabs: a kept type converts as the runtime's assertion does; a
// type not kept is not found; a type that fails the assertion is not kept.
func TestItabs(t *testing.T) {
	var tabs Itabs
	var a io.ReadCloser = readCloser{strings.NewReader("a")}
	if tabs.Find(unsafe.Pointer(&a)) != nil {
		t.Fatal("found before Keep")
	}
	r := a.(io.Reader)
	tabs.Keep(unsafe.Pointer(&a), unsafe.Pointer(&r))
	var b io.ReadCloser = readCloser{strings.NewReader("bc")}
	tab := tabs.Find(unsafe.Pointer(&b))
	if tab == nil {
		t.Fatal("kept type not found")
	}
	var got io.Reader
	Iface(unsafe.Pointer(&got), tab, unsafe.Pointer(&b))
	if got != b.(io.Reader) {
		t.Fatal("converted value differs from the assertion's")
	}
	var c io.ReadCloser = otherCloser{}
	if tabs.Find(unsafe.Pointer(&c)) != nil {
		t.Fatal("other type found")
	}
	var none io.Reader
	tabs.Keep(unsafe.Pointer(&c), unsafe.Pointer(&none)) // a failed assertion
	if tabs.kept[1].Load() != nil {
		t.Fatal("failed assertion kept")
	}
	if n := testing.AllocsPerRun(100, func() { _ = tabs.Find(unsafe.Pointer(&b)) }); n != 0 {
		t.Fatalf("Find allocates %v", n)
	}
}

type sizer interface{ Size() int64 }

// TestAssert: a type that passes is kept (Find then converts it), one
// that fails is not, and neither allocates.
func TestAssert(t *testing.T) {
	var tabs Itabs
	var fails io.ReadCloser = readCloser{strings.NewReader("a")}
	if s, ok := Assert[sizer](&tabs, &fails); ok || s != nil || tabs.kept[0].Load() != nil {
		t.Fatalf("failed assertion: %v %v, kept %v", s, ok, tabs.kept[0].Load())
	}
	var passes io.Reader = strings.NewReader("bc")
	s, ok := Assert[sizer](&tabs, &passes)
	if !ok || s.Size() != 2 {
		t.Fatalf("assertion: %v %v", s, ok)
	}
	tab := tabs.Find(unsafe.Pointer(&passes))
	if tab == nil {
		t.Fatal("passed type not kept")
	}
	var got sizer
	Iface(unsafe.Pointer(&got), tab, unsafe.Pointer(&passes))
	if got != passes.(sizer) {
		t.Fatal("kept conversion differs from the assertion's")
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = Assert[sizer](&tabs, &fails) }); n != 0 {
		t.Fatalf("Assert allocates %v", n)
	}
}
