// Package goflags reads a go command line the way the go command does:
// the verb, its flags and their values, the packages named, and the
// per-package -gcflags marker gohttpdbg adds to the packages it patches.
//
// Pipeline position: the first step of every build verb; the build plan
// (package buildplan) and the -toolexec program (package toolexec) read
// what it parsed, and the user's words are passed on verbatim.
package goflags

import (
	"fmt"
	"strings"
)

// GoCommand is a go command line split the way the go command itself reads
// it. Args keeps the user's words verbatim (minus -C, which must come first
// and is re-emitted there); the parsed fields are only read, never rewritten.
type GoCommand struct {
	Verb     string   // build, run, test, list...
	Args     []string // the user's arguments after the verb, -C removed
	Dir      string   // -C dir, "" if none
	Patterns []string // package patterns (or .go files) in Args
	// Values holds every value of the flags gohttpdbg needs to honour, by
	// flag name without dashes: tags, mod, modfile, overlay, toolexec,
	// gcflags, o, cover, coverpkg, covermode, race...
	Values map[string][]string
}

// valueFlags are the go build/run/test flags that take a value as the next
// word when not written as -flag=value. Any other flag is boolean.
var valueFlags = map[string]bool{
	// build flags (cmd/go/internal/work.AddBuildFlags and friends)
	"C": true, "p": true, "asmflags": true, "buildmode": true, "compiler": true,
	"gcflags": true, "gccgoflags": true, "mod": true, "modfile": true, "overlay": true,
	"installsuffix": true, "ldflags": true, "pgo": true, "pkgdir": true, "tags": true,
	"toolexec": true, "o": true, "coverpkg": true, "covermode": true, "exec": true,
	"debug-actiongraph": true, "debug-runtime-trace": true, "debug-trace": true,
	// test flags with a value (cmd/go/internal/test/testflag.go)
	"bench": true, "benchtime": true, "blockprofile": true, "blockprofilerate": true,
	"count": true, "coverprofile": true, "cpu": true, "cpuprofile": true, "fuzz": true,
	"fuzzminimizetime": true, "fuzztime": true, "list": true, "memprofile": true,
	"memprofilerate": true, "mutexprofile": true, "mutexprofilefraction": true,
	"outputdir": true, "parallel": true, "run": true, "shuffle": true, "skip": true,
	"timeout": true, "trace": true, "vet": true,
}

// ParseGoCommand splits the arguments that follow a go verb.
func ParseGoCommand(verb string, args []string) (*GoCommand, error) {
	gc := &GoCommand{Verb: verb, Values: map[string][]string{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if verb == "test" && (a == "-args" || a == "--args") {
			gc.Args = append(gc.Args, args[i:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			if verb == "run" {
				// go run: the package (or the .go files) then the program's
				// own arguments, which are not ours to read.
				j := i + 1
				if n := GoFileArgs(args[i:]); n > 0 {
					j = i + n
				}
				gc.Patterns = append(gc.Patterns, args[i:j]...)
				gc.Args = append(gc.Args, args[i:]...)
				break
			}
			gc.Patterns = append(gc.Patterns, a)
			gc.Args = append(gc.Args, a)
			continue
		}
		name := strings.TrimLeft(a, "-")
		value, hasValue := "", false
		if k := strings.IndexByte(name, '='); k >= 0 {
			name, value, hasValue = name[:k], name[k+1:], true
		}
		name = strings.TrimPrefix(name, "test.")
		words := []string{a}
		if !hasValue && valueFlags[name] {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("flag needs an argument: %s", a)
			}
			i++
			value, hasValue = args[i], true
			words = append(words, args[i])
		}
		if !hasValue {
			value = "true"
		}
		if name == "C" {
			if gc.Dir != "" {
				return nil, fmt.Errorf("-C given twice")
			}
			gc.Dir = value
			continue
		}
		gc.Values[name] = append(gc.Values[name], value)
		gc.Args = append(gc.Args, words...)
	}
	return gc, nil
}

// Last returns the last value of a flag, "" if absent.
func (gc *GoCommand) Last(name string) string {
	v := gc.Values[name]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// Bool reports whether a boolean flag is on (last value wins).
func (gc *GoCommand) Bool(name string) bool {
	v := gc.Last(name)
	return v != "" && v != "false" && v != "0"
}

// Cover reports whether the build instruments for coverage.
func (gc *GoCommand) Cover() bool {
	return gc.Bool("cover") || gc.Last("coverprofile") != "" || gc.Last("coverpkg") != "" || gc.Last("covermode") != ""
}

// LoadsTests reports whether the command builds the packages' tests too
// (test, and overlay, whose flags may serve a go test).
func (gc *GoCommand) LoadsTests() bool { return gc.Verb == "test" || gc.Verb == "overlay" }

// LoadFlags are the user's flags that change which files make up a
// package, so go/packages must see them to load what the build will build.
func (gc *GoCommand) LoadFlags() []string {
	var out []string
	for _, name := range []string{"tags", "mod", "modfile", "overlay"} {
		if v := gc.Last(name); v != "" {
			out = append(out, "-"+name+"="+v)
		}
	}
	for _, name := range []string{"race", "msan", "asan"} {
		if gc.Bool(name) {
			out = append(out, "-"+name)
		}
	}
	return out
}

// LeadingFlags returns how many words of args are flags (with their
// separate values) before the first package, .go file or test -args.
func LeadingFlags(args []string) int {
	i := 0
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "-args" {
		name := strings.TrimLeft(args[i], "-")
		if !strings.Contains(name, "=") && valueFlags[strings.TrimPrefix(name, "test.")] {
			i++
		}
		i++
	}
	if i > len(args) {
		i = len(args)
	}
	return i
}

// GoFileArgs counts the leading .go file arguments (go run main.go util.go).
func GoFileArgs(args []string) int {
	n := 0
	for n < len(args) && strings.HasSuffix(args[n], ".go") && !strings.HasPrefix(args[n], "-") {
		n++
	}
	return n
}

// DropFlags removes the named flags (and their separate values) from args,
// stopping at a test's -args.
func DropFlags(args []string, names ...string) []string {
	drop := map[string]bool{}
	for _, n := range names {
		drop[n] = true
	}
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "-args" || a == "--args" {
			return append(out, args[i:]...)
		}
		if strings.HasPrefix(a, "-") {
			name := strings.TrimLeft(a, "-")
			hasValue := strings.Contains(name, "=")
			name, _, _ = strings.Cut(name, "=")
			if drop[name] {
				if !hasValue {
					i++
				}
				continue
			}
		}
		out = append(out, a)
	}
	return out
}

// SplitQuoted splits a flag value into words the way the go command does for
// -toolexec and -gcflags: on spaces, with single or double quotes grouping.
func SplitQuoted(s string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	in := false
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}
