// Package rewrite is the file rewriter: RewriteFile applies the call-site
// edits that package callsite found to one Go file, with dave/dst, and
// keeps every original token at its file:line:column (package linemap).
//
// Pipeline position: load (go/packages) → find call sites (package
// callsite) → rewrite the files that have one ([RewriteFile]) → patch std
// net/http (package stdpatch) → inject the runtime; the build driver
// (package buildplan) runs the pipeline and puts the rewritten files into
// the build by overlay.
//
// [RewriteFile] needs no type information: the call sites are found once on
// the type-checked package, recorded as callsite.Edit values, and replayed
// on the pristine file for the overlay and again, by the -toolexec program
// (package toolexec), on what `go tool cover` made of that file.
package rewrite
