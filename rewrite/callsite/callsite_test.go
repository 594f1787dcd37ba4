package callsite

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// TestWrappersMatchRules checks every rule against the wrapper it names:
// the wrapper must exist and take the original's receiver and arguments
// plus the site, and return exactly what the original returns, or the
// rewritten code would not compile (or would change types).
func TestWrappersMatchRules(t *testing.T) {
	t.Parallel()
	cfg := &packages.Config{Mode: packages.NeedTypes | packages.NeedName | packages.NeedImports | packages.NeedDeps, Dir: "../.."}
	pkgs, err := packages.Load(cfg, RuntimePath, HTTPTestPath, "net/http", "net/http/httptest")
	if err != nil {
		t.Fatal(err)
	}
	scope := map[string]*types.Scope{}
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		if len(p.Errors) > 0 {
			t.Fatalf("%s: %v", p.PkgPath, p.Errors)
		}
		scope[p.PkgPath] = p.Types.Scope()
	})
	str := types.Typ[types.String]
	for _, r := range Rules {
		t.Run(r.Name, func(t *testing.T) {
			pkgPath, name := splitObject(r.Object)
			wrapper := func(fn string) *types.Signature {
				w, ok := scope[r.Path].Lookup(fn).(*types.Func)
				if !ok {
					t.Fatalf("no func %s in %s", fn, r.Path)
				}
				return w.Type().(*types.Signature)
			}
			var want *types.Signature
			switch r.Kind {
			case KindFunc:
				want = scope[pkgPath].Lookup(name).Type().(*types.Signature)
				want = withSite(nil, want.Params(), want.Results(), str)
			case KindMethod:
				typ, meth, _ := strings.Cut(name, ".")
				ptr := types.NewPointer(scope[pkgPath].Lookup(typ).Type())
				obj, _, _ := types.LookupFieldOrMethod(ptr, true, nil, meth)
				m := obj.(*types.Func).Type().(*types.Signature)
				want = withSite(ptr, m.Params(), m.Results(), str)
				if r.ValueFunc != "" {
					fnType := types.NewSignatureType(nil, nil, nil, m.Params(), m.Results(), false)
					wantValue := withSite(ptr, types.NewTuple(), types.NewTuple(types.NewVar(token.NoPos, nil, "", fnType)), str)
					if got := wrapper(r.ValueFunc); !types.Identical(got, wantValue) {
						t.Errorf("%s is %s, want %s", r.ValueFunc, got, wantValue)
					}
				}
			case KindLiteral:
				ptr := types.NewPointer(scope[pkgPath].Lookup(name).Type())
				want = withSite(ptr, types.NewTuple(), types.NewTuple(types.NewVar(token.NoPos, nil, "", ptr)), str)
			case KindMain:
				want = types.NewSignatureType(nil, nil, nil, nil, nil, false)
			case KindVar:
				v := scope[pkgPath].Lookup(name).Type()
				want = withSite(v, types.NewTuple(), types.NewTuple(types.NewVar(token.NoPos, nil, "", v)), str)
			}
			if got := wrapper(r.Func); !types.Identical(got, want) {
				t.Errorf("%s is %s, want %s", r.Func, got, want)
			}
		})
	}
}

func splitObject(obj string) (pkg, name string) {
	obj = strings.TrimPrefix(strings.TrimPrefix(obj, "(*"), "(")
	obj = strings.Replace(obj, ").", ".", 1)
	i := strings.LastIndex(obj, "/")
	j := strings.Index(obj[i+1:], ".") + i + 1
	return obj[:j], obj[j+1:]
}

// withSite is func([recv,] params..., site string) results.
func withSite(recv types.Type, params, results *types.Tuple, str types.Type) *types.Signature {
	var vars []*types.Var
	if recv != nil {
		vars = append(vars, types.NewVar(token.NoPos, nil, "", recv))
	}
	for i := 0; i < params.Len(); i++ {
		vars = append(vars, params.At(i))
	}
	vars = append(vars, types.NewVar(token.NoPos, nil, "site", str))
	return types.NewSignatureType(nil, nil, nil, types.NewTuple(vars...), results, false)
}

func TestRulesRegistry(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, r := range Rules {
		if seen[r.Name] {
			t.Errorf("duplicate rule name %s", r.Name)
		}
		seen[r.Name] = true
		if r.Doc == "" || r.Func == "" || r.Path == "" {
			t.Errorf("rule %s is incomplete", r.Name)
		}
	}
}

func TestModuleSite(t *testing.T) {
	t.Parallel()
	main := &packages.Package{Module: &packages.Module{Path: "example.com/app", Dir: "/src/app", Main: true}}
	dep := &packages.Package{Module: &packages.Module{Path: "example.com/dep", Version: "v1.2.3", Dir: "/mod/example.com/dep@v1.2.3"}}
	for _, c := range []struct {
		pkg  *packages.Package
		file string
		want string
	}{
		{main, "/src/app/client.go", "client.go:42"},
		{main, "/src/app/cmd/app/main.go", "cmd/app/main.go:42"},
		{dep, "/mod/example.com/dep@v1.2.3/http/c.go", "example.com/dep@v1.2.3/http/c.go:42"},
		{main, "/elsewhere/x.go", "x.go:42"},
		{&packages.Package{}, "/a/b.go", "b.go:42"},
	} {
		if got := ModuleSite(c.pkg)(token.Position{Filename: c.file, Line: 42}); got != c.want {
			t.Errorf("ModuleSite(%s) = %s, want %s", c.file, got, c.want)
		}
	}
}

func TestAliasesAvoidEveryName(t *testing.T) {
	t.Parallel()
	src := `package p
import gohttpdbgrt1 "fmt"
var gohttpdbgrt = gohttpdbgrt1.Sprint()
func f() { httptestrt := 1; _ = httptestrt }
`
	f, err := parser.ParseFile(token.NewFileSet(), "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := aliases([]*ast.File{f})
	if got["gohttpdbgrt"] != "gohttpdbgrt2" || got["httptestrt"] != "httptestrt1" {
		t.Errorf("aliases = %v", got)
	}
}

// Each rule carries the form of its edits: a shape the rewriter builds,
// and one for the value use exactly when it wraps one.
func TestRulesCarryShapes(t *testing.T) {
	t.Parallel()
	known := map[Shape]bool{}
	for _, s := range Shapes {
		known[s] = true
	}
	for _, r := range Rules {
		if !known[r.Shape] {
			t.Errorf("%s: shape %q is not in Shapes", r.Name, r.Shape)
		}
		if (r.ValueFunc != "") != (r.ValueShape != "") || (r.ValueShape != "" && !known[r.ValueShape]) {
			t.Errorf("%s: ValueFunc %q with ValueShape %q", r.Name, r.ValueFunc, r.ValueShape)
		}
	}
}

// Each rule's Kind has its finder, once, and no finder is left for a Kind
// no rule has.
func TestEveryKindFound(t *testing.T) {
	t.Parallel()
	found := map[Kind]int{}
	for _, k := range finders {
		found[k.kind]++
	}
	used := map[Kind]bool{}
	for _, r := range Rules {
		used[r.Kind] = true
		if found[r.Kind] != 1 {
			t.Errorf("%s: %d finders for its kind %d", r.Name, found[r.Kind], r.Kind)
		}
	}
	for k := range found {
		if !used[k] {
			t.Errorf("finder for kind %d, which no rule has", k)
		}
	}
}
