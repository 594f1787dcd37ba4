// Package callsite is the registry of call-site rules: which net/http and
// net/http/httptest objects gohttpdbg instruments, and with which wrapper of
// package gohttpdbgrt (or httptestrt).
//
// Pipeline position: load → **find call sites** → rewrite → patch std →
// inject → go build. The build driver loads the target packages with
// go/packages and hands each type-checked package to [Find], which walks the
// syntax and recognises call sites by their resolved [types.Object] (never by
// the text "http."), so renamed imports, dot imports, aliases, embedded
// clients and generic code are all found. The result is a list of [Edit]
// values: plain data (JSON-serialisable) that name the rewritten node by its
// original position and say which shape of rewrite to apply. Package rewrite
// applies them to a file without type information, which is what allows the
// -toolexec program to re-apply the same edits to the output of
// `go tool cover`, where no types are available.
//
// Each rule is one small unit ([Rule]) in [Rules]; the driver knows rules
// only through that registry.
package callsite
