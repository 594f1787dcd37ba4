// Package rewrite is gohttpdbg's build-time side: it turns `gohttpdbg build`
// into a real `go build` of an instrumented program.
//
// Pipeline position: it is the driver of the whole build pipeline,
// load (go/packages) → find call sites (package callsite) → rewrite the
// files that have one ([RewriteFile], with dave/dst) → keep every original
// token at its file:line:column (package linemap) → patch std net/http
// (package stdpatch) → inject the runtime → run the go command with the
// resulting overlay, -modfile and -toolexec flags.
//
// [RewriteFile] needs no type information: the call sites are found once on
// the type-checked package, recorded as callsite.Edit values, and replayed
// on the pristine file for the overlay and again, by the -toolexec program,
// on what `go tool cover` made of that file.
package rewrite
