package probes

import "sync/atomic"

// With the std patch's capture hooks, every request is followed where
// net/http handles it, whoever made it: a client request in
// (*Transport).roundTrip (package probes/client), a server request around
// the server's handler chain (package probes/server). A rewritten call
// site only hands its site to the request; any other request is
// attributed from its stack (CallerSite).

var stdCapture atomic.Bool

// UseStdCapture is called by the build's wiring when the patched net/http
// calls the capture hooks.
func UseStdCapture() { stdCapture.Store(true) }

// StdCapture reports whether the patched net/http follows every request
// (the call-site wrappers then only name their site).
func StdCapture() bool { return stdCapture.Load() }
