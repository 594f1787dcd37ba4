package buildplan

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/gohttpdbg/gohttpdbg/goflags"
)

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
