// Package admin is the admin socket of an instrumented program: a small
// HTTP/1.1 + JSON server on a unix socket through which `gohttpdbg ps`,
// `ctl` and `tail` (or curl --unix-socket) read the probes' state and
// switch probes, GODEBUG keys and the TLS key log for a limited time.
//
// Pipeline position: run time, at the end of the chain hooks → probes →
// ring → sinks / admin socket. runtimehooks starts it once, after the
// configuration was applied (admin_start.go); it reads and changes the
// probes only through the probe packages' API (package probes' levels,
// Subscribe, Recent, Conns, Emitted, SetKeyLog; body.Open, client.Hosts)
// and frame's http2debug emulation.
//
// Safety (docs/DESIGN.md §5): the socket lives in a 0700 directory owned by the
// process's uid (a directory owned by someone else, or a symlink, is
// refused and the program runs without the socket); the socket is 0600;
// every connection's peer credentials (SO_PEERCRED) must be the same uid
// or root; requests are bounded in size, time and number of connections;
// every change has a TTL after which it reverts by itself; every change
// and refusal is appended to a hash-chained audit log. The server's own
// connections are marked probes.RuntimeConn so that no probe reports them.
//
// The package imports the standard library and this module's runtime
// only, and compiles at language version go1.21.
package admin
