// Package gohttpdbg carries the sources of the injected runtime (packages
// probes and runtimehooks) inside the gohttpdbg binary, so that an
// instrumented build needs nothing but the tool itself: the build driver
// (package buildplan, through package modgraph) unpacks them into a cache
// directory and points the user's build at that copy.
package gohttpdbg

import "embed"

// RuntimeSource holds probes/ and runtimehooks/ as they are in this module.
// Tests and testdata are embedded too and skipped when unpacking.
//
//go:embed probes runtimehooks
var RuntimeSource embed.FS

// ModulePath is the import path prefix of the runtime packages.
const ModulePath = "github.com/gohttpdbg/gohttpdbg"
