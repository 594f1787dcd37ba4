// Package server is the server side of the probes: it follows each
// request a handler serves (ServeHTTP: header.request, header.response,
// the request body given to the body probe, package probes/body), and
// each server connection's states (Instrument: dial.conn_state, the
// connection id in the request's context).
//
// Requests reach it from the call-site wrappers (runtimehooks/gohttpdbgrt:
// ServeHTTP, Instrument; their handlers are SitedHandlers) and from the
// std patch's hooks, which the build's wiring points at StdServeStart (a
// server starts serving, wherever it was started) and StdServe (every
// request, around the server's handler chain). A request that passes
// several of them is followed once, by the outermost.
//
// It imports package probes (the core) and the standard library only.
package server
