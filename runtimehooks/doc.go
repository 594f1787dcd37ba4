// Package runtimehooks is the runtime side of gohttpdbg that every
// instrumented program links: it reads the configuration once at start
// (GOHTTPDBG, GOHTTPDBG_OUT, GOHTTPDBG_REDACT, GOHTTPDBG_ADMIN over the
// build-time defaults), applies it to the probes, and is where the admin
// socket and the receivers of the std net/http patch live.
//
// Pipeline position: the generated zz_gohttpdbg_init.go of a main package
// imports this package; the generated zz_gohttpdbg_build.go in this
// package hands over the build-time defaults and the stamp (setBuild) from
// a variable's initializer, which Go runs before the package's init
// function (start.go), where Start reads them. The call-site wrappers
// (gohttpdbgrt) import this package, so the configuration is in force
// before any wrapper can run, even from another package's init.
//
// The package imports the standard library and this module's runtime only.
package runtimehooks
