// Package table holds the lock-free tables the probe packages keep their
// per-request state in: Registry, the set of live members the admin
// socket and the gc probe walk (open bodies, requests in flight), and
// KeyTable, a request's value looked up by its Header map (HeaderKey)
// from the hooks that see only the request.
//
// It is internal to the runtime (probes and its sub-packages) and, as
// the rest of it, imports the standard library only.
package table
