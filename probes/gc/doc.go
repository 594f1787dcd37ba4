// Package gc is the gc probe: it polls the runtime's GC pauses while the
// probe is on (gc.pause at level 2) and names the requests a long pause
// delayed (gc.delay at level 1), from the in-flight set the client and
// server probes (packages probes/client and probes/server) register their
// requests in (Start, End).
//
// It registers with package probes at init (probes.OnLevel), so the poll
// follows every change of the gc level; a program links it through the
// client and server probes, and runtimehooks imports it.
//
// As the rest of the runtime, it imports the standard library only.
package gc
