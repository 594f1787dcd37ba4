// Package gc is the gc probe: it polls the runtime's GC pauses while the
// probe is on (gc.pause at level 2) and names the requests a long pause
// delayed (gc.delay at level 1), from what the client and server probes
// (packages probes/client and probes/server) tell it of each request at
// its start and end (Start, End): no in-flight registry (inflight.go).
//
// It registers with package probes at init (probes.OnLevel), so the poll
// follows every change of the gc level; a program links it through the
// client and server probes, and runtimehooks imports it.
//
// As the rest of the runtime, it imports the standard library only.
package gc
