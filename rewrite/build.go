package rewrite

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"

	gohttpdbg "github.com/gohttpdbg/gohttpdbg"
	"github.com/gohttpdbg/gohttpdbg/goflags"
	"github.com/gohttpdbg/gohttpdbg/rewrite/callsite"
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

// goEnv is the part of `go env` the driver needs.
type goEnv struct {
	GOMOD, GOWORK, GOVERSION, GOROOT, GOMODCACHE, GOFLAGS string
}

func readGoEnv(dir string, env []string) (*goEnv, error) {
	cmd := exec.Command("go", "env", "-json", "GOMOD", "GOWORK", "GOVERSION", "GOROOT", "GOMODCACHE", "GOFLAGS")
	cmd.Dir = dir
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go env: %v\n%s", err, strings.TrimSpace(stderr.String()))
	}
	var ge goEnv
	if err := json.Unmarshal(out, &ge); err != nil {
		return nil, fmt.Errorf("go env: %v", err)
	}
	return &ge, nil
}

// Prepare loads the target packages, rewrites their call sites, unpacks the
// runtime and returns the flags that make the go command build the
// instrumented program. Nothing outside the cache directory is written.
func Prepare(gc *goflags.GoCommand, opt Options) (*Plan, error) {
	env := opt.Env
	if env == nil {
		env = os.Environ()
	}
	warn := opt.Warn
	if warn == nil {
		warn = func(string) {}
	}
	dir, err := filepath.Abs(gc.Dir)
	if err != nil {
		return nil, err
	}
	cache, err := CacheDir()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return nil, err
	}
	waitListed := listForPlan(gc, opt, dir, env) // runs alongside go env
	ge, err := readGoEnv(dir, env)
	listed := waitListed()
	if err != nil {
		return nil, err
	}
	workspace := ge.GOWORK != "" && ge.GOWORK != "off"
	if !workspace && (ge.GOMOD == "" || ge.GOMOD == os.DevNull) {
		return nil, fmt.Errorf("no go.mod found from %s: gohttpdbg builds module-mode programs only (run go mod init)", dir)
	}
	if !workspace && vendorMode(gc, ge) {
		return nil, fmt.Errorf("vendor mode is not supported: the injected runtime would have to be added to vendor/modules.txt, which gohttpdbg never edits.\n" +
			"\tRun 'go mod download' once, then build with '-mod=mod' (gohttpdbg build -mod=mod ...)")
	}
	plan := &Plan{GoVersion: ge.GOVERSION}
	key := planKey(listed, gc, opt, dir, env, ge)
	if key != "" {
		if p := loadPlan(cache, key, warn); p != nil {
			return p, nil
		}
	}
	var warnings []string // kept with the plan, to print again when it is reused
	printWarn := warn
	warn = func(s string) {
		warnings = append(warnings, s)
		printWarn(s)
	}

	roots, deps, err := loadTargets(gc, opt, dir, env)
	if err != nil {
		return nil, err
	}
	pkgs := append(roots, deps...)
	adoptFileArgs(pkgs, ge)
	isRoot := map[*packages.Package]bool{}
	for _, p := range roots {
		isRoot[p] = true
	}
	mainMods := map[string]*packages.Module{}
	for _, p := range pkgs {
		if p.Module != nil && p.Module.Main {
			mainMods[p.Module.Path] = p.Module
		}
	}
	self := mainMods[gohttpdbg.ModulePath] != nil

	overlay := map[string]string{}
	rewrittenEdits := map[string][]byte{}
	inits := map[string]string{} // dir → package name
	seen := map[string]bool{}
	copies := newModCopies(cache, ge)
	var report instrumentReport
	for _, p := range pkgs {
		if seen[p.ID] || strings.HasSuffix(p.ID, ".test") {
			// The last: a test's generated main, which go list shows from
			// the build cache and the go command makes anew: an overlay
			// of it would be ignored (testMains is how tests flush).
			continue
		}
		seen[p.ID] = true
		target := isTarget(p, opt)
		// A package the command names gets the runtime when it is a main
		// package or under test, wherever it lives; its call sites are
		// rewritten only when it is a target.
		needsInit := isRoot[p] && (p.Name == "main" || gc.LoadsTests()) && !isRuntimePackage(p.PkgPath) &&
			len(p.GoFiles) > 0 && !strings.HasSuffix(p.PkgPath, "_test")
		if needsInit && p.Module == nil {
			// The standard library: the runtime imports it, so it
			// cannot import the runtime.
			report.stdRoot(p)
			needsInit = false
		}
		if !target && !needsInit {
			continue
		}
		if !target {
			report.notTarget(p, isInModCache(p, ge))
		} else {
			report.target(p, opt)
		}
		if _, err := copies.forPackage(p); err != nil {
			return nil, err
		}
		if needsInit {
			inits[copies.moved(filepath.Dir(p.GoFiles[0]))] = p.Name
		}
		if !target || len(p.Errors) > 0 || p.TypesInfo == nil {
			// A package with errors: the go command reports them itself,
			// exactly as a plain build would; gohttpdbg leaves it as it is.
			continue
		}
		fe, err := rewritePackage(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", p.PkgPath, err)
		}
		for file, content := range fe.content {
			// A module-cache file is rewritten from where it is (its
			// //line directives name it there) and overlaid in the copy.
			key := copies.moved(file)
			if _, dup := overlay[key]; dup {
				continue // same file in the package and its test variant
			}
			path, err := writeAddressed(filepath.Join(cache, "src"), filepath.Base(file), content)
			if err != nil {
				return nil, err
			}
			overlay[key] = path
			rewrittenEdits[key] = fe.edits[file]
			plan.Rewritten = append(plan.Rewritten, file)
		}
	}
	sort.Strings(plan.Rewritten)
	report.warn(opt, warn)

	for d, name := range inits {
		file := filepath.Join(d, "zz_gohttpdbg_init.go")
		if err := addGenerated(overlay, cache, file, initFile(name)); err != nil {
			return nil, err
		}
		if plan.initFiles == nil {
			plan.initFiles = map[string]string{}
		}
		plan.initFiles[d] = file
	}
	if gc.LoadsTests() {
		for d, name := range testMains(roots, copies) {
			if err := addGenerated(overlay, cache, filepath.Join(d, "zz_gohttpdbg_testmain_test.go"), testMainFile(name)); err != nil {
				return nil, err
			}
		}
	}

	// The runtime module, and the modules copied out of the module cache.
	var rtDir, rtAdd string // rtAdd: the runtime directory to add to the build, if any
	if self {
		for _, m := range mainMods {
			if m.Path == gohttpdbg.ModulePath {
				rtDir = m.Dir
			}
		}
	} else {
		if rtDir, err = UnpackRuntime(cache); err != nil {
			return nil, fmt.Errorf("unpacking the runtime: %v", err)
		}
		rtAdd = rtDir
	}
	copied := copies.sorted()
	if rtAdd != "" || len(copied) > 0 {
		if workspace {
			work, err := WorkfileCopy(cache, ge.GOWORK, rtAdd, copied)
			if err != nil {
				return nil, err
			}
			if work != "" {
				plan.Env = append(plan.Env, "GOWORK="+work)
			}
		} else {
			gomod := ge.GOMOD
			if m := gc.Last("modfile"); m != "" {
				gomod = absFrom(dir, m)
			}
			mf, err := ModfileCopy(cache, gomod, rtAdd, copied)
			if err != nil {
				return nil, err
			}
			plan.Flags = append(plan.Flags, "-modfile="+mf)
		}
	}

	// The std patch, the build stamp and the GODEBUG classes of this Go,
	// all added to the runtime's packages.
	exeID := patchID(opt.Exe)
	stdPkgs, wiring := stdPatchFor(ge.GOVERSION, opt.NoStdPatch)
	plan.StdPatch = stdPkgs
	godebug, err := godebugFile(cache, ge.GOROOT, ge.GOVERSION, exeID)
	if err != nil {
		warn(fmt.Sprintf("classifying the GODEBUG keys of %s: %v; the admin socket uses its built-in table", ge.GOVERSION, err))
	}
	hooksDir := filepath.Join(rtDir, "runtimehooks")
	for rel, content := range map[string][]byte{
		"zz_gohttpdbg_build.go":         buildStampFile(opt, ge.GOVERSION, stdPkgs, moduleRoots(mainMods), ge.GOMODCACHE),
		"zz_gohttpdbg_stdwire.go":       wiring,
		"admin/zz_gohttpdbg_godebug.go": godebug,
	} {
		if content == nil {
			continue
		}
		path, err := writeAddressed(filepath.Join(cache, "src"), filepath.Base(rel), content)
		if err != nil {
			return nil, err
		}
		overlay[filepath.Join(hooksDir, filepath.FromSlash(rel))] = path
	}

	if user := gc.Last("overlay"); user != "" {
		if err := mergeUserOverlay(overlay, absFrom(dir, user)); err != nil {
			return nil, err
		}
	}
	ovJSON, err := json.MarshalIndent(struct{ Replace map[string]string }{overlay}, "", "\t")
	if err != nil {
		return nil, err
	}
	ovPath, err := writeAddressed(filepath.Join(cache, "overlay"), "overlay.json", ovJSON)
	if err != nil {
		return nil, err
	}
	plan.Flags = append(plan.Flags, "-overlay="+ovPath)

	st := &ToolexecState{
		Exe:       opt.Exe,
		GoVersion: ge.GOVERSION,
		Overlay:   overlay,
		Edits:     rewrittenEdits,
		StdPatch:  stdPkgs,
		PatchID:   exeID,
	}
	needs := []string{rtDir}
	for _, c := range copied {
		if st.Copies == nil {
			st.Copies = map[string]string{}
		}
		st.Copies[c.Dir] = c.Orig
		needs = append(needs, c.Dir)
	}
	if opt.StdSelfTest {
		st.PatchID += selfTestSuffix
	}
	if te := gc.Last("toolexec"); te != "" {
		st.UserToolexec = goflags.SplitQuoted(te)
	}
	script, state, err := writeToolexec(cache, st)
	if err != nil {
		return nil, err
	}
	plan.Flags = append(plan.Flags, "-toolexec="+script)
	// The runtime's packages are marked too: the toolexec program compiles
	// them optimized whatever the flags (see optimized), and the marker
	// puts that program's identity in their cache keys.
	marked := append(append([]string{}, stdPkgs...), runtimePatterns()...)
	// The copied modules too: their objects depend on the toolexec
	// program's -trimpath mapping, which the go command's keys do not see.
	for _, c := range copied {
		marked = append(marked, c.Path+"/...")
	}
	plan.Flags = append(plan.Flags, goflags.MarkerGcflags(gc.Values["gcflags"], marked, st.PatchID)...)
	// Kept only if the sources did not change while they were loaded: the
	// plan must be the one of the content its key names.
	if key != "" && planKey(listForPlan(gc, opt, dir, env)(), gc, opt, dir, env, ge) == key {
		storePlan(cache, key, plan, warnings, append(needs, state))
	}
	return plan, nil
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

// loadTargets loads, with syntax and types, the packages whose call sites
// gohttpdbg rewrites. roots are the packages the command names (with their
// tests for go test and overlay) and those of --instrument; deps are the
// packages of a main module that the roots import, directly or not: a
// program's handlers and clients usually live in its own internal
// packages, not in package main.
//
// Which packages those are takes the import graph, which go list gives
// cheaply (names and modules only) while the roots load in full. When the
// graph has no such dependency, that load is all. When it has, a build
// starts again with one load of roots and deps (one go list is cheaper
// than two side by side), and a test loads the deps apart, alongside the
// roots, so that their own tests are not loaded.
func loadTargets(gc *goflags.GoCommand, opt Options, dir string, env []string) (roots, deps []*packages.Package, err error) {
	patterns := targetPatterns(gc, opt)
	tests := gc.LoadsTests()
	load := func(ctx context.Context, mode packages.LoadMode, tests bool, patterns []string) ([]*packages.Package, error) {
		cfg := &packages.Config{Context: ctx, Mode: mode, Dir: dir, Env: env, BuildFlags: gc.LoadFlags(), Tests: tests}
		pkgs, err := packages.Load(cfg, patterns...)
		if err != nil {
			return nil, fmt.Errorf("loading %s: %v", strings.Join(patterns, " "), err)
		}
		return pkgs, nil
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var rootsErr error
	rootsLoaded := make(chan struct{})
	go func() {
		defer close(rootsLoaded)
		roots, rootsErr = load(ctx, callsite.LoadMode, tests, patterns)
	}()
	graph, err := load(ctx, packages.NeedName|packages.NeedModule|packages.NeedImports|packages.NeedDeps, tests, patterns)
	more := targetDeps(graph, opt)
	switch {
	case err != nil || len(more) == 0:
	case tests:
		deps, err = load(ctx, callsite.LoadMode, false, more)
	default:
		cancel()
		<-rootsLoaded
		all, err := load(context.Background(), callsite.LoadMode, false, append(patterns, more...))
		if err != nil {
			return nil, nil, err
		}
		roots, deps = splitDeps(all, more)
		return roots, deps, nil
	}
	<-rootsLoaded
	if err == nil {
		err = rootsErr
	}
	return roots, deps, err
}

// adoptFileArgs gives the package go list makes of .go files named on the
// command line (command-line-arguments), which it gives no module, the
// main module when the files are in its tree: they are the user's code,
// rewritten and reported like the rest of it.
func adoptFileArgs(pkgs []*packages.Package, ge *goEnv) {
	if ge.GOMOD == "" || ge.GOMOD == os.DevNull {
		return
	}
	root := filepath.Dir(ge.GOMOD)
	var main *packages.Module
	for _, p := range pkgs {
		if p.PkgPath != "command-line-arguments" || p.Module != nil || len(p.GoFiles) == 0 {
			continue
		}
		if _, ok := under(p.GoFiles[0], root); !ok {
			continue
		}
		if main == nil {
			main = &packages.Module{Path: modulePathOf(ge.GOMOD), Dir: root, GoMod: ge.GOMOD, Main: true}
		}
		p.Module = main
	}
}

// targetPatterns are the package patterns whose packages are loaded: the
// command's ("." when it names none). Those of --instrument only select,
// among the packages of the build, the ones to rewrite: a package they
// match that the build does not contain is not the build's business (it
// may be a main package of its own, or not compile for this target).
func targetPatterns(gc *goflags.GoCommand, opt Options) []string {
	if len(gc.Patterns) == 0 {
		return []string{"."}
	}
	return append([]string{}, gc.Patterns...)
}

// splitDeps separates the packages whose path is in deps from the others.
func splitDeps(all []*packages.Package, deps []string) (roots, ofDeps []*packages.Package) {
	isDep := map[string]bool{}
	for _, path := range deps {
		isDep[path] = true
	}
	for _, p := range all {
		if isDep[p.PkgPath] {
			ofDeps = append(ofDeps, p)
		} else {
			roots = append(roots, p)
		}
	}
	return roots, ofDeps
}

// addGenerated puts content into the build as file, a file of the user's
// package directory that must not exist, through the overlay.
func addGenerated(overlay map[string]string, cache, file string, content []byte) error {
	if _, err := os.Stat(file); err == nil {
		return fmt.Errorf("%s exists: gohttpdbg generates a file of that name; rename yours", file)
	}
	path, err := writeAddressed(filepath.Join(cache, "src"), filepath.Base(file), content)
	if err != nil {
		return err
	}
	overlay[file] = path
	return nil
}

// testMains returns, for each directory whose tests the command builds and
// whose test files declare no TestMain, the package to declare one in (the
// external test package if there is one): see testMainFile. A TestMain of
// the user's is rewritten instead, like func main. Directories whose tests
// do not type-check are left to the go command's errors.
func testMains(roots []*packages.Package, copies *modCopies) map[string]string {
	type dirTests struct {
		internal, external string
		tests, testMain    bool
		broken             bool
	}
	dirs := map[string]*dirTests{}
	for _, p := range roots {
		if !strings.HasSuffix(p.ID, ".test]") || isRuntimePackage(p.PkgPath) {
			continue // not a test variant ("p [p.test]", "p_test [p.test]")
		}
		for _, f := range p.Syntax {
			name := p.Fset.PositionFor(f.Pos(), false).Filename
			if !strings.HasSuffix(name, "_test.go") {
				continue
			}
			d := dirs[filepath.Dir(name)]
			if d == nil {
				d = &dirTests{}
				dirs[filepath.Dir(name)] = d
			}
			d.tests = true
			d.broken = d.broken || len(p.Errors) > 0
			if strings.HasSuffix(p.PkgPath, "_test") {
				d.external = p.Name
			} else {
				d.internal = p.Name
			}
			for _, decl := range f.Decls {
				if fd, ok := decl.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "TestMain" {
					d.testMain = true
				}
			}
		}
	}
	out := map[string]string{}
	for dir, d := range dirs {
		dir = copies.moved(dir)
		switch {
		case !d.tests || d.testMain || d.broken:
		case d.external != "":
			out[dir] = d.external
		default:
			out[dir] = d.internal
		}
	}
	return out
}

// targetDeps returns the import paths of the targets (see isTarget) that
// the roots of graph import, directly or not; the roots themselves (and
// the packages they test) and test variants are left out. Sorted.
func targetDeps(graph []*packages.Package, opt Options) []string {
	root := map[string]bool{}
	for _, p := range graph {
		root[p.PkgPath] = true
	}
	seen := map[*packages.Package]bool{}
	found := map[string]bool{}
	var visit func(p *packages.Package)
	visit = func(p *packages.Package) {
		if seen[p] {
			return
		}
		seen[p] = true
		if !root[p.PkgPath] && p.Name != "main" && !strings.HasSuffix(p.PkgPath, "_test") && p.ID == p.PkgPath && isTarget(p, opt) {
			found[p.PkgPath] = true
		}
		for _, imp := range p.Imports {
			visit(imp)
		}
	}
	for _, p := range graph {
		visit(p)
	}
	out := make([]string, 0, len(found))
	for path := range found {
		out = append(out, path)
	}
	sort.Strings(out)
	return out
}

// moduleRoots lists the main modules as "path=dir;…", sorted.
func moduleRoots(mods map[string]*packages.Module) string {
	var out []string
	for p, m := range mods {
		if m.Dir != "" {
			out = append(out, p+"="+m.Dir)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ";")
}

// isTarget: a package of a main module, or one the user named with
// --instrument; never the standard library, never the injected runtime itself (instrumenting it would
// make the wrappers call themselves, and import themselves).
func isTarget(p *packages.Package, opt Options) bool {
	if isRuntimePackage(p.PkgPath) || p.Module == nil {
		// No module: the standard library, which the std patch
		// instruments (its call sites rewritten would import the
		// wrappers, which import it).
		return false
	}
	if p.Module != nil && p.Module.Main {
		return true
	}
	for _, pat := range opt.Instrument {
		if goflags.MatchPackagePattern(strings.TrimSuffix(pat, "/"), p.PkgPath) {
			return true
		}
	}
	return false
}

// runtimeDirs are the runtime's package trees, in the module.
var runtimeDirs = []string{"probes", "runtimehooks"}

// runtimePatterns returns the package patterns of the runtime.
func runtimePatterns() []string {
	var out []string
	for _, dir := range runtimeDirs {
		out = append(out, gohttpdbg.ModulePath+"/"+dir+"/...")
	}
	return out
}

func isRuntimePackage(pkgPath string) bool {
	pkgPath = strings.TrimSuffix(pkgPath, "_test")
	for _, dir := range runtimeDirs {
		root := gohttpdbg.ModulePath + "/" + dir
		if pkgPath == root || strings.HasPrefix(pkgPath, root+"/") {
			return true
		}
	}
	return false
}

func isInModCache(p *packages.Package, ge *goEnv) bool {
	return len(p.GoFiles) > 0 && inModCache(p.GoFiles[0], ge)
}

// inModCache reports whether path lies in the module cache.
func inModCache(path string, ge *goEnv) bool {
	return ge.GOMODCACHE != "" && strings.HasPrefix(path, ge.GOMODCACHE+string(filepath.Separator))
}

func vendorMode(gc *goflags.GoCommand, ge *goEnv) bool {
	mod := gc.Last("mod")
	if mod == "" {
		for _, f := range strings.Fields(ge.GOFLAGS) {
			if strings.HasPrefix(f, "-mod=") {
				mod = strings.TrimPrefix(f, "-mod=")
			}
		}
	}
	if mod != "" {
		return mod == "vendor"
	}
	_, err := os.Stat(filepath.Join(filepath.Dir(ge.GOMOD), "vendor", "modules.txt"))
	return err == nil
}

func absFrom(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

func mergeUserOverlay(overlay map[string]string, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var user struct{ Replace map[string]string }
	if err := json.Unmarshal(data, &user); err != nil {
		return fmt.Errorf("-overlay %s: %v", path, err)
	}
	base := filepath.Dir(path)
	for k, v := range user.Replace {
		k = absFrom(base, k)
		if v != "" {
			v = absFrom(base, v)
		}
		if _, ours := overlay[k]; ours {
			return fmt.Errorf("-overlay %s replaces %s, which gohttpdbg rewrites too; drop it from the overlay or build without gohttpdbg", path, k)
		}
		overlay[k] = v
	}
	return nil
}
