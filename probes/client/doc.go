// Package client is the client side of the probes: it follows each client
// request from its start to its response (Request: Start, then Finish),
// times and attributes its dials (dial.*), reports its headers (header.*),
// hands its response body to the body probe (package probes/body), and
// infers each host's idle pool to say why a connection was not reused
// (hosts.go, /v1/conns).
//
// Requests reach it from the call-site wrappers (runtimehooks/gohttpdbgrt:
// Start, MarkSite, NoteTransport) and from the std patch's hooks, which
// the build's wiring points at StdStart and StdEnd (every request, in
// (*Transport).roundTrip) and StdGotConn, StdDial and StdDialFor (its
// connection and dials). Without the std patch, a request is followed
// through an httptrace.ClientTrace composed with the program's own.
//
// It imports package probes (the core) and the standard library only.
package client
