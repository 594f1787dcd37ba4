package rewrite

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	gohttpdbg "github.com/gohttpdbg/gohttpdbg"
	"github.com/gohttpdbg/gohttpdbg/rewrite/callsite"
	"github.com/gohttpdbg/gohttpdbg/rewrite/godebugclass"
)

// runtimeVersion is the version under which the injected runtime module is
// required in a user's build graph. It never reaches a registry: a replace
// directive points it at the unpacked copy.
const runtimeVersion = "v0.1.0"

// runtimeGoLine is the go line of the unpacked runtime module. It is old on
// purpose: a dependency whose go line is newer than the main module's would
// make the go command ask for a go.mod update. The runtime sources are
// written for this language version.
const runtimeGoLine = "1.21"

// UnpackRuntime writes the embedded runtime module (probes, runtimehooks;
// no tests) into the cache and returns its directory. The directory name is
// the hash of its content, so it is written once per gohttpdbg version.
func UnpackRuntime(cache string) (string, error) {
	files := map[string][]byte{}
	var names []string
	err := fs.WalkDir(gohttpdbg.RuntimeSource, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "testdata" {
				return fs.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := gohttpdbg.RuntimeSource.ReadFile(p)
		if err != nil {
			return err
		}
		files[p] = b
		names = append(names, p)
		return nil
	})
	if err != nil {
		return "", err
	}
	files["go.mod"] = []byte("module " + gohttpdbg.ModulePath + "\n\ngo " + runtimeGoLine + "\n")
	names = append(names, "go.mod")
	sort.Strings(names)
	var all [][]byte
	for _, n := range names {
		all = append(all, []byte(n), files[n])
	}
	dir := filepath.Join(cache, "rt-"+hashBytes(all...)[:20])
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
		return dir, nil
	}
	tmp, err := os.MkdirTemp(cache, ".rt-tmp-*")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	for _, n := range names {
		p := filepath.Join(tmp, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, files[n], 0o644); err != nil {
			return "", err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, "go.mod")); statErr == nil {
			return dir, nil // a concurrent build unpacked the same content
		}
		return "", err
	}
	return dir, nil
}

// ModfileCopy writes a copy of the user's go.mod that also requires the
// runtime module, replaced by its unpacked directory (rtDir; "" when the
// build has the runtime's module already), and replaces each module of
// copies by its copy (see modCopy), with a copy of go.sum beside it (the
// go command looks for X.sum next to -modfile=X.mod). A directory
// replacement needs no go.sum line. The user's files are only read.
func ModfileCopy(cache, gomodPath, rtDir string, copies []*modCopy) (string, error) {
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
	dir := filepath.Join(cache, "mod", hashBytes(out, sum)[:20])
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	modPath := filepath.Join(dir, "go.mod")
	if err := writeFileAtomic(modPath, out, 0o644); err != nil {
		return "", err
	}
	// go.sum is rewritten on every build: the go command may add lines to
	// it and those must not leak into the next build's copy.
	if err := writeFileAtomic(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		return "", err
	}
	return modPath, nil
}

// WorkfileCopy writes a go.work that is the user's plus `use rtDir` (unless
// rtDir is "" or the workspace has the runtime's module already) and a
// replace of each module of copies by its copy, with every relative path
// made absolute because the copy lives elsewhere. It returns "" when there
// is nothing to add.
func WorkfileCopy(cache, goworkPath, rtDir string, copies []*modCopy) (string, error) {
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
		if modulePathOf(filepath.Join(u, "go.mod")) == gohttpdbg.ModulePath {
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
	dir := filepath.Join(cache, "work", hashBytes(out, sum)[:20])
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	p := filepath.Join(dir, "go.work")
	if err := writeFileAtomic(p, out, 0o644); err != nil {
		return "", err
	}
	if err := writeFileAtomic(p+".sum", sum, 0o644); err != nil {
		return "", err
	}
	return p, nil
}

// replaceByCopies points each copied module at its copy, dropping any
// replace the file had for it (a versioned one would otherwise win for its
// version): the copy has that replacement's content already.
func replaceByCopies(existing []*modfile.Replace, drop func(path, vers string) error, add func(oldPath, oldVers, newPath, newVers string) error, copies []*modCopy) error {
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

func modulePathOf(gomod string) string {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return ""
	}
	return modfile.ModulePath(data)
}

// initFile is the generated file added to a package so that the runtime is
// linked and started even when no file of that package had a call site.
func initFile(pkgName string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by gohttpdbg. DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "package %s\n\n", pkgName)
	fmt.Fprintf(&b, "import _ %q\n", path.Join(gohttpdbg.ModulePath, "runtimehooks"))
	return b.Bytes()
}

// testMainFile returns the TestMain gohttpdbg adds to a package's tests
// when they have none: the go command's generated main calls os.Exit
// right after the tests, which would cut off the level-2 events still in
// the probes' ring. The imports have names no package declares, since a
// file's imports share a block with its package's names.
func testMainFile(pkgName string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by gohttpdbg. DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "package %s\n\n", pkgName)
	fmt.Fprintf(&b, "import (\n\tgohttpdbgos \"os\"\n\tgohttpdbgtesting \"testing\"\n\n\tgohttpdbgrt %q\n)\n\n", callsite.RuntimePath)
	fmt.Fprintf(&b, "// TestMain runs the tests as the go command's main would, then flushes\n")
	fmt.Fprintf(&b, "// the probes' events before the process exits.\n")
	fmt.Fprintf(&b, "func TestMain(m *gohttpdbgtesting.M) {\n\tcode := m.Run()\n\tgohttpdbgrt.Flush()\n\tgohttpdbgos.Exit(code)\n}\n")
	return b.Bytes()
}

// godebugFile returns the file that gives runtimehooks/admin the GODEBUG
// classes of the Go doing the build, classified from its GOROOT once per
// (GOROOT, version, gohttpdbg binary) and kept in the cache.
func godebugFile(cache, goroot, goVersion, exeID string) ([]byte, error) {
	p := filepath.Join(cache, "godebug", hashBytes([]byte(goroot), []byte(goVersion), []byte(exeID))[:20]+".go")
	if b, err := os.ReadFile(p); err == nil {
		return b, nil
	}
	keys, err := godebugclass.Classify(goroot)
	if err != nil {
		return nil, err
	}
	src, err := godebugclass.AdminSource(goVersion, keys)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, err
	}
	return src, writeFileAtomic(p, src, 0o644)
}
