package modgraph

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/tools/go/packages"
)

// The go command refuses an overlay of any file beneath GOMODCACHE, so a
// module-cache package that gohttpdbg must change (rewritten call sites
// under --instrument, the generated init file of a main package or of a
// package under test) is built from a copy of its module instead: the
// module is copied out of the module cache into gohttpdbg's cache, once per
// module version, and the -modfile copy (or the go.work copy) replaces the
// module by that directory. The overlay then applies to the copy.
//
// What the copy must not change is what the program says about itself:
// rewritten files carry //line directives naming the module cache path
// (they are rewritten from there), and the toolexec program maps the
// copy's directory back to the module cache's in the compiler's -trimpath
// (see toolexec.State.Copies), so panics, runtime.Caller and -trimpath
// builds name the files exactly as a plain build does. Sites are computed
// from the packages as loaded from the module cache, so they read
// module@version/path.go:LINE.

// Copy is one module copied out of the module cache.
type Copy struct {
	Path string // module path, as required (what the replace directive names)
	Orig string // its directory in the module cache
	Dir  string // the copy
}

// Copies are the modules a build copies, by module path.
type Copies struct {
	cache    string
	modCache string // GOMODCACHE
	mods     map[string]*Copy
}

// NewCopies returns the empty set of copies of a build whose module cache
// is modCache, made under the cache directory cache.
func NewCopies(cache, modCache string) *Copies {
	return &Copies{cache: cache, modCache: modCache, mods: map[string]*Copy{}}
}

// InModCache reports whether path lies in the module cache modCache.
func InModCache(path, modCache string) bool {
	return modCache != "" && strings.HasPrefix(path, modCache+string(filepath.Separator))
}

// ForPackage returns the copy of p's module, making it on first use, or
// nil when p is not in the module cache (its files can be overlaid where
// they are).
func (mc *Copies) ForPackage(p *packages.Package) (*Copy, error) {
	if len(p.GoFiles) == 0 || !InModCache(p.GoFiles[0], mc.modCache) {
		return nil, nil
	}
	m := p.Module
	if m == nil || m.Dir == "" {
		return nil, fmt.Errorf("%s is in the module cache but go list gives no module for it", p.PkgPath)
	}
	if m.Main {
		return nil, fmt.Errorf("the main module %s is in the module cache (%s), whose files the go command refuses to overlay.\n"+
			"\tBuild from a module of your own that requires it instead (go mod init x && go get %s@%s, then gohttpdbg --instrument=%s/... test %s/...)",
			m.Path, m.Dir, m.Path, modVersionOf(m.Dir), m.Path, m.Path)
	}
	if c := mc.mods[m.Path]; c != nil {
		return c, nil
	}
	// The content is that of the replacement when the module is replaced
	// by another version (replace M => N v1.2.3).
	path, version := m.Path, m.Version
	if r := m.Replace; r != nil {
		path, version = r.Path, r.Version
	}
	dir, err := copyModule(mc.cache, path, version, m.Dir)
	if err != nil {
		return nil, fmt.Errorf("copying %s@%s out of the module cache (which cannot be overlaid): %v", path, version, err)
	}
	c := &Copy{Path: m.Path, Orig: m.Dir, Dir: dir}
	mc.mods[m.Path] = c
	return c, nil
}

// modVersionOf returns the version in a module cache directory's name
// (…/path@version), "latest" when it has none.
func modVersionOf(dir string) string {
	if _, v, ok := strings.Cut(filepath.Base(dir), "@"); ok {
		return v
	}
	return "latest"
}

// Moved returns the name in the copy of a file (or directory) of the
// module cache, and name itself when no copied module holds it.
func (mc *Copies) Moved(name string) string {
	for _, c := range mc.mods {
		if rel, ok := Under(name, c.Orig); ok {
			return filepath.Join(c.Dir, rel)
		}
	}
	return name
}

// Sorted returns the copies in module path order.
func (mc *Copies) Sorted() []*Copy {
	out := make([]*Copy, 0, len(mc.mods))
	for _, c := range mc.mods {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Under returns name relative to dir when it is dir or lies beneath it.
func Under(name, dir string) (string, bool) {
	if name == dir {
		return ".", true
	}
	if strings.HasPrefix(name, dir+string(filepath.Separator)) {
		return name[len(dir)+1:], true
	}
	return "", false
}

// copyModule copies the module-cache directory orig of path@version to
// CACHE/modsrc/<escaped path>@<version> and returns that directory. A
// module version's content never changes, so an existing copy is reused;
// a new one is made in a temporary directory and renamed into place, so a
// concurrent build sees a whole copy or none. Files are hard-linked when
// the two directories share a file system (the module cache's files are
// read-only, so a link cannot be written through), and copied read-only
// otherwise; directories are as writable as in the module cache (so, as
// there, removing a copy takes chmod -R u+w first).
func copyModule(cache, path, version, orig string) (string, error) {
	esc, err := module.EscapePath(path)
	if err != nil {
		return "", err
	}
	escVer, err := module.EscapeVersion(version)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "modsrc", filepath.FromSlash(esc)+"@"+escVer)
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".tmp-"+filepath.Base(dir)+"-*")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	modes := map[string]fs.FileMode{} // directory (relative) → its mode in the module cache
	err = filepath.WalkDir(orig, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := Under(p, orig)
		to := filepath.Join(tmp, rel)
		switch {
		case d.IsDir():
			info, err := d.Info()
			if err != nil {
				return err
			}
			modes[rel] = info.Mode().Perm()
			return os.MkdirAll(to, 0o755)
		case d.Type().IsRegular():
			return linkOrCopy(p, to)
		}
		return nil // the module cache holds no other kind of file
	})
	if err != nil {
		return "", err
	}
	// A module from before modules (+incompatible) has no go.mod in the
	// module cache; a directory replacement needs one.
	if _, err := os.Stat(filepath.Join(tmp, "go.mod")); os.IsNotExist(err) {
		if err := os.WriteFile(filepath.Join(tmp, "go.mod"), []byte("module "+path+"\n"), 0o444); err != nil {
			return "", err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, "go.mod")); statErr == nil {
			return dir, nil // a concurrent build copied it first
		}
		return "", err
	}
	// The directories get the module cache's modes (read-only unless
	// -modcacherw): a test that writes beside its sources fails there,
	// and must fail the same way instrumented.
	for rel, mode := range modes {
		if err := os.Chmod(filepath.Join(dir, rel), mode); err != nil {
			return "", err
		}
	}
	return dir, nil
}

func linkOrCopy(from, to string) error {
	if os.Link(from, to) == nil {
		return nil
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
