package buildplan

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/gohttpdbg/gohttpdbg/internal/buildcache"
	"github.com/gohttpdbg/gohttpdbg/modgraph"
	"github.com/gohttpdbg/gohttpdbg/rewrite"
	"github.com/gohttpdbg/gohttpdbg/rewrite/callsite"
)

// rewriteCallSites rewrites the call sites of the target packages into
// the overlay and notes the packages the command names that get the
// runtime (an init file), copying the module-cache modules either needs;
// what the command named but is not instrumented is said once.
func (b *build) rewriteCallSites() error {
	isRoot := map[*packages.Package]bool{}
	for _, p := range b.roots {
		isRoot[p] = true
	}
	seen := map[string]bool{}
	var report instrumentReport
	for _, p := range b.pkgs {
		if seen[p.ID] || strings.HasSuffix(p.ID, ".test") {
			// The last: a test's generated main, which go list shows from
			// the build cache and the go command makes anew: an overlay
			// of it would be ignored (testMains is how tests flush).
			continue
		}
		seen[p.ID] = true
		if err := b.instrument(p, isRoot[p], &report); err != nil {
			return err
		}
	}
	sort.Strings(b.plan.Rewritten)
	report.warn(b.opt, b.warn)
	return nil
}

// instrument gives one package what it needs: the runtime when the
// command names it (root) as a main package or under test, wherever it
// lives; its call sites rewritten when it is a target (see isTarget).
func (b *build) instrument(p *packages.Package, root bool, report *instrumentReport) error {
	target := isTarget(p, b.opt)
	needsInit := root && (p.Name == "main" || b.gc.LoadsTests()) && !modgraph.IsRuntimePackage(p.PkgPath) &&
		len(p.GoFiles) > 0 && !strings.HasSuffix(p.PkgPath, "_test")
	if needsInit && p.Module == nil {
		// The standard library: the runtime imports it, so it cannot
		// import the runtime.
		report.stdRoot(p)
		needsInit = false
	}
	if !target && !needsInit {
		return nil
	}
	if !target {
		report.notTarget(p, isInModCache(p, b.ge))
	} else {
		report.target(p, b.opt)
	}
	if _, err := b.copies.ForPackage(p); err != nil {
		return err
	}
	if needsInit {
		b.inits[b.copies.Moved(filepath.Dir(p.GoFiles[0]))] = p.Name
	}
	if !target || len(p.Errors) > 0 || p.TypesInfo == nil {
		// A package with errors: the go command reports them itself,
		// exactly as a plain build would; gohttpdbg leaves it as it is.
		return nil
	}
	fe, err := rewritePackage(p)
	if err != nil {
		return fmt.Errorf("%s: %v", p.PkgPath, err)
	}
	return b.overlayRewritten(fe)
}

// overlayRewritten puts a package's rewritten files into the overlay. A
// module-cache file is rewritten from where it is (its //line directives
// name it there) and overlaid in the copy.
func (b *build) overlayRewritten(fe *fileEdits) error {
	for file, content := range fe.content {
		key := b.copies.Moved(file)
		if _, dup := b.overlay[key]; dup {
			continue // same file in the package and its test variant
		}
		path, err := buildcache.WriteAddressed(filepath.Join(b.cache, "src"), filepath.Base(file), content)
		if err != nil {
			return err
		}
		b.overlay[key] = path
		b.edits[key] = fe.edits[file]
		b.plan.Rewritten = append(b.plan.Rewritten, file)
	}
	return nil
}

// fileEdits is what rewriting produces for one package: for each
// absolute file name, the rewritten content, plus the serialized edits the
// toolexec program re-applies to `go tool cover` output.
type fileEdits struct {
	content map[string][]byte
	edits   map[string][]byte // file → JSON of its []callsite.Edit
}

// rewritePackage runs the call-site rules on one type-checked package and
// rewrites each file that has a site; the others are not in the result.
func rewritePackage(pkg *packages.Package) (*fileEdits, error) {
	edits, err := callsite.Find(pkg, nil)
	if err != nil {
		return nil, err
	}
	byFile := map[string][]callsite.Edit{}
	var order []string
	for _, e := range edits {
		if _, ok := byFile[e.File]; !ok {
			order = append(order, e.File)
		}
		byFile[e.File] = append(byFile[e.File], e)
	}
	fe := &fileEdits{content: map[string][]byte{}, edits: map[string][]byte{}}
	for _, file := range order {
		src, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		out, err := rewrite.RewriteFile(file, src, byFile[file])
		if err != nil {
			return nil, err
		}
		js, err := json.Marshal(byFile[file])
		if err != nil {
			return nil, err
		}
		fe.content[file] = out
		fe.edits[file] = js
	}
	return fe, nil
}
