// Package stdpatch generates the patched sources of the standard library's
// HTTP packages (and golang.org/x/net/http2) for instrumented builds.
//
// Pipeline position: build time, step 4 of the design ("patch std"). The
// -toolexec program (package toolexec) calls [Patch] for each `compile`
// invocation of a package listed by [Targets], swaps the returned
// replacement files into the command and adds the returned new files. The
// wrapper adds the file returned by [Wiring] to package runtimehooks, which
// connects the hook variables the patch declares to the probes
// (probes/frame, probes/reject).
//
// The hook points are tables of data (h2Hooks, http1Hooks: where, what is
// checked, what is inserted, as text/template) that applyHooks applies;
// testdata/golden holds what each point changes in each supported release.
//
// The patch is mechanical and minimal: a handful of functions, found by
// name (receiver type + name) and checked by signature with dave/dst, are
// renamed in place and wrapped by trampolines, or get one statement spliced
// next to a statement found by its structure (the call to NewFramer, the
// call of the frame parser). The trampolines only call hook variables (nil
// unless installed) with std-typed raw data; all decoding and logic lives in
// probes/.
//
// Line fidelity: edits are applied at the exact byte offsets of the nodes
// dst located (mapped back to go/ast positions), never by line-based text
// diff, and never add or remove a line inside original code. Each replaced
// file starts with a //line directive naming the original absolute path, so
// compile errors, panics, runtime.Caller and debuggers see the original std
// file and line. Trampolines are appended at the end of the file under a
// //line directive naming a synthetic file.
package stdpatch
