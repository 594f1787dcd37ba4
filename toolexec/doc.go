// Package toolexec is the -toolexec program of an instrumented build: the
// go command hands it every compile and cover step, and it patches std
// net/http into the compile of net/http, applies the call-site edits to
// cover's output, keeps the injected runtime optimized and maps copied
// modules back to the module cache in -trimpath.
//
// Pipeline position: the build plan (package buildplan) writes its State
// and a script with Install; the go command then runs
// `gohttpdbg toolexec STATE TOOL ARGS...`, which calls Run.
package toolexec
