package modgraph

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	gohttpdbg "github.com/gohttpdbg/gohttpdbg"
	"github.com/gohttpdbg/gohttpdbg/internal/buildcache"
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

// Unpack writes the embedded runtime module (probes, runtimehooks;
// no tests) into the cache and returns its directory. The directory name is
// the hash of its content, so it is written once per gohttpdbg version.
func Unpack(cache string) (string, error) {
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
	dir := filepath.Join(cache, "rt-"+buildcache.Hash(all...)[:20])
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

// runtimeDirs are the runtime's package trees, in the module.
var runtimeDirs = []string{"probes", "runtimehooks"}

// RuntimePatterns returns the package patterns of the runtime.
func RuntimePatterns() []string {
	var out []string
	for _, dir := range runtimeDirs {
		out = append(out, gohttpdbg.ModulePath+"/"+dir+"/...")
	}
	return out
}

// IsRuntimePackage reports whether pkgPath (or its external test package)
// is a package of the injected runtime.
func IsRuntimePackage(pkgPath string) bool {
	pkgPath = strings.TrimSuffix(pkgPath, "_test")
	for _, dir := range runtimeDirs {
		root := gohttpdbg.ModulePath + "/" + dir
		if pkgPath == root || strings.HasPrefix(pkgPath, root+"/") {
			return true
		}
	}
	return false
}
