package probes

import (
	"net"
	"testing"
)

type runtimeConn struct{ net.Conn }

func (runtimeConn) GohttpdbgRuntimeConn() {}

// valueConn is a net.Conn whose dynamic type is not comparable.
type valueConn struct {
	net.Conn
	b []byte
}

func TestIgnored(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if Ignored(a) || Ignored(nil) {
		t.Fatal("ignored before IgnoreConn")
	}
	forget := IgnoreConn(a)
	if !Ignored(a) || Ignored(b) {
		t.Fatal("IgnoreConn")
	}
	forget()
	forget()
	if Ignored(a) || ignoredN.Load() != 0 {
		t.Fatal("forget")
	}
	if !Ignored(runtimeConn{a}) {
		t.Fatal("RuntimeConn not ignored")
	}
	v := valueConn{Conn: a, b: []byte("x")}
	IgnoreConn(v)() // must not panic on an unhashable conn
	defer IgnoreConn(a)()
	if Ignored(v) {
		t.Fatal("unhashable conn ignored")
	}
}
