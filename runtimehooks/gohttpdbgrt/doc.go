// Package gohttpdbgrt holds the call-site wrappers that gohttpdbg's rewriter
// substitutes for net/http calls in user code.
//
// Pipeline position: build time rewrites `http.Get(u)` into
// `gohttpdbgrt.Get(u, "client.go:42")`; at run time each wrapper records the
// call site and hands the traffic to the probes (package probes), then calls
// the real net/http function. Every wrapper is type-preserving: it takes the
// same arguments as the function it replaces, in the same order, plus the
// site string last, and returns exactly what the original returns, so
// evaluation order and the surrounding code are unchanged.
//
// The package imports the standard library and this module's runtime only,
// so it never changes a user's dependency graph. httptest wrappers live in
// the sub-package httptestrt, so that net/http/httptest (which registers a
// command-line flag in its init) is linked only into programs that use it.
package gohttpdbgrt
