// Package bench is gohttpdbg's own overhead record: benchmarks of real
// net/http traffic (HTTP/1.1 and HTTP/2 over TLS on loopback, client and
// server in one process, serial and parallel: a 2-byte GET, a JSON API
// call (a POST with the headers a service sends) and a 1 MiB GET),
// made by bench/loopback with the call sites the rewriter instruments, so
// that
//
//	gohttpdbg bench --levels=0,1,2 ./bench
//
// measures what the probes cost per request against the plain build.
// bench/levels compares the levels inside one instrumented process, which
// is more precise on a noisy machine; bench/buildtime measures builds.
// docs/BENCHMARKS.md records the figures and the commands that reproduce
// them.
package bench
