// Package buildplan is the build driver: Prepare turns a go command line
// into the plan (flags and environment) that makes the go command build
// the program instrumented.
//
// Pipeline position: it runs the build-time pipeline as a sequence of
// named steps (see Prepare), each in a file named for it: go env, the
// stored plan (plancache.go), load (go/packages) → rewrite the call sites
// (package rewrite) → generated init files and TestMains → the runtime
// module and module copies (package modgraph) → the runtime's generated
// files (std patch wiring, build stamp, GODEBUG classes) → the overlay →
// the -toolexec program's state (package toolexec) → the per-package
// cache marker (package goflags).
package buildplan
