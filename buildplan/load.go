package buildplan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/gohttpdbg/gohttpdbg/goflags"
	"github.com/gohttpdbg/gohttpdbg/modgraph"
	"github.com/gohttpdbg/gohttpdbg/rewrite/callsite"
)

// load loads the packages to instrument (see loadTargets); .go files
// named on the command line count as the main module's when they lie in
// its tree (see adoptFileArgs).
func (b *build) load() error {
	roots, deps, err := loadTargets(b.gc, b.opt, b.dir, b.env)
	if err != nil {
		return err
	}
	b.roots, b.pkgs = roots, append(roots, deps...)
	adoptFileArgs(b.pkgs, b.ge)
	b.copies = modgraph.NewCopies(b.cache, b.ge.GOMODCACHE)
	return nil
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
		if _, ok := modgraph.Under(p.GoFiles[0], root); !ok {
			continue
		}
		if main == nil {
			main = &packages.Module{Path: modgraph.ModulePathOf(ge.GOMOD), Dir: root, GoMod: ge.GOMOD, Main: true}
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

// isTarget: a package of a main module, or one the user named with
// --instrument; never the standard library, never the injected runtime itself (instrumenting it would
// make the wrappers call themselves, and import themselves).
func isTarget(p *packages.Package, opt Options) bool {
	if modgraph.IsRuntimePackage(p.PkgPath) || p.Module == nil {
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
