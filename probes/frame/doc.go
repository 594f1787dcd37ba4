// Package frame is the HTTP/2 frame probe.
//
// Pipeline position: run time, behind the std patch (rewrite/stdpatch).
// The patched Framer of net/http (Go 1.26: http2Framer in h2_bundle.go;
// Go 1.27: net/http/internal/http2.Framer) and of golang.org/x/net/http2
// calls the hooks of this package (installed by the generated wiring file
// in runtimehooks) with each frame's raw bytes; the package decodes them
// itself (Decode, std only), keeps per-connection and per-stream
// flow-control windows for both directions, and emits the frame events of
// docs/DESIGN.md §4:
//
//	level 2: frame.read, frame.write (every frame, summarised like Go's
//	         http2debug=2), frame.headers (decoded fields, redacted);
//	level 1: frame.stall (a window closed longer than the threshold),
//	         frame.goaway, frame.rst, frame.error (protocol violations,
//	         PRIORITY self-dependency, read errors), header.limit (a header
//	         block over SETTINGS_MAX_HEADER_LIST_SIZE).
//
// It also emulates GODEBUG=http2debug=1|2, redacted and switchable at run
// time (SetHTTP2Debug).
//
// The frame hooks' common path is //go:nosplit (see Write), so the package
// must be compiled with optimisation: gohttpdbg's builds always compile the
// injected runtime that way, but `go test -gcflags=all=-N -l` of this
// package fails to link ("nosplit stack over 792 byte limit").
package frame
