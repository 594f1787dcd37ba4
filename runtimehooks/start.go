package runtimehooks

import (
	"github.com/gohttpdbg/gohttpdbg/probes"
	// The gc probe registers with package probes from its init function
	// (probes.OnLevel), which Go runs before this package's, since this
	// package imports it: the levels Start applies start or stop its poll.
	_ "github.com/gohttpdbg/gohttpdbg/probes/gc"
)

// The package's one init function starts the runtime. Go runs every
// package-level variable's initializer before any init function, so the
// generated files of an instrumented build, which hand over their values
// from initializers (setBuild in zz_gohttpdbg_build.go, the std patch's
// wiring in zz_gohttpdbg_stdwire.go, which connects the client and server
// probes' hooks), are in force here whatever the files' names.
func init() {
	Start()
	startAdmin()
}

// setBuild records the build-time defaults, the stamp and the build's main
// modules ("path=dir;…") and module cache (probes.SetBuildModules). The
// generated zz_gohttpdbg_build.go calls it from a variable's initializer.
func setBuild(probesSpec, stamp, mods, modCache string) bool {
	buildProbes, buildStamp = probesSpec, stamp
	probes.SetBuildModules(mods, modCache)
	return true
}
