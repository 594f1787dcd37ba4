package buildplan

import (
	"path/filepath"

	"github.com/gohttpdbg/gohttpdbg/goflags"
)

// Options are gohttpdbg's own settings for one build.
type Options struct {
	Probes     string   // build-time default probe levels (GOHTTPDBG syntax); "" means all=1
	Instrument []string // extra package patterns to instrument beyond the main module
	NoStdPatch bool     // call-site probes only
	// StdSelfTest installs stand-in hooks inside the patched net/http, for
	// running Go's own net/http tests with every hook live.
	StdSelfTest bool
	Exe         string   // absolute path of the gohttpdbg binary (the -toolexec program)
	Version     string   // gohttpdbg version, recorded in the binary's stamp
	Env         []string // environment for the go command; nil means os.Environ()
	Warn        func(string)
}

// Plan is what an instrumented build adds to the user's go command.
type Plan struct {
	Flags     []string // go flags: -overlay, -modfile, -toolexec, -gcflags
	Env       []string // extra KEY=VALUE (GOWORK when in workspace mode)
	GoVersion string
	Rewritten []string // user files given a rewritten version
	Sites     int      // call sites rewritten
	StdPatch  []string // std packages patched through toolexec
	// Cached: the plan of an earlier build of the same sources, taken from
	// the cache without loading anything (see planKey).
	Cached bool `json:"-"`

	// initFiles are the generated init files by directory. When the user
	// names .go files instead of packages, the go command compiles only
	// those, so Command appends the init file of their directory.
	initFiles map[string]string
}

// Command returns the go command line for the plan: the user's arguments
// verbatim, except the flags whose value gohttpdbg merged into its own
// (-overlay, -modfile, -toolexec), with gohttpdbg's flags placed after the
// user's leading flags so that per-package -gcflags of ours come last.
func (plan *Plan) Command(gc *goflags.GoCommand) []string {
	args := []string{gc.Verb}
	if gc.Dir != "" {
		args = append(args, "-C", gc.Dir)
	}
	user := goflags.DropFlags(gc.Args, "overlay", "modfile", "toolexec")
	i := goflags.LeadingFlags(user)
	args = append(args, user[:i]...)
	args = append(args, plan.Flags...)
	rest := user[i:]
	if n := goflags.GoFileArgs(rest); n > 0 {
		dir, err := filepath.Abs(filepath.Join(gc.Dir, filepath.Dir(rest[0])))
		if init, ok := plan.initFiles[dir]; ok && err == nil {
			if !filepath.IsAbs(rest[0]) {
				// The go command wants the named files in one directory,
				// spelled alike.
				init = filepath.Join(filepath.Dir(rest[0]), filepath.Base(init))
			}
			rest = append(append(append([]string{}, rest[:n]...), init), rest[n:]...)
		}
	}
	return append(args, rest...)
}
