package buildplan

import (
	"fmt"

	"golang.org/x/tools/go/packages"

	"github.com/gohttpdbg/gohttpdbg"
	"github.com/gohttpdbg/gohttpdbg/modgraph"
)

// addModules puts into the build the runtime module (unpacked into the
// cache, unless the main module is gohttpdbg's own) and the modules copied
// out of the module cache: by a go.mod copy (-modfile) or, in workspace
// mode, a go.work copy (GOWORK).
func (b *build) addModules() error {
	var rtAdd string // the runtime directory to add to the build, if any
	if m := b.mainModules()[gohttpdbg.ModulePath]; m != nil {
		b.rtDir = m.Dir
	} else {
		dir, err := modgraph.Unpack(b.cache)
		if err != nil {
			return fmt.Errorf("unpacking the runtime: %v", err)
		}
		b.rtDir, rtAdd = dir, dir
	}
	copied := b.copies.Sorted()
	if rtAdd == "" && len(copied) == 0 {
		return nil
	}
	if b.ge.workspace() {
		work, err := modgraph.WorkfileCopy(b.cache, b.ge.GOWORK, rtAdd, copied)
		if err != nil {
			return err
		}
		if work != "" {
			b.plan.Env = append(b.plan.Env, "GOWORK="+work)
		}
		return nil
	}
	mf, err := modgraph.ModfileCopy(b.cache, goModFile(b.gc, b.ge, b.dir), rtAdd, copied)
	if err != nil {
		return err
	}
	b.plan.Flags = append(b.plan.Flags, "-modfile="+mf)
	return nil
}

// mainModules are the main modules of the loaded packages, by path.
func (b *build) mainModules() map[string]*packages.Module {
	mods := map[string]*packages.Module{}
	for _, p := range b.pkgs {
		if p.Module != nil && p.Module.Main {
			mods[p.Module.Path] = p.Module
		}
	}
	return mods
}
