package buildplan

import (
	"os"
	"path/filepath"

	"golang.org/x/tools/go/packages"

	"github.com/gohttpdbg/gohttpdbg/goflags"
	"github.com/gohttpdbg/gohttpdbg/internal/buildcache"
	"github.com/gohttpdbg/gohttpdbg/modgraph"
	"github.com/gohttpdbg/gohttpdbg/toolexec"
)

// build is one Prepare: the command, what go env says of it, and what the
// steps add to the plan, in the order Prepare runs them.
type build struct {
	gc    *goflags.GoCommand
	opt   Options
	dir   string // the command's directory, absolute
	env   []string
	cache string // buildcache.Dir()
	ge    *goEnv
	plan  *Plan
	// warn prints a warning; once keepWarnings has run, it also keeps it
	// in warnings, stored with the plan to print again when it is reused.
	warn     func(string)
	warnings []string
	patchID  string // the std patch's identity (toolexec.PatchID)

	roots []*packages.Package // the packages the command names (see loadTargets)
	pkgs  []*packages.Package // the roots and the main modules' packages they import
	// copies are the modules copied out of the module cache, whose files
	// the overlay names in the copy.
	copies  *modgraph.Copies
	inits   map[string]string // directory → package name, for the generated init files
	overlay map[string]string // the overlay's Replace map
	edits   map[string][]byte // rewritten file (as overlaid) → its call-site edits, JSON
	rtDir   string            // the runtime module's directory
	state   *toolexec.State
	needs   []string // what the plan uses that its flags do not name (see storedPlan)
}

// Prepare loads the target packages, rewrites their call sites, unpacks the
// runtime and returns the flags that make the go command build the
// instrumented program. Nothing outside the cache directory is written.
//
// A plan stored for the same sources is returned before anything is
// loaded (plancache.go); otherwise each step below, a method of build in
// the file named beside it, adds its part to the plan.
func Prepare(gc *goflags.GoCommand, opt Options) (*Plan, error) {
	b, err := newBuild(gc, opt)
	if err != nil {
		return nil, err
	}
	key, err := b.readEnv()
	if err != nil {
		return nil, err
	}
	if p := b.reuse(key); p != nil {
		return p, nil
	}
	b.keepWarnings()
	b.patchID = toolexec.PatchID(opt.Exe)
	for _, step := range []func() error{
		b.load,             // load.go: the packages to instrument, with types
		b.rewriteCallSites, // callsites.go: their call sites, rewritten into the overlay
		b.generateFiles,    // generated.go: init files and TestMains
		b.addModules,       // modules.go: the runtime module and module copies (-modfile or go.work)
		b.addRuntimeFiles,  // runtimefiles.go: std patch wiring, build stamp, GODEBUG classes
		b.writeOverlay,     // overlay.go: the user's overlay merged in (-overlay)
		b.writeToolexec,    // toolexec.go: the toolexec program's state and script (-toolexec)
		b.markPackages,     // marker.go: the patched and runtime packages' cache marker (-gcflags)
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	b.store(key)
	return b.plan, nil
}

// newBuild starts a build of gc in the cache directory, which it makes.
func newBuild(gc *goflags.GoCommand, opt Options) (*build, error) {
	b := &build{gc: gc, opt: opt, env: opt.Env, warn: opt.Warn,
		inits: map[string]string{}, overlay: map[string]string{}, edits: map[string][]byte{}}
	if b.env == nil {
		b.env = os.Environ()
	}
	if b.warn == nil {
		b.warn = func(string) {}
	}
	var err error
	if b.dir, err = filepath.Abs(gc.Dir); err != nil {
		return nil, err
	}
	if b.cache, err = buildcache.Dir(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(b.cache, 0o755); err != nil {
		return nil, err
	}
	return b, nil
}

// keepWarnings keeps every warning from here on with the plan: a plan
// reused later prints them again, as a rebuild would.
func (b *build) keepWarnings() {
	printWarn := b.warn
	b.warn = func(s string) {
		b.warnings = append(b.warnings, s)
		printWarn(s)
	}
}
