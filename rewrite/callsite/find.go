package callsite

import (
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// LoadMode is what Find needs from go/packages.
const LoadMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
	packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo | packages.NeedModule

// Find returns the edits for every call site of a registered rule in pkg,
// grouped by file and in source order. site renders the (unadjusted, real
// file) position of a site; nil means ModuleSite(pkg).
//
// Files that import "C" are skipped, and so is every file not in
// pkg.GoFiles: go/packages gives the cgo-processed form of cgo files, not
// what the user wrote, and the overlay can only replace the user's files.
func Find(pkg *packages.Package, site func(token.Position) string) ([]Edit, error) {
	if pkg.TypesInfo == nil || pkg.Fset == nil || pkg.Types == nil {
		return nil, fmt.Errorf("callsite: package %s loaded without types or syntax (need callsite.LoadMode)", pkg.PkgPath)
	}
	if site == nil {
		site = ModuleSite(pkg)
	}
	f := &finder{
		pkg:      pkg.Types,
		info:     pkg.TypesInfo,
		fset:     pkg.Fset,
		site:     site,
		aliases:  aliases(pkg.Syntax),
		consumed: map[ast.Node]bool{},
	}
	user := map[string]bool{}
	for _, name := range pkg.GoFiles {
		user[name] = true
	}
	for _, file := range pkg.Syntax {
		name := pkg.Fset.PositionFor(file.Pos(), false).Filename
		// cgo's outputs (in the build cache) are not the user's files.
		if importsC(file) || (len(user) > 0 && !user[name]) {
			continue
		}
		f.file(file)
	}
	sort.SliceStable(f.edits, func(i, j int) bool {
		a, b := f.edits[i], f.edits[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		return a.Pos.Col < b.Pos.Col
	})
	return f.edits, nil
}

// ModuleSite renders sites as the design fixes them: the path relative to the
// module root and the line ("cmd/app/main.go:17"); for a package outside the
// main module "module@version/path.go:17".
func ModuleSite(pkg *packages.Package) func(token.Position) string {
	m := pkg.Module
	return func(p token.Position) string {
		line := ":" + strconv.Itoa(p.Line)
		if m == nil || m.Dir == "" {
			return filepath.Base(p.Filename) + line
		}
		rel, err := filepath.Rel(m.Dir, p.Filename)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return filepath.Base(p.Filename) + line
		}
		rel = filepath.ToSlash(rel)
		if !m.Main {
			mod := m.Path
			if m.Version != "" {
				mod += "@" + m.Version
			}
			rel = mod + "/" + rel
		}
		return rel + line
	}
}

// Located is a node an Edit can name, with the identity Edit records.
type Located struct {
	Node    ast.Node
	Pos     Pos
	Kind    string
	Key     string
	Ordinal int
}

// Locate lists the nodes of f an Edit can name, in pre-order. position maps
// a token.Pos to the position recorded in edits (the one honouring //line
// directives). Find and the rewriter both use it, so they agree on Ordinal.
func Locate(f *ast.File, position func(token.Pos) token.Position) []Located {
	var out []Located
	seen := map[string]int{}
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			return false
		}
		kind, key, ok := NodeKey(n)
		if !ok {
			return true
		}
		start, end := position(n.Pos()), position(n.End())
		id := fmt.Sprintf("%d\x00%s\x00%s", start.Line, kind, key)
		out = append(out, Located{
			Node:    n,
			Pos:     Pos{Line: start.Line, Col: start.Column, EndLine: end.Line, EndCol: end.Column},
			Kind:    kind,
			Key:     key,
			Ordinal: seen[id],
		})
		seen[id]++
		return true
	})
	return out
}

type finder struct {
	pkg      *types.Package
	info     *types.Info
	fset     *token.FileSet
	site     func(token.Position) string
	aliases  map[string]string
	consumed map[ast.Node]bool // nodes already part of an edit as receiver or callee
	located  map[ast.Node]Located
	filename string
	removed  map[*ast.Ident]bool // package qualifiers (or dot-imported names) edits replace
	edits    []Edit
}

func (f *finder) file(file *ast.File) {
	f.filename = f.fset.PositionFor(file.Pos(), false).Filename
	f.located = map[ast.Node]Located{}
	f.removed = map[*ast.Ident]bool{}
	for _, l := range Locate(file, f.fset.Position) {
		f.located[l.Node] = l
	}
	var stack []ast.Node
	ast.Inspect(file, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return false
		}
		f.visit(n, stack)
		stack = append(stack, n)
		return true
	})
	f.unusedImports(file)
}

// unusedImports adds a blank-import edit for each import whose every use
// the file's edits replace.
func (f *finder) unusedImports(file *ast.File) {
	sels := map[*ast.Ident]bool{}
	ast.Inspect(file, func(n ast.Node) bool {
		if s, ok := n.(*ast.SelectorExpr); ok {
			sels[s.Sel] = true
		}
		return true
	})
	for _, spec := range file.Imports {
		if spec.Name != nil && spec.Name.Name == "_" {
			continue
		}
		var uses func(id *ast.Ident) bool
		if spec.Name != nil && spec.Name.Name == "." {
			path, _ := strconv.Unquote(spec.Path.Value)
			uses = func(id *ast.Ident) bool {
				obj := f.info.Uses[id]
				_, isPkg := obj.(*types.PkgName)
				return !sels[id] && !isPkg && obj != nil && obj.Pkg() != nil && obj.Pkg().Path() == path
			}
		} else {
			var pkgName types.Object
			if spec.Name != nil {
				pkgName = f.info.Defs[spec.Name]
			} else {
				pkgName = f.info.Implicits[spec]
			}
			if pkgName == nil {
				continue
			}
			uses = func(id *ast.Ident) bool { return f.info.Uses[id] == pkgName }
		}
		total, left := 0, 0
		ast.Inspect(file, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && uses(id) {
				total++
				if !f.removed[id] {
					left++
				}
			}
			return true
		})
		if total > 0 && left == 0 {
			l := f.located[spec]
			f.edits = append(f.edits, Edit{
				File: f.filename, Pos: l.Pos, Node: l.Kind, Key: l.Key, Ordinal: l.Ordinal,
				Rule: "unused-import", Shape: ShapeBlankImport, Site: f.site(f.fset.PositionFor(spec.Pos(), false)),
			})
		}
	}
}

func (f *finder) visit(n ast.Node, stack []ast.Node) {
	switch n := n.(type) {
	case *ast.FuncDecl:
		switch {
		case n.Recv == nil && n.Name.Name == "main" && n.Body != nil && f.pkg.Name() == "main":
			r := byObject[KindMain]["main.main"]
			f.edits = append(f.edits, f.edit(n, n.Name.Pos(), r, r.Shape, r.Func))
		case f.isTestMain(n):
			r := byObject[KindMain]["testing.TestMain"]
			f.edits = append(f.edits, f.edit(n, n.Name.Pos(), r, r.Shape, r.Func))
		}
	case *ast.CallExpr:
		f.call(n)
	case *ast.SelectorExpr:
		if f.consumed[n] {
			f.consumed[n.Sel] = true
			return
		}
		if sel, ok := f.info.Selections[n]; ok {
			if r, recv := f.method(n, sel); r != nil && r.ValueFunc != "" {
				f.consumed[ast.Unparen(n.X)] = true
				e := f.edit(n, n.Pos(), r, r.ValueShape, r.ValueFunc)
				e.RecvPath, e.RecvAddr = recv.path, recv.addr
				f.edits = append(f.edits, e)
			}
			return
		}
		f.consumed[n.Sel] = true // the qualified identifier is handled here, not as an Ident
		f.variable(n, n.Sel, stack)
	case *ast.Ident:
		if !f.consumed[n] {
			f.variable(n, n, stack)
		}
	case *ast.UnaryExpr:
		lit, ok := n.X.(*ast.CompositeLit)
		if !ok || n.Op != token.AND {
			return
		}
		if r := f.literal(lit); r != nil {
			f.consumed[lit] = true
			f.edits = append(f.edits, f.edit(n, n.Pos(), r, r.Shape, r.Func))
		}
	case *ast.CompositeLit:
		if f.consumed[n] || n.Type == nil {
			return
		}
		if r := f.literal(n); r != nil && r.ValueFunc != "" {
			f.edits = append(f.edits, f.edit(n, n.Pos(), r, r.ValueShape, r.ValueFunc))
		}
	}
}

func (f *finder) call(call *ast.CallExpr) {
	if call.Ellipsis.IsValid() {
		return
	}
	if len(call.Args) == 1 {
		// f(g()) with g returning several values cannot take the extra
		// site argument.
		if _, multi := f.info.TypeOf(call.Args[0]).(*types.Tuple); multi {
			return
		}
	}
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		if r := f.funcRule(fun); r != nil {
			f.consumed[fun] = true
			f.removed[fun] = true
			f.edits = append(f.edits, f.edit(call, fun.Pos(), r, r.Shape, r.Func))
		}
	case *ast.SelectorExpr:
		if sel, ok := f.info.Selections[fun]; ok {
			if r, recv := f.method(fun, sel); r != nil {
				f.consumed[fun] = true
				f.consumed[ast.Unparen(fun.X)] = true
				e := f.edit(call, fun.Sel.Pos(), r, r.Shape, r.Func)
				e.RecvPath, e.RecvAddr = recv.path, recv.addr
				f.edits = append(f.edits, e)
			}
			return
		}
		if r := f.funcRule(fun.Sel); r != nil {
			if x, ok := ast.Unparen(fun.X).(*ast.Ident); ok {
				f.removed[x] = true
			}
			f.consumed[fun] = true
			f.consumed[fun.Sel] = true
			f.edits = append(f.edits, f.edit(call, fun.Sel.Pos(), r, r.Shape, r.Func))
		}
	}
}

func (f *finder) funcRule(id *ast.Ident) *Rule {
	fn, ok := f.info.Uses[id].(*types.Func)
	if !ok || fn.Pkg() == nil {
		return nil
	}
	if sig, ok := fn.Type().(*types.Signature); !ok || sig.Recv() != nil {
		return nil
	}
	return byObject[KindFunc][fn.FullName()]
}

type receiver struct {
	path []string
	addr bool
}

// method returns the rule for a method selection and how to build the
// wrapper's receiver from the written one. Receivers that are type
// parameters or interfaces call whatever method their dynamic type has, not
// net/http's, and are left alone.
func (f *finder) method(sel *ast.SelectorExpr, s *types.Selection) (*Rule, receiver) {
	if s.Kind() != types.MethodVal {
		return nil, receiver{}
	}
	fn, ok := s.Obj().(*types.Func)
	if !ok {
		return nil, receiver{}
	}
	r := byObject[KindMethod][fn.Origin().FullName()]
	if r == nil {
		return nil, receiver{}
	}
	t := f.info.TypeOf(sel.X)
	if t == nil || isTypeParamOrInterface(t) {
		return nil, receiver{}
	}
	var recv receiver
	idx := s.Index()
	for _, i := range idx[:len(idx)-1] {
		st, ok := deref(t).Underlying().(*types.Struct)
		if !ok {
			return nil, receiver{}
		}
		field := st.Field(i)
		if !field.Exported() && field.Pkg() != f.pkg {
			// Promoted through another package's unexported field: the
			// path cannot be written here.
			return nil, receiver{}
		}
		recv.path = append(recv.path, field.Name())
		t = field.Type()
	}
	_, isPtr := types.Unalias(t).Underlying().(*types.Pointer)
	recv.addr = !isPtr
	return r, recv
}

func isTypeParamOrInterface(t types.Type) bool {
	t = types.Unalias(t)
	if p, ok := t.(*types.Pointer); ok {
		t = types.Unalias(p.Elem())
	}
	if _, ok := t.(*types.TypeParam); ok {
		return true
	}
	return types.IsInterface(t)
}

func deref(t types.Type) types.Type {
	t = types.Unalias(t)
	if p, ok := t.Underlying().(*types.Pointer); ok {
		return types.Unalias(p.Elem())
	}
	return t
}

func (f *finder) literal(lit *ast.CompositeLit) *Rule {
	named, ok := types.Unalias(f.info.TypeOf(lit)).(*types.Named)
	if !ok || named.Obj().Pkg() == nil {
		return nil
	}
	return byObject[KindLiteral][named.Obj().Pkg().Path()+"."+named.Obj().Name()]
}

// variable wraps n (the expression naming a package variable, id its
// identifier) when it is used as a value.
func (f *finder) variable(n ast.Expr, id *ast.Ident, stack []ast.Node) {
	v, ok := f.info.Uses[id].(*types.Var)
	if !ok || v.Pkg() == nil || v.IsField() {
		return
	}
	r := byObject[KindVar][v.Pkg().Path()+"."+v.Name()]
	if r == nil || !f.rvalue(n, r, stack) {
		return
	}
	f.edits = append(f.edits, f.edit(n, n.Pos(), r, r.Shape, r.Func))
}

// rvalue reports whether n, a use of r's variable, reads the variable's
// value: assignment targets and &v must keep naming the variable itself.
func (f *finder) rvalue(n ast.Expr, r *Rule, stack []ast.Node) bool {
	var child ast.Node = n
	for i := len(stack) - 1; i >= 0; i-- {
		switch p := stack[i].(type) {
		case *ast.ParenExpr:
			child = p
			continue
		case *ast.AssignStmt:
			for _, l := range p.Lhs {
				if l == child {
					return false
				}
			}
		case *ast.RangeStmt:
			if p.Tok == token.ASSIGN && (p.Key == child || p.Value == child) {
				return false
			}
		case *ast.IncDecStmt:
			return false
		case *ast.UnaryExpr:
			return p.Op != token.AND
		case *ast.TypeAssertExpr:
			return !(r.KeepAsserted && p.X == child)
		}
		return true
	}
	return true
}

// edit builds the Edit for node n; anchor is the position the site names
// (the function or method name for calls, so that a call split over lines
// reports the line a reader looks for).
func (f *finder) edit(n ast.Node, anchor token.Pos, r *Rule, shape Shape, fn string) Edit {
	l, ok := f.located[n]
	if !ok {
		panic(errors.New("callsite: edit for a node Locate does not name"))
	}
	base := filepath.Base(r.Path)
	return Edit{
		File:    f.filename,
		Pos:     l.Pos,
		Node:    l.Kind,
		Key:     l.Key,
		Ordinal: l.Ordinal,
		Rule:    r.Name,
		Shape:   shape,
		Wrapper: Wrapper{Path: r.Path, Name: fn, Alias: f.aliases[base]},
		Site:    f.site(f.fset.PositionFor(anchor, false)),
	}
}

// isTestMain reports whether n is a test file's func TestMain(*testing.M).
func (f *finder) isTestMain(n *ast.FuncDecl) bool {
	if n.Recv != nil || n.Name.Name != "TestMain" || n.Body == nil || !strings.HasSuffix(f.filename, "_test.go") {
		return false
	}
	fn, ok := f.info.Defs[n.Name].(*types.Func)
	if !ok {
		return false
	}
	sig := fn.Type().(*types.Signature)
	if sig.Params().Len() != 1 || sig.Results().Len() != 0 {
		return false
	}
	ptr, ok := sig.Params().At(0).Type().(*types.Pointer)
	if !ok {
		return false
	}
	named, ok := ptr.Elem().(*types.Named)
	return ok && named.Obj().Name() == "M" && named.Obj().Pkg() != nil && named.Obj().Pkg().Path() == "testing"
}

func importsC(f *ast.File) bool {
	for _, imp := range f.Imports {
		if imp.Path.Value == `"C"` {
			return true
		}
	}
	return false
}

// aliases picks, for each wrapper package, an import name that no
// identifier of the package declares or uses, in any file: a file-scope
// import name would otherwise shadow (or clash with) the user's own name.
func aliases(files []*ast.File) map[string]string {
	used := map[string]bool{}
	for _, file := range files {
		ast.Inspect(file, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok {
				used[id.Name] = true
			}
			return true
		})
	}
	out := map[string]string{}
	for _, path := range []string{RuntimePath, HTTPTestPath} {
		base := filepath.Base(path)
		name := base
		for i := 1; used[name]; i++ {
			name = base + strconv.Itoa(i)
		}
		used[name] = true
		out[base] = name
	}
	return out
}
