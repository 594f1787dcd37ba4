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

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/spf13/pflag"
)

// verb is one gohttpdbg subcommand: the one value that dispatch, 'gohttpdbg
// help' and 'gohttpdbg help VERB' are made from, as cmd/go's Command.
type verb struct {
	name  string
	usage string // the command line after "gohttpdbg [gohttpdbg flags] "
	short string // one sentence, on one line: the line 'gohttpdbg help' shows
	long  string // the rest of 'gohttpdbg help VERB', "" if the short says it all
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
	// gohttpdbg links the probes package for its probe names and its
	// GOHTTPDBG parser only; the gc probe's poller, which its init starts,
	// has nothing to watch here.
	probes.SetLevel(probes.GC, 0)
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
	fs.StringArrayVar(&g.instrument, "instrument", nil, "also rewrite the call sites of the packages of the build matching this pattern, module-cache ones included (repeatable)")
	fs.BoolVar(&g.noStdPatch, "no-std-patch", false, "do not patch net/http; call-site probes only")
	fs.BoolVar(&g.selfTest, "std-selftest", false, "install stand-in hooks in the patched net/http (for running Go's own net/http tests with every hook live)")
	fs.BoolVarP(&g.verbose, "verbose", "v", false, "print what gohttpdbg rewrote and the go command it runs")
	fs.Usage = func() { usage(stderr, fs) }
	if err := fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			return 0
		}
		fmt.Fprintf(stderr, "gohttpdbg: %v\n", err)
		if hint := goFlagHint(fs, args); hint != "" {
			fmt.Fprintln(stderr, hint)
		}
		fmt.Fprintln(stderr)
		usage(stderr, fs)
		return 2
	}
	if err := checkProbeSpec(g.probes); err != nil {
		fmt.Fprintf(stderr, "gohttpdbg: %v\n", err)
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
				verbHelp(stdout, v)
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
		verbHelp(stdout, v)
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
		fmt.Fprintf(w, "  %-9s %s\n", v.name, v.short)
	}
	fmt.Fprintf(w, "\ngohttpdbg flags (before the command):\n%s", fs.FlagUsages())
	fmt.Fprintf(w, "\nRun 'gohttpdbg <command> --help' for one command.\n")
}

// checkProbeSpec refuses a --probes the instrumented program would
// refuse at every start: the build-time default is parsed by the runtime's
// own parser, so both agree on the probe names and levels.
func checkProbeSpec(spec string) error {
	c := probes.DefaultConfig()
	err := probes.ParseSpec(spec, &c)
	if err == nil {
		return nil
	}
	return fmt.Errorf("--probes=%s:\n\t%s", spec, strings.ReplaceAll(err.Error(), "\n", "\n\t"))
}

// verbHelp prints 'gohttpdbg help VERB'.
func verbHelp(w io.Writer, v *verb) {
	fmt.Fprintf(w, "usage: gohttpdbg [gohttpdbg flags] %s\n\n%s\n", v.usage, v.short)
	if v.long != "" {
		fmt.Fprintf(w, "\n%s\n", v.long)
	}
}

// goFlagHint explains a flag gohttpdbg does not know, given before the
// command in the go command's single-dash style (-x, -race, -o): it is a
// go flag, which belongs after the command.
func goFlagHint(fs *pflag.FlagSet, args []string) string {
	for i, a := range args {
		if a == "--" || !strings.HasPrefix(a, "-") {
			return ""
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if fs.Lookup(name) != nil || (len(name) == 1 && fs.ShorthandLookup(name) != nil) {
			continue
		}
		if strings.HasPrefix(a, "--") {
			return ""
		}
		for j := i + 1; j < len(args); j++ {
			if findVerb(args[j]) != nil {
				fixed := append([]string{"gohttpdbg", args[j], a}, args[j+1:]...)
				return "gohttpdbg's own flags go before the command; go flags go after the command: " + strings.Join(fixed, " ")
			}
		}
		return "gohttpdbg's own flags go before the command; go flags go after the command"
	}
	return ""
}

// parseVerbFlags parses the flags of a verb that has its own (ps, tail,
// ctl). A bad flag is named, with the verb's usage, as the go command
// does; ok is false then, and the exit status is 2.
func parseVerbFlags(g *globals, fs *pflag.FlagSet, name string, args []string) (ok bool) {
	fs.SetOutput(io.Discard) // the error and the usage are printed here, once
	if err := fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			verbHelp(g.stderr, findVerb(name))
			return false
		}
		fmt.Fprintf(g.stderr, "gohttpdbg %s: %v\n", name, err)
		verbUsage(g, name)
		return false
	}
	return true
}

// verbUsage prints a verb's usage line for a command line it cannot run.
func verbUsage(g *globals, name string) {
	usage := name
	if v := findVerb(name); v != nil {
		usage = v.usage
	}
	fmt.Fprintf(g.stderr, "usage: gohttpdbg %s\nRun 'gohttpdbg help %s' for details.\n", usage, name)
}

// toolVersion is gohttpdbg's version: the module version when installed
// from a tagged module, else a development marker.
func toolVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "v0.1.0-dev"
}
