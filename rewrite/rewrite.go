package rewrite

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/dave/dst"
	"github.com/dave/dst/decorator"
	"github.com/dave/dst/dstutil"

	"github.com/gohttpdbg/gohttpdbg/rewrite/callsite"
	"github.com/gohttpdbg/gohttpdbg/rewrite/linemap"
)

// RewriteFile applies edits (all of them for this file, as callsite.Find
// returned them) to src, the content of filename, and returns the rewritten
// file, whose directives keep every original token at the position it has
// in src. With no edits src is returned as is.
//
// Edits name nodes by the positions go/token gives them after honouring the
// //line directives of src; filename is only the fallback for a src
// without directives (and the base against which relative directive file
// names resolve, as in go/scanner). This is what lets the same edits apply
// to the pristine file and to `go tool cover` output for it, which starts
// with a //line directive back to the pristine file.
func RewriteFile(filename string, src []byte, edits []callsite.Edit) ([]byte, error) {
	if len(edits) == 0 {
		return src, nil
	}
	abs, err := filepath.Abs(filename)
	if err != nil {
		return nil, fmt.Errorf("rewrite: %w", err)
	}
	// dst derives its layout from line numbers, so it must see raw lines:
	// parse a copy with the directives blanked out (offsets unchanged), and
	// take the positions that edits name from src itself.
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, abs, linemap.StripDirectives(src), parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("rewrite: %w", err)
	}
	raw := fset.File(f.Pos())
	adj := adjustedFile(abs, src)
	position := func(p token.Pos) token.Position {
		return adj.PositionFor(adj.Pos(raw.Offset(p)), true)
	}

	dec := decorator.NewDecorator(fset)
	df, err := dec.DecorateFile(f)
	if err != nil {
		return nil, fmt.Errorf("rewrite: %s: %w", abs, err)
	}
	targets, err := match(callsite.Locate(f, position), edits, position, func(n ast.Node) dst.Node {
		return dec.Dst.Nodes[n]
	})
	if err != nil {
		return nil, fmt.Errorf("rewrite: %s: %w", abs, err)
	}

	// Post-order: a node nested in another edit's node (a Transport literal
	// inside a Client literal, a wrapped receiver) is rewritten first, and
	// the outer rewrite moves the already rewritten child.
	dstutil.Apply(df, nil, func(c *dstutil.Cursor) bool {
		if t, ok := targets[c.Node()]; ok {
			c.Replace(replacement(c, t))
		}
		return true
	})
	addImports(df, edits)

	var buf bytes.Buffer
	if err := decorator.NewRestorer().Fprint(&buf, df); err != nil {
		return nil, fmt.Errorf("rewrite: %s: %w", abs, err)
	}
	var aliases []string
	for _, e := range edits {
		if e.Wrapper.Alias != "" {
			aliases = append(aliases, e.Wrapper.Alias)
		}
	}
	out, err := linemap.Apply(abs, src, buf.Bytes(), aliases...)
	if err != nil {
		return nil, fmt.Errorf("rewrite: %s: %w", abs, err)
	}
	return out, nil
}

// adjustedFile returns src's token.File with the line table and the
// directives go/scanner records while scanning it.
func adjustedFile(filename string, src []byte) *token.File {
	file := token.NewFileSet().AddFile(filename, -1, len(src))
	var s scanner.Scanner
	s.Init(file, src, nil, 0)
	for {
		if _, tok, _ := s.Scan(); tok == token.EOF {
			return file
		}
	}
}

// target is an edit with what the rewrite needs beyond it.
type target struct {
	callsite.Edit
	lparen *token.Position // original "(" of a method call split over lines
}

type exactKey struct {
	pos  callsite.Pos
	kind string
}

type lineKey struct {
	line      int
	kind, key string
	ordinal   int
}

// match finds the node each edit names by line, kind, key and ordinal,
// which survives the columns cover moves (it puts counters in front of
// statements) and is unique even where //line directives give several
// nodes one position; the exact span is the fallback.
func match(locs []callsite.Located, edits []callsite.Edit, position func(token.Pos) token.Position, toDst func(ast.Node) dst.Node) (map[dst.Node]target, error) {
	exact := map[exactKey][]callsite.Located{}
	byLine := map[lineKey]callsite.Located{}
	for _, l := range locs {
		k := exactKey{l.Pos, l.Kind}
		exact[k] = append(exact[k], l)
		byLine[lineKey{l.Pos.Line, l.Kind, l.Key, l.Ordinal}] = l
	}
	targets := map[dst.Node]target{}
	var missing []string
	for _, e := range edits {
		l, ok := byLine[lineKey{e.Pos.Line, e.Node, e.Key, e.Ordinal}]
		if !ok {
			if ls := exact[exactKey{e.Pos, e.Node}]; len(ls) == 1 {
				l, ok = ls[0], true
			}
		}
		if !ok {
			missing = append(missing, fmt.Sprintf("%d:%d %s %s (%s)", e.Pos.Line, e.Pos.Col, e.Node, e.Key, e.Rule))
			continue
		}
		n := toDst(l.Node)
		if n == nil {
			return nil, fmt.Errorf("no dst node for %s at %d:%d", e.Node, e.Pos.Line, e.Pos.Col)
		}
		if prev, dup := targets[n]; dup {
			return nil, fmt.Errorf("two edits for one node at %d:%d (%s, %s)", e.Pos.Line, e.Pos.Col, prev.Rule, e.Rule)
		}
		t := target{Edit: e}
		if call, ok := l.Node.(*ast.CallExpr); ok && e.Shape == callsite.ShapeMethodCall {
			// The wrapper's "(" takes the place of the receiver, but the
			// compiler attributes a call to its "(": keep the original
			// line when the receiver starts on another one.
			if lp := position(call.Lparen); lp.Line != position(call.Pos()).Line {
				t.lparen = &lp
			}
		}
		targets[n] = t
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("edits match no node: %s", strings.Join(missing, "; "))
	}
	return targets, nil
}

// shapeBuilders rewrite a node, one function per shape of edit that
// callsite declares (callsite.Shapes; TestEveryShapeBuilt checks the two
// lists agree): fun is the wrapper, site the site argument.
var shapeBuilders = map[callsite.Shape]func(c *dstutil.Cursor, e target, fun *dst.SelectorExpr, site *dst.BasicLit) dst.Node{
	callsite.ShapeCall:        buildCall,
	callsite.ShapeMethodCall:  buildMethodCall,
	callsite.ShapeMethodValue: buildMethodValue,
	callsite.ShapeWrap:        buildWrap,
	callsite.ShapeDeferFlush:  buildDeferFlush,
	callsite.ShapeBlankImport: buildBlankImport,
	callsite.ShapeDerefWrap:   buildDerefWrap,
}

// replacement returns the replacement for the cursor's node.
func replacement(c *dstutil.Cursor, e target) dst.Node {
	b, ok := shapeBuilders[e.Shape]
	if !ok {
		panic(fmt.Sprintf("rewrite: unknown edit shape %q", e.Shape))
	}
	fun := &dst.SelectorExpr{X: dst.NewIdent(e.Wrapper.Alias), Sel: dst.NewIdent(e.Wrapper.Name)}
	site := &dst.BasicLit{Kind: token.STRING, Value: strconv.Quote(e.Site)}
	return b(c, e, fun, site)
}

// buildCall: f(args) → W(args, site).
func buildCall(c *dstutil.Cursor, _ target, fun *dst.SelectorExpr, site *dst.BasicLit) dst.Node {
	call := c.Node().(*dst.CallExpr)
	call.Fun = fun
	call.Args = appendSite(call.Args, site)
	return call
}

// buildMethodCall: x.M(args) → W(x, args, site).
func buildMethodCall(c *dstutil.Cursor, e target, fun *dst.SelectorExpr, site *dst.BasicLit) dst.Node {
	call := c.Node().(*dst.CallExpr)
	sel := unparen(call.Fun).(*dst.SelectorExpr)
	call.Fun = fun
	call.Args = appendSite(append([]dst.Expr{receiver(sel.X, e.Edit)}, call.Args...), site)
	if e.lparen != nil {
		call.Decs.Fun.Append(linemap.Hint(*e.lparen))
	}
	return call
}

// buildMethodValue: x.M (not called) → W(x, site).
func buildMethodValue(c *dstutil.Cursor, e target, fun *dst.SelectorExpr, site *dst.BasicLit) dst.Node {
	sel := c.Node().(*dst.SelectorExpr)
	call := &dst.CallExpr{Fun: fun, Args: []dst.Expr{receiver(sel.X, e.Edit), site}}
	moveDecs(sel, call)
	return call
}

// buildWrap: e → W(e, site).
func buildWrap(c *dstutil.Cursor, _ target, fun *dst.SelectorExpr, site *dst.BasicLit) dst.Node {
	x := c.Node().(dst.Expr)
	call := &dst.CallExpr{Fun: fun}
	moveDecs(x, call)
	call.Args = []dst.Expr{x, site}
	return call
}

// buildDeferFlush puts defer W() first in the function's body.
func buildDeferFlush(c *dstutil.Cursor, _ target, fun *dst.SelectorExpr, _ *dst.BasicLit) dst.Node {
	fd := c.Node().(*dst.FuncDecl)
	fd.Body.List = append([]dst.Stmt{&dst.DeferStmt{Call: &dst.CallExpr{Fun: fun}}}, fd.Body.List...)
	return fd
}

// buildBlankImport renames the import to _.
func buildBlankImport(c *dstutil.Cursor, _ target, _ *dst.SelectorExpr, _ *dst.BasicLit) dst.Node {
	spec := c.Node().(*dst.ImportSpec)
	spec.Name = dst.NewIdent("_")
	return spec
}

// buildDerefWrap: T{…} → *W(&T{…}, site).
func buildDerefWrap(c *dstutil.Cursor, _ target, fun *dst.SelectorExpr, site *dst.BasicLit) dst.Node {
	lit := c.Node().(*dst.CompositeLit)
	star := &dst.StarExpr{X: &dst.CallExpr{Fun: fun, Args: []dst.Expr{&dst.UnaryExpr{Op: token.AND, X: lit}, site}}}
	moveDecs(lit, star)
	if operandSlot(c) {
		// *W(…).f would parse as *(W(…).f).
		return &dst.ParenExpr{X: star}
	}
	return star
}

// appendSite appends the site argument. When the arguments end on a line of
// their own, the newline moves after the site, so that the site stays on
// the line of the last argument and no line is added.
func appendSite(args []dst.Expr, site *dst.BasicLit) []dst.Expr {
	if len(args) > 0 {
		last := args[len(args)-1].Decorations()
		site.Decs.After, last.After = last.After, dst.None
	}
	return append(args, site)
}

// receiver builds the wrapper's receiver argument from the written one.
func receiver(x dst.Expr, e callsite.Edit) dst.Expr {
	for _, name := range e.RecvPath {
		x = &dst.SelectorExpr{X: x, Sel: dst.NewIdent(name)}
	}
	if e.RecvAddr {
		x = &dst.UnaryExpr{Op: token.AND, X: x}
	}
	return x
}

func unparen(x dst.Expr) dst.Expr {
	for {
		p, ok := x.(*dst.ParenExpr)
		if !ok {
			return x
		}
		x = p.X
	}
}

// moveDecs gives the replacement the comments and line breaks around the
// node it replaces.
func moveDecs(from, to dst.Node) {
	*to.Decorations() = *from.Decorations()
	*from.Decorations() = dst.NodeDecs{}
}

// operandSlot reports whether the cursor is the operand of a postfix
// expression (selector, index, slice, assertion, call), where a unary
// expression needs parentheses.
func operandSlot(c *dstutil.Cursor) bool {
	switch c.Parent().(type) {
	case *dst.SelectorExpr, *dst.IndexExpr, *dst.IndexListExpr, *dst.SliceExpr, *dst.TypeAssertExpr:
		return c.Name() == "X"
	case *dst.CallExpr:
		return c.Name() == "Fun"
	}
	return false
}

// addImports adds the wrapper packages the edits call, under the names
// the edits use, to the file's first import declaration.
func addImports(f *dst.File, edits []callsite.Edit) {
	seen := map[callsite.Wrapper]bool{}
	var specs []*dst.ImportSpec
	for _, e := range edits {
		w := callsite.Wrapper{Path: e.Wrapper.Path, Alias: e.Wrapper.Alias}
		if w.Path == "" || seen[w] {
			continue
		}
		seen[w] = true
		spec := &dst.ImportSpec{
			Name: dst.NewIdent(w.Alias),
			Path: &dst.BasicLit{Kind: token.STRING, Value: strconv.Quote(w.Path)},
		}
		spec.Decs.Before, spec.Decs.After = dst.NewLine, dst.NewLine
		specs = append(specs, spec)
	}
	sort.Slice(specs, func(i, j int) bool { return specs[i].Path.Value < specs[j].Path.Value })
	if len(f.Decls) > 0 {
		if gd, ok := f.Decls[0].(*dst.GenDecl); ok && gd.Tok == token.IMPORT {
			for _, s := range specs {
				gd.Specs = append(gd.Specs, s)
				f.Imports = append(f.Imports, s)
			}
			gd.Lparen, gd.Rparen = true, true
			return
		}
	}
	gd := &dst.GenDecl{Tok: token.IMPORT, Lparen: len(specs) > 1, Rparen: len(specs) > 1}
	gd.Decs.Before, gd.Decs.After = dst.EmptyLine, dst.EmptyLine
	for _, s := range specs {
		gd.Specs = append(gd.Specs, s)
		f.Imports = append(f.Imports, s)
	}
	f.Decls = append([]dst.Decl{gd}, f.Decls...)
}
