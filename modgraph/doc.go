// Package modgraph owns the module graph of an instrumented build: the
// runtime module unpacked from gohttpdbg's binary, the modules copied out
// of the module cache so that the overlay can reach their files, and the
// go.mod (or go.work) copy that requires and replaces them.
//
// Pipeline position: a step of the build plan (package buildplan), after
// the call sites are rewritten; the user's go.mod, go.sum and go.work are
// only read, and everything written goes to the cache (package
// internal/buildcache).
package modgraph
