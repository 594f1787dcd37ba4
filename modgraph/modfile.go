package modgraph

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	gohttpdbg "github.com/gohttpdbg/gohttpdbg"
	"github.com/gohttpdbg/gohttpdbg/internal/buildcache"
)

// ModfileCopy writes a copy of the user's go.mod that also requires the
// runtime module, replaced by its unpacked directory (rtDir; "" when the
// build has the runtime's module already), and replaces each module of
// copies by its copy (see Copy), with a copy of go.sum beside it (the
// go command looks for X.sum next to -modfile=X.mod). A directory
// replacement needs no go.sum line. The user's files are only read.
func ModfileCopy(cache, gomodPath, rtDir string, copies []*Copy) (string, error) {
	data, err := os.ReadFile(gomodPath)
	if err != nil {
		return "", err
	}
	f, err := modfile.Parse(gomodPath, data, nil)
	if err != nil {
		return "", err
	}
	if rtDir != "" {
		for _, r := range f.Require {
			if r.Mod.Path == gohttpdbg.ModulePath {
				return "", fmt.Errorf("%s already requires %s; build without gohttpdbg's injection or remove that requirement", gomodPath, gohttpdbg.ModulePath)
			}
		}
		if err := f.AddRequire(gohttpdbg.ModulePath, runtimeVersion); err != nil {
			return "", err
		}
		if err := f.AddReplace(gohttpdbg.ModulePath, "", rtDir, ""); err != nil {
			return "", err
		}
	}
	if err := replaceByCopies(f.Replace, f.DropReplace, f.AddReplace, copies); err != nil {
		return "", err
	}
	f.Cleanup()
	// Relative replace paths resolve against the real module root even
	// with -modfile (measured, docs/DESIGN.md §3a), so nothing else is rewritten.
	out, err := f.Format()
	if err != nil {
		return "", err
	}
	sum, err := os.ReadFile(strings.TrimSuffix(gomodPath, ".mod") + ".sum")
	if err != nil && !os.IsNotExist(err) {
		return "", err
	}
	dir := filepath.Join(cache, "mod", buildcache.Hash(out, sum)[:20])
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	modPath := filepath.Join(dir, "go.mod")
	if err := buildcache.WriteFileAtomic(modPath, out, 0o644); err != nil {
		return "", err
	}
	// go.sum is rewritten on every build: the go command may add lines to
	// it and those must not leak into the next build's copy.
	if err := buildcache.WriteFileAtomic(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		return "", err
	}
	return modPath, nil
}

// WorkfileCopy writes a go.work that is the user's plus `use rtDir` (unless
// rtDir is "" or the workspace has the runtime's module already) and a
// replace of each module of copies by its copy, with every relative path
// made absolute because the copy lives elsewhere. It returns "" when there
// is nothing to add.
func WorkfileCopy(cache, goworkPath, rtDir string, copies []*Copy) (string, error) {
	data, err := os.ReadFile(goworkPath)
	if err != nil {
		return "", err
	}
	wf, err := modfile.ParseWork(goworkPath, data, nil)
	if err != nil {
		return "", err
	}
	base := filepath.Dir(goworkPath)
	abs := func(p string) string {
		if filepath.IsAbs(p) || !(strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") || p == "." || p == "..") {
			return p
		}
		return filepath.Join(base, p)
	}
	var uses []string
	for _, u := range wf.Use {
		uses = append(uses, abs(u.Path))
	}
	for _, u := range uses {
		if ModulePathOf(filepath.Join(u, "go.mod")) == gohttpdbg.ModulePath {
			rtDir = "" // the workspace already has the runtime's module
		}
	}
	if rtDir == "" && len(copies) == 0 {
		return "", nil
	}
	for _, u := range wf.Use {
		if err := wf.DropUse(u.Path); err != nil {
			return "", err
		}
	}
	if rtDir != "" {
		uses = append(uses, rtDir)
	}
	for _, u := range uses {
		if err := wf.AddUse(u, ""); err != nil {
			return "", err
		}
	}
	for _, r := range wf.Replace {
		if r.New.Version == "" {
			if err := wf.AddReplace(r.Old.Path, r.Old.Version, abs(r.New.Path), ""); err != nil {
				return "", err
			}
		}
	}
	if err := replaceByCopies(wf.Replace, wf.DropReplace, wf.AddReplace, copies); err != nil {
		return "", err
	}
	wf.Cleanup()
	out := modfile.Format(wf.Syntax)
	sum, _ := os.ReadFile(goworkPath + ".sum")
	dir := filepath.Join(cache, "work", buildcache.Hash(out, sum)[:20])
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	p := filepath.Join(dir, "go.work")
	if err := buildcache.WriteFileAtomic(p, out, 0o644); err != nil {
		return "", err
	}
	if err := buildcache.WriteFileAtomic(p+".sum", sum, 0o644); err != nil {
		return "", err
	}
	return p, nil
}

// replaceByCopies points each copied module at its copy, dropping any
// replace the file had for it (a versioned one would otherwise win for its
// version): the copy has that replacement's content already.
func replaceByCopies(existing []*modfile.Replace, drop func(path, vers string) error, add func(oldPath, oldVers, newPath, newVers string) error, copies []*Copy) error {
	for _, c := range copies {
		var olds []module.Version
		for _, r := range existing {
			if r.Old.Path == c.Path {
				olds = append(olds, r.Old)
			}
		}
		for _, o := range olds {
			if err := drop(o.Path, o.Version); err != nil {
				return err
			}
		}
		if err := add(c.Path, "", c.Dir, ""); err != nil {
			return err
		}
	}
	return nil
}

// ModulePathOf returns the module path a go.mod file declares, "" when it
// cannot be read.
func ModulePathOf(gomod string) string {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return ""
	}
	return modfile.ModulePath(data)
}
