package buildplan

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"

	"github.com/gohttpdbg/gohttpdbg/goflags"
)

func parse(t *testing.T, verb string, args ...string) *goflags.GoCommand {
	t.Helper()
	gc, err := goflags.ParseGoCommand(verb, args)
	if err != nil {
		t.Fatal(err)
	}
	return gc
}

// The go command line keeps the user's words, minus the flags gohttpdbg
// merged into its own, with gohttpdbg's flags after the user's leading
// ones; .go files named on the command line get their init file beside.
func TestCommand(t *testing.T) {
	t.Parallel()
	plan := &Plan{Flags: []string{"-overlay=/c/o.json", "-gcflags=net/http=-gohttpdbg=id"}}
	got := plan.Command(parse(t, "test", "-C", "d", "-overlay", "u.json", "-run", "X", "./...", "-args", "-v"))
	want := []string{"test", "-C", "d", "-run", "X", "-overlay=/c/o.json", "-gcflags=net/http=-gohttpdbg=id", "./...", "-args", "-v"}
	if !slices.Equal(got, want) {
		t.Errorf("Command:\n got %q\nwant %q", got, want)
	}
	dir := t.TempDir()
	plan.initFiles = map[string]string{dir: filepath.Join(dir, "zz_gohttpdbg_init.go")}
	got = plan.Command(parse(t, "run", filepath.Join(dir, "main.go"), "arg"))
	want = []string{"run", "-overlay=/c/o.json", "-gcflags=net/http=-gohttpdbg=id", filepath.Join(dir, "main.go"), filepath.Join(dir, "zz_gohttpdbg_init.go"), "arg"}
	if !slices.Equal(got, want) {
		t.Errorf("Command with .go files:\n got %q\nwant %q", got, want)
	}
}

// The stamp a build writes is the one inspect finds in the binary: the
// string constant of the generated file, as the compiler stores it.
func TestStampRoundTrip(t *testing.T) {
	t.Parallel()
	src := buildStampFile(Options{Version: "v1.2"}, "go1.26.1", []string{"net/http"}, "m=/src", "/mc")
	f, err := parser.ParseFile(token.NewFileSet(), "stamp.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var constant string
	ast.Inspect(f, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok && len(call.Args) == 4 {
			constant, _ = strconv.Unquote(call.Args[1].(*ast.BasicLit).Value)
		}
		return true
	})
	s, ok := FindStamp([]byte("\x00binary\x00" + constant + "\x00"))
	if !ok || s.Tool != "v1.2" || s.Go != "go1.26.1" || s.Probes != "all=1" || !slices.Equal(s.StdPatch, []string{"net/http"}) {
		t.Errorf("FindStamp = %+v, %v", s, ok)
	}
	if _, ok := FindStamp([]byte("no stamp here")); ok {
		t.Error("a stamp found where there is none")
	}
}

// The user's overlay joins gohttpdbg's, its relative paths made absolute
// against its own directory; a file both replace is refused.
func TestMergeUserOverlay(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "o.json")
	b, _ := json.Marshal(struct{ Replace map[string]string }{map[string]string{"a.go": "b.go", "/gone.go": ""}})
	os.WriteFile(path, b, 0o644)
	overlay := map[string]string{"/ours.go": "/cache/ours.go"}
	if err := mergeUserOverlay(overlay, path); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"/ours.go": "/cache/ours.go", filepath.Join(dir, "a.go"): filepath.Join(dir, "b.go"), "/gone.go": ""}
	if len(overlay) != len(want) || overlay[filepath.Join(dir, "a.go")] != want[filepath.Join(dir, "a.go")] || overlay["/gone.go"] != "" {
		t.Errorf("merged %v, want %v", overlay, want)
	}
	if err := mergeUserOverlay(map[string]string{filepath.Join(dir, "a.go"): "x"}, path); err == nil || !strings.Contains(err.Error(), "which gohttpdbg rewrites too") {
		t.Errorf("a file both overlays replace: err %v", err)
	}
}

// The dependencies that load takes in too: the main module's packages the
// roots import (not the roots, not other modules' packages unless
// --instrument names them, never the runtime).
func TestTargetDeps(t *testing.T) {
	t.Parallel()
	main := &packages.Module{Path: "example.com/app", Main: true}
	other := &packages.Module{Path: "example.com/lib"}
	pkg := func(path, name string, m *packages.Module, imports ...*packages.Package) *packages.Package {
		p := &packages.Package{ID: path, PkgPath: path, Name: name, Module: m, Imports: map[string]*packages.Package{}}
		for _, imp := range imports {
			p.Imports[imp.PkgPath] = imp
		}
		return p
	}
	std := pkg("net/http", "http", nil)
	lib := pkg("example.com/lib/client", "client", other, std)
	internal := pkg("example.com/app/internal/api", "api", main, lib, std)
	root := pkg("example.com/app/cmd/app", "main", main, internal)
	if got := targetDeps([]*packages.Package{root}, Options{}); !slices.Equal(got, []string{"example.com/app/internal/api"}) {
		t.Errorf("targetDeps = %q", got)
	}
	got := targetDeps([]*packages.Package{root}, Options{Instrument: []string{"example.com/lib/..."}})
	if !slices.Equal(got, []string{"example.com/app/internal/api", "example.com/lib/client"}) {
		t.Errorf("targetDeps with --instrument = %q", got)
	}
	roots, deps := splitDeps([]*packages.Package{root, internal}, []string{"example.com/app/internal/api"})
	if len(roots) != 1 || roots[0] != root || len(deps) != 1 || deps[0] != internal {
		t.Errorf("splitDeps: roots %v deps %v", roots, deps)
	}
}

// What the command named but is not instrumented is said once per module,
// and so is an --instrument pattern that matched nothing.
func TestInstrumentReport(t *testing.T) {
	t.Parallel()
	var r instrumentReport
	for _, path := range []string{"example.com/lib/a", "example.com/lib/b", "example.com/lib/a"} {
		r.notTarget(&packages.Package{PkgPath: path, Module: &packages.Module{Path: "example.com/lib"}}, true)
	}
	opt := Options{Instrument: []string{"example.com/other/...", "net/http"}}
	var got []string
	r.warn(opt, func(s string) { got = append(got, s) })
	want := []string{
		"not instrumented: call sites of example.com/lib/a, example.com/lib/b (module cache; the runtime is linked in: add --instrument=example.com/lib/... to rewrite them)",
		"not instrumented: --instrument=example.com/other/... matches no package of this build",
		"not instrumented: --instrument=net/http names standard-library packages, whose call sites gohttpdbg never rewrites (net/http itself is patched in every build)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings:\n got %q\nwant %q", got, want)
	}
}

// Vendor mode is the command's -mod, else GOFLAGS', else a
// vendor/modules.txt beside go.mod.
func TestVendorMode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ge := &goEnv{GOMOD: filepath.Join(dir, "go.mod")}
	if vendorMode(parse(t, "build"), ge) {
		t.Error("vendor mode without vendor/")
	}
	os.MkdirAll(filepath.Join(dir, "vendor"), 0o755)
	os.WriteFile(filepath.Join(dir, "vendor", "modules.txt"), nil, 0o644)
	if !vendorMode(parse(t, "build"), ge) {
		t.Error("no vendor mode with vendor/modules.txt")
	}
	if vendorMode(parse(t, "build", "-mod=mod"), ge) {
		t.Error("vendor mode despite -mod=mod")
	}
	if vendorMode(parse(t, "build"), &goEnv{GOMOD: ge.GOMOD, GOFLAGS: "-mod=readonly"}) {
		t.Error("vendor mode despite GOFLAGS=-mod=readonly")
	}
}
