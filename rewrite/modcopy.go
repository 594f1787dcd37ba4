package rewrite

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

	"github.com/gohttpdbg/gohttpdbg/goflags"
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
// (see ToolexecState.Copies), so panics, runtime.Caller and -trimpath
// builds name the files exactly as a plain build does. Sites are computed
// from the packages as loaded from the module cache, so they read
// module@version/path.go:LINE.

// modCopy is one module copied out of the module cache.
type modCopy struct {
	Path string // module path, as required (what the replace directive names)
	Orig string // its directory in the module cache
	Dir  string // the copy
}

// modCopies are the modules a build copies, by module path.
type modCopies struct {
	cache string
	ge    *goEnv
	mods  map[string]*modCopy
}

func newModCopies(cache string, ge *goEnv) *modCopies {
	return &modCopies{cache: cache, ge: ge, mods: map[string]*modCopy{}}
}

// forPackage returns the copy of p's module, making it on first use, or
// nil when p is not in the module cache (its files can be overlaid where
// they are).
func (mc *modCopies) forPackage(p *packages.Package) (*modCopy, error) {
	if !isInModCache(p, mc.ge) {
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
	c := &modCopy{Path: m.Path, Orig: m.Dir, Dir: dir}
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

// moved returns the name in the copy of a file (or directory) of the
// module cache, and name itself when no copied module holds it.
func (mc *modCopies) moved(name string) string {
	for _, c := range mc.mods {
		if rel, ok := under(name, c.Orig); ok {
			return filepath.Join(c.Dir, rel)
		}
	}
	return name
}

// sorted returns the copies in module path order.
func (mc *modCopies) sorted() []*modCopy {
	out := make([]*modCopy, 0, len(mc.mods))
	for _, c := range mc.mods {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// under returns name relative to dir when it is dir or lies beneath it.
func under(name, dir string) (string, bool) {
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
		rel, _ := under(p, orig)
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

// instrumentReport collects where a build's instrumentation differs from
// what the command asked for, to say so in one line each.
type instrumentReport struct {
	// outside: packages the command names that are outside the main
	// modules and not matched by --instrument, by module: they get the
	// runtime (a main package, a package under test) but keep their call
	// sites.
	outside map[string]*outsideModule
	matched map[string]bool // --instrument patterns that matched a package
	std     []string        // standard-library packages the command names
}

func (r *instrumentReport) stdRoot(p *packages.Package) {
	for _, have := range r.std {
		if have == p.PkgPath {
			return
		}
	}
	r.std = append(r.std, p.PkgPath)
}

type outsideModule struct {
	modCache bool
	pkgs     []string
}

func (r *instrumentReport) notTarget(p *packages.Package, modCache bool) {
	mod := p.PkgPath
	if p.Module != nil {
		mod = p.Module.Path
	}
	if r.outside == nil {
		r.outside = map[string]*outsideModule{}
	}
	o := r.outside[mod]
	if o == nil {
		o = &outsideModule{}
		r.outside[mod] = o
	}
	o.modCache = o.modCache || modCache
	for _, have := range o.pkgs {
		if have == p.PkgPath {
			return
		}
	}
	o.pkgs = append(o.pkgs, p.PkgPath)
}

func (r *instrumentReport) target(p *packages.Package, opt Options) {
	for _, pat := range opt.Instrument {
		if goflags.MatchPackagePattern(strings.TrimSuffix(pat, "/"), p.PkgPath) {
			if r.matched == nil {
				r.matched = map[string]bool{}
			}
			r.matched[pat] = true
		}
	}
}

func (r *instrumentReport) warn(opt Options, warn func(string)) {
	mods := make([]string, 0, len(r.outside))
	for m := range r.outside {
		mods = append(mods, m)
	}
	sort.Strings(mods)
	for _, m := range mods {
		o := r.outside[m]
		sort.Strings(o.pkgs)
		list := o.pkgs
		more := ""
		if len(list) > 3 {
			more = fmt.Sprintf(" and %d more", len(list)-3)
			list = list[:3]
		}
		where := "outside the main module"
		if o.modCache {
			where = "module cache"
		}
		warn(fmt.Sprintf("not instrumented: call sites of %s%s (%s; the runtime is linked in: add --instrument=%s/... to rewrite them)",
			strings.Join(list, ", "), more, where, m))
	}
	if len(r.std) > 0 {
		sort.Strings(r.std)
		warn(fmt.Sprintf("not instrumented: %s (standard library: the runtime cannot be linked into it; the std patch applies with its hooks unset, --std-selftest installs stand-ins: docs/STDPATCH.md)", strings.Join(r.std, ", ")))
	}
	for _, pat := range opt.Instrument {
		switch {
		case r.matched[pat]:
		case !strings.Contains(strings.SplitN(pat, "/", 2)[0], "."):
			warn(fmt.Sprintf("not instrumented: --instrument=%s names standard-library packages, whose call sites gohttpdbg never rewrites (net/http itself is patched in every build)", pat))
		default:
			warn(fmt.Sprintf("not instrumented: --instrument=%s matches no package of this build", pat))
		}
	}
}
