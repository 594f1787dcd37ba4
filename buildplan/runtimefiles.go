package buildplan

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gohttpdbg/gohttpdbg/internal/buildcache"
	"github.com/gohttpdbg/gohttpdbg/rewrite/godebugclass"
)

// addRuntimeFiles adds to the runtime's packages, by overlay, what this
// build tells them: the std patch's wiring, the build stamp and the
// GODEBUG classes of the Go doing the build.
func (b *build) addRuntimeFiles() error {
	stdPkgs, wiring := stdPatchFor(b.ge.GOVERSION, b.opt.NoStdPatch)
	b.plan.StdPatch = stdPkgs
	godebug, err := godebugFile(b.cache, b.ge.GOROOT, b.ge.GOVERSION, b.patchID)
	if err != nil {
		b.warn(fmt.Sprintf("classifying the GODEBUG keys of %s: %v; the admin socket uses its built-in table", b.ge.GOVERSION, err))
	}
	hooksDir := filepath.Join(b.rtDir, "runtimehooks")
	for rel, content := range map[string][]byte{
		"zz_gohttpdbg_build.go":         buildStampFile(b.opt, b.ge.GOVERSION, stdPkgs, moduleRoots(b.mainModules()), b.ge.GOMODCACHE),
		"zz_gohttpdbg_stdwire.go":       wiring,
		"admin/zz_gohttpdbg_godebug.go": godebug,
	} {
		if content == nil {
			continue
		}
		path, err := buildcache.WriteAddressed(filepath.Join(b.cache, "src"), filepath.Base(rel), content)
		if err != nil {
			return err
		}
		b.overlay[filepath.Join(hooksDir, filepath.FromSlash(rel))] = path
	}
	return nil
}

// godebugFile returns the file that gives runtimehooks/admin the GODEBUG
// classes of the Go doing the build, classified from its GOROOT once per
// (GOROOT, version, gohttpdbg binary) and kept in the cache.
func godebugFile(cache, goroot, goVersion, exeID string) ([]byte, error) {
	p := filepath.Join(cache, "godebug", buildcache.Hash([]byte(goroot), []byte(goVersion), []byte(exeID))[:20]+".go")
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
	return src, buildcache.WriteFileAtomic(p, src, 0o644)
}
