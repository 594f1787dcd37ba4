package probes

import (
	"crypto/tls"
	"net"
	"reflect"
	"sync"
	"sync/atomic"
)

// The runtime's own connections (the admin socket's) are invisible to the
// probes. The admin server is runtime code, never rewritten, so the
// call-site wrappers never see it; only the hooks of the std patch
// (frame, header.reject) and a ConnState hook can meet one of its
// connections, and they ask Ignored first. The check costs one atomic
// load while no connection is ignored, and a connection that implements
// RuntimeConn is recognised without any lookup.

// RuntimeConn is implemented by connections that belong to gohttpdbg's
// runtime itself (the admin socket's); probes never report them.
type RuntimeConn interface {
	net.Conn
	GohttpdbgRuntimeConn()
}

var (
	ignoredMu sync.Mutex
	ignoredN  atomic.Int32
	ignored   = map[net.Conn]struct{}{}
)

// IgnoreConn excludes c from every probe until the returned function is
// called (call it when c is closed, or the registry keeps c alive).
func IgnoreConn(c net.Conn) (forget func()) {
	if c == nil || !reflect.TypeOf(c).Comparable() {
		return func() {}
	}
	ignoredMu.Lock()
	if _, dup := ignored[c]; !dup {
		ignored[c] = struct{}{}
		ignoredN.Add(1)
	}
	ignoredMu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			ignoredMu.Lock()
			if _, ok := ignored[c]; ok {
				delete(ignored, c)
				ignoredN.Add(-1)
			}
			ignoredMu.Unlock()
		})
	}
}

// Ignored reports whether c belongs to the runtime (RuntimeConn, or
// registered with IgnoreConn). Hooks that receive a raw net.Conn from the
// std patch or from ConnState call it before reporting anything.
func Ignored(c net.Conn) bool {
	switch c.(type) {
	case nil:
		return false
	case *net.TCPConn, *tls.Conn:
		// Not a RuntimeConn: told by their type alone, where the
		// interface assertion looks up a method table on every
		// connection state change.
	default:
		if _, ok := c.(RuntimeConn); ok {
			return true
		}
	}
	if ignoredN.Load() == 0 || !reflect.TypeOf(c).Comparable() {
		return false
	}
	ignoredMu.Lock()
	_, ok := ignored[c]
	ignoredMu.Unlock()
	return ok
}
