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

// finders are the finder's side of each Kind: how a syntax node is
// recognised as a site of a rule of that kind, and its edit made. visit
// offers every node, in pre-order, to each of them; a node is the site of
// at most one rule. A new kind of site is a Kind, its entry here and its
// rules in Rules (TestEveryKindFound checks that the two agree), as a new
// form of edit is a Shape and its builder in the rewriter.
var finders = []struct {
	kind Kind
	find func(f *finder, n ast.Node, stack []ast.Node)
}{
	{KindMain, (*finder).mainSite},
	{KindFunc, (*finder).funcSite},
	{KindMethod, (*finder).methodSite},
	{KindLiteral, (*finder).literalSite},
	{KindVar, (*finder).varSite},
}

func (f *finder) visit(n ast.Node, stack []ast.Node) {
	for _, k := range finders {
		k.find(f, n, stack)
	}
}

// mainSite: func main of package main, and a test file's
// func TestMain(*testing.M).
func (f *finder) mainSite(n ast.Node, _ []ast.Node) {
	fd, ok := n.(*ast.FuncDecl)
	if !ok {
		return
	}
	var object string
	switch {
	case fd.Recv == nil && fd.Name.Name == "main" && fd.Body != nil && f.pkg.Name() == "main":
		object = "main.main"
	case f.isTestMain(fd):
		object = "testing.TestMain"
	default:
		return
	}
	r := byObject[KindMain][object]
	f.edits = append(f.edits, f.edit(fd, fd.Name.Pos(), r, r.Shape, r.Func))
}

// funcSite: a call of a package-level function, F(…) (dot import) or
// pkg.F(…).
func (f *finder) funcSite(n ast.Node, _ []ast.Node) {
	call, ok := n.(*ast.CallExpr)
	if !ok || !f.takesSite(call) {
		return
	}
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		if r := f.funcRule(fun); r != nil {
			f.consumed[fun] = true
			f.removed[fun] = true
			f.edits = append(f.edits, f.edit(call, fun.Pos(), r, r.Shape, r.Func))
		}
	case *ast.SelectorExpr:
		if _, method := f.info.Selections[fun]; method {
			return // methodSite's
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

// methodSite: a call of a method, x.M(…), and, for the rules that wrap
// them, a method value x.M.
func (f *finder) methodSite(n ast.Node, _ []ast.Node) {
	switch n := n.(type) {
	case *ast.CallExpr:
		fun, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr)
		if !ok || !f.takesSite(n) {
			return
		}
		if r, recv := f.methodRule(fun); r != nil {
			f.consumed[fun] = true
			f.methodEdit(n, fun, fun.Sel.Pos(), r, recv, r.Shape, r.Func)
		}
	case *ast.SelectorExpr:
		if f.consumed[n] {
			return // the callee of a call already rewritten
		}
		if r, recv := f.methodRule(n); r != nil && r.ValueFunc != "" {
			f.methodEdit(n, n, n.Pos(), r, recv, r.ValueShape, r.ValueFunc)
		}
	}
}

// methodRule returns the rule of fun when it selects a method of one, and
// how to build the wrapper's receiver (see method).
func (f *finder) methodRule(fun *ast.SelectorExpr) (*Rule, receiver) {
	sel, ok := f.info.Selections[fun]
	if !ok {
		return nil, receiver{}
	}
	return f.method(fun, sel)
}

// methodEdit adds the edit of n, a site of the method rule r that fun
// selects: the receiver, consumed, becomes the wrapper's first argument.
func (f *finder) methodEdit(n ast.Node, fun *ast.SelectorExpr, anchor token.Pos, r *Rule, recv receiver, shape Shape, fn string) {
	f.consumed[ast.Unparen(fun.X)] = true
	e := f.edit(n, anchor, r, shape, fn)
	e.RecvPath, e.RecvAddr = recv.path, recv.addr
	f.edits = append(f.edits, e)
}

// literalSite: &T{…}, and, for the rules that wrap values too, T{…}.
func (f *finder) literalSite(n ast.Node, _ []ast.Node) {
	switch n := n.(type) {
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

// varSite: a package variable used as a value, V (dot import) or pkg.V.
func (f *finder) varSite(n ast.Node, stack []ast.Node) {
	switch n := n.(type) {
	case *ast.SelectorExpr:
		if f.consumed[n] {
			f.consumed[n.Sel] = true
			return
		}
		if _, ok := f.info.Selections[n]; ok {
			return // a field or method, not a package's variable
		}
		f.consumed[n.Sel] = true // the qualified identifier is handled here, not as an Ident
		f.variable(n, n.Sel, stack)
	case *ast.Ident:
		if !f.consumed[n] {
			f.variable(n, n, stack)
		}
	}
}

// takesSite reports whether a call can take the site as an extra last
// argument: not F(xs...), nor F(g()) with g returning several values.
func (f *finder) takesSite(call *ast.CallExpr) bool {
	if call.Ellipsis.IsValid() {
		return false
	}
	if len(call.Args) == 1 {
		if _, multi := f.info.TypeOf(call.Args[0]).(*types.Tuple); multi {
			return false
		}
	}
	return true
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
