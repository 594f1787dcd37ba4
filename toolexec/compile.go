package toolexec

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/gohttpdbg/gohttpdbg/goflags"
	"github.com/gohttpdbg/gohttpdbg/internal/buildcache"
	"github.com/gohttpdbg/gohttpdbg/modgraph"
	"github.com/gohttpdbg/gohttpdbg/rewrite/stdpatch"
)

// optimized drops -N and -l from a compile command line. The injected
// runtime is compiled optimized even in a debugger's build
// (-gcflags=all=-N -l, as dlv and IDEs build): the frame probe's hooks run
// //go:nosplit on net/http's small-stack goroutines, and unoptimized
// frames would not fit the linker's nosplit limit. Nobody steps through
// the probes in a debugger; the user's own packages keep the flags.
func optimized(args []string) []string {
	out := args[:0:0]
	for _, a := range args {
		if a == "-N" || a == "-l" || strings.HasPrefix(a, "-l=") {
			continue
		}
		out = append(out, a)
	}
	return out
}

// compileArgs patches a marked std package: its sources are swapped for
// patched copies and the patch's own files are appended. The runtime's own
// packages are compiled optimized (see optimized); others pass unchanged.
func (st *State) compileArgs(args []string, stderr io.Writer) ([]string, error) {
	args, id := goflags.StripMarker(args)
	args = st.trimCopies(args)
	pkg := ""
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-p" {
			pkg = args[i+1]
		}
	}
	if modgraph.IsRuntimePackage(pkg) {
		return optimized(args), nil
	}
	if id == "" {
		return args, nil
	}
	first := firstSourceArg(args)
	files := args[first:]
	replace, add, err := patchStd(pkg, files, st.GoVersion, func(s string) { fmt.Fprintln(stderr, s) })
	if err != nil {
		return nil, fmt.Errorf("patching %s: %v", pkg, err)
	}
	if strings.HasSuffix(id, SelfTestSuffix) && pkg == "net/http" {
		add = withFile(add, stdpatch.SelfTestFile, []byte(stdpatch.SelfTestSource))
	}
	if len(replace) == 0 && len(add) == 0 {
		return args, nil
	}
	cache, err := buildcache.Dir()
	if err != nil {
		return nil, err
	}
	out := append([]string{}, args[:first]...)
	for _, f := range files {
		if c, ok := replace[f]; ok {
			p, err := buildcache.WriteAddressed(filepath.Join(cache, "stdpatch"), filepath.Base(f), c)
			if err != nil {
				return nil, err
			}
			f = p
		}
		out = append(out, f)
	}
	for name, c := range add {
		p, err := buildcache.WriteAddressed(filepath.Join(cache, "stdpatch"), name, c)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// firstSourceArg returns the index of the first of the .go files that end
// a compile or cover command line (len(args) when there are none).
func firstSourceArg(args []string) int {
	first := len(args)
	for first > 0 && strings.HasSuffix(args[first-1], ".go") {
		first--
	}
	return first
}

func withFile(m map[string][]byte, name string, content []byte) map[string][]byte {
	out := map[string][]byte{name: content}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// patchStd patches one compile step; a hook point the package lacks
// is reported on stderr (naming the Go release, or x/net's version), which the go command shows under the
// package's name, and the build goes on without it.
func patchStd(pkg string, files []string, goVersion string, warn func(string)) (map[string][]byte, map[string][]byte, error) {
	r, err := stdpatch.Patch(pkg, files, goVersion)
	if err != nil {
		return nil, nil, err
	}
	if w := r.Warning(pkg, goVersion); w != "" {
		warn(w)
	}
	return r.Replace, r.Add, nil
}
