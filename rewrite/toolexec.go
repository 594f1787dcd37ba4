package rewrite

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gohttpdbg/gohttpdbg/goflags"
	"github.com/gohttpdbg/gohttpdbg/rewrite/stdpatch"
)

// ToolexecState is everything the -toolexec program needs from the build
// driver. It is written once per distinct build input (content-addressed),
// and read by each tool invocation.
type ToolexecState struct {
	Exe          string            // the gohttpdbg binary
	GoVersion    string            // go version of the toolchain doing the build
	Overlay      map[string]string // the overlay's Replace map (original → backing file)
	Edits        map[string][]byte // original file → its serialized call-site edits
	StdPatch     []string          // std import paths to patch when marked
	PatchID      string            // value of the cache marker on patched packages
	UserToolexec []string          // the user's own -toolexec, chained
	// Copies maps the directory of each module copied out of the module
	// cache (see modCopy) to its directory there.
	Copies map[string]string
}

// writeToolexec stores the state and a two-line script that hands every tool
// invocation to `gohttpdbg toolexec STATE`. The script exists so that the
// -toolexec value is a single word: `go test $(gohttpdbg overlay .)` splits
// on spaces and would break a quoted command.
func writeToolexec(cache string, st *ToolexecState) (script, state string, err error) {
	data, err := json.Marshal(st)
	if err != nil {
		return "", "", err
	}
	state, err = writeAddressed(filepath.Join(cache, "toolexec"), "state.json", data)
	if err != nil {
		return "", "", err
	}
	text := fmt.Sprintf("#!/bin/sh\nexec %s toolexec %s \"$@\"\n", shellQuote(st.Exe), shellQuote(state))
	if len(st.UserToolexec) == 0 {
		// What RunToolexec would pass through unchanged is run here
		// directly: the go command asks every tool's identity (-V=full,
		// and gcc -### for cgo) on every build, and starting gohttpdbg for
		// each answer was most of what a no-change rebuild added.
		text = fmt.Sprintf("#!/bin/sh\ncase \"$2\" in -V*) exec \"$@\";; esac\n"+
			"case \"${1##*/}\" in compile|compile.exe|cover|cover.exe) exec %s toolexec %s \"$@\";; esac\n"+
			"exec \"$@\"\n", shellQuote(st.Exe), shellQuote(state))
	}
	script, err = writeAddressed(filepath.Join(cache, "toolexec"), "gohttpdbg-toolexec", []byte(text))
	if err != nil {
		return "", "", err
	}
	return script, state, os.Chmod(script, 0o755)
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// patchID identifies the std patch: it changes with the gohttpdbg binary,
// so a rebuilt tool never reuses objects patched by an older one.
func patchID(exe string) string {
	h := sha256.New()
	if f, err := os.Open(exe); err == nil {
		io.Copy(h, f)
		f.Close()
	}
	h.Write([]byte(stdPatchID()))
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// RunToolexec is the -toolexec program: args are STATE TOOL TOOLARGS...
// It returns the exit code to use.
func RunToolexec(args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 {
		fmt.Fprintln(stderr, "gohttpdbg toolexec: usage: gohttpdbg toolexec STATE TOOL [ARGS...]")
		return 2
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintf(stderr, "gohttpdbg toolexec: %v\n", err)
		return 2
	}
	var st ToolexecState
	if err := json.Unmarshal(data, &st); err != nil {
		fmt.Fprintf(stderr, "gohttpdbg toolexec: %s: %v\n", args[0], err)
		return 2
	}
	tool, toolArgs := args[1], args[2:]
	name := strings.TrimSuffix(filepath.Base(tool), ".exe")
	if len(toolArgs) > 0 && strings.HasPrefix(toolArgs[0], "-V") {
		// The go command's tool-identity query: answered unchanged, so the
		// cache keys of unmarked packages are those of a plain build.
		return runTool(&st, tool, toolArgs, stdout, stderr)
	}
	switch name {
	case "compile":
		toolArgs, err = st.compileArgs(toolArgs, stderr)
	case "cover":
		return st.runCover(tool, toolArgs, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "gohttpdbg toolexec: %v\n", err)
		return 1
	}
	return runTool(&st, tool, toolArgs, stdout, stderr)
}

func runTool(st *ToolexecState, tool string, args []string, stdout, stderr io.Writer) int {
	argv := append(append(append([]string{}, st.UserToolexec...), tool), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fmt.Fprintf(stderr, "gohttpdbg toolexec: %v\n", err)
		return 1
	}
	return 0
}

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
func (st *ToolexecState) compileArgs(args []string, stderr io.Writer) ([]string, error) {
	args, id := goflags.StripMarker(args)
	args = st.trimCopies(args)
	pkg := ""
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-p" {
			pkg = args[i+1]
		}
	}
	if isRuntimePackage(pkg) {
		return optimized(args), nil
	}
	if id == "" {
		return args, nil
	}
	first := firstSourceArg(args)
	files := args[first:]
	replace, add, err := stdPatchCompile(pkg, files, st.GoVersion, func(s string) { fmt.Fprintln(stderr, s) })
	if err != nil {
		return nil, fmt.Errorf("patching %s: %v", pkg, err)
	}
	if strings.HasSuffix(id, selfTestSuffix) && pkg == "net/http" {
		add = withFile(add, stdpatch.SelfTestFile, []byte(stdpatch.SelfTestSource))
	}
	if len(replace) == 0 && len(add) == 0 {
		return args, nil
	}
	cache, err := CacheDir()
	if err != nil {
		return nil, err
	}
	out := append([]string{}, args[:first]...)
	for _, f := range files {
		if c, ok := replace[f]; ok {
			p, err := writeAddressed(filepath.Join(cache, "stdpatch"), filepath.Base(f), c)
			if err != nil {
				return nil, err
			}
			f = p
		}
		out = append(out, f)
	}
	for name, c := range add {
		p, err := writeAddressed(filepath.Join(cache, "stdpatch"), name, c)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// trimCopies maps, in a compile command of a package copied out of the
// module cache, the copy's directory back to the module cache's through
// -trimpath, so that the object names its files as a plain build does.
// The go command's own rules are kept and mapped: a rule whose result is
// in the copy gets the module cache's name instead, and a rule from a
// directory of the copy gets a twin from the same directory in the module
// cache, for the //line directives of rewritten files, which name it. The
// compiler applies the first rule that matches, so the catch-all rule from
// the copy's root comes last.
func (st *ToolexecState) trimCopies(args []string) []string {
	if len(st.Copies) == 0 {
		return args
	}
	roots := make([]string, 0, len(st.Copies))
	for c := range st.Copies {
		roots = append(roots, c)
	}
	sort.Strings(roots)
	moved := func(p string) (string, bool) {
		for _, c := range roots {
			if rel, ok := under(p, c); ok {
				if rel == "." {
					return st.Copies[c], true
				}
				return filepath.Join(st.Copies[c], rel), true
			}
		}
		return p, false
	}
	touched := false
	for _, f := range args[firstSourceArg(args):] {
		if _, ok := moved(f); ok {
			touched = true
		}
	}
	at := -1
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-trimpath" {
			at = i + 1
		}
	}
	var rules []string
	if at >= 0 {
		for _, r := range strings.Split(args[at], ";") {
			from, to, ok := strings.Cut(r, "=>")
			if !ok {
				if r != "" {
					rules = append(rules, r)
				}
				continue
			}
			to2, toCopy := moved(to)
			rules = append(rules, from+"=>"+to2)
			from2, fromCopy := moved(from)
			if fromCopy {
				rules = append(rules, from2+"=>"+to2)
			}
			touched = touched || toCopy || fromCopy
		}
	}
	if !touched {
		return args
	}
	for _, c := range roots {
		rules = append(rules, c+"=>"+st.Copies[c])
	}
	if at < 0 {
		return append([]string{"-trimpath", strings.Join(rules, ";")}, args...)
	}
	out := append([]string{}, args...)
	out[at] = strings.Join(rules, ";")
	return out
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

// selfTestSuffix on the patch marker asks for the std patch's self-test
// hooks (see stdpatch.SelfTestFile); being part of the marker, it is part of
// the cache key.
const selfTestSuffix = "-selftest"

func withFile(m map[string][]byte, name string, content []byte) map[string][]byte {
	out := map[string][]byte{name: content}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// runCover runs the real cover tool on pristine sources, then applies the
// call-site edits to its outputs: the go command hands cover the original
// files even when an overlay replaces them (golang/go#73802), and cover's
// profile must describe the original lines anyway.
func (st *ToolexecState) runCover(tool string, args []string, stdout, stderr io.Writer) int {
	outList := ""
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-outfilelist" {
			outList = args[i+1]
		}
	}
	first := firstSourceArg(args)
	inputs := append([]string{}, args[first:]...)
	run := append([]string{}, args...)
	for i, f := range inputs {
		if _, err := os.Stat(f); err != nil {
			if backing, ok := st.Overlay[f]; ok {
				// An overlay-only file (gohttpdbg's generated init file)
				// does not exist on disk; cover reads its backing file.
				run[first+i] = backing
			}
		}
	}
	if code := runTool(st, tool, run, stdout, stderr); code != 0 || outList == "" {
		return code
	}
	list, err := os.ReadFile(outList)
	if err != nil {
		fmt.Fprintf(stderr, "gohttpdbg toolexec: %v\n", err)
		return 1
	}
	outs := strings.Fields(string(list))
	// cover writes one output per input, after any extra outputs it puts
	// first (the package's coverage variables), so align from the end.
	off := len(outs) - len(inputs)
	if off < 0 {
		fmt.Fprintf(stderr, "gohttpdbg toolexec: cover wrote %d outputs for %d inputs\n", len(outs), len(inputs))
		return 1
	}
	for i, in := range inputs {
		edits, ok := st.Edits[in]
		if !ok {
			continue
		}
		outPath := outs[off+i]
		src, err := os.ReadFile(outPath)
		if err != nil {
			fmt.Fprintf(stderr, "gohttpdbg toolexec: %v\n", err)
			return 1
		}
		patched, err := rewriteCoverOutput(outPath, src, edits)
		if err != nil {
			fmt.Fprintf(stderr, "gohttpdbg toolexec: rewriting cover output of %s: %v\n", in, err)
			return 1
		}
		if !bytes.Equal(patched, src) {
			if err := os.WriteFile(outPath, patched, 0o644); err != nil {
				fmt.Fprintf(stderr, "gohttpdbg toolexec: %v\n", err)
				return 1
			}
		}
	}
	return 0
}
