package rewrite_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"golang.org/x/tools/go/packages"

	"github.com/gohttpdbg/gohttpdbg/rewrite"
	"github.com/gohttpdbg/gohttpdbg/rewrite/callsite"
)

var update = flag.Bool("update", false, "rewrite the golden want.golden and edits.json files")

// goldenModule is a temporary module holding every testdata case as a
// package (in.go only, from in.go.txt), and a copy of the
// runtime packages the wrappers live in, required through a replace.
type goldenModule struct {
	dir   string
	cases []string
	pkgs  map[string]*packages.Package
	err   error
}

var (
	golden     goldenModule
	goldenOnce sync.Once
)

func setupGolden(t *testing.T) *goldenModule {
	t.Helper()
	goldenOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gohttpdbg-golden-")
		if err != nil {
			golden.err = err
			return
		}
		golden.dir, golden.err = dir, buildGoldenModule(dir)
	})
	if golden.err != nil {
		t.Fatal(golden.err)
	}
	return &golden
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if golden.dir != "" {
		os.RemoveAll(golden.dir)
	}
	os.Exit(code)
}

func buildGoldenModule(dir string) error {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		// in.go and any helper packages below it. The sources are kept as
		// .go.txt (some are deliberately not gofmt'd, and want.golden is
		// generated), so that the repository's Go files all pass gofmt.
		err := filepath.WalkDir(filepath.Join("testdata", e.Name()), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go.txt") {
				return err
			}
			rel, err := filepath.Rel("testdata", strings.TrimSuffix(path, ".txt"))
			if err != nil {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, rel), src, 0o644)
		})
		if err != nil {
			return err
		}
		golden.cases = append(golden.cases, e.Name())
	}
	if err := copyRuntime(filepath.Join(dir, "rt")); err != nil {
		return err
	}
	gomod := "module example.com/golden\n\ngo 1.26\n\nrequire github.com/gohttpdbg/gohttpdbg v0.0.0\n\nreplace github.com/gohttpdbg/gohttpdbg => ./rt\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		return err
	}
	pkgs, err := packages.Load(&packages.Config{Mode: callsite.LoadMode, Dir: dir, Env: goEnv()}, "./...")
	if err != nil {
		return err
	}
	golden.pkgs = map[string]*packages.Package{}
	for _, p := range pkgs {
		if len(p.Errors) > 0 {
			return fmt.Errorf("%s: %v", p.PkgPath, p.Errors)
		}
		golden.pkgs[strings.TrimPrefix(p.PkgPath, "example.com/golden/")] = p
	}
	return nil
}

func goEnv() []string {
	return append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off")
}

// copyRuntime copies the wrapper packages and the module packages they
// import (non-test files) into a std-only module, as the build does.
func copyRuntime(dst string) error {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}={{.Dir}}{{end}}",
		"../runtimehooks/gohttpdbgrt/...").Output()
	if err != nil {
		return fmt.Errorf("go list runtime: %v", err)
	}
	const mod = "github.com/gohttpdbg/gohttpdbg"
	for _, line := range strings.Fields(string(out)) {
		path, dir, _ := strings.Cut(line, "=")
		rel := strings.TrimPrefix(strings.TrimPrefix(path, mod), "/")
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dst, rel), 0o755); err != nil {
			return err
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dst, rel, filepath.Base(f)), b, 0o644); err != nil {
				return err
			}
		}
	}
	return os.WriteFile(filepath.Join(dst, "go.mod"), []byte("module "+mod+"\n\ngo 1.26\n"), 0o644)
}

// rewriteCase runs Find and RewriteFile on one case.
func rewriteCase(t *testing.T, g *goldenModule, name string) (file string, src, out []byte, edits []callsite.Edit) {
	t.Helper()
	pkg := g.pkgs[name]
	if pkg == nil {
		t.Fatalf("case %s not loaded", name)
	}
	edits, err := callsite.Find(pkg, nil)
	if err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(g.dir, name, "in.go")
	for _, e := range edits {
		if e.File != file {
			t.Fatalf("edit for %s, want %s", e.File, file)
		}
	}
	src, err = os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	out, err = rewrite.RewriteFile(file, src, edits)
	if err != nil {
		t.Fatal(err)
	}
	return file, src, out, edits
}

func TestGolden(t *testing.T) {
	g := setupGolden(t)
	for _, name := range g.cases {
		t.Run(name, func(t *testing.T) {
			file, src, out, edits := rewriteCase(t, g, name)
			checkFidelity(t, file, src, out, deletedTokens(t, file, src, edits))

			got := bytes.ReplaceAll(out, []byte(g.dir), []byte("/golden"))
			js := editsJSON(t, g.dir, edits)
			wantFile := filepath.Join("testdata", name, "want.golden")
			jsFile := filepath.Join("testdata", name, "edits.json")
			if *update {
				if err := os.WriteFile(wantFile, got, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(jsFile, js, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			compareGolden(t, wantFile, got)
			compareGolden(t, jsFile, js)
		})
	}
}

func compareGolden(t *testing.T, file string, got []byte) {
	t.Helper()
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got ---\n%s", file, got)
	}
}

func editsJSON(t *testing.T, dir string, edits []callsite.Edit) []byte {
	t.Helper()
	norm := make([]callsite.Edit, len(edits))
	for i, e := range edits {
		e.File = filepath.ToSlash(strings.TrimPrefix(e.File, dir+string(filepath.Separator)))
		norm[i] = e
	}
	b, err := json.MarshalIndent(norm, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestUntouched(t *testing.T) {
	g := setupGolden(t)
	for _, name := range []string{"untouched"} {
		_, src, out, edits := rewriteCase(t, g, name)
		if len(edits) != 0 || !bytes.Equal(src, out) {
			t.Errorf("%s: %d edits, output changed=%v; want none", name, len(edits), !bytes.Equal(src, out))
		}
	}
}

func TestEditsRoundTripJSON(t *testing.T) {
	g := setupGolden(t)
	file, src, out, edits := rewriteCase(t, g, "defaults")
	b, err := json.Marshal(edits)
	if err != nil {
		t.Fatal(err)
	}
	var back []callsite.Edit
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	again, err := rewrite.RewriteFile(file, src, back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, again) {
		t.Error("edits decoded from JSON rewrite differently")
	}
}

// TestCoverOutput replays edits found on pristine files on what
// `go tool cover` makes of them: counters in front of statements move
// columns, a //line directive maps back to the pristine file.
func TestCoverOutput(t *testing.T) {
	g := setupGolden(t)
	cases := []string{"pkgfuncs", "notgofmt", "multiline", "rawstring", "defaults", "dotimport"}
	overlay := map[string]string{}
	tmp := t.TempDir()
	for _, name := range cases {
		mode := "set"
		if name == "multiline" || name == "dotimport" {
			mode = "atomic" // adds an import on the package clause's line
		}
		t.Run(name, func(t *testing.T) {
			file, _, _, edits := rewriteCase(t, g, name)
			coverOut := filepath.Join(tmp, name+".cover.go")
			cmd := exec.Command("go", "tool", "cover", "-mode="+mode, "-var=GoCover_0", "-o", coverOut, file)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go tool cover: %v\n%s", err, b)
			}
			src, err := os.ReadFile(coverOut)
			if err != nil {
				t.Fatal(err)
			}
			out, err := rewrite.RewriteFile(coverOut, src, edits)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(regexp.MustCompile(`gohttpdbgrt(/\*line [^*]*\*/)?\.`).FindAllIndex(out, -1)); n < len(edits)-blankImports(edits) {
				t.Errorf("%d wrapper calls in the output, want at least %d", n, len(edits))
			}
			checkFidelity(t, coverOut, src, out, deletedTokens(t, coverOut, src, edits))
			repl := coverOut + ".rewritten.go"
			if err := os.WriteFile(repl, out, 0o644); err != nil {
				t.Fatal(err)
			}
			overlay[file] = repl
		})
	}
	if testing.Short() {
		return
	}
	// The rewritten cover output must compile in place of the pristine file.
	overlayJSON := filepath.Join(tmp, "overlay.json")
	b, _ := json.Marshal(map[string]any{"Replace": overlay})
	if err := os.WriteFile(overlayJSON, b, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"build", "-overlay=" + overlayJSON}
	for _, name := range cases {
		args = append(args, "./"+name)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir, cmd.Env = g.dir, goEnv()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("build of rewritten cover output: %v\n%s", err, b)
	}
}

// TestRealWorld rewrites large std test files with synthetic edits (every
// few calls and composite literals) and checks line fidelity.
func TestRealWorld(t *testing.T) {
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(strings.TrimSpace(string(goroot)), "src", "net", "http")
	for _, base := range []string{"client_test.go", "serve_test.go", "request_test.go"} {
		t.Run(base, func(t *testing.T) {
			file := filepath.Join(root, base)
			src, err := os.ReadFile(file)
			if err != nil {
				t.Skip(err)
			}
			edits := syntheticEdits(t, file, src, 7, 60)
			out, err := rewrite.RewriteFile(file, src, edits)
			if err != nil {
				t.Fatal(err)
			}
			checkFidelity(t, file, src, out, deletedTokens(t, file, src, edits))
		})
	}
}

func blankImports(edits []callsite.Edit) int {
	n := 0
	for _, e := range edits {
		if e.Shape == callsite.ShapeBlankImport {
			n++
		}
	}
	return n
}

func syntheticEdits(t *testing.T, file string, src []byte, every, max int) []callsite.Edit {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var edits []callsite.Edit
	n := 0
	for _, l := range callsite.Locate(f, fset.Position) {
		e := callsite.Edit{File: file, Pos: l.Pos, Node: l.Kind, Key: l.Key, Ordinal: l.Ordinal,
			Rule: "synthetic", Wrapper: callsite.Wrapper{Path: callsite.RuntimePath, Name: "W", Alias: "gohttpdbgrt"},
			Site: fmt.Sprintf("x.go:%d", l.Pos.Line)}
		switch node := l.Node.(type) {
		case *ast.CallExpr:
			switch ast.Unparen(node.Fun).(type) {
			case *ast.SelectorExpr:
				e.Shape = callsite.ShapeMethodCall
			case *ast.Ident:
				e.Shape = callsite.ShapeCall
			default:
				continue
			}
		case *ast.UnaryExpr:
			e.Shape = callsite.ShapeWrap
		case *ast.CompositeLit:
			if node.Type == nil {
				continue
			}
			e.Shape = callsite.ShapeDerefWrap
		default:
			continue
		}
		if n++; n%every == 0 && len(edits) < max {
			edits = append(edits, e)
		}
	}
	return edits
}

type tokKey struct {
	text string
	pos  token.Position
}

// litTokens returns the identifiers and literals of src with the positions
// go/scanner gives them (honouring line directives), keyed by offset.
func litTokens(t *testing.T, file string, src []byte) map[int]tokKey {
	t.Helper()
	fset := token.NewFileSet()
	tf := fset.AddFile(file, -1, len(src))
	var s scanner.Scanner
	s.Init(tf, src, func(pos token.Position, msg string) { t.Fatalf("%s: %s", pos, msg) }, 0)
	toks := map[int]tokKey{}
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			return toks
		}
		if tok.IsLiteral() {
			p := fset.Position(pos)
			p.Offset = 0
			toks[tf.Offset(pos)] = tokKey{lit, p}
		}
	}
}

// checkFidelity is the line-fidelity property: out parses, and every
// identifier and literal of src (except those the edits replace) is in out
// at exactly the file:line:col it has in src.
func checkFidelity(t *testing.T, file string, src, out []byte, deleted map[int]bool) {
	t.Helper()
	if _, err := parser.ParseFile(token.NewFileSet(), file, out, parser.ParseComments); err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, out)
	}
	have := map[tokKey]int{}
	for _, k := range litTokens(t, file, out) {
		have[k]++
	}
	orig := litTokens(t, file, src)
	offs := make([]int, 0, len(orig))
	for off := range orig {
		offs = append(offs, off)
	}
	sort.Ints(offs)
	bad := 0
	for _, off := range offs {
		k := orig[off]
		if deleted[off] {
			continue
		}
		if have[k] == 0 {
			if bad++; bad <= 10 {
				t.Errorf("%q at %s: not at that position in the output", k.text, k.pos)
			}
			continue
		}
		have[k]--
	}
	if bad > 0 {
		t.Logf("%d tokens moved; output:\n%s", bad, out)
	}
}

// deletedTokens returns the offsets in src of the tokens the edits replace:
// the qualified name of a rewritten function, the method name of a
// rewritten method call or value, the name of an import made blank.
func deletedTokens(t *testing.T, file string, src []byte, edits []callsite.Edit) map[int]bool {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	adj := token.NewFileSet().AddFile(file, -1, len(src))
	var s scanner.Scanner
	s.Init(adj, src, nil, 0)
	for _, tok, _ := s.Scan(); tok != token.EOF; _, tok, _ = s.Scan() {
	}
	tf := fset.File(f.Pos())
	position := func(p token.Pos) token.Position { return adj.PositionFor(adj.Pos(tf.Offset(p)), true) }
	type key struct {
		line      int
		kind, key string
		ord       int
	}
	byKey := map[key]ast.Node{}
	for _, l := range callsite.Locate(f, position) {
		byKey[key{l.Pos.Line, l.Kind, l.Key, l.Ordinal}] = l.Node
	}
	del := map[int]bool{}
	for _, e := range edits {
		n := byKey[key{e.Pos.Line, e.Node, e.Key, e.Ordinal}]
		if n == nil {
			t.Fatalf("edit %+v names no node", e)
		}
		var sel *ast.SelectorExpr
		switch n := n.(type) {
		case *ast.ImportSpec:
			if n.Name != nil {
				del[tf.Offset(n.Name.Pos())] = true
			}
		case *ast.CallExpr:
			fun := ast.Unparen(n.Fun)
			sel, _ = fun.(*ast.SelectorExpr)
			if id, ok := fun.(*ast.Ident); ok && e.Shape == callsite.ShapeCall {
				del[tf.Offset(id.Pos())] = true
			}
		case *ast.SelectorExpr:
			sel = n
		}
		if sel == nil {
			continue
		}
		switch e.Shape {
		case callsite.ShapeCall:
			if x, ok := sel.X.(*ast.Ident); ok {
				del[tf.Offset(x.Pos())] = true
			}
			del[tf.Offset(sel.Sel.Pos())] = true
		case callsite.ShapeMethodCall, callsite.ShapeMethodValue:
			del[tf.Offset(sel.Sel.Pos())] = true
		}
	}
	return del
}

// TestBuildRewritten compiles every rewritten case through -overlay, and
// checks that runtime.Caller, panics and compile errors report the same
// file:line(:col) as the plain build.
func TestBuildRewritten(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	g := setupGolden(t)
	work := t.TempDir()
	overlay := map[string]string{}
	for _, name := range g.cases {
		file, _, out, edits := rewriteCase(t, g, name)
		if len(edits) == 0 {
			continue
		}
		repl := filepath.Join(work, name+".go")
		if err := os.WriteFile(repl, out, 0o644); err != nil {
			t.Fatal(err)
		}
		overlay[file] = repl
	}
	overlayJSON := filepath.Join(work, "overlay.json")
	b, _ := json.Marshal(map[string]any{"Replace": overlay})
	if err := os.WriteFile(overlayJSON, b, 0o644); err != nil {
		t.Fatal(err)
	}
	goCmd := func(args ...string) ([]byte, error) {
		cmd := exec.Command("go", args...)
		cmd.Dir = g.dir
		cmd.Env = goEnv()
		return cmd.CombinedOutput()
	}
	if out, err := goCmd("build", "-overlay="+overlayJSON, "./..."); err != nil {
		t.Fatalf("build of rewritten cases: %v\n%s", err, out)
	}
	if out, err := goCmd("vet", "-overlay="+overlayJSON, "./..."); err != nil {
		t.Errorf("vet of rewritten cases: %v\n%s", err, out)
	}

	plainBin, rewBin := filepath.Join(work, "plain"), filepath.Join(work, "rewritten")
	if out, err := goCmd("build", "-o", plainBin, "./fidelity"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := goCmd("build", "-overlay="+overlayJSON, "-o", rewBin, "./fidelity"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// stdout only: the instrumented program also reports events on stderr.
	plain, _ := exec.Command(plainBin).Output()
	rew, _ := exec.Command(rewBin).Output()
	if !strings.Contains(string(plain), "frame main.boom in.go 45") {
		t.Fatalf("fidelity program output lacks the panic frame:\n%s", plain)
	}
	if !bytes.Equal(plain, rew) {
		t.Errorf("rewritten program reports other positions:\n--- plain ---\n%s--- rewritten ---\n%s", plain, rew)
	}

	// Compile errors: positions with columns, after a rewritten call on
	// the same line.
	dir := filepath.Join(g.dir, "compileerr")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := []byte("package compileerr\n\nimport \"net/http\"\n\nfunc f(u string) {\n\t_, _ = http.Get(u); var x int = \"s\"; _ = x\n\t_, _ = http.DefaultClient.Get(u +\n\t\t1)\n}\n")
	file := filepath.Join(dir, "in.go")
	if err := os.WriteFile(file, src, 0o644); err != nil {
		t.Fatal(err)
	}
	pkgs, err := packages.Load(&packages.Config{Mode: callsite.LoadMode, Dir: dir, Env: goEnv()}, ".")
	if err != nil {
		t.Fatal(err)
	}
	edits, err := callsite.Find(pkgs[0], nil)
	if err != nil || len(edits) != 2 {
		t.Fatalf("edits %v, err %v; want 2 edits", edits, err)
	}
	out, err := rewrite.RewriteFile(file, src, edits)
	if err != nil {
		t.Fatal(err)
	}
	repl := filepath.Join(work, "compileerr.go")
	os.WriteFile(repl, out, 0o644)
	b, _ = json.Marshal(map[string]any{"Replace": map[string]string{file: repl}})
	os.WriteFile(overlayJSON, b, 0o644)
	plainErr, _ := goCmd("build", "./compileerr")
	rewErr, _ := goCmd("build", "-overlay="+overlayJSON, "./compileerr")
	if !strings.Contains(string(plainErr), "in.go:6:") {
		t.Fatalf("unexpected plain build output:\n%s", plainErr)
	}
	if !bytes.Equal(plainErr, rewErr) {
		t.Errorf("compile errors differ:\n--- plain ---\n%s--- rewritten ---\n%s\n--- source ---\n%s", plainErr, rewErr, out)
	}
}
