// Command gohttpdbg is a drop-in wrapper around the go command that builds
// HTTP debug builds: `gohttpdbg build` instead of `go build`, and every
// net/http event of the program is attributed to the source line that
// caused it, switchable at run time.
//
// gohttpdbg's own flags come before the verb; everything after the verb is
// the go command's, passed through unchanged.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/pflag"
)

// verb is one gohttpdbg subcommand.
type verb struct {
	name  string
	short string
	usage string
	run   func(g *globals, args []string) int
}

// globals are gohttpdbg's own flags, given before the verb.
type globals struct {
	probes     string
	instrument []string
	noStdPatch bool
	selfTest   bool
	verbose    bool
	stdout     io.Writer
	stderr     io.Writer
}

var verbs []*verb

func register(v *verb) { verbs = append(verbs, v) }

func findVerb(name string) *verb {
	for _, v := range verbs {
		if v.name == name {
			return v
		}
	}
	return nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	// The toolexec entry point is hot (one call per compile) and takes no
	// gohttpdbg flags, so it skips the flag machinery.
	if len(args) > 0 && args[0] == "toolexec" {
		return runToolexec(args[1:], stdout, stderr)
	}
	g := &globals{stdout: stdout, stderr: stderr}
	fs := pflag.NewFlagSet("gohttpdbg", pflag.ContinueOnError)
	fs.SetInterspersed(false)
	fs.SetOutput(stderr)
	fs.StringVar(&g.probes, "probes", "", "default probe levels baked into the build, GOHTTPDBG syntax (e.g. body=2,dial=1 or all=1)")
	fs.StringArrayVar(&g.instrument, "instrument", nil, "also instrument the packages matching this pattern (repeatable)")
	fs.BoolVar(&g.noStdPatch, "no-std-patch", false, "do not patch net/http; call-site probes only")
	fs.BoolVar(&g.selfTest, "std-selftest", false, "install stand-in hooks in the patched net/http (for running Go's own net/http tests with every hook live)")
	fs.BoolVarP(&g.verbose, "verbose", "v", false, "print what gohttpdbg rewrote and the go command it runs")
	fs.Usage = func() { usage(stderr, fs) }
	if err := fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			return 0
		}
		return 2
	}
	rest := fs.Args()
	if len(rest) == 0 {
		usage(stderr, fs)
		return 2
	}
	if rest[0] == "help" {
		if len(rest) > 1 {
			if v := findVerb(rest[1]); v != nil {
				fmt.Fprintf(stdout, "usage: gohttpdbg [gohttpdbg flags] %s\n\n%s\n", v.usage, v.short)
				return 0
			}
		}
		fs.SetOutput(stdout)
		usage(stdout, fs)
		return 0
	}
	v := findVerb(rest[0])
	if v == nil {
		fmt.Fprintf(stderr, "gohttpdbg: unknown command %q\nRun 'gohttpdbg help' for usage.\n", rest[0])
		return 2
	}
	if wantsHelp(rest[1:]) {
		fmt.Fprintf(stdout, "usage: gohttpdbg [gohttpdbg flags] %s\n\n%s\n", v.usage, v.short)
		return 0
	}
	return v.run(g, rest[1:])
}

// wantsHelp reports a -h/--help before the first package argument; later
// ones belong to the program or test binary.
func wantsHelp(args []string) bool {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			return false
		}
		if a == "-h" || a == "-help" || a == "--help" {
			return true
		}
	}
	return false
}

func usage(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, "gohttpdbg builds Go programs with HTTP debug probes attributed to their source lines.\n\n")
	fmt.Fprintf(w, "usage: gohttpdbg [gohttpdbg flags] <command> [go flags and arguments]\n\ncommands:\n")
	for _, v := range verbs {
		if v.short != "" {
			fmt.Fprintf(w, "  %-9s %s\n", v.name, strings.SplitN(v.short, "\n", 2)[0])
		}
	}
	fmt.Fprintf(w, "\ngohttpdbg flags (before the command):\n%s", fs.FlagUsages())
	fmt.Fprintf(w, "\nRun 'gohttpdbg <command> --help' for one command.\n")
}

// toolVersion is gohttpdbg's version: the module version when installed
// from a tagged module, else a development marker.
func toolVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "v0.1.0-dev"
}
