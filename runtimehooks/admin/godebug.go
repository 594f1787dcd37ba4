//go:build linux

package admin

import (
	"os"
	"runtime"
	"runtime/metrics"
	"sort"
	"strings"
	"sync"
)

//go:generate go run gen_godebug.go

// GODEBUG keys at run time. Three sources, none of them a hand-kept list:
//
//   - runtime/metrics of the running binary lists every setting that
//     internal/godebug manages and counts (/godebug/non-default-behavior/
//     NAME:events). internal/godebug watches the GODEBUG variable, so
//     such a key set with os.Setenv takes effect at its next use: class
//     "dynamic".
//   - godebugTable, generated from the source of the Go release that
//     built gohttpdbg (gen_godebug.go), adds what metrics cannot say: the
//     runtime's own keys (live when runtime1.go keeps them in an atomic),
//     opaque settings (no metric; netdns, http2debug…) and settings their
//     package reads once in an init func (httpmuxgo121): class
//     "start-only", refused with 409 and the restart hint.
//   - gohttpdbg's own switches, class "gohttpdbg", served by the probes:
//     http2debug (the frame probe's emulation, live on existing
//     connections too), httpdebug (header and body probes) and httptrace
//     (dial and gc probes).
//
// A key known to metrics but not to the table (a newer Go) is dynamic; a
// table key of an internal/godebug setting that metrics does not list is
// not part of the running Go and is unknown.

type godebugKey struct {
	Name, Package, Class string
}

const (
	classDynamic   = "dynamic"
	classStartOnly = "start-only"
	classOwn       = "gohttpdbg"
)

var ownKeys = []godebugKey{
	{"http2debug", "gohttpdbg/probes/frame", classOwn},
	{"httpdebug", "gohttpdbg/probes (header, body)", classOwn},
	{"httptrace", "gohttpdbg/probes (dial, gc)", classOwn},
}

var (
	keysOnce   sync.Once
	keysByName map[string]godebugKey
)

func godebugKeys() map[string]godebugKey {
	keysOnce.Do(func() {
		m := map[string]godebugKey{}
		fromMetrics := map[string]string{}
		for _, d := range metrics.All() {
			name, ok := strings.CutPrefix(d.Name, "/godebug/non-default-behavior/")
			if !ok {
				continue
			}
			name = strings.TrimSuffix(name, ":events")
			pkg := ""
			if _, rest, ok := strings.Cut(d.Description, "executed by the "); ok {
				pkg, _, _ = strings.Cut(rest, " package")
			}
			fromMetrics[name] = pkg
		}
		for _, k := range godebugTable {
			if _, ok := fromMetrics[k.Name]; !ok && k.Package != "runtime" && k.Class == classDynamic &&
				runtime.Version() != godebugSource {
				continue // an internal/godebug setting this Go does not have
			}
			m[k.Name] = k
		}
		for name, pkg := range fromMetrics {
			if _, ok := m[name]; !ok {
				m[name] = godebugKey{name, pkg, classDynamic}
			}
		}
		for _, k := range ownKeys {
			m[k.Name] = k
		}
		keysByName = m
	})
	return keysByName
}

func knownKeyNames() []string {
	var names []string
	for n := range godebugKeys() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// godebugEnvMu serialises our read-modify-write of GODEBUG.
var godebugEnvMu sync.Mutex

// godebugGet returns the value of key in GODEBUG, and whether it is set.
// The last occurrence wins, as for the runtime.
func godebugGet(key string) (string, bool) {
	v, ok := "", false
	for _, item := range strings.Split(os.Getenv("GODEBUG"), ",") {
		k, val, found := strings.Cut(strings.TrimSpace(item), "=")
		if found && k == key {
			v, ok = val, true
		}
	}
	return v, ok
}

// godebugSet sets (or, with unset, removes) key in GODEBUG, keeping the
// other items in their order.
func godebugSet(key, value string, unset bool) {
	godebugEnvMu.Lock()
	defer godebugEnvMu.Unlock()
	var out []string
	for _, item := range strings.Split(os.Getenv("GODEBUG"), ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if k, _, _ := strings.Cut(item, "="); k == key {
			continue
		}
		out = append(out, item)
	}
	if !unset {
		out = append(out, key+"="+value)
	}
	os.Setenv("GODEBUG", strings.Join(out, ","))
}
